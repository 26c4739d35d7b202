/**
 * `tinyfoa run` in sessions: --stop-after ends a run early with its steps committed to the file
 * store, --resume continues it, and the result is the simulator's, bit for bit. Real firmware:
 * the host build, and cortex-m4 in QEMU.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../generator/data/index.ts';
import { runOnDevice } from '../generator/firmware/train.ts';
import { parseModelFile } from '../generator/model/parse.ts';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const model = new URL('./fixtures/models/resumable.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tinyfoa-resume-'));
const DATA = ['-d', 'mnist', '--limit', '150', '--limit-test', '60'];

function tinyfoa(...args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: dir, env: { NO_COLOR: '1' } });
}

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await tinyfoa(...args, '--json');
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('run --stop-after and --resume', () => {
  it.each(['host', 'cortex-m4'])(
    'on %s: a run stopped twice and resumed ends with the simulator digest and per-layer counts',
    async (target) => {
      const sim = await json(['simulate', model, ...DATA]);
      const out = join(dir, `sessions-${target}`);
      const run = ['run', model, ...DATA, '-t', target, '--store', 'file', '-o', out];
      // 150 samples per layer, batch 2: 61 samples = 30 steps of layer 0 (one sample is trained again).
      const first = await json([...run, '--stop-after', '61']);
      expect(first.stoppedAfter).toBe(61);
      expect(first.steps).toBe(30);
      expect(first.perLayer).toEqual([]);
      expect(first.resumedSamples).toBe(0);
      // 200 samples: layer 0 complete and evaluated, 25 steps of layer 1.
      const second = await json([...run, '--resume', '--stop-after', '200']);
      expect(second.resumedSamples).toBe(60);
      expect(second.steps).toBe(75 + 25);
      expect(second.perLayer).toEqual([(sim.perLayer as unknown[])[0]]);
      const last = await json([...run, '--resume']);
      expect(last.resumedSamples).toBe(200);
      expect(last.stoppedAfter).toBeNull();
      expect(last.digest).toBe(sim.digest);
      expect(last.perLayer).toEqual(sim.perLayer);
      expect(last.steps).toBe(150);
      // A finished run resumed again trains nothing and reports the same.
      const again = await json([...run, '--resume']);
      expect(again.resumedSamples).toBe(300);
      expect(again.digest).toBe(sim.digest);
      expect(again.perLayer).toEqual(sim.perLayer);
      // Without --resume the run starts over, and ends in the same place.
      const fresh = await json(run);
      expect(fresh.resumedSamples).toBe(0);
      // The finished run's store was kept aside, not deleted.
      expect(existsSync(join(`${out}.state`, 'resumable.store.previous'))).toBe(true);
      expect(fresh.digest).toBe(sim.digest);
    },
    300_000,
  );

  it('refuses a resume that would not continue the same run, and keeps the store', async () => {
    const out = join(dir, 'refusals');
    const run = ['run', model, ...DATA, '-t', 'host', '--store', 'file', '-o', out];
    expect((await tinyfoa(...run, '--stop-after', '40', '--json')).exitCode).toBe(0);
    const store = join(`${out}.state`, 'resumable.store');
    const before = readFileSync(store);

    const otherLimit = await tinyfoa('run', model, '-d', 'mnist', '--limit', '149', '-t', 'host', '--store', 'file', '-o', out, '--resume');
    expect(otherLimit.exitCode).toBe(2);
    expect(otherLimit.stderr).toContain('cannot resume: the run in');
    expect(otherLimit.stderr).toContain('other samples or another order');
    expect(readFileSync(store).equals(before)).toBe(true);

    const ram = await tinyfoa(...run.filter((a) => a !== 'file' && a !== '--store'), '--resume');
    expect(ram.exitCode).toBe(2);
    expect(ram.stderr).toContain('--resume needs --store file');

    const nothing = await tinyfoa('run', model, ...DATA, '-t', 'host', '--store', 'file', '-o', join(dir, 'empty'), '--resume');
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to resume: .*resumable\.store does not exist/);
    expect(existsSync(join(dir, 'empty'))).toBe(false);

    const tooFar = await tinyfoa(...run, '--stop-after', '300');
    expect(tooFar.exitCode).toBe(2);
    expect(tooFar.stderr).toContain('--stop-after must be between 1 and 299');

    // After the refusals the run still resumes to the end.
    const r = await tinyfoa(...run, '--resume', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).resumedSamples).toBe(40);
  }, 120_000);

  it('reports training progress from the device as it runs', async () => {
    const ir = parseModelFile(model);
    const seen: { done: number; total: number; layer: number }[] = [];
    const r = await runOnDevice(ir, loadDataset('mnist'), {
      target: 'host',
      outDir: join(dir, 'progress'),
      limitTrain: 150,
      limitTest: 60,
      onProgress: (done, total, layer) => seen.push({ done, total, layer }),
    });
    expect(r.steps).toBe(150);
    expect(seen.length).toBeGreaterThan(100); // a line every sample: 300 samples, 400 lines at most
    expect(seen.every((p) => p.total === 300)).toBe(true);
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toEqual({ done: 300, total: 300, layer: 1 });
    expect(seen.filter((p) => p.layer === 0).at(-1)!.done).toBe(150);
  }, 60_000);
});
