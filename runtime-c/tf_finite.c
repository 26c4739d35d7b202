/* Non-finite check (§7, §8.11). */
#include "tf_internal.h"

int tf_all_finite_f32(const float *x, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) {
        if (!tf_is_finite_f32(x[i])) {
            return 0;
        }
    }
    return 1;
}
