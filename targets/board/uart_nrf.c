/*
 * Console UART (tf_uart.h) for Nordic parts with the UART0 peripheral at 0x40002000:
 * nRF51822 (micro:bit: TX P0.24, RX P0.25) and nRF52840 (DK: TX P0.06, RX P0.08; the
 * legacy non-DMA UART the nRF52840 still has). Pins arrive as -D TF_UART_TX_PIN and
 * TF_UART_RX_PIN from the target record.
 *
 * The CPU clock stays at its reset default; the UART's baud generator needs the crystal
 * (HFXO) for 115200 baud within tolerance, so init starts it and waits for it. QEMU's
 * models (hw/arm/nrf51_soc.c: the CLOCK block reads as 1; hw/char/nrf51_uart.c) accept a
 * byte on TXD only after STARTTX, raise TXDRDY when it is sent, and queue received bytes
 * only after STARTRX.
 */
#include "tf_uart.h"

#define REG(address) (*(volatile uint32_t *)(address))

#define CLOCK_TASKS_HFCLKSTART REG(0x40000000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(0x40000100u)

#define UART_BASE 0x40002000u
#define UART_TASKS_STARTRX REG(UART_BASE + 0x000u)
#define UART_TASKS_STARTTX REG(UART_BASE + 0x008u)
#define UART_EVENTS_RXDRDY REG(UART_BASE + 0x108u)
#define UART_EVENTS_TXDRDY REG(UART_BASE + 0x11Cu)
#define UART_ENABLE REG(UART_BASE + 0x500u)
#define UART_PSELTXD REG(UART_BASE + 0x50Cu)
#define UART_PSELRXD REG(UART_BASE + 0x514u)
#define UART_RXD REG(UART_BASE + 0x518u)
#define UART_TXD REG(UART_BASE + 0x51Cu)
#define UART_BAUDRATE REG(UART_BASE + 0x524u)
#define UART_CONFIG REG(UART_BASE + 0x56Cu)

#define UART_ENABLE_ENABLED 4u
#define UART_BAUDRATE_115200 0x01D7E000u

#define GPIO_PIN_CNF(pin) REG(0x50000700u + 4u * (pin))
#define GPIO_DIRSET REG(0x50000518u)
#define GPIO_OUTSET REG(0x50000508u)

void tf_uart_init(void) {
  CLOCK_EVENTS_HFCLKSTARTED = 0u;
  CLOCK_TASKS_HFCLKSTART = 1u;
  while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
  }
  GPIO_OUTSET = 1u << TF_UART_TX_PIN; /* idle high before the UART takes the pin */
  GPIO_DIRSET = 1u << TF_UART_TX_PIN;
  GPIO_PIN_CNF(TF_UART_RX_PIN) = 0u; /* input, buffer connected */
  UART_PSELTXD = TF_UART_TX_PIN;
  UART_PSELRXD = TF_UART_RX_PIN;
  UART_BAUDRATE = UART_BAUDRATE_115200;
  UART_CONFIG = 0u; /* no parity, no flow control */
  UART_ENABLE = UART_ENABLE_ENABLED;
  UART_EVENTS_TXDRDY = 0u;
  UART_EVENTS_RXDRDY = 0u;
  UART_TASKS_STARTTX = 1u;
  UART_TASKS_STARTRX = 1u;
}

void tf_uart_putc(uint8_t byte) {
  UART_EVENTS_TXDRDY = 0u;
  UART_TXD = byte;
  while (UART_EVENTS_TXDRDY == 0u) {
  }
}

uint8_t tf_uart_getc(void) {
  while (UART_EVENTS_RXDRDY == 0u) {
  }
  UART_EVENTS_RXDRDY = 0u;
  return (uint8_t)UART_RXD;
}
