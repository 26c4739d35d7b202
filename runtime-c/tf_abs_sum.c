/* absSum of a block (§6): the exact integer Σ fix(w), fix(w) = floor(|w| · 2^24). */
#include "tf_internal.h"

/*
 * Optimized: fix(w) by tf_fix24_f32 (one VCVT to fixed point where the FPU has single precision,
 * integer instructions on the bit pattern otherwise), four values a loop step into two 32-bit partial sums (each below 2 · 2^24 a step, added
 * to the 64-bit sum every step, so nothing wraps).
 */
uint64_t tf_abs_sum_fix(const float *w, uint32_t n) {
    uint64_t sum = 0u;
    uint32_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        const uint32_t a = tf_fix24_f32(w[i]) + tf_fix24_f32(w[i + 1u]);
        const uint32_t b = tf_fix24_f32(w[i + 2u]) + tf_fix24_f32(w[i + 3u]);
        sum += (uint64_t)a + b;
    }
    for (; i < n; i++) {
        sum += tf_fix24_f32(w[i]);
    }
    return sum;
}

/*
 * Reference: §6's definition in binary32 arithmetic, floor(|w| · 2^24) — the product is exact
 * (a power of two, no overflow for |w| ≤ 1) and the conversion to an unsigned integer truncates.
 * Only finite |w| ≤ 1 have a fix; anything else counts 0 here (such a value never enters the state).
 */
uint64_t tf_abs_sum_fix_ref(const float *w, uint32_t n) {
    uint64_t sum = 0u;
    uint32_t i;
    for (i = 0; i < n; i++) {
        const float a = tf_abs_f32(w[i]);
        if (a <= 1.0f) {
            sum += (uint32_t)(a * 16777216.0f);
        }
    }
    return sum;
}
