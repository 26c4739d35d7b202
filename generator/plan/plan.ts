/**
 * The planner: every decision about the generated C is made here, before any
 * emission — C names, exact constants, buffer sizes, weight-store offsets, the
 * arena (mirroring tf_arena_floats_required of the runtime), overflow checks and
 * the memory budget. Templates only render what this returns.
 */
import { DEFAULT_NOR, NOR_PRESETS, planNorLayout, type NorGeometry, type NorLayout } from '../memory/nor.ts';
import { assertNever, BadInputError } from '../errors.ts';
import type { ModelIR } from '../ir/ir.ts';
import { decaySteps, epochSteps, layerBlocks, learnSteps } from '../ir/ir.ts';
import { C_RESERVED } from '../model/reserved.ts';
import { wordsFor } from '../numerics/bits.ts';
import { modelConstants } from '../numerics/constants.ts';
import { cFloatLiteral } from '../numerics/f32.ts';
import type { Target } from '../../targets/targets.ts';

/** Version of the generated-code ⇄ runtime interface (TF_RUNTIME_VERSION in tinyfoa.h). */
export const RUNTIME_VERSION = 6;
/** Version of docs/semantics.md the generated code is planned for. */
export const SEMANTICS_VERSION = 4;

/** The model cannot be planned for the target (sizes, names, overflow): bad input. */
export class PlanError extends BadInputError {}

export interface PlannedLayer {
  index: number;
  inputs: number;
  units: number;
  rowBounds: string;
  colBounds: string;
  beta: string;
  omega: string;
  count: string;
  /** Words of the sign classifier's bit matrix; 0 with the he-normal classifier. */
  classifierWords: number;
  /** Floats of the he-normal classifier (C·N_l); 0 with the sign classifier. */
  classifierFloats: number;
  /** The C initialisers of tf_layer.classifier_bits and .classifier_weights: a symbol or NULL. */
  classifierBitsRef: string;
  classifierWeightsRef: string;
  weightBitWords: number;
  /** M²: the uint64 absSum of every block (§6). */
  absSumWords: number;
  names: { rows: string; cols: string; classifier: string; classifierWeights: string; bits: string; bias: string; absSum: string };
}

/** Where the weight store lives (docs/store.md): a RAM array, a file (stdio), or one the firmware project defines. */
export type StoreKind = 'ram' | 'file' | 'nor' | 'user';
export const STORE_KINDS: readonly StoreKind[] = ['ram', 'file', 'nor', 'user'];

/** Floats of the meta record, record M² + 1 of every layer (TF_META_FLOATS). */
export const META_FLOATS = 2;

/** File store format constants (runtime-c/tf_store_file.c, docs/store.md). */
export const FILE_STORE = { headerBytes: 32, trailerBytes: 16, ioBufferBytes: 256 } as const;

/**
 * Which memory a plan must fit: `device`, the real part the target declares; `emulator`, the
 * emulator's RAM (more than the part). Without one, plan() checks only 32-bit sizes.
 */
export type FitMode = 'device' | 'emulator';

/** The model does not fit the target's memory, or a size would overflow 32 bits: bad input, with advice. */
export class FitError extends PlanError {}

export interface PlanOptions {
  /** Refuse a plan whose static RAM does not fit this memory (checkPlannedFit); default: no fit check. */
  fit?: FitMode;
  /** Weight store kind; default 'ram'. */
  store?: StoreKind;
  /** File store: the file name the firmware opens (relative to its working directory); default `<name>.store`. */
  storeFile?: string;
  /** NOR flash store: the part's geometry (default NOR_PRESETS['spi-nor'], its region the planner's default). */
  nor?: NorGeometry;
  /** NOR flash store: 'sim', the flash simulator in RAM (tf_nor_sim, image file `<name>.nor`), or 'user', a driver the firmware project defines. */
  norDriver?: 'sim' | 'user';
}

/** Everything the template needs to define the weight store; exactly one of ram, file, user is set. */
export interface StorePlan {
  /** The `tf_store` the model points to. */
  symbol: string;
  /** One sentence for the generated README. */
  description: string;
  /** `static const tf_store` for ram and file; the user's `extern const tf_store` for user. */
  ram: { dataSymbol: string; offsetsSymbol: string; ctxSymbol: string } | null;
  file: {
    ctxSymbol: string;
    offsetsSymbol: string;
    activeSymbol: string;
    stagedSymbol: string;
    ioSymbol: string;
    ioBytes: number;
    bitmapWords: number;
    path: string;
    /** The path as a C string literal. */
    pathLiteral: string;
    /** Size of the file: header, two commit records, two slots per record. */
    fileBytes: number;
    commitBytes: number;
  } | null;
  nor: {
    ctxSymbol: string;
    offsetsSymbol: string;
    unitsSymbol: string;
    firstSymbol: string;
    activeSymbol: string;
    stagedSymbol: string;
    pageSymbol: string;
    /** The `tf_nor_flash` the store uses: the simulator's (generated) or the firmware project's. */
    flashSymbol: string;
    /** Ring lengths in erase units, records then the commit log. */
    units: number[];
    /** First sector of each ring. */
    firstSectors: number[];
    records: number;
    sectorBytes: number;
    pageBytes: number;
    sectors: number;
    regionBytes: number;
    layout: NorLayout;
    /** The simulator, when the driver is 'sim': its image (region bytes of RAM) mirrored into `imagePath`. */
    sim: { simSymbol: string; imageSymbol: string; erasesSymbol: string; imagePath: string; imagePathLiteral: string } | null;
  } | null;
  user: { symbol: string } | null;
}

export interface MemoryPlan {
  /** Bytes in RAM that training needs, excluding the weight store. */
  workingSet: number;
  /** Bytes of the weight store (latent weights, biases and optimizer state of every block). */
  store: number;
  /** Breakdown in bytes. */
  parts: { name: string; bytes: number; region: 'ram' | 'flash' | 'store' }[];
}

export interface PlannedModel {
  ir: ModelIR;
  target: Target;
  runtimeVersion: number;
  semanticsVersion: number;
  /** Every generated global starts with this prefix. */
  prefix: string;
  modelSymbol: string;
  arenaSymbol: string;
  bitArenaSymbol: string;
  storeDataSymbol: string;
  /** Kind of weight store (docs/store.md). */
  store: StoreKind;
  storePlan: StorePlan;
  encoding: 'TF_ENCODING_U8' | 'TF_ENCODING_BITS';
  optimizer: 'TF_OPTIMIZER_SGD' | 'TF_OPTIMIZER_ADAM';
  schedule: 'TF_SCHEDULE_CYCLIC' | 'TF_SCHEDULE_ALL' | 'TF_SCHEDULE_FREEZE_DIAGONAL' | 'TF_SCHEDULE_RUNS';
  /** tf_model.epoch_steps: the freeze-diagonal epoch in steps (semantics §8.9); 0 for the other schedules. */
  epochSteps: number;
  /** tf_model.decay_steps: H of the learning-rate decay (semantics §8.10); 0: constant. */
  decaySteps: number;
  /** R of schedule runs, 0 otherwise (tf_model.run_steps). */
  runSteps: number;
  /** TF_INPUT_SCALE_FIXED or TF_INPUT_SCALE_LAYER (semantics §7). */
  inputScale: string;
  classifier: 'TF_CLASSIFIER_SIGN' | 'TF_CLASSIFIER_HE_NORMAL';
  biasInit: 'TF_BIAS_ZERO' | 'TF_BIAS_UNIFORM';
  /** tf_model.bias_clamp: 1 or 0. */
  biasClamp: number;
  constants: { gammaIn: string; lr: string; beta1: string; beta2: string; c1: string; c2: string; eps: string; gateLow: string };
  layers: PlannedLayer[];
  /** Floats of each weight-store record, layer-major, records M² + 2 per layer (blocks, bias, meta). */
  recordFloats: number[];
  /** offsets[i] = Σ recordFloats[0..i); one more entry than records. */
  storeOffsets: number[];
  storeFloats: number;
  recordsPerLayer: number;
  arenaFloats: number;
  bitArenaWords: number;
  /** Update steps each layer takes under tf_learn (tf_model.learn_steps, semantics §13). */
  learnSteps: number;
  memory: MemoryPlan;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Floats the runtime's arena needs: docs/runtime.md "Arena" (tf_arena_floats_required). */
export function arenaFloats(ir: ModelIR): number {
  const m = ir.training.slices;
  const adam = ir.training.optimizer.kind === 'adam';
  const per = adam ? 3 : 1;
  const tail = adam ? 2 : 0;
  let blockMax = 0;
  let unitsMax = 0;
  for (const l of ir.layers) {
    blockMax = Math.max(blockMax, ceilDiv(l.units, m) * ceilDiv(l.inputs, m));
    unitsMax = Math.max(unitsMax, l.units);
  }
  const batchAcc = ir.training.batchSize > 1 ? blockMax + unitsMax : 0;
  // Schedule all with batches: one slot a sample (δz, γ_in, the input as bytes or words).
  let inFloats = ir.input.encoding === 'u8' ? ceilDiv(ir.input.features, 4) : wordsFor(ir.input.features);
  for (const l of ir.layers.slice(0, -1)) inFloats = Math.max(inFloats, wordsFor(l.units));
  const slots = ir.training.blockSchedule === 'all' && ir.training.batchSize > 1 ? ir.training.batchSize * (unitsMax + 1 + inFloats) : 0;
  // Schedule runs: the open run's block and bias records (semantics §8.12), after the rest.
  const run = runSteps(ir) > 0 ? per * blockMax + tail + (per * unitsMax + tail) : 0;
  return batchAcc + (per * blockMax + tail) + (per * unitsMax + tail) + unitsMax + ir.classes + slots + run;
}

/** tf_model.schedule (semantics §8.9). */
export function scheduleEnum(ir: ModelIR): PlannedModel['schedule'] {
  const s = ir.training.blockSchedule;
  if (typeof s === 'object') return s.kind === 'runs' ? 'TF_SCHEDULE_RUNS' : assertNever(s.kind);
  switch (s) {
    case 'cyclic':
      return 'TF_SCHEDULE_CYCLIC';
    case 'all':
      return 'TF_SCHEDULE_ALL';
    case 'freeze-diagonal':
      return 'TF_SCHEDULE_FREEZE_DIAGONAL';
    default:
      return assertNever(s);
  }
}

/** tf_model.run_steps: R of schedule runs, 0 for the others (semantics §8.9). */
export function runSteps(ir: ModelIR): number {
  const s = ir.training.blockSchedule;
  return typeof s === 'object' ? s.steps : 0;
}

/** Words of the runtime's bit arena (tf_bit_arena_words_required). */
export function bitArenaWords(ir: ModelIR): number {
  let vec = wordsFor(ir.input.features);
  for (const l of ir.layers) vec = Math.max(vec, wordsFor(l.units));
  return 2 * vec;
}

function checkIdentifier(name: string): void {
  if (C_RESERVED.has(name)) throw new PlanError(`generated name '${name}' is a C reserved word; rename the model`);
}

/** A C string literal for a file name: printable ASCII only, quotes and backslashes escaped. */
function cStringLiteral(text: string): string {
  if (text.length === 0 || !/^[\x20-\x7e]+$/.test(text)) {
    throw new PlanError(`store file name '${text}' must be non-empty printable ASCII`);
  }
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\?\?/g, '?\\?')}"`;
}

/** The NOR store's layout and symbols: ring lengths for the region (generator/memory/nor.ts), refused when the region is too small. */
function planNor(ir: ModelIR, prefix: string, recordFloats: number[], recordsPerLayer: number, options: PlanOptions): NonNullable<StorePlan['nor']> {
  const geometry = options.nor ?? { ...NOR_PRESETS[DEFAULT_NOR]! };
  const layout = planNorLayout(ir, recordFloats, recordsPerLayer, geometry);
  if (layout.rings.length === 0) {
    throw new FitError(
      `the NOR flash store needs at least ${layout.usedSectors} sectors of ${geometry.sectorBytes} bytes (two erase units per record and for the commit log), and the region has ${layout.regionSectors}: give more sectors (--nor-flash ${geometry.name}:<sectors>) or smaller sectors`,
    );
  }
  const regionBytes = layout.regionSectors * geometry.sectorBytes;
  if (regionBytes > 0xffffffff) throw new FitError(`the NOR flash region would be ${regionBytes} bytes; the NOR store addresses below 4 GiB`);
  const sim = (options.norDriver ?? 'sim') === 'sim';
  const imagePath = `${prefix}.nor`;
  return {
    ctxSymbol: `${prefix}_store_nor`,
    offsetsSymbol: `${prefix}_store_offsets`,
    unitsSymbol: `${prefix}_store_units`,
    firstSymbol: `${prefix}_store_first`,
    activeSymbol: `${prefix}_store_active`,
    stagedSymbol: `${prefix}_store_staged`,
    pageSymbol: `${prefix}_store_page`,
    flashSymbol: `${prefix}_nor_flash`,
    units: layout.rings.map((r) => r.units),
    firstSectors: layout.rings.map((r) => r.firstSector),
    records: recordFloats.length,
    sectorBytes: geometry.sectorBytes,
    pageBytes: geometry.pageBytes,
    sectors: layout.regionSectors,
    regionBytes,
    layout,
    sim: sim ? { simSymbol: `${prefix}_nor_sim`, imageSymbol: `${prefix}_nor_image`, erasesSymbol: `${prefix}_nor_erases`, imagePath, imagePathLiteral: cStringLiteral(imagePath) } : null,
  };
}

/** The file a file store opens when the build names none: `<model name>.store`. */
export function defaultStoreFile(modelName: string): string {
  return `${modelName}.store`;
}

/** Firmware trains with TinyFoA only; a model file naming a baseline is refused where firmware is made. */
export function requireFirmwareAlgorithm(ir: ModelIR): void {
  if (ir.training.algorithm !== 'tinyfoa') {
    throw new PlanError(
      `${ir.source ? `${ir.source}: ` : ''}training.algorithm '${ir.training.algorithm}' is a simulator-only baseline and firmware trains with 'tinyfoa': ` +
        "remove training.algorithm (or set it to 'tinyfoa') to make firmware; `tinyfoa simulate` trains the baseline",
    );
  }
}

export function plan(ir: ModelIR, target: Target, options: PlanOptions = {}): PlannedModel {
  requireFirmwareAlgorithm(ir);
  const k = modelConstants(ir);
  const prefix = ir.name;
  const adam = ir.training.optimizer.kind === 'adam';
  const per = adam ? 3 : 1;
  const tail = adam ? 2 : 0;
  const m2 = ir.training.slices * ir.training.slices;

  // Exactness and overflow (semantics §1): every int32 sum must convert to binary32 exactly.
  const qMax = ir.input.encoding === 'u8' ? 255 : 1;
  if (ir.input.features * qMax >= 2 ** 24) {
    throw new PlanError(`input of ${ir.input.features} features: the layer-0 sum can reach 2^24 and would round in binary32`);
  }
  for (const l of ir.layers) {
    if (l.units >= 2 ** 16 || l.inputs >= 2 ** 16) throw new PlanError(`layer ${l.index}: dimensions must be below 65536`);
    // §6: absSum's exact integers stay at most 2^53 (exact in a JavaScript number and in uint64_t).
    if (l.units * l.inputs > 2 ** 29) {
      throw new PlanError(`layer ${l.index}: ${l.units} × ${l.inputs} weights; semantics §6 allows at most 2^29 a layer: make the layer smaller`);
    }
  }

  const steps = learnSteps(ir);
  if (!Number.isInteger(steps) || steps < 1 || steps > 0xffffffff) {
    throw new PlanError(
      `epochsPerLayer · floor(samplesPerEpoch / batchSize) = ${steps} update steps a layer: tf_learn counts 1 .. 2^32-1; change training.samplesPerEpoch`,
    );
  }

  const heNormal = ir.training.classifier === 'he-normal';
  const layers: PlannedLayer[] = ir.layers.map((l, i) => {
    const c = k.layers[i]!;
    const base = `${prefix}_l${i}`;
    const names = {
      rows: `${base}_rows`,
      cols: `${base}_cols`,
      classifier: `${base}_classifier`,
      classifierWeights: `${base}_classifier_w`,
      bits: `${base}_bits`,
      bias: `${base}_bias`,
      absSum: `${base}_abs_sum`,
    };
    Object.values(names).forEach(checkIdentifier);
    return {
      index: i,
      inputs: l.inputs,
      units: l.units,
      rowBounds: l.rowBounds.join(', '),
      colBounds: l.colBounds.join(', '),
      beta: cFloatLiteral(c.beta),
      omega: cFloatLiteral(c.omega),
      count: cFloatLiteral(c.countFix),
      classifierWords: heNormal ? 0 : ir.classes * wordsFor(l.units),
      classifierFloats: heNormal ? ir.classes * l.units : 0,
      classifierBitsRef: heNormal ? 'NULL' : names.classifier,
      classifierWeightsRef: heNormal ? names.classifierWeights : 'NULL',
      weightBitWords: l.units * wordsFor(l.inputs),
      absSumWords: m2,
      names,
    };
  });

  const recordFloats: number[] = [];
  for (const l of ir.layers) {
    for (const b of layerBlocks(l)) recordFloats.push(per * b.size + tail);
    recordFloats.push(per * l.units + tail);
    recordFloats.push(META_FLOATS);
  }
  const storeOffsets = [0];
  for (const r of recordFloats) storeOffsets.push(storeOffsets[storeOffsets.length - 1]! + r);
  const storeFloats = storeOffsets[storeOffsets.length - 1]!;

  const storeKind = options.store ?? 'ram';
  if (!STORE_KINDS.includes(storeKind)) throw new PlanError(`unknown store '${String(storeKind)}': known stores are ${STORE_KINDS.join(', ')}`);
  const records = recordFloats.length;
  const bitmapWords = Math.ceil(records / 32);
  const commitBytes = 16 + 4 * bitmapWords;
  const fileBytes = FILE_STORE.headerBytes + 2 * commitBytes + 2 * (FILE_STORE.trailerBytes * records + 4 * storeFloats);
  if (storeKind === 'file' && fileBytes > 0x7fffffff) {
    throw new PlanError(`the store file would be ${fileBytes} bytes; the file store handles files below 2 GiB`);
  }
  const storeFile = options.storeFile ?? defaultStoreFile(prefix);
  const nor = storeKind === 'nor' ? planNor(ir, prefix, recordFloats, ir.training.slices ** 2 + 2, options) : null;
  const storePlan: StorePlan = {
    symbol: storeKind === 'user' ? `${prefix}_user_store` : `${prefix}_store`,
    description:
      storeKind === 'ram'
        ? `in RAM (${storeFloats * 4} bytes of .bss)`
        : storeKind === 'file'
          ? `in the file ${cStringLiteral(storeFile)} (${fileBytes} bytes, two slots per record, power-safe commits: runtime/tinyfoa.h, tf_store_file)`
          : storeKind === 'nor'
            ? `in NOR flash (${nor!.layout.geometry.name}: ${nor!.sectors} sectors of ${nor!.sectorBytes} bytes, ${nor!.pageBytes}-byte pages, ${nor!.regionBytes} bytes; a ring of erase units per record, power-safe commits: runtime/tinyfoa.h, tf_store_nor) through ${nor!.sim ? `the flash simulator in RAM, mirrored into ${cStringLiteral(nor!.sim.imagePath)}` : `your driver \`const tf_nor_flash ${nor!.flashSymbol}\``}`
            : `defined by your firmware project as \`const tf_store ${prefix}_user_store\` (declared in model/tf_model.h; \`make\` links only once you add its source)`,
    ram: storeKind === 'ram' ? { dataSymbol: `${prefix}_store_data`, offsetsSymbol: `${prefix}_store_offsets`, ctxSymbol: `${prefix}_store_ram` } : null,
    file:
      storeKind === 'file'
        ? {
            ctxSymbol: `${prefix}_store_file`,
            offsetsSymbol: `${prefix}_store_offsets`,
            activeSymbol: `${prefix}_store_active`,
            stagedSymbol: `${prefix}_store_staged`,
            ioSymbol: `${prefix}_store_io`,
            ioBytes: FILE_STORE.ioBufferBytes,
            bitmapWords,
            path: storeFile,
            pathLiteral: cStringLiteral(storeFile),
            fileBytes,
            commitBytes,
          }
        : null,
    nor,
    user: storeKind === 'user' ? { symbol: `${prefix}_user_store` } : null,
  };
  const storeSymbols = Object.entries({ ...storePlan.ram, ...storePlan.file, ...storePlan.nor, ...storePlan.nor?.sim, ...storePlan.user })
    .filter(([key]) => key.endsWith('ymbol'))
    .map(([, value]) => String(value));
  [storePlan.symbol, ...storeSymbols].forEach(checkIdentifier);

  const arena = arenaFloats(ir);
  const bitArena = bitArenaWords(ir);
  const parts: MemoryPlan['parts'] = [
    { name: 'arena', bytes: arena * 4, region: 'ram' },
    { name: 'bit arena', bytes: bitArena * 4, region: 'ram' },
    ...layers.flatMap((l) => [
      { name: `layer ${l.index} weight bits`, bytes: l.weightBitWords * 4, region: 'ram' as const },
      heNormal
        ? { name: `layer ${l.index} classifier (fp32)`, bytes: l.classifierFloats * 4, region: 'ram' as const }
        : { name: `layer ${l.index} classifier bits`, bytes: l.classifierWords * 4, region: 'ram' as const },
      { name: `layer ${l.index} bias`, bytes: l.units * 4, region: 'ram' as const },
      { name: `layer ${l.index} absSum`, bytes: l.absSumWords * 8, region: 'ram' as const },
    ]),
    { name: 'sample buffer', bytes: ir.input.features, region: 'ram' },
    ...(storePlan.file
      ? [
          { name: 'file store slot bitmaps', bytes: 2 * 4 * storePlan.file.bitmapWords, region: 'ram' as const },
          { name: 'file store stdio buffer', bytes: storePlan.file.ioBytes, region: 'ram' as const },
        ]
      : []),
    ...(nor
      ? [
          { name: 'NOR store slot tables', bytes: 2 * 4 * nor.records, region: 'ram' as const },
          { name: 'NOR store page buffer', bytes: nor.pageBytes, region: 'ram' as const },
          ...(nor.sim ? [{ name: 'NOR flash simulator image', bytes: nor.regionBytes + 4 * nor.sectors, region: 'ram' as const }] : []),
        ]
      : []),
    { name: 'weight store', bytes: storeFloats * 4, region: 'store' },
  ];
  const workingSet = parts.filter((p) => p.region === 'ram').reduce((s, p) => s + p.bytes, 0);

  checkSizes32(ir, [
    ['the arena', arena * 4],
    ['the bit arena', bitArena * 4],
    ['the weight store', storeFloats * 4],
    ...layers.flatMap((l): [string, number][] => [
      [`layer ${l.index}'s weight bits`, l.weightBitWords * 4],
      [`layer ${l.index}'s classifier`, (l.classifierWords + l.classifierFloats) * 4],
    ]),
    ['the RAM of the plan', workingSet + storeFloats * 4],
  ]);

  const symbols = {
    modelSymbol: `${prefix}_model`,
    arenaSymbol: `${prefix}_arena`,
    bitArenaSymbol: `${prefix}_bit_arena`,
    storeDataSymbol: `${prefix}_store_data`,
  };
  Object.values(symbols).forEach(checkIdentifier);

  const planned: PlannedModel = {
    ir,
    target,
    runtimeVersion: RUNTIME_VERSION,
    semanticsVersion: SEMANTICS_VERSION,
    prefix,
    ...symbols,
    store: storeKind,
    storePlan,
    encoding: ir.input.encoding === 'u8' ? 'TF_ENCODING_U8' : 'TF_ENCODING_BITS',
    optimizer: adam ? 'TF_OPTIMIZER_ADAM' : 'TF_OPTIMIZER_SGD',
    schedule: scheduleEnum(ir),
    epochSteps: ir.training.blockSchedule === 'freeze-diagonal' ? epochSteps(ir) : 0,
    decaySteps: decaySteps(ir),
    runSteps: runSteps(ir),
    inputScale: ir.training.inputScale === 'layer' ? 'TF_INPUT_SCALE_LAYER' : 'TF_INPUT_SCALE_FIXED',
    classifier: heNormal ? 'TF_CLASSIFIER_HE_NORMAL' : 'TF_CLASSIFIER_SIGN',
    biasInit: ir.training.bias?.init === 'uniform' ? 'TF_BIAS_UNIFORM' : 'TF_BIAS_ZERO',
    biasClamp: ir.training.bias?.clamp ? 1 : 0,
    constants: {
      gammaIn: cFloatLiteral(k.gammaIn),
      lr: cFloatLiteral(k.learningRate),
      beta1: cFloatLiteral(k.beta1),
      beta2: cFloatLiteral(k.beta2),
      c1: cFloatLiteral(k.c1),
      c2: cFloatLiteral(k.c2),
      eps: cFloatLiteral(k.epsilon),
      gateLow: cFloatLiteral(k.gateLow),
    },
    layers,
    recordFloats,
    storeOffsets,
    storeFloats,
    recordsPerLayer: m2 + 2,
    arenaFloats: arena,
    bitArenaWords: bitArena,
    learnSteps: steps,
    memory: { workingSet, store: storeFloats * 4, parts },
  };
  if (options.fit) checkPlannedFit(planned, options.fit);
  return planned;
}

/** Largest byte count the runtime's uint32 sizes and offsets (and a 32-bit address space) can hold. */
const MAX_BYTES_32 = 2 ** 32 - 1;

function checkSizes32(ir: ModelIR, sizes: [string, number][]): void {
  const over = sizes.filter(([, bytes]) => bytes > MAX_BYTES_32);
  if (over.length === 0) return;
  throw new FitError(
    `model ${ir.name}: ${over.map(([what, bytes]) => `${what} would be ${fmt(bytes)} bytes`).join(', ')}, ` +
      `beyond the 4 GiB a 32-bit size or offset can hold (the runtime's sizes are uint32); raise training.slices or use fewer units`,
  );
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * The RAM the firmware needs at least, from the plan alone (before any compiler runs): every
 * static buffer of the model, the weight store when it is in RAM, and the stacks and stdio heap
 * the target's linker script reserves. The linked image needs a little more (the runtime's own
 * .data/.bss); checkFit (firmware/device.ts) compares the linked figure as a second opinion.
 */
export function plannedRamBytes(planned: PlannedModel): { total: number; parts: { name: string; bytes: number }[] } {
  const layout = planned.target.layout;
  const parts = [
    ...planned.memory.parts.filter((p) => p.region === 'ram').map(({ name, bytes }) => ({ name, bytes })),
    ...(planned.store === 'ram' ? [{ name: 'weight store (in RAM)', bytes: planned.memory.store }] : []),
    ...(layout
      ? [
          { name: 'stack', bytes: layout.stackBytes },
          { name: 'exception stack', bytes: layout.handlerStackBytes },
          { name: 'stdio heap', bytes: layout.heapBytes },
        ]
      : []),
  ];
  return { total: parts.reduce((sum, p) => sum + p.bytes, 0), parts };
}

/** Refuses a plan whose RAM does not fit the declared part (`device`) or the emulator (`emulator`), with advice. */
export function checkPlannedFit(planned: PlannedModel, fit: FitMode): void {
  const target = planned.target;
  const limit =
    fit === 'device'
      ? target.device && { what: `${target.device.part} (target ${target.name})`, bytes: target.device.ramBytes }
      : fit === 'emulator'
        ? target.emulatorMemory && { what: `the emulator's RAM for target ${target.name}`, bytes: target.emulatorMemory.ram.bytes }
        : assertNever(fit);
  if (!limit) return;
  const need = plannedRamBytes(planned);
  if (need.total <= limit.bytes) return;
  const big = [...need.parts].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  const ir = planned.ir;
  const minDim = Math.min(...ir.layers.flatMap((l) => [l.units, l.inputs]));
  const advice = [
    // A board has no semihosting, so no file store: its weight store goes to flash or FRAM as a user store.
    ...(planned.store === 'ram' ? [`move the weight store (${fmt(planned.memory.store)} bytes) out of RAM with ${target.console === 'uart' ? '--store user (the board\'s flash or FRAM)' : '--store file or --store user'}`] : []),
    ...(ir.training.slices < minDim ? [`raise training.slices (now ${ir.training.slices}) to shrink the arena (${fmt(planned.arenaFloats * 4)} bytes)`] : []),
    'use fewer units',
  ];
  throw new FitError(
    `model ${ir.name} does not fit ${limit.what}: its RAM needs at least ${fmt(need.total)} bytes ` +
      `(${big.map((p) => `${p.name} ${fmt(p.bytes)}`).join(', ')}, …) but there are ${fmt(limit.bytes)}; ${advice.join(', ')}` +
      (fit === 'device' ? ' (to build it for the emulator anyway, which has more memory than the part, pass --fit emulator)' : ''),
  );
}
