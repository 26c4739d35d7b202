/*
 * Startup and system calls for board targets: firmware for a real part that needs nothing
 * but its console UART (targets/common/tf_uart.h), no semihosting, no debugger (see
 * docs/targets.md, "Board targets"). One file for Cortex-M0, M0+, M4F and M7: the assembly
 * is Thumb-1 only, and the clock stays at the part's reset default.
 *
 * Reset_Handler, in order:
 *   1. paints the whole thread stack with TF_STACK_PAINT (for tf_stack_high_water) before
 *      anything is pushed on it, then switches thread mode to it (PSP); exceptions keep the
 *      small handler stack (MSP) from the vector table;
 *   2. enables the FPU through CPACR on hard-float builds, before any FP instruction;
 *   3. copies .data from its load address in flash, zeroes .bss, runs .init_array;
 *   4. brings up the console UART (tf_uart_init), then calls main(1, {"firmware"}).
 * stdout and stderr write to the UART byte for byte (no newline translation: the serial
 * link of docs/link.md is binary), stdin reads from it. When main returns, or on exit(),
 * the core sleeps for ever: a board has nobody to return to. A fault prints
 * "TINYFOA-FAIL 99 fault ..." on the UART and stops.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cycles.h"
#include "tf_uart.h"

/* Linker-script symbols (targets/arm/sections.ld). */
extern uint32_t __handler_stack_top[];
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

extern int main(int argc, char **argv);
extern void __libc_init_array(void);
void _init(void);
void _fini(void);
void Reset_Handler(void);
void tf_reset_c(void) __attribute__((noreturn, used));
void tf_fault_entry(void);
void tf_fault_report(const uint32_t *frame) __attribute__((noreturn, used));
void SysTick_Handler(void) __attribute__((weak, alias("tf_fault_entry")));

/* ---- vector table ------------------------------------------------------------------ */

typedef void (*tf_vector)(void);

/* The 16 system exceptions; no device interrupt is ever enabled, so none is listed. On
 * Armv6-M the MemManage/BusFault/UsageFault/DebugMonitor slots are reserved and unused. */
__attribute__((section(".isr_vector"), used)) static const tf_vector tf_vectors[16] = {
    (tf_vector)(uintptr_t)__handler_stack_top, /* initial MSP */
    Reset_Handler,
    tf_fault_entry, /* NMI */
    tf_fault_entry, /* HardFault */
    tf_fault_entry, /* MemManage */
    tf_fault_entry, /* BusFault */
    tf_fault_entry, /* UsageFault */
    0,
    0,
    0,
    0,
    tf_fault_entry, /* SVCall */
    tf_fault_entry, /* DebugMonitor */
    0,
    tf_fault_entry, /* PendSV */
    SysTick_Handler,
};

/* ---- reset --------------------------------------------------------------------------- */

__attribute__((naked, noreturn)) void Reset_Handler(void) {
  __asm__ volatile(
      "  ldr r0, =__stack_limit\n"
      "  ldr r1, =__stack_top\n"
      "  ldr r2, =0xC5AC5AC5\n" /* TF_STACK_PAINT */
      "1: cmp r0, r1\n"
      "  bhs 2f\n"
      "  stmia r0!, {r2}\n"
      "  b 1b\n"
      "2: msr psp, r1\n"
      "  movs r0, #2\n" /* CONTROL.SPSEL: thread mode uses PSP */
      "  msr control, r0\n"
      "  isb\n"
#if defined(__ARM_FP)
      "  ldr r0, =0xE000ED88\n" /* CPACR: full access to CP10 and CP11 */
      "  ldr r1, [r0]\n"
      "  ldr r2, =0x00F00000\n"
      "  orrs r1, r2\n"
      "  str r1, [r0]\n"
      "  dsb\n"
      "  isb\n"
#endif
      "  ldr r0, =tf_reset_c\n"
      "  bx r0\n");
}

/* Linker symbols mark places, not objects: sizes are computed on addresses. */
static size_t tf_words_between(const uint32_t *start, const uint32_t *end) {
  return (size_t)(((uintptr_t)end - (uintptr_t)start) / sizeof(uint32_t));
}

static char tf_program_name[] = "firmware";
static char *tf_argv[2] = {tf_program_name, NULL};

void tf_reset_c(void) {
  const size_t data_words = tf_words_between(__data_start, __data_end);
  for (size_t i = 0; i < data_words; i++) __data_start[i] = __data_load[i];
  const size_t bss_words = tf_words_between(__bss_start, __bss_end);
  for (size_t i = 0; i < bss_words; i++) __bss_start[i] = 0u;
  __libc_init_array();
  tf_uart_init();
  exit(main(1, tf_argv));
}

/* __libc_init_array and __libc_fini_array call these; the arrays themselves do the work. */
void _init(void) {}
void _fini(void) {}

/* ---- system calls for newlib-nano ------------------------------------------------------ */

void _exit(int status) __attribute__((noreturn));
void _exit(int status) {
  (void)status;
  for (;;) __asm__ volatile("wfi");
}

int _write(int file, const char *buffer, int length);
int _write(int file, const char *buffer, int length) {
  if (file != 1 && file != 2) {
    errno = EBADF;
    return -1;
  }
  for (int i = 0; i < length; i++) tf_uart_putc((uint8_t)buffer[i]);
  return length;
}

/* One byte per call: newlib asks for a buffer's worth, and a serial line gives what it has. */
int _read(int file, char *buffer, int length);
int _read(int file, char *buffer, int length) {
  if (file != 0) {
    errno = EBADF;
    return -1;
  }
  if (length <= 0) return 0;
  buffer[0] = (char)tf_uart_getc();
  return 1;
}

int _close(int file);
int _close(int file) {
  (void)file;
  errno = EBADF;
  return -1;
}

int _lseek(int file, int offset, int whence);
int _lseek(int file, int offset, int whence) {
  (void)file;
  (void)offset;
  (void)whence;
  errno = ESPIPE;
  return -1;
}

int _fstat(int file, struct stat *status);
int _fstat(int file, struct stat *status) {
  (void)file;
  status->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int file);
int _isatty(int file) { return file >= 0 && file <= 2; }

int _open(const char *name, int flags, int mode);
int _open(const char *name, int flags, int mode) {
  (void)name;
  (void)flags;
  (void)mode;
  errno = ENOENT; /* a board has no file system: the weight store is in RAM or the user's */
  return -1;
}

int _kill(int pid, int signal);
int _kill(int pid, int signal) {
  (void)pid;
  (void)signal;
  errno = EINVAL;
  return -1;
}

int _getpid(void);
int _getpid(void) { return 1; }

/* _sbrk, tf_heap_used/size and tf_stack_size/high_water: targets/arm/memory_marks.c. */

/* ---- faults ------------------------------------------------------------------------ */

/* Passes the exception frame (on PSP or MSP, per EXC_RETURN bit 2) to tf_fault_report. */
__attribute__((naked)) void tf_fault_entry(void) {
  __asm__ volatile(
      "  movs r0, #4\n"
      "  mov r1, lr\n"
      "  tst r0, r1\n"
      "  beq 1f\n"
      "  mrs r0, psp\n"
      "  b 2f\n"
      "1: mrs r0, msp\n"
      "2: ldr r1, =tf_fault_report\n"
      "  bx r1\n");
}

static void tf_put_text(const char *text) {
  while (*text != '\0') tf_uart_putc((uint8_t)*text++);
}

static void tf_put_hex(uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  tf_put_text("0x");
  for (int shift = 28; shift >= 0; shift -= 4) tf_uart_putc((uint8_t)digits[(value >> shift) & 0xFu]);
}

/* Straight to the UART, bypassing newlib, whose state may be what broke. */
void tf_fault_report(const uint32_t *frame) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  tf_put_text("\nTINYFOA-FAIL 99 fault exception=");
  tf_put_hex(ipsr & 0x1FFu);
  tf_put_text(" pc=");
  tf_put_hex(frame[6]);
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
  tf_put_text(" cfsr=");
  tf_put_hex(*(volatile uint32_t *)0xE000ED28u);
  tf_put_text(" hfsr=");
  tf_put_hex(*(volatile uint32_t *)0xE000ED2Cu);
#endif
  tf_put_text("\n");
  for (;;) __asm__ volatile("wfi");
}
