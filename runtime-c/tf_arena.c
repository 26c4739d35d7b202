/* Arena size and layout, record sizes (docs/runtime.md "Arena", "Weight store"). */
#include "tf_internal.h"

static uint32_t tf_ceil_div(uint32_t a, uint32_t b) { return (a + b - 1u) / b; }

int tf_arena_layout_of(const tf_model *model, tf_arena_layout *out) {
    uint32_t block_max = 0;
    uint32_t units_max = 0;
    uint32_t vec = 0;
    uint32_t off = 0;
    uint32_t l;
    uint32_t per;
    uint32_t tail;
    if (model == NULL || model->layers == NULL || model->slices == 0u || model->num_layers == 0u) {
        return 0;
    }
    vec = tf_words_for(model->features);
    for (l = 0; l < model->num_layers; l++) {
        const tf_layer *layer = &model->layers[l];
        const uint32_t block = tf_ceil_div(layer->units, model->slices) * tf_ceil_div(layer->inputs, model->slices);
        if (block > block_max) {
            block_max = block;
        }
        if (layer->units > units_max) {
            units_max = layer->units;
        }
        if (tf_words_for(layer->units) > vec) {
            vec = tf_words_for(layer->units);
        }
    }
    per = tf_record_per_element(model);
    tail = tf_record_tail(model);
    out->block_max = block_max;
    out->units_max = units_max;
    out->acc_block = off;
    if (model->batch_size > 1u) {
        off += block_max;
    }
    out->acc_bias = off;
    if (model->batch_size > 1u) {
        off += units_max;
    }
    out->record = off;
    off += per * block_max + tail;
    out->bias_record = off;
    off += per * units_max + tail;
    out->z = off;
    off += units_max;
    out->logits = off;
    off += model->classes;
    out->batch_slots = off;
    out->slot_floats = 0u;
    if (model->schedule == TF_SCHEDULE_ALL && model->batch_size > 1u) {
        /* The input as bytes (layer 0, u8: K_0 bytes) or bit-vector words, in float-sized units. */
        uint32_t in_floats = (model->encoding == TF_ENCODING_U8) ? tf_ceil_div(model->features, 4u)
                                                                 : tf_words_for(model->features);
        for (l = 0; l + 1u < model->num_layers; l++) {
            if (tf_words_for(model->layers[l].units) > in_floats) {
                in_floats = tf_words_for(model->layers[l].units);
            }
        }
        out->slot_floats = units_max + 1u + in_floats;
        off += (uint32_t)model->batch_size * out->slot_floats;
    }
    out->run_block = off;
    out->run_bias = off;
    if (model->schedule == TF_SCHEDULE_RUNS) {
        off += per * block_max + tail;
        out->run_bias = off;
        off += per * units_max + tail;
    }
    out->floats = off;
    out->vec_words = vec;
    out->words = 2u * vec;
    return 1;
}

uint32_t tf_arena_floats_required(const tf_model *model) {
    tf_arena_layout layout;
    return tf_arena_layout_of(model, &layout) ? layout.floats : 0u;
}

uint32_t tf_bit_arena_words_required(const tf_model *model) {
    tf_arena_layout layout;
    return tf_arena_layout_of(model, &layout) ? layout.words : 0u;
}

uint32_t tf_record_floats(const tf_model *model, uint8_t layer, uint32_t record) {
    const tf_layer *lay;
    uint32_t blocks;
    if (model == NULL || model->layers == NULL || layer >= model->num_layers || model->slices == 0u) {
        return 0u;
    }
    lay = &model->layers[layer];
    blocks = (uint32_t)model->slices * model->slices;
    if (record < blocks) {
        if (lay->row_bounds == NULL || lay->col_bounds == NULL) {
            return 0u;
        }
        return tf_record_per_element(model) * tf_block_of(lay, model->slices, record).size + tf_record_tail(model);
    }
    if (record == blocks) {
        return tf_record_per_element(model) * lay->units + tf_record_tail(model);
    }
    if (record == blocks + 1u) {
        return TF_META_FLOATS;
    }
    return 0u;
}
