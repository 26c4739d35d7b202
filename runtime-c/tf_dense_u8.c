/* Dense forward of a layer with u8 input (§7.1–3); tf_dense_u8_dsp.c holds the variant `dsp`. */
#include "tf_internal.h"

/*
 * pos = Σ_{w_i = 1} q_i of two rows (r1 may equal r0), as tf_dense_dot_u8 computes it for one:
 * four inputs a step, loaded and tested for all-zero once for both rows, each row's four weight
 * bits selecting bytes through tf_nibble_byte_mask, the masked bytes added in two 16-bit lanes
 * (at most 8 · 2 · 255 = 4080 a lane before the fold at the end of each weight word).
 */
static void tf_pos2_u8(const tf_word *r0, const tf_word *r1, const uint8_t *q, uint32_t k, uint32_t *out0,
                       uint32_t *out1) {
    uint32_t pos0 = 0;
    uint32_t pos1 = 0;
    uint32_t i = 0;
    const uint32_t full = k >> TF_WORD_SHIFT;
    uint32_t w;
    for (w = 0; w < full; w++, i += TF_WORD_BITS) {
        tf_word bits0 = r0[w];
        tf_word bits1 = r1[w];
        uint32_t lanes0 = 0;
        uint32_t lanes1 = 0;
        uint32_t g;
        for (g = 0; g < TF_WORD_BITS; g += 4u, bits0 >>= 4, bits1 >>= 4) {
            const uint32_t v = tf_load_u8x4(q + i + g);
            if (v != 0u) {
                const uint32_t v0 = v & tf_nibble_byte_mask[bits0 & 15u];
                const uint32_t v1 = v & tf_nibble_byte_mask[bits1 & 15u];
                lanes0 += (v0 & 0x00FF00FFu) + ((v0 >> 8) & 0x00FF00FFu);
                lanes1 += (v1 & 0x00FF00FFu) + ((v1 >> 8) & 0x00FF00FFu);
            }
        }
        pos0 += (lanes0 & 0xFFFFu) + (lanes0 >> 16);
        pos1 += (lanes1 & 0xFFFFu) + (lanes1 >> 16);
    }
    if (i < k) {
        tf_word bits0 = r0[full];
        tf_word bits1 = r1[full];
        for (; i < k; i++, bits0 >>= 1, bits1 >>= 1) {
            pos0 += (uint32_t)q[i] & (0u - (bits0 & 1u));
            pos1 += (uint32_t)q[i] & (0u - (bits1 & 1u));
        }
    }
    *out0 = pos0;
    *out1 = pos1;
}

/* Optimized, portable: two rows per walk of the input (tf_pos2_u8), s_j = 2·pos_j − Σq. */
void tf_dense_u8_f32(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                     float *z) {
    const uint32_t row_words = tf_words_for(in->count);
    const float scale = alpha * in->gamma;
    uint32_t j;
    for (j = 0; j < units; j += 2u) {
        const tf_word *r0 = w_bits + j * row_words;
        const tf_word *r1 = (j + 1u < units) ? r0 + row_words : r0;
        uint32_t pos0 = 0;
        uint32_t pos1 = 0;
        tf_pos2_u8(r0, r1, in->bytes, in->count, &pos0, &pos1);
        z[j] = scale * (float)((int32_t)(2u * pos0) - in->total) + bias[j];
        if (j + 1u < units) {
            z[j + 1u] = scale * (float)((int32_t)(2u * pos1) - in->total) + bias[j + 1u];
        }
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
