/* Derived state of a block: weight bits and absSum (§6). */
#include "tf_internal.h"

void tf_block_derive_f32(const float *w, uint16_t row0, uint16_t rows, uint16_t col0, uint16_t cols, tf_word *bits,
                         uint32_t row_words, uint64_t *abs_sum) {
    const float *start = w;
    uint32_t r;
    for (r = 0; r < rows; r++) {
        tf_word *row = bits + (uint32_t)(row0 + r) * row_words;
        uint32_t c;
        for (c = 0; c < cols; c++) {
            const float v = *w++;
            tf_bit_put(row, col0 + c, (v >= 0.0f) ? 1u : 0u); /* -0.0 >= 0 */
        }
    }
    *abs_sum = TF_ABS_SUM(start, (uint32_t)rows * cols);
}
