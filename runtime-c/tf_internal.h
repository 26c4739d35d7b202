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

/*
 * Kernel variants (docs/runtime.md, "Kernel variants"): a target may replace an optimized
 * kernel by a same-name variant, e.g. -DTF_KERNEL_DENSE_U8=dsp selects tf_dense_u8_f32_dsp
 * (runtime-c/tf_dense_u8_dsp.c) instead of tf_dense_u8_f32 (tf_dense_u8.c). The build takes the flag from the
 * target record's `kernels` field. A variant that does not exist, or is not built for the
 * core, is a compile error (an undeclared function under -Werror), never a fallback.
 */
#define TF_KERNEL_CAT_(a, b) a##_##b
#define TF_KERNEL_CAT(a, b) TF_KERNEL_CAT_(a, b)

/* The model API uses the optimized kernels unless the reference twins are asked for. */
#ifdef TF_USE_REFERENCE_KERNELS
#define TF_DENSE_U8 tf_dense_u8_f32_ref
#define TF_DOT_BITS tf_dense_dot_bits_ref
#define TF_CRC32 tf_crc32_ref
#define TF_SQRT tf_sqrt_f32_ref
#define TF_SGD_ROW tf_sgd_row_f32_ref
#define TF_SGD_BLOCK_BITS tf_sgd_block_bits_f32_ref
#define TF_ABS_SUM tf_abs_sum_fix_ref
#define TF_LOCAL_DELTA tf_local_delta_f32
#else
#ifdef TF_KERNEL_DENSE_U8
#define TF_DENSE_U8 TF_KERNEL_CAT(tf_dense_u8_f32, TF_KERNEL_DENSE_U8)
#else
#define TF_DENSE_U8 tf_dense_u8_f32
#endif
#define TF_DOT_BITS tf_dense_dot_bits
#ifdef TF_KERNEL_CRC32
#define TF_CRC32 TF_KERNEL_CAT(tf_crc32, TF_KERNEL_CRC32)
#else
#define TF_CRC32 tf_crc32
#endif
#define TF_SQRT tf_sqrt_f32
#ifdef TF_KERNEL_SGD
#define TF_SGD_ROW TF_KERNEL_CAT(tf_sgd_row_f32, TF_KERNEL_SGD)
#define TF_SGD_BLOCK_BITS TF_KERNEL_CAT(tf_sgd_block_bits_f32, TF_KERNEL_SGD)
#else
#define TF_SGD_ROW tf_sgd_row_f32
#define TF_SGD_BLOCK_BITS tf_sgd_block_bits_f32
#endif
#ifdef TF_KERNEL_LOCAL_DELTA
#define TF_LOCAL_DELTA TF_KERNEL_CAT(tf_local_delta_f32, TF_KERNEL_LOCAL_DELTA)
#else
#define TF_LOCAL_DELTA tf_local_delta_f32
#endif
#define TF_ABS_SUM tf_abs_sum_fix
#endif

/** abs(x) (exact: clears the sign bit, so abs(-0) = +0). */
static inline float tf_abs_f32(float x) { return tf_f32_from_bits(tf_f32_to_bits(x) & 0x7FFFFFFFu); }

/*
 * fix(w) = floor(|w| · 2^24) of §6 for finite |w| ≤ 1. With a single-precision FPU: VABS, then
 * VCVT.U32.F32 with 24 fraction bits (a conversion to fixed point, which truncates; NaN gives
 * 0), the value already being in an FPU register; otherwise tf_fix24 on the bit pattern
 * (integer instructions, no soft-float call; on Thumb-2 its count test left to the shift).
 */
static inline uint32_t tf_fix24_f32(float w) {
#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(TF_NO_ASM_FIX24)
    float a = __builtin_fabsf(w);
    uint32_t r;
    __asm__("vcvt.u32.f32 %0, %0, #24" : "+t"(a));
    memcpy(&r, &a, sizeof r);
    return r;
#elif defined(__thumb2__) && !defined(TF_NO_ASM_FIX24)
    /* Without an FPU: tf_fix24 with one shift by a register, which takes the register's low byte
     * as the count and gives 0 for counts 32 to 255. That byte of 134 − (u >> 23) is
     * (134 − e) mod 256 for either sign: 32..134 (0) for e ≤ 102, 0..31 for 103 ≤ e ≤ 134, and
     * 135..255 (0, as tf_fix24 gives) for e > 134, so no test of the count is needed. */
    const uint32_t u = tf_f32_to_bits(w);
    uint32_t r = (u << 8) | 0x80000000u;
    __asm__("lsr %0, %0, %1" : "+r"(r) : "r"(134u - (u >> 23)));
    return r;
#else
    return tf_fix24(tf_f32_to_bits(w));
#endif
}

/* The u8 kernels read four input bytes as one little-endian word (byte i at bits 8i). */
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
#error "tinyfoa's u8 kernels assume a little-endian core"
#endif

/** Bytes q[0..3] as one word, q[0] in the low byte; q need not be aligned. */
static inline uint32_t tf_load_u8x4(const uint8_t *q) {
    uint32_t v;
    memcpy(&v, q, sizeof v);
    return v;
}

/** Byte b of tf_nibble_byte_mask[n] is 0xFF iff bit b of n is 1 (tf_dense_dot_u8.c). */
extern const uint32_t tf_nibble_byte_mask[16];

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

/** The single block that update step `steps` of a layer trains under `cyclic` and `runs` (§8.9). */
static inline uint32_t tf_step_block(const tf_model *m, uint32_t steps) {
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    return ((m->schedule == TF_SCHEDULE_RUNS) ? steps / m->run_steps : steps) % blocks;
}

/** Schedule runs (§8.12): 1 if record r of layer l lives in the arena's run region, not yet in
 * the store (an open run keeps its block, floor(n_l / R) mod M², and the bias record there). */
static inline int tf_run_holds(const tf_model *m, uint8_t l, uint32_t r) {
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    return m->run_open != 0u && m->run_layer == l && (r == blocks || r == tf_step_block(m, m->layers[l].steps));
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
    uint32_t run_block;   /* schedule runs: the open run's block record (0 floats otherwise) */
    uint32_t run_bias;    /* schedule runs: the open run's bias record */
    uint32_t batch_slots; /* schedule all, batch > 1: per sample δz (Nmax), γ_in (1), input (in_floats) */
    uint32_t slot_floats; /* floats of one sample's slot (0 when there are none) */
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

/* Little-endian uint32 in bytes (§2's serialisation), for the stores and the model check word. */
static inline void tf_put_u32_le(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)(v & 0xFFu);
    b[1] = (uint8_t)((v >> 8) & 0xFFu);
    b[2] = (uint8_t)((v >> 16) & 0xFFu);
    b[3] = (uint8_t)(v >> 24);
}

static inline uint32_t tf_get_u32_le(const uint8_t *b) {
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* CRC-32 (§11) continued over one uint32 as its four little-endian bytes. */
static inline uint32_t tf_crc32_u32_le(uint32_t crc, uint32_t v) {
    uint8_t b[4];
    tf_put_u32_le(b, v);
    return TF_CRC32(crc, b, 4u);
}

#endif /* TF_INTERNAL_H */
