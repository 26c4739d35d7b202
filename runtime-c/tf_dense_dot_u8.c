/* s = Σ_i (w_i ? q_i : −q_i) for u8 input (§7.1). */
#include "tf_internal.h"

const uint32_t tf_nibble_byte_mask[16] = {
    0x00000000u, 0x000000FFu, 0x0000FF00u, 0x0000FFFFu, 0x00FF0000u, 0x00FF00FFu, 0x00FFFF00u, 0x00FFFFFFu,
    0xFF000000u, 0xFF0000FFu, 0xFF00FF00u, 0xFF00FFFFu, 0xFFFF0000u, 0xFFFF00FFu, 0xFFFFFF00u, 0xFFFFFFFFu,
};

/*
 * Optimized, portable: s = 2·pos − Σq with pos = Σ_{w_i = 1} q_i. Four inputs at a time: the
 * group's four weight bits select its bytes through a byte mask (tf_nibble_byte_mask), and the
 * masked bytes are added in two 16-bit lanes (bytes 0 and 2, bytes 1 and 3). A group whose four
 * bytes are all 0 adds nothing and is skipped (most pixels of a digit are 0). A lane takes at
 * most 8 groups · 2 · 255 = 4080 per weight word before it is folded into pos, so it cannot
 * overflow. Integer arithmetic only, so the result equals the reference exactly.
 */
int32_t tf_dense_dot_u8(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum) {
    uint32_t pos = 0;
    uint32_t i = 0;
    const uint32_t full = k >> TF_WORD_SHIFT;
    uint32_t w;
    for (w = 0; w < full; w++) {
        tf_word bits = w_row[w];
        uint32_t lanes = 0;
        uint32_t g;
        for (g = 0; g < TF_WORD_BITS; g += 4u) {
            uint32_t v = tf_load_u8x4(q + i + g);
            if (v != 0u) {
                v &= tf_nibble_byte_mask[bits & 15u];
                lanes += (v & 0x00FF00FFu) + ((v >> 8) & 0x00FF00FFu);
            }
            bits >>= 4;
        }
        pos += (lanes & 0xFFFFu) + (lanes >> 16);
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
