/**
 * The TinyFoA row of the bench on the native host build (gcc, the same C runtime as the
 * firmware) through the device runner, as `bench sweep` trains: bit-exact with the reference
 * simulator by the contract (docs/semantics.md), and about ten times faster. The job trains
 * one epoch per TRAIN command and evaluates the layer after each (runOnDevice's
 * evalEveryEpoch), so the per-epoch errors are the simulator's; the scratch folder is removed
 * afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TinyFoATrainer } from './table1.ts';

export const nativeTrainer: TinyFoATrainer = async (ir, data, o) => {
  const { runOnDevice } = await import('../firmware/train.ts');
  const work = mkdtempSync(join(tmpdir(), 'tinyfoa-table1-'));
  const t0 = performance.now();
  try {
    const r = await runOnDevice(ir, data, {
      target: 'host',
      outDir: join(work, ir.name),
      ...(o.limitTrain !== undefined ? { limitTrain: o.limitTrain } : {}),
      ...(o.limitTest !== undefined ? { limitTest: o.limitTest } : {}),
      evalEveryEpoch: true,
      timeoutMs: 4 * 3_600_000,
    });
    const errors = (r.perEpoch ?? []).map((e) => 1 - e.accuracy);
    errors.forEach((e, k) => o.onEpoch?.(k + 1, e));
    return { testError: 1 - r.accuracy, perEpochError: errors, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
