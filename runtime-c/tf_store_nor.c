/*
 * The NOR flash weight store (tinyfoa.h, tf_store_nor; layout and argument: docs/store.md,
 * "NOR flash store"). Flash is erased a sector at a time (to 0xFF) and programmed a page at a
 * time, and a byte is programmed once between erases, so nothing is rewritten in place:
 *
 * - every record j, and the commit log (ring R), is a ring of units[j] >= 2 erase units; a unit
 *   is ceil(slot / sector) sectors and holds floor(unit / slot) slots of `slot` bytes (the
 *   payload rounded up to whole pages);
 * - a write programs the record into the next slot of its ring that is still erased; entering a
 *   unit erases it first. The committed slot is always in the unit just behind, which therefore
 *   is never erased while it is committed (a record is written at most once per transaction);
 * - a commit appends one entry (sequence number, layout check, the slot of every record,
 *   CRC-32) to the commit ring the same way. Opening scans the commit ring and takes the valid
 *   entry with the highest sequence number: a torn entry fails its CRC, and a slot or unit torn
 *   by a cut is skipped or erased before it is used again.
 */
#include "tf_internal.h"

#define TF_NOR_MAGIC 0x314E4654u  /* "TFN1": commit entry */
#define TF_NOR_TRAILER_BYTES 8u   /* after a record's data: seq, CRC-32 */
#define TF_NOR_ENTRY_FIXED 20u    /* commit entry without its slot table: magic, seq, R, layout, CRC */
#define TF_NOR_CHUNK 64u          /* bytes read per driver call */

/* The shape of ring j: slot bytes, sectors per unit, slots per unit, first sector. */
typedef struct tf_nor_ring {
    uint32_t slot_bytes;
    uint32_t unit_sectors;
    uint32_t slots_per_unit;
    uint32_t slots;
    uint32_t first_sector;
} tf_nor_ring;

static uint32_t tf_sn_records(const tf_store_nor *s) { return (uint32_t)s->num_layers * s->records_per_layer; }

/* Payload bytes of ring j: a record's data and trailer, or a commit entry. */
static uint32_t tf_sn_payload(const tf_store_nor *s, uint32_t j) {
    const uint32_t records = tf_sn_records(s);
    return (j < records) ? 4u * (s->offsets[j + 1u] - s->offsets[j]) + TF_NOR_TRAILER_BYTES
                         : TF_NOR_ENTRY_FIXED + 4u * records;
}

/* Shape of ring j; first_sector from the planner's table (tf_sn_open checked it). */
static tf_nor_ring tf_sn_ring(const tf_store_nor *s, uint32_t j) {
    const uint32_t sector = s->flash->sector_bytes;
    const uint32_t page = s->flash->page_bytes;
    tf_nor_ring r;
    r.slot_bytes = (tf_sn_payload(s, j) + page - 1u) / page * page;
    r.unit_sectors = (r.slot_bytes + sector - 1u) / sector;
    r.slots_per_unit = r.unit_sectors * sector / r.slot_bytes;
    r.slots = s->units[j] * r.slots_per_unit;
    r.first_sector = s->first_sectors[j];
    return r;
}

static uint32_t tf_sn_slot_addr(const tf_store_nor *s, const tf_nor_ring *r, uint32_t slot) {
    const uint32_t unit = slot / r->slots_per_unit;
    return (r->first_sector + unit * r->unit_sectors) * s->flash->sector_bytes + (slot % r->slots_per_unit) * r->slot_bytes;
}

uint32_t tf_store_nor_region_bytes(const tf_store_nor *s) {
    const uint32_t records = (s == NULL) ? 0u : tf_sn_records(s);
    uint64_t sectors = 0u;
    uint32_t j;
    if (s == NULL || s->flash == NULL || s->offsets == NULL || s->units == NULL || s->first_sectors == NULL || records == 0u ||
        s->flash->sector_bytes == 0u || s->flash->page_bytes == 0u || s->flash->sector_bytes % s->flash->page_bytes != 0u) {
        return 0u;
    }
    for (j = 0; j < records; j++) {
        if (s->offsets[j + 1u] < s->offsets[j] || s->offsets[j + 1u] - s->offsets[j] > 0x3FFFFFF0u) {
            return 0u;
        }
    }
    for (j = 0; j <= records; j++) {
        const tf_nor_ring r = tf_sn_ring(s, j);
        if (s->units[j] < 2u || s->first_sectors[j] != sectors) {
            return 0u; /* rings lie one after the other from sector 0 */
        }
        sectors += (uint64_t)s->units[j] * r.unit_sectors;
    }
    if (sectors > s->flash->sectors || sectors * s->flash->sector_bytes > 0xFFFFFFFFu) {
        return 0u;
    }
    return (uint32_t)(sectors * s->flash->sector_bytes);
}

/* CRC-32 of the geometry and the rings: a commit entry of another layout is another store. */
static uint32_t tf_sn_layout(const tf_store_nor *s) {
    const uint32_t records = tf_sn_records(s);
    uint32_t crc = 0u;
    uint32_t j;
    crc = tf_crc32_u32_le(crc, s->flash->sector_bytes);
    crc = tf_crc32_u32_le(crc, s->flash->page_bytes);
    crc = tf_crc32_u32_le(crc, records);
    for (j = 0; j <= records; j++) {
        crc = tf_crc32_u32_le(crc, s->offsets[j]);
    }
    for (j = 0; j <= records; j++) {
        crc = tf_crc32_u32_le(crc, s->units[j]);
    }
    return crc;
}

/* The pointers every call needs; the layout itself is checked once, by tf_sn_open. */
static int tf_sn_usable(const tf_store_nor *s) {
    return s != NULL && s->flash != NULL && s->flash->erase != NULL && s->flash->program != NULL &&
           s->flash->read != NULL && s->offsets != NULL && s->units != NULL && s->first_sectors != NULL &&
           s->active != NULL && s->staged != NULL && s->page != NULL && s->num_layers != 0u && s->records_per_layer != 0u;
}

static int tf_sn_locate(const tf_store_nor *s, uint8_t layer, uint32_t record, uint32_t count, uint32_t *index) {
    uint32_t i;
    if (layer >= s->num_layers || record >= s->records_per_layer) {
        return 0;
    }
    i = (uint32_t)layer * s->records_per_layer + record;
    if (s->offsets[i + 1u] - s->offsets[i] != count) {
        return 0;
    }
    *index = i;
    return 1;
}

static void tf_sn_unstage(tf_store_nor *s) {
    const uint32_t records = tf_sn_records(s);
    uint32_t j;
    for (j = 0; j < records; j++) {
        s->staged[j] = TF_NOR_NONE;
    }
    s->failed = 0u;
}

/*
 * Reads the commit entry in slot `slot` of the commit ring. 1 if it is valid: *seq its number,
 * *layout its layout check, and the slot table copied into map when map is not NULL.
 */
static int tf_sn_read_entry(const tf_store_nor *s, const tf_nor_ring *r, uint32_t slot, uint32_t *seq, uint32_t *layout,
                            uint32_t *map) {
    const uint32_t records = tf_sn_records(s);
    const uint32_t addr = tf_sn_slot_addr(s, r, slot);
    uint8_t b[TF_NOR_CHUNK];
    uint32_t crc;
    uint32_t j = 0u;
    if (s->flash->read(s->flash->ctx, addr, b, 16u) != TF_OK || tf_get_u32_le(b) != TF_NOR_MAGIC ||
        tf_get_u32_le(b + 8) != records || tf_get_u32_le(b + 4) == 0u) {
        return 0;
    }
    crc = TF_CRC32(0u, b, 16u);
    *seq = tf_get_u32_le(b + 4);
    *layout = tf_get_u32_le(b + 12);
    while (j < records) {
        const uint32_t n = (records - j < TF_NOR_CHUNK / 4u) ? records - j : TF_NOR_CHUNK / 4u;
        if (s->flash->read(s->flash->ctx, addr + 16u + 4u * j, b, 4u * n) != TF_OK) {
            return 0;
        }
        crc = TF_CRC32(crc, b, 4u * n);
        if (map != NULL) {
            uint32_t k;
            for (k = 0; k < n; k++) {
                map[j + k] = tf_get_u32_le(b + 4u * k);
            }
        }
        j += n;
    }
    return s->flash->read(s->flash->ctx, addr + 16u + 4u * records, b, 4u) == TF_OK && tf_get_u32_le(b) == crc;
}

/* Scans the commit ring on first use. TF_ERR_STORE on a driver error or another layout's entry. */
static tf_status tf_sn_open(tf_store_nor *s) {
    const uint32_t records = tf_sn_records(s);
    uint32_t layout;
    tf_nor_ring r;
    uint32_t best_seq = 0u;
    uint32_t best = 0u;
    uint32_t slot;
    uint32_t j;
    if (s->opened) {
        return TF_OK;
    }
    if (tf_store_nor_region_bytes(s) == 0u) {
        return TF_ERR_STORE; /* a geometry or ring table that does not fit the part */
    }
    layout = tf_sn_layout(s);
    r = tf_sn_ring(s, records);
    for (slot = 0; slot < r.slots; slot++) {
        uint32_t seq = 0u;
        uint32_t their = 0u;
        if (tf_sn_read_entry(s, &r, slot, &seq, &their, NULL)) {
            if (their != layout) {
                return TF_ERR_STORE; /* another model's store: leave it as it is */
            }
            if (seq > best_seq) {
                best_seq = seq;
                best = slot;
            }
        }
    }
    if (best_seq != 0u) {
        uint32_t seq = 0u;
        uint32_t their = 0u;
        if (!tf_sn_read_entry(s, &r, best, &seq, &their, s->active)) {
            return TF_ERR_STORE;
        }
        for (j = 0; j < records; j++) {
            if (s->active[j] >= tf_sn_ring(s, j).slots) {
                return TF_ERR_STORE;
            }
        }
    } else {
        for (j = 0; j < records; j++) {
            s->active[j] = TF_NOR_NONE; /* no commit yet: every ring starts at its slot 0 */
        }
        best = TF_NOR_NONE;
    }
    s->seq = best_seq;
    s->commit_slot = best;
    tf_sn_unstage(s);
    s->opened = 1u;
    return TF_OK;
}

static int tf_sn_blank(const tf_store_nor *s, uint32_t addr, uint32_t bytes) {
    uint8_t b[TF_NOR_CHUNK];
    uint32_t done = 0u;
    while (done < bytes) {
        const uint32_t n = (bytes - done < TF_NOR_CHUNK) ? bytes - done : TF_NOR_CHUNK;
        uint32_t k;
        if (s->flash->read(s->flash->ctx, addr + done, b, n) != TF_OK) {
            return -1;
        }
        for (k = 0; k < n; k++) {
            if (b[k] != 0xFFu) {
                return 0;
            }
        }
        done += n;
    }
    return 1;
}

/*
 * The slot the next write of ring r uses after slot `from` (TF_NOR_NONE: before slot 0): the
 * next one still erased, erasing a unit when the search enters it. TF_NOR_NONE on a driver error.
 */
static uint32_t tf_sn_next_slot(const tf_store_nor *s, const tf_nor_ring *r, uint32_t from) {
    uint32_t slot = from;
    uint32_t tries;
    for (tries = 0; tries < r->slots; tries++) {
        slot = (slot == TF_NOR_NONE || slot + 1u >= r->slots) ? 0u : slot + 1u;
        if (slot % r->slots_per_unit == 0u) {
            const uint32_t first = r->first_sector + (slot / r->slots_per_unit) * r->unit_sectors;
            uint32_t k;
            for (k = 0; k < r->unit_sectors; k++) {
                if (s->flash->erase(s->flash->ctx, first + k) != TF_OK) {
                    return TF_NOR_NONE;
                }
            }
            return slot;
        }
        switch (tf_sn_blank(s, tf_sn_slot_addr(s, r, slot), r->slot_bytes)) {
        case 1:
            return slot;
        case 0:
            break; /* torn by a cut, or written by a discarded transaction: skip it */
        default:
            return TF_NOR_NONE;
        }
    }
    return TF_NOR_NONE;
}

/* Programs bytes through the page buffer: `fill` bytes at a time, a page per program call. */
typedef struct tf_sn_writer {
    tf_store_nor *s;
    uint32_t addr; /* next byte to program */
    uint32_t used; /* bytes in s->page */
    int ok;
} tf_sn_writer;

static void tf_sn_flush(tf_sn_writer *w) {
    if (w->ok && w->used > 0u) {
        const uint32_t start = w->addr - w->used;
        w->ok = w->s->flash->program(w->s->flash->ctx, start, w->s->page, w->used) == TF_OK;
    }
    w->used = 0u;
}

static void tf_sn_emit(tf_sn_writer *w, const uint8_t *b, uint32_t n) {
    const uint32_t page = w->s->flash->page_bytes;
    uint32_t k;
    for (k = 0; k < n; k++) {
        w->s->page[w->used++] = b[k];
        w->addr++;
        if (w->addr % page == 0u) {
            tf_sn_flush(w);
        }
    }
}

tf_status tf_store_nor_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count) {
    tf_store_nor *s = (tf_store_nor *)ctx;
    uint8_t b[TF_NOR_CHUNK];
    tf_nor_ring r;
    uint32_t index = 0u;
    uint32_t slot;
    uint32_t newest;
    uint32_t addr;
    uint32_t crc = 0u;
    uint32_t done = 0u;
    uint32_t seq;
    if (!tf_sn_usable(s) || dst == NULL || !tf_sn_locate(s, layer, record, count, &index) || tf_sn_open(s) != TF_OK) {
        return TF_ERR_STORE;
    }
    if (s->staged[index] != TF_NOR_NONE) {
        slot = s->staged[index];
        newest = s->seq + 1u;
    } else if (s->seq == 0u) {
        uint32_t i;
        for (i = 0; i < count; i++) {
            dst[i] = 0.0f; /* no commit yet: an empty store reads as zeros */
        }
        return TF_OK;
    } else {
        slot = s->active[index];
        newest = s->seq;
    }
    r = tf_sn_ring(s, index);
    addr = tf_sn_slot_addr(s, &r, slot);
    while (done < count) {
        const uint32_t n = (count - done < TF_NOR_CHUNK / 4u) ? count - done : TF_NOR_CHUNK / 4u;
        uint32_t k;
        if (s->flash->read(s->flash->ctx, addr + 4u * done, b, 4u * n) != TF_OK) {
            return TF_ERR_STORE;
        }
        crc = TF_CRC32(crc, b, 4u * n);
        for (k = 0; k < n; k++) {
            dst[done + k] = tf_f32_from_bits(tf_get_u32_le(b + 4u * k));
        }
        done += n;
    }
    if (s->flash->read(s->flash->ctx, addr + 4u * count, b, TF_NOR_TRAILER_BYTES) != TF_OK) {
        return TF_ERR_STORE;
    }
    seq = tf_get_u32_le(b);
    crc = tf_crc32_u32_le(tf_crc32_u32_le(crc, index), seq);
    return (seq != 0u && seq <= newest && crc == tf_get_u32_le(b + 4)) ? TF_OK : TF_ERR_STORE;
}

tf_status tf_store_nor_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count) {
    tf_store_nor *s = (tf_store_nor *)ctx;
    tf_sn_writer w;
    tf_nor_ring r;
    uint8_t b[8];
    uint32_t index = 0u;
    uint32_t slot;
    uint32_t crc = 0u;
    uint32_t k;
    if (!tf_sn_usable(s) || src == NULL || !tf_sn_locate(s, layer, record, count, &index) || tf_sn_open(s) != TF_OK ||
        s->failed != 0u || s->staged[index] != TF_NOR_NONE) {
        return TF_ERR_STORE;
    }
    r = tf_sn_ring(s, index);
    slot = tf_sn_next_slot(s, &r, s->active[index]);
    if (slot == TF_NOR_NONE) {
        s->failed = 1u;
        return TF_ERR_STORE;
    }
    w.s = s;
    w.addr = tf_sn_slot_addr(s, &r, slot);
    w.used = 0u;
    w.ok = 1;
    for (k = 0; k < count && w.ok; k++) {
        tf_put_u32_le(b, tf_f32_to_bits(src[k]));
        crc = TF_CRC32(crc, b, 4u);
        tf_sn_emit(&w, b, 4u);
    }
    tf_put_u32_le(b, s->seq + 1u);
    tf_put_u32_le(b + 4, tf_crc32_u32_le(tf_crc32_u32_le(crc, index), s->seq + 1u));
    tf_sn_emit(&w, b, 8u);
    tf_sn_flush(&w);
    if (!w.ok) {
        s->failed = 1u;
        return TF_ERR_STORE;
    }
    s->staged[index] = slot;
    return TF_OK;
}

tf_status tf_store_nor_commit(void *ctx, uint8_t layer) {
    tf_store_nor *s = (tf_store_nor *)ctx;
    const uint32_t records = (s == NULL) ? 0u : tf_sn_records(s);
    tf_sn_writer w;
    tf_nor_ring r;
    uint8_t b[16];
    uint32_t crc;
    uint32_t slot;
    uint32_t j;
    int any = 0;
    (void)layer;
    if (!tf_sn_usable(s) || tf_sn_open(s) != TF_OK || s->failed != 0u) {
        return TF_ERR_STORE;
    }
    for (j = 0; j < records; j++) {
        any |= s->staged[j] != TF_NOR_NONE;
    }
    if (!any) {
        return TF_OK;
    }
    r = tf_sn_ring(s, records);
    slot = tf_sn_next_slot(s, &r, s->commit_slot);
    if (slot == TF_NOR_NONE) {
        s->opened = 0u; /* the next call scans the flash again */
        return TF_ERR_STORE;
    }
    w.s = s;
    w.addr = tf_sn_slot_addr(s, &r, slot);
    w.used = 0u;
    w.ok = 1;
    tf_put_u32_le(b, TF_NOR_MAGIC);
    tf_put_u32_le(b + 4, s->seq + 1u);
    tf_put_u32_le(b + 8, records);
    tf_put_u32_le(b + 12, tf_sn_layout(s));
    crc = TF_CRC32(0u, b, 16u);
    tf_sn_emit(&w, b, 16u);
    for (j = 0; j < records; j++) {
        tf_put_u32_le(b, (s->staged[j] != TF_NOR_NONE) ? s->staged[j] : s->active[j]);
        crc = TF_CRC32(crc, b, 4u);
        tf_sn_emit(&w, b, 4u);
    }
    tf_put_u32_le(b, crc);
    tf_sn_emit(&w, b, 4u);
    tf_sn_flush(&w);
    if (!w.ok) {
        s->opened = 0u;
        return TF_ERR_STORE;
    }
    for (j = 0; j < records; j++) {
        if (s->staged[j] != TF_NOR_NONE) {
            s->active[j] = s->staged[j];
        }
    }
    tf_sn_unstage(s);
    s->seq++;
    s->commit_slot = slot;
    return TF_OK;
}

void tf_store_nor_discard(void *ctx, uint8_t layer) {
    tf_store_nor *s = (tf_store_nor *)ctx;
    (void)layer;
    if (tf_sn_usable(s) && s->opened) {
        tf_sn_unstage(s);
    }
}
