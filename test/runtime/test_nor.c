/*
 * The NOR flash simulator's rules and the NOR store's API on the host (docs/store.md, "NOR
 * flash store"): the simulator refuses what a real part would silently get wrong, and the
 * store never asks for it; transactions, discard, a torn commit entry, another layout.
 */
#include "tf_test.h"

#define SECTOR 256u
#define PAGE 32u
#define SECTORS 16u

static uint8_t image[SECTOR * SECTORS];
static uint32_t erases[SECTORS];

static void test_sim_rules(void) {
    tf_nor_sim sim = {SECTOR, PAGE, SECTORS, image, erases, NULL, NULL, 0u, 0u, 0u, 0u, 0u};
    uint8_t b[PAGE + 1u];
    uint8_t r[4];
    memset(b, 0x5A, sizeof b);
    CHECK(tf_nor_sim_read(&sim, 0u, r, 4u) == TF_OK && r[0] == 0xFFu && r[3] == 0xFFu); /* a new part is erased */
    CHECK(tf_nor_sim_program(&sim, 0u, b, 4u) == TF_OK);
    CHECK(tf_nor_sim_read(&sim, 0u, r, 4u) == TF_OK && r[0] == 0x5Au);
    CHECK_EQ_U(sim.violations, 0u, 0);
    /* the same bytes again without an erase: a 0 would have to become 1 */
    b[0] = 0xA5u;
    CHECK(tf_nor_sim_program(&sim, 0u, b, 1u) == TF_ERR_STORE);
    CHECK_EQ_U(sim.violations, 1u, 0);
    CHECK(tf_nor_sim_read(&sim, 0u, r, 1u) == TF_OK && r[0] == 0x5Au); /* unchanged */
    /* even a value that only clears bits: a byte is programmed once between erases */
    b[0] = 0x50u;
    CHECK(tf_nor_sim_program(&sim, 1u, b, 1u) == TF_ERR_STORE);
    CHECK_EQ_U(sim.violations, 2u, 0);
    /* across a page boundary */
    CHECK(tf_nor_sim_program(&sim, PAGE - 2u, b, 4u) == TF_ERR_STORE);
    CHECK_EQ_U(sim.violations, 3u, 0);
    /* outside the part */
    CHECK(tf_nor_sim_program(&sim, SECTOR * SECTORS, b, 1u) == TF_ERR_STORE);
    CHECK(tf_nor_sim_erase(&sim, SECTORS) == TF_ERR_STORE);
    CHECK_EQ_U(sim.violations, 5u, 0);
    /* 0xFF bytes program nothing; after an erase the bytes take a new value */
    b[0] = 0xFFu;
    CHECK(tf_nor_sim_program(&sim, 0u, b, 1u) == TF_OK);
    CHECK(tf_nor_sim_erase(&sim, 0u) == TF_OK);
    b[0] = 0xA5u;
    CHECK(tf_nor_sim_program(&sim, 0u, b, 1u) == TF_OK);
    CHECK(tf_nor_sim_read(&sim, 0u, r, 1u) == TF_OK && r[0] == 0xA5u);
    CHECK_EQ_U(sim.erases, 1u, 0);
    CHECK_EQ_U(erases[0], 1u, 0);
    CHECK_EQ_U(sim.programs, 3u, 0);
    CHECK_EQ_U(sim.bytes_programmed, 6u, 0);
    CHECK_EQ_U(sim.violations, 5u, 0);
}

/* One layer of two records of 5 and 30 floats (records_per_layer 2 stands in for M² + 2). */
static const uint32_t offsets[3] = {0u, 5u, 35u};
static const uint32_t units[3] = {2u, 2u, 3u};
static const uint32_t first_sectors[3] = {0u, 2u, 4u};

typedef struct nor_fixture {
    tf_nor_sim sim;
    tf_nor_flash flash;
    tf_store_nor store;
    uint32_t active[2];
    uint32_t staged[2];
    uint8_t page[PAGE];
} nor_fixture;

static void fixture_init(nor_fixture *f, int erase_image) {
    memset(f, 0, sizeof *f);
    if (erase_image) {
        memset(image, 0xFF, sizeof image);
        memset(erases, 0, sizeof erases);
    }
    f->sim.sector_bytes = SECTOR;
    f->sim.page_bytes = PAGE;
    f->sim.sectors = SECTORS;
    f->sim.image = image;
    f->sim.sector_erases = erases;
    f->sim.loaded = 1u; /* the image is the part: it survives the "restart" of a new fixture */
    f->flash.erase = tf_nor_sim_erase;
    f->flash.program = tf_nor_sim_program;
    f->flash.read = tf_nor_sim_read;
    f->flash.ctx = &f->sim;
    f->flash.sector_bytes = SECTOR;
    f->flash.page_bytes = PAGE;
    f->flash.sectors = SECTORS;
    f->store.flash = &f->flash;
    f->store.offsets = offsets;
    f->store.units = units;
    f->store.first_sectors = first_sectors;
    f->store.records_per_layer = 2u;
    f->store.num_layers = 1u;
    f->store.active = f->active;
    f->store.staged = f->staged;
    f->store.page = f->page;
}

static void fill(float *x, uint32_t n, float base) {
    uint32_t i;
    for (i = 0; i < n; i++) {
        x[i] = base + (float)i;
    }
}

static int same(const float *a, const float *b, uint32_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void test_store(void) {
    nor_fixture f;
    float a[5], b[30], x[30], y[30];
    uint32_t i;
    fixture_init(&f, 1);
    CHECK(tf_store_nor_region_bytes(&f.store) != 0u);
    /* empty: zeros; a wrong count or record is refused */
    CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 5u) == TF_OK && x[0] == 0.0f);
    CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 6u) == TF_ERR_STORE);
    CHECK(tf_store_nor_read(&f.store, 1u, 0u, x, 5u) == TF_ERR_STORE);
    fill(a, 5u, 1.0f);
    fill(b, 30u, (float)(tf_test_rand() & 0xFFFu));
    CHECK(tf_store_nor_write(&f.store, 0u, 0u, a, 5u) == TF_OK);
    CHECK(tf_store_nor_write(&f.store, 0u, 0u, a, 5u) == TF_ERR_STORE); /* once per transaction */
    CHECK(tf_store_nor_write(&f.store, 0u, 1u, b, 30u) == TF_OK);
    CHECK(tf_store_nor_read(&f.store, 0u, 1u, x, 30u) == TF_OK && same(x, b, 30u)); /* read your writes */
    CHECK(tf_store_nor_commit(&f.store, 0u) == TF_OK);
    CHECK_EQ_U(f.store.seq, 1u, 0);
    /* many transactions: the rings wrap around, units are erased as the writes enter them */
    for (i = 0; i < 40u; i++) {
        fill(b, 30u, (float)(1000u + i));
        CHECK(tf_store_nor_write(&f.store, 0u, 1u, b, 30u) == TF_OK);
        if (i % 7u == 3u) {
            tf_store_nor_discard(&f.store, 0u); /* a discarded write leaves a used slot behind */
            fill(b, 30u, (float)(1000u + i - 1u));
            continue;
        }
        CHECK(tf_store_nor_commit(&f.store, 0u) == TF_OK);
    }
    CHECK_EQ_U(f.sim.violations, 0u, 0);
    /* a restart sees the last commit */
    fixture_init(&f, 0);
    CHECK(tf_store_nor_read(&f.store, 0u, 1u, x, 30u) == TF_OK && same(x, b, 30u));
    CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 5u) == TF_OK && same(x, a, 5u));
    /* a commit entry torn by a cut (here: one bit of it never programmed): the previous commit stands */
    fill(y, 30u, -7.0f);
    CHECK(tf_store_nor_write(&f.store, 0u, 1u, y, 30u) == TF_OK);
    CHECK(tf_store_nor_commit(&f.store, 0u) == TF_OK);
    {
        /* ring 2 (the commit log) starts at sector 4: rings 0 and 1 have 2 units of 1 sector; 8 entries of 32 bytes a unit */
        const uint32_t slot = f.store.commit_slot;
        image[(4u + slot / 8u) * SECTOR + (slot % 8u) * 32u + 20u] |= 0x80u; /* slot[1] < 128: its top bit was programmed to 0 */
    }
    fixture_init(&f, 0);
    CHECK(tf_store_nor_read(&f.store, 0u, 1u, x, 30u) == TF_OK && same(x, b, 30u));
    /* the next transaction skips the torn entry's slot and the torn transaction's record slot */
    CHECK(tf_store_nor_write(&f.store, 0u, 1u, y, 30u) == TF_OK);
    CHECK(tf_store_nor_commit(&f.store, 0u) == TF_OK);
    fixture_init(&f, 0);
    CHECK(tf_store_nor_read(&f.store, 0u, 1u, x, 30u) == TF_OK && same(x, y, 30u));
    CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 5u) == TF_OK && same(x, a, 5u));
    CHECK_EQ_U(f.sim.violations, 0u, 0);
    /* another layout (other ring lengths) over this flash: refused, nothing written */
    {
        static const uint32_t other[3] = {2u, 3u, 2u};
        static const uint32_t other_first[3] = {0u, 2u, 5u};
        fixture_init(&f, 0);
        f.store.units = other;
        f.store.first_sectors = other_first;
        CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 5u) == TF_ERR_STORE);
        CHECK(tf_store_nor_write(&f.store, 0u, 0u, a, 5u) == TF_ERR_STORE);
        CHECK_EQ_U(f.sim.programs + f.sim.erases, 0u, 0);
    }
    /* a ring table whose rings overlap: refused before anything is read or written */
    {
        static const uint32_t overlapping[3] = {0u, 2u, 3u};
        fixture_init(&f, 0);
        f.store.first_sectors = overlapping;
        CHECK(tf_store_nor_region_bytes(&f.store) == 0u);
        CHECK(tf_store_nor_read(&f.store, 0u, 0u, x, 5u) == TF_ERR_STORE);
        CHECK(tf_store_nor_write(&f.store, 0u, 0u, a, 5u) == TF_ERR_STORE);
        CHECK_EQ_U(f.sim.programs + f.sim.erases, 0u, 0);
    }
}

int main(void) {
    test_sim_rules();
    test_store();
    return tf_test_finish();
}
