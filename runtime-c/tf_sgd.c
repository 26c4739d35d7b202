/* SGD (§8.10), and the SGD update of one block row with batch 1 (§8.5–8.10). */
#include "tf_internal.h"

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
