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
import { STREAM_CLASSIFIER, STREAM_WEIGHTS, Stream } from '../numerics/prng.ts';

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
  absSum: Float32Array;
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
  /** Scratch: the non-zero features of a layer-0 input, one bit each. */
  private inputMask: Uint32Array = new Uint32Array(0);

  constructor(readonly ir: ModelIR) {
    this.constants = modelConstants(ir);
    const classes = ir.classes;
    const seed = ir.training.seed >>> 0;
    const classifierStream = new Stream(seed, STREAM_CLASSIFIER);
    const weightStream = new Stream(seed, STREAM_WEIGHTS);
    const adam = ir.training.optimizer.kind === 'adam';

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
        classifier: new Uint32Array(classes * classifierRowWords),
        classifierRowWords,
        weights,
        weightBits: new Int32Array(weights.buffer),
        bias: new Float32Array(layer.units),
        adam: records,
        bits: new Uint32Array(layer.units * rowWords),
        rowWords,
        absSum: new Float32Array(blocks.length),
        alpha: 0,
        steps: 0,
      };
    });

    // §5.1 classifier signs, all layers first.
    for (const ls of this.layers) {
      for (let c = 0; c < classes; c++) {
        for (let i = 0; i < ls.ir.units; i++) {
          if (classifierStream.next() >>> 31) ls.classifier[c * ls.classifierRowWords + (i >>> 5)]! |= 1 << (i & 31);
        }
      }
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
    const weights = ls.weights;
    const raw = ls.weightBits;
    const bitWords = ls.bits;
    const f = Math.fround;
    let off = ls.blockOffset[k]!;
    let sum = 0;
    for (let j = b.rowStart; j < b.rowEnd; j++) {
      const rowBase = j * ls.rowWords;
      for (let i = b.colStart; i < b.colStart + cols; i++) {
        sum = f(sum + Math.abs(weights[off]!));
        // The bit is w ≥ 0 (−0 included), from the binary32 pattern without a branch: negative
        // means the sign bit is set and the magnitude bits are not all zero.
        const r = raw[off++]!;
        const negative = (r >>> 31) & (((r & 0x7fffffff) + 0x7fffffff) >>> 31);
        const word = rowBase + (i >>> 5);
        const shift = i & 31;
        bitWords[word] = (bitWords[word]! & ~(1 << shift)) | ((negative ^ 1) << shift);
      }
    }
    ls.absSum[k] = sum;
    let total = 0;
    for (let q = 0; q < ls.absSum.length; q++) total = add(total, ls.absSum[q]!);
    ls.alpha = div(total, this.constants.layers[l]!.count);
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
    // The sums are integers, so visiting only the non-zero features (a mask of them, one bit per
    // feature like the weight rows) gives the same pos and total as visiting every feature.
    const rowWords = ls.rowWords;
    const nonZero = this.inputMask.length === rowWords ? this.inputMask.fill(0) : (this.inputMask = new Uint32Array(rowWords));
    let total = 0;
    for (let i = 0; i < k; i++) {
      const v = x[i]!;
      if (v !== 0) {
        total += v;
        nonZero[i >>> 5]! |= 1 << (i & 31);
      }
    }
    const bits = ls.bits;
    for (let j = 0; j < n; j++) {
      const base = j * rowWords;
      let pos = 0;
      for (let w = 0; w < rowWords; w++) {
        let word = bits[base + w]! & nonZero[w]!;
        const i0 = w << 5;
        while (word !== 0) {
          const t = word & -word;
          const bit = 31 - Math.clz32(t);
          pos += x[i0 + bit]!;
          word ^= t;
        }
      }
      z[j] = add(mul(scale, f32(2 * pos - total)), ls.bias[j]!);
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
    const scale = mul(ls.alpha, input.gamma);
    const z = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const base = j * ls.rowWords;
      let pos = 0;
      for (let w = 0; w < ls.rowWords; w++) pos += popcount32(a[w]! & ls.bits[base + w]!);
      z[j] = add(mul(scale, f32(2 * pos - active)), ls.bias[j]!);
    }
    return this.finishLayer(l, z);
  }

  private finishLayer(l: number, z: Float32Array): LayerOutput {
    const n = z.length;
    let sum = 0;
    const bits = new Uint32Array(wordsFor(n));
    for (let j = 0; j < n; j++) {
      const v = z[j]!;
      if (!Number.isFinite(v)) throw new TrainingError(Status.NONFINITE, `layer ${l}: z[${j}] is ${v}`);
      sum = add(sum, Math.abs(v));
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
    if (schedule === 'all') return ls.blocks.map((b) => b.index);
    if (schedule === 'cyclic') return [ls.steps % m2];
    if (schedule.kind === 'runs') return [Math.floor(ls.steps / schedule.steps) % m2];
    return assertNever(schedule.kind);
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
    const e = new Float32Array(classes);
    let s = 0;
    for (let c = 0; c < classes; c++) {
      e[c] = exp32(sub(a[c]!, mx));
      s = add(s, e[c]!);
    }
    const da = new Float32Array(classes);
    for (let c = 0; c < classes; c++) da[c] = sub(div(e[c]!, s), c === label ? 1 : 0);

    // §8.3–4 δh and δz.
    const n = ls.ir.units;
    const beta = this.constants.layers[l]!.beta;
    const gateLow = this.constants.gateLow;
    const dz = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const zi = out.z[i]!;
      if (!(zi > gateLow && zi < 1)) continue;
      let d = 0;
      for (let c = 0; c < classes; c++) {
        d = getBit(ls.classifier, c * ls.classifierRowWords, i) ? add(d, da[c]!) : sub(d, da[c]!);
      }
      dz[i] = mul(beta, d);
    }

    // §8.5 input activations h_i.
    const k = ls.ir.inputs;
    const h = new Float32Array(k);
    if (l === 0) {
      const g = this.constants.gammaIn;
      for (let i = 0; i < k; i++) h[i] = mul(g, f32(x[i]!));
    } else {
      const prev = outs[l - 1]!;
      for (let i = 0; i < k; i++) h[i] = getBit(prev.bits, 0, i) ? prev.gamma : 0;
    }

    // §8.6–8 accumulate the gradient of the blocks this step updates, and of the bias.
    const blocks = this.activeBlocks(l);
    if (this.pendingSamples === 0) {
      this.pendingLayer = l;
      this.gradBlocks = blocks.map((kb) => new Float32Array(ls.blocks[kb]!.size));
      this.gradBias = new Float32Array(n);
      this.touchedRows = new Uint8Array(n);
      this.touchedCols = new Uint8Array(k);
    }
    // A term d·h_i with d = ±0 or h_i = 0 is ±0, and g + ±0 = g: g starts at +0 and a sum of
    // binary32 values is −0 only when both are −0, so g is never −0. Such terms are skipped.
    const cols = new Int32Array(k);
    let nCols = 0;
    for (let i = 0; i < k; i++) {
      if (h[i] !== 0) {
        cols[nCols++] = i;
        this.touchedCols[i] = 1;
      }
    }
    for (let j = 0; j < n; j++) if (dz[j] !== 0) this.touchedRows[j] = 1;
    for (let idx = 0; idx < blocks.length; idx++) {
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
          g[row + i] = add(g[row + i]!, mul(d, h[i]!));
        }
      }
    }
    for (let j = 0; j < n; j++) this.gradBias[j] = add(this.gradBias[j]!, dz[j]!);
    this.pendingSamples++;
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
    const newWeights: Float32Array[] = [];
    const newAdam: AdamRecord[] = [];

    blocks.forEach((kb, idx) => {
      const b = ls.blocks[kb]!;
      const off = ls.blockOffset[kb]!;
      const g = this.gradBlocks[idx]!;
      for (let i = 0; i < g.length; i++) g[i] = div(g[i]!, batch);
      const w = ls.weights.slice(off, off + b.size);
      const rec = this.optimize(w, g, ls.adam[kb], true);
      newWeights.push(w);
      if (rec) newAdam.push(rec);
    });
    const gb = this.gradBias;
    for (let i = 0; i < gb.length; i++) gb[i] = div(gb[i]!, batch);
    const bias = ls.bias.slice();
    const biasRec = this.optimize(bias, gb, ls.adam[ls.blocks.length], false);

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

  /**
   * §8.10–11 for SGD, computing only the weights whose gradient can be non-zero (rows and
   * columns touched by the batch): every other weight keeps its value exactly (see touchedRows),
   * so its new value, its finiteness (it was committed finite) and its sign bit are the old ones.
   * Same results as the general path; absSum is still re-summed over the whole block in §6 order.
   */
  private applySgdUpdate(l: number): void {
    const ls = this.layers[l]!;
    const blocks = this.activeBlocks(l);
    const batch = this.constants.batch;
    const lr = this.constants.learningRate;
    const rows = this.touchedRows;
    const colsTouched = this.touchedCols;
    // The new values and where they go, uncommitted until all are known finite.
    let count = 0;
    for (const kb of blocks) {
      const b = ls.blocks[kb]!;
      let r = 0;
      let c = 0;
      for (let j = b.rowStart; j < b.rowEnd; j++) r += rows[j]!;
      for (let i = b.colStart; i < b.colEnd; i++) c += colsTouched[i]!;
      count += r * c;
    }
    const at = new Int32Array(count);
    const values = new Float32Array(count);
    // Per block: its touched columns (layer column indices).
    const blockCols = blocks.map((kb) => {
      const b = ls.blocks[kb]!;
      const list: number[] = [];
      for (let i = b.colStart; i < b.colEnd; i++) if (colsTouched[i]) list.push(i);
      return Int32Array.from(list);
    });
    const weights = ls.weights;
    let n = 0;
    for (let idx = 0; idx < blocks.length; idx++) {
      const b = ls.blocks[blocks[idx]!]!;
      const off = ls.blockOffset[blocks[idx]!]!;
      const g = this.gradBlocks[idx]!;
      const width = b.colEnd - b.colStart;
      const cols = blockCols[idx]!;
      const nCols = cols.length;
      for (let j = b.rowStart; j < b.rowEnd; j++) {
        if (!rows[j]) continue;
        const row = off + (j - b.rowStart) * width - b.colStart;
        const gRow = row - off;
        for (let c = 0; c < nCols; c++) {
          const i = cols[c]!;
          const gi = batch === 1 ? g[gRow + i]! : div(g[gRow + i]!, batch);
          at[n] = row + i;
          values[n++] = clamp1(sub(weights[row + i]!, mul(lr, gi)));
        }
      }
    }
    const gb = this.gradBias;
    const bias = new Float32Array(gb.length);
    for (let i = 0; i < gb.length; i++) bias[i] = sub(ls.bias[i]!, mul(lr, div(gb[i]!, batch)));
    if (!isFiniteArray(values) || !isFiniteArray(bias)) {
      throw new TrainingError(Status.NONFINITE, `layer ${l}: update step ${ls.steps} produced a non-finite value`);
    }

    // Commit: the weights, their sign bits, then absSum and α of each updated block (§6).
    for (let q = 0; q < n; q++) weights[at[q]!] = values[q]!;
    ls.bias.set(bias);
    // Bits and absSum in one pass over each block: the sum is a chain of dependent roundings,
    // and the bit updates run in its shadow.
    for (const kb of blocks) this.refreshBlock(l, kb);
    ls.steps++;
  }

  /**
   * Updates `w` in place with averaged gradient g (§8.10). Returns the new Adam
   * record (uncommitted) for Adam, undefined for SGD.
   */
  private optimize(w: Float32Array, g: Float32Array, rec: AdamRecord | undefined, clamp: boolean): AdamRecord | undefined {
    const k = this.constants;
    const lr = k.learningRate;
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
        return u32Bytes(ls.classifier);
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
        return f32Bytes(ls.absSum);
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
