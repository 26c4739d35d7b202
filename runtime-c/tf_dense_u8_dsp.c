/*
 * Dense forward of a layer with u8 input (§7.1–3): the variant `dsp` of tf_dense_u8_f32, for
 * cores with the DSP extension (Cortex-M4, M7). Selected per target by `kernels.dense_u8:
 * 'dsp'` in targets/targets.ts (docs/runtime.md, "Kernel variants").
 *
 * s_j = 2·pos_j − Σq with pos_j = Σ_{w_ji = 1} q_i, as tf_dense_dot_u8 computes it, but two
 * rows at a time: a group of four input bytes is loaded and tested for all-zero once for both
 * rows, each row's four weight bits select the bytes through a byte mask, and one USADA8 (sum
 * of absolute differences against 0, accumulated) adds the four masked bytes. Integer
 * arithmetic only, so s_j equals the reference exactly, and z_j is formed by the same two
 * binary32 operations.
 *
 * On an ARM core without DSP instructions this file defines nothing, so choosing the variant
 * there is a build error, never a silent fallback; on a non-ARM host it is built with a
 * portable USADA8 so that the host tests check it bit for bit against the reference.
 */
#include "tf_internal.h"

#if defined(__ARM_FEATURE_DSP) || !defined(__arm__)

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* acc + the four bytes of v. */
static inline uint32_t tf_usada8_acc(uint32_t v, uint32_t acc) { return __usada8(v, 0u, acc); }
#else
static inline uint32_t tf_usada8_acc(uint32_t v, uint32_t acc) {
    return acc + (v & 0xFFu) + ((v >> 8) & 0xFFu) + ((v >> 16) & 0xFFu) + (v >> 24);
}
#endif

/* Group n (inputs 4n .. 4n+3) of a weight word for rows 0 and 1. */
#define TF_DSP_GROUP2(n)                                                                     \
    do {                                                                                     \
        const uint32_t v = tf_load_u8x4(qw + 4u * (n));                                      \
        if (v != 0u) {                                                                       \
            pos0 = tf_usada8_acc(v & tf_nibble_byte_mask[(bits0 >> (4u * (n))) & 15u], pos0); \
            pos1 = tf_usada8_acc(v & tf_nibble_byte_mask[(bits1 >> (4u * (n))) & 15u], pos1); \
        }                                                                                    \
    } while (0)

/* pos of rows r0 and r1 (r1 may equal r0 for an odd last row). */
static void tf_dsp_pos2(const tf_word *r0, const tf_word *r1, const uint8_t *q, uint32_t k, uint32_t *out0,
                        uint32_t *out1) {
    uint32_t pos0 = 0;
    uint32_t pos1 = 0;
    uint32_t i = 0;
    const uint32_t full = k >> TF_WORD_SHIFT;
    uint32_t w;
    for (w = 0; w < full; w++, i += TF_WORD_BITS) {
        const tf_word bits0 = r0[w];
        const tf_word bits1 = r1[w];
        const uint8_t *qw = q + i;
        TF_DSP_GROUP2(0u);
        TF_DSP_GROUP2(1u);
        TF_DSP_GROUP2(2u);
        TF_DSP_GROUP2(3u);
        TF_DSP_GROUP2(4u);
        TF_DSP_GROUP2(5u);
        TF_DSP_GROUP2(6u);
        TF_DSP_GROUP2(7u);
    }
    if (i < k) {
        tf_word bits0 = r0[full];
        tf_word bits1 = r1[full];
        for (; i < k; i++) {
            pos0 += (uint32_t)q[i] & (0u - (bits0 & 1u));
            pos1 += (uint32_t)q[i] & (0u - (bits1 & 1u));
            bits0 >>= 1;
            bits1 >>= 1;
        }
    }
    *out0 = pos0;
    *out1 = pos1;
}

void tf_dense_u8_f32_dsp(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                         float *z) {
    const uint32_t k = in->count;
    const uint32_t row_words = tf_words_for(k);
    const float scale = alpha * in->gamma;
    uint32_t j;
    for (j = 0; j < units; j += 2u) {
        const tf_word *r0 = w_bits + j * row_words;
        const tf_word *r1 = (j + 1u < units) ? r0 + row_words : r0;
        uint32_t pos0 = 0;
        uint32_t pos1 = 0;
        tf_dsp_pos2(r0, r1, in->bytes, k, &pos0, &pos1);
        z[j] = scale * (float)((int32_t)(2u * pos0) - in->total) + bias[j];
        if (j + 1u < units) {
            z[j + 1u] = scale * (float)((int32_t)(2u * pos1) - in->total) + bias[j + 1u];
        }
    }
}

#endif
