import { defineModel } from 'tinyfoa';

// The algorithm authors' variant options (examples/authors-variant.ts) on a tiny network:
// freeze-diagonal schedule, ReLU gate, fp32 He-normal classifiers, uniform clamped biases, Adam
// at batch 1; cortex-m3 (no FPU: soft float).
export default defineModel({
  name: 'gold_authors',
  input: { features: 49, encoding: 'u8' },
  classes: 5,
  layers: [{ units: 32 }, { units: 32 }],
  training: {
    slices: 2,
    blockSchedule: 'freeze-diagonal',
    gradientGate: 'relu',
    classifier: 'he-normal',
    bias: { init: 'uniform', clamp: true },
    optimizer: { kind: 'adam', learningRate: 1e-3 },
    batchSize: 1,
    epochsPerLayer: 2,
    samplesPerEpoch: 30,
    seed: 7,
  },
});
