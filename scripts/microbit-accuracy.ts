/**
 * Trains examples/microbit.ts in the bit-exact simulator on MNIST reduced to 7×7 (the mean of
 * each 4×4 pixel block, rounded down) and prints the test accuracy per layer and the digest:
 * the figures the README quotes for the micro:bit model. Usage: npx tsx scripts/microbit-accuracy.ts
 */
import { loadDataset } from '../generator/data/index.ts';
import type { Dataset, Split } from '../generator/data/types.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { simulate } from '../generator/sim/train.ts';

/** 28×28 → 7×7: each output pixel is the mean of a 4×4 block, rounded down. */
function pool7(split: Split): Split {
  const samples = new Uint8Array(split.count * 49);
  for (let k = 0; k < split.count; k++) {
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 7; c++) {
        let sum = 0;
        for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) sum += split.samples[k * 784 + (4 * r + dy) * 28 + 4 * c + dx]!;
        samples[k * 49 + r * 7 + c] = Math.floor(sum / 16);
      }
    }
  }
  return { ...split, samples };
}

const mnist = loadDataset('mnist');
const data: Dataset = { ...mnist, name: 'mnist-7x7', features: 49, train: pool7(mnist.train), test: pool7(mnist.test), provenance: `${mnist.provenance}, 4×4 mean pooled to 7×7` };
const ir = parseModelFile(new URL('../examples/microbit.ts', import.meta.url).pathname);
const r = simulate(ir, data);
for (const p of r.perLayer) console.log(`layer ${p.layer}: ${(100 * p.accuracy).toFixed(2)}% (${p.correct}/${p.total})`);
console.log(`digest ${r.digest}, ${r.steps} steps, ${data.train.count} training / ${data.test.count} test digits`);
