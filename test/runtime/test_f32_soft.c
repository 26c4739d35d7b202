/*
 * runtime-c/tf_f32_soft.h against the compiler's binary32 arithmetic, bit for bit: the host's
 * FPU on the host, libgcc's soft-float routines when built for Cortex-M3 and run in QEMU
 * (test/runtime.test.ts). TF_SOFT_TEST_SCALE sets how many operand pairs each random class
 * gets (in units of 1024). Besides every result, the test checks that the fast paths answer
 * for the bulk of ordinary operands, so it cannot pass by always falling back.
 */
#include "tf_test.h"
#include "tf_f32_soft.h"
#include "tf_internal.h"

#ifndef TF_SOFT_TEST_SCALE
#define TF_SOFT_TEST_SCALE 1024u
#endif

static unsigned long mul_fast, add_fast, apart_fast, checked, checked3, fast3;
static unsigned long bad;

/* The compiler's operations, not inlined into the checks (so nothing is folded into them). */
static __attribute__((noinline)) float ref_mul(float a, float b) { return a * b; }
static __attribute__((noinline)) float ref_add(float a, float b) { return a + b; }
static __attribute__((noinline)) float ref_sub(float a, float b) { return a - b; }
static __attribute__((noinline)) int ref_lt(float a, float b) { return a < b; }

/* A NaN result only has to be a NaN: which operand's payload a NaN × NaN keeps depends on the
 * operand order the compiler picks for a commutative operation (x86 keeps the first), which
 * no part of the contract depends on. Every other result is compared bit for bit. */
static int is_nan(uint32_t x) { return (x & 0x7FFFFFFFu) > 0x7F800000u; }

static void report(const char *op, uint32_t a, uint32_t b, uint32_t got, uint32_t want) {
    if (is_nan(got) && is_nan(want)) {
        return;
    }
    if (bad++ < 20u) {
        printf("FAIL %s %08lx %08lx: got %08lx, want %08lx\n", op, (unsigned long)a, (unsigned long)b,
               (unsigned long)got, (unsigned long)want);
    }
}

/* Every operation on (a, b) and (b, a) against the compiler's. */
static void check_pair(uint32_t a, uint32_t b) {
    const float fa = tf_f32_from_bits(a);
    const float fb = tf_f32_from_bits(b);
    uint32_t r, want;
    checked++;
    want = tf_f32_to_bits(ref_mul(fa, fb));
    if (tf_f32_mul_bits_soft(a, b, &r) != 0) {
        mul_fast++;
        if (r != want) {
            report("mul", a, b, r, want);
        }
    }
    r = tf_f32_to_bits(tf_f32_mul_soft(fa, fb));
    if (r != want) {
        report("mul_soft", a, b, r, want);
    }
    want = tf_f32_to_bits(ref_add(fa, fb));
    if (tf_f32_add_bits_soft(a, b, &r) != 0) {
        add_fast++;
        if (r != want) {
            report("add", a, b, r, want);
        }
    }
    r = tf_f32_to_bits(tf_f32_add_soft(fa, fb));
    if (r != want) {
        report("add_soft", a, b, r, want);
    }
    if (tf_f32_lt_soft(fa, fb) != ref_lt(fa, fb)) {
        report("lt_soft", a, b, (uint32_t)tf_f32_lt_soft(fa, fb), (uint32_t)ref_lt(fa, fb));
    }
    if (tf_f32_lt_soft(fb, fa) != ref_lt(fb, fa)) {
        report("lt_soft", b, a, (uint32_t)tf_f32_lt_soft(fb, fa), (uint32_t)ref_lt(fb, fa));
    }
    want = tf_f32_to_bits(ref_add(0.0f, fa));
    r = tf_f32_to_bits(tf_f32_add0_soft(fa));
    if (r != want) {
        report("add0_soft", 0u, a, r, want);
    }
    want = tf_f32_to_bits(ref_sub(fa, fb));
    r = tf_f32_to_bits(tf_f32_sub_soft(fa, fb));
    if (r != want) {
        report("sub_soft", a, b, r, want);
    }
    want = tf_f32_to_bits(ref_sub(fb, fa));
    r = tf_f32_to_bits(tf_f32_sub_soft(fb, fa));
    if (r != want) {
        report("sub_soft", b, a, r, want);
    }
    /* sub with the fast path for operands 1 to 30 binades apart, both orders */
    want = tf_f32_to_bits(ref_sub(fa, fb));
    if (tf_f32_sub_apart_bits_soft(a, b, &r) != 0) {
        apart_fast++;
        if (r != want) {
            report("sub_apart", a, b, r, want);
        }
    }
    r = tf_f32_to_bits(tf_f32_sub_apart_soft(fa, fb));
    if (r != want) {
        report("sub_apart_soft", a, b, r, want);
    }
    want = tf_f32_to_bits(ref_sub(fb, fa));
    if (tf_f32_sub_apart_bits_soft(b, a, &r) != 0) {
        apart_fast++;
        if (r != want) {
            report("sub_apart", b, a, r, want);
        }
    }
    r = tf_f32_to_bits(tf_f32_sub_apart_soft(fb, fa));
    if (r != want) {
        report("sub_apart_soft", b, a, r, want);
    }
    want = tf_f32_to_bits(ref_mul(fb, fa));
    r = tf_f32_to_bits(tf_f32_mul_soft(fb, fa));
    if (r != want) {
        report("mul_soft", b, a, r, want);
    }
}

static uint32_t with_exp(uint32_t bits, uint32_t e) { return (bits & 0x807FFFFFu) | ((e & 0xFFu) << 23); }

static const uint32_t specials[] = {
    0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007FFFFFu, 0x807FFFFFu, 0x00400000u, 0x00800000u,
    0x80800000u, 0x00800001u, 0x3F800000u, 0xBF800000u, 0x3F7FFFFFu, 0x3F800001u, 0x7F7FFFFFu, 0xFF7FFFFFu,
    0x7F000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FA00000u, 0x34000000u,
    0x33800000u, 0x4B800000u, 0x3F000000u, 0x40000000u, 0x1F800000u, 0x5F800000u, 0x20000000u, 0x5F000000u,
};
#define NUM_SPECIALS (sizeof specials / sizeof specials[0])

int main(void) {
    const unsigned long n = (unsigned long)TF_SOFT_TEST_SCALE * 1024ul;
    unsigned long i;
    uint32_t ea, eb, k;

    /* specials against specials and against random values of every kind */
    for (ea = 0; ea < NUM_SPECIALS; ea++) {
        for (eb = 0; eb < NUM_SPECIALS; eb++) {
            check_pair(specials[ea], specials[eb]);
        }
        for (k = 0; k < 2000u; k++) {
            check_pair(specials[ea], tf_test_rand());
        }
    }
    /* every pair of exponent fields (near overflow and underflow included), both signs */
    for (ea = 0; ea < 256u; ea++) {
        for (eb = 0; eb < 256u; eb++) {
            check_pair(with_exp(tf_test_rand(), ea), with_exp(tf_test_rand(), eb));
            check_pair(with_exp(tf_test_rand() | 0x007FFF00u, ea), with_exp(tf_test_rand() & 0x800000FFu, eb));
        }
    }
    for (i = 0; i < n; i++) {
        const uint32_t r = tf_test_rand();
        const uint32_t s = tf_test_rand();
        const uint32_t e = 1u + tf_test_rand() % 254u;
        const uint32_t j = 1u + tf_test_rand() % 25u;
        switch (i % 8u) {
        case 0: /* any patterns at all */
            check_pair(r, s);
            break;
        case 1: /* normal, exponents close (the common case of the SGD step and the sums) */
            check_pair(with_exp(r, e), with_exp(s, e - 8u + tf_test_rand() % 17u));
            break;
        case 2: /* products and sums that are exact ties, or one bit off: few low bits in b */
            check_pair(with_exp(r, e), with_exp(s & (0x807FFFFFu << j), 127u + tf_test_rand() % 3u - 1u));
            check_pair(with_exp(r, e), with_exp((s & (0x807FFFFFu << j)) | (1u << (j - 1u)), e - j));
            break;
        case 3: /* results near a power of two: significands near 2 times near 1, sums crossing 2^k */
            check_pair(with_exp(r | 0x007FFF00u, e), with_exp(s & 0x800000FFu, 127u + tf_test_rand() % 9u - 4u));
            check_pair(with_exp(r | 0x007FFFF0u, e), with_exp(s, e - 24u + tf_test_rand() % 8u));
            break;
        case 4: /* cancellation: a − b with b a few ulps from a, or one binade down */
            check_pair(r, (r ^ 0x80000000u) + (s & 0xFFu) - 0x80u);
            check_pair(with_exp(r, e), with_exp((r ^ 0x80000000u) | 0x007FFF00u, e - 1u));
            break;
        case 5: /* subnormal operands and results near the subnormal range */
            check_pair(r & 0x807FFFFFu, s);
            check_pair(with_exp(r, 1u + tf_test_rand() % 24u), with_exp(s, tf_test_rand() % 26u));
            check_pair(with_exp(r, 40u + tf_test_rand() % 40u), with_exp(s, 40u + tf_test_rand() % 50u));
            break;
        case 6: /* near overflow */
            check_pair(with_exp(r, 230u + tf_test_rand() % 25u), with_exp(s, 100u + tf_test_rand() % 50u));
            check_pair(with_exp(r, 250u + tf_test_rand() % 5u), with_exp(s, 245u + tf_test_rand() % 10u));
            break;
        default: /* the SGD step's operands: weights in [−1, 1], steps far smaller */
            check_pair(with_exp(r, 100u + tf_test_rand() % 27u), with_exp(s, 90u + tf_test_rand() % 37u));
            break;
        }
    }
    /* mul(k2, mul(k1, x)) against the two float multiplications: any patterns, the SGD step's
     * operands, inner products at the ends of the normal range, ties in either product */
    for (i = 0; i < n; i++) {
        uint32_t a = tf_test_rand();
        uint32_t b = tf_test_rand();
        uint32_t c = tf_test_rand();
        const uint32_t e = 1u + tf_test_rand() % 254u;
        switch (i % 5u) {
        case 0: break;
        case 1: a = with_exp(a, 122u); b = with_exp(b, 100u + tf_test_rand() % 40u); c = with_exp(c, 110u + tf_test_rand() % 17u); break;
        case 2: b = with_exp(b, e); c = with_exp(c, 254u - e + tf_test_rand() % 5u - 2u + (tf_test_rand() & 1u) * (tf_test_rand() % 256u) - 127u); break;
        case 3: b = with_exp(b & (0x807FFFFFu << (1u + tf_test_rand() % 23u)), e); c = with_exp(c & (0x807FFFFFu << (1u + tf_test_rand() % 23u)), 127u + tf_test_rand() % 3u - 1u); a = with_exp(a & 0x80FFF000u, e); break;
        default: a = with_exp(a, e); b = with_exp(b, tf_test_rand() % 256u); c = with_exp(c, 254u - tf_test_rand() % 256u); break;
        }
        {
            const float fa = tf_f32_from_bits(a);
            const float fb = tf_f32_from_bits(b);
            const float fc = tf_f32_from_bits(c);
            const uint32_t want = tf_f32_to_bits(ref_mul(fa, ref_mul(fb, fc)));
            const uint32_t got = tf_f32_to_bits(tf_f32_mul_mul_soft(fa, fb, fc));
            checked3++;
            fast3 += (got == want && ((a >> 23) & 0xFFu) - 1u < 254u && ((b >> 23) & 0xFFu) - 1u < 254u &&
                      ((c >> 23) & 0xFFu) - 1u < 254u && ((want >> 23) & 0xFFu) - 1u < 254u);
            if (got != want) {
                report("mul_mul", b, c, got, want);
            }
            {
                /* the same with k2 = a and k1 = b unpacked beforehand (not-normal ones included) */
                const tf_f32_k2k1 k = tf_f32_k2k1_soft(fa, fb);
                const uint32_t got_k = tf_f32_to_bits(tf_f32_mul_mul_k_soft(&k, fc));
                if (got_k != want) {
                    report("mul_mul_k", b, c, got_k, want);
                }
            }
        }
    }
    printf("INFO checked=%lu mul_fast=%lu add_fast=%lu triples=%lu normal=%lu sub_apart_fast=%lu\n", checked,
           mul_fast, add_fast, checked3, fast3, apart_fast);
    CHECK_EQ_U(bad, 0, 0);
    /* the fast paths answer most ordinary pairs (over a third of all pairs here) */
    CHECK(mul_fast * 3u > checked);
    CHECK(add_fast * 3u > checked);
    CHECK(fast3 * 4u > checked3);
    /* the apart fast path answers for the pairs 1 to 30 binades apart (a tenth of all pairs here) */
    CHECK(apart_fast * 20u > checked);

    /* tf_fix24_f32 (tf_internal.h: on Thumb-2 without an FPU one shift by a register, its count
     * test left to the shift) against tf_fix24 for every exponent field and sign, the extreme
     * significands included */
    {
        unsigned long wrong = 0;
        for (ea = 0; ea < 512u; ea++) {
            for (k = 0; k < 64u; k++) {
                const uint32_t m = (k == 0u) ? 0u : (k == 1u) ? 0x7FFFFFu : (tf_test_rand() & 0x7FFFFFu);
                const uint32_t u = (ea << 23) | m; /* bit 8 of ea is the sign */
                wrong += tf_fix24_f32(tf_f32_from_bits(u)) != tf_fix24(u);
            }
        }
        CHECK_EQ_U(wrong, 0, 0);
    }

    /* f32(q) for every q below 2^16 and random ones up to 2^24 − 1, 0 included */
    {
        uint32_t q;
        unsigned long wrong = 0;
        for (q = 1; q < 65536u; q++) {
            wrong += tf_f32_to_bits(tf_f32_from_u24_soft(q)) != tf_f32_to_bits((float)q);
        }
        for (k = 0; k < 100000u; k++) {
            q = 1u + tf_test_rand() % 0xFFFFFFu;
            wrong += tf_f32_to_bits(tf_f32_from_u24_soft(q)) != tf_f32_to_bits((float)q);
        }
        wrong += tf_f32_to_bits(tf_f32_from_u24_soft(0xFFFFFFu)) != 0x4B7FFFFFu;
        wrong += tf_f32_to_bits(tf_f32_from_u24_soft(0u)) != 0u;
        CHECK_EQ_U(wrong, 0, 0);
        CHECK_BITS_F(tf_f32_from_u24_soft(255u), 255.0f, 0);
    }
    /* by hand: a tie of the product to even, a sum carrying into the next binade */
    CHECK_BITS_F(tf_f32_mul_soft(tf_f32_from_bits(0x3F800001u), tf_f32_from_bits(0x3FC00000u)),
                 tf_f32_from_bits(0x3FC00002u), 0); /* (1 + 2^-23) · 1.5 = 1.5 + 1.5·2^-23: tie → even */
    CHECK_BITS_F(tf_f32_add_soft(tf_f32_from_bits(0x3FFFFFFFu), tf_f32_from_bits(0x34000000u)), 2.0f, 1);
    CHECK_BITS_F(tf_f32_sub_soft(1.0f, 1.0f), 0.0f, 2);
    CHECK_BITS_F(tf_f32_sub_soft(-0.0f, 0.0f), -0.0f, 3);
    return tf_test_finish();
}
