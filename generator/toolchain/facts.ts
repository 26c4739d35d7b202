/**
 * A target's build and run facts, derived from its record (targets/targets.ts) alone: the
 * compile flags, the link flags and libraries, the sources every firmware links, and the
 * emulator's command line. The toolchain driver (compile.ts), the runtime library
 * (firmware/library.ts) and the generated Makefile (emit/emit.ts) all take them from here,
 * so adding a board is adding data (docs/targets.md, "Adding a target").
 */
import { dirname } from 'node:path';
import { assertNever, BadInputError } from '../errors.ts';
import { targetFile, type RamLayout, type Target } from '../../targets/targets.ts';

/** Flags every C file in the project is compiled with, on every target (docs/semantics.md §1). */
export const MANDATORY_CFLAGS: readonly string[] = [
  '-std=c99',
  '-O2',
  '-g',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wdouble-promotion',
  '-ffp-contract=off',
  '-fno-fast-math',
];

export interface BuildFacts {
  compiler: string;
  /** Every compile: CPU and float-ABI flags, the mandatory flags, section flags, the target's defines. */
  cflags: string[];
  /** `-I` of the target's include directory (cycles.h, tf_uart.h). */
  includes: string[];
  /** Link-only options: linker script, section garbage collection, RAM layout symbols. */
  ldflags: string[];
  /** C library, system calls, libm: last on the link line. */
  ldlibs: string[];
  /** Startup, cycle counter, console: linked into every firmware of the target. */
  runtimeSources: string[];
}

export interface BuildFactsOptions {
  /** Overrides parts of the target's RAM layout (stack, handler stack, heap sizes). */
  layout?: Partial<RamLayout>;
  /** How a file named in the target record is spelled on the command line (default: absolute). */
  fileName?: (relativePath: string) => string;
}

/** The compile and link flags of `target`. */
export function buildFacts(target: Target, options: BuildFactsOptions = {}): BuildFacts {
  const name = options.fileName ?? targetFile;
  const layout = target.layout === null ? null : { ...target.layout, ...options.layout };
  return {
    compiler: target.compiler,
    cflags: [
      ...target.cpuFlags,
      ...MANDATORY_CFLAGS,
      ...(target.gcSections ? ['-ffunction-sections', '-fdata-sections'] : []),
      ...Object.entries(target.defines).map(([key, value]) => `-D${key}=${value}`),
    ],
    includes: [`-I${name(target.includeDir)}`],
    ldflags: [
      ...(target.linkerScript === null
        ? []
        : [
            ...new Set([target.linkerScript, ...target.linkerIncludes].map((f) => `-L${dirname(name(f))}`)),
            `-T${name(target.linkerScript)}`,
          ]),
      ...(target.gcSections ? ['-Wl,--gc-sections'] : []),
      ...(layout === null
        ? []
        : [
            `-Wl,--defsym=__tf_stack_size=${layout.stackBytes}`,
            `-Wl,--defsym=__tf_handler_stack_size=${layout.handlerStackBytes}`,
            `-Wl,--defsym=__tf_heap_size=${layout.heapBytes}`,
          ]),
    ],
    ldlibs: [...target.linkFlags],
    runtimeSources: target.runtimeSources.map(name),
  };
}

export interface EmulatorOptions {
  /** The firmware image as it should appear on the command line. */
  elf: string;
  /** Semihosting targets: argv of main, argv[0] first, already checked (run.ts). */
  argv?: readonly string[];
  /** QEMU `-icount shift=0`. */
  icount?: boolean;
  /** UART targets: the `-serial` chardev of the console (default `stdio`). */
  serial?: string;
  /** Extra QEMU options (e.g. `-S -gdb tcp::1234`), before `-kernel`. */
  extra?: readonly string[];
}

/** QEMU option values escape a comma by doubling it. */
function qemuOptionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/**
 * The argv that runs firmware for `target`: the ELF itself for native targets, else QEMU on
 * the target's machine. Semihosting targets get their command line through
 * `-semihosting-config` and no UART; UART targets get their console UART on `serial` and no
 * semihosting.
 */
export function emulatorCommand(target: Target, options: EmulatorOptions): string[] {
  if (target.runner === 'native') return [options.elf, ...(options.argv ?? []).slice(1)];
  if (target.runner === 'none' || target.qemu === null) {
    throw new BadInputError(
      `target ${target.name} is a build-only board: no emulator runs it here; program the real board with \`tinyfoa flash <model> --board ${target.name}\``,
    );
  }
  const common = [
    'qemu-system-arm',
    '-M',
    target.qemu.machine,
    '-nographic',
    '-monitor',
    'none',
    ...(options.icount === true ? ['-icount', 'shift=0'] : []),
  ];
  switch (target.console) {
    case 'semihosting':
      return [
        ...common,
        '-serial',
        'none',
        '-semihosting-config',
        ['enable=on', 'target=native', ...(options.argv ?? []).map((arg) => `arg=${qemuOptionValue(arg)}`)].join(','),
        ...(options.extra ?? []),
        '-kernel',
        options.elf,
      ];
    case 'uart':
      return [...common, '-serial', options.serial ?? 'stdio', ...(options.extra ?? []), '-kernel', options.elf];
    default:
      return assertNever(target.console);
  }
}

