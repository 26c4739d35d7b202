/**
 * The Table 1 bench: every algorithm of the TinyFoA paper's Table 1 trained on
 * the same network and data, with the analytic memory per phase beside the
 * test error. Writes table1.json, table1.md, two SVG charts and, when
 * `rsvg-convert` is on PATH, PNG copies of them. The TinyFoA trainer is
 * injected (the reference simulator provides it); the baselines are
 * generator/baselines/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_SETTINGS, trainBaseline, type BaselineAlgorithm } from '../baselines/index.ts';
import type { Dataset } from '../data/types.ts';
import { DEFAULT_DECAY_STEPS, decayText, type ModelIR, type OptimizerIR } from '../ir/ir.ts';
import { networkIR, paperNetworkIR } from '../ir/network.ts';
import { PAPER_TABLE1_MEMORY_MB, TABLE1_ALGORITHMS, analyticMemory, toMB } from '../memory/analytic.ts';
import type { Algorithm, BlockSchedule, InputScale } from '../model/api.ts';
import { BadInputError } from '../errors.ts';
import { lineChart, logScatter, type Series } from './svg.ts';

/** An earlier report given to keep rows from does not match this run. */
export class Table1KeepError extends BadInputError {}

export interface TrainResult {
  /** Final test error, a fraction in [0, 1]. */
  testError: number;
  /** Test error after each epoch, fractions in [0, 1]. */
  perEpochError: number[];
  seconds: number;
}

export interface TinyFoATrainOptions {
  limitTrain?: number;
  limitTest?: number;
  /** Epochs are counted across layers (layer 0's epochs, then layer 1's, …), 1-based. */
  onEpoch?: (epoch: number, testError: number) => void;
}

export type TinyFoATrainer = (ir: ModelIR, data: Dataset, opts: TinyFoATrainOptions) => Promise<TrainResult>;

/**
 * What trains the TinyFoA row: the reference simulator (TypeScript) or the native host build
 * of the C runtime through the device runner; bit-exact with each other by the contract.
 */
export type Table1Engine = 'simulator' | 'native';
export const TABLE1_ENGINES: readonly Table1Engine[] = ['simulator', 'native'];

export interface Table1Settings {
  /** Hidden layer widths (the input width is the data set's). */
  units: number[];
  /** M for TinyFoA (and the memory of its blocks). */
  slices: number;
  /** Epochs of every baseline; TinyFoA trains each layer for this many epochs (as the authors' code does). */
  epochs: number;
  /** The first n training samples; undefined: all of them (`--train-samples all`). */
  limitTrain?: number;
  /** The first n test samples; undefined: all of them. */
  limitTest?: number;
  seed: number;
  /** TinyFoA's training fields in the IR. */
  tinyfoa: {
    optimizer: OptimizerIR;
    batchSize: number;
    blockSchedule: BlockSchedule;
    inputScale: InputScale;
    /** training.decaySteps (§8.10); undefined: the model default (DEFAULT_DECAY_STEPS). */
    decaySteps?: number;
  };
}

/** Quick mode: a small network on a subset; all seven rows in about 1.5 minutes on one core. */
export const TABLE1_QUICK: Readonly<Table1Settings> = {
  units: [128, 128, 128],
  slices: 2,
  epochs: 4,
  limitTrain: 4000,
  limitTest: 1000,
  seed: 1,
  tinyfoa: { optimizer: { kind: 'sgd', learningRate: 0.02 }, batchSize: 1, blockSchedule: 'cyclic', inputScale: 'fixed' },
};

/**
 * Full mode: the paper's depth (three hidden layers) at width 512 instead of
 * 2000, up to 10,000 training and 2,000 test samples (`--train-samples` /
 * `--test-samples` choose others), 8 epochs — within about 40 minutes per data
 * set on one core (docs/baselines.md). TinyFoA trains every block at every step
 * (`all`): on the MNIST split 7.25% error against 8.70% with `cyclic`, one
 * setting for every data set (the record of what was tried: docs/baselines.md).
 */
export const TABLE1_FULL: Readonly<Table1Settings> = {
  units: [512, 512, 512],
  slices: 2,
  epochs: 8,
  limitTrain: 10_000,
  limitTest: 2_000,
  seed: 1,
  tinyfoa: { optimizer: { kind: 'sgd', learningRate: 0.02 }, batchSize: 1, blockSchedule: 'all', inputScale: 'fixed' },
};

export const ALGORITHM_LABELS: Readonly<Record<Algorithm, string>> = {
  pepita: 'PEPITA',
  'pepita-bw-ba': 'PEPITA+BW+BA',
  ff: 'FF',
  'ff-bw-ba': 'FF+BW+BA',
  bp: 'BP',
  'bp-bw-ba': 'BP+BW+BA',
  tinyfoa: 'TinyFoA',
};

/** The paper's Table 1 test errors (%), FC networks (design.md §2). */
export const PAPER_TABLE1_ERROR: Readonly<Record<'MNIST' | 'CIFAR-10', Readonly<Record<Algorithm, number>>>> = {
  MNIST: { pepita: 5.02, 'pepita-bw-ba': 89.94, ff: 1.46, 'ff-bw-ba': 90.47, bp: 1.33, 'bp-bw-ba': 3.11, tinyfoa: 2.1 },
  'CIFAR-10': { pepita: 52.09, 'pepita-bw-ba': 90.0, ff: 47.38, 'ff-bw-ba': 90.0, bp: 43.62, 'bp-bw-ba': 54.44, tinyfoa: 50.38 },
};

/** Which of the paper's data sets a data set name refers to, if any. */
export function paperDatasetFor(name: string): 'MNIST' | 'CIFAR-10' | null {
  const n = name.toLowerCase();
  if (n.includes('fashion')) return null;
  if (n === 'mnist' || n.startsWith('mnist')) return 'MNIST';
  if (n.includes('cifar10') || n.includes('cifar-10')) return 'CIFAR-10';
  return null;
}

export interface MemoryMB {
  forward: number;
  gradient: number;
  update: number;
}

export interface Table1Row {
  algorithm: Algorithm;
  label: string;
  /** Final test error, %. */
  errorPercent: number;
  /** Test error after each epoch, %. */
  perEpochErrorPercent: number[];
  seconds: number;
  /** Analytic memory of the network trained here (MB = 10^6 bytes). */
  memoryMB: MemoryMB;
  /** Analytic memory of the paper's network (3 × 2000×2000, M = 2). */
  paperNetworkMemoryMB: MemoryMB;
  /** The paper's published memory figures, where known. */
  paperMemoryMB: MemoryMB | null;
  /** The paper's published error on the matching data set, where there is one. */
  paperErrorPercent: number | null;
  settings: Record<string, unknown>;
  /** The row comes from an earlier run of the same table (RunTable1Options.keep). */
  kept?: boolean;
}

export interface Table1Report {
  dataset: {
    name: string;
    provenance: string;
    trainSamples: number;
    testSamples: number;
    /** Samples the data set's splits hold (trainSamples / testSamples are the first of them). */
    trainAvailable?: number;
    testAvailable?: number;
    paperDataset: string | null;
  };
  mode: 'quick' | 'full';
  /** What trained the TinyFoA row of this run (kept rows keep theirs in their settings). */
  engine?: string;
  settings: Table1Settings;
  network: { features: number; units: number[]; classes: number; slices: number };
  rows: Table1Row[];
  /** Files written, relative to outDir. */
  outputs: string[];
  /** Why PNG files are missing, when they are. */
  pngNote: string | null;
  seconds: number;
}

export interface RunTable1Options {
  data: Dataset;
  quick: boolean;
  outDir: string;
  trainTinyFoA: TinyFoATrainer;
  /** The name of trainTinyFoA's engine, recorded in the report and the TinyFoA row (default 'simulator'). */
  engine?: string;
  onRow?: (name: string, index: number, total: number) => void;
  /** Called after every epoch of every row (epoch is 1-based, testError a fraction). */
  onEpoch?: (name: string, epoch: number, testError: number) => void;
  /** Overrides of the mode's settings (e.g. to shrink the quick mode further in tests). */
  settings?: Partial<Table1Settings>;
  /** Rows to run, default all seven in the paper's order. */
  algorithms?: Algorithm[];
  /**
   * An earlier report of the same data set, mode and network (the table1.json of the output
   * folder): its rows that are not run now are kept, in the paper's order, marked `kept`.
   */
  keep?: Table1Report;
  /** Convert the SVG charts to PNG with rsvg-convert when it is on PATH (default true). */
  png?: boolean;
}

const round = (v: number, d: number): number => Number(v.toFixed(d));

function memMB(ir: ModelIR, a: Algorithm, digits: number): MemoryMB {
  const m = analyticMemory(ir, a);
  return { forward: round(toMB(m.forward), digits), gradient: round(toMB(m.gradient), digits), update: round(toMB(m.update), digits) };
}

/** MB for a table cell: 2 decimals from 1 MB up, 3 significant digits below. */
export function formatMB(v: number): string {
  if (v >= 1) return v.toFixed(2);
  if (v === 0) return '0';
  return v.toPrecision(3);
}

export async function runTable1(opts: RunTable1Options): Promise<Table1Report> {
  const t0 = performance.now();
  const { data } = opts;
  const settings: Table1Settings = { ...(opts.quick ? TABLE1_QUICK : TABLE1_FULL), ...opts.settings };
  const algorithms = opts.algorithms ?? [...TABLE1_ALGORITHMS];
  const classes = Math.max(data.classes, 2);
  const ir = networkIR(
    data.features,
    settings.units,
    classes,
    settings.slices,
    {
      optimizer: settings.tinyfoa.optimizer,
      batchSize: settings.tinyfoa.batchSize,
      blockSchedule: settings.tinyfoa.blockSchedule,
      inputScale: settings.tinyfoa.inputScale,
      ...(settings.tinyfoa.decaySteps !== undefined ? { decaySteps: settings.tinyfoa.decaySteps } : {}),
      epochsPerLayer: settings.epochs,
      seed: settings.seed,
    },
    `table1_${opts.quick ? 'quick' : 'full'}`,
  );
  const paperIR = paperNetworkIR();
  const paperDataset = paperDatasetFor(data.name);
  const trainSamples = Math.min(settings.limitTrain ?? data.train.count, data.train.count);
  const testSamples = Math.min(settings.limitTest ?? data.test.count, data.test.count);
  const rows: Table1Row[] = [];
  const kept = keptRows(opts.keep, data.name, settings, algorithms, trainSamples, testSamples);
  for (let index = 0; index < algorithms.length; index++) {
    const algorithm = algorithms[index]!;
    const label = ALGORITHM_LABELS[algorithm];
    opts.onRow?.(label, index, algorithms.length);
    const onEpoch = (epoch: number, err: number): void => opts.onEpoch?.(label, epoch, err);
    let result: TrainResult;
    let rowSettings: Record<string, unknown>;
    if (algorithm === 'tinyfoa') {
      const tinyIR: ModelIR = { ...ir, training: { ...ir.training, algorithm: 'tinyfoa' } };
      result = await opts.trainTinyFoA(tinyIR, data, { limitTrain: settings.limitTrain, limitTest: settings.limitTest, onEpoch });
      rowSettings = {
        ...tinyIR.training,
        epochsPerLayer: settings.epochs,
        engine: opts.engine ?? 'simulator',
        note: 'each layer trained for `epochs` epochs, layer after layer',
      };
    } else {
      const baseline = algorithm as BaselineAlgorithm;
      result = trainBaseline({ ...ir, training: { ...ir.training, algorithm: baseline } }, baseline, data, {
        epochs: settings.epochs,
        limitTrain: settings.limitTrain,
        limitTest: settings.limitTest,
        seed: settings.seed,
        onEpoch,
      });
      rowSettings = { ...BASELINE_SETTINGS[baseline], epochs: settings.epochs, seed: settings.seed };
      if (baseline === 'bp-bw-ba') rowSettings.gradientGate = ir.training.gradientGate;
    }
    const published = PAPER_TABLE1_MEMORY_MB[algorithm];
    rows.push({
      algorithm,
      label,
      errorPercent: round(result.testError * 100, 2),
      perEpochErrorPercent: result.perEpochError.map((e) => round(e * 100, 2)),
      seconds: round(result.seconds, 2),
      memoryMB: memMB(ir, algorithm, 6),
      paperNetworkMemoryMB: memMB(paperIR, algorithm, 2),
      paperMemoryMB: published ? { ...published } : null,
      paperErrorPercent: paperDataset ? PAPER_TABLE1_ERROR[paperDataset][algorithm] : null,
      settings: rowSettings,
    });
  }

  rows.push(...kept);
  const order = TABLE1_ALGORITHMS as readonly Algorithm[];
  rows.sort((a, b) => order.indexOf(a.algorithm) - order.indexOf(b.algorithm));

  mkdirSync(opts.outDir, { recursive: true });
  const outputs: string[] = [];
  const network = { features: data.features, units: settings.units, classes, slices: settings.slices };
  const report: Table1Report = {
    dataset: {
      name: data.name,
      provenance: data.provenance,
      trainSamples,
      testSamples,
      trainAvailable: data.train.count,
      testAvailable: data.test.count,
      paperDataset,
    },
    mode: opts.quick ? 'quick' : 'full',
    engine: opts.engine ?? 'simulator',
    settings,
    network,
    rows,
    outputs,
    pngNote: null,
    seconds: 0,
  };

  const netText = `${data.features} → ${settings.units.join(' → ')} (${classes} classes), M = ${settings.slices}`;
  const dataText = `${data.name}: ${trainSamples} train / ${testSamples} test samples`;
  const svgs: [string, string][] = [
    [
      'table1-error-per-epoch.svg',
      lineChart(
        rows.map((r) => ({ name: r.label, points: r.perEpochErrorPercent.map((e, k): [number, number] => [k + 1, e]) })),
        {
          title: `Test error per epoch — ${data.name}`,
          subtitle: `${netText}; ${dataText}. TinyFoA's epochs run layer after layer (${settings.units.length} × ${settings.epochs}).`,
          xLabel: 'epoch',
          yLabel: 'test error (%)',
        },
        { yMax: 100 },
      ),
    ],
    [
      'table1-error-vs-memory.svg',
      logScatter(
        rows.map((r): Series => ({ name: r.label, points: [[r.memoryMB.update, r.errorPercent]] })),
        {
          title: `Test error against update-phase memory — ${data.name}`,
          subtitle: `${netText}; ${dataText}; analytic memory of this network.`,
          xLabel: 'update-phase memory (MB, log scale)',
          yLabel: 'test error (%)',
        },
        { yMax: 100 },
      ),
    ],
  ];
  for (const [name, svg] of svgs) {
    writeFileSync(join(opts.outDir, name), svg);
    outputs.push(name);
  }
  if (opts.png ?? true) {
    const probe = spawnSync('rsvg-convert', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      report.pngNote =
        'rsvg-convert was not found on PATH, so no PNG files were written; the SVG charts are complete on their own ' +
        '(install the Debian package librsvg2-bin to get PNG copies).';
    } else {
      for (const [name] of svgs) {
        const png = name.replace(/\.svg$/, '.png');
        const r = spawnSync('rsvg-convert', ['--format', 'png', '--output', join(opts.outDir, png), join(opts.outDir, name)], {
          encoding: 'utf8',
        });
        if (r.status === 0) outputs.push(png);
        else report.pngNote = `rsvg-convert failed on ${name}: ${(r.stderr || String(r.error)).trim()}`;
      }
    }
  } else {
    report.pngNote = 'PNG conversion was turned off.';
  }
  outputs.push('table1.md', 'table1.json');
  report.seconds = round((performance.now() - t0) / 1000, 2);
  writeFileSync(join(opts.outDir, 'table1.md'), table1Markdown(report));
  writeFileSync(join(opts.outDir, 'table1.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/**
 * Table1Settings without TinyFoA's own fields and the sample limits: with the sample counts
 * actually used (compared apart, so that a limit above the split's size equals 'all'), what the
 * baselines' rows depend on.
 */
function baselineSettings(s: Table1Settings): string {
  const { tinyfoa: _tinyfoa, limitTrain: _train, limitTest: _test, ...rest } = s;
  return JSON.stringify(rest);
}

/**
 * The rows of an earlier report that are not run now. The earlier report must be of the same
 * data set and of the same baseline settings (network, epochs, samples, seed), else a kept row
 * would not be comparable with the new ones.
 */
function keptRows(
  keep: Table1Report | undefined,
  dataName: string,
  settings: Table1Settings,
  running: Algorithm[],
  trainSamples: number,
  testSamples: number,
): Table1Row[] {
  if (!keep) return [];
  if (keep.dataset.trainSamples !== trainSamples || keep.dataset.testSamples !== testSamples) {
    throw new Table1KeepError(
      `the earlier Table 1 report used ${keep.dataset.trainSamples} training / ${keep.dataset.testSamples} test samples, this run uses ` +
        `${trainSamples} / ${testSamples}: pass the earlier run's --train-samples and --test-samples, run every row (leave out --only) ` +
        'or use another output folder',
    );
  }
  if (keep.dataset.name !== dataName || baselineSettings(keep.settings) !== baselineSettings(settings)) {
    throw new Table1KeepError(
      `the earlier Table 1 report is of ${keep.dataset.name} with ${baselineSettings(keep.settings)}, this run is of ${dataName} with ` +
        `${baselineSettings(settings)}: run every row (leave out --only) or use the output folder of a matching run`,
    );
  }
  return keep.rows.filter((r) => !running.includes(r.algorithm)).map((r) => ({ ...r, kept: true }));
}

/** The Markdown report: a table shaped like the paper's Table 1, then this run's details. */
export function table1Markdown(r: Table1Report): string {
  const L: string[] = [];
  const paperCol = r.dataset.paperDataset ? `paper error % (${r.dataset.paperDataset})` : 'paper error %';
  L.push(`# Table 1 — ${r.dataset.name} (${r.mode} mode)`, '');
  const samples = (used: number, available: number | undefined, what: string): string =>
    available === undefined ? `${used} ${what}` : used === available ? `all ${used} ${what}` : `the first ${used} of ${available} ${what}`;
  // TinyFoA's settings and engine as its row records them (a kept row keeps its own).
  const tinyRow = r.rows.find((row) => row.algorithm === 'tinyfoa');
  const t = (tinyRow?.settings ?? r.settings.tinyfoa) as Table1Settings['tinyfoa'] & { engine?: string };
  const engine = tinyRow ? (t.engine ?? 'simulator') : null;
  const step = `${t.optimizer.kind === 'sgd' ? 'SGD' : 'Adam'} ${t.optimizer.learningRate}`;
  L.push(
    `Network trained here: ${r.network.features} → ${r.network.units.join(' → ')} → ${r.network.classes} classes, M = ${r.network.slices}; ` +
      `${samples(r.dataset.trainSamples, r.dataset.trainAvailable, 'training')} and ${samples(r.dataset.testSamples, r.dataset.testAvailable, 'test')} samples; ` +
      `${r.settings.epochs} epochs (TinyFoA: ${r.settings.epochs} epochs per layer). ` +
      `TinyFoA: ${step}, batch ${t.batchSize}, schedule ${typeof t.blockSchedule === 'string' ? t.blockSchedule : JSON.stringify(t.blockSchedule)}, ` +
      `inputScale '${t.inputScale}', ${decayText(t.decaySteps ?? DEFAULT_DECAY_STEPS)}${engine ? `, trained on the ${engine === 'native' ? 'native host build of the C runtime' : engine}` : ''}. ` +
      `Data: ${r.dataset.provenance}`,
    '',
  );
  L.push(
    "Memory columns are the analytic per-phase memory (docs/memory.md) of the paper's network " +
      '(3 weight matrices of 2000×2000, M = 2, fp32 = 4 B, binary = 1 bit, batch 1, MB = 10^6 B), as in the paper.',
    '',
  );
  L.push(`| Method | error % (ours) | ${paperCol} | forward MB | gradient MB | update MB |`);
  L.push('|---|---:|---:|---:|---:|---:|');
  // Every algorithm in the paper's order; one this table did not run says so.
  const notRun = (TABLE1_ALGORITHMS as readonly Algorithm[]).filter((a) => !r.rows.some((row) => row.algorithm === a));
  for (const a of TABLE1_ALGORITHMS as readonly Algorithm[]) {
    const row = r.rows.find((x) => x.algorithm === a);
    if (!row) {
      const paper = r.dataset.paperDataset ? PAPER_TABLE1_ERROR[r.dataset.paperDataset as 'MNIST' | 'CIFAR-10'][a].toFixed(2) : '—';
      L.push(`| ${ALGORITHM_LABELS[a]} | not run on this split | ${paper} | — | — | — |`);
      continue;
    }
    const m = row.paperNetworkMemoryMB;
    const p = row.paperMemoryMB;
    const cell = (ours: number, paper: number | undefined): string =>
      paper === undefined ? ours.toFixed(2) : `${ours.toFixed(2)} (paper ${paper.toFixed(2)})`;
    L.push(
      `| ${row.label} | ${row.errorPercent.toFixed(2)} | ${row.paperErrorPercent === null ? '—' : row.paperErrorPercent.toFixed(2)} | ` +
        `${cell(m.forward, p?.forward)} | ${cell(m.gradient, p?.gradient)} | ${cell(m.update, p?.update)} |`,
    );
  }
  L.push('');
  if (notRun.length) {
    L.push(`Not run on this split (no result, not a number from another run): ${notRun.map((a) => ALGORITHM_LABELS[a]).join(', ')}.`, '');
  }
  if (!r.dataset.paperDataset) L.push(`The paper reports no results on ${r.dataset.name}.`, '');
  L.push('## This run', '');
  L.push('| Method | error % | forward MB | gradient MB | update MB | seconds | error % per epoch |');
  L.push('|---|---:|---:|---:|---:|---:|---|');
  for (const row of r.rows) {
    const m = row.memoryMB;
    L.push(
      `| ${row.label}${row.kept ? ' †' : ''} | ${row.errorPercent.toFixed(2)} | ${formatMB(m.forward)} | ${formatMB(m.gradient)} | ${formatMB(m.update)} | ` +
        `${row.seconds.toFixed(1)} | ${row.perEpochErrorPercent.map((e) => e.toFixed(1)).join(', ')} |`,
    );
  }
  L.push('');
  L.push(`Memory here is that of the network trained in this run. Total time: ${r.seconds.toFixed(1)} s.`, '');
  if (r.rows.some((row) => row.kept)) {
    L.push('† kept from the earlier run of this table with the same data, network, epochs and samples (`bench table1 --only`); not rerun, and not in the total time.', '');
  }
  L.push('Charts: ' + r.outputs.filter((o) => o.endsWith('.svg') || o.endsWith('.png')).map((o) => `[${o}](${o})`).join(', '));
  if (r.pngNote) L.push('', `Note: ${r.pngNote}`);
  L.push('');
  return L.join('\n');
}
