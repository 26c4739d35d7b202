/**
 * The C runtime under AddressSanitizer and UndefinedBehaviorSanitizer on the host
 * (-fsanitize=address,undefined -fno-sanitize-recover=all: the first report ends the run):
 * a generated model trained and evaluated on a few hundred samples with every store kind the
 * host has (ram, file, user), bit for bit as the simulator; and the random-call harness of the
 * C API (test/runtime/fuzz_api.c, 10^5 calls over both fixtures; scripts/fuzz-api.sh runs it
 * longer with any seed).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { generateFolder } from '../generator/firmware/device.ts';
import { JobBuilder, labelledRecords, writeJobFiles } from '../generator/firmware/job.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import type { StoreKind } from '../generator/plan/plan.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtimeDir = join(root, 'runtime-c');
const testDir = join(root, 'test', 'runtime');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-sanitizers-'));

let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.error(`sanitizer builds kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const FLAGS = [
  '-std=c99',
  '-O1',
  '-g',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wdouble-promotion',
  '-ffp-contract=off',
  '-fsanitize=address,undefined',
  '-fno-sanitize-recover=all',
  '-fno-omit-frame-pointer',
];
/** Any report fails the process; leaks count. */
const ENV = { ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };

const cFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => join(dir, f));

const IR: ModelIR = {
  name: 'sanitized',
  source: '',
  input: { features: 50, encoding: 'u8' },
  classes: 4,
  layers: buildLayers(50, [40, 17], 2),
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    batchSize: 4,
    epochsPerLayer: 1,
    seed: 11,
    blockSchedule: 'cyclic',
    gradientGate: 'symmetric',
    inputScale: 'fixed',
    algorithm: 'tinyfoa',
  },
};

function samples(count: number, seed: number): { label: number; x: Uint8Array }[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
  return Array.from({ length: count }, () => {
    const label = next() % IR.classes;
    const x = new Uint8Array(IR.input.features);
    for (let i = 0; i < x.length; i++) x[i] = Math.min(255, ((i * 5 + label * 11) % 13) * 18 + (next() % 30));
    return { label, x };
  });
}


describe('a generated model trained on the host under ASan and UBSan', () => {
  const perLayer = 200;
  const train = samples(perLayer * 2, 21);
  const test = samples(100, 77);
  const job = new JobBuilder().train(0, perLayer).eval(0).train(1, perLayer).eval(1).digest().bytes();
  const sim = new TinyFoaModel(IR);
  const expected: string[] = [];
  for (let l = 0; l < 2; l++) {
    for (const s of train.slice(l * perLayer, (l + 1) * perLayer)) sim.trainSample(l, s.x, s.label);
    const correct = test.filter((s) => sim.predict(s.x, l) === s.label).length;
    expected.push(`TF TRAIN layer=${l} samples=${perLayer} steps=${sim.layers[l]!.steps}`);
    expected.push(`TF EVAL layer=${l} correct=${correct} total=${test.length}`);
  }
  expected.push(`TF DIGEST steps=${sim.totalSteps()} ${sim.digests().state}`);

  it.each(['ram', 'file', 'user'] as StoreKind[])('store %s: no report, and the simulator\'s results', async (store) => {
    const out = join(work, `host-${store}`);
    generateFolder(IR, 'host', out, { store });
    const sources = [
      ...['model', 'runtime', 'driver', 'target'].flatMap((d) => cFiles(join(out, d))),
      ...(store === 'user' ? [join(testDir, 'user_store.c')] : []),
    ];
    const exe = join(out, 'firmware');
    const cc = await execa(
      'gcc',
      [...FLAGS, ...['model', 'runtime', 'target'].map((d) => `-I${join(out, d)}`), ...sources, '-o', exe, '-lm'],
      { reject: false },
    );
    expect(cc.stderr).toBe('');
    expect(cc.exitCode).toBe(0);
    writeJobFiles(out, { job, train: labelledRecords(train), test: labelledRecords(test) });
    const run = await execa(exe, [], { cwd: out, reject: false, env: ENV });
    expect(run.stderr, 'sanitizer report').toBe('');
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/TINYFOA-OK\s*$/);
    expect(run.stdout.split('\n').filter((l) => /^TF (TRAIN|EVAL|DIGEST) /.test(l))).toEqual(expected);
  });
});

describe('random-call harness of the C API under ASan and UBSan', () => {
  it.each([
    ['adam', 1, 50_000],
    ['sgd', 2, 50_000],
  ] as const)('fixture %s, seed %d: %d calls, every status documented, refused calls change nothing', async (fixture, seed, calls) => {
    const exe = join(work, `fuzz_${fixture}`);
    const fixtureDir = join(testDir, 'fixtures', fixture);
    const cc = await execa(
      'gcc',
      [
        ...FLAGS.map((f) => (f === '-O1' ? '-O2' : f)),
        `-I${runtimeDir}`,
        `-I${fixtureDir}`,
        join(testDir, 'fuzz_api.c'),
        join(fixtureDir, 'tf_model.c'),
        ...cFiles(runtimeDir).filter((f) => !f.endsWith('tf_main.c')),
        '-o',
        exe,
      ],
      { reject: false },
    );
    expect(cc.stderr).toBe('');
    expect(cc.exitCode).toBe(0);
    const run = await execa(exe, [String(seed), String(calls)], { reject: false, env: ENV });
    const failures = run.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failures.slice(0, 20), run.stderr).toEqual([]);
    expect(run.stderr, 'sanitizer report').toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
    const stats = /^FUZZ fixture=\S+ seed=(\d+) calls=(\d+) steps=(\d+) (.*)$/m.exec(run.stdout);
    expect(stats, run.stdout.slice(-500)).not.toBeNull();
    expect(Number(stats![2])).toBe(calls);
    // the harness reached every outcome it is meant to provoke
    const seen = new Map(stats![4]!.split(' ').map((kv) => kv.split('=') as [string, string]));
    for (const name of ['TF_OK', 'TF_ERR_NULL', 'TF_ERR_LABEL', 'TF_ERR_STATE', 'TF_ERR_STORE', 'TF_ERR_DESCRIPTOR', 'TF_ERR_NONFINITE']) {
      expect(Number(seen.get(name)), `${name} never returned`).toBeGreaterThan(0);
    }
    if (fixture === 'sgd') expect(Number(seen.get('TF_ERR_INPUT'))).toBeGreaterThan(0); // bits input
  });
});
