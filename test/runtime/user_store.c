/*
 * A user-supplied weight store, as a firmware project would write one (docs/store.md,
 * "User-supplied store"), for a model generated with --store user: the records in a RAM array
 * of the project, offsets computed on first use from tf_record_floats(), and a check of what
 * the runtime promises a store — whole records, every record at most once per transaction, a
 * commit after the writes. Each commit prints "USER commit layer=<l> writes=<n>"; a broken rule
 * prints "USER error <what>" and fails the call.
 */
#include <stdio.h>

#include "tf_model.h"

#ifndef TF_MODEL_USER_STORE
#error "generate the model with --store user"
#endif

#define USER_RECORDS_MAX 256u

static float user_data[TF_MODEL_STORE_FLOATS];
static uint32_t user_offsets[USER_RECORDS_MAX + 1u];
static uint32_t user_written[USER_RECORDS_MAX / 32u];
static tf_store_ram user_ram;
static uint32_t user_writes;

/* Offsets of every record, from the model itself; 0 if it does not fit. */
static int user_setup(void) {
    const uint32_t per = (uint32_t)TF_MODEL.slices * TF_MODEL.slices + 2u;
    const uint32_t records = per * TF_MODEL.num_layers;
    uint32_t i;
    if (user_ram.data != NULL) {
        return 1;
    }
    if (records > USER_RECORDS_MAX) {
        printf("USER error %lu records\n", (unsigned long)records);
        return 0;
    }
    for (i = 0; i < records; i++) {
        user_offsets[i + 1u] = user_offsets[i] + tf_record_floats(&TF_MODEL, (uint8_t)(i / per), i % per);
    }
    if (user_offsets[records] != TF_MODEL_STORE_FLOATS) {
        printf("USER error %lu floats\n", (unsigned long)user_offsets[records]);
        return 0;
    }
    user_ram.data = user_data;
    user_ram.offsets = user_offsets;
    user_ram.records_per_layer = per;
    user_ram.num_layers = TF_MODEL.num_layers;
    return 1;
}

static void user_end_transaction(void) {
    uint32_t w;
    for (w = 0; w < USER_RECORDS_MAX / 32u; w++) {
        user_written[w] = 0u;
    }
    user_writes = 0u;
}

static tf_status user_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    (void)ctx;
    return user_setup() ? tf_store_ram_read(&user_ram, layer, record, dst, count) : TF_ERR_STORE;
}

static tf_status user_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    uint32_t i;
    (void)ctx;
    if (!user_setup() || layer >= TF_MODEL.num_layers || record >= user_ram.records_per_layer) {
        return TF_ERR_STORE;
    }
    i = (uint32_t)layer * user_ram.records_per_layer + record;
    if ((user_written[i >> 5] >> (i & 31u)) & 1u) {
        printf("USER error record %lu written twice in one transaction\n", (unsigned long)i);
        return TF_ERR_STORE;
    }
    user_written[i >> 5] |= 1u << (i & 31u);
    user_writes++;
    return tf_store_ram_write(&user_ram, layer, record, src, count);
}

static tf_status user_commit(void *ctx, uint8_t layer) {
    (void)ctx;
    if (user_writes == 0u) {
        printf("USER error empty commit\n");
        return TF_ERR_STORE;
    }
    printf("USER commit layer=%u writes=%lu\n", (unsigned)layer, (unsigned long)user_writes);
    user_end_transaction();
    return TF_OK;
}

static void user_discard(void *ctx, uint8_t layer) {
    (void)ctx;
    printf("USER discard layer=%u\n", (unsigned)layer);
    user_end_transaction();
}

const tf_store TF_MODEL_USER_STORE = {user_read, user_write, user_commit, user_discard, NULL};
