/* The inference-only forward pass of an exported model (§7), over const weight bits. */
#include "tf_internal.h"

#include "tf_infer.h"

/* The descriptor's shape: every layer's input is the previous layer's output, every buffer there. */
static tf_status tf_infer_check(const tf_infer_model *m) {
    uint32_t l;
    if (m->layers == NULL || m->classifier_bits == NULL || m->z == NULL || m->bits == NULL) {
        return TF_ERR_NULL;
    }
    if (m->num_layers == 0u || m->classes < 2u || m->features == 0u || m->encoding > TF_ENCODING_BITS || m->input_scale > TF_INPUT_SCALE_FIXED ||
        (m->encoding == TF_ENCODING_BITS && m->vec_words < tf_words_for(m->features))) {
        return TF_ERR_STATE;
    }
    for (l = 0; l < m->num_layers; l++) {
        const tf_infer_layer *layer = &m->layers[l];
        const uint32_t inputs = (l == 0u) ? m->features : m->layers[l - 1u].units;
        if (layer->weight_bits == NULL || layer->bias == NULL) {
            return TF_ERR_NULL;
        }
        if (layer->inputs != inputs || layer->units == 0u || m->vec_words < tf_words_for(layer->units)) {
            return TF_ERR_STATE;
        }
    }
    return TF_OK;
}

tf_status tf_infer_predict_scores(const tf_infer_model *m, const uint8_t *x, float *scores) {
    tf_word *va;
    tf_word *vb;
    tf_word *out;
    float gamma = 0.0f;
    tf_input in;
    tf_status st;
    uint32_t l;
    uint32_t i;
    if (m == NULL || x == NULL || scores == NULL) {
        return TF_ERR_NULL;
    }
    st = tf_infer_check(m);
    if (st != TF_OK) {
        return st;
    }
    va = m->bits;
    vb = m->bits + m->vec_words;
    out = va;
    in.count = m->features;
    in.gamma = m->gamma_in;
    if (m->encoding == TF_ENCODING_BITS) {
        for (i = 0; i < m->features; i++) {
            if (x[i] > 1u) {
                return TF_ERR_INPUT;
            }
        }
        tf_pack_bits_u8(x, m->features, va);
        in.bytes = NULL;
        in.bits = va;
        in.total = tf_bits_ones(va, m->features);
    } else {
        int32_t total = 0;
        for (i = 0; i < m->features; i++) {
            total += (int32_t)x[i];
        }
        in.bytes = x;
        in.bits = NULL;
        in.total = total;
    }
    for (l = 0; l < m->num_layers; l++) {
        const tf_infer_layer *layer = &m->layers[l];
        tf_dense_f32(layer->weight_bits, layer->units, &in, layer->alpha, layer->bias, m->z);
        if (!tf_all_finite_f32(m->z, layer->units)) {
            return TF_ERR_NONFINITE;
        }
        out = (in.bits == va) ? vb : va;
        tf_binarize_f32(m->z, layer->units, out, &gamma);
        if (!tf_is_finite_f32(gamma)) {
            return TF_ERR_NONFINITE;
        }
        in.bytes = NULL;
        in.bits = out;
        in.count = layer->units;
        in.total = tf_bits_ones(out, layer->units);
        in.gamma = (m->input_scale == TF_INPUT_SCALE_LAYER) ? gamma : 1.0f;
    }
    tf_classifier_f32(m->classifier_bits, m->classes, out, m->layers[m->num_layers - 1u].units, gamma, m->beta,
                      scores);
    return tf_all_finite_f32(scores, m->classes) ? TF_OK : TF_ERR_NONFINITE;
}

tf_status tf_infer_predict(const tf_infer_model *m, const uint8_t *x, uint8_t *out_class) {
    tf_status st;
    if (m == NULL || out_class == NULL) {
        return TF_ERR_NULL;
    }
    /* The scores go into z, which holds max(max_l N_l, C) floats and is free after the last layer. */
    st = tf_infer_predict_scores(m, x, m->z);
    if (st != TF_OK) {
        return st;
    }
    *out_class = tf_argmax_f32(m->z, m->classes);
    return TF_OK;
}
