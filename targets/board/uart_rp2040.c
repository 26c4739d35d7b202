/*
 * Console UART (tf_uart.h) for the RP2040 (Raspberry Pi Pico): UART0 (an Arm PL011) on GP0
 * (TX) and GP1 (RX). The CPU keeps its reset clock (the ring oscillator, about 6 MHz, not
 * precise enough for a baud rate), so init starts the 12 MHz crystal and feeds it to
 * clk_peri alone: IBRD/FBRD = 12e6 / (16 · 115200) = 6 + 33/64 (115,163 baud, -0.03 %).
 * Build-only here: QEMU has no RP2040 machine.
 */
#include "tf_uart.h"

#define REG(address) (*(volatile uint32_t *)(address))
#define CLEAR_ALIAS 0x3000u /* writes clear the bits set in the value */

#define RESETS_BASE 0x4000C000u
#define RESETS_RESET_CLEAR REG(RESETS_BASE + CLEAR_ALIAS + 0x0u)
#define RESETS_RESET_DONE REG(RESETS_BASE + 0x8u)
#define RESET_IO_BANK0 (1u << 5)
#define RESET_PADS_BANK0 (1u << 8)
#define RESET_UART0 (1u << 22)

#define XOSC_BASE 0x40024000u
#define XOSC_CTRL REG(XOSC_BASE + 0x00u)
#define XOSC_STATUS REG(XOSC_BASE + 0x04u)
#define XOSC_STARTUP REG(XOSC_BASE + 0x0Cu)
#define XOSC_CTRL_1_15MHZ 0xAA0u
#define XOSC_CTRL_ENABLE (0xFABu << 12)
#define XOSC_STATUS_STABLE (1u << 31)
#define XOSC_STARTUP_1MS_AT_12MHZ 47u

#define CLK_PERI_CTRL REG(0x40008000u + 0x48u)
#define CLK_PERI_ENABLE (1u << 11)
#define CLK_PERI_AUXSRC_XOSC (4u << 5)

#define IO_BANK0_GPIO_CTRL(pin) REG(0x40014000u + 0x04u + 8u * (pin))
#define GPIO_FUNC_UART 2u

#define UART0_BASE 0x40034000u
#define UART_DR REG(UART0_BASE + 0x000u)
#define UART_FR REG(UART0_BASE + 0x018u)
#define UART_IBRD REG(UART0_BASE + 0x024u)
#define UART_FBRD REG(UART0_BASE + 0x028u)
#define UART_LCR_H REG(UART0_BASE + 0x02Cu)
#define UART_CR REG(UART0_BASE + 0x030u)
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_LCR_H_WLEN_8 (3u << 5)
#define UART_LCR_H_FEN (1u << 4)
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE (1u << 8)
#define UART_CR_RXE (1u << 9)

void tf_uart_init(void) {
  XOSC_STARTUP = XOSC_STARTUP_1MS_AT_12MHZ;
  XOSC_CTRL = XOSC_CTRL_ENABLE | XOSC_CTRL_1_15MHZ;
  while ((XOSC_STATUS & XOSC_STATUS_STABLE) == 0u) {
  }
  CLK_PERI_CTRL = CLK_PERI_AUXSRC_XOSC | CLK_PERI_ENABLE;
  const uint32_t blocks = RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0;
  RESETS_RESET_CLEAR = blocks;
  while ((RESETS_RESET_DONE & blocks) != blocks) {
  }
  IO_BANK0_GPIO_CTRL(0u) = GPIO_FUNC_UART;
  IO_BANK0_GPIO_CTRL(1u) = GPIO_FUNC_UART;
  UART_IBRD = 6u;
  UART_FBRD = 33u;
  UART_LCR_H = UART_LCR_H_WLEN_8 | UART_LCR_H_FEN; /* latches the divisors */
  UART_CR = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;
}

void tf_uart_putc(uint8_t byte) {
  while ((UART_FR & UART_FR_TXFF) != 0u) {
  }
  UART_DR = byte;
}

uint8_t tf_uart_getc(void) {
  while ((UART_FR & UART_FR_RXFE) != 0u) {
  }
  return (uint8_t)UART_DR;
}
