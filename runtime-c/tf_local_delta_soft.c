/*
 * Local error δa, δh, δz (§8.2–4) with the gradient gate g < z < 1: the variant `soft` of
 * tf_local_delta_f32 (tf_local_delta.c), for cores without an FPU. The same operations in the
 * same order, each done by tf_f32_soft.h's inline integer version (the float operation outside
 * its fast path), instead of libgcc's __aeabi_fadd / __aeabi_fsub / __mulsf3 and comparison
 * calls: the same bits. Selected per target by `kernels.local_delta: 'soft'` in
 * targets/targets.ts (docs/runtime.md, "Kernel variants"); not built on an Arm core without
 * CLZ (Cortex-M0), so choosing it there is a build error.
 */
#include "tf_internal.h"

#if !defined(__arm__) || defined(__ARM_FEATURE_CLZ)
#include "tf_f32_soft.h"

void tf_local_delta_f32_soft(float *p, uint8_t classes, uint8_t label, const tf_word *cbits, uint16_t units,
                             float beta, float gate_low, float *z) {
    const uint32_t row_words = tf_words_for(units);
    uint32_t c;
    uint32_t j;
    for (c = 0; c < classes; c++) {
        p[c] = tf_f32_sub_soft(p[c], (c == label) ? 1.0f : 0.0f);
    }
    for (j = 0; j < units; j++) {
        const float zj = z[j];
        if (tf_f32_lt_soft(gate_low, zj) && tf_f32_lt_soft(zj, 1.0f)) {
            const tf_word *cw = cbits + tf_bit_word(j); /* class c's word holding unit j */
            const uint32_t shift = j & TF_WORD_MASK;
            float d = 0.0f;
            for (c = 0; c < classes; c++, cw += row_words) {
                if (((*cw >> shift) & 1u) != 0u) {
                    d = tf_f32_add_soft(d, p[c]);
                } else {
                    d = tf_f32_sub_soft(d, p[c]);
                }
            }
            z[j] = tf_f32_mul_soft(beta, d);
        } else {
            z[j] = 0.0f;
        }
    }
}
#endif
