/*
 * The runtime's guards (docs/runtime.md, "Numerics guards", "Descriptor check") on a fixture:
 * the run-time numerics check, with the FPU's flush-to-zero and rounding modes set where this
 * target has a mode register; the descriptor re-check of every entry point; kernels at
 * n = 0. Runs on the host (also under ASan/UBSan) and on Cortex-M under QEMU.
 *
 * Built with -DTF_TEST_ALLOW_CONTRACTION in a contracting build, it only checks that tf_init
 * refuses (TF_ERR_NUMERICS) and prints GUARD lines.
 */
#include <stdlib.h>

#include "tf_model.h"
#include "tf_test.h"

#define MODEL TF_MODEL

static void random_sample(uint8_t *x) {
    uint32_t i;
    for (i = 0; i < MODEL.features; i++) {
        x[i] = (uint8_t)(MODEL.encoding == TF_ENCODING_BITS ? (tf_test_rand() & 1u) : (tf_test_rand() & 0xFFu));
    }
}

/* Digest of the state, or 0 if it cannot be taken. */
static uint32_t digest(void) {
    uint32_t d = 0u;
    return tf_state_digest(&MODEL, &d) == TF_OK ? d : 0u;
}

/* CRC of the RAM store's data and every RAM part of the state. */
static uint32_t memory_crc(void) {
    const tf_store_ram *ram = (const tf_store_ram *)MODEL.store->ctx;
    return tf_crc32(tf_test_ram_crc(&MODEL, 0u), (const uint8_t *)ram->data, 4u * TF_MODEL_STORE_FLOATS);
}

/* ------------------------------------------------------------------ FPU mode registers ---- */

#if defined(__GNUC__) && defined(__ARM_FP) && !defined(__SOFTFP__)
#define HAVE_MODE 1
static uint32_t mode_get(void) {
    uint32_t v;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(v));
    return v;
}
static void mode_set(uint32_t v) { __asm__ volatile("vmsr fpscr, %0" : : "r"(v)); }
/* FZ; RMode = round toward zero */
static const uint32_t mode_flush[] = {1u << 24};
static const uint32_t mode_round[] = {3u << 22, 1u << 22, 2u << 22};
#elif defined(__GNUC__) && defined(__x86_64__)
#define HAVE_MODE 1
static uint32_t mode_get(void) { return (uint32_t)__builtin_ia32_stmxcsr(); }
static void mode_set(uint32_t v) { __builtin_ia32_ldmxcsr(v); }
/* FTZ, DAZ; RC = toward zero, down, up */
static const uint32_t mode_flush[] = {1u << 15, 1u << 6};
static const uint32_t mode_round[] = {3u << 13, 1u << 13, 2u << 13};
#else
#define HAVE_MODE 0
#endif

#if HAVE_MODE
/* With the mode bits set: the fault is reported, tf_init and tf_resume refuse, nothing is
 * written; afterwards tf_resume brings the state back bit for bit. */
static void check_mode(uint32_t bits, uint32_t fault, uint32_t tag) {
    const uint32_t saved = mode_get();
    const uint32_t before = digest();
    const tf_store_ram *ram = (const tf_store_ram *)MODEL.store->ctx;
    const uint32_t store = tf_crc32(0u, (const uint8_t *)ram->data, 4u * TF_MODEL_STORE_FLOATS);
    uint32_t faults;
    tf_status init;
    tf_status resume;
    int resumed = -1;
    mode_set(saved | bits);
    faults = tf_numerics_faults();
    init = tf_init(&MODEL);
    resume = tf_resume(&MODEL, &resumed);
    mode_set(saved);
    printf("GUARD mode=%08lx faults=%lu init=%s\n", (unsigned long)bits, (unsigned long)faults, tf_status_name(init));
    CHECK_EQ_U(faults & fault, fault, tag);
    CHECK_EQ_U(init, TF_ERR_NUMERICS, tag);
    CHECK_EQ_U(resume, TF_ERR_NUMERICS, tag);
    CHECK_EQ_U(resumed, 0, tag);
    CHECK_EQ_U(tf_crc32(0u, (const uint8_t *)ram->data, 4u * TF_MODEL_STORE_FLOATS), store, tag);
    CHECK_EQ_U(tf_numerics_faults(), 0u, tag);
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, tag);
    CHECK_EQ_U(resumed, 1, tag);
    CHECK_EQ_U(digest(), before, tag);
}
#endif

/* ------------------------------------------------------------------ descriptor check ------ */

/* Each mutation: every entry point refuses with TF_ERR_DESCRIPTOR and changes nothing; once
 * restored, the model works again. */
#define MUTATION(field, value, tag)                                                                                  \
    do {                                                                                                             \
        const uint32_t mem_ = memory_crc();                                                                          \
        uint8_t out_ = 0;                                                                                            \
        uint32_t d_ = 0;                                                                                             \
        float scores_[256];                                                                                          \
        tf_info info_;                                                                                               \
        random_sample(x);                                                                                            \
        field = value;                                                                                               \
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_ERR_DESCRIPTOR, tag);                                        \
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out_), TF_ERR_DESCRIPTOR, tag);                                         \
        CHECK_EQ_U(tf_state_digest(&MODEL, &d_), TF_ERR_DESCRIPTOR, tag);                                            \
        CHECK_EQ_U(tf_array_digest(&MODEL, 0, TF_ARRAY_BIAS, &d_), TF_ERR_DESCRIPTOR, tag);                          \
        CHECK_EQ_U(tf_discard_batch(&MODEL), TF_ERR_DESCRIPTOR, tag);                                                \
        CHECK_EQ_U(tf_learn(&MODEL, x, 0), TF_ERR_DESCRIPTOR, tag);                                                  \
        CHECK_EQ_U(tf_predict_scores(&MODEL, x, scores_), TF_ERR_DESCRIPTOR, tag);                                   \
        CHECK_EQ_U(tf_get_info(&MODEL, &info_), TF_ERR_DESCRIPTOR, tag);                                             \
        CHECK_EQ_U(tf_total_steps(&MODEL), 0u, tag);                                                                 \
        field = saved_;                                                                                              \
        CHECK_EQ_U(memory_crc(), mem_, tag);                                                                         \
        CHECK_EQ_U(digest(), good, tag);                                                                             \
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out_), TF_OK, tag);                                                     \
    } while (0)

static void test_descriptor(void) {
    uint8_t x[TF_MODEL_FEATURES];
    const uint32_t good = digest();
    CHECK(good != 0u);
    {
        const uint16_t saved_ = MODEL.batch_size;
        MUTATION(MODEL.batch_size, (uint16_t)(saved_ + 1u), 1);
    }
    {
        const uint16_t saved_ = MODEL.layers[0].units;
        MUTATION(MODEL.layers[0].units, (uint16_t)(saved_ + 1u), 2);
    }
    {
        const uint8_t saved_ = MODEL.classes;
        MUTATION(MODEL.classes, (uint8_t)(saved_ + 1u), 3);
    }
    {
        const float saved_ = MODEL.lr;
        MUTATION(MODEL.lr, saved_ * 2.0f, 4);
    }
    {
        float *const saved_ = MODEL.arena;
        MUTATION(MODEL.arena, saved_ + 1, 5);
    }
    {
        const tf_store *const saved_ = MODEL.store;
        tf_store other = *saved_;
        MUTATION(MODEL.store, &other, 6);
    }
    {
        const uint16_t saved_ = MODEL.batch_fill;
        MUTATION(MODEL.batch_fill, MODEL.batch_size, 7);
    }
    {
        const uint8_t saved_ = MODEL.bias_clamp;
        MUTATION(MODEL.bias_clamp, (uint8_t)(1u - saved_), 8);
    }
    {
        const uint32_t saved_ = MODEL.epoch_steps;
        MUTATION(MODEL.epoch_steps, saved_ + 1u, 9);
    }
    {
        const uint32_t saved_ = MODEL.run_steps;
        MUTATION(MODEL.run_steps, saved_ + 1u, 30);
    }
    {
        const uint8_t saved_ = MODEL.run_open;
        MUTATION(MODEL.run_open, (uint8_t)(saved_ + 2u), 31);
    }
    /* a deliberate change: accepted for the learning rate and the store, refused for the shape */
    {
        const float lr = MODEL.lr;
        uint8_t out = 0;
        MODEL.lr = lr * 0.5f;
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 10);
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out), TF_OK, 10);
        MODEL.lr = lr;
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out), TF_ERR_DESCRIPTOR, 11);
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 11);
        MODEL.batch_size = (uint16_t)(MODEL.batch_size + 1u);
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_ERR_STATE, 12);
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out), TF_ERR_DESCRIPTOR, 12);
        MODEL.batch_size = (uint16_t)(MODEL.batch_size - 1u);
        MODEL.arena_floats = 1u;
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_ERR_STATE, 13); /* arena too small */
        MODEL.arena_floats = TF_MODEL_ARENA_FLOATS;
        CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out), TF_OK, 13);
        CHECK_EQ_U(tf_accept_descriptor(NULL), TF_ERR_NULL, 14);
        CHECK_EQ_U(digest(), good, 14);
    }
}

/* ------------------------------------------------------------------ kernels at n = 0 ------ */

/* Buffers of exactly the size a kernel may touch (malloc(0) under ASan: any access reports). */
static void test_empty_kernels(void) {
    float *f = (float *)malloc(0);
    tf_word *w = (tf_word *)malloc(0);
    uint8_t *b = (uint8_t *)malloc(0);
    float gamma = 1.0f;
    tf_input in;
    if (f == NULL || w == NULL || b == NULL) {
        /* malloc(0) may return NULL; use one-element buffers the kernels must not touch */
        static float f1[1];
        static tf_word w1[1];
        static uint8_t b1[1];
        f = f1;
        w = w1;
        b = b1;
    }
    tf_softmax_f32(f, 0);
    CHECK_EQ_U(tf_argmax_f32(f, 0), 0, 0);
    CHECK_EQ_U(tf_all_finite_f32(f, 0), 1, 0);
    tf_pack_bits_u8(b, 0, w);
    CHECK_EQ_U(tf_dense_dot_u8(w, b, 0, 0), 0, 0);
    CHECK_EQ_U(tf_dense_dot_u8_ref(w, b, 0, 0), 0, 0);
    CHECK_EQ_U(tf_dense_dot_bits(w, w, 0, 0), 0, 0);
    CHECK_EQ_U(tf_dense_dot_bits_ref(w, w, 0, 0), 0, 0);
    CHECK_EQ_U(tf_crc32(0u, b, 0), 0u, 0);
    CHECK_EQ_U(tf_crc32_ref(0u, b, 0), 0u, 0);
    tf_binarize_f32(f, 0, w, &gamma);
    CHECK(gamma != gamma); /* 0/0: NaN, never reached by a model (N_l >= M >= 1) */
    in.bytes = b;
    in.bits = NULL;
    in.count = 0;
    in.total = 0;
    in.gamma = 1.0f;
    tf_sgd_row_f32(f, 0, 1.0f, &in, 0, 0.5f);
    tf_sgd_row_f32_ref(f, 0, 1.0f, &in, 0, 0.5f);
    tf_block_grad_acc_f32(f, f, 0, 0, &in, 0, 0);
    {
        uint64_t sum = 5u;
        const uint64_t none[1] = {0u};
        tf_block_derive_f32(f, 0, 0, 0, 0, w, 0, &sum);
        CHECK(sum == 0u);
        CHECK(tf_abs_sum_fix(f, 0) == 0u);
        CHECK(tf_abs_sum_fix_ref(f, 0) == 0u);
        CHECK_BITS_F(tf_alpha_fix(none, 0, 1.0f), 0.0f, 0);
    }
    tf_classifier_f32(w, 0, w, 0, 1.0f, 1.0f, f);
    if (f != NULL) {
        free(f);
        free(w);
        free(b);
    }
}

int main(void) {
    uint8_t x[TF_MODEL_FEATURES];
    const uint32_t faults = tf_numerics_faults();
    uint32_t s;
    printf("GUARD faults=%lu\n", (unsigned long)faults);
#ifdef TF_TEST_ALLOW_CONTRACTION
    {
        const tf_status st = tf_init(&MODEL);
        printf("GUARD init=%s\n", tf_status_name(st));
        CHECK_EQ_U(st, TF_ERR_NUMERICS, 0);
        CHECK_EQ_U(faults, TF_NUMERICS_CONTRACTION, 0);
        return tf_test_finish();
    }
#endif
    CHECK_EQ_U(faults, 0u, 0);
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    for (s = 0; s < 40u; s++) {
        random_sample(x);
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, (uint8_t)(s % MODEL.classes)), TF_OK, s);
    }
    printf("PIN trained digest %08lx\n", (unsigned long)digest());
    test_descriptor();
#if HAVE_MODE
    for (s = 0; s < sizeof mode_flush / sizeof mode_flush[0]; s++) {
        check_mode(mode_flush[s], TF_NUMERICS_SUBNORMALS, 100u + s);
    }
    for (s = 0; s < sizeof mode_round / sizeof mode_round[0]; s++) {
        check_mode(mode_round[s], TF_NUMERICS_ROUNDING, 200u + s);
    }
#else
    printf("GUARD no FPU mode register\n");
#endif
    test_empty_kernels();
    return tf_test_finish();
}
