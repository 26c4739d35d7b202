/**
 * Reader for the IDX format of the original MNIST files (and Fashion-MNIST,
 * KMNIST, EMNIST, …): a 4-byte magic `00 00 <type> <ndim>`, ndim big-endian
 * uint32 sizes, then the values row-major. Only type 0x08 (unsigned byte) with
 * 1 dimension (labels) or 3 dimensions (images: count × rows × cols) is
 * supported. Files starting with the gzip signature 1f 8b are decompressed
 * first.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.ts';
import type { Dataset, Split } from './types.ts';

export interface IdxArray {
  /** Sizes from the header, e.g. [60000, 28, 28] or [60000]. */
  dims: number[];
  /** The values, row-major (a view into the decompressed file, not a copy). */
  data: Uint8Array;
}

/** IDX type codes, for messages. Only 0x08 is supported. */
const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (b: number) => b.toString(16).padStart(2, '0');
const hexBytes = (bytes: Uint8Array, n: number) => Array.from(bytes.subarray(0, n), hex).join(' ');

/** `bytes`, decompressed when it starts with the gzip signature 1f 8b. */
export function maybeGunzip(bytes: Uint8Array, label: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  // The gzip trailer holds the decompressed size (mod 2^32); sizing the output
  // buffer from it avoids growing it chunk by chunk. It is only a hint.
  const n = bytes.length;
  const isize = n >= 18 ? (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0 : 0;
  const chunkSize = isize >= 64 && isize <= 1 << 30 ? isize + 64 : undefined;
  try {
    const out = gunzipSync(bytes, chunkSize === undefined ? {} : { chunkSize });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    throw new DataError(
      `${label}: starts with the gzip signature 1f 8b but cannot be decompressed (${(e as Error).message}); ` +
        'the file is damaged or incomplete: download or install it again',
    );
  }
}

/**
 * Parses one IDX file (plain or gzipped). `label` names the file in error
 * messages. With `expectDims` the number of dimensions must match (1 for
 * labels, 3 for images); without it, 1 or 3 are accepted.
 */
export function readIdx(bytes: Uint8Array, label: string, expectDims?: 1 | 3): IdxArray {
  const buf = maybeGunzip(bytes, label);
  const expected = expectDims === undefined ? '00 00 08 01 or 00 00 08 03' : `00 00 08 0${expectDims}`;
  const what = expectDims === 3 ? 'images' : expectDims === 1 ? 'labels' : 'labels or images';
  if (buf.length < 4) {
    throw new DataError(
      `${label}: truncated: expected at least 4 bytes (the IDX magic number), found ${buf.length}; ` +
        'the file is incomplete: download or install it again',
    );
  }
  const found = hexBytes(buf, 4);
  const type = buf[2]!;
  const ndim = buf[3]!;
  if (buf[0] !== 0 || buf[1] !== 0 || IDX_TYPES[type] === undefined || ndim === 0) {
    throw new DataError(
      `${label}: wrong magic number: found ${found}, expected ${expected} (IDX unsigned-byte ${what}); ` +
        'this is not an IDX file: use the original MNIST-style files (plain or .gz)',
    );
  }
  if (type !== 0x08) {
    throw new DataError(
      `${label}: unsupported IDX type code 0x${hex(type)} (${IDX_TYPES[type]}), magic ${found}; ` +
        'only 0x08 (unsigned byte) is supported: convert the values to bytes 0..255',
    );
  }
  if (expectDims !== undefined ? ndim !== expectDims : ndim !== 1 && ndim !== 3) {
    throw new DataError(
      `${label}: wrong magic number: found ${found} (a ${ndim}-D array), expected ${expected} (IDX unsigned-byte ${what}); ` +
        'check that images and labels files are not swapped',
    );
  }
  const header = 4 + 4 * ndim;
  if (buf.length < header) {
    throw new DataError(
      `${label}: truncated: expected at least ${header} bytes (IDX header with ${ndim} sizes), found ${buf.length}; ` +
        'the file is incomplete: download or install it again',
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const dims: number[] = [];
  let values = 1;
  for (let k = 0; k < ndim; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    dims.push(d);
    values *= d;
  }
  const total = header + values;
  if (buf.length < total) {
    throw new DataError(
      `${label}: truncated: expected ${total} bytes (${header}-byte header + ${dims.join('x')} values), found ${buf.length}; ` +
        'the file is incomplete: download or install it again',
    );
  }
  if (buf.length > total) {
    throw new DataError(
      `${label}: expected ${total} bytes (${header}-byte header + ${dims.join('x')} values), found ${buf.length} ` +
        `(${buf.length - total} bytes of trailing data); the file is damaged: download or install it again`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, values) };
}

/** Base names looked for by `loadIdxDir`, each plain or with `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const ALL_NAMES = Object.values(IDX_FILES)
  .map((n) => `${n}[.gz]`)
  .join(', ');

export interface IdxDirOptions {
  /** Number of classes; every label must be below it. Default 10. */
  classes?: number;
}

/** The path of `base` or `base.gz` in `dir` (plain first), or undefined. */
function locate(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function readFile(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    throw new DataError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check its permissions`,
    );
  }
}

interface LoadedSplit {
  split: Split;
  rows: number;
  cols: number;
  imagesPath: string;
}

function loadSplit(imagesPath: string, labelsPath: string, classes: number): LoadedSplit {
  const images = readIdx(readFile(imagesPath), imagesPath, 3);
  const labels = readIdx(readFile(labelsPath), labelsPath, 1);
  const [count, rows, cols] = images.dims as [number, number, number];
  const labelCount = labels.dims[0]!;
  if (count !== labelCount) {
    throw new DataError(
      `${imagesPath} holds ${count} images but ${labelsPath} holds ${labelCount} labels (count mismatch); ` +
        'the images and labels files of a split must come from the same set',
    );
  }
  if (count === 0) {
    throw new DataError(`${imagesPath}: holds no images; a split needs at least one sample`);
  }
  if (rows * cols === 0) {
    throw new DataError(`${imagesPath}: images are ${rows}x${cols}, which has no pixels; check the file`);
  }
  const l = labels.data;
  for (let i = 0; i < l.length; i++) {
    if (l[i]! >= classes) {
      throw new DataError(
        `${labelsPath}: label out of range at index ${i}: value ${l[i]}, but classes = ${classes} (labels must be 0..${classes - 1}); ` +
          'check the file, or give the right number of classes',
      );
    }
  }
  return { split: { count, samples: images.data, labels: l }, rows, cols, imagesPath };
}

/**
 * Loads the four MNIST-style IDX files of `dir` (see `IDX_FILES`; each plain or
 * gzipped): train from `train-*`, test from `t10k-*`, samples in file order.
 * Features = rows × cols of the images. Throws `DataError` on any problem.
 */
export function loadIdxDir(dir: string, options: IdxDirOptions = {}): Dataset {
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) {
    throw new DataError(`idx:${dir}: classes must be an integer in 2..256 (labels are bytes), got ${classes}`);
  }
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DataError(
      `${dir}: directory does not exist; give a directory that holds ${ALL_NAMES}`,
    );
  }
  if (!isDir) {
    throw new DataError(`${dir}: is not a directory; give a directory that holds ${ALL_NAMES}`);
  }
  const paths: Partial<Record<keyof typeof IDX_FILES, string>> = {};
  const missing: string[] = [];
  for (const [key, base] of Object.entries(IDX_FILES) as [keyof typeof IDX_FILES, string][]) {
    const p = locate(dir, base);
    if (p === undefined) missing.push(`${base} (looked for ${join(dir, base)} and ${join(dir, base)}.gz)`);
    else paths[key] = p;
  }
  if (missing.length > 0) {
    throw new DataError(
      `${dir}: missing file${missing.length > 1 ? 's' : ''}: ${missing.join('; ')}; ` +
        `the directory must hold ${ALL_NAMES}`,
    );
  }
  const train = loadSplit(paths.trainImages!, paths.trainLabels!, classes);
  const test = loadSplit(paths.testImages!, paths.testLabels!, classes);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${test.imagesPath}: test images are ${test.rows}x${test.cols} (${test.rows * test.cols} features) but ` +
        `${train.imagesPath} has ${train.rows}x${train.cols} (${train.rows * train.cols} features) (feature mismatch); ` +
        'train and test must have the same image size',
    );
  }
  return {
    name: `idx:${dir}`,
    features: train.rows * train.cols,
    classes,
    train: train.split,
    test: test.split,
    provenance:
      `IDX files in ${dir}: train = ${train.split.count} samples from train-*, ` +
      `test = ${test.split.count} samples from t10k-*, both in file order`,
  };
}
