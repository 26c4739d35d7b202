/* Latent weight clamp (§8.10). */
#include "tf_internal.h"

float tf_clamp1_f32(float w) {
    if (w > 1.0f) {
        return 1.0f;
    }
    if (w < -1.0f) {
        return -1.0f;
    }
    return w;
}
