/**
 * `tinyfoa run --store file` killed (SIGKILL to its whole process group: node, the compiler,
 * the firmware or QEMU) during training, during the compile and right after training, then resumed:
 * the training state in the state folder is never moved or rewritten by a rebuild, the output
 * folder is always a whole build, and the last resume ends on the simulator's digest and
 * per-layer counts, bit for bit. Real firmware: the host build and cortex-m4 in QEMU.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../generator/data/index.ts';
import { checkOutputFolder } from '../generator/emit/folders.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { simulate } from '../generator/sim/train.ts';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const model = new URL('./fixtures/models/resumable.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tinyfoa-kill-'));

/** Sequence number of the newest commit record in a file store (docs/store.md, "On-disk format"). */
function committed(store: string): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(store);
  } catch {
    return 0;
  }
  // resumable.ts: R = 2·(2² + 2) = 12 records, W = 1 bitmap word, commit records of C = 20 bytes.
  let best = 0;
  for (const at of [32, 52]) {
    if (bytes.length >= at + 8 && bytes.readUInt32LE(at) === 0x31434654) best = Math.max(best, bytes.readUInt32LE(at + 4));
  }
  return best;
}

function start(args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: dir, env: { NO_COLOR: '1' }, detached: true });
}

/** Starts a run and kills its whole process group once `when()` holds; returns whether it was still running. */
async function killWhen(args: string[], when: () => boolean): Promise<boolean> {
  const child = start(args);
  let done = false;
  void child.then(() => (done = true));
  while (!done && !when()) await new Promise((r) => setTimeout(r, 1));
  const killed = !done;
  if (killed) process.kill(-child.pid!, 'SIGKILL');
  await child;
  return killed;
}

function newBuildBeingMade(out: string): boolean {
  const parent = join(out, '..');
  const base = out.slice(parent.length + 1);
  return readdirSync(parent).some((n) => n.startsWith(`.${base}.tinyfoa-new-`) && existsSync(join(parent, n, 'build')));
}

describe('run --resume after a kill at any moment', () => {
  it.each([
    // The host trains fast: more samples, so that a kill can land inside training.
    { target: 'host', limit: '1500', steps: 1500 },
    { target: 'cortex-m4', limit: '150', steps: 150 },
  ])(
    'on $target: killed during training, during the compile and right after training, it resumes to the simulator state',
    async ({ target, limit, steps }) => {
      const data = ['-d', 'mnist', '--limit', limit, '--limit-test', '50'];
      const expected = simulate(parseModelFile(model), loadDataset('mnist'), { limitTrain: Number(limit), limitTest: 50 });
      const out = join(dir, `kill-${target}`);
      const store = join(`${out}.state`, 'resumable.store');
      const run = ['run', model, ...data, '-t', target, '--store', 'file', '-o', out, '--json'];
      const final = steps + 1; // tf_init's commit, then one commit a step

      // 1. A fresh run, killed during training.
      expect(await killWhen(run, () => committed(store) >= 10)).toBe(true);
      const first = committed(store);
      expect(first).toBeGreaterThanOrEqual(10);
      expect(first).toBeLessThan(final);
      expect(() => checkOutputFolder(out)).not.toThrow();
      const elf = readFileSync(join(out, 'build', 'firmware.elf'));

      // 2. --resume killed during the compile: the store and the previous build are untouched.
      const storeBytes = readFileSync(store);
      expect(await killWhen([...run, '--resume'], () => newBuildBeingMade(out))).toBe(true);
      expect(readFileSync(store).equals(storeBytes)).toBe(true);
      expect(() => checkOutputFolder(out)).not.toThrow();
      expect(readFileSync(join(out, 'build', 'firmware.elf')).equals(elf)).toBe(true);

      // 3. --resume killed right after training: the firmware made its last commit.
      await killWhen([...run, '--resume'], () => committed(store) >= final);
      expect(committed(store)).toBe(final);

      // 4. --resume: nothing is left to train; the state is the simulator's, bit for bit.
      const last = await execa('node', [bin, ...run, '--resume'], { reject: false, cwd: dir });
      expect(last.exitCode, last.stderr).toBe(0);
      const r = JSON.parse(last.stdout) as { digest: string; perLayer: unknown[]; resumedSamples: number; steps: number };
      expect(r.resumedSamples).toBe(2 * steps); // every sample of both layers
      expect(r.steps).toBe(steps);
      expect(r.digest).toBe(expected.digest);
      expect(r.perLayer).toEqual(expected.perLayer);
      // Every temporary the kills left was cleaned up by the next run.
      expect(readdirSync(dir).filter((n) => n.includes('.tinyfoa-'))).toEqual([]);
    },
    300_000,
  );
});
