/* Block gradient accumulation (§8.5–8). */
#include "tf_internal.h"

float tf_input_h_f32(const tf_input *in, uint32_t i) {
    const uint32_t q = (in->bytes != NULL) ? (uint32_t)in->bytes[i] : tf_bit_get(in->bits, i);
    return in->gamma * (float)q;
}

/*
 * A row whose δz_j is ±0 is skipped. That is exact: every term of the row is then ±0 (h_i is
 * finite), an accumulator that starts at +0 and only ever adds can never be −0, and adding ±0
 * to a value other than −0 returns it unchanged.
 */
void tf_block_grad_acc_f32(float *acc, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                           uint16_t col0, uint16_t cols) {
    uint32_t r;
    for (r = 0; r < rows; r++) {
        const float d = dz[row0 + r];
        float *out = acc + r * (uint32_t)cols;
        uint32_t c;
        if (d == 0.0f) {
            continue;
        }
        if (in->bytes != NULL) {
            const uint8_t *q = in->bytes + col0;
            for (c = 0; c < cols; c++) {
                out[c] = out[c] + d * (in->gamma * (float)q[c]);
            }
        } else {
            for (c = 0; c < cols; c++) {
                out[c] = out[c] + d * (in->gamma * (float)tf_bit_get(in->bits, col0 + c));
            }
        }
    }
}
