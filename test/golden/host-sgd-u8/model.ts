import { defineModel } from 'tinyfoa';

// The smallest common path: u8 input, one hidden layer, SGD, the default cyclic schedule, host.
export default defineModel({
  name: 'gold_host',
  input: { features: 24, encoding: 'u8' },
  classes: 3,
  layers: [{ units: 16 }],
  training: {
    slices: 2,
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 1,
    samplesPerEpoch: 40,
    seed: 2,
  },
});
