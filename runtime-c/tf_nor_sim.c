/*
 * A NOR flash in RAM for hosts and emulators (tinyfoa.h, tf_nor_sim): erase sets a sector to
 * 0xFF, program only clears bits of erased bytes inside one page. Every rule a real part would
 * silently break on (programming a 0 back to 1, writing a byte twice without an erase, a
 * program across a page boundary) is a counted violation and a failed call, so tests catch a
 * store that relies on it. The image is mirrored into a file so that it survives a restart.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tf_internal.h"

#ifdef TF_TEST_POWER_CUT
uint32_t tf_nor_sim_power_cut = 0u;
static uint32_t tf_nor_sim_ops = 0u;
#endif

static uint32_t tf_ns_bytes(const tf_nor_sim *sim) { return sim->sectors * sim->sector_bytes; }

/* Writes image bytes [addr, addr + n) through to the file (when there is one). */
static int tf_ns_mirror(tf_nor_sim *sim, uint32_t addr, uint32_t n) {
    FILE *f = (FILE *)sim->file;
    if (f == NULL) {
        return 1;
    }
    return fseek(f, (long)addr, SEEK_SET) == 0 && fwrite(sim->image + addr, 1u, n, f) == n;
}

/* On first use: the image from the file, or a new (erased) part and its file. */
static int tf_ns_load(tf_nor_sim *sim) {
    const uint32_t bytes = tf_ns_bytes(sim);
    FILE *f;
    if (sim->loaded) {
        return 1;
    }
    if (sim->image == NULL || sim->sector_bytes == 0u || sim->page_bytes == 0u ||
        sim->sector_bytes % sim->page_bytes != 0u || sim->sectors == 0u) {
        return 0;
    }
    if (sim->path != NULL) {
        f = fopen(sim->path, "r+b");
        if (f != NULL && fread(sim->image, 1u, bytes, f) != bytes) {
            (void)fclose(f); /* shorter than the part: not this part's image; start erased */
            f = NULL;
        }
        if (f == NULL) {
            f = fopen(sim->path, "w+b");
            if (f == NULL) {
                return 0;
            }
            memset(sim->image, 0xFF, bytes);
            sim->file = f;
            if (!tf_ns_mirror(sim, 0u, bytes) || fflush(f) != 0) {
                (void)fclose(f);
                sim->file = NULL;
                return 0;
            }
        }
        sim->file = f;
    } else {
        memset(sim->image, 0xFF, bytes);
    }
    sim->loaded = 1u;
    return 1;
}

static tf_status tf_ns_violation(tf_nor_sim *sim) {
    sim->violations++;
    return TF_ERR_STORE;
}

#ifdef TF_TEST_POWER_CUT
/* Operation number tf_nor_sim_power_cut is cut: `done` bytes of it reached the part. */
static int tf_ns_cut_now(void) { return tf_nor_sim_power_cut != 0u && ++tf_nor_sim_ops == tf_nor_sim_power_cut; }

static void tf_ns_power_off(tf_nor_sim *sim) {
    if (sim->file != NULL) {
        (void)fflush((FILE *)sim->file);
    }
    (void)fflush(stdout);
    _Exit(TF_POWER_CUT_EXIT);
}
#endif

tf_status tf_nor_sim_erase(void *ctx, uint32_t sector) {
    tf_nor_sim *sim = (tf_nor_sim *)ctx;
    uint32_t n;
    if (sim == NULL || !tf_ns_load(sim)) {
        return TF_ERR_STORE;
    }
    if (sector >= sim->sectors) {
        return tf_ns_violation(sim);
    }
    n = sim->sector_bytes;
#ifdef TF_TEST_POWER_CUT
    if (tf_ns_cut_now()) {
        memset(sim->image + sector * sim->sector_bytes, 0xFF, n / 2u);
        (void)tf_ns_mirror(sim, sector * sim->sector_bytes, n / 2u);
        tf_ns_power_off(sim);
    }
#endif
    memset(sim->image + sector * sim->sector_bytes, 0xFF, n);
    sim->erases++;
    if (sim->sector_erases != NULL) {
        sim->sector_erases[sector]++;
    }
    return tf_ns_mirror(sim, sector * sim->sector_bytes, n) ? TF_OK : TF_ERR_STORE;
}

tf_status tf_nor_sim_program(void *ctx, uint32_t addr, const uint8_t *src, uint32_t n) {
    tf_nor_sim *sim = (tf_nor_sim *)ctx;
    uint32_t i;
    uint32_t done = n;
    if (sim == NULL || src == NULL || !tf_ns_load(sim)) {
        return TF_ERR_STORE;
    }
    if (n == 0u || addr >= tf_ns_bytes(sim) || n > tf_ns_bytes(sim) - addr ||
        addr / sim->page_bytes != (addr + n - 1u) / sim->page_bytes) {
        return tf_ns_violation(sim); /* outside the part, or across a page boundary */
    }
    for (i = 0; i < n; i++) {
        if (sim->image[addr + i] != 0xFFu && src[i] != 0xFFu) {
            return tf_ns_violation(sim); /* a byte programmed twice without an erase: 0 → 1 */
        }
    }
#ifdef TF_TEST_POWER_CUT
    if (tf_ns_cut_now()) {
        done = (n + 1u) / 2u;
    }
#endif
    for (i = 0; i < done; i++) {
        sim->image[addr + i] &= src[i];
    }
    if (!tf_ns_mirror(sim, addr, done)) {
        return TF_ERR_STORE;
    }
#ifdef TF_TEST_POWER_CUT
    if (done != n) {
        tf_ns_power_off(sim);
    }
#endif
    sim->programs++;
    sim->bytes_programmed += n;
    return TF_OK;
}

tf_status tf_nor_sim_read(void *ctx, uint32_t addr, uint8_t *dst, uint32_t n) {
    tf_nor_sim *sim = (tf_nor_sim *)ctx;
    if (sim == NULL || dst == NULL || !tf_ns_load(sim)) {
        return TF_ERR_STORE;
    }
    if (addr > tf_ns_bytes(sim) || n > tf_ns_bytes(sim) - addr) {
        return tf_ns_violation(sim);
    }
    memcpy(dst, sim->image + addr, n);
    return TF_OK;
}
