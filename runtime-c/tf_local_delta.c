/* Local error δa, δh, δz (§8.2–4), with the gradient gate g < z < 1. */
#include "tf_internal.h"

void tf_local_delta_f32(float *p, uint8_t classes, uint8_t label, const tf_word *cbits, uint16_t units, float beta,
                        float gate_low, float *z) {
    const uint32_t row_words = tf_words_for(units);
    uint32_t c;
    uint32_t j;
    for (c = 0; c < classes; c++) {
        p[c] = p[c] - ((c == label) ? 1.0f : 0.0f);
    }
    for (j = 0; j < units; j++) {
        const float zj = z[j];
        if (zj > gate_low && zj < 1.0f) {
            const tf_word *cw = cbits + tf_bit_word(j); /* class c's word holding unit j */
            const uint32_t shift = j & TF_WORD_MASK;
            float d = 0.0f;
            for (c = 0; c < classes; c++, cw += row_words) {
                if (((*cw >> shift) & 1u) != 0u) {
                    d = d + p[c];
                } else {
                    d = d - p[c];
                }
            }
            z[j] = beta * d;
        } else {
            z[j] = 0.0f;
        }
    }
}
