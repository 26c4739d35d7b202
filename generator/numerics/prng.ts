/** The PRNG of docs/semantics.md §4: splitmix32 seeding, xoshiro128** streams. */

export const STREAM_CLASSIFIER = 1;
export const STREAM_WEIGHTS = 2;
export const STREAM_SHUFFLE = 3;
export const STREAM_BIAS = 4;

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Stream {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, id: number) {
    let s = (seed ^ Math.imul(id, 0x632be5ab)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      z = (z ^ (z >>> 16)) >>> 0;
      words.push(z);
    }
    if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1;
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** f32(next() >>> 8) · 2^-24: exact, in [0, 1). */
  uniform(): number {
    return (this.next() >>> 8) * 2 ** -24;
  }

  /**
   * Approximately standard normal (semantics §4): the Irwin–Hall sum of 12 uniforms of 20 bits,
   * S = Σ (next() >>> 12) < 2^24 exact, then f32(S − 6·2^20) · 2^-20, exact. In [−6, 6).
   */
  normal(): number {
    let s = 0;
    for (let r = 0; r < 12; r++) s += this.next() >>> 12;
    return (s - 6 * 2 ** 20) * 2 ** -20;
  }

  /** floor(next() · n / 2^32), for 1 ≤ n ≤ 2^21 (exact in double). */
  below(n: number): number {
    return Math.floor((this.next() * n) / 4294967296);
  }
}

/** Fisher–Yates over 0..n-1 with the given stream (semantics §10). */
export function permutation(n: number, stream: Stream): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    const j = stream.below(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
