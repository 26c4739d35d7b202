/*
 * Model-level tests against a fixture that mimics generated code (tf_model.h / tf_model.c from
 * test/runtime/fixtures/<name>/). The runtime is checked against a "shadow": a plain,
 * dense re-implementation of docs/semantics.md §3–§8 and §11 (full N × K matrices, ±1
 * classifier entries, no blocks in the data layout, no bit packing), compared bit for bit
 * after every call. Then the error paths: status codes and "a failing call changes no state".
 */
#include <float.h>

#include "tf_model.h"
#include "tf_test.h"

#define MODEL TF_MODEL
#define MAXL 4
#define MAXN 64
#define MAXK 65
#define MAXC 8
#define MAXB 16 /* blocks per layer */

/* ================================================================ the shadow ============ */

typedef struct {
    float w[MAXL][MAXN][MAXK]; /* latent weights W[l][j][i] */
    float mw[MAXL][MAXN][MAXK], vw[MAXL][MAXN][MAXK];
    float p1w[MAXL][MAXB], p2w[MAXL][MAXB];
    float b[MAXL][MAXN], mb[MAXL][MAXN], vb[MAXL][MAXN];
    float p1b[MAXL], p2b[MAXL];
    int cls[MAXL][MAXC][MAXN]; /* +1 / −1 */
    uint32_t steps[MAXL];
    /* batch */
    float g[MAXN][MAXK];
    float gb[MAXN];
    uint32_t fill;
    uint32_t layer;
} shadow_t;

static shadow_t sh;

static uint32_t L_(void) { return MODEL.num_layers; }
static uint32_t K_(uint32_t l) { return l == 0 ? MODEL.features : MODEL.layers[l - 1].units; }
static uint32_t N_(uint32_t l) { return MODEL.layers[l].units; }
static uint32_t M_(void) { return MODEL.slices; }
static uint32_t part(uint32_t p, uint32_t n) { return (p * n) / M_(); } /* §3 */
static float fabs_(float x) { return x < 0.0f ? -x : (x == 0.0f ? 0.0f : x); }

static void shadow_init(void) {
    tf_rng r;
    uint32_t l;
    memset(&sh, 0, sizeof sh);
    tf_rng_seed(&r, MODEL.seed, 1u);
    for (l = 0; l < L_(); l++) {
        uint32_t c;
        uint32_t i;
        for (c = 0; c < MODEL.classes; c++) {
            for (i = 0; i < N_(l); i++) {
                sh.cls[l][c][i] = (tf_rng_next(&r) >> 31) ? 1 : -1;
            }
        }
    }
    tf_rng_seed(&r, MODEL.seed, 2u);
    for (l = 0; l < L_(); l++) {
        uint32_t p;
        uint32_t q;
        for (p = 0; p < M_(); p++) {
            for (q = 0; q < M_(); q++) {
                uint32_t j;
                uint32_t i;
                for (j = part(p, N_(l)); j < part(p + 1, N_(l)); j++) {
                    for (i = part(q, K_(l)); i < part(q + 1, K_(l)); i++) {
                        sh.w[l][j][i] = (tf_rng_uniform(&r) * 2.0f - 1.0f) * MODEL.layers[l].omega;
                    }
                }
                sh.p1w[l][p * M_() + q] = 1.0f;
                sh.p2w[l][p * M_() + q] = 1.0f;
            }
        }
        sh.p1b[l] = 1.0f;
        sh.p2b[l] = 1.0f;
    }
}

/* §6: Σ floor(|w| · 2^24) over the block; the product is exact and the conversion truncates. */
static uint64_t shadow_abs_sum(uint32_t l, uint32_t k) {
    const uint32_t p = k / M_();
    const uint32_t q = k % M_();
    uint64_t s = 0u;
    uint32_t j;
    uint32_t i;
    for (j = part(p, N_(l)); j < part(p + 1, N_(l)); j++) {
        for (i = part(q, K_(l)); i < part(q + 1, K_(l)); i++) {
            s += (uint32_t)(fabs_(sh.w[l][j][i]) * 16777216.0f);
        }
    }
    return s;
}

static float shadow_alpha(uint32_t l) {
    uint64_t s = 0u;
    uint32_t k;
    for (k = 0; k < M_() * M_(); k++) {
        s += shadow_abs_sum(l, k);
    }
    return (float)s / MODEL.layers[l].count; /* count is countFix = f32(N·K) · 2^24 */
}

/* Forward to layer `upto`; returns the logits, the input (q, γ) of layer upto and its z. */
typedef struct {
    int32_t q_in[MAXK];
    float gamma_in;
    float z[MAXN];
    int32_t q_out[MAXN];
    float gamma_out;
    float a[MAXC];
    int finite;
} shadow_fwd;

static void shadow_forward(const uint8_t *x, uint32_t upto, shadow_fwd *f) {
    int32_t q[MAXK > MAXN ? MAXK : MAXN];
    float gin = MODEL.gamma_in; /* γ_in of layer l (§7) */
    float gamma = gin;
    uint32_t l;
    uint32_t i;
    f->finite = 1;
    for (i = 0; i < MODEL.features; i++) {
        q[i] = x[i];
    }
    for (l = 0; l <= upto; l++) {
        const float scale = shadow_alpha(l) * gin;
        float sum = 0.0f;
        uint32_t j;
        for (i = 0; i < K_(l); i++) {
            f->q_in[i] = q[i];
        }
        f->gamma_in = gin;
        for (j = 0; j < N_(l); j++) {
            int32_t s = 0;
            for (i = 0; i < K_(l); i++) {
                s += (sh.w[l][j][i] >= 0.0f) ? q[i] : -q[i];
            }
            f->z[j] = scale * (float)s + sh.b[l][j];
            if (!tf_is_finite_f32(f->z[j])) {
                f->finite = 0;
            }
            sum = sum + fabs_(f->z[j]);
        }
        gamma = sum / (float)N_(l);
        if (!tf_is_finite_f32(gamma)) {
            f->finite = 0;
        }
        for (j = 0; j < N_(l); j++) {
            q[j] = f->z[j] > 0.0f ? 1 : 0;
            f->q_out[j] = q[j];
        }
        gin = (MODEL.input_scale == TF_INPUT_SCALE_LAYER) ? gamma : 1.0f;
    }
    f->gamma_out = gamma;
    {
        uint32_t c;
        for (c = 0; c < MODEL.classes; c++) {
            int32_t t = 0;
            for (i = 0; i < N_(upto); i++) {
                t += f->q_out[i] ? sh.cls[upto][c][i] : 0;
            }
            f->a[c] = (gamma * MODEL.layers[upto].beta) * (float)t;
            if (!tf_is_finite_f32(f->a[c])) {
                f->finite = 0;
            }
        }
    }
}

static uint8_t shadow_predict(const uint8_t *x, uint32_t l) {
    shadow_fwd f;
    uint8_t best = 0;
    uint8_t c;
    shadow_forward(x, l, &f);
    for (c = 1; c < MODEL.classes; c++) {
        if (f.a[c] > f.a[best]) {
            best = c;
        }
    }
    return best;
}

static float shadow_opt(float w, float *m, float *v, float gbar, float d1, float d2) {
    if (MODEL.optimizer == TF_OPTIMIZER_SGD) {
        return w - MODEL.lr * gbar;
    }
    *m = MODEL.beta1 * *m + MODEL.c1 * gbar;
    *v = MODEL.beta2 * *v + MODEL.c2 * (gbar * gbar);
    return w - (MODEL.lr * (*m / d1)) / (tf_sqrt_f32_ref(*v / d2) + MODEL.eps);
}

static int all_finite_layer(const shadow_t *s, uint32_t l) {
    uint32_t j;
    uint32_t i;
    for (j = 0; j < N_(l); j++) {
        if (!tf_is_finite_f32(s->b[l][j]) || !tf_is_finite_f32(s->mb[l][j]) || !tf_is_finite_f32(s->vb[l][j])) {
            return 0;
        }
        for (i = 0; i < K_(l); i++) {
            if (!tf_is_finite_f32(s->w[l][j][i]) || !tf_is_finite_f32(s->mw[l][j][i]) ||
                !tf_is_finite_f32(s->vw[l][j][i])) {
                return 0;
            }
        }
    }
    return 1;
}

/* The expected status of tf_train_sample for a valid call; updates the shadow like §8. */
static tf_status shadow_train(uint32_t l, const uint8_t *x, uint8_t label) {
    static shadow_t next;
    shadow_fwd f;
    float e[MAXC];
    float s = 0.0f;
    float mx;
    uint32_t c;
    uint32_t j;
    uint32_t i;
    shadow_forward(x, l, &f);
    if (!f.finite) {
        return TF_ERR_NONFINITE;
    }
    mx = f.a[0];
    for (c = 1; c < MODEL.classes; c++) {
        mx = f.a[c] > mx ? f.a[c] : mx;
    }
    for (c = 0; c < MODEL.classes; c++) {
        e[c] = tf_exp32(f.a[c] - mx);
        s = s + e[c];
    }
    for (c = 0; c < MODEL.classes; c++) {
        e[c] = e[c] / s - (c == label ? 1.0f : 0.0f); /* δa */
    }
    if (sh.fill == 0) {
        memset(sh.g, 0, sizeof sh.g);
        memset(sh.gb, 0, sizeof sh.gb);
        sh.layer = l;
    }
    for (j = 0; j < N_(l); j++) {
        float dz = 0.0f;
        if (f.z[j] > MODEL.gate_low && f.z[j] < 1.0f) {
            float d = 0.0f;
            for (c = 0; c < MODEL.classes; c++) {
                d = sh.cls[l][c][j] > 0 ? d + e[c] : d - e[c];
            }
            dz = MODEL.layers[l].beta * d;
        }
        for (i = 0; i < K_(l); i++) {
            sh.g[j][i] = sh.g[j][i] + dz * (f.gamma_in * (float)f.q_in[i]);
        }
        sh.gb[j] = sh.gb[j] + dz;
    }
    sh.fill++;
    if (sh.fill < MODEL.batch_size) {
        return TF_OK;
    }
    sh.fill = 0;
    next = sh;
    {
        const float bf = (float)MODEL.batch_size;
        const uint32_t blocks = M_() * M_();
        uint32_t k;
        float d1;
        float d2;
        for (k = 0; k < blocks; k++) {
            const uint32_t p = k / M_();
            const uint32_t q = k % M_();
            if (MODEL.schedule == TF_SCHEDULE_CYCLIC && k != sh.steps[l] % blocks) {
                continue;
            }
            next.p1w[l][k] = next.p1w[l][k] * MODEL.beta1;
            next.p2w[l][k] = next.p2w[l][k] * MODEL.beta2;
            d1 = 1.0f - next.p1w[l][k];
            d2 = 1.0f - next.p2w[l][k];
            for (j = part(p, N_(l)); j < part(p + 1, N_(l)); j++) {
                for (i = part(q, K_(l)); i < part(q + 1, K_(l)); i++) {
                    const float w = shadow_opt(next.w[l][j][i], &next.mw[l][j][i], &next.vw[l][j][i],
                                               sh.g[j][i] / bf, d1, d2);
                    next.w[l][j][i] = w > 1.0f ? 1.0f : (w < -1.0f ? -1.0f : w);
                }
            }
        }
        next.p1b[l] = next.p1b[l] * MODEL.beta1;
        next.p2b[l] = next.p2b[l] * MODEL.beta2;
        d1 = 1.0f - next.p1b[l];
        d2 = 1.0f - next.p2b[l];
        for (j = 0; j < N_(l); j++) {
            next.b[l][j] = shadow_opt(next.b[l][j], &next.mb[l][j], &next.vb[l][j], sh.gb[j] / bf, d1, d2);
        }
    }
    if (!all_finite_layer(&next, l)) {
        return TF_ERR_NONFINITE;
    }
    next.steps[l]++;
    sh = next;
    return TF_OK;
}

/* --------------------------------------------------------------- shadow serialisation ---- */
static uint32_t crc_u32(uint32_t crc, uint32_t v) {
    uint8_t b[4];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
    return tf_crc32_ref(crc, b, 4);
}
static uint32_t crc_f32(uint32_t crc, float x) { return crc_u32(crc, tf_f32_to_bits(x)); }

/* One §11 array of the shadow, CRC'd onto crc. */
static uint32_t shadow_array(uint32_t crc, uint32_t l, int a) {
    const uint32_t blocks = M_() * M_();
    uint32_t k;
    uint32_t j;
    uint32_t i;
    uint32_t c;
    switch (a) {
    case TF_ARRAY_CLASSIFIER:
        for (c = 0; c < MODEL.classes; c++) {
            for (i = 0; i < N_(l); i += 32) {
                uint32_t word = 0;
                uint32_t b;
                for (b = 0; b < 32 && i + b < N_(l); b++) {
                    word |= (sh.cls[l][c][i + b] > 0 ? 1u : 0u) << b;
                }
                crc = crc_u32(crc, word);
            }
        }
        break;
    case TF_ARRAY_WEIGHTS:
    case TF_ARRAY_ADAM:
        for (k = 0; k < blocks; k++) {
            const uint32_t p = k / M_();
            const uint32_t q = k % M_();
            int part_ = 0;
            for (part_ = (a == TF_ARRAY_WEIGHTS ? 0 : 1); part_ <= (a == TF_ARRAY_WEIGHTS ? 0 : 2); part_++) {
                for (j = part(p, N_(l)); j < part(p + 1, N_(l)); j++) {
                    for (i = part(q, K_(l)); i < part(q + 1, K_(l)); i++) {
                        crc = crc_f32(crc, part_ == 0 ? sh.w[l][j][i] : (part_ == 1 ? sh.mw[l][j][i] : sh.vw[l][j][i]));
                    }
                }
            }
            if (a == TF_ARRAY_ADAM) {
                crc = crc_f32(crc, sh.p1w[l][k]);
                crc = crc_f32(crc, sh.p2w[l][k]);
            }
        }
        if (a == TF_ARRAY_ADAM) {
            for (j = 0; j < N_(l); j++) {
                crc = crc_f32(crc, sh.mb[l][j]);
            }
            for (j = 0; j < N_(l); j++) {
                crc = crc_f32(crc, sh.vb[l][j]);
            }
            crc = crc_f32(crc, sh.p1b[l]);
            crc = crc_f32(crc, sh.p2b[l]);
        }
        break;
    case TF_ARRAY_BIAS:
        for (j = 0; j < N_(l); j++) {
            crc = crc_f32(crc, sh.b[l][j]);
        }
        break;
    case TF_ARRAY_BITS:
        for (j = 0; j < N_(l); j++) {
            for (i = 0; i < K_(l); i += 32) {
                uint32_t word = 0;
                uint32_t b;
                for (b = 0; b < 32 && i + b < K_(l); b++) {
                    word |= (sh.w[l][j][i + b] >= 0.0f ? 1u : 0u) << b;
                }
                crc = crc_u32(crc, word);
            }
        }
        break;
    case TF_ARRAY_ABS_SUM:
        for (k = 0; k < blocks; k++) {
            const uint64_t v = shadow_abs_sum(l, k);
            crc = crc_u32(crc, (uint32_t)(v & 0xFFFFFFFFu));
            crc = crc_u32(crc, (uint32_t)(v >> 32));
        }
        break;
    case TF_ARRAY_ALPHA:
        crc = crc_f32(crc, shadow_alpha(l));
        break;
    case TF_ARRAY_STEPS:
        crc = crc_u32(crc, sh.steps[l]);
        break;
    default:
        break;
    }
    return crc;
}

static uint32_t shadow_digest(void) {
    uint32_t crc = 0;
    uint32_t l;
    int a;
    for (l = 0; l < L_(); l++) {
        for (a = 0; a < TF_ARRAY_COUNT; a++) {
            if (a != TF_ARRAY_ADAM || MODEL.optimizer == TF_OPTIMIZER_ADAM) {
                crc = shadow_array(crc, l, a);
            }
        }
    }
    return crc;
}

/* Everything the runtime holds, compared with the shadow: digests of every array (runtime
 * serialisation vs shadow serialisation), the RAM bias copy and the padding bits. */
static void compare_with_shadow(const char *when, uint32_t tag) {
    uint32_t l;
    uint32_t d = 0;
    const unsigned long before = tf_test_failed;
    CHECK_EQ_U(tf_state_digest(&MODEL, &d), TF_OK, tag);
    CHECK_EQ_U(d, shadow_digest(), tag);
    for (l = 0; l < L_(); l++) {
        int a;
        uint32_t j;
        for (a = 0; a < TF_ARRAY_COUNT; a++) {
            if (!tf_array_present(&MODEL, (tf_array)a)) {
                continue;
            }
            CHECK_EQ_U(tf_array_digest(&MODEL, (uint8_t)l, (tf_array)a, &d), TF_OK, tag);
            if (d != shadow_array(0, l, a)) {
                printf("FAIL %s: layer %lu array %s differs (tag %lu)\n", when, (unsigned long)l,
                       tf_array_name((tf_array)a), (unsigned long)tag);
                tf_test_failed++;
            }
        }
        for (j = 0; j < N_(l); j++) {
            CHECK_BITS_F(MODEL.layers[l].bias[j], sh.b[l][j], j);
        }
        /* padding bits of the weight and classifier bit matrices stay 0 */
        {
            const uint32_t rw = tf_words_for(K_(l));
            const uint32_t cw = tf_words_for(N_(l));
            uint32_t i;
            for (j = 0; j < N_(l); j++) {
                for (i = K_(l); i < 32 * rw; i++) {
                    CHECK_EQ_U(tf_bit_get(MODEL.layers[l].weight_bits + j * rw, i), 0, i);
                }
            }
            for (j = 0; j < MODEL.classes; j++) {
                for (i = N_(l); i < 32 * cw; i++) {
                    CHECK_EQ_U(tf_bit_get(MODEL.layers[l].classifier_bits + j * cw, i), 0, i);
                }
            }
        }
    }
    if (tf_test_failed != before) {
        printf("FAIL compare_with_shadow after %s (tag %lu)\n", when, (unsigned long)tag);
    }
}

/* ================================================================ helpers ================= */

static void random_sample(uint8_t *x) {
    uint32_t i;
    for (i = 0; i < MODEL.features; i++) {
        x[i] = (uint8_t)(MODEL.encoding == TF_ENCODING_BITS ? (tf_test_rand() & 1u) : (tf_test_rand() & 0xFFu));
    }
}

/* Everything a failing call must leave alone. */
typedef struct {
    uint32_t digest;
    uint32_t ram;
    uint16_t fill;
    uint8_t batch_layer;
    uint8_t ready;
} snapshot_t;

static snapshot_t snapshot(void) {
    snapshot_t s;
    const tf_store_ram *ram = (const tf_store_ram *)MODEL.store->ctx;
    s.digest = 0;
    (void)tf_state_digest(&MODEL, &s.digest);
    s.ram = tf_crc32(tf_test_ram_crc(&MODEL, 0u), (const uint8_t *)ram->data, 4u * TF_MODEL_STORE_FLOATS);
    s.fill = MODEL.batch_fill;
    s.batch_layer = MODEL.batch_layer;
    s.ready = MODEL.ready;
    return s;
}

static void check_unchanged(snapshot_t before, int keep_fill, uint32_t tag) {
    const snapshot_t after = snapshot();
    CHECK_EQ_U(after.digest, before.digest, tag);
    CHECK_EQ_U(after.ram, before.ram, tag);
    CHECK_EQ_U(after.ready, before.ready, tag);
    if (keep_fill) {
        CHECK_EQ_U(after.fill, before.fill, tag);
        CHECK_EQ_U(after.batch_layer, before.batch_layer, tag);
    }
}

/* Swaps the weight store of an initialised model, declaring the change (tf_accept_descriptor). */
static void set_store(const tf_store *store) {
    MODEL.store = store;
    if (MODEL.ready) {
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 0);
    }
}

/* ================================================================ tests =================== */

static void test_sizes(void) {
    const tf_store_ram *ram = (const tf_store_ram *)MODEL.store->ctx;
    uint32_t l;
    CHECK_EQ_U(tf_arena_floats_required(&MODEL), TF_MODEL_ARENA_FLOATS, 0);
    CHECK_EQ_U(tf_bit_arena_words_required(&MODEL), TF_MODEL_BIT_ARENA_WORDS, 1);
    CHECK_EQ_U(ram->records_per_layer, MODEL.slices * MODEL.slices + 2u, 2);
    for (l = 0; l < L_(); l++) {
        uint32_t r;
        for (r = 0; r < ram->records_per_layer; r++) {
            const uint32_t idx = l * ram->records_per_layer + r;
            CHECK_EQ_U(tf_record_floats(&MODEL, (uint8_t)l, r), ram->offsets[idx + 1] - ram->offsets[idx], idx);
        }
        CHECK_EQ_U(tf_record_floats(&MODEL, (uint8_t)l, ram->records_per_layer - 1u), TF_META_FLOATS, l);
        CHECK_EQ_U(tf_record_floats(&MODEL, (uint8_t)l, ram->records_per_layer), 0, l);
    }
    CHECK_EQ_U(ram->offsets[L_() * ram->records_per_layer], TF_MODEL_STORE_FLOATS, 3);
    CHECK_EQ_U(tf_record_floats(&MODEL, (uint8_t)L_(), 0), 0, 4);
    CHECK_EQ_U(tf_arena_floats_required(NULL), 0, 5);
}

static void test_init(void) {
    uint32_t d1 = 0;
    uint32_t d2 = 0;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    CHECK_EQ_U(MODEL.ready, 1, 0);
    shadow_init();
    compare_with_shadow("init", 0);
    CHECK_EQ_U(tf_state_digest(&MODEL, &d1), TF_OK, 1);
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 2);
    CHECK_EQ_U(tf_state_digest(&MODEL, &d2), TF_OK, 3);
    CHECK_EQ_U(d1, d2, 4); /* deterministic */
    printf("PIN init digest %s %08lx\n", TF_MODEL_NAME, (unsigned long)d1);
}

static void test_descriptor_checks(void) {
    static tf_layer layers[MAXL];
    static uint16_t rows[MAXL + 1];
    tf_model bad;
    const tf_store broken = {NULL, NULL, NULL, NULL, NULL};
    CHECK_EQ_U(tf_init(NULL), TF_ERR_NULL, 0);

#define BAD_CASE(mutation, expected, tag)                                                                           \
    do {                                                                                                            \
        bad = MODEL;                                                                                                \
        memcpy(layers, MODEL.layers, sizeof(tf_layer) * MODEL.num_layers);                                          \
        bad.layers = layers;                                                                                        \
        mutation;                                                                                                   \
        CHECK_EQ_U(tf_init(&bad), (expected), (tag));                                                               \
        CHECK_EQ_U(bad.ready, 0, (tag));                                                                            \
    } while (0)

    BAD_CASE(bad.arena_floats = tf_arena_floats_required(&MODEL) - 1u, TF_ERR_STATE, 1);
    BAD_CASE(bad.bit_arena_words = tf_bit_arena_words_required(&MODEL) - 1u, TF_ERR_STATE, 2);
    BAD_CASE(bad.arena = NULL, TF_ERR_NULL, 3);
    BAD_CASE(bad.store = NULL, TF_ERR_NULL, 4);
    BAD_CASE(bad.store = &broken, TF_ERR_NULL, 5);
    BAD_CASE(layers[0].bias = NULL, TF_ERR_NULL, 6);
    BAD_CASE(bad.classes = 1, TF_ERR_STATE, 7);
    BAD_CASE(bad.encoding = 2, TF_ERR_STATE, 8);
    BAD_CASE(bad.optimizer = 2, TF_ERR_STATE, 9);
    BAD_CASE((bad.schedule = TF_SCHEDULE_RUNS, bad.run_steps = 0), TF_ERR_STATE, 10);
    BAD_CASE(layers[1].inputs = (uint16_t)(layers[1].inputs + 1u), TF_ERR_STATE, 11);
    BAD_CASE(bad.slices = 0, TF_ERR_STATE, 12);
    BAD_CASE(bad.num_layers = 0, TF_ERR_STATE, 13);
    BAD_CASE((memcpy(rows, layers[0].row_bounds, sizeof(uint16_t) * (MODEL.slices + 1u)), rows[1]++,
              layers[0].row_bounds = rows),
             TF_ERR_STATE, 14);
    BAD_CASE(bad.batch_size = 0, TF_ERR_STATE, 15);
    BAD_CASE(bad.gate_low = 1.0f, TF_ERR_STATE, 16);
    BAD_CASE(bad.input_scale = 2, TF_ERR_STATE, 25);
    /* the options of the authors' variant (§5.1, §5.3, §8.9–10) */
    BAD_CASE((bad.schedule = TF_SCHEDULE_FREEZE_DIAGONAL, bad.batch_size = 2, bad.epoch_steps = 5), TF_ERR_STATE, 17);
    BAD_CASE((bad.schedule = TF_SCHEDULE_FREEZE_DIAGONAL, bad.batch_size = 1, bad.epoch_steps = 0), TF_ERR_STATE, 18);
    BAD_CASE(bad.schedule = 4, TF_ERR_STATE, 19);
    BAD_CASE(bad.classifier = 2, TF_ERR_STATE, 20);
    BAD_CASE(bad.bias_init = 2, TF_ERR_STATE, 21);
    BAD_CASE(bad.bias_clamp = 2, TF_ERR_STATE, 22);
    BAD_CASE(bad.classifier = TF_CLASSIFIER_HE_NORMAL, TF_ERR_NULL, 23); /* classifier_weights NULL */
    BAD_CASE(layers[0].classifier_bits = NULL, TF_ERR_NULL, 24);
    BAD_CASE(bad.run_steps = 4u, TF_ERR_STATE, 26); /* run_steps without schedule runs */
    BAD_CASE((bad.schedule = TF_SCHEDULE_RUNS), TF_ERR_STATE, 27); /* runs without run_steps */
#undef BAD_CASE
}

/* Trains every layer in order against the shadow; exercises the freeze and batch rules. */
static void test_training(void) {
    uint8_t x[TF_MODEL_FEATURES];
    uint32_t l;
    uint32_t s;
    uint32_t tag = 0;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    shadow_init();
    for (l = 0; l < L_(); l++) {
        const uint32_t samples = 3u * MODEL.batch_size + 5u;
        for (s = 0; s < samples; s++, tag++) {
            const uint8_t label = (uint8_t)(tf_test_rand() % MODEL.classes);
            tf_status expected;
            random_sample(x);
            expected = shadow_train(l, x, label);
            CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)l, x, label), expected, tag);
            CHECK_EQ_U(MODEL.batch_fill, sh.fill, tag);
            compare_with_shadow("train", tag);
            CHECK_EQ_U(MODEL.layers[l].steps, sh.steps[l], tag);
            {
                uint8_t got = 0xFF;
                CHECK_EQ_U(tf_predict(&MODEL, (uint8_t)l, x, &got), TF_OK, tag);
                CHECK_EQ_U(got, shadow_predict(x, l), tag);
            }
        }
        CHECK(MODEL.layers[l].steps >= 3u);
        if (l + 1u < L_()) {
            random_sample(x);
            if (MODEL.batch_fill > 0u) {
                /* another layer has an incomplete batch */
                snapshot_t before = snapshot();
                CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)(l + 1u), x, 0), TF_ERR_STATE, l);
                check_unchanged(before, 1, l);
                CHECK_EQ_U(tf_discard_batch(&MODEL), TF_OK, l);
                sh.fill = 0;
            }
        }
    }
    /* earlier layers are frozen once a later layer has taken a step */
    if (L_() > 1u) {
        snapshot_t before;
        tf_discard_batch(&MODEL);
        sh.fill = 0;
        before = snapshot();
        random_sample(x);
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_ERR_STATE, 100);
        check_unchanged(before, 1, 100);
    }
    {
        uint32_t d = 0;
        CHECK_EQ_U(tf_state_digest(&MODEL, &d), TF_OK, 101);
        printf("PIN trained digest %s steps=%lu %08lx\n", TF_MODEL_NAME, (unsigned long)tf_total_steps(&MODEL),
               (unsigned long)d);
    }
}

static void test_errors(void) {
    uint8_t x[TF_MODEL_FEATURES];
    uint8_t out = 0;
    uint32_t d = 0;
    snapshot_t before;
    const uint8_t top = (uint8_t)(L_() - 1u);
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    shadow_init();
    random_sample(x);
    before = snapshot();

    /* NULL */
    CHECK_EQ_U(tf_train_sample(NULL, 0, x, 0), TF_ERR_NULL, 1);
    CHECK_EQ_U(tf_train_sample(&MODEL, 0, NULL, 0), TF_ERR_NULL, 2);
    CHECK_EQ_U(tf_predict(NULL, 0, x, &out), TF_ERR_NULL, 3);
    CHECK_EQ_U(tf_predict(&MODEL, 0, NULL, &out), TF_ERR_NULL, 4);
    CHECK_EQ_U(tf_predict(&MODEL, 0, x, NULL), TF_ERR_NULL, 5);
    CHECK_EQ_U(tf_state_digest(NULL, &d), TF_ERR_NULL, 6);
    CHECK_EQ_U(tf_state_digest(&MODEL, NULL), TF_ERR_NULL, 7);
    CHECK_EQ_U(tf_array_digest(&MODEL, 0, TF_ARRAY_BIAS, NULL), TF_ERR_NULL, 8);
    CHECK_EQ_U(tf_array_serialise(&MODEL, 0, TF_ARRAY_BIAS, NULL, NULL), TF_ERR_NULL, 9);
    CHECK_EQ_U(tf_discard_batch(NULL), TF_ERR_NULL, 10);
    check_unchanged(before, 1, 10);

    /* STATE: layer out of range, array out of range, not initialised */
    CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)L_(), x, 0), TF_ERR_STATE, 11);
    CHECK_EQ_U(tf_predict(&MODEL, (uint8_t)L_(), x, &out), TF_ERR_STATE, 12);
    CHECK_EQ_U(tf_array_digest(&MODEL, (uint8_t)L_(), TF_ARRAY_BIAS, &d), TF_ERR_STATE, 13);
    CHECK_EQ_U(tf_array_digest(&MODEL, 0, TF_ARRAY_COUNT, &d), TF_ERR_STATE, 14);
    if (MODEL.optimizer == TF_OPTIMIZER_SGD) {
        CHECK_EQ_U(tf_array_digest(&MODEL, 0, TF_ARRAY_ADAM, &d), TF_ERR_STATE, 15);
    }
    MODEL.ready = 0;
    CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_ERR_STATE, 16);
    CHECK_EQ_U(tf_predict(&MODEL, 0, x, &out), TF_ERR_STATE, 17);
    CHECK_EQ_U(tf_state_digest(&MODEL, &d), TF_ERR_STATE, 18);
    MODEL.ready = 1;
    check_unchanged(before, 1, 18);

    /* LABEL */
    CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, MODEL.classes), TF_ERR_LABEL, 19);
    CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 255), TF_ERR_LABEL, 20);
    CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)L_(), x, 255), TF_ERR_STATE, 21); /* range first */
    check_unchanged(before, 1, 21);

    /* INPUT (bits encoding: bytes other than 0 and 1) */
    if (MODEL.encoding == TF_ENCODING_BITS) {
        uint8_t y[TF_MODEL_FEATURES];
        memcpy(y, x, sizeof y);
        y[TF_MODEL_FEATURES - 1] = 2;
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, y, 0), TF_ERR_INPUT, 22);
        CHECK_EQ_U(tf_predict(&MODEL, 0, y, &out), TF_ERR_INPUT, 23);
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, y, MODEL.classes), TF_ERR_LABEL, 24); /* label first */
        check_unchanged(before, 1, 24);
    }

    /* NONFINITE in the forward pass: a bias of +Inf; state (and an incomplete batch) kept */
    if (MODEL.batch_size > 1u) {
        CHECK_EQ_U(tf_train_sample(&MODEL, top, x, 0), shadow_train(top, x, 0), 25);
        CHECK_EQ_U(MODEL.batch_fill, 1, 25);
    }
    {
        const float saved = MODEL.layers[0].bias[0];
        snapshot_t mid;
        MODEL.layers[0].bias[0] = tf_f32_from_bits(0x7F800000u);
        mid = snapshot();
        CHECK_EQ_U(tf_train_sample(&MODEL, top, x, 0), TF_ERR_NONFINITE, 26);
        CHECK_EQ_U(tf_predict(&MODEL, top, x, &out), TF_ERR_NONFINITE, 27);
        check_unchanged(mid, 1, 27);
        MODEL.layers[0].bias[0] = saved;
    }
    /* γ overflow: finite z whose Σ|z| is +Inf */
    {
        const float saved0 = MODEL.layers[0].bias[0];
        const float saved1 = MODEL.layers[0].bias[1];
        snapshot_t mid;
        MODEL.layers[0].bias[0] = FLT_MAX;
        MODEL.layers[0].bias[1] = FLT_MAX;
        mid = snapshot();
        CHECK_EQ_U(tf_train_sample(&MODEL, top, x, 0), TF_ERR_NONFINITE, 28);
        check_unchanged(mid, 1, 28);
        MODEL.layers[0].bias[0] = saved0;
        MODEL.layers[0].bias[1] = saved1;
    }

    /* NONFINITE in the update: a huge learning rate makes a bias overflow within a few steps;
     * that call changes no state and drops the batch. */
    {
        const float lr = MODEL.lr;
        uint32_t s;
        int seen = 0;
        MODEL.lr = FLT_MAX;
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 29);
        for (s = 0; s < 64u && !seen; s++) {
            snapshot_t mid;
            tf_status st;
            tf_status expected;
            random_sample(x);
            mid = snapshot();
            expected = shadow_train(top, x, (uint8_t)(s % MODEL.classes));
            st = tf_train_sample(&MODEL, top, x, (uint8_t)(s % MODEL.classes));
            CHECK_EQ_U(st, expected, 30 + s);
            if (st == TF_ERR_NONFINITE) {
                seen = 1;
                check_unchanged(mid, 0, 30 + s);
                CHECK_EQ_U(MODEL.batch_fill, 0, 30 + s); /* the batch is discarded */
            } else {
                compare_with_shadow("huge lr", 30 + s);
            }
        }
        CHECK(seen);
        MODEL.lr = lr;
        CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 29);
    }
}

/* A store that fails on demand, wrapping the fixture's RAM store. */
static int fail_read_at = -1;
static int fail_write_at = -1;
static int reads;
static int writes;
static tf_status flaky_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    if (reads++ == fail_read_at) {
        return TF_ERR_STORE;
    }
    return tf_store_ram_read(ctx, layer, record, dst, count);
}
static tf_status flaky_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    if (writes++ == fail_write_at) {
        return TF_ERR_STORE;
    }
    return tf_store_ram_write(ctx, layer, record, src, count);
}

static void test_store_failures(void) {
    const tf_store *original = MODEL.store;
    tf_store flaky;
    uint8_t x[TF_MODEL_FEATURES];
    uint32_t tries;
    flaky.read = tf_store_ram_read;
    flaky.write = flaky_write;
    flaky.commit = NULL;
    flaky.discard = NULL;
    flaky.ctx = original->ctx;

    /* init: the third write fails → TF_ERR_STORE, not initialised */
    set_store(&flaky);
    writes = 0;
    fail_write_at = 2;
    CHECK_EQ_U(tf_init(&MODEL), TF_ERR_STORE, 0);
    CHECK_EQ_U(MODEL.ready, 0, 0);
    fail_write_at = -1;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 1);

    /* a failed read at the start of a step: nothing changes, the batch is dropped */
    {
        tf_store reading = flaky;
        snapshot_t before;
        uint32_t s;
        reading.read = flaky_read;
        set_store(&reading);
        reads = 0;
        fail_read_at = 0;
        for (s = 0; s + 1u < MODEL.batch_size; s++) {
            random_sample(x);
            CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_OK, 2);
        }
        set_store(original);
        before = snapshot();
        set_store(&reading);
        random_sample(x);
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_ERR_STORE, 3);
        set_store(original);
        check_unchanged(before, 0, 3);
        CHECK_EQ_U(MODEL.batch_fill, 0, 3);
        fail_read_at = -1;
    }

    /* a failed write in the middle of a step: TF_ERR_STORE, and the derived state describes
     * what the (write-through) store holds */
    set_store(&flaky);
    for (tries = 0; tries < 4u; tries++) {
        uint32_t s;
        tf_status st = TF_OK;
        writes = 0;
        fail_write_at = (int)tries;
        for (s = 0; s < MODEL.batch_size && st == TF_OK; s++) {
            random_sample(x);
            st = tf_train_sample(&MODEL, 0, x, 0);
        }
        if (MODEL.schedule == TF_SCHEDULE_CYCLIC && tries >= 3u) {
            CHECK_EQ_U(st, TF_OK, 10 + tries); /* only three writes per step: block, bias, meta */
            continue;
        }
        CHECK_EQ_U(st, TF_ERR_STORE, 10 + tries);
        CHECK_EQ_U(MODEL.ready, 1, 10 + tries);
        {
            /* recompute layer 0's derived state from the store and compare */
            float rec[4096];
            const tf_layer *ly = &MODEL.layers[0];
            const uint32_t blocks = MODEL.slices * MODEL.slices;
            static tf_word bits[MAXN * 3];
            uint64_t sums[MAXB];
            uint32_t k;
            memset(bits, 0, sizeof bits);
            for (k = 0; k < blocks; k++) {
                const uint32_t p = k / M_();
                const uint32_t q = k % M_();
                CHECK_EQ_U(tf_store_ram_read(original->ctx, 0, k, rec, tf_record_floats(&MODEL, 0, k)), TF_OK, k);
                tf_block_derive_f32(rec, (uint16_t)part(p, N_(0)), (uint16_t)(part(p + 1, N_(0)) - part(p, N_(0))),
                                    (uint16_t)part(q, K_(0)), (uint16_t)(part(q + 1, K_(0)) - part(q, K_(0))), bits,
                                    tf_words_for(K_(0)), &sums[k]);
                CHECK(ly->abs_sum[k] == sums[k]);
            }
            CHECK_BITS_F(ly->alpha, tf_alpha_fix(sums, blocks, ly->count), 0);
            CHECK(memcmp(bits, ly->weight_bits, 4u * N_(0) * tf_words_for(K_(0))) == 0);
            CHECK_EQ_U(tf_store_ram_read(original->ctx, 0, blocks, rec, tf_record_floats(&MODEL, 0, blocks)), TF_OK,
                       0);
            CHECK(memcmp(rec, ly->bias, 4u * N_(0)) == 0);
        }
    }
    fail_write_at = -1;
    set_store(original);

    /* the RAM store refuses wrong records and counts */
    {
        float f[4];
        CHECK_EQ_U(tf_store_ram_read(original->ctx, 0, 0, f, 1), TF_ERR_STORE, 20);
        CHECK_EQ_U(tf_store_ram_read(original->ctx, (uint8_t)L_(), 0, f, 1), TF_ERR_STORE, 21);
        CHECK_EQ_U(tf_store_ram_write(original->ctx, 0, MODEL.slices * MODEL.slices + 2u, f, 1), TF_ERR_STORE, 22);
        CHECK_EQ_U(tf_store_ram_write(original->ctx, 0, MODEL.slices * MODEL.slices + 1u, f, 1), TF_ERR_STORE, 24);
        CHECK_EQ_U(tf_store_ram_read(NULL, 0, 0, f, 1), TF_ERR_STORE, 23);
    }
}

/* A store that counts its calls, wrapping the fixture's RAM store. */
static int counted_writes;
static int counted_commits;
static int counted_discards;
static int last_commit_layer = -1;
static tf_status counting_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    counted_writes++;
    return tf_store_ram_write(ctx, layer, record, src, count);
}
static tf_status counting_commit(void *ctx, uint8_t layer) {
    (void)ctx;
    counted_commits++;
    last_commit_layer = layer;
    return TF_OK;
}
static void counting_discard(void *ctx, uint8_t layer) {
    (void)ctx;
    (void)layer;
    counted_discards++;
}

/* tf_init is one transaction over every record; an update step one over its blocks, bias, meta. */
static void test_transactions(void) {
    const tf_store *original = MODEL.store;
    const uint32_t per_layer = MODEL.slices * MODEL.slices + 2u;
    tf_store counting;
    uint8_t x[TF_MODEL_FEATURES];
    uint32_t s;
    counting.read = tf_store_ram_read;
    counting.write = counting_write;
    counting.commit = counting_commit;
    counting.discard = counting_discard;
    counting.ctx = original->ctx;
    set_store(&counting);
    counted_writes = counted_commits = counted_discards = 0;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    CHECK_EQ_U(counted_writes, L_() * per_layer, 0);
    CHECK_EQ_U(counted_commits, 1, 0);
    CHECK_EQ_U(last_commit_layer, TF_STORE_ALL_LAYERS, 0);
    counted_writes = counted_commits = 0;
    for (s = 0; s < MODEL.batch_size; s++) {
        random_sample(x);
        CHECK_EQ_U(tf_train_sample(&MODEL, 0, x, 0), TF_OK, 1);
    }
    CHECK_EQ_U(counted_writes, MODEL.schedule == TF_SCHEDULE_CYCLIC ? 3u : per_layer, 1);
    CHECK_EQ_U(counted_commits, 1, 1);
    CHECK_EQ_U(last_commit_layer, 0, 1);
    CHECK_EQ_U(counted_discards, 0, 1);
    {
        /* the meta record holds n_l and a non-zero check word */
        float meta[TF_META_FLOATS];
        CHECK_EQ_U(tf_store_ram_read(original->ctx, 0, per_layer - 1u, meta, TF_META_FLOATS), TF_OK, 2);
        CHECK_EQ_U(tf_f32_to_bits(meta[0]), 1, 2);
        CHECK(tf_f32_to_bits(meta[1]) != 0u);
    }
    set_store(original);
}

/* tf_resume rebuilds exactly the stored state; an empty or foreign store is reported, not loaded. */
static void test_resume(void) {
    const tf_store *original = MODEL.store;
    tf_store_ram *ram = (tf_store_ram *)original->ctx;
    static float saved[TF_MODEL_STORE_FLOATS];
    uint8_t x[TF_MODEL_FEATURES];
    snapshot_t trained;
    int resumed = -1;
    uint32_t l;
    uint32_t s;
    uint32_t tag = 0;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    shadow_init();
    for (l = 0; l < L_(); l++) {
        for (s = 0; s < 2u * MODEL.batch_size; s++) {
            const uint8_t label = (uint8_t)(tf_test_rand() % MODEL.classes);
            tf_status expected;
            random_sample(x);
            expected = shadow_train(l, x, label);
            CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)l, x, label), expected, s);
        }
    }
    trained = snapshot();

    /* wipe every RAM part of the state: tf_resume brings all of it back */
    tf_test_wipe_ram(&MODEL, 12345u);
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 1);
    CHECK_EQ_U(resumed, 1, 1);
    CHECK_EQ_U(MODEL.ready, 1, 1);
    check_unchanged(trained, 1, 1);
    compare_with_shadow("resume", 1);

    /* an incomplete batch is dropped; training then continues exactly as the shadow's */
    if (MODEL.batch_size > 1u) {
        random_sample(x);
        CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)(L_() - 1u), x, 0), TF_OK, 2);
        CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 2);
        CHECK_EQ_U(MODEL.batch_fill, 0, 2);
    }
    for (s = 0; s < 3u * MODEL.batch_size; s++, tag++) {
        const uint8_t label = (uint8_t)(tf_test_rand() % MODEL.classes);
        tf_status expected;
        random_sample(x);
        expected = shadow_train(L_() - 1u, x, label);
        CHECK_EQ_U(tf_train_sample(&MODEL, (uint8_t)(L_() - 1u), x, label), expected, 3 + tag);
        compare_with_shadow("train after resume", 3 + tag);
    }

    /* a failing read anywhere: TF_ERR_STORE and nothing changes */
    {
        tf_store reading = *original;
        const uint32_t reads_needed = L_() * (MODEL.slices * MODEL.slices + 2u);
        int at;
        reading.read = flaky_read;
        trained = snapshot();
        for (at = 0; at < (int)reads_needed; at++) {
            set_store(&reading);
            reads = 0;
            fail_read_at = at;
            resumed = -1;
            CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_ERR_STORE, 100 + at);
            CHECK_EQ_U(resumed, 0, 100 + at);
            set_store(original);
            check_unchanged(trained, 1, 100 + at);
        }
        fail_read_at = -1;
    }

    /* a store of another model (the check word differs), and an empty store: not loaded */
    {
        const uint32_t seed = MODEL.seed;
        trained = snapshot();
        MODEL.seed = seed ^ 1u;
        resumed = -1;
        CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 200);
        CHECK_EQ_U(resumed, 0, 200);
        MODEL.seed = seed;
        check_unchanged(trained, 1, 200);
        memcpy(saved, ram->data, sizeof saved);
        memset(ram->data, 0, sizeof saved);
        resumed = -1;
        CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 201);
        CHECK_EQ_U(resumed, 0, 201);
        CHECK_EQ_U(MODEL.ready, 1, 201);
        memcpy(ram->data, saved, sizeof saved);
        check_unchanged(trained, 1, 201);
    }
    CHECK_EQ_U(tf_resume(NULL, &resumed), TF_ERR_NULL, 300);
    CHECK_EQ_U(tf_resume(&MODEL, NULL), TF_OK, 301);
}

/* Serialised sizes (§11) through a counting sink. */
static tf_status count_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    (void)bytes;
    *(uint32_t *)ctx += count;
    return TF_OK;
}
static tf_status stop_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    (void)ctx;
    (void)bytes;
    (void)count;
    return TF_ERR_STORE;
}

static void test_serialise(void) {
    uint32_t l;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    for (l = 0; l < L_(); l++) {
        const uint32_t n = N_(l);
        const uint32_t k = K_(l);
        const uint32_t m2 = M_() * M_();
        const uint32_t sizes[TF_ARRAY_COUNT] = {
            4u * MODEL.classes * tf_words_for(n), 4u * n * k, 4u * n, 4u * (2u * n * k + 2u * m2 + 2u * n + 2u),
            4u * n * tf_words_for(k),           8u * m2,    4u,     4u};
        int a;
        for (a = 0; a < TF_ARRAY_COUNT; a++) {
            uint32_t bytes = 0;
            if (!tf_array_present(&MODEL, (tf_array)a)) {
                continue;
            }
            CHECK_EQ_U(tf_array_serialise(&MODEL, (uint8_t)l, (tf_array)a, count_sink, &bytes), TF_OK, a);
            CHECK_EQ_U(bytes, sizes[a], l * 10u + (uint32_t)a);
            CHECK_EQ_U(tf_array_serialise(&MODEL, (uint8_t)l, (tf_array)a, stop_sink, NULL), TF_ERR_STORE, a);
        }
    }
}

int main(void) {
    printf("INFO fixture %s\n", TF_MODEL_NAME);
    test_sizes();
    test_init();
    test_descriptor_checks();
    test_training();
    test_errors();
    test_store_failures();
    test_transactions();
    test_resume();
    test_serialise();
    return tf_test_finish();
}
