/*
 * Driver of an exported model (tinyfoa export) for test/export.test.ts: reads samples.bin
 * (records of TF_INFER_MODEL_FEATURES bytes) from the working directory and prints, for every
 * sample, "S <i> <class> <score bits>..." (the scores as binary32 bit patterns in hex). The
 * first prediction runs before any stdio so that "STACK <bytes>" is its stack high-water mark;
 * "TICKS <n> <samples>" is the cycle counter over every prediction. Error paths of the API are
 * checked first. Ends with TINYFOA-OK.
 */
#include <stdio.h>
#include <string.h>

#include "cycles.h"
#include TF_EXPORT_HEADER

static uint8_t sample[TF_INFER_MODEL_FEATURES];
static float scores[TF_INFER_MODEL_CLASSES];

static int fail(const char *what, tf_status st) {
    printf("TINYFOA-FAIL %d %s: %s\n", (int)st, what, tf_status_name(st));
    return 1;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int main(void) {
    uint8_t cls = 0;
    uint32_t stack;
    uint64_t ticks = 0;
    uint32_t n = 0;
    uint32_t c;
    FILE *f;
    tf_status st;
    /* A zero sample before stdio touches the stack: its high-water mark is the prediction's. */
    memset(sample, 0, sizeof sample);
    st = tf_infer_predict_scores(&TF_INFER_MODEL, sample, scores);
    stack = tf_stack_high_water();
    if (st != TF_OK) {
        return fail("predict zero sample", st);
    }
    printf("STACK %lu\n", (unsigned long)stack);
    if (tf_infer_predict_scores(NULL, sample, scores) != TF_ERR_NULL ||
        tf_infer_predict_scores(&TF_INFER_MODEL, NULL, scores) != TF_ERR_NULL ||
        tf_infer_predict_scores(&TF_INFER_MODEL, sample, NULL) != TF_ERR_NULL ||
        tf_infer_predict(&TF_INFER_MODEL, sample, NULL) != TF_ERR_NULL || tf_infer_predict(NULL, sample, &cls) != TF_ERR_NULL) {
        return fail("NULL checks", TF_ERR_STATE);
    }
    if (TF_INFER_MODEL.encoding == TF_ENCODING_BITS) {
        sample[0] = 2u;
        if (tf_infer_predict_scores(&TF_INFER_MODEL, sample, scores) != TF_ERR_INPUT) {
            return fail("bits input 2", TF_ERR_STATE);
        }
    }
    f = fopen("samples.bin", "rb");
    if (f == NULL) {
        return fail("open samples.bin", TF_ERR_NULL);
    }
    while (fread(sample, 1, sizeof sample, f) == sizeof sample) {
        tf_cycles_start();
        st = tf_infer_predict_scores(&TF_INFER_MODEL, sample, scores);
        ticks += tf_cycles_read();
        if (st != TF_OK) {
            printf("S %lu ERR %d\n", (unsigned long)n, (int)st);
        } else {
            st = tf_infer_predict(&TF_INFER_MODEL, sample, &cls);
            if (st != TF_OK) {
                return fail("predict", st);
            }
            printf("S %lu %u", (unsigned long)n, (unsigned)cls);
            for (c = 0; c < TF_INFER_MODEL_CLASSES; c++) {
                printf(" %08lx", (unsigned long)bits_of(scores[c]));
            }
            printf("\n");
        }
        n++;
    }
    fclose(f);
    printf("TICKS %lu %lu\n", (unsigned long)ticks, (unsigned long)n);
    printf("TINYFOA-OK\n");
    return 0;
}
