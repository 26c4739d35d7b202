/*
 * The file weight store (runtime-c/tf_store_file.c) on the host, over the geometry of a fixture
 * model (test/runtime/fixtures/<name>/): the store API and its error paths (TF_ERR_STORE, no
 * change), transactions and what a reopened file shows, corrupted and torn files, and the model
 * API over the store (tf_init, tf_train_sample, tf_resume), with failing writes and commits.
 * Usage: test_store <scratch directory>
 */
#include <stdio.h>

#include "tf_model.h"
#include "tf_test.h"

#define MODEL TF_MODEL
#define MAXREC 64
#define MAXFILE 200000

static uint32_t offsets[MAXREC + 1];
static uint32_t active[MAXREC / 32 + 1];
static uint32_t staged[MAXREC / 32 + 1];
static char io[128];
static char path[512];
static char bad_path[512];
static tf_store_file fs;
static const tf_store file_store = {tf_store_file_read, tf_store_file_write, tf_store_file_commit,
                                    tf_store_file_discard, &fs};
static uint8_t image[MAXFILE];

static uint32_t records(void) { return (uint32_t)MODEL.num_layers * (MODEL.slices * MODEL.slices + 2u); }

/* A fresh descriptor on `file` (closing the previous one); the file is removed when `fresh`. */
static void setup(const char *file, int fresh) {
    const uint32_t per = MODEL.slices * MODEL.slices + 2u;
    uint32_t i;
    tf_store_file_close(&fs);
    memset(&fs, 0, sizeof fs);
    offsets[0] = 0u;
    for (i = 0; i < records(); i++) {
        offsets[i + 1u] = offsets[i] + tf_record_floats(&MODEL, (uint8_t)(i / per), i % per);
    }
    fs.path = file;
    fs.offsets = offsets;
    fs.records_per_layer = per;
    fs.num_layers = MODEL.num_layers;
    fs.active = active;
    fs.staged = staged;
    fs.io_buffer = io;
    fs.io_buffer_bytes = sizeof io;
    if (fresh) {
        (void)remove(file);
    }
}

/* The whole file into image; its length (0 if missing). */
static uint32_t load(const char *file) {
    FILE *f = fopen(file, "rb");
    uint32_t n = 0;
    if (f != NULL) {
        n = (uint32_t)fread(image, 1, sizeof image, f);
        fclose(f);
    }
    return n;
}

static void save(const char *file, uint32_t n) {
    FILE *f = fopen(file, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK_EQ_U(fwrite(image, 1, n, f), n, 0);
        fclose(f);
    }
}

static uint32_t file_crc(const char *file) {
    const uint32_t n = load(file);
    return tf_crc32(0u, image, n) ^ n;
}

#define TRAILER 16u /* after a slot's data: seq, 64-bit sum, rotate-XOR word (docs/store.md) */

static uint32_t commit_bytes(void) { return 16u + 4u * ((records() + 31u) / 32u); }

/* Byte offset of slot `slot` of record i (docs/store.md). */
static uint32_t slot_offset(uint32_t i, uint32_t slot) {
    const uint32_t data = 32u + 2u * commit_bytes();
    return data + 2u * (TRAILER * i + 4u * offsets[i]) + slot * (TRAILER + 4u * (offsets[i + 1u] - offsets[i]));
}

static void fill(float *x, uint32_t n, float base) {
    uint32_t i;
    for (i = 0; i < n; i++) {
        x[i] = base + (float)i;
    }
}

/* ============================================================ the store API ================ */

static void test_api(void) {
    static float a[4096];
    static float b[4096];
    const uint32_t n0 = tf_record_floats(&MODEL, 0, 0);
    const uint32_t nb = tf_record_floats(&MODEL, 0, MODEL.slices * MODEL.slices);
    uint32_t before;
    uint32_t written;
    uint32_t i;

    /* a file that cannot be opened: every call fails, nothing is created */
    setup(bad_path, 1);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, a, n0), TF_ERR_STORE, 1);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0), TF_ERR_STORE, 2);
    CHECK_EQ_U(tf_store_file_commit(&fs, 0), TF_ERR_STORE, 3);
    tf_store_file_discard(&fs, 0);
    tf_store_file_close(&fs);
    CHECK(fs.file == NULL);
    CHECK_EQ_U(fs.bytes_written, 0, 4);
    CHECK_EQ_U(load(bad_path), 0, 5);

    /* a new file: formatted on first use (a 32-byte header), reads as zeros */
    setup(path, 1);
    fill(a, n0, 1.0f);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, a, n0), TF_OK, 10);
    for (i = 0; i < n0; i++) {
        CHECK_BITS_F(a[i], 0.0f, i);
    }
    CHECK_EQ_U(fs.bytes_written, 32, 11);
    CHECK_EQ_U(fs.seq, 0, 12);

    /* bad arguments: TF_ERR_STORE, and neither the file nor the store changes */
    before = file_crc(path);
    written = fs.bytes_written;
    CHECK_EQ_U(tf_store_file_write(&fs, MODEL.num_layers, 0, a, n0), TF_ERR_STORE, 20);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, MODEL.slices * MODEL.slices + 2u, a, 2), TF_ERR_STORE, 21);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0 + 1u), TF_ERR_STORE, 22);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, NULL, n0), TF_ERR_STORE, 23);
    CHECK_EQ_U(tf_store_file_write(NULL, 0, 0, a, n0), TF_ERR_STORE, 24);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, a, n0 - 1u), TF_ERR_STORE, 25);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, NULL, n0), TF_ERR_STORE, 26);
    CHECK_EQ_U(tf_store_file_read(NULL, 0, 0, a, n0), TF_ERR_STORE, 27);
    CHECK_EQ_U(tf_store_file_commit(NULL, 0), TF_ERR_STORE, 28);
    tf_store_file_discard(NULL, 0);
    tf_store_file_close(NULL);
    CHECK_EQ_U(tf_store_file_commit(&fs, 0), TF_OK, 29); /* nothing staged: nothing written */
    CHECK_EQ_U(fs.bytes_written, written, 29);
    CHECK_EQ_U(file_crc(path), before, 29);
    CHECK_EQ_U(staged[0], 0, 29);

    /* read your writes; discard drops them */
    fill(a, n0, 2.0f);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0), TF_OK, 30);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 31);
    CHECK(memcmp(a, b, 4u * n0) == 0);
    tf_store_file_discard(&fs, 0);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 32);
    CHECK_BITS_F(b[0], 0.0f, 32);

    /* commit 1, then commit 2 over it; a reopened file shows commit 2 */
    fill(a, n0, 3.0f);
    fill(b, nb, -7.0f);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0), TF_OK, 40);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, MODEL.slices * MODEL.slices, b, nb), TF_OK, 41);
    CHECK_EQ_U(tf_store_file_commit(&fs, 0), TF_OK, 42);
    CHECK_EQ_U(fs.seq, 1, 42);
    fill(a, n0, 4.0f);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0), TF_OK, 43);
    CHECK_EQ_U(tf_store_file_commit(&fs, 0), TF_OK, 44);
    CHECK_EQ_U(fs.bytes_written, 32u + 4u * TRAILER + 4u * (3u * n0 + nb) + 2u * commit_bytes(), 44);
    setup(path, 0); /* reopen */
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 45);
    CHECK_EQ_U(fs.seq, 2, 45);
    CHECK(memcmp(a, b, 4u * n0) == 0);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, MODEL.slices * MODEL.slices, b, nb), TF_OK, 46);
    CHECK_BITS_F(b[1], -6.0f, 46);
    CHECK_EQ_U(fs.bytes_written, 0, 46); /* opening an existing file writes nothing */

    /* a damaged newest commit record (bit flip, or a torn write): the previous commit stands */
    {
        const uint32_t len = load(path);
        image[32u + 0u * commit_bytes() + 5u] ^= 0x10u; /* seq 2 lives in commit slot 0 */
        save(path, len);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 60);
        CHECK_EQ_U(fs.seq, 1, 60);
        CHECK_BITS_F(b[0], 3.0f, 60);
        image[32u + 5u] ^= 0x10u;
        save(path, len);
    }

    /* staged records that were never committed (a power cut before the commit) are not seen */
    setup(path, 0);
    fill(a, n0, 5.0f);
    CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, a, n0), TF_OK, 50);
    setup(path, 0);
    CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 51);
    CHECK_BITS_F(b[0], 4.0f, 51);

    /* ... and if the newest commit record were then damaged, the older commit's record 0 is gone
     * (its slot was reused): the read says so instead of returning another transaction's data */
    {
        const uint32_t len = load(path);
        image[32u + 5u] ^= 0x10u;
        save(path, len);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_ERR_STORE, 52);
        CHECK_EQ_U(fs.seq, 1, 52);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, MODEL.slices * MODEL.slices, b, nb), TF_OK, 53);
        image[32u + 5u] ^= 0x10u;
        save(path, len);
    }

    /* a damaged record slot: its read fails (its check), the others still read */
    {
        const uint32_t len = load(path);
        const uint32_t at = slot_offset(0, 0) + 4u; /* record 0 of seq 2 is in slot 0 */
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 70);
        CHECK_EQ_U(tf_bit_get(active, 0), 0, 70);
        image[at] ^= 0x01u;
        save(path, len);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_ERR_STORE, 71);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, MODEL.slices * MODEL.slices, b, nb), TF_OK, 72);
        image[at] ^= 0x01u;
        save(path, len);
    }

    /* a damaged header, or a file of another layout: refused, and left as it is */
    {
        const uint32_t len = load(path);
        image[20] ^= 0x80u;
        save(path, len);
        before = file_crc(path);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_ERR_STORE, 80);
        CHECK_EQ_U(tf_store_file_write(&fs, 0, 0, b, n0), TF_ERR_STORE, 81);
        tf_store_file_close(&fs);
        CHECK_EQ_U(file_crc(path), before, 82);
        image[20] ^= 0x80u;
        save(path, len);
        setup(path, 0);
        offsets[records()] += 1u; /* the last record one float longer */
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_ERR_STORE, 83);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 84);
    }

    /* a file shorter than its header (a power cut while it was created): formatted again */
    {
        (void)load(path);
        save(path, 17u);
        setup(path, 0);
        CHECK_EQ_U(tf_store_file_read(&fs, 0, 0, b, n0), TF_OK, 90);
        CHECK_EQ_U(fs.seq, 0, 90);
        CHECK_BITS_F(b[0], 0.0f, 90);
        CHECK_EQ_U(fs.bytes_written, 32, 90);
    }
    tf_store_file_close(&fs);
}

/* ============================================================ the model over the store ===== */

/* A wrapper that fails the n-th write or the n-th commit. */
static int fail_write_at = -1;
static int fail_commit_at = -1;
static int writes;
static int commits;
static tf_status flaky_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    if (writes++ == fail_write_at) {
        return TF_ERR_STORE;
    }
    return tf_store_file_write(ctx, layer, record, src, count);
}
static tf_status flaky_commit(void *ctx, uint8_t layer) {
    if (commits++ == fail_commit_at) {
        return TF_ERR_STORE;
    }
    return tf_store_file_commit(ctx, layer);
}
static const tf_store flaky_store = {tf_store_file_read, flaky_write, flaky_commit, tf_store_file_discard, &fs};

static uint32_t digest(void) {
    uint32_t d = 0;
    CHECK_EQ_U(tf_state_digest(&MODEL, &d), TF_OK, 0);
    return d;
}

/* Every RAM part of the state, and the digest. */
static uint32_t ram_state(void) { return tf_test_ram_crc(&MODEL, digest()); }

static void wipe_ram(void) { tf_test_wipe_ram(&MODEL, 7u); }

static void sample(uint8_t *x) {
    uint32_t i;
    for (i = 0; i < MODEL.features; i++) {
        x[i] = (uint8_t)(MODEL.encoding == TF_ENCODING_BITS ? (tf_test_rand() & 1u) : (tf_test_rand() & 0xFFu));
    }
}

/* One update step of layer l (batch_size samples); the status of the last call. */
static tf_status step(uint8_t l) {
    uint8_t x[TF_MODEL_FEATURES];
    tf_status st = TF_OK;
    uint32_t s;
    for (s = 0; s < MODEL.batch_size && st == TF_OK; s++) {
        sample(x);
        st = tf_train_sample(&MODEL, l, x, (uint8_t)(tf_test_rand() % MODEL.classes));
    }
    return st;
}

static void test_model(void) {
    int resumed = -1;
    uint32_t state;
    uint32_t l;
    uint32_t k;

    /* a store that cannot be opened: tf_resume and tf_init fail with TF_ERR_STORE */
    setup(bad_path, 1);
    MODEL.store = &file_store;
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_ERR_STORE, 1);
    CHECK_EQ_U(resumed, 0, 1);
    CHECK_EQ_U(MODEL.ready, 0, 1);
    CHECK_EQ_U(tf_init(&MODEL), TF_ERR_STORE, 2);
    CHECK_EQ_U(MODEL.ready, 0, 2);

    /* an empty file: tf_resume reports no state; tf_init writes one transaction */
    setup(path, 1);
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 10);
    CHECK_EQ_U(resumed, 0, 10);
    CHECK_EQ_U(tf_init(&MODEL), TF_OK, 11);
    CHECK_EQ_U(fs.seq, 1, 11);
    for (l = 0; l < MODEL.num_layers; l++) {
        for (k = 0; k < 3u; k++) {
            CHECK_EQ_U(step((uint8_t)l), TF_OK, 12);
        }
    }
    CHECK_EQ_U(fs.seq, 1u + 3u * MODEL.num_layers, 13);
    state = ram_state();

    /* reopen the file and resume into wiped RAM: the same state */
    setup(path, 0);
    wipe_ram();
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 20);
    CHECK_EQ_U(resumed, 1, 20);
    CHECK_EQ_U(ram_state(), state, 20);

    /* a failing write at any point of a step: TF_ERR_STORE, and the state is exactly as before,
     * in RAM and in the file (the transaction is discarded) */
    MODEL.store = &flaky_store;
    CHECK_EQ_U(tf_accept_descriptor(&MODEL), TF_OK, 29); /* the same file, through a wrapper */
    for (k = 0; k < MODEL.slices * MODEL.slices + 2u; k++) {
        const uint8_t top = (uint8_t)(MODEL.num_layers - 1u);
        const tf_status expected = (MODEL.schedule == TF_SCHEDULE_CYCLIC && k >= 3u) ? TF_OK : TF_ERR_STORE;
        tf_status st;
        writes = 0;
        fail_write_at = (int)k;
        st = step(top);
        CHECK_EQ_U(st, expected, 30 + k);
        CHECK_EQ_U(MODEL.ready, 1, 30 + k);
        if (st != TF_OK) {
            CHECK_EQ_U(ram_state(), state, 30 + k);
            setup(path, 0);
            wipe_ram();
            CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 30 + k);
            CHECK_EQ_U(ram_state(), state, 30 + k);
        } else {
            state = ram_state();
        }
    }
    fail_write_at = -1;

    /* a failing commit: the same */
    commits = 0;
    fail_commit_at = 0;
    CHECK_EQ_U(step((uint8_t)(MODEL.num_layers - 1u)), TF_ERR_STORE, 50);
    CHECK_EQ_U(ram_state(), state, 50);
    fail_commit_at = -1;
    CHECK_EQ_U(step((uint8_t)(MODEL.num_layers - 1u)), TF_OK, 51);
    state = ram_state();

    /* tf_init over a stored state, failing half way: the stored state is still there */
    writes = 0;
    fail_write_at = (int)records() - 2;
    CHECK_EQ_U(tf_init(&MODEL), TF_ERR_STORE, 60);
    CHECK_EQ_U(MODEL.ready, 0, 60);
    fail_write_at = -1;
    setup(path, 0);
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 61);
    CHECK_EQ_U(resumed, 1, 61);
    CHECK_EQ_U(ram_state(), state, 61);

    /* a store of another model on the same layout: no state of this model */
    MODEL.lr = MODEL.lr * 2.0f;
    CHECK_EQ_U(tf_resume(&MODEL, &resumed), TF_OK, 70);
    CHECK_EQ_U(resumed, 0, 70);
    MODEL.lr = MODEL.lr * 0.5f;
    CHECK_EQ_U(ram_state(), state, 70);
    tf_store_file_close(&fs);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: test_store <scratch directory>\n");
        return 2;
    }
    (void)snprintf(path, sizeof path, "%s/store.bin", argv[1]);
    (void)snprintf(bad_path, sizeof bad_path, "%s/no-such-directory/store.bin", argv[1]);
    CHECK(records() <= MAXREC);
    test_api();
    test_model();
    return tf_test_finish();
}
