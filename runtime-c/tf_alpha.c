/* α of a layer (§6). */
#include "tf_internal.h"

/* S = Σ_k abs_sum[k] is exact (at most 2^53, the planner's bound); (float)S rounds to nearest
 * even (libgcc's __aeabi_ul2f on Arm, tested in test_kernels.c); count_fix is f32(N·K) · 2^24. */
float tf_alpha_fix(const uint64_t *abs_sum, uint32_t blocks, float count_fix) {
    uint64_t s = 0u;
    uint32_t k;
    for (k = 0; k < blocks; k++) {
        s += abs_sum[k];
    }
    return (float)s / count_fix;
}
