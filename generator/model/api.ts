/**
 * The public surface of a model file:
 *
 * ```ts
 * import { defineModel } from 'tinyfoa';
 * export default defineModel({ name: 'digits', input: { features: 784, encoding: 'u8' }, ... });
 * ```
 *
 * Field names here are the public contract. A model file is read statically
 * (it is type-checked, never executed), so every value must be a literal.
 */

/** How one input sample reaches the first layer. */
export type InputEncoding =
  /** One byte per feature, 0..255 (pixels). Real value = byte / 255. */
  | 'u8'
  /** One bit per feature, 0 or 1. */
  | 'bits';

export interface SgdOptimizer {
  kind: 'sgd';
  /** Step size, finite and > 0. */
  learningRate: number;
}

export interface AdamOptimizer {
  kind: 'adam';
  /** Step size, finite and > 0. */
  learningRate: number;
  /** First-moment decay, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Second-moment decay, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v̂), finite and > 0. Default 1e-8. */
  epsilon?: number;
}

export type Optimizer = SgdOptimizer | AdamOptimizer;

/**
 * Which blocks of the layer in training are updated by one step:
 * - `cyclic`: one block per step, round-robin in row-major block order (the paper's memory model).
 * - `all`: every block, one after another, with the same sample or batch (with batchSize B > 1 the
 *   runtime keeps each sample's δz and input in the arena and forms every block's gradient at the step).
 * - `freeze-diagonal`: the algorithm authors' schedule: every block but one diagonal block, which
 *   stays frozen for an epoch of floor(samplesPerEpoch / batchSize) steps; epoch e freezes block
 *   (e mod M, e mod M). Needs slices ≥ 2 and batchSize 1 (docs/semantics.md §8.9).
 * - `{ kind: 'runs', steps: R }`: R consecutive steps train one block, then the next; the
 *   block's records stay in RAM for the run and reach the store once per run (docs/semantics.md
 *   §8.9, §8.12), so the store is written R times less often than with `cyclic`.
 */
export type BlockSchedule = 'cyclic' | 'all' | 'freeze-diagonal' | BlockRuns;

/** Runs of `steps` update steps per block (1..65535; 1 is `cyclic`). */
export interface BlockRuns {
  kind: 'runs';
  steps: number;
}

/**
 * The fixed local classifier of each layer:
 * - `sign`: ±β entries, one bit each (C·N_l bits). Default.
 * - `he-normal`: fp32 entries drawn approximately normal with standard deviation β_l = sqrt(2/N_l),
 *   as the algorithm authors' code holds them (C·N_l·4 bytes; docs/semantics.md §5.1).
 */
export type ClassifierKind = 'sign' | 'he-normal';

/** How biases start and whether they are clamped (docs/semantics.md §5.3, §8.10). */
export interface BiasSpec {
  /** `zero` (default) or `uniform` in [−1/sqrt(K_l), 1/sqrt(K_l)), as the authors' fp32 layers start. */
  init?: 'zero' | 'uniform';
  /** Clamp every bias to [−1, 1] after each update, as the authors' code does. Default false. */
  clamp?: boolean;
}

/**
 * Where the local error passes to the weights (the straight-through estimator's window):
 * - `symmetric`: 1[−1 < z < 1], the clip of sign()'s straight-through estimator. A unit that is
 *   off can be switched on again. Default.
 * - `relu`: 1[0 < z < 1], the ReLU derivative times the clip; units that are off get no error.
 */
export type GradientGate = 'symmetric' | 'relu';

/**
 * The scale at which a hidden layer reads the bits of the layer below (docs/semantics.md §7):
 * - `fixed`: 1. The layer's forward pass, gradient gate and steps depend only on the bits below,
 *   not on that layer's output scale γ, so one learning rate trains every layer. Default.
 * - `layer`: the layer below's γ, which grows while that layer trains; the weight step and the
 *   pre-activations grow with it, and a later layer can collapse (the behaviour before `fixed`).
 */
export type InputScale = 'fixed' | 'layer';

/**
 * The simulator-only baselines (docs/baselines.md), in the order of the paper's Table 1.
 * This is the one list: the model-file reader, `simulate`, `memory --compare` and the benches use it.
 */
export const BASELINE_ALGORITHMS = ['pepita', 'pepita-bw-ba', 'ff', 'ff-bw-ba', 'bp', 'bp-bw-ba'] as const;

/** Every training algorithm: the baselines and `tinyfoa`, in the order of the paper's Table 1. */
export const ALGORITHMS = [...BASELINE_ALGORITHMS, 'tinyfoa'] as const;

/** Training algorithm. Everything but `tinyfoa` is simulator-only (a baseline): firmware trains with `tinyfoa`. */
export type Algorithm = (typeof ALGORITHMS)[number];

export interface TrainingSpec {
  /** M: each weight matrix is cut into M×M blocks. 1 ≤ M ≤ every layer's rows and columns. */
  slices: number;
  optimizer: Optimizer;
  /** Samples whose gradients are averaged before one update. Default 1. */
  batchSize?: number;
  /** Passes over the training set for each layer. Default 1. */
  epochsPerLayer?: number;
  /**
   * Samples of one epoch when the device learns from a stream with `tf_learn` (it has no
   * training set to count): each layer trains for epochsPerLayer · floor(samplesPerEpoch /
   * batchSize) update steps, then the next one starts (docs/semantics.md §13). At least
   * batchSize. Default 1000. `simulate` and `run` count the data set instead.
   */
  samplesPerEpoch?: number;
  /**
   * H, the learning rate's decay in update steps: a layer's update step n (counted from 0 for
   * each layer) uses lr / (1 + floor(n / H)) — the full rate for the first H steps, half for
   * the next H, a third after that, … (docs/semantics.md §8.10). 0: the rate stays lr.
   * 0..2^32-1. Default DEFAULT_DECAY_STEPS (generator/ir/ir.ts).
   */
  decaySteps?: number;
  /** Seed of every random choice (initialisation, classifiers, shuffling), 0..2^32-1. Default 1. */
  seed?: number;
  /** Default `cyclic`. */
  blockSchedule?: BlockSchedule;
  /** Default `symmetric`. */
  gradientGate?: GradientGate;
  /** Default `fixed`. */
  inputScale?: InputScale;
  /** Default `sign`. */
  classifier?: ClassifierKind;
  /** Default `{ init: 'zero', clamp: false }`. */
  bias?: BiasSpec;
  /** Default `tinyfoa`. */
  algorithm?: Algorithm;
}

export interface LayerSpec {
  /** Hidden units of this fully connected layer, ≥ 1. */
  units: number;
}

export interface ModelSpec {
  /** C identifier used as prefix of every generated symbol. */
  name: string;
  input: {
    /** Number of input features, ≥ 1. */
    features: number;
    encoding: InputEncoding;
  };
  /** Number of classes, 2..255. */
  classes: number;
  /** Hidden layers, in order; each is trained with its own fixed random classifier. */
  layers: LayerSpec[];
  training: TrainingSpec;
}

/** Marks the default export of a model file. Returns its argument unchanged. */
export function defineModel<const T extends ModelSpec>(spec: T): T {
  return spec;
}
