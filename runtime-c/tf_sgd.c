/* SGD (§8.10), and the SGD update of one block row with batch 1 (§8.5–8.10). */
#include "tf_internal.h"

/*
 * The binary32 operations of the optimized kernels. tf_sgd_soft.c compiles this file once more
 * with TF_SGD_SOFT and these as tf_f32_soft.h's inline integer versions (the variant `soft` of
 * the optimized kernels, named *_soft); the reference twins and tf_sgd_f32 are built only here.
 */
#ifndef TF_SGD_SOFT
#define TF_SGD_MUL(a, b) ((a) * (b))
#define TF_SGD_MUL2(a, b, c) ((a) * ((b) * (c))) /* mul(a, mul(b, c)) */
#define TF_SGD_ADD0(x) (0.0f + (x)) /* add(+0, x) */
#define TF_SGD_SUB(a, b) ((a) - (b))
#define TF_SGD_F32_U8(q) ((float)(q))
#define TF_SGD_REUSE 0 /* see tf_sgd_rows4_fast */

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
#endif /* TF_SGD_SOFT */

/*
 * clamp(u) to [−1, 1] (§8.10), the comparisons taken only when |u| > 1, tested on the bit pattern
 * (a binary32 that is not NaN is above 1 in magnitude exactly when its pattern without the sign
 * is above 1's; a NaN goes through the comparisons and stays NaN).
 */
static inline __attribute__((always_inline)) float tf_sgd_clamp1(float u) {
    if ((tf_f32_to_bits(u) & 0x7FFFFFFFu) > 0x3F800000u) {
        return (u > 1.0f) ? 1.0f : ((u < -1.0f) ? -1.0f : u);
    }
    return u;
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
                const float h = TF_SGD_MUL(gamma, TF_SGD_F32_U8(q[c]));
                w[c] = tf_sgd_clamp1(TF_SGD_SUB(w[c], TF_SGD_MUL(lr, TF_SGD_ADD0(TF_SGD_MUL(dz, h)))));
            }
        }
    } else {
        /* q_i = 1: h_i = mul(γ, 1) = γ. */
        const float t0 = TF_SGD_MUL(lr, TF_SGD_ADD0(TF_SGD_MUL(dz, gamma)));
        for (c = 0; c < cols; c++) {
            if (tf_bit_get(in->bits, col0 + c) != 0u) {
                w[c] = tf_sgd_clamp1(TF_SGD_SUB(w[c], t0));
            }
        }
    }
}

#ifndef TF_SGD_SOFT
/*
 * Reference: every row whose δz_j is not ±0 through tf_sgd_row_f32_ref (a row with δz_j = ±0
 * is unchanged, docs/runtime.md "How a step is applied"), then the bit of every column of the
 * row from its new weight (§6: 1 iff w ≥ 0, −0 included), as tf_block_derive_f32 sets it; the
 * row's absSum after the update minus before goes into *abs_sum (tf_abs_sum_fix_ref, §6).
 */
int tf_sgd_block_bits_f32_ref(float *w, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                              uint16_t col0, uint16_t cols, float lr, tf_word *bits, uint32_t row_words,
                              uint64_t *abs_sum) {
    int finite = 1;
    uint32_t r;
    for (r = 0; r < rows; r++) {
        const uint32_t j = (uint32_t)row0 + r;
        float *wr = w + r * (uint32_t)cols;
        tf_word *br = bits + j * row_words;
        uint64_t before;
        uint32_t c;
        if (dz[j] == 0.0f) {
            continue;
        }
        before = tf_abs_sum_fix_ref(wr, cols);
        tf_sgd_row_f32_ref(wr, cols, dz[j], in, col0, lr);
        for (c = 0; c < cols; c++) {
            tf_bit_put(br, (uint32_t)col0 + c, (wr[c] >= 0.0f) ? 1u : 0u);
            finite &= tf_is_finite_f32(wr[c]);
        }
        *abs_sum += tf_abs_sum_fix_ref(wr, cols) - before;
    }
    return finite;
}

#endif /* TF_SGD_SOFT */

/*
 * 1 iff w < 0, for w not NaN, on the bit pattern u: the sign is 1 and u is not −0's 0x80000000
 * (−0.0 counts as ≥ 0, §2). For such u, 0x80000000 − u (mod 2^32) has its top bit set; for −0
 * it is 0, and for a positive u the AND with u clears the top bit.
 */
static inline uint32_t tf_negative_bit(float w) {
    const uint32_t u = tf_f32_to_bits(w);
    return ((0x80000000u - u) & u) >> 31;
}

/*
 * sub(w, t) clamped to [−1, 1] (§8.10). The clamp is taken only when |u| > 1, tested on the bit
 * pattern (a binary32 that is not NaN is above 1 in magnitude exactly when its pattern without
 * the sign is above 1's). A NaN takes that branch too, and is noted in *nan there, so the
 * finiteness check costs nothing on the common path.
 */
static inline __attribute__((always_inline)) float tf_sgd_clamped(float w, float t, uint32_t *nan) {
    const float u = TF_SGD_SUB(w, t);
    if ((tf_f32_to_bits(u) & 0x7FFFFFFFu) > 0x3F800000u) {
        /* only a NaN survives the clamp: the step is not finite (§8.11); a NaN's pattern without
         * the sign is above the infinities' 0x7F800000 */
        *nan |= (uint32_t)((tf_f32_to_bits(u) & 0x7FFFFFFFu) > 0x7F800000u);
        return tf_sgd_clamp1(u);
    }
    return u;
}

/* The input bits of word wd restricted to the columns [col0, end). */
static inline tf_word tf_cols_mask(const tf_word *v, uint32_t wd, uint32_t col0, uint32_t end) {
    const uint32_t base = wd << TF_WORD_SHIFT;
    tf_word m = v[wd];
    if (base < col0) {
        m &= ~(tf_word)0u << (col0 - base);
    }
    if (end - base < TF_WORD_BITS) {
        m &= ~(~(tf_word)0u << (end - base));
    }
    return m;
}

/*
 * absSum kept incrementally (§6): the kernels below add fix(new) and fix(old) of the weights of
 * one word of columns into 32-bit sums (at most 4 rows × 32 × 2^24 = 2^31 each, no wrap) and
 * move them into *abs_sum per word (mod 2^64: new − old). A NaN among the new weights (the only
 * non-finite value the clamp lets through) sets *any, in tf_sgd_clamped's rare branch.
 */
static inline void tf_abs_sum_move(uint64_t *abs_sum, uint32_t fix_new, uint32_t fix_old) {
    *abs_sum += fix_new;
    *abs_sum -= fix_old;
}

/* One row: w_c for the columns with q_i ≠ 0 and their bits (the fast path's conditions hold). */
static void tf_sgd_row_bits(float *w, float dz, const tf_input *in, uint32_t col0, uint32_t end, float lr,
                            tf_word *bits_row, uint64_t *abs_sum, uint32_t *any) {
    const float gamma = in->gamma;
    const uint8_t *q = in->bytes;
    const float t_bits = TF_SGD_MUL(lr, TF_SGD_ADD0(TF_SGD_MUL(dz, gamma))); /* q_i = 1: h_i = mul(γ, 1) = γ */
    uint32_t wd;
    for (wd = tf_bit_word(col0); wd <= tf_bit_word(end - 1u); wd++) {
        const uint32_t base = wd << TF_WORD_SHIFT;
        float *wb = w + base - col0; /* column base + b is wb[b] */
        const tf_word m = tf_cols_mask(in->bits, wd, col0, end);
        tf_word neg = 0u;
        tf_word rest = m;
        uint32_t fix_new = 0u;
        uint32_t fix_old = 0u;
        while (rest != 0u) {
            const uint32_t b = (uint32_t)__builtin_ctz(rest);
            const float t = (q != NULL)
                                ? TF_SGD_MUL(lr, TF_SGD_ADD0(TF_SGD_MUL(dz, TF_SGD_MUL(gamma, TF_SGD_F32_U8(q[base + b])))))
                                : t_bits;
            const float o = wb[b];
            const float u = tf_sgd_clamped(o, t, any);
            rest &= rest - 1u;
            wb[b] = u;
            neg |= tf_negative_bit(u) << b;
            fix_new += tf_fix24_f32(u);
            fix_old += tf_fix24_f32(o);
        }
        bits_row[wd] = (bits_row[wd] & ~m) | (m & ~neg);
        tf_abs_sum_move(abs_sum, fix_new, fix_old);
    }
}

/*
 * The step of an input with q_i = 1 for a row: t₁ = mul(lr, add(+0, mul(δz, h))) with h = γ
 * (mul(γ, f32(1)) = γ). Rounding is monotonic, so |mul(lr, mul(δz, h_i))| ≥ |t₁| for every
 * q_i ≥ 1. When t₁ is not ±0, no product of the row is ±0; then add(+0, x) = x (so the
 * addition is left out), and no new weight sub(w, t) is −0 (sub gives −0 only for −0 − (+0)),
 * so the weight bit is the plain complement of the sign bit (tf_sgd_rows2_fast).
 */
static inline int tf_row_fast(float dz, float gamma, float lr) {
    const float t1 = TF_SGD_MUL(lr, TF_SGD_ADD0(TF_SGD_MUL(dz, gamma)));
    return (tf_f32_to_bits(t1) & 0x7FFFFFFFu) != 0u; /* t1 is not ±0 (as t1 != 0, a NaN included) */
}

/*
 * Two rows (w0 and w1 = the next row of the block) whose steps are never ±0 (tf_row_fast),
 * sharing the input walk and h_i.
 */
static void tf_sgd_rows2_fast(float *w0, float *w1, float dz0, float dz1, const tf_input *in, uint32_t col0,
                              uint32_t end, float lr, tf_word *bits0, tf_word *bits1, uint64_t *abs_sum,
                              uint32_t *any) {
    const float gamma = in->gamma;
    const uint8_t *q = in->bytes;
    const float t0_bits = TF_SGD_MUL(lr, TF_SGD_MUL(dz0, gamma));
    const float t1_bits = TF_SGD_MUL(lr, TF_SGD_MUL(dz1, gamma));
    uint32_t wd;
    for (wd = tf_bit_word(col0); wd <= tf_bit_word(end - 1u); wd++) {
        const uint32_t base = wd << TF_WORD_SHIFT;
        float *wb0 = w0 + base - col0;
        float *wb1 = w1 + base - col0;
        const tf_word m = tf_cols_mask(in->bits, wd, col0, end);
        tf_word neg0 = 0u;
        tf_word neg1 = 0u;
        tf_word rest = m;
        uint32_t fix_new = 0u;
        uint32_t fix_old = 0u;
        if (q != NULL) {
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                const float h = TF_SGD_MUL(gamma, TF_SGD_F32_U8(q[base + b]));
                const float o0 = wb0[b];
                const float o1 = wb1[b];
                const float u0 = tf_sgd_clamped(o0, TF_SGD_MUL2(lr, dz0, h), any);
                const float u1 = tf_sgd_clamped(o1, TF_SGD_MUL2(lr, dz1, h), any);
                rest &= rest - 1u;
                wb0[b] = u0;
                wb1[b] = u1;
                neg0 |= (tf_f32_to_bits(u0) >> 31) << b;
                neg1 |= (tf_f32_to_bits(u1) >> 31) << b;
                fix_new += tf_fix24_f32(u0) + tf_fix24_f32(u1);
                fix_old += tf_fix24_f32(o0) + tf_fix24_f32(o1);
            }
        } else {
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                const float o0 = wb0[b];
                const float o1 = wb1[b];
                const float u0 = tf_sgd_clamped(o0, t0_bits, any);
                const float u1 = tf_sgd_clamped(o1, t1_bits, any);
                rest &= rest - 1u;
                wb0[b] = u0;
                wb1[b] = u1;
                neg0 |= (tf_f32_to_bits(u0) >> 31) << b;
                neg1 |= (tf_f32_to_bits(u1) >> 31) << b;
                fix_new += tf_fix24_f32(u0) + tf_fix24_f32(u1);
                fix_old += tf_fix24_f32(o0) + tf_fix24_f32(o1);
            }
        }
        bits0[wd] = (bits0[wd] & ~m) | (m & ~neg0);
        bits1[wd] = (bits1[wd] & ~m) | (m & ~neg1);
        tf_abs_sum_move(abs_sum, fix_new, fix_old);
    }
}

/* All ones if w's sign bit is set, else 0 (the compiler makes it an arithmetic shift, which an
 * AND on Thumb-2 takes as its operand). */
static inline tf_word tf_sign_mask(float w) { return (tf_word)0u - (tf_word)(tf_f32_to_bits(w) >> 31); }

/*
 * Four consecutive rows (w, w + cols, w + 2·cols, w + 3·cols) whose steps are never ±0
 * (tf_row_fast): as tf_sgd_rows2_fast, with one input walk and one h_i for four rows.
 */
#if TF_SGD_SOFT
/* Without an FPU a step is a long integer sequence: each row's weight is finished (stored, its
 * bit and fix taken) before the next one's starts, so that few values stay live across the
 * four subtractions (the four-row form below spills on Cortex-M3). */
#define TF_SGD_STEP1(P, T, NEG)                                         \
    do {                                                                \
        const float o = *(P);                                           \
        const float u = tf_sgd_clamped(o, (T), any);                    \
        *(P) = u;                                                       \
        NEG |= bit & tf_sign_mask(u);                                   \
        fix_new += tf_fix24_f32(u);                                     \
        fix_old += tf_fix24_f32(o);                                     \
    } while (0)
#define TF_SGD_STEP4(T0, T1, T2, T3)                                    \
    do {                                                                \
        float *const p0 = w + base - col0 + b;                          \
        const tf_word bit = (tf_word)1u << b;                           \
        rest &= rest - 1u;                                              \
        TF_SGD_STEP1(p0, T0, neg0);                                     \
        TF_SGD_STEP1(p0 + stride, T1, neg1);                            \
        TF_SGD_STEP1(p0 + 2u * stride, T2, neg2);                       \
        TF_SGD_STEP1(p0 + 3u * stride, T3, neg3);                       \
    } while (0)
#else
#define TF_SGD_STEP4(T0, T1, T2, T3)                                    \
    do {                                                                \
        float *const p0 = w + base - col0 + b;                          \
        const tf_word bit = (tf_word)1u << b;                           \
        const float o0 = p0[0];                                         \
        const float o1 = p0[stride];                                    \
        const float o2 = p0[2u * stride];                               \
        const float o3 = p0[3u * stride];                               \
        const float u0 = tf_sgd_clamped(o0, (T0), any);                 \
        const float u1 = tf_sgd_clamped(o1, (T1), any);                 \
        const float u2 = tf_sgd_clamped(o2, (T2), any);                 \
        const float u3 = tf_sgd_clamped(o3, (T3), any);                 \
        rest &= rest - 1u;                                              \
        p0[0] = u0;                                                     \
        p0[stride] = u1;                                                \
        p0[2u * stride] = u2;                                           \
        p0[3u * stride] = u3;                                           \
        neg0 |= bit & tf_sign_mask(u0);                                 \
        neg1 |= bit & tf_sign_mask(u1);                                 \
        neg2 |= bit & tf_sign_mask(u2);                                 \
        neg3 |= bit & tf_sign_mask(u3);                                 \
        fix_new += tf_fix24_f32(u0) + tf_fix24_f32(u1);                 \
        fix_new += tf_fix24_f32(u2) + tf_fix24_f32(u3);                 \
        fix_old += tf_fix24_f32(o0) + tf_fix24_f32(o1);                 \
        fix_old += tf_fix24_f32(o2) + tf_fix24_f32(o3);                 \
    } while (0)
#endif

static void tf_sgd_rows4_fast(float *w, uint32_t stride, const float *dz, const tf_input *in, uint32_t col0,
                              uint32_t end, float lr, tf_word *bits, uint32_t row_words, uint64_t *abs_sum,
                              uint32_t *any) {
    const float gamma = in->gamma;
    const uint8_t *q = in->bytes;
    const float dz0 = dz[0];
    const float dz1 = dz[1];
    const float dz2 = dz[2];
    const float dz3 = dz[3];
    /* The four steps depend on q_i alone: with TF_SGD_REUSE, they are kept per call in a
     * direct-mapped cache of TF_SGD_CACHE slots indexed by q_i's low bits, each tagged with its
     * q_i (256, no byte, marks a slot empty), so an input whose value was already visited in this
     * call reuses them (on MNIST strokes about half of the inputs: many are 252–255). It pays
     * where a multiply is a long integer sequence, not with an FPU. */
#if TF_SGD_REUSE
    /* (the soft build only) lr and δz_j unpacked once per call for the steps' two products */
    const tf_f32_k2k1 k0 = tf_f32_k2k1_soft(lr, dz0);
    const tf_f32_k2k1 k1 = tf_f32_k2k1_soft(lr, dz1);
    const tf_f32_k2k1 k2 = tf_f32_k2k1_soft(lr, dz2);
    const tf_f32_k2k1 k3 = tf_f32_k2k1_soft(lr, dz3);
    float steps[TF_SGD_CACHE][4];
    uint16_t tags[TF_SGD_CACHE];
    uint32_t k;
#endif
    uint32_t wd;
#if TF_SGD_REUSE
    for (k = 0; k < TF_SGD_CACHE; k++) {
        tags[k] = 256u;
    }
#endif
    for (wd = tf_bit_word(col0); wd <= tf_bit_word(end - 1u); wd++) {
        const uint32_t base = wd << TF_WORD_SHIFT;
        const tf_word m = tf_cols_mask(in->bits, wd, col0, end);
        tf_word neg0 = 0u;
        tf_word neg1 = 0u;
        tf_word neg2 = 0u;
        tf_word neg3 = 0u;
        tf_word rest = m;
        uint32_t fix_new = 0u;
        uint32_t fix_old = 0u;
        if (m == 0u) {
            continue;
        }
        if (q != NULL) {
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                const uint32_t qi = q[base + b];
#if TF_SGD_REUSE
                float *const s = steps[qi & (TF_SGD_CACHE - 1u)];
                if (tags[qi & (TF_SGD_CACHE - 1u)] != qi) {
                    const float h = TF_SGD_MUL(gamma, TF_SGD_F32_U8(qi));
                    tags[qi & (TF_SGD_CACHE - 1u)] = (uint16_t)qi;
                    s[0] = tf_f32_mul_mul_k_soft(&k0, h);
                    s[1] = tf_f32_mul_mul_k_soft(&k1, h);
                    s[2] = tf_f32_mul_mul_k_soft(&k2, h);
                    s[3] = tf_f32_mul_mul_k_soft(&k3, h);
                }
                TF_SGD_STEP4(s[0], s[1], s[2], s[3]);
#else
                const float h = TF_SGD_MUL(gamma, TF_SGD_F32_U8(qi));
                TF_SGD_STEP4(TF_SGD_MUL2(lr, dz0, h), TF_SGD_MUL2(lr, dz1, h), TF_SGD_MUL2(lr, dz2, h),
                             TF_SGD_MUL2(lr, dz3, h));
#endif
            }
        } else {
            const float t0 = TF_SGD_MUL(lr, TF_SGD_MUL(dz0, gamma));
            const float t1 = TF_SGD_MUL(lr, TF_SGD_MUL(dz1, gamma));
            const float t2 = TF_SGD_MUL(lr, TF_SGD_MUL(dz2, gamma));
            const float t3 = TF_SGD_MUL(lr, TF_SGD_MUL(dz3, gamma));
            while (rest != 0u) {
                const uint32_t b = (uint32_t)__builtin_ctz(rest);
                TF_SGD_STEP4(t0, t1, t2, t3);
            }
        }
        bits[wd] = (bits[wd] & ~m) | (m & ~neg0);
        bits[row_words + wd] = (bits[row_words + wd] & ~m) | (m & ~neg1);
        bits[2u * row_words + wd] = (bits[2u * row_words + wd] & ~m) | (m & ~neg2);
        bits[3u * row_words + wd] = (bits[3u * row_words + wd] & ~m) | (m & ~neg3);
        tf_abs_sum_move(abs_sum, fix_new, fix_old);
    }
}
#undef TF_SGD_STEP4
#undef TF_SGD_STEP1

/* 1 iff rows j .. j + n − 1 have finite steps that are never ±0. */
static int tf_rows_fast(const float *dz, uint32_t j, uint32_t n, float gamma, float lr) {
    uint32_t k;
    for (k = 0; k < n; k++) {
        if (!tf_is_finite_f32(dz[j + k]) || !tf_row_fast(dz[j + k], gamma, lr)) {
            return 0;
        }
    }
    return 1;
}

/*
 * Optimized: visits only the columns whose input is non-zero, a word at a time through the bit
 * vector of q_i ≠ 0 (in->bits: the input itself for bit input, the nonzero mask for u8 input),
 * four or two rows at a time where no row's step can be ±0 (one walk of the input and one h_i
 * for all of them; tf_row_fast), otherwise a row at a time, and writes their weight bits
 * in the same pass. Every other weight keeps its value (exact, as in tf_sgd_row_f32), so its
 * bit, which describes it, stays right. The bit written is computed on the bit pattern
 * (tf_negative_bit), equal to (w ≥ 0) for every weight that is not NaN; a NaN can only come from
 * a NaN in the store, and then the step fails and tf_apply_step re-derives the block's bits. Rows with a non-finite δz,
 * a negative γ or no mask take the reference path. absSum moves by fix(new) − fix(old) of
 * exactly the weights written (an unvisited weight keeps its value, so its fix), the finiteness
 * flag from tf_sgd_clamped (a NaN written).
 */
int tf_sgd_block_bits_f32(float *w, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                          uint16_t col0, uint16_t cols, float lr, tf_word *bits, uint32_t row_words,
                          uint64_t *abs_sum) {
    const uint32_t end = (uint32_t)col0 + cols;
    uint32_t r = 0;
    uint32_t any = 0u;
    int finite = 1;
    if (cols == 0u) {
        return 1;
    }
    if (in->bits == NULL || !(in->gamma >= 0.0f)) {
        return tf_sgd_block_bits_f32_ref(w, dz, row0, rows, in, col0, cols, lr, bits, row_words, abs_sum);
    }
    while (r < rows) {
        const uint32_t j = (uint32_t)row0 + r;
        float *wr = w + r * (uint32_t)cols;
        if (dz[j] == 0.0f) {
            r++;
        } else if (!tf_is_finite_f32(dz[j])) {
            finite &= tf_sgd_block_bits_f32_ref(wr, dz, (uint16_t)j, 1u, in, col0, cols, lr, bits, row_words, abs_sum);
            r++;
        } else if (r + 3u < rows && tf_rows_fast(dz, j, 4u, in->gamma, lr)) {
            tf_sgd_rows4_fast(wr, cols, dz + j, in, col0, end, lr, bits + j * row_words, row_words, abs_sum, &any);
            r += 4u;
        } else if (r + 1u < rows && tf_is_finite_f32(dz[j + 1u]) && tf_row_fast(dz[j], in->gamma, lr) &&
                   tf_row_fast(dz[j + 1u], in->gamma, lr)) {
            tf_sgd_rows2_fast(wr, wr + cols, dz[j], dz[j + 1u], in, col0, end, lr, bits + j * row_words,
                              bits + (j + 1u) * row_words, abs_sum, &any);
            r += 2u;
        } else {
            tf_sgd_row_bits(wr, dz[j], in, col0, end, lr, bits + j * row_words, abs_sum, &any);
            r++;
        }
    }
    return finite && any == 0u;
}
