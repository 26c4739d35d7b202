/** The binary32 cases every target's + - * / sqrtf is checked on (test/toolchain.test.ts, test/boards.test.ts). */
/** Deterministic inputs: finite values only, b never zero, so no result is a NaN. */
export function floatInputs(): Uint32Array {
  const specials: Array<[number, number]> = [
    [0x3f800000, 0x40400000], // 1 / 3
    [0x41200000, 0x40e00000], // 10 / 7
    [0x3f800000, 0x33800000], // 1 + 2^-24: a tie, rounds to even
    [0x3f800001, 0x33800000], // 1+ulp + 2^-24: a tie, rounds up to even
    [0x1e3ce508, 0x1e3ce508], // 1e-20 * 1e-20: subnormal product
    [0x00800000, 0x40000000], // FLT_MIN / 2: subnormal quotient
    [0x00000001, 0x3f000000], // smallest subnormal * 0.5: rounds to 0 (tie to even)
    [0x00000003, 0x3f000000], // 3 * 2^-149 * 0.5: tie rounds to even (2)
    [0x007fffff, 0x00000001], // largest subnormal + smallest: becomes FLT_MIN
    [0x7f7fffff, 0x40000000], // FLT_MAX * 2: overflow to +inf
    [0x40000000, 0x80000001], // 2 / -tiny: overflow to -inf
    [0x3f800000, 0x3f800000], // 1 - 1 = +0
    [0x80000000, 0x3f800000], // -0 + 1, sqrt(-0) = -0
    [0x40000000, 0x3fb504f3], // sqrt(2), 2 / sqrt(2)
  ];
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  /** Random bits with the exponent drawn from a band, never 255 (inf/NaN). */
  const draw = (band: 'any' | 'near-one' | 'tiny'): number => {
    const bits = next();
    const sign = bits & 0x80000000;
    const mantissa = bits & 0x007fffff;
    const exponent = band === 'any' ? next() % 255 : band === 'near-one' ? 120 + (next() % 15) : next() % 8;
    return (sign | (exponent << 23) | mantissa) >>> 0;
  };
  const bands = ['any', 'near-one', 'tiny'] as const;
  const pairs = [...specials];
  for (let i = 0; i < 300; i++) {
    const a = draw(bands[i % 3]!);
    let b = draw(bands[Math.floor(i / 3) % 3]!);
    if ((b & 0x7fffffff) === 0) b = 0x3f800000;
    pairs.push([a, b]);
  }
  return Uint32Array.from(pairs.flat());
}

export function expectedFloatLines(inputs: Uint32Array): string[] {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const value = (bits: number): number => {
    u32[0] = bits;
    return f32[0]!;
  };
  const hex = (x: number): string => {
    f32[0] = x;
    return u32[0]!.toString(16).padStart(8, '0');
  };
  const lines: string[] = [];
  for (let i = 0; i < inputs.length; i += 2) {
    const a = value(inputs[i]!);
    const b = value(inputs[i + 1]!);
    const magnitude = a < 0 ? -a : a;
    const results = [
      Math.fround(a + b),
      Math.fround(a - b),
      Math.fround(a * b),
      Math.fround(a / b),
      Math.fround(Math.sqrt(magnitude)),
    ];
    lines.push(results.map(hex).join(' '));
  }
  return lines;
}
