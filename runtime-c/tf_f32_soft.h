/*
 * Binary32 multiply, add and subtract for cores without an FPU, inline, bit for bit the IEEE-754
 * operations with round to nearest, ties to even (§1). Each has a fast path on the bit patterns
 * for the common case: both operands normal and the rounded result normal (and, for add/sub,
 * not zero). It uses only 32-bit integer instructions and one 32 × 32 → 64-bit multiply (UMULL),
 * CLZ and shifts, which Cortex-M3 and later have (Cortex-M0 has neither UMULL nor CLZ). Every
 * other case (a zero, subnormal, infinite or NaN operand; an exact zero sum; a result that
 * would overflow, be subnormal or underflow) goes to the compiler's own float operation
 * (libgcc's soft-float routine on such a core), so correctness never rests on the fast path
 * covering a case: the fast path only has to be right where it answers.
 *
 * Used by the variant `soft` of the SGD kernels (tf_sgd_soft.c). Tested against the host's
 * binary32 arithmetic on millions of operand pairs and against libgcc under QEMU
 * (test/runtime/test_f32_soft.c).
 */
#ifndef TF_F32_SOFT_H
#define TF_F32_SOFT_H

#include "tinyfoa.h"

/* Sign, exponent field and significand with its hidden bit. */
#define TF_F32_SIGN 0x80000000u
#define TF_F32_FRAC 0x007FFFFFu
#define TF_F32_HIDDEN 0x00800000u

/* Always inlined: a call would cost what the fast path saves (GNU C, as the runtime's builtins). */
#define TF_F32_SOFT_INLINE static inline __attribute__((always_inline))

/*
 * mul(a, b). For normal a = 1.f_a · 2^(e_a − 127) and b = 1.f_b · 2^(e_b − 127), the exact
 * product of the significands, scaled to 2^31 · 2^23, is a 56-bit integer in [2^54, 2^56): its
 * upper word holds the 24 significant bits (after at most one shift left), the lower word the
 * bits below them; the lower word's top bit is the half, the rest decides ties. The biased
 * exponent is e_a + e_b − 127 (+1 when the product is in [2, 4)); the fast path takes it only
 * in [1, 253], so that even a rounding carry leaves a normal number. On the patterns ua, ub:
 * writes the product to *out and returns 1, or returns 0 (the caller uses the float operation).
 */
TF_F32_SOFT_INLINE int tf_f32_mul_bits_soft(uint32_t ua, uint32_t ub, uint32_t *out) {
    const uint32_t ea = (ua >> 23) & 0xFFu;
    const uint32_t eb = (ub >> 23) & 0xFFu;
    if (ea - 1u < 254u && eb - 1u < 254u) {
        const uint64_t p = (uint64_t)((ua << 8) | TF_F32_SIGN) * (uint64_t)((ub & TF_F32_FRAC) | TF_F32_HIDDEN);
        uint32_t hi = (uint32_t)(p >> 32); /* in [2^22, 2^24) */
        uint32_t lo = (uint32_t)p;
        uint32_t e = ea + eb - 127u; /* wraps to a huge value when ea + eb < 127: not fast */
        if (hi < TF_F32_HIDDEN) {
            hi = (hi << 1) | (lo >> 31);
            lo <<= 1;
        } else {
            e++;
        }
        if (e - 1u < 253u) {
            /* hi's hidden bit adds the last 1 to the exponent; a rounding carry moves it up */
            uint32_t r = ((ua ^ ub) & TF_F32_SIGN) + ((e - 1u) << 23) + hi;
            if (lo > TF_F32_SIGN || (lo == TF_F32_SIGN && (hi & 1u) != 0u)) {
                r++;
            }
            *out = r;
            return 1;
        }
    }
    return 0;
}

/* mul(a, b). */
TF_F32_SOFT_INLINE float tf_f32_mul_soft(float a, float b) {
    uint32_t r;
    if (tf_f32_mul_bits_soft(tf_f32_to_bits(a), tf_f32_to_bits(b), &r) != 0) {
        return tf_f32_from_bits(r);
    }
    return a * b;
}

/*
 * mul(k2, mul(k1, x)), each product rounded as itself, the inner one kept unpacked: its rounded
 * significand hi (in [2^23, 2^24]; 2^24 is a rounding carry into the next binade, the same
 * value) goes straight into the second multiply, whose 56-bit product stays below 2^56. Both
 * fast paths as in tf_f32_mul_bits_soft; anything else is the two float multiplications.
 */
TF_F32_SOFT_INLINE float tf_f32_mul_mul_soft(float k2, float k1, float x) {
    const uint32_t u2 = tf_f32_to_bits(k2);
    const uint32_t u1 = tf_f32_to_bits(k1);
    const uint32_t ux = tf_f32_to_bits(x);
    const uint32_t e2 = (u2 >> 23) & 0xFFu;
    const uint32_t e1 = (u1 >> 23) & 0xFFu;
    const uint32_t ex = (ux >> 23) & 0xFFu;
    if (e2 - 1u < 254u && e1 - 1u < 254u && ex - 1u < 254u) {
        uint64_t p = (uint64_t)((u1 << 8) | TF_F32_SIGN) * (uint64_t)((ux & TF_F32_FRAC) | TF_F32_HIDDEN);
        uint32_t hi = (uint32_t)(p >> 32);
        uint32_t lo = (uint32_t)p;
        uint32_t e = e1 + ex - 127u;
        if (hi < TF_F32_HIDDEN) {
            hi = (hi << 1) | (lo >> 31);
            lo <<= 1;
        } else {
            e++;
        }
        if (e - 1u < 253u) {
            uint32_t f;
            if (lo > TF_F32_SIGN || (lo == TF_F32_SIGN && (hi & 1u) != 0u)) {
                hi++;
            }
            p = (uint64_t)((u2 << 8) | TF_F32_SIGN) * (uint64_t)hi;
            lo = (uint32_t)p;
            hi = (uint32_t)(p >> 32);
            f = e2 + e - 127u;
            if (hi < TF_F32_HIDDEN) {
                hi = (hi << 1) | (lo >> 31);
                lo <<= 1;
            } else {
                f++;
            }
            if (f - 1u < 253u) {
                uint32_t r = ((u1 ^ u2 ^ ux) & TF_F32_SIGN) + ((f - 1u) << 23) + hi;
                if (lo > TF_F32_SIGN || (lo == TF_F32_SIGN && (hi & 1u) != 0u)) {
                    r++;
                }
                return tf_f32_from_bits(r);
            }
        }
    }
    return k2 * (k1 * x);
}

/*
 * mul(k2, mul(k1, x)) for fixed k2, k1 and many x (the SGD step mul(lr, mul(δz_j, h_i)) over a
 * row's inputs): tf_f32_mul_mul_soft with k2's and k1's significands (scaled by 2^8), exponent
 * fields and signs unpacked once by tf_f32_k2k1_soft. A k that is not normal gets an exponent
 * field of 2^30 instead, so that every x fails the fast path's exponent test and takes the two
 * float multiplications, as in tf_f32_mul_mul_soft.
 */
typedef struct tf_f32_k2k1 {
    float k2, k1;
    uint32_t m2, m1, e2, e1, sign;
} tf_f32_k2k1;

TF_F32_SOFT_INLINE tf_f32_k2k1 tf_f32_k2k1_soft(float k2, float k1) {
    tf_f32_k2k1 k;
    const uint32_t u2 = tf_f32_to_bits(k2);
    const uint32_t u1 = tf_f32_to_bits(k1);
    const uint32_t e2 = (u2 >> 23) & 0xFFu;
    const uint32_t e1 = (u1 >> 23) & 0xFFu;
    k.k2 = k2;
    k.k1 = k1;
    k.m2 = (u2 << 8) | TF_F32_SIGN;
    k.m1 = (u1 << 8) | TF_F32_SIGN;
    k.e2 = (e2 - 1u < 254u) ? e2 : (1u << 30);
    k.e1 = (e1 - 1u < 254u) ? e1 : (1u << 30);
    k.sign = (u1 ^ u2) & TF_F32_SIGN;
    return k;
}

TF_F32_SOFT_INLINE float tf_f32_mul_mul_k_soft(const tf_f32_k2k1 *k, float x) {
    const uint32_t ux = tf_f32_to_bits(x);
    const uint32_t ex = (ux >> 23) & 0xFFu;
    if (ex - 1u < 254u) {
        uint64_t p = (uint64_t)k->m1 * (uint64_t)((ux & TF_F32_FRAC) | TF_F32_HIDDEN);
        uint32_t hi = (uint32_t)(p >> 32);
        uint32_t lo = (uint32_t)p;
        uint32_t e = k->e1 + ex - 127u; /* ≥ 2^30 − 126 for a k1 that is not normal: not fast */
        if (hi < TF_F32_HIDDEN) {
            hi = (hi << 1) | (lo >> 31);
            lo <<= 1;
        } else {
            e++;
        }
        if (e - 1u < 253u) {
            uint32_t f;
            if (lo > TF_F32_SIGN || (lo == TF_F32_SIGN && (hi & 1u) != 0u)) {
                hi++;
            }
            p = (uint64_t)k->m2 * (uint64_t)hi;
            lo = (uint32_t)p;
            hi = (uint32_t)(p >> 32);
            f = k->e2 + e - 127u; /* likewise for k2 */
            if (hi < TF_F32_HIDDEN) {
                hi = (hi << 1) | (lo >> 31);
                lo <<= 1;
            } else {
                f++;
            }
            if (f - 1u < 253u) {
                uint32_t r = ((ux & TF_F32_SIGN) ^ k->sign) + ((f - 1u) << 23) + hi;
                if (lo > TF_F32_SIGN || (lo == TF_F32_SIGN && (hi & 1u) != 0u)) {
                    r++;
                }
                return tf_f32_from_bits(r);
            }
        }
    }
    return k->k2 * (k->k1 * x);
}

/*
 * add(x, y) on the patterns ua, ub when both are normal and the sum is normal and not zero, or
 * one is normal and the other ±0: writes it to *out and returns 1; otherwise returns 0 (the
 * caller uses the float operation).
 * The larger magnitude comes first; the significands get six guard bits, the smaller one is
 * shifted right by the exponent difference with every bit shifted out folded into its lowest
 * bit (sticky). That folded bit can only make the (integer) sum odd, never land on a rounding
 * boundary (those are multiples of 2^4 here), so rounding it gives the exact sum's rounding.
 * A difference of operands at most one exponent apart is exact (no bit is shifted out) and is
 * normalized by CLZ; a larger difference loses at most one bit of normalization.
 */
TF_F32_SOFT_INLINE int tf_f32_add_bits_soft(uint32_t ua, uint32_t ub, uint32_t *out) {
    uint32_t ea, eb, ma, mb, d, s, m;
    if ((ua & ~TF_F32_SIGN) < (ub & ~TF_F32_SIGN)) {
        const uint32_t t = ua;
        ua = ub;
        ub = t;
    }
    ea = (ua >> 23) & 0xFFu;
    eb = (ub >> 23) & 0xFFu;
    if (ea == 0xFFu || eb == 0u) { /* eb ≤ ea: both are normal iff these are false */
        if ((ub & ~TF_F32_SIGN) == 0u && ea - 1u < 254u) {
            *out = ua; /* x + ±0 = x for a normal x */
            return 1;
        }
        return 0;
    }
    ma = ((ua & TF_F32_FRAC) | TF_F32_HIDDEN) << 6; /* in [2^29, 2^30) */
    mb = ((ub & TF_F32_FRAC) | TF_F32_HIDDEN) << 6;
    d = ea - eb;
    if (d != 0u) {
        mb = (d >= 31u) ? 1u : ((mb >> d) | (uint32_t)((mb << (32u - d)) != 0u));
    }
    /* Rounding to nearest even: s + 0x1F + (the kept lowest bit) carries into bit 6 exactly when
     * the six dropped bits are above half, or half with the kept lowest bit 1. Then
     * (e − 1)·2^23 + s: the hidden bit of s adds the last 1 to the exponent; a carry moves up. */
    if (((ua ^ ub) & TF_F32_SIGN) == 0u) {
        s = ma + mb; /* < 2^31 */
        if (s >= (1u << 30)) {
            s = (s >> 1) | (s & 1u);
            ea++;
        }
        s = (s + 0x1Fu + ((s >> 6) & 1u)) >> 6;
        m = ((ea - 1u) << 23) + s;
        if (m >= 0x7F800000u) {
            return 0; /* overflow */
        }
    } else {
        uint32_t n;
        s = ma - mb;
        if (s == 0u) {
            return 0; /* x − x = +0 */
        }
        n = (uint32_t)__builtin_clz(s) - 2u; /* s < 2^30 */
        if (n >= ea) {
            return 0; /* the difference is subnormal */
        }
        s <<= n;
        ea -= n;
        s = (s + 0x1Fu + ((s >> 6) & 1u)) >> 6;
        m = ((ea - 1u) << 23) + s; /* below the larger operand's magnitude: no overflow */
    }
    *out = (ua & TF_F32_SIGN) | m;
    return 1;
}

/* add(a, b). */
TF_F32_SOFT_INLINE float tf_f32_add_soft(float a, float b) {
    uint32_t r;
    if (tf_f32_add_bits_soft(tf_f32_to_bits(a), tf_f32_to_bits(b), &r) != 0) {
        return tf_f32_from_bits(r);
    }
    return a + b;
}

/* sub(a, b) = add(a, −b) (negation is exact: it flips the sign bit). */
TF_F32_SOFT_INLINE float tf_f32_sub_soft(float a, float b) {
    uint32_t r;
    if (tf_f32_add_bits_soft(tf_f32_to_bits(a), tf_f32_to_bits(b) ^ TF_F32_SIGN, &r) != 0) {
        return tf_f32_from_bits(r);
    }
    return a - b;
}

/*
 * sub(a, b) with a fast path for a larger than b by 1 to 30 binades, the common case of an SGD
 * update w − t: on the patterns ua, ub, writes it to *out and returns 1 when b is normal with an
 * exponent field e_b ≤ 224 and a's field e_a is e_b + d for 1 ≤ d ≤ 30 (so a is normal and
 * |a| > |b|: tf_f32_add_bits_soft's operand swap, its tests of the fields and of d = 0 are
 * known, and one test of d covers them), and the result is normal; otherwise returns 0 (the
 * caller uses tf_f32_sub_soft). The arithmetic is tf_f32_add_bits_soft's for add(a, −b) with a
 * first: the signs differ iff the magnitudes add; the result has a's sign.
 */
TF_F32_SOFT_INLINE int tf_f32_sub_apart_bits_soft(uint32_t ua, uint32_t ub, uint32_t *out) {
    const uint32_t eb = (ub >> 23) & 0xFFu;
    uint32_t ea = (ua >> 23) & 0xFFu;
    const uint32_t d = ea - eb;
    uint32_t ma, mb, s, m;
    if (d - 1u >= 30u || eb - 1u >= 224u) {
        return 0;
    }
    ma = ((ua & TF_F32_FRAC) | TF_F32_HIDDEN) << 6; /* in [2^29, 2^30) */
    mb = ((ub & TF_F32_FRAC) | TF_F32_HIDDEN) << 6;
    mb = (mb >> d) | (uint32_t)((mb << (32u - d)) != 0u); /* below 2^29 */
    if (((ua ^ ub) & TF_F32_SIGN) != 0u) {
        s = ma + mb; /* < 2^31 */
        if (s >= (1u << 30)) {
            s = (s >> 1) | (s & 1u);
            ea++;
        }
        s = (s + 0x1Fu + ((s >> 6) & 1u)) >> 6;
        m = ((ea - 1u) << 23) + s;
        if (m >= 0x7F800000u) {
            return 0; /* overflow */
        }
    } else {
        uint32_t n;
        s = ma - mb; /* in (0, 2^30): mb < 2^29 ≤ ma */
        n = (uint32_t)__builtin_clz(s) - 2u;
        if (n >= ea) {
            return 0; /* the difference is subnormal */
        }
        s <<= n;
        ea -= n;
        s = (s + 0x1Fu + ((s >> 6) & 1u)) >> 6;
        m = ((ea - 1u) << 23) + s;
    }
    *out = (ua & TF_F32_SIGN) | m;
    return 1;
}

/* sub(a, b): tf_f32_sub_apart_bits_soft, else tf_f32_sub_soft. */
TF_F32_SOFT_INLINE float tf_f32_sub_apart_soft(float a, float b) {
    uint32_t r;
    if (tf_f32_sub_apart_bits_soft(tf_f32_to_bits(a), tf_f32_to_bits(b), &r) != 0) {
        return tf_f32_from_bits(r);
    }
    return tf_f32_sub_soft(a, b);
}

/*
 * a < b. For patterns that are not NaN, the key below orders them as their values: positive
 * numbers above 2^31 in their own order, negative ones below it in reverse, ±0 both at 2^31.
 * A NaN (unordered: every comparison false) goes through the float comparison.
 */
TF_F32_SOFT_INLINE uint32_t tf_f32_order_key_soft(uint32_t u) {
    return ((u & TF_F32_SIGN) != 0u) ? TF_F32_SIGN - (u & ~TF_F32_SIGN) : (u | TF_F32_SIGN);
}

TF_F32_SOFT_INLINE int tf_f32_lt_soft(float a, float b) {
    const uint32_t ua = tf_f32_to_bits(a);
    const uint32_t ub = tf_f32_to_bits(b);
    if ((ua & ~TF_F32_SIGN) > 0x7F800000u || (ub & ~TF_F32_SIGN) > 0x7F800000u) {
        return a < b;
    }
    return tf_f32_order_key_soft(ua) < tf_f32_order_key_soft(ub);
}

/* add(+0, x): x itself unless x is ±0 (−0 gives +0) or a NaN (both through the float addition). */
TF_F32_SOFT_INLINE float tf_f32_add0_soft(float x) {
    if ((tf_f32_to_bits(x) & ~TF_F32_SIGN) - 1u < 0x7F800000u) {
        return x;
    }
    return 0.0f + x;
}

/* f32(q) for an integer 0 ≤ q < 2^24 (exact): CLZ finds the leading bit. */
TF_F32_SOFT_INLINE float tf_f32_from_u24_soft(uint32_t q) {
    const uint32_t n = (uint32_t)__builtin_clz(q | 1u); /* ≥ 8 */
    return tf_f32_from_bits((q == 0u) ? 0u : ((157u - n) << 23) + ((q << n) >> 8));
}

#endif /* TF_F32_SOFT_H */
