/**
 * Instruction counts from the firmware (`run --json`) and `tinyfoa bench perf --quick`: real
 * firmware in QEMU under -icount, the real fp32 baseline; the figures are checked to be
 * measured counts (positive, whole multiples of the instructions per tick) and the ratios to be
 * computed from them.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PerfReport } from '../generator/bench/perf.ts';
import type { DeviceRunResult } from '../generator/firmware/train.ts';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const example = new URL('../examples/mnist.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tinyfoa-perf-test-'));
const PER_TICK = 40;

function tinyfoa(...args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: dir, env: { NO_COLOR: '1' } });
}

/** A mean per sample whose total is a whole number of ticks. */
function expectMeasured(perSample: number, samples: number, what: string): void {
  expect(perSample, what).toBeGreaterThan(0);
  const total = Math.round(perSample * samples);
  expect(Math.abs(perSample * samples - total), what).toBeLessThan(1e-6 * total + 1e-6);
  expect(total % PER_TICK, `${what}: ${total} instructions is not a whole number of ticks`).toBe(0);
}

describe('instruction counts', () => {
  it('run --json reports instructions for the job and per training sample and prediction', async () => {
    const r = await tinyfoa('run', example, '--target', 'cortex-m4', '--data', 'mnist', '--fit', 'emulator',
      '--limit', '4', '--limit-test', '3', '--epochs-per-layer', '1', '-o', join(dir, 'run'), '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as DeviceRunResult;
    expect(j.cycles).toBeGreaterThan(0);
    expect(j.instructions).toBe(j.cycles! * PER_TICK);
    // two layers × 4 samples trained; each layer predicts the 3 test samples
    expect(j.trainInstructions!.samples).toBe(8);
    expect(j.predictInstructions!.samples).toBe(6);
    expectMeasured(j.trainInstructions!.perSample, 8, 'train');
    expectMeasured(j.predictInstructions!.perSample, 6, 'predict');
    expect(j.trainInstructions!.perSample).toBeCloseTo(j.trainInstructions!.instructions / 8, 6);
    // the calls alone are part of the whole job, which also reads files and initialises
    expect(j.trainInstructions!.instructions + j.predictInstructions!.instructions).toBeLessThan(j.instructions!);
  }, 120_000);

  it('bench perf --quick measures TinyFoA and the fp32 baseline side by side, with ratios from the counts', async () => {
    const out = join(dir, 'perf');
    const r = await tinyfoa('bench', 'perf', '--quick', '-o', out, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as PerfReport;
    expect(JSON.parse(readFileSync(join(out, 'perf.json'), 'utf8'))).toEqual(j);
    expect(j.command).toBe('tinyfoa bench perf --quick');
    expect(j.instructionsPerTick).toBe(PER_TICK);
    expect(j.rows.map((x) => x.target)).toEqual(['cortex-m3', 'cortex-m4']);
    for (const x of j.rows) {
      const where = `${x.model} on ${x.target}`;
      expect(x.baseline.name).toMatch(/^fp32 BP 784-\d+-10$/);
      for (const [name, f] of [['TinyFoA', x.tinyfoa], ['baseline', x.baseline]] as const) {
        expect(f.trainSamples, `${where} ${name}`).toBe(j.trainSamples);
        expect(f.predictions, `${where} ${name}`).toBe(j.testSamples);
        expectMeasured(f.trainPerSample, f.trainSamples, `${where} ${name} train`);
        expectMeasured(f.predictPerSample, f.predictions, `${where} ${name} predict`);
        expect(f.accuracy).toBeGreaterThanOrEqual(0);
        expect(f.accuracy).toBeLessThanOrEqual(1);
      }
      expect(x.trainRatio).toBe(x.baseline.trainPerSample / x.tinyfoa.trainPerSample);
      expect(x.predictRatio).toBe(x.baseline.predictPerSample / x.tinyfoa.predictPerSample);
    }
    // soft float costs more: the M3 figures are not the M4's
    const [m3, m4] = j.rows;
    expect(m3!.baseline.trainPerSample).toBeGreaterThan(m4!.baseline.trainPerSample);
    expect(j.m3OverM4).toEqual([
      { model: m3!.model, train: m3!.tinyfoa.trainPerSample / m4!.tinyfoa.trainPerSample, predict: m3!.tinyfoa.predictPerSample / m4!.tinyfoa.predictPerSample },
    ]);
    const md = readFileSync(join(out, 'perf.md'), 'utf8');
    expect(md).toContain('`tinyfoa bench perf --quick`');
    expect(md.split('\n').filter((l) => l.startsWith('| 784-128 M=2 cyclic | cortex-m'))).toHaveLength(2);
  }, 120_000);
});
