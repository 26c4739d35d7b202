/*
 * On-target measurement: a cycle counter, the stack high-water mark, heap use.
 * One header for every target; each target implements it (targets/arm/cycles.c,
 * targets/host/cycles.c), so firmware code calls it without #ifdefs. Facts and units:
 * docs/targets.md.
 */
#ifndef TF_TARGET_CYCLES_H
#define TF_TARGET_CYCLES_H

#include <stdint.h>

/* Word the startup code writes over the whole stack before main runs. */
#define TF_STACK_PAINT 0xC5AC5AC5u

/*
 * Starts (or restarts) the cycle counter at 0.
 * Returns the counter's rate in ticks per second of the target's CPU clock
 * (25000000 on the QEMU mps2 boards), or 0 if the target has no counter (host).
 * Cortex-M: SysTick on the processor clock (CLKSOURCE=1), 24-bit, extended to 64 bits by
 * counting wraps in SysTick_Handler. Under QEMU `-icount shift=0` one tick is exactly 40
 * executed instructions and counts are identical run to run.
 */
uint32_t tf_cycles_start(void);

/* Ticks since the last tf_cycles_start(); 0 if never started or on the host. */
uint64_t tf_cycles_read(void);

/* Bytes of stack ever used since reset (the painted words that changed); equals
 * tf_stack_size() when the stack overflowed. 0 on the host. */
uint32_t tf_stack_high_water(void);

/* Bytes reserved for the stack by the linker script; 0 on the host. */
uint32_t tf_stack_size(void);

/* Bytes newlib's stdio took from the bounded heap, and the heap's size; 0 on the host. */
uint32_t tf_heap_used(void);
uint32_t tf_heap_size(void);

#endif /* TF_TARGET_CYCLES_H */
