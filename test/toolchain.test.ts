/**
 * Targets, the toolchain driver and the emulator runner, on every target: firmware I/O over
 * semihosting, exit codes and sentinels, timeouts, deterministic cycle counts, and binary32
 * bit-exactness against Math.fround (the foundation of docs/semantics.md §1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import {
  compileCommand,
  compileFirmware,
  deviceFit,
  MANDATORY_CFLAGS,
  symbolSize,
  ToolchainError,
  type CompileResult,
} from '../generator/toolchain/compile.ts';
import { describeRun, parseSentinel, runFirmware, type RunResult } from '../generator/toolchain/run.ts';
import { getTarget, targetNames, targets, type Target } from '../targets/targets.ts';
import { expectedFloatLines, floatInputs } from './float-cases.ts';

const fixtures = fileURLToPath(new URL('./fixtures/firmware/', import.meta.url));
const workRoot = mkdtempSync(join(tmpdir(), 'tinyfoa-toolchain-'));
const armTargets = targetNames.filter((name) => getTarget(name).runner === 'qemu' && getTarget(name).console === 'semihosting');

let anyTestFailed = false;
afterEach((context) => {
  if (context.task.result?.state === 'fail') anyTestFailed = true;
});
afterAll(() => {
  // Builds and run logs of a failed test are the evidence: keep them, and say where.
  if (anyTestFailed) console.error(`toolchain test builds and logs kept in ${workRoot}`);
  else rmSync(workRoot, { recursive: true, force: true });
});

let buildCounter = 0;

/** Builds one fixture into its own fresh directory. */
async function build(
  target: Target,
  fixture: string,
  defines?: Record<string, string>,
): Promise<CompileResult & { dir: string }> {
  const dir = join(workRoot, `${target.name}-${fixture}-${buildCounter++}`);
  await mkdir(dir, { recursive: true });
  const result = await compileFirmware({
    target,
    sources: [join(fixtures, `${fixture}.c`)],
    includeDirs: [],
    outDir: dir,
    name: fixture,
    ...(defines === undefined ? {} : { defines }),
  });
  return { ...result, dir };
}

async function run(
  built: CompileResult & { dir: string },
  options: { args?: string[]; timeoutMs?: number; icount?: boolean; label?: string } = {},
): Promise<RunResult> {
  return runFirmware({
    target: built.target,
    elf: built.elf,
    cwd: built.dir,
    args: options.args ?? [],
    timeoutMs: options.timeoutMs ?? 20_000,
    icount: options.icount ?? false,
    logFile: join(built.dir, `${options.label ?? 'run'}.log`),
  });
}

describe('targets', () => {
  it('an unknown target name is an error that lists the known ones', () => {
    expect(() => getTarget('cortex-m0')).toThrow(
      "unknown target 'cortex-m0': known targets are host, host-link, cortex-m3, cortex-m4, cortex-m7, cortex-m33, stm32f405, microbit, nucleo-f411re, stm32f746g-disco, nrf52840-dk, rp2040",
    );
  });

  it('every target names a real part (ARM) and an emulator memory the part fits in', () => {
    for (const name of armTargets) {
      const target: Target = targets[name];
      expect(target.device, name).not.toBeNull();
      expect(target.qemu, name).not.toBeNull();
      expect(target.device!.ramBytes).toBeLessThanOrEqual(target.emulatorMemory!.ram.bytes);
      expect(target.device!.flashBytes).toBeLessThanOrEqual(target.emulatorMemory!.code.bytes);
    }
  });

  it('the compile command carries the mandatory flags, the target flags and the layout', () => {
    const { command } = compileCommand({ target: 'cortex-m4', sources: ['a.c'], includeDirs: [], outDir: '/tmp/x' });
    for (const flag of [...MANDATORY_CFLAGS, '-mfpu=fpv4-sp-d16', '-Wl,--gc-sections', '-Wl,--defsym=__tf_stack_size=8192']) {
      expect(command).toContain(flag);
    }
  });
});

describe('toolchain', () => {
  it('a compile error is a ToolchainError carrying the compiler diagnostics', async () => {
    const dir = join(workRoot, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'broken.c'), 'int main(void) { volatile float x = 1.0f; return (int)(x * 2.0); }\n');
    const error = await compileFirmware({ target: 'host', sources: [join(dir, 'broken.c')], includeDirs: [], outDir: dir }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ToolchainError);
    // -Wdouble-promotion -Werror: the implicit float → double is refused.
    expect((error as ToolchainError).stderr).toMatch(/double-promotion/);
  });

  describe.each(targetNames.filter((name) => getTarget(name).console === 'semihosting').map((name) => [name]))('%s', (name) => {
    const target = getTarget(name);

    it('runs firmware that copies .data, reads and writes host files, prints, and exits ok', async () => {
      const built = await build(target, 'toolchain_check');
      await writeFile(join(built.dir, 'input.txt'), `hello from the test for ${name}`);
      const result = await run(built, { args: ['input.txt', 'output.txt'] });
      expect(result.passed, describeRun(result)).toBe(true);
      expect(result.exitCode).toBe(0);
      expect(result.sentinel).toBe('ok');
      expect(result.stdout).toContain('data word 0x5eed1234');
      expect(result.stdout).toContain(`read ${`hello from the test for ${name}`.length} bytes`);
      expect(await readFile(join(built.dir, 'output.txt'), 'utf8')).toBe(`copied<hello from the test for ${name}>\n`);
      expect(await readFile(result.logFile, 'utf8')).toContain('TINYFOA-OK');

      expect(await symbolSize(built.elf, 'tf_check_data_word')).toBe(4);
      expect(await symbolSize(built.elf, 'no_such_symbol')).toBeNull();
      expect(built.sizes.text).toBeGreaterThan(0);
      expect(built.sizes.data).toBeGreaterThanOrEqual(4);
      if (target.layout !== null) {
        const layout = target.layout;
        expect(built.sizes.stack).toBe(layout.stackBytes + 32 + layout.handlerStackBytes);
        expect(built.sizes.heap).toBe(layout.heapBytes);
        expect(deviceFit(built.sizes, target)?.fits).toBe(true);
        // The measurements line: a used stack well inside its region, stdio heap in bounds.
        const measured = /stack (\d+) of (\d+), heap (\d+) of (\d+)/.exec(result.stdout);
        expect(measured).not.toBeNull();
        const [, used, size, heapUsed, heapSize] = measured!.map(Number) as [number, number, number, number, number];
        expect(size).toBe(layout.stackBytes);
        expect(used).toBeGreaterThan(0);
        expect(used).toBeLessThan(size);
        expect(heapUsed).toBeGreaterThan(0);
        expect(heapUsed).toBeLessThanOrEqual(heapSize);
      }
    });

    it('reports a failing firmware as failed, with its code and message', async () => {
      const result = await run(await build(target, 'fail'));
      expect(result.passed).toBe(false);
      expect(result.exitCode).toBe(7);
      expect(result.sentinel).toBe('fail');
      expect(result.failCode).toBe(7);
      expect(result.failMessage).toBe('deliberate failure');
    });
  });

  // One native and one emulated run: every QEMU machine is killed the same way.
  it.each([['host'], ['cortex-m3']])('kills %s firmware that hangs at the timeout, keeping its log', async (name) => {
    const target = getTarget(name);
    const built = await build(target, 'hang');
    const started = Date.now();
    const result = await run(built, { timeoutMs: 2500, icount: target.runner === 'qemu' });
    expect(result.timedOut).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.sentinel).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readFile(result.logFile, 'utf8')).toMatch(/spinning[\s\S]*timed out: yes/);
  });

  it('exit(256) reaches the host as 0 from QEMU, and the sentinel still fails the run', async () => {
    const result = await run(await build(getTarget('cortex-m4'), 'fail'), { args: ['256'] });
    expect(result.exitCode).toBe(0);
    expect(result.sentinel).toBe('fail');
    expect(result.failCode).toBe(256);
    expect(result.passed).toBe(false);
  });

  it('reads the sentinel from the last non-empty line only', () => {
    expect(parseSentinel('x\nTINYFOA-FAIL 3 bad input\n')).toEqual({ sentinel: 'fail', failCode: 3, failMessage: 'bad input' });
    expect(parseSentinel('TINYFOA-OK\nlater output\n').sentinel).toBeNull();
    expect(parseSentinel('TINYFOA-OK\r\n\n').sentinel).toBe('ok');
    expect(parseSentinel('').sentinel).toBeNull();
  });
});

describe.each(armTargets.map((name) => [name]))('%s cycle counter and faults', (name) => {
  const target = getTarget(name);
  const instructionsPerTick = target.cycles!.icountInstructionsPerTick;

  it('-icount shift=0 counts identically run to run, one tick per 40 instructions', async () => {
    const built = await build(target, 'cycle_count');
    const iterations = 400_000; // 800,000 instructions
    const first = await run(built, { args: [String(iterations)], icount: true, label: 'first' });
    const second = await run(built, { args: [String(iterations)], icount: true, label: 'second' });
    expect(first.passed, describeRun(first)).toBe(true);
    expect(second.passed, describeRun(second)).toBe(true);
    const ticks = (result: RunResult): number => Number(BigInt(/ticks (0x[0-9a-f]{16})/.exec(result.stdout)![1]!));
    expect(ticks(first)).toBe(ticks(second));
    expect(ticks(first)).toBeGreaterThan(0);
    const expected = (iterations * 2) / instructionsPerTick;
    expect(Math.abs(ticks(first) - expected)).toBeLessThanOrEqual(2);
    expect(first.stdout).toContain(`rate ${target.cycles!.systickHz}`);
  });

  it('extends SysTick past its wrap (short reload to make wraps frequent)', async () => {
    // 4096-tick periods: the 800,000-instruction loop wraps about 5 times. Each wrap runs the
    // SysTick handler, whose few instructions add a little to the count.
    const built = await build(target, 'cycle_count', { TF_SYSTICK_RELOAD: '0xFFFu' });
    const result = await run(built, { args: ['400000'], icount: true });
    expect(result.passed, describeRun(result)).toBe(true);
    const ticks = Number(BigInt(/ticks (0x[0-9a-f]{16})/.exec(result.stdout)![1]!));
    const expected = (400_000 * 2) / instructionsPerTick;
    expect(ticks).toBeGreaterThanOrEqual(expected);
    expect(ticks).toBeLessThan(expected + 50);
  });

  it('turns a null-pointer write and a stack overflow into TINYFOA-FAIL lines', async () => {
    const built = await build(target, 'fault');
    const nullWrite = await run(built, { args: ['null-write'], label: 'null-write' });
    expect(nullWrite.exitCode, describeRun(nullWrite)).toBe(99);
    expect(nullWrite.sentinel).toBe('fail');
    expect(nullWrite.failCode).toBe(99);
    const overflow = await run(built, { args: ['overflow'], label: 'overflow' });
    expect(overflow.exitCode, describeRun(overflow)).toBe(98);
    expect(overflow.failCode).toBe(98);
    expect(overflow.failMessage).toContain(`the stack of ${target.layout!.stackBytes} bytes is too small`);
  });
});


describe('binary32 bit-exactness', () => {
  const inputs = floatInputs();
  const expected = expectedFloatLines(inputs);

  it.each(targetNames.filter((name) => getTarget(name).console === 'semihosting').map((name) => [name]))('%s computes + - * / sqrtf bit for bit like Math.fround', async (name) => {
    const built = await build(getTarget(name), 'float_bits');
    await writeFile(join(built.dir, 'float_inputs.bin'), Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
    const result = await run(built);
    expect(result.passed, describeRun(result)).toBe(true);
    expect(result.stdout).toContain(`pairs ${expected.length}`);
    const actual = (await readFile(join(built.dir, 'float_bits.out'), 'utf8')).trimEnd().split('\n');
    const operations = ['a+b', 'a-b', 'a*b', 'a/b', 'sqrtf(|a|)'];
    for (let i = 0; i < expected.length; i++) {
      if (actual[i] === expected[i]) continue;
      const a = inputs[2 * i]!.toString(16).padStart(8, '0');
      const b = inputs[2 * i + 1]!.toString(16).padStart(8, '0');
      const got = (actual[i] ?? '').split(' ');
      const want = expected[i]!.split(' ');
      const op = operations[want.findIndex((bits, k) => bits !== got[k])] ?? '?';
      expect.fail(`${name}: pair ${i} (a=${a}, b=${b}) ${op}: actual ${actual[i] ?? '(missing)'}, expected ${expected[i]}`);
    }
    expect(actual.length).toBe(expected.length);
  });
});
