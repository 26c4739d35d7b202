/*
 * Kernel tests: every optimized kernel against its reference twin and against hand-computed
 * values, at sizes around word boundaries. Lines starting with "PIN" print values that the
 * TypeScript side pins (test/runtime.test.ts).
 */
#include <math.h>

#include "tf_test.h"

static const uint32_t widths[] = {1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 100, 784};
#define NUM_WIDTHS (sizeof widths / sizeof widths[0])

/* ---------------------------------------------------------------- popcount (§2) ---------- */
static void test_popcount(void) {
    static const uint32_t edges[] = {0u,          1u,          0x80000000u, 0xFFFFFFFFu, 0x55555555u,
                                     0xAAAAAAAAu, 0x0F0F0F0Fu, 0xF0F0F0F0u, 0x7FFFFFFFu, 0xFFFFFFFEu,
                                     0x00010000u, 0x0000FFFFu, 0xFFFF0000u, 0x80000001u, 0x12345678u};
    static const uint32_t expected[] = {0, 1, 1, 32, 16, 16, 16, 16, 31, 31, 1, 16, 16, 2, 13};
    uint32_t i;
    for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        CHECK_EQ_U(tf_popcount_u32(edges[i]), expected[i], i);
        CHECK_EQ_U(tf_popcount_u32_ref(edges[i]), expected[i], i);
    }
    for (i = 0; i < 200000u; i++) {
        const uint32_t x = tf_test_rand() & tf_test_rand(); /* vary the density */
        const uint32_t y = tf_test_rand();
        if (tf_popcount_u32(x) != tf_popcount_u32_ref(x) || tf_popcount_u32(y) != tf_popcount_u32_ref(y)) {
            CHECK_EQ_U(tf_popcount_u32(x), tf_popcount_u32_ref(x), i);
            CHECK_EQ_U(tf_popcount_u32(y), tf_popcount_u32_ref(y), i);
            break;
        }
    }
    CHECK(i == 200000u);
}

/* ---------------------------------------------------------------- bit convention (§2) ---- */
static void test_bits(void) {
    static const uint32_t packw[] = {1, 31, 32, 33, 63, 64, 65};
    uint32_t t;
    CHECK_EQ_U(tf_words_for(0), 0, 0);
    CHECK_EQ_U(tf_words_for(1), 1, 1);
    CHECK_EQ_U(tf_words_for(32), 1, 32);
    CHECK_EQ_U(tf_words_for(33), 2, 33);
    CHECK_EQ_U(tf_words_for(65), 3, 65);
    for (t = 0; t < sizeof packw / sizeof packw[0]; t++) {
        const uint32_t n = packw[t];
        uint8_t values[80];
        tf_word words[4] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
        uint32_t i;
        for (i = 0; i < n; i++) {
            values[i] = (uint8_t)((tf_test_rand() % 3u == 0u) ? 0u : (1u + tf_test_rand() % 255u));
            if (i + 1u == n) {
                values[i] = 1; /* the last element set: padding must still be 0 */
            }
        }
        tf_pack_bits_u8(values, n, words);
        for (i = 0; i < n; i++) {
            CHECK_EQ_U(tf_bit_get(words, i), values[i] != 0u, n * 1000u + i);
            /* element i lives in word i >> 5 at bit i & 31 */
            CHECK_EQ_U((words[i >> 5] >> (i & 31u)) & 1u, values[i] != 0u, n * 1000u + i);
        }
        for (i = n; i < 32u * tf_words_for(n); i++) {
            CHECK_EQ_U(tf_bit_get(words, i), 0, n * 1000u + i); /* padding zero */
        }
        CHECK_EQ_U(words[tf_words_for(n)], 0xFFFFFFFFu, n); /* nothing written past the vector */
    }
    {
        tf_word v[2] = {0, 0};
        tf_bit_set(v, 0);
        tf_bit_set(v, 31);
        tf_bit_set(v, 32);
        CHECK_EQ_U(v[0], 0x80000001u, 0);
        CHECK_EQ_U(v[1], 0x00000001u, 1);
        tf_bit_put(v, 31, 0);
        tf_bit_clear(v, 0);
        tf_bit_put(v, 33, 1);
        CHECK_EQ_U(v[0], 0u, 2);
        CHECK_EQ_U(v[1], 0x00000003u, 3);
    }
}

/* ---------------------------------------------------------------- dense dots (§7.1) ------ */
static void random_row(tf_word *w, int *sign, uint32_t k) {
    uint32_t i;
    tf_bits_zero(w, tf_words_for(k));
    for (i = 0; i < k; i++) {
        sign[i] = (tf_test_rand() & 1u) ? 1 : -1;
        if (sign[i] > 0) {
            tf_bit_set(w, i);
        }
    }
}

static void test_dense_dots(void) {
    static tf_word w[25];
    static tf_word a[25];
    static int sign[784];
    static uint8_t q[784];
    static uint8_t abits[784];
    uint32_t t;
    for (t = 0; t < NUM_WIDTHS; t++) {
        const uint32_t k = widths[t];
        int rep;
        for (rep = 0; rep < 20; rep++) {
            int32_t hand_u8 = 0;
            int32_t hand_bits = 0;
            int32_t q_sum = 0;
            int32_t ones = 0;
            uint32_t i;
            random_row(w, sign, k);
            for (i = 0; i < k; i++) {
                q[i] = (uint8_t)(rep == 0 ? 255u : tf_test_rand() & 0xFFu);
                abits[i] = (uint8_t)(tf_test_rand() & 1u);
                hand_u8 += sign[i] * (int32_t)q[i];
                hand_bits += sign[i] * (int32_t)abits[i];
                q_sum += q[i];
                ones += abits[i];
            }
            tf_pack_bits_u8(abits, k, a);
            CHECK_EQ_U(tf_dense_dot_u8(w, q, k, q_sum), hand_u8, k);
            CHECK_EQ_U(tf_dense_dot_u8_ref(w, q, k, q_sum), hand_u8, k);
            CHECK_EQ_U(tf_dense_dot_bits(w, a, k, ones), hand_bits, k);
            CHECK_EQ_U(tf_dense_dot_bits_ref(w, a, k, ones), hand_bits, k);
        }
        /* all weights -1 / all +1 with maximal input */
        {
            uint32_t i;
            tf_bits_zero(w, tf_words_for(k));
            for (i = 0; i < k; i++) {
                q[i] = 255;
            }
            CHECK_EQ_U(tf_dense_dot_u8(w, q, k, (int32_t)(255u * k)), -(int32_t)(255u * k), k);
            for (i = 0; i < k; i++) {
                tf_bit_set(w, i);
            }
            CHECK_EQ_U(tf_dense_dot_u8(w, q, k, (int32_t)(255u * k)), (int32_t)(255u * k), k);
        }
    }
    /* tf_dense_f32 by hand: rows {1,0,1} and {0,0,0}; q = {10,20,30}; α = 0.5, γ = 0.25. */
    {
        const tf_word wb[2] = {0x5u, 0x0u};
        const uint8_t qb[3] = {10, 20, 30};
        const float bias[2] = {1.0f, 0.0f};
        float z[2];
        tf_input in;
        in.bytes = qb;
        in.bits = NULL;
        in.count = 3;
        in.total = 60;
        in.gamma = 0.25f;
        tf_dense_f32(wb, 2, &in, 0.5f, bias, z);
        CHECK_BITS_F(z[0], 3.5f, 0);  /* 0.125 · 20 + 1 */
        CHECK_BITS_F(z[1], -7.5f, 1); /* 0.125 · −60 + 0 */
    }
}

/* ---------------------------------------------------------------- binarize, classifier ---- */
static void test_binarize_classifier(void) {
    {
        const float z[5] = {1.5f, -0.5f, 0.0f, -0.0f, 2.0f};
        tf_word bits[2] = {0xFFFFFFFFu, 0xFFFFFFFFu};
        float gamma = 0.0f;
        tf_binarize_f32(z, 5, bits, &gamma);
        CHECK_EQ_U(bits[0], 0x11u, 0); /* units 0 and 4; padding zero */
        CHECK_EQ_U(bits[1], 0xFFFFFFFFu, 1);
        CHECK_BITS_F(gamma, 0.8f, 0); /* div(4, 5) */
    }
    {
        /* c0 = {1,0,1}, c1 = {0,0,0}; q = {1,1,0}: t0 = 0, t1 = −2; γβ = 0.25. */
        const tf_word cbits[2] = {0x5u, 0x0u};
        const tf_word q[1] = {0x3u};
        float a[2];
        tf_classifier_f32(cbits, 2, q, 3, 0.5f, 0.5f, a);
        CHECK_BITS_F(a[0], 0.0f, 0);
        CHECK_BITS_F(a[1], -0.5f, 1);
    }
    {
        const float a[4] = {1.0f, 3.0f, 3.0f, 2.0f};
        const float z[2] = {-0.0f, 0.0f};
        CHECK_EQ_U(tf_argmax_f32(a, 4), 1, 0);
        CHECK_EQ_U(tf_argmax_f32(z, 2), 0, 1); /* -0 == +0: tie to the smallest class */
    }
}

/* ---------------------------------------------------------------- exp32 (§9) -------------- */
static double ulp_of(double y) {
    int e;
    (void)frexp(y, &e); /* y = m · 2^e, 0.5 <= m < 1 */
    if (e - 1 < -126) {
        return ldexp(1.0, -149);
    }
    return ldexp(1.0, e - 24);
}

static void test_exp32(void) {
    const float under = tf_f32_from_bits(0xC2CFF1B5u);
    const float over = tf_f32_from_bits(0x42B17218u);
    double worst = 0.0;
    float worst_x = 0.0f;
    uint32_t i;
    const uint32_t steps = 1u << 22;
    for (i = 0; i <= steps + 1000000u; i++) {
        float x;
        double exact;
        float got;
        double err;
        if (i <= steps) {
            x = (float)((double)under + ((double)over - (double)under) * (double)i / (double)steps);
        } else {
            x = tf_f32_from_bits(tf_test_rand()); /* random bit patterns inside the range */
            if (!(x >= under && x <= over)) {
                continue;
            }
        }
        exact = exp((double)x);
        got = tf_exp32(x);
        if ((float)exact > 3.4028234e38f) {
            /* beyond FLT_MAX after rounding: +Inf is the correctly rounded answer */
            CHECK(tf_f32_to_bits(got) == 0x7F800000u || (double)got >= 3.4028e38);
            continue;
        }
        err = fabs((double)got - exact) / ulp_of(exact);
        if (err > worst) {
            worst = err;
            worst_x = x;
        }
    }
    printf("INFO exp32 worst error %.3f ulp at x=%.9g (0x%08lx)\n", worst, (double)worst_x,
           (unsigned long)tf_f32_to_bits(worst_x));
    CHECK(worst <= 2.0);

    /* edges */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0x7FC00000u))), 0x7FC00000u, 0);  /* NaN → NaN */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0xFFC00001u))), 0xFFC00001u, 1);  /* same NaN */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0x7F800000u))), 0x7F800000u, 2);  /* +Inf */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0xFF800000u))), 0x00000000u, 3);  /* −Inf → +0 */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(89.0f)), 0x7F800000u, 4);
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(-104.0f)), 0x00000000u, 5);
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0x42B17219u))), 0x7F800000u, 6); /* just above OVER */
    CHECK_EQ_U(tf_f32_to_bits(tf_exp32(tf_f32_from_bits(0xC2CFF1B6u))), 0x00000000u, 7); /* just below UNDER */
    CHECK_BITS_F(tf_exp32(0.0f), 1.0f, 8);
    CHECK_BITS_F(tf_exp32(-0.0f), 1.0f, 9);
    CHECK(tf_exp32(-100.0f) > 0.0f && tf_exp32(-100.0f) < 1.2e-38f); /* subnormal result */

    /* §9 constants are the hexadecimal literals of the bit patterns */
    CHECK_EQ_U(tf_f32_to_bits(0x1.715476p0f), 0x3FB8AA3Bu, 10);
    CHECK_EQ_U(tf_f32_to_bits(0x1.62e400p-1f), 0x3F317200u, 11);
    CHECK_EQ_U(tf_f32_to_bits(0x1.7f7d1cp-20f), 0x35BFBE8Eu, 12);
    CHECK_EQ_U(tf_f32_to_bits(0x1.62e430p6f), 0x42B17218u, 13);
    CHECK_EQ_U(tf_f32_to_bits(-0x1.9fe36ap6f), 0xC2CFF1B5u, 14);
    CHECK_EQ_U(tf_f32_to_bits(0x1.a01a02p-13f), tf_f32_to_bits((float)(1.0 / 5040.0)), 15);
    CHECK_EQ_U(tf_f32_to_bits(0x1.6c16c2p-10f), tf_f32_to_bits((float)(1.0 / 720.0)), 16);
    CHECK_EQ_U(tf_f32_to_bits(0x1.111112p-7f), tf_f32_to_bits((float)(1.0 / 120.0)), 17);
    CHECK_EQ_U(tf_f32_to_bits(0x1.555556p-5f), tf_f32_to_bits((float)(1.0 / 24.0)), 18);
    CHECK_EQ_U(tf_f32_to_bits(0x1.555556p-3f), tf_f32_to_bits((float)(1.0 / 6.0)), 19);

    {
        static const float pins[] = {1.0f, -1.0f, 0.5f, 10.0f, -10.0f, 88.0f, 88.72f, -87.0f, -100.0f, -103.9f,
                                     0.1f, -0.1f, 3.0e-8f};
        for (i = 0; i < sizeof pins / sizeof pins[0]; i++) {
            printf("PIN exp32 %08lx %08lx\n", (unsigned long)tf_f32_to_bits(pins[i]),
                   (unsigned long)tf_f32_to_bits(tf_exp32(pins[i])));
        }
    }
}

/* ---------------------------------------------------------------- sqrt ------------------ */
static void check_sqrt(float x, uint32_t index) {
    const float expected = sqrtf(x);
    const float got = tf_sqrt_f32_ref(x);
    if (tf_f32_to_bits(got) != tf_f32_to_bits(expected)) {
        CHECK_BITS_F(got, expected, index);
    }
}

static void test_sqrt(void) {
    uint32_t b;
    const unsigned long failed_before = tf_test_failed;
    /* every binary32 in [1, 4): each significand with both exponent parities */
    for (b = 0x3F800000u; b < 0x40800000u && tf_test_failed - failed_before < 10u; b++) {
        check_sqrt(tf_f32_from_bits(b), b);
    }
    /* every subnormal */
    for (b = 1u; b < 0x00800000u && tf_test_failed - failed_before < 10u; b++) {
        check_sqrt(tf_f32_from_bits(b), b);
    }
    /* random positive patterns */
    for (b = 0; b < 2000000u && tf_test_failed - failed_before < 10u; b++) {
        const uint32_t x = tf_test_rand() & 0x7F7FFFFFu;
        check_sqrt(tf_f32_from_bits(x), x);
    }
    CHECK(tf_test_failed == failed_before);
    CHECK_EQ_U(tf_f32_to_bits(tf_sqrt_f32_ref(0.0f)), 0x00000000u, 0);
    CHECK_EQ_U(tf_f32_to_bits(tf_sqrt_f32_ref(-0.0f)), 0x80000000u, 1);
    CHECK_EQ_U(tf_f32_to_bits(tf_sqrt_f32_ref(tf_f32_from_bits(0x7F800000u))), 0x7F800000u, 2);
    CHECK(tf_sqrt_f32_ref(-1.0f) != tf_sqrt_f32_ref(-1.0f));
    CHECK(tf_sqrt_f32_ref(tf_f32_from_bits(0xFF800000u)) != tf_sqrt_f32_ref(tf_f32_from_bits(0xFF800000u)));
    CHECK(tf_sqrt_f32_ref(tf_f32_from_bits(0x7FC00000u)) != tf_sqrt_f32_ref(tf_f32_from_bits(0x7FC00000u)));
    CHECK_BITS_F(tf_sqrt_f32_ref(tf_f32_from_bits(0x7F7FFFFFu)), sqrtf(tf_f32_from_bits(0x7F7FFFFFu)), 3);
    CHECK_BITS_F(tf_sqrt_f32(2.0f), sqrtf(2.0f), 4);
    CHECK_BITS_F(tf_sqrt_f32(0x1p-149f), sqrtf(0x1p-149f), 5);
}

/* ---------------------------------------------------------------- CRC-32 (§11) ----------- */
static void test_crc(void) {
    static const uint8_t check[9] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    static uint8_t buf[1000];
    uint32_t i;
    CHECK_EQ_U(tf_crc32(0, check, 9), 0xCBF43926u, 0);
    CHECK_EQ_U(tf_crc32_ref(0, check, 9), 0xCBF43926u, 1);
    CHECK_EQ_U(tf_crc32(tf_crc32(0, check, 4), check + 4, 5), 0xCBF43926u, 2);
    CHECK_EQ_U(tf_crc32(0, check, 0), 0u, 3);
    CHECK_EQ_U(tf_crc32_table(0, check, 9), 0xCBF43926u, 4);
    CHECK_EQ_U(tf_crc32_table(tf_crc32_table(0, check, 4), check + 4, 5), 0xCBF43926u, 5);
    for (i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)tf_test_rand();
    }
    for (i = 0; i < sizeof buf; i += 37u) {
        CHECK_EQ_U(tf_crc32(0, buf, i), tf_crc32_ref(0, buf, i), i);
        CHECK_EQ_U(tf_crc32_table(0, buf, i), tf_crc32_ref(0, buf, i), i);
        CHECK_EQ_U(tf_crc32_table(0x12345678u, buf, i), tf_crc32_ref(0x12345678u, buf, i), i);
    }
    printf("PIN crc32 123456789 %08lx\n", (unsigned long)tf_crc32(0, check, 9));
}

/* ---------------------------------------------------------------- PRNG (§4) -------------- */
static void test_prng(void) {
    tf_rng rng;
    uint32_t s = 0;
    uint32_t i;
    uint32_t id;
    /* splitmix32 from 0: first output is the finaliser of 0x9E3779B9 */
    {
        uint32_t z = 0x9E3779B9u;
        z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
        z = (z ^ (z >> 13)) * 0xC2B2AE35u;
        z = z ^ (z >> 16);
        CHECK_EQ_U(tf_splitmix32(&s), z, 0);
        CHECK_EQ_U(s, 0x9E3779B9u, 1);
    }
    for (id = 1; id <= 3u; id++) {
        tf_rng_seed(&rng, 1u, id);
        printf("PIN prng seed=1 stream=%lu state %08lx %08lx %08lx %08lx\n", (unsigned long)id,
               (unsigned long)rng.s[0], (unsigned long)rng.s[1], (unsigned long)rng.s[2], (unsigned long)rng.s[3]);
        printf("PIN prng seed=1 stream=%lu next", (unsigned long)id);
        for (i = 0; i < 8u; i++) {
            printf(" %08lx", (unsigned long)tf_rng_next(&rng));
        }
        printf("\n");
    }
    /* uniform() is exact: next() >> 8 scaled by 2^-24 */
    {
        tf_rng a;
        tf_rng b;
        tf_rng_seed(&a, 123u, 2u);
        tf_rng_seed(&b, 123u, 2u);
        for (i = 0; i < 1000u; i++) {
            const float u = tf_rng_uniform(&a);
            const uint32_t n = tf_rng_next(&b) >> 8;
            CHECK_BITS_F(u * 16777216.0f, (float)n, i);
            CHECK(u >= 0.0f && u < 1.0f);
        }
        tf_rng_seed(&a, 1u, 2u);
        printf("PIN uniform seed=1 stream=2");
        for (i = 0; i < 3u; i++) {
            printf(" %08lx", (unsigned long)tf_f32_to_bits(tf_rng_uniform(&a)));
        }
        printf("\n");
    }
    /* the all-zero state cannot occur: seed chosen so s = 0 still gives a non-zero state */
    tf_rng_seed(&rng, 0u, 0u);
    CHECK((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) != 0u);
}

/* ---------------------------------------------------------------- softmax, δ (§8.1–7) ----- */
static void test_softmax_delta(void) {
    {
        float a[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        uint32_t i;
        tf_softmax_f32(a, 4);
        for (i = 0; i < 4u; i++) {
            CHECK_BITS_F(a[i], 0.25f, i);
        }
    }
    {
        float a[2] = {0.0f, -200.0f};
        tf_softmax_f32(a, 2);
        CHECK_BITS_F(a[0], 1.0f, 0);
        CHECK_BITS_F(a[1], 0.0f, 1);
    }
    {
        float a[3] = {-0.0f, 0.0f, -0.0f};
        tf_softmax_f32(a, 3);
        CHECK_BITS_F(a[0], a[1], 0);
        CHECK_BITS_F(a[2], a[1], 1);
    }
    {
        /* c0 = {1,0,1}, c1 = {0,1,1}; p = {0.75, 0.25}, label 0 → δa = {−0.25, 0.25};
         * D = {−0.5, 0.5, 0}; β = 0.5 → δh = {−0.25, 0.25, 0}; z = {0.5, 1.0, 0.3} → δz = {−0.25, 0, 0}. */
        const tf_word cbits[2] = {0x5u, 0x6u};
        float p[2] = {0.75f, 0.25f};
        float z[3] = {0.5f, 1.0f, 0.3f};
        tf_local_delta_f32(p, 2, 0, cbits, 3, 0.5f, 0.0f, z);
        CHECK_BITS_F(p[0], -0.25f, 0);
        CHECK_BITS_F(p[1], 0.25f, 1);
        CHECK_BITS_F(z[0], -0.25f, 2);
        CHECK_BITS_F(z[1], 0.0f, 3);
        CHECK_BITS_F(z[2], 0.0f, 4);
    }
    {
        /* gate g < z < 1: relu (g = 0) closes at z <= 0, symmetric (g = −1) at z <= −1;
         * both close at z >= 1. c0 = {1,1,1,1}, c1 = {0,0,0,0}; p = {0.5, 0.5}, label 1
         * → δa = {0.5, −0.5}, D = 0.5 + 0.5 = 1, β = 1 → δh = 1. */
        const tf_word cbits[2] = {0xFu, 0x0u};
        static const float zin[4] = {-0.5f, -1.0f, 0.0f, 1.0f};
        static const float relu[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        static const float symmetric[4] = {1.0f, 0.0f, 1.0f, 0.0f};
        float p[2] = {0.5f, 0.5f};
        float z[4];
        uint32_t i;
        memcpy(z, zin, sizeof z);
        tf_local_delta_f32(p, 2, 1, cbits, 4, 1.0f, 0.0f, z);
        for (i = 0; i < 4u; i++) {
            CHECK_BITS_F(z[i], relu[i], i);
        }
        p[0] = 0.5f;
        p[1] = 0.5f;
        memcpy(z, zin, sizeof z);
        tf_local_delta_f32(p, 2, 1, cbits, 4, 1.0f, -1.0f, z);
        for (i = 0; i < 4u; i++) {
            CHECK_BITS_F(z[i], symmetric[i], i);
        }
    }
    /* the variant `soft` against tf_local_delta_f32: random probabilities (tiny, subnormal and 0
     * among them), z around both ends of the gate (exactly g, 1, ±0, NaN), 1 … 300 units */
    {
        static const uint16_t unit_counts[] = {1, 31, 32, 33, 64, 65, 256, 300};
        static float p1[10], p2[10], z1[300], z2[300];
        static tf_word cb[10 * 10];
        static const float gates[] = {0.0f, -1.0f, 0.25f};
        uint32_t t;
        for (t = 0; t < 240u; t++) {
            const uint16_t units = unit_counts[t % 8u];
            const uint8_t classes = (uint8_t)(2u + t % 9u);
            const uint8_t label = (uint8_t)(tf_test_rand() % classes);
            const float gate = gates[t % 3u];
            const float beta = (t % 5u == 0u) ? 1.0f : (float)(tf_test_rand() % 1000u + 1u) * 1e-3f;
            uint32_t i;
            for (i = 0; i < classes; i++) {
                const uint32_t r = tf_test_rand();
                p1[i] = (r % 7u == 0u) ? 0.0f : (r % 7u == 1u) ? tf_f32_from_bits(r & 0x007FFFFFu)
                      : (float)(r % 100000u) * 1e-5f;
                p2[i] = p1[i];
            }
            for (i = 0; i < 10u * tf_words_for(units); i++) {
                cb[i] = tf_test_rand();
            }
            for (i = 0; i < units; i++) {
                const uint32_t r = tf_test_rand() % 12u;
                z1[i] = r == 0u ? gate : r == 1u ? 1.0f : r == 2u ? -0.0f : r == 3u ? 0.0f
                      : r == 4u ? tf_f32_from_bits(0x7FC00000u) : r == 5u ? tf_f32_from_bits(0x3F7FFFFFu)
                      : (float)(int32_t)(tf_test_rand() % 4001u - 2000u) * 1e-3f;
                z2[i] = z1[i];
            }
            tf_local_delta_f32(p1, classes, label, cb, units, beta, gate, z1);
            tf_local_delta_f32_soft(p2, classes, label, cb, units, beta, gate, z2);
            for (i = 0; i < classes; i++) {
                CHECK_BITS_F(p2[i], p1[i], t * 1000u + i);
            }
            for (i = 0; i < units; i++) {
                CHECK_BITS_F(z2[i], z1[i], t * 1000u + i);
            }
        }
    }
    {
        /* dz = {0.5, 0, −1}; q = {2, 4}, γ = 0.25 → h = {0.5, 1} */
        const float dz[3] = {0.5f, 0.0f, -1.0f};
        const uint8_t q[2] = {2, 4};
        const tf_word qb[1] = {0x2u}; /* bits {0, 1} */
        float acc[6] = {0, 0, 0, 0, 0, 0};
        static const float expected[6] = {0.25f, 0.5f, 0.0f, 0.0f, -0.5f, -1.0f};
        tf_input in;
        uint32_t i;
        in.bytes = q;
        in.bits = NULL;
        in.count = 2;
        in.total = 6;
        in.gamma = 0.25f;
        tf_block_grad_acc_f32(acc, dz, 0, 3, &in, 0, 2);
        for (i = 0; i < 6u; i++) {
            CHECK_BITS_F(acc[i], expected[i], i);
        }
        tf_block_grad_acc_f32(acc, dz, 0, 3, &in, 0, 2);
        for (i = 0; i < 6u; i++) {
            CHECK_BITS_F(acc[i], 2.0f * expected[i], i);
        }
        /* bit input, one block of rows 1..2 × column 1 */
        in.bytes = NULL;
        in.bits = qb;
        in.total = 1;
        in.gamma = 0.5f;
        acc[0] = 0.0f;
        acc[1] = 0.0f;
        tf_block_grad_acc_f32(acc, dz, 1, 2, &in, 1, 1);
        CHECK_BITS_F(acc[0], 0.0f, 0);
        CHECK_BITS_F(acc[1], -0.5f, 1);
        CHECK_BITS_F(tf_input_h_f32(&in, 0), 0.0f, 2);
        CHECK_BITS_F(tf_input_h_f32(&in, 1), 0.5f, 3);
    }
}

/* ---------------------------------------------------------------- optimizers (§8.10) ----- */
static void test_optimizers(void) {
    tf_adam_coef k;
    float m = 0.0f;
    float v = 0.0f;
    float w;
    CHECK_BITS_F(tf_sgd_f32(0.5f, 0.25f, 0.5f), 0.375f, 0);
    CHECK_BITS_F(tf_sgd_f32(-0.0f, 0.0f, 0.5f), -0.0f, 1); /* −0 − (+0) = −0 */
    CHECK_BITS_F(tf_clamp1_f32(tf_sgd_f32(0.9f, -1.0f, 0.5f)), 1.0f, 2);
    CHECK_BITS_F(tf_clamp1_f32(tf_sgd_f32(-0.9f, 1.0f, 0.5f)), -1.0f, 3);
    CHECK_BITS_F(tf_clamp1_f32(1.0f), 1.0f, 4);
    CHECK_BITS_F(tf_clamp1_f32(-1.0f), -1.0f, 5);
    CHECK_BITS_F(tf_clamp1_f32(-0.0f), -0.0f, 6);
    CHECK_BITS_F(tf_clamp1_f32(tf_f32_from_bits(0x7F800000u)), 1.0f, 7);
    CHECK_BITS_F(tf_clamp1_f32(tf_f32_from_bits(0xFF800000u)), -1.0f, 8);
    CHECK(tf_clamp1_f32(tf_f32_from_bits(0x7FC00000u)) != tf_clamp1_f32(tf_f32_from_bits(0x7FC00000u)));

    /* Adam with β1 = 0.5, β2 = 0.75, lr = 0.5, ε = 0.25 (all exact).
     * Step 1, g = 2: p1 = 0.5, p2 = 0.75 → d1 = 0.5, d2 = 0.25; m = 1, v = 1; m̂ = 2, v̂ = 4;
     * w' = 0.5 − 1 / 2.25 = 0.5 − 0x1.c71c72p-2 = 0x1.c71c70p-5 (Sterbenz: exact). */
    k.lr = 0.5f;
    k.beta1 = 0.5f;
    k.beta2 = 0.75f;
    k.c1 = 0.5f;
    k.c2 = 0.25f;
    k.eps = 0.25f;
    k.d1 = 0.5f;
    k.d2 = 0.25f;
    w = tf_adam_f32(0.5f, &m, &v, 2.0f, &k);
    CHECK_BITS_F(m, 1.0f, 0);
    CHECK_BITS_F(v, 1.0f, 1);
    CHECK_BITS_F(w, 0x1.c71c70p-5f, 2);
    CHECK_EQ_U(tf_f32_to_bits(w), 0x3D638E38u, 3);
    /* Step 2, g = −1: p1 = 0.25, p2 = 0.5625 → d1 = 0.75, d2 = 0.4375; m = 0, v = 1; w unchanged. */
    k.d1 = 0.75f;
    k.d2 = 0.4375f;
    w = tf_adam_f32(w, &m, &v, -1.0f, &k);
    CHECK_BITS_F(m, 0.0f, 4);
    CHECK_BITS_F(v, 1.0f, 5);
    CHECK_EQ_U(tf_f32_to_bits(w), 0x3D638E38u, 6);
}

/* ------------------------------------- u8 dense layer: optimized, `dsp` against reference --- */
/* Bytes with runs of zeros (whole 4-byte groups and words), single non-zero bytes and 255s. */
static void random_pixels(uint8_t *q, uint32_t k, int rep) {
    uint32_t i = 0;
    while (i < k) {
        const uint32_t r = tf_test_rand();
        uint32_t run = 1u + (r >> 24) % 40u;
        const uint32_t kind = rep == 0 ? 3u : r & 3u;
        for (; run > 0u && i < k; run--, i++) {
            switch (kind) {
            case 0: q[i] = 0; break;                                              /* a blank stretch */
            case 1: q[i] = (uint8_t)((tf_test_rand() % 5u == 0u) ? tf_test_rand() : 0u); break; /* sparse */
            case 2: q[i] = (uint8_t)tf_test_rand(); break;
            default: q[i] = 255; break;
            }
        }
    }
}

static void test_dense_u8_variants(void) {
    static const uint16_t unit_counts[] = {1, 2, 3, 4, 5, 8};
    static tf_word w[8 * 25];
    static int sign[784];
    static uint8_t q[784];
    static float bias[8];
    static float z_ref[8], z_opt[8], z_dsp[8], z_sparse[8];
    uint32_t t;
    for (t = 0; t < NUM_WIDTHS; t++) {
        const uint32_t k = widths[t];
        const uint32_t row_words = tf_words_for(k);
        uint32_t u;
        for (u = 0; u < sizeof unit_counts / sizeof unit_counts[0]; u++) {
            const uint16_t units = unit_counts[u];
            int rep;
            for (rep = 0; rep < 6; rep++) {
                tf_input in;
                int32_t total = 0;
                uint32_t i, j;
                for (j = 0; j < units; j++) {
                    random_row(w + j * row_words, sign, k);
                    bias[j] = (float)(int32_t)(tf_test_rand() % 2001u - 1000u) * 1e-3f;
                }
                random_pixels(q, k, rep);
                for (i = 0; i < k; i++) {
                    total += q[i];
                }
                in.bytes = q;
                in.bits = NULL;
                in.count = k;
                in.total = total;
                in.gamma = 0.00392156886f; /* div(1, 255) */
                tf_dense_u8_f32_ref(w, units, &in, 0.4375f, bias, z_ref);
                tf_dense_u8_f32(w, units, &in, 0.4375f, bias, z_opt);
                tf_dense_u8_f32_dsp(w, units, &in, 0.4375f, bias, z_dsp);
                tf_dense_u8_f32_sparse(w, units, &in, 0.4375f, bias, z_sparse);
                for (j = 0; j < units; j++) {
                    CHECK_BITS_F(z_opt[j], z_ref[j], k * 100u + j);
                    CHECK_BITS_F(z_dsp[j], z_ref[j], k * 100u + j);
                    CHECK_BITS_F(z_sparse[j], z_ref[j], k * 100u + j);
                }
            }
        }
    }
    /* `sparse` packs the inputs 1024 at a time: longer inputs cross chunks (and word edges) */
    {
        static const uint32_t long_widths[] = {1023, 1024, 1025, 2047, 2080, 3000};
        static tf_word wl[3 * 94];
        static int sign_l[3000];
        static uint8_t ql[3000];
        for (t = 0; t < sizeof long_widths / sizeof long_widths[0]; t++) {
            const uint32_t k = long_widths[t];
            const uint32_t row_words = tf_words_for(k);
            tf_input in;
            int32_t total = 0;
            uint32_t i, j;
            for (j = 0; j < 3u; j++) {
                random_row(wl + j * row_words, sign_l, k);
                bias[j] = (j == 0u) ? 0.0f : (float)(int32_t)(tf_test_rand() % 2001u - 1000u) * 1e-3f;
            }
            random_pixels(ql, k, (int)(t % 4u) + 1);
            for (i = 0; i < k; i++) {
                total += ql[i];
            }
            in.bytes = ql;
            in.bits = NULL;
            in.count = k;
            in.total = total;
            in.gamma = 0.00392156886f;
            tf_dense_u8_f32_ref(wl, 3, &in, 0.4375f, bias, z_ref);
            tf_dense_u8_f32_sparse(wl, 3, &in, 0.4375f, bias, z_sparse);
            for (j = 0; j < 3u; j++) {
                CHECK_BITS_F(z_sparse[j], z_ref[j], k * 100u + j);
            }
        }
    }
}

/* ------------------------------------------ absSum of a block: optimized against reference --- */
/* fix(w) = floor(|w| · 2^24) (§6), in double precision: |w| · 2^24 is exact, floor too. */
static uint64_t fix_double(float w) {
    const double a = fabs((double)w) * 16777216.0;
    return (uint64_t)floor(a);
}

/* A weight of every kind fix has to handle: ±0, ±subnormals, around 2^−24, just below 2^−k,
 * ±1, and uniform ones in [−1, 1]. */
static float fix_case(void) {
    const uint32_t r = tf_test_rand();
    const uint32_t sign = (r & 1u) << 31;
    switch ((r >> 1) % 6u) {
    case 0: return tf_f32_from_bits(sign | (tf_test_rand() & 0x007FFFFFu)); /* ±0 or a subnormal */
    case 1: return tf_f32_from_bits(sign | (0x33800000u + (tf_test_rand() % 64u) - 32u)); /* near 2^−24 */
    case 2: return tf_f32_from_bits(sign | (((127u - tf_test_rand() % 30u) << 23) - 1u)); /* just below 2^−k */
    case 3: return tf_f32_from_bits(sign | 0x3F800000u); /* ±1 */
    case 4: return tf_f32_from_bits(sign | ((tf_test_rand() % 127u) << 23) | (tf_test_rand() & 0x007FFFFFu));
    default: return (float)(int32_t)(tf_test_rand() % 2000001u - 1000000) * 1e-6f;
    }
}

/* The binary32 nearest to x (ties to even) by integer arithmetic, for x < 2^64. */
static uint32_t u64_to_f32_bits(uint64_t x) {
    uint32_t e = 63u;
    uint64_t mant;
    uint64_t rest;
    uint64_t half;
    if (x == 0u) {
        return 0u;
    }
    while ((x >> e) == 0u) {
        e--;
    }
    if (e <= 23u) {
        return ((e + 127u) << 23) | (uint32_t)((x << (23u - e)) & 0x7FFFFFu);
    }
    mant = x >> (e - 23u);
    rest = x & ((1ull << (e - 23u)) - 1u);
    half = 1ull << (e - 24u);
    if (rest > half || (rest == half && (mant & 1u) != 0u)) {
        mant++;
        if (mant == (1ull << 24)) {
            mant >>= 1;
            e++;
        }
    }
    return ((e + 127u) << 23) | (uint32_t)(mant & 0x7FFFFFu);
}

static void test_abs_sum(void) {
    static float w[800];
    uint32_t n;
    uint32_t t;
    /* fix of single values against the double-precision definition, and edge values by hand */
    for (t = 0; t < 200000u; t++) {
        const float v = fix_case();
        uint64_t got;
        w[0] = v;
        got = tf_abs_sum_fix(w, 1);
        if (got != fix_double(v) || tf_abs_sum_fix_ref(w, 1) != got || tf_fix24(tf_f32_to_bits(v)) != got) {
            CHECK_EQ_U(tf_f32_to_bits(v), 0u, t);
        }
    }
    CHECK_EQ_U(tf_fix24(0x00000000u), 0u, 0);        /* +0 */
    CHECK_EQ_U(tf_fix24(0x80000000u), 0u, 1);        /* −0 */
    CHECK_EQ_U(tf_fix24(0x00000001u), 0u, 2);        /* smallest subnormal */
    CHECK_EQ_U(tf_fix24(0x807FFFFFu), 0u, 3);        /* largest −subnormal */
    CHECK_EQ_U(tf_fix24(0x33800000u), 1u, 4);        /* 2^−24 */
    CHECK_EQ_U(tf_fix24(0x337FFFFFu), 0u, 5);        /* its predecessor */
    CHECK_EQ_U(tf_fix24(0xB3800001u), 1u, 6);        /* −(its successor) */
    CHECK_EQ_U(tf_fix24(0x34000000u), 2u, 7);        /* 2^−23 */
    CHECK_EQ_U(tf_fix24(0x3F800000u), 16777216u, 8); /* 1.0 */
    CHECK_EQ_U(tf_fix24(0xBF800000u), 16777216u, 9); /* −1.0 */
    CHECK_EQ_U(tf_fix24(0x3F7FFFFFu), 16777215u, 10); /* just below 1 = 2^−0 */
    CHECK_EQ_U(tf_fix24(0x3EFFFFFFu), 8388607u, 11); /* just below 2^−1 */
    CHECK_EQ_U(tf_fix24(0x3F000000u), 8388608u, 12); /* 2^−1 */
    CHECK_EQ_U(tf_fix24(0x33FFFFFFu), 1u, 13);       /* just below 2^−23 */
    CHECK_EQ_U(tf_fix24(0x3F400000u), 12582912u, 14); /* 0.75 */
    for (n = 1; n <= 24u; n++) {                     /* the largest binary32 below 2^−n */
        CHECK_EQ_U(tf_fix24(((127u - n) << 23) - 1u), (1u << (24u - n)) - 1u, 100u + n);
    }
    /* whole blocks at word-boundary and odd sizes: optimized against reference and the definition */
    for (n = 0; n <= 800u; n += (n < 70u) ? 1u : 73u) {
        uint64_t want = 0u;
        uint32_t i;
        for (i = 0; i < n; i++) {
            w[i] = fix_case();
            want += fix_double(w[i]);
        }
        CHECK(tf_abs_sum_fix(w, n) == want);
        CHECK(tf_abs_sum_fix_ref(w, n) == want);
    }
    /* every weight ±1: the largest sum, n · 2^24, exact */
    for (n = 0; n < 800u; n++) {
        w[n] = (n & 1u) ? -1.0f : 1.0f;
    }
    CHECK(tf_abs_sum_fix(w, 800) == 800ull * 16777216u);
    CHECK(tf_abs_sum_fix_ref(w, 800) == 800ull * 16777216u);
    /* α (§6): f32(S) rounds to nearest even — C's (float) of a uint64_t (__aeabi_ul2f on Arm,
     * cvtsi2ss on the host) against integer rounding, at ties, sticky bits and up to 2^53 */
    {
        static const uint64_t edges[] = {0u, 1u, 16777215u, 16777216u, 16777217u, 16777218u, 16777219u,
                                         33554433u, 33554435u, 33554437u, 0xFFFFFFFFull, 0x100000001ull,
                                         0x1FFFFFF800000ull, 0x1FFFFFF800001ull, 0x1FFFFFE800000ull,
                                         0x1FFFFFFFFFFFFFull, 0x20000000000000ull, 0x10000010000000ull,
                                         0x10000030000000ull, 0x10000010000001ull};
        uint32_t e;
        uint32_t bad = 0;
        for (e = 0; e < sizeof edges / sizeof edges[0]; e++) {
            CHECK_EQ_U(tf_f32_to_bits((float)edges[e]), u64_to_f32_bits(edges[e]), e);
        }
        for (t = 0; t < 200000u; t++) {
            const uint32_t bitsn = 1u + tf_test_rand() % 53u;
            uint64_t x = ((uint64_t)tf_test_rand() << 32) | tf_test_rand();
            x &= (1ull << bitsn) - 1u;
            if ((t & 3u) == 0u && bitsn > 26u) {
                /* 24 significant bits, then the half bit: a tie, or (t & 4) just above it */
                x |= 1ull << (bitsn - 1u);
                x = ((x >> (bitsn - 24u)) << (bitsn - 24u)) | (1ull << (bitsn - 25u)) | ((uint64_t)(t & 4u) >> 2);
            }
            if (tf_f32_to_bits((float)x) != u64_to_f32_bits(x) && bad++ < 5u) {
                CHECK_EQ_U(tf_f32_to_bits((float)x), u64_to_f32_bits(x), t);
            }
        }
        CHECK_EQ_U(bad, 0, 0);
    }
    {
        const uint64_t sums[3] = {1u, 16777216u, 16777215u}; /* S = 2^25: f32 exact */
        const uint64_t tie[1] = {16777217u};                 /* f32(2^24 + 1) = 2^24 (tie to even) */
        CHECK_BITS_F(tf_alpha_fix(sums, 3, 8.0f * 16777216.0f), 0.25f, 0);
        CHECK_BITS_F(tf_alpha_fix(tie, 1, 16777216.0f), 1.0f, 1);
    }
}

/* ------------------------------------------------- SGD row update, batch 1 (§8.5–8.10) --- */
/* A random latent weight in [−1, 1] with ±0 and both ends in the mix. */
static float random_weight(void) {
    const uint32_t r = tf_test_rand();
    switch (r & 7u) {
    case 0: return -0.0f;
    case 1: return 0.0f;
    case 2: return 1.0f;
    case 3: return -1.0f;
    default: return (float)(int32_t)(tf_test_rand() % 2000001u - 1000000) * 1e-6f;
    }
}

static void test_sgd_row(void) {
    static const float dzs[] = {0.5f, -0.0390625f, 3.0e-7f, -2.5f, 1.0e30f, -0.0f, 0.0f};
    static const float gammas[] = {0.00392156886f, 0.75f, 3.0f, 0.0f};
    static const float lrs[] = {0.05f, 1.0f, 1.0e-4f};
    static float w[790];
    static float wref[790];
    static float wsoft[790];
    static uint8_t q[790];
    static uint8_t qb[790];
    static tf_word bits[25];
    uint32_t t;
    for (t = 0; t < NUM_WIDTHS; t++) {
        const uint32_t cols = widths[t];
        uint32_t col0;
        for (col0 = 0; col0 < 3u; col0++) {
            uint32_t d, gi, li, i;
            for (i = 0; i < cols + col0; i++) {
                const uint32_t r = tf_test_rand();
                q[i] = (uint8_t)((r & 3u) == 0u ? 0u : (r >> 8) & 0xFFu); /* many zeros */
                qb[i] = (uint8_t)((r >> 16) & 1u);
            }
            tf_pack_bits_u8(qb, cols + col0, bits);
            for (d = 0; d < sizeof dzs / sizeof dzs[0]; d++) {
                for (gi = 0; gi < sizeof gammas / sizeof gammas[0]; gi++) {
                    for (li = 0; li < sizeof lrs / sizeof lrs[0]; li++) {
                        int enc;
                        for (enc = 0; enc < 2; enc++) {
                            tf_input in;
                            in.bytes = enc == 0 ? q : NULL;
                            in.bits = enc == 0 ? NULL : bits;
                            in.count = cols + col0;
                            in.total = 0;
                            in.gamma = gammas[gi];
                            for (i = 0; i < cols; i++) {
                                w[i] = random_weight();
                                wref[i] = w[i];
                                wsoft[i] = w[i];
                            }
                            tf_sgd_row_f32(w, cols, dzs[d], &in, col0, lrs[li]);
                            tf_sgd_row_f32_ref(wref, cols, dzs[d], &in, col0, lrs[li]);
                            tf_sgd_row_f32_soft(wsoft, cols, dzs[d], &in, col0, lrs[li]);
                            for (i = 0; i < cols; i++) {
                                CHECK_EQ_U(tf_f32_to_bits(w[i]), tf_f32_to_bits(wref[i]), cols * 100u + d * 10u + gi);
                                CHECK_EQ_U(tf_f32_to_bits(wsoft[i]), tf_f32_to_bits(wref[i]), cols * 100u + d * 10u + gi);
                            }
                        }
                    }
                }
            }
        }
    }
    /* by hand: w = {0.5, −0.0, 0.75}, q = {2, 0, 4}, γ = 0.25, δz = 0.5, lr = 1:
     * h = {0.5, 0, 1}; ḡ = {0.25, +0, 0.5}; w' = {0.25, −0.0 (unchanged), 0.25}. */
    {
        float wh[3] = {0.5f, -0.0f, 0.75f};
        const uint8_t qh[3] = {2, 0, 4};
        tf_input in;
        in.bytes = qh;
        in.bits = NULL;
        in.count = 3;
        in.total = 6;
        in.gamma = 0.25f;
        tf_sgd_row_f32(wh, 3, 0.5f, &in, 0, 1.0f);
        CHECK_BITS_F(wh[0], 0.25f, 0);
        CHECK_BITS_F(wh[1], -0.0f, 1);
        CHECK_BITS_F(wh[2], 0.25f, 2);
        /* clamping: δz = −8 pushes the inputs that fired past +1; −0 (q = 0) stays */
        tf_sgd_row_f32(wh, 3, -8.0f, &in, 0, 1.0f);
        CHECK_BITS_F(wh[0], 1.0f, 3);
        CHECK_BITS_F(wh[1], -0.0f, 4);
        CHECK_BITS_F(wh[2], 1.0f, 5);
    }
    /* a non-finite δz poisons every element, zero inputs included (NaN = Inf · 0), as in §8 */
    {
        float wn[2] = {0.5f, 0.5f};
        const uint8_t qn[2] = {0, 1};
        tf_input in;
        in.bytes = qn;
        in.bits = NULL;
        in.count = 2;
        in.total = 1;
        in.gamma = 1.0f;
        tf_sgd_row_f32(wn, 2, tf_f32_from_bits(0x7F800000u), &in, 0, 1.0f);
        CHECK(wn[0] != wn[0]);
        CHECK(!tf_is_finite_f32(wn[1]) || wn[1] == -1.0f);
    }
}

/* ----------------------- SGD block update with weight bits: optimized against reference --- */
static void test_sgd_block_bits(void) {
    static const uint16_t rows_list[] = {1, 2, 3, 4, 5, 6};
    static const uint16_t col0s[] = {0, 1, 31, 32, 33};
    static const float gammas[] = {0.00392156886f, 0.75f, 0.0f};
    static float w[8 * 800], wref[8 * 800], wsoft[8 * 800];
    static tf_word bits[8 * 27], bits_ref[8 * 27], bits_soft[8 * 27];
    static uint8_t q[900];
    static tf_word nz[29];
    static float dz[8];
    uint32_t t;
    for (t = 0; t < NUM_WIDTHS; t++) {
        const uint16_t cols = (uint16_t)widths[t];
        uint32_t ci;
        for (ci = 0; ci < sizeof col0s / sizeof col0s[0]; ci++) {
            const uint16_t col0 = col0s[ci];
            const uint32_t inputs = (uint32_t)col0 + cols + (tf_test_rand() % 40u);
            const uint32_t row_words = tf_words_for(inputs);
            uint32_t ri;
            for (ri = 0; ri < sizeof rows_list / sizeof rows_list[0]; ri++) {
                const uint16_t rows = rows_list[ri];
                const uint16_t row0 = (uint16_t)(tf_test_rand() % 3u);
                int enc;
                uint32_t gi;
                for (enc = 0; enc < 2; enc++) {
                    for (gi = 0; gi < sizeof gammas / sizeof gammas[0]; gi++) {
                        tf_input in;
                        uint32_t i, j;
                        random_pixels(q, inputs, (int)(tf_test_rand() % 4u) + 1);
                        if (enc == 1) {
                            for (i = 0; i < inputs; i++) {
                                q[i] = (uint8_t)(q[i] != 0u);
                            }
                        }
                        tf_pack_bits_u8(q, inputs, nz);
                        in.bytes = enc == 0 ? q : NULL;
                        in.bits = nz;
                        in.count = inputs;
                        in.total = 0;
                        in.gamma = gammas[gi];
                        for (j = 0; j < 8u; j++) {
                            /* ±0, a subnormal, one whose steps round to ±0 (tf_row_fast), large */
                            const uint32_t r = tf_test_rand() % 9u;
                            dz[j] = r == 0u ? 0.0f : r == 1u ? -0.0f : r == 2u ? 3.0e-39f : r == 3u ? 40.0f
                                  : r == 4u ? -1.0e-44f
                                  : (float)(int32_t)(tf_test_rand() % 2001u - 1000u) * 1e-3f;
                        }
                        /* a bit matrix that describes the block (and random bits elsewhere) */
                        for (i = 0; i < 8u * row_words; i++) {
                            bits[i] = tf_test_rand();
                        }
                        for (i = 0; i < (uint32_t)rows * cols; i++) {
                            w[i] = random_weight();
                        }
                        {
                            uint64_t sum = 0u;
                            uint64_t sum_ref;
                            uint64_t sum_soft;
                            int fin;
                            int fin_soft;
                            int fin_ref;
                            tf_block_derive_f32(w, row0, rows, col0, cols, bits, row_words, &sum);
                            sum_ref = sum;
                            memcpy(wref, w, sizeof(float) * rows * cols);
                            memcpy(bits_ref, bits, sizeof(tf_word) * 8u * row_words);
                            memcpy(wsoft, w, sizeof(float) * rows * cols);
                            memcpy(bits_soft, bits, sizeof(tf_word) * 8u * row_words);
                            sum_soft = sum;
                            fin_soft = tf_sgd_block_bits_f32_soft(wsoft, dz, row0, rows, &in, col0, cols, 0.05f,
                                                                  bits_soft, row_words, &sum_soft);
                            fin = tf_sgd_block_bits_f32(w, dz, row0, rows, &in, col0, cols, 0.05f, bits, row_words,
                                                        &sum);
                            fin_ref = tf_sgd_block_bits_f32_ref(wref, dz, row0, rows, &in, col0, cols, 0.05f,
                                                                bits_ref, row_words, &sum_ref);
                            /* absSum kept incrementally equals the new block's, re-summed (§6) */
                            CHECK(fin == 1 && fin_ref == 1 && fin_soft == 1);
                            CHECK(sum == sum_ref);
                            CHECK(sum_soft == sum_ref);
                            CHECK(sum == tf_abs_sum_fix_ref(wref, (uint32_t)rows * cols));
                        }
                        for (i = 0; i < (uint32_t)rows * cols; i++) {
                            CHECK_BITS_F(w[i], wref[i], cols * 1000u + i);
                            CHECK_BITS_F(wsoft[i], wref[i], cols * 1000u + i);
                        }
                        for (i = 0; i < 8u * row_words; i++) {
                            CHECK_EQ_U(bits[i], bits_ref[i], cols * 1000u + i);
                            CHECK_EQ_U(bits_soft[i], bits_ref[i], cols * 1000u + i);
                        }
                    }
                }
            }
        }
    }
    /* by hand: one row, columns 30..33 of a 2-word row, q = {0, 4, 0, 2}, γ = 0.25, δz = 2, lr = 1:
     * h = {−, 1, −, 0.5}: w' = {0.5 (kept), 0.25 − 2 → −1, −0.0 (kept), 0.75 − 1 = −0.25} */
    {
        float wh[4] = {0.5f, 0.25f, -0.0f, 0.75f};
        tf_word bh[2] = {0xC0000000u, 0x3u}; /* columns 30..33 all ≥ 0 */
        static const uint8_t qh[34] = {[31] = 4, [33] = 2};
        tf_word nzh[2];
        const float dzh[1] = {2.0f};
        tf_input in;
        uint64_t sum = 0u;
        tf_pack_bits_u8(qh, 34, nzh);
        in.bytes = qh;
        in.bits = nzh;
        in.count = 34;
        in.total = 6;
        in.gamma = 0.25f;
        sum = tf_abs_sum_fix(wh, 4); /* 0.5 + 0.25 + 0 + 0.75 = 1.5 · 2^24 */
        CHECK(sum == 25165824u);
        CHECK_EQ_U(tf_sgd_block_bits_f32(wh, dzh, 0, 1, &in, 30, 4, 1.0f, bh, 2, &sum), 1u, 0);
        CHECK(sum == 29360128u); /* 0.5 + 1 + 0 + 0.25 = 1.75 · 2^24 */
        CHECK_BITS_F(wh[0], 0.5f, 0);
        CHECK_BITS_F(wh[1], -1.0f, 1);
        CHECK_BITS_F(wh[2], -0.0f, 2);
        CHECK_BITS_F(wh[3], -0.25f, 3);
        CHECK_EQ_U(bh[0], 0x40000000u, 4); /* column 30 = 1, 31 = 0 */
        CHECK_EQ_U(bh[1], 0x1u, 5);        /* column 32 = 1 (−0.0), 33 = 0 */
        /* a NaN in the store comes out NaN from a column the step writes: not finite (§8.11) */
        wh[1] = tf_f32_from_bits(0x7FC00000u);
        CHECK_EQ_U(tf_sgd_block_bits_f32(wh, dzh, 0, 1, &in, 30, 4, 1.0f, bh, 2, &sum), 0u, 6);
        wh[1] = 0.5f;
        wh[3] = tf_f32_from_bits(0xFFC00001u);
        sum = 0u;
        CHECK_EQ_U(tf_sgd_block_bits_f32_ref(wh, dzh, 0, 1, &in, 30, 4, 1.0f, bh, 2, &sum), 0u, 7);
    }
}

/* ---------------------------------------------------------------- derived state (§6) ----- */
static void test_derive(void) {
    /* a 2×3 block at rows 1..2, columns 30..32 of a 3 × 34 matrix (2 words a row) */
    const float w[6] = {0.5f, -0.25f, -0.0f, 0.0f, 1.0f, -1.0f};
    tf_word bits[6] = {0xFFFFFFFFu, 0x3u, 0x0u, 0x0u, 0xC0000000u, 0x3u};
    uint64_t abs_sum = 7u;
    const uint64_t sums[3] = {46137344u, 16777216u, 4194304u}; /* 2.75, 1, 0.25 in units of 2^−24 */
    tf_block_derive_f32(w, 1, 2, 30, 3, bits, 2, &abs_sum);
    CHECK(abs_sum == 46137344u); /* 2.75 · 2^24 */
    CHECK_EQ_U(bits[0], 0xFFFFFFFFu, 0); /* row 0 untouched */
    CHECK_EQ_U(bits[1], 0x3u, 1);
    CHECK_EQ_U(bits[2], 0x40000000u, 2); /* row 1: col 30 = 1 (0.5), col 31 = 0 (−0.25) */
    CHECK_EQ_U(bits[3], 0x1u, 3);        /* col 32 = 1 (−0.0 counts as >= 0) */
    CHECK_EQ_U(bits[4], 0xC0000000u, 4); /* row 2: cols 30, 31 = 1 */
    CHECK_EQ_U(bits[5], 0x2u, 5);        /* col 32 = 0 (−1); col 33 untouched */
    CHECK_BITS_F(tf_alpha_fix(sums, 3, 8.0f * 16777216.0f), 0.5f, 0);
}

static void test_names(void) {
    CHECK(strcmp(tf_status_name(TF_OK), "TF_OK") == 0);
    CHECK(strcmp(tf_status_name(TF_ERR_STORE), "TF_ERR_STORE") == 0);
    CHECK(strcmp(tf_array_name(TF_ARRAY_ABS_SUM), "absSum") == 0);
    CHECK(strcmp(tf_array_name(TF_ARRAY_CLASSIFIER), "classifier") == 0);
    CHECK(tf_array_name(TF_ARRAY_COUNT) == NULL);
    CHECK(TF_SEMANTICS_VERSION == 4);
}

int main(void) {
    test_popcount();
    test_bits();
    test_dense_dots();
    test_binarize_classifier();
    test_exp32();
    test_sqrt();
    test_crc();
    test_prng();
    test_softmax_delta();
    test_optimizers();
    test_sgd_row();
    test_sgd_block_bits();
    test_dense_u8_variants();
    test_abs_sum();
    test_derive();
    test_names();
    return tf_test_finish();
}
