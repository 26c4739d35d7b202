import { defineModel } from 'tinyfoa';

// A model that trains on an STM32F405RG board (Cortex-M4F, 128 KiB of SRAM, no file store):
// MNIST digits mean-pooled to 14×14 (`--data mnist@pool2`: 196 bytes a sample over the
// serial link), two binary layers of 64 units, every weight in RAM. It is the model of
// `npm run demo`: firmware for the real part, loaded into QEMU's netduinoplus2 through its
// GDB server, trained over the UART and checked bit for bit against the simulator.
export default defineModel({
  name: 'board',
  input: { features: 196, encoding: 'u8' },
  classes: 10,
  layers: [{ units: 64 }, { units: 64 }],
  training: {
    slices: 2,
    blockSchedule: 'all',
    optimizer: { kind: 'sgd', learningRate: 0.05 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 1,
  },
});
