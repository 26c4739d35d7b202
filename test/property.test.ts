/**
 * The property behind the product: for many model shapes — widths straddling
 * word boundaries, slices 1–4, both optimizers, both encodings, batch 1 and > 1, every block
 * schedule, both classifiers, both bias initialisations with and without the clamp —
 * firmware on every target reaches the simulator's exact state at every
 * checkpoint. Real cross compiler, real QEMU.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../generator/data/types.ts';
import { buildFirmware } from '../generator/firmware/device.ts';
import { buildRuntimeLibrary } from '../generator/firmware/library.ts';
import { verify } from '../generator/firmware/verify.ts';
import { buildLayers, type ModelIR, type OptimizerIR } from '../generator/ir/ir.ts';
import type { BlockSchedule } from '../generator/model/api.ts';
import { syntheticDataset } from './synthetic-data.ts';

const TARGETS = ['host', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33'];
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-property-'));

const sgd = (lr: number): OptimizerIR => ({ kind: 'sgd', learningRate: lr });
const adam = (lr: number): OptimizerIR => ({ kind: 'adam', learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

interface Shape {
  features: number;
  units: number[];
  classes: number;
  slices: number;
  encoding: 'u8' | 'bits';
  optimizer: OptimizerIR;
  batch: number;
  schedule: BlockSchedule;
  gate: 'symmetric' | 'relu';
  /** The authors' variant (semantics §5.1, §5.3, §8.9–10); absent: tinyfoa's defaults. */
  variant?: { classifier?: 'sign' | 'he-normal'; bias?: { init: 'zero' | 'uniform'; clamp: boolean }; samplesPerEpoch?: number };
}

const SHAPES: Shape[] = [
  { features: 1, units: [1], classes: 2, slices: 1, encoding: 'u8', optimizer: sgd(0.1), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 31, units: [33], classes: 3, slices: 2, encoding: 'bits', optimizer: adam(0.01), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 32, units: [31, 32], classes: 4, slices: 3, encoding: 'u8', optimizer: sgd(0.05), batch: 3, schedule: 'cyclic', gate: 'relu' },
  { features: 33, units: [63, 5], classes: 5, slices: 4, encoding: 'bits', optimizer: sgd(0.2), batch: 1, schedule: 'all', gate: 'symmetric' },
  { features: 63, units: [64], classes: 10, slices: 1, encoding: 'u8', optimizer: adam(0.001), batch: 2, schedule: 'cyclic', gate: 'symmetric' },
  { features: 64, units: [65, 33], classes: 2, slices: 2, encoding: 'bits', optimizer: adam(0.02), batch: 1, schedule: 'all', gate: 'relu' },
  { features: 65, units: [32, 31, 30], classes: 7, slices: 3, encoding: 'u8', optimizer: sgd(0.05), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 95, units: [97], classes: 3, slices: 4, encoding: 'u8', optimizer: adam(0.005), batch: 4, schedule: 'cyclic', gate: 'symmetric' },
  { features: 96, units: [4, 4], classes: 4, slices: 4, encoding: 'bits', optimizer: sgd(0.5), batch: 2, schedule: 'cyclic', gate: 'relu' },
  { features: 97, units: [129], classes: 6, slices: 2, encoding: 'bits', optimizer: sgd(0.01), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 127, units: [31, 63], classes: 9, slices: 1, encoding: 'u8', optimizer: adam(0.01), batch: 1, schedule: 'all', gate: 'symmetric' },
  { features: 128, units: [33, 33, 33], classes: 2, slices: 3, encoding: 'bits', optimizer: adam(0.003), batch: 3, schedule: 'cyclic', gate: 'symmetric' },
  { features: 129, units: [2], classes: 2, slices: 2, encoding: 'u8', optimizer: sgd(0.3), batch: 5, schedule: 'cyclic', gate: 'relu' },
  { features: 2, units: [64, 65], classes: 3, slices: 2, encoding: 'u8', optimizer: sgd(0.05), batch: 1, schedule: 'all', gate: 'symmetric' },
  { features: 16, units: [16, 16], classes: 4, slices: 4, encoding: 'bits', optimizer: adam(0.05), batch: 1, schedule: 'cyclic', gate: 'relu' },
  { features: 200, units: [95], classes: 10, slices: 3, encoding: 'u8', optimizer: sgd(0.02), batch: 2, schedule: 'cyclic', gate: 'symmetric' },
  { features: 33, units: [1, 1], classes: 2, slices: 1, encoding: 'bits', optimizer: sgd(0.1), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 70, units: [31], classes: 5, slices: 4, encoding: 'bits', optimizer: adam(0.01), batch: 2, schedule: 'cyclic', gate: 'symmetric' },
  { features: 48, units: [40, 24], classes: 8, slices: 2, encoding: 'u8', optimizer: adam(0.002), batch: 1, schedule: 'cyclic', gate: 'symmetric' },
  { features: 65, units: [66], classes: 3, slices: 3, encoding: 'u8', optimizer: sgd(0.1), batch: 1, schedule: 'all', gate: 'relu' },
  { features: 100, units: [50, 25, 12], classes: 4, slices: 2, encoding: 'bits', optimizer: sgd(0.05), batch: 2, schedule: 'cyclic', gate: 'symmetric' },
  // The authors' variant: all of it, then each option on other shapes. samplesPerEpoch is small
  // so that the freeze-diagonal schedule passes several epochs (frozen blocks) within the steps.
  { features: 33, units: [40, 17], classes: 4, slices: 2, encoding: 'u8', optimizer: sgd(0.5), batch: 1, schedule: 'freeze-diagonal', gate: 'relu', variant: { classifier: 'he-normal', bias: { init: 'uniform', clamp: true }, samplesPerEpoch: 7 } },
  { features: 65, units: [33], classes: 10, slices: 3, encoding: 'bits', optimizer: adam(0.01), batch: 1, schedule: 'freeze-diagonal', gate: 'symmetric', variant: { samplesPerEpoch: 5 } },
  { features: 31, units: [64, 31], classes: 3, slices: 2, encoding: 'u8', optimizer: adam(0.001), batch: 3, schedule: 'cyclic', gate: 'relu', variant: { classifier: 'he-normal', bias: { init: 'uniform', clamp: false } } },
  { features: 64, units: [65], classes: 5, slices: 4, encoding: 'bits', optimizer: sgd(2), batch: 2, schedule: 'cyclic', gate: 'symmetric', variant: { bias: { init: 'zero', clamp: true } } },
  { features: 32, units: [33, 9], classes: 6, slices: 1, encoding: 'bits', optimizer: adam(0.05), batch: 1, schedule: 'all', gate: 'symmetric', variant: { classifier: 'he-normal', bias: { init: 'uniform', clamp: true } } },
  // Runs (§8.9, §8.12): layers change inside a run, and digests fall on open runs.
  { features: 40, units: [33, 17], classes: 3, slices: 2, encoding: 'u8', optimizer: sgd(0.1), batch: 1, schedule: { kind: 'runs', steps: 3 }, gate: 'symmetric' },
  { features: 65, units: [31, 9], classes: 5, slices: 3, encoding: 'bits', optimizer: adam(0.01), batch: 2, schedule: { kind: 'runs', steps: 4 }, gate: 'relu' },
  { features: 97, units: [64], classes: 10, slices: 4, encoding: 'u8', optimizer: sgd(0.05), batch: 1, schedule: { kind: 'runs', steps: 7 }, gate: 'symmetric' },
  { features: 33, units: [32, 32], classes: 4, slices: 1, encoding: 'u8', optimizer: adam(0.005), batch: 1, schedule: { kind: 'runs', steps: 1 }, gate: 'symmetric' },
  // All with batches (§8.9): every block's gradient formed at the step from the samples' slots.
  { features: 37, units: [33, 20], classes: 4, slices: 3, encoding: 'u8', optimizer: sgd(0.2), batch: 3, schedule: 'all', gate: 'symmetric' },
  { features: 64, units: [31, 65], classes: 3, slices: 2, encoding: 'bits', optimizer: adam(0.01), batch: 2, schedule: 'all', gate: 'relu' },
];

/** H of shape i's learning-rate decay: 1..4 steps on every fourth shape, else 0. */
function decayOf(i: number): number {
  return i % 4 === 1 ? 1 + ((i >> 2) % 4) : 0;
}

function irOf(s: Shape, i: number): ModelIR {
  return {
    name: `shape${i}`,
    source: '',
    input: { features: s.features, encoding: s.encoding },
    classes: s.classes,
    layers: buildLayers(s.features, s.units, s.slices),
    training: {
      slices: s.slices,
      optimizer: s.optimizer,
      batchSize: s.batch,
      epochsPerLayer: 1,
      seed: 1000 + i,
      blockSchedule: s.schedule,
      gradientGate: s.gate,
      // Every third shape reads its hidden inputs at the layer below's scale (semantics §7).
      inputScale: i % 3 === 2 ? 'layer' : 'fixed',
      // Every fourth shape decays its step after a few steps (semantics §8.10); the others have
      // H = 0, a constant step.
      decaySteps: decayOf(i),
      algorithm: 'tinyfoa',
      ...(s.variant?.classifier ? { classifier: s.variant.classifier } : {}),
      ...(s.variant?.bias ? { bias: s.variant.bias } : {}),
      ...(s.variant?.samplesPerEpoch ? { samplesPerEpoch: s.variant.samplesPerEpoch } : {}),
    },
  };
}

function dataFor(features: number, classes: number, count: number, seed: number): Dataset {
  return syntheticDataset(features, classes, count, seed, { provenance: 'property test' });
}

const libraries: Record<string, string> = {};

describe('firmware equals the simulator bit for bit', () => {
  beforeAll(async () => {
    for (const t of TARGETS) libraries[t] = await buildRuntimeLibrary(t, join(work, 'lib', t));
  });

  it('covers the required space of shapes', () => {
    expect(SHAPES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(SHAPES.map((s) => s.slices))).toEqual(new Set([1, 2, 3, 4]));
    const decayed = SHAPES.map((s, i) => ({ s, h: decayOf(i) })).filter((d) => d.h > 0);
    expect(decayed.length).toBeGreaterThanOrEqual(8);
    expect(new Set(decayed.map((d) => d.s.optimizer.kind))).toEqual(new Set(['sgd', 'adam']));
    expect(new Set(decayed.map((d) => d.s.batch > 1))).toEqual(new Set([true, false]));
    expect(new Set(SHAPES.map((s) => (typeof s.schedule === 'string' ? s.schedule : s.schedule.kind)))).toEqual(new Set(['cyclic', 'all', 'freeze-diagonal', 'runs']));
    expect(SHAPES.some((s) => s.schedule === 'all' && s.batch > 1)).toBe(true);
    expect(new Set(SHAPES.map((s) => s.variant?.classifier ?? 'sign'))).toEqual(new Set(['sign', 'he-normal']));
    expect(SHAPES.some((s) => s.variant?.bias?.init === 'uniform') && SHAPES.some((s) => s.variant?.bias?.clamp)).toBe(true);
    expect(new Set(SHAPES.map((s) => s.optimizer.kind))).toEqual(new Set(['sgd', 'adam']));
    expect(new Set(SHAPES.map((s) => s.encoding))).toEqual(new Set(['u8', 'bits']));
    expect(SHAPES.some((s) => s.batch === 1) && SHAPES.some((s) => s.batch > 1)).toBe(true);
    const widths = new Set(SHAPES.flatMap((s) => [s.features, ...s.units]));
    for (const w of [1, 31, 32, 33, 63, 64, 65]) expect(widths.has(w), `width ${w}`).toBe(true);
  });

  SHAPES.forEach((shape, i) => {
    const ir = irOf(shape, i);
    const v = shape.variant;
    const variant = v ? ` ${v.classifier ?? 'sign'} bias-${v.bias?.init ?? 'zero'}${v.bias?.clamp ? '-clamp' : ''}` : '';
    const label = `${shape.features}→${shape.units.join('→')} c${shape.classes} M${shape.slices} ${shape.encoding} ${shape.optimizer.kind} B${shape.batch} ${typeof shape.schedule === 'string' ? shape.schedule : `runs${shape.schedule.steps}`} ${shape.gate}${variant}`;
    it(`shape ${i}: ${label}`, async () => {
      // At least 50 update steps, spread over the layers, with a digest every 10 samples.
      const steps = 50 * shape.batch + shape.units.length * shape.batch;
      const data = dataFor(shape.features, shape.classes, Math.ceil(steps / shape.units.length) + shape.batch, 77 + i);
      const r = await verify(ir, data, {
        targets: TARGETS,
        steps,
        every: 10,
        outDir: join(work, `shape${i}`),
        // Bit-exactness is a property of the code, not of a part: the emulator's memory is enough.
        build: (model, target, dir) => buildFirmware(model, target, dir, { runtimeLibrary: libraries[target]!, fit: 'emulator' }),
      });
      for (const t of r.targets) {
        expect(t.mismatch, `${t.target}: ${JSON.stringify(t.mismatch)}`).toBeNull();
        expect(t.matched).toBe(t.checkpoints);
        expect(t.finalDigest).toBe(r.simulatorDigest);
      }
      expect(r.targets.map((t) => t.target)).toEqual(TARGETS);
      expect(r.samples).toBeGreaterThanOrEqual(50);
    });
  });
});
