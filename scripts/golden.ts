/**
 * Golden folders (docs/runtime.md, "Golden folders"): test/golden/<case>/ holds a model
 * (`model.ts`), the `tinyfoa generate` target and flags (`options.json`) and, in `expected/`,
 * every file of the generated folder that the generator makes from the model. Files that
 * `generate` copies verbatim from runtime-c/ and targets/ are not stored: `expected/runtime-files.txt`
 * lists them with their source, and each is checked byte for byte against that source.
 *
 *   npx tsx scripts/golden.ts            regenerates every case into a temporary folder and prints
 *                                        a unified diff against expected/; exit 1 on any difference
 *   npx tsx scripts/golden.ts --update   rewrites every expected/ (after an intended generator change)
 *
 * (`npm run golden`, `npm run golden:update`.)
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../generator/cli/main.ts';
import { OUTPUT_MARKER } from '../generator/emit/folders.ts';
import { LAYOUT } from '../generator/emit/emit.ts';
import { BadInputError, EXIT_INTERNAL, ToolFailedError, TinyfoaError, exitCodeFor } from '../generator/errors.ts';
import { projectRoot } from '../targets/targets.ts';

export const GOLDEN_DIR = join(projectRoot, 'test', 'golden');
/** The list of copied files inside expected/. */
export const RUNTIME_LIST = 'runtime-files.txt';
/** Folders of the generated folder whose files may be verbatim copies (generator/emit/emit.ts). */
const COPY_DIRS = [LAYOUT.runtime, LAYOUT.driver, LAYOUT.target];
/** The repository folders those copies come from. */
const SOURCE_DIRS = ['runtime-c', 'targets'];
export const UPDATE_COMMAND = 'npm run golden:update';

export interface GoldenCase {
  name: string;
  dir: string;
  model: string;
  target: string;
  flags: string[];
}

/** Every case of test/golden/, by name. */
export function goldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((n) => existsSync(join(GOLDEN_DIR, n, 'options.json')))
    .sort()
    .map((name) => {
      const dir = join(GOLDEN_DIR, name);
      const file = join(dir, 'options.json');
      let o: unknown;
      try {
        o = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new BadInputError(`${file}: not JSON (${(e as Error).message}); write { "target": "<target>", "flags": [...] }`);
      }
      const { target, flags } = (o ?? {}) as { target?: unknown; flags?: unknown };
      if (typeof target !== 'string' || !Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) {
        throw new BadInputError(`${file}: needs "target" (a string) and "flags" (a list of strings), e.g. { "target": "host", "flags": [] }`);
      }
      if (flags.some((f) => f === '-o' || f.startsWith('--out') || f === '-t' || f.startsWith('--target'))) {
        throw new BadInputError(`${file}: "flags" may not name the output folder or the target (the script chooses the folder; the target has its own field)`);
      }
      return { name, dir, model: join(dir, 'model.ts'), target, flags: flags as string[] };
    });
}

/** Runs `tinyfoa generate` (the CLI's own code, in this process) for a case into `out`. */
export async function generateCase(c: GoldenCase, out: string): Promise<void> {
  const argv = ['node', 'tinyfoa', 'generate', c.model, '--target', c.target, ...c.flags, '-o', out];
  let printed = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = write;
  }
  if (code !== 0) {
    throw new ToolFailedError(`golden case ${c.name}: tinyfoa ${argv.slice(2).join(' ')} exited ${code}${printed ? `:\n${printed}` : ''} (its error is above)`);
  }
}

function filesBelow(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, name)).isDirectory()) out.push(...filesBelow(join(dir, name), rel));
    else out.push(rel);
  }
  return out;
}

let sourceIndex: Map<string, { path: string; bytes: Buffer }[]> | null = null;

/** The repository files a generated folder may copy, by base name. */
function sources(): Map<string, { path: string; bytes: Buffer }[]> {
  if (sourceIndex) return sourceIndex;
  sourceIndex = new Map();
  for (const d of SOURCE_DIRS) {
    for (const rel of filesBelow(join(projectRoot, d))) {
      const path = `${d}/${rel}`;
      const base = path.slice(path.lastIndexOf('/') + 1);
      const list = sourceIndex.get(base) ?? [];
      list.push({ path, bytes: readFileSync(join(projectRoot, path)) });
      sourceIndex.set(base, list);
    }
  }
  return sourceIndex;
}

/**
 * What the golden holds for a generated folder: every generated file (path relative to
 * expected/, bytes), and runtime-files.txt listing the verbatim copies (a file of runtime/,
 * driver/ or target/ equal byte for byte to a repository file of the same name) with their
 * source. The output marker is left out: it is the hash list of all the files.
 */
export function goldenFiles(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const copies: string[] = [];
  for (const rel of filesBelow(folder)) {
    if (rel === OUTPUT_MARKER) continue;
    const bytes = readFileSync(join(folder, rel));
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const from = COPY_DIRS.some((d) => rel.startsWith(`${d}/`)) ? sources().get(base)?.find((s) => s.bytes.equals(bytes)) : undefined;
    if (from) copies.push(`${rel} <- ${from.path}`);
    else files.set(rel, bytes);
  }
  const header = '# Copied verbatim by tinyfoa generate (not stored here; checked byte for byte against the source)';
  files.set(RUNTIME_LIST, Buffer.from(`${[header, ...copies].join('\n')}\n`));
  return files;
}

/** The stored golden of a case: every file of its expected/. */
export function expectedFiles(c: GoldenCase): Map<string, Buffer> {
  const dir = join(c.dir, 'expected');
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files;
  for (const rel of filesBelow(dir)) files.set(rel, readFileSync(join(dir, rel)));
  return files;
}

export interface GoldenDifference {
  case: string;
  /** Path relative to expected/. */
  file: string;
  /** A unified diff, expected → generated. */
  diff: string;
}

/** A unified diff of two texts (diff -u), labelled with the two sides' names. */
async function unifiedDiff(expected: Buffer | undefined, actual: Buffer | undefined, labels: [string, string], scratch: string): Promise<string> {
  mkdirSync(scratch, { recursive: true });
  const a = join(scratch, 'expected');
  const b = join(scratch, 'generated');
  writeFileSync(a, expected ?? '');
  writeFileSync(b, actual ?? '');
  const r = await execa('diff', ['-u', '--label', expected ? labels[0] : '/dev/null', '--label', actual ? labels[1] : '/dev/null', a, b], { reject: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new ToolFailedError(`diff failed (exit ${String(r.exitCode)}): ${r.stderr}`);
  return r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`;
}

/** The files where a freshly generated folder differs from a case's expected/. */
export async function compareCase(c: GoldenCase, folder: string, scratch: string): Promise<GoldenDifference[]> {
  const want = expectedFiles(c);
  const got = goldenFiles(folder);
  const out: GoldenDifference[] = [];
  for (const file of [...new Set([...want.keys(), ...got.keys()])].sort()) {
    const a = want.get(file);
    const b = got.get(file);
    if (a && b && a.equals(b)) continue;
    const labels: [string, string] = [`test/golden/${c.name}/expected/${file}`, `generated/${c.name}/${file}`];
    out.push({ case: c.name, file, diff: await unifiedDiff(a, b, labels, join(scratch, 'diff')) });
  }
  return out;
}

/** Rewrites a case's expected/ from a generated folder. */
export function updateCase(c: GoldenCase, folder: string): number {
  const dir = join(c.dir, 'expected');
  const inside = relative(GOLDEN_DIR, resolve(dir));
  if (inside.startsWith('..') || inside.split(sep).length !== 2) throw new BadInputError(`refusing to rewrite ${dir}: not a case folder of ${GOLDEN_DIR}`);
  rmSync(dir, { recursive: true, force: true });
  const files = goldenFiles(folder);
  for (const [rel, bytes] of files) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return files.size;
}

/** A readable report of differences: which case and file, the unified diffs, and what to do. */
export function describeDifferences(diffs: readonly GoldenDifference[]): string {
  const names = diffs.map((d) => `  ${d.case}: ${d.file}`).join('\n');
  const advice = `if the change is intended, run \`${UPDATE_COMMAND}\` and commit test/golden/ with it`;
  return `the generated output differs from the golden folders in ${diffs.length} file(s):\n${names}\n${advice}\n\n${diffs.map((d) => d.diff).join('')}`;
}

async function run(args: string[]): Promise<number> {
  const update = args.includes('--update');
  const unknown = args.filter((a) => a !== '--update');
  if (unknown.length > 0) throw new BadInputError(`scripts/golden.ts: unknown argument ${unknown.join(' ')}; use no argument (check) or --update`);
  const work = mkdtempSync(join(tmpdir(), 'tinyfoa-golden-'));
  try {
    const diffs: GoldenDifference[] = [];
    const cases = goldenCases();
    for (const c of cases) {
      const folder = join(work, c.name);
      await generateCase(c, folder);
      if (update) process.stdout.write(`${c.name}: wrote ${updateCase(c, folder)} files to test/golden/${c.name}/expected\n`);
      else diffs.push(...(await compareCase(c, folder, join(work, '.scratch'))));
    }
    if (update) return 0;
    if (diffs.length === 0) {
      process.stdout.write(`golden folders: ${cases.length} cases match\n`);
      return 0;
    }
    process.stdout.write(describeDifferences(diffs));
    return exitCodeFor('check-failed');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await run(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof TinyfoaError ? e.exitCode : EXIT_INTERNAL;
  });
}
