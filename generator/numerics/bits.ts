/**
 * The bit convention of docs/semantics.md §2, in one place: uint32 words,
 * element i in word i >> 5 at bit i & 31, padding bits zero, rows word-aligned.
 */
export const wordsFor = (n: number): number => (n + 31) >>> 5;

export function getBit(words: Uint32Array, offset: number, i: number): number {
  return (words[offset + (i >>> 5)]! >>> (i & 31)) & 1;
}

export function setBit(words: Uint32Array, offset: number, i: number, value: number): void {
  const w = offset + (i >>> 5);
  const mask = 1 << (i & 31);
  words[w] = value ? words[w]! | mask : words[w]! & ~mask;
}

/** Packs 0/1 values into a fresh word vector (padding bits zero). */
export function packBits(values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(wordsFor(values.length));
  for (let i = 0; i < values.length; i++) if (values[i]) out[i >>> 5]! |= 1 << (i & 31);
  return out;
}

/** Population count of one 32-bit word. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
