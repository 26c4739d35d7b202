/*
 * Console UART (tf_uart.h) for STM32F4 parts with the F2/F4 USART (SR/DR registers):
 * STM32F405 (USART1 on PA9/PA10) and STM32F411 (USART2 on PA2/PA3, the Nucleo's ST-LINK
 * virtual COM port). TF_UART_BASE and the pins arrive as -D from the target record
 * (stm32_pins.h). The clock is the reset default: the 16 MHz HSI drives every bus, so
 * BRR = 16e6 / 115200 = 8 + 11/16 (0x8B, 115,108 baud, -0.08 %). QEMU's model
 * (hw/char/stm32f2xx_usart.c) ignores BRR, drops bytes that arrive before UE and RE are
 * set, and transmits synchronously.
 */
#include "stm32_pins.h"
#include "tf_uart.h"

#define USART_SR TF_REG(TF_UART_BASE + 0x00u)
#define USART_DR TF_REG(TF_UART_BASE + 0x04u)
#define USART_BRR TF_REG(TF_UART_BASE + 0x08u)
#define USART_CR1 TF_REG(TF_UART_BASE + 0x0Cu)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)

void tf_uart_init(void) {
  tf_stm32_uart_pins();
  USART_BRR = 0x8Bu;
  USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void tf_uart_putc(uint8_t byte) {
  while ((USART_SR & USART_SR_TXE) == 0u) {
  }
  USART_DR = byte;
}

uint8_t tf_uart_getc(void) {
  while ((USART_SR & USART_SR_RXNE) == 0u) {
  }
  return (uint8_t)USART_DR;
}
