/* Population count of one word (§2). */
#include "tf_internal.h"

uint32_t tf_popcount_u32(uint32_t x) { return tf_word_popcount(x); }

uint32_t tf_popcount_u32_ref(uint32_t x) {
    uint32_t n = 0;
    uint32_t b;
    for (b = 0; b < TF_WORD_BITS; b++) {
        n += (x >> b) & 1u;
    }
    return n;
}
