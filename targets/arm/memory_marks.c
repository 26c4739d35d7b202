/*
 * Heap and stack figures of every Cortex-M target (the semihosting startup in
 * targets/arm/startup.c and the board startup in targets/board/startup.c share them):
 *   - _sbrk hands out a bounded region from the linker script (targets/arm/sections.ld).
 *     Only newlib allocates (FILE structures and stdio buffers); when the region is exhausted
 *     newlib falls back to unbuffered streams or fopen fails, it never grows into the stack.
 *   - tf_stack_high_water reads the paint (TF_STACK_PAINT) that Reset_Handler put on the
 *     whole thread stack before anything was pushed on it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "cycles.h"

extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern char __heap_start[];
extern char __heap_end[];

/* Linker symbols mark places, not objects: sizes are computed on addresses. */
static size_t tf_words_between(const uint32_t *start, const uint32_t *end) {
  return (size_t)(((uintptr_t)end - (uintptr_t)start) / sizeof(uint32_t));
}

/* ---- heap for newlib's stdio only ---------------------------------------------------- */

static uintptr_t tf_heap_used_bytes;

/* Replaces newlib's weak _sbrk (librdimon's on semihosting targets). */
void *_sbrk(ptrdiff_t increment);
void *_sbrk(ptrdiff_t increment) {
  const uintptr_t heap_size = (uintptr_t)__heap_end - (uintptr_t)__heap_start;
  if (increment < 0 || (uintptr_t)increment > heap_size - tf_heap_used_bytes) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *previous = __heap_start + tf_heap_used_bytes;
  tf_heap_used_bytes += (uintptr_t)increment;
  return previous;
}

uint32_t tf_heap_used(void) { return (uint32_t)tf_heap_used_bytes; }
uint32_t tf_heap_size(void) { return (uint32_t)((uintptr_t)__heap_end - (uintptr_t)__heap_start); }

/* ---- stack high-water mark ----------------------------------------------------------- */

uint32_t tf_stack_size(void) { return (uint32_t)(tf_words_between(__stack_limit, __stack_top) * sizeof(uint32_t)); }

/* The stack grows down from __stack_top: the lowest word that lost its paint marks the
 * deepest use. */
uint32_t tf_stack_high_water(void) {
  const volatile uint32_t *stack = __stack_limit;
  const size_t words = tf_words_between(__stack_limit, __stack_top);
  size_t untouched = 0;
  while (untouched < words && stack[untouched] == TF_STACK_PAINT) untouched++;
  return (uint32_t)((words - untouched) * sizeof(uint32_t));
}
