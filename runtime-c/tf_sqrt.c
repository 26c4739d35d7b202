/* Correctly rounded binary32 square root (§1), without libm. */
#include "tf_internal.h"

/*
 * Where the FPU has a single-precision square root (Cortex-M4F, M7, M33 with FPU), use it:
 * VSQRT.F32 is correctly rounded. __builtin_sqrtf would also emit it, but with errno handling
 * gcc adds a call to libm's sqrtf for negative inputs; the asm keeps libm out entirely.
 */
float tf_sqrt_f32(float x) {
#if defined(__ARM_FP) && ((__ARM_FP & 4) != 0) && !defined(TF_NO_HW_SQRT)
    float r;
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(x));
    return r;
#else
    return tf_sqrt_f32_ref(x);
#endif
}

/*
 * Bit-by-bit integer square root of the significand (as in fdlibm's e_sqrtf.c), rounded to
 * nearest: a binary32 square root is never exactly halfway between two binary32 values, so a
 * non-zero remainder with the round bit set means "round up".
 */
float tf_sqrt_f32_ref(float x) {
    const uint32_t ix = tf_f32_to_bits(x);
    int32_t e;
    uint32_t m;
    uint32_t q = 0;
    uint32_t s = 0;
    uint32_t bit = 0x01000000u;
    if ((ix & 0x7FFFFFFFu) == 0u) {
        return x; /* sqrt(±0) = ±0 */
    }
    if ((ix & 0x7FFFFFFFu) > 0x7F800000u) {
        return tf_f32_from_bits(ix | 0x00400000u); /* NaN, quieted */
    }
    if ((ix & 0x80000000u) != 0u) {
        return tf_f32_from_bits(0x7FC00000u); /* negative, -Inf included */
    }
    if (ix == 0x7F800000u) {
        return x; /* +Inf */
    }
    e = (int32_t)(ix >> 23);
    m = ix & 0x007FFFFFu;
    if (e == 0) {
        e = 1; /* subnormal: normalise */
        while ((m & 0x00800000u) == 0u) {
            m <<= 1;
            e--;
        }
    } else {
        m |= 0x00800000u;
    }
    e -= 127; /* x = m · 2^(e - 23), 2^23 <= m < 2^24 */
    if ((e & 1) != 0) {
        m <<= 1; /* make the exponent even */
        e -= 1;
    }
    m <<= 1;
    while (bit != 0u) {
        const uint32_t t = s + bit;
        if (t <= m) {
            s = t + bit;
            m -= t;
            q += bit;
        }
        m <<= 1;
        bit >>= 1;
    }
    if (m != 0u) {
        q += q & 1u; /* round bit set and inexact: round up */
    }
    return tf_f32_from_bits((q >> 1) + ((uint32_t)(e / 2 + 126) << 23));
}
