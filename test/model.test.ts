import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../generator/model/errors.ts';
import { parseModelFile, parseModelSource } from '../generator/model/parse.ts';
import { arenaFloats, runSteps, scheduleEnum } from '../generator/plan/plan.ts';
import { DEFAULT_DECAY_STEPS } from '../generator/ir/ir.ts';
import { modelConstants } from '../generator/numerics/constants.ts';

const base = readFileSync(new URL('./fixtures/models/digits.ts', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'tinyfoa-model-'));

/** Parses `base` with one replacement and returns the single problem reported. */
function problemsOf(from: string | RegExp, to: string) {
  const text = base.replace(from, to);
  expect(text).not.toBe(base);
  const file = join(dir, 'm.ts');
  try {
    parseModelSource(file, text);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return { problems: (e as ModelError).problems, text };
  }
  throw new Error('expected a ModelError');
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string) {
  const at = text.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

describe('model files', () => {
  it('parses the bundled example into the IR with defaults and block geometry', () => {
    const ir = parseModelFile(new URL('./fixtures/models/digits.ts', import.meta.url).pathname);
    expect(ir.name).toBe('digits');
    expect(ir.input).toEqual({ features: 784, encoding: 'u8' });
    expect(ir.layers.map((l) => [l.inputs, l.units])).toEqual([
      [784, 256],
      [256, 256],
      [256, 256],
    ]);
    expect(ir.layers[0]!.colBounds).toEqual([0, 392, 784]);
    expect(ir.training.blockSchedule).toBe('cyclic');
    expect(ir.training.algorithm).toBe('tinyfoa');
  });

  it('resolves tinyfoa from a file anywhere on disk and applies defaults', () => {
    const file = join(dir, 'minimal.ts');
    writeFileSync(
      file,
      `import { defineModel } from 'tinyfoa';\nexport default defineModel({ name: 'm', input: { features: 3, encoding: 'bits' }, classes: 2,\n layers: [{ units: 2 }], training: { slices: 1, optimizer: { kind: 'adam', learningRate: 0.001 } } });\n`,
    );
    const ir = parseModelFile(file);
    expect(ir.training).toMatchObject({ batchSize: 1, epochsPerLayer: 1, seed: 1, inputScale: 'fixed' });
    expect(ir.training.optimizer).toEqual({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    writeFileSync(file, readFileSync(file, 'utf8').replace("slices: 1,", "slices: 1, inputScale: 'layer',"));
    expect(parseModelFile(file).training.inputScale).toBe('layer');
  });

  it('reads training.decaySteps into the IR, the constants and the descriptor (semantics §8.10)', () => {
    const ir = parseModelSource(join(dir, 'decay.ts'), base.replace('seed: 1,', 'seed: 1, decaySteps: 3000,'));
    expect(ir.training.decaySteps).toBe(3000);
    expect(modelConstants(ir).decaySteps).toBe(3000);
    const off = parseModelSource(join(dir, 'decay0.ts'), base.replace('seed: 1,', 'seed: 1, decaySteps: 0,'));
    expect(modelConstants(off).decaySteps).toBe(0);
    expect(parseModelSource(join(dir, 'decay-default.ts'), base).training.decaySteps).toBe(DEFAULT_DECAY_STEPS);
  });

  it("reads blockSchedule { kind: 'runs', steps } into the IR and the planner's run_steps", () => {
    const ir = parseModelSource(join(dir, 'runs.ts'), base.replace('seed: 1,', "seed: 1, blockSchedule: { kind: 'runs', steps: 16 },"));
    expect(ir.training.blockSchedule).toEqual({ kind: 'runs', steps: 16 });
    expect(scheduleEnum(ir)).toBe('TF_SCHEDULE_RUNS');
    expect(runSteps(ir)).toBe(16);
    // The arena gains the open run's block and bias records (docs/runtime.md, "Arena").
    const cyclic = { ...ir, training: { ...ir.training, blockSchedule: 'cyclic' as const } };
    const per = ir.training.optimizer.kind === 'adam' ? 3 : 1;
    const tail = ir.training.optimizer.kind === 'adam' ? 2 : 0;
    const blockMax = Math.max(...ir.layers.map((l) => Math.ceil(l.units / 2) * Math.ceil(l.inputs / 2)));
    expect(arenaFloats(ir) - arenaFloats(cyclic)).toBe(per * blockMax + tail + per * 256 + tail);
  });

  const cases: [string, string | RegExp, string, string, RegExp][] = [
    ['a type error', "classes: 10", "classes: '10'", "classes: '10'", /not assignable to type 'number'/],
    ['an unknown field', 'seed: 1,', 'seed: 1, sead: 2,', 'sead', /sead/],
    ['a non-identifier name', "'digits'", "'my model'", "'my model'", /not a C identifier/],
    ['a C reserved name', "'digits'", "'float'", "'float'", /reserved/],
    ['zero units', '{ units: 256 }, { units: 256 }]', '{ units: 0 }, { units: 256 }]', '0 }', /at least 1/],
    ['fractional units', '[{ units: 256 }', '[{ units: 2.5 }', '2.5', /whole number/],
    ['a negative learning rate', /learningRate: [0-9.]+/, 'learningRate: -0.5', '-0.5', /greater than 0/],
    ['a non-finite learning rate', /learningRate: [0-9.]+/, 'learningRate: Infinity', 'Infinity', /number literal|finite/],
    ['zero features', 'features: 784', 'features: 0', '0,', /at least 1/],
    ['a non-literal value', 'batchSize: 1', 'batchSize: Math.max(1, 2)', 'Math.max', /number literal/],
    ['one class', 'classes: 10', 'classes: 1', '1,', /at least 2/],
  ];
  for (const [what, from, to, at, message] of cases) {
    it(`reports ${what} at its line and column`, () => {
      const { problems, text } = problemsOf(from, to);
      const expected = positionOf(text, at);
      const p = problems[0]!;
      expect(p.message).toMatch(message);
      expect({ line: p.line, column: p.column }).toEqual(expected);
      expect(p.sourceLine).toContain(at.trim());
    });
  }

  it('reports slices larger than a layer at the slices value', () => {
    const { problems, text } = problemsOf('{ units: 256 }]', '{ units: 1 }]');
    const p = problems[0]!;
    expect(p.message).toMatch(/training.slices 2 is larger than layer 2's 1 units; use at most 1/);
    const at = positionOf(text, 'slices: 2');
    expect({ line: p.line, column: p.column }).toEqual({ line: at.line, column: at.column + 'slices: '.length });
  });

  it('reports a missing default export', () => {
    const { problems } = problemsOf(/export default defineModel\(/, 'const m = defineModel(');
    expect(problems[0]!.message).toMatch(/export default defineModel/);
  });

  it('reports a missing file', () => {
    expect(() => parseModelFile(join(dir, 'nope.ts'))).toThrow(/model file not found/);
  });
});
