/**
 * Sensor values into the model's input encoding (docs/semantics.md §14), the twins of
 * tf_input_u8_from_f32 and tf_input_bits_from_f32 in runtime-c/tf_learn.c. Inputs are binary32
 * values (a Float32Array or numbers already rounded with Math.fround).
 */
import { BadInputError } from '../errors.ts';
import { div, mul, sub } from './f32.ts';

/** A range or value the helpers refuse (TF_ERR_INPUT on the C side). */
export class InputEncodingError extends BadInputError {}

/** Round half to even of s in [0, 255] (§14). */
function roundU8(s: number): number {
  let i = Math.trunc(s);
  const frac = sub(s, i);
  if (frac > 0.5 || (frac === 0.5 && (i & 1) !== 0)) i++;
  return i;
}

/** §14: q = round_half_even(clamp(mul(sub(v, lo), div(255, sub(hi, lo))), 0, 255)). */
export function inputU8FromF32(values: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const l = Math.fround(lo);
  const h = Math.fround(hi);
  if (!Number.isFinite(l) || !Number.isFinite(h) || !(l < h)) throw new InputEncodingError(`range [${lo}, ${hi}] must be finite with lo < hi`);
  const k = div(255, sub(h, l));
  if (!Number.isFinite(k)) throw new InputEncodingError(`range [${lo}, ${hi}] is too narrow: 255 / (hi - lo) overflows`);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    if (Number.isNaN(v)) throw new InputEncodingError(`value ${i} is NaN`);
    const s = mul(sub(v, l), k);
    out[i] = s <= 0 ? 0 : s >= 255 ? 255 : roundU8(s);
  }
  return out;
}

/** §14: x_i = v_i > threshold ? 1 : 0. */
export function inputBitsFromF32(values: ArrayLike<number>, threshold: number): Uint8Array {
  const t = Math.fround(threshold);
  if (Number.isNaN(t)) throw new InputEncodingError('threshold is NaN');
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    if (Number.isNaN(v)) throw new InputEncodingError(`value ${i} is NaN`);
    out[i] = v > t ? 1 : 0;
  }
  return out;
}
