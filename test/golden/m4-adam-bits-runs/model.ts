import { defineModel } from 'tinyfoa';

// Bits input, two layers of odd widths (not multiples of 32), Adam at batch 2, runs of 3 steps
// per block, and the file store: cortex-m4 with its FPU.
export default defineModel({
  name: 'gold_bits',
  input: { features: 70, encoding: 'bits' },
  classes: 4,
  layers: [{ units: 37 }, { units: 20 }],
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.01 },
    batchSize: 2,
    epochsPerLayer: 1,
    samplesPerEpoch: 40,
    seed: 5,
    blockSchedule: { kind: 'runs', steps: 3 },
  },
});
