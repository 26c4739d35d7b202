import { defineModel } from 'tinyfoa';

// Fashion-MNIST (Debian package dataset-fashion-mnist: 60,000 training and 10,000 test
// images), one binary hidden layer. Run: tinyfoa simulate examples/fashion.ts --data fashion-mnist
// (82.90% test accuracy, about 15 minutes in the simulator).
export default defineModel({
  name: 'fashion',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 256 }],
  training: {
    slices: 2,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.02 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 1,
  },
});
