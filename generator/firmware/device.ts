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
import { arenaFloats, bitArenaWords, FitError, plan, type FitMode, type PlannedModel, type PlanOptions } from '../plan/plan.ts';
import { compileFirmware, symbolSize, ToolchainError, type CompileResult } from '../toolchain/compile.ts';
import { runFirmware, type RunResult } from '../toolchain/run.ts';
import { runBoardJob, runPortJob } from '../link/board.ts';
import { runGdbLoadedJob } from '../link/gdb.ts';
import type { SessionOptions } from '../link/session.ts';
import { getTarget, type Target } from '../../targets/targets.ts';
import { parseFirmwareOutput, writeJobFiles, type FirmwareOutput } from './job.ts';

export interface BuiltFirmware {
  planned: PlannedModel;
  target: Target;
  dir: string;
  compile: CompileResult;
  /**
   * Bytes of the arena symbol in the ELF (checked equal to the array the plan declared). The
   * independent check, the firmware's own figure against the planner's, is made when it runs (runJob).
   */
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

/**
 * Plans and writes the C folder for `ir` (atomically); `options` choose the weight store and the
 * memory the plan must fit (default: the target's declared part), checked before anything is written.
 */
export function generateFolder(ir: ModelIR, targetName: string, outDir: string, options: PlanOptions = {}): PlannedModel {
  const target = getTarget(targetName);
  const planned = plan(ir, target, { fit: 'device', ...options });
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
    /** NOR flash store: the part's geometry (PlanOptions.nor); with extraSources the driver is theirs, else the simulator. */
    nor?: PlanOptions['nor'];
  } = {},
): Promise<BuiltFirmware> {
  const dir = resolve(outDir);
  if (options.store === 'file' && getTarget(targetName).console === 'uart') {
    throw new BadInputError(
      `the file store needs semihosting, and target ${targetName} has none (its console is the serial link, docs/link.md): use --store ram, or --store user with the board's flash`,
    );
  }
  if (options.store === 'user' && (options.extraSources ?? []).length === 0) {
    throw new BadInputError(
      `a user-supplied store is defined by the firmware project: give the C source that defines 'const tf_store ${ir.name}_user_store' (--store-source <file.c>)`,
    );
  }
  const planned = plan(ir, getTarget(targetName), {
    fit: options.fit ?? 'device',
    ...(options.store ? { store: options.store } : {}),
    ...(options.storeFile !== undefined ? { storeFile: options.storeFile } : {}),
    ...(options.nor ? { nor: options.nor } : {}),
    ...(options.store === 'nor' ? { norDriver: (options.extraSources ?? []).length > 0 ? ('user' as const) : ('sim' as const) } : {}),
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
    const skip = [`${LAYOUT.target}/`, `${LAYOUT.src}/`, ...(options.runtimeLibrary ? [`${LAYOUT.runtime}/`] : [])];
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
    }).catch((e: unknown) => {
      throw linkOverflow(e, planned);
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

export type { FitMode } from '../plan/plan.ts';

/**
 * A board's linker script holds exactly the part's memory, so a model too big for it fails
 * at link time ("region `RAM' overflowed by N bytes"): that is the model not fitting (bad
 * input, exit 2), not a broken tool.
 */
function linkOverflow(error: unknown, planned: PlannedModel): unknown {
  const stderr = error instanceof ToolchainError ? error.stderr : '';
  const overflow = /region [`']?(RAM|FLASH)'? overflowed by (\d+) bytes/.exec(stderr);
  if (overflow === null) return error;
  const region = overflow[1]!;
  const device = planned.target.device;
  const advice =
    region === 'RAM'
      ? `${planned.store === 'ram' ? `move the weight store (${fmt(planned.memory.store)} bytes) out of RAM with --store user, ` : ''}raise training.slices to shrink the arena (${fmt(planned.arenaFloats * 4)} bytes now) or use fewer units`
      : 'use fewer units or layers';
  return new FitError(
    `model ${planned.ir.name} does not fit ${device?.part ?? planned.target.name} (target ${planned.target.name}): its ${region} overflows by ${fmt(Number(overflow[2]))} bytes; ${advice}`,
  );
}

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

export { FitError } from '../plan/plan.ts';

/** How a board target's image gets into its QEMU machine (runJob's `load`). */
export type LoadMethod = 'kernel' | 'gdb';
export const LOAD_METHODS: readonly LoadMethod[] = ['kernel', 'gdb'];

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
  options: {
    timeoutMs?: number;
    icount?: boolean;
    logName?: string;
    onStdoutLine?: (line: string) => void;
    /** Board targets (console 'uart'): retry timing and injected faults of the serial link. */
    link?: SessionOptions;
    /** Board targets: a real board on this serial port runs the job instead of the emulator. */
    port?: string;
    /**
     * Board targets in QEMU: 'kernel' (default) hands the image to QEMU; 'gdb' starts the board
     * halted with no image and loads it through QEMU's GDB server with gdb-multiarch, as a probe
     * would program a real part (docs/link.md, "Loading through GDB").
     */
    load?: LoadMethod;
  } = {},
): Promise<JobRun> {
  mkdirSync(workDir, { recursive: true });
  writeJobFiles(workDir, files);
  const logFile = join(workDir, options.logName ?? 'firmware.log');
  const common = {
    timeoutMs: options.timeoutMs ?? 600_000,
    logFile,
    ...(options.icount !== undefined ? { icount: options.icount } : {}),
  };
  // A board target gets the same job over its serial link (docs/link.md), not through files.
  if (options.port !== undefined && fw.target.console !== 'uart') {
    throw new BadInputError(`--port needs a board target (console 'uart'); ${fw.target.name} talks through semihosting`);
  }
  const load = options.load ?? 'kernel';
  if (load === 'gdb' && (fw.target.console !== 'uart' || fw.target.qemu === null || options.port !== undefined)) {
    throw new BadInputError(
      `--load gdb loads a board target's image into its QEMU machine through the GDB server; ${options.port !== undefined ? 'it does not go with --port (program the real board with tinyfoa flash)' : `${fw.target.name} is not a board target that QEMU runs (stm32f405 and microbit are)`}`,
    );
  }
  const board = { ...common, ...options.link, workDir, ...(options.onStdoutLine ? { onLine: options.onStdoutLine } : {}) };
  const run =
    options.port !== undefined
      ? await runPortJob(options.port, files, board)
      : fw.target.console === 'uart'
      ? load === 'gdb'
        ? await runGdbLoadedJob(fw.target, fw.compile.elf, files, board)
        : await runBoardJob(fw.target, fw.compile.elf, files, board)
      : await runFirmware({
          ...common,
          target: fw.target,
          elf: fw.compile.elf,
          cwd: workDir,
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
  const output = parseFirmwareOutput(run.stdout);
  checkArenaFigures(fw, output, logFile);
  return { output, run, logFile };
}

/**
 * The firmware computes its arena sizes from the model descriptor (tf_arena_floats_required,
 * tf_bit_arena_words_required in runtime-c/tf_arena.c) and prints them on its READY line; the
 * planner computes them with its own arithmetic (arenaFloats, bitArenaWords in plan.ts). Two
 * independent figures: they must agree, or the arena the planner sized is not the one the
 * runtime uses.
 */
export function checkArenaFigures(fw: BuiltFirmware, output: FirmwareOutput, logFile: string): void {
  const ready = output.ready;
  if (!ready) throw new FirmwareError(`firmware on ${fw.target.name} printed no 'TF READY' line with its arena sizes; log: ${logFile}`, logFile);
  const floats = arenaFloats(fw.planned.ir);
  const words = bitArenaWords(fw.planned.ir);
  if (ready.arenaFloats !== floats || ready.bitArenaWords !== words) {
    throw new FirmwareError(
      `firmware on ${fw.target.name} computes an arena of ${ready.arenaFloats} floats and a bit arena of ${ready.bitArenaWords} words ` +
        `from its descriptor, but the planner computed ${floats} and ${words}: the planner and the runtime disagree (docs/runtime.md "Arena"); log: ${logFile}`,
      logFile,
    );
  }
}
