/*
 * Numerics guards (docs/runtime.md, "Numerics guards"): does this build, on this FPU, compute
 * binary32 as §1 requires? tf_init and tf_resume refuse to start (TF_ERR_NUMERICS) otherwise.
 *
 * Every probe reads its operands through volatile, so the compiler cannot fold it and computes
 * it with the same instructions as the runtime's own code. The pinned results are the §1/§9
 * values (test/runtime.test.ts recomputes them with the simulator's numerics).
 */
#include "tf_internal.h"

/* exp32 (§9) inputs in [-8, -1] whose result changes when the compiler fuses its multiply-adds
 * (about 10 % of that range does), and the exact results. */
static const uint32_t tf_guard_exp_pins[][2] = {
    {0xC0180000u, 0x3DBE7E62u}, /* -2.375 */
    {0xC0466666u, 0x3D388584u}, /* -3.1 */
    {0xC0880000u, 0x3C69B488u}, /* -4.25 */
    {0xC0B80000u, 0x3B509634u}, /* -5.75 */
    {0xC0C00000u, 0x3B227290u}, /* -6 */
    {0xC0FC0000u, 0x39C74C0Cu}, /* -7.875 */
};

/* u = 1 + 2^-12: mul(u, u) = 1 + 2^-11 (the exact 1 + 2^-11 + 2^-24 ties to even), so
 * add(mul(u, u), -1) = 2^-11 while a fused multiply-add gives 2^-11 + 2^-24. */
#define TF_GUARD_U 0x3F800800u
#define TF_GUARD_2M11 0x3A000000u

static volatile uint32_t tf_guard_in[8] = {
    TF_GUARD_U, 0xBF800000u /* -1 */, 0x3F800000u /* 1 */, 0x00800000u /* 2^-126 */, 0x3F000000u /* 0.5 */,
    0x00000001u /* 2^-149 */, 0x33000000u /* 2^-25 */, 0x33800000u /* 2^-24 */,
};

static float tf_guard_f(uint32_t i) { return tf_f32_from_bits(tf_guard_in[i]); }

static uint32_t tf_guard_contraction(void) {
    const float u = tf_guard_f(0);
    const float minus_one = tf_guard_f(1);
    const float one = tf_guard_f(2);
    tf_adam_coef k;
    float m;
    float v;
    uint32_t faults = 0u;
    uint32_t i;
    if (tf_f32_to_bits(u * u + minus_one) != TF_GUARD_2M11 || tf_f32_to_bits(one - u * u) != (TF_GUARD_2M11 | 0x80000000u)) {
        faults |= TF_NUMERICS_CONTRACTION; /* this file's own multiply-add */
    }
    for (i = 0; i < sizeof tf_guard_exp_pins / sizeof tf_guard_exp_pins[0]; i++) {
        const volatile uint32_t x = tf_guard_exp_pins[i][0];
        if (tf_f32_to_bits(tf_exp32(tf_f32_from_bits(x))) != tf_guard_exp_pins[i][1]) {
            faults |= TF_NUMERICS_CONTRACTION;
        }
    }
    /* SGD (§8.10): sub(1, mul(u, u)) = -2^-11. */
    if (tf_f32_to_bits(tf_sgd_f32(one, u, u)) != (TF_GUARD_2M11 | 0x80000000u)) {
        faults |= TF_NUMERICS_CONTRACTION;
    }
    /* Adam (§8.10), one element: β1 = β2 = c1 = c2 = g = u, m = v = -u, lr = ε = d1 = d2 = 1,
     * w = 1. Both products of m' = add(mul(u, -u), mul(u, u)) are inexact, so m' = +0 only when
     * neither is fused (fused: ±2^-24); v' = 2^-12 + 2^-23; w' = 1. */
    k.lr = one;
    k.beta1 = u;
    k.beta2 = u;
    k.c1 = u;
    k.c2 = u;
    k.eps = one;
    k.d1 = one;
    k.d2 = one;
    m = -u;
    v = -u;
    if (tf_f32_to_bits(tf_adam_f32(one, &m, &v, u, &k)) != 0x3F800000u || tf_f32_to_bits(m) != 0x00000000u ||
        tf_f32_to_bits(v) != 0x39801000u) {
        faults |= TF_NUMERICS_CONTRACTION;
    }
    return faults;
}

/* Subnormals kept (§1): a subnormal result (flush-to-zero) and a subnormal operand
 * (denormals-are-zero) both survive. */
static uint32_t tf_guard_subnormals(void) {
    const float min_normal = tf_guard_f(3);
    const float half = tf_guard_f(4);
    const float min_sub = tf_guard_f(5);
    if (tf_f32_to_bits(min_normal * half) != 0x00400000u || tf_f32_to_bits(min_sub + min_sub) != 0x00000002u) {
        return TF_NUMERICS_SUBNORMALS;
    }
    return 0u;
}

/* Round to nearest, ties to even (§1): 1 + 3·2^-25 rounds up, 1 + 2^-24 (a tie) stays 1. */
static uint32_t tf_guard_rounding(void) {
    const float one = tf_guard_f(2);
    const float q = tf_guard_f(6);
    const float h = tf_guard_f(7);
    if (tf_f32_to_bits(one + (h + q)) != 0x3F800001u || tf_f32_to_bits(one + h) != 0x3F800000u) {
        return TF_NUMERICS_ROUNDING;
    }
    return 0u;
}

/* The FPU's mode register, where there is one: the flush-to-zero and rounding settings. */
static uint32_t tf_guard_fpu_mode(void) {
    uint32_t faults = 0u;
#if defined(__GNUC__) && defined(__ARM_FP) && !defined(__SOFTFP__)
    uint32_t fpscr;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
    if ((fpscr & (1u << 24)) != 0u) {
        faults |= TF_NUMERICS_SUBNORMALS; /* FZ */
    }
    if ((fpscr & (3u << 22)) != 0u) {
        faults |= TF_NUMERICS_ROUNDING; /* RMode */
    }
#elif defined(__GNUC__) && (defined(__x86_64__) || (defined(__i386__) && defined(__SSE_MATH__)))
    const uint32_t mxcsr = (uint32_t)__builtin_ia32_stmxcsr();
    if ((mxcsr & ((1u << 15) | (1u << 6))) != 0u) {
        faults |= TF_NUMERICS_SUBNORMALS; /* FTZ, DAZ */
    }
    if ((mxcsr & (3u << 13)) != 0u) {
        faults |= TF_NUMERICS_ROUNDING; /* RC */
    }
#endif
    return faults;
}

uint32_t tf_numerics_faults(void) {
    return tf_guard_contraction() | tf_guard_subnormals() | tf_guard_rounding() | tf_guard_fpu_mode();
}
