/* He-normal local classifier logits (§7.6–7). */
#include "tf_internal.h"

void tf_classifier_dense_f32(const float *w, uint8_t classes, const tf_word *q, uint16_t units, float gamma, float *a) {
    uint32_t c;
    for (c = 0; c < classes; c++) {
        const float *row = w + (uint32_t)c * units;
        float t = 0.0f;
        uint32_t i;
        for (i = 0; i < units; i++) {
            if (tf_bit_get(q, i)) {
                t = t + row[i];
            }
        }
        a[c] = gamma * t;
    }
}
