/*
 * Console UART (tf_uart.h) for STM32F7 parts, whose USART has the newer register layout
 * (CR1 first, ISR/RDR/TDR): STM32F746NG on the 32F746GDISCOVERY, USART1 on PA9 (TX) and
 * PB7 (RX), the ST-LINK virtual COM port. TF_UART_BASE and the pins arrive as -D from the
 * target record (stm32_pins.h). Reset clock: 16 MHz HSI on every bus; with 16-times
 * oversampling BRR = 16e6 / 115200 = 139 (115,108 baud, -0.08 %). Build-only here: QEMU has
 * no STM32F7 machine.
 */
#include "stm32_pins.h"
#include "tf_uart.h"

#define USART_CR1 TF_REG(TF_UART_BASE + 0x00u)
#define USART_BRR TF_REG(TF_UART_BASE + 0x0Cu)
#define USART_ISR TF_REG(TF_UART_BASE + 0x1Cu)
#define USART_ICR TF_REG(TF_UART_BASE + 0x20u)
#define USART_RDR TF_REG(TF_UART_BASE + 0x24u)
#define USART_TDR TF_REG(TF_UART_BASE + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_ORECF (1u << 3)

void tf_uart_init(void) {
  tf_stm32_uart_pins();
  USART_BRR = 139u;
  USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void tf_uart_putc(uint8_t byte) {
  while ((USART_ISR & USART_ISR_TXE) == 0u) {
  }
  USART_TDR = byte;
}

uint8_t tf_uart_getc(void) {
  for (;;) {
    const uint32_t status = USART_ISR;
    /* An overrun stops reception on the F7 until it is cleared; the link retries the frame. */
    if ((status & USART_ISR_ORE) != 0u) USART_ICR = USART_ICR_ORECF;
    if ((status & USART_ISR_RXNE) != 0u) return (uint8_t)USART_RDR;
  }
}
