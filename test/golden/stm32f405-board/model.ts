import { defineModel } from 'tinyfoa';

// A board target: the serial-link driver and the STM32F4 UART, every block per step ('all'),
// the input scale of the layer below, and the NOR store over the part's internal flash geometry.
export default defineModel({
  name: 'gold_board',
  input: { features: 32, encoding: 'u8' },
  classes: 4,
  layers: [{ units: 24 }, { units: 12 }],
  training: {
    slices: 4,
    optimizer: { kind: 'sgd', learningRate: 0.02 },
    batchSize: 2,
    epochsPerLayer: 1,
    samplesPerEpoch: 40,
    seed: 11,
    blockSchedule: 'all',
    inputScale: 'layer',
  },
});
