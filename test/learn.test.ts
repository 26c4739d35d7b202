/**
 * The main-loop API (docs/semantics.md §13, §14; runtime-c/tf_learn.c): tf_learn follows the
 * layer schedule, tf_predict_scores gives the deepest trained layer's scores, tf_get_info the
 * schedule and memory figures, the input helpers encode floats — each compared line by line,
 * bit for bit, with the simulator's twin, on the host and on cortex-m4 in QEMU, through a
 * generated folder with the power-safe file store (stop, resume, continue).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

import { generateFolder } from '../generator/firmware/device.ts';
import { ModelError } from '../generator/model/errors.ts';
import { parseModelSource } from '../generator/model/parse.ts';
import { buildLayers, learnSteps, type ModelIR } from '../generator/ir/ir.ts';
import { inputBitsFromF32, inputU8FromF32 } from '../generator/numerics/input.ts';
import { toBits } from '../generator/numerics/f32.ts';
import { Stream } from '../generator/numerics/prng.ts';
import type { PlannedModel } from '../generator/plan/plan.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { MANDATORY_CFLAGS, compileFirmware } from '../generator/toolchain/compile.ts';
import { runFirmware } from '../generator/toolchain/run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const program = join(root, 'test', 'runtime', 'test_learn.c');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-learn-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function model(name: string, encoding: 'u8' | 'bits', opt: ModelIR['training']['optimizer'], batch: number, schedule: ModelIR['training']['blockSchedule']): ModelIR {
  return {
    name,
    source: '',
    input: { features: 24, encoding },
    classes: 3,
    layers: buildLayers(24, [16, 12], 2),
    training: {
      slices: 2,
      optimizer: opt,
      batchSize: batch,
      epochsPerLayer: 2,
      samplesPerEpoch: 41, // floor(41 / B) batches an epoch: a remainder the count must drop
      seed: 7,
      blockSchedule: schedule,
      gradientGate: 'symmetric',
      inputScale: 'fixed',
      algorithm: 'tinyfoa',
    },
  };
}

const MODELS = [
  model('learn_u8', 'u8', { kind: 'sgd', learningRate: 0.05 }, 2, 'cyclic'),
  model('learn_bits', 'bits', { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 1, 'all'),
  // Runs of 7 (§8.12): layer 0's 82 steps end inside a run, so the layer change writes it back;
  // the stops at 87 and 171 fall inside runs of layer 1, whose open steps are lost and fed again.
  model('learn_runs', 'u8', { kind: 'sgd', learningRate: 0.05 }, 1, { kind: 'runs', steps: 7 }),
];
const STREAM = 230;

/** A learnable stream: each class has a prototype, each sample is it with noise. */
function stream(ir: ModelIR, count: number, seed: number): { labels: number[]; samples: Uint8Array[] } {
  const rng = new Stream(seed, 9);
  const f = ir.input.features;
  const protos = Array.from({ length: ir.classes }, () => Array.from({ length: f }, () => rng.next() % 256));
  const labels: number[] = [];
  const samples: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const c = rng.next() % ir.classes;
    const x = new Uint8Array(f);
    for (let j = 0; j < f; j++) {
      const v = Math.max(0, Math.min(255, protos[c]![j]! + ((rng.next() % 81) - 40)));
      x[j] = ir.input.encoding === 'u8' ? v : v >= 128 ? 1 : 0;
    }
    labels.push(c);
    samples.push(x);
  }
  return { labels, samples };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** The lines test_learn prints, from the simulator (INFO, SCORES, DIGEST), for samples from..stop. */
function expectedLines(ir: ModelIR, s: ReturnType<typeof stream>, probes: Uint8Array[], stop = STREAM): string[] {
  const sim = new TinyFoaModel(ir);
  const lines: string[] = [];
  for (let i = 0; i < stop; i++) {
    sim.learn(s.samples[i]!, s.labels[i]!);
    if ((i + 1) % 10 === 0) {
      const n = sim.info();
      lines.push(
        `INFO i=${i + 1} learn=${n.learnLayer} predict=${n.predictLayer} done=${n.scheduleDone ? 1 : 0} steps=${n.steps} layer_steps=${n.layerSteps} samples=${n.samples} pending=${n.pending}`,
      );
      probes.forEach((p, k) => {
        const scores = [...sim.predictScores(p)].map((v) => toBits(v).toString(16).padStart(8, '0'));
        lines.push(`SCORES i=${i + 1} p=${k} ${scores.join(' ')}`);
      });
    }
  }
  lines.push(`DIGEST ${sim.digests().state}`);
  return lines;
}

/**
 * Where a session stopped after `stop` samples resumes (info.samples after tf_resume): the
 * committed steps times B. Under runs the open run of the layer trained last is not committed
 * (§8.12); every other schedule commits each step, and only the incomplete batch is lost.
 */
function resumePoint(ir: ModelIR, s: ReturnType<typeof stream>, stop: number): number {
  const sim = new TinyFoaModel(ir);
  let last = 0;
  for (let i = 0; i < stop; i++) {
    last = sim.learnLayer();
    sim.learn(s.samples[i]!, s.labels[i]!);
  }
  const schedule = ir.training.blockSchedule;
  const run = typeof schedule === 'object' ? schedule.steps : 1;
  const lastSteps = sim.learnLayer() === last ? sim.info().layerSteps : sim.learnSteps;
  return (sim.info().steps - (lastSteps % run)) * ir.training.batchSize;
}

/** The INFO and SCORES lines of samples up to n (a session's lines before the next one's resume point). */
const upTo = (lines: string[], n: number): string[] => lines.filter((l) => Number(/ i=(\d+)/.exec(l)?.[1] ?? Infinity) <= n);

const compared = (out: string): string[] => out.split('\n').filter((l) => /^(INFO|SCORES|DIGEST) /.test(l));

/** One host build of test_learn per model (the encode test reuses the first one). */
const hostBuilds = new Map<string, Promise<{ exe: string; planned: PlannedModel }>>();
function hostBuild(ir: ModelIR): Promise<{ exe: string; planned: PlannedModel }> {
  let b = hostBuilds.get(ir.name);
  if (!b) {
    const folder = join(work, `${ir.name}-host`);
    const planned = generateFolder(ir, 'host', folder, { store: 'file' });
    b = hostProgram(folder, 'test_learn').then((exe) => ({ exe, planned }));
    hostBuilds.set(ir.name, b);
  }
  return b;
}

async function hostProgram(folder: string, name: string): Promise<string> {
  const sources = ['model', 'runtime'].flatMap((d) => readdirSync(join(folder, d)).filter((f) => f.endsWith('.c')).map((f) => join(folder, d, f)));
  const exe = join(folder, name);
  const r = await execa('gcc', [...MANDATORY_CFLAGS, `-I${join(folder, 'model')}`, `-I${join(folder, 'runtime')}`, program, ...sources, '-o', exe], { reject: false });
  expect(r.stderr).toBe('');
  return exe;
}

describe.each(MODELS)('tf_learn on $name', (ir) => {
  const s = stream(ir, STREAM, 3);
  const probes = stream(ir, 4, 11).samples;

  const writeData = (dir: string): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stream.bin'), Buffer.concat([u32(STREAM), ...s.samples.map((x, i) => Buffer.concat([Buffer.of(s.labels[i]!), Buffer.from(x)]))]));
    writeFileSync(join(dir, 'probe.bin'), Buffer.concat([u32(probes.length), ...probes.map((p) => Buffer.from(p))]));
  };

  it('host: schedule, scores and digest equal the simulator; stop, resume and continue bit-exactly', async () => {
    const { exe, planned } = await hostBuild(ir);
    expect(planned.learnSteps).toBe(learnSteps(ir));
    const expected = expectedLines(ir, s, probes);
    // the schedule moves on inside the stream: layer 0, layer 1, then layer 1 past its plan
    expect(expected.some((l) => l.includes('learn=1 predict=0'))).toBe(true);
    expect(expected.some((l) => l.includes('done=1'))).toBe(true);

    const full = join(work, `${ir.name}-full`);
    writeData(full);
    const r = await execa(exe, ['learn'], { cwd: full, reject: false });
    expect(r.stdout).toContain('TINYFOA-OK');
    expect(compared(r.stdout)).toEqual(expected);
    const shape = /SHAPE .* learn_steps=(\d+) arena_bytes=(\d+) state_bytes=(\d+) store_bytes=(\d+)/.exec(r.stdout)!;
    const ram = (name: string): number => planned.memory.parts.filter((p) => p.name.includes(name)).reduce((t, p) => t + p.bytes, 0);
    expect(Number(shape[1])).toBe(learnSteps(ir));
    expect(Number(shape[2])).toBe(4 * (planned.arenaFloats + planned.bitArenaWords));
    expect(Number(shape[3])).toBe(ram('weight bits') + ram('classifier') + ram(' bias') + ram('absSum'));
    expect(Number(shape[4])).toBe(planned.storeFloats * 4);

    // Three sessions over one store file: the stream continues at info.samples, a lost
    // incomplete batch is fed again, and the result is the uninterrupted run's.
    const split = join(work, `${ir.name}-split`);
    writeData(split);
    const a = await execa(exe, ['learn', 'stop=87'], { cwd: split, reject: false });
    expect(a.stdout).toContain('START resumed=0 samples=0');
    const b = await execa(exe, ['learn', 'stop=171'], { cwd: split, reject: false });
    const resumedAt = resumePoint(ir, s, 87);
    if (typeof ir.training.blockSchedule === 'object') expect(resumedAt).toBeLessThan(87 - 1); // steps were lost
    else expect(resumedAt).toBe(87 - (87 % ir.training.batchSize));
    expect(b.stdout).toContain(`START resumed=1 samples=${resumedAt}`);
    const c = await execa(exe, ['learn'], { cwd: split, reject: false });
    const resumedAt2 = resumePoint(ir, s, 171);
    expect(c.stdout).toContain(`START resumed=1 samples=${resumedAt2}`);
    expect(c.stdout).toContain('TINYFOA-OK');
    expect(compared(c.stdout).at(-1)).toBe(expected.at(-1));
    const joined = [...upTo(compared(a.stdout), resumedAt), ...upTo(compared(b.stdout), resumedAt2), ...compared(c.stdout)];
    expect(joined).toEqual(expected);

    // A planned stop with tf_flush: the store holds every step taken, the next session resumes there.
    const flushed = join(work, `${ir.name}-flush`);
    writeData(flushed);
    const d = await execa(exe, ['learn', 'stop=87', 'flush'], { cwd: flushed, reject: false });
    expect(d.stdout).toContain('TINYFOA-OK');
    const e = await execa(exe, ['learn'], { cwd: flushed, reject: false });
    expect(e.stdout).toContain(`START resumed=1 samples=${87 - (87 % ir.training.batchSize)}`);
    expect(compared(e.stdout).at(-1)).toBe(expected.at(-1));
  });

  // The Adam model is built from src/, the Arduino and PlatformIO form, with GNU C's default
  // contraction (-ffp-contract=fast after the project's flags): the wrappers' pragma must keep
  // it bit-exact.
  const arduino = ir.training.optimizer.kind === 'adam';
  it(`cortex-m4 (QEMU): the same lines${arduino ? ', built from src/ with -std=gnu11 -ffp-contract=fast' : ''}`, async () => {
    const m4 = join(work, `${ir.name}-m4`);
    generateFolder(ir, 'cortex-m4', m4, { store: 'file' });
    const dirs = arduino ? ['src'] : ['model', 'runtime'];
    const sources = dirs.flatMap((d) => readdirSync(join(m4, d)).filter((f) => f.endsWith('.c')).map((f) => join(m4, d, f)));
    const fw = await compileFirmware({
      target: 'cortex-m4',
      sources: [program, ...sources],
      includeDirs: dirs.map((d) => join(m4, d)),
      outDir: join(m4, 'build'),
      ...(arduino ? { extraFlags: ['-std=gnu11', '-Os', '-ffp-contract=fast'] } : {}),
    });
    const run = join(work, `${ir.name}-m4-run`);
    writeData(run);
    const r = await runFirmware({ target: 'cortex-m4', elf: fw.elf, cwd: run, args: ['learn'], timeoutMs: 120_000, logFile: join(run, 'log.txt') });
    expect(r.stdout).toContain('TINYFOA-OK');
    expect(compared(r.stdout)).toEqual(expectedLines(ir, s, probes));
  });
});

describe('training.samplesPerEpoch', () => {
  const source = (training: string): string =>
    `import { defineModel } from 'tinyfoa';\nexport default defineModel({ name: 'm', input: { features: 4, encoding: 'u8' }, classes: 2,\n layers: [{ units: 2 }], training: { slices: 1, optimizer: { kind: 'sgd', learningRate: 0.1 }${training} } });\n`;
  it('defaults to 1000 and sets the planned steps a layer', () => {
    const ir = parseModelSource(join(work, 'spe.ts'), source(', batchSize: 3, epochsPerLayer: 2'));
    expect(ir.training.samplesPerEpoch).toBe(1000);
    expect(learnSteps(ir)).toBe(2 * 333);
  });
  it('must hold at least one batch: file:line:col and what to change', () => {
    let problem = '';
    try {
      parseModelSource(join(work, 'spe.ts'), source(', batchSize: 4, samplesPerEpoch: 3'));
    } catch (e) {
      expect(e).toBeInstanceOf(ModelError);
      problem = String((e as Error).message);
    }
    expect(problem).toMatch(/spe\.ts:3:\d+: training\.samplesPerEpoch 3 is below batchSize 4/);
  });
});

describe('input helpers (§14)', () => {
  const cases: { name: string; lo: number; hi: number; threshold: number; values: number[] }[] = [];
  const rng = new Stream(5, 9);
  const random = Array.from({ length: 600 }, () => Math.fround(((rng.next() >>> 8) / 2 ** 24) * 3 - 1));
  // k = 1: values x.5 are ties (to even), and the clamp edges
  cases.push({ name: 'ties', lo: 0, hi: 255, threshold: 0.5, values: [0, 0.5, 1.5, 2.5, 254.5, 253.5, 255, 256, -0, -1e-45, 1e-45, 127.49999, 127.5, 128.5, -Infinity, Infinity, 3e38, -3e38] });
  cases.push({ name: 'random', lo: -0.25, hi: 1.75, threshold: 0.3, values: random });
  cases.push({ name: 'narrow', lo: 1, hi: Math.fround(1 + 2 ** -23), threshold: 1, values: [1, 1.0000001, 2, 0] });
  cases.push({ name: 'wide', lo: -3e38, hi: 3e38, threshold: -1e-30, values: [0, 1e38, -1e38, 3.4e38, -3.4e38, 1e-30] });
  cases.push({ name: 'bad range', lo: 2, hi: 2, threshold: 0, values: [1, 2, 3] });
  cases.push({ name: 'NaN value', lo: 0, hi: 1, threshold: 0.5, values: [0.2, Number.NaN, 0.4] });
  cases.push({ name: 'NaN threshold', lo: 0, hi: 1, threshold: Number.NaN, values: [0.2] });

  const expected = (c: (typeof cases)[number]): string[] => {
    const line = (tag: string, f: () => Uint8Array): string => {
      try {
        return `${tag} 0 ${[...f()].join(' ')}`;
      } catch {
        return `${tag} 3`;
      }
    };
    return [line('U8', () => inputU8FromF32(c.values, c.lo, c.hi)), line('BITS', () => inputBitsFromF32(c.values, c.threshold))].map((l) => l.trimEnd());
  };

  it('tf_input_u8_from_f32 and tf_input_bits_from_f32 equal their TypeScript twins', async () => {
    const { exe } = await hostBuild(MODELS[0]!);
    for (const c of cases) {
      const dir = join(work, `encode-${c.name.replace(/ /g, '-')}`);
      mkdirSync(dir, { recursive: true });
      const f = (v: number): Buffer => u32(toBits(v));
      writeFileSync(join(dir, 'floats.bin'), Buffer.concat([u32(c.values.length), f(c.lo), f(c.hi), f(c.threshold), ...c.values.map(f)]));
      const r = await execa(exe, ['encode'], { cwd: dir, reject: false });
      expect(r.stdout.split('\n').filter((l) => /^(U8|BITS) /.test(l)).map((l) => l.trimEnd()), c.name).toEqual(expected(c));
    }
    // the helpers really round half to even and clamp
    expect([...inputU8FromF32([0.5, 1.5, 2.5, -7, 300], 0, 255)]).toEqual([0, 2, 2, 0, 255]);
    expect(() => inputU8FromF32([1], 2, 2)).toThrow(/lo < hi/);
  });
});

describe('tf_learn and the §10 driver (simulator)', () => {
  it('with samplesPerEpoch = the training set, learn() over the §10 epochs reaches the driver state', async () => {
    const { trainingSchedule } = await import('../generator/sim/train.ts');
    const base = MODELS[0]!; // batch 2: floor(41 / 2) = 20 batches an epoch, one sample left out
    const ir: ModelIR = { ...base, training: { ...base.training, samplesPerEpoch: 41 } };
    const s = stream(ir, 41, 5);
    const driver = new TinyFoaModel(ir);
    const learner = new TinyFoaModel(ir);
    for (const plan of trainingSchedule(ir, 41, ir.training.epochsPerLayer)) {
      for (const i of plan.order) {
        driver.trainSample(plan.layer, s.samples[i]!, s.labels[i]!);
        learner.learn(s.samples[i]!, s.labels[i]!);
        expect(learner.layers.map((l) => l.steps)).toEqual(driver.layers.map((l) => l.steps));
      }
    }
    expect(learner.info()).toMatchObject({ scheduleDone: true, steps: 2 * learnSteps(ir), predictLayer: 1 });
    expect(learner.digests().state).toBe(driver.digests().state);
  });
});
