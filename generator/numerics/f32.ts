/**
 * binary32 arithmetic as docs/semantics.md §1 defines it: every operation rounds
 * to binary32 at once. These are the only float operations the simulator uses.
 */
const f = Math.fround;

export const add = (a: number, b: number): number => f(a + b);
export const sub = (a: number, b: number): number => f(a - b);
export const mul = (a: number, b: number): number => f(a * b);
export const div = (a: number, b: number): number => f(a / b);
/** Correctly rounded binary32 square root (sqrt of a binary32 in double, rounded once, is exact). */
export const sqrt = (a: number): number => f(Math.sqrt(a));
/** Integer → binary32, round to nearest even. */
export const f32 = (n: number): number => f(n);

export const clamp1 = (w: number): number => (w > 1 ? 1 : w < -1 ? -1 : w);

const scratch = new DataView(new ArrayBuffer(4));

/** The binary32 whose bit pattern is `bits`. */
export function fromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** Bit pattern of binary32 `x`. */
export function toBits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

/** C hexadecimal float literal that denotes `x` exactly, e.g. `0x1.8p-1f`. */
export function cFloatLiteral(x: number): string {
  const bits = toBits(x);
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) throw new Error(`no C literal for non-finite ${x}`);
  if (exp === 0 && mant === 0) return `${sign}0.0f`;
  // 23 mantissa bits → 6 hex digits after shifting left by 1 (24 bits).
  const hex = (mant << 1).toString(16).padStart(6, '0');
  if (exp === 0) return `${sign}0x0.${hex}p-126f`;
  return `${sign}0x1.${hex}p${exp - 127}f`;
}
