/*
 * The main-loop API (tf_learn, tf_predict_scores, tf_get_info, the input helpers) over a
 * generated model, printing what test/learn.test.ts compares with the simulator line by line:
 *
 *   test_learn learn [stop=<n> [flush]]  resumes (or initialises) the model, continues the stream of
 *                                 stream.bin where info.samples says, prints INFO and SCORES
 *                                 lines every 10 samples and the final DIGEST; stops after
 *                                 sample n (exclusive) when asked; with `flush`, calls
 *                                 tf_flush before the digest (a planned stop)
 *   test_learn encode             encodes the floats of floats.bin with both input helpers
 *
 * stream.bin: uint32 count, then per sample the label byte and TF_MODEL_FEATURES bytes.
 * probe.bin: uint32 count, then TF_MODEL_FEATURES bytes per probe.
 * floats.bin: uint32 count, float lo, float hi, float threshold, then count floats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_model.h"

static uint8_t sample[TF_MODEL_FEATURES];

static int fail(const char *what, tf_status st) {
    printf("TINYFOA-FAIL %d %s: %s\n", (int)st, what, tf_status_name(st));
    return 1;
}

static uint32_t read_u32(FILE *f) {
    uint8_t b[4] = {0, 0, 0, 0};
    if (fread(b, 1, 4, f) != 4) {
        return 0;
    }
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static void print_info(uint32_t at) {
    tf_info info;
    tf_get_info(&TF_MODEL, &info);
    printf("INFO i=%lu learn=%u predict=%u done=%u steps=%lu layer_steps=%lu samples=%lu pending=%lu\n",
           (unsigned long)at, (unsigned)info.learn_layer, (unsigned)info.predict_layer, (unsigned)info.schedule_done,
           (unsigned long)info.steps, (unsigned long)info.layer_steps, (unsigned long)info.samples,
           (unsigned long)info.pending);
}

static int print_scores(uint32_t at) {
    static uint8_t probe[TF_MODEL_FEATURES];
    float scores[TF_MODEL_CLASSES];
    FILE *f = fopen("probe.bin", "rb");
    uint32_t n;
    uint32_t p;
    if (f == NULL) {
        return fail("probe.bin", TF_ERR_NULL);
    }
    n = read_u32(f);
    for (p = 0; p < n; p++) {
        tf_status st;
        uint32_t c;
        if (fread(probe, 1, TF_MODEL_FEATURES, f) != TF_MODEL_FEATURES) {
            fclose(f);
            return fail("probe.bin short", TF_ERR_NULL);
        }
        st = tf_predict_scores(&TF_MODEL, probe, scores);
        if (st != TF_OK) {
            fclose(f);
            return fail("tf_predict_scores", st);
        }
        printf("SCORES i=%lu p=%lu", (unsigned long)at, (unsigned long)p);
        for (c = 0; c < TF_MODEL_CLASSES; c++) {
            printf(" %08lx", (unsigned long)tf_f32_to_bits(scores[c]));
        }
        printf("\n");
    }
    fclose(f);
    return 0;
}

static int learn(uint32_t stop, int flush) {
    tf_info info;
    tf_status st;
    int resumed = 0;
    uint32_t count;
    uint32_t i;
    uint32_t digest = 0;
    FILE *f;
    st = tf_resume(&TF_MODEL, &resumed);
    if (st != TF_OK) {
        return fail("tf_resume", st);
    }
    if (!resumed) {
        st = tf_init(&TF_MODEL);
        if (st != TF_OK) {
            return fail("tf_init", st);
        }
    }
    tf_get_info(&TF_MODEL, &info);
    printf("SHAPE features=%u encoding=%u classes=%u layers=%u slices=%u batch=%u learn_steps=%lu arena_bytes=%lu "
           "state_bytes=%lu store_bytes=%lu\n",
           (unsigned)info.features, (unsigned)info.encoding, (unsigned)info.classes, (unsigned)info.num_layers,
           (unsigned)info.slices, (unsigned)info.batch_size, (unsigned long)info.learn_steps,
           (unsigned long)info.arena_bytes, (unsigned long)info.state_bytes, (unsigned long)info.store_bytes);
    printf("START resumed=%d samples=%lu\n", resumed, (unsigned long)info.samples);
    f = fopen("stream.bin", "rb");
    if (f == NULL) {
        return fail("stream.bin", TF_ERR_NULL);
    }
    count = read_u32(f);
    if (fseek(f, 4L + (long)info.samples * (1L + TF_MODEL_FEATURES), SEEK_SET) != 0) {
        fclose(f);
        return fail("stream.bin seek", TF_ERR_NULL);
    }
    for (i = info.samples; i < count && i < stop; i++) {
        int label = fgetc(f);
        if (label == EOF || fread(sample, 1, TF_MODEL_FEATURES, f) != TF_MODEL_FEATURES) {
            fclose(f);
            return fail("stream.bin short", TF_ERR_NULL);
        }
        st = tf_learn(&TF_MODEL, sample, (uint8_t)label);
        if (st != TF_OK) {
            fclose(f);
            return fail("tf_learn", st);
        }
        if ((i + 1u) % 10u == 0u) {
            print_info(i + 1u);
            if (print_scores(i + 1u) != 0) {
                fclose(f);
                return 1;
            }
        }
    }
    fclose(f);
    if (flush) {
        st = tf_flush(&TF_MODEL); /* a planned stop: the open run (schedule runs) reaches the store */
        if (st != TF_OK) {
            return fail("tf_flush", st);
        }
    }
    st = tf_state_digest(&TF_MODEL, &digest);
    if (st != TF_OK) {
        return fail("tf_state_digest", st);
    }
    printf("DIGEST %08lx\n", (unsigned long)digest);
    printf("TINYFOA-OK\n");
    return 0;
}

static int encode(void) {
    static float values[4096];
    static uint8_t out[4096];
    FILE *f = fopen("floats.bin", "rb");
    uint32_t n;
    uint32_t raw[3];
    float lo;
    float hi;
    float threshold;
    uint32_t i;
    tf_status st;
    if (f == NULL) {
        return fail("floats.bin", TF_ERR_NULL);
    }
    n = read_u32(f);
    for (i = 0; i < 3u; i++) {
        raw[i] = read_u32(f);
    }
    lo = tf_f32_from_bits(raw[0]);
    hi = tf_f32_from_bits(raw[1]);
    threshold = tf_f32_from_bits(raw[2]);
    if (n > 4096u) {
        fclose(f);
        return fail("floats.bin too long", TF_ERR_INPUT);
    }
    for (i = 0; i < n; i++) {
        values[i] = tf_f32_from_bits(read_u32(f));
    }
    fclose(f);
    st = tf_input_u8_from_f32(values, n, lo, hi, out);
    printf("U8 %d", (int)st);
    for (i = 0; st == TF_OK && i < n; i++) {
        printf(" %u", (unsigned)out[i]);
    }
    printf("\n");
    st = tf_input_bits_from_f32(values, n, threshold, out);
    printf("BITS %d", (int)st);
    for (i = 0; st == TF_OK && i < n; i++) {
        printf(" %u", (unsigned)out[i]);
    }
    printf("\n");
    printf("TINYFOA-OK\n");
    return 0;
}

int main(int argc, char **argv) {
    uint32_t stop = 0xFFFFFFFFu;
    if (argc >= 3 && strncmp(argv[2], "stop=", 5) == 0) {
        stop = (uint32_t)strtoul(argv[2] + 5, NULL, 10);
    }
    if (argc >= 2 && strcmp(argv[1], "encode") == 0) {
        return encode();
    }
    if (argc >= 2 && strcmp(argv[1], "learn") == 0) {
        return learn(stop, argc >= 4 && strcmp(argv[3], "flush") == 0);
    }
    printf("usage: test_learn learn [stop=<n> [flush]] | encode\n");
    return 2;
}
