/* Local error δa, δh, δz (§8.2–4) with the he-normal classifier and the gradient gate g < z < 1. */
#include "tf_internal.h"

void tf_local_delta_dense_f32(float *p, uint8_t classes, uint8_t label, const float *w, uint16_t units,
                              float gate_low, float *z) {
    uint32_t c;
    uint32_t j;
    for (c = 0; c < classes; c++) {
        p[c] = p[c] - ((c == label) ? 1.0f : 0.0f);
    }
    for (j = 0; j < units; j++) {
        const float zj = z[j];
        if (zj > gate_low && zj < 1.0f) {
            float d = 0.0f;
            for (c = 0; c < classes; c++) {
                d = d + p[c] * w[(uint32_t)c * units + j];
            }
            z[j] = d;
        } else {
            z[j] = 0.0f;
        }
    }
}
