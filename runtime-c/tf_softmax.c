/* Softmax (§8.1). */
#include "tf_internal.h"

void tf_softmax_f32(float *a, uint8_t n) {
    float mx;
    float s = 0.0f;
    uint8_t c;
    if (n == 0u) {
        return;
    }
    mx = a[0];
    for (c = 1; c < n; c++) {
        if (a[c] > mx) {
            mx = a[c];
        }
    }
    for (c = 0; c < n; c++) {
        a[c] = tf_exp32(a[c] - mx);
        s = s + a[c];
    }
    for (c = 0; c < n; c++) {
        a[c] = a[c] / s;
    }
}
