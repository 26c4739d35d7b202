/* The main-loop API: tf_learn, tf_predict_scores, tf_get_info (§13) and the input helpers (§14). */
#include "tf_internal.h"

/* §13: the first layer below its planned steps; the last layer once every layer has them. */
static uint8_t tf_learn_layer(const tf_model *m) {
    uint8_t l;
    for (l = 0; l + 1u < m->num_layers; l++) {
        if (m->layers[l].steps < m->learn_steps) {
            break;
        }
    }
    return l;
}

/* §13: the deepest layer that has its planned steps; layer 0 while none has. */
static uint8_t tf_predict_layer(const tf_model *m) {
    uint8_t best = 0u;
    uint8_t l;
    for (l = 0; l < m->num_layers; l++) {
        if (m->layers[l].steps >= m->learn_steps) {
            best = l;
        }
    }
    return best;
}

/* The model ready and its descriptor as tf_init saw it (runtime.md, "Descriptor check"), checked
 * before the layer schedule reads the layer array. */
static tf_status tf_check_learning(const tf_model *m) {
    const tf_status st = tf_check_model(m);
    if (st != TF_OK) {
        return st;
    }
    return m->learn_steps == 0u ? TF_ERR_STATE : TF_OK;
}

tf_status tf_learn(tf_model *m, const uint8_t *x, uint8_t label) {
    tf_status st;
    if (m == NULL || x == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_check_learning(m);
    if (st != TF_OK) {
        return st;
    }
    return tf_train_sample(m, tf_learn_layer(m), x, label);
}

tf_status tf_predict_scores(const tf_model *m, const uint8_t *x, float *scores) {
    tf_status st;
    if (m == NULL || x == NULL || scores == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_check_learning(m);
    if (st != TF_OK) {
        return st;
    }
    return tf_predict_layer_scores(m, tf_predict_layer(m), x, scores);
}

tf_status tf_get_info(const tf_model *m, tf_info *out) {
    uint32_t l;
    if (m == NULL || out == NULL || m->layers == NULL) {
        return TF_ERR_NULL;
    }
    if (m->ready != 0u) {
        /* A descriptor changed since tf_init could send the loop below past the layer array. */
        const tf_status st = tf_check_model(m);
        if (st != TF_OK) {
            return st;
        }
    }
    memset(out, 0, sizeof *out);
    out->features = m->features;
    out->encoding = m->encoding;
    out->classes = m->classes;
    out->num_layers = m->num_layers;
    out->slices = m->slices;
    out->batch_size = m->batch_size;
    out->ready = m->ready;
    out->learn_steps = m->learn_steps;
    out->arena_bytes = 4u * (tf_arena_floats_required(m) + tf_bit_arena_words_required(m));
    out->pending = m->batch_fill;
    for (l = 0; l < m->num_layers; l++) {
        const tf_layer *layer = &m->layers[l];
        const uint32_t records = (uint32_t)m->slices * m->slices + 2u;
        const uint32_t classifier_words = (m->classifier == TF_CLASSIFIER_HE_NORMAL)
                                              ? (uint32_t)m->classes * layer->units
                                              : m->classes * tf_words_for(layer->units);
        uint32_t r;
        out->steps += layer->steps;
        out->samples += layer->steps * m->batch_size;
        out->state_bytes += 4u * (layer->units * tf_words_for(layer->inputs) + classifier_words + layer->units) +
                            8u * (uint32_t)m->slices * m->slices; /* absSum: uint64_t */
        for (r = 0; r < records; r++) {
            out->store_bytes += 4u * tf_record_floats(m, (uint8_t)l, r);
        }
    }
    out->samples += m->batch_fill;
    if (m->num_layers > 0u) {
        out->learn_layer = tf_learn_layer(m);
        out->predict_layer = tf_predict_layer(m);
        out->layer_steps = m->layers[out->learn_layer].steps;
        out->schedule_done = (m->learn_steps > 0u && m->layers[m->num_layers - 1u].steps >= m->learn_steps) ? 1u : 0u;
    }
    return TF_OK;
}

/* Round to nearest, ties to even, of s in [0, 255] (§14); trunc and s - trunc(s) are exact here. */
static uint8_t tf_round_u8(float s) {
    uint32_t i = (uint32_t)s;
    const float frac = s - (float)i;
    if (frac > 0.5f || (frac == 0.5f && (i & 1u) != 0u)) {
        i++;
    }
    return (uint8_t)i;
}

tf_status tf_input_u8_from_f32(const float *values, uint32_t n, float lo, float hi, uint8_t *x) {
    float k;
    uint32_t i;
    if (values == NULL || x == NULL) {
        return TF_ERR_NULL;
    }
    if (!tf_is_finite_f32(lo) || !tf_is_finite_f32(hi) || !(lo < hi)) {
        return TF_ERR_INPUT;
    }
    k = 255.0f / (hi - lo);
    if (!tf_is_finite_f32(k)) {
        return TF_ERR_INPUT;
    }
    for (i = 0; i < n; i++) {
        if (values[i] != values[i]) {
            return TF_ERR_INPUT; /* NaN */
        }
    }
    for (i = 0; i < n; i++) {
        const float s = (values[i] - lo) * k;
        x[i] = (s <= 0.0f) ? 0u : (s >= 255.0f) ? 255u : tf_round_u8(s);
    }
    return TF_OK;
}

tf_status tf_input_bits_from_f32(const float *values, uint32_t n, float threshold, uint8_t *x) {
    uint32_t i;
    if (values == NULL || x == NULL) {
        return TF_ERR_NULL;
    }
    if (threshold != threshold) {
        return TF_ERR_INPUT;
    }
    for (i = 0; i < n; i++) {
        if (values[i] != values[i]) {
            return TF_ERR_INPUT;
        }
    }
    for (i = 0; i < n; i++) {
        x[i] = (values[i] > threshold) ? 1u : 0u;
    }
    return TF_OK;
}
