/* s = Σ_i (w_i ? q_i : −q_i) for u8 input (§7.1). */
#include "tf_internal.h"

/* Optimized: one branch-free pass summing the q_i whose weight bit is 1, then
 * s = 2·pos − Σq. Integer arithmetic, so the result equals the reference exactly. */
int32_t tf_dense_dot_u8(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum) {
    uint32_t pos = 0;
    uint32_t i = 0;
    const uint32_t full = k >> TF_WORD_SHIFT;
    uint32_t w;
    for (w = 0; w < full; w++) {
        tf_word bits = w_row[w];
        const uint8_t *qw = q + i;
        uint32_t b;
        for (b = 0; b < TF_WORD_BITS; b++) {
            pos += (uint32_t)qw[b] & (0u - (bits & 1u));
            bits >>= 1;
        }
        i += TF_WORD_BITS;
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

int32_t tf_dense_dot_u8_ref(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum) {
    int32_t s = 0;
    uint32_t i;
    (void)q_sum;
    for (i = 0; i < k; i++) {
        if (tf_bit_get(w_row, i) != 0u) {
            s += (int32_t)q[i];
        } else {
            s -= (int32_t)q[i];
        }
    }
    return s;
}
