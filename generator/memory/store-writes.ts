/**
 * Weight-store bytes written per training sample under the model's block schedule
 * (docs/semantics.md §8.9, §8.12; docs/store.md): the record data the runtime hands to the
 * store's `write` (block records, the bias record, the meta record), 4 bytes a float. A store's
 * own framing (the file store's 8 bytes a record and commit record) comes on top.
 */
import { assertNever } from '../errors.ts';
import { layerBlocks, type ModelIR } from '../ir/ir.ts';
import { META_FLOATS } from '../plan/plan.ts';

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
  const schedule = ir.training.blockSchedule;
  return ir.layers.map((l, layer) => {
    const blocks = layerBlocks(l).map((b) => per * b.size + tail);
    const allBlocks = blocks.reduce((a, b) => a + b, 0);
    const fixed = per * l.units + tail + META_FLOATS;
    let floats: number;
    let stepsPerWrite: number;
    if (schedule === 'all') {
      floats = allBlocks + fixed;
      stepsPerWrite = 1;
    } else if (schedule === 'cyclic') {
      floats = allBlocks / blocks.length + fixed;
      stepsPerWrite = 1;
    } else if (schedule.kind === 'runs') {
      floats = allBlocks / blocks.length + fixed;
      stepsPerWrite = schedule.steps;
    } else {
      return assertNever(schedule.kind);
    }
    const bytesPerWrite = 4 * floats;
    return { layer, bytesPerWrite, stepsPerWrite, bytesPerSample: bytesPerWrite / (stepsPerWrite * ir.training.batchSize) };
  });
}

/** The schedule as the model file writes it. */
export function scheduleName(ir: ModelIR): string {
  const s = ir.training.blockSchedule;
  return typeof s === 'string' ? s : `runs of ${s.steps}`;
}
