import { defineModel } from 'tinyfoa';

// The network of the TinyFoA paper's Table 1: a 2000-feature input, three hidden layers of
// 2000 units, each weight matrix cut into 2×2 blocks. `tinyfoa memory examples/table1.ts`
// reproduces the paper's memory columns (BP 48.06 / 96.06 / 96.06 MB, TinyFoA 0.50 / 4.01 /
// 8.00 MB). It is an accounting example: there is no 2000-feature data set here.
export default defineModel({
  name: 'table1',
  input: { features: 2000, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 2000 }, { units: 2000 }, { units: 2000 }],
  training: {
    slices: 2,
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    batchSize: 1,
  },
});
