/* The RAM weight store: records in one static float array at generator-computed offsets. */
#include "tf_internal.h"

static tf_status tf_store_ram_locate(const tf_store_ram *store, uint8_t layer, uint32_t record, uint32_t count,
                                     uint32_t *offset) {
    uint32_t index;
    if (store == NULL || store->data == NULL || store->offsets == NULL) {
        return TF_ERR_STORE;
    }
    if (layer >= store->num_layers || record >= store->records_per_layer) {
        return TF_ERR_STORE;
    }
    index = (uint32_t)layer * store->records_per_layer + record;
    if (store->offsets[index + 1u] < store->offsets[index] ||
        store->offsets[index + 1u] - store->offsets[index] != count) {
        return TF_ERR_STORE;
    }
    *offset = store->offsets[index];
    return TF_OK;
}

/*
 * Copies a record's bytes (the store never converts a float). Records are large (a block of a
 * 784 → 256 layer at M = 2 is 196 KiB) and newlib-nano's memcpy moves a word in about two
 * instructions; on Thumb-2 cores eight words go through one LDMIA/STMIA pair instead, two pairs
 * a loop step.
 */
static void tf_copy_floats(float *dst, const float *src, uint32_t count) {
#if defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(TF_NO_ASM_COPY) /* -O0 has too few free registers */
    uint32_t blocks = count >> 4; /* sixteen words a loop step, eight through each pair */
    if (blocks != 0u) {
        __asm__ volatile("1:\n\t"
                         "ldmia %1!, {r2-r6, r8-r10}\n\t"
                         "stmia %0!, {r2-r6, r8-r10}\n\t"
                         "ldmia %1!, {r2-r6, r8-r10}\n\t"
                         "stmia %0!, {r2-r6, r8-r10}\n\t"
                         "subs %2, %2, #1\n\t"
                         "bne 1b"
                         : "+r"(dst), "+r"(src), "+r"(blocks)
                         :
                         : "r2", "r3", "r4", "r5", "r6", "r8", "r9", "r10", "cc", "memory");
    }
    if ((count & 8u) != 0u) {
        __asm__ volatile("ldmia %1!, {r2-r6, r8-r10}\n\t"
                         "stmia %0!, {r2-r6, r8-r10}"
                         : "+r"(dst), "+r"(src)
                         :
                         : "r2", "r3", "r4", "r5", "r6", "r8", "r9", "r10", "memory");
    }
    count &= 7u;
#endif
    memcpy(dst, src, (size_t)count * sizeof(float));
}

tf_status tf_store_ram_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    const tf_store_ram *store = (const tf_store_ram *)ctx;
    uint32_t offset = 0;
    const tf_status st = tf_store_ram_locate(store, layer, record, count, &offset);
    if (st != TF_OK || dst == NULL) {
        return TF_ERR_STORE;
    }
    tf_copy_floats(dst, store->data + offset, count);
    return TF_OK;
}

tf_status tf_store_ram_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    const tf_store_ram *store = (const tf_store_ram *)ctx;
    uint32_t offset = 0;
    const tf_status st = tf_store_ram_locate(store, layer, record, count, &offset);
    if (st != TF_OK || src == NULL) {
        return TF_ERR_STORE;
    }
    tf_copy_floats(store->data + offset, src, count);
    return TF_OK;
}
