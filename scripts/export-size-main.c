/*
 * The smallest firmware around an exported model, for scripts/export-size.ts: one sample buffer
 * and one prediction, no stdio. Its sections are the flash and RAM an inference firmware needs.
 */
#include TF_EXPORT_HEADER

static uint8_t sample[TF_INFER_MODEL_FEATURES];
volatile uint8_t tf_size_result;

int main(void) {
    uint8_t cls = 0;
    if (tf_infer_predict(&TF_INFER_MODEL, sample, &cls) != TF_OK) {
        return 1;
    }
    tf_size_result = cls;
    return 0;
}
