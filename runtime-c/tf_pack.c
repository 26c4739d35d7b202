/* Packing bytes into a bit vector (§2). */
#include "tf_internal.h"

void tf_pack_bits_u8(const uint8_t *values, uint32_t n, tf_word *bits) {
    uint32_t i;
    tf_bits_zero(bits, tf_words_for(n));
    for (i = 0; i < n; i++) {
        if (values[i] != 0u) {
            tf_bit_set(bits, i);
        }
    }
}
