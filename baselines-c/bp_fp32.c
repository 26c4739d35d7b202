/*
 * bp_fp32.c — the comparison point of `tinyfoa bench perf`: what a user would otherwise put
 * on the microcontroller, a plain fp32 network trained with backprop.
 *
 * BP_INPUTS → BP_HIDDEN → BP_CLASSES, both layers trainable: z = W1·x + b1, h = ReLU(z),
 * o = W2·h + b2, softmax cross-entropy, SGD with batch 1 (step BP_LEARNING_RATE), inputs
 * x = pixel / 255. He-uniform initial weights from a fixed xorshift32 seed, zero biases.
 * Straightforward dense loops as a user would write them (row-major weights, the gradient
 * applied in the same pass that forms it, rows of inactive ReLU units skipped since their
 * gradient is zero); no sparsity tricks on the input, no fixed point. Compiled with the same
 * flags as the TinyFoA firmware (generator/toolchain/compile.ts). Not bit-exact with anything:
 * it is a yardstick, not part of the product.
 *
 * Driver: trains one epoch over train.bin, then predicts every record of test.bin (records
 * `[label u8][BP_INPUTS bytes]`, as the TinyFoA driver reads them) and prints
 *   TF TICKS train layer=0 samples=<n> ticks=<t>     (ticks inside bp_train_sample only)
 *   TF TICKS predict layer=0 samples=<n> ticks=<t>   (ticks inside bp_predict only)
 *   BP EVAL correct=<c> total=<t>
 *   TINYFOA-OK
 * (the TICKS lines only where the target has a cycle counter, targets/common/cycles.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cycles.h"

#ifndef BP_INPUTS
#define BP_INPUTS 784
#endif
#ifndef BP_HIDDEN
#define BP_HIDDEN 256
#endif
#ifndef BP_CLASSES
#define BP_CLASSES 10
#endif
#ifndef BP_LEARNING_RATE
#define BP_LEARNING_RATE 0.01f
#endif
#ifndef BP_SEED
#define BP_SEED 1u
#endif

static float bp_w1[BP_HIDDEN * BP_INPUTS];
static float bp_b1[BP_HIDDEN];
static float bp_w2[BP_CLASSES * BP_HIDDEN];
static float bp_b2[BP_CLASSES];

static float bp_x[BP_INPUTS];
static float bp_h[BP_HIDDEN];
static float bp_dh[BP_HIDDEN];
static float bp_o[BP_CLASSES];

static uint8_t bp_record[1 + BP_INPUTS];
static char bp_file_buffer[512];

static uint32_t bp_rng = BP_SEED;

static float bp_uniform(void) { /* [0, 1) */
    bp_rng ^= bp_rng << 13;
    bp_rng ^= bp_rng >> 17;
    bp_rng ^= bp_rng << 5;
    return (float)(bp_rng >> 8) * (1.0f / 16777216.0f);
}

static void bp_init(void) {
    const float r1 = sqrtf(6.0f / (float)BP_INPUTS);
    const float r2 = sqrtf(6.0f / (float)BP_HIDDEN);
    uint32_t i;
    for (i = 0; i < BP_HIDDEN * BP_INPUTS; i++) bp_w1[i] = (2.0f * bp_uniform() - 1.0f) * r1;
    for (i = 0; i < BP_CLASSES * BP_HIDDEN; i++) bp_w2[i] = (2.0f * bp_uniform() - 1.0f) * r2;
}

/* Forward pass of the sample in bp_record into bp_x, bp_h and bp_o (logits). */
static void bp_forward(void) {
    uint32_t i, j, c;
    for (i = 0; i < BP_INPUTS; i++) bp_x[i] = (float)bp_record[1 + i] * (1.0f / 255.0f);
    for (j = 0; j < BP_HIDDEN; j++) {
        const float *w = &bp_w1[j * BP_INPUTS];
        float s = bp_b1[j];
        for (i = 0; i < BP_INPUTS; i++) s += w[i] * bp_x[i];
        bp_h[j] = (s > 0.0f) ? s : 0.0f;
    }
    for (c = 0; c < BP_CLASSES; c++) {
        const float *w = &bp_w2[c * BP_HIDDEN];
        float s = bp_b2[c];
        for (j = 0; j < BP_HIDDEN; j++) s += w[j] * bp_h[j];
        bp_o[c] = s;
    }
}

static uint8_t bp_argmax(void) {
    uint8_t best = 0;
    uint32_t c;
    for (c = 1; c < BP_CLASSES; c++) {
        if (bp_o[c] > bp_o[best]) best = (uint8_t)c;
    }
    return best;
}

/* One SGD step on the sample in bp_record. */
static void bp_train_sample(void) {
    const uint8_t label = bp_record[0];
    float max, sum;
    uint32_t i, j, c;
    bp_forward();
    /* softmax; bp_o becomes the output gradient p - onehot(label) */
    max = bp_o[0];
    for (c = 1; c < BP_CLASSES; c++) max = (bp_o[c] > max) ? bp_o[c] : max;
    sum = 0.0f;
    for (c = 0; c < BP_CLASSES; c++) {
        bp_o[c] = expf(bp_o[c] - max);
        sum += bp_o[c];
    }
    for (c = 0; c < BP_CLASSES; c++) bp_o[c] = bp_o[c] / sum - ((c == label) ? 1.0f : 0.0f);
    /* hidden gradient through W2 before W2 changes, ReLU gate */
    for (j = 0; j < BP_HIDDEN; j++) {
        float s = 0.0f;
        if (bp_h[j] > 0.0f) {
            for (c = 0; c < BP_CLASSES; c++) s += bp_w2[c * BP_HIDDEN + j] * bp_o[c];
        }
        bp_dh[j] = s;
    }
    for (c = 0; c < BP_CLASSES; c++) {
        float *w = &bp_w2[c * BP_HIDDEN];
        const float g = BP_LEARNING_RATE * bp_o[c];
        for (j = 0; j < BP_HIDDEN; j++) w[j] -= g * bp_h[j];
        bp_b2[c] -= g;
    }
    for (j = 0; j < BP_HIDDEN; j++) {
        float *w = &bp_w1[j * BP_INPUTS];
        const float g = BP_LEARNING_RATE * bp_dh[j];
        if (bp_dh[j] == 0.0f) continue;
        for (i = 0; i < BP_INPUTS; i++) w[i] -= g * bp_x[i];
        bp_b1[j] -= g;
    }
}

static uint8_t bp_predict(void) {
    bp_forward();
    return bp_argmax();
}

static FILE *bp_open(const char *name) {
    FILE *f = fopen(name, "rb");
    if (f == NULL) {
        printf("TINYFOA-FAIL 100 cannot open %s\n", name);
        exit(1);
    }
    (void)setvbuf(f, bp_file_buffer, _IOFBF, sizeof bp_file_buffer);
    return f;
}

/* 1: a whole record in bp_record; 0: end of file; a partial record fails the run. */
static int bp_read(FILE *f, const char *name) {
    const size_t got = fread(bp_record, 1, sizeof bp_record, f);
    if (got == 0u) return 0;
    if (got != sizeof bp_record || bp_record[0] >= BP_CLASSES) {
        printf("TINYFOA-FAIL 100 %s: truncated record or bad label\n", name);
        exit(1);
    }
    return 1;
}

/* Decimal digits of a 64-bit count (newlib-nano's printf has no %llu). */
static const char *bp_u64_text(uint64_t v, char *buf, size_t size) {
    char *p = buf + size - 1u;
    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u && p > buf);
    return p;
}

static void bp_report(const char *phase, uint32_t samples, uint64_t ticks, uint32_t rate) {
    char text[24];
    if (rate == 0u) return;
    printf("TF TICKS %s layer=0 samples=%lu ticks=%s\n", phase, (unsigned long)samples, bp_u64_text(ticks, text, sizeof text));
}

int main(void) {
    const uint32_t rate = tf_cycles_start();
    uint64_t ticks = 0u;
    uint32_t samples = 0u;
    uint32_t correct = 0u;
    FILE *f;
    bp_init();
    f = bp_open("train.bin");
    while (bp_read(f, "train.bin")) {
        const uint64_t t0 = tf_cycles_read();
        bp_train_sample();
        ticks += tf_cycles_read() - t0;
        samples++;
    }
    fclose(f);
    bp_report("train", samples, ticks, rate);
    ticks = 0u;
    samples = 0u;
    f = bp_open("test.bin");
    while (bp_read(f, "test.bin")) {
        const uint64_t t0 = tf_cycles_read();
        const uint8_t predicted = bp_predict();
        ticks += tf_cycles_read() - t0;
        correct += (predicted == bp_record[0]) ? 1u : 0u;
        samples++;
    }
    fclose(f);
    bp_report("predict", samples, ticks, rate);
    printf("BP EVAL correct=%lu total=%lu\n", (unsigned long)correct, (unsigned long)samples);
    printf("TINYFOA-OK\n");
    return 0;
}
