/* Local classifier logits (§7.6–7). */
#include "tf_internal.h"

void tf_classifier_f32(const tf_word *cbits, uint8_t classes, const tf_word *q, uint16_t units, float gamma,
                       float beta, float *a) {
    const uint32_t row_words = tf_words_for(units);
    const float scale = gamma * beta;
    uint32_t ones = 0;
    uint32_t w;
    uint32_t c;
    for (w = 0; w < row_words; w++) {
        ones += tf_word_popcount(q[w]);
    }
    for (c = 0; c < classes; c++) {
        const int32_t t = TF_DOT_BITS(cbits + c * row_words, q, units, (int32_t)ones);
        a[c] = scale * (float)t;
    }
}
