/**
 * Forward-Forward baselines (Hinton 2022; the details follow the public
 * PyTorch implementation the TinyFoA authors built their FF rows on).
 *
 * - Label embedding: the first C input features are replaced by the one-hot
 *   label (value 1). Positive data carries the true label, negative data a
 *   label drawn uniformly from the wrong ones.
 * - Each layer sees its input normalised to unit root-mean-square
 *   (x / (sqrt(mean x²) + 1e-8)); the raw input is normalised too.
 * - Goodness of layer l: G = Σ_j h_j². Its loss is the logistic loss of
 *   G − N_l (threshold = number of units), target 1 for positive and 0 for
 *   negative samples, averaged over the batch. No error crosses layers: every
 *   layer is updated from its own loss in the same pass.
 * - Prediction: for every label c, embed c, run all layers and add up the
 *   goodness of every layer; the label with the largest total wins.
 *
 * `ff-bw-ba`: binary weights sign(W)·mean|W| (latent weights clamped to
 * [−1, 1]) and binary activations ReLU(sign(z)·mean|z|) ∈ {0, γ}, with the
 * straight-through gradient gated by |z| < 1 (as in the authors' code).
 */
import type { ModelIR } from '../ir/ir.ts';
import { Adam, binarizeWeights, binaryRelu, denseForward, denseGradAccum, fillNormal, relu, type BatchLearner } from './common.ts';
import type { Rng } from './rng.ts';

export interface FfSettings {
  binary: boolean;
  batchSize: number;
  learningRate: number;
}

const EPS = 1e-8;

/** Normalises each of B rows of length n to unit root-mean-square, into out. */
function rmsNormalize(a: Float32Array, n: number, B: number, out: Float32Array): void {
  for (let b = 0; b < B; b++) {
    const o = b * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += a[o + i]! * a[o + i]!;
    const k = 1 / (Math.sqrt(s / n) + EPS);
    for (let i = 0; i < n; i++) out[o + i] = a[o + i]! * k;
  }
}

export class FfLearner implements BatchLearner {
  readonly batchSize: number;
  private readonly L: number;
  private readonly K: number[];
  private readonly N: number[];
  private readonly C: number;
  private readonly F: number;
  private readonly W: Float32Array[];
  private readonly Wb: Float32Array[];
  private readonly bias: Float32Array[];
  private readonly gW: Float32Array[];
  private readonly gb: Float32Array[];
  private readonly opts: Adam[];
  /** Rows: up to max(2B, B·C) (training: B positive then B negative; prediction: every sample × every label). */
  private readonly rows: number;
  private readonly xin: Float32Array;
  private readonly xn: Float32Array;
  private readonly z: Float32Array;
  private readonly h: Float32Array;
  private readonly dz: Float32Array;
  private readonly good: Float64Array;

  constructor(
    ir: ModelIR,
    private readonly s: FfSettings,
    private readonly rng: Rng,
  ) {
    this.batchSize = s.batchSize;
    this.L = ir.layers.length;
    this.K = ir.layers.map((l) => l.inputs);
    this.N = ir.layers.map((l) => l.units);
    this.C = ir.classes;
    this.F = ir.input.features;
    if (this.F < this.C) throw new Error(`ff needs at least as many input features (${this.F}) as classes (${this.C}) to embed the label`);
    this.W = [];
    this.Wb = [];
    this.bias = [];
    this.gW = [];
    this.gb = [];
    this.opts = [];
    let maxWidth = this.F;
    for (let l = 0; l < this.L; l++) {
      const K = this.K[l]!;
      const N = this.N[l]!;
      maxWidth = Math.max(maxWidth, K, N);
      // As in the reference implementation: N(0, 1/N) weights (std 1/sqrt(units)), zero biases.
      const w = new Float32Array(N * K);
      fillNormal(w, 1 / Math.sqrt(N), rng);
      this.W.push(w);
      this.Wb.push(s.binary ? new Float32Array(N * K) : w);
      this.bias.push(new Float32Array(N));
      this.gW.push(new Float32Array(N * K));
      this.gb.push(new Float32Array(N));
      const opt = new Adam(s.learningRate);
      opt.add(w, this.gW[l]!, s.binary);
      opt.add(this.bias[l]!, this.gb[l]!);
      this.opts.push(opt);
    }
    this.rows = Math.max(2 * s.batchSize, s.batchSize * this.C);
    this.xin = new Float32Array(this.rows * this.F);
    this.xn = new Float32Array(this.rows * maxWidth);
    this.z = new Float32Array(this.rows * maxWidth);
    this.h = new Float32Array(this.rows * maxWidth);
    this.dz = new Float32Array(this.rows * maxWidth);
    this.good = new Float64Array(this.rows);
    if (s.binary) for (let l = 0; l < this.L; l++) binarizeWeights(this.W[l]!, this.Wb[l]!);
  }

  /** Copies sample b of x into row r of xin with label c embedded. */
  private embed(x: Float32Array, b: number, c: number, r: number): void {
    const F = this.F;
    const dst = r * F;
    this.xin.set(x.subarray(b * F, (b + 1) * F), dst);
    for (let k = 0; k < this.C; k++) this.xin[dst + k] = k === c ? 1 : 0;
  }

  /** Layer l on R rows of this.xn (normalised input): fills z, h. */
  private layer(l: number, R: number): void {
    const N = this.N[l]!;
    denseForward(this.Wb[l]!, this.bias[l]!, this.K[l]!, N, this.xn, R, this.z);
    if (this.s.binary) binaryRelu(this.z, N, R, this.h);
    else relu(this.z, R * N, this.h);
  }

  trainBatch(x: Float32Array, y: Uint8Array, B: number): void {
    const C = this.C;
    for (let b = 0; b < B; b++) {
      this.embed(x, b, y[b]!, b);
      let wrong = this.rng.below(C - 1);
      if (wrong >= y[b]!) wrong++;
      this.embed(x, b, wrong, B + b);
    }
    const R = 2 * B;
    rmsNormalize(this.xin, this.F, R, this.xn);
    for (let l = 0; l < this.L; l++) {
      const N = this.N[l]!;
      const K = this.K[l]!;
      this.layer(l, R);
      const z = this.z;
      const h = this.h;
      const dz = this.dz;
      for (let r = 0; r < R; r++) {
        const o = r * N;
        let g = 0;
        for (let j = 0; j < N; j++) g += h[o + j]! * h[o + j]!;
        const logit = g - N;
        const target = r < B ? 1 : 0;
        // d(logistic loss)/d logit = σ(logit) − target; dG/dh_j = 2 h_j.
        const d = 1 / (1 + Math.exp(-logit)) - target;
        if (this.s.binary) {
          for (let j = 0; j < N; j++) {
            const zj = z[o + j]!;
            dz[o + j] = h[o + j]! > 0 && zj < 1 ? 2 * d * h[o + j]! : 0;
          }
        } else {
          for (let j = 0; j < N; j++) dz[o + j] = 2 * d * h[o + j]!;
        }
      }
      denseGradAccum(this.gW[l]!, this.gb[l]!, K, N, this.xn, dz, R);
      this.opts[l]!.step(1 / R);
      if (this.s.binary) binarizeWeights(this.W[l]!, this.Wb[l]!);
      // The next layer's input: this layer's output (from before the update), normalised.
      if (l + 1 < this.L) rmsNormalize(h, N, R, this.xn);
    }
  }

  predictBatch(x: Float32Array, B: number, pred: Uint8Array): void {
    const C = this.C;
    const R = B * C;
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) this.embed(x, b, c, b * C + c);
    rmsNormalize(this.xin, this.F, R, this.xn);
    this.good.fill(0, 0, R);
    for (let l = 0; l < this.L; l++) {
      const N = this.N[l]!;
      this.layer(l, R);
      for (let r = 0; r < R; r++) {
        const o = r * N;
        let g = 0;
        for (let j = 0; j < N; j++) g += this.h[o + j]! * this.h[o + j]!;
        this.good[r] += g;
      }
      if (l + 1 < this.L) rmsNormalize(this.h, N, R, this.xn);
    }
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (this.good[b * C + c]! > this.good[b * C + best]!) best = c;
      pred[b] = best;
    }
  }
}
