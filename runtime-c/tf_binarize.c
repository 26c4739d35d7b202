/* Binarize a layer's pre-activations (§7.4–5). */
#include "tf_internal.h"

void tf_binarize_f32(const float *z, uint16_t n, tf_word *bits, float *gamma) {
    float sum = 0.0f;
    uint32_t j;
    tf_bits_zero(bits, tf_words_for(n));
    for (j = 0; j < n; j++) {
        sum = sum + tf_abs_f32(z[j]);
        if (z[j] > 0.0f) {
            tf_bit_set(bits, j);
        }
    }
    *gamma = sum / (float)n;
}
