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

#endif
