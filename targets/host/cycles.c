/*
 * Host (native gcc) build of the on-target measurement API in cycles.h.
 * A host process has no deterministic cycle counter, fixed stack or bounded heap that the
 * firmware owns, so every figure is 0: host runs check results, QEMU runs measure them.
 */
#include "cycles.h"

uint32_t tf_cycles_start(void) { return 0; }
uint64_t tf_cycles_read(void) { return 0; }
uint32_t tf_stack_high_water(void) { return 0; }
uint32_t tf_stack_size(void) { return 0; }
uint32_t tf_heap_used(void) { return 0; }
uint32_t tf_heap_size(void) { return 0; }
