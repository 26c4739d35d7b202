/* s = Σ_i (w_i ? a_i : −a_i) for bit input (§7.1, §7.6). */
#include "tf_internal.h"

/* Optimized: 2·popcount(a & w) − popcount(a), a word at a time. Padding bits of a are 0
 * (§2), so the padding of w does not matter. */
int32_t tf_dense_dot_bits(const tf_word *w_row, const tf_word *a, uint32_t k, int32_t a_ones) {
    const uint32_t words = tf_words_for(k);
    uint32_t both = 0;
    uint32_t w;
    for (w = 0; w < words; w++) {
        both += tf_word_popcount(a[w] & w_row[w]);
    }
    return (int32_t)(2u * both) - a_ones;
}

int32_t tf_dense_dot_bits_ref(const tf_word *w_row, const tf_word *a, uint32_t k, int32_t a_ones) {
    int32_t s = 0;
    uint32_t i;
    (void)a_ones;
    for (i = 0; i < k; i++) {
        const int32_t ai = (int32_t)tf_bit_get(a, i);
        if (tf_bit_get(w_row, i) != 0u) {
            s += ai;
        } else {
            s -= ai;
        }
    }
    return s;
}
