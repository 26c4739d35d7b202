/**
 * The host side of the firmware driver (runtime-c/tf_main.c, docs/runtime.md
 * "Firmware driver"): writes job.bin / train.bin / test.bin and parses the
 * lines the firmware prints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Split } from '../data/types.ts';

export const JOB_MAGIC = 0x314a4654; // "TFJ1"
export const Command = { TRAIN: 1, EVAL: 2, DIGEST: 3, DUMP: 4, CYCLES: 5, PROGRESS: 6 } as const;

/** Array ids of the runtime's tf_array, in state order (semantics §11). */
export const ARRAY_IDS = { classifier: 0, weights: 1, bias: 2, adam: 3, bits: 4, absSum: 5, alpha: 6, steps: 7 } as const;

export class JobBuilder {
  private readonly words: number[] = [JOB_MAGIC];

  train(layer: number, samples: number): this {
    if (samples > 0) this.words.push(Command.TRAIN, layer, samples);
    return this;
  }
  eval(layer: number): this {
    this.words.push(Command.EVAL, layer);
    return this;
  }
  digest(): this {
    this.words.push(Command.DIGEST);
    return this;
  }
  dump(layer: number, array: keyof typeof ARRAY_IDS): this {
    this.words.push(Command.DUMP, layer, ARRAY_IDS[array]);
    return this;
  }
  cycles(): this {
    this.words.push(Command.CYCLES);
    return this;
  }
  /** A `TF PROGRESS` line every `every` trained samples of each later TRAIN (0: none). */
  progress(every: number): this {
    this.words.push(Command.PROGRESS, every);
    return this;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.words.length * 4);
    const dv = new DataView(out.buffer);
    this.words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    return out;
  }
}

/** One training sample as the firmware sees it: which layer, which sample of the split. */
export interface StreamEntry {
  layer: number;
  index: number;
}

/** Records `[label][features bytes]` for the given sample indices, in order. */
export function recordBytes(split: Split, features: number, indices: ArrayLike<number>): Uint8Array {
  const rec = features + 1;
  const out = new Uint8Array(indices.length * rec);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out[k * rec] = split.labels[i]!;
    out.set(split.samples.subarray(i * features, (i + 1) * features), k * rec + 1);
  }
  return out;
}

/** Job-file records (recordBytes's layout) of labelled samples given as a list, every `x` as long as the first. */
export function labelledRecords(list: readonly { label: number; x: Uint8Array }[]): Uint8Array {
  const features = list[0]?.x.length ?? 0;
  const samples = new Uint8Array(list.length * features);
  const labels = new Uint8Array(list.length);
  list.forEach((r, k) => {
    samples.set(r.x, k * features);
    labels[k] = r.label;
  });
  return recordBytes({ count: list.length, samples, labels }, features, Array.from(list.keys()));
}

export function writeJobFiles(
  dir: string,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
): void {
  writeFileSync(join(dir, 'job.bin'), files.job);
  if (files.train) writeFileSync(join(dir, 'train.bin'), files.train);
  if (files.test) writeFileSync(join(dir, 'test.bin'), files.test);
}

export interface DigestReport {
  steps: number;
  state: string;
  arrays: { layer: number; name: string; digest: string }[];
}

export interface FirmwareOutput {
  ready: { runtime: string; semantics: number; arenaFloats: number; bitArenaWords: number } | null;
  /** What `tf_resume` found in the store (null: nothing, the run started from tf_init). */
  resumed: { steps: number; samples: number } | null;
  trains: { layer: number; samples: number; steps: number }[];
  evals: { layer: number; correct: number; total: number }[];
  digests: DigestReport[];
  dumps: string[];
  cycles: (number | null)[];
  /** Ticks inside the training (one per TRAIN command) and prediction (one per EVAL) calls only; none on a target without a counter. */
  ticks: PhaseTicks[];
  memory: { stackHighWater: number; stackSize: number; heapUsed: number; heapSize: number } | null;
}

export interface PhaseTicks {
  phase: 'train' | 'predict';
  layer: number;
  samples: number;
  ticks: number;
}

const TRAIN_LINE = /^TF TRAIN layer=(\d+) samples=(\d+) steps=(\d+)/;

/** Parses the `TF …` lines of a firmware run. Unknown lines are ignored (they are kept in the log). */
export function parseFirmwareOutput(stdout: string): FirmwareOutput {
  const out: FirmwareOutput = { ready: null, resumed: null, trains: [], evals: [], digests: [], dumps: [], cycles: [], ticks: [], memory: null };
  for (const line of stdout.split(/\r?\n/)) {
    let m: RegExpExecArray | null;
    if ((m = /^TF READY runtime=(\S+) semantics=(\d+) arena_floats=(\d+) bit_arena_words=(\d+)/.exec(line))) {
      out.ready = { runtime: m[1]!, semantics: Number(m[2]), arenaFloats: Number(m[3]), bitArenaWords: Number(m[4]) };
    } else if ((m = /^TF RESUMED steps=(\d+) samples=(\d+)/.exec(line))) {
      out.resumed = { steps: Number(m[1]), samples: Number(m[2]) };
    } else if ((m = TRAIN_LINE.exec(line))) {
      out.trains.push({ layer: Number(m[1]), samples: Number(m[2]), steps: Number(m[3]) });
    } else if ((m = /^TF EVAL layer=(\d+) correct=(\d+) total=(\d+)/.exec(line))) {
      out.evals.push({ layer: Number(m[1]), correct: Number(m[2]), total: Number(m[3]) });
    } else if ((m = /^TF DIGEST steps=(\d+) ([0-9a-f]{8})/.exec(line))) {
      out.digests.push({ steps: Number(m[1]), state: m[2]!, arrays: [] });
    } else if ((m = /^TF ARRAY layer=(\d+) (\w+) ([0-9a-f]{8})/.exec(line))) {
      const last = out.digests[out.digests.length - 1];
      if (last) last.arrays.push({ layer: Number(m[1]), name: m[2]!, digest: m[3]! });
    } else if ((m = /^TF DUMP (\S+)/.exec(line))) {
      out.dumps.push(m[1]!);
    } else if ((m = /^TF MEMORY stack_high_water=(\d+) stack_size=(\d+) heap_used=(\d+) heap_size=(\d+)/.exec(line))) {
      out.memory = { stackHighWater: Number(m[1]), stackSize: Number(m[2]), heapUsed: Number(m[3]), heapSize: Number(m[4]) };
    } else if ((m = /^TF TICKS (train|predict) layer=(\d+) samples=(\d+) ticks=(\d+)/.exec(line))) {
      out.ticks.push({ phase: m[1] as PhaseTicks['phase'], layer: Number(m[2]), samples: Number(m[3]), ticks: Number(m[4]) });
    } else if ((m = /^TF CYCLES (\S+)/.exec(line))) {
      out.cycles.push(m[1] === 'unavailable' ? null : Number(m[1]));
    }
  }
  return out;
}

/**
 * How far a TRAIN command has come, from a `TF PROGRESS layer=<l> done=<k>` line (k samples of
 * the command) or its closing `TF TRAIN layer=<l> samples=<n> …` line (all n); null for others.
 */
export function parseProgressLine(line: string): { layer: number; done: number } | null {
  const m = /^TF PROGRESS layer=(\d+) done=(\d+)/.exec(line) ?? TRAIN_LINE.exec(line);
  return m ? { layer: Number(m[1]), done: Number(m[2]) } : null;
}

/** Executed instructions of one phase (QEMU `-icount`: ticks × instructions per tick), summed over its commands. */
export interface PhaseInstructions {
  samples: number;
  instructions: number;
  /** instructions ÷ samples. */
  perSample: number;
}

/**
 * The instructions that the TRAIN (phase 'train') or EVAL ('predict') commands spent in the
 * runtime's calls, from their `TF TICKS` lines; `layer` picks one layer's commands. Null when
 * the firmware reported none (no counter, or no sample of that phase).
 */
export function phaseInstructions(
  ticks: readonly PhaseTicks[],
  phase: PhaseTicks['phase'],
  instructionsPerTick: number,
  layer?: number,
): PhaseInstructions | null {
  let samples = 0;
  let sum = 0;
  for (const t of ticks) {
    if (t.phase !== phase || (layer !== undefined && t.layer !== layer)) continue;
    samples += t.samples;
    sum += t.ticks;
  }
  if (samples === 0) return null;
  const instructions = sum * instructionsPerTick;
  return { samples, instructions, perSample: instructions / samples };
}
