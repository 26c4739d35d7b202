/**
 * Board targets (docs/targets.md, "Board targets"): the images link at the real parts' memory
 * maps with no semihosting; on stm32f405 and microbit the unchanged image runs in QEMU's model
 * of the part and talks over its UART; the RP2040 image carries a boot stage 2 with a valid
 * CRC and becomes a UF2 file; `tinyfoa flash --dry-run` prints each probe's command, openocd
 * accepts each board's configuration, and a missing probe tool is exit 3 naming its package.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { BadInputError, ToolFailedError } from '../generator/errors.ts';
import { boardNames, flashImages, flashPlan, probeKinds, runFlash } from '../generator/flash/flash.ts';
import { readUf2 } from '../generator/flash/uf2.ts';
import { compileFirmware, type CompileResult } from '../generator/toolchain/compile.ts';
import { emulatorCommand } from '../generator/toolchain/facts.ts';
import { crc32Mpeg2 } from '../generator/flash/boot2.ts';
import { getTarget, targetFile, targets, type Target } from '../targets/targets.ts';
import { expectedFloatLines, floatInputs } from './float-cases.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-boards-'));
const root = fileURLToPath(new URL('..', import.meta.url));

const built = new Map<string, Promise<CompileResult>>();
function buildFixture(name: string, fixture: string): Promise<CompileResult> {
  const key = `${name}/${fixture}`;
  let result = built.get(key);
  if (result === undefined) {
    const source = fileURLToPath(new URL(`./fixtures/firmware/${fixture}.c`, import.meta.url));
    result = compileFirmware({ target: name, sources: [source], includeDirs: [], outDir: join(work, name), name: fixture });
    built.set(key, result);
  }
  return result;
}
const buildEcho = (name: string) => buildFixture(name, 'uart_echo');

async function symbol(elf: string, name: string): Promise<number> {
  const { stdout } = await execa('arm-none-eabi-nm', [elf]);
  const line = stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (line === undefined) throw new Error(`${name} not in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}

/** Runs the echo image in QEMU with its UART on stdio: waits for the hello, then talks. */
async function talk(target: Target, elf: string, send: string | Uint8Array, until: RegExp): Promise<string> {
  const [program, ...args] = emulatorCommand(target, { elf, serial: 'stdio' }) as [string, ...string[]];
  const qemu = execa(program, args, { reject: false, stdin: 'pipe', buffer: false });
  let output = '';
  let sent = false;
  const done = new Promise<void>((resolve) => {
    qemu.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('latin1');
      // Bytes sent before the UART is enabled are dropped: wait for the board's hello.
      if (!sent && output.includes('\n')) {
        sent = true;
        qemu.stdin!.write(send);
      }
      if (until.test(output)) resolve();
    });
  });
  const timer = setTimeout(() => qemu.kill('SIGTERM'), 20_000);
  await Promise.race([done, qemu]);
  clearTimeout(timer);
  qemu.kill('SIGTERM');
  await qemu;
  return output;
}

describe('board records', () => {
  // Board targets: a UART console on a part's memory map (host-link, the board driver on pipes, has none).
  const boards = Object.values(targets).filter((t) => t.console === 'uart' && t.emulatorMemory !== null);

  it('every board declares its real part, and the linker places exactly that memory', () => {
    expect(boards.map((t) => t.name).sort()).toEqual(['microbit', 'nrf52840-dk', 'nucleo-f411re', 'rp2040', 'stm32f405', 'stm32f746g-disco']);
    for (const t of boards) {
      expect(t.device!.ramBytes, t.name).toBe(t.emulatorMemory!.ram.bytes);
      expect(t.device!.flashBytes, t.name).toBe(t.emulatorMemory!.code.bytes);
      const script = readFileSync(targetFile(t.linkerScript!), 'utf8');
      const kib = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024}M` : `${bytes / 1024}K`);
      expect(script, t.name).toMatch(new RegExp(`FLASH \\(rx\\)\\s*: ORIGIN = 0x${t.emulatorMemory!.code.origin.toString(16).padStart(8, '0')}, LENGTH = ${kib(t.emulatorMemory!.code.bytes)}`, 'i'));
      expect(script, t.name).toMatch(new RegExp(`RAM\\s+\\(rwx\\) : ORIGIN = 0x${t.emulatorMemory!.ram.origin.toString(16).padStart(8, '0')}, LENGTH = ${kib(t.emulatorMemory!.ram.bytes)}`, 'i'));
      expect(t.linkFlags.join(' '), t.name).not.toMatch(/rdimon|semihost/);
    }
  });
});

describe.each(Object.values(targets).filter((t) => t.console === 'uart' && t.emulatorMemory !== null).map((t) => [t.name]))('%s image', (name) => {
  const target = getTarget(name);
  it('links at the part\'s flash and RAM without semihosting, and fits the part', async () => {
    const fw = await buildEcho(name);
    const vectors = await symbol(fw.elf, '__vector_table');
    const code = target.emulatorMemory!.code.origin;
    // RP2040: the 256-byte boot stage 2 comes first, the vector table after it.
    expect(vectors).toBe(code + (name === 'rp2040' ? 0x100 : 0));
    const stackTop = await symbol(fw.elf, '__stack_top');
    const heapEnd = await symbol(fw.elf, '__heap_end');
    const ram = target.emulatorMemory!.ram;
    expect(stackTop).toBeGreaterThan(ram.origin);
    expect(heapEnd).toBeLessThanOrEqual(ram.origin + ram.bytes);
    const { stdout } = await execa('arm-none-eabi-nm', [fw.elf]);
    expect(stdout).not.toMatch(/initialise_monitor_handles|_swi|semihost/i);
    expect(fw.sizes.flash).toBeLessThanOrEqual(target.device!.flashBytes);
    expect(fw.sizes.ram).toBeLessThanOrEqual(target.device!.ramBytes);
  });
});

describe.each([['stm32f405'], ['microbit']])('%s in QEMU', (name) => {
  it('says hello over the UART, echoes what it receives, and reports its stack', async () => {
    const target = getTarget(name);
    const fw = await buildEcho(name);
    const out = await talk(target, fw.elf, 'ping 0123456789\nstack?\n', /stack-used=\d+ heap-used=\d+\n/);
    const hello = /^TINYFOA-HELLO uart data-copied main=0x([0-9a-f]+) stack=(\d+) heap=(\d+)\n/.exec(out);
    expect(hello, out).not.toBeNull();
    const main = parseInt(hello![1]!, 16);
    expect(main).toBeGreaterThanOrEqual(target.emulatorMemory!.code.origin);
    expect(main).toBeLessThan(target.emulatorMemory!.code.origin + target.emulatorMemory!.code.bytes);
    expect(Number(hello![2])).toBe(target.layout!.stackBytes);
    expect(Number(hello![3])).toBe(target.layout!.heapBytes);
    expect(out).toContain('ping 0123456789\nstack?\n');
    const used = /stack-used=(\d+) heap-used=(\d+)/.exec(out)!;
    expect(Number(used[1])).toBeGreaterThan(0);
    expect(Number(used[1])).toBeLessThan(target.layout!.stackBytes);
    expect(Number(used[2])).toBeLessThanOrEqual(target.layout!.heapBytes);
  }, 60_000);
});

describe.each([['stm32f405'], ['microbit']])('%s binary32 over the UART', (name) => {
  it('computes + - * / sqrtf bit for bit like Math.fround (Cortex-M0 soft float on the micro:bit)', async () => {
    const inputs = floatInputs();
    const expected = expectedFloatLines(inputs);
    const message = Buffer.alloc(4 + inputs.byteLength);
    message.writeUInt32LE(inputs.length / 2, 0);
    Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength).copy(message, 4);
    const fw = await buildFixture(name, 'float_uart');
    const out = await talk(getTarget(name), fw.elf, message, /\nEND\n/);
    const lines = out.split('\n');
    expect(lines[0]).toBe('READY');
    const actual = lines.slice(1, 1 + expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(actual[i], `${name}: pair ${i} (a=${inputs[2 * i]!.toString(16)}, b=${inputs[2 * i + 1]!.toString(16)})`).toBe(expected[i]);
    }
    expect(lines[1 + expected.length]).toBe('END');
  }, 60_000);
});

describe('rp2040 boot stage 2 and UF2', () => {
  it('CRC-32/MPEG-2 is the one the boot ROM checks (catalogue check value)', () => {
    expect(crc32Mpeg2(Buffer.from('123456789'))).toBe(0x0376e6e7);
  });

  it('the image starts with 256 bytes of boot stage 2 whose last word is the CRC of the rest', async () => {
    const fw = await buildEcho('rp2040');
    const images = await flashImages(getTarget('rp2040'), fw.elf);
    const bin = readFileSync(images.bin);
    expect(bin.length).toBeGreaterThan(256);
    expect(bin.readUInt32LE(252)).toBe(crc32Mpeg2(bin.subarray(0, 252)));
    // The vector table after it: initial stack pointer in SRAM, reset handler in flash (Thumb).
    expect(bin.readUInt32LE(256) >>> 0).toBe(await symbol(fw.elf, '__handler_stack_top'));
    expect(bin.readUInt32LE(260) & 1).toBe(1);
    const blocks = readUf2(readFileSync(images.uf2!));
    expect(blocks.length).toBe(Math.ceil(bin.length / 256));
    blocks.forEach((b, i) => {
      expect(b.address).toBe(0x1000_0000 + 256 * i);
      expect(b.block).toBe(i);
      expect(b.blocks).toBe(blocks.length);
      expect(b.familyId).toBe(0xe48bff56);
    });
    const joined = Buffer.concat(blocks.map((b) => b.payload)).subarray(0, bin.length);
    expect(joined.equals(bin)).toBe(true);
  });
});

describe('flash', () => {
  it('prints each probe\'s exact command for every board, naming the image', async () => {
    expect([...boardNames].sort()).toEqual(['microbit', 'nrf52840-dk', 'nucleo-f411re', 'rp2040', 'stm32f405', 'stm32f746g-disco']);
    const images = { elf: '/out/build/firmware.elf', bin: '/out/build/firmware.bin', uf2: '/out/build/firmware.uf2' };
    const stm = getTarget('stm32f405');
    expect(flashPlan(stm, 'openocd', images).command).toEqual([
      'openocd', '-f', 'interface/stlink.cfg', '-f', 'target/stm32f4x.cfg', '-c', 'program /out/build/firmware.elf verify reset exit',
    ]);
    expect(flashPlan(stm, 'pyocd', images).command).toEqual(['pyocd', 'flash', '--target', 'stm32f405rg', '/out/build/firmware.elf']);
    expect(flashPlan(stm, 'stlink', images).command).toEqual(['st-flash', '--reset', 'write', '/out/build/firmware.bin', '0x08000000']);
    const gdb = flashPlan(stm, 'gdb', images, { gdbServer: 'localhost:1234' }).command;
    expect(gdb.slice(0, 6)).toEqual(['gdb-multiarch', '-batch', '-ex', 'target extended-remote localhost:1234', '-ex', 'load']);
    expect(gdb[gdb.length - 1]).toBe('/out/build/firmware.elf');
    expect(flashPlan(getTarget('rp2040'), 'uf2', images, { uf2Drive: '/media/u/RPI-RP2' }).command).toEqual([
      'cp', '/out/build/firmware.uf2', '/media/u/RPI-RP2/',
    ]);
    expect(() => flashPlan(getTarget('microbit'), 'stlink', images)).toThrow(BadInputError);
    expect(() => flashPlan(getTarget('microbit'), 'stlink', images)).toThrow(/st-flash programs STM32 parts only; use --probe openocd \| pyocd \| gdb/);
    expect(() => flashPlan(getTarget('cortex-m4'), 'openocd', images)).toThrow(/runs only in the emulator.*boards are/);
    for (const name of boardNames) {
      const t = getTarget(name);
      const plan = flashPlan(t, t.flash!.defaultProbe, images);
      expect(plan.command.join(' ')).toContain(plan.image);
      for (const probe of probeKinds) {
        try {
          expect(flashPlan(t, probe, images).command.length).toBeGreaterThan(1);
        } catch (e) {
          expect(e, `${name} ${probe}`).toBeInstanceOf(BadInputError);
        }
      }
    }
  });

  it.each(boardNames.map((n) => [n]))('openocd accepts the configuration of %s without a probe (-c shutdown)', async (name) => {
    const files = getTarget(name).flash!.openocd;
    const r = await execa('openocd', [...files.flatMap((f) => ['-f', f]), '-c', 'shutdown'], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('shutdown command invoked');
  });

  it('openocd rejects a configuration file that does not exist (the check above can fail)', async () => {
    const r = await execa('openocd', ['-f', 'board/no-such-board.cfg', '-c', 'shutdown'], { reject: false, all: true });
    expect(r.exitCode).not.toBe(0);
  });

  it('a missing probe tool is a ToolFailedError (exit 3) naming the Debian package', async () => {
    const images = { elf: '/nonexistent/firmware.elf', bin: '/nonexistent/firmware.bin', uf2: null };
    const plan = flashPlan(getTarget('stm32f405'), 'pyocd', images);
    const missing = { ...plan, command: ['tinyfoa-test-no-such-probe', ...plan.command.slice(1)] };
    const error = await runFlash(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect((error as ToolFailedError).exitCode).toBe(3);
    expect(String((error as Error).message)).toContain('apt-get install -y python3-pyocd');
    const drive = await runFlash(flashPlan(getTarget('rp2040'), 'uf2', { ...images, uf2: '/nonexistent/f.uf2' }, { uf2Drive: join(work, 'no-drive') })).catch((e: unknown) => e);
    expect(drive).toBeInstanceOf(ToolFailedError);
    expect(String((drive as Error).message)).toMatch(/not mounted: hold BOOTSEL/);
  });

  it('`tinyfoa flash --dry-run` builds examples/microbit.ts for the micro:bit (it fits 16 KiB) and prints the command', async () => {
    const out = join(work, 'cli-flash');
    const r = await execa('node', [join(root, 'bin/tinyfoa.js'), 'flash', join(root, 'examples/microbit.ts'), '--board', 'microbit', '--probe', 'pyocd', '--dry-run', '-o', out, '--json'], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.command).toEqual(['pyocd', 'flash', '--target', 'nrf51', join(out, 'build/firmware.elf')]);
    expect(j.flashed).toBe(false);
    expect(readFileSync(join(out, 'build/firmware.bin')).length).toBeGreaterThan(1000);
    const bad = await execa('node', [join(root, 'bin/tinyfoa.js'), 'flash', join(root, 'examples/microbit.ts'), '--board', 'cortex-m4', '--dry-run', '-o', out], { reject: false, all: true });
    expect(bad.exitCode, bad.all).toBe(2);
    // The planner refuses a model larger than the part before any compiler runs: exit 2 with advice, not a tool failure.
    const big = await execa('node', [join(root, 'bin/tinyfoa.js'), 'flash', join(root, 'test/fixtures/models/digits.ts'), '--board', 'microbit', '--dry-run', '-o', join(work, 'too-big')], { reject: false, all: true });
    expect(big.exitCode, big.all).toBe(2);
    expect(big.all).toMatch(/model digits does not fit nRF51822-QFAA \(target microbit\): its RAM needs at least [\d,]+ bytes .* but there are 16,384; move the weight store/);
  }, 120_000);
});
