/**
 * Reads a model file into the IR. The file is type-checked with ts-morph
 * (`tinyfoa` resolves to this package wherever the file lives) and its
 * `export default defineModel({...})` argument is read as literal values,
 * never executed. Every problem is reported at its file:line:col.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, Project, SyntaxKind, ts, type SourceFile } from 'ts-morph';
import type { ModelIR, OptimizerIR } from '../ir/ir.ts';
import { buildLayers, DEFAULT_DECAY_STEPS, DEFAULT_SAMPLES_PER_EPOCH } from '../ir/ir.ts';
import { ALGORITHMS, type BlockSchedule } from './api.ts';
import { ModelError, type ModelProblem } from './errors.ts';
import { C_RESERVED, isRuntimeName } from './reserved.ts';

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

function readLiteral(node: Node): Lit {
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
    return readLiteral(node.getExpression());
  }
  // The scanner's text is the literal as TypeScript reads it (hex, binary, octal and separators
  // already turned into decimal, exponents kept); Number() of it is the value TypeScript gives it.
  // (ts-morph's getLiteralValue() reads a literal without '.' with parseInt: 1e-8 would be 1.)
  if (Node.isNumericLiteral(node)) return { kind: 'number', value: Number(node.compilerNode.text), node };
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
      this.problems.at(parent, `${what} is required`);
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
    check: {
      integer?: boolean;
      /** Range-check the binary32 value both sides use (docs/semantics.md §1), and refuse 0 and subnormals. */
      binary32?: 'normal';
      min?: number;
      max?: number;
      minExclusive?: number;
      maxExclusive?: number;
      default?: number;
    },
  ): number | undefined {
    if (!props) return undefined;
    const entry = props.get(key);
    if (!entry) {
      if (check.default !== undefined) return check.default;
      this.problems.at(parent, `${what} is required`);
      return undefined;
    }
    const lit = entry.value;
    if (lit.kind !== 'number') {
      this.problems.at(lit.node, `${what} must be a number literal`);
      return undefined;
    }
    const written = lit.value;
    // Both the simulator and the firmware use the binary32 value, so that is the one checked; the
    // message says what it rounds to where that is why the check fails.
    const v = check.binary32 ? Math.fround(written) : written;
    const tests: [ok: (x: number) => boolean, why: string][] = [
      [(x) => Number.isFinite(x), Number.isFinite(written) ? 'must be finite in binary32 (at most 3.4028235e38)' : 'must be finite'],
    ];
    const { integer, min, max, minExclusive, maxExclusive } = check;
    if (integer) tests.push([(x) => Number.isInteger(x), 'must be a whole number']);
    if (min !== undefined) tests.push([(x) => x >= min, `must be at least ${min}`]);
    if (max !== undefined) tests.push([(x) => x <= max, `must be at most ${max}`]);
    if (minExclusive !== undefined) tests.push([(x) => x > minExclusive, `must be greater than ${minExclusive}`]);
    if (maxExclusive !== undefined) tests.push([(x) => x < maxExclusive, `must be less than ${maxExclusive}`]);
    if (check.binary32 === 'normal') {
      tests.push([(x) => x === 0 || Math.abs(x) >= 2 ** -126, 'is subnormal in binary32 (below 1.1754944e-38); use a larger value']);
    }
    for (const [ok, why] of tests) {
      if (ok(v)) continue;
      const rounding = ok(written) ? `, which is ${v} in binary32` : '';
      this.problems.at(lit.node, `${what} ${why} (got ${written}${rounding})`);
      return undefined;
    }
    return written;
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
      this.problems.at(parent, `${what} is required`);
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
const TRAINING_FIELDS = ['slices', 'optimizer', 'batchSize', 'epochsPerLayer', 'samplesPerEpoch', 'decaySteps', 'seed', 'blockSchedule', 'gradientGate', 'inputScale', 'classifier', 'bias', 'algorithm'] as const;
const BIAS_FIELDS = ['init', 'clamp'] as const;
const SGD_FIELDS = ['kind', 'learningRate'] as const;
const RUNS_FIELDS = ['kind', 'steps'] as const;
const ADAM_FIELDS = ['kind', 'learningRate', 'beta1', 'beta2', 'epsilon'] as const;

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

let sharedProject: Project | undefined;

/**
 * The project that type-checks model files against this package's API. It is made once per
 * process: the standard library's and the API's declarations are parsed once, and each model
 * file is added, checked and removed again.
 */
function createProject(): Project {
  sharedProject ??= new Project({
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
  return sharedProject;
}

/** Extensions a model file may have: it is TypeScript, type-checked against this package's API. */
const MODEL_EXTENSIONS = ['.ts', '.mts', '.cts'] as const;

/** Deepest bracket nesting a model file may use; deeper would exhaust the type checker's stack. */
export const MAX_NESTING = 64;

function fileProblem(file: string, message: string): ModelError {
  return new ModelError([{ file, line: 1, column: 1, message, sourceLine: '' }]);
}

/** Parses and validates a model file. Throws ModelError with every problem found. */
export function parseModelFile(path: string): ModelIR {
  const file = resolve(path);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw fileProblem(file, 'model file not found; give the path of a .ts file with export default defineModel({...})');
  }
  if (!isFile) throw fileProblem(file, 'is not a file (a directory?); give the path of a .ts model file');
  const name = basename(file);
  if (name.endsWith('.d.ts') || !MODEL_EXTENSIONS.some((ext) => name.endsWith(ext))) {
    throw fileProblem(
      file,
      `a model file is TypeScript: its name must end in ${MODEL_EXTENSIONS.join(', ')} (not a declaration file .d.ts); rename it`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw fileProblem(file, `cannot read the model file (${code}); check its permissions`);
  }
  return parseModelSource(file, text);
}

/** The position of the first bracket nested deeper than MAX_NESTING, found with the scanner (no recursion). */
function tooDeep(text: string): number | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text);
  let depth = 0;
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if (t === ts.SyntaxKind.OpenParenToken || t === ts.SyntaxKind.OpenBracketToken || t === ts.SyntaxKind.OpenBraceToken) {
      if (++depth > MAX_NESTING) return scanner.getTokenStart();
    } else if (t === ts.SyntaxKind.CloseParenToken || t === ts.SyntaxKind.CloseBracketToken || t === ts.SyntaxKind.CloseBraceToken) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The dotted path (`training.optimizer`, `layers[1]`) of a value inside the defineModel argument, or ''. */
function fieldPath(node: Node): string {
  let path = '';
  const join = (head: string) => (path === '' || path.startsWith('[') ? `${head}${path}` : `${head}.${path}`);
  for (let n: Node | undefined = node; n; n = n.getParent()) {
    const parent = n.getParent();
    if (!parent || Node.isCallExpression(parent)) break;
    if (Node.isPropertyAssignment(parent) && parent.getInitializer() === n) {
      const key = parent.getNameNode();
      path = join(Node.isStringLiteral(key) ? key.getLiteralValue() : key.getText());
    } else if (Node.isArrayLiteralExpression(parent)) {
      path = join(`[${parent.getElements().indexOf(n as never)}]`);
    }
  }
  return path;
}

/** The object literal a "property is missing" diagnostic at `pos` is about. */
function literalAt(sf: SourceFile, pos: number): Node | undefined {
  const node = sf.getDescendantAtPos(pos);
  if (!node) return undefined;
  const parent = node.getParent();
  if (parent && Node.isPropertyAssignment(parent) && parent.getNameNode() === node) return parent.getInitializer();
  if (Node.isObjectLiteralExpression(node)) return node;
  return node.getFirstAncestor((a) => Node.isObjectLiteralExpression(a));
}

/** Every message of a diagnostic's chain, outermost first. */
function chainMessages(m: string | ts.DiagnosticMessageChain): string[] {
  if (typeof m === 'string') return [m];
  return [m.messageText, ...(m.next ?? []).flatMap(chainMessages)];
}

/** TypeScript's message, with "property missing" turned into "<field> is required". */
function diagnosticMessage(sf: SourceFile, d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  const literal = d.start === undefined ? undefined : literalAt(sf, d.start);
  const at = literal ? fieldPath(literal) : '';
  const prefix = at ? `${at}.` : '';
  for (const message of chainMessages(d.messageText)) {
    let m = /^Property '([^']+)' is missing in type .* but required in type '([^']+)'/.exec(message);
    if (m) return `${prefix}${m[1]} is required (${m[2]}); add it`;
    m = /^Type .* is missing the following properties from type '([^']+)': (.*)$/.exec(message);
    if (m) {
      const names = m[2]!.replace(/,? and \d+ more\.?$/, '').replace(/\.$/, '').split(/,\s*/);
      return `${names.map((n) => `${prefix}${n}`).join(', ')} are required (${m[1]}); add them`;
    }
  }
  return text;
}

/** Parses model source text as if it were the file at `file`. */
export function parseModelSource(file: string, text: string): ModelIR {
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const before = text.slice(0, deep).split(/\r?\n/);
    const line = before.length;
    throw new ModelError([
      {
        file,
        line,
        column: before[before.length - 1]!.length + 1,
        message: `brackets nested more than ${MAX_NESTING} deep; a model file is a flat literal: remove the extra nesting`,
        sourceLine: text.split(/\r?\n/)[line - 1] ?? '',
      },
    ]);
  }
  const project = createProject();
  const sf = project.createSourceFile(file, text, { overwrite: true });
  try {
    return readModel(sf);
  } finally {
    project.removeSourceFile(sf);
  }
}

function readModel(sf: SourceFile): ModelIR {
  const problems = new Problems(sf);

  for (const d of sf.getPreEmitDiagnostics()) {
    if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
    const dsf = d.getSourceFile();
    if (dsf && dsf.getFilePath() !== sf.getFilePath()) continue;
    const start = d.getStart() ?? 0;
    const { line, column } = sf.getLineAndColumnAtPos(start);
    problems.push(line, column, diagnosticMessage(sf, d.compilerObject));
  }
  if (problems.list.length > 0) throw new ModelError(problems.list);

  const argNode = findDefineModelArgument(sf, problems);
  if (!argNode) throw new ModelError(problems.list);
  const ir = validate(readLiteral(argNode), argNode, problems, sf.getFilePath());
  if (problems.list.length > 0 || !ir) throw new ModelError(problems.list);
  return ir;
}

/** training.blockSchedule: 'cyclic' (default), 'all', or { kind: 'runs', steps } (semantics §8.9). */
function readBlockSchedule(
  r: Reader,
  problems: Problems,
  training: ReturnType<Reader['object']>,
  trainingNode: Node,
): BlockSchedule | undefined {
  const lit = training?.get('blockSchedule')?.value;
  if (lit?.kind !== 'object') {
    return r.choice(training, 'blockSchedule', 'training.blockSchedule', trainingNode, ['cyclic', 'all', 'freeze-diagonal'] as const, 'cyclic');
  }
  const kindLit = lit.props.get('kind')?.value;
  if (kindLit?.kind !== 'string' || kindLit.value !== 'runs') {
    problems.at(kindLit?.node ?? lit.node, "training.blockSchedule.kind must be 'runs' ({ kind: 'runs', steps }), or use 'cyclic', 'all' or 'freeze-diagonal'");
    return undefined;
  }
  const props = r.object(lit, 'training.blockSchedule', RUNS_FIELDS, lit.node);
  const steps = r.number(props, 'steps', 'training.blockSchedule.steps', lit.node, { integer: true, min: 1, max: 65535 });
  return steps === undefined ? undefined : { kind: 'runs', steps };
}

function validate(root: Lit, rootNode: Node, problems: Problems, file: string): ModelIR | undefined {
  const r = new Reader(problems);
  const model = r.object(root, 'the model', MODEL_FIELDS, rootNode);
  if (!model) return undefined;

  // name
  let name: string | undefined;
  const nameEntry = model.get('name');
  if (!nameEntry) problems.at(rootNode, 'name is required (a C identifier that prefixes every generated symbol)');
  else if (nameEntry.value.kind !== 'string') problems.at(nameEntry.value.node, 'name must be a string literal');
  else {
    const v = nameEntry.value.value;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
      problems.at(nameEntry.value.node, `name '${v}' is not a C identifier (letters, digits, _; not starting with a digit)`);
    } else if (isRuntimeName(v)) {
      problems.at(nameEntry.value.node, `name '${v}' collides with the runtime's identifiers (tf, tf_…, TF_…); choose another`);
    } else if (C_RESERVED.has(v) || /^__/.test(v) || /^_[A-Z]/.test(v)) {
      problems.at(nameEntry.value.node, `name '${v}' is reserved in C (a keyword, a standard-library name, or __/_X); choose another`);
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
    problems.at(rootNode, 'layers is required (an array literal of { units })');
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
  const decaySteps = r.number(training, 'decaySteps', 'training.decaySteps', trainingNode, {
    integer: true,
    min: 0,
    max: 2 ** 32 - 1,
    default: DEFAULT_DECAY_STEPS,
  });
  const seed = r.number(training, 'seed', 'training.seed', trainingNode, { integer: true, min: 0, max: 2 ** 32 - 1, default: 1 });
  const blockSchedule = readBlockSchedule(r, problems, training, trainingNode);
  const gradientGate = r.choice(training, 'gradientGate', 'training.gradientGate', trainingNode, ['symmetric', 'relu'] as const, 'symmetric');
  const inputScale = r.choice(training, 'inputScale', 'training.inputScale', trainingNode, ['fixed', 'layer'] as const, 'fixed');
  const classifier = r.choice(training, 'classifier', 'training.classifier', trainingNode, ['sign', 'he-normal'] as const, 'sign');
  const bias = readBias(r, problems, training?.get('bias'));
  const algorithm = r.choice(training, 'algorithm', 'training.algorithm', trainingNode, ALGORITHMS, 'tinyfoa');

  let optimizer: OptimizerIR | undefined;
  const optEntry = training?.get('optimizer');
  if (training && !optEntry) problems.at(trainingNode, "training.optimizer is required ({ kind: 'sgd' | 'adam', learningRate, … })");
  else if (optEntry) {
    const lit = optEntry.value;
    const kindLit = lit.kind === 'object' ? lit.props.get('kind')?.value : undefined;
    const kind = kindLit?.kind === 'string' ? kindLit.value : undefined;
    if (lit.kind !== 'object') problems.at(lit.node, "training.optimizer must be { kind: 'sgd' | 'adam', learningRate, … }");
    else if (kind !== 'sgd' && kind !== 'adam') {
      problems.at(kindLit?.node ?? lit.node, "training.optimizer.kind must be 'sgd' or 'adam'");
    } else {
      const props = r.object(lit, 'training.optimizer', kind === 'sgd' ? SGD_FIELDS : ADAM_FIELDS, lit.node);
      const lrCheck = { binary32: 'normal', minExclusive: 0, max: 1e6 } as const;
      const learningRate = r.number(props, 'learningRate', 'training.optimizer.learningRate', lit.node, lrCheck);
      if (kind === 'sgd') {
        if (learningRate !== undefined) optimizer = { kind, learningRate };
      } else {
        const beta = { binary32: 'normal', min: 0, maxExclusive: 1 } as const;
        const beta1 = r.number(props, 'beta1', 'training.optimizer.beta1', lit.node, { ...beta, default: 0.9 });
        const beta2 = r.number(props, 'beta2', 'training.optimizer.beta2', lit.node, { ...beta, default: 0.999 });
        const epsilon = r.number(props, 'epsilon', 'training.optimizer.epsilon', lit.node, {
          binary32: 'normal',
          minExclusive: 0,
          max: 1,
          default: 1e-8,
        });
        if (learningRate !== undefined && beta1 !== undefined && beta2 !== undefined && epsilon !== undefined) {
          optimizer = { kind, learningRate, beta1, beta2, epsilon };
        }
      }
    }
  }

  if (blockSchedule === 'freeze-diagonal' && batchSize !== undefined && batchSize > 1) {
    problems.at(training?.get('blockSchedule')?.value.node ?? trainingNode, `training.blockSchedule 'freeze-diagonal' needs batchSize 1`);
  }
  if (algorithm !== undefined && algorithm !== 'tinyfoa') {
    const tinyfoaOnly: [key: string, set: boolean, what: string][] = [
      ['classifier', classifier !== undefined && classifier !== 'sign', `training.classifier '${classifier}'`],
      ['bias', bias !== undefined && (bias.init !== 'zero' || bias.clamp), 'training.bias'],
    ];
    for (const [key, set, what] of tinyfoaOnly) {
      if (set) {
        problems.at(
          training?.get(key)?.value.node ?? trainingNode,
          `${what} applies to algorithm 'tinyfoa' only (the baselines keep their own classifiers and biases, docs/baselines.md); remove it or use algorithm 'tinyfoa'`,
        );
      }
    }
  }
  if (blockSchedule === 'freeze-diagonal' && slices === 1) {
    problems.at(
      training?.get('blockSchedule')?.value.node ?? trainingNode,
      "training.blockSchedule 'freeze-diagonal' needs slices 2 or more (with one block it would freeze every weight); use 'cyclic' or more slices",
    );
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
    decaySteps === undefined ||
    seed === undefined ||
    blockSchedule === undefined ||
    gradientGate === undefined ||
    inputScale === undefined ||
    classifier === undefined ||
    bias === undefined ||
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
    training: {
      slices,
      optimizer,
      batchSize,
      epochsPerLayer,
      samplesPerEpoch,
      decaySteps,
      seed,
      blockSchedule,
      gradientGate,
      inputScale,
      algorithm,
      ...(classifier !== 'sign' ? { classifier } : {}),
      ...(bias.init !== 'zero' || bias.clamp ? { bias } : {}),
    },
  };
}

/** training.bias: `{ init?: 'zero' | 'uniform', clamp?: boolean }`, both optional. */
function readBias(
  r: Reader,
  problems: Problems,
  entry: { key: Node; value: Lit } | undefined,
): { init: 'zero' | 'uniform'; clamp: boolean } | undefined {
  if (!entry) return { init: 'zero', clamp: false };
  const props = r.object(entry.value, 'training.bias', BIAS_FIELDS, entry.key);
  if (!props) return undefined;
  const init = r.choice(props, 'init', 'training.bias.init', entry.value.node, ['zero', 'uniform'] as const, 'zero');
  const clampEntry = props.get('clamp');
  let clamp: boolean | undefined = false;
  if (clampEntry) {
    if (clampEntry.value.kind === 'boolean') clamp = clampEntry.value.value;
    else {
      problems.at(clampEntry.value.node, 'training.bias.clamp must be true or false');
      clamp = undefined;
    }
  }
  return init === undefined || clamp === undefined ? undefined : { init, clamp };
}
