import { defineModel } from 'tinyfoa';

// The algorithm authors' variant of TinyFoA on the README's bench network: MNIST pooled to
// 14×14 (`--data mnist@pool2`), two layers of 128 units, M = 2, with their block schedule (one
// diagonal block frozen per epoch, the other three updated every step), their gradient gate,
// fixed fp32 He-normal classifiers, uniform biases clamped to [−1, 1], and Adam 1e-4 (at batch
// 1: the freeze-diagonal schedule needs it). samplesPerEpoch is the training set's size, so the
// frozen block changes once per pass over the data. README, "The authors' variant", measures
// each choice against tinyfoa's defaults.
export default defineModel({
  name: 'authors',
  input: { features: 196, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 128 }, { units: 128 }],
  training: {
    slices: 2,
    blockSchedule: 'freeze-diagonal',
    gradientGate: 'relu',
    classifier: 'he-normal',
    bias: { init: 'uniform', clamp: true },
    optimizer: { kind: 'adam', learningRate: 1e-4 },
    batchSize: 1,
    epochsPerLayer: 2,
    samplesPerEpoch: 4000,
    seed: 1,
  },
});
