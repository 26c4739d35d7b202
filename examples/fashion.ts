import { defineModel } from 'tinyfoa';

// Fashion-MNIST (Debian package dataset-fashion-mnist: 60,000 training and 10,000 test
// images). Run: tinyfoa simulate examples/fashion.ts --data fashion-mnist
export default defineModel({
  name: 'fashion',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 256 }, { units: 256 }],
  training: {
    slices: 2,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 1,
  },
});
