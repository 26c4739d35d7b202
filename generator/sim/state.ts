/**
 * The TinyFoA reference simulator: training state and one training step,
 * exactly as docs/semantics.md specifies (section numbers in comments).
 * Every real value is binary32: stored in Float32Array or passed through the
 * operations of numerics/f32.ts.
 */
import { assertNever, CheckFailedError } from '../errors.ts';
import { layerBlocks, learnSteps, type BlockIR, type LayerIR, type ModelIR } from '../ir/ir.ts';
import { getBit, popcount32, wordsFor } from '../numerics/bits.ts';
import { modelConstants, type ModelConstants } from '../numerics/constants.ts';
import { Crc32 } from '../numerics/crc32.ts';
import { exp32 } from '../numerics/exp32.ts';
import { add, clamp1, div, f32, mul, sqrt, sub } from '../numerics/f32.ts';
import { STREAM_BIAS, STREAM_CLASSIFIER, STREAM_WEIGHTS, Stream } from '../numerics/prng.ts';

/** binary32 rounding, for the hot loops (the same operation as numerics/f32.ts, without a call). */
const fr = Math.fround;

/** Status codes of semantics §12, shared with the C runtime. */
export const Status = {
  OK: 0,
  NULL: 1,
  LABEL: 2,
  INPUT: 3,
  NONFINITE: 4,
  STATE: 5,
  STORE: 6,
  NUMERICS: 7,
  DESCRIPTOR: 8,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/** Training stopped with a runtime status (a non-finite value, a bad label …): a failed check. */
export class TrainingError extends CheckFailedError {
  constructor(
    readonly status: StatusCode,
    message: string,
  ) {
    super(message);
  }
}

/** Adam state of one record (a block, or a layer's bias vector). */
interface AdamRecord {
  m: Float32Array;
  v: Float32Array;
  p1: number;
  p2: number;
}

export interface LayerState {
  ir: LayerIR;
  blocks: BlockIR[];
  /** Offset of each block inside `weights`. */
  blockOffset: number[];
  /** C × N bit matrix, semantics §5.1. */
  classifier: Uint32Array;
  classifierRowWords: number;
  /** C × N f32 matrix of the `he-normal` classifier (§5.1), row-major; null for `sign`. */
  classifierWeights: Float32Array | null;
  /** Latent weights, block by block (semantics §3 order). */
  weights: Float32Array;
  /** The same memory as `weights`, as binary32 bit patterns. */
  weightBits: Int32Array;
  bias: Float32Array;
  /** Per block, then the bias record last; empty for SGD. */
  adam: AdamRecord[];
  /** N × K weight bit matrix. */
  bits: Uint32Array;
  rowWords: number;
  /** Per block, Σ fix(w) (§6): exact integers, at most 2^53 (planner), held exactly in doubles. */
  absSum: Float64Array;
  alpha: number;
  steps: number;
}

/** One layer's forward result (semantics §7). */
export interface LayerOutput {
  z: Float32Array;
  gamma: number;
  /** Packed output bits q^l. */
  bits: Uint32Array;
}

interface SampleScratch {
  e: Float32Array;
  da: Float32Array;
  /** −δa_c at 2c, δa_c at 2c + 1. */
  signedDa: Float32Array;
  dz: Float32Array;
  h: Float32Array;
  gradBias: Float32Array;
  touchedRows: Uint8Array;
  touchedCols: Uint8Array;
}

export const ARRAY_NAMES = ['classifier', 'weights', 'bias', 'adam', 'bits', 'absSum', 'alpha', 'steps'] as const;
export type ArrayName = (typeof ARRAY_NAMES)[number];

function isFiniteArray(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

export class TinyFoaModel {
  readonly constants: ModelConstants;
  readonly layers: LayerState[];
  /** Per-layer batch accumulators (semantics §8.8). */
  private pendingSamples = 0;
  private pendingLayer = -1;
  private gradBlocks: Float32Array[] = [];
  private gradBias: Float32Array = new Float32Array(0);
  /**
   * Rows (units) and columns (inputs) of layer pendingLayer that some sample of the pending batch
   * gave a non-zero δz_j or h_i. Every other gradient element is +0 (semantics §8.6–8), which
   * leaves an SGD step's weight unchanged (w − lr·0 = w, and |w| ≤ 1 so the clamp keeps it).
   */
  private touchedRows: Uint8Array = new Uint8Array(0);
  private touchedCols: Uint8Array = new Uint8Array(0);
  /** Scratch of the layer-0 forward: the groups of four features with a non-zero one, and their subset sums. */
  private groupList: Int32Array = new Int32Array(0);
  /** Per non-zero group of forwardFirst: the shift of its nibble inside its word of weight bits. */
  private groupShift: Int32Array = new Int32Array(0);
  private groupWords: Int32Array = new Int32Array(0);
  private groupRunEnd: Int32Array = new Int32Array(0);
  private groupTables: Int32Array = new Int32Array(0);
  /**
   * Gradient buffers per layer and block, reused batch to batch: all +0 when a batch starts. An
   * SGD step zeroes the elements it visited (the only ones a batch writes); any other end of a
   * batch (Adam, a rejected step) marks them dirty and the next batch clears them whole.
   */
  private gradCache: Float32Array[][] = [];
  private gradDirty = false;
  /** Scratch of an SGD step: the touched columns, ascending. */
  private colList: Int32Array = new Int32Array(0);
  /** Per layer: the buffers of one training sample (§8.1–8), reused sample to sample. */
  private scratch: SampleScratch[] = [];

  constructor(readonly ir: ModelIR) {
    this.constants = modelConstants(ir);
    const classes = ir.classes;
    const seed = ir.training.seed >>> 0;
    const classifierStream = new Stream(seed, STREAM_CLASSIFIER);
    const weightStream = new Stream(seed, STREAM_WEIGHTS);
    const adam = ir.training.optimizer.kind === 'adam';
    const heNormal = ir.training.classifier === 'he-normal';

    this.layers = ir.layers.map((layer) => {
      const blocks = layerBlocks(layer);
      const blockOffset: number[] = [];
      let total = 0;
      for (const b of blocks) {
        blockOffset.push(total);
        total += b.size;
      }
      const classifierRowWords = wordsFor(layer.units);
      const rowWords = wordsFor(layer.inputs);
      const records: AdamRecord[] = adam
        ? [...blocks.map((b) => b.size), layer.units].map((n) => ({
            m: new Float32Array(n),
            v: new Float32Array(n),
            p1: 1,
            p2: 1,
          }))
        : [];
      const weights = new Float32Array(total);
      return {
        ir: layer,
        blocks,
        blockOffset,
        classifier: new Uint32Array(heNormal ? 0 : classes * classifierRowWords),
        classifierRowWords,
        classifierWeights: heNormal ? new Float32Array(classes * layer.units) : null,
        weights,
        weightBits: new Int32Array(weights.buffer),
        bias: new Float32Array(layer.units),
        adam: records,
        bits: new Uint32Array(layer.units * rowWords),
        rowWords,
        absSum: new Float64Array(blocks.length),
        alpha: 0,
        steps: 0,
      };
    });

    // §5.1 classifier signs (or he-normal entries), all layers first.
    this.layers.forEach((ls, l) => {
      const beta = this.constants.layers[l]!.beta;
      for (let c = 0; c < classes; c++) {
        for (let i = 0; i < ls.ir.units; i++) {
          if (ls.classifierWeights) ls.classifierWeights[c * ls.ir.units + i] = mul(classifierStream.normal(), beta);
          else if (classifierStream.next() >>> 31) ls.classifier[c * ls.classifierRowWords + (i >>> 5)]! |= 1 << (i & 31);
        }
      }
    });
    // §5.3 uniform biases.
    if (ir.training.bias?.init === 'uniform') {
      const biasStream = new Stream(seed, STREAM_BIAS);
      this.layers.forEach((ls, l) => {
        const omega = this.constants.layers[l]!.omega;
        for (let j = 0; j < ls.bias.length; j++) ls.bias[j] = mul(sub(mul(biasStream.uniform(), 2), 1), omega);
      });
    }
    // §5.2 latent weights.
    this.layers.forEach((ls, l) => {
      const omega = this.constants.layers[l]!.omega;
      for (let i = 0; i < ls.weights.length; i++) {
        ls.weights[i] = mul(sub(mul(weightStream.uniform(), 2), 1), omega);
      }
      for (let k = 0; k < ls.blocks.length; k++) this.refreshBlock(l, k);
    });
  }

  /** §6: absSum, α and the weight bits of one block. */
  private refreshBlock(l: number, k: number): void {
    const ls = this.layers[l]!;
    const b = ls.blocks[k]!;
    const cols = b.colEnd - b.colStart;
    const raw = ls.weightBits;
    const bitWords = ls.bits;
    let off = ls.blockOffset[k]!;
    for (let j = b.rowStart; j < b.rowEnd; j++) {
      const rowBase = j * ls.rowWords;
      for (let i = b.colStart; i < b.colStart + cols; i++) {
        // The bit is w ≥ 0 (−0 included), from the binary32 pattern without a branch: negative
        // means the sign bit is set and the magnitude bits are not all zero.
        const r = raw[off++]!;
        const negative = (r >>> 31) & (((r & 0x7fffffff) + 0x7fffffff) >>> 31);
        const word = rowBase + (i >>> 5);
        const shift = i & 31;
        bitWords[word] = (bitWords[word]! & ~(1 << shift)) | ((negative ^ 1) << shift);
      }
    }
    ls.absSum[k] = this.blockAbsSum(l, k);
    this.refreshAlpha(l);
  }

  /** §6: absSum of one block, Σ fix(w) over its weights (exact, any order). */
  private blockAbsSum(l: number, k: number): number {
    const ls = this.layers[l]!;
    const off = ls.blockOffset[k]!;
    return absSumFix(ls.weights, off, off + ls.blocks[k]!.size);
  }

  /** §6: α = div(f32(S), countFix) from the layer's absSum vector (S exact: at most 2^53). */
  private refreshAlpha(l: number): void {
    const ls = this.layers[l]!;
    let total = 0;
    for (let q = 0; q < ls.absSum.length; q++) total += ls.absSum[q]!;
    ls.alpha = div(f32(total), this.constants.layers[l]!.countFix);
  }

  /**
   * Sets layer l's latent weights (block by block, §3 order), biases and n_l from a stored state
   * (a weight store's records, docs/store.md) and recomputes its derived state (§6), as tf_resume
   * does. The optimizer state is not set: the model can predict, not continue training.
   */
  loadLayer(l: number, weights: Float32Array, bias: Float32Array, steps: number): void {
    const ls = this.layers[l]!;
    if (weights.length !== ls.weights.length || bias.length !== ls.bias.length) {
      throw new Error(`loadLayer(${l}): ${weights.length} weights and ${bias.length} biases, expected ${ls.weights.length} and ${ls.bias.length}`);
    }
    ls.weights.set(weights);
    ls.bias.set(bias);
    ls.steps = steps;
    for (let k = 0; k < ls.blocks.length; k++) this.refreshBlock(l, k);
  }

  /** Validates a raw sample for the model's encoding (§7) and returns it as integers q⁰. */
  checkInput(x: Uint8Array): void {
    if (x.length !== this.ir.input.features) {
      throw new TrainingError(Status.INPUT, `sample has ${x.length} features, model expects ${this.ir.input.features}`);
    }
    if (this.ir.input.encoding === 'bits') {
      for (let i = 0; i < x.length; i++) {
        if (x[i]! > 1) throw new TrainingError(Status.INPUT, `bits input ${i} is ${x[i]}, expected 0 or 1`);
      }
    }
  }

  /** §7 for one layer whose input is the raw sample (layer 0). */
  private forwardFirst(x: Uint8Array): LayerOutput {
    const ls = this.layers[0]!;
    const n = ls.ir.units;
    const k = ls.ir.inputs;
    const z = new Float32Array(n);
    const scale = mul(ls.alpha, this.constants.gammaIn);
    // pos is a sum of integers, so any grouping gives the same value: per group of four features
    // (one nibble of a weight row) that has a non-zero feature, a table of its 16 subset sums;
    // a row's pos is then one look-up per such group, indexed by the row's nibble of weight bits.
    const rowWords = ls.rowWords;
    const groups = (k + 3) >>> 2;
    if (this.groupList.length < groups) {
      this.groupList = new Int32Array(groups);
      this.groupTables = new Int32Array(groups * 16);
    }
    const list = this.groupList;
    const tables = this.groupTables;
    if (this.groupShift.length < groups) {
      this.groupShift = new Int32Array(groups);
      this.groupWords = new Int32Array(groups);
      this.groupRunEnd = new Int32Array(groups);
    }
    const shifts = this.groupShift;
    // The words of a weight row that hold a non-zero group, and where each word's groups end.
    const words = this.groupWords;
    const runEnd = this.groupRunEnd;
    let nWords = 0;
    let nGroups = 0;
    let total = 0;
    for (let gi = 0; gi < groups; gi++) {
      const i0 = gi << 2;
      const x0 = x[i0]!;
      const x1 = i0 + 1 < k ? x[i0 + 1]! : 0;
      const x2 = i0 + 2 < k ? x[i0 + 2]! : 0;
      const x3 = i0 + 3 < k ? x[i0 + 3]! : 0;
      if ((x0 | x1 | x2 | x3) === 0) continue;
      const t = nGroups << 4;
      const x01 = x0 + x1;
      const x23 = x2 + x3;
      tables[t] = 0;
      tables[t + 1] = x0;
      tables[t + 2] = x1;
      tables[t + 3] = x01;
      tables[t + 4] = x2;
      tables[t + 5] = x0 + x2;
      tables[t + 6] = x1 + x2;
      tables[t + 7] = x01 + x2;
      tables[t + 8] = x3;
      tables[t + 9] = x0 + x3;
      tables[t + 10] = x1 + x3;
      tables[t + 11] = x01 + x3;
      tables[t + 12] = x23;
      tables[t + 13] = x0 + x23;
      tables[t + 14] = x1 + x23;
      tables[t + 15] = x01 + x23;
      total += x01 + x23;
      shifts[nGroups] = (gi & 7) << 2;
      list[nGroups++] = gi >>> 3; // the word of weight bits that holds the nibble
      if (nWords === 0 || words[nWords - 1] !== gi >>> 3) words[nWords++] = gi >>> 3;
      runEnd[nWords - 1] = nGroups;
    }
    const bits = ls.bits;
    const bias = ls.bias;
    for (let j = 0; j < n; j++) {
      const base = j * rowWords;
      let pos = 0;
      let q = 0;
      for (let r = 0; r < nWords; r++) {
        const word = bits[base + words[r]!]!;
        const stop = runEnd[r]!;
        for (; q < stop; q++) pos += tables[(q << 4) | ((word >>> shifts[q]!) & 15)]!;
      }
      z[j] = fr(fr(scale * (2 * pos - total)) + bias[j]!); // add(mul(scale, f32(·)), b): the integer is below 2^24
    }
    return this.finishLayer(0, z);
  }

  /** §7 for a layer whose input is the previous layer's bits. */
  private forwardHidden(l: number, input: LayerOutput): LayerOutput {
    const ls = this.layers[l]!;
    const n = ls.ir.units;
    const a = input.bits;
    let active = 0;
    for (let w = 0; w < a.length; w++) active += popcount32(a[w]!);
    const scale = mul(ls.alpha, this.hiddenInputScale(input));
    const z = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const base = j * ls.rowWords;
      let pos = 0;
      for (let w = 0; w < ls.rowWords; w++) pos += popcount32(a[w]! & ls.bits[base + w]!);
      z[j] = add(mul(scale, f32(2 * pos - active)), ls.bias[j]!);
    }
    return this.finishLayer(l, z);
  }

  /** γ_in of a layer l ≥ 1 whose input is `input` (§7): 1, or γ_{l−1} with `inputScale: 'layer'`. */
  private hiddenInputScale(input: LayerOutput): number {
    return this.ir.training.inputScale === 'layer' ? input.gamma : 1;
  }

  private finishLayer(l: number, z: Float32Array): LayerOutput {
    const n = z.length;
    let sum = 0;
    const bits = new Uint32Array(wordsFor(n));
    for (let j = 0; j < n; j++) {
      const v = z[j]!;
      if (!Number.isFinite(v)) throw new TrainingError(Status.NONFINITE, `layer ${l}: z[${j}] is ${v}`);
      sum = fr(sum + Math.abs(v));
      if (v > 0) bits[j >>> 5]! |= 1 << (j & 31);
    }
    const gamma = div(sum, this.constants.layers[l]!.units);
    if (!Number.isFinite(gamma)) throw new TrainingError(Status.NONFINITE, `layer ${l}: gamma is ${gamma}`);
    return { z, gamma, bits };
  }

  /** Forward through layers 0..upTo (inclusive). */
  forward(x: Uint8Array, upTo: number): LayerOutput[] {
    this.checkInput(x);
    const outs: LayerOutput[] = [this.forwardFirst(x)];
    for (let l = 1; l <= upTo; l++) outs.push(this.forwardHidden(l, outs[l - 1]!));
    return outs;
  }

  /** §7.6–7: local classifier logits of layer l. */
  logits(l: number, out: LayerOutput): Float32Array {
    const ls = this.layers[l]!;
    const c = this.ir.classes;
    const a = new Float32Array(c);
    let active = 0;
    for (let w = 0; w < out.bits.length; w++) active += popcount32(out.bits[w]!);
    if (ls.classifierWeights) {
      // he-normal (§7.6–7): t_c = Σ over the fired units of W_{c,i}, a_c = mul(γ_l, t_c).
      const n = ls.ir.units;
      for (let cls = 0; cls < c; cls++) {
        let t = 0;
        for (let i = 0; i < n; i++) if (getBit(out.bits, 0, i)) t = add(t, ls.classifierWeights[cls * n + i]!);
        const v = mul(out.gamma, t);
        if (!Number.isFinite(v)) throw new TrainingError(Status.NONFINITE, `layer ${l}: logit ${cls} is ${v}`);
        a[cls] = v;
      }
      return a;
    }
    const scale = mul(out.gamma, this.constants.layers[l]!.beta);
    for (let cls = 0; cls < c; cls++) {
      const base = cls * ls.classifierRowWords;
      let pos = 0;
      for (let w = 0; w < ls.classifierRowWords; w++) pos += popcount32(out.bits[w]! & ls.classifier[base + w]!);
      const v = mul(scale, f32(2 * pos - active));
      if (!Number.isFinite(v)) throw new TrainingError(Status.NONFINITE, `layer ${l}: logit ${cls} is ${v}`);
      a[cls] = v;
    }
    return a;
  }

  /** Prediction with layer l's classifier: argmax, ties to the smallest class. */
  predict(x: Uint8Array, l: number): number {
    this.checkLayer(l);
    const outs = this.forward(x, l);
    const a = this.logits(l, outs[l]!);
    let best = 0;
    for (let c = 1; c < a.length; c++) if (a[c]! > a[best]!) best = c;
    return best;
  }

  private checkLayer(l: number): void {
    if (!Number.isInteger(l) || l < 0 || l >= this.layers.length) {
      throw new TrainingError(Status.STATE, `layer ${l} out of range 0..${this.layers.length - 1}`);
    }
  }

  /** Blocks the next update step of layer l touches (§8.9). */
  activeBlocks(l: number): number[] {
    const ls = this.layers[l]!;
    const m2 = ls.blocks.length;
    const schedule = this.ir.training.blockSchedule;
    if (typeof schedule === 'object') {
      if (schedule.kind === 'runs') return [Math.floor(ls.steps / schedule.steps) % m2];
      return assertNever(schedule.kind);
    }
    switch (schedule) {
      case 'cyclic':
        return [ls.steps % m2];
      case 'all':
        return ls.blocks.map((b) => b.index);
      case 'freeze-diagonal': {
        const slices = this.ir.training.slices;
        const e = Math.floor(ls.steps / this.constants.epochSteps) % slices;
        return ls.blocks.map((b) => b.index).filter((k) => k !== e * slices + e);
      }
      default:
        return assertNever(schedule);
    }
  }

  /**
   * Trains layer l on one sample (§8). Applies the update once a full batch
   * is in. On error nothing changes and the pending batch is discarded.
   */
  trainSample(l: number, x: Uint8Array, label: number): void {
    this.checkLayer(l);
    if (!Number.isInteger(label) || label < 0 || label >= this.ir.classes) {
      throw new TrainingError(Status.LABEL, `label ${label} is not below classes ${this.ir.classes}`);
    }
    if (this.pendingSamples > 0 && this.pendingLayer !== l) {
      throw new TrainingError(Status.STATE, `layer ${this.pendingLayer} has an incomplete batch`);
    }
    for (let later = l + 1; later < this.layers.length; later++) {
      if (this.layers[later]!.steps > 0) {
        throw new TrainingError(Status.STATE, `layer ${l} is frozen: layer ${later} has already been trained`);
      }
    }
    this.checkInput(x);
    // A non-finite forward pass rejects this sample only; the incomplete batch stays.
    this.accumulate(l, x, label);
    if (this.pendingSamples === this.ir.training.batchSize) {
      this.pendingSamples = 0;
      this.applyUpdate(l);
    }
  }

  private accumulate(l: number, x: Uint8Array, label: number): void {
    const ls = this.layers[l]!;
    const outs = this.forward(x, l);
    const out = outs[l]!;
    const a = this.logits(l, out);
    const classes = this.ir.classes;

    // §8.1–2 softmax and δa.
    let mx = a[0]!;
    for (let c = 1; c < classes; c++) if (a[c]! > mx) mx = a[c]!;
    const sc = this.sampleScratch(l);
    const e = sc.e;
    let s = 0;
    for (let c = 0; c < classes; c++) {
      e[c] = exp32(sub(a[c]!, mx));
      s = add(s, e[c]!);
    }
    const da = sc.da;
    for (let c = 0; c < classes; c++) da[c] = sub(div(e[c]!, s), c === label ? 1 : 0);

    // §8.3–4 δh and δz.
    const n = ls.ir.units;
    const beta = this.constants.layers[l]!.beta;
    const gateLow = this.constants.gateLow;
    const dz = sc.dz.fill(0);
    // d ± δa_c as d + (±δa_c): x − y is x + (−y) exactly, and the classifier bit picks the sign
    // from a table instead of a branch.
    const signed = sc.signedDa;
    for (let c = 0; c < classes; c++) {
      signed[2 * c] = -da[c]!;
      signed[2 * c + 1] = da[c]!;
    }
    const cls = ls.classifier;
    const clsWords = ls.classifierRowWords;
    for (let i = 0; i < n; i++) {
      const zi = out.z[i]!;
      if (!(zi > gateLow && zi < 1)) continue;
      let d = 0;
      const cw = ls.classifierWeights;
      if (cw) {
        for (let c = 0; c < classes; c++) d = add(d, mul(da[c]!, cw[c * n + i]!));
        dz[i] = d;
        continue;
      }
      const word = i >>> 5;
      const shift = i & 31;
      for (let c = 0; c < classes; c++) {
        d = fr(d + signed[2 * c + ((cls[c * clsWords + word]! >>> shift) & 1)]!);
      }
      dz[i] = fr(beta * d);
    }

    // §8.5 input activations h_i.
    const k = ls.ir.inputs;
    const h = sc.h;
    if (l === 0) {
      const g = this.constants.gammaIn;
      for (let i = 0; i < k; i++) h[i] = fr(g * x[i]!); // mul(g, f32(q)): q is exact
    } else {
      const prev = outs[l - 1]!;
      const g = this.hiddenInputScale(prev);
      for (let i = 0; i < k; i++) h[i] = getBit(prev.bits, 0, i) ? g : 0;
    }

    // §8.6–8 accumulate the gradient of the blocks this step updates, and of the bias.
    const blocks = this.activeBlocks(l);
    // SGD with B = 1 forms each gradient element where the step uses it, from δz and h (see
    // applySgdUpdate); every other case accumulates it in the block buffers.
    const direct = this.directGradient();
    if (this.pendingSamples === 0) {
      this.pendingLayer = l;
      this.gradBlocks = direct ? [] : blocks.map((kb) => this.gradBuffer(l, kb));
      this.gradBias = sc.gradBias.fill(0);
      this.touchedRows = sc.touchedRows.fill(0);
      this.touchedCols = sc.touchedCols.fill(0);
      this.gradDirty = !direct;
    }
    // A term d·h_i with d = ±0 or h_i = 0 is ±0, and g + ±0 = g: g starts at +0 and a sum of
    // binary32 values is −0 only when both are −0, so g is never −0. Such terms are skipped.
    if (this.colList.length < k) this.colList = new Int32Array(k);
    const cols = this.colList;
    let nCols = 0;
    for (let i = 0; i < k; i++) {
      if (h[i] !== 0) {
        cols[nCols++] = i;
        this.touchedCols[i] = 1;
      }
    }
    for (let j = 0; j < n; j++) if (dz[j] !== 0) this.touchedRows[j] = 1;
    for (let idx = 0; idx < (direct ? 0 : blocks.length); idx++) {
      const b = ls.blocks[blocks[idx]!]!;
      const g = this.gradBlocks[idx]!;
      const width = b.colEnd - b.colStart;
      let first = 0;
      while (first < nCols && cols[first]! < b.colStart) first++;
      let end = first;
      while (end < nCols && cols[end]! < b.colEnd) end++;
      for (let j = b.rowStart; j < b.rowEnd; j++) {
        const d = dz[j]!;
        if (d === 0) continue;
        const row = (j - b.rowStart) * width - b.colStart;
        for (let c = first; c < end; c++) {
          const i = cols[c]!;
          g[row + i] = fr(g[row + i]! + fr(d * h[i]!));
        }
      }
    }
    const gradBias = this.gradBias;
    for (let j = 0; j < n; j++) gradBias[j] = fr(gradBias[j]! + dz[j]!);
    this.pendingSamples++;
  }

  /** The learning rate of layer l's next update step (§8.10): div(lr, add(f32(floor(n_l / H)), 1)), or lr when H = 0. */
  private stepLearningRate(l: number): number {
    const k = this.constants;
    if (k.decaySteps === 0) return k.learningRate;
    return div(k.learningRate, add(f32(Math.floor(this.layers[l]!.steps / k.decaySteps)), 1));
  }

  /** §8.10–11: the optimizer over the active records, check, commit, refresh. */
  private applyUpdate(l: number): void {
    if (this.ir.training.optimizer.kind === 'sgd') {
      this.applySgdUpdate(l);
      return;
    }
    const ls = this.layers[l]!;
    const blocks = this.activeBlocks(l);
    const batch = this.constants.batch;
    const lr = this.stepLearningRate(l);
    const newWeights: Float32Array[] = [];
    const newAdam: AdamRecord[] = [];

    blocks.forEach((kb, idx) => {
      const b = ls.blocks[kb]!;
      const off = ls.blockOffset[kb]!;
      const g = this.gradBlocks[idx]!;
      for (let i = 0; i < g.length; i++) g[i] = div(g[i]!, batch);
      const w = ls.weights.slice(off, off + b.size);
      const rec = this.optimize(w, g, lr, ls.adam[kb], true);
      newWeights.push(w);
      if (rec) newAdam.push(rec);
    });
    const gb = this.gradBias;
    for (let i = 0; i < gb.length; i++) gb[i] = div(gb[i]!, batch);
    const bias = ls.bias.slice();
    const biasRec = this.optimize(bias, gb, lr, ls.adam[ls.blocks.length], this.constants.biasClamp);

    const all = [...newWeights, bias, ...newAdam.flatMap((r) => [r.m, r.v]), ...(biasRec ? [biasRec.m, biasRec.v] : [])];
    if (!all.every(isFiniteArray)) {
      throw new TrainingError(Status.NONFINITE, `layer ${l}: update step ${ls.steps} produced a non-finite value`);
    }

    // Commit.
    blocks.forEach((kb, idx) => {
      ls.weights.set(newWeights[idx]!, ls.blockOffset[kb]!);
      if (newAdam.length > 0) ls.adam[kb] = newAdam[idx]!;
    });
    ls.bias.set(bias);
    if (biasRec) ls.adam[ls.blocks.length] = biasRec;
    for (const kb of blocks) this.refreshBlock(l, kb);
    ls.steps++;
  }

  private sampleScratch(l: number): SampleScratch {
    const ls = this.layers[l]!;
    const n = ls.ir.units;
    const k = ls.ir.inputs;
    const c = this.ir.classes;
    return (this.scratch[l] ??= {
      e: new Float32Array(c),
      da: new Float32Array(c),
      signedDa: new Float32Array(2 * c),
      dz: new Float32Array(n),
      h: new Float32Array(k),
      gradBias: new Float32Array(n),
      touchedRows: new Uint8Array(n),
      touchedCols: new Uint8Array(k),
    });
  }

  /** SGD with batch size 1: the step forms each gradient element from δz and h (no block buffer). */
  private directGradient(): boolean {
    return this.ir.training.batchSize === 1 && this.ir.training.optimizer.kind === 'sgd';
  }

  /** The zeroed gradient buffer of block kb of layer l for a new batch (see gradCache). */
  private gradBuffer(l: number, kb: number): Float32Array {
    if (this.gradDirty) {
      for (const perLayer of this.gradCache) for (const g of perLayer) g?.fill(0);
      this.gradDirty = false;
    }
    const perLayer = (this.gradCache[l] ??= []);
    return (perLayer[kb] ??= new Float32Array(this.layers[l]!.blocks[kb]!.size));
  }

  /**
   * §8.10–11 for SGD, computing only the weights whose gradient can be non-zero (rows and
   * columns touched by the batch): every other weight keeps its value exactly (see touchedRows),
   * so its new value, its finiteness (it was committed finite) and its sign bit are the old ones.
   * The commit sets the sign bits of the weights it writes and moves the block's absSum by
   * fix(w') − fix(w) of each of them (§6 allows it: the sum is exact). Same results as the
   * general path.
   */
  private applySgdUpdate(l: number): void {
    const ls = this.layers[l]!;
    const blocks = this.activeBlocks(l);
    const batch = this.constants.batch;
    const lr = this.stepLearningRate(l);
    const rows = this.touchedRows;
    const colsTouched = this.touchedCols;
    const k = ls.ir.inputs;
    // The touched columns of the layer, ascending; each block's are one run of them.
    if (this.colList.length < k) this.colList = new Int32Array(k);
    const cols = this.colList;
    let nCols = 0;
    for (let i = 0; i < k; i++) if (colsTouched[i]) cols[nCols++] = i;
    const runStart = new Int32Array(blocks.length);
    const runEnd = new Int32Array(blocks.length);
    for (let idx = 0; idx < blocks.length; idx++) {
      const b = ls.blocks[blocks[idx]!]!;
      let first = 0;
      while (first < nCols && cols[first]! < b.colStart) first++;
      let end = first;
      while (end < nCols && cols[end]! < b.colEnd) end++;
      runStart[idx] = first;
      runEnd[idx] = end;
    }
    // The gradient element of (j, i): with B = 1 the one term +0 + δz_j·h_i of §8.8, formed here
    // (+ 0 turns a −0 product into the +0 the sum gives); otherwise the accumulated sum ÷ B.
    const direct = this.directGradient();
    const dz = this.scratch[l]!.dz;
    const h = this.scratch[l]!.h;
    const weights = ls.weights;
    const bitWords = ls.bits;
    const rowWords = ls.rowWords;
    // Check before any write: a committed weight is finite, so w − lr·g is NaN exactly when lr·g
    // is, and ±∞ clamps to ±1 (clamp1): the step is finite iff no lr·g is NaN.
    // At B = 1 with 0 < lr < ∞ and every δz_j and h_i finite, δz_j·h_i is finite or ±∞ and lr
    // times it is never NaN: the element loop below is needed only otherwise.
    const provablyFinite = direct && lr > 0 && lr < Infinity && isFiniteArray(dz) && isFiniteArray(h);
    let finite = true;
    for (let idx = 0; idx < blocks.length && finite && !provablyFinite; idx++) {
      const b = ls.blocks[blocks[idx]!]!;
      const g = direct ? undefined : this.gradBlocks[idx]!;
      const width = b.colEnd - b.colStart;
      const first = runStart[idx]!;
      const end = runEnd[idx]!;
      for (let j = b.rowStart; j < b.rowEnd; j++) {
        if (!rows[j]) continue;
        const gRow = (j - b.rowStart) * width - b.colStart;
        const d = dz[j]!;
        for (let c = first; c < end; c++) {
          const i = cols[c]!;
          const gi = g === undefined ? fr(d * h[i]!) + 0 : batch === 1 ? g[gRow + i]! : fr(g[gRow + i]! / batch);
          const t = lr * gi;
          if (t !== t) finite = false;
        }
      }
    }
    const gb = this.gradBias;
    const bias = new Float32Array(gb.length);
    const biasClamp = this.constants.biasClamp;
    const oldBias = ls.bias;
    for (let i = 0; i < gb.length; i++) {
      const b = fr(oldBias[i]! - fr(lr * fr(gb[i]! / batch))); // sub(b, mul(lr, div(g, B)))
      bias[i] = biasClamp ? clamp1(b) : b;
    }
    if (!finite || !isFiniteArray(bias)) {
      throw new TrainingError(Status.NONFINITE, `layer ${l}: update step ${ls.steps} produced a non-finite value`);
    }

    // Commit: the new weights with their sign bits (w ≥ 0, −0 included, is a 1; no new weight is
    // NaN here), clearing the gradient elements as they are used. A row's bits are gathered per
    // word of columns and written once per word (the columns are ascending).
    for (let idx = 0; idx < blocks.length; idx++) {
      const b = ls.blocks[blocks[idx]!]!;
      const off = ls.blockOffset[blocks[idx]!]!;
      const g = direct ? undefined : this.gradBlocks[idx]!;
      const width = b.colEnd - b.colStart;
      const first = runStart[idx]!;
      const end = runEnd[idx]!;
      // fix(w) = floor(|w| · 2^24) (§6): |w| · 2^24 is exact in a double and at most 2^24, so
      // `| 0` (truncation toward zero) is the floor. The block's change is below 2^53.
      let moved = 0;
      // B = 1: the touched rows two at a time (one walk of the columns for both), then the last one.
      let pending = -1;
      for (let j = b.rowStart; j < b.rowEnd && direct && first !== end; j++) {
        if (!rows[j]) continue;
        if (pending < 0) {
          pending = j;
          continue;
        }
        const r0 = off + (pending - b.rowStart) * width - b.colStart;
        const r1 = off + (j - b.rowStart) * width - b.colStart;
        moved += sgdRowsDirect2(weights, r0, r1, cols, first, end, h, dz[pending]!, dz[j]!, lr, bitWords, pending * rowWords, j * rowWords);
        pending = -1;
      }
      if (pending >= 0) {
        const r0 = off + (pending - b.rowStart) * width - b.colStart;
        moved += sgdRowDirect(weights, r0, cols, first, end, h, dz[pending]!, lr, bitWords, pending * rowWords);
      }
      for (let j = b.rowStart; j < b.rowEnd && !direct; j++) {
        if (!rows[j] || first === end) continue;
        const row = off + (j - b.rowStart) * width - b.colStart;
        const gRow = row - off;
        const rowBase = j * rowWords;
        let word = cols[first]! >>> 5;
        let mask = 0;
        let ones = 0;
        for (let c = first; c < end; c++) {
          const i = cols[c]!;
          const gi = batch === 1 ? g![gRow + i]! : fr(g![gRow + i]! / batch);
          g![gRow + i] = 0;
          const old = weights[row + i]!;
          const v = fr(old - fr(lr * gi));
          const w = v > 1 ? 1 : v < -1 ? -1 : v; // clamp1
          weights[row + i] = w;
          moved += ((Math.abs(w) * FIX_SCALE) | 0) - ((Math.abs(old) * FIX_SCALE) | 0);
          if (i >>> 5 !== word) {
            bitWords[rowBase + word] = (bitWords[rowBase + word]! & ~mask) | ones;
            word = i >>> 5;
            mask = 0;
            ones = 0;
          }
          const bit = 1 << (i & 31);
          mask |= bit;
          if (w >= 0) ones |= bit; // −0 ≥ 0
        }
        bitWords[rowBase + word] = (bitWords[rowBase + word]! & ~mask) | ones;
      }
      ls.absSum[blocks[idx]!] += moved;
    }
    this.gradDirty = false;
    ls.bias.set(bias);
    this.refreshAlpha(l);
    ls.steps++;
  }

  /**
   * Updates `w` in place with averaged gradient g and the step's learning rate lr (§8.10). Returns the new Adam
   * record (uncommitted) for Adam, undefined for SGD.
   */
  private optimize(w: Float32Array, g: Float32Array, lr: number, rec: AdamRecord | undefined, clamp: boolean): AdamRecord | undefined {
    const k = this.constants;
    if (this.ir.training.optimizer.kind === 'sgd') {
      for (let i = 0; i < w.length; i++) {
        const v = sub(w[i]!, mul(lr, g[i]!));
        w[i] = clamp ? clamp1(v) : v;
      }
      return undefined;
    }
    const r = rec!;
    const p1 = mul(r.p1, k.beta1);
    const p2 = mul(r.p2, k.beta2);
    const d1 = sub(1, p1);
    const d2 = sub(1, p2);
    const m = new Float32Array(w.length);
    const v = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      const mi = add(mul(k.beta1, r.m[i]!), mul(k.c1, gi));
      const vi = add(mul(k.beta2, r.v[i]!), mul(k.c2, mul(gi, gi)));
      m[i] = mi;
      v[i] = vi;
      const mh = div(mi, d1);
      const vh = div(vi, d2);
      const nw = sub(w[i]!, div(mul(lr, mh), add(sqrt(vh), k.epsilon)));
      w[i] = clamp ? clamp1(nw) : nw;
    }
    return { m, v, p1, p2 };
  }

  /** Serialised bytes of one array of layer l (§11). Empty for `adam` under SGD. */
  arrayBytes(l: number, name: ArrayName): Uint8Array {
    const ls = this.layers[l]!;
    switch (name) {
      case 'classifier':
        return ls.classifierWeights ? f32Bytes(ls.classifierWeights) : u32Bytes(ls.classifier);
      case 'weights':
        return f32Bytes(ls.weights);
      case 'bias':
        return f32Bytes(ls.bias);
      case 'adam': {
        if (ls.adam.length === 0) return new Uint8Array(0);
        const parts: Float32Array[] = [];
        for (const r of ls.adam) parts.push(r.m, r.v, Float32Array.of(r.p1, r.p2));
        return concatF32(parts);
      }
      case 'bits':
        return u32Bytes(ls.bits);
      case 'absSum':
        return u64Bytes(ls.absSum);
      case 'alpha':
        return f32Bytes(Float32Array.of(ls.alpha));
      case 'steps':
        return u32Bytes(Uint32Array.of(ls.steps));
      default:
        return assertNever(name);
    }
  }

  /** Per-array digests and the state digest (§11). */
  digests(): { state: string; arrays: { layer: number; name: ArrayName; digest: string }[] } {
    const whole = new Crc32();
    const arrays: { layer: number; name: ArrayName; digest: string }[] = [];
    for (let l = 0; l < this.layers.length; l++) {
      for (const name of ARRAY_NAMES) {
        if (name === 'adam' && this.ir.training.optimizer.kind !== 'adam') continue;
        const bytes = this.arrayBytes(l, name);
        whole.update(bytes);
        arrays.push({ layer: l, name, digest: new Crc32().update(bytes).hex() });
      }
    }
    return { state: whole.hex(), arrays };
  }

  /** Total update steps taken over all layers. */
  totalSteps(): number {
    return this.layers.reduce((s, ls) => s + ls.steps, 0);
  }

  /** Update steps each layer takes under `learn` (tf_model.learn_steps, §13). */
  get learnSteps(): number {
    return learnSteps(this.ir);
  }

  /** §13: the first layer below its planned steps; the last one once every layer has them (tf_learn). */
  learnLayer(): number {
    let l = 0;
    while (l + 1 < this.layers.length && this.layers[l]!.steps >= this.learnSteps) l++;
    return l;
  }

  /** §13: the deepest layer that has its planned steps, layer 0 while none has (tf_predict_scores). */
  predictLayer(): number {
    let best = 0;
    this.layers.forEach((ls, l) => {
      if (ls.steps >= this.learnSteps) best = l;
    });
    return best;
  }

  /** tf_learn (§13): one sample for the layer the schedule trains now. */
  learn(x: Uint8Array, label: number): void {
    this.trainSample(this.learnLayer(), x, label);
  }

  /** tf_predict_layer_scores: the logits a_c of layer l (§7.7). */
  layerScores(x: Uint8Array, l: number): Float32Array {
    this.checkLayer(l);
    const outs = this.forward(x, l);
    return this.logits(l, outs[l]!);
  }

  /** tf_predict_scores (§13): the logits of the deepest trained layer. */
  predictScores(x: Uint8Array): Float32Array {
    return this.layerScores(x, this.predictLayer());
  }

  /** The schedule fields of tf_get_info (§13). */
  info(): { learnLayer: number; predictLayer: number; scheduleDone: boolean; learnSteps: number; layerSteps: number; steps: number; samples: number; pending: number } {
    const learnLayer = this.learnLayer();
    const steps = this.totalSteps();
    return {
      learnLayer,
      predictLayer: this.predictLayer(),
      scheduleDone: this.layers[this.layers.length - 1]!.steps >= this.learnSteps,
      learnSteps: this.learnSteps,
      layerSteps: this.layers[learnLayer]!.steps,
      steps,
      samples: steps * this.ir.training.batchSize + this.pendingSamples,
      pending: this.pendingSamples,
    };
  }
}

export { assertNever };

function u32Bytes(a: Uint32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setUint32(i * 4, a[i]!, true);
  return out;
}

/** Exact non-negative integers below 2^53 as uint64, little-endian (§11 absSum). */
function u64Bytes(a: Float64Array): Uint8Array {
  const out = new Uint8Array(a.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    dv.setUint32(i * 8, v % 2 ** 32, true);
    dv.setUint32(i * 8 + 4, Math.floor(v / 2 ** 32), true);
  }
  return out;
}

function f32Bytes(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i]!, true);
  return out;
}

function concatF32(parts: Float32Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return f32Bytes(all);
}

/** 2^24: fix(w) = floor(|w| · 2^24) (§6); the product of a binary32 and 2^24 is exact in a double. */
const FIX_SCALE = 2 ** 24;

/** Two rows of the SGD step with B = 1, as sgdRowDirect for each, sharing the walk of the columns. */
function sgdRowsDirect2(
  weights: Float32Array,
  row0: number,
  row1: number,
  cols: Int32Array,
  first: number,
  end: number,
  h: Float32Array,
  d0: number,
  d1: number,
  lr: number,
  bitWords: Uint32Array,
  rowBase0: number,
  rowBase1: number,
): number {
  let moved = 0;
  let word = cols[first]! >>> 5;
  let mask = 0;
  let ones0 = 0;
  let ones1 = 0;
  for (let c = first; c < end; c++) {
    const i = cols[c]!;
    const hi = h[i]!;
    const old0 = weights[row0 + i]!;
    const old1 = weights[row1 + i]!;
    const v0 = fr(old0 - fr(lr * (fr(d0 * hi) + 0)));
    const v1 = fr(old1 - fr(lr * (fr(d1 * hi) + 0)));
    const w0 = v0 > 1 ? 1 : v0 < -1 ? -1 : v0; // clamp1
    const w1 = v1 > 1 ? 1 : v1 < -1 ? -1 : v1;
    weights[row0 + i] = w0;
    weights[row1 + i] = w1;
    moved += ((Math.abs(w0) * FIX_SCALE) | 0) - ((Math.abs(old0) * FIX_SCALE) | 0);
    moved += ((Math.abs(w1) * FIX_SCALE) | 0) - ((Math.abs(old1) * FIX_SCALE) | 0);
    if (i >>> 5 !== word) {
      bitWords[rowBase0 + word] = (bitWords[rowBase0 + word]! & ~mask) | ones0;
      bitWords[rowBase1 + word] = (bitWords[rowBase1 + word]! & ~mask) | ones1;
      word = i >>> 5;
      mask = 0;
      ones0 = 0;
      ones1 = 0;
    }
    const bit = 1 << (i & 31);
    mask |= bit;
    if (w0 >= 0) ones0 |= bit; // −0 ≥ 0
    if (w1 >= 0) ones1 |= bit;
  }
  bitWords[rowBase0 + word] = (bitWords[rowBase0 + word]! & ~mask) | ones0;
  bitWords[rowBase1 + word] = (bitWords[rowBase1 + word]! & ~mask) | ones1;
  return moved;
}

/**
 * One row of the SGD step with B = 1 (applySgdUpdate's commit, in a small function the JIT
 * optimises on its own): for the columns cols[first..end) (ascending), w' = clamp1(sub(w,
 * mul(lr, add(+0, mul(d, h_i))))), the row's weight bits of those columns (w' ≥ 0, −0 included;
 * no w' is NaN here) written once per word, and the change of the row's Σ fix(w) returned
 * ((|w| · 2^24) | 0 is floor(|w| · 2^24) for |w| ≤ 1).
 */
function sgdRowDirect(
  weights: Float32Array,
  row: number,
  cols: Int32Array,
  first: number,
  end: number,
  h: Float32Array,
  d: number,
  lr: number,
  bitWords: Uint32Array,
  rowBase: number,
): number {
  let moved = 0;
  let word = cols[first]! >>> 5;
  let mask = 0;
  let ones = 0;
  for (let c = first; c < end; c++) {
    const i = cols[c]!;
    const old = weights[row + i]!;
    const v = fr(old - fr(lr * (fr(d * h[i]!) + 0)));
    const w = v > 1 ? 1 : v < -1 ? -1 : v; // clamp1
    weights[row + i] = w;
    moved += ((Math.abs(w) * FIX_SCALE) | 0) - ((Math.abs(old) * FIX_SCALE) | 0);
    if (i >>> 5 !== word) {
      bitWords[rowBase + word] = (bitWords[rowBase + word]! & ~mask) | ones;
      word = i >>> 5;
      mask = 0;
      ones = 0;
    }
    const bit = 1 << (i & 31);
    mask |= bit;
    if (w >= 0) ones |= bit;
  }
  bitWords[rowBase + word] = (bitWords[rowBase + word]! & ~mask) | ones;
  return moved;
}

/** §6 fix(w) = floor(|w| · 2^24) of one finite weight, |w| ≤ 1: an integer 0 .. 2^24. */
export function fix24(w: number): number {
  return Math.floor(Math.abs(w) * FIX_SCALE);
}
// (The hot loops write it (|w| · 2^24) | 0: the same integer for |w| ≤ 1, where the product is at most 2^24.)

/**
 * Σ fix(w[i]) for i in [from, to) (§6): exact integers (each at most 2^24, the sum at most 2^53
 * by the planner), so the order does not matter and the additions are plain doubles.
 */
export function absSumFix(w: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (Math.abs(w[i]!) * FIX_SCALE) | 0; // floor: 0 ≤ |w| · 2^24 ≤ 2^24
  return sum;
}
