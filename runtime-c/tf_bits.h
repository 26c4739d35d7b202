/*
 * tf_bits.h — the bit convention of docs/semantics.md §2, in one place.
 *
 *  - A bit vector of n elements is stored in tf_words_for(n) words of type tf_word (uint32_t).
 *  - Element i lives in word i >> 5 at bit i & 31 (least significant bit first).
 *  - Padding bits (positions >= n in the last word) are always 0; every kernel relies on it.
 *  - A bit matrix of R rows and n columns stores each row in its own tf_words_for(n) words,
 *    rows one after another (row-major, every row word-aligned).
 *  - A 1 means: weight latent value >= 0 (-0.0 included); activation fired (z > 0);
 *    classifier entry +beta.
 *  - Serialisation is little-endian, word by word.
 *
 * The TypeScript twin is generator/numerics/bits.ts.
 */
#ifndef TF_BITS_H
#define TF_BITS_H

#include <stdint.h>

typedef uint32_t tf_word;

#define TF_WORD_BITS 32u
#define TF_WORD_SHIFT 5u
#define TF_WORD_MASK 31u

/** Words that hold n bits: ceil(n / 32). */
static inline uint32_t tf_words_for(uint32_t n) { return (n + TF_WORD_MASK) >> TF_WORD_SHIFT; }

/** Index of the word holding element i. */
static inline uint32_t tf_bit_word(uint32_t i) { return i >> TF_WORD_SHIFT; }

/** Mask selecting element i inside its word. */
static inline tf_word tf_bit_mask(uint32_t i) { return (tf_word)1u << (i & TF_WORD_MASK); }

/** Element i of the vector at v (0 or 1). */
static inline uint32_t tf_bit_get(const tf_word *v, uint32_t i) {
    return (uint32_t)(v[tf_bit_word(i)] >> (i & TF_WORD_MASK)) & 1u;
}

static inline void tf_bit_set(tf_word *v, uint32_t i) { v[tf_bit_word(i)] |= tf_bit_mask(i); }

static inline void tf_bit_clear(tf_word *v, uint32_t i) { v[tf_bit_word(i)] &= ~tf_bit_mask(i); }

static inline void tf_bit_put(tf_word *v, uint32_t i, uint32_t value) {
    if (value != 0u) {
        tf_bit_set(v, i);
    } else {
        tf_bit_clear(v, i);
    }
}

/** Sets n words to zero (a fresh vector: every element and padding bit 0). */
static inline void tf_bits_zero(tf_word *v, uint32_t words) {
    uint32_t w;
    for (w = 0; w < words; w++) {
        v[w] = 0u;
    }
}

/**
 * Population count of one word, SWAR. Cortex-M has no popcount instruction and
 * __builtin_popcount becomes a call to libgcc's __popcountsi2, so the kernels use this.
 * tf_popcount_u32_ref (tf_popcount.c) is its reference twin.
 */
static inline uint32_t tf_word_popcount(tf_word x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (uint32_t)(x * 0x01010101u) >> 24;
}

/** The number of 1 bits of an n-bit vector (padding bits are 0, §2): the sum Σ q_i of bit inputs. */
static inline int32_t tf_bits_ones(const tf_word *v, uint32_t n) {
    const uint32_t words = tf_words_for(n);
    uint32_t ones = 0;
    uint32_t w;
    for (w = 0; w < words; w++) {
        ones += tf_word_popcount(v[w]);
    }
    return (int32_t)ones;
}

#endif /* TF_BITS_H */
