/**
 * Fashion-MNIST (Zalando; 28×28 grey images of 10 clothing classes) from the
 * Debian package `dataset-fashion-mnist`, which installs the four original
 * gzipped IDX files in /usr/share/datasets/fashion-mnist. The split is the
 * official one: 60,000 train (train-*) and 10,000 test (t10k-*), file order.
 */
import { existsSync } from 'node:fs';
import { DataError } from './errors.ts';
import { loadIdxDir } from './idx.ts';
import type { Dataset } from './types.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const INSTALL_HINT =
  'install the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, or run `npm run setup` as root)';

let cached: Dataset | undefined;

/**
 * Loads Fashion-MNIST from `FASHION_MNIST_DIR`. The result is cached and shared
 * between calls: do not modify its arrays.
 */
export function loadFashionMnist(): Dataset {
  cached ??= loadFashionMnistFrom(FASHION_MNIST_DIR);
  return cached;
}

/** Loads Fashion-MNIST from `dir` (uncached); errors carry the install hint. Labels must be below `classes` (default 10). */
export function loadFashionMnistFrom(dir: string, classes?: number): Dataset {
  if (!existsSync(dir)) {
    throw new DataError(`${dir}: directory does not exist (needed for --data fashion-mnist); ${INSTALL_HINT}`);
  }
  let ds: Dataset;
  try {
    ds = loadIdxDir(dir, classes === undefined ? {} : { classes });
  } catch (e) {
    if (e instanceof DataError && !/label out of range/.test(e.message)) {
      throw new DataError(
        `${e.message}. Fashion-MNIST comes from the Debian package dataset-fashion-mnist: ${INSTALL_HINT}, ` +
          'or reinstall it with `apt-get install --reinstall dataset-fashion-mnist`',
      );
    }
    throw e;
  }
  return {
    ...ds,
    name: 'fashion-mnist',
    provenance:
      `Fashion-MNIST from the Debian package dataset-fashion-mnist (${dir}, gzipped IDX files); ` +
      `official split: train = ${ds.train.count} samples (train-*), test = ${ds.test.count} samples (t10k-*), file order`,
  };
}
