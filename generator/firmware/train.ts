/** `tinyfoa run`: the whole training schedule on the device, then on-device test accuracy per layer. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.ts';
import type { ModelIR } from '../ir/ir.ts';
import type { StoreKind } from '../plan/plan.ts';
import { checkFeatures, prepareSplit, trainingSchedule, type TrainingReport } from '../sim/train.ts';
import { buildFirmware, runJob, type FitMode } from './device.ts';
import { JobBuilder, recordBytes } from './job.ts';

export interface DeviceRunResult extends TrainingReport {
  target: string;
  /** Target cycles for the whole job (SysTick under -icount on QEMU), when the target counts them. */
  cycles: number | null;
  log: string;
}

export async function runOnDevice(
  ir: ModelIR,
  data: Dataset,
  opts: {
    target: string;
    outDir: string;
    epochsPerLayer?: number;
    limitTrain?: number;
    limitTest?: number;
    fit?: FitMode;
    /** Weight store kind (default ram); a user store needs its C source in storeSources. */
    store?: StoreKind;
    storeSources?: readonly string[];
    onPhase?: (phase: string) => void;
  },
): Promise<DeviceRunResult> {
  checkFeatures(ir, data);
  const started = performance.now();
  const f = ir.input.features;
  const epochs = opts.epochsPerLayer ?? ir.training.epochsPerLayer;
  const train = prepareSplit(data.train, ir, opts.limitTrain);
  const test = prepareSplit(data.test, ir, opts.limitTest);
  opts.onPhase?.(`building for ${opts.target}`);
  const fw = await buildFirmware(ir, opts.target, opts.outDir, {
    ...(opts.fit ? { fit: opts.fit } : {}),
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.storeSources ? { extraSources: opts.storeSources } : {}),
  });
  // A run trains from the start: a store file left by an earlier run would be resumed.
  if (fw.planned.storePlan.file) rmSync(join(opts.outDir, 'run', fw.planned.storePlan.file.path), { force: true });

  const plans = trainingSchedule(ir, train.count, epochs);
  const order: number[] = [];
  const job = new JobBuilder();
  for (let l = 0; l < ir.layers.length; l++) {
    let n = 0;
    for (const p of plans.filter((q) => q.layer === l)) {
      for (const i of p.order) order.push(i);
      n += p.order.length;
    }
    job.train(l, n).eval(l);
  }
  job.digest().cycles();
  opts.onPhase?.(`training on ${opts.target}`);
  const run = await runJob(
    fw,
    join(opts.outDir, 'run'),
    { job: job.bytes(), train: recordBytes(train, f, order), test: recordBytes(test, f, Array.from({ length: test.count }, (_, i) => i)) },
    { timeoutMs: 3_600_000, icount: fw.target.cycles !== null },
  );
  const out = run.output;
  const perLayer = out.evals.map((e) => ({ layer: e.layer, correct: e.correct, total: e.total, accuracy: e.total ? e.correct / e.total : 0 }));
  const last = out.digests[out.digests.length - 1];
  return {
    model: ir.name,
    target: opts.target,
    data: data.name,
    trainSamples: train.count,
    testSamples: test.count,
    epochsPerLayer: epochs,
    steps: last?.steps ?? 0,
    perLayer,
    accuracy: perLayer.length ? perLayer[perLayer.length - 1]!.accuracy : 0,
    digest: last?.state ?? '',
    cycles: out.cycles[0] ?? null,
    seconds: (performance.now() - started) / 1000,
    log: run.logFile,
  };
}
