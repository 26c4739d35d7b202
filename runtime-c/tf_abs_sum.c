/* absSum of a block (§6): the reduction of abs(w) in block order. */
#include "tf_internal.h"

/*
 * Optimized: the same additions in the same order, eight loads ahead (no reassociation).
 * __builtin_fabsf clears the sign bit exactly like tf_abs_f32 (VABS on an FPU; no libm call),
 * and lets the compiler keep the values in FPU registers.
 */
float tf_abs_sum_f32(const float *w, uint32_t n) {
    float sum = 0.0f;
    uint32_t i = 0;
#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(TF_NO_ASM_ABS_SUM)
    /* Single-precision FPU: eight values per VLDMIA, then VABS and VADD one by one, in order
     * (the additions are exactly those of the loop below). */
    {
        uint32_t blocks = n >> 3;
        const float *p = w;
        if (blocks != 0u) {
            __asm__ volatile("1:\n\t"
                             "vldmia %1!, {s8-s15}\n\t"
                             "vabs.f32 s8, s8\n\t"
                             "vadd.f32 %0, %0, s8\n\t"
                             "vabs.f32 s9, s9\n\t"
                             "vadd.f32 %0, %0, s9\n\t"
                             "vabs.f32 s10, s10\n\t"
                             "vadd.f32 %0, %0, s10\n\t"
                             "vabs.f32 s11, s11\n\t"
                             "vadd.f32 %0, %0, s11\n\t"
                             "vabs.f32 s12, s12\n\t"
                             "vadd.f32 %0, %0, s12\n\t"
                             "vabs.f32 s13, s13\n\t"
                             "vadd.f32 %0, %0, s13\n\t"
                             "vabs.f32 s14, s14\n\t"
                             "vadd.f32 %0, %0, s14\n\t"
                             "vabs.f32 s15, s15\n\t"
                             "vadd.f32 %0, %0, s15\n\t"
                             "subs %2, %2, #1\n\t"
                             "bne 1b"
                             : "+t"(sum), "+r"(p), "+r"(blocks)
                             :
                             : "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15", "cc", "memory");
        }
        i = n & ~7u;
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
