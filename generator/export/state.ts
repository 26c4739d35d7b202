/**
 * Where `tinyfoa export` finds a trained state: a file store (docs/store.md, decoded here from
 * that page alone, not through the C runtime) or the state folder of a `run`, which holds that
 * file or the state the device held (`run --dump-state`). Every source ends as a TinyFoaModel
 * with the stored latent weights, biases and step counters and the derived state (§6) recomputed
 * as tf_resume recomputes it, or with the device's own weight bits, α, biases and classifier.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertNever, BadInputError } from '../errors.ts';
import { STATE_MARKER } from '../emit/folders.ts';
import { layerBlocks, type ModelIR } from '../ir/ir.ts';
import { modelConstants } from '../numerics/constants.ts';
import { crc32 } from '../numerics/crc32.ts';
import { toBits } from '../numerics/f32.ts';
import { TinyFoaModel } from '../sim/state.ts';

/** A store or state that cannot be exported: missing, damaged, or written by another model. */
export class ExportSourceError extends BadInputError {}

const HEADER_MAGIC = 0x31534654; // "TFS1"
const COMMIT_MAGIC = 0x31434654; // "TFC1"
const FORMAT_VERSION = 2;
/** Bytes after a record slot's data: its sequence number, then the slot check (sum lo, sum hi, mix). */
const SLOT_TRAILER_BYTES = 16;
const HEADER_BYTES = 32;
const META_FLOATS = 2;

/** Floats of every record, in store order (docs/runtime.md, "Weight store"): per layer M² blocks, the bias, the meta record. */
export function recordFloats(ir: ModelIR): number[] {
  const adam = ir.training.optimizer.kind === 'adam';
  const per = adam ? 3 : 1;
  const tail = adam ? 2 : 0;
  const out: number[] = [];
  for (const layer of ir.layers) {
    for (const b of layerBlocks(layer)) out.push(per * b.size + tail);
    out.push(per * layer.units + tail);
    out.push(META_FLOATS);
  }
  return out;
}

/** tf_model.schedule's value (runtime-c/tinyfoa.h: TF_SCHEDULE_*). */
function scheduleCode(ir: ModelIR): number {
  const s = ir.training.blockSchedule;
  if (typeof s === 'object') return s.kind === 'runs' ? 3 : assertNever(s.kind);
  switch (s) {
    case 'cyclic':
      return 0;
    case 'all':
      return 1;
    case 'freeze-diagonal':
      return 2;
    default:
      return assertNever(s);
  }
}

/**
 * The model check word of the meta records (tf_model_check in runtime-c/tf_runtime.c): CRC-32
 * of the descriptor fields that give a stored state its meaning, as little-endian uint32; 1
 * instead of 0.
 */
export function modelCheckWord(ir: ModelIR): number {
  const k = modelConstants(ir);
  const head = [
    ir.input.features,
    ir.input.encoding === 'bits' ? 1 : 0,
    ir.classes,
    ir.layers.length,
    ir.training.slices,
    ir.training.optimizer.kind === 'adam' ? 1 : 0,
    scheduleCode(ir) | ((ir.training.inputScale === 'layer' ? 0 : 1) << 8),
    ir.training.batchSize,
    ir.training.seed >>> 0,
    toBits(k.gammaIn),
    toBits(k.learningRate),
    toBits(k.beta1),
    toBits(k.beta2),
    toBits(k.c1),
    toBits(k.c2),
    toBits(k.epsilon),
    toBits(k.gateLow),
  ];
  const words = [...head];
  // The authors' options, the runs length and the decay enter only when set (tf_model_check).
  const classifier = ir.training.classifier === 'he-normal' ? 1 : 0;
  const biasInit = ir.training.bias?.init === 'uniform' ? 1 : 0;
  const biasClamp = ir.training.bias?.clamp ? 1 : 0;
  if (classifier !== 0 || biasInit !== 0 || biasClamp !== 0) words.push(classifier | (biasInit << 8) | (biasClamp << 16));
  const schedule = ir.training.blockSchedule;
  if (typeof schedule === 'object') words.push(schedule.steps);
  if (k.decaySteps !== 0) words.push(k.decaySteps); // the learning-rate decay H, when set
  ir.layers.forEach((layer, l) => {
    const c = k.layers[l]!;
    words.push(layer.inputs, layer.units, toBits(c.beta), toBits(c.omega), toBits(c.countFix));
  });
  const crc = crc32(le(words));
  return crc === 0 ? 1 : crc;
}

function le(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * words.length);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  return out;
}

/** The records of the newest valid commit of a file store, each as its bytes (docs/store.md, "On-disk format"). */
export function decodeStoreFile(ir: ModelIR, file: Uint8Array, where: string): Uint8Array[] {
  const sizes = recordFloats(ir);
  const R = sizes.length;
  const offsets = [0];
  for (const n of sizes) offsets.push(offsets[offsets.length - 1]! + n);
  const F = offsets[R]!;
  const W = Math.ceil(R / 32);
  const C = 16 + 4 * W;
  const D = HEADER_BYTES + 2 * C;
  const expectedBytes = D + 2 * (4 * F + SLOT_TRAILER_BYTES * R);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u32 = (at: number) => dv.getUint32(at, true);
  const layers = ir.layers.length;
  const perLayer = ir.training.slices ** 2 + 2;
  if (file.length < HEADER_BYTES || u32(0) !== HEADER_MAGIC) {
    throw new ExportSourceError(`${where} is not a tinyfoa file store (no TFS1 header); give --from the <name>.store file that \`tinyfoa run --store file\` or the firmware's file store wrote`);
  }
  if (crc32(file.subarray(0, 28)) !== u32(28)) throw new ExportSourceError(`${where}: the store header is damaged (its CRC does not match); the state cannot be trusted`);
  if (u32(4) !== FORMAT_VERSION) throw new ExportSourceError(`${where}: store format version ${u32(4)}, this tinyfoa reads version ${FORMAT_VERSION}`);
  const layout = { layers: u32(8), perLayer: u32(12), floats: u32(16), check: u32(20) };
  if (layout.layers !== layers || layout.perLayer !== perLayer || layout.floats !== F || layout.check !== crc32(le(offsets))) {
    throw new ExportSourceError(
      `${where} does not match model ${ir.name}: the store has ${layout.layers} layer(s), ${layout.perLayer} records per layer and ${layout.floats} floats, ` +
        `the model's layout ${layers}, ${perLayer} and ${F}${layout.layers === layers && layout.perLayer === perLayer && layout.floats === F ? ' (other layer shapes)' : ''}; export with the model file that trained it`,
    );
  }
  if (file.length < expectedBytes) throw new ExportSourceError(`${where} is cut short: ${file.length} bytes, the store of model ${ir.name} has ${expectedBytes}`);
  let best: { seq: number; bitmap: number[] } | null = null;
  for (const slot of [0, 1]) {
    const at = HEADER_BYTES + slot * C;
    if (u32(at) !== COMMIT_MAGIC || u32(at + 8) !== R || crc32(file.subarray(at, at + C - 4)) !== u32(at + C - 4)) continue;
    const seq = u32(at + 4);
    if (best === null || seq > best.seq) {
      best = { seq, bitmap: Array.from({ length: R }, (_, i) => (u32(at + 12 + 4 * (i >> 5)) >>> (i & 31)) & 1) };
    }
  }
  if (best === null) throw new ExportSourceError(`${where} holds no committed state (no valid commit record): the model was never initialised in it; train first`);
  const commit = best;
  return sizes.map((n, i) => {
    const at = D + 2 * (SLOT_TRAILER_BYTES * i + 4 * offsets[i]!) + commit.bitmap[i]! * (4 * n + SLOT_TRAILER_BYTES);
    const data = file.subarray(at, at + 4 * n);
    const seq = u32(at + 4 * n);
    const [lo, hi, mix] = slotCheck(dv, at, n, [i, seq]);
    if (seq > commit.seq || lo !== u32(at + 4 * n + 4) || hi !== u32(at + 4 * n + 8) || mix !== u32(at + 4 * n + 12)) {
      throw new ExportSourceError(`${where}: record ${i} (layer ${Math.floor(i / perLayer)}, record ${i % perLayer}) is damaged (its slot check or sequence number does not match commit ${commit.seq}); the state cannot be trusted`);
    }
    return data;
  });
}

/**
 * A record slot's check (docs/store.md, "Record slots") over its n data words at `at`, then the
 * words of `tail` (the record index and the sequence number): the sum of all words mod 2^64 as
 * [low, high], and mix ← w XOR rotl(mix, 1) word by word.
 */
function slotCheck(dv: DataView, at: number, n: number, tail: number[]): [number, number, number] {
  let lo = 0;
  let hi = 0;
  let mix = 0;
  const take = (w: number) => {
    lo += w;
    if (lo >= 0x1_0000_0000) {
      lo -= 0x1_0000_0000;
      hi = (hi + 1) >>> 0;
    }
    mix = (w ^ ((mix << 1) | (mix >>> 31))) >>> 0;
  };
  for (let k = 0; k < n; k++) take(dv.getUint32(at + 4 * k, true));
  for (const w of tail) take(w >>> 0);
  return [lo, hi, mix];
}

function floatsOf(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

/** The model with the state of a file store's records; the meta records must carry this model's check word. */
export function modelFromRecords(ir: ModelIR, records: Uint8Array[], where: string): TinyFoaModel {
  const model = new TinyFoaModel(ir);
  // A record holds its values first (then, for Adam, m, v, p1, p2, which inference needs none of).
  const per = ir.training.slices ** 2 + 2;
  const check = modelCheckWord(ir);
  ir.layers.forEach((layer, l) => {
    const rec = (r: number) => records[l * per + r]!;
    const meta = new DataView(rec(per - 1).buffer, rec(per - 1).byteOffset, 8);
    const steps = meta.getUint32(0, true);
    const word = meta.getUint32(4, true);
    if (word !== check) {
      throw new ExportSourceError(
        `${where} was written by another model than ${ir.name} (${ir.source || 'the model'}): layer ${l}'s model check word is ${word.toString(16).padStart(8, '0')}, ` +
          `this model's ${check.toString(16).padStart(8, '0')} (same layout, other hyperparameters, seed or input); export with the model file that trained it`,
      );
    }
    const blocks = layerBlocks(layer);
    const weights = new Float32Array(blocks.reduce((s, b) => s + b.size, 0));
    let at = 0;
    blocks.forEach((b, k) => {
      weights.set(floatsOf(rec(k), b.size), at);
      at += b.size;
    });
    model.loadLayer(l, weights, floatsOf(rec(per - 2), layer.units), steps);
  });
  return model;
}

/** Where the state comes from, as the user named it. */
export type ExportSource = { kind: 'store'; path: string } | { kind: 'state'; dir: string } | { kind: 'device'; dir: string };

/**
 * Reads `--from`: a store file, or a run's state folder (the one with .tinyfoa-state, holding
 * <name>.store).
 */
export function resolveSource(ir: ModelIR, from: string): ExportSource {
  const abs = resolve(from);
  if (!existsSync(abs)) throw new ExportSourceError(`--from ${from}: no such file or folder (${abs}); give a store file, a run's state folder (<out>.state)`);
  if (!statSync(abs).isDirectory()) return { kind: 'store', path: abs };
  if (existsSync(join(abs, STATE_MARKER)) || existsSync(join(abs, `${ir.name}.store`))) {
    // The device's own state, when the run fetched it: written at the end of the run's job, after
    // every commit to the store (and removed when a run starts), so it is never older than the store.
    if (existsSync(join(abs, dumpName(0, 'bits')))) return { kind: 'device', dir: abs };
    if (existsSync(join(abs, `${ir.name}.store`))) return { kind: 'state', dir: abs };
    throw new ExportSourceError(
      `--from ${from}: the state folder holds neither ${ir.name}.store nor the device's state; train with \`tinyfoa run <model> --store file\` or \`--dump-state\` (the RAM store keeps nothing after a run)`,
    );
  }
  throw new ExportSourceError(`--from ${from}: the folder is not a run's state folder (it has neither ${STATE_MARKER} nor ${ir.name}.store); give the store file or the state folder of \`tinyfoa run --store file\``);
}

/** The trained model of a source. */
export function loadTrainedModel(ir: ModelIR, source: ExportSource): TinyFoaModel {
  switch (source.kind) {
    case 'store':
    case 'state': {
      const path = source.kind === 'store' ? source.path : join(source.dir, `${ir.name}.store`);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(path));
      } catch (e) {
        throw new ExportSourceError(`cannot read the store ${path}: ${(e as Error).message}`);
      }
      return modelFromRecords(ir, decodeStoreFile(ir, bytes, path), path);
    }
    case 'device':
      return modelFromDumps(ir, source.dir);
    default:
      return assertNever(source);
  }
}

function dumpName(layer: number, array: string): string {
  return `dump-${layer}-${array}.bin`;
}

/**
 * The state the device held after training, as `tinyfoa run --dump-state` fetched it (the job's
 * DUMP: over the serial link on board targets, docs/link.md): the §11 arrays bits, alpha, bias,
 * classifier and steps of every layer, taken as they are — the device's own derived state, not
 * recomputed. run.json names the model that the run trained.
 */
function modelFromDumps(ir: ModelIR, dir: string): TinyFoaModel {
  const record = join(dir, 'run.json');
  if (existsSync(record)) {
    let model: unknown;
    try {
      model = (JSON.parse(readFileSync(record, 'utf8')) as { model?: unknown }).model;
    } catch {
      throw new ExportSourceError(`${record} is damaged; run the training again with --dump-state`);
    }
    if (model !== ir.name) throw new ExportSourceError(`${dir} holds the state of model '${String(model)}' (${record}), not of ${ir.name}; export with the model file that trained it`);
  }
  const model = new TinyFoaModel(ir);
  model.layers.forEach((ls, l) => {
    const read = (array: string, bytes: number): DataView => {
      const path = join(dir, dumpName(l, array));
      if (!existsSync(path)) throw new ExportSourceError(`${path} is missing: the device's state is incomplete; run the training again with --dump-state`);
      const b = new Uint8Array(readFileSync(path));
      if (b.length !== bytes) throw new ExportSourceError(`${path} has ${b.length} bytes, layer ${l} of model ${ir.name} has ${bytes}: the state is of another model`);
      return new DataView(b.buffer, b.byteOffset, b.byteLength);
    };
    const bits = read('bits', 4 * ls.bits.length);
    for (let i = 0; i < ls.bits.length; i++) ls.bits[i] = bits.getUint32(4 * i, true);
    const classifier = read('classifier', 4 * ls.classifier.length);
    for (let i = 0; i < ls.classifier.length; i++) ls.classifier[i] = classifier.getUint32(4 * i, true);
    const bias = read('bias', 4 * ls.bias.length);
    for (let i = 0; i < ls.bias.length; i++) ls.bias[i] = bias.getFloat32(4 * i, true);
    ls.alpha = read('alpha', 4).getFloat32(0, true);
    ls.steps = read('steps', 4).getUint32(0, true);
  });
  return model;
}
