/* tf_link.c — frames over the console UART (tf_link.h, docs/link.md). */
#include "tf_link.h"

#include "tf_uart.h"
#include "tinyfoa.h"

static uint8_t tf_link_read_u8(uint32_t *crc) {
    uint8_t b = tf_uart_getc();
    *crc = tf_crc32(*crc, &b, 1u);
    return b;
}

void tf_link_receive(tf_link_frame *frame, uint8_t *buffer, uint16_t capacity) {
    for (;;) {
        uint32_t crc = 0u;
        uint32_t sent;
        uint16_t i;
        uint8_t b = tf_uart_getc();
        if (b != TF_LINK_SYNC0) {
            continue;
        }
        b = tf_uart_getc();
        while (b == TF_LINK_SYNC0) { /* A5 A5 5A: the second A5 may start the frame */
            b = tf_uart_getc();
        }
        if (b != TF_LINK_SYNC1) {
            continue;
        }
        frame->type = tf_link_read_u8(&crc);
        frame->seq = tf_link_read_u8(&crc);
        frame->seq = (uint16_t)(frame->seq | ((uint16_t)tf_link_read_u8(&crc) << 8));
        frame->len = tf_link_read_u8(&crc);
        frame->len = (uint16_t)(frame->len | ((uint16_t)tf_link_read_u8(&crc) << 8));
        if (frame->len > capacity) {
            continue; /* a damaged length, or a frame for a bigger receiver: hunt again */
        }
        for (i = 0; i < frame->len; i++) {
            buffer[i] = tf_uart_getc();
        }
        crc = tf_crc32(crc, buffer, frame->len);
        sent = tf_uart_getc();
        sent |= (uint32_t)tf_uart_getc() << 8;
        sent |= (uint32_t)tf_uart_getc() << 16;
        sent |= (uint32_t)tf_uart_getc() << 24;
        if (sent == crc) {
            frame->payload = buffer;
            return;
        }
    }
}

void tf_link_send(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t len) {
    uint8_t header[TF_LINK_HEADER_BYTES];
    uint8_t tail[4];
    uint32_t crc;
    uint16_t i;
    header[0] = type;
    tf_link_put_u16(header + 1, seq);
    tf_link_put_u16(header + 3, len);
    crc = tf_crc32(0u, header, TF_LINK_HEADER_BYTES);
    crc = tf_crc32(crc, payload, len);
    tf_link_put_u32(tail, crc);
    tf_uart_putc(TF_LINK_SYNC0);
    tf_uart_putc(TF_LINK_SYNC1);
    for (i = 0; i < TF_LINK_HEADER_BYTES; i++) {
        tf_uart_putc(header[i]);
    }
    for (i = 0; i < len; i++) {
        tf_uart_putc(payload[i]);
    }
    for (i = 0; i < 4u; i++) {
        tf_uart_putc(tail[i]);
    }
}
