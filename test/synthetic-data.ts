/**
 * The tests' synthetic data set: random bytes with a class-dependent bias (a feature i of a
 * sample of class y is high when (i + y) is a multiple of the class count), so that training
 * moves the state. Drawn from the project's own PRNG (stream 9), so every run sees the same
 * samples. A `bits` model reads them through its input encoding like any u8 data.
 */
import type { Dataset } from '../generator/data/types.ts';
import { Stream } from '../generator/numerics/prng.ts';

export function syntheticDataset(
  features: number,
  classes: number,
  count: number,
  seed: number,
  opts: { test?: number; provenance: string },
): Dataset {
  const s = new Stream(seed, 9);
  const split = (n: number) => {
    const samples = new Uint8Array(n * features);
    const labels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const y = s.below(classes);
      labels[k] = y;
      for (let i = 0; i < features; i++) samples[k * features + i] = (i + y) % classes === 0 ? 128 + s.below(128) : s.below(160);
    }
    return { count: n, samples, labels };
  };
  return { name: 'synthetic', features, classes, train: split(count), test: split(opts.test ?? 16), provenance: opts.provenance };
}
