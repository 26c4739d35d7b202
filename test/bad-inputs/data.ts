/**
 * Bad data folders and data that does not match the model: each case builds an IDX folder
 * (or names a data set) and the message `tinyfoa simulate` must give, with exit code 2, and the
 * file the message must name. A few cases are good data that must train (exit 0). The runner
 * is test/bad-inputs.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An IDX unsigned-byte file: magic 00 00 08 <ndim>, big-endian sizes, values. */
export function idx(dims: number[], values: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(values), 4 + 4 * dims.length);
  return out;
}

export interface IdxSet {
  'train-images-idx3-ubyte'?: Uint8Array;
  'train-labels-idx1-ubyte'?: Uint8Array;
  't10k-images-idx3-ubyte'?: Uint8Array;
  't10k-labels-idx1-ubyte'?: Uint8Array;
  [other: string]: Uint8Array | undefined;
}

const images = (n: number, rows = 2, cols = 2) => idx([n, rows, cols], Array.from({ length: n * rows * cols }, (_, i) => (i * 53) % 256));
const labels = (values: number[]) => idx([values.length], values);

/** A good set for a 4-feature model with 3 classes: 2×2 images, labels 0..2. */
export function goodSet(): IdxSet {
  return {
    'train-images-idx3-ubyte': images(12),
    'train-labels-idx1-ubyte': labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]),
    't10k-images-idx3-ubyte': images(6),
    't10k-labels-idx1-ubyte': labels([2, 1, 0, 2, 1, 0]),
  };
}

export function writeSet(dir: string, set: IdxSet): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(set)) if (bytes) writeFileSync(join(dir, name), bytes);
  return dir;
}

export interface DataCase {
  name: string;
  /** Builds the folder (the runner gives an empty path for it), or a `--data` spec of its own. */
  data: ((dir: string) => void) | { spec: string };
  /** The model: the base (4 features, 3 classes) or an edit of it. */
  model?: [from: string, to: string][];
  /** Expected exit code (default 2). */
  code?: number;
  message: RegExp;
  /** A file (relative to the data folder) the message must name. */
  names?: string;
  /** Command (default simulate). */
  command?: string[];
}

const without = (file: keyof IdxSet) => (dir: string) => {
  const set = goodSet();
  delete set[file];
  writeSet(dir, set);
};
const replaced = (file: string, bytes: Uint8Array) => (dir: string) => writeSet(dir, { ...goodSet(), [file]: bytes });

export const DATA_CASES: DataCase[] = [
  { name: 'good-set-3-classes', data: (d) => writeSet(d, goodSet()), code: 0, message: /accuracy/ },
  { name: 'good-set-7-classes-model', data: (d) => writeSet(d, goodSet()), model: [['classes: 3', 'classes: 7']], code: 0, message: /accuracy/ },
  { name: 'good-set-gzipped', data: (d) => writeSet(d, Object.fromEntries(Object.entries(goodSet()).map(([k, v]) => [`${k}.gz`, gzipSync(v!)]))), code: 0, message: /accuracy/ },
  { name: 'folder-missing', data: () => {}, message: /directory does not exist/ },
  { name: 'folder-is-a-file', data: (d) => writeFileSync(d, 'x'), message: /is not a directory/ },
  { name: 'train-images-missing', data: without('train-images-idx3-ubyte'), message: /missing file: train-images-idx3-ubyte \(looked for .*train-images-idx3-ubyte and .*\.gz\)/ },
  { name: 'train-labels-missing', data: without('train-labels-idx1-ubyte'), message: /missing file: train-labels-idx1-ubyte/ },
  { name: 'test-images-missing', data: without('t10k-images-idx3-ubyte'), message: /missing file: t10k-images-idx3-ubyte/ },
  { name: 'test-labels-missing', data: without('t10k-labels-idx1-ubyte'), message: /missing file: t10k-labels-idx1-ubyte/ },
  { name: 'all-files-missing', data: (d) => mkdirSync(d), message: /missing files: train-images-idx3-ubyte.*t10k-labels-idx1-ubyte/ },
  { name: 'images-empty', data: replaced('train-images-idx3-ubyte', new Uint8Array(0)), message: /truncated: expected at least 4 bytes \(the IDX magic number\), found 0/, names: 'train-images-idx3-ubyte' },
  { name: 'images-header-truncated', data: replaced('train-images-idx3-ubyte', images(12).subarray(0, 10)), message: /truncated: expected at least 16 bytes \(IDX header with 3 sizes\), found 10/, names: 'train-images-idx3-ubyte' },
  { name: 'images-values-truncated', data: replaced('train-images-idx3-ubyte', images(12).subarray(0, 40)), message: /truncated: expected 64 bytes \(16-byte header \+ 12x2x2 values\), found 40/, names: 'train-images-idx3-ubyte' },
  { name: 'labels-values-truncated', data: replaced('t10k-labels-idx1-ubyte', labels([0, 1, 2, 0, 1, 2]).subarray(0, 9)), message: /truncated: expected 14 bytes/, names: 't10k-labels-idx1-ubyte' },
  { name: 'images-trailing-bytes', data: replaced('train-images-idx3-ubyte', new Uint8Array([...images(12), 1, 2, 3])), message: /3 bytes of trailing data/, names: 'train-images-idx3-ubyte' },
  { name: 'images-wrong-magic', data: replaced('train-images-idx3-ubyte', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Uint8Array(60)])), message: /wrong magic number: found ff d8 ff e0, expected 00 00 08 03/, names: 'train-images-idx3-ubyte' },
  { name: 'labels-wrong-magic', data: replaced('train-labels-idx1-ubyte', new TextEncoder().encode('0,1,2,0,1,2,0,1,2,0,1,2')), message: /wrong magic number/, names: 'train-labels-idx1-ubyte' },
  { name: 'images-float32', data: replaced('train-images-idx3-ubyte', idx([1, 1, 1], [0, 0, 0, 0], 0x0d)), message: /unsupported IDX type code 0x0d \(float32\)/, names: 'train-images-idx3-ubyte' },
  { name: 'images-int32', data: replaced('t10k-images-idx3-ubyte', idx([1, 1, 1], [0, 0, 0, 0], 0x0c)), message: /unsupported IDX type code 0x0c \(int32\)/, names: 't10k-images-idx3-ubyte' },
  { name: 'labels-and-images-swapped', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': goodSet()['train-labels-idx1-ubyte'], 'train-labels-idx1-ubyte': goodSet()['train-images-idx3-ubyte'] }), message: /a 1-D array.*check that images and labels files are not swapped/, names: 'train-images-idx3-ubyte' },
  { name: 'count-mismatch', data: replaced('train-labels-idx1-ubyte', labels([0, 1, 2])), message: /holds 12 images but .*train-labels-idx1-ubyte holds 3 labels \(count mismatch\)/ },
  { name: 'no-images', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': images(0), 'train-labels-idx1-ubyte': labels([]) }), message: /holds no images/, names: 'train-images-idx3-ubyte' },
  { name: 'zero-pixels', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': idx([12, 0, 2], []) }), message: /images are 0x2, which has no pixels/, names: 'train-images-idx3-ubyte' },
  { name: 'train-label-at-classes', data: replaced('train-labels-idx1-ubyte', labels([0, 1, 2, 0, 1, 3, 0, 1, 2, 0, 1, 2])), message: /label out of range at index 5: value 3, but classes = 3 \(labels must be 0\.\.2\)/, names: 'train-labels-idx1-ubyte' },
  { name: 'test-label-above-classes', data: replaced('t10k-labels-idx1-ubyte', labels([9, 1, 0, 2, 1, 0])), message: /label out of range at index 0: value 9, but classes = 3/, names: 't10k-labels-idx1-ubyte' },
  { name: 'label-fits-10-not-model', data: (d) => writeSet(d, goodSet()), model: [['classes: 3', 'classes: 2']], message: /label out of range at index 2: value 2, but classes = 2/, names: 'train-labels-idx1-ubyte' },
  { name: 'gz-label-out-of-range', data: (d) => writeSet(d, { ...goodSet(), 'train-labels-idx1-ubyte': undefined, 'train-labels-idx1-ubyte.gz': gzipSync(labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 4])) }), message: /label out of range at index 11: value 4/, names: 'train-labels-idx1-ubyte.gz' },
  { name: 'gz-damaged', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': undefined, 'train-images-idx3-ubyte.gz': new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]) }), message: /starts with the gzip signature 1f 8b but cannot be decompressed/, names: 'train-images-idx3-ubyte.gz' },
  { name: 'features-differ-from-model', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': images(12, 3, 3), 't10k-images-idx3-ubyte': images(6, 3, 3) }), message: /has 9 features per sample but model probe expects 4 \(input.features in .*\.ts\)/ },
  { name: 'train-test-sizes-differ', data: replaced('t10k-images-idx3-ubyte', images(6, 1, 4)), message: /test images are 1x4 \(4 features\) but .* has 2x2 \(4 features\) \(feature mismatch\)/, names: 't10k-images-idx3-ubyte' },
  { name: 'features-differ-verify', data: (d) => writeSet(d, { ...goodSet(), 'train-images-idx3-ubyte': images(12, 1, 5), 't10k-images-idx3-ubyte': images(6, 1, 5) }), message: /has 5 features per sample but model probe expects 4/, command: ['verify', '--targets', 'host'] },
  { name: 'label-out-of-range-run', data: replaced('train-labels-idx1-ubyte', labels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 200])), message: /label out of range at index 11: value 200/, names: 'train-labels-idx1-ubyte', command: ['run', '-t', 'host'] },
  { name: 'mnist-features-differ', data: { spec: 'mnist' }, model: [['classes: 3', 'classes: 10']], message: /data set mnist has 784 features per sample but model probe expects 4/ },
  { name: 'mnist-labels-above-classes', data: { spec: 'mnist' }, model: [['features: 4', 'features: 784']], message: /data set mnist \(train split\): label 3 at index 3, but the model has classes = 3 \(labels must be 0\.\.2\); give the model at least 4 classes/ },
  { name: 'spec-unknown', data: { spec: 'cifar10' }, message: /unknown data spec "cifar10"; valid forms: 'mnist'.*'fashion-mnist'.*'idx:<dir>'/ },
  { name: 'spec-idx-empty', data: { spec: 'idx:' }, message: /data spec 'idx:' has no directory/ },
];
