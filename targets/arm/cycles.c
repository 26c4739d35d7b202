/*
 * SysTick cycle counter for Cortex-M (declarations and units in cycles.h).
 * SysTick counts down from TF_SYSTICK_RELOAD on the processor clock; each wrap raises the
 * SysTick exception, whose handler adds one period to a 64-bit base.
 */
#include "cycles.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)

#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_ICSR_PENDSTCLR (1u << 25)

/* The full 24 bits; tests build with a shorter period (a power of two minus one) to make
 * wraps frequent. */
#ifndef TF_SYSTICK_RELOAD
#define TF_SYSTICK_RELOAD 0x00FFFFFFu
#endif
#define TF_SYSTICK_PERIOD ((uint64_t)TF_SYSTICK_RELOAD + 1u)
/* The SysTick clock, from the target record (targets/targets.ts, cycles.systickHz). */
#ifndef TF_CPU_CLOCK_HZ
#define TF_CPU_CLOCK_HZ 25000000u
#endif

static volatile uint32_t tf_systick_wraps;

void SysTick_Handler(void);
void SysTick_Handler(void) { tf_systick_wraps++; }

uint32_t tf_cycles_start(void) {
  SYST_CSR = 0;
  SCB_ICSR = SCB_ICSR_PENDSTCLR;
  tf_systick_wraps = 0;
  SYST_RVR = TF_SYSTICK_RELOAD;
  SYST_CVR = 0; /* any write clears the counter; it reloads on the next tick */
  SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
  return TF_CPU_CLOCK_HZ;
}

uint64_t tf_cycles_read(void) {
  if ((SYST_CSR & SYST_CSR_ENABLE) == 0u) return 0;
  for (;;) {
    /* A wrap pends the SysTick exception at the tick the counter reaches 0; until the
     * handler runs (at once in thread mode, later if interrupts are masked) the wrap is
     * only visible as the pending bit. Reading the counter between two identical views of
     * (wraps, pending) gives a consistent snapshot; otherwise read again. */
    const uint32_t wraps = tf_systick_wraps;
    const uint32_t pending = SCB_ICSR & SCB_ICSR_PENDSTSET;
    const uint32_t current = SYST_CVR;
    /* tf_systick_wraps is volatile: the handler may have changed it since the first read. */
    // cppcheck-suppress knownConditionTrueFalse
    if (pending != (SCB_ICSR & SCB_ICSR_PENDSTSET) || wraps != tf_systick_wraps) continue;
    const uint64_t periods = (uint64_t)wraps + (pending != 0u ? 1u : 0u);
    /* After start the counter reads 0, then RELOAD, RELOAD-1, ..., 1, 0 (wrap), RELOAD, ... */
    return periods * TF_SYSTICK_PERIOD + (uint64_t)((TF_SYSTICK_PERIOD - current) & TF_SYSTICK_RELOAD);
  }
}
