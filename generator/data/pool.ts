/**
 * Mean pooling of square images: `<spec>@pool<k>` reduces every s×s image of a data set to
 * (s/k)×(s/k) pixels, each the mean of a k×k block rounded down — MNIST's 28×28 becomes 14×14
 * with @pool2 (196 inputs) and 7×7 with @pool4 (49 inputs), small enough for a board's RAM and
 * four or sixteen times fewer bytes over a serial link. docs/data.md, "Pooled images".
 */
import { DataError } from './errors.ts';
import type { Dataset, Split } from './types.ts';

/** `spec` without its `@pool<k>` suffix, and k (1 when there is none). */
export function splitPoolSuffix(spec: string): { base: string; factor: number } {
  const m = /^(.*)@pool(\d+)$/.exec(spec);
  if (m === null) {
    if (/@pool/.test(spec)) throw new DataError(`data spec ${JSON.stringify(spec)}: write @pool<k> with a whole number k ≥ 2 at its end, e.g. mnist@pool2`);
    return { base: spec, factor: 1 };
  }
  const factor = Number(m[2]);
  if (!Number.isSafeInteger(factor) || factor < 2) throw new DataError(`data spec ${JSON.stringify(spec)}: the pooling factor must be a whole number ≥ 2, got ${m[2]}`);
  return { base: m[1]!, factor };
}

/** The data set with every image mean-pooled by `factor` (images must be square and divisible by it). */
export function poolDataset(ds: Dataset, factor: number): Dataset {
  const side = Math.round(Math.sqrt(ds.features));
  if (side * side !== ds.features) {
    throw new DataError(`data set ${ds.name}: @pool${factor} needs square images, but its samples have ${ds.features} features`);
  }
  if (side % factor !== 0) {
    throw new DataError(`data set ${ds.name}: its ${side}×${side} images cannot be cut into ${factor}×${factor} blocks; use a factor that divides ${side}`);
  }
  const out = side / factor;
  const pool = (split: Split): Split => {
    const samples = new Uint8Array(split.count * out * out);
    const area = factor * factor;
    for (let k = 0; k < split.count; k++) {
      const image = k * ds.features;
      for (let r = 0; r < out; r++) {
        for (let c = 0; c < out; c++) {
          let sum = 0;
          for (let dy = 0; dy < factor; dy++) {
            const row = image + (r * factor + dy) * side + c * factor;
            for (let dx = 0; dx < factor; dx++) sum += split.samples[row + dx]!;
          }
          samples[k * out * out + r * out + c] = Math.floor(sum / area);
        }
      }
    }
    return { count: split.count, samples, labels: split.labels };
  };
  return {
    ...ds,
    name: `${ds.name}@pool${factor}`,
    features: out * out,
    train: pool(ds.train),
    test: pool(ds.test),
    provenance: `${ds.provenance}; ${factor}×${factor} mean-pooled to ${out}×${out}`,
  };
}
