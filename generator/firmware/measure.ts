/**
 * Memory measured from built firmware: sections, the arena symbol (checked
 * against the plan), the stack high-water mark and heap use from a short run on
 * the target (stack painting), the weight store, and the SRAM working set.
 */
import { join } from 'node:path';
import type { ModelIR } from '../ir/ir.ts';
import { arenaFloats, type FitMode, type StoreKind } from '../plan/plan.ts';
import { buildFirmware, runJob } from './device.ts';
import { JobBuilder } from './job.ts';

export interface MeasuredMemory {
  target: string;
  part: string | null;
  deviceRamBytes: number | null;
  deviceFlashBytes: number | null;
  text: number;
  rodata: number;
  data: number;
  bss: number;
  /** Bytes of the arena the firmware computes from its descriptor (tf_arena_floats_required, on its READY line). */
  arena: number;
  /** Bytes of the arena by the planner's own arithmetic (plan.ts arenaFloats). */
  planArena: number;
  /** Bytes of the arena symbol in the linked ELF. */
  elfArena: number;
  /** Deepest stack use seen while training every layer and predicting (painted stack). */
  stackHighWater: number | null;
  /** Bytes the C library's stdio took from its bounded heap (the driver's files; the model uses none). */
  heapUsed: number | null;
  /** Bytes of the weight store (latent weights, biases, optimizer state). */
  store: number;
  /** Where the store lives: in RAM it is part of .bss. */
  storeInRam: boolean;
  /** Everything in RAM except the store: .data + .bss − store + stack high-water + heap used. */
  sramWorkingSet: number | null;
  /** Flash the firmware needs: .text + .rodata + .data. */
  flash: number;
}

export async function measureMemory(
  ir: ModelIR,
  target: string,
  outDir: string,
  options: { store?: StoreKind; fit?: FitMode } = {},
): Promise<MeasuredMemory> {
  // The planner refuses a model that does not fit (the part, or at least the emulator the measurement runs in).
  const fit = options.fit ?? 'emulator';
  const fw = await buildFirmware(ir, target, outDir, { fit, ...(options.store ? { store: options.store } : {}) });
  const f = ir.input.features;
  const batch = ir.training.batchSize;
  // A short job that runs every code path: a full batch on each layer, a prediction, the digest.
  const record = new Uint8Array(f + 1);
  const train = new Uint8Array(record.length * batch * ir.layers.length);
  const job = new JobBuilder();
  ir.layers.forEach((_, l) => job.train(l, batch).eval(l));
  job.digest().cycles();
  const run = await runJob(fw, join(outDir, 'measure'), { job: job.bytes(), train, test: record }, { timeoutMs: 600_000 });
  const s = fw.compile.sizes;
  const mem = run.output.memory;
  const storeInRam = fw.planned.store === 'ram';
  const store = fw.planned.memory.store;
  const device = fw.target.device;
  return {
    target,
    part: device?.part ?? null,
    deviceRamBytes: device?.ramBytes ?? null,
    deviceFlashBytes: device?.flashBytes ?? null,
    text: s.text,
    rodata: s.rodata,
    data: s.data,
    bss: s.bss,
    arena: (run.output.ready?.arenaFloats ?? -1) * 4,
    planArena: arenaFloats(ir) * 4,
    elfArena: fw.arenaBytes,
    stackHighWater: mem?.stackHighWater ?? null,
    heapUsed: mem?.heapUsed ?? null,
    store,
    storeInRam,
    sramWorkingSet: mem ? s.data + s.bss - (storeInRam ? store : 0) + mem.stackHighWater + mem.heapUsed : null,
    flash: s.text + s.rodata + s.data,
  };
}
