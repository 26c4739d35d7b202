/*
 * Startup for Cortex-M targets run under QEMU with semihosting (see docs/targets.md).
 *
 * Replaces newlib's rdimon crt0, which does not copy .data from flash and knows nothing of
 * this project's memory layout (mps2.ld). Reset_Handler, in order:
 *   1. paints the whole thread stack with TF_STACK_PAINT (for tf_stack_high_water) before
 *      anything is pushed on it, then switches thread mode to it (PSP); exceptions keep the
 *      small handler stack (MSP) from the vector table;
 *   2. enables the FPU through CPACR on hard-float builds, before any FP instruction;
 *   3. sets up the MPU: code region read-only, a no-access guard below the thread stack;
 *   4. copies .data from its load address in flash, zeroes .bss, runs .init_array;
 *   5. opens the semihosting console for stdio and fetches the command line;
 *   6. calls main(argc, argv), then exit() with its result.
 * A fault prints a sentinel line straight through semihosting and exits non-zero:
 *   "TINYFOA-FAIL 98 stack overflow ..." or "TINYFOA-FAIL 99 fault ...".
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cycles.h"

/* Linker-script symbols (mps2.ld). */
extern uint32_t __handler_stack_top[];
extern uint32_t __stack_guard[];
extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
void _init(void);
void _fini(void);
void Reset_Handler(void);
void tf_reset_c(void) __attribute__((noreturn, used));
void tf_fault_entry(void);
void tf_fault_report(const uint32_t *frame) __attribute__((noreturn, used));
void SysTick_Handler(void) __attribute__((weak, alias("tf_fault_entry")));

#define TF_EXIT_STACK_OVERFLOW 98
#define TF_EXIT_FAULT 99

/* ---- semihosting ------------------------------------------------------------------- */

#define SH_SYS_OPEN 0x01u
#define SH_SYS_WRITE 0x05u
#define SH_SYS_WRITE0 0x04u
#define SH_SYS_GET_CMDLINE 0x15u
#define SH_SYS_EXIT 0x18u
#define SH_SYS_EXIT_EXTENDED 0x20u
#define SH_OPEN_MODE_W 4u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023u

static int tf_semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return (int)r0;
}

/* ---- vector table ------------------------------------------------------------------ */

typedef void (*tf_vector)(void);

/* The 16 system exceptions; no device interrupt is ever enabled, so none is listed. */
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

/* Ends the run. SYS_EXIT_EXTENDED carries the code (QEMU exits with code & 0xFF). A host
 * without that call gets plain SYS_EXIT, whose AArch32 form carries only "application exit"
 * (QEMU: exit code 0) or "run-time error" (QEMU: exit code 1). */
static void tf_exit_now(uint32_t code) __attribute__((noreturn));
static void tf_exit_now(uint32_t code) {
  const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, code};
  tf_semihost(SH_SYS_EXIT_EXTENDED, block);
  const uint32_t reason = code == 0u ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUN_TIME_ERROR;
  for (;;) tf_semihost(SH_SYS_EXIT, (const void *)(uintptr_t)reason);
}

/* Replaces librdimon's _exit, which sends SYS_EXIT_EXTENDED only after probing the host's
 * ":semihosting-features" file through newlib's file table, and otherwise plain SYS_EXIT
 * "application exit": when the probe fails (seen after a fault early in stdio set-up) every
 * exit status becomes 0. exit() calls this after flushing stdio. */
void _exit(int status) __attribute__((noreturn));
void _exit(int status) { tf_exit_now((uint32_t)status); }

/* ---- reset --------------------------------------------------------------------------- */

__attribute__((naked, noreturn)) void Reset_Handler(void) {
  __asm__ volatile(
      "  ldr r0, =__stack_limit\n"
      "  ldr r1, =__stack_top\n"
      "  ldr r2, =0xC5AC5AC5\n" /* TF_STACK_PAINT */
      "1: cmp r0, r1\n"
      "  bhs 2f\n"
      "  str r2, [r0], #4\n"
      "  b 1b\n"
      "2: msr psp, r1\n"
      "  movs r0, #2\n" /* CONTROL.SPSEL: thread mode uses PSP */
      "  msr control, r0\n"
      "  isb\n"
#if defined(__ARM_FP)
      "  ldr r0, =0xE000ED88\n" /* CPACR: full access to CP10 and CP11 */
      "  ldr r1, [r0]\n"
      "  orr r1, r1, #(0xF << 20)\n"
      "  str r1, [r0]\n"
      "  dsb\n"
      "  isb\n"
#endif
      "  b tf_reset_c\n");
}

#define MPU_TYPE (*(volatile uint32_t *)0xE000ED90u)
#define MPU_CTRL (*(volatile uint32_t *)0xE000ED94u)
#define MPU_RNR (*(volatile uint32_t *)0xE000ED98u)
#define MPU_RBAR (*(volatile uint32_t *)0xE000ED9Cu)
#define MPU_RASR (*(volatile uint32_t *)0xE000EDA0u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE(log2_bytes) (((uint32_t)(log2_bytes) - 1u) << 1)
#define MPU_RASR_C (1u << 17)
#define MPU_RASR_AP_NONE (0u << 24)
#define MPU_RASR_AP_READ_ONLY (6u << 24)
#define MPU_RASR_XN (1u << 28)

#if defined(__ARM_ARCH_8M_MAIN__)
/* Armv8-M (cortex-m33 on mps2-an505): the MPU has base/limit regions and no "no access"
 * permission, so the stack guard is the core's own stack limit (PSPLIM: a push below
 * __stack_limit raises a UsageFault, CFSR.STKOF) and the MPU only makes the code region
 * read-only, at its secure address and at its non-secure alias. */
#define MPU_RLAR (*(volatile uint32_t *)0xE000EDA0u)
#define MPU_MAIR0 (*(volatile uint32_t *)0xE000EDC0u)
#define MPU_RBAR_AP_READ_ONLY_ANY (3u << 1)
#define MPU_RLAR_ENABLE (1u << 0)
extern uint32_t __code_start[];

static void tf_mpu_setup(void) {
  __asm__ volatile("msr psplim, %0" ::"r"((uint32_t)(uintptr_t)__stack_limit));
  if (((MPU_TYPE >> 8) & 0xFFu) < 1u) return;
  MPU_MAIR0 = 0x44u; /* attribute 0: normal memory, non-cacheable */
  MPU_RNR = 0;
  MPU_RBAR = ((uint32_t)(uintptr_t)__code_start & ~0x1Fu) | MPU_RBAR_AP_READ_ONLY_ANY;
  MPU_RLAR = (((uint32_t)(uintptr_t)__code_start + 0x7FFFFFu) & ~0x1Fu) | MPU_RLAR_ENABLE;
  /* The code's non-secure alias at 0x0 (where a null pointer points) is read-only too. */
  MPU_RNR = 1;
  MPU_RBAR = 0x00000000u | MPU_RBAR_AP_READ_ONLY_ANY;
  MPU_RLAR = (0x7FFFFFu & ~0x1Fu) | MPU_RLAR_ENABLE;
  MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
  __asm__ volatile("dsb\n isb" ::: "memory");
}
#else
/* Region 0: the 8 MiB code region (4 MiB and its mirror) read-only and executable.
 * Region 1: the 32-byte guard below the thread stack, no access.
 * Everything else keeps the default memory map (PRIVDEFENA). */
static void tf_mpu_setup(void) {
  if (((MPU_TYPE >> 8) & 0xFFu) < 2u) return;
  MPU_RNR = 0;
  MPU_RBAR = 0x00000000u;
  MPU_RASR = MPU_RASR_AP_READ_ONLY | MPU_RASR_C | MPU_RASR_SIZE(23) | MPU_RASR_ENABLE;
  MPU_RNR = 1;
  MPU_RBAR = (uint32_t)(uintptr_t)__stack_guard;
  MPU_RASR = MPU_RASR_XN | MPU_RASR_AP_NONE | MPU_RASR_SIZE(5) | MPU_RASR_ENABLE;
  MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
  __asm__ volatile("dsb\n isb" ::: "memory");
}
#endif

#define TF_CMDLINE_BYTES 256
#define TF_MAX_ARGS 16

static char tf_cmdline[TF_CMDLINE_BYTES];
static char *tf_argv[TF_MAX_ARGS + 1];
static char tf_default_name[] = "firmware";

/* QEMU joins the `-semihosting-config arg=...` values with single spaces. */
static int tf_fetch_args(void) {
  /* SYS_GET_CMDLINE block: buffer address, buffer length in and text length out. */
  uint32_t block[2] = {(uint32_t)(uintptr_t)tf_cmdline, TF_CMDLINE_BYTES - 1u};
  uint32_t length = 0;
  if (tf_semihost(SH_SYS_GET_CMDLINE, block) == 0 && block[1] < TF_CMDLINE_BYTES) length = block[1];
  tf_cmdline[length] = '\0';
  int argc = 0;
  char *p = tf_cmdline;
  while (*p != '\0' && argc < TF_MAX_ARGS) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    tf_argv[argc++] = p;
    while (*p != '\0' && *p != ' ') p++;
  }
  if (argc == 0) tf_argv[argc++] = tf_default_name;
  tf_argv[argc] = NULL;
  return argc;
}

/* Linker symbols mark places, not objects: sizes are computed on addresses. */
static size_t tf_words_between(const uint32_t *start, const uint32_t *end) {
  return (size_t)(((uintptr_t)end - (uintptr_t)start) / sizeof(uint32_t));
}

void tf_reset_c(void) {
  tf_mpu_setup();
  const size_t data_words = tf_words_between(__data_start, __data_end);
  for (size_t i = 0; i < data_words; i++) __data_start[i] = __data_load[i];
  const size_t bss_words = tf_words_between(__bss_start, __bss_end);
  for (size_t i = 0; i < bss_words; i++) __bss_start[i] = 0u;
  __libc_init_array();
  initialise_monitor_handles();
  const int argc = tf_fetch_args();
  exit(main(argc, tf_argv));
}

/* __libc_init_array and __libc_fini_array call these; the arrays themselves do the work. */
void _init(void) {}
void _fini(void) {}

/* _sbrk, tf_heap_used/size and tf_stack_size/high_water: targets/arm/memory_marks.c. */

/* ---- faults ------------------------------------------------------------------------ */

/* Passes the exception frame (on PSP or MSP, per EXC_RETURN bit 2) to tf_fault_report. */
__attribute__((naked)) void tf_fault_entry(void) {
  __asm__ volatile(
      "  tst lr, #4\n"
      "  ite eq\n"
      "  mrseq r0, msp\n"
      "  mrsne r0, psp\n"
      "  b tf_fault_report\n");
}

static char *tf_put_text(char *out, const char *text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

static char *tf_put_decimal(char *out, uint32_t value) {
  char digits[10];
  int count = 0;
  do {
    digits[count++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  while (count > 0) *out++ = digits[--count];
  return out;
}

static char *tf_put_hex(char *out, uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  *out++ = '0';
  *out++ = 'x';
  for (int shift = 28; shift >= 0; shift -= 4) *out++ = digits[(value >> shift) & 0xFu];
  return out;
}

/* Writes to the host's stdout like printf does (":tt" opened for writing), bypassing
 * newlib, whose state may be what broke. SYS_WRITE0 would go to QEMU's stderr. */
static void tf_write_stdout(const char *text, uint32_t length) {
  static const char console[] = ":tt";
  const uint32_t open_block[3] = {(uint32_t)(uintptr_t)console, SH_OPEN_MODE_W, 3u};
  const int handle = tf_semihost(SH_SYS_OPEN, open_block);
  if (handle == -1) {
    tf_semihost(SH_SYS_WRITE0, text);
    return;
  }
  const uint32_t write_block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)text, length};
  tf_semihost(SH_SYS_WRITE, write_block);
}

#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_STKERR (1u << 12)
#define CFSR_STKOF (1u << 20)

void tf_fault_report(const uint32_t *frame) {
  const uint32_t cfsr = SCB_CFSR;
  const uint32_t guard = (uint32_t)(uintptr_t)__stack_guard;
  const uint32_t fault_address = SCB_MMFAR;
  const int frame_lost = (cfsr & (CFSR_MSTKERR | CFSR_STKERR | CFSR_STKOF)) != 0u;
  const int guard_hit = (cfsr & CFSR_MMARVALID) != 0u && (cfsr & CFSR_DACCVIOL) != 0u &&
                        fault_address - guard < 32u;
  char line[160];
  char *out;
  int code;
  if (frame_lost || guard_hit) {
    code = TF_EXIT_STACK_OVERFLOW;
    out = tf_put_text(line, "\nTINYFOA-FAIL 98 stack overflow: the stack of ");
    out = tf_put_decimal(out, tf_stack_size());
    out = tf_put_text(out, " bytes is too small (raise __tf_stack_size)");
  } else {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    code = TF_EXIT_FAULT;
    out = tf_put_text(line, "\nTINYFOA-FAIL 99 fault exception=");
    out = tf_put_hex(out, ipsr & 0x1FFu);
    out = tf_put_text(out, " pc=");
    out = tf_put_hex(out, frame[6]);
    out = tf_put_text(out, " cfsr=");
    out = tf_put_hex(out, cfsr);
    out = tf_put_text(out, " hfsr=");
    out = tf_put_hex(out, SCB_HFSR);
    out = tf_put_text(out, " mmfar=");
    out = tf_put_hex(out, fault_address);
  }
  out = tf_put_text(out, "\n");
  *out = '\0';
  tf_write_stdout(line, (uint32_t)(out - line));
  tf_exit_now((uint32_t)code);
}
