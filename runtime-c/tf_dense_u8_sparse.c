/*
 * Dense forward of a layer with u8 input (§7.1–3): the variant `sparse` of tf_dense_u8_f32, for
 * cores without the DSP extension but with CLZ (Cortex-M3). Selected per target by
 * `kernels.dense_u8: 'sparse'` in targets/targets.ts (docs/runtime.md, "Kernel variants").
 *
 * s_j = 2·pos_j − Σq with pos_j = Σ_{w_ji = 1} q_i, summed over the inputs that are both non-zero
 * and weighted 1 only: the vector of q_i ≠ 0 is packed once per call (a chunk of 1024 inputs at
 * a time, on the stack), and each weight word, ANDed with it, is walked by its set bits
 * (count-trailing-zeros, RBIT + CLZ). Input images are mostly zero (about 19 % of the MNIST
 * pixels are not), so a row costs a few instructions a word plus a few per input it adds, where
 * the portable kernel tests every group of four inputs. Integer sums, so s_j equals the
 * reference exactly (the order of an integer sum does not matter); z_j is formed by the same two
 * binary32 operations, inline on bit patterns without an FPU (tf_f32_soft.h).
 *
 * On an Arm core without CLZ (Cortex-M0) this file defines nothing, so choosing the variant
 * there is a build error, never a silent fallback; the host build has it, for the tests.
 */
#include "tf_internal.h"

#if !defined(__arm__) || defined(__ARM_FEATURE_CLZ)
#include "tf_f32_soft.h"

/* Inputs packed per chunk: 32 words, 1024 inputs (128 bytes of stack). */
#define TF_SPARSE_CHUNK_WORDS 32u

/* pos of one row over one chunk of nw words: the q_i with w_ji = 1 and q_i ≠ 0. */
static inline uint32_t tf_sparse_pos(const tf_word *r, const tf_word *nz, const uint8_t *q, uint32_t nw, uint32_t pos) {
    uint32_t wd;
    for (wd = 0; wd < nw; wd++, q += TF_WORD_BITS) {
        tf_word m = r[wd] & nz[wd];
        while (m != 0u) {
            pos += q[__builtin_ctz(m)];
            m &= m - 1u;
        }
    }
    return pos;
}

/* z_j = add(mul(scale, f32(s)), b): the binary32 operations of the reference, inline where the
 * core has no FPU. |s| ≤ Σq < 2^24 for K < 65793 inputs, else (float)s. */
static inline float tf_sparse_z(float scale, int32_t s, float b) {
#if defined(__ARM_FP)
    return scale * (float)s + b;
#else
    const uint32_t mag = (s < 0) ? 0u - (uint32_t)s : (uint32_t)s;
    float f;
    if (mag < (1u << 24)) {
        f = tf_f32_from_u24_soft(mag);
        if (s < 0) {
            f = tf_f32_from_bits(tf_f32_to_bits(f) ^ TF_F32_SIGN);
        }
    } else {
        f = (float)s;
    }
    return tf_f32_add_soft(tf_f32_mul_soft(scale, f), b);
#endif
}

void tf_dense_u8_f32_sparse(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                            float *z) {
    const uint32_t k = in->count;
    const uint32_t row_words = tf_words_for(k);
    const uint8_t *q = in->bytes;
    const float scale = alpha * in->gamma;
    tf_word nz[TF_SPARSE_CHUNK_WORDS];
    uint32_t j;
    if (row_words <= TF_SPARSE_CHUNK_WORDS) {
        tf_pack_bits_u8(q, k, nz);
        for (j = 0; j < units; j++) {
            const uint32_t pos = tf_sparse_pos(w_bits + j * row_words, nz, q, row_words, 0u);
            z[j] = tf_sparse_z(scale, (int32_t)(2u * pos) - in->total, bias[j]);
        }
        return;
    }
    /* Longer inputs a chunk at a time; between chunks, pos_j waits in z_j's four bytes. */
    {
        uint32_t w0;
        for (w0 = 0; w0 < row_words; w0 += TF_SPARSE_CHUNK_WORDS) {
            const uint32_t nw = (row_words - w0 < TF_SPARSE_CHUNK_WORDS) ? row_words - w0 : TF_SPARSE_CHUNK_WORDS;
            const uint32_t first = w0 << TF_WORD_SHIFT;
            const uint32_t n = (k - first < (nw << TF_WORD_SHIFT)) ? k - first : (nw << TF_WORD_SHIFT);
            tf_pack_bits_u8(q + first, n, nz);
            for (j = 0; j < units; j++) {
                uint32_t pos = 0u;
                if (w0 != 0u) {
                    memcpy(&pos, &z[j], sizeof pos);
                }
                pos = tf_sparse_pos(w_bits + j * row_words + w0, nz, q + first, nw, pos);
                memcpy(&z[j], &pos, sizeof pos);
            }
        }
        for (j = 0; j < units; j++) {
            uint32_t pos;
            memcpy(&pos, &z[j], sizeof pos);
            z[j] = tf_sparse_z(scale, (int32_t)(2u * pos) - in->total, bias[j]);
        }
    }
}
#endif
