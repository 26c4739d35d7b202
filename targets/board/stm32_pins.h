/*
 * RCC and GPIO of the STM32F4 and STM32F7 (one layout on both): clocks a console UART and
 * switches its pins to their alternate function. Used by uart_stm32f4.c and uart_stm32f7.c;
 * the board's choice arrives as -D from its target record:
 *   TF_UART_APB_ENR  RCC APBxENR register offset, TF_UART_APB_BIT the UART's enable bit
 *   TF_UART_TX_PORT, TF_UART_TX_PIN, TF_UART_RX_PORT, TF_UART_RX_PIN  (port 0 = GPIOA, 1 = GPIOB …)
 *   TF_UART_AF       the pins' alternate function number
 * QEMU's netduinoplus2 leaves RCC and GPIO unimplemented: the writes are ignored there.
 */
#ifndef TF_STM32_PINS_H
#define TF_STM32_PINS_H

#include <stdint.h>

#define TF_REG(address) (*(volatile uint32_t *)(address))

#define TF_RCC_BASE 0x40023800u
#define TF_RCC_AHB1ENR TF_REG(TF_RCC_BASE + 0x30u)
#define TF_GPIO_BASE(port) (0x40020000u + 0x400u * (port))
#define TF_GPIO_MODER(port) TF_REG(TF_GPIO_BASE(port) + 0x00u)
#define TF_GPIO_AFR(port, pin) TF_REG(TF_GPIO_BASE(port) + 0x20u + 4u * ((pin) / 8u))
#define TF_GPIO_MODE_ALTERNATE 2u

static inline void tf_stm32_pin_alternate(uint32_t port, uint32_t pin) {
  TF_RCC_AHB1ENR |= 1u << port;
  (void)TF_RCC_AHB1ENR; /* the clock reaches the port before its first access */
  TF_GPIO_MODER(port) = (TF_GPIO_MODER(port) & ~(3u << (2u * pin))) | (TF_GPIO_MODE_ALTERNATE << (2u * pin));
  const uint32_t shift = 4u * (pin % 8u);
  TF_GPIO_AFR(port, pin) = (TF_GPIO_AFR(port, pin) & ~(0xFu << shift)) | ((uint32_t)TF_UART_AF << shift);
}

/* Clocks the UART and routes its pins. */
static inline void tf_stm32_uart_pins(void) {
  TF_REG(TF_RCC_BASE + TF_UART_APB_ENR) |= 1u << TF_UART_APB_BIT;
  (void)TF_REG(TF_RCC_BASE + TF_UART_APB_ENR);
  tf_stm32_pin_alternate(TF_UART_TX_PORT, TF_UART_TX_PIN);
  tf_stm32_pin_alternate(TF_UART_RX_PORT, TF_UART_RX_PIN);
}

#endif
