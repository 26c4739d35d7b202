/* The model API: initialisation (§5–6), forward (§7), training step (§8), prediction. */
#include "tf_internal.h"

/* ----------------------------------------------------------------------------------------- */
/* Descriptor checks                                                                           */
/* ----------------------------------------------------------------------------------------- */

static tf_status tf_check_layer_bounds(const tf_layer *layer, uint8_t slices) {
    uint32_t p;
    for (p = 0; p <= slices; p++) {
        if (layer->row_bounds[p] != (p * layer->units) / slices ||
            layer->col_bounds[p] != (p * layer->inputs) / slices) {
            return TF_ERR_STATE;
        }
    }
    return TF_OK;
}

static tf_status tf_check_descriptor(const tf_model *m, tf_arena_layout *layout) {
    uint32_t l;
    if (m->layers == NULL || m->store == NULL || m->arena == NULL || m->bit_arena == NULL ||
        m->store->read == NULL || m->store->write == NULL) {
        return TF_ERR_NULL;
    }
    if (m->num_layers == 0u || m->slices == 0u || m->classes < 2u || m->batch_size == 0u || m->features == 0u ||
        m->encoding > TF_ENCODING_BITS || m->optimizer > TF_OPTIMIZER_ADAM || m->schedule > TF_SCHEDULE_RUNS ||
        m->input_scale > TF_INPUT_SCALE_FIXED ||
        (m->schedule == TF_SCHEDULE_FREEZE_DIAGONAL && (m->batch_size != 1u || m->slices < 2u || m->epoch_steps == 0u)) ||
        ((m->schedule == TF_SCHEDULE_RUNS) ? (m->run_steps == 0u || m->run_steps > 65535u) : (m->run_steps != 0u)) ||
        !(m->gate_low < 1.0f) || !tf_is_finite_f32(m->gate_low) || m->classifier > TF_CLASSIFIER_HE_NORMAL ||
        m->bias_init > TF_BIAS_UNIFORM || m->bias_clamp > 1u) {
        return TF_ERR_STATE;
    }
    for (l = 0; l < m->num_layers; l++) {
        const tf_layer *layer = &m->layers[l];
        const uint32_t inputs = (l == 0u) ? m->features : m->layers[l - 1u].units;
        const int he_normal = (m->classifier == TF_CLASSIFIER_HE_NORMAL);
        if (layer->row_bounds == NULL || layer->col_bounds == NULL ||
            (he_normal ? layer->classifier_weights == NULL : layer->classifier_bits == NULL) ||
            layer->weight_bits == NULL || layer->bias == NULL || layer->abs_sum == NULL) {
            return TF_ERR_NULL;
        }
        if (layer->inputs != inputs || layer->units < m->slices || layer->inputs < m->slices ||
            tf_check_layer_bounds(layer, m->slices) != TF_OK) {
            return TF_ERR_STATE;
        }
    }
    if (!tf_arena_layout_of(m, layout) || m->arena_floats < layout->floats ||
        m->bit_arena_words < layout->words) {
        return TF_ERR_STATE;
    }
    return TF_OK;
}

/*
 * The descriptor's hash (docs/runtime.md, "Descriptor check"): every field the generated code
 * sets — shape, constants, pointers, sizes, the store's functions and context, each layer's
 * fields and bounds — mixed word by word, (h ^ w) · 0x01000193 (each step is a bijection of h,
 * so a change of any one word always changes the hash). Not alpha, steps or the other
 * runtime-owned fields, which the runtime changes itself.
 */
static uint32_t tf_mix(uint32_t h, uint32_t w) { return (h ^ w) * 0x01000193u; }

static uint32_t tf_mix_bytes(uint32_t h, const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i += 4u) {
        uint32_t w = 0u;
        memcpy(&w, b + i, (n - i < 4u) ? n - i : 4u);
        h = tf_mix(h, w);
    }
    return h;
}

/* The model's own fields (nothing behind a pointer): compared first, so that the rest of the
 * check follows only pointers and counts that are still the checked ones. */
static uint32_t tf_head_hash(const tf_model *m) {
    uint32_t h = 0x811C9DC5u;
    h = tf_mix(h, (uint32_t)m->features | ((uint32_t)m->encoding << 16) | ((uint32_t)m->classes << 24));
    h = tf_mix(h, (uint32_t)m->num_layers | ((uint32_t)m->slices << 8) | ((uint32_t)m->optimizer << 16) |
                      ((uint32_t)m->schedule << 24));
    h = tf_mix(h, m->batch_size);
    h = tf_mix(h, m->input_scale);
    h = tf_mix(h, m->run_steps);
    h = tf_mix(h, m->seed);
    h = tf_mix(h, tf_f32_to_bits(m->gamma_in));
    h = tf_mix(h, tf_f32_to_bits(m->lr));
    h = tf_mix(h, tf_f32_to_bits(m->beta1));
    h = tf_mix(h, tf_f32_to_bits(m->beta2));
    h = tf_mix(h, tf_f32_to_bits(m->c1));
    h = tf_mix(h, tf_f32_to_bits(m->c2));
    h = tf_mix(h, tf_f32_to_bits(m->eps));
    h = tf_mix(h, tf_f32_to_bits(m->gate_low));
    h = tf_mix(h, (uint32_t)m->classifier | ((uint32_t)m->bias_init << 8) | ((uint32_t)m->bias_clamp << 16));
    h = tf_mix(h, m->epoch_steps);
    h = tf_mix(h, m->decay_steps);
    h = tf_mix_bytes(h, &m->layers, sizeof m->layers);
    h = tf_mix_bytes(h, &m->store, sizeof m->store);
    h = tf_mix_bytes(h, &m->arena, sizeof m->arena);
    h = tf_mix(h, m->arena_floats);
    h = tf_mix_bytes(h, &m->bit_arena, sizeof m->bit_arena);
    h = tf_mix(h, m->bit_arena_words);
    return h;
}

/* The fields of layer l, from h. */
static uint32_t tf_layer_hash(uint32_t h, const tf_layer *layer) {
    h = tf_mix(h, (uint32_t)layer->inputs | ((uint32_t)layer->units << 16));
    h = tf_mix(h, tf_f32_to_bits(layer->beta));
    h = tf_mix(h, tf_f32_to_bits(layer->omega));
    h = tf_mix(h, tf_f32_to_bits(layer->count));
    h = tf_mix_bytes(h, &layer->row_bounds, sizeof layer->row_bounds);
    h = tf_mix_bytes(h, &layer->col_bounds, sizeof layer->col_bounds);
    h = tf_mix_bytes(h, &layer->classifier_bits, sizeof layer->classifier_bits);
    h = tf_mix_bytes(h, &layer->classifier_weights, sizeof layer->classifier_weights);
    h = tf_mix_bytes(h, &layer->weight_bits, sizeof layer->weight_bits);
    h = tf_mix_bytes(h, &layer->bias, sizeof layer->bias);
    h = tf_mix_bytes(h, &layer->abs_sum, sizeof layer->abs_sum);
    return h;
}

/* The head, every layer, and the store's functions and context. */
static uint32_t tf_descriptor_hash(const tf_model *m, uint32_t head) {
    uint32_t h = head;
    uint32_t l;
    for (l = 0; l < m->num_layers; l++) {
        h = tf_layer_hash(h, &m->layers[l]);
    }
    h = tf_mix_bytes(h, &m->store->read, sizeof m->store->read);
    h = tf_mix_bytes(h, &m->store->write, sizeof m->store->write);
    h = tf_mix_bytes(h, &m->store->commit, sizeof m->store->commit);
    h = tf_mix_bytes(h, &m->store->discard, sizeof m->store->discard);
    h = tf_mix_bytes(h, &m->store->ctx, sizeof m->store->ctx);
    return h;
}

/* The fields that give the state its meaning and layout (docs/runtime.md, "Descriptor check"):
 * tf_accept_descriptor refuses to change them. */
static uint32_t tf_shape_hash(const tf_model *m) {
    uint32_t h = 0x811C9DC5u;
    uint32_t l;
    h = tf_mix(h, (uint32_t)m->features | ((uint32_t)m->encoding << 16) | ((uint32_t)m->classes << 24));
    h = tf_mix(h, (uint32_t)m->num_layers | ((uint32_t)m->slices << 8) | ((uint32_t)m->optimizer << 16) |
                      ((uint32_t)m->schedule << 24));
    h = tf_mix(h, m->batch_size);
    h = tf_mix(h, m->input_scale);
    h = tf_mix(h, m->run_steps);
    h = tf_mix(h, m->seed);
    h = tf_mix(h, tf_f32_to_bits(m->gamma_in));
    h = tf_mix(h, (uint32_t)m->classifier | ((uint32_t)m->bias_init << 8));
    h = tf_mix_bytes(h, &m->layers, sizeof m->layers);
    h = tf_mix_bytes(h, &m->arena, sizeof m->arena);
    for (l = 0; l < m->num_layers; l++) {
        h = tf_layer_hash(h, &m->layers[l]);
    }
    return h;
}

/* Keeps the descriptor's hashes: from now on every call compares them. */
static void tf_keep_descriptor(tf_model *m) {
    m->shape_check = tf_shape_hash(m);
    m->head_check = tf_head_hash(m);
    m->descriptor_check = tf_descriptor_hash(m, m->head_check);
}

/*
 * Every entry point that uses an initialised model starts here: TF_ERR_STATE if it is not
 * initialised, TF_ERR_DESCRIPTOR if the descriptor is not the one tf_init / tf_resume checked
 * (its pointers are compared before the hash follows them) or a runtime-owned field is out of
 * range.
 */
tf_status tf_check_model(const tf_model *m) {
    if (m->ready != 1u) {
        return TF_ERR_STATE;
    }
    if (m->layers == NULL || m->store == NULL || m->num_layers == 0u || m->batch_size == 0u ||
        m->batch_layer >= m->num_layers || m->batch_fill >= m->batch_size || m->run_layer >= m->num_layers ||
        (m->run_open != 0u && (m->run_open != 1u || m->schedule != TF_SCHEDULE_RUNS)) ||
        tf_head_hash(m) != m->head_check || tf_descriptor_hash(m, m->head_check) != m->descriptor_check) {
        return TF_ERR_DESCRIPTOR;
    }
    return TF_OK;
}

tf_status tf_accept_descriptor(tf_model *m) {
    tf_arena_layout lay;
    tf_status st;
    if (m == NULL) {
        return TF_ERR_NULL;
    }
    if (m->ready != 1u) {
        return TF_ERR_STATE;
    }
    st = tf_check_descriptor(m, &lay);
    if (st != TF_OK) {
        return st;
    }
    if (tf_shape_hash(m) != m->shape_check) {
        return TF_ERR_STATE; /* the state no longer fits the descriptor: tf_init or tf_resume */
    }
    m->head_check = tf_head_hash(m);
    m->descriptor_check = tf_descriptor_hash(m, m->head_check);
    return TF_OK;
}

/* ----------------------------------------------------------------------------------------- */
/* Store transactions                                                                          */
/* ----------------------------------------------------------------------------------------- */

static tf_status tf_store_commit(const tf_model *m, uint8_t layer) {
    if (m->store->commit == NULL) {
        return TF_OK;
    }
    return (m->store->commit(m->store->ctx, layer) == TF_OK) ? TF_OK : TF_ERR_STORE;
}

static void tf_store_discard(const tf_model *m, uint8_t layer) {
    if (m->store->discard != NULL) {
        m->store->discard(m->store->ctx, layer);
    }
}

static tf_status tf_store_read(const tf_model *m, uint8_t layer, uint32_t record, float *dst) {
    const uint32_t count = tf_record_floats(m, layer, record);
    return (m->store->read(m->store->ctx, layer, record, dst, count) == TF_OK) ? TF_OK : TF_ERR_STORE;
}

static tf_status tf_store_write(const tf_model *m, uint8_t layer, uint32_t record, const float *src) {
    const uint32_t count = tf_record_floats(m, layer, record);
    return (m->store->write(m->store->ctx, layer, record, src, count) == TF_OK) ? TF_OK : TF_ERR_STORE;
}

/*
 * The model check word of the meta records (docs/runtime.md, "Weight store"): CRC-32 of the
 * descriptor fields that give a stored state its meaning, as little-endian uint32 words; 1
 * instead of 0, so that a zeroed record never carries it.
 */
static uint32_t tf_model_check(const tf_model *m) {
    const uint32_t head[17] = {
        m->features, m->encoding, m->classes, m->num_layers, m->slices, m->optimizer,
        (uint32_t)m->schedule | ((uint32_t)m->input_scale << 8),
        m->batch_size, m->seed, tf_f32_to_bits(m->gamma_in), tf_f32_to_bits(m->lr), tf_f32_to_bits(m->beta1),
        tf_f32_to_bits(m->beta2), tf_f32_to_bits(m->c1), tf_f32_to_bits(m->c2), tf_f32_to_bits(m->eps),
        tf_f32_to_bits(m->gate_low),
    };
    uint32_t crc = 0u;
    uint32_t i;
    for (i = 0; i < 17u; i++) {
        crc = tf_crc32_u32_le(crc, head[i]);
    }
    /* The options of the authors' variant enter only when set, so that every other model keeps
     * its check word (and its stores stay valid). */
    if (m->classifier != TF_CLASSIFIER_SIGN || m->bias_init != TF_BIAS_ZERO || m->bias_clamp != 0u) {
        crc = tf_crc32_u32_le(crc, (uint32_t)m->classifier | ((uint32_t)m->bias_init << 8) | ((uint32_t)m->bias_clamp << 16));
    }
    if (m->schedule == TF_SCHEDULE_RUNS) {
        crc = tf_crc32_u32_le(crc, m->run_steps); /* the other schedules' words are unchanged */
    }
    if (m->decay_steps != 0u) {
        crc = tf_crc32_u32_le(crc, m->decay_steps); /* a state trained under a decay continues only under it */
    }
    for (i = 0; i < m->num_layers; i++) {
        const tf_layer *layer = &m->layers[i];
        crc = tf_crc32_u32_le(crc, layer->inputs);
        crc = tf_crc32_u32_le(crc, layer->units);
        crc = tf_crc32_u32_le(crc, tf_f32_to_bits(layer->beta));
        crc = tf_crc32_u32_le(crc, tf_f32_to_bits(layer->omega));
        crc = tf_crc32_u32_le(crc, tf_f32_to_bits(layer->count));
    }
    return (crc == 0u) ? 1u : crc;
}

/* Writes layer l's meta record: n_l and the model check word, as float bit patterns. */
static tf_status tf_store_write_meta(const tf_model *m, uint8_t l, uint32_t steps, uint32_t check) {
    float meta[TF_META_FLOATS];
    meta[0] = tf_f32_from_bits(steps);
    meta[1] = tf_f32_from_bits(check);
    return tf_store_write(m, l, (uint32_t)m->slices * m->slices + 1u, meta);
}

/*
 * Recomputes a layer's derived state from the store. Used after a failed write: the store's
 * discard has dropped the staged writes (or, for a write-through store, some were applied),
 * and the bits, absSum and α must describe whatever the store now holds.
 */
static tf_status tf_rederive_layer(tf_model *m, const tf_arena_layout *lay, uint8_t l) {
    tf_layer *layer = &m->layers[l];
    float *rec = m->arena + lay->record;
    float *brec = m->arena + lay->bias_record;
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    uint32_t k;
    for (k = 0; k < blocks; k++) {
        const tf_block b = tf_block_of(layer, m->slices, k);
        if (tf_store_read(m, l, k, rec) != TF_OK) {
            return TF_ERR_STORE;
        }
        tf_block_derive_f32(rec, b.row0, b.rows, b.col0, b.cols, layer->weight_bits, tf_words_for(layer->inputs),
                            &layer->abs_sum[k]);
    }
    layer->alpha = tf_alpha_fix(layer->abs_sum, blocks, layer->count);
    if (tf_store_read(m, l, blocks, brec) != TF_OK) {
        return TF_ERR_STORE;
    }
    memcpy(layer->bias, brec, (size_t)layer->units * sizeof(float));
    return TF_OK;
}

static tf_status tf_fail_store(tf_model *m, const tf_arena_layout *lay, uint8_t l) {
    tf_store_discard(m, l);
    if (tf_rederive_layer(m, lay, l) != TF_OK) {
        m->ready = 0u; /* the RAM state can no longer be trusted: tf_init again */
    }
    return TF_ERR_STORE;
}

/* ----------------------------------------------------------------------------------------- */
/* Initialisation (§5, §6)                                                                     */
/* ----------------------------------------------------------------------------------------- */

/* The Adam tail of a fresh record: m = v = +0 after the n values, then p1 = p2 = 1. */
static void tf_fresh_adam_tail(const tf_model *m, float *rec, uint32_t n) {
    uint32_t i;
    if (m->optimizer != TF_OPTIMIZER_ADAM) {
        return;
    }
    for (i = n; i < 3u * n; i++) {
        rec[i] = 0.0f;
    }
    rec[3u * n] = 1.0f;
    rec[3u * n + 1u] = 1.0f;
}

/* §5.1 classifier signs (or he-normal entries): one stream over all layers, classes, units. */
static void tf_make_classifiers(tf_model *m) {
    tf_rng rng;
    uint32_t l;
    tf_rng_seed(&rng, m->seed, TF_STREAM_CLASSIFIER);
    for (l = 0; l < m->num_layers; l++) {
        const tf_layer *layer = &m->layers[l];
        const uint32_t row_words = tf_words_for(layer->units);
        uint32_t c;
        if (m->classifier == TF_CLASSIFIER_HE_NORMAL) {
            const uint32_t n = (uint32_t)m->classes * layer->units;
            uint32_t e;
            for (e = 0; e < n; e++) {
                layer->classifier_weights[e] = tf_rng_normal(&rng) * layer->beta;
            }
            continue;
        }
        tf_bits_zero(layer->classifier_bits, m->classes * row_words);
        for (c = 0; c < m->classes; c++) {
            uint32_t i;
            for (i = 0; i < layer->units; i++) {
                if ((tf_rng_next(&rng) >> 31) != 0u) {
                    tf_bit_set(layer->classifier_bits + c * row_words, i);
                }
            }
        }
    }
}

/* Writes every record of layer l for tf_init (§5.2–5) and computes its derived state (§6). */
static tf_status tf_init_layer(tf_model *m, const tf_arena_layout *lay, tf_rng *rng, tf_rng *bias_rng, uint8_t l,
                               uint32_t check) {
    tf_layer *layer = &m->layers[l];
    const uint32_t row_words = tf_words_for(layer->inputs);
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    float *rec = m->arena + lay->record;
    float *brec = m->arena + lay->bias_record;
    uint32_t k;
    uint32_t j;
    tf_bits_zero(layer->weight_bits, layer->units * row_words);
    for (k = 0; k < blocks; k++) {
        const tf_block b = tf_block_of(layer, m->slices, k);
        uint32_t e;
        for (e = 0; e < b.size; e++) {
            rec[e] = (tf_rng_uniform(rng) * 2.0f - 1.0f) * layer->omega;
        }
        tf_fresh_adam_tail(m, rec, b.size);
        if (tf_store_write(m, l, k, rec) != TF_OK) {
            return TF_ERR_STORE;
        }
        tf_block_derive_f32(rec, b.row0, b.rows, b.col0, b.cols, layer->weight_bits, row_words, &layer->abs_sum[k]);
    }
    layer->alpha = tf_alpha_fix(layer->abs_sum, blocks, layer->count);
    for (j = 0; j < layer->units; j++) {
        brec[j] = (m->bias_init == TF_BIAS_UNIFORM) ? (tf_rng_uniform(bias_rng) * 2.0f - 1.0f) * layer->omega : 0.0f;
        layer->bias[j] = brec[j];
    }
    tf_fresh_adam_tail(m, brec, layer->units);
    if (tf_store_write(m, l, blocks, brec) != TF_OK || tf_store_write_meta(m, l, 0u, check) != TF_OK) {
        return TF_ERR_STORE;
    }
    layer->steps = 0u;
    return TF_OK;
}

tf_status tf_init(tf_model *m) {
    tf_arena_layout lay;
    tf_rng rng;
    tf_rng bias_rng;
    tf_status st;
    uint32_t check;
    uint32_t l;
    if (m == NULL) {
        return TF_ERR_NULL;
    }
    m->ready = 0u;
    m->batch_fill = 0u;
    m->batch_layer = 0u;
    m->run_open = 0u;
    m->run_layer = 0u;
    if (tf_numerics_faults() != 0u) {
        return TF_ERR_NUMERICS;
    }
    st = tf_check_descriptor(m, &lay);
    if (st != TF_OK) {
        return st;
    }
    check = tf_model_check(m);
    tf_make_classifiers(m);

    /* §5.2 latent weights (one stream over all layers and blocks), §5.3–5 and §6; every record
     * of every layer in one store transaction. */
    tf_rng_seed(&rng, m->seed, TF_STREAM_WEIGHTS);
    tf_rng_seed(&bias_rng, m->seed, TF_STREAM_BIAS);
    for (l = 0; l < m->num_layers; l++) {
        if (tf_init_layer(m, &lay, &rng, &bias_rng, (uint8_t)l, check) != TF_OK) {
            tf_store_discard(m, (uint8_t)TF_STORE_ALL_LAYERS);
            return TF_ERR_STORE;
        }
    }
    if (tf_store_commit(m, (uint8_t)TF_STORE_ALL_LAYERS) != TF_OK) {
        tf_store_discard(m, (uint8_t)TF_STORE_ALL_LAYERS);
        return TF_ERR_STORE;
    }
    tf_keep_descriptor(m);
    m->ready = 1u;
    return TF_OK;
}

/* ----------------------------------------------------------------------------------------- */
/* Resume                                                                                      */
/* ----------------------------------------------------------------------------------------- */

/* Reads layer l's meta record: *found = 1 if it carries `check`, and *steps = n_l. */
static tf_status tf_read_meta(const tf_model *m, uint8_t l, uint32_t check, int *found, uint32_t *steps) {
    float meta[TF_META_FLOATS];
    if (tf_store_read(m, l, (uint32_t)m->slices * m->slices + 1u, meta) != TF_OK) {
        return TF_ERR_STORE;
    }
    *found = (tf_f32_to_bits(meta[1]) == check);
    *steps = tf_f32_to_bits(meta[0]);
    return TF_OK;
}

tf_status tf_resume(tf_model *m, int *out_resumed) {
    tf_arena_layout lay;
    tf_status st;
    uint32_t check;
    uint32_t l;
    if (out_resumed != NULL) {
        *out_resumed = 0;
    }
    if (m == NULL) {
        return TF_ERR_NULL;
    }
    if (tf_numerics_faults() != 0u) {
        return TF_ERR_NUMERICS;
    }
    st = tf_check_descriptor(m, &lay);
    if (st != TF_OK) {
        return st;
    }
    check = tf_model_check(m);
    /* Read and check everything first (only arena scratch is written): a failure changes nothing. */
    for (l = 0; l < m->num_layers; l++) {
        const uint32_t records = (uint32_t)m->slices * m->slices + 1u;
        int found = 0;
        uint32_t steps = 0u;
        uint32_t r;
        if (tf_read_meta(m, (uint8_t)l, check, &found, &steps) != TF_OK) {
            return TF_ERR_STORE;
        }
        if (!found) {
            return TF_OK; /* no state of this model: the caller runs tf_init */
        }
        for (r = 0; r < records; r++) {
            float *dst = (r + 1u < records) ? m->arena + lay.record : m->arena + lay.bias_record;
            if (tf_store_read(m, (uint8_t)l, r, dst) != TF_OK) {
                return TF_ERR_STORE;
            }
        }
    }
    m->ready = 0u;
    m->batch_fill = 0u;
    m->run_open = 0u; /* steps of a run not written back are lost: resume at the last commit (§8.12) */
    m->run_layer = 0u;
    tf_make_classifiers(m);
    for (l = 0; l < m->num_layers; l++) {
        int found = 0;
        uint32_t steps = 0u;
        tf_bits_zero(m->layers[l].weight_bits, m->layers[l].units * tf_words_for(m->layers[l].inputs));
        if (tf_rederive_layer(m, &lay, (uint8_t)l) != TF_OK ||
            tf_read_meta(m, (uint8_t)l, check, &found, &steps) != TF_OK || !found) {
            return TF_ERR_STORE; /* left not initialised */
        }
        m->layers[l].steps = steps;
    }
    tf_keep_descriptor(m);
    m->ready = 1u;
    if (out_resumed != NULL) {
        *out_resumed = 1;
    }
    return TF_OK;
}

/* ----------------------------------------------------------------------------------------- */
/* Forward (§7)                                                                                */
/* ----------------------------------------------------------------------------------------- */

typedef struct tf_forward {
    tf_input in;   /* input of the last layer computed */
    tf_word *out;  /* its output bits */
    float gamma;   /* its output scale γ_l */
    float *logits; /* its classifier logits a_c */
} tf_forward;

static tf_status tf_check_input(const tf_model *m, const uint8_t *x) {
    if (m->encoding == TF_ENCODING_BITS) {
        uint32_t i;
        for (i = 0; i < m->features; i++) {
            if (x[i] > 1u) {
                return TF_ERR_INPUT;
            }
        }
    }
    return TF_OK;
}

/* Layers 0..upto and the classifier of layer upto. Touches only the arena. */
static tf_status tf_forward_to(const tf_model *m, const tf_arena_layout *lay, uint8_t upto, const uint8_t *x,
                               tf_forward *f) {
    float *z = m->arena + lay->z;
    tf_word *va = m->bit_arena;
    tf_word *vb = m->bit_arena + lay->vec_words;
    tf_word *out = va;
    float gamma = 0.0f;
    tf_input in;
    uint32_t l;
    in.count = m->features;
    in.gamma = m->gamma_in;
    if (m->encoding == TF_ENCODING_BITS) {
        tf_pack_bits_u8(x, m->features, va);
        in.bytes = NULL;
        in.bits = va;
        in.total = tf_bits_ones(va, m->features);
    } else {
        int32_t total = 0;
        uint32_t i;
        for (i = 0; i < m->features; i++) {
            total += (int32_t)x[i];
        }
        in.bytes = x;
        in.bits = NULL;
        in.total = total;
    }
    for (l = 0; l <= upto; l++) {
        const tf_layer *layer = &m->layers[l];
        tf_dense_f32(layer->weight_bits, layer->units, &in, layer->alpha, layer->bias, z);
        if (!tf_all_finite_f32(z, layer->units)) {
            return TF_ERR_NONFINITE;
        }
        out = (in.bits == va) ? vb : va;
        tf_binarize_f32(z, layer->units, out, &gamma);
        if (!tf_is_finite_f32(gamma)) {
            return TF_ERR_NONFINITE;
        }
        if (l < upto) {
            in.bytes = NULL;
            in.bits = out;
            in.count = layer->units;
            in.total = tf_bits_ones(out, layer->units);
            in.gamma = (m->input_scale == TF_INPUT_SCALE_LAYER) ? gamma : 1.0f;
        }
    }
    f->in = in;
    f->out = out;
    f->gamma = gamma;
    f->logits = m->arena + lay->logits;
    if (m->classifier == TF_CLASSIFIER_HE_NORMAL) {
        tf_classifier_dense_f32(m->layers[upto].classifier_weights, m->classes, out, m->layers[upto].units, gamma,
                                f->logits);
    } else {
        tf_classifier_f32(m->layers[upto].classifier_bits, m->classes, out, m->layers[upto].units, gamma,
                          m->layers[upto].beta, f->logits);
    }
    if (!tf_all_finite_f32(f->logits, m->classes)) {
        return TF_ERR_NONFINITE;
    }
    return TF_OK;
}

/* The checks every prediction makes (descriptor, layer, input), then the forward pass to `layer`. */
static tf_status tf_predict_forward(const tf_model *m, uint8_t layer, const uint8_t *x, tf_forward *f) {
    tf_arena_layout lay;
    tf_status st = tf_check_model(m);
    if (st != TF_OK) {
        return st;
    }
    if (layer >= m->num_layers || !tf_arena_layout_of(m, &lay)) {
        return TF_ERR_STATE;
    }
    st = tf_check_input(m, x);
    if (st != TF_OK) {
        return st;
    }
    return tf_forward_to(m, &lay, layer, x, f);
}

tf_status tf_predict(const tf_model *m, uint8_t layer, const uint8_t *x, uint8_t *out_class) {
    tf_forward f;
    tf_status st;
    if (m == NULL || x == NULL || out_class == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_predict_forward(m, layer, x, &f);
    if (st != TF_OK) {
        return st;
    }
    *out_class = tf_argmax_f32(f.logits, m->classes);
    return TF_OK;
}

/* ----------------------------------------------------------------------------------------- */
/* Update step (§8.8–11)                                                                       */
/* ----------------------------------------------------------------------------------------- */

/* Record r (a block or the bias) of layer l as the state holds it: the open run's copy in the
 * arena (§8.12), or the store's. */
static tf_status tf_load_record(const tf_model *m, const tf_arena_layout *lay, uint8_t l, uint32_t r, float *dst) {
    if (tf_run_holds(m, l, r)) {
        const uint32_t blocks = (uint32_t)m->slices * m->slices;
        memcpy(dst, m->arena + ((r == blocks) ? lay->run_bias : lay->run_block),
               (size_t)tf_record_floats(m, l, r) * sizeof(float));
        return TF_OK;
    }
    return tf_store_read(m, l, r, dst);
}

/* Schedule runs (§8.12): writes the open run's block and bias records and the meta record, and
 * commits. On a store failure the transaction is discarded and the run stays open. */
static tf_status tf_run_write_back(tf_model *m, const tf_arena_layout *lay) {
    const uint8_t l = m->run_layer;
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    if (m->run_open == 0u) {
        return TF_OK;
    }
    if (tf_store_write(m, l, tf_step_block(m, m->layers[l].steps), m->arena + lay->run_block) != TF_OK ||
        tf_store_write(m, l, blocks, m->arena + lay->run_bias) != TF_OK ||
        tf_store_write_meta(m, l, m->layers[l].steps, tf_model_check(m)) != TF_OK || tf_store_commit(m, l) != TF_OK) {
        tf_store_discard(m, l);
        return TF_ERR_STORE;
    }
    m->run_open = 0u;
    return TF_OK;
}

tf_status tf_flush(tf_model *m) {
    tf_arena_layout lay;
    tf_status st;
    if (m == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_check_model(m);
    if (st != TF_OK) {
        return st;
    }
    if (!tf_arena_layout_of(m, &lay)) {
        return TF_ERR_STATE;
    }
    return tf_run_write_back(m, &lay);
}

/* Where the averaged gradient ḡ = div(G, f32(B)) of the step comes from. */
typedef struct tf_grad_source {
    const float *acc_block; /* batch > 1: G of the block being updated */
    const float *acc_bias;  /* batch > 1: G of the bias */
    const float *dz;        /* batch 1: G = add(+0, mul(δz_j, h_i)), G_j = add(+0, δz_j) */
    float *slots_acc;       /* schedule all, batch > 1: acc_block, formed per block from the samples' slots */
    const tf_input *in;
    float batch;            /* f32(B) */
    float lr;               /* the step's learning rate lr_n (§8.10, tf_step_lr) */
} tf_grad_source;

/*
 * The learning rate of the layer's next update step (§8.10): lr_n = div(lr, add(f32(floor(n_l /
 * H)), 1)) with H = decay_steps, or lr itself when H = 0.
 */
static float tf_step_lr(const tf_model *m, const tf_layer *layer) {
    if (m->decay_steps == 0u) {
        return m->lr;
    }
    return m->lr / ((float)(layer->steps / m->decay_steps) + 1.0f);
}

/* Advances the record's Adam powers (§8.10) and returns the coefficients of this update. */
static tf_adam_coef tf_adam_begin(const tf_model *m, float lr, float *rec, uint32_t n) {
    tf_adam_coef k;
    rec[3u * n] = rec[3u * n] * m->beta1;
    rec[3u * n + 1u] = rec[3u * n + 1u] * m->beta2;
    k.lr = lr;
    k.beta1 = m->beta1;
    k.beta2 = m->beta2;
    k.c1 = m->c1;
    k.c2 = m->c2;
    k.eps = m->eps;
    k.d1 = 1.0f - rec[3u * n];
    k.d2 = 1.0f - rec[3u * n + 1u];
    return k;
}

/*
 * The new block record k in place (weights clamped); 1 if every value is finite. When `bits`
 * is not NULL (SGD with batch 1, the pass that writes, see tf_apply_step) it also writes the
 * new weight bits of the columns it changes (the layer's bit matrix) and gives the block's new
 * absSum in *abs_sum, kept incrementally from the layer's (§6: + fix(w') − fix(w) for each
 * weight the step changes); the kernel's finiteness check is on the weights it writes (an
 * unchanged weight was committed finite).
 */
static int tf_update_block(const tf_model *m, uint8_t l, uint32_t k, float *rec, const tf_grad_source *g,
                           tf_word *bits, uint64_t *abs_sum) {
    const tf_block b = tf_block_of(&m->layers[l], m->slices, k);
    const int adam = (m->optimizer == TF_OPTIMIZER_ADAM);
    tf_adam_coef coef;
    uint32_t e = 0;
    uint32_t r;
    memset(&coef, 0, sizeof coef);
    if (adam) {
        coef = tf_adam_begin(m, g->lr, rec, b.size);
    }
    if (bits != NULL) {
        *abs_sum = m->layers[l].abs_sum[k];
        return TF_SGD_BLOCK_BITS(rec, g->dz, b.row0, b.rows, g->in, b.col0, b.cols, g->lr, bits,
                                 tf_words_for(m->layers[l].inputs), abs_sum);
    }
    for (r = 0; r < b.rows; r++) {
        const uint32_t j = b.row0 + r;
        uint32_t c;
        if (!adam && g->acc_block == NULL) {
            /* SGD, batch 1. δz_j = ±0: every ḡ of the row is +0 and sub(w, +0) = w, which is
             * already inside [−1, 1], so the row is unchanged (exact; h_i is finite). */
            if (g->dz[j] != 0.0f) {
                TF_SGD_ROW(rec + e, b.cols, g->dz[j], g->in, b.col0, g->lr);
            }
            e += b.cols;
            continue;
        }
        for (c = 0; c < b.cols; c++, e++) {
            const float acc = (g->acc_block != NULL) ? g->acc_block[e]
                                                     : 0.0f + g->dz[j] * tf_input_h_f32(g->in, b.col0 + c);
            const float gbar = acc / g->batch;
            const float w = adam ? tf_adam_f32(rec[e], &rec[b.size + e], &rec[2u * b.size + e], gbar, &coef)
                                 : tf_sgd_f32(rec[e], gbar, g->lr);
            rec[e] = tf_clamp1_f32(w);
        }
    }
    return tf_all_finite_f32(rec, tf_record_floats(m, l, k));
}

/* SGD with batch 1: the step writes the weight bits while it updates (tf_update_block). */
static int tf_step_sets_bits(const tf_model *m, const tf_grad_source *g) {
    return m->optimizer == TF_OPTIMIZER_SGD && g->acc_block == NULL;
}

/* The new bias record in place (clamped only with bias_clamp, §8.10); 1 if every value is finite. */
static int tf_update_bias(const tf_model *m, const tf_layer *layer, float *rec, const tf_grad_source *g) {
    const uint32_t n = layer->units;
    const int adam = (m->optimizer == TF_OPTIMIZER_ADAM);
    tf_adam_coef coef;
    uint32_t j;
    memset(&coef, 0, sizeof coef);
    if (adam) {
        coef = tf_adam_begin(m, g->lr, rec, n);
    }
    for (j = 0; j < n; j++) {
        const float acc = (g->acc_bias != NULL) ? g->acc_bias[j] : 0.0f + g->dz[j];
        const float gbar = acc / g->batch;
        rec[j] = adam ? tf_adam_f32(rec[j], &rec[n + j], &rec[2u * n + j], gbar, &coef) : tf_sgd_f32(rec[j], gbar, g->lr);
        if (m->bias_clamp != 0u) {
            rec[j] = tf_clamp1_f32(rec[j]);
        }
    }
    return tf_all_finite_f32(rec, (adam ? 3u * n + 2u : n));
}

/*
 * Schedule `all` with SGD (batch 1): 1 if a bound proves every new weight of the step finite,
 * so the step needs no checking pass. With |δz_j| ≤ D, |h_i| ≤ H = mul(γ_in, f32(q_max)) and
 * |w| ≤ 1 (weights are clamped), rounding being monotonic gives
 * |sub(w, mul(lr, add(+0, mul(δz_j, h_i))))| ≤ add(1, mul(lr, mul(D, H))) =: B,
 * so B finite means no new weight is Inf or NaN. The bound only decides how many passes are
 * made; the values written are the same either way (docs/runtime.md, "Update step").
 */
static int tf_sgd_step_bounded(const tf_model *m, const tf_layer *layer, const tf_grad_source *g) {
    const float q_max = (g->in->bytes != NULL) ? 255.0f : 1.0f;
    float d_max = 0.0f;
    float bound;
    uint32_t j;
    if (m->optimizer != TF_OPTIMIZER_SGD || g->dz == NULL || g->acc_block != NULL || !tf_is_finite_f32(g->in->gamma)) {
        return 0;
    }
    for (j = 0; j < layer->units; j++) {
        const float a = tf_abs_f32(g->dz[j]);
        if (!tf_is_finite_f32(a)) {
            return 0;
        }
        if (a > d_max) {
            d_max = a;
        }
    }
    bound = 1.0f + g->lr * (d_max * (tf_abs_f32(g->in->gamma) * q_max));
    return tf_is_finite_f32(bound);
}

/*
 * Schedule all with batch > 1: G of block k (§8.8), the reduction over the batch's samples in
 * arrival order, from each sample's slot (δz, γ_in, input), into g->slots_acc — the same sums
 * tf_train_sample forms sample by sample for the one block of the other schedules.
 */
static void tf_slots_block_grad(tf_model *m, const tf_arena_layout *lay, uint8_t l, uint32_t k, const tf_grad_source *g) {
    const tf_layer *layer = &m->layers[l];
    const tf_block b = tf_block_of(layer, m->slices, k);
    const int bytes = (l == 0u && m->encoding == TF_ENCODING_U8);
    uint32_t s;
    uint32_t e;
    if (g->slots_acc == NULL) {
        return;
    }
    for (e = 0; e < b.size; e++) {
        g->slots_acc[e] = 0.0f;
    }
    for (s = 0; s < m->batch_size; s++) {
        const float *slot = m->arena + lay->batch_slots + s * lay->slot_floats;
        tf_input in;
        in.count = layer->inputs;
        in.total = 0;
        in.gamma = slot[lay->units_max];
        if (bytes) {
            in.bytes = (const uint8_t *)(slot + lay->units_max + 1u);
            in.bits = NULL;
        } else {
            memcpy(m->bit_arena, slot + lay->units_max + 1u, (size_t)tf_words_for(layer->inputs) * sizeof(tf_word));
            in.bytes = NULL;
            in.bits = m->bit_arena;
        }
        tf_block_grad_acc_f32(g->slots_acc, slot, b.row0, b.rows, &in, b.col0, b.cols);
    }
}

/* A failed write of a step. When the step closed a run whose earlier steps were only in the
 * arena, the store is behind the RAM state: the model is left uninitialised, and tf_resume
 * restarts at the last commit (§8.12). */
static tf_status tf_fail_run_store(tf_model *m, const tf_arena_layout *lay, uint8_t l, int was_open) {
    if (was_open) {
        tf_store_discard(m, l);
        m->run_open = 0u;
        m->ready = 0u;
        return TF_ERR_STORE;
    }
    return tf_fail_store(m, lay, l);
}

/*
 * One update step of layer l. Every new value is checked before anything is written (§8.11):
 * the bias record is computed first and kept in the arena; with several blocks (schedule
 * `all`) a first pass computes and checks every block without writing, and the second pass
 * computes them again (same inputs, same results) and writes them. The first pass is skipped
 * when tf_sgd_step_bounded proves that no block can come out non-finite.
 */
static tf_status tf_apply_step(tf_model *m, const tf_arena_layout *lay, uint8_t l, const tf_grad_source *g) {
    tf_layer *layer = &m->layers[l];
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    /* `all` and `freeze-diagonal` walk every block; `cyclic` and `runs` one (§8.9). */
    const int every = (m->schedule == TF_SCHEDULE_ALL) || (m->schedule == TF_SCHEDULE_FREEZE_DIAGONAL);
    const uint32_t first = every ? 0u : tf_step_block(m, layer->steps);
    const uint32_t count = every ? blocks : 1u;
    /* freeze-diagonal (§8.9): block e·M + e stays as it is, e = floor(n_l / E) mod M. */
    const uint32_t frozen = (m->schedule == TF_SCHEDULE_FREEZE_DIAGONAL)
                                ? ((layer->steps / m->epoch_steps) % m->slices) * (m->slices + 1u)
                                : blocks;
    const uint32_t written_first = (frozen == first) ? first + 1u : first;
    /* Schedule runs (§8.12): a step that does not end its run keeps its records in the arena. */
    const int keep = (m->schedule == TF_SCHEDULE_RUNS) && ((layer->steps + 1u) % m->run_steps != 0u);
    const int was_open = tf_run_holds(m, l, blocks);
    const uint32_t row_words = tf_words_for(layer->inputs);
    float *rec = m->arena + lay->record;
    float *brec = m->arena + lay->bias_record;
    tf_word *bits = tf_step_sets_bits(m, g) ? layer->weight_bits : NULL;
    uint64_t abs_sum = 0u;
    uint32_t k;

    if (tf_load_record(m, lay, l, blocks, brec) != TF_OK) {
        return TF_ERR_STORE;
    }
    if (!tf_update_bias(m, layer, brec, g)) {
        return TF_ERR_NONFINITE;
    }
    if (count > 1u && !tf_sgd_step_bounded(m, layer, g)) {
        for (k = first; k < first + count; k++) {
            if (k == frozen) {
                continue;
            }
            if (tf_store_read(m, l, k, rec) != TF_OK) {
                return TF_ERR_STORE;
            }
            tf_slots_block_grad(m, lay, l, k, g);
            if (!tf_update_block(m, l, k, rec, g, NULL, &abs_sum)) {
                return TF_ERR_NONFINITE;
            }
        }
    }
    for (k = first; k < first + count; k++) {
        const tf_block b = tf_block_of(layer, m->slices, k);
        if (k == frozen) {
            continue;
        }
        if (tf_load_record(m, lay, l, k, rec) != TF_OK) {
            return (k == written_first) ? TF_ERR_STORE : tf_fail_store(m, lay, l);
        }
        tf_slots_block_grad(m, lay, l, k, g);
        if (!tf_update_block(m, l, k, rec, g, bits, &abs_sum)) {
            if (k == written_first) {
                /* Nothing written yet; the bits this pass set go back to the stored block's. */
                if (bits != NULL) {
                    if (tf_load_record(m, lay, l, k, rec) != TF_OK) {
                        m->ready = 0u;
                        return TF_ERR_STORE;
                    }
                    tf_block_derive_f32(rec, b.row0, b.rows, b.col0, b.cols, bits, row_words, &abs_sum);
                }
                return TF_ERR_NONFINITE;
            }
            /* A later block after a bounded first one: only if the store held a non-finite
             * weight, which the runtime never writes. The step cannot be undone in place. */
            tf_store_discard(m, l);
            m->ready = 0u;
            return TF_ERR_NONFINITE;
        }
        if (keep) {
            memcpy(m->arena + lay->run_block, rec, (size_t)tf_record_floats(m, l, k) * sizeof(float));
        } else if (tf_store_write(m, l, k, rec) != TF_OK) {
            return tf_fail_run_store(m, lay, l, was_open);
        }
        if (bits != NULL) {
            layer->abs_sum[k] = abs_sum;
        } else {
            tf_block_derive_f32(rec, b.row0, b.rows, b.col0, b.cols, layer->weight_bits, row_words,
                                &layer->abs_sum[k]);
        }
    }
    if (keep) {
        memcpy(m->arena + lay->run_bias, brec, (size_t)tf_record_floats(m, l, blocks) * sizeof(float));
        m->run_open = 1u;
        m->run_layer = l;
    } else if (tf_store_write(m, l, blocks, brec) != TF_OK ||
               tf_store_write_meta(m, l, layer->steps + 1u, tf_model_check(m)) != TF_OK ||
               tf_store_commit(m, l) != TF_OK) {
        return tf_fail_run_store(m, lay, l, was_open);
    } else {
        m->run_open = 0u;
    }
    layer->alpha = tf_alpha_fix(layer->abs_sum, blocks, layer->count);
    memcpy(layer->bias, brec, (size_t)layer->units * sizeof(float));
    layer->steps++;
    return TF_OK;
}

/* ----------------------------------------------------------------------------------------- */
/* Training (§8)                                                                               */
/* ----------------------------------------------------------------------------------------- */

tf_status tf_train_sample(tf_model *m, uint8_t l, const uint8_t *x, uint8_t label) {
    tf_arena_layout lay;
    tf_forward f;
    tf_grad_source g;
    tf_status st;
    const tf_layer *layer;
    float *dz;
    uint32_t later;
    if (m == NULL || x == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_check_model(m);
    if (st != TF_OK) {
        return st;
    }
    if (l >= m->num_layers || !tf_arena_layout_of(m, &lay)) {
        return TF_ERR_STATE;
    }
    if (label >= m->classes) {
        return TF_ERR_LABEL;
    }
    if (m->batch_fill > 0u && m->batch_layer != l) {
        return TF_ERR_STATE;
    }
    for (later = (uint32_t)l + 1u; later < m->num_layers; later++) {
        if (m->layers[later].steps > 0u) {
            return TF_ERR_STATE; /* layer l is frozen */
        }
    }
    st = tf_check_input(m, x);
    if (st != TF_OK) {
        return st;
    }
    if (m->run_open != 0u && m->run_layer != l) {
        st = tf_run_write_back(m, &lay); /* another layer's open run reaches the store first (§8.12) */
        if (st != TF_OK) {
            return st;
        }
    }
    st = tf_forward_to(m, &lay, l, x, &f);
    if (st != TF_OK) {
        return st;
    }
    layer = &m->layers[l];
    dz = m->arena + lay.z;
    tf_softmax_f32(f.logits, m->classes);
    if (m->classifier == TF_CLASSIFIER_HE_NORMAL) {
        tf_local_delta_dense_f32(f.logits, m->classes, label, layer->classifier_weights, layer->units, m->gate_low, dz);
    } else {
        TF_LOCAL_DELTA(f.logits, m->classes, label, layer->classifier_bits, layer->units, layer->beta,
                           m->gate_low, dz);
    }

    if (f.in.bytes != NULL) {
        /* u8 input (layer 0): the bit vector of q_i ≠ 0 for the update's kernels, in the bit
         * arena's second vector, which layer 0's forward leaves unused. */
        f.in.bits = m->bit_arena + lay.vec_words;
        tf_pack_bits_u8(f.in.bytes, f.in.count, m->bit_arena + lay.vec_words);
    }
    g.in = &f.in;
    g.dz = dz;
    g.batch = (float)m->batch_size;
    g.acc_block = NULL;
    g.acc_bias = NULL;
    g.slots_acc = NULL;
    if (m->batch_size > 1u) {
        /* One block, the step's block; schedule all keeps the sample in its slot instead. */
        const int slots = (m->schedule == TF_SCHEDULE_ALL);
        const tf_block b = tf_block_of(layer, m->slices, slots ? 0u : tf_step_block(m, layer->steps));
        float *acc_block = m->arena + lay.acc_block;
        float *acc_bias = m->arena + lay.acc_bias;
        uint32_t j;
        if (m->batch_fill == 0u) {
            for (j = 0; j < b.size; j++) {
                acc_block[j] = 0.0f;
            }
            for (j = 0; j < layer->units; j++) {
                acc_bias[j] = 0.0f;
            }
            m->batch_layer = l;
        }
        if (slots) {
            float *slot = m->arena + lay.batch_slots + (uint32_t)m->batch_fill * lay.slot_floats;
            memcpy(slot, dz, (size_t)layer->units * sizeof(float));
            slot[lay.units_max] = f.in.gamma;
            if (f.in.bytes != NULL) {
                memcpy(slot + lay.units_max + 1u, f.in.bytes, (size_t)f.in.count);
            } else {
                memcpy(slot + lay.units_max + 1u, f.in.bits, (size_t)tf_words_for(f.in.count) * sizeof(tf_word));
            }
            g.slots_acc = acc_block;
        } else {
            tf_block_grad_acc_f32(acc_block, dz, b.row0, b.rows, &f.in, b.col0, b.cols);
        }
        for (j = 0; j < layer->units; j++) {
            acc_bias[j] = acc_bias[j] + dz[j];
        }
        m->batch_fill++;
        if (m->batch_fill < m->batch_size) {
            return TF_OK;
        }
        m->batch_fill = 0u; /* the batch is used up, whatever the step's outcome */
        g.acc_block = acc_block;
        g.acc_bias = acc_bias;
    }
    g.lr = tf_step_lr(m, layer); /* once per step, not per sample of a batch */
    return tf_apply_step(m, &lay, l, &g);
}

tf_status tf_discard_batch(tf_model *m) {
    if (m == NULL) {
        return TF_ERR_NULL;
    }
    if (m->ready != 0u && tf_check_model(m) == TF_ERR_DESCRIPTOR) {
        return TF_ERR_DESCRIPTOR;
    }
    m->batch_fill = 0u;
    return TF_OK;
}

uint32_t tf_total_steps(const tf_model *m) {
    uint32_t total = 0;
    uint32_t l;
    if (m == NULL || tf_check_model(m) != TF_OK) {
        return 0u;
    }
    for (l = 0; l < m->num_layers; l++) {
        total += m->layers[l].steps;
    }
    return total;
}

/* The logits of layer `layer` (§7.7), for tf_predict_scores (tf_learn.c). */
tf_status tf_predict_layer_scores(const tf_model *m, uint8_t layer, const uint8_t *x, float *scores) {
    tf_forward f;
    tf_status st;
    if (m == NULL || x == NULL || scores == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_predict_forward(m, layer, x, &f);
    if (st != TF_OK) {
        return st;
    }
    memcpy(scores, f.logits, (size_t)m->classes * sizeof(float));
    return TF_OK;
}
