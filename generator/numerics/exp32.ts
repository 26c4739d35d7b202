/** The project's own binary32 exponential, docs/semantics.md §9, operation for operation. */
import { add, f32, fromBits, mul, sub } from './f32.ts';

export const LOG2E = fromBits(0x3fb8aa3b);
export const LN2_HI = fromBits(0x3f317200);
export const LN2_LO = fromBits(0x35bfbe8e);
export const EXP_OVER = fromBits(0x42b17218);
export const EXP_UNDER = fromBits(0xc2cff1b5);
/** P7..P0: Taylor coefficients 1/7! … 1/0!, rounded to binary32. */
export const EXP_POLY = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1].map((c) => Math.fround(c));

/** 2^e for -126 ≤ e ≤ 127, built from its bit pattern. */
const pow2 = (e: number): number => fromBits((e + 127) << 23);

export function exp32(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x > EXP_OVER) return Infinity;
  if (x < EXP_UNDER) return 0;
  const t = add(mul(x, LOG2E), x < 0 ? -0.5 : 0.5);
  const k = Math.trunc(t);
  const kf = f32(k);
  const r = sub(sub(x, mul(kf, LN2_HI)), mul(kf, LN2_LO));
  let p = EXP_POLY[0]!;
  for (let i = 1; i < EXP_POLY.length; i++) p = add(mul(p, r), EXP_POLY[i]!);
  if (k > 127) return mul(mul(p, pow2(127)), pow2(k - 127));
  if (k >= -126) return mul(p, pow2(k));
  return mul(mul(p, pow2(-126)), pow2(k + 126));
}
