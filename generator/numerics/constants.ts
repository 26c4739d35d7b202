/**
 * Model constants of docs/semantics.md §5–§8, computed once with binary32 rules.
 * The simulator uses them directly; the planner emits them into C as exact
 * hexadecimal literals, so neither side re-derives them.
 */
import { decaySteps, epochSteps, type LayerIR, type ModelIR } from '../ir/ir.ts';
import { div, f32, mul, sqrt, sub } from './f32.ts';

export interface LayerConstants {
  /** Classifier scale β_l = sqrt(2 / N_l). */
  beta: number;
  /** Initial latent weight range ω_l = 1 / sqrt(K_l). */
  omega: number;
  /** countFix_l = f32(N_l · K_l) · 2^24 (exact), the divisor of α_l (§6). */
  countFix: number;
  /** f32(N_l), the divisor of γ_l. */
  units: number;
}

export interface ModelConstants {
  /** γ_{-1}: 1/255 for u8 input, 1 for bits. */
  gammaIn: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** 1 − β1 and 1 − β2 in binary32. */
  c1: number;
  c2: number;
  epsilon: number;
  /** Lower bound of the gradient gate (semantics §8.4): −1 for `symmetric`, 0 for `relu`. */
  gateLow: number;
  /** f32(batchSize). */
  batch: number;
  /** E = floor(samplesPerEpoch / B): the epoch of the `freeze-diagonal` schedule in steps (§8.9). */
  epochSteps: number;
  /** H of the learning-rate decay (§8.10); 0: the rate stays learningRate. */
  decaySteps: number;
  /** Biases clamped to [−1, 1] after each update (`bias.clamp`, §8.10). */
  biasClamp: boolean;
  layers: LayerConstants[];
}

export function layerConstants(layer: LayerIR): LayerConstants {
  return {
    beta: sqrt(div(2, f32(layer.units))),
    omega: div(1, sqrt(f32(layer.inputs))),
    countFix: mul(f32(layer.units * layer.inputs), 2 ** 24),
    units: f32(layer.units),
  };
}

export function modelConstants(ir: ModelIR): ModelConstants {
  const opt = ir.training.optimizer;
  const beta1 = opt.kind === 'adam' ? f32(opt.beta1) : 0;
  const beta2 = opt.kind === 'adam' ? f32(opt.beta2) : 0;
  return {
    gammaIn: ir.input.encoding === 'u8' ? div(1, 255) : 1,
    learningRate: f32(opt.learningRate),
    beta1,
    beta2,
    c1: opt.kind === 'adam' ? sub(1, beta1) : 0,
    c2: opt.kind === 'adam' ? sub(1, beta2) : 0,
    epsilon: opt.kind === 'adam' ? f32(opt.epsilon) : 0,
    gateLow: ir.training.gradientGate === 'symmetric' ? -1 : 0,
    batch: f32(ir.training.batchSize),
    epochSteps: epochSteps(ir),
    decaySteps: decaySteps(ir),
    biasClamp: ir.training.bias?.clamp ?? false,
    layers: ir.layers.map(layerConstants),
  };
}
