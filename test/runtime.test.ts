/**
 * The portable C runtime (runtime-c/): kernel tests, model tests against a dense shadow
 * implementation, the firmware driver on the host (checked against the reference simulator),
 * cppcheck, and cross-compilation for Cortex-M3/M4/M7. See docs/runtime.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { Crc32 } from '../generator/numerics/crc32.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { compileFirmware } from '../generator/toolchain/compile.ts';
import { runFirmware } from '../generator/toolchain/run.ts';
import { getTarget, kernelFlags } from '../targets/targets.ts';
import { labelledRecords, parseFirmwareOutput } from '../generator/firmware/job.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtimeDir = join(root, 'runtime-c');
const testDir = join(root, 'test', 'runtime');
const fixturesDir = join(testDir, 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-runtime-'));

const CFLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-Wdouble-promotion', '-ffp-contract=off'];
const runtimeSources = readdirSync(runtimeDir)
  .filter((f) => f.endsWith('.c') && f !== 'tf_main.c')
  .sort()
  .map((f) => join(runtimeDir, f));

let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.error(`runtime test builds kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** Compiles with the project's mandatory flags; fails the test with the compiler's output. */
async function gcc(out: string, sources: string[], extra: string[] = [], libs: string[] = []): Promise<string> {
  const r = await execa('gcc', [...CFLAGS, `-I${runtimeDir}`, ...extra, ...sources, '-o', out, ...libs], {
    reject: false,
  });
  expect(r.stderr, `gcc ${out}`).toBe('');
  expect(r.exitCode).toBe(0);
  return out;
}

/** Runs a C test program; returns its output after asserting it passed. */
async function runTests(exe: string): Promise<string> {
  const r = await execa(exe, [], { reject: false });
  const failures = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
  expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  expect(r.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
  expect(r.exitCode).toBe(0);
  return r.stdout;
}

const pins = (out: string, prefix: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith(`PIN ${prefix}`))
    .map((l) => l.slice(`PIN ${prefix}`.length).trim());

describe('kernels', () => {
  let out = '';
  beforeAll(async () => {
    // libm only for the test's references (exp, sqrtf); the runtime itself never needs it
    const exe = await gcc(join(work, 'test_kernels'), [join(testDir, 'test_kernels.c'), ...runtimeSources], [], ['-lm']);
    out = await runTests(exe);
  });

  it('pass: popcount, bit packing, dense dots, binarize, classifier, exp32, sqrt, CRC, PRNG, δ, optimizers', () => {
    expect(out).toContain('TESTS');
  });

  it('CRC-32 of "123456789" is cbf43926', () => {
    expect(pins(out, 'crc32 123456789')).toEqual(['cbf43926']);
  });

  it('PRNG seed 1: first outputs of streams 1, 2, 3 and uniform()', () => {
    expect(pins(out, 'prng seed=1 stream=1 next')).toEqual([
      '7a2d7e95 a9466f6a 3119f497 649503b4 6a737f1b 5dae2617 5dea7254 37adb5e9',
    ]);
    expect(pins(out, 'prng seed=1 stream=2 next')).toEqual([
      '7d25c960 e4ed5666 8de6c624 d768c9a1 8f3a6cbf 4b1f7c2a f6c86e91 2136b5d9',
    ]);
    expect(pins(out, 'prng seed=1 stream=3 next')).toEqual([
      '79998577 7efc38bb 5eef36ca 3bed3758 2244a8e8 dc093987 cf802826 27f48ce2',
    ]);
    expect(pins(out, 'prng seed=1 stream=1 state')).toEqual(['312cb9a6 abb5c922 4de78df5 285b4145']);
    expect(pins(out, 'uniform seed=1 stream=2')).toEqual(['3efa4b92 3f64ed56 3f0de6c6']);
  });

  it('exp32 at pinned points (input bits → output bits)', () => {
    expect(pins(out, 'exp32')).toEqual([
      '3f800000 402df854', // 1
      'bf800000 3ebc5ab2', // -1
      '3f000000 3fd3094c', // 0.5
      '41200000 46ac14ee', // 10
      'c1200000 383e6bce', // -10
      '42b00000 7ef882b7', // 88
      '42b170a4 7f7f4648', // 88.72
      'c2ae0000 00b33687', // -87 (subnormal)
      'c2c80000 0000001b', // -100
      'c2cfcccd 00000001', // -103.9
      '3dcccccd 3f8d763e', // 0.1
      'bdcccccd 3f67a36d', // -0.1
      '3300d959 3f800000', // 3e-8
    ]);
    const worst = /INFO exp32 worst error ([\d.]+) ulp/.exec(out);
    expect(Number(worst?.[1])).toBeLessThanOrEqual(2);
  });
});

// tf_f32_soft.h's inline binary32 operations (the `soft` SGD variant) against the compiler's:
// the host FPU on millions of pairs, and libgcc's soft-float routines on Cortex-M3 under QEMU.
describe('inline binary32 operations (tf_f32_soft.h)', () => {
  const summary = (out: string): RegExpExecArray | null => /^INFO checked=(\d+) mul_fast=(\d+) add_fast=(\d+) triples=(\d+) /m.exec(out);

  it('equal the host FPU bit for bit on millions of operand pairs of every class', async () => {
    const exe = await gcc(join(work, 'test_f32_soft'), [join(testDir, 'test_f32_soft.c')], ['-DTF_SOFT_TEST_SCALE=4096']);
    const out = await runTests(exe);
    expect(Number(summary(out)?.[1])).toBeGreaterThan(7_000_000);
  });

  it('equal libgcc soft-float bit for bit on cortex-m3 (QEMU)', async () => {
    const outDir = mkdtempSync(join(work, 'f32-soft-m3-'));
    const fw = await compileFirmware({
      target: 'cortex-m3',
      sources: [join(testDir, 'test_f32_soft.c')],
      includeDirs: [runtimeDir, testDir],
      defines: { TF_SOFT_TEST_SCALE: '16' },
      outDir,
      name: 'f32soft',
    });
    const run = await runFirmware({ target: 'cortex-m3', elf: fw.elf, cwd: outDir, timeoutMs: 120_000, logFile: join(outDir, 'run.log') });
    const failures = run.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    expect(run.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
    expect(run.exitCode).toBe(0);
    expect(Number(summary(run.stdout)?.[1])).toBeGreaterThan(200_000);
  });
});

describe.each(['adam', 'sgd'])('model on fixture %s', (fixture) => {
  const run = async (variant: string, extra: string[]): Promise<string> => {
    const exe = await gcc(
      join(work, `test_model_${fixture}_${variant}`),
      [join(testDir, 'test_model.c'), join(fixturesDir, fixture, 'tf_model.c'), ...runtimeSources],
      [`-I${join(fixturesDir, fixture)}`, ...extra],
    );
    return runTests(exe);
  };

  it('matches the dense shadow after every call; errors change no state; optimized = reference kernels', async () => {
    const [fast, ref] = await Promise.all([run('fast', []), run('ref', ['-DTF_USE_REFERENCE_KERNELS'])]);
    expect(pins(fast, 'trained digest')).toHaveLength(1);
    expect(pins(fast, 'init digest')).toEqual(pins(ref, 'init digest'));
    expect(pins(fast, 'trained digest')).toEqual(pins(ref, 'trained digest'));
  });
});

// ------------------------------------------------------------------------------------------
// The firmware driver (tf_main.c) on the host, compared with the reference simulator.
// ------------------------------------------------------------------------------------------

interface Fixture {
  name: string;
  ir: ModelIR;
}

/** The IR of each hand-written fixture (test/runtime/fixtures/<name>/tf_model.c). */
const FIXTURES: Fixture[] = [
  {
    name: 'adam',
    ir: {
      name: 'fixture_adam',
      source: '',
      input: { features: 37, encoding: 'u8' },
      classes: 3,
      layers: buildLayers(37, [33, 20], 2),
      training: {
        slices: 2,
        optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        batchSize: 2,
        epochsPerLayer: 1,
        seed: 7,
        blockSchedule: 'cyclic',
        gradientGate: 'symmetric',
        inputScale: 'fixed',
        algorithm: 'tinyfoa',
      },
    },
  },
  {
    name: 'sgd',
    ir: {
      name: 'fixture_sgd',
      source: '',
      input: { features: 65, encoding: 'bits' },
      classes: 4,
      layers: buildLayers(65, [64, 31, 5], 3),
      training: {
        slices: 3,
        optimizer: { kind: 'sgd', learningRate: 0.05 },
        batchSize: 1,
        epochsPerLayer: 1,
        seed: 1,
        blockSchedule: 'all',
        gradientGate: 'relu',
        inputScale: 'layer',
        algorithm: 'tinyfoa',
      },
    },
  },
];

const MAGIC = 0x314a4654;
const CMD = { TRAIN: 1, EVAL: 2, DIGEST: 3, DUMP: 4, CYCLES: 5 } as const;
const ARRAYS = ['classifier', 'weights', 'bias', 'adam', 'bits', 'absSum', 'alpha', 'steps'] as const;

function words(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, true));
  return out;
}

/** Deterministic samples (not the runtime's PRNG: an LCG of the test's own). */
function samples(ir: ModelIR, count: number, seed: number): { label: number; x: Uint8Array }[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
  const f = ir.input.features;
  return Array.from({ length: count }, () => {
    const label = next() % ir.classes;
    const x = new Uint8Array(f);
    for (let i = 0; i < f; i++) {
      // a class-dependent pattern plus noise, so that training learns something
      const base = ((i * 7 + label * 13) % 17) / 17;
      const v = Math.min(1, Math.max(0, base + ((next() % 100) - 50) / 200));
      x[i] = ir.input.encoding === 'bits' ? (v > 0.5 ? 1 : 0) : Math.round(v * 255);
    }
    return { label, x };
  });
}


/** CRC-32 of the bytes as the firmware prints it (semantics §11). */
function crc32(bytes: Uint8Array): string {
  return new Crc32().update(bytes).hex();
}

async function buildDriver(fixture: string, variant: string, extra: string[] = []): Promise<string> {
  return gcc(
    join(work, `fw_${fixture}_${variant}`),
    [join(runtimeDir, 'tf_main.c'), join(fixturesDir, fixture, 'tf_model.c'), ...runtimeSources],
    [`-I${join(fixturesDir, fixture)}`, ...extra],
  );
}

async function runDriver(
  exe: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
): Promise<{ dir: string; stdout: string; exitCode: number }> {
  const dir = mkdtempSync(join(work, 'run-'));
  writeFileSync(join(dir, 'job.bin'), files.job);
  if (files.train) writeFileSync(join(dir, 'train.bin'), files.train);
  if (files.test) writeFileSync(join(dir, 'test.bin'), files.test);
  const r = await execa(exe, [], { cwd: dir, reject: false });
  return { dir, stdout: r.stdout, exitCode: r.exitCode ?? -1 };
}

/** DIGEST lines of the reference simulator, formatted as the firmware prints them. */
function simDigestLines(sim: TinyFoaModel, adam: boolean): string[] {
  const d = sim.digests();
  return [
    `TF DIGEST steps=${sim.totalSteps()} ${d.state}`,
    ...d.arrays
      .filter((a) => adam || a.name !== 'adam')
      .map((a) => `TF ARRAY layer=${a.layer} ${a.name} ${a.digest}`),
  ];
}

/** The job of a fixture: TRAIN each layer in order, EVAL and DIGEST after each, then DUMP every array, CYCLES. */
function jobFor(ir: ModelIR) {
  const adam = ir.training.optimizer.kind === 'adam';
  const L = ir.layers.length;
  const perLayer = 6 * ir.training.batchSize;
  const train = samples(ir, perLayer * L, 11);
  const test = samples(ir, 25, 99);
  const w: number[] = [MAGIC, CMD.DIGEST];
  for (let l = 0; l < L; l++) w.push(CMD.TRAIN, l, perLayer, CMD.EVAL, l, CMD.DIGEST);
  for (let l = 0; l < L; l++) {
    ARRAYS.forEach((a, id) => {
      if (a !== 'adam' || adam) w.push(CMD.DUMP, l, id);
    });
  }
  w.push(CMD.CYCLES);
  return { adam, L, perLayer, train, test, files: { job: words(w), train: labelledRecords(train), test: labelledRecords(test) } };
}

/** Host driver output per fixture, for the emulator runs to compare with. */
const hostOutput = new Map<string, string>();
const resultLines = (stdout: string): string[] =>
  stdout.split('\n').filter((l) => /^(TF (READY|DIGEST|ARRAY|TRAIN|EVAL|DUMP) |TINYFOA-)/.test(l));

describe.each(FIXTURES)('firmware driver on the host, fixture $name', ({ name, ir }) => {
  const { adam, L, perLayer, train, test, files } = jobFor(ir);
  const B = ir.training.batchSize;
  const fullJob = (): Uint8Array => files.job;

  it('runs a job to TINYFOA-OK; digests equal the reference simulator at every DIGEST', async () => {
    const exe = await buildDriver(name, 'fast');
    const { dir, stdout, exitCode } = await runDriver(exe, { job: fullJob(), train: labelledRecords(train), test: labelledRecords(test) });
    hostOutput.set(name, stdout);
    expect(exitCode, stdout).toBe(0);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines[0]).toMatch(/^TF READY runtime=\S+ semantics=4 arena_floats=\d+ bit_arena_words=\d+$/);
    expect(lines[lines.length - 1]).toBe('TINYFOA-OK');
    expect(lines).toContain('TF CYCLES unavailable');
    expect(lines.filter((l) => l.startsWith('TF TICKS'))).toEqual([]); // no counter, no figures

    // the simulator, fed the same samples in the same order
    const sim = new TinyFoaModel(ir);
    const expected: string[] = [...simDigestLines(sim, adam)];
    for (let l = 0; l < L; l++) {
      for (const s of train.slice(l * perLayer, (l + 1) * perLayer)) sim.trainSample(l, s.x, s.label);
      let correct = 0;
      for (const s of test) correct += sim.predict(s.x, l) === s.label ? 1 : 0;
      expected.push(`TF TRAIN layer=${l} samples=${perLayer} steps=${sim.layers[l]!.steps}`);
      expected.push(`TF EVAL layer=${l} correct=${correct} total=${test.length}`);
      expected.push(...simDigestLines(sim, adam));
    }
    const got = lines.filter((l) => /^TF (DIGEST|ARRAY|TRAIN|EVAL) /.test(l));
    expect(got).toEqual(expected);

    // every DUMP file has the digest its ARRAY line printed (the last DIGEST)
    const last = new Map<string, string>();
    for (const l of lines) {
      const m = /^TF ARRAY layer=(\d+) (\w+) ([0-9a-f]{8})$/.exec(l);
      if (m) last.set(`${m[1]}-${m[2]}`, m[3]!);
    }
    const dumps = lines.filter((l) => l.startsWith('TF DUMP ')).map((l) => l.slice('TF DUMP '.length));
    expect(dumps.length).toBe(last.size);
    for (const file of dumps) {
      const key = /^dump-(\d+-\w+)\.bin$/.exec(file)![1]!;
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      expect(crc32(bytes), file).toBe(last.get(key));
      const [layer, array] = key.split('-') as [string, (typeof ARRAYS)[number]];
      expect(crc32(sim.arrayBytes(Number(layer), array)), `${file} vs simulator`).toBe(last.get(key));
    }
  });

  it('prints the same with the reference kernels', async () => {
    const files = { job: fullJob(), train: labelledRecords(train), test: labelledRecords(test) };
    const [fast, ref] = await Promise.all([
      buildDriver(name, 'fast2').then((exe) => runDriver(exe, files)),
      buildDriver(name, 'ref', ['-DTF_USE_REFERENCE_KERNELS']).then((exe) => runDriver(exe, files)),
    ]);
    expect(ref.exitCode).toBe(0);
    expect(ref.stdout).toBe(fast.stdout);
  });

  it('reports failures as TINYFOA-FAIL <status> and exit code 1', async () => {
    const exe = await buildDriver(name, 'errors');
    const fail = async (files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array }): Promise<string> => {
      const r = await runDriver(exe, files);
      expect(r.exitCode, r.stdout).toBe(1);
      const line = r.stdout.split('\n').find((l) => l.startsWith('TINYFOA-'));
      expect(r.stdout).not.toContain('TINYFOA-OK');
      return line ?? '';
    };
    // job and file problems: 100
    expect(await fail({ job: words([0x12345678]) })).toMatch(/^TINYFOA-FAIL 100 job.bin: bad magic/);
    expect(await fail({ job: words([MAGIC, 9]) })).toMatch(/^TINYFOA-FAIL 100 job.bin: unknown command/);
    expect(await fail({ job: words([MAGIC, CMD.TRAIN, 0, 3]), train: labelledRecords(train.slice(0, 2)) })).toMatch(
      /^TINYFOA-FAIL 100 /,
    );
    expect(await fail({ job: words([MAGIC, CMD.EVAL, 0]) })).toMatch(/^TINYFOA-FAIL 100 cannot open test.bin/);
    // runtime statuses
    const bad = train.slice(0, 1).map((s) => ({ label: ir.classes, x: s.x }));
    expect(await fail({ job: words([MAGIC, CMD.TRAIN, 0, 1]), train: labelledRecords(bad) })).toBe(
      'TINYFOA-FAIL 2 TRAIN sample 0: TF_ERR_LABEL',
    );
    expect(await fail({ job: words([MAGIC, CMD.EVAL, L]), test: labelledRecords(test) })).toMatch(/^TINYFOA-FAIL 5 /);
    // earlier layers are frozen once a later layer took a step
    const steps = words([MAGIC, CMD.TRAIN, 1, B, CMD.TRAIN, 0, B]);
    expect(await fail({ job: steps, train: labelledRecords(train) })).toBe('TINYFOA-FAIL 5 TRAIN sample 0: TF_ERR_STATE');
    if (ir.input.encoding === 'bits') {
      const two = train.slice(0, 1).map((s) => ({ label: s.label, x: s.x.map((v, i) => (i === 3 ? 2 : v)) }));
      expect(await fail({ job: words([MAGIC, CMD.TRAIN, 0, 1]), train: labelledRecords(two) })).toBe(
        'TINYFOA-FAIL 3 TRAIN sample 0: TF_ERR_INPUT',
      );
    }
    if (B > 1) {
      // an incomplete batch on layer 0, then layer 1
      const job = words([MAGIC, CMD.TRAIN, 0, 1, CMD.TRAIN, 1, 1]);
      expect(await fail({ job, train: labelledRecords(train) })).toBe('TINYFOA-FAIL 5 TRAIN sample 0: TF_ERR_STATE');
    }
  });
});

// ------------------------------------------------------------------------------------------
// The same driver on Cortex-M under QEMU (newlib + rdimon semihosting): bit for bit the host.
// ------------------------------------------------------------------------------------------

describe.each(FIXTURES)('firmware driver on Cortex-M (QEMU), fixture $name', ({ name, ir }) => {
  it('prints what the host printed on cortex-m3 (soft float), m4 and m7, and measures cycles', async () => {
    const { files } = jobFor(ir);
    let host = hostOutput.get(name);
    if (host === undefined) {
      const exe = await buildDriver(name, 'for-qemu');
      host = (await runDriver(exe, files)).stdout;
    }
    const runs = await Promise.all(
      ['cortex-m3', 'cortex-m4', 'cortex-m7'].map(async (target) => {
        const outDir = mkdtempSync(join(work, `${target}-${name}-`));
        const fw = await compileFirmware({
          target,
          sources: [...runtimeSources, join(runtimeDir, 'tf_main.c'), join(fixturesDir, name, 'tf_model.c')],
          includeDirs: [runtimeDir, join(fixturesDir, name)],
          outDir,
          name: 'fw',
        });
        for (const [file, bytes] of Object.entries(files)) writeFileSync(join(outDir, `${file}.bin`), bytes);
        const run = await runFirmware({
          target,
          elf: fw.elf,
          cwd: outDir,
          timeoutMs: 100_000,
          icount: true,
          logFile: join(outDir, 'run.log'),
        });
        return { target, run };
      }),
    );
    for (const { target, run } of runs) {
      expect(run.passed, `${target}: ${run.stdout}\n${run.stderr}`).toBe(true);
      expect(resultLines(run.stdout), target).toEqual(resultLines(host));
      expect(run.stdout, target).toMatch(/^TF CYCLES \d+ rate=\d+$/m);
      expect(run.stdout, target).toMatch(/^TF MEMORY stack_high_water=\d+ /m);
      // one TICKS line per TRAIN and per EVAL, each for the command's samples, each a positive count
      const out = parseFirmwareOutput(run.stdout);
      expect(out.ticks.map((t) => `${t.phase} ${t.layer} ${t.samples}`), target).toEqual([
        ...out.trains.flatMap((t, i) => [`train ${t.layer} ${t.samples}`, ...(out.evals[i] ? [`predict ${out.evals[i]!.layer} ${out.evals[i]!.total}`] : [])]),
      ]);
      for (const t of out.ticks) expect(t.ticks, `${target} ${t.phase} layer ${t.layer}`).toBeGreaterThan(t.samples);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Static analysis and cross-compilation.
// ------------------------------------------------------------------------------------------

describe('portability', () => {
  it('cppcheck finds nothing in runtime-c/', async () => {
    // tf_main.c is analysed with a model header, without and with a target's cycles.h
    // The two configurations are analysed side by side (one process a core).
    const configs = [
      ['adam', []],
      ['sgd', [`-I${join(root, 'targets', 'arm')}`]],
    ] as const;
    const runs = await Promise.all(configs.map(([fixture, target]) =>
      execa(
        'cppcheck',
        [
          '--enable=warning,style,performance,portability',
          '--error-exitcode=1',
          '--std=c99',
          '--quiet',
          // The kernel variants, guards and drivers give more #ifdef combinations than cppcheck's
          // default twelve; it says so on every run, which is information, not a finding.
          '--suppress=toomanyconfigs',
          `-I${runtimeDir}`,
          `-I${join(fixturesDir, fixture)}`,
          ...target,
          runtimeDir,
        ],
        { reject: false },
      )));
    for (const r of runs) {
      expect(r.stderr + r.stdout, 'cppcheck').toBe('');
      expect(r.exitCode).toBe(0);
    }
  }, 300_000);

  const ARM = [
    { cpu: 'cortex-m3', flags: ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=soft'], hardSqrt: false },
    { cpu: 'cortex-m4', flags: ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'], hardSqrt: true },
    { cpu: 'cortex-m7', flags: ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-d16'], hardSqrt: true },
  ];

  it.each(ARM)('compiles warning-free for $cpu, with no double, libm, popcount or heap calls', async ({ cpu, flags, hardSqrt }) => {
    const dir = mkdtempSync(join(work, `${cpu}-`));
    const sources = [...runtimeSources, join(runtimeDir, 'tf_main.c')];
    const objects = await Promise.all(
      sources.map(async (src) => {
        const obj = join(dir, src.slice(runtimeDir.length + 1).replace(/\.c$/, '.o'));
        const r = await execa(
          'arm-none-eabi-gcc',
          [...CFLAGS, ...flags, ...kernelFlags(getTarget(cpu)), `-I${runtimeDir}`, `-I${join(fixturesDir, 'adam')}`, '-c', src, '-o', obj],
          { reject: false },
        );
        expect(r.stderr, `${cpu} ${src}`).toBe('');
        expect(r.exitCode).toBe(0);
        return obj;
      }),
    );
    const nm = await execa('arm-none-eabi-nm', ['-u', ...objects]);
    const undefinedSymbols = new Set(
      nm.stdout
        .split('\n')
        .map((l) => /^\s+U (\S+)$/.exec(l)?.[1])
        .filter((s): s is string => s !== undefined),
    );
    const forbidden = [...undefinedSymbols].filter((s) =>
      /^(__aeabi_(d|[fiul]+2d|d2)|__(add|sub|mul|div|extendsf|truncdf)df|__popcount|sqrtf?$|expf?$|logf?$|powf?$|malloc$|calloc$|realloc$|free$)/.test(s),
    );
    expect(forbidden).toEqual([]);
    const dis = await execa('arm-none-eabi-objdump', ['-d', join(dir, 'tf_sqrt.o')]);
    expect(dis.stdout.includes('vsqrt.f32')).toBe(hardSqrt);
    // the `dsp` variant exists exactly where the core has the DSP extension, and uses it
    const dense = await execa('arm-none-eabi-objdump', ['-d', join(dir, 'tf_dense_u8_dsp.o')]);
    expect(dense.stdout.includes('usada8')).toBe(cpu !== 'cortex-m3');
    // the `soft` SGD and `sparse` forward variants: UMULL and CLZ inline (Armv7-M and up), no calls in their fast paths
    const soft = await execa('arm-none-eabi-objdump', ['-d', join(dir, 'tf_sgd_soft.o')]);
    expect(soft.stdout).toMatch(/\bumull\b/);
    expect(soft.stdout).toMatch(/\bclz\b/);
    const sparse = await execa('arm-none-eabi-objdump', ['-d', join(dir, 'tf_dense_u8_sparse.o')]);
    expect(sparse.stdout).toMatch(/\brbit\b/);
  });

  it.each([
    { cpu: 'cortex-m3', define: 'TF_KERNEL_DENSE_U8=dsp', missing: 'tf_dense_u8_f32_dsp' }, // no DSP extension
    { cpu: 'cortex-m4', define: 'TF_KERNEL_DENSE_U8=unknown', missing: 'tf_dense_u8_f32_unknown' },
    { cpu: 'cortex-m4', define: 'TF_KERNEL_CRC32=unknown', missing: 'tf_crc32_unknown' },
    { cpu: 'cortex-m3', define: 'TF_KERNEL_SGD=unknown', missing: 'tf_sgd_block_bits_f32_unknown' },
  ])('a kernel variant that does not exist for $cpu ($define) is a build error, not a fallback', async ({ cpu, define, missing }) => {
    const flags = ARM.find((a) => a.cpu === cpu)?.flags ?? [];
    const user = define.startsWith('TF_KERNEL_CRC32') ? 'tf_state.c' : define.startsWith('TF_KERNEL_SGD') ? 'tf_runtime.c' : 'tf_dense.c';
    const r = await execa(
      'arm-none-eabi-gcc',
      [...CFLAGS, ...flags, `-D${define}`, `-I${runtimeDir}`, '-c', join(runtimeDir, user), '-o', join(work, `${cpu}-bad.o`)],
      { reject: false },
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(missing);
  });
});
