/**
 * Builds firmware for a target (targets/targets.ts) and measures what was built.
 * Everything target-specific comes from the target record; this file has no target names.
 */
import { mkdir, open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';

import { ToolFailedError } from '../errors.ts';
import { getTarget, type RamLayout, type Target } from '../../targets/targets.ts';
import { buildFacts } from './facts.ts';

export { MANDATORY_CFLAGS } from './facts.ts';

/** A compiler, size or nm run that failed; `stderr` holds the tool's complete diagnostics. */
export class ToolchainError extends ToolFailedError {
  readonly command: readonly string[];
  readonly stderr: string;
  /** The tool's own exit code (not tinyfoa's). */
  readonly toolExitCode: number | null;

  constructor(message: string, details: { command: readonly string[]; stderr: string; exitCode: number | null }) {
    super(message);
    this.command = details.command;
    this.stderr = details.stderr;
    this.toolExitCode = details.exitCode;
  }
}

export interface CompileOptions {
  /** A target record or its name. */
  target: Target | string;
  /** C sources of the firmware; the target's runtime sources (startup, cycles) are added. */
  sources: readonly string[];
  /** Searched before the target's own include directory. */
  includeDirs: readonly string[];
  /** `-D<name>=<value>` for each entry; names must be C identifiers. */
  defines?: Readonly<Record<string, string>>;
  /** Created if missing; receives `<name>.elf` and `<name>.map`. */
  outDir: string;
  /** Base name of the outputs (default `firmware`). */
  name?: string;
  /** Appended after the mandatory flags (so they can add, not weaken: -Werror stays). */
  extraFlags?: readonly string[];
  /** Overrides parts of the target's RAM layout (stack, handler stack, heap sizes). */
  layout?: Partial<RamLayout>;
}

/** Section sizes of a linked ELF, in bytes, grouped the way memory reports need them. */
export interface SectionSizes {
  /** Code, including the vector table. */
  text: number;
  /** Read-only data, including unwind tables. */
  rodata: number;
  /** Initialised data: occupies RAM and, as its load image, flash. */
  data: number;
  bss: number;
  /** The stack region (thread stack, guard and handler stack); 0 on the host. */
  stack: number;
  /** The stdio heap region; 0 on the host. */
  heap: number;
  /** Allocated sections this grouping does not know (host dynamic-linking tables …). */
  other: number;
  /** text + rodata + data: what a real part's flash must hold. */
  flash: number;
  /** data + bss + stack + heap: what a real part's RAM must hold. */
  ram: number;
  /** Every section `size -A` listed, by name. */
  sections: Readonly<Record<string, number>>;
}

export interface CompileResult {
  target: Target;
  elf: string;
  map: string;
  /** The compiler's argv, first element the compiler itself. */
  command: readonly string[];
  sizes: SectionSizes;
  /** What the compiler and linker printed on stderr (warnings are errors, so: traces such as -Wl,-y). */
  stderr: string;
}

const cIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function resolveTarget(target: Target | string): Target {
  return typeof target === 'string' ? getTarget(target) : target;
}

/** The full compile-and-link argv for `options` (nothing is run). */
export function compileCommand(options: CompileOptions): { command: string[]; elf: string; map: string } {
  const target = resolveTarget(options.target);
  const name = options.name ?? 'firmware';
  const outDir = resolve(options.outDir);
  const elf = join(outDir, `${name}.elf`);
  const map = join(outDir, `${name}.map`);
  const defines = Object.entries(options.defines ?? {}).map(([key, value]) => {
    if (!cIdentifier.test(key)) {
      throw new Error(`define '${key}' is not a C identifier (compileFirmware options.defines)`);
    }
    return `-D${key}=${value}`;
  });
  const facts = buildFacts(target, options.layout ? { layout: options.layout } : {});
  const command = [
    facts.compiler,
    ...facts.cflags,
    ...options.includeDirs.map((dir) => `-I${resolve(dir)}`),
    ...facts.includes,
    ...defines,
    ...(options.extraFlags ?? []),
    ...options.sources.map((source) => resolve(source)),
    ...facts.runtimeSources,
    ...facts.ldflags,
    ...facts.ldlibs,
    `-Wl,-Map=${map}`,
    '-o',
    elf,
  ];
  return { command, elf, map };
}

/** Runs a toolchain program; a missing program or a non-zero exit is a ToolchainError. */
async function runTool(command: readonly string[], what: string): Promise<string> {
  return (await runToolFull(command, what)).stdout;
}

/** Runs a toolchain program and returns both of its output streams. */
async function runToolFull(command: readonly string[], what: string): Promise<{ stdout: string; stderr: string }> {
  const [program, ...args] = command as [string, ...string[]];
  const result = await execa(program, args, { reject: false, stdin: 'ignore' });
  if (result.failed) {
    if (result.code === 'ENOENT') {
      throw new ToolchainError(`${what}: '${program}' is not installed (run \`npm run setup\`)`, {
        command,
        stderr: String(result.stderr ?? ''),
        exitCode: null,
      });
    }
    const stderr = String(result.stderr ?? '');
    throw new ToolchainError(`${what} failed (exit ${String(result.exitCode ?? result.signal)}):\n${stderr}`, {
      command,
      stderr,
      exitCode: result.exitCode ?? null,
    });
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr ?? '') };
}

/** Compiles and links firmware for a target, then measures its sections. */
export async function compileFirmware(options: CompileOptions): Promise<CompileResult> {
  const target = resolveTarget(options.target);
  if (options.sources.length === 0) throw new Error('compileFirmware: no sources given');
  const { command, elf, map } = compileCommand({ ...options, target });
  await mkdir(resolve(options.outDir), { recursive: true });
  const { stderr } = await runToolFull(command, `compiling ${basename(elf)} for ${target.name}`);
  const sizes = await sectionSizes(elf, target);
  return { target, elf, map, command, sizes, stderr };
}

const textSections = new Set(['.isr_vector', '.text', '.init', '.fini', '.plt', '.plt.got', '.plt.sec']);
const rodataSections = new Set(['.rodata', '.ARM.extab', '.ARM.exidx', '.eh_frame', '.eh_frame_hdr']);
const dataSections = new Set(['.data']);
const bssSections = new Set(['.bss']);

/** Parses `size -A -d` of an ELF into SectionSizes (see the groups there). */
export async function sectionSizes(elf: string, target: Target | string): Promise<SectionSizes> {
  const tool = resolveTarget(target).sizeTool;
  const output = await runTool([tool, '-A', '-d', elf], `measuring ${basename(elf)}`);
  const sizes = { text: 0, rodata: 0, data: 0, bss: 0, stack: 0, heap: 0, other: 0 };
  const sections: Record<string, number> = {};
  for (const line of output.split('\n')) {
    const match = /^(\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (match === null) continue;
    const [, name = '', sizeText = '0', addressText = '0'] = match;
    const size = Number(sizeText);
    sections[name] = size;
    if (textSections.has(name)) sizes.text += size;
    else if (rodataSections.has(name)) sizes.rodata += size;
    else if (dataSections.has(name)) sizes.data += size;
    else if (bssSections.has(name)) sizes.bss += size;
    else if (name === '.stack') sizes.stack += size;
    else if (name === '.heap') sizes.heap += size;
    else if (Number(addressText) !== 0) sizes.other += size;
  }
  return {
    ...sizes,
    flash: sizes.text + sizes.rodata + sizes.data,
    ram: sizes.data + sizes.bss + sizes.stack + sizes.heap,
    sections,
  };
}

const ELF_MACHINE_ARM = 40;

/** The nm that reads this ELF: ARM files need the cross binutils. */
async function nmFor(elf: string): Promise<string> {
  const file = await open(elf, 'r');
  try {
    const header = Buffer.alloc(20);
    await file.read(header, 0, 20, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${elf} is not an ELF file`);
    return header.readUInt16LE(18) === ELF_MACHINE_ARM ? 'arm-none-eabi-nm' : 'nm';
  } finally {
    await file.close();
  }
}

/** Size in bytes of a defined symbol (`nm -S`), or null if the ELF has no such sized symbol. */
export async function symbolSize(elf: string, name: string): Promise<number | null> {
  const output = await runTool([await nmFor(elf), '-S', '--defined-only', elf], `reading symbols of ${basename(elf)}`);
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 4 && fields[3] === name) return parseInt(fields[1] ?? '', 16);
  }
  return null;
}

export interface DeviceFit {
  part: string;
  ramBytes: number;
  ramLimit: number;
  flashBytes: number;
  flashLimit: number;
  fits: boolean;
}

/** Whether a build fits the real part the target declares; null for targets without one. */
export function deviceFit(sizes: SectionSizes, target: Target | string): DeviceFit | null {
  const device = resolveTarget(target).device;
  if (device === null) return null;
  return {
    part: device.part,
    ramBytes: sizes.ram,
    ramLimit: device.ramBytes,
    flashBytes: sizes.flash,
    flashLimit: device.flashBytes,
    fits: sizes.ram <= device.ramBytes && sizes.flash <= device.flashBytes,
  };
}

/** A command as one shell-quoted line, for logs and error messages. */
export function formatCommand(command: readonly string[]): string {
  return command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
