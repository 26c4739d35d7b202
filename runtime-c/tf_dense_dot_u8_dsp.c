/*
 * s = Σ_i (w_i ? q_i : −q_i) for u8 input (§7.1): the variant `dsp` of tf_dense_dot_u8, for
 * cores with the DSP extension (Cortex-M4, M7, M33 with DSP). Selected per target by
 * `kernels.dense_dot_u8: 'dsp'` in targets/targets.ts (docs/runtime.md, "Kernel variants").
 *
 * Like the portable kernel, four inputs at a time through a byte mask, skipping all-zero
 * groups, but the four masked bytes are summed by one USADA8 (sum of absolute differences
 * against 0, accumulated). On a core without DSP instructions this file defines nothing, so
 * choosing the variant there is a build error, never a silent fallback; on a non-ARM host it
 * is built with a portable USADA8 so that the host tests check it bit for bit against the
 * reference.
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

/* Eight groups of four inputs: one weight word. Unrolled so that every group's nibble is a
 * constant shift. */
#define TF_DSP_GROUP(n)                                                              \
    do {                                                                             \
        const uint32_t v = tf_load_u8x4(qw + 4u * (n));                              \
        if (v != 0u) {                                                               \
            pos = tf_usada8_acc(v & tf_nibble_byte_mask[(bits >> (4u * (n))) & 15u], pos); \
        }                                                                            \
    } while (0)

int32_t tf_dense_dot_u8_dsp(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum) {
    uint32_t pos = 0;
    uint32_t i = 0;
    const uint32_t full = k >> TF_WORD_SHIFT;
    uint32_t w;
    for (w = 0; w < full; w++, i += TF_WORD_BITS) {
        const tf_word bits = w_row[w];
        const uint8_t *qw = q + i;
        TF_DSP_GROUP(0u);
        TF_DSP_GROUP(1u);
        TF_DSP_GROUP(2u);
        TF_DSP_GROUP(3u);
        TF_DSP_GROUP(4u);
        TF_DSP_GROUP(5u);
        TF_DSP_GROUP(6u);
        TF_DSP_GROUP(7u);
    }
    if (i < k) {
        tf_word bits = w_row[full];
        for (; i < k; i++) {
            pos += (uint32_t)q[i] & (0u - (bits & 1u));
            bits >>= 1;
        }
    }
    return (int32_t)(2u * pos) - q_sum;
}

#endif
