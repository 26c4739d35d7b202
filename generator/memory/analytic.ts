/**
 * Analytic training memory per phase (forward pass / gradient calculation /
 * parameter update), with the accounting of the TinyFoA paper's Table 1:
 * fp32 = 4 bytes, binary = 1 bit, batch 1, bytes (MB = 10^6 bytes). The
 * formulas, the conventions behind them and a worked example are in
 * docs/memory.md; the short version:
 *
 * - Counted: the IR's weight matrices (K_l inputs × N_l units each), their
 *   gradients, and the vectors of the input and hidden units. Everything whose
 *   size scales with the number of classes C (BP's and PEPITA's output layer,
 *   PEPITA's feedback matrix, TinyFoA's local classifiers, logits), biases and
 *   optimizer state are not in the paper's figures; `extras` counts them.
 * - End-to-end methods (BP, PEPITA and their BW+BA variants) hold the step's
 *   activation stash from the forward pass until the update has been applied
 *   (the paper's BP figures carry the same 0.056 MB in all three columns).
 * - Layer-local FF and block-local TinyFoA count, per phase, only that phase's
 *   working set for one layer (FF) or one block (TinyFoA).
 * - Read-only state (TinyFoA's frozen layers) can stay in flash and is not counted.
 */
import { layerBlocks, type LayerIR, type ModelIR } from '../ir/ir.ts';
import { ALGORITHMS, type Algorithm } from '../model/api.ts';
import { assertNever } from '../errors.ts';

export interface PhaseMemory {
  /** Bytes needed by the forward pass. */
  forward: number;
  /** Bytes needed by the gradient calculation. */
  gradient: number;
  /** Bytes needed by the parameter update. */
  update: number;
  /** One line per term, with its size, for reports. */
  notes: string[];
}

/** Bytes of an fp32 value. */
export const FP32 = 4;

/** Bytes that hold `n` bits (1 bit per binary weight or activation). */
export function bitBytes(n: number): number {
  return Math.ceil(n / 8);
}

/** Bytes → MB (10^6 bytes), as the paper reports. */
export function toMB(bytes: number): number {
  return bytes / 1e6;
}

/** The paper's Table 1 memory figures (MB) that design.md quotes: BP and TinyFoA on 3 layers of 2000×2000, M = 2. */
export const PAPER_TABLE1_MEMORY_MB: Readonly<Partial<Record<Algorithm, { forward: number; gradient: number; update: number }>>> = {
  bp: { forward: 48.06, gradient: 96.06, update: 96.06 },
  tinyfoa: { forward: 0.5, gradient: 4.01, update: 8.0 },
};

/** Every algorithm, in the row order of the paper's Table 1. */
export const TABLE1_ALGORITHMS: readonly Algorithm[] = ALGORITHMS;

interface Shape {
  K0: number;
  C: number;
  /** Σ K_l·N_l: weights of all matrices. */
  W: number;
  /** Σ N_l: hidden units. */
  H: number;
  /** Σ bitBytes(K_l·N_l): all matrices as binary weights. */
  Wbin: number;
  /** Σ bitBytes(N_l): one bit per hidden unit, each layer its own vector. */
  Hbin: number;
  layers: readonly LayerIR[];
}

function shapeOf(ir: ModelIR): Shape {
  if (ir.layers.length === 0) throw new Error('the model has no layers');
  let W = 0;
  let H = 0;
  let Wbin = 0;
  let Hbin = 0;
  for (const l of ir.layers) {
    W += l.inputs * l.units;
    H += l.units;
    Wbin += bitBytes(l.inputs * l.units);
    Hbin += bitBytes(l.units);
  }
  return { K0: ir.input.features, C: ir.classes, W, H, Wbin, Hbin, layers: ir.layers };
}

const maxOf = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((m, x) => Math.max(m, f(x)), 0);

/** Bytes of TinyFoA's input to layer 0: the sample in the model's own encoding (the first layer works on the integers, semantics §7). */
function tinyfoaInputBytes(ir: ModelIR): number {
  return ir.input.encoding === 'bits' ? bitBytes(ir.input.features) : ir.input.features;
}

function mb(bytes: number): string {
  return `${toMB(bytes).toFixed(6).replace(/0+$/, '').replace(/\.$/, '')} MB`;
}

/**
 * Analytic memory of training `ir`'s network with `algorithm`, per phase, in
 * bytes. For TinyFoA and FF the figures are the largest over layers (and
 * blocks); the others hold the whole network.
 */
export function analyticMemory(ir: ModelIR, algorithm: Algorithm): PhaseMemory {
  const s = shapeOf(ir);
  const { K0, W, H, Wbin, Hbin, layers } = s;
  const weights = FP32 * W;
  const notes: string[] = [];
  const note = (what: string, bytes: number): number => {
    notes.push(`${what}: ${bytes} B (${mb(bytes)})`);
    return bytes;
  };
  switch (algorithm) {
    case 'bp': {
      // Stash kept by the forward pass for the backward pass: the input and, per
      // layer, the pre-activation z and the activation h (fp32). The backward pass
      // writes each layer's error over its z (the ReLU gate is read element by
      // element first), so errors need no extra buffer.
      const stash = FP32 * (K0 + 2 * H);
      note('weights, fp32 (4·ΣK·N)', weights);
      note('stash: input + z and h of every layer, fp32 (4·(K0 + 2·ΣN))', stash);
      note('gradients, fp32 (4·ΣK·N)', weights);
      return { forward: weights + stash, gradient: 2 * weights + stash, update: 2 * weights + stash, notes };
    }
    case 'bp-bw-ba': {
      // Binary weights in the forward and backward passes; fp32 latent weights only in the update.
      // Stash: fp32 input, and per unit one activation bit and one bit for the straight-through window.
      const stash = FP32 * K0 + 2 * Hbin;
      const errors = FP32 * H;
      note('binary weights (ΣK·N bits)', Wbin);
      note('stash: fp32 input + 2 bits per hidden unit (activation, STE gate)', stash);
      note('errors, fp32 (4·ΣN)', errors);
      note('gradients, fp32 (4·ΣK·N)', weights);
      note('latent weights, fp32, update only (4·ΣK·N)', weights);
      return {
        forward: Wbin + stash,
        gradient: Wbin + weights + stash + errors,
        update: 2 * weights + stash,
        notes,
      };
    }
    case 'pepita': {
      // Both passes' input and activations are needed by the update:
      // x, x' (fp32) and h_l, h'_l for every layer (fp32).
      const stash = FP32 * (2 * K0 + 2 * H);
      note('weights, fp32 (4·ΣK·N)', weights);
      note("stash: x, x' and h, h' of every layer, fp32 (4·(2·K0 + 2·ΣN))", stash);
      note('weight changes, fp32 (4·ΣK·N)', weights);
      return { forward: weights + stash, gradient: 2 * weights + stash, update: 2 * weights + stash, notes };
    }
    case 'pepita-bw-ba': {
      const stash = 2 * (FP32 * K0 + Hbin);
      note('binary weights (ΣK·N bits)', Wbin);
      note("stash: x, x' fp32 + h, h' 1 bit per hidden unit (2·(4·K0 + ΣN bits))", stash);
      note('weight changes, fp32 (4·ΣK·N)', weights);
      note('latent weights, fp32, update only (4·ΣK·N)', weights);
      return { forward: Wbin + stash, gradient: Wbin + weights + stash, update: 2 * weights + stash, notes };
    }
    case 'ff': {
      // Every layer is trained on every sample, so the forward pass holds all weights;
      // one layer's positive and negative input, z and h at a time (no cross-layer stash).
      const layerStash = (l: LayerIR): number => 2 * FP32 * (l.inputs + 2 * l.units);
      const stash = maxOf(layers, layerStash);
      const grad = maxOf(layers, (l) => FP32 * l.inputs * l.units + layerStash(l));
      const upd = maxOf(layers, (l) => 2 * FP32 * l.inputs * l.units);
      note('weights, fp32, all layers (4·ΣK·N)', weights);
      note('one layer: positive and negative input, z, h, fp32 (max 8·(K + 2N))', stash);
      note('gradient phase: one layer gradient + that stash (max 4·K·N + 8·(K + 2N))', grad);
      note('update phase: one layer weights + gradient (max 8·K·N)', upd);
      return { forward: weights + stash, gradient: grad, update: upd, notes };
    }
    case 'ff-bw-ba': {
      // Layer input: fp32 for layer 0 (pixels with the label), 1 bit per unit after that.
      const input = (l: LayerIR): number => (l.index === 0 ? FP32 * l.inputs : bitBytes(l.inputs));
      const layerStash = (l: LayerIR): number => 2 * (input(l) + 2 * bitBytes(l.units));
      const stash = maxOf(layers, layerStash);
      const grad = maxOf(layers, (l) => FP32 * l.inputs * l.units + layerStash(l) + 2 * FP32 * l.units);
      const upd = maxOf(layers, (l) => 2 * FP32 * l.inputs * l.units);
      note('binary weights, all layers (ΣK·N bits)', Wbin);
      note('one layer, positive and negative: input + activation and STE-gate bits', stash);
      note('gradient phase: one layer gradient + stash + fp32 errors (max 4·K·N + stash + 8·N)', grad);
      note('update phase: one layer latent weights + gradient (max 8·K·N)', upd);
      return { forward: Wbin + stash, gradient: grad, update: upd, notes };
    }
    case 'tinyfoa': {
      // Forward: the binary weights of the layer in training (frozen layers are
      // read-only and stay in flash), its input (layer 0: the sample in its
      // encoding; later layers: 1 bit per unit) and its output bits.
      const fwd = maxOf(layers, (l) => bitBytes(l.inputs * l.units) + (l.index === 0 ? tinyfoaInputBytes(ir) : bitBytes(l.inputs)) + bitBytes(l.units));
      // Gradient of one block (R×C'): the fp32 block gradient, the block's fp32
      // input activations (C') and the fp32 errors δz of its rows (R).
      const blocks = layers.flatMap((l) => layerBlocks(l));
      const grad = maxOf(blocks, (b) => FP32 * (b.size + (b.colEnd - b.colStart) + (b.rowEnd - b.rowStart)));
      // Update: the block's latent weights and its gradient.
      const upd = maxOf(blocks, (b) => 2 * FP32 * b.size);
      note('forward: one layer binary weights + input + output bits', fwd);
      note('gradient: one block gradient + its input activations and errors, fp32 (4·(R·C + C + R))', grad);
      note('update: one block latent weights + gradient, fp32 (8·R·C)', upd);
      return { forward: fwd, gradient: grad, update: upd, notes };
    }
    default:
      return assertNever(algorithm);
  }
}

/** What the paper's figures leave out, in bytes (see docs/memory.md). */
export interface MemoryExtras {
  /** fp32 biases of all hidden layers (4·ΣN). */
  biases: number;
  /** TinyFoA's fixed local classifiers as the runtime stores them: C rows of ceil(N_l/32) words per layer. */
  classifiersBinary: number;
  /** The same classifiers in fp32, as the authors' code holds them (4·C·ΣN). */
  classifiersFp32: number;
  /** The classifiers as this model holds them: classifiersBinary for `classifier: 'sign'`, classifiersFp32 for `'he-normal'` (the planner's RAM figure). */
  classifiersModel: number;
  /** A trainable fp32 output layer N_last → C with bias (BP, PEPITA without bias: 4·C less). */
  outputLayer: number;
  /** PEPITA's fixed feedback matrix F, fp32 (4·K0·C). */
  pepitaFeedback: number;
  /** Logits and their errors of one classifier, fp32 (4·2C). */
  logits: number;
  /** Adam's two moments for the largest block (TinyFoA's arena with Adam), fp32 (8·R·C), plus those of its layer's bias (8·N). */
  adamBlock: number;
  /** Adam's two moments for every weight and bias of the hidden layers, fp32 (8·(ΣK·N + ΣN)) — a whole-model Adam (the baselines, or TinyFoA's weight store). */
  adamModel: number;
  notes: string[];
}

export function extras(ir: ModelIR): MemoryExtras {
  const s = shapeOf(ir);
  const { K0, C, W, H, layers } = s;
  const NL = layers[layers.length - 1]!.units;
  const classifiersBinary = layers.reduce((acc, l) => acc + C * Math.ceil(l.units / 32) * 4, 0);
  const blockAdam = maxOf(layers, (l) => maxOf(layerBlocks(l), (b) => 2 * FP32 * b.size) + 2 * FP32 * l.units);
  const e: MemoryExtras = {
    biases: FP32 * H,
    classifiersBinary,
    classifiersFp32: FP32 * C * H,
    classifiersModel: ir.training.classifier === 'he-normal' ? FP32 * C * H : classifiersBinary,
    outputLayer: FP32 * (C * NL + C),
    pepitaFeedback: FP32 * K0 * C,
    logits: FP32 * 2 * C,
    adamBlock: blockAdam,
    adamModel: 2 * FP32 * (W + H),
    notes: [],
  };
  e.notes.push(
    'not in the paper figures: biases, classifiers/output layers, feedback matrices, logits, optimizer state',
    `biases ${mb(e.biases)}; TinyFoA classifiers ${mb(e.classifiersBinary)} binary (${mb(e.classifiersFp32)} fp32; this model's ${ir.training.classifier ?? 'sign'} classifiers ${mb(e.classifiersModel)}); output layer ${mb(e.outputLayer)}; PEPITA F ${mb(e.pepitaFeedback)}`,
    `Adam moments: one block ${mb(e.adamBlock)}, whole model ${mb(e.adamModel)}`,
  );
  return e;
}
