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

export interface Target {
  readonly name: string;
  readonly description: string;
  /** How firmware for this target is run: in QEMU, or directly as a host process. */
  readonly runner: 'qemu' | 'native';
  readonly console: ConsoleKind;
  readonly compiler: string;
  /** binutils `size` and `nm` that understand this target's ELF files. */
  readonly sizeTool: string;
  readonly nmTool: string;
  /** binutils `ar` for this target's objects (runtime libraries). */
  readonly archiver: string;
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
    cpuFlags:
      spec.fpu === null
        ? [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=soft']
        : [`-mcpu=${spec.cpu}`, '-mthumb', '-mfloat-abi=hard', `-mfpu=${spec.fpu}`],
    floatAbi: spec.fpu === null ? 'soft' : 'hard',
    fpu: spec.fpu,
    defines: { TF_CPU_CLOCK_HZ: `${mps2Cycles.systickHz}u` },
    linkFlags: armLinkFlags,
    gcSections: true,
    linkerScript: 'targets/arm/mps2.ld',
    runtimeSources: ['targets/arm/startup.c', 'targets/arm/cycles.c'],
    includeDir: 'targets/common',
    layout: armLayout,
    device: spec.device,
    emulatorMemory: mps2Memory(spec.extraRamOrigin),
    qemu: { machine: spec.machine, cpu: spec.cpu },
    cycles: mps2Cycles,
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
  cpuFlags: [],
  floatAbi: 'hard',
  fpu: 'host SSE/NEON (binary32, no contraction)',
  defines: {},
  linkFlags: ['-lm'],
  gcSections: false,
  linkerScript: null,
  runtimeSources: ['targets/host/cycles.c'],
  includeDir: 'targets/common',
  layout: null,
  device: null,
  emulatorMemory: null,
  qemu: null,
  cycles: null,
};

/* The board driver as a native process: its console UART is stdin/stdout (docs/link.md). */
const hostLinkTarget: Target = {
  ...hostTarget,
  name: 'host-link',
  description: 'Native build of the board driver, its UART on stdin/stdout: the serial link without a board.',
  console: 'uart',
  runtimeSources: [...hostTarget.runtimeSources, 'targets/host/tf_uart.c'],
};

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
  }),
  'cortex-m4': armTarget({
    name: 'cortex-m4',
    description: 'Cortex-M4F, single-precision FPU, like an STM32F411RE.',
    cpu: 'cortex-m4',
    fpu: 'fpv4-sp-d16',
    device: { part: 'STM32F411RE', ramBytes: 128 * KiB, flashBytes: 512 * KiB },
    machine: 'mps2-an386',
    extraRamOrigin: 0x2100_0000,
  }),
  'cortex-m7': armTarget({
    name: 'cortex-m7',
    description: 'Cortex-M7, single-precision FPv5 like the STM32F746NG it declares.',
    cpu: 'cortex-m7',
    fpu: 'fpv5-sp-d16',
    device: { part: 'STM32F746NG', ramBytes: 320 * KiB, flashBytes: 1 * MiB },
    machine: 'mps2-an500',
    extraRamOrigin: 0x6000_0000,
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
