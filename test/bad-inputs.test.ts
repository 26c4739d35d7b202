/**
 * The bad-input corpus (test/bad-inputs/): model files, data folders and command lines that
 * tinyfoa must refuse with a clear error — exit code, message, position (file:line:col for
 * model files, the file for data), no stack trace, and nothing written or removed. The cases
 * run in this process through the CLI's main() (parse, plan and data errors need no compiler);
 * a sample of them also through the real binary.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../generator/cli/main.ts';
import { firstDifference, firstDifferingWord } from '../generator/firmware/verify.ts';
import { DATA_CASES, goodSet, writeSet, type DataCase } from './bad-inputs/data.ts';
import { FLAG_CASES, type FlagCase } from './bad-inputs/flags.ts';
import { BASE_MODEL, MODEL_CASES, type ModelCase } from './bad-inputs/models.ts';

const bin = new URL('../bin/tinyfoa.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tinyfoa-bad-'));
const goodData = join(root, 'good-data');
const baseModel = join(root, 'probe.ts');
const cSource = join(root, 'store.c');
const cwd = process.cwd();

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tinyfoa <args>` in this process, capturing what it prints. */
async function inProcess(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  const capture = (into: string[]) => ((chunk: string | Uint8Array) => (into.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(['node', 'tinyfoa', ...args]);
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    process.exitCode = undefined;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

async function realBinary(args: string[]): Promise<Outcome> {
  const r = await execa('node', [bin, ...args], { reject: false, cwd: root, env: { NO_COLOR: '1' } });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every path under `dir` with its size and modification time: what "nothing written or removed" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      out[p] = s.isDirectory() ? 'dir' : `${s.size}:${s.mtimeMs}`;
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function expectClean(r: Outcome): void {
  expect(r.stderr).not.toMatch(/internal error|^\s+at .+:\d+:\d+\)?$/m);
}

/** Runs a case, checking that it changes nothing under the sandbox and leaves `out` absent. */
async function runCase(args: string[], out: string, run = inProcess): Promise<Outcome> {
  const before = snapshot(root);
  const r = await run(args);
  expect(snapshot(root), 'nothing written or removed').toEqual(before);
  expect(existsSync(out), `${out} must not be written`).toBe(false);
  expectClean(r);
  return r;
}

function positionOf(text: string, needle: string, offset = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`case text has no '${needle}'`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 + offset };
}

function modelText(c: ModelCase): string {
  if ('text' in c.edit) return c.edit.text;
  const [from, to] = c.edit;
  const text = BASE_MODEL.replace(from, to);
  if (from !== '' && text === BASE_MODEL) throw new Error(`case ${c.name}: the edit changes nothing`);
  return text;
}

function modelArgs(c: ModelCase, file: string, out: string): string[] {
  const [command, ...flags] = c.command ?? ['generate', '-t', 'host'];
  return [command!, file, ...flags.map((f) => f.replace('$DATA', goodData)), '-o', out];
}

/** Checks a model case's outcome: exit 2, the message on the line that carries the position. */
function expectModelProblem(c: ModelCase, r: Outcome, file: string, text: string): void {
  expect(r.code, r.stderr).toBe(2);
  if (c.at === undefined) {
    expect(r.stderr).toMatch(c.message);
    return;
  }
  const { line, column } = positionOf(text, c.at, c.offset);
  const prefix = `${file}:${line}:${column}: `;
  const reported = r.stderr.split('\n').find((l) => l.startsWith(prefix));
  expect(reported, `expected a problem at ${prefix} in:\n${r.stderr}`).toBeDefined();
  expect(reported!.slice(prefix.length)).toMatch(c.message);
}

function modelFile(c: ModelCase): { file: string; text: string } {
  const text = modelText(c);
  const file = join(root, 'models', c.file ? `${c.name}-${c.file}` : `${c.name}.ts`);
  writeFileSync(file, text);
  return { file, text };
}

function dataCaseSetup(c: DataCase): { spec: string; dir: string | null; model: string } {
  let model = baseModel;
  if (c.model) {
    let text = BASE_MODEL;
    for (const [from, to] of c.model) text = text.replace(from, to);
    model = join(root, 'models', `data-${c.name}.ts`);
    writeFileSync(model, text);
  }
  if (typeof c.data !== 'function') return { spec: c.data.spec, dir: null, model };
  const dir = join(root, 'data', c.name);
  c.data(dir);
  return { spec: `idx:${dir}`, dir, model };
}

function flagArgs(c: FlagCase, out: string): string[] {
  return c.args.map((a) => a.replace('$MODEL', baseModel).replace('$DATA', goodData).replace('$OUT', out).replace('$C', cSource));
}

beforeAll(() => {
  mkdirSync(join(root, 'models'));
  mkdirSync(join(root, 'data'));
  writeFileSync(baseModel, BASE_MODEL);
  writeSet(goodData, goodSet());
  writeFileSync(cSource, '/* a user store would be defined here */\n');
  writeFileSync(`${cSource}.h`, '/* not a C source */\n');
  // Default output paths (out/…) resolve against the working folder: make it the sandbox.
  process.chdir(root);
});

afterAll(() => process.chdir(cwd));

describe('the bad-input corpus', () => {
  it('holds at least 120 cases across model files, data folders and flags', () => {
    expect(MODEL_CASES.length + DATA_CASES.length + FLAG_CASES.length).toBeGreaterThanOrEqual(120);
    const names = [...MODEL_CASES, ...DATA_CASES, ...FLAG_CASES].map((c) => c.name);
    expect(new Set(names).size, 'case names are unique').toBe(names.length);
  });

  it('the base model, data and flags are good (so that every case fails for its own reason)', async () => {
    const r = await runCase(['simulate', baseModel, '-d', `idx:${goodData}`, '--json'], join(root, 'never'));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).trainSamples).toBe(12);
  });

  describe('model files', () => {
    for (const c of MODEL_CASES) {
      it(c.name, async () => {
        const { file, text } = modelFile(c);
        const out = join(root, `out-${c.name}`);
        const r = await runCase(modelArgs(c, file, out), out);
        expectModelProblem(c, r, file, text);
      });
    }
  });

  describe('data folders', () => {
    for (const c of DATA_CASES) {
      it(c.name, async () => {
        const { spec, dir, model } = dataCaseSetup(c);
        const out = join(root, `out-${c.name}`);
        const [command, ...flags] = c.command ?? ['simulate'];
        const writes = command !== 'simulate';
        const r = await runCase([command!, model, '-d', spec, ...flags, ...(writes ? ['-o', out] : [])], out);
        expect(r.code, r.stderr).toBe(c.code ?? 2);
        expect(c.code === 0 ? r.stdout : r.stderr).toMatch(c.message);
        if (c.names) expect(r.stderr).toContain(join(dir!, c.names));
      });
    }
  });

  describe('flags', () => {
    for (const c of FLAG_CASES) {
      it(c.name, async () => {
        const out = join(root, `out-${c.name}`);
        const r = await runCase(flagArgs(c, out), out);
        expect(r.code, r.stderr).toBe(c.code ?? 2);
        expect(r.stderr).toMatch(c.message);
      });
    }
  });

  describe('a sample through the real binary gives the same', () => {
    const sample = {
      model: ['lr-underflows-to-zero'],
      data: ['train-label-at-classes'],
      flags: ['store-user-without-source'],
    };
    for (const name of sample.model) {
      it(`model: ${name}`, async () => {
        const c = MODEL_CASES.find((m) => m.name === name)!;
        const { file, text } = modelFile(c);
        const out = join(root, `bin-out-${c.name}`);
        expectModelProblem(c, await runCase(modelArgs(c, file, out), out, realBinary), file, text);
      });
    }
    for (const name of sample.data) {
      it(`data: ${name}`, async () => {
        const c = DATA_CASES.find((d) => d.name === name)!;
        const { spec, dir, model } = dataCaseSetup(c);
        const r = await runCase(['simulate', model, '-d', spec], join(root, 'never'), realBinary);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(c.message);
        expect(r.stderr).toContain(join(dir!, c.names!));
      });
    }
    for (const name of sample.flags) {
      it(`flags: ${name}`, async () => {
        const c = FLAG_CASES.find((f) => f.name === name)!;
        const out = join(root, `bin-out-${c.name}`);
        const r = await runCase(flagArgs(c, out), out, realBinary);
        expect(r.code).toBe(c.code ?? 2);
        expect(r.stderr).toMatch(c.message);
      });
    }
  });
});

describe('verify reports only what its re-run found', () => {
  const d = (state: string) => ({ steps: 0, state, arrays: [] });
  it('finds no difference when the re-run reproduces none, instead of inventing one', () => {
    expect(firstDifference([d('a'), d('b')], [d('a'), d('b')], 2)).toBeNull();
    expect(firstDifference([d('a'), d('b')], [d('a'), d('c')], 2)).toBe(1);
    expect(firstDifference([d('a')], [], 1)).toBe(0);
  });
  it('finds no differing element in equal dumps', () => {
    expect(firstDifferingWord(new Uint8Array(8), new Uint8Array(8))).toBeNull();
    expect(firstDifferingWord(new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0]), new Uint8Array(8))).toBe(1);
    expect(firstDifferingWord(new Uint8Array(8), new Uint8Array(4))).toBe(1);
  });
});
