/**
 * Shared pieces of the baseline trainers: batches of scaled pixels, dense
 * kernels over row-major Float32Array matrices, optimizers, binarisation and
 * the epoch driver. Everything is allocated once per training run; the loops
 * allocate nothing per sample.
 *
 * Layout: a weight matrix of a layer with K inputs and N units is N×K,
 * row-major (row j holds the weights of unit j). A batch of B vectors of
 * length n is B×n, sample-major.
 */
import type { Dataset, Split } from '../data/types.ts';
import { Rng } from './rng.ts';

/** u8 → [0, 1]. */
const PIXEL = new Float32Array(256);
for (let v = 0; v < 256; v++) PIXEL[v] = v / 255;

/** Copies samples `order[from..from+b)` of a split into `x` (b×features, scaled to [0,1]) and their labels into `y`. */
export function gatherBatch(
  split: Split,
  features: number,
  order: Uint32Array,
  from: number,
  b: number,
  x: Float32Array,
  y: Uint8Array,
): void {
  const src = split.samples;
  for (let s = 0; s < b; s++) {
    const idx = order[from + s]!;
    const so = idx * features;
    const xo = s * features;
    for (let i = 0; i < features; i++) x[xo + i] = PIXEL[src[so + i]!]!;
    y[s] = split.labels[idx]!;
  }
}

/**
 * out[b·N + j] = bias[j] + Σ_i W[j·K + i] · x[b·K + i] for b < B.
 * Four samples share each pass over a weight row.
 */
export function denseForward(
  W: Float32Array,
  bias: Float32Array | null,
  K: number,
  N: number,
  x: Float32Array,
  B: number,
  out: Float32Array,
): void {
  const B4 = B - (B % 4);
  for (let j = 0; j < N; j++) {
    const wo = j * K;
    const bj = bias === null ? 0 : bias[j]!;
    let b = 0;
    for (; b < B4; b += 4) {
      const x0 = b * K;
      const x1 = x0 + K;
      const x2 = x1 + K;
      const x3 = x2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < K; i++) {
        const w = W[wo + i]!;
        s0 += w * x[x0 + i]!;
        s1 += w * x[x1 + i]!;
        s2 += w * x[x2 + i]!;
        s3 += w * x[x3 + i]!;
      }
      out[b * N + j] = s0 + bj;
      out[(b + 1) * N + j] = s1 + bj;
      out[(b + 2) * N + j] = s2 + bj;
      out[(b + 3) * N + j] = s3 + bj;
    }
    for (; b < B; b++) {
      const xo = b * K;
      let s = 0;
      for (let i = 0; i < K; i++) s += W[wo + i]! * x[xo + i]!;
      out[b * N + j] = s + bj;
    }
  }
}

/**
 * dIn[b·K + i] = Σ_j dOut[b·N + j] · W[j·K + i] (the error sent back through
 * the layer). Units whose error is 0 are skipped; the others are taken four
 * at a time per pass over the input error row.
 */
export function denseBackwardInput(
  W: Float32Array,
  K: number,
  N: number,
  dOut: Float32Array,
  B: number,
  dIn: Float32Array,
): void {
  dIn.fill(0, 0, B * K);
  const idx = scratchIndex(N);
  const val = scratchValue(N);
  for (let b = 0; b < B; b++) {
    const xo = b * K;
    const oo = b * N;
    let n = 0;
    for (let j = 0; j < N; j++) {
      const d = dOut[oo + j]!;
      if (d === 0) continue;
      idx[n] = j * K;
      val[n] = d;
      n++;
    }
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const w0 = idx[k]!;
      const w1 = idx[k + 1]!;
      const w2 = idx[k + 2]!;
      const w3 = idx[k + 3]!;
      const d0 = val[k]!;
      const d1 = val[k + 1]!;
      const d2 = val[k + 2]!;
      const d3 = val[k + 3]!;
      for (let i = 0; i < K; i++) {
        dIn[xo + i] += d0 * W[w0 + i]! + d1 * W[w1 + i]! + d2 * W[w2 + i]! + d3 * W[w3 + i]!;
      }
    }
    for (; k < n; k++) {
      const wo = idx[k]!;
      const d = val[k]!;
      for (let i = 0; i < K; i++) dIn[xo + i] += d * W[wo + i]!;
    }
  }
}

/**
 * G[j·K + i] += Σ_b dOut[b·N + j] · x[b·K + i]; gb[j] += Σ_b dOut[b·N + j] when gb is given.
 * Samples whose error is 0 are skipped; the others are taken four at a time
 * per pass over a gradient row.
 */
export function denseGradAccum(
  G: Float32Array,
  gb: Float32Array | null,
  K: number,
  N: number,
  x: Float32Array,
  dOut: Float32Array,
  B: number,
): void {
  const idx = scratchIndex(B);
  const val = scratchValue(B);
  for (let j = 0; j < N; j++) {
    const go = j * K;
    let sb = 0;
    let n = 0;
    for (let b = 0; b < B; b++) {
      const d = dOut[b * N + j]!;
      if (d === 0) continue;
      sb += d;
      idx[n] = b * K;
      val[n] = d;
      n++;
    }
    if (gb !== null) gb[j] += sb;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const x0 = idx[k]!;
      const x1 = idx[k + 1]!;
      const x2 = idx[k + 2]!;
      const x3 = idx[k + 3]!;
      const d0 = val[k]!;
      const d1 = val[k + 1]!;
      const d2 = val[k + 2]!;
      const d3 = val[k + 3]!;
      for (let i = 0; i < K; i++) {
        G[go + i] += d0 * x[x0 + i]! + d1 * x[x1 + i]! + d2 * x[x2 + i]! + d3 * x[x3 + i]!;
      }
    }
    for (; k < n; k++) {
      const xo = idx[k]!;
      const d = val[k]!;
      for (let i = 0; i < K; i++) G[go + i] += d * x[xo + i]!;
    }
  }
}

let idxScratch = new Int32Array(0);
let valScratch = new Float64Array(0);
function scratchIndex(n: number): Int32Array {
  if (idxScratch.length < n) idxScratch = new Int32Array(n);
  return idxScratch;
}
function scratchValue(n: number): Float64Array {
  if (valScratch.length < n) valScratch = new Float64Array(n);
  return valScratch;
}

/** mean(|a|) over the first n entries. */
export function meanAbs(a: Float32Array, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(a[i]!);
  return n === 0 ? 0 : s / n;
}

/** XNOR-Net weight binarisation: wb = (w ≥ 0 ? +α : −α), α = mean |w| of the whole matrix. */
export function binarizeWeights(w: Float32Array, wb: Float32Array): number {
  const alpha = meanAbs(w);
  for (let i = 0; i < w.length; i++) wb[i] = w[i]! >= 0 ? alpha : -alpha;
  return alpha;
}

/**
 * Binary activation of a batch of pre-activations z (B×N) followed by ReLU:
 * h = (z > 0 ? γ_b : 0), γ_b = mean_j |z_bj| (one scale per sample, XNOR-Net style).
 */
export function binaryRelu(z: Float32Array, N: number, B: number, h: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * N;
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.abs(z[o + j]!);
    const g = s / N;
    for (let j = 0; j < N; j++) h[o + j] = z[o + j]! > 0 ? g : 0;
  }
}

export function relu(z: Float32Array, n: number, h: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = z[i]!;
    h[i] = v > 0 ? v : 0;
  }
}

/** Row-wise softmax of B×C logits into p (in place allowed). */
export function softmaxRows(logits: Float32Array, C: number, B: number, p: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) if (logits[o + c]! > mx) mx = logits[o + c]!;
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[o + c]! - mx);
      p[o + c] = e;
      s += e;
    }
    for (let c = 0; c < C; c++) p[o + c] = p[o + c]! / s;
  }
}

/** Index of the largest of row b (ties: smallest index). */
export function argmaxRow(a: Float32Array, C: number, b: number): number {
  const o = b * C;
  let best = 0;
  for (let c = 1; c < C; c++) if (a[o + c]! > a[o + best]!) best = c;
  return best;
}

/** Uniform in [−bound, bound). */
export function fillUniform(a: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = (rng.uniform() * 2 - 1) * bound;
}

export function fillNormal(a: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
}

interface ParamSlot {
  p: Float32Array;
  g: Float32Array;
  s1: Float32Array;
  s2: Float32Array | null;
  clamp: boolean;
}

/** A step rule over registered (parameter, gradient) pairs. `step` scales the gradients, applies and zeroes them. */
export interface Optimizer {
  add(p: Float32Array, g: Float32Array, clamp?: boolean): void;
  /** Applies grad·gradScale to every registered parameter, then zeroes the gradients. */
  step(gradScale: number): void;
}

/** Adam (Kingma & Ba 2015) with bias correction; optional clamp of the parameter to [−1, 1] after the step. */
export class Adam implements Optimizer {
  private slots: ParamSlot[] = [];
  private t = 0;
  constructor(
    public lr: number,
    private beta1 = 0.9,
    private beta2 = 0.999,
    private eps = 1e-8,
  ) {}

  add(p: Float32Array, g: Float32Array, clamp = false): void {
    this.slots.push({ p, g, s1: new Float32Array(p.length), s2: new Float32Array(p.length), clamp });
  }

  step(gradScale: number): void {
    this.t++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const k1 = 1 / (1 - b1 ** this.t);
    const k2 = 1 / (1 - b2 ** this.t);
    const lr = this.lr;
    const eps = this.eps;
    for (const { p, g, s1: m, s2, clamp } of this.slots) {
      const v = s2!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * gradScale;
        const mi = b1 * m[i]! + c1 * gi;
        const vi = b2 * v[i]! + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        let w = p[i]! - (lr * mi * k1) / (Math.sqrt(vi * k2) + eps);
        if (clamp) w = w > 1 ? 1 : w < -1 ? -1 : w;
        p[i] = w;
        g[i] = 0;
      }
    }
  }
}

/** SGD with (PyTorch-style) momentum and weight decay: buf = μ·buf + g + λ·w; w −= lr·buf. */
export class Momentum implements Optimizer {
  private slots: ParamSlot[] = [];
  constructor(
    public lr: number,
    private mu = 0.9,
    private decay = 0,
  ) {}

  add(p: Float32Array, g: Float32Array, clamp = false): void {
    this.slots.push({ p, g, s1: new Float32Array(p.length), s2: null, clamp });
  }

  step(gradScale: number): void {
    const { lr, mu, decay } = this;
    for (const { p, g, s1: buf, clamp } of this.slots) {
      for (let i = 0; i < p.length; i++) {
        const bi = mu * buf[i]! + g[i]! * gradScale + decay * p[i]!;
        buf[i] = bi;
        let w = p[i]! - lr * bi;
        if (clamp) w = w > 1 ? 1 : w < -1 ? -1 : w;
        p[i] = w;
        g[i] = 0;
      }
    }
  }
}

/** What the epoch driver needs from one algorithm. */
export interface BatchLearner {
  /** Largest batch `trainBatch` and `predictBatch` accept. */
  readonly batchSize: number;
  /** One update from b samples (x: b×features in [0,1], y: labels). */
  trainBatch(x: Float32Array, y: Uint8Array, b: number): void;
  /** Writes the predicted class of each of b samples into `pred`. */
  predictBatch(x: Float32Array, b: number, pred: Uint8Array): void;
}

export interface DriverOptions {
  epochs: number;
  limitTrain?: number;
  limitTest?: number;
  onEpoch?: (epoch: number, testError: number) => void;
}

export interface BaselineResult {
  /** Test error after the last epoch, a fraction in [0, 1]. */
  testError: number;
  /** Test error after each epoch (index 0 = after epoch 1), fractions in [0, 1]. */
  perEpochError: number[];
  /** Wall-clock seconds of training and evaluation. */
  seconds: number;
}

function limited(split: Split, limit: number | undefined): number {
  if (limit === undefined) return split.count;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  return Math.min(limit, split.count);
}

/** Test error (fraction) of a learner on the first `count` samples of a split. */
export function testError(learner: BatchLearner, split: Split, features: number, count: number): number {
  const B = learner.batchSize;
  const x = new Float32Array(B * features);
  const y = new Uint8Array(B);
  const pred = new Uint8Array(B);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let wrong = 0;
  for (let from = 0; from < count; from += B) {
    const b = Math.min(B, count - from);
    gatherBatch(split, features, order, from, b, x, y);
    learner.predictBatch(x, b, pred);
    for (let s = 0; s < b; s++) if (pred[s] !== y[s]) wrong++;
  }
  return count === 0 ? 1 : wrong / count;
}

/**
 * Mini-batch training for `epochs` passes over a freshly shuffled training
 * set (the last partial batch of an epoch is used too), test error after every
 * epoch.
 */
export function runEpochs(learner: BatchLearner, data: Dataset, rng: Rng, opts: DriverOptions): BaselineResult {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`epochs must be a positive integer, got ${opts.epochs}`);
  const t0 = performance.now();
  const K = data.features;
  const nTrain = limited(data.train, opts.limitTrain);
  const nTest = limited(data.test, opts.limitTest);
  const B = learner.batchSize;
  const x = new Float32Array(B * K);
  const y = new Uint8Array(B);
  const order = new Uint32Array(data.train.count);
  const perEpochError: number[] = [];
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    // Shuffle among the first nTrain samples only.
    const sub = order.subarray(0, nTrain);
    rng.permutation(sub);
    for (let from = 0; from < nTrain; from += B) {
      const b = Math.min(B, nTrain - from);
      gatherBatch(data.train, K, sub, from, b, x, y);
      learner.trainBatch(x, y, b);
    }
    const err = testError(learner, data.test, K, nTest);
    perEpochError.push(err);
    opts.onEpoch?.(epoch, err);
  }
  return {
    testError: perEpochError[perEpochError.length - 1]!,
    perEpochError,
    seconds: (performance.now() - t0) / 1000,
  };
}
