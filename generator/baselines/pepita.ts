/**
 * PEPITA baselines (Dellaferrera & Kreiman, ICML 2022, "Error-driven input
 * modulation"), following the authors' reference code as adapted by the
 * TinyFoA authors.
 *
 * Network: the IR's hidden layers (ReLU, no biases) and an output layer
 * (N_last → C, no bias) with softmax. Per batch:
 * 1. standard pass on x: h_l, e = softmax(W_out h_last) − onehot(y);
 * 2. modulated pass on x' = x + F e (F: features×C, fixed, random):
 *    h'_l, e' = softmax(W_out h'_last) − onehot(y);
 * 3. ΔW_0 = (h_0 − h'_0) ⊗ x',  ΔW_l = (h_l − h'_l) ⊗ h'_{l−1},
 *    ΔW_out = e' ⊗ h'_last (the last layer is updated with the error),
 *    averaged over the batch, applied with SGD + momentum
 *    (v = μ v + ΔW; W −= η v) and clamped to [−1, 1].
 * Weights start He-uniform (±sqrt(6/K)); F is uniform ±0.05·sqrt(6/features).
 * The reference code's dropout (keep 0.9, the same mask in both passes) is
 * left out.
 *
 * `pepita-bw-ba`: both passes use binary weights sign(W)·mean|W| and binary
 * activations ReLU(sign(z)·mean|z|) ∈ {0, γ}; the same update is applied to
 * the latent fp32 weights. The output layer stays fp32.
 */
import type { ModelIR } from '../ir/ir.ts';
import {
  Momentum,
  argmaxRow,
  binarizeWeights,
  binaryRelu,
  denseForward,
  denseGradAccum,
  fillUniform,
  relu,
  softmaxRows,
  type BatchLearner,
} from './common.ts';
import type { Rng } from './rng.ts';

export interface PepitaSettings {
  binary: boolean;
  batchSize: number;
  learningRate: number;
  momentum: number;
  /** Scale of F relative to the He-uniform bound of the first layer. */
  feedbackScale: number;
}

export class PepitaLearner implements BatchLearner {
  readonly batchSize: number;
  private readonly L: number;
  private readonly K: number[];
  private readonly N: number[];
  private readonly C: number;
  private readonly Fin: number;
  private readonly W: Float32Array[];
  private readonly Wb: Float32Array[];
  private readonly gW: Float32Array[];
  private readonly Wout: Float32Array;
  private readonly gWout: Float32Array;
  /** Feedback matrix, features × C, row-major. */
  private readonly Fb: Float32Array;
  private readonly z: Float32Array;
  /** Activations of the standard (h) and modulated (hm) passes, per layer, B×N_l. */
  private readonly h: Float32Array[];
  private readonly hm: Float32Array[];
  private readonly out: Float32Array;
  private readonly outm: Float32Array;
  private readonly xm: Float32Array;
  private readonly diff: Float32Array;
  private readonly opt: Momentum;

  constructor(
    ir: ModelIR,
    private readonly s: PepitaSettings,
    rng: Rng,
  ) {
    this.batchSize = s.batchSize;
    this.L = ir.layers.length;
    this.K = ir.layers.map((l) => l.inputs);
    this.N = ir.layers.map((l) => l.units);
    this.C = ir.classes;
    this.Fin = ir.input.features;
    const B = s.batchSize;
    this.opt = new Momentum(s.learningRate, s.momentum);
    this.W = [];
    this.Wb = [];
    this.gW = [];
    this.h = [];
    this.hm = [];
    let maxN = 0;
    for (let l = 0; l < this.L; l++) {
      const K = this.K[l]!;
      const N = this.N[l]!;
      maxN = Math.max(maxN, N);
      const w = new Float32Array(N * K);
      fillUniform(w, Math.sqrt(6 / K), rng);
      this.W.push(w);
      this.Wb.push(s.binary ? new Float32Array(N * K) : w);
      this.gW.push(new Float32Array(N * K));
      this.h.push(new Float32Array(B * N));
      this.hm.push(new Float32Array(B * N));
      this.opt.add(w, this.gW[l]!, true);
    }
    const NL = this.N[this.L - 1]!;
    this.Wout = new Float32Array(this.C * NL);
    fillUniform(this.Wout, Math.sqrt(6 / NL), rng);
    this.gWout = new Float32Array(this.C * NL);
    this.opt.add(this.Wout, this.gWout, true);
    this.Fb = new Float32Array(this.Fin * this.C);
    fillUniform(this.Fb, s.feedbackScale * Math.sqrt(6 / this.Fin), rng);
    this.z = new Float32Array(B * maxN);
    this.out = new Float32Array(B * this.C);
    this.outm = new Float32Array(B * this.C);
    this.xm = new Float32Array(B * this.Fin);
    this.diff = new Float32Array(B * maxN);
    this.refreshBinary();
  }

  private refreshBinary(): void {
    if (!this.s.binary) return;
    for (let l = 0; l < this.L; l++) binarizeWeights(this.W[l]!, this.Wb[l]!);
  }

  /** One pass: activations into hs[l], class probabilities into out. */
  private pass(x: Float32Array, B: number, hs: Float32Array[], out: Float32Array): void {
    let a = x;
    for (let l = 0; l < this.L; l++) {
      const N = this.N[l]!;
      denseForward(this.Wb[l]!, null, this.K[l]!, N, a, B, this.z);
      if (this.s.binary) binaryRelu(this.z, N, B, hs[l]!);
      else relu(this.z, B * N, hs[l]!);
      a = hs[l]!;
    }
    denseForward(this.Wout, null, this.N[this.L - 1]!, this.C, a, B, out);
    softmaxRows(out, this.C, B, out);
  }

  trainBatch(x: Float32Array, y: Uint8Array, B: number): void {
    const C = this.C;
    const Fin = this.Fin;
    this.pass(x, B, this.h, this.out);
    // e = p − onehot; x' = x + F e.
    const e = this.out;
    for (let b = 0; b < B; b++) e[b * C + y[b]!] -= 1;
    const Fb = this.Fb;
    for (let b = 0; b < B; b++) {
      const xo = b * Fin;
      const eo = b * C;
      for (let i = 0; i < Fin; i++) {
        let s = x[xo + i]!;
        const fo = i * C;
        for (let c = 0; c < C; c++) s += Fb[fo + c]! * e[eo + c]!;
        this.xm[xo + i] = s;
      }
    }
    this.pass(this.xm, B, this.hm, this.outm);
    const em = this.outm;
    for (let b = 0; b < B; b++) em[b * C + y[b]!] -= 1;
    for (let l = 0; l < this.L; l++) {
      const n = B * this.N[l]!;
      const h = this.h[l]!;
      const hm = this.hm[l]!;
      for (let i = 0; i < n; i++) this.diff[i] = h[i]! - hm[i]!;
      const input = l === 0 ? this.xm : this.hm[l - 1]!;
      denseGradAccum(this.gW[l]!, null, this.K[l]!, this.N[l]!, input, this.diff, B);
    }
    denseGradAccum(this.gWout, null, this.N[this.L - 1]!, C, this.hm[this.L - 1]!, em, B);
    this.opt.step(1 / B);
    this.refreshBinary();
  }

  predictBatch(x: Float32Array, B: number, pred: Uint8Array): void {
    this.pass(x, B, this.h, this.out);
    for (let b = 0; b < B; b++) pred[b] = argmaxRow(this.out, this.C, b);
  }
}
