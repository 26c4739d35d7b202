/* SGD (§8.10), and the SGD update of one block row with batch 1 (§8.5–8.10). */
#include "tinyfoa.h"

float tf_sgd_f32(float w, float g, float lr) { return w - lr * g; }

/*
 * Reference: every element, exactly as §8 composes it. With batch 1, ḡ = div(G, f32(1)) = G
 * for every G (x / 1 is exact), so the division is not written.
 */
void tf_sgd_row_f32_ref(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr) {
    uint32_t c;
    for (c = 0; c < cols; c++) {
        const float g = 0.0f + dz * tf_input_h_f32(in, col0 + c);
        w[c] = tf_clamp1_f32(tf_sgd_f32(w[c], g, lr));
    }
}

/*
 * Optimized: an input q_i = 0 leaves w_c as it is, so it is skipped. That is exact when δz is
 * finite: h_i = mul(γ, +0) = +0 (γ ≥ 0), mul(δz, +0) = ±0, add(+0, ±0) = +0, mul(lr, +0) = +0,
 * sub(w, +0) = w, and w is already inside [−1, 1]. A non-finite δz takes the reference path.
 */
void tf_sgd_row_f32(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr) {
    const float gamma = in->gamma;
    uint32_t c;
    if (!tf_is_finite_f32(dz) || !(gamma >= 0.0f)) {
        tf_sgd_row_f32_ref(w, cols, dz, in, col0, lr);
        return;
    }
    if (in->bytes != NULL) {
        const uint8_t *q = in->bytes + col0;
        for (c = 0; c < cols; c++) {
            if (q[c] != 0u) {
                const float t = w[c] - lr * (0.0f + dz * (gamma * (float)q[c]));
                w[c] = (t > 1.0f) ? 1.0f : ((t < -1.0f) ? -1.0f : t);
            }
        }
    } else {
        /* q_i = 1: h_i = mul(γ, 1) = γ. */
        const float t0 = lr * (0.0f + dz * gamma);
        for (c = 0; c < cols; c++) {
            if (tf_bit_get(in->bits, col0 + c) != 0u) {
                const float t = w[c] - t0;
                w[c] = (t > 1.0f) ? 1.0f : ((t < -1.0f) ? -1.0f : t);
            }
        }
    }
}

/*
 * Reference: tf_sgd_row_f32_ref, then the weight bit of every column of the row from the new
 * weight (§6: 1 iff w ≥ 0, −0 included), as tf_block_derive_f32 sets it.
 */
void tf_sgd_row_bits_f32_ref(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr,
                             tf_word *bits_row) {
    uint32_t c;
    tf_sgd_row_f32_ref(w, cols, dz, in, col0, lr);
    for (c = 0; c < cols; c++) {
        tf_bit_put(bits_row, col0 + c, (w[c] >= 0.0f) ? 1u : 0u);
    }
}

/* Bit 31 of a binary32: its sign. For a number that is not NaN, w >= 0 is exactly "sign 0". */
static inline uint32_t tf_sign_bit(float w) { return tf_f32_to_bits(w) >> 31; }

/*
 * The new value of one weight, clamped (§8.10): u = the bits of sub(w, t). The clamp is taken
 * only when |u| > 1, tested on the bit pattern (a binary32 that is not NaN is above 1 in
 * magnitude exactly when its pattern without the sign is above 1's).
 */
static inline float tf_sgd_clamped(float w, float t) {
    const float u = w - t;
    if ((tf_f32_to_bits(u) & 0x7FFFFFFFu) > 0x3F800000u) {
        return (u > 1.0f) ? 1.0f : ((u < -1.0f) ? -1.0f : u);
    }
    return u;
}

/*
 * Optimized: visits only the columns whose input is non-zero, a weight word at a time through
 * the bit vector of q_i ≠ 0 (in->bits: the input itself for bit input, the nonzero mask for u8
 * input), and writes their bits in the same pass. The other columns keep their weights
 * (exact, as in tf_sgd_row_f32), so their bits, which describe those weights, stay right.
 * The bit is the new weight's sign bit, which equals (w ≥ 0) for every weight that is not NaN;
 * a NaN can only come from a NaN in the store, and then the step fails and the caller
 * re-derives the block's bits (tf_apply_step). Without a mask, with a non-finite δz or a
 * negative γ it takes the reference path.
 */
void tf_sgd_row_bits_f32(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr,
                         tf_word *bits_row) {
    const float gamma = in->gamma;
    const uint32_t end = col0 + cols;
    const uint8_t *q = in->bytes;
    const float t_bits = lr * (0.0f + dz * gamma); /* q_i = 1: h_i = mul(γ, 1) = γ */
    uint32_t wd;
    if (cols == 0u) {
        return;
    }
    if (in->bits == NULL || !tf_is_finite_f32(dz) || !(gamma >= 0.0f)) {
        tf_sgd_row_bits_f32_ref(w, cols, dz, in, col0, lr, bits_row);
        return;
    }
    for (wd = tf_bit_word(col0); wd <= tf_bit_word(end - 1u); wd++) {
        const uint32_t base = wd << TF_WORD_SHIFT;
        float *wb = w + base - col0; /* column base + b is wb[b]; b >= col0 - base */
        tf_word m = in->bits[wd];
        tf_word neg = 0u;
        tf_word rest;
        if (base < col0) {
            m &= ~(tf_word)0u << (col0 - base);
        }
        if (end - base < TF_WORD_BITS) {
            m &= ~(~(tf_word)0u << (end - base));
        }
        rest = m;
        if (q != NULL) {
            const uint8_t *qb = q + base;
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                const float t = tf_sgd_clamped(wb[b], lr * (0.0f + dz * (gamma * (float)qb[b])));
                rest &= rest - 1u;
                wb[b] = t;
                neg |= tf_sign_bit(t) << b;
            }
        } else {
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                const float t = tf_sgd_clamped(wb[b], t_bits);
                rest &= rest - 1u;
                wb[b] = t;
                neg |= tf_sign_bit(t) << b;
            }
        }
        bits_row[wd] = (bits_row[wd] & ~m) | (m & ~neg);
    }
}
