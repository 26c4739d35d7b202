/* Dense forward of a layer with u8 input (§7.1–3); tf_dense_u8_dsp.c holds the variant `dsp`. */
#include "tf_internal.h"

/* Optimized, portable: a row at a time through tf_dense_dot_u8. */
void tf_dense_u8_f32(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                     float *z) {
    const uint32_t row_words = tf_words_for(in->count);
    const float scale = alpha * in->gamma;
    uint32_t j;
    for (j = 0; j < units; j++) {
        const int32_t s = tf_dense_dot_u8(w_bits + j * row_words, in->bytes, in->count, in->total);
        z[j] = scale * (float)s + bias[j];
    }
}

void tf_dense_u8_f32_ref(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                         float *z) {
    const uint32_t row_words = tf_words_for(in->count);
    const float scale = alpha * in->gamma;
    uint32_t j;
    for (j = 0; j < units; j++) {
        const int32_t s = tf_dense_dot_u8_ref(w_bits + j * row_words, in->bytes, in->count, in->total);
        z[j] = scale * (float)s + bias[j];
    }
}
