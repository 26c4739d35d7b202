/*
 * tf_infer.h — the inference-only runtime of an exported model (`tinyfoa export`).
 * A trained state as const arrays (weight bits, α and biases of layers 0..P, the classifier
 * bits and β of the prediction layer P) and the forward pass of docs/semantics.md §7 over them:
 * no training code, no latent weights, no weight store. The model descriptor and every array it
 * points to are const (flash); RAM is the scratch the generated code gives it (z of the widest
 * layer, two activation bit vectors). Scores and predictions equal, bit for bit, those of the
 * training runtime's tf_predict_layer_scores / tf_predict with layer P on the state exported.
 */
#ifndef TF_INFER_H
#define TF_INFER_H

#include "tinyfoa.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of tf_infer_model's layout. Generated code refuses any other. */
#define TF_INFER_VERSION 1

/** One trained layer (§6, §7.1–5). */
typedef struct tf_infer_layer {
    uint16_t inputs;            /**< K_l */
    uint16_t units;             /**< N_l */
    float alpha;                /**< α_l (§6) */
    const tf_word *weight_bits; /**< N_l × K_l bit matrix (§2), N_l·words(K_l) words */
    const float *bias;          /**< N_l biases */
} tf_infer_layer;

/** An exported model: layers 0..P and the local classifier of the prediction layer P (§7.6–7). */
typedef struct tf_infer_model {
    uint16_t features;              /**< K_0 */
    uint8_t encoding;               /**< TF_ENCODING_U8 or TF_ENCODING_BITS (§7) */
    uint8_t classes;                /**< C */
    uint8_t num_layers;             /**< P + 1: the layers the forward pass runs */
    float gamma_in;                 /**< γ_{-1}: div(1, 255) for u8, 1 for bits */
    uint8_t input_scale;            /**< γ_in of layers l >= 1 (§7): TF_INPUT_SCALE_FIXED (1) or TF_INPUT_SCALE_LAYER (γ_{l-1}) */
    float beta;                     /**< β_P */
    const tf_word *classifier_bits; /**< C × N_P bit matrix */
    const tf_infer_layer *layers;   /**< num_layers entries */
    float *z;                       /**< scratch: max(max_l N_l, C) floats (z, then tf_infer_predict's scores) */
    tf_word *bits;                  /**< scratch: 2·vec_words words */
    uint32_t vec_words;             /**< max(words(K_0) for bits input, max_l words(N_l)) */
} tf_infer_model;

/**
 * Class scores: the logits a_c (§7.7) of the prediction layer P, C binary32 values. Their
 * argmax, ties to the smallest class, is the prediction (tf_infer_predict).
 * [in] model  an exported model   [in] x  `features` bytes in the model's encoding
 * [out] scores  `classes` floats
 * Returns TF_OK; TF_ERR_NULL; TF_ERR_STATE (an inconsistent descriptor); TF_ERR_INPUT (a bits
 * input byte other than 0 or 1); TF_ERR_NONFINITE (§7: scores then undefined). Uses only the
 * model's scratch.
 */
tf_status tf_infer_predict_scores(const tf_infer_model *model, const uint8_t *x, float *scores);

/** The predicted class (§7 prediction with layer P) into *out_class. Errors as tf_infer_predict_scores. */
tf_status tf_infer_predict(const tf_infer_model *model, const uint8_t *x, uint8_t *out_class);

#ifdef __cplusplus
}
#endif

#endif /* TF_INFER_H */
