/** `tinyfoa run`: the whole training schedule on the device, then on-device test accuracy per layer. */
import type { NorGeometry } from '../memory/nor.ts';
import { BadInputError } from '../errors.ts';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/types.ts';
import type { ModelIR } from '../ir/ir.ts';
import { defaultStoreFile, plan, type StoreKind } from '../plan/plan.ts';
import { getTarget } from '../../targets/targets.ts';
import { checkFeatures, prepareSplit, trainingSchedule, type TrainingReport } from '../sim/train.ts';
import { buildFirmware, FirmwareError, runJob, type BuiltFirmware, type FitMode, type LoadMethod } from './device.ts';
import { checkOutputFolder, checkStateFolder, defaultStateFolder, ensureStateFolder, isStateFolder, lockStateFolder, writeFileAtomically } from '../emit/folders.ts';
import { JobBuilder, parseProgressLine, phaseInstructions, recordBytes, type PhaseInstructions } from './job.ts';

export interface DeviceRunResult extends TrainingReport {
  target: string;
  /** Target cycles for the whole job (SysTick under -icount on QEMU), when the target counts them. */
  cycles: number | null;
  /** Instructions the whole job executed (cycles × the target's instructions per tick under QEMU `-icount`), when the target counts them. */
  instructions: number | null;
  /** Instructions inside the training calls only (all TRAIN commands; not reading samples), and per training sample. */
  trainInstructions: PhaseInstructions | null;
  /** Instructions inside the prediction calls only (all EVAL commands), and per prediction. */
  predictInstructions: PhaseInstructions | null;
  /** Training samples this run trained before it stopped (--stop-after), or null when it ran to the end. */
  stoppedAfter: number | null;
  /** Training samples an earlier run had trained and committed to the store, skipped by this one. */
  resumedSamples: number;
  /** With `evalEveryEpoch`: test accuracy after every epoch of every layer, in training order. */
  perEpoch?: { layer: number; epoch: number; accuracy: number }[];
  log: string;
}

/** A run that cannot start as asked (resume or stop options); nothing was changed. */
export class RunSetupError extends BadInputError {}

/** What a run leaves next to its store, so that `--resume` can check it continues the same run. */
interface RunRecord {
  model: string;
  /** SHA-256 of train.bin: the data, its order, the limit and the epochs in one value. */
  train: string;
  samples: number;
}

const RUN_RECORD = 'run.json';

/** The §11 arrays `--dump-state` fetches from the device: what an exported model needs (generator/export/state.ts). */
export const STATE_DUMP_ARRAYS = ['bits', 'alpha', 'bias', 'classifier', 'steps'] as const;
/** The files the job's DUMP writes into the state folder. */
export const STATE_DUMP_FILE = /^dump-\d+-[a-zA-Z]+\.bin$/;

/** The earlier run's store, kept when a run starts afresh over it (one generation). */
export const PREVIOUS_SUFFIX = '.previous';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
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
    /** NOR flash store: the part's geometry (default spi-nor; docs/store.md, "NOR flash store"). */
    nor?: NorGeometry;
    /** The state folder: the store, run.json, the job files and the log (default `<outDir>.state`). */
    stateDir?: string;
    /** Continue the run whose file store is in the state folder (needs store 'file'). */
    resume?: boolean;
    /** After training, fetch the state the device holds (weight bits, α, biases, classifier bits, n_l of every
     * layer; §11 arrays through the job's DUMP, over the serial link on board targets) into the state folder as
     * dump-<l>-<array>.bin, which `tinyfoa export` reads. */
    dumpState?: boolean;
    /** Train only the first n samples of the schedule, then stop (the store keeps them; needs store 'file'). */
    stopAfter?: number;
    /** Evaluate the layer on the test split after each of its epochs (result.perEpoch), as the simulator's onEpoch does;
     * not with resume or stopAfter. */
    evalEveryEpoch?: boolean;
    onPhase?: (phase: string) => void;
    /** Training progress from the device: samples trained so far (resumed ones included) of `total`. */
    onProgress?: (done: number, total: number, layer: number) => void;
    /** Wall-clock limit of the emulator run (default one hour). */
    timeoutMs?: number;
    /** Board targets: train the real board on this serial port instead of the emulator (docs/link.md). */
    port?: string;
    /** Board targets in QEMU: how the image is loaded (runJob's `load`). */
    load?: LoadMethod;
  },
): Promise<DeviceRunResult> {
  checkFeatures(ir, data);
  const started = performance.now();
  const f = ir.input.features;
  const epochs = opts.epochsPerLayer ?? ir.training.epochsPerLayer;
  const train = prepareSplit(data.train, ir, opts.limitTrain);
  const test = prepareSplit(data.test, ir, opts.limitTest);
  const outDir = resolve(opts.outDir);
  // Training state lives apart from the build output, which a rebuild replaces (docs/store.md).
  const runDir = resolve(opts.stateDir ?? defaultStateFolder(outDir));
  checkStateFolder(runDir, { others: [outDir] });
  checkOutputFolder(outDir, { others: [runDir] });

  const plans = trainingSchedule(ir, train.count, epochs);
  const order: number[] = [];
  const perLayerSamples: number[] = [];
  for (let l = 0; l < ir.layers.length; l++) {
    let n = 0;
    for (const p of plans.filter((q) => q.layer === l)) {
      for (const i of p.order) order.push(i);
      n += p.order.length;
    }
    perLayerSamples.push(n);
  }
  const total = order.length;
  const trainBytes = recordBytes(train, f, order);
  const record: RunRecord = { model: ir.name, train: sha256(trainBytes), samples: total };

  const fileStore = (opts.store ?? 'ram') === 'file';
  if ((opts.resume || opts.stopAfter !== undefined) && !fileStore) {
    throw new RunSetupError(
      `${opts.resume ? '--resume' : '--stop-after'} needs --store file: only a file store keeps the trained state between runs`,
    );
  }
  if (opts.evalEveryEpoch && (opts.resume || opts.stopAfter !== undefined)) {
    throw new RunSetupError('an evaluation after every epoch cannot be combined with --resume or --stop-after: run the whole schedule');
  }
  if (opts.stopAfter !== undefined && (opts.stopAfter < 1 || opts.stopAfter >= total)) {
    throw new RunSetupError(`--stop-after must be between 1 and ${total - 1}: the schedule trains ${total} samples`);
  }

  // --resume: the earlier run's store must exist and belong to the same training run.
  const storePath = defaultStoreFile(ir.name);
  const storeFile = join(runDir, storePath);
  const recordFile = join(runDir, RUN_RECORD);
  if (opts.resume) {
    if (!isStateFolder(runDir) || !existsSync(storeFile)) {
      throw new RunSetupError(`nothing to resume: ${storeFile} does not exist (start the run with --store file first)`);
    }
    let earlier: Partial<RunRecord> | null = null;
    try {
      earlier = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as Partial<RunRecord>) : null;
    } catch {
      throw new RunSetupError(`cannot resume: ${recordFile} is damaged; start again without --resume`);
    }
    const why = !earlier
      ? `${recordFile} is missing`
      : earlier.model !== record.model
        ? `the run in ${runDir} trained model '${String(earlier.model)}'`
        : earlier.train !== record.train
          ? `the run in ${runDir} trained other samples or another order`
          : null;
    if (why !== null) {
      throw new RunSetupError(
        `cannot resume: ${why}; resume with the same model, --data, --limit and --epochs-per-layer, or start again without --resume`,
      );
    }
  }

  // The planner's fit check before anything is written: a model that does not fit leaves no state folder.
  plan(ir, getTarget(opts.target), { fit: opts.fit ?? 'device', ...(opts.store ? { store: opts.store } : {}) });
  ensureStateFolder(runDir, { others: [outDir] });
  const unlock = lockStateFolder(runDir);
  try {
    opts.onPhase?.(`building for ${opts.target}`);
    // The build replaces only the output folder; the store in the state folder is never moved.
    const fw = await buildFirmware(ir, opts.target, outDir, {
      ...(opts.fit ? { fit: opts.fit } : {}),
      ...(opts.store ? { store: opts.store } : {}),
      ...(opts.storeSources ? { extraSources: opts.storeSources } : {}),
      ...(opts.nor ? { nor: opts.nor } : {}),
    });
    if (fileStore && !opts.resume) {
      // A fresh run: the earlier run's store is kept aside (one generation), then the new record.
      if (existsSync(storeFile)) renameSync(storeFile, storeFile + PREVIOUS_SUFFIX);
      writeFileAtomically(recordFile, `${JSON.stringify(record)}\n`);
    } else if (opts.dumpState && !fileStore) {
      writeFileAtomically(recordFile, `${JSON.stringify(record)}\n`); // names the model of the dumps
    }
    // Dumps of an earlier run must not pass for this run's state (they are tinyfoa's own files).
    for (const name of readdirSync(runDir)) if (STATE_DUMP_FILE.test(name)) rmSync(join(runDir, name), { force: true });
    const norImage = fw.planned.storePlan.nor?.sim ? join(runDir, fw.planned.storePlan.nor.sim.imagePath) : null;
    // The flash simulator's image is its part's content: a run starts on an erased part, the earlier image kept aside.
    if (norImage && existsSync(norImage)) renameSync(norImage, norImage + PREVIOUS_SUFFIX);
    return await trainOnDevice(fw);
  } finally {
    unlock();
  }

  async function trainOnDevice(fw: BuiltFirmware): Promise<DeviceRunResult> {
    // Layers are evaluated after the last TRAIN: a layer is frozen once trained, so its accuracy
    // is the same, and a resumed job never passes over an EVAL of a layer trained before the cut.
    const job = new JobBuilder().progress(Math.max(1, Math.ceil(total / 400)));
    let budget = opts.stopAfter ?? total;
    const completed: number[] = [];
    if (opts.evalEveryEpoch) {
      // TRAIN reads train.bin sequentially (docs/runtime.md), so one TRAIN per epoch plan trains the same stream.
      for (const p of plans) job.train(p.layer, p.order.length).eval(p.layer);
    } else {
      for (let l = 0; l < ir.layers.length && budget > 0; l++) {
        const n = Math.min(perLayerSamples[l]!, budget);
        job.train(l, n);
        budget -= n;
        if (n === perLayerSamples[l]) completed.push(l);
      }
      for (const l of completed) job.eval(l);
    }
    job.digest().cycles();
    if (opts.dumpState) {
      for (let l = 0; l < ir.layers.length; l++) for (const array of STATE_DUMP_ARRAYS) job.dump(l, array);
    }

    const offsets = perLayerSamples.map((_, l) => perLayerSamples.slice(0, l).reduce((a, b) => a + b, 0));
    const onProgress = opts.onProgress;
    const onStdoutLine = onProgress
      ? (line: string) => {
          const p = parseProgressLine(line);
          if (p) onProgress(offsets[p.layer]! + p.done, total, p.layer);
        }
      : undefined;
    opts.onPhase?.(`training on ${opts.target}`);
    let run: Awaited<ReturnType<typeof runJob>>;
    try {
      run = await runJob(
        fw,
        runDir,
        { job: job.bytes(), train: trainBytes, test: recordBytes(test, f, Array.from({ length: test.count }, (_, i) => i)) },
        {
            timeoutMs: opts.timeoutMs ?? 3_600_000,
            icount: fw.target.cycles !== null,
            ...(onStdoutLine ? { onStdoutLine } : {}),
            ...(opts.port !== undefined ? { port: opts.port } : {}),
            ...(opts.load !== undefined ? { load: opts.load } : {}),
          },
      );
    } catch (e) {
      if (e instanceof FirmwareError && fileStore) {
        throw new FirmwareError(`${e.message}; the file store keeps every committed step: add --resume to continue`, e.log);
      }
      throw e;
    }
    const out = run.output;
    const evals = out.evals.map((e) => ({ layer: e.layer, correct: e.correct, total: e.total, accuracy: e.total ? e.correct / e.total : 0 }));
    // After every epoch: the layer's last evaluation is its final accuracy (the layer is frozen afterwards).
    const perLayer = opts.evalEveryEpoch ? evals.filter((e, i) => evals[i + 1]?.layer !== e.layer) : evals;
    const perEpoch = opts.evalEveryEpoch ? evals.map((e, i) => ({ layer: e.layer, epoch: plans[i]!.epoch, accuracy: e.accuracy })) : undefined;
    const last = out.digests[out.digests.length - 1];
    const stopped = opts.stopAfter ?? null;
    const perTick = fw.target.cycles?.icountInstructionsPerTick ?? null;
    return {
      model: ir.name,
      target: opts.target,
      data: data.name,
      trainSamples: train.count,
      testSamples: test.count,
      epochsPerLayer: epochs,
      steps: last?.steps ?? 0,
      perLayer,
      accuracy: stopped === null && perLayer.length ? perLayer[perLayer.length - 1]!.accuracy : 0,
      digest: last?.state ?? '',
      cycles: out.cycles[0] ?? null,
      instructions: perTick !== null && typeof out.cycles[0] === 'number' ? out.cycles[0] * perTick : null,
      trainInstructions: perTick !== null ? phaseInstructions(out.ticks, 'train', perTick) : null,
      predictInstructions: perTick !== null ? phaseInstructions(out.ticks, 'predict', perTick) : null,
      stoppedAfter: stopped,
      resumedSamples: out.resumed?.samples ?? 0,
      ...(perEpoch ? { perEpoch } : {}),
      seconds: (performance.now() - started) / 1000,
      log: run.logFile,
    };
  }
}
