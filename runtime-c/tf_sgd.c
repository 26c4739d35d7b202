/* SGD (§8.10). */
#include "tinyfoa.h"

float tf_sgd_f32(float w, float g, float lr) { return w - lr * g; }
