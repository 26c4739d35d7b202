/*
 * Local error δa, δh, δz (§8.2–4) with the gradient gate g < z < 1: the variant `soft` of
 * tf_local_delta_f32 (tf_local_delta.c), for cores without an FPU. The same operations in the
 * same order for every unit, each done by tf_f32_soft.h's inline integer version (the float
 * operation outside its fast path), instead of libgcc's __aeabi_fadd / __aeabi_fsub / __mulsf3
 * and comparison calls, and the partial sums over the first six classes, which depend only on
 * a unit's six classifier bits, computed once for all units: the same bits. Selected per target by `kernels.local_delta: 'soft'` in
 * targets/targets.ts (docs/runtime.md, "Kernel variants"); not built on an Arm core without
 * CLZ (Cortex-M0), so choosing it there is a build error.
 */
#include "tf_internal.h"

#if !defined(__arm__) || defined(__ARM_FEATURE_CLZ)
#include "tf_f32_soft.h"

/* Classes whose partial sums are tabulated: 2^6 = 64 floats of stack. */
#define TF_DELTA_PREFIX_CLASSES 6u

void tf_local_delta_f32_soft(float *p, uint8_t classes, uint8_t label, const tf_word *cbits, uint16_t units,
                             float beta, float gate_low, float *z) {
    const uint32_t row_words = tf_words_for(units);
    uint32_t depth = classes;
    float prefix[1u << TF_DELTA_PREFIX_CLASSES];
    int have_prefix = 0;
    uint32_t c;
    uint32_t j;
    if (depth > TF_DELTA_PREFIX_CLASSES) {
        depth = TF_DELTA_PREFIX_CLASSES;
    }
    for (c = 0; c < classes; c++) {
        p[c] = tf_f32_sub_soft(p[c], (c == label) ? 1.0f : 0.0f);
    }
    for (j = 0; j < units; j++) {
        const float zj = z[j];
        if (tf_f32_lt_soft(gate_low, zj) && tf_f32_lt_soft(zj, 1.0f)) {
            const tf_word *cw = cbits + tf_bit_word(j); /* class c's word holding unit j */
            const uint32_t shift = j & TF_WORD_MASK;
            uint32_t k = 0;
            float d;
            /*
             * D = ((0 ± p_0) ± p_1) ± … in class order, the signs from unit j's classifier bits.
             * The partial sums over the first `depth` classes depend only on those bits, so
             * all 2^depth of them are computed once (prefix[k], bit c of k = class c's bit,
             * each the very additions the unit would do) and a unit starts from its entry.
             */
            if (!have_prefix) {
                uint32_t n;
                prefix[0] = 0.0f;
                for (c = 0; c < depth; c++) {
                    for (n = 0; n < (1u << c); n++) {
                        const float a = prefix[n];
                        prefix[n | (1u << c)] = tf_f32_add_soft(a, p[c]);
                        prefix[n] = tf_f32_sub_soft(a, p[c]);
                    }
                }
                have_prefix = 1;
            }
            for (c = 0; c < depth; c++, cw += row_words) {
                k |= ((*cw >> shift) & 1u) << c;
            }
            d = prefix[k];
            for (; c < classes; c++, cw += row_words) {
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
