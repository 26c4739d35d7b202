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

tf_status tf_store_ram_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    const tf_store_ram *store = (const tf_store_ram *)ctx;
    uint32_t offset = 0;
    const tf_status st = tf_store_ram_locate(store, layer, record, count, &offset);
    if (st != TF_OK || dst == NULL) {
        return TF_ERR_STORE;
    }
    memcpy(dst, store->data + offset, (size_t)count * sizeof(float));
    return TF_OK;
}

tf_status tf_store_ram_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    const tf_store_ram *store = (const tf_store_ram *)ctx;
    uint32_t offset = 0;
    const tf_status st = tf_store_ram_locate(store, layer, record, count, &offset);
    if (st != TF_OK || src == NULL) {
        return TF_ERR_STORE;
    }
    memcpy(store->data + offset, src, (size_t)count * sizeof(float));
    return TF_OK;
}
