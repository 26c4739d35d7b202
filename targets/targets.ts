/**
 * Targets are data: everything the toolchain driver (generator/toolchain/) and the memory
 * reports need to know about a target lives in one record here, and no code branches on a
 * target's name. Adding a target is adding a record (docs/targets.md, "Adding a target").
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; paths in target records are relative to it. */
export const projectRoot: string = dirname(dirname(fileURLToPath(import.meta.url)));

/** A contiguous address range. */
export interface MemoryRegion {
  readonly origin: number;
  readonly bytes: number;
}

/** The real part whose memory fit checks use (the emulator may give tests more). */
export interface DeclaredDevice {
  readonly part: string;
  readonly ramBytes: number;
  readonly flashBytes: number;
}

/** What the linker script actually places, on the emulated board. */
export interface EmulatorMemory {
  /** Where code, read-only data and the .data image go ("flash"). */
  readonly code: MemoryRegion;
  /** Where the stacks, .data, .bss and the stdio heap go. */
  readonly ram: MemoryRegion;
  /** RAM the board has but the linker script leaves alone. */
  readonly unused: readonly MemoryRegion[];
}

/** Fixed-size regions the linker script reserves in RAM (overridable per build). */
export interface RamLayout {
  /** Thread stack that main runs on (painted, measured by tf_stack_high_water). */
  readonly stackBytes: number;
  /** Exception stack, below an MPU guard; 0 where there is none (host). */
  readonly handlerStackBytes: number;
  /** Bounded heap for newlib's stdio buffers; firmware code never calls malloc. */
  readonly heapBytes: number;
}

export interface QemuMachine {
  /** `qemu-system-arm -M` value. */
  readonly machine: string;
  /** The CPU the machine instantiates (informational: QEMU picks it from the machine). */
  readonly cpu: string;
}

/** Facts about the on-target cycle counter (targets/arm/cycles.c). */
export interface CycleCounter {
  /** SysTick input clock with CLKSOURCE=1 (the board's CPU clock). */
  readonly systickHz: number;
  /** Executed instructions per SysTick tick under `-icount shift=0` (measured, exact). */
  readonly icountInstructionsPerTick: number;
}

/**
 * How firmware talks to the host: 'semihosting' (the emulator-only reference boards and the
 * host build: stdio and files through the debugger interface), or 'uart' (board targets:
 * the framed serial link of docs/link.md over targets/common/tf_uart.h; no semihosting).
 */
export type ConsoleKind = 'semihosting' | 'uart';

/**
 * Optimized kernel variants a target replaces its portable optimized kernels with (TFLM
 * style: `dsp` selects runtime-c/tf_dense_u8_dsp.c's tf_dense_u8_f32_dsp for tf_dense_u8_f32). Each becomes
 * -DTF_KERNEL_<KERNEL>=<variant> (kernelFlags); a variant the runtime does not define for the
 * core is a build error, never a fallback. docs/runtime.md, "Kernel variants".
 */
export interface KernelVariants {
  /** `dsp`: runtime-c/tf_dense_u8_dsp.c (USADA8); `sparse`: runtime-c/tf_dense_u8_sparse.c, the set bits of weight ∧ (q ≠ 0) (CLZ, no DSP). */
  readonly dense_u8?: 'dsp' | 'sparse';
  /** `table`: runtime-c/tf_crc32_table.c, a byte a step through 1 KiB (parts with flash to spare). */
  readonly crc32?: 'table';
  /** `soft`: runtime-c/tf_sgd_soft.c, the SGD batch-1 kernels with inline binary32 operations (no FPU; needs CLZ, so not M0). */
  readonly sgd?: 'soft';
  /** `soft`: runtime-c/tf_local_delta_soft.c, the local error's additions, product and gate inline (no FPU; not M0). */
  readonly local_delta?: 'soft';
}

/** The compiler flags that select a target's kernel variants. */
export function kernelFlags(target: Pick<Target, 'kernels'>): string[] {
  return Object.entries(target.kernels)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kernel, variant]) => `-DTF_KERNEL_${kernel.toUpperCase()}=${variant}`);
}

export interface Target {
  readonly name: string;
  readonly description: string;
  /** How firmware for this target is run: in QEMU, directly as a host process, or not at all
   * here ('none': a build-only board, flashed to the real part with `tinyfoa flash`). */
  readonly runner: 'qemu' | 'native' | 'none';
  readonly console: ConsoleKind;
  readonly compiler: string;
  /** binutils `size` and `nm` that understand this target's ELF files. */
  readonly sizeTool: string;
  readonly nmTool: string;
  /** binutils `ar` for this target's objects (runtime libraries). */
  readonly archiver: string;
  /** binutils `objcopy`: raw and UF2 images for flashing. */
  readonly objcopy: string;
  /** -mcpu / -mthumb / float ABI / FPU flags, given to every compile and link. */
  readonly cpuFlags: readonly string[];
  readonly floatAbi: 'soft' | 'hard';
  /** FPU name as gcc spells it, or a description for the host; null when soft-float. */
  readonly fpu: string | null;
  /** `-D` definitions for every compile of this target (e.g. the cycle counter's clock). */
  readonly defines: Readonly<Record<string, string>>;
  /** Extra link flags (C library, semihosting). */
  readonly linkFlags: readonly string[];
  /** Whether to add -ffunction-sections -fdata-sections -Wl,--gc-sections. */
  readonly gcSections: boolean;
  /** Linker script, relative to the project root; null for the host's default. */
  readonly linkerScript: string | null;
  /** Files the linker script INCLUDEs, from the script's own directory (linked with -L there). */
  readonly linkerIncludes: readonly string[];
  /** Sources linked into every firmware of this target, relative to the project root. */
  readonly runtimeSources: readonly string[];
  /** Include directory holding the measurement header cycles.h, relative to the project root. */
  readonly includeDir: string;
  /** Linker symbols that size the RAM layout; null where the layout is not ours (host). */
  readonly layout: RamLayout | null;
  readonly device: DeclaredDevice | null;
  readonly emulatorMemory: EmulatorMemory | null;
  readonly qemu: QemuMachine | null;
  readonly cycles: CycleCounter | null;
  /** Kernel variants for this core (empty: the portable optimized kernels). */
  readonly kernels: KernelVariants;
  /** How a probe programs the real board (`tinyfoa flash`); null for emulator-only targets. */
  readonly flash: BoardFlash | null;
  /** Renode's description of the part, for the generated `.resc` (not tested here); null if Renode has none. */
  readonly renode: RenodeFacts | null;
}

/** The probes `tinyfoa flash` drives; 'uf2' copies a UF2 image to the board's boot drive. */
export type ProbeKind = 'openocd' | 'pyocd' | 'stlink' | 'gdb' | 'uf2';

/** What each probe needs to know about a board (docs/targets.md, "Flashing"). */
export interface BoardFlash {
  readonly defaultProbe: ProbeKind;
  /** openocd `-f` configuration files, as Debian's openocd package names them (scripts/ …). */
  readonly openocd: readonly string[];
  /** pyocd's `--target` name; null where pyocd has no built-in support. */
  readonly pyocd: string | null;
  /** st-flash writes the raw image here (STM32 boards only; null elsewhere). */
  readonly stlinkAddress: number | null;
  /** UF2 family ID (boards with a UF2 boot loader; null elsewhere). */
  readonly uf2FamilyId: number | null;
  /** The boot drive's volume label that a UF2 image is copied to. */
  readonly uf2Volume: string | null;
}

export interface RenodeFacts {
  /** Platform description shipped with Renode, relative to its installation. */
  readonly platform: string;
  /** The console UART's peripheral name in that platform. */
  readonly uart: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** QEMU 7.2 mps2 boards: SSRAM1 at 0x0 and SSRAM2/3 at 0x20000000, each 4 MiB, mirrored once. */
const mps2Memory = (extraRamOrigin: number): EmulatorMemory => ({
  code: { origin: 0x0000_0000, bytes: 4 * MiB },
  ram: { origin: 0x2000_0000, bytes: 4 * MiB },
  unused: [{ origin: extraRamOrigin, bytes: 16 * MiB }],
});

/* newlib-nano with semihosting syscalls (librdimon) but our own startup instead of rdimon's
 * crt0; libm for sqrtf, which the numerics contract allows. */
const armLinkFlags = ['--specs=nano.specs', '--specs=rdimon.specs', '-nostartfiles', '-lm'] as const;
const armLayout: RamLayout = { stackBytes: 8 * KiB, handlerStackBytes: 1 * KiB, heapBytes: 6 * KiB };
const mps2Cycles: CycleCounter = { systickHz: 25_000_000, icountInstructionsPerTick: 40 };

/** What differs between the Cortex-M targets; everything else is shared by armTarget(). */
interface ArmSpec {
  readonly name: string;
  readonly description: string;
  readonly cpu: string;
  /** gcc's -mfpu value, or null for soft float. */
  readonly fpu: string | null;
  readonly device: DeclaredDevice;
  readonly machine: string;
  /** Board RAM the linker script leaves alone (QEMU's mps2 boards differ here). */
  readonly extraRamOrigin: number;
  readonly kernels?: KernelVariants;
  /** The board's own memory map, where it is not the mps2 one (mps2-an505). */
  readonly memory?: { readonly linkerScript: string; readonly emulatorMemory: EmulatorMemory; readonly cycles: CycleCounter };
}

/** A Cortex-M target on a QEMU mps2 board, built with arm-none-eabi-gcc and newlib-nano. */
function armTarget(spec: ArmSpec): Target {
  return {
    name: spec.name,
    description: spec.description,
    runner: 'qemu',
    console: 'semihosting',
    compiler: 'arm-none-eabi-gcc',
    sizeTool: 'arm-none-eabi-size',
    nmTool: 'arm-none-eabi-nm',
    archiver: 'arm-none-eabi-ar',
    objcopy: 'arm-none-eabi-objcopy',
    cpuFlags:
      spec.fpu === null
        ? [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=soft']
        : [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=hard', `-mfpu=${spec.fpu}`],
    floatAbi: spec.fpu === null ? 'soft' : 'hard',
    fpu: spec.fpu,
    defines: { TF_CPU_CLOCK_HZ: `${(spec.memory?.cycles ?? mps2Cycles).systickHz}u` },
    linkFlags: armLinkFlags,
    gcSections: true,
    linkerScript: spec.memory?.linkerScript ?? 'targets/arm/mps2.ld',
    linkerIncludes: ['targets/arm/sections.ld'],
    runtimeSources: ['targets/arm/startup.c', 'targets/arm/memory_marks.c', 'targets/arm/cycles.c'],
    includeDir: 'targets/common',
    layout: armLayout,
    device: spec.device,
    emulatorMemory: spec.memory?.emulatorMemory ?? mps2Memory(spec.extraRamOrigin),
    qemu: { machine: spec.machine, cpu: spec.cpu },
    cycles: spec.memory?.cycles ?? mps2Cycles,
    flash: null,
    renode: null,
    kernels: spec.kernels ?? {},
  };
}

const hostTarget: Target = {
  name: 'host',
  description: 'Native build with the host gcc: fast tests and a third opinion on the numerics.',
  runner: 'native',
  console: 'semihosting',
  compiler: 'gcc',
  sizeTool: 'size',
  nmTool: 'nm',
  archiver: 'ar',
  objcopy: 'objcopy',
  cpuFlags: [],
  floatAbi: 'hard',
  fpu: 'host SSE/NEON (binary32, no contraction)',
  defines: {},
  linkFlags: ['-lm'],
  gcSections: false,
  linkerScript: null,
  linkerIncludes: [],
  runtimeSources: ['targets/host/cycles.c'],
  includeDir: 'targets/common',
  layout: null,
  device: null,
  emulatorMemory: null,
  qemu: null,
  cycles: null,
  flash: null,
  renode: null,
  kernels: {},
};

/* The board driver as a native process: its console UART is stdin/stdout (docs/link.md). */
const hostLinkTarget: Target = {
  ...hostTarget,
  name: 'host-link',
  description: 'Native build of the board driver, its UART on stdin/stdout: the serial link without a board.',
  console: 'uart',
  runtimeSources: [...hostTarget.runtimeSources, 'targets/host/tf_uart.c'],
};

/* Board targets: newlib-nano with the project's own system calls over the console UART
 * (targets/board/startup.c), no semihosting; libm for sqrtf. */
const boardLinkFlags = ['--specs=nano.specs', '-nostartfiles', '-lm'] as const;

/** What differs between the board targets; boardTarget() adds the rest. */
interface BoardSpec {
  readonly name: string;
  readonly description: string;
  readonly cpu: string;
  readonly fpu: string | null;
  readonly device: DeclaredDevice;
  /** The part's memory map: what the linker script places, and memory it leaves alone. */
  readonly memory: EmulatorMemory;
  /** Linker script under targets/board/. */
  readonly linkerScript: string;
  /** The console UART driver under targets/board/ and the -D values that choose its pins. */
  readonly uart: { readonly source: string; readonly defines: Readonly<Record<string, string>> };
  /** Extra sources (RP2040: the boot stage 2). */
  readonly extraSources?: readonly string[];
  readonly layout: RamLayout;
  /** The QEMU machine that emulates this part, or null for a build-only board. */
  readonly machine: string | null;
  readonly cycles: CycleCounter;
  readonly flash: BoardFlash;
  readonly renode: RenodeFacts | null;
  /** Kernel variants for the part's core (default: the portable kernels). */
  readonly kernels?: KernelVariants;
}

function boardTarget(spec: BoardSpec): Target {
  return {
    name: spec.name,
    description: spec.description,
    runner: spec.machine === null ? 'none' : 'qemu',
    console: 'uart',
    compiler: 'arm-none-eabi-gcc',
    sizeTool: 'arm-none-eabi-size',
    nmTool: 'arm-none-eabi-nm',
    archiver: 'arm-none-eabi-ar',
    objcopy: 'arm-none-eabi-objcopy',
    cpuFlags:
      spec.fpu === null
        ? [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=soft']
        : [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=hard', `-mfpu=${spec.fpu}`],
    floatAbi: spec.fpu === null ? 'soft' : 'hard',
    fpu: spec.fpu,
    defines: { TF_CPU_CLOCK_HZ: `${spec.cycles.systickHz}u`, ...spec.uart.defines },
    linkFlags: boardLinkFlags,
    gcSections: true,
    linkerScript: spec.linkerScript,
    linkerIncludes: ['targets/arm/sections.ld'],
    runtimeSources: [
      'targets/board/startup.c',
      'targets/arm/memory_marks.c',
      'targets/arm/cycles.c',
      spec.uart.source,
      ...(spec.extraSources ?? []),
    ],
    includeDir: 'targets/common',
    layout: spec.layout,
    device: spec.device,
    emulatorMemory: spec.memory,
    qemu: spec.machine === null ? null : { machine: spec.machine, cpu: spec.cpu },
    cycles: spec.cycles,
    flash: spec.flash,
    renode: spec.renode,
    kernels: spec.kernels ?? {},
  };
}

const boardLayout: RamLayout = { stackBytes: 8 * KiB, handlerStackBytes: 1 * KiB, heapBytes: 2 * KiB };
/* SysTick on the reset clock: 16 MHz HSI (STM32), 16 MHz HFCLK (nRF), about 6 MHz ROSC
 * (RP2040, imprecise: its count is no time base). */
const cycles16MHz: CycleCounter = { systickHz: 16_000_000, icountInstructionsPerTick: 0 };
const stm32 = (address: number): Pick<BoardFlash, 'stlinkAddress' | 'uf2FamilyId' | 'uf2Volume'> => ({
  stlinkAddress: address,
  uf2FamilyId: null,
  uf2Volume: null,
});
const stm32Uart = (base: number, apbEnr: number, apbBit: number, tx: [number, number], rx: [number, number], af: number) => ({
  TF_UART_BASE: `0x${base.toString(16).toUpperCase()}u`,
  TF_UART_APB_ENR: `0x${apbEnr.toString(16).toUpperCase()}u`,
  TF_UART_APB_BIT: `${apbBit}u`,
  TF_UART_TX_PORT: `${tx[0]}u`,
  TF_UART_TX_PIN: `${tx[1]}u`,
  TF_UART_RX_PORT: `${rx[0]}u`,
  TF_UART_RX_PIN: `${rx[1]}u`,
  TF_UART_AF: `${af}u`,
});
const GPIOA = 0;
const GPIOB = 1;

export const targets = {
  host: hostTarget,
  'host-link': hostLinkTarget,
  'cortex-m3': armTarget({
    name: 'cortex-m3',
    description: 'Cortex-M3, no FPU (binary32 in libgcc soft-float), like an STM32F103RE.',
    cpu: 'cortex-m3',
    fpu: null,
    device: { part: 'STM32F103RE', ramBytes: 64 * KiB, flashBytes: 512 * KiB },
    machine: 'mps2-an385',
    extraRamOrigin: 0x2100_0000,
    kernels: { dense_u8: 'sparse', crc32: 'table', sgd: 'soft', local_delta: 'soft' },
  }),
  'cortex-m4': armTarget({
    name: 'cortex-m4',
    description: 'Cortex-M4F, single-precision FPU, like an STM32F411RE.',
    cpu: 'cortex-m4',
    fpu: 'fpv4-sp-d16',
    device: { part: 'STM32F411RE', ramBytes: 128 * KiB, flashBytes: 512 * KiB },
    machine: 'mps2-an386',
    extraRamOrigin: 0x2100_0000,
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  'cortex-m7': armTarget({
    name: 'cortex-m7',
    description: 'Cortex-M7, single-precision FPv5 like the STM32F746NG it declares.',
    cpu: 'cortex-m7',
    fpu: 'fpv5-sp-d16',
    device: { part: 'STM32F746NG', ramBytes: 320 * KiB, flashBytes: 1 * MiB },
    machine: 'mps2-an500',
    extraRamOrigin: 0x6000_0000,
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  'cortex-m33': armTarget({
    name: 'cortex-m33',
    description: 'Cortex-M33 (Armv8-M Mainline, secure state), single-precision FPv5 like the STM32L552ZE it declares.',
    cpu: 'cortex-m33',
    fpu: 'fpv5-sp-d16',
    device: { part: 'STM32L552ZE', ramBytes: 256 * KiB, flashBytes: 512 * KiB },
    machine: 'mps2-an505',
    extraRamOrigin: 0x8000_0000,
    memory: {
      linkerScript: 'targets/arm/an505.ld',
      emulatorMemory: {
        code: { origin: 0x1000_0000, bytes: 4 * MiB },
        ram: { origin: 0x3800_0000, bytes: 4 * MiB },
        unused: [
          { origin: 0x3000_0000, bytes: 32 * KiB },
          { origin: 0x8000_0000, bytes: 16 * MiB },
        ],
      },
      cycles: { systickHz: 20_000_000, icountInstructionsPerTick: 50 },
    },
  }),
  stm32f405: boardTarget({
    name: 'stm32f405',
    description: 'STM32F405RG board (Cortex-M4F, FPv4-SP; the Netduino Plus 2 that QEMU netduinoplus2 emulates), console USART1 on PA9/PA10.',
    cpu: 'cortex-m4',
    fpu: 'fpv4-sp-d16',
    device: { part: 'STM32F405RG', ramBytes: 128 * KiB, flashBytes: 1 * MiB },
    memory: {
      code: { origin: 0x0800_0000, bytes: 1 * MiB },
      ram: { origin: 0x2000_0000, bytes: 128 * KiB },
      unused: [{ origin: 0x1000_0000, bytes: 64 * KiB }],
    },
    linkerScript: 'targets/board/stm32f405.ld',
    uart: { source: 'targets/board/uart_stm32f4.c', defines: stm32Uart(0x4001_1000, 0x44, 4, [GPIOA, 9], [GPIOA, 10], 7) },
    layout: boardLayout,
    machine: 'netduinoplus2',
    cycles: cycles16MHz,
    flash: { defaultProbe: 'openocd', openocd: ['interface/stlink.cfg', 'target/stm32f4x.cfg'], pyocd: 'stm32f405rg', ...stm32(0x0800_0000) },
    renode: { platform: 'platforms/cpus/stm32f4.repl', uart: 'sysbus.usart1' },
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  microbit: boardTarget({
    name: 'microbit',
    description: 'BBC micro:bit v1: nRF51822 (Cortex-M0, no FPU, no hardware divide), 16 KiB RAM; console UART on P0.24/P0.25 (the USB serial port).',
    cpu: 'cortex-m0',
    fpu: null,
    device: { part: 'nRF51822-QFAA', ramBytes: 16 * KiB, flashBytes: 256 * KiB },
    memory: {
      code: { origin: 0x0000_0000, bytes: 256 * KiB },
      ram: { origin: 0x2000_0000, bytes: 16 * KiB },
      unused: [],
    },
    linkerScript: 'targets/board/microbit.ld',
    uart: { source: 'targets/board/uart_nrf.c', defines: { TF_UART_TX_PIN: '24u', TF_UART_RX_PIN: '25u' } },
    layout: { stackBytes: 2 * KiB, handlerStackBytes: 256, heapBytes: 1536 },
    machine: 'microbit',
    cycles: cycles16MHz,
    flash: { defaultProbe: 'openocd', openocd: ['interface/cmsis-dap.cfg', 'target/nrf51.cfg'], pyocd: 'nrf51', stlinkAddress: null, uf2FamilyId: null, uf2Volume: null },
    renode: null,
  }),
  'nucleo-f411re': boardTarget({
    name: 'nucleo-f411re',
    description: 'NUCLEO-F411RE: STM32F411RE (Cortex-M4F), console USART2 on PA2/PA3 (the ST-LINK virtual COM port). Build only.',
    cpu: 'cortex-m4',
    fpu: 'fpv4-sp-d16',
    device: { part: 'STM32F411RE', ramBytes: 128 * KiB, flashBytes: 512 * KiB },
    memory: { code: { origin: 0x0800_0000, bytes: 512 * KiB }, ram: { origin: 0x2000_0000, bytes: 128 * KiB }, unused: [] },
    linkerScript: 'targets/board/nucleo-f411re.ld',
    uart: { source: 'targets/board/uart_stm32f4.c', defines: stm32Uart(0x4000_4400, 0x40, 17, [GPIOA, 2], [GPIOA, 3], 7) },
    layout: boardLayout,
    machine: null,
    cycles: cycles16MHz,
    flash: { defaultProbe: 'openocd', openocd: ['board/st_nucleo_f4.cfg'], pyocd: 'stm32f411re', ...stm32(0x0800_0000) },
    renode: { platform: 'platforms/cpus/stm32f4.repl', uart: 'sysbus.usart2' },
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  'stm32f746g-disco': boardTarget({
    name: 'stm32f746g-disco',
    description: '32F746GDISCOVERY: STM32F746NG (Cortex-M7, FPv5-SP), console USART1 on PA9/PB7 (the ST-LINK virtual COM port). Build only.',
    cpu: 'cortex-m7',
    fpu: 'fpv5-sp-d16',
    device: { part: 'STM32F746NG', ramBytes: 320 * KiB, flashBytes: 1 * MiB },
    memory: { code: { origin: 0x0800_0000, bytes: 1 * MiB }, ram: { origin: 0x2000_0000, bytes: 320 * KiB }, unused: [] },
    linkerScript: 'targets/board/stm32f746g-disco.ld',
    uart: { source: 'targets/board/uart_stm32f7.c', defines: stm32Uart(0x4001_1000, 0x44, 4, [GPIOA, 9], [GPIOB, 7], 7) },
    layout: boardLayout,
    machine: null,
    cycles: cycles16MHz,
    flash: { defaultProbe: 'openocd', openocd: ['board/stm32f746g-disco.cfg'], pyocd: 'stm32f746ng', ...stm32(0x0800_0000) },
    renode: { platform: 'platforms/boards/stm32f7_discovery-bb.repl', uart: 'sysbus.usart1' },
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  'nrf52840-dk': boardTarget({
    name: 'nrf52840-dk',
    description: 'nRF52840-DK: nRF52840 (Cortex-M4F), console UART0 on P0.06/P0.08 (the J-Link virtual COM port). Build only.',
    cpu: 'cortex-m4',
    fpu: 'fpv4-sp-d16',
    device: { part: 'nRF52840', ramBytes: 256 * KiB, flashBytes: 1 * MiB },
    memory: { code: { origin: 0x0000_0000, bytes: 1 * MiB }, ram: { origin: 0x2000_0000, bytes: 256 * KiB }, unused: [] },
    linkerScript: 'targets/board/nrf52840-dk.ld',
    uart: { source: 'targets/board/uart_nrf.c', defines: { TF_UART_TX_PIN: '6u', TF_UART_RX_PIN: '8u' } },
    layout: boardLayout,
    machine: null,
    cycles: { systickHz: 64_000_000, icountInstructionsPerTick: 0 },
    flash: { defaultProbe: 'openocd', openocd: ['board/nordic_nrf52_dk.cfg'], pyocd: 'nrf52840', stlinkAddress: null, uf2FamilyId: null, uf2Volume: null },
    renode: { platform: 'platforms/boards/nrf52840dk_nrf52840.repl', uart: 'sysbus.uart0' },
    kernels: { dense_u8: 'dsp', crc32: 'table' },
  }),
  rp2040: boardTarget({
    name: 'rp2040',
    description: 'Raspberry Pi Pico: RP2040 (Cortex-M0+, no FPU, no hardware divide instruction), 2 MiB external flash, UART0 on GP0/GP1. Build only.',
    cpu: 'cortex-m0plus',
    fpu: null,
    device: { part: 'RP2040 + W25Q16JV', ramBytes: 264 * KiB, flashBytes: 2 * MiB },
    memory: { code: { origin: 0x1000_0000, bytes: 2 * MiB }, ram: { origin: 0x2000_0000, bytes: 264 * KiB }, unused: [] },
    linkerScript: 'targets/board/rp2040.ld',
    uart: { source: 'targets/board/uart_rp2040.c', defines: {} },
    extraSources: ['targets/board/rp2040_boot2.S'],
    layout: boardLayout,
    machine: null,
    cycles: { systickHz: 6_500_000, icountInstructionsPerTick: 0 },
    flash: { defaultProbe: 'uf2', openocd: ['interface/cmsis-dap.cfg', 'target/rp2040.cfg'], pyocd: 'rp2040', stlinkAddress: null, uf2FamilyId: 0xe48b_ff56, uf2Volume: 'RPI-RP2' },
    renode: null,
  }),
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof targets;

export const targetNames: readonly TargetName[] = Object.keys(targets) as TargetName[];

export function isTargetName(name: string): name is TargetName {
  return Object.prototype.hasOwnProperty.call(targets, name);
}

/** The target called `name`; an unknown name is an error that lists the known ones. */
export function getTarget(name: string): Target {
  if (!isTargetName(name)) {
    throw new Error(
      `unknown target '${name}': known targets are ${targetNames.join(', ')} (see targets/targets.ts)`,
    );
  }
  return targets[name];
}

/** Absolute path of a file named in a target record. */
export function targetFile(relativePath: string): string {
  return join(projectRoot, relativePath);
}
