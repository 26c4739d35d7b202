/**
 * The options of the algorithm authors' variant (docs/semantics.md §4, §5.1, §5.3, §8.9–10)
 * take effect in the simulator as the contract says: which blocks a freeze-diagonal step
 * touches, the he-normal classifier's values and bytes, uniform biases, the bias clamp, and the
 * planner's RAM figure for an fp32 classifier. That the firmware matches the simulator with
 * these options is test/property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { runVariant, VARIANT_ROWS, variantMarkdown } from '../generator/bench/variant.ts';
import { extras } from '../generator/memory/analytic.ts';
import { modelConstants } from '../generator/numerics/constants.ts';
import { STREAM_BIAS, STREAM_CLASSIFIER, Stream } from '../generator/numerics/prng.ts';
import { plan } from '../generator/plan/plan.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { getTarget } from '../targets/targets.ts';

function irOf(training: Partial<ModelIR['training']>, units = [24, 12], slices = 2, features = 20, classes = 4): ModelIR {
  return {
    name: 'variant',
    source: '',
    input: { features, encoding: 'u8' },
    classes,
    layers: buildLayers(features, units, slices),
    training: {
      slices,
      optimizer: { kind: 'sgd', learningRate: 0.1 },
      batchSize: 1,
      epochsPerLayer: 1,
      seed: 7,
      blockSchedule: 'cyclic',
      gradientGate: 'symmetric',
      inputScale: 'fixed',
      algorithm: 'tinyfoa',
      ...training,
    },
  };
}

/** A sample whose features depend on its label, so that every step has a gradient. */
function sample(features: number, y: number, k: number): Uint8Array {
  const x = new Uint8Array(features);
  for (let i = 0; i < features; i++) x[i] = (i * 7 + y * 31 + k * 13) % 256;
  return x;
}

function blockWeights(m: TinyFoaModel, l: number, k: number): Float32Array {
  const ls = m.layers[l]!;
  const off = ls.blockOffset[k]!;
  return ls.weights.slice(off, off + ls.blocks[k]!.size);
}

describe('normal() (§4)', () => {
  it('is exact multiples of 2^-20 in [−6, 6), mean 0 and variance 1 within sampling error', () => {
    const s = new Stream(3, STREAM_CLASSIFIER);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const v = s.normal();
      expect(Number.isInteger(v * 2 ** 20) && v >= -6 && v < 6 && Math.fround(v) === v).toBe(true);
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(0.03);
  });
});

describe("blockSchedule 'freeze-diagonal' (§8.9)", () => {
  it('updates every block but (e, e), e = floor(n_l / E) mod M, with E = floor(samplesPerEpoch / B)', () => {
    const ir = irOf({ blockSchedule: 'freeze-diagonal', samplesPerEpoch: 3 }, [24, 12], 3);
    const m = new TinyFoaModel(ir);
    const frozenSeen: number[] = [];
    for (let step = 0; step < 10; step++) {
      const e = Math.floor(step / 3) % 3;
      const frozen = e * 3 + e;
      expect(m.activeBlocks(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((k) => k !== frozen));
      const before = Array.from({ length: 9 }, (_, k) => blockWeights(m, 0, k));
      m.trainSample(0, sample(20, step % 4, step), step % 4);
      const changed = before.map((b, k) => !b.every((v, i) => Object.is(v, blockWeights(m, 0, k)[i])));
      expect(changed[frozen], `step ${step}: frozen block ${frozen} changed`).toBe(false);
      expect(changed.filter(Boolean).length, `step ${step}: no block changed`).toBeGreaterThan(0);
      frozenSeen.push(frozen);
    }
    expect(new Set(frozenSeen)).toEqual(new Set([0, 4, 8]));
  });

  it('counts the epoch in steps of floor(samplesPerEpoch / B) from the model, default 1000', () => {
    expect(modelConstants(irOf({ blockSchedule: 'freeze-diagonal' })).epochSteps).toBe(1000);
    expect(modelConstants(irOf({ blockSchedule: 'freeze-diagonal', samplesPerEpoch: 4000 })).epochSteps).toBe(4000);
  });
});

describe("classifier 'he-normal' (§5.1, §7, §11)", () => {
  it('holds mul(normal(), β_l) from stream 1, C × N_l f32, and serialises them as f32', () => {
    const ir = irOf({ classifier: 'he-normal' }, [300, 40]);
    const m = new TinyFoaModel(ir);
    const k = modelConstants(ir);
    const s = new Stream(ir.training.seed, STREAM_CLASSIFIER);
    for (const [l, ls] of m.layers.entries()) {
      const w = ls.classifierWeights!;
      expect(w.length).toBe(ir.classes * ls.ir.units);
      for (let i = 0; i < w.length; i++) expect(w[i]).toBe(Math.fround(s.normal() * k.layers[l]!.beta));
      expect(m.arrayBytes(l, 'classifier').length).toBe(4 * ir.classes * ls.ir.units);
    }
    const w0 = m.layers[0]!.classifierWeights!;
    const std = Math.sqrt(w0.reduce((a, v) => a + v * v, 0) / w0.length);
    expect(std / k.layers[0]!.beta).toBeGreaterThan(0.9);
    expect(std / k.layers[0]!.beta).toBeLessThan(1.1);
  });

  it('gives other logits and another trained state than the sign classifier', () => {
    const sign = new TinyFoaModel(irOf({}));
    const he = new TinyFoaModel(irOf({ classifier: 'he-normal' }));
    for (let k = 0; k < 20; k++) {
      sign.trainSample(0, sample(20, k % 4, k), k % 4);
      he.trainSample(0, sample(20, k % 4, k), k % 4);
    }
    expect(he.digests().state).not.toBe(sign.digests().state);
    expect(Array.from(he.layerScores(sample(20, 1, 99), 0))).not.toEqual(Array.from(sign.layerScores(sample(20, 1, 99), 0)));
  });

  it('is counted in the plan (fit check) and by tinyfoa memory as 4·C·N_l bytes', () => {
    const ir = irOf({ classifier: 'he-normal' }, [300, 40]);
    const p = plan(ir, getTarget('cortex-m4'));
    const parts = p.memory.parts.filter((q) => q.name.includes('classifier'));
    expect(parts.map((q) => q.bytes)).toEqual([4 * 4 * 300, 4 * 4 * 40]);
    expect(p.layers.map((l) => l.classifierWords)).toEqual([0, 0]);
    expect(extras(ir).classifiersModel).toBe(4 * 4 * 340);
    expect(extras(irOf({}, [300, 40])).classifiersModel).toBe(4 * (10 + 2) * 4);
  });
});

describe('bias options (§5.3, §8.10)', () => {
  it("init 'uniform' draws mul(sub(mul(uniform(), 2), 1), ω_l) from stream 4", () => {
    const ir = irOf({ bias: { init: 'uniform', clamp: false } });
    const m = new TinyFoaModel(ir);
    const k = modelConstants(ir);
    const s = new Stream(ir.training.seed, STREAM_BIAS);
    m.layers.forEach((ls, l) => {
      const omega = k.layers[l]!.omega;
      for (const b of ls.bias) expect(b).toBe(Math.fround(Math.fround(Math.fround(s.uniform() * 2) - 1) * omega));
      expect(ls.bias.some((b) => b !== 0)).toBe(true);
    });
    // The other streams are not consumed differently: the latent weights are the default model's.
    expect(Array.from(m.layers[0]!.weights)).toEqual(Array.from(new TinyFoaModel(irOf({})).layers[0]!.weights));
  });

  it('clamp keeps every bias in [−1, 1]; without it a large step leaves some outside', () => {
    const train = (clamp: boolean) => {
      const m = new TinyFoaModel(irOf({ optimizer: { kind: 'sgd', learningRate: 20 }, bias: { init: 'zero', clamp } }));
      for (let k = 0; k < 30; k++) m.trainSample(0, sample(20, k % 4, k), k % 4);
      return Array.from(m.layers[0]!.bias);
    };
    const clamped = train(true);
    const free = train(false);
    expect(clamped.every((b) => b >= -1 && b <= 1)).toBe(true);
    expect(clamped.some((b) => Math.abs(b) === 1)).toBe(true);
    expect(free.some((b) => Math.abs(b) > 1)).toBe(true);
  });
});

describe('bench variant', () => {
  it('trains every row on the same data and reports accuracy per layer, RAM and store writes per step', () => {
    const split = (n: number, k0: number) => {
      const samples = new Uint8Array(n * 20);
      const labels = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        labels[k] = k % 4;
        samples.set(sample(20, k % 4, k0 + k), k * 20);
      }
      return { count: n, samples, labels };
    };
    const data = { name: 'synthetic', features: 20, classes: 4, train: split(30, 0), test: split(10, 500), provenance: 'variant test' };
    const r = runVariant({ data, settings: { units: [8, 6], slices: 2, epochsPerLayer: 1, limitTrain: 30, limitTest: 10, seed: 3 } });
    expect(r.rows.map((row) => row.name)).toEqual([...VARIANT_ROWS]);
    const by = (name: (typeof VARIANT_ROWS)[number]) => r.rows.find((row) => row.name === name)!;
    for (const row of r.rows) expect(row.perLayer).toHaveLength(2);
    // One block record per step for cyclic, M² − 1 for freeze-diagonal, M² for all (plus the bias and meta records).
    expect([by('tinyfoa defaults'), by("+ schedule 'freeze-diagonal'"), by("+ schedule 'all' (for comparison)")].map((row) => row.blocksPerStep)).toEqual([1, 3, 4]);
    expect(by("+ schedule 'freeze-diagonal'").storeBytesPerStep).toBeGreaterThan(by('tinyfoa defaults').storeBytesPerStep);
    // The fp32 classifier: C · ΣN · 4 bytes instead of C rows of words per layer.
    expect(by("+ classifier 'he-normal'").classifierBytes).toBe(4 * 4 * 14);
    expect(by('tinyfoa defaults').classifierBytes).toBe(4 * 4 * 2);
    expect(by('+ Adam 1e-4').storeBytes).toBeGreaterThan(2 * by('tinyfoa defaults').storeBytes);
    // Each option changes what is trained (the digests differ from the defaults'), except where
    // the bench reports that it does not bind.
    expect(new Set(r.rows.map((row) => row.digest)).size).toBeGreaterThanOrEqual(r.rows.length - 1);
    expect(variantMarkdown(r).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| row'))).toHaveLength(VARIANT_ROWS.length);
  });
});
