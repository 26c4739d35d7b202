/* splitmix32 seeding and xoshiro128** streams (§4); generator/numerics/prng.ts is the twin. */
#include "tf_internal.h"

static uint32_t tf_rotl(uint32_t x, uint32_t k) { return (x << k) | (x >> (32u - k)); }

uint32_t tf_splitmix32(uint32_t *state) {
    uint32_t z;
    *state += 0x9E3779B9u;
    z = *state;
    z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
    z = (z ^ (z >> 13)) * 0xC2B2AE35u;
    return z ^ (z >> 16);
}

void tf_rng_seed(tf_rng *rng, uint32_t seed, uint32_t stream_id) {
    uint32_t s = seed ^ (stream_id * 0x632BE5ABu);
    uint32_t i;
    for (i = 0; i < 4u; i++) {
        rng->s[i] = tf_splitmix32(&s);
    }
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0u) {
        rng->s[0] = 1u;
    }
}

uint32_t tf_rng_next(tf_rng *rng) {
    uint32_t *s = rng->s;
    const uint32_t result = tf_rotl(s[1] * 5u, 7) * 9u;
    const uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = tf_rotl(s[3], 11);
    return result;
}

float tf_rng_uniform(tf_rng *rng) { return (float)(tf_rng_next(rng) >> 8) * 0x1p-24f; }

float tf_rng_normal(tf_rng *rng) {
    uint32_t s = 0u;
    uint32_t r;
    for (r = 0; r < 12u; r++) {
        s += tf_rng_next(rng) >> 12;
    }
    return (float)((int32_t)s - (int32_t)(6u << 20)) * 0x1p-20f;
}
