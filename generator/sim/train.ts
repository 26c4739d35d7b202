/**
 * The training driver of docs/semantics.md §10: layer by layer, shuffled
 * epochs, full batches, per-layer test accuracy. The firmware job writer uses
 * `trainingSchedule` too, so host and device see the same sample order.
 */
import { checkLabels, DataError, encodeForModel, limitSplit } from '../data/index.ts';
import type { Dataset, Split } from '../data/types.ts';
import type { ModelIR } from '../ir/ir.ts';
import { STREAM_SHUFFLE, Stream, permutation } from '../numerics/prng.ts';
import { TinyFoaModel } from './state.ts';

export interface EpochPlan {
  layer: number;
  epoch: number;
  /** Training sample indices in visiting order, a whole number of batches. */
  order: Uint32Array;
}

/** The visiting order of every epoch of every layer (§10). */
export function trainingSchedule(ir: ModelIR, trainCount: number, epochsPerLayer: number): EpochPlan[] {
  const stream = new Stream(ir.training.seed >>> 0, STREAM_SHUFFLE);
  const batch = ir.training.batchSize;
  const used = trainCount - (trainCount % batch);
  const plans: EpochPlan[] = [];
  for (let layer = 0; layer < ir.layers.length; layer++) {
    for (let epoch = 0; epoch < epochsPerLayer; epoch++) {
      plans.push({ layer, epoch, order: permutation(trainCount, stream).subarray(0, used) });
    }
  }
  return plans;
}

/**
 * A split as the model sees it (semantics §7): the first `limit` samples (all when
 * undefined), in the model's input encoding.
 */
export function prepareSplit(split: Split, ir: ModelIR, limit?: number): Split {
  const limited = limit === undefined ? split : limitSplit(split, ir.input.features, limit);
  if (ir.input.encoding === 'u8') return limited;
  return { ...limited, samples: encodeForModel(limited.samples, ir.input.encoding) };
}

export interface SimulateOptions {
  /** Overrides the model's epochsPerLayer. */
  epochsPerLayer?: number;
  /** Use only the first N training samples. */
  limitTrain?: number;
  /** Use only the first N test samples. */
  limitTest?: number;
  /** Called after every training sample with (done, total). */
  onProgress?: (done: number, total: number, layer: number) => void;
  /** Called after each epoch with the test accuracy of the layer in training (costs one evaluation). */
  onEpoch?: (info: { layer: number; epoch: number; accuracy: number }) => void;
}

export interface LayerAccuracy {
  layer: number;
  correct: number;
  total: number;
  accuracy: number;
}

/** What a training run reports, in the simulator or on a device. */
export interface TrainingReport {
  model: string;
  data: string;
  trainSamples: number;
  testSamples: number;
  epochsPerLayer: number;
  /** Update steps over all layers. */
  steps: number;
  perLayer: LayerAccuracy[];
  /** Test accuracy of the last layer (the model's prediction). */
  accuracy: number;
  digest: string;
  seconds: number;
}

export interface SimulateResult extends TrainingReport {
  samplesPerSecond: number;
}

/** The data set must match the model: features per sample, and every label below the model's classes. */
export function checkFeatures(ir: ModelIR, data: Dataset): void {
  if (data.features !== ir.input.features) {
    throw new DataError(
      `data set ${data.name} has ${data.features} features per sample but model ${ir.name} expects ${ir.input.features} ` +
        `(input.features in ${ir.source || 'the model'}); use data of that size or change input.features`,
    );
  }
  checkLabels(data, ir.classes, ir.name);
}

export function evaluate(model: TinyFoaModel, layer: number, test: Split): LayerAccuracy {
  const f = model.ir.input.features;
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    if (model.predict(test.samples.subarray(i * f, (i + 1) * f), layer) === test.labels[i]) correct++;
  }
  return { layer, correct, total: test.count, accuracy: test.count === 0 ? 0 : correct / test.count };
}

/** Trains the model on the data set as the device would, and reports accuracy and digest. */
export function simulate(ir: ModelIR, data: Dataset, opts: SimulateOptions = {}): SimulateResult {
  checkFeatures(ir, data);
  const f = ir.input.features;
  const epochs = opts.epochsPerLayer ?? ir.training.epochsPerLayer;
  const train = prepareSplit(data.train, ir, opts.limitTrain);
  const test = prepareSplit(data.test, ir, opts.limitTest);
  const model = new TinyFoaModel(ir);
  const plans = trainingSchedule(ir, train.count, epochs);
  const total = plans.reduce((s, p) => s + p.order.length, 0);
  const perLayer: LayerAccuracy[] = [];
  const start = performance.now();
  let done = 0;
  for (const plan of plans) {
    for (const idx of plan.order) {
      model.trainSample(plan.layer, train.samples.subarray(idx * f, (idx + 1) * f), train.labels[idx]!);
      done++;
      opts.onProgress?.(done, total, plan.layer);
    }
    if (opts.onEpoch) opts.onEpoch({ layer: plan.layer, epoch: plan.epoch, accuracy: evaluate(model, plan.layer, test).accuracy });
    if (plan.epoch === epochs - 1) perLayer.push(evaluate(model, plan.layer, test));
  }
  const seconds = (performance.now() - start) / 1000;
  const last = perLayer[perLayer.length - 1];
  return {
    model: ir.name,
    data: data.name,
    trainSamples: train.count,
    testSamples: test.count,
    epochsPerLayer: epochs,
    steps: model.totalSteps(),
    perLayer,
    accuracy: last ? last.accuracy : 0,
    digest: model.digests().state,
    seconds,
    samplesPerSecond: seconds > 0 ? done / seconds : 0,
  };
}
