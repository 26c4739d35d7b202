/**
 * Builds firmware from the IR (plan → generate → compile) and runs jobs on it,
 * on the host or in QEMU. Used by `build`, `run`, `verify` and the tests.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError, CheckFailedError, TinyfoaError } from '../errors.ts';
import type { ModelIR } from '../ir/ir.ts';
import { generateFiles, LAYOUT, writeFolderAtomically } from '../emit/emit.ts';
import { abandonReplace, beginReplace, finishReplace, writeStagedFiles } from '../emit/folders.ts';
import { plan, type PlannedModel, type PlanOptions } from '../plan/plan.ts';
import { compileFirmware, symbolSize, type CompileResult } from '../toolchain/compile.ts';
import { runFirmware, type RunResult } from '../toolchain/run.ts';
import { getTarget, type Target } from '../../targets/targets.ts';
import { parseFirmwareOutput, writeJobFiles, type FirmwareOutput } from './job.ts';

export interface BuiltFirmware {
  planned: PlannedModel;
  target: Target;
  dir: string;
  compile: CompileResult;
  /** Bytes of the arena symbol in the ELF (checked equal to the plan). */
  arenaBytes: number;
}

/** The firmware ran and reported a failure (or none at all): a failed check, exit 1. */
export class FirmwareError extends CheckFailedError {
  constructor(
    message: string,
    readonly log?: string,
  ) {
    super(message);
  }
}

/** Plans and writes the C folder for `ir` (atomically); `options` choose the weight store. */
export function generateFolder(ir: ModelIR, targetName: string, outDir: string, options: PlanOptions = {}): PlannedModel {
  const target = getTarget(targetName);
  const planned = plan(ir, target, options);
  writeFolderAtomically(outDir, generateFiles(planned));
  return planned;
}

/** Generates and compiles; the ELF lands in `<outDir>/build/firmware.elf`. */
export async function buildFirmware(
  ir: ModelIR,
  targetName: string,
  outDir: string,
  options: {
    defines?: Record<string, string>;
    runtimeLibrary?: string;
    /** `device` (default): refuse firmware that does not fit the target's declared part; `emulator`: only the emulator's memory. */
    fit?: FitMode;
    /** Weight store: 'ram' (default), 'file' or 'user' (docs/store.md). */
    store?: PlanOptions['store'];
    /** File store: the file the firmware opens, relative to its working directory (default `<name>.store`). */
    storeFile?: string;
    /** More C sources of the firmware project, e.g. the definition of a user-supplied store. */
    extraSources?: readonly string[];
  } = {},
): Promise<BuiltFirmware> {
  const dir = resolve(outDir);
  if (options.store === 'user' && (options.extraSources ?? []).length === 0) {
    throw new FirmwareError(
      `a user-supplied store is defined by the firmware project: give the C source that defines 'const tf_store ${ir.name}_user_store' (--store-source <file.c>)`,
    );
  }
  const planned = plan(ir, getTarget(targetName), {
    ...(options.store ? { store: options.store } : {}),
    ...(options.storeFile !== undefined ? { storeFile: options.storeFile } : {}),
  });
  const target = planned.target;
  const generated = generateFiles(planned);
  // The new build is made in a temporary folder beside the old one and swapped in only when it
  // compiled and passed every check: a failed build leaves the previous one as it was.
  const staging = beginReplace(dir);
  let compile: CompileResult;
  let arenaBytes: number;
  try {
    writeStagedFiles(staging, generated);
    const tmp = staging.dir;
    // With a prebuilt runtime library, only the model and the driver are compiled here.
    const skip = [`${LAYOUT.target}/`, ...(options.runtimeLibrary ? [`${LAYOUT.runtime}/`] : [])];
    const files = generated.map((f) => f.path).filter((p) => p.endsWith('.c') && !skip.some((prefix) => p.startsWith(prefix)));
    const built = await compileFirmware({
      target,
      sources: [
        ...files.map((p) => join(tmp, p)),
        ...(options.extraSources ?? []),
        ...(options.runtimeLibrary ? [options.runtimeLibrary] : []),
      ],
      includeDirs: [join(tmp, LAYOUT.model), join(tmp, LAYOUT.runtime)],
      outDir: join(tmp, 'build'),
      ...(options.defines ? { defines: options.defines } : {}),
      // The linker names every object that references a heap function; debug information
      // names the sources where they will be once the folder is swapped in.
      extraFlags: [`-ffile-prefix-map=${tmp}=${dir}`, ...HEAP_FUNCTIONS.map((f) => `-Wl,-y,${f}`)],
    });
    const heapUsers = heapReferences(built.stderr);
    if (heapUsers.length > 0) {
      throw new FirmwareError(
        `the firmware must not use the heap, but ${heapUsers.map((h) => `${h.file} references ${h.symbol}`).join('; ')}`,
      );
    }
    if ((options.fit ?? 'device') === 'device') checkFit(planned, built);
    arenaBytes = (await symbolSize(built.elf, planned.arenaSymbol)) ?? -1;
    if (arenaBytes !== planned.arenaFloats * 4) {
      throw new FirmwareError(
        `arena symbol ${planned.arenaSymbol} is ${arenaBytes} bytes in the ELF but the plan says ${planned.arenaFloats * 4}`,
      );
    }
    finishReplace(staging);
    const moved = (p: string) => (p.startsWith(tmp) ? dir + p.slice(tmp.length) : p);
    compile = { ...built, elf: moved(built.elf), map: moved(built.map), command: built.command.map(moved) };
  } catch (e) {
    abandonReplace(staging);
    if (e instanceof TinyfoaError) e.message += ` (${dir} was left as it was)`;
    throw e;
  }
  return { planned, target, dir, compile, arenaBytes };
}

export type FitMode = 'device' | 'emulator';

const HEAP_FUNCTIONS = ['malloc', 'calloc', 'realloc', 'free'];

/**
 * Objects outside the system C library that reference a heap function, from the
 * linker's -y trace. The C library's own stdio (used by the emulation driver for
 * semihosting files) may allocate from its bounded heap; nothing of ours may.
 */
export function heapReferences(linkerTrace: string): { file: string; symbol: string }[] {
  const out: { file: string; symbol: string }[] = [];
  for (const line of linkerTrace.split('\n')) {
    const m = /: (\S+): reference to (\w+)\s*$/.exec(line);
    if (!m || !HEAP_FUNCTIONS.includes(m[2]!)) continue;
    const file = m[1]!;
    if (/^\/(usr|lib)\//.test(file)) continue;
    out.push({ file, symbol: m[2]! });
  }
  return out;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Refuses firmware that does not fit the real part the target declares, saying what to change. */
export function checkFit(planned: PlannedModel, compile: CompileResult): void {
  const device = planned.target.device;
  if (device === null) return;
  const s = compile.sizes;
  const problems: string[] = [];
  if (s.ram > device.ramBytes) {
    const store = planned.memory.store;
    const storeInRam = planned.store === 'ram';
    const advice = [
      ...(storeInRam ? [`move the weight store (${fmt(store)} bytes) out of RAM with --store file or --store user`] : []),
      `raise training.slices to shrink the arena (${fmt(planned.arenaFloats * 4)} bytes now)`,
      'or use fewer units',
    ];
    problems.push(
      `RAM: needs ${fmt(s.ram)} bytes (.data ${fmt(s.data)}, .bss ${fmt(s.bss)}, stack ${fmt(s.stack)}, heap ${fmt(s.heap)}) but ${device.part} has ${fmt(device.ramBytes)}; ${advice.join(', ')}`,
    );
  }
  if (s.flash > device.flashBytes) {
    problems.push(
      `flash: needs ${fmt(s.flash)} bytes (.text ${fmt(s.text)}, .rodata ${fmt(s.rodata)}, .data ${fmt(s.data)}) but ${device.part} has ${fmt(device.flashBytes)}; use fewer units or layers`,
    );
  }
  if (problems.length > 0) {
    throw new FitError(
      `model ${planned.ir.name} does not fit ${device.part} (target ${planned.target.name}):\n  ${problems.join('\n  ')}\n` +
        '  (to run it in the emulator anyway, which has more memory than the part, pass --fit emulator)',
    );
  }
}

/** The model does not fit the target's real part: bad input, with advice. */
export class FitError extends BadInputError {}

export interface JobRun {
  output: FirmwareOutput;
  run: RunResult;
  logFile: string;
}

/** Runs one job on built firmware in `workDir`; fails unless the firmware ends with TINYFOA-OK. */
export async function runJob(
  fw: BuiltFirmware,
  workDir: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: { timeoutMs?: number; icount?: boolean; logName?: string; onStdoutLine?: (line: string) => void } = {},
): Promise<JobRun> {
  mkdirSync(workDir, { recursive: true });
  writeJobFiles(workDir, files);
  const logFile = join(workDir, options.logName ?? 'firmware.log');
  const run = await runFirmware({
    target: fw.target,
    elf: fw.compile.elf,
    cwd: workDir,
    timeoutMs: options.timeoutMs ?? 600_000,
    logFile,
    ...(options.icount !== undefined ? { icount: options.icount } : {}),
    ...(options.onStdoutLine ? { onStdoutLine: options.onStdoutLine } : {}),
  });
  if (run.timedOut) throw new FirmwareError(`firmware on ${fw.target.name} timed out; log: ${logFile}`, logFile);
  const failLine = run.stdout.split('\n').find((l) => l.startsWith('TINYFOA-FAIL'));
  if (run.sentinel !== 'ok' || run.exitCode !== 0) {
    throw new FirmwareError(
      `firmware on ${fw.target.name} failed (exit ${String(run.exitCode)}): ${failLine ?? 'no sentinel line'}; log: ${logFile}`,
      logFile,
    );
  }
  return { output: parseFirmwareOutput(run.stdout), run, logFile };
}
