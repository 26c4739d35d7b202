/* Names of status codes (§12) and state arrays (§11). */
#include "tf_internal.h"

const char *tf_status_name(tf_status status) {
    switch (status) {
    case TF_OK:
        return "TF_OK";
    case TF_ERR_NULL:
        return "TF_ERR_NULL";
    case TF_ERR_LABEL:
        return "TF_ERR_LABEL";
    case TF_ERR_INPUT:
        return "TF_ERR_INPUT";
    case TF_ERR_NONFINITE:
        return "TF_ERR_NONFINITE";
    case TF_ERR_STATE:
        return "TF_ERR_STATE";
    case TF_ERR_STORE:
        return "TF_ERR_STORE";
    case TF_ERR_NUMERICS:
        return "TF_ERR_NUMERICS";
    case TF_ERR_DESCRIPTOR:
        return "TF_ERR_DESCRIPTOR";
    default:
        return "TF_ERR_?";
    }
}

const char *tf_array_name(tf_array array) {
    static const char *const names[TF_ARRAY_COUNT] = {
        "classifier", "weights", "bias", "adam", "bits", "absSum", "alpha", "steps",
    };
    if ((unsigned)array >= (unsigned)TF_ARRAY_COUNT) {
        return NULL;
    }
    return names[array];
}
