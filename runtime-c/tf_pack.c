/* Packing bytes into a bit vector (§2). */
#include "tf_internal.h"

/*
 * Four bytes at a time: the top bit of each byte of ((v & 0x7F…) + 0x7F… | v) is 1 iff the byte
 * is non-zero; one multiplication gathers the four top bits (at 0, 8, 16, 24 after >> 7) into
 * bits 28..31 (the other partial products land below bit 28 on distinct bits, so nothing
 * carries into them).
 */
void tf_pack_bits_u8(const uint8_t *values, uint32_t n, tf_word *bits) {
    uint32_t i = 0;
    tf_bits_zero(bits, tf_words_for(n));
    for (; i + 4u <= n; i += 4u) {
        const uint32_t v = tf_load_u8x4(values + i);
        const uint32_t top = (((v & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | v) & 0x80808080u;
        const uint32_t nibble = ((top >> 7) * 0x10204080u) >> 28;
        bits[tf_bit_word(i)] |= (tf_word)nibble << (i & TF_WORD_MASK);
    }
    for (; i < n; i++) {
        if (values[i] != 0u) {
            tf_bit_set(bits, i);
        }
    }
}
