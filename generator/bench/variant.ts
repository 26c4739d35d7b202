/**
 * The authors' variant bench: tinyfoa's defaults, the algorithm authors' variant (their M = 2
 * block schedule, gate, classifier, bias handling and optimizer) and each single change from
 * the defaults, trained by the reference simulator on the same network, data and epochs. Each
 * row reports the test accuracy of every layer, the planned RAM (working set and weight store,
 * cortex-m4, RAM store) and the weight-store bytes one update step writes. Writes variant.json
 * and variant.md.
 */
import { scheduleWrites } from '../memory/store-writes.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import { networkIR } from '../ir/network.ts';
import type { ModelIR } from '../ir/ir.ts';
import { assertNever } from '../errors.ts';
import { plan } from '../plan/plan.ts';
import { simulate } from '../sim/train.ts';
import { getTarget } from '../../targets/targets.ts';

export interface VariantSettings {
  units: number[];
  slices: number;
  epochsPerLayer: number;
  limitTrain: number;
  limitTest: number;
  seed: number;
}

/**
 * Two layers of 128 units, M = 2, 4,000 training / 1,000 test samples, 2 epochs per layer: the
 * ten rows of both data sets pooled to 14×14 (`mnist@pool2`) take about ten minutes of one core.
 * The Adam rows dominate: the simulator's Adam step costs several of its SGD steps.
 */
export const VARIANT_DEFAULT: Readonly<VariantSettings> = {
  units: [128, 128],
  slices: 2,
  epochsPerLayer: 2,
  limitTrain: 4000,
  limitTest: 1000,
  seed: 1,
};

/** tinyfoa's defaults as the Table 1 bench trains them: SGD 0.01, batch 1, cyclic, symmetric gate, sign classifier, zero bias. */
const DEFAULTS: Partial<ModelIR['training']> = {
  optimizer: { kind: 'sgd', learningRate: 0.01 },
  batchSize: 1,
  blockSchedule: 'cyclic',
  gradientGate: 'symmetric',
};

/** The authors' optimizer at batch 1 (their batch of 100 needs the cyclic schedule here). */
const AUTHORS_ADAM: ModelIR['training']['optimizer'] = { kind: 'adam', learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export type VariantRowName =
  | 'tinyfoa defaults'
  | "+ schedule 'freeze-diagonal'"
  | "+ schedule 'all' (for comparison)"
  | "+ gate 'relu'"
  | "+ classifier 'he-normal'"
  | "+ bias init 'uniform'"
  | '+ bias clamp'
  | '+ Adam 1e-4'
  | "authors' variant, tinyfoa's SGD"
  | "authors' variant";

export const VARIANT_ROWS: readonly VariantRowName[] = [
  'tinyfoa defaults',
  "+ schedule 'freeze-diagonal'",
  "+ schedule 'all' (for comparison)",
  "+ gate 'relu'",
  "+ classifier 'he-normal'",
  "+ bias init 'uniform'",
  '+ bias clamp',
  '+ Adam 1e-4',
  "authors' variant, tinyfoa's SGD",
  "authors' variant",
];

/** The training fields of a row: the defaults with that row's changes. */
export function rowTraining(row: VariantRowName, samplesPerEpoch: number): Partial<ModelIR['training']> {
  const freeze = { blockSchedule: 'freeze-diagonal' as const, samplesPerEpoch };
  const authorsNoOptimizer = {
    ...freeze,
    gradientGate: 'relu' as const,
    classifier: 'he-normal' as const,
    bias: { init: 'uniform' as const, clamp: true },
  };
  switch (row) {
    case 'tinyfoa defaults':
      return DEFAULTS;
    case "+ schedule 'freeze-diagonal'":
      return { ...DEFAULTS, ...freeze };
    case "+ schedule 'all' (for comparison)":
      return { ...DEFAULTS, blockSchedule: 'all' };
    case "+ gate 'relu'":
      return { ...DEFAULTS, gradientGate: 'relu' };
    case "+ classifier 'he-normal'":
      return { ...DEFAULTS, classifier: 'he-normal' };
    case "+ bias init 'uniform'":
      return { ...DEFAULTS, bias: { init: 'uniform', clamp: false } };
    case '+ bias clamp':
      return { ...DEFAULTS, bias: { init: 'zero', clamp: true } };
    case '+ Adam 1e-4':
      return { ...DEFAULTS, optimizer: AUTHORS_ADAM };
    case "authors' variant, tinyfoa's SGD":
      return { ...DEFAULTS, ...authorsNoOptimizer };
    case "authors' variant":
      return { ...DEFAULTS, ...authorsNoOptimizer, optimizer: AUTHORS_ADAM };
    default:
      return assertNever(row);
  }
}

export interface VariantRow {
  name: VariantRowName;
  training: Partial<ModelIR['training']>;
  /** Test accuracy of each layer's classifier after its epochs, fractions. */
  perLayer: number[];
  /** Planned static RAM without the store (cortex-m4, RAM store), bytes. */
  sramWorkingSet: number;
  /** Of which the local classifiers, bytes. */
  classifierBytes: number;
  /** Weight store, bytes. */
  storeBytes: number;
  /** Weight-store bytes one update step writes (blocks, bias record, meta record), averaged over the schedule's cycle. */
  storeBytesPerStep: number;
  /** Block records one update step writes. */
  blocksPerStep: number;
  digest: string;
  seconds: number;
}

export interface VariantReport {
  data: string;
  features: number;
  settings: VariantSettings;
  trainSamples: number;
  testSamples: number;
  rows: VariantRow[];
}

/** Store bytes and block records a step writes, averaged over the schedule (§8.9, docs/store.md records; scheduleWrites). */
function storeWrites(ir: ModelIR, recordFloats: number[], recordsPerLayer: number): { bytes: number; blocks: number } {
  const m2 = ir.training.slices ** 2;
  // Layer 0's records (the layer widths here make every layer's blocks the same size or close).
  const rec = recordFloats.slice(0, recordsPerLayer);
  const sw = scheduleWrites(ir);
  let bytes = sw.commitRate * (rec[m2]! + rec[m2 + 1]!) * 4;
  let blocks = 0;
  for (let k = 0; k < m2; k++) {
    bytes += sw.blockRate(k) * rec[k]! * 4;
    blocks += sw.blockRate(k);
  }
  return { bytes, blocks };
}

export function runVariant(opts: {
  data: Dataset;
  settings?: VariantSettings;
  outDir?: string;
  onRow?: (name: string, index: number, total: number) => void;
}): VariantReport {
  const s = opts.settings ?? VARIANT_DEFAULT;
  const data = opts.data;
  const trainSamples = Math.min(s.limitTrain, data.train.count);
  const testSamples = Math.min(s.limitTest, data.test.count);
  const target = getTarget('cortex-m4');
  const rows: VariantRow[] = [];
  VARIANT_ROWS.forEach((name, i) => {
    opts.onRow?.(name, i, VARIANT_ROWS.length);
    const training = { ...rowTraining(name, trainSamples), epochsPerLayer: s.epochsPerLayer, seed: s.seed };
    const ir = networkIR(data.features, s.units, data.classes, s.slices, training, 'variant');
    const p = plan(ir, target);
    const r = simulate(ir, data, { limitTrain: s.limitTrain, limitTest: s.limitTest });
    const writes = storeWrites(ir, p.recordFloats, p.recordsPerLayer);
    rows.push({
      name,
      training,
      perLayer: r.perLayer.map((l) => l.accuracy),
      sramWorkingSet: p.memory.workingSet,
      classifierBytes: p.memory.parts.filter((q) => q.name.includes('classifier')).reduce((a, q) => a + q.bytes, 0),
      storeBytes: p.memory.store,
      storeBytesPerStep: writes.bytes,
      blocksPerStep: writes.blocks,
      digest: r.digest,
      seconds: r.seconds,
    });
  });
  const report: VariantReport = { data: data.name, features: data.features, settings: { ...s }, trainSamples, testSamples, rows };
  if (opts.outDir) {
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, 'variant.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(opts.outDir, 'variant.md'), `${variantMarkdown(report)}\n`);
  }
  return report;
}

export function variantMarkdown(r: VariantReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const layers = r.settings.units.map((_, l) => `layer ${l}`);
  const base = r.rows[0]!;
  const head = `| row | ${layers.join(' | ')} | Δ last layer | SRAM (classifiers) | store | store bytes / step (blocks) |`;
  const rule = `|---|${layers.map(() => '---|').join('')}---|---|---|---|`;
  const body = r.rows.map((row) => {
    const last = row.perLayer[row.perLayer.length - 1]!;
    const d = (last - base.perLayer[base.perLayer.length - 1]!) * 100;
    const delta = row === base ? '—' : `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
    return `| ${row.name} | ${row.perLayer.map(pct).join(' | ')} | ${delta} | ${kb(row.sramWorkingSet)} (${kb(row.classifierBytes)}) | ${kb(row.storeBytes)} | ${Math.round(row.storeBytesPerStep).toLocaleString('en-US')} (${row.blocksPerStep}) |`;
  });
  return [
    `${r.data}: ${[r.features, ...r.settings.units].join('→')}, M = ${r.settings.slices}, ${r.trainSamples} training / ${r.testSamples} test samples, ${r.settings.epochsPerLayer} epochs per layer, seed ${r.settings.seed}; test accuracy per layer; RAM planned for cortex-m4 with the store in RAM`,
    '',
    head,
    rule,
    ...body,
  ].join('\n');
}
