/* Dense forward of one layer (§7.1–3). */
#include "tf_internal.h"

void tf_dense_f32(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                  float *z) {
    const uint32_t k = in->count;
    const uint32_t row_words = tf_words_for(k);
    const float scale = alpha * in->gamma;
    const tf_word *row = w_bits;
    uint32_t j;
    if (in->bytes != NULL) {
        TF_DENSE_U8(w_bits, units, in, alpha, bias, z);
        return;
    }
    for (j = 0; j < units; j++, row += row_words) {
        const int32_t s = TF_DOT_BITS(row, in->bits, k, in->total);
        z[j] = scale * (float)s + bias[j];
    }
}
