/**
 * Bit-exactness: runs the same sample stream through the simulator and through
 * firmware on each target, compares state digests at checkpoints, and on a
 * mismatch narrows it down to the first differing step, array and element.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors.ts';
import type { Dataset, Split } from '../data/types.ts';
import type { ModelIR } from '../ir/ir.ts';
import { fromBits } from '../numerics/f32.ts';
import { TinyFoaModel, type ArrayName } from '../sim/state.ts';
import { checkFeatures, prepareSplit, trainingSchedule } from '../sim/train.ts';
import type { SessionOptions } from '../link/session.ts';
import { buildFirmware, runJob, type BuiltFirmware } from './device.ts';
import { ARRAY_IDS, JobBuilder, recordBytes, type DigestReport, type StreamEntry } from './job.ts';

export interface SampleStream {
  train: Split;
  entries: StreamEntry[];
}

/**
 * The verification stream: every layer trains on one epoch of the first
 * `perLayer` training samples (a whole number of batches, at least one),
 * so that `steps` samples in all exercise every layer.
 */
export function verificationStream(ir: ModelIR, data: Dataset, steps: number): SampleStream {
  checkFeatures(ir, data);
  const batch = ir.training.batchSize;
  const perLayer = Math.max(batch, Math.ceil(Math.ceil(steps / ir.layers.length) / batch) * batch);
  if (perLayer > data.train.count) {
    throw new DataError(`verification needs ${perLayer} training samples per layer; ${data.name} has ${data.train.count}: use fewer --steps`);
  }
  const train = prepareSplit(data.train, ir, perLayer);
  const entries: StreamEntry[] = [];
  for (const p of trainingSchedule(ir, train.count, 1)) for (const index of p.order) entries.push({ layer: p.layer, index });
  return { train, entries };
}

/** Checkpoint positions (samples trained so far): every `every` samples and at the end. */
export function checkpoints(total: number, every: number): number[] {
  const out: number[] = [];
  for (let s = every; s < total; s += every) out.push(s);
  out.push(total);
  return out;
}

/** Job that trains the stream's first `upTo` samples, with a DIGEST after each listed checkpoint. */
export function streamJob(stream: SampleStream, marks: number[], upTo: number, after?: (job: JobBuilder) => void): JobBuilder {
  const job = new JobBuilder();
  const stops = new Set(marks);
  let runLayer = -1;
  let runLen = 0;
  for (let s = 0; s < upTo; s++) {
    const e = stream.entries[s]!;
    if (e.layer !== runLayer) {
      job.train(runLayer, runLen);
      runLayer = e.layer;
      runLen = 0;
    }
    runLen++;
    if (stops.has(s + 1)) {
      job.train(runLayer, runLen);
      runLen = 0;
      job.digest();
    }
  }
  job.train(runLayer, runLen);
  after?.(job);
  return job;
}

/** Simulator digests at the given checkpoints, and the model state at the last one. */
export function simulateStream(ir: ModelIR, stream: SampleStream, marks: number[]): { reports: DigestReport[]; model: TinyFoaModel } {
  const model = new TinyFoaModel(ir);
  const f = ir.input.features;
  const reports: DigestReport[] = [];
  const stops = new Set(marks);
  const last = marks.length > 0 ? Math.max(...marks) : 0;
  for (let s = 0; s < last; s++) {
    const e = stream.entries[s]!;
    model.trainSample(e.layer, stream.train.samples.subarray(e.index * f, (e.index + 1) * f), stream.train.labels[e.index]!);
    if (stops.has(s + 1)) {
      const d = model.digests();
      reports.push({ steps: model.totalSteps(), state: d.state, arrays: d.arrays });
    }
  }
  return { reports, model };
}

export interface Mismatch {
  /**
   * Samples trained when the state first differed: the narrowing re-run's first differing
   * step, or, when the re-run did not reproduce the mismatch, the full run's checkpoint.
   */
  sample: number;
  /** Whether the narrowing re-run (same firmware, same samples) showed the difference again. */
  reproduced: boolean;
  /** What the re-run found; null where it found nothing (no differing array, or equal bytes). */
  layer: number | null;
  array: string | null;
  /** Element index inside the array (4-byte elements). */
  index: number | null;
  expected: string | null;
  actual: string | null;
}

/** The first checkpoint of a re-run whose state digest differs from the simulator's, or null. */
export function firstDifference(sim: readonly DigestReport[], device: readonly (DigestReport | undefined)[], count: number): number | null {
  for (let i = 0; i < count; i++) if (device[i]?.state !== sim[i]?.state) return i;
  return null;
}

/** The first differing 4-byte element of two dumps, or null when they are equal. */
export function firstDifferingWord(expected: Uint8Array, actual: Uint8Array): number | null {
  const n = Math.max(expected.length, actual.length);
  for (let b = 0; b < n; b++) if (expected[b] !== actual[b]) return Math.floor(b / 4);
  return null;
}

export interface TargetVerification {
  target: string;
  ok: boolean;
  checkpoints: number;
  /** Checkpoints whose digests matched before the first mismatch. */
  matched: number;
  finalDigest: string | null;
  mismatch: Mismatch | null;
  seconds: number;
  log: string;
}

export interface VerifyResult {
  model: string;
  samples: number;
  every: number;
  simulatorDigest: string;
  targets: TargetVerification[];
  ok: boolean;
}

function differingArrays(a: DigestReport, b: DigestReport): { layer: number; name: string }[] {
  const key = (x: { layer: number; name: string }) => `${x.layer}/${x.name}`;
  const theirs = new Map(b.arrays.map((x) => [key(x), x.digest]));
  return a.arrays.filter((x) => theirs.get(key(x)) !== x.digest).map((x) => ({ layer: x.layer, name: x.name }));
}

function describeWord(bytes: Uint8Array, index: number, name: string): string {
  if (index * 4 + 4 > bytes.length) return '(missing)';
  const w = new DataView(bytes.buffer, bytes.byteOffset).getUint32(index * 4, true);
  const hex = `0x${w.toString(16).padStart(8, '0')}`;
  const isFloat = name === 'weights' || name === 'bias' || name === 'adam' || name === 'alpha'; // absSum: uint64 halves, hex
  return isFloat ? `${fromBits(w)} (${hex})` : hex;
}

/** Finds the first differing sample, array and element after checkpoint `good` (< `bad`). */
async function narrow(
  fw: BuiltFirmware,
  ir: ModelIR,
  stream: SampleStream,
  good: number,
  bad: number,
  workDir: string,
  link: SessionOptions | undefined,
): Promise<Mismatch> {
  const window: number[] = [];
  for (let s = good + 1; s <= bad; s++) window.push(s);
  const train = recordBytes(stream.train, ir.input.features, stream.entries.map((e) => e.index));
  const fine = await runJob(fw, workDir, { job: streamJob(stream, window, bad).bytes(), train }, { logName: 'narrow.log', ...(link ? { link } : {}) });
  const sim = simulateStream(ir, stream, window).reports;
  const at = firstDifference(sim, fine.output.digests, window.length);
  const nothing = { layer: null, array: null, index: null, expected: null, actual: null };
  if (at === null) return { sample: bad, reproduced: false, ...nothing };
  const sample = window[at]!;
  const first = differingArrays(sim[at]!, fine.output.digests[at]!)[0];
  if (!first) return { sample, reproduced: true, ...nothing };
  const name = first.name as ArrayName;
  const dumpRun = await runJob(
    fw,
    workDir,
    { job: streamJob(stream, [], sample, (j) => j.dump(first.layer, name as keyof typeof ARRAY_IDS)).bytes(), train },
    { logName: 'dump.log', ...(link ? { link } : {}) },
  );
  const actual = new Uint8Array(readFileSync(join(workDir, dumpRun.output.dumps[0] ?? `dump-${first.layer}-${name}.bin`)));
  const { model } = simulateStream(ir, stream, [sample]);
  const expected = model.arrayBytes(first.layer, name);
  const index = firstDifferingWord(expected, actual);
  return {
    sample,
    reproduced: true,
    layer: first.layer,
    array: name,
    index,
    expected: index === null ? null : describeWord(expected, index, name),
    actual: index === null ? null : describeWord(actual, index, name),
  };
}

export async function verify(
  ir: ModelIR,
  data: Dataset,
  options: {
    targets: string[];
    steps: number;
    every: number;
    outDir: string;
    onTarget?: (target: string, phase: 'build' | 'run' | 'narrow') => void;
    /** Builds the firmware (tests inject faults through it); defaults to buildFirmware. */
    build?: (ir: ModelIR, target: string, dir: string) => Promise<BuiltFirmware>;
    /** Board targets: retry timing and injected faults of the serial link (docs/link.md). */
    link?: SessionOptions;
  },
): Promise<VerifyResult> {
  const stream = verificationStream(ir, data, options.steps);
  const total = stream.entries.length;
  const marks = checkpoints(total, options.every);
  const sim = simulateStream(ir, stream, marks).reports;
  const train = recordBytes(stream.train, ir.input.features, stream.entries.map((e) => e.index));
  const results: TargetVerification[] = [];
  for (const target of options.targets) {
    const started = performance.now();
    const dir = join(options.outDir, target);
    options.onTarget?.(target, 'build');
    // Bit-exactness is a property of the code, not of a part: the emulator's memory is enough.
    const fw = await (options.build ?? ((m, t, d) => buildFirmware(m, t, d, { fit: 'emulator' })))(ir, target, join(dir, 'fw'));
    options.onTarget?.(target, 'run');
    const run = await runJob(fw, join(dir, 'run'), { job: streamJob(stream, marks, total).bytes(), train }, options.link ? { link: options.link } : {});
    const device = run.output.digests;
    let matched = 0;
    while (matched < marks.length && device[matched]?.state === sim[matched]!.state) matched++;
    let mismatch: Mismatch | null = null;
    if (matched < marks.length) {
      options.onTarget?.(target, 'narrow');
      mismatch = await narrow(fw, ir, stream, matched === 0 ? 0 : marks[matched - 1]!, marks[matched]!, join(dir, 'run'), options.link);
    }
    results.push({
      target,
      ok: mismatch === null,
      checkpoints: marks.length,
      matched,
      finalDigest: device[device.length - 1]?.state ?? null,
      mismatch,
      seconds: (performance.now() - started) / 1000,
      log: run.logFile,
    });
  }
  return {
    model: ir.name,
    samples: total,
    every: options.every,
    simulatorDigest: sim[sim.length - 1]!.state,
    targets: results,
    ok: results.every((r) => r.ok),
  };
}
