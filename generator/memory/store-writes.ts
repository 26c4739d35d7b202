/**
 * Weight-store bytes written per training sample under the model's block schedule
 * (docs/semantics.md §8.9, §8.12; docs/store.md): the record data the runtime hands to the
 * store's `write` (block records, the bias record, the meta record), 4 bytes a float. A store's
 * own framing (the file store's 8 bytes a record and commit record) comes on top.
 */
import { assertNever } from '../errors.ts';
import { epochSteps, layerBlocks, type ModelIR } from '../ir/ir.ts';
import { META_FLOATS } from '../plan/plan.ts';

/**
 * What the update steps of a layer hand to the store, per block schedule (semantics §8.9,
 * §8.12): the one place outside the simulator and the runtime that knows the schedules (the
 * store-write figures here, the NOR flash replay and wear, the variant bench).
 */
export interface ScheduleWrites {
  /** The block records written when step n commits (every block of the step; for runs, the run's block at its last step). */
  blocksAt(n: number): number[];
  /** Whether step n ends with a write of the bias and meta records and a commit (runs: only a run's last step). */
  commitsAt(n: number): boolean;
  /** Mean writes of block k per update step. */
  blockRate(k: number): number;
  /** Mean bias, meta and commit writes per update step. */
  commitRate: number;
}

export function scheduleWrites(ir: ModelIR): ScheduleWrites {
  const m = ir.training.slices;
  const m2 = m * m;
  const every = [...Array(m2).keys()];
  const s = ir.training.blockSchedule;
  if (typeof s === 'object') {
    if (s.kind !== 'runs') return assertNever(s.kind);
    const R = s.steps;
    const ends = (n: number) => (n + 1) % R === 0;
    return { blocksAt: (n) => (ends(n) ? [Math.floor(n / R) % m2] : []), commitsAt: ends, blockRate: () => 1 / (R * m2), commitRate: 1 / R };
  }
  switch (s) {
    case 'cyclic':
      return { blocksAt: (n) => [n % m2], commitsAt: () => true, blockRate: () => 1 / m2, commitRate: 1 };
    case 'all':
      return { blocksAt: () => every, commitsAt: () => true, blockRate: () => 1, commitRate: 1 };
    case 'freeze-diagonal': {
      // Block e·M + e is frozen for an epoch of E steps, e = floor(n / E) mod M.
      const E = epochSteps(ir);
      return {
        blocksAt: (n) => {
          const e = Math.floor(n / E) % m;
          return every.filter((k) => k !== e * m + e);
        },
        commitsAt: () => true,
        blockRate: (k) => (Math.floor(k / m) === k % m ? (m - 1) / m : 1),
        commitRate: 1,
      };
    }
    default:
      return assertNever(s);
  }
}

export interface LayerStoreWrites {
  layer: number;
  /** Bytes one write-back carries: the block record(s) (the mean block for one block), bias, meta. */
  bytesPerWrite: number;
  /** Update steps per write-back: 1, or R for runs. */
  stepsPerWrite: number;
  /** bytesPerWrite / (stepsPerWrite · batchSize). */
  bytesPerSample: number;
}

/** Per layer, while that layer trains (a layer change writes an open run back once more). */
export function storeWritesPerSample(ir: ModelIR): LayerStoreWrites[] {
  const adam = ir.training.optimizer.kind === 'adam';
  const per = adam ? 3 : 1;
  const tail = adam ? 2 : 0;
  const sw = scheduleWrites(ir);
  return ir.layers.map((l, layer) => {
    const blocks = layerBlocks(l).map((b) => per * b.size + tail);
    let blockFloats = 0;
    blocks.forEach((f, k) => (blockFloats += sw.blockRate(k) * f));
    const fixed = per * l.units + tail + META_FLOATS;
    const stepsPerWrite = 1 / sw.commitRate;
    const bytesPerWrite = 4 * (blockFloats * stepsPerWrite + fixed);
    return { layer, bytesPerWrite, stepsPerWrite, bytesPerSample: bytesPerWrite / (stepsPerWrite * ir.training.batchSize) };
  });
}

/** The schedule as the model file writes it. */
export function scheduleName(ir: ModelIR): string {
  const s = ir.training.blockSchedule;
  return typeof s === 'string' ? s : `runs of ${s.steps}`;
}
