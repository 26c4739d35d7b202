/*
 * Host build of the console UART (targets/common/tf_uart.h) on stdin and stdout, so that the
 * board driver runs as a native process that tinyfoa drives through pipes (docs/link.md).
 * Output is flushed whenever the driver waits for input; the end of stdin ends the process
 * with exit code 0 (the host closed the link).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tf_uart.h"

void tf_uart_init(void) {}

void tf_uart_putc(uint8_t byte) { (void)putchar(byte); }

uint8_t tf_uart_getc(void) {
    int c;
    (void)fflush(stdout);
    c = getchar();
    if (c == EOF) {
        exit(0);
    }
    return (uint8_t)c;
}
