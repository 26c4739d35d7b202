/**
 * Runs a firmware job on a board target (console 'uart') over the serial link: the board
 * driver as a native process on pipes (host-link), the unchanged board image in its QEMU
 * machine with the UART on stdio, or a real board on a serial port (`--port`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import tty from 'node:tty';
import { execa } from 'execa';
import { BadInputError, ToolFailedError } from '../errors.ts';
import type { Target } from '../../targets/targets.ts';
import { formatCommand } from '../toolchain/compile.ts';
import { emulatorCommand } from '../toolchain/facts.ts';
import { parseSentinel, type RunResult } from '../toolchain/run.ts';
import { LinkSession, runLinkJob, type SessionOptions, type Transport } from './session.ts';

/** A child process whose stdin/stdout carry the link; its stderr is kept for the log. */
export function processTransport(child: ChildProcess): Transport & { stderr: () => string } {
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString('utf8');
  });
  const ended = new Promise<string>((resolveEnd) => {
    child.on('error', (e) => resolveEnd(`cannot start: ${e.message}`));
    child.on('exit', (code, signal) => resolveEnd(signal ? `the process was killed by ${signal}` : `the process exited with code ${String(code)}`));
  });
  child.stdin?.on('error', () => undefined); // a write after the process died: reported through `ended`
  return {
    write: (bytes) => {
      child.stdin?.write(bytes);
    },
    onData: (listener) => {
      child.stdout?.on('data', (b: Buffer) => listener(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    },
    ended,
    close: async () => {
      child.stdin?.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await ended;
      }
      clearTimeout(killer);
    },
    stderr: () => err,
  };
}

/**
 * The argv that runs a board image with its console UART on stdio: the image itself for a
 * native target, else QEMU's machine with the first serial port on stdio and no semihosting.
 */
export function boardCommand(target: Target, elf: string, options: { icount?: boolean } = {}): string[] {
  return emulatorCommand(target, { elf: resolve(elf), serial: 'stdio', ...(options.icount !== undefined ? { icount: options.icount } : {}) });
}

export interface BoardRunOptions extends SessionOptions {
  timeoutMs: number;
  logFile: string;
  workDir: string;
  icount?: boolean;
  onLine?: (line: string) => void;
}

/** Starts `command`, runs the job over its stdio and stops it; never throws for a failing job. */
export async function runBoardJob(
  target: Target,
  elf: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: BoardRunOptions,
): Promise<RunResult> {
  const command = boardCommand(target, elf, options.icount !== undefined ? { icount: options.icount } : {});
  const [program, ...args] = command as [string, ...string[]];
  const started = Date.now();
  const child = spawn(program, args, { cwd: options.workDir, stdio: ['pipe', 'pipe', 'pipe'] });
  const transport = processTransport(child);
  return await driveSession(transport, command, files, options, started);
}

/** Runs the job over any transport and writes the log; the transport is closed at the end. */
export async function driveSession(
  transport: Transport & { stderr?: () => string },
  command: readonly string[],
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: BoardRunOptions,
  started = Date.now(),
): Promise<RunResult> {
  const session = new LinkSession(transport, options);
  let timedOut = false;
  let launch: string | null = null;
  void transport.ended.then((why) => {
    if (why.startsWith('cannot start')) launch = why;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    void transport.close();
  }, options.timeoutMs);
  let lines: string[] = [];
  try {
    const result = await runLinkJob(session, files, { workDir: options.workDir, ...(options.onLine ? { onLine: options.onLine } : {}) });
    lines = result.lines;
  } finally {
    clearTimeout(timer);
    await transport.close();
  }
  const stdout = `${lines.join('\n')}\n`;
  const { sentinel, failCode, failMessage } = parseSentinel(stdout);
  const durationMs = Date.now() - started;
  const passed = !timedOut && sentinel === 'ok';
  const logFile = resolve(options.logFile);
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(
    logFile,
    [
      `$ ${formatCommand(command)}`,
      `cwd: ${resolve(options.workDir)}`,
      '--- link transcript (docs/link.md) ---',
      stdout.trimEnd(),
      '--- board process stderr ---',
      (transport.stderr?.() ?? '').trimEnd(),
      '--- result ---',
      `timed out: ${timedOut ? `yes (after ${options.timeoutMs} ms)` : 'no'}`,
      `sentinel: ${sentinel ?? 'none'}${failCode === null ? '' : ` (code ${failCode}: ${failMessage ?? ''})`}`,
      `duration: ${durationMs} ms`,
      `verdict: ${passed ? 'passed' : 'FAILED'}`,
      '',
    ].join('\n'),
  );
  if (launch !== null && /ENOENT/.test(launch)) {
    throw new ToolFailedError(`cannot run '${command[0]!}': not installed (run \`npm run setup\`, which installs it); log: ${logFile}`);
  }
  return {
    exitCode: passed ? 0 : 1,
    signal: null,
    stdout,
    stderr: transport.stderr?.() ?? '',
    timedOut,
    sentinel,
    failCode,
    failMessage,
    passed,
    command,
    durationMs,
    logFile,
  };
}

/** A serial port that does not exist or is not a terminal device. */
export class SerialPortError extends BadInputError {}

/**
 * Opens a serial port for the link: 115200 baud, 8 data bits, no parity, one stop bit, raw
 * (no echo, no line editing, no flow control), as targets/common/tf_uart.h configures the board.
 */
export async function openSerialPort(device: string): Promise<Transport> {
  if (!existsSync(device)) {
    throw new SerialPortError(`serial port ${device} does not exist: connect the board and pass the port it appears as (e.g. /dev/ttyACM0)`);
  }
  const stty = await execa(
    'stty',
    ['-F', device, '115200', 'raw', '-echo', '-echoe', '-echok', '-echoctl', '-ixon', '-ixoff', '-crtscts', 'cs8', '-cstopb', '-parenb', 'clocal'],
    { reject: false, stdin: 'ignore' },
  );
  if (stty.failed) {
    throw new SerialPortError(`cannot set ${device} to 115200 8N1 raw (stty: ${String(stty.stderr).trim() || `exit ${String(stty.exitCode)}`}): is it a serial port, and may you open it?`);
  }
  const fd = openSync(device, constants.O_RDWR | constants.O_NOCTTY);
  if (!tty.isatty(fd)) throw new SerialPortError(`${device} is not a terminal device: pass a serial port`);
  const port = new tty.ReadStream(fd);
  const ended = new Promise<string>((resolveEnd) => {
    port.on('error', (e) => resolveEnd(`serial port ${device}: ${e.message}`));
    port.on('close', () => resolveEnd(`serial port ${device} was closed`));
  });
  return {
    write: (bytes) => {
      port.write(bytes);
    },
    onData: (listener) => {
      port.on('data', (b: Buffer) => listener(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    },
    ended,
    close: async () => {
      port.destroy();
      await ended;
    },
  };
}

/** Runs the job with a board on a serial port (`run --port`); the board runs the image already. */
export async function runPortJob(
  device: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: BoardRunOptions,
): Promise<RunResult> {
  const started = Date.now();
  const transport = await openSerialPort(device);
  return await driveSession(transport, ['serial-port', device], files, options, started);
}
