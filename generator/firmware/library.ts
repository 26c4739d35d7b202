/**
 * The runtime compiled once per target into a static library, so that many
 * models can be linked against it quickly (the property tests build dozens).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { getTarget, projectRoot, type ConsoleKind } from '../../targets/targets.ts';
import { ToolchainError } from '../toolchain/compile.ts';
import { buildFacts } from '../toolchain/facts.ts';

export const RUNTIME_SOURCE_DIR = join(projectRoot, 'runtime-c');
/** The semihosting firmware driver: linked into emulation firmware, not part of the library. */
export const DRIVER_SOURCE = 'tf_main.c';
/**
 * The driver files of each console kind, relative to runtime-c/; the generated folder has them in
 * driver/. The board driver and its framing (runtime-c/board/, docs/link.md) sit in their own
 * folder because they need the target's tf_uart.h, which semihosting targets do not implement.
 */
export const DRIVER_FILES: Readonly<Record<ConsoleKind, readonly string[]>> = {
  semihosting: [DRIVER_SOURCE],
  uart: ['board/tf_board_main.c', 'board/tf_link.c', 'board/tf_link.h'],
};

async function tool(program: string, args: string[], cwd: string, what: string): Promise<void> {
  const r = await execa(program, args, { cwd, reject: false, stdin: 'ignore' });
  if (r.failed) {
    throw new ToolchainError(`${what} failed (exit ${String(r.exitCode)}):\n${String(r.stderr)}`, {
      command: [program, ...args],
      stderr: String(r.stderr),
      exitCode: r.exitCode ?? null,
    });
  }
}

/**
 * Compiles runtime-c/ (without the driver) for `targetName` into `<outDir>/libtinyfoa.a`;
 * `defines` become `-D<name>=<value>` (e.g. TF_TEST_POWER_CUT for the store's fault injection).
 */
export async function buildRuntimeLibrary(
  targetName: string,
  outDir: string,
  options: { defines?: Readonly<Record<string, string>> } = {},
): Promise<string> {
  const target = getTarget(targetName);
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(RUNTIME_SOURCE_DIR)
    .filter((f) => f.endsWith('.c') && f !== DRIVER_SOURCE)
    .sort();
  const defines = Object.entries(options.defines ?? {}).map(([name, value]) => `-D${name}=${value}`);
  const flags = [...buildFacts(target).cflags, ...defines];
  await tool(target.compiler, [...flags, `-I${RUNTIME_SOURCE_DIR}`, '-c', ...sources.map((s) => join(RUNTIME_SOURCE_DIR, s))], dir, `compiling the runtime for ${target.name}`);
  const lib = join(dir, 'libtinyfoa.a');
  await tool(target.archiver, ['rcs', lib, ...sources.map((s) => s.replace(/\.c$/, '.o'))], dir, `archiving the runtime for ${target.name}`);
  return lib;
}
