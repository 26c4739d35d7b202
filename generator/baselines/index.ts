/**
 * Simulator-only baselines for the Table 1 comparison: BP, FF and PEPITA, each
 * in fp32 and with binary weights and activations (BW+BA). They train the
 * network described by the IR's layers (the same hidden layers TinyFoA
 * trains); see docs/baselines.md for the algorithms, the settings and where
 * they come from.
 */
import type { Dataset } from '../data/types.ts';
import { checkFeatures } from '../sim/train.ts';
import type { ModelIR } from '../ir/ir.ts';
import { BASELINE_ALGORITHMS as ALL_BASELINES, type Algorithm } from '../model/api.ts';
import { BpLearner } from './bp.ts';
import { runEpochs, type BaselineResult, type BatchLearner } from './common.ts';
import { FfLearner } from './ff.ts';
import { PepitaLearner } from './pepita.ts';
import { Rng } from './rng.ts';

export type { BaselineResult } from './common.ts';

export type BaselineAlgorithm = Exclude<Algorithm, 'tinyfoa'>;

export const BASELINE_ALGORITHMS: readonly BaselineAlgorithm[] = ALL_BASELINES;

/** The settings of one baseline (see docs/baselines.md for their sources). */
export interface BaselineSettings {
  optimizer: 'adam' | 'sgd-momentum';
  learningRate: number;
  batchSize: number;
  /** SGD momentum (sgd-momentum only). */
  momentum?: number;
  /** PEPITA only: scale of the feedback matrix F relative to ±sqrt(6/features). */
  feedbackScale?: number;
}

export const BASELINE_SETTINGS: Readonly<Record<BaselineAlgorithm, Readonly<BaselineSettings>>> = {
  bp: { optimizer: 'adam', learningRate: 1e-3, batchSize: 100 },
  'bp-bw-ba': { optimizer: 'adam', learningRate: 2e-3, batchSize: 100 },
  ff: { optimizer: 'adam', learningRate: 3e-3, batchSize: 100 },
  'ff-bw-ba': { optimizer: 'adam', learningRate: 3e-3, batchSize: 100 },
  pepita: { optimizer: 'sgd-momentum', learningRate: 0.03, batchSize: 64, momentum: 0.9, feedbackScale: 0.05 },
  'pepita-bw-ba': { optimizer: 'sgd-momentum', learningRate: 0.03, batchSize: 64, momentum: 0.9, feedbackScale: 0.05 },
};

export interface TrainBaselineOptions {
  epochs: number;
  /** Use only the first N training samples. */
  limitTrain?: number;
  /** Use only the first N test samples. */
  limitTest?: number;
  /** Seed of initialisation, shuffling and FF's negative labels (default: the IR's training seed). */
  seed?: number;
  /** Called after every epoch (1-based) with the test error, a fraction in [0, 1]. */
  onEpoch?: (epoch: number, testError: number) => void;
  /** Overrides of the algorithm's settings (for experiments; the defaults are the documented ones). */
  settings?: Partial<BaselineSettings>;
}

export function isBaseline(a: string): a is BaselineAlgorithm {
  return (BASELINE_ALGORITHMS as readonly string[]).includes(a);
}

function learnerFor(ir: ModelIR, algorithm: BaselineAlgorithm, s: BaselineSettings, rng: Rng): BatchLearner {
  const binary = algorithm.endsWith('-bw-ba');
  switch (algorithm) {
    case 'bp':
    case 'bp-bw-ba':
      return new BpLearner(
        ir,
        { binary, gate: ir.training.gradientGate ?? 'symmetric', batchSize: s.batchSize, learningRate: s.learningRate },
        rng,
      );
    case 'ff':
    case 'ff-bw-ba':
      return new FfLearner(ir, { binary, batchSize: s.batchSize, learningRate: s.learningRate }, rng);
    case 'pepita':
    case 'pepita-bw-ba':
      return new PepitaLearner(
        ir,
        {
          binary,
          batchSize: s.batchSize,
          learningRate: s.learningRate,
          momentum: s.momentum ?? 0.9,
          feedbackScale: s.feedbackScale ?? 0.05,
        },
        rng,
      );
  }
}

/**
 * Trains one baseline on the IR's network with the data set's u8 samples
 * scaled to [0, 1], and reports the test error (a fraction) after every epoch.
 */
export function trainBaseline(
  ir: ModelIR,
  algorithm: BaselineAlgorithm,
  data: Dataset,
  opts: TrainBaselineOptions,
): BaselineResult {
  if (!isBaseline(algorithm)) throw new Error(`not a baseline algorithm: ${String(algorithm)}`);
  checkFeatures(ir, data);
  if (ir.layers.length === 0) throw new Error('the model has no layers');
  const settings: BaselineSettings = { ...BASELINE_SETTINGS[algorithm], ...opts.settings };
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1) {
    throw new Error(`batch size must be a positive integer, got ${settings.batchSize}`);
  }
  const rng = new Rng(opts.seed ?? ir.training.seed);
  const learner = learnerFor(ir, algorithm, settings, rng);
  return runEpochs(learner, data, rng, opts);
}
