/* Adam for one element (§8.10). */
#include "tf_internal.h"

float tf_adam_f32(float w, float *m, float *v, float g, const tf_adam_coef *k) {
    const float mn = k->beta1 * *m + k->c1 * g;
    const float vn = k->beta2 * *v + k->c2 * (g * g);
    const float m_hat = mn / k->d1;
    const float v_hat = vn / k->d2;
    *m = mn;
    *v = vn;
    return w - (k->lr * m_hat) / (TF_SQRT(v_hat) + k->eps);
}
