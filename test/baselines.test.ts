import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_ALGORITHMS, trainBaseline, type BaselineAlgorithm } from '../generator/baselines/index.ts';
import { Rng } from '../generator/baselines/rng.ts';
import { nativeTrainer } from '../generator/bench/native-trainer.ts';
import { simulatorTrainer } from '../generator/bench/simulator-trainer.ts';
import { runTable1, table1Markdown, type Table1Report, type TinyFoATrainer } from '../generator/bench/table1.ts';
import type { Dataset, Split } from '../generator/data/types.ts';
import { networkIR } from '../generator/ir/network.ts';

/**
 * C classes, each a random prototype of u8 features; samples are the prototype
 * plus Gaussian noise (σ in byte units), clamped to 0..255. Labels cycle 0..C−1.
 */
function clusters(classes: number, features: number, nTrain: number, nTest: number, noise: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const protos = Array.from({ length: classes }, () => Array.from({ length: features }, () => rng.uniform() * 255));
  const split = (n: number): Split => {
    const samples = new Uint8Array(n * features);
    const labels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const c = k % classes;
      labels[k] = c;
      for (let i = 0; i < features; i++) {
        samples[k * features + i] = Math.max(0, Math.min(255, Math.round(protos[c]![i]! + noise * rng.normal())));
      }
    }
    return { count: n, samples, labels };
  };
  return { name: 'clusters', features, classes, train: split(nTrain), test: split(nTest), provenance: 'synthetic clusters made by the test' };
}

// 4 classes (chance: 75 % error), 64 features, noise σ = 90 of 255.
const data = clusters(4, 64, 3000, 400, 90, 7);
const ir = networkIR(64, [32, 32], 4, 2);
const EPOCHS = 10;

const results = new Map<BaselineAlgorithm, number>();
function run(a: BaselineAlgorithm): number {
  if (!results.has(a)) results.set(a, trainBaseline(ir, a, data, { epochs: EPOCHS, seed: 1 }).testError);
  return results.get(a)!;
}

describe('baselines learn a separable problem', () => {
  for (const a of ['bp', 'bp-bw-ba', 'ff', 'pepita'] as const) {
    it(`${a}: error well below chance`, () => {
      expect(run(a)).toBeLessThan(0.1);
    });
  }

  // docs/baselines.md: with binary activations FF and PEPITA learn far less than their fp32
  // versions and than BP+BW+BA (the paper: ≈90 % error on MNIST, i.e. chance).
  for (const [bin, fp] of [
    ['ff-bw-ba', 'ff'],
    ['pepita-bw-ba', 'pepita'],
  ] as const) {
    it(`${bin}: far worse than ${fp} and BP+BW+BA on the same problem`, () => {
      const e = run(bin);
      expect(e).toBeGreaterThan(0.12);
      expect(e).toBeGreaterThan(run(fp) + 0.1);
      expect(e).toBeGreaterThan(run('bp-bw-ba') + 0.1);
      expect(e).toBeLessThanOrEqual(0.8);
    });
  }
});

describe('trainBaseline', () => {
  const small = clusters(3, 16, 120, 30, 40, 3);
  const smallIR = networkIR(16, [8], 3, 1);

  it('reports every epoch and honours the limits', () => {
    for (const a of BASELINE_ALGORITHMS) {
      const seen: number[] = [];
      const r = trainBaseline(smallIR, a, small, { epochs: 3, limitTrain: 50, limitTest: 10, seed: 5, onEpoch: (e, err) => seen.push(e, err) });
      expect(r.perEpochError).toHaveLength(3);
      expect(seen.filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3]);
      expect(r.testError).toBe(r.perEpochError[2]);
      for (const e of r.perEpochError) expect(e * 10).toBe(Math.round(e * 10)); // 10 test samples
      expect(r.seconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('is deterministic for a seed', () => {
    for (const a of BASELINE_ALGORITHMS) {
      const x = trainBaseline(smallIR, a, small, { epochs: 2, seed: 9 });
      const y = trainBaseline(smallIR, a, small, { epochs: 2, seed: 9 });
      expect(x.perEpochError).toEqual(y.perEpochError);
    }
  });

  it('rejects a data set of another width', () => {
    expect(() => trainBaseline(networkIR(10, [4], 3, 1), 'bp', small, { epochs: 1 })).toThrow(/features/);
  });

  it('bp trains an epoch of 784-256-256-256 on 8,000 samples in well under a minute', () => {
    const big = clusters(10, 784, 8000, 10, 60, 11);
    const r = trainBaseline(networkIR(784, [256, 256, 256], 10, 2), 'bp', big, { epochs: 1, seed: 1 });
    expect(r.seconds).toBeLessThan(40);
  });
});

describe('Table 1 bench', () => {
  const out = mkdtempSync(join(tmpdir(), 'table1-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes every row, the Markdown table and the charts', async () => {
    const bench = clusters(3, 20, 60, 20, 40, 5);
    const calls: number[] = [];
    const epochsSeen: number[] = [];
    // The real TinyFoA row (the reference simulator), watched on its way through.
    const trainer: TinyFoATrainer = async (tir, d, o) => {
      expect(tir.training.algorithm).toBe('tinyfoa');
      expect(tir.layers.map((l) => l.units)).toEqual([6, 6]);
      expect(d).toBe(bench);
      calls.push(o.limitTrain ?? -1);
      return simulatorTrainer(tir, d, { ...o, onEpoch: (e, err) => (epochsSeen.push(e), o.onEpoch?.(e, err)) });
    };
    const rows: string[] = [];
    const report = await runTable1({
      data: bench,
      quick: true,
      outDir: out,
      trainTinyFoA: trainer,
      onRow: (name, i, total) => rows.push(`${i + 1}/${total} ${name}`),
      settings: { units: [6, 6], epochs: 2, limitTrain: 40, limitTest: 20 },
    });
    expect(calls).toEqual([40]);
    expect(report.rows).toHaveLength(7);
    expect(report.mode).toBe('quick');
    expect(rows).toEqual(['PEPITA', 'PEPITA+BW+BA', 'FF', 'FF+BW+BA', 'BP', 'BP+BW+BA', 'TinyFoA'].map((n, i) => `${i + 1}/7 ${n}`));
    const json = JSON.parse(readFileSync(join(out, 'table1.json'), 'utf8')) as Table1Report;
    expect(json.rows.map((r) => r.algorithm)).toEqual(['pepita', 'pepita-bw-ba', 'ff', 'ff-bw-ba', 'bp', 'bp-bw-ba', 'tinyfoa']);
    for (const r of json.rows) {
      // TinyFoA trains each of its 2 layers for 2 epochs: 4 points; the baselines 2.
      expect(r.perEpochErrorPercent).toHaveLength(r.algorithm === 'tinyfoa' ? 4 : 2);
      expect(r.errorPercent).toBeGreaterThanOrEqual(0);
      expect(r.errorPercent).toBeLessThanOrEqual(100);
      for (const m of [r.memoryMB, r.paperNetworkMemoryMB]) {
        expect(m.forward).toBeGreaterThan(0);
        expect(m.gradient).toBeGreaterThan(0);
        expect(m.update).toBeGreaterThan(0);
      }
      expect(r.paperErrorPercent).toBeNull(); // synthetic data: no paper figures
      expect(r.seconds).toBeGreaterThanOrEqual(0);
      expect(r.settings).toBeTypeOf('object');
    }
    const tiny = json.rows.find((r) => r.algorithm === 'tinyfoa')!;
    expect(epochsSeen).toEqual([1, 2, 3, 4]);
    expect(tiny.errorPercent).toBe(tiny.perEpochErrorPercent[3]);
    expect(tiny.paperNetworkMemoryMB).toEqual({ forward: 0.5, gradient: 4.01, update: 8 });
    expect(tiny.paperMemoryMB).toEqual({ forward: 0.5, gradient: 4.01, update: 8 });
    expect(json.rows.find((r) => r.algorithm === 'bp')!.paperNetworkMemoryMB).toEqual({ forward: 48.06, gradient: 96.06, update: 96.06 });

    const md = readFileSync(join(out, 'table1.md'), 'utf8');
    expect(md).toContain(`| TinyFoA | ${tiny.errorPercent.toFixed(2)} |`);
    expect(md).toContain('48.06 (paper 48.06)');
    for (const svg of ['table1-error-per-epoch.svg', 'table1-error-vs-memory.svg']) {
      const text = readFileSync(join(out, svg), 'utf8');
      expect(text.startsWith('<svg')).toBe(true);
      expect(text).toContain('TinyFoA');
      const png = join(out, svg.replace('.svg', '.png'));
      if (json.pngNote === null) expect(existsSync(png)).toBe(true);
      else expect(existsSync(png)).toBe(false);
    }
    expect(json.outputs).toEqual(expect.arrayContaining(['table1.json', 'table1.md', 'table1-error-per-epoch.svg', 'table1-error-vs-memory.svg']));

    // Only the TinyFoA row again, with another step: the baselines' rows are kept as they were.
    const settings = { units: [6, 6], epochs: 2, limitTrain: 40, limitTest: 20 };
    const again = await runTable1({
      data: bench,
      quick: true,
      outDir: out,
      trainTinyFoA: simulatorTrainer,
      algorithms: ['tinyfoa'],
      keep: json,
      settings: { ...settings, tinyfoa: { optimizer: { kind: 'sgd', learningRate: 0.2 }, batchSize: 1, blockSchedule: 'cyclic', inputScale: 'layer' } },
    });
    expect(again.rows.map((r) => r.algorithm)).toEqual(json.rows.map((r) => r.algorithm));
    for (const r of again.rows.filter((x) => x.algorithm !== 'tinyfoa')) expect(r).toEqual({ ...json.rows.find((x) => x.algorithm === r.algorithm), kept: true });
    expect(again.rows.find((r) => r.algorithm === 'tinyfoa')!.settings).toMatchObject({ inputScale: 'layer' });
    expect(readFileSync(join(out, 'table1.md'), 'utf8')).toContain('| BP † |');
    // Rows of a run with other baseline settings are not kept.
    await expect(runTable1({ data: bench, quick: true, outDir: out, trainTinyFoA: simulatorTrainer, algorithms: ['tinyfoa'], keep: json, settings: { ...settings, epochs: 3 } })).rejects.toThrow(
      /earlier Table 1 report .* \(leave out --only\)/,
    );
    // Nor rows of a run on other samples; a limit above the split's size is the same run as 'all'.
    await expect(
      runTable1({ data: bench, quick: true, outDir: out, trainTinyFoA: simulatorTrainer, algorithms: ['tinyfoa'], keep: json, settings: { ...settings, limitTrain: 50 } }),
    ).rejects.toThrow(/used 40 training \/ 20 test samples, this run uses 50 \/ 20/);
    const allTest = await runTable1({
      data: bench,
      quick: true,
      outDir: out,
      trainTinyFoA: simulatorTrainer,
      algorithms: ['tinyfoa'],
      keep: json,
      settings: { ...settings, limitTest: undefined },
      png: false,
    });
    expect(allTest.dataset).toMatchObject({ trainSamples: 40, testSamples: 20, trainAvailable: 60, testAvailable: 20 });
    expect(readFileSync(join(out, 'table1.md'), 'utf8')).toContain('the first 40 of 60 training and all 20 test samples');
  });

  it('a table of some rows only names the others as not run', async () => {
    const bench = clusters(3, 20, 30, 12, 40, 6);
    const dir = mkdtempSync(join(tmpdir(), 'table1-some-'));
    try {
      const r = await runTable1({ data: bench, quick: true, outDir: dir, trainTinyFoA: simulatorTrainer, algorithms: ['bp', 'tinyfoa'], settings: { units: [4], epochs: 1 }, png: false });
      expect(r.rows.map((x) => x.algorithm)).toEqual(['bp', 'tinyfoa']);
      const md = table1Markdown(r);
      for (const label of ['PEPITA', 'PEPITA+BW+BA', 'FF', 'FF+BW+BA', 'BP+BW+BA']) expect(md).toContain(`| ${label} | not run on this split |`);
      expect(md).not.toContain('| BP | not run');
      expect(md).toContain('Not run on this split (no result, not a number from another run): PEPITA, PEPITA+BW+BA, FF, FF+BW+BA, BP+BW+BA.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the native engine gives the simulator\'s per-epoch errors, bit for bit', async () => {
    const bench = clusters(4, 24, 80, 30, 70, 9);
    for (const training of [
      { optimizer: { kind: 'sgd' as const, learningRate: 0.05 }, blockSchedule: 'cyclic' as const, batchSize: 1 },
      { optimizer: { kind: 'sgd' as const, learningRate: 0.1 }, blockSchedule: 'all' as const, batchSize: 4 },
    ]) {
      const ir = networkIR(24, [8, 6], 4, 2, { ...training, epochsPerLayer: 3, seed: 3 }, 'engines');
      const sim = await simulatorTrainer(ir, bench, { limitTrain: 70 });
      const seen: number[] = [];
      const native = await nativeTrainer(ir, bench, { limitTrain: 70, onEpoch: (e) => seen.push(e) });
      expect(sim.perEpochError).toHaveLength(6);
      expect(native.perEpochError).toEqual(sim.perEpochError);
      expect(native.testError).toBe(sim.testError);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
      // Not a constant: the errors move from epoch to epoch.
      expect(new Set(sim.perEpochError).size).toBeGreaterThan(1);
    }
  }, 120_000);
});
