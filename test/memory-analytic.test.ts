import { describe, expect, it } from 'vitest';
import type { ModelIR } from '../generator/ir/ir.ts';
import { networkIR, paperNetworkIR } from '../generator/ir/network.ts';
import { PAPER_TABLE1_MEMORY_MB, TABLE1_ALGORITHMS, analyticMemory, extras, toMB } from '../generator/memory/analytic.ts';
import type { Algorithm } from '../generator/model/api.ts';
import { storeWritesPerSample } from '../generator/memory/store-writes.ts';

function irOf(features: number, units: number[], classes: number, slices: number, encoding: 'u8' | 'bits' = 'u8'): ModelIR {
  const ir = networkIR(features, units, classes, slices);
  return { ...ir, input: { features, encoding } };
}

const paper = irOf(2000, [2000, 2000, 2000], 10, 2);
const mb2 = (bytes: number): string => toMB(bytes).toFixed(2);
const phases = (ir: ModelIR, a: Algorithm): [number, number, number] => {
  const m = analyticMemory(ir, a);
  return [m.forward, m.gradient, m.update];
};

describe('analytic memory: the paper network (3 × 2000×2000, M = 2)', () => {
  it('reproduces Table 1 for BP: 48.06 / 96.06 / 96.06 MB', () => {
    expect(phases(paper, 'bp').map(mb2)).toEqual(['48.06', '96.06', '96.06']);
  });

  it('reproduces Table 1 for TinyFoA: 0.50 / 4.01 / 8.00 MB', () => {
    expect(phases(paper, 'tinyfoa').map(mb2)).toEqual(['0.50', '4.01', '8.00']);
  });

  it('matches the published figures the module records', () => {
    for (const [a, p] of Object.entries(PAPER_TABLE1_MEMORY_MB)) {
      const [f, g, u] = phases(paper, a as Algorithm).map(mb2);
      expect([f, g, u]).toEqual([p!.forward.toFixed(2), p!.gradient.toFixed(2), p!.update.toFixed(2)]);
    }
  });

  it('gives the documented bytes for every algorithm (docs/memory.md worked example)', () => {
    const table: Record<Algorithm, [number, number, number]> = {
      pepita: [48_064_000, 96_064_000, 96_064_000],
      'pepita-bw-ba': [1_517_500, 49_517_500, 96_017_500],
      ff: [48_048_000, 16_048_000, 32_000_000],
      'ff-bw-ba': [1_517_000, 16_033_000, 32_000_000],
      bp: [48_056_000, 96_056_000, 96_056_000],
      'bp-bw-ba': [1_509_500, 49_533_500, 96_009_500],
      tinyfoa: [502_250, 4_008_000, 8_000_000],
    };
    for (const a of TABLE1_ALGORITHMS) expect(phases(paper, a), a).toEqual(table[a]);
  });

  it('paperNetworkIR is the same network', () => {
    for (const a of TABLE1_ALGORITHMS) expect(phases(paperNetworkIR(), a)).toEqual(phases(paper, a));
  });

  it('counts the extras the paper leaves out', () => {
    const e = extras(paper);
    expect(e.biases).toBe(24_000);
    expect(e.classifiersBinary).toBe(3 * 10 * 63 * 4);
    expect(e.classifiersFp32).toBe(240_000);
    expect(e.outputLayer).toBe(4 * (10 * 2000 + 10));
    expect(e.pepitaFeedback).toBe(80_000);
    expect(e.adamBlock).toBe(8 * 1000 * 1000 + 8 * 2000);
    expect(e.adamModel).toBe(8 * (12_000_000 + 6000));
    expect(e.notes.length).toBeGreaterThan(0);
  });
});

describe('analytic memory: hand-computed small cases', () => {
  // 4 features → 6 → 3, 2 classes, M = 2. W = 4·6 + 6·3 = 42 weights, H = 9 units.
  const small = irOf(4, [6, 3], 2, 2);

  it('BP: 4W + 4(K0 + 2H) and 8W + 4(K0 + 2H)', () => {
    expect(phases(small, 'bp')).toEqual([168 + 88, 336 + 88, 336 + 88]);
  });

  it('TinyFoA: largest layer and largest block', () => {
    // Forward, layer 0: ceil(24/8) = 3 B weights + 4 input bytes + ceil(6/8) = 1 output byte = 8
    // (layer 1: 3 + 1 + 1 = 5). Blocks: layer 0 has four 3×2 blocks, layer 1 has 1×3 and 2×3 blocks;
    // the largest is 6 weights: gradient 4·(6 + 2 + 3) = 44 = 4·(6 + 3 + 2); update 8·6 = 48.
    expect(phases(small, 'tinyfoa')).toEqual([8, 44, 48]);
    // With bit input the sample takes 1 byte instead of 4.
    expect(phases(irOf(4, [6, 3], 2, 2, 'bits'), 'tinyfoa')).toEqual([5, 44, 48]);
  });

  it('FF: all weights forward, one layer for gradient and update', () => {
    // Stash per layer (positive and negative): 8·(K + 2N) = 128 (layer 0), 96 (layer 1).
    expect(phases(small, 'ff')).toEqual([168 + 128, Math.max(96 + 128, 72 + 96), 192]);
  });

  it('PEPITA: both passes kept', () => {
    expect(phases(small, 'pepita')).toEqual([168 + 104, 336 + 104, 336 + 104]);
  });

  it('BW+BA variants', () => {
    // Binary weights: ceil(24/8) + ceil(18/8) = 6 B; one bit per unit per layer: 1 + 1 = 2 B.
    expect(phases(small, 'bp-bw-ba')).toEqual([6 + 20, 6 + 168 + 20 + 36, 336 + 20]);
    expect(phases(small, 'pepita-bw-ba')).toEqual([6 + 36, 6 + 168 + 36, 336 + 36]);
    expect(phases(small, 'ff-bw-ba')).toEqual([6 + 36, 96 + 36 + 48, 192]);
  });

  it('extras', () => {
    const e = extras(small);
    expect(e.biases).toBe(36);
    expect(e.classifiersBinary).toBe(2 * 4 + 2 * 4);
    expect(e.classifiersFp32).toBe(72);
    expect(e.outputLayer).toBe(32);
    expect(e.pepitaFeedback).toBe(32);
    expect(e.adamBlock).toBe(48 + 48);
    expect(e.adamModel).toBe(8 * 51);
  });

  it('M = 1 makes TinyFoA hold a whole layer', () => {
    const one = networkIR(8, [8], 2, 1);
    expect(phases(one, 'tinyfoa')).toEqual([8 + 8 + 1, 4 * (64 + 16), 8 * 64]);
  });
});

describe('store bytes written per training sample (docs/memory.md, "Store writes")', () => {
  // examples/mnist-mcu.ts: 784 → 192 → 192, M = 16, SGD, batch 1. Layer 0: blocks of 12 × 49 =
  // 588 floats (784 = 16 · 49, 192 = 16 · 12), bias 192 floats, meta 2.
  const mcu = (blockSchedule: ModelIR['training']['blockSchedule'], batchSize = 1): ModelIR => {
    const ir = irOf(784, [192, 192], 10, 16);
    return { ...ir, training: { ...ir.training, optimizer: { kind: 'sgd', learningRate: 0.05 }, blockSchedule, batchSize } };
  };
  it('all: every block, the bias and the meta record each sample', () => {
    expect(storeWritesPerSample(mcu('all'))[0]!.bytesPerSample).toBe(4 * (784 * 192 + 192 + 2)); // 602,888
  });
  it('cyclic: one block each step; runs of R: one block each R steps; batches divide both', () => {
    expect(storeWritesPerSample(mcu('cyclic'))[0]!.bytesPerSample).toBe(4 * (588 + 192 + 2)); // 3,128
    expect(storeWritesPerSample(mcu({ kind: 'runs', steps: 16 }))[0]!.bytesPerSample).toBe((4 * 782) / 16); // 195.5
    expect(storeWritesPerSample(mcu({ kind: 'runs', steps: 16 }, 4))[1]!).toEqual({
      layer: 1,
      bytesPerWrite: 4 * (144 + 192 + 2), // 192 = 16 · 12: blocks of 12 × 12
      stepsPerWrite: 16,
      bytesPerSample: (4 * 338) / 64,
    });
  });
  it('Adam carries m, v and the two powers of each record', () => {
    const ir = mcu('cyclic');
    const adam = { ...ir, training: { ...ir.training, optimizer: { kind: 'adam' as const, learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } } };
    expect(storeWritesPerSample(adam)[0]!.bytesPerSample).toBe(4 * (3 * 588 + 2 + 3 * 192 + 2 + 2));
  });
});
