/*
 * A random-call harness of the C API on a fixture: seeded and deterministic, it makes `count`
 * calls of every public entry point with random valid and invalid arguments (NULLs, layers
 * and labels out of range, bit inputs above 1), failing store reads and writes, torn store
 * records, changed descriptors and runtime-owned fields, tf_init and tf_resume at any moment,
 * and asserts after each call: the status is one the API documents for that call; a refused
 * call (checked before any computation) changes nothing (state digest, every RAM part of the
 * state, the store, the incomplete batch); a prediction is a class; a step adds at most one
 * update; and, while the store is not torn, the RAM state is the one tf_resume rebuilds from
 * the store.
 *
 *   fuzz_api [seed] [count]     (defaults 1 and 50000)
 *
 * Prints one FAIL line per broken invariant (with the call number), "FUZZ ..." statistics and
 * "TESTS passed=<n> failed=<n>". Built with ASan/UBSan by test/runtime-fuzz.test.ts and
 * scripts/fuzz-api.sh.
 */
#include <stdlib.h>

#include "tf_model.h"
#include "tf_test.h"

#define MODEL TF_MODEL
#define STATUS_COUNT 9

static uint32_t call_no;
static unsigned long status_seen[STATUS_COUNT];

/* ------------------------------------------------------------------ the store ------------- */

/* The fixture's RAM store behind a wrapper that fails the n-th read or write on demand. */
static const tf_store *ram_store;
static long fail_read_in = -1;  /* reads until one fails; -1: never */
static long fail_write_in = -1;
static int torn; /* the store was corrupted behind the runtime's back since the last init/resume */

static tf_status chaos_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    if (fail_read_in >= 0 && fail_read_in-- == 0) {
        return TF_ERR_STORE;
    }
    return ram_store->read(ctx, layer, record, dst, count);
}
static tf_status chaos_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    if (fail_write_in >= 0 && fail_write_in-- == 0) {
        return TF_ERR_STORE;
    }
    return ram_store->write(ctx, layer, record, src, count);
}
static tf_store chaos;

static uint32_t rnd(uint32_t n) { return n == 0u ? 0u : tf_test_rand() % n; }

static tf_store_ram *ram(void) { return (tf_store_ram *)ram_store->ctx; }

/* ------------------------------------------------------------------ invariants ------------ */

/* What a refused call must leave alone. The state digest (§11) is a function of the RAM parts
 * and the store, so equal RAM parts and store mean an equal digest (check_resumable compares
 * digests themselves). */
typedef struct {
    uint32_t ram;
    uint32_t store;
    uint16_t fill;
    uint8_t batch_layer;
    uint8_t ready;
} snap_t;

/* A fast word hash of the store (a CRC of it every call would dominate the run time). */
static uint32_t words_hash(const float *data, uint32_t n) {
    uint32_t h = 0x811C9DC5u;
    uint32_t i;
    for (i = 0; i < n; i++) {
        h = (h ^ tf_f32_to_bits(data[i])) * 0x01000193u;
    }
    return h;
}

static snap_t snap(void) {
    snap_t s;
    s.ram = tf_test_ram_crc(&MODEL, 0u);
    s.store = words_hash(ram()->data, TF_MODEL_STORE_FLOATS);
    s.fill = MODEL.batch_fill;
    s.batch_layer = MODEL.batch_layer;
    s.ready = MODEL.ready;
    return s;
}

static void same(snap_t a, snap_t b) {
    CHECK_EQ_U(b.ram, a.ram, call_no);
    CHECK_EQ_U(b.store, a.store, call_no);
    CHECK_EQ_U(b.fill, a.fill, call_no);
    CHECK_EQ_U(b.batch_layer, a.batch_layer, call_no);
    CHECK_EQ_U(b.ready, a.ready, call_no);
}

/* The status must be one of `allowed` (a bit set of tf_status values). */
static void documented(tf_status st, uint32_t allowed, const char *what) {
    const uint32_t code = (uint32_t)st;
    if (code < STATUS_COUNT) {
        status_seen[code]++;
    }
    if (code >= 32u || (allowed & (1u << code)) == 0u) {
        tf_test_failed++;
        printf("FAIL call %lu: %s returned %s (%d), not a documented status\n", (unsigned long)call_no, what,
               tf_status_name(st), (int)st);
    } else {
        tf_test_passed++;
    }
}

#define S(x) (1u << (x))
#define REFUSED (S(TF_ERR_NULL) | S(TF_ERR_LABEL) | S(TF_ERR_INPUT) | S(TF_ERR_STATE) | S(TF_ERR_DESCRIPTOR))

/* While the store is not torn: the RAM state is what tf_resume rebuilds from the store. */
static void check_resumable(void) {
    snap_t before;
    snap_t after;
    uint32_t d0 = 0;
    uint32_t d1 = 1;
    int resumed = -1;
    tf_status st;
    if (!MODEL.ready || torn) {
        return;
    }
    before = snap();
    CHECK_EQ_U(tf_state_digest(&MODEL, &d0), TF_OK, call_no);
    st = tf_resume(&MODEL, &resumed);
    CHECK_EQ_U(st, TF_OK, call_no);
    CHECK_EQ_U(resumed, 1, call_no);
    after = snap();
    CHECK_EQ_U(tf_state_digest(&MODEL, &d1), TF_OK, call_no);
    CHECK_EQ_U(d1, d0, call_no);
    CHECK_EQ_U(after.ram, before.ram, call_no);
    CHECK_EQ_U(after.store, before.store, call_no);
}

/* ------------------------------------------------------------------ inputs ---------------- */

static uint8_t x[TF_MODEL_FEATURES];

static void random_input(int valid) {
    uint32_t i;
    for (i = 0; i < MODEL.features; i++) {
        x[i] = (uint8_t)(MODEL.encoding == TF_ENCODING_BITS ? (tf_test_rand() & 1u) : (tf_test_rand() & 0xFFu));
    }
    if (!valid && MODEL.encoding == TF_ENCODING_BITS) {
        x[rnd(MODEL.features)] = (uint8_t)(2u + rnd(254u));
    }
}

/* The layer a well-behaved driver trains now: the last one with steps, or the batch's. */
static uint8_t current_layer(void) {
    uint8_t l = 0;
    uint8_t k;
    if (MODEL.batch_fill > 0u) {
        return MODEL.batch_layer;
    }
    for (k = 0; k < MODEL.num_layers; k++) {
        if (MODEL.layers[k].steps > 0u) {
            l = k;
        }
    }
    /* now and then move on to the next layer */
    if (rnd(200u) == 0u && l + 1u < MODEL.num_layers) {
        l++;
    }
    return l;
}

static uint32_t sink_budget;
static tf_status stopping_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    (void)ctx;
    (void)bytes;
    if (count > sink_budget) {
        return TF_ERR_STORE;
    }
    sink_budget -= count;
    return TF_OK;
}

/* ------------------------------------------------------------------ the calls ------------- */

static void op_train(void) {
    const snap_t before = snap();
    const uint32_t steps = MODEL.ready ? tf_total_steps(&MODEL) : 0u;
    const uint32_t kind = rnd(10u);
    uint8_t layer = current_layer();
    uint8_t label = (uint8_t)rnd(MODEL.classes);
    tf_status expected = TF_OK;
    tf_status st;
    random_input(1);
    switch (kind) {
    case 0:
        st = tf_train_sample(NULL, layer, x, label);
        expected = TF_ERR_NULL;
        break;
    case 1:
        st = tf_train_sample(&MODEL, layer, NULL, label);
        expected = TF_ERR_NULL;
        break;
    case 2:
        layer = (uint8_t)(MODEL.num_layers + rnd(256u - MODEL.num_layers));
        st = tf_train_sample(&MODEL, layer, x, label);
        expected = MODEL.ready ? TF_ERR_STATE : TF_ERR_STATE;
        break;
    case 3:
        label = (uint8_t)(MODEL.classes + rnd(256u - MODEL.classes));
        st = tf_train_sample(&MODEL, layer, x, label);
        expected = MODEL.ready ? TF_ERR_LABEL : TF_ERR_STATE;
        break;
    case 4:
        layer = (uint8_t)rnd(MODEL.num_layers);
        random_input(MODEL.encoding != TF_ENCODING_BITS);
        st = tf_train_sample(&MODEL, layer, x, label);
        expected = TF_OK; /* many outcomes: only documented ones */
        break;
    default:
        st = tf_train_sample(&MODEL, layer, x, label);
        break;
    }
    documented(st, REFUSED | S(TF_OK) | S(TF_ERR_NONFINITE) | S(TF_ERR_STORE), "tf_train_sample");
    if (expected != TF_OK) {
        CHECK_EQ_U(st, expected, call_no);
    }
    if (!MODEL.ready && before.ready) {
        CHECK(st == TF_ERR_STORE || st == TF_ERR_NONFINITE); /* only a failed step un-readies */
    }
    if ((REFUSED & S(st)) != 0u) {
        same(before, snap());
    } else if (st == TF_OK) {
        const uint32_t now = tf_total_steps(&MODEL);
        CHECK(now == steps || now == steps + 1u);
    }
}

static void op_predict(void) {
    const snap_t before = snap();
    const uint32_t kind = rnd(6u);
    uint8_t layer = (uint8_t)rnd(MODEL.num_layers);
    uint8_t out = 0xEEu;
    tf_status st;
    random_input(kind != 3u);
    switch (kind) {
    case 0:
        st = tf_predict(NULL, layer, x, &out);
        CHECK_EQ_U(st, TF_ERR_NULL, call_no);
        break;
    case 1:
        st = tf_predict(&MODEL, layer, rnd(2u) ? NULL : x, rnd(2u) ? NULL : &out);
        if (st != TF_ERR_NULL) {
            /* both pointers were given */
            documented(st, S(TF_OK) | S(TF_ERR_STATE) | S(TF_ERR_NONFINITE) | S(TF_ERR_INPUT), "tf_predict");
        }
        break;
    case 2:
        layer = (uint8_t)(MODEL.num_layers + rnd(256u - MODEL.num_layers));
        st = tf_predict(&MODEL, layer, x, &out);
        CHECK_EQ_U(st, TF_ERR_STATE, call_no);
        break;
    default:
        st = tf_predict(&MODEL, layer, x, &out);
        break;
    }
    documented(st, S(TF_OK) | S(TF_ERR_NULL) | S(TF_ERR_STATE) | S(TF_ERR_DESCRIPTOR) | S(TF_ERR_INPUT) |
                       S(TF_ERR_NONFINITE),
               "tf_predict");
    if (st == TF_OK) {
        CHECK(out < MODEL.classes);
    }
    same(before, snap()); /* a prediction never changes anything */
}

static void op_digest(void) {
    const snap_t before = snap();
    uint32_t d = 0;
    tf_status st;
    const uint8_t layer = (uint8_t)rnd(MODEL.num_layers + 2u);
    const tf_array array = (tf_array)rnd(TF_ARRAY_COUNT + 2u);
    switch (rnd(5u)) {
    case 0:
        st = tf_state_digest(rnd(2u) ? NULL : &MODEL, rnd(2u) ? NULL : &d);
        break;
    case 1:
        st = tf_array_digest(&MODEL, layer, array, rnd(8u) ? &d : NULL);
        break;
    case 2:
        sink_budget = rnd(400u);
        st = tf_array_serialise(&MODEL, layer, array, rnd(8u) ? stopping_sink : NULL, NULL);
        break;
    default:
        st = tf_state_digest(&MODEL, &d);
        if (MODEL.ready && !torn) {
            CHECK_EQ_U(st, TF_OK, call_no);
        }
        break;
    }
    documented(st, S(TF_OK) | S(TF_ERR_NULL) | S(TF_ERR_STATE) | S(TF_ERR_DESCRIPTOR) | S(TF_ERR_STORE), "digest");
    same(before, snap());
}

static void op_init(void) {
    tf_status st;
    if (rnd(4u) == 0u) {
        fail_write_in = (long)rnd(MODEL.num_layers * (MODEL.slices * MODEL.slices + 2u) + 1u);
    }
    st = tf_init(rnd(50u) == 0u ? NULL : &MODEL);
    documented(st, S(TF_OK) | S(TF_ERR_NULL) | S(TF_ERR_STORE), "tf_init");
    if (st == TF_OK) {
        torn = 0;
        CHECK_EQ_U(tf_total_steps(&MODEL), 0u, call_no);
    } else if (st == TF_ERR_STORE) {
        CHECK_EQ_U(MODEL.ready, 0u, call_no);
    }
    fail_write_in = -1;
}

static void op_resume(void) {
    const snap_t before = snap();
    int resumed = -1;
    tf_status st;
    const int failing = rnd(4u) == 0u;
    if (failing) {
        fail_read_in = (long)rnd(MODEL.num_layers * (MODEL.slices * MODEL.slices + 2u) * 2u);
    }
    st = tf_resume(&MODEL, &resumed);
    documented(st, S(TF_OK) | S(TF_ERR_STORE), "tf_resume");
    if (st == TF_OK && resumed == 1) {
        torn = 0;
        CHECK_EQ_U(MODEL.ready, 1u, call_no);
    } else if (st == TF_OK) {
        CHECK_EQ_U(resumed, 0, call_no);
        same(before, snap());
    } else if (MODEL.ready) {
        same(before, snap()); /* failed before anything changed */
    }
    fail_read_in = -1;
}

/* A step, or an init, with a failing store write or read somewhere inside. */
static void op_store_failure(void) {
    if (rnd(2u)) {
        fail_write_in = (long)rnd(8u);
    } else {
        fail_read_in = (long)rnd(8u);
    }
    op_train();
    fail_read_in = -1;
    fail_write_in = -1;
}

/* Corrupts random bytes of the store: any later call may fail, none may crash. */
static void op_tear(void) {
    uint8_t *bytes = (uint8_t *)ram()->data;
    const uint32_t n = 1u + rnd(8u);
    uint32_t i;
    for (i = 0; i < n; i++) {
        bytes[rnd(4u * TF_MODEL_STORE_FLOATS)] = (uint8_t)tf_test_rand();
    }
    torn = 1;
}

/* Changes one descriptor or runtime-owned field, calls an entry point, restores the field. */
static void op_mutate(void) {
    const snap_t before = snap();
    tf_store other = chaos;
    const uint32_t field = rnd(9u);
    uint16_t batch_size = MODEL.batch_size;
    uint8_t classes = MODEL.classes;
    uint16_t units = MODEL.layers[0].units;
    float lr = MODEL.lr;
    float *arena = MODEL.arena;
    uint16_t fill = MODEL.batch_fill;
    uint8_t blayer = MODEL.batch_layer;
    uint8_t slices = MODEL.slices;
    uint8_t out = 0;
    uint32_t d = 0;
    tf_status st;
    switch (field) {
    case 0: MODEL.batch_size = (uint16_t)(batch_size + 1u + rnd(100u)); break;
    case 1: MODEL.classes = (uint8_t)(classes + 1u); break;
    case 2: MODEL.layers[0].units = (uint16_t)(units + 1u + rnd(1000u)); break;
    case 3: MODEL.lr = lr * 2.0f; break;
    case 4: MODEL.arena = arena + 1 + rnd(8u); break;
    case 5: MODEL.store = &other; break;
    case 6: MODEL.batch_fill = (uint16_t)(batch_size + rnd(100u)); break;
    case 7: MODEL.batch_layer = (uint8_t)(MODEL.num_layers + rnd(10u)); break;
    default: MODEL.slices = (uint8_t)(slices + 1u); break;
    }
    random_input(1);
    switch (rnd(4u)) {
    case 0: st = tf_train_sample(&MODEL, 0, x, 0); break;
    case 1: st = tf_predict(&MODEL, 0, x, &out); break;
    case 2: st = tf_state_digest(&MODEL, &d); break;
    default: st = tf_discard_batch(&MODEL); break;
    }
    if (before.ready) {
        documented(st, S(TF_ERR_DESCRIPTOR), "call after a descriptor change");
    } else {
        documented(st, S(TF_OK) | S(TF_ERR_STATE), "call after a descriptor change");
    }
    MODEL.batch_size = batch_size;
    MODEL.classes = classes;
    MODEL.layers[0].units = units;
    MODEL.lr = lr;
    MODEL.arena = arena;
    MODEL.store = &chaos;
    MODEL.batch_fill = fill;
    MODEL.batch_layer = blayer;
    MODEL.slices = slices;
    same(before, snap());
}

static void op_accept(void) {
    const snap_t before = snap();
    const float lr = MODEL.lr;
    tf_status st;
    MODEL.lr = lr * 0.5f;
    st = tf_accept_descriptor(&MODEL);
    documented(st, S(TF_OK) | S(TF_ERR_STATE), "tf_accept_descriptor");
    MODEL.lr = lr;
    st = tf_accept_descriptor(&MODEL);
    CHECK_EQ_U(st, before.ready ? TF_OK : TF_ERR_STATE, call_no);
    same(before, snap());
}

static void op_discard(void) {
    const tf_status st = tf_discard_batch(rnd(20u) == 0u ? NULL : &MODEL);
    documented(st, S(TF_OK) | S(TF_ERR_NULL), "tf_discard_batch");
    if (st == TF_OK) {
        CHECK_EQ_U(MODEL.batch_fill, 0u, call_no);
    }
}

int main(int argc, char **argv) {
    const unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1ul;
    const unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 50000ul;
    unsigned long i;
    tf_test_rand_state = seed * 2654435761ul + 1ul;
    ram_store = MODEL.store;
    chaos = *ram_store;
    chaos.read = chaos_read;
    chaos.write = chaos_write;
    MODEL.store = &chaos;
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 0);
    for (i = 0; i < count; i++) {
        const uint32_t r = rnd(100u);
        call_no = (uint32_t)i;
        if (r < 55u) {
            op_train();
        } else if (r < 70u) {
            op_predict();
        } else if (r < 76u) {
            op_digest();
        } else if (r < 80u) {
            op_mutate();
        } else if (r < 84u) {
            op_store_failure();
        } else if (r < 86u) {
            op_resume();
        } else if (r < 87u) {
            op_init();
        } else if (r < 88u) {
            op_tear();
        } else if (r < 90u) {
            op_accept();
        } else if (r < 92u) {
            op_discard();
        } else {
            check_resumable();
        }
        if (!MODEL.ready && rnd(20u) == 0u) {
            CHECK_EQ_U(tf_init(&MODEL), TF_OK, call_no);
            torn = 0;
        }
    }
    printf("FUZZ fixture=%s seed=%lu calls=%lu steps=%lu", TF_MODEL_NAME, seed, count,
           (unsigned long)tf_total_steps(&MODEL));
    for (i = 0; i < STATUS_COUNT; i++) {
        printf(" %s=%lu", tf_status_name((tf_status)i), status_seen[i]);
    }
    printf("\n");
    return tf_test_finish();
}
