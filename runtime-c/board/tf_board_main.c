/*
 * tf_board_main.c — the board driver: the generated model served over the serial link
 * (docs/link.md) on the console UART. It needs nothing of the board but tf_uart.h: no
 * semihosting, no stdio, no heap, so the same image runs on a real part and in QEMU.
 *
 * After reset it initialises the model, says READY (sequence number 0) and then answers
 * requests, one response per request. A request whose sequence number equals the last one
 * answered is a retry: the board sends the same response again and runs nothing, so a lost
 * response never trains a sample twice. The next number runs the request; any other number
 * is refused. HELLO runs whatever its number and starts counting from it.
 */
#include "tinyfoa.h"
#include "tf_link.h"
#include "tf_model.h"
#include "tf_uart.h"

#if !defined(TF_MODEL) || !defined(TF_MODEL_FEATURES) || !defined(TF_MODEL_LAYERS)
#error "tf_model.h must define TF_MODEL (the tf_model object), TF_MODEL_FEATURES and TF_MODEL_LAYERS"
#endif
#if TF_SEMANTICS_VERSION != 4
#error "this driver implements semantics version 2"
#endif
#ifdef TF_MODEL_STORE_FILE
#error "the file store needs semihosting; a board keeps its weights in RAM or in a user-supplied store"
#endif

#if defined(__has_include)
#if __has_include("cycles.h")
#include "cycles.h"
#endif
#endif

/* Errors of the link itself (not tf_status values); docs/link.md "ERROR". */
#define TF_LINK_ERR_REQUEST 100u  /* malformed request: length, layer, array */
#define TF_LINK_ERR_SEQUENCE 101u /* a sequence number that is neither a retry nor the next one */
#define TF_LINK_ERR_ORDER 102u    /* SAMPLE without an open TRAIN or EVAL, or a command while one is open */

/* Largest payload either way: a sample (label + features), a digest report, or 64 bytes. */
#define TF_LINK_ARRAYS 8u /* TF_ARRAY_COUNT, which the preprocessor cannot see */
#define TF_LINK_SAMPLE_BYTES (1u + TF_MODEL_FEATURES)
#define TF_LINK_DIGEST_BYTES (9u + 6u * TF_MODEL_LAYERS * TF_LINK_ARRAYS)
#define TF_LINK_MAX2(a, b) ((a) > (b) ? (a) : (b))
#define TF_LINK_PAYLOAD TF_LINK_MAX2(TF_LINK_MAX2(TF_LINK_SAMPLE_BYTES, TF_LINK_DIGEST_BYTES), 64u)
#if TF_LINK_PAYLOAD > 0xFFFFu
#error "a link payload must fit 16 bits: the model has too many features or layers for the serial link"
#endif
typedef char tf_link_arrays_check[(TF_LINK_ARRAYS == (unsigned)TF_ARRAY_COUNT) ? 1 : -1];

static uint8_t tf_rx[TF_LINK_PAYLOAD];
/* The last response, kept for a retry of its request. */
static uint8_t tf_tx[TF_LINK_PAYLOAD];
static uint8_t tf_tx_type;
static uint16_t tf_tx_len;
static uint16_t tf_last_seq;

/* The open TRAIN or EVAL: its kind (0: none), layer, samples asked for and done, right answers. */
static uint8_t tf_open_kind;
static uint8_t tf_open_layer;
static uint32_t tf_open_count;
static uint32_t tf_open_done;
static uint32_t tf_open_correct;

#ifdef TF_TARGET_CYCLES_H
static uint32_t tf_cycle_rate;
/* Ticks spent on initialisation and requests; time spent waiting for bytes is not counted. */
static uint64_t tf_busy_cycles;
#endif

static void tf_reply(uint8_t type, uint16_t len) {
    tf_tx_type = type;
    tf_tx_len = len;
}

static void tf_reply_error(uint32_t code, uint8_t request, uint32_t index, const char *message) {
    uint16_t n = 0;
    tf_link_put_u16(tf_tx, (uint16_t)code);
    tf_tx[2] = request;
    tf_link_put_u32(tf_tx + 3, index);
    /* The message is cut to the payload; walking it by pointer stops at its terminator first. */
    for (const char *p = message; *p != '\0' && 7u + n < TF_LINK_PAYLOAD; p++) {
        tf_tx[7u + n] = (uint8_t)*p;
        n++;
    }
    tf_reply(TF_LINK_ERROR, (uint16_t)(7u + n));
}

static void tf_reply_status(tf_status st, uint8_t request, uint32_t index) {
    tf_reply_error((uint32_t)st, request, index, tf_status_name(st));
}

static uint16_t tf_ready_payload(void) {
    const char *version = TF_RUNTIME_VERSION_STRING;
    uint16_t n = 22;
    tf_tx[0] = TF_LINK_VERSION;
    tf_tx[1] = TF_SEMANTICS_VERSION;
    tf_tx[2] = TF_MODEL.num_layers;
    tf_tx[3] = TF_MODEL.classes;
    tf_link_put_u16(tf_tx + 4, (uint16_t)TF_MODEL_FEATURES);
    tf_link_put_u16(tf_tx + 6, (uint16_t)TF_LINK_PAYLOAD);
    tf_link_put_u32(tf_tx + 8, tf_arena_floats_required(&TF_MODEL));
    tf_link_put_u32(tf_tx + 12, tf_bit_arena_words_required(&TF_MODEL));
    tf_link_put_u32(tf_tx + 16, tf_total_steps(&TF_MODEL));
    tf_link_put_u16(tf_tx + 20, TF_MODEL.batch_size);
    while (*version != '\0' && n < TF_LINK_PAYLOAD) {
        tf_tx[n++] = (uint8_t)*version++;
    }
    return n;
}

static int tf_layer_ok(uint8_t layer) { return layer < TF_MODEL.num_layers; }

static void tf_open(const tf_link_frame *f) {
    if (f->len != 5u || !tf_layer_ok(f->payload[0])) {
        tf_reply_error(TF_LINK_ERR_REQUEST, f->type, 0u, "TRAIN/EVAL: layer u8, count u32");
        return;
    }
    tf_open_kind = f->type;
    tf_open_layer = f->payload[0];
    tf_open_count = tf_link_get_u32(f->payload + 1);
    tf_open_done = 0u;
    tf_open_correct = 0u;
    if (tf_open_count == 0u) {
        tf_open_kind = 0u;
    }
    tf_tx[0] = tf_open_layer;
    tf_link_put_u32(tf_tx + 1, tf_open_count);
    tf_reply((uint8_t)(f->type | TF_LINK_RESPONSE), 5u);
}

static void tf_sample(const tf_link_frame *f) {
    const uint8_t label = f->payload[0];
    const uint8_t *x = f->payload + 1;
    tf_status st;
    if (tf_open_kind == 0u) {
        tf_reply_error(TF_LINK_ERR_ORDER, f->type, 0u, "SAMPLE without an open TRAIN or EVAL");
        return;
    }
    if (f->len != TF_LINK_SAMPLE_BYTES) {
        tf_reply_error(TF_LINK_ERR_REQUEST, f->type, tf_open_done, "SAMPLE: label u8 and the model's features");
        return;
    }
    if (tf_open_kind == TF_LINK_TRAIN) {
        st = tf_train_sample(&TF_MODEL, tf_open_layer, x, label);
        if (st != TF_OK) {
            tf_open_kind = 0u;
            tf_reply_status(st, f->type, tf_open_done);
            return;
        }
        tf_tx[8] = 0u;
    } else {
        uint8_t predicted = 0u;
        st = tf_predict(&TF_MODEL, tf_open_layer, x, &predicted);
        if (st == TF_OK && label >= TF_MODEL.classes) {
            st = TF_ERR_LABEL;
        }
        if (st != TF_OK) {
            tf_open_kind = 0u;
            tf_reply_status(st, f->type, tf_open_done);
            return;
        }
        tf_open_correct += (predicted == label) ? 1u : 0u;
        tf_tx[8] = predicted;
    }
    tf_open_done++;
    tf_link_put_u32(tf_tx, tf_open_done);
    tf_link_put_u32(tf_tx + 4, tf_open_kind == TF_LINK_TRAIN ? TF_MODEL.layers[tf_open_layer].steps : tf_open_correct);
    if (tf_open_done == tf_open_count) {
        tf_open_kind = 0u;
    }
    tf_reply((uint8_t)(TF_LINK_SAMPLE | TF_LINK_RESPONSE), 9u);
}

static void tf_predict_one(const tf_link_frame *f) {
    uint8_t predicted = 0u;
    tf_status st;
    if (f->len != TF_LINK_SAMPLE_BYTES || !tf_layer_ok(f->payload[0])) {
        tf_reply_error(TF_LINK_ERR_REQUEST, f->type, 0u, "PREDICT: layer u8 and the model's features");
        return;
    }
    st = tf_predict(&TF_MODEL, f->payload[0], f->payload + 1, &predicted);
    if (st != TF_OK) {
        tf_reply_status(st, f->type, 0u);
        return;
    }
    tf_tx[0] = predicted;
    tf_reply((uint8_t)(TF_LINK_PREDICT | TF_LINK_RESPONSE), 1u);
}

static void tf_digest(const tf_link_frame *f) {
    uint32_t digest = 0u;
    uint16_t n = 9u;
    uint8_t count = 0u;
    uint8_t l;
    tf_status st = tf_state_digest(&TF_MODEL, &digest);
    if (st != TF_OK) {
        tf_reply_status(st, f->type, 0u);
        return;
    }
    tf_link_put_u32(tf_tx, tf_total_steps(&TF_MODEL));
    tf_link_put_u32(tf_tx + 4, digest);
    for (l = 0; l < TF_MODEL.num_layers; l++) {
        int a;
        for (a = 0; a < (int)TF_ARRAY_COUNT; a++) {
            if (!tf_array_present(&TF_MODEL, (tf_array)a)) {
                continue;
            }
            st = tf_array_digest(&TF_MODEL, l, (tf_array)a, &digest);
            if (st != TF_OK) {
                tf_reply_status(st, f->type, l);
                return;
            }
            tf_tx[n] = l;
            tf_tx[n + 1u] = (uint8_t)a;
            tf_link_put_u32(tf_tx + n + 2u, digest);
            n = (uint16_t)(n + 6u);
            count++;
        }
    }
    tf_tx[8] = count;
    tf_reply((uint8_t)(TF_LINK_DIGEST | TF_LINK_RESPONSE), n);
}

static void tf_progress(void) {
    tf_tx[0] = tf_open_kind;
    tf_tx[1] = tf_open_layer;
    tf_link_put_u32(tf_tx + 2, tf_open_done);
    tf_link_put_u32(tf_tx + 6, tf_open_count);
    tf_link_put_u32(tf_tx + 10, tf_total_steps(&TF_MODEL));
    tf_reply((uint8_t)(TF_LINK_PROGRESS | TF_LINK_RESPONSE), 14u);
}

static void tf_cycles(void) {
    uint32_t i;
    for (i = 0; i < 29u; i++) {
        tf_tx[i] = 0u;
    }
#ifdef TF_TARGET_CYCLES_H
    if (tf_cycle_rate != 0u) {
        tf_tx[0] = 1u;
        tf_link_put_u32(tf_tx + 1, (uint32_t)tf_busy_cycles);
        tf_link_put_u32(tf_tx + 5, (uint32_t)(tf_busy_cycles >> 32));
        tf_link_put_u32(tf_tx + 9, tf_cycle_rate);
        tf_link_put_u32(tf_tx + 13, tf_stack_high_water());
        tf_link_put_u32(tf_tx + 17, tf_stack_size());
        tf_link_put_u32(tf_tx + 21, tf_heap_used());
        tf_link_put_u32(tf_tx + 25, tf_heap_size());
    }
#endif
    tf_reply((uint8_t)(TF_LINK_CYCLES | TF_LINK_RESPONSE), 29u);
}

/* DUMP: the bytes [from, from + room) of an array's serialisation (tinyfoa.h, §11). */
typedef struct {
    uint32_t at;
    uint32_t from;
    uint32_t room;
    uint8_t *out;
} tf_window;

static tf_status tf_window_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    tf_window *w = (tf_window *)ctx;
    uint32_t i;
    for (i = 0; i < count; i++, w->at++) {
        if (w->at >= w->from && w->at - w->from < w->room) {
            w->out[w->at - w->from] = bytes[i];
        }
    }
    return TF_OK;
}

static void tf_dump(const tf_link_frame *f) {
    tf_window w;
    tf_status st;
    uint32_t got;
    if (f->len != 6u || !tf_layer_ok(f->payload[0]) || f->payload[1] >= (uint8_t)TF_ARRAY_COUNT ||
        !tf_array_present(&TF_MODEL, (tf_array)f->payload[1])) {
        tf_reply_error(TF_LINK_ERR_REQUEST, f->type, 0u, "DUMP: layer u8, present array u8, offset u32");
        return;
    }
    w.at = 0u;
    w.from = tf_link_get_u32(f->payload + 2);
    w.room = TF_LINK_PAYLOAD - 4u;
    w.out = tf_tx + 4;
    st = tf_array_serialise(&TF_MODEL, f->payload[0], (tf_array)f->payload[1], tf_window_sink, &w);
    if (st != TF_OK) {
        tf_reply_status(st, f->type, 0u);
        return;
    }
    tf_link_put_u32(tf_tx, w.at);
    got = (w.at > w.from) ? w.at - w.from : 0u;
    if (got > w.room) {
        got = w.room;
    }
    tf_reply((uint8_t)(TF_LINK_DUMP | TF_LINK_RESPONSE), (uint16_t)(4u + got));
}

static void tf_serve(const tf_link_frame *f) {
    if (f->type == TF_LINK_SAMPLE) {
        tf_sample(f);
        return;
    }
    if (tf_open_kind != 0u && f->type != TF_LINK_PROGRESS && f->type != TF_LINK_HELLO) {
        tf_reply_error(TF_LINK_ERR_ORDER, f->type, tf_open_done, "a TRAIN or EVAL still waits for samples");
        return;
    }
    switch (f->type) {
    case TF_LINK_HELLO:
        tf_open_kind = 0u;
        tf_reply((uint8_t)(TF_LINK_HELLO | TF_LINK_RESPONSE), tf_ready_payload());
        break;
    case TF_LINK_TRAIN:
    case TF_LINK_EVAL:
        tf_open(f);
        break;
    case TF_LINK_PREDICT:
        tf_predict_one(f);
        break;
    case TF_LINK_DIGEST:
        tf_digest(f);
        break;
    case TF_LINK_PROGRESS:
        tf_progress();
        break;
    case TF_LINK_CYCLES:
        tf_cycles();
        break;
    case TF_LINK_DUMP:
        tf_dump(f);
        break;
    default:
        tf_reply_error(TF_LINK_ERR_REQUEST, f->type, 0u, "unknown request type");
        break;
    }
}

int main(void) {
    tf_status st;
    tf_link_frame frame;
    int resumed = 0;
#ifdef TF_TARGET_CYCLES_H
    tf_cycle_rate = tf_cycles_start();
#endif
    tf_uart_init();
    st = tf_resume(&TF_MODEL, &resumed);
    if (st == TF_OK && !resumed) {
        st = tf_init(&TF_MODEL);
    }
#ifdef TF_TARGET_CYCLES_H
    tf_busy_cycles = tf_cycles_read();
#endif
    if (st != TF_OK) {
        /* Nothing can be trained: every request gets this error. */
        for (;;) {
            tf_reply_status(st, 0u, 0u);
            tf_link_send(tf_tx_type, 0u, tf_tx, tf_tx_len);
            tf_link_receive(&frame, tf_rx, (uint16_t)TF_LINK_PAYLOAD);
        }
    }
    tf_reply((uint8_t)(TF_LINK_HELLO | TF_LINK_RESPONSE), tf_ready_payload());
    tf_link_send(tf_tx_type, 0u, tf_tx, tf_tx_len); /* the board's hello */
    for (;;) {
        tf_link_receive(&frame, tf_rx, (uint16_t)TF_LINK_PAYLOAD);
        if (frame.type == TF_LINK_HELLO || frame.seq == (uint16_t)(tf_last_seq + 1u)) {
#ifdef TF_TARGET_CYCLES_H
            const uint64_t started = tf_cycles_read();
#endif
            tf_last_seq = frame.seq;
            tf_serve(&frame);
#ifdef TF_TARGET_CYCLES_H
            tf_busy_cycles += tf_cycles_read() - started;
#endif
        } else if (frame.seq != tf_last_seq) {
            /* Refused without touching the kept response, which a retry of the last request needs. */
            static const char message[] = "sequence number is neither the last one nor the next";
            uint8_t e[7u + sizeof message - 1u];
            uint32_t i;
            tf_link_put_u16(e, (uint16_t)TF_LINK_ERR_SEQUENCE);
            e[2] = frame.type;
            tf_link_put_u32(e + 3, tf_last_seq);
            for (i = 0; i + 1u < sizeof message; i++) {
                e[7u + i] = (uint8_t)message[i];
            }
            tf_link_send(TF_LINK_ERROR, frame.seq, e, (uint16_t)sizeof e);
            continue;
        }
        tf_link_send(tf_tx_type, frame.seq, tf_tx, tf_tx_len);
    }
}
