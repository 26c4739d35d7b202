/*
 * absSum of a block (§6): the variant `int` of tf_abs_sum_f32 (tf_abs_sum.c), for cores without
 * an FPU. Every term abs(w) and every partial sum is ≥ 0, so each add(sum, abs(w)) is an
 * addition of two non-negative binary32 numbers, done here on their bit patterns with
 * round-to-nearest-even (subnormals kept, overflow to +Inf), inline, instead of a call to
 * libgcc's general __aeabi_fadd. The same additions in the same order give the same bits;
 * a NaN or an infinity (only possible from a corrupt store) goes through the float addition.
 * Selected per target by `kernels.abs_sum: 'int'` in targets/targets.ts.
 */
#include "tf_internal.h"

/* add(a, b) for the patterns of two non-negative finite binary32 numbers. */
static inline uint32_t tf_add_nonneg_bits(uint32_t a, uint32_t b) {
    uint32_t ea, eb, ma, mb, d, s;
    if (a < b) {
        const uint32_t t = a;
        a = b;
        b = t;
    }
    if (b == 0u) {
        return a; /* x + 0 = x for x ≥ +0 (and +0 + +0 = +0) */
    }
    ea = a >> 23;
    eb = b >> 23;
    ma = a & 0x007FFFFFu;
    mb = b & 0x007FFFFFu;
    if (ea != 0u) {
        ma |= 0x00800000u;
    } else {
        ea = 1u; /* subnormal: exponent of the smallest normal, no hidden bit */
    }
    if (eb != 0u) {
        mb |= 0x00800000u;
    } else {
        eb = 1u;
    }
    /* six guard bits below the 24-bit significand; the sum fits below bit 31 */
    ma <<= 6;
    mb <<= 6;
    d = ea - eb;
    if (d != 0u) {
        if (d >= 31u) {
            mb = 1u; /* only a sticky bit is left (mb is not 0) */
        } else {
            mb = (mb >> d) | (uint32_t)((mb << (32u - d)) != 0u);
        }
    }
    s = ma + mb;
    if (s >= (1u << 30)) { /* carry out of the significand: one more exponent, keep the sticky bit */
        s = (s >> 1) | (s & 1u);
        ea++;
    }
    {
        const uint32_t rest = s & 0x3Fu;
        s >>= 6;
        if (rest > 0x20u || (rest == 0x20u && (s & 1u) != 0u)) {
            s++;
        }
    }
    /* (ea − 1)·2^23 + s: the hidden bit of s adds the last 1 to the exponent, a rounding carry
     * moves up by itself, and a subnormal sum (ea = 1, no hidden bit) stays subnormal. */
    s += (ea - 1u) << 23;
    return (s >= 0x7F800000u) ? 0x7F800000u : s;
}

float tf_abs_sum_f32_int(const float *w, uint32_t n) {
    uint32_t sum = 0u; /* +0 */
    uint32_t i;
    for (i = 0; i < n; i++) {
        const uint32_t t = tf_f32_to_bits(w[i]) & 0x7FFFFFFFu;
        if (t >= 0x7F800000u || sum >= 0x7F800000u) {
            /* NaN or Inf: the rest of the sum in binary32 arithmetic */
            float f = tf_f32_from_bits(sum);
            for (; i < n; i++) {
                f = f + tf_abs_f32(w[i]);
            }
            return f;
        }
        sum = tf_add_nonneg_bits(sum, t);
    }
    return tf_f32_from_bits(sum);
}
