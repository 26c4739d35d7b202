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
 */
#include <stdio.h>
#include <stdlib.h>

#include "tf_internal.h"

#define TF_SF_MAGIC 0x31534654u        /* "TFS1": file header */
#define TF_SF_COMMIT_MAGIC 0x31434654u /* "TFC1": commit record */
#define TF_SF_VERSION 1u
#define TF_SF_HEADER_BYTES 32u
#define TF_SF_TRAILER_BYTES 8u /* after a slot's data: seq, CRC-32 */
#define TF_SF_CHUNK_FLOATS 16u /* floats converted per stdio call */

#ifdef TF_TEST_POWER_CUT
uint32_t tf_store_file_power_cut = 0u;
#endif

static void tf_sf_put_u32(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)(v & 0xFFu);
    b[1] = (uint8_t)((v >> 8) & 0xFFu);
    b[2] = (uint8_t)((v >> 16) & 0xFFu);
    b[3] = (uint8_t)(v >> 24);
}

static uint32_t tf_sf_get_u32(const uint8_t *b) {
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static uint32_t tf_sf_crc_u32(uint32_t crc, uint32_t v) {
    uint8_t b[4];
    tf_sf_put_u32(b, v);
    return TF_CRC32(crc, b, 4u);
}

/* Floats of the next chunk when `left` (> 0) remain. */
static uint32_t tf_sf_chunk(uint32_t left) { return (left < TF_SF_CHUNK_FLOATS) ? left : TF_SF_CHUNK_FLOATS; }

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

static int tf_sf_seek(const tf_store_file *s, long offset) {
    FILE *f = (FILE *)s->file;
    clearerr(f);
    return fseek(f, offset, SEEK_SET) == 0;
}

/* Every byte the store writes goes through here (and is counted). */
static int tf_sf_put(tf_store_file *s, const uint8_t *bytes, uint32_t n) {
    FILE *f = (FILE *)s->file;
#ifdef TF_TEST_POWER_CUT
    if (tf_store_file_power_cut != 0u && tf_store_file_power_cut - s->bytes_written <= n) {
        /* The power fails after byte number tf_store_file_power_cut: that much reaches the file. */
        (void)fwrite(bytes, 1u, tf_store_file_power_cut - s->bytes_written, f);
        (void)fflush(f);
        (void)fflush(stdout);
        _Exit(TF_POWER_CUT_EXIT);
    }
#endif
    if (fwrite(bytes, 1u, n, f) != n) {
        return 0;
    }
    s->bytes_written += n;
    return 1;
}

static int tf_sf_get(const tf_store_file *s, uint8_t *bytes, uint32_t n) {
    return fread(bytes, 1u, n, (FILE *)s->file) == n;
}

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
        layout = tf_sf_crc_u32(layout, s->offsets[i]);
    }
    tf_sf_put_u32(head, TF_SF_MAGIC);
    tf_sf_put_u32(head + 4, TF_SF_VERSION);
    tf_sf_put_u32(head + 8, s->num_layers);
    tf_sf_put_u32(head + 12, s->records_per_layer);
    tf_sf_put_u32(head + 16, s->offsets[records]);
    tf_sf_put_u32(head + 20, layout);
    tf_sf_put_u32(head + 24, 0u);
    tf_sf_put_u32(head + 28, TF_CRC32(0u, head, 28u));
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
    number = tf_sf_get_u32(b + 4);
    if (tf_sf_get_u32(b) != TF_SF_COMMIT_MAGIC || tf_sf_get_u32(b + 8) != tf_sf_records(s) || number == 0u) {
        return 0;
    }
    crc = TF_CRC32(0u, b, 12u);
    for (w = 0; w < words; w++) {
        if (!tf_sf_get(s, b, 4u)) {
            return 0;
        }
        crc = TF_CRC32(crc, b, 4u);
        if (map != NULL) {
            map[w] = tf_sf_get_u32(b);
        }
    }
    if (!tf_sf_get(s, b, 4u) || tf_sf_get_u32(b) != crc) {
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
    if (s->io_buffer != NULL && s->io_buffer_bytes > 0u) {
        (void)setvbuf(f, s->io_buffer, _IOFBF, (size_t)s->io_buffer_bytes);
    }
    s->file = f;
    tf_sf_header(s, expected);
    if (!tf_sf_get(s, head, TF_SF_HEADER_BYTES)) {
        if (ferror(f) || !tf_sf_seek(s, 0L) || !tf_sf_put(s, expected, TF_SF_HEADER_BYTES) || fflush(f) != 0) {
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
    uint8_t b[4u * TF_SF_CHUNK_FLOATS];
    uint32_t crc = 0u;
    uint32_t done = 0u;
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
    if (!tf_sf_seek(s, tf_sf_slot_offset(s, index, slot))) {
        return TF_ERR_STORE;
    }
    while (done < count) {
        const uint32_t n = tf_sf_chunk(count - done);
        uint32_t k;
        if (!tf_sf_get(s, b, 4u * n)) {
            return TF_ERR_STORE;
        }
        crc = TF_CRC32(crc, b, 4u * n);
        for (k = 0; k < n; k++) {
            dst[done + k] = tf_f32_from_bits(tf_sf_get_u32(b + 4u * k));
        }
        done += n;
    }
    if (!tf_sf_get(s, b, TF_SF_TRAILER_BYTES)) {
        return TF_ERR_STORE;
    }
    seq = tf_sf_get_u32(b);
    crc = tf_sf_crc_u32(tf_sf_crc_u32(crc, index), seq);
    /* A committed slot was written by a transaction no later than the commit: a later seq means
     * the commit record in use is not the newest (it was damaged) and the slot was reused. */
    return (seq != 0u && seq <= newest && crc == tf_sf_get_u32(b + 4)) ? TF_OK : TF_ERR_STORE;
}

tf_status tf_store_file_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    tf_store_file *s = (tf_store_file *)ctx;
    uint8_t b[4u * TF_SF_CHUNK_FLOATS];
    uint32_t crc = 0u;
    uint32_t done = 0u;
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
    while (done < count) {
        const uint32_t n = tf_sf_chunk(count - done);
        uint32_t k;
        for (k = 0; k < n; k++) {
            tf_sf_put_u32(b + 4u * k, tf_f32_to_bits(src[done + k]));
        }
        crc = TF_CRC32(crc, b, 4u * n);
        if (!tf_sf_put(s, b, 4u * n)) {
            s->failed = 1u;
            return TF_ERR_STORE;
        }
        done += n;
    }
    tf_sf_put_u32(b, seq);
    tf_sf_put_u32(b + 4, tf_sf_crc_u32(tf_sf_crc_u32(crc, index), seq));
    if (!tf_sf_put(s, b, TF_SF_TRAILER_BYTES)) {
        s->failed = 1u;
        return TF_ERR_STORE;
    }
    s->staged[index >> 5] |= 1u << (index & 31u);
    return TF_OK;
}

tf_status tf_store_file_commit(void *ctx, uint8_t layer) {
    tf_store_file *s = (tf_store_file *)ctx;
    const uint32_t words = (s == NULL) ? 0u : tf_sf_words(s);
    uint8_t b[12];
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
    /* The staged records reach the file before the commit record does. */
    if (fflush((FILE *)s->file) != 0 || !tf_sf_seek(s, (long)(TF_SF_HEADER_BYTES + (seq & 1u) * tf_sf_commit_bytes(s)))) {
        return tf_sf_lost(s);
    }
    tf_sf_put_u32(b, TF_SF_COMMIT_MAGIC);
    tf_sf_put_u32(b + 4, seq);
    tf_sf_put_u32(b + 8, tf_sf_records(s));
    crc = TF_CRC32(0u, b, 12u);
    if (!tf_sf_put(s, b, 12u)) {
        return tf_sf_lost(s);
    }
    for (w = 0; w < words; w++) {
        tf_sf_put_u32(b, s->active[w] ^ s->staged[w]);
        crc = TF_CRC32(crc, b, 4u);
        if (!tf_sf_put(s, b, 4u)) {
            return tf_sf_lost(s);
        }
    }
    tf_sf_put_u32(b, crc);
    if (!tf_sf_put(s, b, 4u) || fflush((FILE *)s->file) != 0) {
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
