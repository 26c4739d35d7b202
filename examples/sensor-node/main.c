/*
 * sensor-node: a firmware main loop that learns from a stream of accelerometer windows with
 * the tinyfoa main-loop API, predicts with it, and keeps its state across restarts.
 *
 *   sensor-node [samples=<n>] [stop-after=<k>]
 *
 * On start it restores the state the weight store holds (tf_resume) or starts fresh (tf_init),
 * then continues the stream at the sample tf_get_info counts, learns up to sample n (default
 * 1200) — or stops after sample k, as a power cut would — and reports the accuracy of
 * tf_predict_scores on 400 windows it has not learned from. Every update step is committed to
 * the store (the file sensor.store with `tinyfoa generate --store file`), so a restarted node
 * continues bit for bit where it stopped.
 *
 * The stream is synthetic and deterministic (window i is a function of i alone): four
 * activities — still, walking, running, shaking — as waves of different rate and strength on
 * the three axes, with gravity on z and noise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_model.h"

#define READINGS 8
#define AXES 3
#define TEST_OFFSET 1000000u
#define TEST_WINDOWS 400u

/* Two features a reading and axis: the positive and the negative part of the linear
 * acceleration (gravity removed), so that a node at rest feeds zeros — the u8 encoding's
 * inputs are never negative, and a binary layer tells patterns apart best around zero. */
#if TF_MODEL_FEATURES != 2 * READINGS * AXES || TF_MODEL_CLASSES != 4 || TF_MODEL_ENCODING != TF_ENCODING_U8
#error "sensor-node expects examples/sensor-node/sensor.ts: 48 u8 features, 4 classes"
#endif

/* splitmix32: the window's random numbers come from its index alone. */
static uint32_t mix(uint32_t *s) {
    uint32_t z = (*s += 0x9E3779B9u);
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    return z ^ (z >> 16);
}

static float uniform(uint32_t *s) { return (float)(mix(s) >> 8) * (1.0f / 16777216.0f); }

/* A triangle wave of period 1 in [-1, 1]. */
static float wave(float phase) {
    const float p = phase - (float)(int)phase;
    return (p < 0.5f) ? 4.0f * p - 1.0f : 3.0f - 4.0f * p;
}

/* Window i of the stream: its activity (the label) and the 2 · 24 features in g. */
static uint8_t window(uint32_t i, float *g) {
    static const float rate[4] = {0.0f, 0.125f, 0.25f, 0.5f};     /* cycles per reading */
    static const float amp_x[4] = {0.0f, 0.15f, 0.45f, 1.1f};
    static const float amp_y[4] = {0.0f, 0.1f, 0.2f, 0.9f};
    static const float amp_z[4] = {0.0f, 0.6f, 1.3f, 0.3f};
    static const float tilt_x[4] = {0.0f, 0.3f, 0.6f, -0.4f}; /* how the node hangs during each activity */
    uint32_t s = i * 0x2545F491u + 17u;
    const uint8_t activity = (uint8_t)(mix(&s) % 4u);
    const float phase = uniform(&s);
    uint32_t t;
    for (t = 0; t < READINGS; t++) {
        const float w = wave(phase + rate[activity] * (float)t);
        float a[AXES];
        uint32_t k;
        a[0] = tilt_x[activity] + amp_x[activity] * w + 0.3f * (uniform(&s) - 0.5f);
        a[1] = amp_y[activity] * wave(phase + 0.25f + rate[activity] * (float)t) + 0.3f * (uniform(&s) - 0.5f);
        a[2] = amp_z[activity] * w + 0.3f * (uniform(&s) - 0.5f); /* z without gravity */
        for (k = 0; k < AXES; k++) {
            g[2u * (t * AXES + k)] = (a[k] > 0.0f) ? a[k] : 0.0f;
            g[2u * (t * AXES + k) + 1u] = (a[k] < 0.0f) ? -a[k] : 0.0f;
        }
    }
    return activity;
}

static int failed(const char *what, tf_status st) {
    printf("sensor-node: %s failed: %s\n", what, tf_status_name(st));
    return 1;
}

int main(int argc, char **argv) {
    static float g[TF_MODEL_FEATURES];
    static uint8_t x[TF_MODEL_FEATURES];
    float scores[TF_MODEL_CLASSES];
    uint32_t samples = 1200u;
    uint32_t stop = 0xFFFFFFFFu;
    uint32_t correct = 0;
    uint32_t digest = 0;
    uint32_t i;
    int resumed = 0;
    int a;
    tf_info info;
    tf_status st;

    for (a = 1; a < argc; a++) {
        if (strncmp(argv[a], "samples=", 8) == 0) {
            samples = (uint32_t)strtoul(argv[a] + 8, NULL, 10);
        } else if (strncmp(argv[a], "stop-after=", 11) == 0) {
            stop = (uint32_t)strtoul(argv[a] + 11, NULL, 10);
        } else {
            printf("usage: sensor-node [samples=<n>] [stop-after=<k>]\n");
            return 2;
        }
    }

    /* Restore what the store holds, or start fresh. */
    st = tf_resume(&TF_MODEL, &resumed);
    if (st != TF_OK) {
        return failed("tf_resume", st);
    }
    if (!resumed) {
        st = tf_init(&TF_MODEL);
        if (st != TF_OK) {
            return failed("tf_init", st);
        }
    }
    tf_get_info(&TF_MODEL, &info);
    printf("sensor-node: %s, %lu samples learned; %u -> %u classes over %u layers, %lu steps a layer; "
           "arena %lu B, state %lu B, store %lu B\n",
           resumed ? "restored" : "fresh", (unsigned long)info.samples, (unsigned)info.features,
           (unsigned)info.classes, (unsigned)info.num_layers, (unsigned long)info.learn_steps,
           (unsigned long)info.arena_bytes, (unsigned long)info.state_bytes, (unsigned long)info.store_bytes);

    /* Learn: the stream continues where the committed state stops. */
    for (i = info.samples; i < samples && i < stop; i++) {
        const uint8_t label = window(i, g);
        st = tf_input_u8_from_f32(g, TF_MODEL_FEATURES, 0.0f, 2.0f, x);
        if (st == TF_OK) {
            st = tf_learn(&TF_MODEL, x, label);
        }
        if (st != TF_OK) {
            return failed("tf_learn", st);
        }
        if ((i + 1u) % 200u == 0u) {
            tf_get_info(&TF_MODEL, &info);
            printf("sensor-node: learned %lu, layer %u in training (%lu steps), predicting with layer %u\n",
                   (unsigned long)(i + 1u), (unsigned)info.learn_layer, (unsigned long)info.layer_steps,
                   (unsigned)info.predict_layer);
        }
    }

    /* Predict windows it never learned from. */
    for (i = 0; i < TEST_WINDOWS; i++) {
        const uint8_t label = window(TEST_OFFSET + i, g);
        uint8_t best = 0;
        uint8_t c;
        st = tf_input_u8_from_f32(g, TF_MODEL_FEATURES, 0.0f, 2.0f, x);
        if (st == TF_OK) {
            st = tf_predict_scores(&TF_MODEL, x, scores);
        }
        if (st != TF_OK) {
            return failed("tf_predict_scores", st);
        }
        for (c = 1; c < TF_MODEL_CLASSES; c++) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        correct += (best == label) ? 1u : 0u;
    }
    tf_get_info(&TF_MODEL, &info);
    st = tf_state_digest(&TF_MODEL, &digest);
    if (st != TF_OK) {
        return failed("tf_state_digest", st);
    }
    printf("sensor-node: samples=%lu predict_layer=%u accuracy=%lu/%lu digest=%08lx\n", (unsigned long)info.samples,
           (unsigned)info.predict_layer, (unsigned long)correct, (unsigned long)TEST_WINDOWS, (unsigned long)digest);
    return 0;
}
