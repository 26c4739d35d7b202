/**
 * Bad model files: each case edits the base model (or replaces it) and names the message and
 * the position (the first occurrence of `at` in the edited text, plus `offset` columns) that
 * `tinyfoa` must report, with exit code 2. The runner is test/bad-inputs.test.ts.
 */

/** A small valid model; every case is one edit of it. */
export const BASE_MODEL = `import { defineModel } from 'tinyfoa';

export default defineModel({
  name: 'probe',
  input: { features: 4, encoding: 'u8' },
  classes: 3,
  layers: [{ units: 8 }, { units: 8 }],
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 1,
  },
});
`;

export interface ModelCase {
  name: string;
  /** Replace the first `from` with `to` in BASE_MODEL, or give the whole text. */
  edit: [from: string | RegExp, to: string] | { text: string };
  /** File name of the model (default `<case>.ts`). */
  file?: string;
  /** The message, matched on the line that carries the position. */
  message: RegExp;
  /** Where the problem is: the first occurrence of this text in the edited file. */
  at?: string;
  /** Columns after the start of `at` (default 0). */
  offset?: number;
  /** Command and flags after the model path (`$DATA`: a good IDX folder); default `generate <model> -t host -o <out>`. */
  command?: string[];
}

const lr = (v: string): ModelCase['edit'] => ['learningRate: 0.01', `learningRate: ${v}`];
const field = (f: string, old: string, v: string): ModelCase['edit'] => [`${f}: ${old}`, `${f}: ${v}`];
const SGD = ["optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }", "optimizer: { kind: 'sgd', learningRate: 0.01 }"] as const;

export const MODEL_CASES: ModelCase[] = [
  // Numbers, read as TypeScript reads them and range-checked on their binary32 value.
  { name: 'lr-underflows-to-zero', edit: lr('1e-50'), message: /learningRate must be greater than 0 \(got 1e-50, which is 0 in binary32\)/, at: '1e-50' },
  { name: 'lr-subnormal', edit: lr('1e-40'), message: /learningRate is subnormal in binary32/, at: '1e-40' },
  { name: 'lr-subnormal-hex-exponent', edit: lr('5e-39'), message: /learningRate is subnormal in binary32/, at: '5e-39' },
  { name: 'lr-negative', edit: lr('-0.01'), message: /learningRate must be greater than 0 \(got -0.01\)/, at: '-0.01' },
  { name: 'lr-zero', edit: lr('0'), message: /learningRate must be greater than 0/, at: 'learningRate: 0', offset: 14 },
  { name: 'lr-negative-zero', edit: lr('-0'), message: /learningRate must be greater than 0/, at: '-0' },
  { name: 'lr-too-large', edit: lr('2e6'), message: /learningRate must be at most 1000000 \(got 2000000\)/, at: '2e6' },
  { name: 'lr-overflows-binary32', edit: lr('1e39'), message: /learningRate must be finite in binary32/, at: '1e39' },
  { name: 'lr-infinite-literal', edit: lr('1e400'), message: /learningRate must be finite \(got Infinity\)/, at: '1e400' },
  { name: 'lr-Infinity', edit: lr('Infinity'), message: /learningRate must be a number literal/, at: 'Infinity' },
  { name: 'lr-NaN', edit: lr('NaN'), message: /learningRate must be a number literal/, at: 'NaN' },
  { name: 'lr-expression', edit: lr('1 / 100'), message: /learningRate must be a number literal/, at: '1 / 100' },
  { name: 'lr-call', edit: lr('Math.min(0.1, 0.2)'), message: /learningRate must be a number literal/, at: 'Math.min' },
  { name: 'lr-string', edit: lr("'0.01'"), message: /not assignable to type 'number'/, at: 'learningRate' },
  { name: 'beta2-rounds-to-one', edit: field('beta2', '0.999', '0.99999999'), message: /beta2 must be less than 1 \(got 0.99999999, which is 1 in binary32\)/, at: '0.99999999' },
  { name: 'beta1-one', edit: field('beta1', '0.9', '1'), message: /beta1 must be less than 1/, at: 'beta1: 1', offset: 7 },
  { name: 'beta1-negative', edit: field('beta1', '0.9', '-0.1'), message: /beta1 must be at least 0/, at: '-0.1' },
  { name: 'beta1-hex', edit: field('beta1', '0.9', '0x1'), message: /beta1 must be less than 1 \(got 1\)/, at: '0x1' },
  { name: 'beta2-subnormal', edit: field('beta2', '0.999', '1e-45'), message: /beta2 is subnormal in binary32/, at: '1e-45' },
  { name: 'epsilon-zero', edit: field('epsilon', '1e-8', '0'), message: /epsilon must be greater than 0/, at: 'epsilon: 0', offset: 9 },
  { name: 'epsilon-underflows', edit: field('epsilon', '1e-8', '1e-46'), message: /epsilon must be greater than 0 \(got 1e-46, which is 0 in binary32\)/, at: '1e-46' },
  { name: 'epsilon-subnormal', edit: field('epsilon', '1e-8', '1e-39'), message: /epsilon is subnormal in binary32/, at: '1e-39' },
  { name: 'epsilon-too-large', edit: field('epsilon', '1e-8', '2'), message: /epsilon must be at most 1/, at: 'epsilon: 2', offset: 9 },
  { name: 'seed-1e21', edit: field('seed', '1', '1e21'), message: /seed must be at most 4294967295 \(got 1e\+21\)/, at: '1e21' },
  { name: 'seed-2^32', edit: field('seed', '1', '4294967296'), message: /seed must be at most 4294967295/, at: '4294967296' },
  { name: 'seed-hex-2^32', edit: field('seed', '1', '0x1_0000_0000'), message: /seed must be at most 4294967295 \(got 4294967296\)/, at: '0x1_0000_0000' },
  { name: 'seed-negative', edit: field('seed', '1', '-1'), message: /seed must be at least 0/, at: '-1' },
  { name: 'seed-fraction', edit: field('seed', '1', '0.5'), message: /seed must be a whole number/, at: '0.5' },
  { name: 'seed-exponent-fraction', edit: field('seed', '1', '5e-1'), message: /seed must be a whole number \(got 0.5\)/, at: '5e-1' },
  { name: 'seed-bigint', edit: field('seed', '1', '1n'), message: /not assignable to type 'number'/, at: 'seed' },
  { name: 'units-1e-3', edit: ['{ units: 8 }, { units: 8 }', '{ units: 1e-3 }, { units: 8 }'], message: /layers\[0\].units must be a whole number \(got 0.001\)/, at: '1e-3' },
  { name: 'units-too-many', edit: ['{ units: 8 }, { units: 8 }', '{ units: 1e5 }, { units: 8 }'], message: /layers\[0\].units must be at most 65535/, at: '1e5' },
  { name: 'units-binary-zero', edit: ['{ units: 8 }, { units: 8 }', '{ units: 8 }, { units: 0b0 }'], message: /layers\[1\].units must be at least 1/, at: '0b0' },
  { name: 'units-fraction', edit: ['{ units: 8 }, { units: 8 }', '{ units: 2.5 }, { units: 8 }'], message: /layers\[0\].units must be a whole number/, at: '2.5' },
  { name: 'units-negative', edit: ['{ units: 8 }, { units: 8 }', '{ units: -8 }, { units: 8 }'], message: /layers\[0\].units must be at least 1/, at: '-8' },
  { name: 'features-octal-zero', edit: field('features', '4', '0o0'), message: /input.features must be at least 1/, at: '0o0' },
  { name: 'features-u8-too-many', edit: field('features', '4', '65536'), message: /input.features must be at most 65535/, at: '65536' },
  { name: 'features-bits-too-many', edit: ["features: 4, encoding: 'u8'", "features: 70_000, encoding: 'bits'"], message: /input.features must be at most 65535 \(got 70000\)/, at: '70_000' },
  { name: 'classes-one', edit: field('classes', '3', '1'), message: /classes must be at least 2/, at: 'classes: 1', offset: 9 },
  { name: 'classes-256', edit: field('classes', '3', '256'), message: /classes must be at most 255/, at: '256' },
  { name: 'classes-fraction', edit: field('classes', '3', '3.5'), message: /classes must be a whole number/, at: '3.5' },
  { name: 'classes-string', edit: field('classes', '3', "'3'"), message: /not assignable to type 'number'/, at: 'classes' },
  { name: 'classes-boolean', edit: field('classes', '3', 'true'), message: /not assignable to type 'number'/, at: 'classes' },
  { name: 'slices-zero', edit: field('slices', '2', '0'), message: /training.slices must be at least 1/, at: 'slices: 0', offset: 8 },
  { name: 'slices-too-many', edit: field('slices', '2', '256'), message: /training.slices must be at most 255/, at: '256' },
  { name: 'slices-larger-than-input', edit: field('slices', '2', '5'), message: /training.slices 5 is larger than layer 0's 4 inputs; use at most 4/, at: 'slices: 5', offset: 8 },
  { name: 'slices-larger-than-units', edit: ['{ units: 8 }, { units: 8 }', '{ units: 8 }, { units: 1 }'], message: /training.slices 2 is larger than layer 1's 1 units/, at: 'slices: 2', offset: 8 },
  { name: 'batch-zero', edit: field('batchSize', '1', '0'), message: /training.batchSize must be at least 1/, at: 'batchSize: 0', offset: 11 },
  { name: 'batch-too-large', edit: field('batchSize', '1', '65536'), message: /training.batchSize must be at most 65535/, at: '65536' },
  { name: 'batch-string', edit: field('batchSize', '1', "'1'"), message: /not assignable to type 'number'/, at: 'batchSize' },
  { name: 'epochs-zero', edit: field('epochsPerLayer', '1', '0'), message: /training.epochsPerLayer must be at least 1/, at: 'epochsPerLayer: 0', offset: 16 },
  { name: 'epochs-too-many', edit: field('epochsPerLayer', '1', '1e6'), message: /training.epochsPerLayer must be at most 100000 \(got 1000000\)/, at: '1e6' },
  { name: 'decay-negative', edit: ['seed: 1,', 'seed: 1, decaySteps: -1,'], message: /training.decaySteps must be at least 0/, at: 'decaySteps: -1', offset: 12 },
  { name: 'decay-fraction', edit: ['seed: 1,', 'seed: 1, decaySteps: 1.5,'], message: /training.decaySteps must be a whole number/, at: '1.5' },
  { name: 'decay-too-many', edit: ['seed: 1,', 'seed: 1, decaySteps: 5e9,'], message: /training.decaySteps must be at most 4294967295/, at: '5e9' },
  { name: 'schedule-runs-zero', edit: ['seed: 1,', "seed: 1, blockSchedule: { kind: 'runs', steps: 0 },"], message: /training.blockSchedule.steps must be at least 1/, at: 'steps: 0', offset: 7 },
  { name: 'schedule-runs-too-long', edit: ['seed: 1,', "seed: 1, blockSchedule: { kind: 'runs', steps: 65536 },"], message: /training.blockSchedule.steps must be at most 65535/, at: '65536' },
  { name: 'schedule-runs-fraction', edit: ['seed: 1,', "seed: 1, blockSchedule: { kind: 'runs', steps: 2.5 },"], message: /training.blockSchedule.steps must be a whole number/, at: '2.5' },
  { name: 'schedule-runs-no-steps', edit: ['seed: 1,', "seed: 1, blockSchedule: { kind: 'runs' },"], message: /steps/, at: 'blockSchedule' },
  { name: 'schedule-runs-extra-field', edit: ['seed: 1,', "seed: 1, blockSchedule: { kind: 'runs', steps: 4, samples: 4 },"], message: /samples/, at: 'samples' },
  // Required fields.
  { name: 'missing-classes', edit: ['  classes: 3,\n', ''], message: /^classes is required \(ModelSpec\); add it/, at: 'defineModel({', offset: 12 },
  { name: 'missing-name', edit: ["  name: 'probe',\n", ''], message: /^name is required/, at: 'defineModel({', offset: 12 },
  { name: 'missing-input', edit: ["  input: { features: 4, encoding: 'u8' },\n", ''], message: /^input is required/, at: 'defineModel({', offset: 12 },
  { name: 'missing-layers', edit: ['  layers: [{ units: 8 }, { units: 8 }],\n', ''], message: /^layers is required/, at: 'defineModel({', offset: 12 },
  { name: 'missing-name-and-classes', edit: ["  name: 'probe',\n  input: { features: 4, encoding: 'u8' },\n  classes: 3,\n", "  input: { features: 4, encoding: 'u8' },\n"], message: /^name, classes are required/, at: 'defineModel({', offset: 12 },
  { name: 'missing-features', edit: ['features: 4, ', ''], message: /^input.features is required/, at: 'input:' },
  { name: 'missing-encoding', edit: [", encoding: 'u8'", ''], message: /^input.encoding is required/, at: 'input:' },
  { name: 'missing-units', edit: ['{ units: 8 }, { units: 8 }', '{}, { units: 8 }'], message: /^layers\[0\].units is required/, at: '{}' },
  { name: 'missing-slices', edit: ['    slices: 2,\n', ''], message: /^training.slices is required/, at: 'training:' },
  { name: 'missing-optimizer', edit: [/    optimizer: .*\n/, ''], message: /^training.optimizer is required/, at: 'training:' },
  { name: 'missing-learning-rate', edit: ['learningRate: 0.01, ', ''], message: /^training.optimizer.learningRate is required/, at: 'optimizer:' },
  { name: 'missing-kind', edit: ["kind: 'adam', ", ''], message: /kind/, at: 'optimizer:' },
  // Unknown fields, wrong kinds and choices.
  { name: 'unknown-training-field', edit: ['seed: 1,', 'seed: 1, sead: 2,'], message: /sead/, at: 'sead' },
  { name: 'unknown-model-field', edit: ['classes: 3,', 'classes: 3, labels: 3,'], message: /labels/, at: 'labels' },
  { name: 'unknown-layer-field', edit: ['{ units: 8 }, { units: 8 }', "{ units: 8, activation: 'relu' }, { units: 8 }"], message: /activation/, at: 'activation' },
  { name: 'sgd-with-beta', edit: [SGD[0], "optimizer: { kind: 'sgd', learningRate: 0.01, beta1: 0.9 }"], message: /beta1/, at: 'beta1' },
  { name: 'optimizer-kind-unknown', edit: ["kind: 'adam'", "kind: 'rmsprop'"], message: /rmsprop|not assignable/, at: 'kind' },
  { name: 'encoding-unknown', edit: ["encoding: 'u8'", "encoding: 'float'"], message: /not assignable to type 'InputEncoding'/, at: 'encoding' },
  { name: 'schedule-unknown', edit: ['seed: 1,', "seed: 1, blockSchedule: 'random',"], message: /not assignable to type 'BlockSchedule/, at: 'blockSchedule' },
  { name: 'schedule-freeze-diagonal-with-batches', edit: field('batchSize', '1', "4, blockSchedule: 'freeze-diagonal'"), message: /blockSchedule 'freeze-diagonal' needs batchSize 1/, at: "'freeze-diagonal'" },
  { name: 'schedule-freeze-diagonal-one-slice', edit: ['slices: 2,', "slices: 1, blockSchedule: 'freeze-diagonal',"], message: /'freeze-diagonal' needs slices 2 or more/, at: "'freeze-diagonal'" },
  { name: 'classifier-unknown', edit: ['seed: 1,', "seed: 1, classifier: 'gauss',"], message: /not assignable to type 'ClassifierKind/, at: 'classifier' },
  { name: 'bias-init-unknown', edit: ['seed: 1,', "seed: 1, bias: { init: 'random' },"], message: /not assignable/, at: 'init' },
  { name: 'bias-clamp-number', edit: ['seed: 1,', 'seed: 1, bias: { clamp: 1 },'], message: /not assignable to type 'boolean/, at: 'clamp' },
  { name: 'bias-unknown-field', edit: ['seed: 1,', "seed: 1, bias: { init: 'zero', range: 1 },"], message: /range/, at: 'range' },
  { name: 'bias-not-object', edit: ['seed: 1,', "seed: 1, bias: 'uniform',"], message: /has no properties in common with type 'BiasSpec'/, at: 'bias' },
  { name: 'classifier-with-baseline', edit: ['seed: 1,', "seed: 1, algorithm: 'bp', classifier: 'he-normal',"], message: /training.classifier 'he-normal' applies to algorithm 'tinyfoa' only/, at: "'he-normal'" },
  { name: 'gate-unknown', edit: ['seed: 1,', "seed: 1, gradientGate: 'none',"], message: /not assignable to type 'GradientGate/, at: 'gradientGate' },
  { name: 'input-scale-unknown', edit: ['seed: 1,', "seed: 1, inputScale: 'gamma',"], message: /not assignable to type 'InputScale/, at: 'inputScale' },
  { name: 'algorithm-unknown', edit: ['seed: 1,', "seed: 1, algorithm: 'sgd',"], message: /'"sgd"' is not assignable to type '"pepita" \| .*"tinyfoa"/, at: 'algorithm' },
  { name: 'layers-empty', edit: ['[{ units: 8 }, { units: 8 }]', '[]'], message: /layers must hold at least one layer/, at: '[]' },
  { name: 'layers-too-many', edit: ['[{ units: 8 }, { units: 8 }]', `[${Array(256).fill('{ units: 2 }').join(', ')}]`], message: /at most 255 layers/, at: '[{ units: 2 }' },
  { name: 'layers-not-array', edit: ['[{ units: 8 }, { units: 8 }]', '{ units: 8 }'], message: /'units' does not exist in type 'LayerSpec\[\]'/, at: 'layers: { units', offset: 10 },
  { name: 'layers-spread', edit: ['[{ units: 8 }, { units: 8 }]', '[...[{ units: 8 }]]'], message: /not assignable/, at: '...' },
  { name: 'training-spread', edit: ['    seed: 1,\n', '    ...{ seed: 1 },\n'], message: /only plain 'name: value' properties/, at: '...{' },
  { name: 'optimizer-not-object', edit: [SGD[0], "optimizer: 'sgd'"], message: /not assignable/, at: 'optimizer' },
  // Names.
  { name: 'name-tf', edit: ["'probe'", "'tf'"], message: /name 'tf' collides with the runtime's identifiers/, at: "'tf'" },
  { name: 'name-TF', edit: ["'probe'", "'TF'"], message: /name 'TF' collides with the runtime's identifiers/, at: "'TF'" },
  { name: 'name-tf-prefix', edit: ["'probe'", "'tf_net'"], message: /name 'tf_net' collides/, at: "'tf_net'" },
  { name: 'name-Tf-prefix', edit: ["'probe'", "'Tf_x'"], message: /name 'Tf_x' collides/, at: "'Tf_x'" },
  { name: 'name-c-keyword', edit: ["'probe'", "'float'"], message: /name 'float' is reserved in C/, at: "'float'" },
  { name: 'name-main', edit: ["'probe'", "'main'"], message: /name 'main' is reserved in C/, at: "'main'" },
  { name: 'name-double-underscore', edit: ["'probe'", "'__x'"], message: /name '__x' is reserved in C/, at: "'__x'" },
  { name: 'name-underscore-capital', edit: ["'probe'", "'_Abc'"], message: /name '_Abc' is reserved in C/, at: "'_Abc'" },
  { name: 'name-space', edit: ["'probe'", "'my model'"], message: /name 'my model' is not a C identifier/, at: "'my model'" },
  { name: 'name-digit-first', edit: ["'probe'", "'9lives'"], message: /name '9lives' is not a C identifier/, at: "'9lives'" },
  { name: 'name-empty', edit: ["'probe'", "''"], message: /name '' is not a C identifier/, at: "''" },
  { name: 'name-too-long', edit: ["'probe'", `'${'a'.repeat(32)}'`], message: /longer than 31 characters/, at: "'aaaa" },
  { name: 'name-expression', edit: ["'probe'", "'pro' + 'be'"], message: /name must be a string literal/, at: "'pro'" },
  { name: 'name-number', edit: ["'probe'", '7'], message: /not assignable to type 'string'/, at: 'name' },
  // The file as a whole.
  { name: 'no-default-export', edit: ['export default defineModel(', 'const m = defineModel('], message: /export default defineModel/ },
  { name: 'default-export-object', edit: { text: "import { defineModel } from 'tinyfoa';\nexport default { name: 'x' };\n" }, message: /default export must be a call 'defineModel\(\{\.\.\.\}\)'/, at: '{ name' },
  { name: 'two-arguments', edit: ['\n});\n', '\n}, 2);\n'], message: /Expected 1 arguments/, at: '2)' },
  { name: 'missing-comma', edit: ["'probe',", "'probe'"], message: /',' expected/, at: 'input:' },
  { name: 'unterminated-string', edit: ["'probe',", "'probe,"], message: /Unterminated string literal/, at: "'probe,", offset: 7 },
  { name: 'missing-import', edit: ["import { defineModel } from 'tinyfoa';\n", ''], message: /Cannot find name 'defineModel'/, at: 'defineModel' },
  { name: 'wrong-import', edit: ["from 'tinyfoa'", "from 'tinyfoo'"], message: /Cannot find module 'tinyfoo'/, at: "'tinyfoo'" },
  { name: 'empty-file', edit: { text: '' }, message: /export default defineModel/ },
  { name: 'deep-parentheses', edit: ['learningRate: 0.01', `learningRate: ${'('.repeat(5000)}0.01${')'.repeat(5000)}`], message: /brackets nested more than 64 deep/, at: 'learningRate: (', offset: 14 + 60 },
  { name: 'deep-arrays', edit: { text: `import { defineModel } from 'tinyfoa';\nexport default defineModel(${'['.repeat(3000)}${']'.repeat(3000)});\n` }, message: /brackets nested more than 64 deep/, at: '['.repeat(64), offset: 63 },
  { name: 'js-file', edit: ['', ''], file: 'model.js', message: /a model file is TypeScript: its name must end in \.ts, \.mts, \.cts/ },
  { name: 'no-extension', edit: ['', ''], file: 'model', message: /a model file is TypeScript/ },
  { name: 'declaration-file', edit: ['', ''], file: 'model.d.ts', message: /a model file is TypeScript.*not a declaration file/ },
  { name: 'json-file', edit: { text: '{"name": "probe"}' }, file: 'model.json', message: /a model file is TypeScript/ },
  // Models the commands that make firmware refuse.
  { name: 'baseline-generate', edit: ['seed: 1,', "seed: 1, algorithm: 'bp',"], message: /training.algorithm 'bp' is a simulator-only baseline and firmware trains with 'tinyfoa'/ },
  { name: 'baseline-build', edit: ['seed: 1,', "seed: 1, algorithm: 'ff-bw-ba',"], message: /training.algorithm 'ff-bw-ba' is a simulator-only baseline/, command: ['build', '-t', 'host'] },
  { name: 'baseline-memory-target', edit: ['seed: 1,', "seed: 1, algorithm: 'pepita',"], message: /training.algorithm 'pepita' is a simulator-only baseline/, command: ['memory', '-t', 'cortex-m4'] },
  { name: 'too-big-for-part', edit: ['[{ units: 8 }, { units: 8 }]', '[{ units: 2000 }, { units: 2000 }]'], message: /model probe does not fit STM32F411RE \(target cortex-m4\): its RAM needs at least [\d,]+ bytes .* but there are 131,072; move the weight store .*--fit emulator/, command: ['generate', '-t', 'cortex-m4'] },
  { name: 'too-big-for-part-build', edit: ['[{ units: 8 }, { units: 8 }]', '[{ units: 1000 }]'], message: /does not fit STM32F103RE \(target cortex-m3\)/, command: ['build', '-t', 'cortex-m3'] },
  { name: 'too-big-for-part-memory', edit: ['[{ units: 8 }, { units: 8 }]', '[{ units: 2000 }, { units: 2000 }]'], message: /does not fit STM32F746NG \(target cortex-m7\)/, command: ['memory', '-t', 'cortex-m7'] },
  { name: 'too-big-for-part-run', edit: ['[{ units: 8 }, { units: 8 }]', '[{ units: 2000 }, { units: 2000 }]'], message: /model probe does not fit STM32F411RE \(target cortex-m4\)/, command: ['run', '-t', 'cortex-m4', '-d', 'idx:$DATA'] },
  { name: 'too-big-for-emulator', edit: ['[{ units: 8 }, { units: 8 }]', '[{ units: 2000 }, { units: 2000 }]'], message: /does not fit the emulator's RAM for target cortex-m4: its RAM needs at least [\d,]+ bytes .* but there are 4,194,304/, command: ['generate', '-t', 'cortex-m4', '--fit', 'emulator'] },
  { name: 'beyond-32-bits', edit: { text: BASE_MODEL.replace("features: 4, encoding: 'u8'", "features: 16384, encoding: 'bits'").replace('[{ units: 8 }, { units: 8 }]', '[{ units: 32768 }]').replace('slices: 2', 'slices: 1') }, message: /the arena would be [\d,]+ bytes.*beyond the 4 GiB a 32-bit size or offset can hold/, command: ['generate', '-t', 'host'] },
  { name: 'layer-above-2-29-weights', edit: { text: BASE_MODEL.replace("features: 4, encoding: 'u8'", "features: 65535, encoding: 'bits'").replace('[{ units: 8 }, { units: 8 }]', '[{ units: 65535 }, { units: 65535 }]') }, message: /layer 0: 65535 × 65535 weights; semantics §6 allows at most 2\^29 a layer/, command: ['generate', '-t', 'host'] },
];
