/* Prediction: the largest logit, ties to the smallest class (§7). */
#include "tf_internal.h"

uint8_t tf_argmax_f32(const float *a, uint8_t n) {
    uint8_t best = 0;
    uint8_t c;
    for (c = 1; c < n; c++) {
        if (a[c] > a[best]) {
            best = c;
        }
    }
    return best;
}
