/**
 * Builds firmware from the IR (plan → generate → compile) and runs jobs on it,
 * on the host or in QEMU. Used by `build`, `run`, `verify` and the tests.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelIR } from '../ir/ir.ts';
import { generateFiles, LAYOUT, writeFolderAtomically } from '../emit/emit.ts';
import { plan, type PlannedModel } from '../plan/plan.ts';
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

export class FirmwareError extends Error {
  constructor(
    message: string,
    readonly log?: string,
  ) {
    super(message);
    this.name = 'FirmwareError';
  }
}

/** Plans and writes the C folder for `ir` (atomically). */
export function generateFolder(ir: ModelIR, targetName: string, outDir: string): PlannedModel {
  const target = getTarget(targetName);
  const planned = plan(ir, target);
  writeFolderAtomically(outDir, generateFiles(planned));
  return planned;
}

/** Generates and compiles; the ELF lands in `<outDir>/build/firmware.elf`. */
export async function buildFirmware(
  ir: ModelIR,
  targetName: string,
  outDir: string,
  options: { defines?: Record<string, string>; runtimeLibrary?: string } = {},
): Promise<BuiltFirmware> {
  const dir = resolve(outDir);
  const planned = generateFolder(ir, targetName, dir);
  const target = planned.target;
  // With a prebuilt runtime library, only the model and the driver are compiled here.
  const skip = [`${LAYOUT.target}/`, ...(options.runtimeLibrary ? [`${LAYOUT.runtime}/`] : [])];
  const files = generateFiles(planned)
    .map((f) => f.path)
    .filter((p) => p.endsWith('.c') && !skip.some((prefix) => p.startsWith(prefix)));
  const compile = await compileFirmware({
    target,
    sources: [...files.map((p) => join(dir, p)), ...(options.runtimeLibrary ? [options.runtimeLibrary] : [])],
    includeDirs: [join(dir, LAYOUT.model), join(dir, LAYOUT.runtime)],
    outDir: join(dir, 'build'),
    ...(options.defines ? { defines: options.defines } : {}),
  });
  const arenaBytes = (await symbolSize(compile.elf, planned.arenaSymbol)) ?? -1;
  if (arenaBytes !== planned.arenaFloats * 4) {
    throw new FirmwareError(
      `arena symbol ${planned.arenaSymbol} is ${arenaBytes} bytes in the ELF but the plan says ${planned.arenaFloats * 4}`,
    );
  }
  return { planned, target, dir, compile, arenaBytes };
}

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
  options: { timeoutMs?: number; icount?: boolean; logName?: string } = {},
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
