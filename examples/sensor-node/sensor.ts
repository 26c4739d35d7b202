import { defineModel } from 'tinyfoa';

// A sensor node that learns activities from a 3-axis accelerometer while it runs: one sample is
// 8 readings of x, y, z, each as its positive and its negative part (48 values, 0..2 g scaled
// to bytes by tf_input_u8_from_f32), four classes. tf_learn trains layer 0 on the first 2 · 200 samples of the stream, then layer 1 on
// the next 400, then keeps training layer 1 (docs/semantics.md §13).
export default defineModel({
  name: 'sensor',
  input: { features: 48, encoding: 'u8' },
  classes: 4,
  layers: [{ units: 64 }, { units: 32 }],
  training: {
    slices: 2,
    optimizer: { kind: 'sgd', learningRate: 0.1 },
    batchSize: 1,
    epochsPerLayer: 2,
    samplesPerEpoch: 200,
    blockSchedule: 'all',
    seed: 3,
  },
});
