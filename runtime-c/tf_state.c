/* State serialisation and digests (§11). */
#include "tf_internal.h"

/* Bytes go out through a small buffer, so a sink sees few, large calls. */
typedef struct tf_emitter {
    tf_sink sink;
    void *ctx;
    tf_status status;
    uint32_t fill;
    uint8_t buf[64];
} tf_emitter;

static void tf_emit_flush(tf_emitter *em) {
    if (em->status == TF_OK && em->fill > 0u) {
        em->status = em->sink(em->ctx, em->buf, em->fill);
    }
    em->fill = 0u;
}

static void tf_emit_u32(tf_emitter *em, uint32_t v) {
    if (em->fill + 4u > sizeof em->buf) {
        tf_emit_flush(em);
    }
    em->buf[em->fill] = (uint8_t)(v & 0xFFu);
    em->buf[em->fill + 1u] = (uint8_t)((v >> 8) & 0xFFu);
    em->buf[em->fill + 2u] = (uint8_t)((v >> 16) & 0xFFu);
    em->buf[em->fill + 3u] = (uint8_t)(v >> 24);
    em->fill += 4u;
}

static void tf_emit_u64s(tf_emitter *em, const uint64_t *x, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n && em->status == TF_OK; i++) {
        tf_emit_u32(em, (uint32_t)(x[i] & 0xFFFFFFFFu));
        tf_emit_u32(em, (uint32_t)(x[i] >> 32));
    }
}

static void tf_emit_words(tf_emitter *em, const tf_word *w, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n && em->status == TF_OK; i++) {
        tf_emit_u32(em, w[i]);
    }
}

static void tf_emit_floats(tf_emitter *em, const float *x, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n && em->status == TF_OK; i++) {
        tf_emit_u32(em, tf_f32_to_bits(x[i]));
    }
}

int tf_array_present(const tf_model *model, tf_array array) {
    if (model == NULL || (unsigned)array >= (unsigned)TF_ARRAY_COUNT) {
        return 0;
    }
    return array != TF_ARRAY_ADAM || model->optimizer == TF_OPTIMIZER_ADAM;
}

/*
 * Store-backed arrays: reads each record through the arena's record region and emits the
 * part that belongs to the array — [0, n) for weights and bias, [n, 3n + 2) for adam.
 */
static tf_status tf_emit_records(const tf_model *m, uint8_t l, tf_array array, tf_emitter *em) {
    const tf_layer *layer = &m->layers[l];
    const uint32_t blocks = (uint32_t)m->slices * m->slices;
    tf_arena_layout lay;
    float *rec;
    uint32_t first = (array == TF_ARRAY_BIAS) ? blocks : 0u;
    uint32_t last = (array == TF_ARRAY_WEIGHTS) ? blocks : blocks + 1u;
    uint32_t r;
    if (!tf_arena_layout_of(m, &lay)) {
        return TF_ERR_STATE;
    }
    rec = m->arena + lay.record;
    for (r = first; r < last && em->status == TF_OK; r++) {
        const uint32_t n = (r < blocks) ? tf_block_of(layer, m->slices, r).size : layer->units;
        const uint32_t count = tf_record_floats(m, l, r);
        /* The bias record does not fit the block region when N_l > max block; use its own. */
        float *dst = (r < blocks) ? rec : m->arena + lay.bias_record;
        if (tf_run_holds(m, l, r)) {
            /* Schedule runs: the open run's records are the state's, the store's are older (§8.12). */
            memcpy(dst, m->arena + ((r == blocks) ? lay.run_bias : lay.run_block), (size_t)count * sizeof(float));
        } else if (m->store->read(m->store->ctx, l, r, dst, count) != TF_OK) {
            return TF_ERR_STORE;
        }
        if (array == TF_ARRAY_ADAM) {
            tf_emit_floats(em, dst + n, count - n);
        } else {
            tf_emit_floats(em, dst, n);
        }
    }
    return TF_OK;
}

tf_status tf_array_serialise(const tf_model *m, uint8_t l, tf_array array, tf_sink sink, void *ctx) {
    tf_emitter em;
    const tf_layer *layer;
    tf_status st = TF_OK;
    if (m == NULL || sink == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_check_model(m);
    if (st != TF_OK) {
        return st;
    }
    if (l >= m->num_layers || !tf_array_present(m, array)) {
        return TF_ERR_STATE;
    }
    layer = &m->layers[l];
    em.sink = sink;
    em.ctx = ctx;
    em.status = TF_OK;
    em.fill = 0u;
    switch (array) {
    case TF_ARRAY_CLASSIFIER:
        if (m->classifier == TF_CLASSIFIER_HE_NORMAL) {
            tf_emit_floats(&em, layer->classifier_weights, (uint32_t)m->classes * layer->units);
        } else {
            tf_emit_words(&em, layer->classifier_bits, m->classes * tf_words_for(layer->units));
        }
        break;
    case TF_ARRAY_WEIGHTS:
    case TF_ARRAY_BIAS:
    case TF_ARRAY_ADAM:
        st = tf_emit_records(m, l, array, &em);
        break;
    case TF_ARRAY_BITS:
        tf_emit_words(&em, layer->weight_bits, layer->units * tf_words_for(layer->inputs));
        break;
    case TF_ARRAY_ABS_SUM:
        tf_emit_u64s(&em, layer->abs_sum, (uint32_t)m->slices * m->slices);
        break;
    case TF_ARRAY_ALPHA:
        tf_emit_floats(&em, &layer->alpha, 1u);
        break;
    case TF_ARRAY_STEPS:
        tf_emit_u32(&em, layer->steps);
        break;
    default:
        return TF_ERR_STATE;
    }
    if (st != TF_OK) {
        return st;
    }
    tf_emit_flush(&em);
    return em.status;
}

static tf_status tf_crc_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    uint32_t *crc = (uint32_t *)ctx;
    *crc = TF_CRC32(*crc, bytes, count);
    return TF_OK;
}

tf_status tf_array_digest(const tf_model *m, uint8_t l, tf_array array, uint32_t *out_digest) {
    uint32_t crc = 0u;
    tf_status st;
    if (out_digest == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_array_serialise(m, l, array, tf_crc_sink, &crc);
    if (st == TF_OK) {
        *out_digest = crc;
    }
    return st;
}

tf_status tf_state_digest(const tf_model *m, uint32_t *out_digest) {
    tf_status st0;
    uint32_t crc = 0u;
    uint32_t l;
    if (m == NULL || out_digest == NULL) {
        return TF_ERR_NULL;
    }
    st0 = tf_check_model(m);
    if (st0 != TF_OK) {
        return st0;
    }
    for (l = 0; l < m->num_layers; l++) {
        int a;
        for (a = 0; a < (int)TF_ARRAY_COUNT; a++) {
            if (tf_array_present(m, (tf_array)a)) {
                const tf_status st = tf_array_serialise(m, (uint8_t)l, (tf_array)a, tf_crc_sink, &crc);
                if (st != TF_OK) {
                    return st;
                }
            }
        }
    }
    *out_digest = crc;
    return TF_OK;
}
