/*
 * The file weight store: the records in a host file accessed with stdio (under QEMU a
 * semihosting file, standing in for external flash), with transactions that survive a power
 * cut at any byte. On-disk format and the argument: docs/store.md.
 *
 * Every record has two slots. A transaction writes each new record into the slot that its
 * record does not use and marks it staged; commit writes one commit record (sequence number,
 * the slot in use of every record, CRC-32) over the older of the two commit records. Opening
 * the file takes the valid commit record with the highest sequence number: a torn commit
 * record fails its CRC and the previous commit stands, whose slots no later write touched.
 * Nothing is ever replayed, so opening writes nothing (except formatting a new file).
 *
 * The file is opened with stdio but read and written through its descriptor (read, write,
 * lseek): a record moves in one call straight between the caller's floats and the file (under
 * semihosting one SYS_READ or SYS_WRITE), where newlib-nano's fwrite would pass it byte by
 * byte. A slot's data is checked by a 64-bit sum and a rotate-XOR word (docs/store.md): three
 * instructions a word, where a table CRC-32 takes about seven a byte.
 */
#define _POSIX_C_SOURCE 200112L /* fileno, read, write, lseek under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tf_internal.h"

#define TF_SF_MAGIC 0x31534654u        /* "TFS1": file header */
#define TF_SF_COMMIT_MAGIC 0x31434654u /* "TFC1": commit record */
#define TF_SF_VERSION 2u
#define TF_SF_HEADER_BYTES 32u
#define TF_SF_TRAILER_BYTES 16u /* after a slot's data: seq, sum (lo, hi), mix */
#define TF_SF_CHUNK_FLOATS 16u /* floats converted per call on a big-endian host */

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TF_SF_NATIVE_LE 1 /* a float's bytes in memory are its little-endian bit pattern: no conversion */
#else
#define TF_SF_NATIVE_LE 0
#endif

#ifdef TF_TEST_POWER_CUT
uint32_t tf_store_file_power_cut = 0u;
#endif

/*
 * The slot check (docs/store.md): over the 32-bit words w_1..w_k, sum = w_1 + … + w_k exact
 * (mod 2^64, and k < 2^32), and mix = w_k ^ rotl(mix, 1) from mix = 0, i.e. the XOR of every
 * w_j rotated left by (k - j) mod 32. A change of one word changes sum; a change of two words
 * passes both only if their differences cancel as integers and, rotated, as bits (docs/store.md).
 */
typedef struct tf_sf_sums {
    uint64_t sum;
    uint32_t mix;
} tf_sf_sums;

static void tf_sf_sum_u32(tf_sf_sums *c, uint32_t w) {
    c->sum += w;
    c->mix = w ^ ((c->mix << 1) | (c->mix >> 31));
}

/* The check over n floats' bit patterns: on Thumb-2 four words a step, three instructions a word. */
static void tf_sf_sum_floats(tf_sf_sums *c, const float *v, uint32_t n) {
    uint32_t k = 0u;
#if defined(__thumb2__) && defined(__OPTIMIZE__) && !defined(TF_NO_ASM_COPY)
    uint32_t lo = (uint32_t)c->sum;
    uint32_t hi = (uint32_t)(c->sum >> 32);
    uint32_t mix = c->mix;
    uint32_t steps = n >> 2;
    const float *p = v;
    if (steps != 0u) {
        __asm__("1:\n\t"
                "ldmia %[p]!, {r2-r5}\n\t"
                "adds %[lo], %[lo], r2\n\t"
                "adc %[hi], %[hi], #0\n\t"
                "eor %[mix], r2, %[mix], ror #31\n\t"
                "adds %[lo], %[lo], r3\n\t"
                "adc %[hi], %[hi], #0\n\t"
                "eor %[mix], r3, %[mix], ror #31\n\t"
                "adds %[lo], %[lo], r4\n\t"
                "adc %[hi], %[hi], #0\n\t"
                "eor %[mix], r4, %[mix], ror #31\n\t"
                "adds %[lo], %[lo], r5\n\t"
                "adc %[hi], %[hi], #0\n\t"
                "eor %[mix], r5, %[mix], ror #31\n\t"
                "subs %[steps], %[steps], #1\n\t"
                "bne 1b"
                : [lo] "+r"(lo), [hi] "+r"(hi), [mix] "+r"(mix), [p] "+r"(p), [steps] "+r"(steps)
                :
                : "r2", "r3", "r4", "r5", "cc", "memory");
    }
    c->sum = ((uint64_t)hi << 32) | lo;
    c->mix = mix;
    k = n & ~3u;
#endif
    for (; k < n; k++) {
        tf_sf_sum_u32(c, tf_f32_to_bits(v[k]));
    }
}

/* The trailer of a slot: seq, then the check over the data, the record index and seq. */
static void tf_sf_trailer(uint8_t *b, tf_sf_sums c, uint32_t index, uint32_t seq) {
    tf_sf_sum_u32(&c, index);
    tf_sf_sum_u32(&c, seq);
    tf_put_u32_le(b, seq);
    tf_put_u32_le(b + 4, (uint32_t)c.sum);
    tf_put_u32_le(b + 8, (uint32_t)(c.sum >> 32));
    tf_put_u32_le(b + 12, c.mix);
}

static uint32_t tf_sf_records(const tf_store_file *s) { return (uint32_t)s->num_layers * s->records_per_layer; }

static uint32_t tf_sf_words(const tf_store_file *s) { return (tf_sf_records(s) + 31u) / 32u; }

static uint32_t tf_sf_commit_bytes(const tf_store_file *s) { return 16u + 4u * tf_sf_words(s); }

static uint32_t tf_sf_bit(const uint32_t *map, uint32_t i) { return (map[i >> 5] >> (i & 31u)) & 1u; }

static int tf_sf_any(const uint32_t *map, uint32_t words) {
    uint32_t w;
    for (w = 0; w < words; w++) {
        if (map[w] != 0u) {
            return 1;
        }
    }
    return 0;
}

static void tf_sf_clear(uint32_t *map, uint32_t words) {
    uint32_t w;
    for (w = 0; w < words; w++) {
        map[w] = 0u;
    }
}

/* Byte offset of slot `slot` (0 or 1) of record i; tf_sf_open has checked that it fits a long. */
static long tf_sf_slot_offset(const tf_store_file *s, uint32_t i, uint32_t slot) {
    const uint32_t data = TF_SF_HEADER_BYTES + 2u * tf_sf_commit_bytes(s);
    const uint32_t n = s->offsets[i + 1u] - s->offsets[i];
    return (long)(data + 2u * (TF_SF_TRAILER_BYTES * i + 4u * s->offsets[i]) + slot * (TF_SF_TRAILER_BYTES + 4u * n));
}

/* 1 if the descriptor's pointers are set (checked by every call). */
static int tf_sf_usable(const tf_store_file *s) {
    return s != NULL && s->path != NULL && s->offsets != NULL && s->active != NULL && s->staged != NULL &&
           tf_sf_records(s) > 0u;
}

/* 1 if the offsets are non-decreasing and the file stays below 2 GiB (checked on open). */
static int tf_sf_geometry_ok(const tf_store_file *s) {
    const uint32_t records = tf_sf_records(s);
    uint64_t bytes;
    uint32_t i;
    for (i = 0; i < records; i++) {
        if (s->offsets[i + 1u] < s->offsets[i]) {
            return 0;
        }
    }
    bytes = (uint64_t)TF_SF_HEADER_BYTES + 2u * (uint64_t)tf_sf_commit_bytes(s) +
            2u * ((uint64_t)TF_SF_TRAILER_BYTES * records + 4u * (uint64_t)s->offsets[records]);
    return bytes <= 0x7FFFFFFFu;
}

/* Index of the record (layer, record) if it exists and has `count` floats. */
static int tf_sf_locate(const tf_store_file *s, uint8_t layer, uint32_t record, uint32_t count, uint32_t *index) {
    uint32_t i;
    if (s == NULL || s->offsets == NULL || layer >= s->num_layers || record >= s->records_per_layer) {
        return 0;
    }
    i = (uint32_t)layer * s->records_per_layer + record;
    if (s->offsets[i + 1u] < s->offsets[i] || s->offsets[i + 1u] - s->offsets[i] != count) {
        return 0;
    }
    *index = i;
    return 1;
}

static int tf_sf_fd(const tf_store_file *s) { return fileno((FILE *)s->file); }

static int tf_sf_seek(const tf_store_file *s, long offset) {
    return lseek(tf_sf_fd(s), (off_t)offset, SEEK_SET) == (off_t)offset;
}

/* Writes all n bytes (a write may take fewer); 0 on an error. */
static int tf_sf_write_all(int fd, const uint8_t *bytes, uint32_t n) {
    while (n > 0u) {
        const ssize_t done = write(fd, bytes, (size_t)n);
        if (done <= 0) {
            return 0;
        }
        bytes += done;
        n -= (uint32_t)done;
    }
    return 1;
}

/* Every byte the store writes goes through here (and is counted). */
static int tf_sf_put(tf_store_file *s, const void *bytes, uint32_t n) {
#ifdef TF_TEST_POWER_CUT
    if (tf_store_file_power_cut != 0u && tf_store_file_power_cut - s->bytes_written <= n) {
        /* The power fails after byte number tf_store_file_power_cut: that much reaches the file. */
        (void)tf_sf_write_all(tf_sf_fd(s), (const uint8_t *)bytes, tf_store_file_power_cut - s->bytes_written);
        (void)fflush(stdout);
        _Exit(TF_POWER_CUT_EXIT);
    }
#endif
    if (!tf_sf_write_all(tf_sf_fd(s), (const uint8_t *)bytes, n)) {
        return 0;
    }
    s->bytes_written += n;
    return 1;
}

/* Reads up to n bytes: how many it read (fewer only at the end of the file), -1 on an error. */
static long tf_sf_read_some(const tf_store_file *s, void *bytes, uint32_t n) {
    uint8_t *p = (uint8_t *)bytes;
    uint32_t got = 0u;
    while (got < n) {
        const ssize_t done = read(tf_sf_fd(s), p + got, (size_t)(n - got));
        if (done < 0) {
            return -1;
        }
        if (done == 0) {
            break;
        }
        got += (uint32_t)done;
    }
    return (long)got;
}

static int tf_sf_get(const tf_store_file *s, void *bytes, uint32_t n) { return tf_sf_read_some(s, bytes, n) == (long)n; }

static void tf_sf_close_file(tf_store_file *s) {
    if (s->file != NULL) {
        (void)fclose((FILE *)s->file);
        s->file = NULL;
    }
}

/* The header this descriptor expects (docs/store.md). */
static void tf_sf_header(const tf_store_file *s, uint8_t *head) {
    const uint32_t records = tf_sf_records(s);
    uint32_t layout = 0u;
    uint32_t i;
    for (i = 0; i <= records; i++) {
        layout = tf_crc32_u32_le(layout, s->offsets[i]);
    }
    tf_put_u32_le(head, TF_SF_MAGIC);
    tf_put_u32_le(head + 4, TF_SF_VERSION);
    tf_put_u32_le(head + 8, s->num_layers);
    tf_put_u32_le(head + 12, s->records_per_layer);
    tf_put_u32_le(head + 16, s->offsets[records]);
    tf_put_u32_le(head + 20, layout);
    tf_put_u32_le(head + 24, 0u);
    tf_put_u32_le(head + 28, TF_CRC32(0u, head, 28u));
}

/*
 * Reads commit slot `slot`. 1 if it holds a complete, valid commit record: then *seq is its
 * sequence number and, when map is not NULL, the slot bitmap is copied into map.
 */
static int tf_sf_read_commit(const tf_store_file *s, uint32_t slot, uint32_t *seq, uint32_t *map) {
    const uint32_t words = tf_sf_words(s);
    uint8_t b[12];
    uint32_t crc;
    uint32_t number;
    uint32_t w;
    if (!tf_sf_seek(s, (long)(TF_SF_HEADER_BYTES + slot * tf_sf_commit_bytes(s))) || !tf_sf_get(s, b, 12u)) {
        return 0;
    }
    number = tf_get_u32_le(b + 4);
    if (tf_get_u32_le(b) != TF_SF_COMMIT_MAGIC || tf_get_u32_le(b + 8) != tf_sf_records(s) || number == 0u) {
        return 0;
    }
    crc = TF_CRC32(0u, b, 12u);
    for (w = 0; w < words; w++) {
        if (!tf_sf_get(s, b, 4u)) {
            return 0;
        }
        crc = TF_CRC32(crc, b, 4u);
        if (map != NULL) {
            map[w] = tf_get_u32_le(b);
        }
    }
    if (!tf_sf_get(s, b, 4u) || tf_get_u32_le(b) != crc) {
        return 0;
    }
    *seq = number;
    return 1;
}

/*
 * Opens the file on first use: creates and formats it when missing or shorter than a header
 * (a power cut during its creation), checks the header, loads the newest valid commit. On
 * failure the file is closed again and TF_ERR_STORE returned.
 */
static tf_status tf_sf_open(tf_store_file *s) {
    uint8_t expected[TF_SF_HEADER_BYTES];
    uint8_t head[TF_SF_HEADER_BYTES];
    const uint32_t words = tf_sf_words(s);
    uint32_t best_seq = 0u;
    uint32_t best = 2u;
    uint32_t slot;
    long got;
    FILE *f;
    if (s->file != NULL) {
        return TF_OK;
    }
    if (!tf_sf_geometry_ok(s)) {
        return TF_ERR_STORE;
    }
    f = fopen(s->path, "r+b");
    if (f == NULL) {
        f = fopen(s->path, "w+b");
    }
    if (f == NULL) {
        return TF_ERR_STORE;
    }
    (void)setvbuf(f, NULL, _IONBF, 0); /* stdio never buffers: every byte goes through the descriptor */
    s->file = f;
    tf_sf_header(s, expected);
    got = tf_sf_read_some(s, head, TF_SF_HEADER_BYTES);
    if (got < (long)TF_SF_HEADER_BYTES) {
        if (got < 0 || !tf_sf_seek(s, 0L) || !tf_sf_put(s, expected, TF_SF_HEADER_BYTES)) {
            tf_sf_close_file(s);
            return TF_ERR_STORE;
        }
    } else if (memcmp(head, expected, TF_SF_HEADER_BYTES) != 0) {
        tf_sf_close_file(s); /* another model's layout, or a damaged header */
        return TF_ERR_STORE;
    } else {
        for (slot = 0; slot < 2u; slot++) {
            uint32_t seq = 0u;
            if (tf_sf_read_commit(s, slot, &seq, NULL) && seq > best_seq) {
                best_seq = seq;
                best = slot;
            }
        }
    }
    if (best < 2u) {
        uint32_t seq = 0u;
        if (!tf_sf_read_commit(s, best, &seq, s->active)) {
            tf_sf_close_file(s);
            return TF_ERR_STORE;
        }
    } else {
        tf_sf_clear(s->active, words);
    }
    tf_sf_clear(s->staged, words);
    s->seq = best_seq;
    s->failed = 0u;
    return TF_OK;
}

/* A commit that failed half way: forget the RAM view; the next call reads what the file holds. */
static tf_status tf_sf_lost(tf_store_file *s) {
    tf_sf_close_file(s);
    tf_sf_clear(s->staged, tf_sf_words(s));
    s->failed = 0u;
    return TF_ERR_STORE;
}

tf_status tf_store_file_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    tf_store_file *s = (tf_store_file *)ctx;
    uint8_t b[TF_SF_TRAILER_BYTES];
    tf_sf_sums sums = {0u, 0u};
    uint32_t index = 0u;
    uint32_t slot;
    uint32_t seq;
    uint32_t newest;
    if (!tf_sf_usable(s) || dst == NULL || !tf_sf_locate(s, layer, record, count, &index) || tf_sf_open(s) != TF_OK) {
        return TF_ERR_STORE;
    }
    newest = s->seq;
    if (tf_sf_bit(s->staged, index) != 0u) {
        slot = 1u - tf_sf_bit(s->active, index); /* written by the open transaction */
        newest = s->seq + 1u;
    } else if (s->seq == 0u) {
        uint32_t i;
        for (i = 0; i < count; i++) {
            dst[i] = 0.0f; /* no commit yet: an empty store reads as zeros */
        }
        return TF_OK;
    } else {
        slot = tf_sf_bit(s->active, index);
    }
    /* The data straight into dst, then the trailer. */
    if (!tf_sf_seek(s, tf_sf_slot_offset(s, index, slot)) || !tf_sf_get(s, dst, 4u * count) ||
        !tf_sf_get(s, b, TF_SF_TRAILER_BYTES)) {
        return TF_ERR_STORE;
    }
#if !TF_SF_NATIVE_LE
    {
        uint32_t k;
        for (k = 0; k < count; k++) {
            uint8_t w[4];
            memcpy(w, dst + k, 4u);
            dst[k] = tf_f32_from_bits(tf_get_u32_le(w));
        }
    }
#endif
    tf_sf_sum_floats(&sums, dst, count);
    seq = tf_get_u32_le(b);
    {
        uint8_t expect[TF_SF_TRAILER_BYTES];
        tf_sf_trailer(expect, sums, index, seq);
        /* A committed slot was written by a transaction no later than the commit: a later seq means
         * the commit record in use is not the newest (it was damaged) and the slot was reused. */
        return (seq != 0u && seq <= newest && memcmp(expect, b, TF_SF_TRAILER_BYTES) == 0) ? TF_OK : TF_ERR_STORE;
    }
}

tf_status tf_store_file_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    tf_store_file *s = (tf_store_file *)ctx;
    uint8_t b[TF_SF_TRAILER_BYTES];
    tf_sf_sums sums = {0u, 0u};
    uint32_t index = 0u;
    uint32_t seq;
    if (!tf_sf_usable(s) || src == NULL || !tf_sf_locate(s, layer, record, count, &index) ||
        tf_sf_open(s) != TF_OK || s->failed != 0u) {
        return TF_ERR_STORE;
    }
    seq = s->seq + 1u;
    if (!tf_sf_seek(s, tf_sf_slot_offset(s, index, 1u - tf_sf_bit(s->active, index)))) {
        s->failed = 1u;
        return TF_ERR_STORE;
    }
    tf_sf_sum_floats(&sums, src, count);
#if TF_SF_NATIVE_LE
    if (!tf_sf_put(s, src, 4u * count)) { /* the floats as they are in memory: one write */
        s->failed = 1u;
        return TF_ERR_STORE;
    }
#else
    {
        uint8_t chunk[4u * TF_SF_CHUNK_FLOATS];
        uint32_t k;
        uint32_t n = 0u;
        for (k = 0; k < count; k++) {
            tf_put_u32_le(chunk + 4u * n, tf_f32_to_bits(src[k]));
            n++;
            if (n == TF_SF_CHUNK_FLOATS || k + 1u == count) {
                if (!tf_sf_put(s, chunk, 4u * n)) {
                    s->failed = 1u;
                    return TF_ERR_STORE;
                }
                n = 0u;
            }
        }
    }
#endif
    tf_sf_trailer(b, sums, index, seq);
    if (!tf_sf_put(s, b, TF_SF_TRAILER_BYTES)) {
        s->failed = 1u;
        return TF_ERR_STORE;
    }
    s->staged[index >> 5] |= 1u << (index & 31u);
    return TF_OK;
}

/* Small writes gathered in the descriptor's buffer (or 16 bytes of stack) and written in runs. */
typedef struct tf_sf_out {
    tf_store_file *s;
    uint8_t *buf;
    uint32_t cap;
    uint32_t used;
    int ok;
} tf_sf_out;

static void tf_sf_out_flush(tf_sf_out *o) {
    if (o->used > 0u && o->ok) {
        o->ok = tf_sf_put(o->s, o->buf, o->used);
    }
    o->used = 0u;
}

static void tf_sf_out_u32(tf_sf_out *o, uint32_t v) {
    if (o->used + 4u > o->cap) {
        tf_sf_out_flush(o);
    }
    tf_put_u32_le(o->buf + o->used, v);
    o->used += 4u;
}

tf_status tf_store_file_commit(void *ctx, uint8_t layer) {
    tf_store_file *s = (tf_store_file *)ctx;
    const uint32_t words = (s == NULL) ? 0u : tf_sf_words(s);
    uint8_t b[12];
    uint8_t small[16];
    tf_sf_out out;
    uint32_t crc;
    uint32_t seq;
    uint32_t w;
    (void)layer;
    if (!tf_sf_usable(s) || tf_sf_open(s) != TF_OK || s->failed != 0u) {
        return TF_ERR_STORE;
    }
    if (!tf_sf_any(s->staged, words)) {
        return TF_OK; /* nothing to commit */
    }
    seq = s->seq + 1u;
    /* The staged records reached the file (unbuffered writes) before the commit record does. */
    if (!tf_sf_seek(s, (long)(TF_SF_HEADER_BYTES + (seq & 1u) * tf_sf_commit_bytes(s)))) {
        return tf_sf_lost(s);
    }
    out.s = s;
    out.buf = (s->io_buffer != NULL && s->io_buffer_bytes >= sizeof small) ? (uint8_t *)s->io_buffer : small;
    out.cap = (out.buf == small) ? (uint32_t)sizeof small : (s->io_buffer_bytes & ~3u);
    out.used = 0u;
    out.ok = 1;
    tf_put_u32_le(b, TF_SF_COMMIT_MAGIC);
    tf_put_u32_le(b + 4, seq);
    tf_put_u32_le(b + 8, tf_sf_records(s));
    crc = TF_CRC32(0u, b, 12u);
    tf_sf_out_u32(&out, TF_SF_COMMIT_MAGIC);
    tf_sf_out_u32(&out, seq);
    tf_sf_out_u32(&out, tf_sf_records(s));
    for (w = 0; w < words; w++) {
        tf_put_u32_le(b, s->active[w] ^ s->staged[w]);
        crc = TF_CRC32(crc, b, 4u);
        tf_sf_out_u32(&out, s->active[w] ^ s->staged[w]);
    }
    tf_sf_out_u32(&out, crc);
    tf_sf_out_flush(&out);
    if (!out.ok) {
        return tf_sf_lost(s);
    }
    for (w = 0; w < words; w++) {
        s->active[w] ^= s->staged[w];
        s->staged[w] = 0u;
    }
    s->seq = seq;
    return TF_OK;
}

void tf_store_file_discard(void *ctx, uint8_t layer) {
    tf_store_file *s = (tf_store_file *)ctx;
    (void)layer;
    if (tf_sf_usable(s)) {
        tf_sf_clear(s->staged, tf_sf_words(s));
        s->failed = 0u;
    }
}

void tf_store_file_close(void *ctx) {
    tf_store_file *s = (tf_store_file *)ctx;
    if (tf_sf_usable(s)) {
        tf_sf_close_file(s);
        tf_sf_clear(s->staged, tf_sf_words(s));
        s->failed = 0u;
    }
}
