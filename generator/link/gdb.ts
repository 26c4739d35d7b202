/**
 * The GDB load path: an image goes into a halted board through any GDB server (openocd,
 * pyocd, J-Link, or QEMU's own gdbstub), the core is reset from the image's vector table and
 * let go, and the board then talks over its UART (docs/link.md, "Loading through GDB").
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { ToolFailedError } from '../errors.ts';
import type { Target } from '../../targets/targets.ts';
import { formatCommand } from '../toolchain/compile.ts';
import type { RunResult } from '../toolchain/run.ts';
import { driveSession, processTransport, type BoardRunOptions } from './board.ts';

/** The GDB server would not take the image: exit 3 with GDB's own words. */
export class GdbLoadError extends ToolFailedError {}

/**
 * `gdb-multiarch -batch` that connects to `remote` (host:port), loads the ELF's sections into
 * the target's flash and RAM, runs `reset` (the server's reset command: `monitor system_reset`
 * on QEMU, `monitor reset halt` on openocd and pyocd), and detaches, which lets the core run.
 */
export function gdbLoadCommand(elf: string, remote: string, reset: readonly string[] = ['monitor system_reset']): string[] {
  return [
    'gdb-multiarch',
    '-batch',
    '-nx',
    '-ex',
    'set confirm off',
    '-ex',
    `target extended-remote ${remote}`,
    '-ex',
    'load',
    ...reset.flatMap((c) => ['-ex', c]),
    '-ex',
    'detach',
    resolve(elf),
  ];
}

/** Runs a GDB load command (gdbLoadCommand or `tinyfoa flash --probe gdb`'s); returns GDB's output. */
export async function loadWithGdb(command: readonly string[], remote: string, timeoutMs = 60_000): Promise<string> {
  const elf = command[command.length - 1]!;
  const [program, ...args] = command as [string, ...string[]];
  const r = await execa(program, args, { reject: false, stdin: 'ignore', all: true, timeout: timeoutMs });
  const out = String(r.all ?? '');
  if (r.failed && r.code === 'ENOENT') {
    throw new GdbLoadError(`'${program}' is not installed: install it (apt-get install -y gdb-multiarch, or \`npm run setup\`)`);
  }
  // gdb -batch exits 0 even when a command failed; a load names every section it wrote.
  if (r.failed || !/^Transfer rate/m.test(out) || /Connection refused|Remote communication error|^Load failed/m.test(out)) {
    throw new GdbLoadError(`loading ${elf} through the GDB server at ${remote} failed:\n$ ${formatCommand(command)}\n${out.trim()}`);
  }
  return out;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freeTcpPort(): Promise<number> {
  return await new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the target's QEMU machine halted with no image (`-S -gdb`), loads `elf` through its
 * gdbstub with gdb-multiarch, resets it, and runs the job over the UART on QEMU's stdio.
 */
export async function runGdbLoadedJob(
  target: Target,
  elf: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: BoardRunOptions & {
    /** The GDB load command for a server address (default gdbLoadCommand; `tinyfoa flash --probe gdb` has its own). */
    loadCommand?: (server: string) => string[];
  },
): Promise<RunResult & { gdbLog: string }> {
  if (target.qemu === null || target.console !== 'uart') {
    throw new GdbLoadError(`the GDB load path needs a board target with a QEMU machine; ${target.name} has none`);
  }
  const started = Date.now();
  const port = await freeTcpPort();
  const qemu = [
    'qemu-system-arm',
    '-M',
    target.qemu.machine,
    '-nographic',
    '-monitor',
    'none',
    '-serial',
    'stdio',
    '-S',
    '-gdb',
    `tcp:127.0.0.1:${port}`,
  ];
  const [program, ...args] = qemu as [string, ...string[]];
  const child = spawn(program, args, { cwd: options.workDir, stdio: ['pipe', 'pipe', 'pipe'] });
  const transport = processTransport(child);
  const server = `127.0.0.1:${port}`;
  const load = options.loadCommand?.(server) ?? gdbLoadCommand(elf, server);
  let gdbLog: string;
  try {
    gdbLog = await loadWithGdbRetrying(load, server);
  } catch (e) {
    await transport.close();
    throw e;
  }
  const run = await driveSession(transport, [...qemu, '+', ...load], files, options, started);
  return { ...run, gdbLog };
}

/* QEMU opens its gdbstub a moment after it starts: the first connection may be refused. */
async function loadWithGdbRetrying(command: readonly string[], remote: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadWithGdb(command, remote);
    } catch (e) {
      if (attempt >= 20 || !(e instanceof GdbLoadError) || !/Connection refused/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
