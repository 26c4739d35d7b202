/**
 * The one IR. Parsing a model file builds a `ModelIR` (every default applied,
 * every derived shape computed); the planner annotates it for C emission; the
 * simulator and the emitter both read it. There is no second description of a
 * model anywhere.
 */
import type { Algorithm, BlockSchedule, ClassifierKind, GradientGate, InputEncoding, InputScale } from '../model/api.ts';

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type OptimizerIR =
  | { kind: 'sgd'; learningRate: number }
  | { kind: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number };

/** One fully connected layer and its block geometry. */
export interface LayerIR {
  /** 0-based position. */
  index: number;
  /** K: inputs (features for layer 0, previous layer's units otherwise). */
  inputs: number;
  /** N: units (rows of the weight matrix). */
  units: number;
  /** M + 1 row boundaries: block row p covers rows [rowBounds[p], rowBounds[p+1]). */
  rowBounds: number[];
  /** M + 1 column boundaries. */
  colBounds: number[];
}

export interface ModelIR {
  name: string;
  /** Absolute path of the model file ('' when built in memory). */
  source: string;
  input: { features: number; encoding: InputEncoding };
  classes: number;
  layers: LayerIR[];
  training: {
    slices: number;
    optimizer: OptimizerIR;
    batchSize: number;
    epochsPerLayer: number;
    /** Epoch length of a stream fed to tf_learn (§13); undefined: DEFAULT_SAMPLES_PER_EPOCH. */
    samplesPerEpoch?: number;
    /** H of the learning-rate decay lr / (1 + floor(n_l / H)) (§8.10); 0: constant; undefined: DEFAULT_DECAY_STEPS. */
    decaySteps?: number;
    seed: number;
    blockSchedule: BlockSchedule;
    gradientGate: GradientGate;
    inputScale: InputScale;
    algorithm: Algorithm;
    /** The local classifiers (§5.1); undefined: 'sign'. */
    classifier?: ClassifierKind;
    /** Bias initialisation and clamp (§5.3, §8.10); undefined: { init: 'zero', clamp: false }. */
    bias?: { init: 'zero' | 'uniform'; clamp: boolean };
  };
}

/** The epoch of the `freeze-diagonal` schedule in update steps: floor(samplesPerEpoch / B) (§8.9). */
export function epochSteps(ir: ModelIR): number {
  const spe = ir.training.samplesPerEpoch ?? DEFAULT_SAMPLES_PER_EPOCH;
  return Math.floor(spe / ir.training.batchSize);
}

/** The epoch length tf_learn counts when the model file names none (docs/semantics.md §13). */
export const DEFAULT_SAMPLES_PER_EPOCH = 1000;

/** The learning-rate decay H a model file that names none gets (docs/semantics.md §8.10). */
export const DEFAULT_DECAY_STEPS = 65536;

/** H of the learning-rate decay (§8.10): 0 keeps the rate constant. */
export function decaySteps(ir: ModelIR): number {
  return ir.training.decaySteps ?? DEFAULT_DECAY_STEPS;
}

/** The learning-rate decay H in words, for reports: "step lr / (1 + floor(n / H))" or "constant step". */
export function decayText(h: number): string {
  return h === 0 ? 'constant step' : `step lr / (1 + floor(n / ${h}))`;
}

/** Update steps each layer takes under tf_learn: epochsPerLayer · floor(samplesPerEpoch / B) (§13). */
export function learnSteps(ir: ModelIR): number {
  const spe = ir.training.samplesPerEpoch ?? DEFAULT_SAMPLES_PER_EPOCH;
  return ir.training.epochsPerLayer * Math.floor(spe / ir.training.batchSize);
}

/** Boundaries of M nearly equal parts of n: part p is [floor(p·n/M), floor((p+1)·n/M)). */
export function sliceBounds(n: number, slices: number): number[] {
  const bounds: number[] = [];
  for (let p = 0; p <= slices; p++) bounds.push(Math.floor((p * n) / slices));
  return bounds;
}

export interface BlockIR {
  /** Row-major block index k = p·M + q. */
  index: number;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  /** (rowEnd - rowStart) · (colEnd - colStart). */
  size: number;
}

/** The blocks of a layer in row-major block order. */
export function layerBlocks(layer: LayerIR): BlockIR[] {
  const m = layer.rowBounds.length - 1;
  const blocks: BlockIR[] = [];
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < m; q++) {
      const rowStart = layer.rowBounds[p]!;
      const rowEnd = layer.rowBounds[p + 1]!;
      const colStart = layer.colBounds[q]!;
      const colEnd = layer.colBounds[q + 1]!;
      blocks.push({
        index: p * m + q,
        rowStart,
        rowEnd,
        colStart,
        colEnd,
        size: (rowEnd - rowStart) * (colEnd - colStart),
      });
    }
  }
  return blocks;
}

/** Words of 32 bits that hold `bits` bits. */
export function wordsFor(bits: number): number {
  return Math.ceil(bits / 32);
}

/** Builds an IR from plain values, for tests and programmatic use (no file positions). */
export function buildLayers(features: number, units: number[], slices: number): LayerIR[] {
  let inputs = features;
  return units.map((n, index) => {
    const layer: LayerIR = {
      index,
      inputs,
      units: n,
      rowBounds: sliceBounds(n, slices),
      colBounds: sliceBounds(inputs, slices),
    };
    inputs = n;
    return layer;
  });
}
