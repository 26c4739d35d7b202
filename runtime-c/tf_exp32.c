/* exp32 (§9), operation for operation; generator/numerics/exp32.ts is its twin. */
#include "tf_internal.h"

/* Hexadecimal literals of the §9 bit patterns (checked bit for bit by the tests). */
#define TF_EXP_LOG2E 0x1.715476p0f   /* 0x3FB8AA3B */
#define TF_EXP_LN2_HI 0x1.62e400p-1f /* 0x3F317200 */
#define TF_EXP_LN2_LO 0x1.7f7d1cp-20f /* 0x35BFBE8E */
#define TF_EXP_OVER 0x1.62e430p6f    /* 0x42B17218, 88.72284 */
#define TF_EXP_UNDER -0x1.9fe36ap6f  /* 0xC2CFF1B5, -103.97208 */
#define TF_EXP_P7 0x1.a01a02p-13f    /* f32(1/5040) */
#define TF_EXP_P6 0x1.6c16c2p-10f    /* f32(1/720) */
#define TF_EXP_P5 0x1.111112p-7f     /* f32(1/120) */
#define TF_EXP_P4 0x1.555556p-5f     /* f32(1/24) */
#define TF_EXP_P3 0x1.555556p-3f     /* f32(1/6) */
#define TF_EXP_P2 0.5f
#define TF_EXP_P1 1.0f
#define TF_EXP_P0 1.0f

/* 2^e for -126 <= e <= 127, from its bit pattern. */
static float tf_pow2(int32_t e) { return tf_f32_from_bits((uint32_t)(e + 127) << 23); }

float tf_exp32(float x) {
    float t;
    float kf;
    float r;
    float p;
    int32_t k;
    if ((tf_f32_to_bits(x) & 0x7FFFFFFFu) > 0x7F800000u) {
        return x; /* NaN */
    }
    if (x > TF_EXP_OVER) {
        return tf_f32_from_bits(0x7F800000u);
    }
    if (x < TF_EXP_UNDER) {
        return 0.0f;
    }
    t = x * TF_EXP_LOG2E + ((x < 0.0f) ? -0.5f : 0.5f);
    k = (int32_t)t; /* truncation toward zero; |t| < 151 */
    kf = (float)k;
    r = (x - kf * TF_EXP_LN2_HI) - kf * TF_EXP_LN2_LO;
    p = TF_EXP_P7;
    p = p * r + TF_EXP_P6;
    p = p * r + TF_EXP_P5;
    p = p * r + TF_EXP_P4;
    p = p * r + TF_EXP_P3;
    p = p * r + TF_EXP_P2;
    p = p * r + TF_EXP_P1;
    p = p * r + TF_EXP_P0;
    if (k > 127) {
        return (p * tf_pow2(127)) * tf_pow2(k - 127);
    }
    if (k >= -126) {
        return p * tf_pow2(k);
    }
    return (p * tf_pow2(-126)) * tf_pow2(k + 126);
}
