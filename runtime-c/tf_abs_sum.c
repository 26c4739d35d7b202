/* absSum of a block (§6): the reduction of abs(w) in block order. */
#include "tf_internal.h"

/*
 * Optimized: the same additions in the same order, sixteen loads ahead (no reassociation).
 * __builtin_fabsf clears the sign bit exactly like tf_abs_f32 (VABS on an FPU; no libm call),
 * and lets the compiler keep the values in FPU registers.
 */
float tf_abs_sum_f32(const float *w, uint32_t n) {
    float sum = 0.0f;
    uint32_t i = 0;
#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(TF_NO_ASM_ABS_SUM)
    /* Single-precision FPU: sixteen values per VLDMIA, then VABS and VADD one by one, in order
     * (the additions are exactly those of the loops below, which take the rest). */
    {
        uint32_t blocks = n >> 4;
        const float *p = w;
        if (blocks != 0u) {
            __asm__ volatile("1:\n\t"
                             "vldmia %1!, {s16-s31}\n\t"
                             "vabs.f32 s16, s16\n\t"
                             "vadd.f32 %0, %0, s16\n\t"
                             "vabs.f32 s17, s17\n\t"
                             "vadd.f32 %0, %0, s17\n\t"
                             "vabs.f32 s18, s18\n\t"
                             "vadd.f32 %0, %0, s18\n\t"
                             "vabs.f32 s19, s19\n\t"
                             "vadd.f32 %0, %0, s19\n\t"
                             "vabs.f32 s20, s20\n\t"
                             "vadd.f32 %0, %0, s20\n\t"
                             "vabs.f32 s21, s21\n\t"
                             "vadd.f32 %0, %0, s21\n\t"
                             "vabs.f32 s22, s22\n\t"
                             "vadd.f32 %0, %0, s22\n\t"
                             "vabs.f32 s23, s23\n\t"
                             "vadd.f32 %0, %0, s23\n\t"
                             "vabs.f32 s24, s24\n\t"
                             "vadd.f32 %0, %0, s24\n\t"
                             "vabs.f32 s25, s25\n\t"
                             "vadd.f32 %0, %0, s25\n\t"
                             "vabs.f32 s26, s26\n\t"
                             "vadd.f32 %0, %0, s26\n\t"
                             "vabs.f32 s27, s27\n\t"
                             "vadd.f32 %0, %0, s27\n\t"
                             "vabs.f32 s28, s28\n\t"
                             "vadd.f32 %0, %0, s28\n\t"
                             "vabs.f32 s29, s29\n\t"
                             "vadd.f32 %0, %0, s29\n\t"
                             "vabs.f32 s30, s30\n\t"
                             "vadd.f32 %0, %0, s30\n\t"
                             "vabs.f32 s31, s31\n\t"
                             "vadd.f32 %0, %0, s31\n\t"
                             "subs %2, %2, #1\n\t"
                             "bne 1b"
                             : "+t"(sum), "+r"(p), "+r"(blocks)
                             :
                             : "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27",
                               "s28", "s29", "s30", "s31", "cc", "memory");
        }
        i = n & ~15u;
    }
#endif
    for (; i + 8u <= n; i += 8u) {
        const float *p = w + i;
        const float a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], a4 = p[4], a5 = p[5], a6 = p[6], a7 = p[7];
        sum = sum + __builtin_fabsf(a0);
        sum = sum + __builtin_fabsf(a1);
        sum = sum + __builtin_fabsf(a2);
        sum = sum + __builtin_fabsf(a3);
        sum = sum + __builtin_fabsf(a4);
        sum = sum + __builtin_fabsf(a5);
        sum = sum + __builtin_fabsf(a6);
        sum = sum + __builtin_fabsf(a7);
    }
    for (; i < n; i++) {
        sum = sum + __builtin_fabsf(w[i]);
    }
    return sum;
}

float tf_abs_sum_f32_ref(const float *w, uint32_t n) {
    float sum = 0.0f;
    uint32_t i;
    for (i = 0; i < n; i++) {
        sum = sum + tf_abs_f32(w[i]);
    }
    return sum;
}
