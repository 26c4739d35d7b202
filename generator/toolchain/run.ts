/**
 * Runs firmware built by compile.ts: in QEMU for ARM targets, as a process on the host.
 *
 * A run's verdict needs both the exit code and the sentinel line: the exit code reaches the
 * host only modulo 256 (exit(256) looks like success), and a run that dies early prints no
 * sentinel at all. See docs/targets.md, "Exit codes".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { execa } from 'execa';

import { ToolFailedError } from '../errors.ts';
import { getTarget, type Target } from '../../targets/targets.ts';
import { formatCommand } from './compile.ts';
import { emulatorCommand } from './facts.ts';

/** Lines the firmware prints last: `TINYFOA-OK`, or `TINYFOA-FAIL <code> <message>`. */
export const SENTINEL_OK = 'TINYFOA-OK';
export const SENTINEL_FAIL = 'TINYFOA-FAIL';

export type Sentinel = 'ok' | 'fail' | null;

export interface RunOptions {
  target: Target | string;
  elf: string;
  /** Working directory: semihosting file names are relative to it. */
  cwd: string;
  /** argv[1..] of main. On QEMU: at most 15, no whitespace inside one, 255 bytes in all
   * with argv[0] (the ELF's file name). */
  args?: readonly string[];
  /** The run is killed after this long and reported with timedOut. */
  timeoutMs: number;
  /** QEMU `-icount shift=0`: one instruction per virtual ns, deterministic timing.
   * Ignored on the host, which has no emulator. */
  icount?: boolean;
  /** Receives the command, the interleaved output and the verdict, whatever happens. */
  logFile: string;
  /** Called with each line of stdout (without its line break) as the firmware prints it. */
  onStdoutLine?: (line: string) => void;
}

export interface RunResult {
  /** The process's exit code; null when a signal ended it (timeout, QEMU abort). */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  sentinel: Sentinel;
  /** Code and message of a `TINYFOA-FAIL` line; null otherwise. */
  failCode: number | null;
  failMessage: string | null;
  /** Exit code 0, sentinel ok, in time. */
  passed: boolean;
  command: readonly string[];
  durationMs: number;
  logFile: string;
}

/** Reads the sentinel from the last non-empty line of the firmware's stdout. */
export function parseSentinel(stdout: string): { sentinel: Sentinel; failCode: number | null; failMessage: string | null } {
  const lines = stdout.split(/\r?\n/).filter((line) => line.trim() !== '');
  const last = (lines[lines.length - 1] ?? '').trimEnd();
  if (last === SENTINEL_OK || last.startsWith(`${SENTINEL_OK} `)) {
    return { sentinel: 'ok', failCode: null, failMessage: null };
  }
  if (last === SENTINEL_FAIL || last.startsWith(`${SENTINEL_FAIL} `)) {
    const match = /^TINYFOA-FAIL\s+(-?\d+)\s*(.*)$/.exec(last);
    return {
      sentinel: 'fail',
      failCode: match === null ? null : Number(match[1]),
      failMessage: match === null ? last.slice(SENTINEL_FAIL.length).trim() : (match[2] ?? ''),
    };
  }
  return { sentinel: null, failCode: null, failMessage: null };
}

/* targets/arm/startup.c: TF_CMDLINE_BYTES minus the terminator, and TF_MAX_ARGS. */
const CMDLINE_LIMIT = 255;
const ARGV_LIMIT = 16;

/** The argv that runs `options.elf` (nothing is run). */
export function runCommand(options: Omit<RunOptions, 'cwd' | 'timeoutMs' | 'logFile'>): string[] {
  const target = typeof options.target === 'string' ? getTarget(options.target) : options.target;
  const elf = resolve(options.elf);
  const args = options.args ?? [];
  if (target.runner !== 'qemu') return emulatorCommand(target, { elf, argv: [elf, ...args] });

  const argv = [basename(elf), ...args];
  for (const arg of argv) {
    if (arg === '' || /\s/.test(arg)) {
      throw new Error(`firmware argument '${arg}' is empty or contains whitespace: the firmware splits its command line on spaces`);
    }
  }
  if (argv.length > ARGV_LIMIT) {
    throw new Error(`firmware takes at most ${ARGV_LIMIT - 1} arguments, got ${args.length}`);
  }
  if (argv.join(' ').length > CMDLINE_LIMIT) {
    throw new Error(`firmware command line longer than ${CMDLINE_LIMIT} bytes: '${argv.join(' ')}'`);
  }
  return emulatorCommand(target, { elf, argv, ...(options.icount === true ? { icount: true } : {}) });
}

/** Runs firmware to completion or timeout; never throws for a failing firmware. */
export async function runFirmware(options: RunOptions): Promise<RunResult> {
  const command = runCommand(options);
  const [program, ...args] = command as [string, ...string[]];
  const cwd = resolve(options.cwd);
  const logFile = resolve(options.logFile);
  const started = Date.now();
  const onLine = options.onStdoutLine;
  // A line transform that passes every line through unchanged (newlines kept) and reports it.
  const stdout = onLine
    ? {
        *transform(line: unknown): Generator<unknown, void, void> {
          onLine(String(line).replace(/\r?\n$/, ''));
          yield line;
        },
        preserveNewlines: true,
      } as const
    : ('pipe' as const);
  const result = await execa(program, args, {
    cwd,
    stdout,
    reject: false,
    stdin: 'ignore',
    all: true,
    stripFinalNewline: false,
    timeout: options.timeoutMs,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: 2000,
  });
  const durationMs = Date.now() - started;
  const output = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const exitCode = result.exitCode ?? null;
  const signal = result.signal ?? null;
  const timedOut = result.timedOut;
  const { sentinel, failCode, failMessage } = parseSentinel(output);
  const passed = !timedOut && exitCode === 0 && sentinel === 'ok';

  const launchProblem = result.failed && exitCode === null && signal === null && !timedOut;
  const verdict = [
    `exit code: ${exitCode === null ? '-' : exitCode}`,
    `signal: ${signal ?? '-'}`,
    `timed out: ${timedOut ? `yes (after ${options.timeoutMs} ms)` : 'no'}`,
    `sentinel: ${sentinel ?? 'none'}${failCode === null ? '' : ` (code ${failCode}: ${failMessage ?? ''})`}`,
    `duration: ${durationMs} ms`,
    `verdict: ${passed ? 'passed' : 'FAILED'}`,
    ...(launchProblem ? [`launch error: ${String(result.shortMessage ?? result.message ?? '')}`] : []),
  ];
  await mkdir(dirname(logFile), { recursive: true });
  await writeFile(
    logFile,
    [`$ ${formatCommand(command)}`, `cwd: ${cwd}`, '--- output (stdout and stderr interleaved) ---', String(result.all ?? ''), '--- result ---', ...verdict, ''].join('\n'),
  );
  if (launchProblem && result.code === 'ENOENT') {
    throw new ToolFailedError(`cannot run '${program}': not installed (run \`npm run setup\`, which installs it); log: ${logFile}`);
  }
  return { exitCode, signal, stdout: output, stderr, timedOut, sentinel, failCode, failMessage, passed, command, durationMs, logFile };
}

/** One line saying how a run ended, with its log, for assertion messages. */
export function describeRun(result: RunResult): string {
  const end = result.timedOut
    ? 'timed out'
    : result.exitCode === null
      ? `killed by ${result.signal ?? 'a signal'}`
      : `exit ${result.exitCode}`;
  const sentinel =
    result.sentinel === 'fail'
      ? `TINYFOA-FAIL ${result.failCode ?? '?'} ${result.failMessage ?? ''}`.trimEnd()
      : result.sentinel === 'ok'
        ? SENTINEL_OK
        : 'no sentinel';
  return `${end}, ${sentinel} (log: ${result.logFile})`;
}
