/* α of a layer (§6). */
#include "tf_internal.h"

float tf_alpha_f32(const float *abs_sum, uint32_t blocks, float count) {
    float s = 0.0f;
    uint32_t k;
    for (k = 0; k < blocks; k++) {
        s = s + abs_sum[k];
    }
    return s / count;
}
