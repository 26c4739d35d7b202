/*
 * The console UART of a board target (docs/targets.md, "Board targets"). Each board's
 * uart.c implements these three calls for its part's usual console pins at the clock the
 * part has after reset; the serial link (docs/link.md) is built on them alone, so firmware
 * on a real board needs nothing but a serial port.
 *
 * 115200 baud, 8 data bits, no parity, 1 stop bit. Both transfers block: the link's framing
 * and acknowledgements, not the driver, deal with lost or damaged bytes.
 */
#ifndef TF_UART_H
#define TF_UART_H

#include <stdint.h>

/** Clocks and configures the console UART; bytes that arrived before this call are lost. */
void tf_uart_init(void);
/** Sends one byte, waiting until the transmitter accepts it. */
void tf_uart_putc(uint8_t byte);
/** Waits for one received byte and returns it. */
uint8_t tf_uart_getc(void);

#endif
