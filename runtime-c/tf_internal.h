/*
 * tf_internal.h — private helpers of the runtime (not part of the public API).
 */
#ifndef TF_INTERNAL_H
#define TF_INTERNAL_H

/*
 * Numerics guards (docs/runtime.md, "Numerics guards"). Every runtime source includes this
 * header first, so these hold for all of its code whatever flags a firmware project uses.
 *
 * No fused multiply-add (§1): gcc ignores `#pragma STDC FP_CONTRACT` and contracts in its GNU
 * modes (-std=gnu11, the usual IDE default) unless told -ffp-contract=off; its optimize pragma
 * turns contraction off for every function after it (measured with gcc 12 and
 * arm-none-eabi-gcc 12: the same code as -ffp-contract=off, no fused instruction left).
 * Other compilers get the standard pragma. tf_init and tf_resume check the result at run time
 * (tf_numerics_faults), so a compiler that honours neither is caught there.
 */
#if defined(__GNUC__) && !defined(__clang__)
#ifndef TF_TEST_ALLOW_CONTRACTION /* test builds only: shows that tf_init catches contraction */
#pragma GCC optimize("fp-contract=off")
#endif
#else
#pragma STDC FP_CONTRACT OFF
#endif

/* Value-changing float optimizations (-ffast-math and its parts) break §1 and cannot be
 * switched off from inside a file: refuse to compile. */
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__ != 0) ||                  \
    defined(__ASSOCIATIVE_MATH__) || defined(__RECIPROCAL_MATH__) || defined(__NO_SIGNED_ZEROS__)
#error "tinyfoa: compile the runtime without -ffast-math, -ffinite-math-only, -fassociative-math, -freciprocal-math, -fno-signed-zeros (binary32 must be exact, docs/semantics.md section 1)"
#endif

#include <float.h>

#include "tinyfoa.h"

/* Every float expression must be evaluated in binary32 (§1); x87-style excess precision
 * would change results. */
#if defined(FLT_EVAL_METHOD) && (FLT_EVAL_METHOD != 0)
#error "tinyfoa needs FLT_EVAL_METHOD == 0 (binary32 arithmetic evaluated in binary32)"
#endif

/* The model API uses the optimized kernels unless the reference twins are asked for. */
#ifdef TF_USE_REFERENCE_KERNELS
#define TF_DOT_U8 tf_dense_dot_u8_ref
#define TF_DOT_BITS tf_dense_dot_bits_ref
#define TF_CRC32 tf_crc32_ref
#define TF_SQRT tf_sqrt_f32_ref
#define TF_SGD_ROW tf_sgd_row_f32_ref
#else
#define TF_DOT_U8 tf_dense_dot_u8
#define TF_DOT_BITS tf_dense_dot_bits
#define TF_CRC32 tf_crc32
#define TF_SQRT tf_sqrt_f32
#define TF_SGD_ROW tf_sgd_row_f32
#endif

/** abs(x) (exact: clears the sign bit, so abs(-0) = +0). */
static inline float tf_abs_f32(float x) { return tf_f32_from_bits(tf_f32_to_bits(x) & 0x7FFFFFFFu); }

/** Geometry of block k of a layer (§3). */
typedef struct tf_block {
    uint16_t row0, rows, col0, cols;
    uint32_t size;
} tf_block;

static inline tf_block tf_block_of(const tf_layer *layer, uint8_t slices, uint32_t k) {
    tf_block b;
    const uint32_t p = k / slices;
    const uint32_t q = k % slices;
    b.row0 = layer->row_bounds[p];
    b.rows = (uint16_t)(layer->row_bounds[p + 1u] - layer->row_bounds[p]);
    b.col0 = layer->col_bounds[q];
    b.cols = (uint16_t)(layer->col_bounds[q + 1u] - layer->col_bounds[q]);
    b.size = (uint32_t)b.rows * b.cols;
    return b;
}

/** Arena regions (offsets in floats / words); see docs/runtime.md "Arena". */
typedef struct tf_arena_layout {
    uint32_t block_max;   /* max_l ceil(N_l/M) · ceil(K_l/M) */
    uint32_t units_max;   /* max_l N_l */
    uint32_t acc_block;   /* batch > 1: gradient accumulator of one block */
    uint32_t acc_bias;    /* batch > 1: gradient accumulator of the bias */
    uint32_t record;      /* one block record */
    uint32_t bias_record; /* the new bias record */
    uint32_t z;           /* z, then δz, of one layer */
    uint32_t logits;      /* a_c, p_c, δa_c */
    uint32_t floats;      /* total floats */
    uint32_t vec_words;   /* words of one activation bit vector */
    uint32_t words;       /* total words: two vectors */
} tf_arena_layout;

/** TF_OK if the model is initialised and its descriptor is the one tf_init / tf_resume checked;
 * else TF_ERR_STATE (not initialised) or TF_ERR_DESCRIPTOR (tf_runtime.c). */
tf_status tf_check_model(const tf_model *model);

/** Computes the layout; 0 if the shape fields needed are missing. */
int tf_arena_layout_of(const tf_model *model, tf_arena_layout *out);

/** Floats per element of a record: 1 (SGD) or 3 (Adam: value, m, v), and the tail (p1, p2). */
static inline uint32_t tf_record_per_element(const tf_model *model) {
    return model->optimizer == TF_OPTIMIZER_ADAM ? 3u : 1u;
}
static inline uint32_t tf_record_tail(const tf_model *model) {
    return model->optimizer == TF_OPTIMIZER_ADAM ? 2u : 0u;
}

#endif /* TF_INTERNAL_H */
