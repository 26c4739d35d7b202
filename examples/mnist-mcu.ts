import { defineModel } from 'tinyfoa';

// The MNIST model that fits a microcontroller: two 192-unit binary layers whose weight
// matrices are cut into 16×16 blocks, so that one block (12×49 latent weights) is all the
// arena holds. The latent weights live in a weight store outside SRAM (external flash; a
// semihosting file under emulation): build with --store file.
export default defineModel({
  name: 'digits_mcu',
  input: { features: 784, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 192 }, { units: 192 }],
  training: {
    slices: 16,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 2,
    seed: 1,
  },
});
