/*
 * Minimal test harness for the runtime's C tests. Each failed check prints one line
 * "FAIL <file>:<line> <what>" (with index, actual and expected where that helps); the
 * program ends with "TESTS passed=<n> failed=<n>" and exits 1 if anything failed.
 */
#ifndef TF_TEST_H
#define TF_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyfoa.h"

static unsigned long tf_test_passed;
static unsigned long tf_test_failed;

#define CHECK(cond)                                                                                                 \
    do {                                                                                                            \
        if (cond) {                                                                                                 \
            tf_test_passed++;                                                                                       \
        } else {                                                                                                    \
            tf_test_failed++;                                                                                       \
            printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #cond);                                                  \
        }                                                                                                           \
    } while (0)

/* Integers: prints index, actual, expected on a mismatch. */
#define CHECK_EQ_U(actual, expected, index)                                                                         \
    do {                                                                                                            \
        const unsigned long tf_a_ = (unsigned long)(actual);                                                        \
        const unsigned long tf_e_ = (unsigned long)(expected);                                                      \
        if (tf_a_ == tf_e_) {                                                                                       \
            tf_test_passed++;                                                                                       \
        } else {                                                                                                    \
            tf_test_failed++;                                                                                       \
            printf("FAIL %s:%d %s index=%ld actual=%lu (0x%08lx) expected=%lu (0x%08lx)\n", __FILE__, __LINE__,     \
                   #actual, (long)(index), tf_a_, tf_a_, tf_e_, tf_e_);                                             \
        }                                                                                                           \
    } while (0)

/* Floats, compared bit for bit: prints index, actual, expected (value and bits) on a mismatch. */
#define CHECK_BITS_F(actual, expected, index)                                                                       \
    do {                                                                                                            \
        const float tf_a_ = (actual);                                                                               \
        const float tf_e_ = (expected);                                                                             \
        if (tf_f32_to_bits(tf_a_) == tf_f32_to_bits(tf_e_)) {                                                       \
            tf_test_passed++;                                                                                       \
        } else {                                                                                                    \
            tf_test_failed++;                                                                                       \
            printf("FAIL %s:%d %s index=%ld actual=%.9g (0x%08lx) expected=%.9g (0x%08lx)\n", __FILE__, __LINE__,   \
                   #actual, (long)(index), (double)tf_a_, (unsigned long)tf_f32_to_bits(tf_a_), (double)tf_e_,       \
                   (unsigned long)tf_f32_to_bits(tf_e_));                                                           \
        }                                                                                                           \
    } while (0)

/* Ends the program with the summary line. */
static int tf_test_finish(void) {
    printf("TESTS passed=%lu failed=%lu\n", tf_test_passed, tf_test_failed);
    return tf_test_failed == 0 ? 0 : 1;
}

/* A test-only random source (independent of the runtime's PRNG). */
static unsigned long tf_test_rand_state = 0x2545F491ul;
static uint32_t tf_test_rand(void) {
    uint32_t x = (uint32_t)tf_test_rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tf_test_rand_state = x;
    return x;
}

/* CRC-32 over every RAM part of a model's state (classifier and weight bits, biases, block
 * absSums, α, step counters), continuing from `crc`. */
static inline uint32_t tf_test_ram_crc(const tf_model *m, uint32_t crc) {
    uint32_t l;
    for (l = 0; l < m->num_layers; l++) {
        const tf_layer *ly = &m->layers[l];
        crc = tf_crc32(crc, (const uint8_t *)ly->classifier_bits, 4u * m->classes * tf_words_for(ly->units));
        crc = tf_crc32(crc, (const uint8_t *)ly->weight_bits, 4u * ly->units * tf_words_for(ly->inputs));
        crc = tf_crc32(crc, (const uint8_t *)ly->bias, 4u * ly->units);
        crc = tf_crc32(crc, (const uint8_t *)ly->abs_sum, 8u * m->slices * m->slices);
        crc = tf_crc32(crc, (const uint8_t *)&ly->alpha, 4u);
        crc = tf_crc32(crc, (const uint8_t *)&ly->steps, 4u);
    }
    return crc;
}

/* Overwrites every RAM part of a model's state with garbage (step counters = `steps`) and
 * marks it not ready: only tf_resume or tf_init can bring it back. */
static inline void tf_test_wipe_ram(tf_model *m, uint32_t steps) {
    uint32_t l;
    for (l = 0; l < m->num_layers; l++) {
        tf_layer *ly = &m->layers[l];
        memset(ly->classifier_bits, 0xA5, 4u * m->classes * tf_words_for(ly->units));
        memset(ly->weight_bits, 0x5A, 4u * ly->units * tf_words_for(ly->inputs));
        memset(ly->bias, 0x7F, 4u * ly->units);
        memset(ly->abs_sum, 0x11, 8u * m->slices * m->slices);
        ly->alpha = 3.0f;
        ly->steps = steps;
    }
    m->ready = 0u;
}

#endif
