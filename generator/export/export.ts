/**
 * `tinyfoa export`: a trained state as a self-contained C folder for inference only — the
 * weight bits, α and biases of layers 0..P and the classifier bits and β of the prediction
 * layer P as const arrays (flash), and the inference runtime (runtime-c/infer/tf_infer.c plus
 * the forward kernels it calls). No training code, no latent weights, no store. Every value is
 * computed here; the templates (templates/export/) only render them.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BadInputError } from '../errors.ts';
import { render, TOOL_VERSION, type GeneratedFile } from '../emit/emit.ts';
import { writeOutputFolder } from '../emit/folders.ts';
import { libraryFlags } from '../emit/packaging.ts';
import { wordsFor, type ModelIR } from '../ir/ir.ts';
import { cFloatLiteral } from '../numerics/f32.ts';
import { Crc32 } from '../numerics/crc32.ts';
import type { TinyFoaModel } from '../sim/state.ts';
import { RUNTIME_SOURCE_DIR } from '../firmware/library.ts';
import { kernelFlags, type Target } from '../../targets/targets.ts';
import { loadTrainedModel, resolveSource, type ExportSource } from './state.ts';

/** The inference runtime: its own files and the forward kernels of the training runtime it calls (§7). */
export const INFER_RUNTIME_FILES: readonly string[] = [
  'tinyfoa.h',
  'tf_bits.h',
  'tf_internal.h',
  'infer/tf_infer.h',
  'infer/tf_infer.c',
  'tf_dense.c',
  'tf_dense_u8.c',
  'tf_dense_u8_dsp.c',
  'tf_dense_u8_sparse.c',
  'tf_f32_soft.h',
  'tf_dense_dot_u8.c',
  'tf_dense_dot_bits.c',
  'tf_binarize.c',
  'tf_classifier.c',
  'tf_argmax.c',
  'tf_finite.c',
  'tf_pack.c',
  'tf_names.c',
];

/** Version of tf_infer_model the generated code is written for (TF_INFER_VERSION in tf_infer.h). */
export const INFER_VERSION = 1;

export interface ExportOptions {
  /** The layer that predicts; default the prediction layer of §13 for the stored step counters. */
  layer?: number;
}

export interface ExportPlan {
  ir: ModelIR;
  model: TinyFoaModel;
  /** The prediction layer P. */
  layer: number;
  /** n_l of every layer of the stored state. */
  steps: number[];
  /** Bytes of the const arrays (flash) and of the scratch (RAM) the exported model declares. */
  constBytes: number;
  scratchBytes: number;
  files: GeneratedFile[];
}

/** Weight bits as hexadecimal words, eight to a line. */
function words(a: Uint32Array, indent: string): string {
  const lines: string[] = [];
  for (let i = 0; i < a.length; i += 8) {
    lines.push(indent + Array.from(a.subarray(i, i + 8), (w) => `0x${w.toString(16).padStart(8, '0')}u`).join(', ') + ',');
  }
  return lines.join('\n');
}

function floats(a: Float32Array, indent: string): string {
  const lines: string[] = [];
  for (let i = 0; i < a.length; i += 6) lines.push(indent + Array.from(a.subarray(i, i + 6), cFloatLiteral).join(', ') + ',');
  return lines.join('\n');
}

/** Chooses the prediction layer: the given one (checked), or §13's for the stored step counters. */
function predictionLayer(model: TinyFoaModel, layer: number | undefined): number {
  const L = model.layers.length;
  if (layer === undefined) return model.predictLayer();
  if (!Number.isInteger(layer) || layer < 0 || layer >= L) {
    throw new BadInputError(`--layer ${layer}: model ${model.ir.name} has layers 0..${L - 1}`);
  }
  return layer;
}

/** Plans the exported folder of a trained model. */
export function planExport(model: TinyFoaModel, target: Target, options: ExportOptions = {}): ExportPlan {
  const ir = model.ir;
  if ((ir.training.classifier ?? 'sign') !== 'sign') {
    throw new BadInputError(
      `model ${ir.name} has training.classifier '${ir.training.classifier}': export writes the sign classifier's bits only (docs/runtime.md, "Export"); export a model with the default classifier`,
    );
  }
  const P = predictionLayer(model, options.layer);
  const prefix = ir.name;
  const layers = model.layers.slice(0, P + 1);
  const constants = model.constants;
  const zFloats = Math.max(ir.classes, ...layers.map((ls) => ls.ir.units));
  const vecWords = Math.max(ir.input.encoding === 'bits' ? wordsFor(ir.input.features) : 0, ...layers.map((ls) => wordsFor(ls.ir.units)));
  const classifier = model.layers[P]!.classifier;
  const constBytes = layers.reduce((s, ls) => s + 4 * ls.bits.length + 4 * ls.bias.length, 0) + 4 * classifier.length;
  const scratchBytes = 4 * zFloats + 4 * 2 * vecWords;
  const digest = new Crc32();
  for (const ls of layers) digest.update(new Uint8Array(ls.bits.buffer.slice(0))).update(new Uint8Array(ls.bias.buffer.slice(0)));
  const steps = model.layers.map((ls) => ls.steps);
  const data = {
    toolVersion: TOOL_VERSION,
    inferVersion: INFER_VERSION,
    name: ir.name,
    prefix,
    guard: `TF_INFER_${prefix.toUpperCase()}_H`,
    macro: prefix.toUpperCase(),
    features: ir.input.features,
    encoding: ir.input.encoding === 'bits' ? 'TF_ENCODING_BITS' : 'TF_ENCODING_U8',
    encodingName: ir.input.encoding,
    classes: ir.classes,
    numLayers: P + 1,
    allLayers: ir.layers.length,
    predictLayer: P,
    gammaIn: cFloatLiteral(constants.gammaIn),
    inputScale: ir.training.inputScale === 'layer' ? 'TF_INPUT_SCALE_LAYER' : 'TF_INPUT_SCALE_FIXED',
    beta: cFloatLiteral(constants.layers[P]!.beta),
    classifierWords: classifier.length,
    classifierData: words(classifier, '    '),
    zFloats,
    vecWords,
    bitWords: 2 * vecWords,
    constBytes,
    scratchBytes,
    steps: steps.join(', '),
    layers: layers.map((ls, l) => ({
      index: l,
      inputs: ls.ir.inputs,
      units: ls.ir.units,
      steps: ls.steps,
      alpha: cFloatLiteral(ls.alpha),
      bitsSymbol: `${prefix}_infer_l${l}_bits`,
      biasSymbol: `${prefix}_infer_l${l}_bias`,
      bitWords: ls.bits.length,
      bitsData: words(ls.bits, '    '),
      biasData: floats(ls.bias, '    '),
    })),
  };
  const runtime: GeneratedFile[] = INFER_RUNTIME_FILES.map((f) => ({ path: `runtime/${basename(f)}`, contents: readFileSync(join(RUNTIME_SOURCE_DIR, f)) }));
  const sources = [`model/${prefix}_infer.c`, ...runtime.map((f) => f.path).filter((p) => p.endsWith('.c'))];
  const kernels = kernelFlags(target);
  const cmake = { sources, privateFlags: libraryFlags(), kernelList: kernels.join(';') };
  const files: GeneratedFile[] = [
    { path: `model/${prefix}_infer.h`, contents: render('export/infer_model.h.hbs', data) },
    { path: `model/${prefix}_infer.c`, contents: render('export/infer_model.c.hbs', data) },
    ...runtime,
    { path: 'CMakeLists.txt', contents: render('export/CMakeLists.txt.hbs', { ...data, cmake, target: target.name }) },
    { path: 'README.md', contents: render('export/README.md.hbs', { ...data, target: target.name, kernels: kernels.join(' ') || '(none: the portable kernels)', sources: sources.join(' ') }) },
    {
      path: 'tinyfoa-export.json',
      contents: `${JSON.stringify(
        { tool: 'tinyfoa', toolVersion: TOOL_VERSION, inferVersion: INFER_VERSION, model: ir.name, target: target.name, predictLayer: P, steps, constBytes, scratchBytes, digest: digest.hex(), kernelFlags: kernels, sources },
        null,
        2,
      )}\n`,
    },
  ];
  return { ir, model, layer: P, steps, constBytes, scratchBytes, files };
}

/** `tinyfoa export`: reads the state from `from`, writes the folder `out` (replaced only if tinyfoa wrote it). */
export function exportModel(ir: ModelIR, from: string, out: string, target: Target, options: ExportOptions = {}): ExportPlan & { source: ExportSource } {
  const source = resolveSource(ir, from);
  const model = loadTrainedModel(ir, source);
  const plan = planExport(model, target, options);
  writeOutputFolder(out, plan.files, { flag: '-o' });
  return { ...plan, source };
}
