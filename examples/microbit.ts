import { defineModel } from 'tinyfoa';

// A model that trains on a BBC micro:bit v1 (nRF51822: Cortex-M0, 16 KiB of RAM, no FPU):
// MNIST digits reduced to 7×7 (the mean of each 4×4 pixel block), one binary layer of 32
// units. Everything lives in RAM (a board has no file store): the latent weights of the
// weight store, the binary weights, the fixed local classifier and the arena. Footprint and
// accuracy: README, "Flash a real board".
export default defineModel({
  name: 'microbit',
  input: { features: 49, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 32 }],
  training: {
    slices: 2,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 2,
    seed: 1,
  },
});
