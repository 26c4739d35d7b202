/**
 * Reads a model file into the IR. The file is type-checked with ts-morph
 * (`tinyfoa` resolves to this package wherever the file lives) and its
 * `export default defineModel({...})` argument is read as literal values,
 * never executed. Every problem is reported at its file:line:col.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, Project, SyntaxKind, ts, type SourceFile } from 'ts-morph';
import type { ModelIR, OptimizerIR } from '../ir/ir.ts';
import { buildLayers, DEFAULT_SAMPLES_PER_EPOCH } from '../ir/ir.ts';
import { ModelError, type ModelProblem } from './errors.ts';
import { C_RESERVED } from './reserved.ts';

const API_PATH = join(dirname(fileURLToPath(import.meta.url)), 'api.ts');

/** A literal value of the model file with the node it came from. */
type Lit =
  | { kind: 'number'; value: number; node: Node }
  | { kind: 'string'; value: string; node: Node }
  | { kind: 'boolean'; value: boolean; node: Node }
  | { kind: 'array'; items: Lit[]; node: Node }
  | { kind: 'object'; props: Map<string, { key: Node; value: Lit }>; node: Node }
  | { kind: 'other'; node: Node };

class Problems {
  readonly list: ModelProblem[] = [];
  constructor(private readonly sf: SourceFile) {}

  at(node: Node, message: string): void {
    const pos = node.getStart();
    const { line, column } = this.sf.getLineAndColumnAtPos(pos);
    this.push(line, column, message);
  }

  push(line: number, column: number, message: string): void {
    const sourceLine = this.sf.getFullText().split(/\r?\n/)[line - 1] ?? '';
    this.list.push({ file: this.sf.getFilePath(), line, column, message, sourceLine });
  }
}

function flattenMessage(m: string | ts.DiagnosticMessageChain): string {
  return ts.flattenDiagnosticMessageText(m as string | ts.DiagnosticMessageChain, ' ');
}

function readLiteral(node: Node): Lit {
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
    return readLiteral(node.getExpression());
  }
  if (Node.isNumericLiteral(node)) return { kind: 'number', value: node.getLiteralValue(), node };
  if (Node.isPrefixUnaryExpression(node)) {
    const inner = readLiteral(node.getOperand());
    if (inner.kind === 'number') {
      const op = node.getOperatorToken();
      if (op === SyntaxKind.MinusToken) return { kind: 'number', value: -inner.value, node };
      if (op === SyntaxKind.PlusToken) return { kind: 'number', value: inner.value, node };
    }
    return { kind: 'other', node };
  }
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
    return { kind: 'string', value: node.getLiteralValue(), node };
  }
  if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) {
    return { kind: 'boolean', value: node.getLiteralValue(), node };
  }
  if (Node.isArrayLiteralExpression(node)) {
    return { kind: 'array', items: node.getElements().map(readLiteral), node };
  }
  if (Node.isObjectLiteralExpression(node)) {
    const props = new Map<string, { key: Node; value: Lit }>();
    for (const p of node.getProperties()) {
      if (Node.isPropertyAssignment(p)) {
        const nameNode = p.getNameNode();
        const key = Node.isStringLiteral(nameNode) ? nameNode.getLiteralValue() : nameNode.getText();
        props.set(key, { key: nameNode, value: readLiteral(p.getInitializerOrThrow()) });
      } else {
        props.set(`<${p.getKindName()}>`, { key: p, value: { kind: 'other', node: p } });
      }
    }
    return { kind: 'object', props, node };
  }
  return { kind: 'other', node };
}

/** Field access with position-aware checks. Each getter reports and returns undefined on a problem. */
class Reader {
  constructor(private readonly problems: Problems) {}

  object(lit: Lit | undefined, what: string, allowed: readonly string[], parent: Node): Map<string, { key: Node; value: Lit }> | undefined {
    if (!lit) {
      this.problems.at(parent, `missing ${what}`);
      return undefined;
    }
    if (lit.kind !== 'object') {
      this.problems.at(lit.node, `${what} must be an object literal`);
      return undefined;
    }
    for (const [key, { key: keyNode }] of lit.props) {
      if (key.startsWith('<')) this.problems.at(keyNode, `${what}: only plain 'name: value' properties are allowed`);
      else if (!allowed.includes(key)) {
        this.problems.at(keyNode, `unknown field '${key}' in ${what}; allowed: ${allowed.join(', ')}`);
      }
    }
    return lit.props;
  }

  number(
    props: Map<string, { key: Node; value: Lit }> | undefined,
    key: string,
    what: string,
    parent: Node,
    check: { integer?: boolean; min?: number; max?: number; minExclusive?: number; maxExclusive?: number; default?: number },
  ): number | undefined {
    if (!props) return undefined;
    const entry = props.get(key);
    if (!entry) {
      if (check.default !== undefined) return check.default;
      this.problems.at(parent, `missing ${what}`);
      return undefined;
    }
    const lit = entry.value;
    if (lit.kind !== 'number') {
      this.problems.at(lit.node, `${what} must be a number literal`);
      return undefined;
    }
    const v = lit.value;
    const fail = (why: string): undefined => {
      this.problems.at(lit.node, `${what} ${why} (got ${v})`);
      return undefined;
    };
    if (!Number.isFinite(v)) return fail('must be finite');
    if (check.integer && !Number.isInteger(v)) return fail('must be a whole number');
    if (check.min !== undefined && v < check.min) return fail(`must be at least ${check.min}`);
    if (check.max !== undefined && v > check.max) return fail(`must be at most ${check.max}`);
    if (check.minExclusive !== undefined && !(v > check.minExclusive)) return fail(`must be greater than ${check.minExclusive}`);
    if (check.maxExclusive !== undefined && !(v < check.maxExclusive)) return fail(`must be less than ${check.maxExclusive}`);
    return v;
  }

  choice<T extends string>(
    props: Map<string, { key: Node; value: Lit }> | undefined,
    key: string,
    what: string,
    parent: Node,
    options: readonly T[],
    fallback?: T,
  ): T | undefined {
    if (!props) return undefined;
    const entry = props.get(key);
    if (!entry) {
      if (fallback !== undefined) return fallback;
      this.problems.at(parent, `missing ${what}`);
      return undefined;
    }
    const lit = entry.value;
    if (lit.kind !== 'string' || !(options as readonly string[]).includes(lit.value)) {
      this.problems.at(lit.node, `${what} must be one of ${options.map((o) => `'${o}'`).join(', ')}`);
      return undefined;
    }
    return lit.value as T;
  }
}

const MODEL_FIELDS = ['name', 'input', 'classes', 'layers', 'training'] as const;
const INPUT_FIELDS = ['features', 'encoding'] as const;
const LAYER_FIELDS = ['units'] as const;
const TRAINING_FIELDS = ['slices', 'optimizer', 'batchSize', 'epochsPerLayer', 'samplesPerEpoch', 'seed', 'blockSchedule', 'gradientGate', 'algorithm'] as const;
const SGD_FIELDS = ['kind', 'learningRate'] as const;
const ADAM_FIELDS = ['kind', 'learningRate', 'beta1', 'beta2', 'epsilon'] as const;
const ALGORITHMS = ['tinyfoa', 'bp', 'bp-bw-ba', 'ff', 'ff-bw-ba', 'pepita', 'pepita-bw-ba'] as const;

/** Largest input width whose u8 dot products stay exactly representable in binary32 (semantics §1). */
const MAX_U8_FEATURES = Math.min(65535, Math.floor((2 ** 24 - 1) / 255));
const MAX_UNITS = 65535;

function findDefineModelArgument(sf: SourceFile, problems: Problems): Node | undefined {
  const exportAssignment = sf.getExportAssignment((e) => !e.isExportEquals());
  if (!exportAssignment) {
    problems.push(1, 1, "model file has no 'export default defineModel({...})'");
    return undefined;
  }
  let expr: Node = exportAssignment.getExpression();
  while (Node.isParenthesizedExpression(expr) || Node.isAsExpression(expr) || Node.isSatisfiesExpression(expr)) {
    expr = expr.getExpression();
  }
  if (!Node.isCallExpression(expr) || expr.getExpression().getText() !== 'defineModel') {
    problems.at(expr, "the default export must be a call 'defineModel({...})'");
    return undefined;
  }
  const args = expr.getArguments();
  if (args.length !== 1) {
    problems.at(expr, 'defineModel takes exactly one object literal');
    return undefined;
  }
  return args[0]!;
}

/** Builds the project that type-checks model files against this package's API. */
function createProject(): Project {
  return new Project({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2022.d.ts'],
      paths: { tinyfoa: [API_PATH] },
    },
    skipAddingFilesFromTsConfig: true,
  });
}

/** Parses and validates a model file. Throws ModelError with every problem found. */
export function parseModelFile(path: string): ModelIR {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new ModelError([{ file, line: 1, column: 1, message: 'model file not found', sourceLine: '' }]);
  }
  return parseModelSource(file, readFileSync(file, 'utf8'));
}

/** Parses model source text as if it were the file at `file`. */
export function parseModelSource(file: string, text: string): ModelIR {
  const project = createProject();
  const sf = project.createSourceFile(file, text, { overwrite: true });
  const problems = new Problems(sf);

  for (const d of sf.getPreEmitDiagnostics()) {
    if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
    const dsf = d.getSourceFile();
    if (dsf && dsf.getFilePath() !== sf.getFilePath()) continue;
    const start = d.getStart() ?? 0;
    const { line, column } = sf.getLineAndColumnAtPos(start);
    problems.push(line, column, flattenMessage(d.getMessageText() as string | ts.DiagnosticMessageChain));
  }
  if (problems.list.length > 0) throw new ModelError(problems.list);

  const argNode = findDefineModelArgument(sf, problems);
  if (!argNode) throw new ModelError(problems.list);
  const ir = validate(readLiteral(argNode), argNode, problems, sf.getFilePath());
  if (problems.list.length > 0 || !ir) throw new ModelError(problems.list);
  return ir;
}

function validate(root: Lit, rootNode: Node, problems: Problems, file: string): ModelIR | undefined {
  const r = new Reader(problems);
  const model = r.object(root, 'the model', MODEL_FIELDS, rootNode);
  if (!model) return undefined;

  // name
  let name: string | undefined;
  const nameEntry = model.get('name');
  if (!nameEntry) problems.at(rootNode, 'missing name');
  else if (nameEntry.value.kind !== 'string') problems.at(nameEntry.value.node, 'name must be a string literal');
  else {
    const v = nameEntry.value.value;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
      problems.at(nameEntry.value.node, `name '${v}' is not a C identifier (letters, digits, _; not starting with a digit)`);
    } else if (C_RESERVED.has(v) || /^(tf|TF)_/.test(v) || /^__/.test(v) || /^_[A-Z]/.test(v)) {
      problems.at(nameEntry.value.node, `name '${v}' is reserved in C or by the runtime (tf_ prefix); choose another`);
    } else if (v.length > 31) {
      problems.at(nameEntry.value.node, `name '${v}' is longer than 31 characters`);
    } else name = v;
  }

  // input
  const inputEntry = model.get('input');
  const input = r.object(inputEntry?.value, 'input', INPUT_FIELDS, inputEntry?.key ?? rootNode);
  const inputNode = inputEntry?.value.node ?? rootNode;
  const encoding = r.choice(input, 'encoding', 'input.encoding', inputNode, ['u8', 'bits'] as const);
  const features = r.number(input, 'features', 'input.features', inputNode, {
    integer: true,
    min: 1,
    max: encoding === 'u8' ? MAX_U8_FEATURES : MAX_UNITS,
  });

  const classes = r.number(model, 'classes', 'classes', rootNode, { integer: true, min: 2, max: 255 });

  // layers
  const layersEntry = model.get('layers');
  const units: number[] = [];
  let layersOk = true;
  if (!layersEntry) {
    problems.at(rootNode, 'missing layers');
    layersOk = false;
  } else if (layersEntry.value.kind !== 'array') {
    problems.at(layersEntry.value.node, 'layers must be an array literal of { units }');
    layersOk = false;
  } else if (layersEntry.value.items.length === 0) {
    problems.at(layersEntry.value.node, 'layers must hold at least one layer');
    layersOk = false;
  } else if (layersEntry.value.items.length > 255) {
    problems.at(layersEntry.value.node, 'at most 255 layers');
    layersOk = false;
  } else {
    layersEntry.value.items.forEach((item, i) => {
      const props = r.object(item, `layers[${i}]`, LAYER_FIELDS, item.node);
      const u = r.number(props, 'units', `layers[${i}].units`, item.node, { integer: true, min: 1, max: MAX_UNITS });
      if (u === undefined) layersOk = false;
      else units.push(u);
    });
  }

  // training
  const trainingEntry = model.get('training');
  const training = r.object(trainingEntry?.value, 'training', TRAINING_FIELDS, trainingEntry?.key ?? rootNode);
  const trainingNode = trainingEntry?.value.node ?? rootNode;
  const slices = r.number(training, 'slices', 'training.slices', trainingNode, { integer: true, min: 1, max: 255 });
  const batchSize = r.number(training, 'batchSize', 'training.batchSize', trainingNode, {
    integer: true,
    min: 1,
    max: 65535,
    default: 1,
  });
  const epochsPerLayer = r.number(training, 'epochsPerLayer', 'training.epochsPerLayer', trainingNode, {
    integer: true,
    min: 1,
    max: 100000,
    default: 1,
  });
  const samplesPerEpoch = r.number(training, 'samplesPerEpoch', 'training.samplesPerEpoch', trainingNode, {
    integer: true,
    min: 1,
    max: 10_000_000,
    default: DEFAULT_SAMPLES_PER_EPOCH,
  });
  if (samplesPerEpoch !== undefined && batchSize !== undefined && samplesPerEpoch < batchSize) {
    problems.at(
      training?.get('samplesPerEpoch')?.value.node ?? trainingNode,
      `training.samplesPerEpoch ${samplesPerEpoch} is below batchSize ${batchSize}: an epoch must hold at least one batch`,
    );
  }
  const seed = r.number(training, 'seed', 'training.seed', trainingNode, { integer: true, min: 0, max: 2 ** 32 - 1, default: 1 });
  const blockSchedule = r.choice(training, 'blockSchedule', 'training.blockSchedule', trainingNode, ['cyclic', 'all'] as const, 'cyclic');
  const gradientGate = r.choice(training, 'gradientGate', 'training.gradientGate', trainingNode, ['symmetric', 'relu'] as const, 'symmetric');
  const algorithm = r.choice(training, 'algorithm', 'training.algorithm', trainingNode, ALGORITHMS, 'tinyfoa');

  let optimizer: OptimizerIR | undefined;
  const optEntry = training?.get('optimizer');
  if (training && !optEntry) problems.at(trainingNode, 'missing training.optimizer');
  else if (optEntry) {
    const lit = optEntry.value;
    const kindLit = lit.kind === 'object' ? lit.props.get('kind')?.value : undefined;
    const kind = kindLit?.kind === 'string' ? kindLit.value : undefined;
    if (lit.kind !== 'object') problems.at(lit.node, "training.optimizer must be { kind: 'sgd' | 'adam', learningRate, … }");
    else if (kind !== 'sgd' && kind !== 'adam') {
      problems.at(kindLit?.node ?? lit.node, "training.optimizer.kind must be 'sgd' or 'adam'");
    } else {
      const props = r.object(lit, 'training.optimizer', kind === 'sgd' ? SGD_FIELDS : ADAM_FIELDS, lit.node);
      const lrCheck = { minExclusive: 0, max: 1e6 };
      const learningRate = r.number(props, 'learningRate', 'training.optimizer.learningRate', lit.node, lrCheck);
      if (kind === 'sgd') {
        if (learningRate !== undefined) optimizer = { kind, learningRate };
      } else {
        const beta1 = r.number(props, 'beta1', 'training.optimizer.beta1', lit.node, { min: 0, maxExclusive: 1, default: 0.9 });
        const beta2 = r.number(props, 'beta2', 'training.optimizer.beta2', lit.node, { min: 0, maxExclusive: 1, default: 0.999 });
        const epsilon = r.number(props, 'epsilon', 'training.optimizer.epsilon', lit.node, {
          minExclusive: 0,
          max: 1,
          default: 1e-8,
        });
        if (learningRate !== undefined && beta1 !== undefined && beta2 !== undefined && epsilon !== undefined) {
          if (Math.fround(epsilon) === 0) {
            problems.at(props!.get('epsilon')!.value.node, 'training.optimizer.epsilon underflows to 0 in binary32');
          } else optimizer = { kind, learningRate, beta1, beta2, epsilon };
        }
      }
      if (learningRate !== undefined && Math.fround(learningRate) === 0) {
        problems.at(props!.get('learningRate')!.value.node, 'training.optimizer.learningRate underflows to 0 in binary32');
        optimizer = undefined;
      }
    }
  }

  if (blockSchedule === 'all' && batchSize !== undefined && batchSize > 1) {
    problems.at(training?.get('blockSchedule')?.value.node ?? trainingNode, "training.blockSchedule 'all' needs batchSize 1");
  }

  // slices against every layer's shape (semantics §3).
  if (slices !== undefined && features !== undefined && layersOk) {
    let inputs = features;
    units.forEach((n, i) => {
      if (slices > n || slices > inputs) {
        const dim = slices > n ? `${n} units` : `${inputs} inputs`;
        problems.at(
          training!.get('slices')!.value.node,
          `training.slices ${slices} is larger than layer ${i}'s ${dim}; use at most ${Math.min(n, inputs)}`,
        );
      }
      inputs = n;
    });
  }

  if (
    problems.list.length > 0 ||
    name === undefined ||
    encoding === undefined ||
    features === undefined ||
    classes === undefined ||
    !layersOk ||
    slices === undefined ||
    batchSize === undefined ||
    epochsPerLayer === undefined ||
    samplesPerEpoch === undefined ||
    seed === undefined ||
    blockSchedule === undefined ||
    gradientGate === undefined ||
    algorithm === undefined ||
    optimizer === undefined
  ) {
    return undefined;
  }
  return {
    name,
    source: file,
    input: { features, encoding },
    classes,
    layers: buildLayers(features, units, slices),
    training: { slices, optimizer, batchSize, epochsPerLayer, samplesPerEpoch, seed, blockSchedule, gradientGate, algorithm },
  };
}
