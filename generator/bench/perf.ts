/**
 * `tinyfoa bench perf`: executed instructions per training sample and per prediction of
 * TinyFoA firmware and of an fp32 backprop network of the same width (baselines-c/bp_fp32.c),
 * side by side on cortex-m3, m4 and m7 in QEMU under `-icount shift=0` (exact counts, one
 * SysTick tick per 40 instructions), and the ratio. Only the runtime's training and prediction
 * calls are counted (the firmware's `TF TICKS` lines), not start-up or reading samples.
 * The full run also times the reference simulator against the native host build on 784-256.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, CheckFailedError } from '../errors.ts';
import type { Dataset } from '../data/types.ts';
import { buildFirmware, runJob } from '../firmware/device.ts';
import { JobBuilder, parseFirmwareOutput, phaseInstructions, recordBytes } from '../firmware/job.ts';
import type { ModelIR } from '../ir/ir.ts';
import { networkIR } from '../ir/network.ts';
import type { BlockSchedule } from '../model/api.ts';
import { parseModelFile } from '../model/parse.ts';
import type { StoreKind } from '../plan/plan.ts';
import { TinyFoaModel } from '../sim/state.ts';
import { prepareSplit } from '../sim/train.ts';
import { compileFirmware } from '../toolchain/compile.ts';
import { runFirmware } from '../toolchain/run.ts';
import { getTarget } from '../../targets/targets.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASELINE_SOURCE = join(root, 'baselines-c', 'bp_fp32.c');
const MNIST_MCU = join(root, 'examples', 'mnist-mcu.ts');

export const PERF_TARGETS = ['cortex-m3', 'cortex-m4', 'cortex-m7'] as const;

/** One TinyFoA configuration of the bench; layer 0 is trained and predicted with. */
export interface PerfCase {
  /** e.g. `784-256 M=2 cyclic`. */
  name: string;
  ir: ModelIR;
  store: StoreKind;
  /** Width of layer 0: the fp32 baseline is 784-hidden-10. */
  hidden: number;
}

export interface PerfSettings {
  targets: readonly string[];
  cases: readonly PerfCase[];
  /** Training samples (the first n of the split, in order) and test samples predicted. */
  trainSamples: number;
  testSamples: number;
  /** Simulator ÷ native host timing; null: not measured. */
  speed: { units: number; schedule: BlockSchedule; samples: readonly [number, number]; repeats: number } | null;
}

/** The issue's models with the MNIST example's training settings (SGD 0.05, batch 1). */
function netCase(units: number, schedule: BlockSchedule): PerfCase {
  const ir = networkIR(
    784,
    [units],
    10,
    2,
    { optimizer: { kind: 'sgd', learningRate: 0.05 }, blockSchedule: schedule },
    `perf_${units}_${schedule}`,
  );
  return { name: `784-${units} M=2 ${schedule}`, ir, store: 'ram', hidden: units };
}

function mcuCase(store: StoreKind): PerfCase {
  const ir = parseModelFile(MNIST_MCU);
  return { name: `mnist-mcu.ts (784-192-192 M=16 all), ${store} store`, ir, store, hidden: ir.layers[0]!.units };
}

export function perfSettings(quick: boolean): PerfSettings {
  if (quick) {
    return { targets: ['cortex-m3', 'cortex-m4'], cases: [netCase(128, 'cyclic')], trainSamples: 30, testSamples: 20, speed: null };
  }
  return {
    targets: PERF_TARGETS,
    cases: [netCase(128, 'cyclic'), netCase(128, 'all'), netCase(256, 'cyclic'), netCase(256, 'all'), mcuCase('ram'), mcuCase('file')],
    trainSamples: 300,
    testSamples: 100,
    speed: { units: 256, schedule: 'cyclic', samples: [500, 4500], repeats: 3 },
  };
}

export interface PhaseFigures {
  /** Instructions per training sample and per prediction (means over the run). */
  trainPerSample: number;
  predictPerSample: number;
  trainSamples: number;
  predictions: number;
  /** Test accuracy after the short run (layer 0 for TinyFoA): a check that it learns. */
  accuracy: number;
}

export interface PerfRow {
  model: string;
  store: StoreKind;
  target: string;
  tinyfoa: PhaseFigures;
  baseline: PhaseFigures & { name: string };
  /** baseline ÷ TinyFoA: how many times fewer instructions TinyFoA executes. */
  trainRatio: number;
  predictRatio: number;
}

export interface SpeedRow {
  model: string;
  simulatorSamplesPerSecond: number;
  hostSamplesPerSecond: number;
  /** simulator ÷ host. */
  ratio: number;
}

export interface PerfReport {
  command: string;
  quick: boolean;
  data: string;
  trainSamples: number;
  testSamples: number;
  instructionsPerTick: number;
  rows: PerfRow[];
  /** Per model: cortex-m3 (soft float) ÷ cortex-m4, training and prediction; when both ran. */
  m3OverM4: { model: string; train: number; predict: number }[];
  speed: SpeedRow[];
  /** The command that measured `speed`, when it was not `command` (`bench perf --speed`). */
  speedCommand?: string;
  seconds: number;
}

/** A figure the firmware should have printed and did not: the run cannot be trusted. */
export class PerfMeasurementError extends CheckFailedError {}

async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

function firstIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function figures(stdout: string, where: string, perTick: number, correct: number, total: number): PhaseFigures {
  const ticks = parseFirmwareOutput(stdout).ticks;
  const train = phaseInstructions(ticks, 'train', perTick, 0);
  const predict = phaseInstructions(ticks, 'predict', perTick, 0);
  if (!train || !predict || train.instructions <= 0 || predict.instructions <= 0) {
    throw new PerfMeasurementError(`${where}: the firmware printed no positive TF TICKS train/predict figures`);
  }
  return {
    trainPerSample: train.perSample,
    predictPerSample: predict.perSample,
    trainSamples: train.samples,
    predictions: predict.samples,
    accuracy: total > 0 ? correct / total : 0,
  };
}

async function measureTinyFoa(c: PerfCase, target: string, data: Dataset, s: PerfSettings, work: string): Promise<PhaseFigures> {
  const dir = join(work, target, c.ir.name + (c.store === 'ram' ? '' : `-${c.store}`));
  const fw = await buildFirmware(c.ir, target, dir, { fit: 'emulator', store: c.store });
  const f = c.ir.input.features;
  const train = prepareSplit(data.train, c.ir, s.trainSamples);
  const test = prepareSplit(data.test, c.ir, s.testSamples);
  const job = new JobBuilder().train(0, train.count).eval(0).cycles();
  const run = await runJob(
    fw,
    join(dir, 'run'),
    { job: job.bytes(), train: recordBytes(train, f, firstIndices(train.count)), test: recordBytes(test, f, firstIndices(test.count)) },
    { icount: true, timeoutMs: 3_600_000 },
  );
  const ev = run.output.evals[0];
  return figures(run.run.stdout, `${c.name} on ${target} (log ${run.logFile})`, getTarget(target).cycles!.icountInstructionsPerTick, ev?.correct ?? 0, ev?.total ?? 0);
}

async function measureBaseline(hidden: number, target: string, data: Dataset, s: PerfSettings, work: string): Promise<PhaseFigures> {
  const dir = join(work, target, `bp_${hidden}`);
  const elf = await compileFirmware({
    target,
    sources: [BASELINE_SOURCE],
    includeDirs: [join(root, 'baselines-c')],
    defines: { BP_INPUTS: String(data.features), BP_HIDDEN: String(hidden), BP_CLASSES: '10' },
    outDir: dir,
    name: 'bp',
  });
  const f = data.features;
  const train = data.train.count < s.trainSamples ? data.train.count : s.trainSamples;
  const test = data.test.count < s.testSamples ? data.test.count : s.testSamples;
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'train.bin'), recordBytes(data.train, f, firstIndices(train)));
  writeFileSync(join(runDir, 'test.bin'), recordBytes(data.test, f, firstIndices(test)));
  const logFile = join(runDir, 'bp.log');
  const run = await runFirmware({ target, elf: elf.elf, cwd: runDir, timeoutMs: 3_600_000, icount: true, logFile });
  if (!run.passed) throw new PerfMeasurementError(`fp32 baseline 784-${hidden}-10 failed on ${target}; log: ${logFile}`);
  const m = /^BP EVAL correct=(\d+) total=(\d+)/m.exec(run.stdout);
  if (!m) throw new PerfMeasurementError(`fp32 baseline on ${target} printed no BP EVAL line; log: ${logFile}`);
  return figures(run.stdout, `fp32 baseline 784-${hidden}-10 on ${target} (log ${logFile})`, getTarget(target).cycles!.icountInstructionsPerTick, Number(m[1]), Number(m[2]));
}

/**
 * Samples per second of the reference simulator and of the native host build (gcc, the same C
 * runtime as the firmware) on the same samples. The host figure is the difference of two runs of
 * n₁ and n₂ samples, so process start, model initialisation and file set-up cancel out; the
 * simulator's is its training loop alone. Each is the best of `repeats` (the machine is shared).
 * n₂ − n₁ = 4,000 samples: with 1,000 the native difference was about 0.1 s, within the jitter
 * of starting a process, and the ratio ranged from 0.24× to 0.8× run to run.
 */
export async function measureSpeed(data: Dataset, spec: NonNullable<PerfSettings['speed']>, work: string): Promise<SpeedRow> {
  const c = netCase(spec.units, spec.schedule);
  const f = c.ir.input.features;
  const [n1, n2] = spec.samples;
  const train = prepareSplit(data.train, c.ir, n2);
  const dir = join(work, 'host', c.ir.name);
  const fw = await buildFirmware(c.ir, 'host', dir, { fit: 'emulator' });
  const hostSeconds = async (n: number): Promise<number> => {
    let best = Infinity;
    for (let r = 0; r < spec.repeats; r++) {
      const run = await runJob(fw, join(dir, `run-${n}`), { job: new JobBuilder().train(0, n).bytes(), train: recordBytes(train, f, firstIndices(n)) });
      best = Math.min(best, run.run.durationMs / 1000);
    }
    return best;
  };
  const hostRate = (n2 - n1) / Math.max(1e-9, (await hostSeconds(n2)) - (await hostSeconds(n1)));
  let simBest = Infinity;
  for (let r = 0; r < spec.repeats; r++) {
    const model = new TinyFoaModel(c.ir);
    const t0 = performance.now();
    for (let i = 0; i < n2; i++) model.trainSample(0, train.samples.subarray(i * f, (i + 1) * f), train.labels[i]!);
    simBest = Math.min(simBest, (performance.now() - t0) / 1000);
  }
  const simRate = n2 / simBest;
  return { model: c.name, simulatorSamplesPerSecond: simRate, hostSamplesPerSecond: hostRate, ratio: simRate / hostRate };
}

export async function runPerf(opts: {
  data: Dataset;
  quick: boolean;
  outDir: string;
  settings?: PerfSettings;
  onStep?: (what: string, done: number, total: number) => void;
}): Promise<PerfReport> {
  const t0 = performance.now();
  const s = opts.settings ?? perfSettings(opts.quick);
  const work = mkdtempSync(join(tmpdir(), 'tinyfoa-perf-'));
  const widths = [...new Set(s.cases.map((c) => c.hidden))];
  const total = s.targets.length * (s.cases.length + widths.length) + (s.speed ? 1 : 0);
  let done = 0;
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const r = await fn();
    opts.onStep?.(what, ++done, total);
    return r;
  };
  const tinyJobs = s.targets.flatMap((t) => s.cases.map((c) => () => step(`${c.name} on ${t}`, () => measureTinyFoa(c, t, opts.data, s, work))));
  const baseJobs = s.targets.flatMap((t) => widths.map((h) => () => step(`fp32 BP 784-${h}-10 on ${t}`, () => measureBaseline(h, t, opts.data, s, work))));
  const results = await pool([...tinyJobs, ...baseJobs], 2);
  const tiny = results.slice(0, tinyJobs.length);
  const base = results.slice(tinyJobs.length);

  const rows: PerfRow[] = [];
  s.targets.forEach((target, ti) => {
    s.cases.forEach((c, ci) => {
      const t = tiny[ti * s.cases.length + ci]!;
      const b = base[ti * widths.length + widths.indexOf(c.hidden)]!;
      rows.push({
        model: c.name,
        store: c.store,
        target,
        tinyfoa: t,
        baseline: { name: `fp32 BP 784-${c.hidden}-10`, ...b },
        trainRatio: b.trainPerSample / t.trainPerSample,
        predictRatio: b.predictPerSample / t.predictPerSample,
      });
    });
  });
  const m3OverM4 = s.cases.flatMap((c) => {
    const m3 = rows.find((r) => r.model === c.name && r.target === 'cortex-m3');
    const m4 = rows.find((r) => r.model === c.name && r.target === 'cortex-m4');
    return m3 && m4
      ? [{ model: c.name, train: m3.tinyfoa.trainPerSample / m4.tinyfoa.trainPerSample, predict: m3.tinyfoa.predictPerSample / m4.tinyfoa.predictPerSample }]
      : [];
  });
  const speed = s.speed ? [await step('simulator ÷ host', () => measureSpeed(opts.data, s.speed!, work))] : [];
  rmSync(work, { recursive: true, force: true });

  const report: PerfReport = {
    command: `tinyfoa bench perf${opts.quick ? ' --quick' : ''}`,
    quick: opts.quick,
    data: opts.data.name,
    trainSamples: s.trainSamples,
    testSamples: s.testSamples,
    instructionsPerTick: getTarget(s.targets[0]!).cycles!.icountInstructionsPerTick,
    rows,
    m3OverM4,
    speed,
    seconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, 'perf.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'perf.md'), perfMarkdown(report));
  return report;
}

/**
 * `bench perf --speed`: measures only the simulator ÷ native host row (the full run's settings) and
 * writes it into the perf.json and perf.md already in outDir, keeping their instruction counts.
 */
export async function runSpeedOnly(opts: { data: Dataset; outDir: string }): Promise<PerfReport> {
  const file = join(opts.outDir, 'perf.json');
  if (!existsSync(file)) {
    throw new BadInputError(`bench perf --speed updates the speed row of ${file}, which does not exist; run tinyfoa bench perf without --speed first (or pass --out with a folder that has a perf.json)`);
  }
  const report = JSON.parse(readFileSync(file, 'utf8')) as PerfReport;
  const work = mkdtempSync(join(tmpdir(), 'tinyfoa-perf-'));
  try {
    report.speed = [await measureSpeed(opts.data, perfSettings(false).speed!, work)];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  report.speedCommand = 'tinyfoa bench perf --speed';
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(opts.outDir, 'perf.md'), perfMarkdown(report));
  return report;
}

const M = (x: number): string => `${(x / 1e6).toFixed(x < 1e6 ? 3 : 2)} M`;
const times = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)}×`;
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

export function perfMarkdown(r: PerfReport): string {
  const lines = [
    `# Instructions per training sample and per prediction`,
    '',
    `Made by \`${r.command}\` (${r.seconds.toFixed(0)} s). QEMU \`-icount shift=0\`: ${r.instructionsPerTick} executed instructions per SysTick tick, exact and`,
    `identical run to run. Counted inside the runtime's training and prediction calls only (not start-up, not reading`,
    `samples). Data: ${r.data}, the first ${r.trainSamples} training samples once in order (TinyFoA: layer 0), then the first`,
    `${r.testSamples} test samples predicted. Baseline: \`baselines-c/bp_fp32.c\`, fp32 784-H-10 (trainable hidden and output layer,`,
    `ReLU, softmax cross-entropy, SGD 0.01, batch 1), H = TinyFoA's layer-0 width, same compiler and flags. Ratio = baseline ÷ TinyFoA`,
    `(above 1: TinyFoA executes fewer instructions). Accuracy: after the short run, a check that each learns.`,
    '',
    '| model | target | TinyFoA / train sample | fp32 BP / train sample | ratio | TinyFoA / prediction | fp32 BP / prediction | ratio | accuracy TinyFoA / BP |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.model} | ${x.target} | ${M(x.tinyfoa.trainPerSample)} | ${M(x.baseline.trainPerSample)} | ${times(x.trainRatio)} | ${M(x.tinyfoa.predictPerSample)} | ${M(x.baseline.predictPerSample)} | ${times(x.predictRatio)} | ${pct(x.tinyfoa.accuracy)} / ${pct(x.baseline.accuracy)} |`,
    ),
  ];
  if (r.m3OverM4.length > 0) {
    lines.push('', '| model | cortex-m3 ÷ cortex-m4, training | prediction |', '|---|---:|---:|');
    for (const x of r.m3OverM4) lines.push(`| ${x.model} | ${times(x.train)} | ${times(x.predict)} |`);
  }
  if (r.speed.length > 0) {
    lines.push(
      '',
      `Reference simulator (TypeScript) against the native host build (gcc -O2, the same C runtime), training samples per second, best of 3${r.speedCommand ? ` (measured by \`${r.speedCommand}\`)` : ''}:`,
      '',
      '| model | simulator | native host | simulator ÷ host |',
      '|---|---:|---:|---:|',
    );
    for (const x of r.speed) lines.push(`| ${x.model} | ${x.simulatorSamplesPerSecond.toFixed(0)} | ${x.hostSamplesPerSecond.toFixed(0)} | ${times(x.ratio)} |`);
  }
  return `${lines.join('\n')}\n`;
}
