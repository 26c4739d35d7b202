/**
 * The depth × width sweep: one learning step, every depth of 1 to 4 hidden layers and every
 * width of 128 to 1024 units, on each data set; per-layer test accuracy, and whether any later
 * layer falls more than a point below the first. Trains on the native host build (gcc, the same
 * C runtime as the firmware, bit-exact with the simulator by the project's tests), because it is
 * about ten times faster than the simulator.
 *
 * One run of a 4-layer model per width gives every depth: layers are trained in order and
 * earlier layers are frozen (docs/semantics.md §10), and streams 1, 2 and 3 are consumed layer
 * by layer (§4, §5, §10), so the first d layers of the 4-layer model are, bit for bit, the
 * d-layer model of the same width and seed, and layer d−1's accuracy is that model's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import { DEFAULT_DECAY_STEPS, decayText, type ModelIR, type OptimizerIR } from '../ir/ir.ts';
import { networkIR } from '../ir/network.ts';
import type { InputScale } from '../model/api.ts';
import { lineChart, type Series } from './svg.ts';

export interface SweepSettings {
  depth: number;
  widths: number[];
  slices: number;
  epochsPerLayer: number;
  limitTrain: number;
  limitTest: number;
  seed: number;
  optimizer: OptimizerIR;
  inputScale: InputScale;
  /** training.decaySteps of every run (§8.10); 0: a constant step. */
  decaySteps: number;
  /** A later layer may fall at most this many points below layer 0. */
  tolerancePoints: number;
}

/**
 * The sweep: 4,000 training samples, 3 epochs per layer, SGD 0.02, tested on up to 10,000 test
 * samples — every test sample of both data sets (MNIST's split has 2,004). A point is the
 * tolerance, so the test set must be large: at 77% accuracy one test of 1,000 samples has a
 * standard error of 1.3 points, one of 10,000 of 0.4.
 */
export const SWEEP_DEFAULT: Readonly<SweepSettings> = {
  depth: 4,
  widths: [128, 256, 512, 1024],
  slices: 2,
  epochsPerLayer: 3,
  limitTrain: 4000,
  limitTest: 10_000,
  seed: 1,
  optimizer: { kind: 'sgd', learningRate: 0.02 },
  inputScale: 'fixed',
  decaySteps: DEFAULT_DECAY_STEPS,
  tolerancePoints: 1,
};

export interface SweepRun {
  data: string;
  width: number;
  /** Test accuracy (%) of layer 0..depth−1, each measured right after that layer trained. */
  accuracyPercent: number[];
  /** Largest drop (points) of a later layer below layer 0; ≤ 0 when no layer falls below it. */
  worstDropPoints: number;
  /** Test samples the accuracies count (the data set's test split, at most settings.limitTest). */
  testSamples: number;
  seconds: number;
}

export interface SweepReport {
  settings: SweepSettings;
  engine: string;
  runs: SweepRun[];
  /** Every run within the tolerance. */
  passed: boolean;
  seconds: number;
}

/** Trains `ir` on `data` and returns the per-layer test accuracies (fractions). */
export type SweepTrainer = (ir: ModelIR, data: Dataset, o: { epochsPerLayer: number; limitTrain: number; limitTest: number; work: string }) => Promise<number[]>;

/** The native host build through the device runner (docs/runtime.md), in a scratch folder. */
export const hostTrainer: SweepTrainer = async (ir, data, o) => {
  const { runOnDevice } = await import('../firmware/train.ts');
  const r = await runOnDevice(ir, data, {
    target: 'host',
    outDir: join(o.work, ir.name),
    epochsPerLayer: o.epochsPerLayer,
    limitTrain: o.limitTrain,
    limitTest: o.limitTest,
    timeoutMs: 3_600_000,
  });
  return r.perLayer.map((p) => p.accuracy);
};

export function sweepIR(data: Dataset, width: number, s: SweepSettings): ModelIR {
  return networkIR(
    data.features,
    Array.from({ length: s.depth }, () => width),
    data.classes,
    s.slices,
    { optimizer: s.optimizer, epochsPerLayer: s.epochsPerLayer, seed: s.seed, inputScale: s.inputScale, decaySteps: s.decaySteps },
    `sweep_${width}`,
  );
}

export async function runSweep(opts: {
  datasets: Dataset[];
  settings: SweepSettings;
  outDir: string;
  trainer?: SweepTrainer;
  onRun?: (what: string, index: number, total: number) => void;
}): Promise<SweepReport> {
  const s = opts.settings;
  const trainer = opts.trainer ?? hostTrainer;
  const work = mkdtempSync(join(tmpdir(), 'tinyfoa-sweep-'));
  const started = performance.now();
  const runs: SweepRun[] = [];
  const total = opts.datasets.length * s.widths.length;
  try {
    for (const data of opts.datasets) {
      for (const width of s.widths) {
        opts.onRun?.(`${data.name} ${s.depth}×${width}`, runs.length, total);
        const t0 = performance.now();
        const acc = await trainer(sweepIR(data, width, s), data, { epochsPerLayer: s.epochsPerLayer, limitTrain: s.limitTrain, limitTest: s.limitTest, work });
        const pct = acc.map((a) => Math.round(a * 10000) / 100);
        runs.push({
          data: data.name,
          width,
          accuracyPercent: pct,
          testSamples: Math.min(data.test.count, s.limitTest),
          worstDropPoints: Math.max(...pct.slice(1).map((a) => Math.round((pct[0]! - a) * 100) / 100), Number.NEGATIVE_INFINITY),
          seconds: (performance.now() - t0) / 1000,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const report: SweepReport = {
    settings: s,
    engine: opts.trainer ? 'custom' : 'native host build',
    runs,
    passed: runs.every((r) => r.worstDropPoints <= s.tolerancePoints),
    seconds: (performance.now() - started) / 1000,
  };
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, 'sweep.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'sweep.md'), `${sweepMarkdown(report)}\n`);
  writeFileSync(join(opts.outDir, 'sweep.svg'), sweepChart(report));
  return report;
}

function optimizerText(o: OptimizerIR): string {
  return o.kind === 'sgd' ? `SGD ${o.learningRate}` : `Adam ${o.learningRate}`;
}

export function sweepMarkdown(r: SweepReport): string {
  const s = r.settings;
  const layers = Array.from({ length: s.depth }, (_, l) => `layer ${l + 1} %`);
  const lines = [
    `# Depth × width sweep — ${optimizerText(s.optimizer)}, ${decayText(s.decaySteps)}, inputScale '${s.inputScale}'`,
    '',
    `${s.limitTrain} training samples, ${s.epochsPerLayer} epochs per layer, tested on up to ${s.limitTest} test samples (column 'test'), M = ${s.slices}, seed ${s.seed}, ` +
      `${r.engine}. Layer d's accuracy is that of the d-layer model (module comment of generator/bench/sweep.ts).`,
    '',
    `| data | width | test | ${layers.join(' | ')} | worst drop below layer 1 (points) | seconds |`,
    `|---|---:|---:|${layers.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const x of r.runs) {
    lines.push(`| ${x.data} | ${x.width} | ${x.testSamples} | ${x.accuracyPercent.map((a) => a.toFixed(1)).join(' | ')} | ${x.worstDropPoints.toFixed(1)} | ${x.seconds.toFixed(0)} |`);
  }
  lines.push(
    '',
    r.passed
      ? `No later layer falls more than ${s.tolerancePoints} point below the first. Total ${r.seconds.toFixed(0)} s.`
      : `Some later layer falls more than ${s.tolerancePoints} point below the first (the worst-drop column). Total ${r.seconds.toFixed(0)} s.`,
    '',
    'Plot: [sweep.svg](sweep.svg)',
  );
  return lines.join('\n');
}

export function sweepChart(r: SweepReport): string {
  const series: Series[] = r.runs.map((x) => ({ name: `${x.data} ${x.width}`, points: x.accuracyPercent.map((a, l) => [l + 1, a] as [number, number]) }));
  return lineChart(series, {
    title: `Test accuracy per layer — ${optimizerText(r.settings.optimizer)}, ${decayText(r.settings.decaySteps)}, inputScale '${r.settings.inputScale}'`,
    subtitle: `${r.settings.limitTrain} training / up to ${r.settings.limitTest} test samples, ${r.settings.epochsPerLayer} epochs per layer`,
    xLabel: 'layer (= depth of the model)',
    yLabel: 'test accuracy %',
  }, { yMax: 100 });
}
