/*
 * tf_link.h — the framing of the serial link (docs/link.md) over targets/common/tf_uart.h.
 *
 * A frame is  A5 5A | type u8 | seq u16 | len u16 | payload (len bytes) | crc u32  with every
 * number little-endian and the CRC-32 (tinyfoa.h, tf_crc32) taken over type, seq, len and the
 * payload. The receiver hunts for the two sync bytes, so it finds its way back after lost or
 * damaged bytes; a frame whose length exceeds the receiver's buffer or whose CRC is wrong is
 * dropped without a word, and the sender's retry (docs/link.md, "Retries") recovers it.
 */
#ifndef TF_LINK_H
#define TF_LINK_H

#include <stdint.h>

#define TF_LINK_SYNC0 0xA5u
#define TF_LINK_SYNC1 0x5Au
/** Bytes of type, seq and len. */
#define TF_LINK_HEADER_BYTES 5u
/** Version of the protocol in docs/link.md, announced in READY. */
#define TF_LINK_VERSION 1u

/** Requests (host to board); a response has the request's type | 0x80, or is TF_LINK_ERROR. */
enum {
    TF_LINK_HELLO = 0x01,
    TF_LINK_TRAIN = 0x02,
    TF_LINK_EVAL = 0x03,
    TF_LINK_SAMPLE = 0x04,
    TF_LINK_PREDICT = 0x05,
    TF_LINK_DIGEST = 0x06,
    TF_LINK_PROGRESS = 0x07,
    TF_LINK_CYCLES = 0x08,
    TF_LINK_DUMP = 0x09,
    TF_LINK_RESPONSE = 0x80,
    TF_LINK_ERROR = 0xFF
};

/** A received frame; payload points into the caller's buffer. */
typedef struct {
    uint8_t type;
    uint16_t seq;
    uint16_t len;
    uint8_t *payload;
} tf_link_frame;

/**
 * Waits for the next intact frame whose payload fits `capacity` bytes of `buffer` and returns
 * it in *frame. Bytes that do not make such a frame are skipped.
 */
void tf_link_receive(tf_link_frame *frame, uint8_t *buffer, uint16_t capacity);

/** Sends one frame. */
void tf_link_send(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t len);

/** Little-endian helpers for payloads. */
static inline void tf_link_put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tf_link_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t tf_link_get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif /* TF_LINK_H */
