/**
 * Backpropagation baselines.
 *
 * `bp`: fp32 multilayer perceptron, ReLU hidden layers (the IR's layers), a
 * trainable fp32 output layer (N_last → C) and softmax cross-entropy, trained
 * end to end.
 *
 * `bp-bw-ba` (BinaryConnect / XNOR-Net style, as in the TinyFoA authors'
 * BP+BW+BA code): each hidden layer computes z = W^b x + b with
 * W^b = sign(W)·mean|W| (latent W kept in fp32, clamped to [−1, 1] after every
 * step) and h = ReLU(sign(z)·mean_j|z_j|) ∈ {0, γ}; the gradient passes the
 * binarisations straight through (weights: unchanged; activations: gated by
 * the model's gradient gate: `symmetric` 1[−1 < z < 1], the clip of sign()'s
 * estimator, or `relu` 1[0 < z < 1], which adds the ReLU gate as the authors'
 * code does). The output layer stays fp32, as in the authors' code.
 */
import type { ModelIR } from '../ir/ir.ts';
import type { GradientGate } from '../model/api.ts';
import {
  Adam,
  argmaxRow,
  binarizeWeights,
  binaryRelu,
  denseBackwardInput,
  denseForward,
  denseGradAccum,
  fillUniform,
  relu,
  softmaxRows,
  type BatchLearner,
} from './common.ts';
import type { Rng } from './rng.ts';

export interface BpSettings {
  binary: boolean;
  /** bp-bw-ba only: where the error passes a binary activation (see GradientGate in the model API). */
  gate: GradientGate;
  batchSize: number;
  learningRate: number;
}

export class BpLearner implements BatchLearner {
  readonly batchSize: number;
  private readonly L: number;
  private readonly K: number[];
  private readonly N: number[];
  private readonly C: number;
  private readonly W: Float32Array[];
  private readonly Wb: Float32Array[];
  private readonly bias: Float32Array[];
  private readonly gW: Float32Array[];
  private readonly gb: Float32Array[];
  private readonly Wout: Float32Array;
  private readonly bout: Float32Array;
  private readonly gWout: Float32Array;
  private readonly gbout: Float32Array;
  /** z[l], h[l]: B×N_l. */
  private readonly z: Float32Array[];
  private readonly h: Float32Array[];
  private readonly logits: Float32Array;
  private readonly dh: Float32Array;
  private readonly dz: Float32Array;
  private readonly opt: Adam;

  constructor(
    ir: ModelIR,
    private readonly s: BpSettings,
    rng: Rng,
  ) {
    this.batchSize = s.batchSize;
    this.L = ir.layers.length;
    this.K = ir.layers.map((l) => l.inputs);
    this.N = ir.layers.map((l) => l.units);
    this.C = ir.classes;
    const B = s.batchSize;
    this.opt = new Adam(s.learningRate);
    this.W = [];
    this.Wb = [];
    this.bias = [];
    this.gW = [];
    this.gb = [];
    this.z = [];
    this.h = [];
    let maxN = 0;
    for (let l = 0; l < this.L; l++) {
      const K = this.K[l]!;
      const N = this.N[l]!;
      maxN = Math.max(maxN, N);
      // PyTorch's nn.Linear default: U(±1/sqrt(K)) for weights and biases.
      const w = new Float32Array(N * K);
      fillUniform(w, 1 / Math.sqrt(K), rng);
      const b = new Float32Array(N);
      fillUniform(b, 1 / Math.sqrt(K), rng);
      this.W.push(w);
      this.bias.push(b);
      this.Wb.push(s.binary ? new Float32Array(N * K) : w);
      this.gW.push(new Float32Array(N * K));
      this.gb.push(new Float32Array(N));
      this.z.push(new Float32Array(B * N));
      this.h.push(new Float32Array(B * N));
      this.opt.add(w, this.gW[l]!, s.binary);
      this.opt.add(b, this.gb[l]!);
    }
    const NL = this.N[this.L - 1]!;
    this.Wout = new Float32Array(this.C * NL);
    this.bout = new Float32Array(this.C);
    fillUniform(this.Wout, 1 / Math.sqrt(NL), rng);
    fillUniform(this.bout, 1 / Math.sqrt(NL), rng);
    this.gWout = new Float32Array(this.C * NL);
    this.gbout = new Float32Array(this.C);
    this.opt.add(this.Wout, this.gWout);
    this.opt.add(this.bout, this.gbout);
    this.logits = new Float32Array(B * this.C);
    this.dh = new Float32Array(B * maxN);
    this.dz = new Float32Array(B * maxN);
    this.refreshBinary();
  }

  private refreshBinary(): void {
    if (!this.s.binary) return;
    for (let l = 0; l < this.L; l++) binarizeWeights(this.W[l]!, this.Wb[l]!);
  }

  private forward(x: Float32Array, B: number): void {
    let a = x;
    for (let l = 0; l < this.L; l++) {
      const N = this.N[l]!;
      denseForward(this.Wb[l]!, this.bias[l]!, this.K[l]!, N, a, B, this.z[l]!);
      if (this.s.binary) binaryRelu(this.z[l]!, N, B, this.h[l]!);
      else relu(this.z[l]!, B * N, this.h[l]!);
      a = this.h[l]!;
    }
    denseForward(this.Wout, this.bout, this.N[this.L - 1]!, this.C, a, B, this.logits);
  }

  trainBatch(x: Float32Array, y: Uint8Array, B: number): void {
    const C = this.C;
    this.forward(x, B);
    // δo = softmax − onehot (the 1/B of the mean loss is applied as the gradient scale).
    const p = this.logits;
    softmaxRows(p, C, B, p);
    for (let b = 0; b < B; b++) p[b * C + y[b]!] -= 1;
    const L = this.L;
    const NL = this.N[L - 1]!;
    denseGradAccum(this.gWout, this.gbout, NL, C, this.h[L - 1]!, p, B);
    denseBackwardInput(this.Wout, NL, C, p, B, this.dh);
    for (let l = L - 1; l >= 0; l--) {
      const N = this.N[l]!;
      const K = this.K[l]!;
      const z = this.z[l]!;
      const dh = this.dh;
      const dz = this.dz;
      const n = B * N;
      if (this.s.binary) {
        const lo = this.s.gate === 'relu' ? 0 : -1;
        for (let i = 0; i < n; i++) {
          const v = z[i]!;
          dz[i] = v > lo && v < 1 ? dh[i]! : 0;
        }
      } else {
        for (let i = 0; i < n; i++) dz[i] = z[i]! > 0 ? dh[i]! : 0;
      }
      const input = l === 0 ? x : this.h[l - 1]!;
      denseGradAccum(this.gW[l]!, this.gb[l]!, K, N, input, dz, B);
      if (l > 0) denseBackwardInput(this.Wb[l]!, K, N, dz, B, this.dh);
    }
    this.opt.step(1 / B);
    this.refreshBinary();
  }

  predictBatch(x: Float32Array, B: number, pred: Uint8Array): void {
    this.forward(x, B);
    for (let b = 0; b < B; b++) pred[b] = argmaxRow(this.logits, this.C, b);
  }
}
