import { describe, expect, it } from 'vitest';
import type { Dataset } from '../generator/data/types.ts';
import { buildLayers, type ModelIR, type OptimizerIR } from '../generator/ir/ir.ts';
import { exp32 } from '../generator/numerics/exp32.ts';
import { Stream } from '../generator/numerics/prng.ts';
import { absSumFix, fix24, Status, TinyFoaModel, TrainingError } from '../generator/sim/state.ts';
import { simulate, trainingSchedule } from '../generator/sim/train.ts';

const f = Math.fround;

function makeIr(p: {
  features: number;
  units: number[];
  classes: number;
  slices: number;
  encoding?: 'u8' | 'bits';
  optimizer?: OptimizerIR;
  batchSize?: number;
  schedule?: 'cyclic' | 'all';
  seed?: number;
  gate?: 'symmetric' | 'relu';
  inputScale?: 'fixed' | 'layer';
}): ModelIR {
  return {
    name: 't',
    source: '',
    input: { features: p.features, encoding: p.encoding ?? 'u8' },
    classes: p.classes,
    layers: buildLayers(p.features, p.units, p.slices),
    training: {
      slices: p.slices,
      optimizer: p.optimizer ?? { kind: 'sgd', learningRate: 0.05 },
      batchSize: p.batchSize ?? 1,
      epochsPerLayer: 1,
      seed: p.seed ?? 1,
      blockSchedule: p.schedule ?? 'cyclic',
      gradientGate: p.gate ?? 'symmetric',
      inputScale: p.inputScale ?? 'fixed',
      algorithm: 'tinyfoa',
    },
  };
}

/**
 * A second, deliberately plain implementation of docs/semantics.md §6–§8 on
 * dense row-major matrices, used to check the simulator step by step.
 */
class DenseTwin {
  w: number[][][] = [];
  b: number[][] = [];
  cls: number[][][] = [];
  m: Map<string, number[]> = new Map();
  v: Map<string, number[]> = new Map();
  p: Map<string, [number, number]> = new Map();
  steps: number[] = [];
  G: Map<string, number[]> = new Map();
  pending = 0;

  constructor(
    readonly ir: ModelIR,
    sim: TinyFoaModel,
  ) {
    // Take the initial state from the simulator (initialisation is checked separately).
    sim.layers.forEach((ls, l) => {
      const L = ir.layers[l]!;
      const w = Array.from({ length: L.units }, () => new Array<number>(L.inputs).fill(0));
      ls.blocks.forEach((blk, k) => {
        let o = ls.blockOffset[k]!;
        for (let j = blk.rowStart; j < blk.rowEnd; j++) for (let i = blk.colStart; i < blk.colEnd; i++) w[j]![i] = ls.weights[o++]!;
      });
      this.w.push(w);
      this.b.push(Array.from(ls.bias));
      const c: number[][] = [];
      for (let cc = 0; cc < ir.classes; cc++) {
        c.push(Array.from({ length: L.units }, (_, i) => ((ls.classifier[cc * ls.classifierRowWords + (i >> 5)]! >>> (i & 31)) & 1 ? 1 : -1)));
      }
      this.cls.push(c);
      this.steps.push(0);
    });
  }

  /** §6: per block Σ fix(w), fix(w) = floor(|w| · 2^24) from the bit pattern (exponent, significand). */
  absSums(l: number): number[] {
    const L = this.ir.layers[l]!;
    const M = this.ir.training.slices;
    const fix = (w: number): number => {
      const u = new Uint32Array(Float32Array.of(w).buffer)[0]!;
      const e = (u >>> 23) & 0xff;
      if (e < 103) return 0;
      const m = (u & 0x7fffff) | 0x800000;
      return e >= 126 ? m * 2 ** (e - 126) : m >>> (126 - e);
    };
    const sums: number[] = [];
    for (let p = 0; p < M; p++)
      for (let q = 0; q < M; q++) {
        let s = 0;
        for (let j = L.rowBounds[p]!; j < L.rowBounds[p + 1]!; j++)
          for (let i = L.colBounds[q]!; i < L.colBounds[q + 1]!; i++) s += fix(this.w[l]![j]![i]!);
        sums.push(s);
      }
    return sums;
  }

  /** §6: α = div(f32(S), f32(N·K) · 2^24). */
  alpha(l: number): number {
    const L = this.ir.layers[l]!;
    const total = this.absSums(l).reduce((a, b) => a + b, 0);
    return f(f(total) / (f(L.units * L.inputs) * 2 ** 24));
  }

  forward(x: number[], upTo: number) {
    let q = x.slice();
    let gIn = this.ir.input.encoding === 'u8' ? f(1 / 255) : 1;
    const outs: { q: number[]; gIn: number; z: number[]; gamma: number; out: number[] }[] = [];
    for (let l = 0; l <= upTo; l++) {
      const L = this.ir.layers[l]!;
      const scale = f(this.alpha(l) * gIn);
      const z = [];
      for (let j = 0; j < L.units; j++) {
        let s = 0;
        for (let i = 0; i < L.inputs; i++) s += this.w[l]![j]![i]! >= 0 ? q[i]! : -q[i]!;
        z.push(f(f(scale * s) + this.b[l]![j]!));
      }
      let sum = 0;
      for (const v of z) sum = f(sum + Math.abs(v));
      const gamma = f(sum / L.units);
      const out = z.map((v) => (v > 0 ? 1 : 0));
      outs.push({ q, gIn, z, gamma, out });
      q = out;
      gIn = this.ir.training.inputScale === 'layer' ? gamma : 1;
    }
    return outs;
  }

  logits(l: number, o: { gamma: number; out: number[] }): number[] {
    const beta = f(Math.sqrt(f(2 / this.ir.layers[l]!.units)));
    return this.cls[l]!.map((row) => {
      let t = 0;
      row.forEach((s, i) => (t += o.out[i]! ? s : 0));
      return f(f(o.gamma * beta) * t);
    });
  }

  predict(x: number[], l: number): number {
    const a = this.logits(l, this.forward(x, l)[l]!);
    let best = 0;
    a.forEach((v, c) => (v > a[best]! ? (best = c) : 0));
    return best;
  }

  blocksFor(l: number): [number, number][] {
    const M = this.ir.training.slices;
    const all: [number, number][] = [];
    for (let p = 0; p < M; p++) for (let q = 0; q < M; q++) all.push([p, q]);
    if (this.ir.training.blockSchedule === 'all') return all;
    return [all[this.steps[l]! % (M * M)]!];
  }

  train(l: number, x: number[], y: number): void {
    const L = this.ir.layers[l]!;
    const o = this.forward(x, l)[l]!;
    const a = this.logits(l, o);
    const mx = Math.max(...a);
    const e = a.map((v) => exp32(f(v - mx)));
    let S = 0;
    for (const v of e) S = f(S + v);
    const da = e.map((v, c) => f(f(v / S) - (c === y ? 1 : 0)));
    const beta = f(Math.sqrt(f(2 / L.units)));
    const dz = o.z.map((z, i) => {
      if (!(z > (this.ir.training.gradientGate === 'symmetric' ? -1 : 0) && z < 1)) return 0;
      let d = 0;
      for (let c = 0; c < this.ir.classes; c++) d = f(d + this.cls[l]![c]![i]! * da[c]!);
      return f(beta * d);
    });
    const h = o.q.map((qi) => f(o.gIn * qi));
    const key = (p: number, q: number) => `${l}:${p}:${q}`;
    for (const [p, q] of this.blocksFor(l)) {
      const g = this.G.get(key(p, q)) ?? [];
      let n = 0;
      for (let j = L.rowBounds[p]!; j < L.rowBounds[p + 1]!; j++)
        for (let i = L.colBounds[q]!; i < L.colBounds[q + 1]!; i++, n++) g[n] = f((g[n] ?? 0) + f(dz[j]! * h[i]!));
      this.G.set(key(p, q), g);
    }
    const gb = this.G.get(`${l}:bias`) ?? [];
    dz.forEach((d, j) => (gb[j] = f((gb[j] ?? 0) + d)));
    this.G.set(`${l}:bias`, gb);
    if (++this.pending < this.ir.training.batchSize) return;
    this.pending = 0;
    const B = this.ir.training.batchSize;
    for (const [p, q] of this.blocksFor(l)) {
      const g = this.G.get(key(p, q))!.map((v) => f(v / B));
      const vals: number[] = [];
      for (let j = L.rowBounds[p]!; j < L.rowBounds[p + 1]!; j++)
        for (let i = L.colBounds[q]!; i < L.colBounds[q + 1]!; i++) vals.push(this.w[l]![j]![i]!);
      const upd = this.opt(key(p, q), vals, g).map((w) => Math.min(1, Math.max(-1, w)));
      let n = 0;
      for (let j = L.rowBounds[p]!; j < L.rowBounds[p + 1]!; j++)
        for (let i = L.colBounds[q]!; i < L.colBounds[q + 1]!; i++) this.w[l]![j]![i] = upd[n++]!;
    }
    this.b[l] = this.opt(`${l}:bias`, this.b[l]!, gb.map((v) => f(v / B)));
    this.G.clear();
    this.steps[l]!++;
  }

  opt(key: string, w: number[], g: number[]): number[] {
    const o = this.ir.training.optimizer;
    if (o.kind === 'sgd') return w.map((wi, i) => f(wi - f(f(o.learningRate) * g[i]!)));
    const b1 = f(o.beta1);
    const b2 = f(o.beta2);
    const [p1o, p2o] = this.p.get(key) ?? [1, 1];
    const p1 = f(p1o * b1);
    const p2 = f(p2o * b2);
    this.p.set(key, [p1, p2]);
    const m = this.m.get(key) ?? w.map(() => 0);
    const v = this.v.get(key) ?? w.map(() => 0);
    const out = w.map((wi, i) => {
      m[i] = f(f(b1 * m[i]!) + f(f(1 - b1) * g[i]!));
      v[i] = f(f(b2 * v[i]!) + f(f(1 - b2) * f(g[i]! * g[i]!)));
      const mh = f(m[i]! / f(1 - p1));
      const vh = f(v[i]! / f(1 - p2));
      return f(wi - f(f(f(o.learningRate) * mh) / f(f(Math.sqrt(vh)) + f(o.epsilon))));
    });
    this.m.set(key, m);
    this.v.set(key, v);
    return out;
  }
}

function randomSamples(n: number, features: number, classes: number, encoding: 'u8' | 'bits', seed: number) {
  const s = new Stream(seed, 77);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let k = 0; k < n; k++) {
    const y = s.below(classes);
    // Class-dependent pattern plus noise, so that learning happens.
    xs.push(
      Array.from({ length: features }, (_, i) => {
        const on = (i + y) % classes === 0 ? 1 : 0;
        const noise = s.below(100) < 15 ? 1 : 0;
        const bit = on ^ noise;
        return encoding === 'bits' ? bit : bit ? 128 + s.below(128) : s.below(40);
      }),
    );
    ys.push(y);
  }
  return { xs, ys };
}

const shapes: { name: string; ir: ModelIR }[] = [
  { name: 'sgd u8 slices 2', ir: makeIr({ features: 7, units: [5, 3], classes: 3, slices: 2 }) },
  { name: "sgd u8 slices 2 gate 'relu'", ir: makeIr({ features: 9, units: [6, 4], classes: 3, slices: 2, gate: 'relu' }) },
  { name: "sgd u8 slices 2 inputScale 'layer'", ir: makeIr({ features: 9, units: [6, 5, 4], classes: 3, slices: 2, inputScale: 'layer' }) },
  { name: 'sgd bits slices 3 batch 3', ir: makeIr({ features: 33, units: [31, 4], classes: 4, slices: 3, encoding: 'bits', batchSize: 3 }) },
  {
    name: 'adam u8 slices 1',
    ir: makeIr({ features: 5, units: [4, 4], classes: 2, slices: 1, optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } }),
  },
  {
    name: "adam bits schedule 'all' slices 2",
    ir: makeIr({ features: 65, units: [33, 6], classes: 5, slices: 2, encoding: 'bits', schedule: 'all', optimizer: { kind: 'adam', learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 } }),
  },
];

describe('simulator against a dense twin of the semantics', () => {
  for (const { name, ir } of shapes) {
    it(`matches step by step: ${name}`, () => {
      const sim = new TinyFoaModel(ir);
      const twin = new DenseTwin(ir, sim);
      const { xs, ys } = randomSamples(60, ir.input.features, ir.classes, ir.input.encoding, 5);
      for (let l = 0; l < ir.layers.length; l++) {
        for (let k = 0; k < xs.length; k++) {
          sim.trainSample(l, Uint8Array.from(xs[k]!), ys[k]!);
          twin.train(l, xs[k]!, ys[k]!);
          const ls = sim.layers[l]!;
          ls.blocks.forEach((blk, kb) => {
            let o = ls.blockOffset[kb]!;
            for (let j = blk.rowStart; j < blk.rowEnd; j++)
              for (let i = blk.colStart; i < blk.colEnd; i++, o++) {
                if (!Object.is(ls.weights[o], twin.w[l]![j]![i])) {
                  throw new Error(`layer ${l} step ${k} w[${j}][${i}]: sim ${ls.weights[o]} twin ${twin.w[l]![j]![i]}`);
                }
              }
          });
          expect(Array.from(ls.bias)).toEqual(twin.b[l]);
          expect(Array.from(ls.absSum)).toEqual(twin.absSums(l));
          expect(ls.alpha).toBe(twin.alpha(l));
        }
        for (let k = 0; k < 20; k++) expect(sim.predict(Uint8Array.from(xs[k]!), l)).toBe(twin.predict(xs[k]!, l));
      }
      expect(sim.totalSteps()).toBe((ir.layers.length * 60) / ir.training.batchSize);
    });
  }

  it('initialises latent weights in [-ω, ω] with bits equal to their signs', () => {
    const ir = makeIr({ features: 100, units: [40], classes: 3, slices: 4 });
    const sim = new TinyFoaModel(ir);
    const omega = f(1 / f(Math.sqrt(100)));
    const ls = sim.layers[0]!;
    for (const w of ls.weights) expect(Math.abs(w)).toBeLessThanOrEqual(omega);
    const twin = new DenseTwin(ir, sim);
    for (let j = 0; j < 40; j++)
      for (let i = 0; i < 100; i++) {
        expect((ls.bits[j * ls.rowWords + (i >> 5)]! >>> (i & 31)) & 1).toBe(twin.w[0]![j]![i]! >= 0 ? 1 : 0);
      }
  });
});

/**
 * The simulator's fast kernels (subset-sum forward, sparse SGD step with the gradient formed in
 * place at B = 1, sign bits set in the step) against the dense twin, on the values where a shortcut
 * could differ: ±0, subnormal and ±1 weights, clamping steps, inputs 0 and 255, widths that are no
 * multiple of 4 or 32.
 */
describe('fast kernels on edge values', () => {
  const edge = [-0, 0, 1e-45, -1e-45, 1.2e-40, -1.2e-40, 1, -1, f(0.99999994), f(-0.99999994), f(1e-7), f(-3e-38)];
  const cases: { name: string; ir: ModelIR }[] = [
    { name: 'SGD B = 1', ir: makeIr({ features: 45, units: [37, 33], classes: 3, slices: 2, optimizer: { kind: 'sgd', learningRate: 3 } }) },
    { name: "SGD B = 2, schedule 'all'", ir: makeIr({ features: 45, units: [37, 33], classes: 3, slices: 3, batchSize: 2, schedule: 'all', optimizer: { kind: 'sgd', learningRate: 3 } }) },
    { name: 'SGD B = 1, bits input', ir: makeIr({ features: 71, units: [65, 9], classes: 4, slices: 2, encoding: 'bits', optimizer: { kind: 'sgd', learningRate: 0.5 } }) },
  ];
  for (const { name, ir } of cases) {
    it(`matches the dense twin step by step: ${name}`, () => {
      const sim = new TinyFoaModel(ir);
      const refresh = (sim as unknown as { refreshBlock(l: number, k: number): void }).refreshBlock.bind(sim);
      sim.layers.forEach((ls, l) => {
        for (let i = 0; i < ls.weights.length; i += 3) ls.weights[i] = edge[(i / 3 + l) % edge.length]!;
        ls.blocks.forEach((_, k) => refresh(l, k));
      });
      const twin = new DenseTwin(ir, sim);
      const s = new Stream(9, 3);
      const F = ir.input.features;
      const xs = Array.from({ length: 40 }, () =>
        Array.from({ length: F }, () => (ir.input.encoding === 'bits' ? s.below(2) : [0, 0, 255, 1, s.below(256)][s.below(5)]!)),
      );
      const ys = xs.map(() => s.below(ir.classes));
      for (let l = 0; l < ir.layers.length; l++) {
        for (let k = 0; k < xs.length; k++) {
          sim.trainSample(l, Uint8Array.from(xs[k]!), ys[k]!);
          twin.train(l, xs[k]!, ys[k]!);
          const ls = sim.layers[l]!;
          ls.blocks.forEach((blk, kb) => {
            let o = ls.blockOffset[kb]!;
            for (let j = blk.rowStart; j < blk.rowEnd; j++)
              for (let i = blk.colStart; i < blk.colEnd; i++, o++) {
                const w = twin.w[l]![j]![i]!;
                if (!Object.is(ls.weights[o], w)) throw new Error(`layer ${l} sample ${k} w[${j}][${i}]: sim ${ls.weights[o]} twin ${w}`);
                const bit = (ls.bits[j * ls.rowWords + (i >> 5)]! >>> (i & 31)) & 1;
                if (bit !== (w >= 0 ? 1 : 0)) throw new Error(`layer ${l} sample ${k} bit [${j}][${i}] is ${bit} for w ${w}`);
              }
          });
          expect(Array.from(ls.bias)).toEqual(twin.b[l]);
          expect(Array.from(ls.absSum)).toEqual(twin.absSums(l));
          expect(ls.alpha).toBe(twin.alpha(l));
        }
        for (let k = 0; k < xs.length; k++) expect(Array.from(sim.layerScores(Uint8Array.from(xs[k]!), l))).toEqual(twin.logits(l, twin.forward(xs[k]!, l)[l]!));
      }
    });
  }
});

describe('absSum (§6)', () => {
  const fromBits = (u: number): number => new Float32Array(Uint32Array.of(u).buffer)[0]!;
  it('fix(w) = floor(|w| · 2^24) on edge values', () => {
    const cases: [number, number][] = [
      [0x00000000, 0], [0x80000000, 0], [0x00000001, 0], [0x807fffff, 0], // ±0, subnormals
      [0x33800000, 1], [0x337fffff, 0], [0xb3800001, 1], [0x34000000, 2], // around 2^−24
      [0x3f800000, 2 ** 24], [0xbf800000, 2 ** 24], [0x3f7fffff, 2 ** 24 - 1], [0x3f400000, 0.75 * 2 ** 24],
    ];
    for (let k = 1; k <= 24; k++) cases.push([((127 - k) << 23) - 1, 2 ** (24 - k) - 1]); // just below 2^−k
    for (const [u, want] of cases) expect(fix24(fromBits(u)), `0x${u.toString(16)}`).toBe(want);
  });
  it('is kept incrementally by the SGD step and equals the re-summed block after every step', () => {
    const ir = makeIr({ features: 40, units: [12], classes: 3, slices: 2, encoding: 'u8', gate: 'symmetric', optimizer: { kind: 'sgd', learningRate: 0.5 } });
    const sim = new TinyFoaModel(ir);
    const { xs, ys } = randomSamples(40, ir.input.features, ir.classes, ir.input.encoding, 11);
    const ls = sim.layers[0]!;
    for (let k = 0; k < xs.length; k++) {
      sim.trainSample(0, Uint8Array.from(xs[k]!), ys[k]!);
      ls.blocks.forEach((b, kb) => {
        const off = ls.blockOffset[kb]!;
        expect(ls.absSum[kb]).toBe(absSumFix(ls.weights, off, off + b.size));
      });
    }
    expect(sim.totalSteps()).toBe(40);
  });
});

describe('one hand-checked step', () => {
  it('SGD on a 2-feature, 2-unit, 2-class model', () => {
    const ir = makeIr({ features: 2, units: [2], classes: 2, slices: 1, encoding: 'bits', gate: 'relu', optimizer: { kind: 'sgd', learningRate: 0.5 } });
    const sim = new TinyFoaModel(ir);
    const ls = sim.layers[0]!;
    // Set a known state: W = [[0.5, -0.25], [0.25, 0.5]], b = 0, classifier rows c0 = [+,+], c1 = [-,+].
    ls.weights.set([0.5, -0.25, 0.25, 0.5]);
    ls.classifier.set([0b11, 0b10]);
    (sim as unknown as { refreshBlock(l: number, k: number): void }).refreshBlock(0, 0);
    expect(ls.alpha).toBe(0.375);
    // Input [1, 1]: s = [1 - 1, 1 + 1] = [0, 2]; z = [0, 0.375·1·2] = [0, 0.75]; γ = 0.375.
    // Output bits [0, 1]; t = [+1, +1] → a = γ·β·1 with β = sqrt(2/2) = 1 → [0.375, 0.375].
    // Softmax [0.5, 0.5]; label 0 → δa = [-0.5, 0.5].
    // δh_1 = β·(+δa0 + δa1) = 0; δh_0 gated (z_0 = 0) → δz = [0, 0]: no weight change.
    sim.trainSample(0, Uint8Array.of(1, 1), 0);
    expect(Array.from(ls.weights)).toEqual([0.5, -0.25, 0.25, 0.5]);
    // Label 1 with input [1, 0]: s = [1, 1], z = [0.375, 0.375], γ = 0.375, bits [1, 1];
    // t = [2, 0] → a = [0.75, 0]; p0 = 1/(1 + e^-0.75).
    const p0 = f(1 / f(1 + exp32(-0.75)));
    const e0 = exp32(0);
    const e1 = exp32(-0.75);
    const S = f(e0 + e1);
    const pp0 = f(e0 / S);
    const pp1 = f(e1 / S);
    expect(Math.abs(pp0 - p0)).toBeLessThan(1e-6);
    const da0 = pp0; // label 1 → δa0 = p0 − 0
    const da1 = f(pp1 - 1);
    // δh_0 = +δa0 − δa1 (c1 row bit 0 is 0), δh_1 = δa0 + δa1.
    const dh0 = f(f(0 + da0) - da1);
    const dh1 = f(f(0 + da0) + da1);
    // Both z = 0.375 are in (0, 1): δz = δh; h = [1, 0].
    const expected = [f(0.5 - f(0.5 * dh0)), -0.25, f(0.25 - f(0.5 * dh1)), 0.5];
    sim.trainSample(0, Uint8Array.of(1, 0), 1);
    expect(Array.from(ls.weights)).toEqual(expected);
    expect(Array.from(ls.bias)).toEqual([f(0 - f(0.5 * dh0)), f(0 - f(0.5 * dh1))]);
    expect(ls.steps).toBe(2);
  });
});

describe('errors leave the state unchanged', () => {
  const ir = makeIr({ features: 4, units: [3], classes: 3, slices: 1, encoding: 'bits', batchSize: 2 });
  it('rejects a label ≥ classes, a bad bit, a wrong length and a bad layer', () => {
    const sim = new TinyFoaModel(ir);
    const before = sim.digests().state;
    const expectStatus = (fn: () => void, status: number) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(TrainingError);
        expect((e as TrainingError).status).toBe(status);
        return;
      }
      throw new Error('expected a TrainingError');
    };
    expectStatus(() => sim.trainSample(0, Uint8Array.of(0, 1, 0, 1), 3), Status.LABEL);
    expectStatus(() => sim.trainSample(0, Uint8Array.of(0, 2, 0, 1), 1), Status.INPUT);
    expectStatus(() => sim.trainSample(0, Uint8Array.of(0, 1, 0), 1), Status.INPUT);
    expectStatus(() => sim.trainSample(1, Uint8Array.of(0, 1, 0, 1), 1), Status.STATE);
    expectStatus(() => sim.predict(Uint8Array.of(0, 1, 0, 1), 5), Status.STATE);
    expect(sim.digests().state).toBe(before);
  });

  it('rejects a non-finite update and keeps the committed state', () => {
    const sim = new TinyFoaModel(ir);
    sim.layers[0]!.bias.fill(3e38);
    const before = sim.digests().state;
    expect(() => sim.trainSample(0, Uint8Array.of(1, 1, 1, 1), 0)).toThrow(/non-finite|is Infinity/);
    expect(sim.digests().state).toBe(before);
  });
});

describe('determinism and the driver', () => {
  const data: Dataset = (() => {
    const make = (n: number, seed: number) => {
      const { xs, ys } = randomSamples(n, 16, 4, 'u8', seed);
      return { count: n, samples: Uint8Array.from(xs.flat()), labels: Uint8Array.from(ys) };
    };
    return { name: 'synthetic', features: 16, classes: 4, train: make(400, 1), test: make(200, 2), provenance: 'test' };
  })();

  it('gives the same digest on every run and another for another seed', () => {
    const ir = makeIr({ features: 16, units: [32, 32], classes: 4, slices: 2, optimizer: { kind: 'sgd', learningRate: 0.5 } });
    const a = simulate(ir, data, { epochsPerLayer: 3 });
    const b = simulate(ir, data, { epochsPerLayer: 3 });
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toMatch(/^[0-9a-f]{8}$/);
    const c = simulate({ ...ir, training: { ...ir.training, seed: 2 } }, data, { epochsPerLayer: 3 });
    expect(c.digest).not.toBe(a.digest);
    expect(a.perLayer).toHaveLength(2);
    // Four classes: chance is 25%; both layers learn the class patterns.
    expect(a.perLayer[0]!.accuracy).toBeGreaterThan(0.85);
    expect(a.accuracy).toBeGreaterThan(0.85);
  });

  it('forms whole batches from a seeded permutation per layer and epoch', () => {
    const ir = makeIr({ features: 16, units: [12, 8], classes: 4, slices: 2, batchSize: 3 });
    const plans = trainingSchedule(ir, 10, 2);
    expect(plans.map((p) => [p.layer, p.epoch, p.order.length])).toEqual([
      [0, 0, 9],
      [0, 1, 9],
      [1, 0, 9],
      [1, 1, 9],
    ]);
    expect(new Set(plans[0]!.order).size).toBe(9);
    expect(Array.from(plans[0]!.order)).not.toEqual(Array.from(plans[1]!.order));
  });
});
