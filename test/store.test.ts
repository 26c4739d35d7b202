/**
 * The weight stores and resuming training (docs/store.md): the file store's API on the host,
 * power cuts at hundreds of byte counts in QEMU (Cortex-M3, M4, M7) and on the host with a
 * restart from the store after each, damaged files, the on-disk format decoded independently,
 * and the RAM and user-supplied stores end to end — always against the simulator, bit for bit.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmware, generateFolder, type BuiltFirmware } from '../generator/firmware/device.ts';
import { JobBuilder, labelledRecords } from '../generator/firmware/job.ts';
import { buildRuntimeLibrary } from '../generator/firmware/library.ts';
import { buildLayers, layerBlocks, type ModelIR } from '../generator/ir/ir.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { crc32 } from '../generator/numerics/crc32.ts';
import { Stream } from '../generator/numerics/prng.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { runFirmware, type RunResult } from '../generator/toolchain/run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtimeDir = join(root, 'runtime-c');
const testDir = join(root, 'test', 'runtime');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-store-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.error(`store test files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const TARGETS = ['host', 'cortex-m3', 'cortex-m4', 'cortex-m7'] as const;
type TargetName = (typeof TARGETS)[number];
const POWER_CUT = { TF_TEST_POWER_CUT: '1' };
const CFLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-Wdouble-promotion', '-ffp-contract=off'];
const CUT_EXIT = 42;
/** Cut points per model and target: most on Cortex-M4, a few dozen on each of the others. */
const CUTS: Record<TargetName, number> = { 'cortex-m4': 76, 'cortex-m3': 14, 'cortex-m7': 14, host: 20 };
/** Runs that are cut a second time while continuing, per model, on these targets. */
const DOUBLE_CUTS: Partial<Record<TargetName, number>> = { host: 4, 'cortex-m4': 3 };

// ------------------------------------------------------------------------------------------
// Models, their training stream and the simulator's digest after every step
// ------------------------------------------------------------------------------------------

const sgdModel: ModelIR = {
  name: 'cutsgd',
  source: '',
  input: { features: 20, encoding: 'u8' },
  classes: 3,
  layers: buildLayers(20, [12, 8], 2),
  training: {
    slices: 2,
    optimizer: { kind: 'sgd', learningRate: 0.1 },
    batchSize: 2,
    epochsPerLayer: 1,
    seed: 21,
    blockSchedule: 'cyclic',
    gradientGate: 'symmetric',
    inputScale: 'fixed',
    algorithm: 'tinyfoa',
  },
};

const adamModel: ModelIR = {
  name: 'cutadam',
  source: '',
  input: { features: 24, encoding: 'bits' },
  classes: 4,
  layers: buildLayers(24, [10, 6], 2),
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 22,
    blockSchedule: 'all',
    gradientGate: 'relu',
    inputScale: 'fixed',
    algorithm: 'tinyfoa',
  },
};

const STEPS_PER_LAYER = 14;

interface Scenario {
  ir: ModelIR;
  /** Update steps in all (every layer trains STEPS_PER_LAYER). */
  T: number;
  files: { job: Uint8Array; train: Uint8Array; test: Uint8Array };
  /** Simulator state digest after t steps, t = 0..T. */
  sim: string[];
  final: TinyFoaModel;
  /** Bytes written to the store file when commit t is complete (t = 0: tf_init), from docs/store.md. */
  commitEnds: number[];
  commitBytes: number;
  recordFloats: number[];
}

/** Class-dependent random samples (the test's own PRNG stream). */
function samples(ir: ModelIR, count: number, seed: number): { x: Uint8Array; label: number }[] {
  const s = new Stream(seed, 9);
  return Array.from({ length: count }, () => {
    const label = s.below(ir.classes);
    const x = new Uint8Array(ir.input.features);
    for (let i = 0; i < x.length; i++) {
      const hot = (i + label) % ir.classes === 0;
      x[i] = ir.input.encoding === 'bits' ? (hot ? (s.below(4) > 0 ? 1 : 0) : s.below(4) === 0 ? 1 : 0) : hot ? 128 + s.below(128) : s.below(160);
    }
    return { x, label };
  });
}


/** Floats of every store record, layer-major: M² blocks, bias, meta (docs/runtime.md). */
function recordFloatsOf(ir: ModelIR): number[] {
  const adam = ir.training.optimizer.kind === 'adam';
  const out: number[] = [];
  for (const l of ir.layers) {
    for (const b of layerBlocks(l)) out.push((adam ? 3 : 1) * b.size + (adam ? 2 : 0));
    out.push((adam ? 3 : 1) * l.units + (adam ? 2 : 0), 2);
  }
  return out;
}

/** Bytes after a record slot's data: seq, the 64-bit sum, the rotate-XOR word (docs/store.md). */
const TRAILER = 16;

/** A slot's check over little-endian uint32 words (docs/store.md): [sum lo, sum hi, mix]. */
function slotCheck(words: Uint8Array): [number, number, number] {
  const view = new DataView(words.buffer, words.byteOffset, words.length);
  let sum = 0n;
  let mix = 0;
  for (let at = 0; at < words.length; at += 4) {
    const w = view.getUint32(at, true);
    sum += BigInt(w);
    mix = (w ^ ((mix << 1) | (mix >>> 31))) >>> 0;
  }
  sum &= (1n << 64n) - 1n;
  return [Number(sum & 0xffffffffn), Number(sum >> 32n), mix];
}

/** The file store's byte schedule, from the format in docs/store.md alone. */
function byteSchedule(ir: ModelIR, T: number): { commitEnds: number[]; commitBytes: number } {
  const floats = recordFloatsOf(ir);
  const m2 = ir.training.slices ** 2;
  const per = m2 + 2;
  const C = 16 + 4 * Math.ceil(floats.length / 32);
  const slot = (l: number, r: number) => 4 * floats[l * per + r]! + TRAILER;
  let pos = 32; // header
  for (let i = 0; i < floats.length; i++) pos += slot(Math.floor(i / per), i % per);
  pos += C;
  const commitEnds = [pos];
  for (let t = 0; t < T; t++) {
    const l = Math.floor(t / STEPS_PER_LAYER);
    const n = t % STEPS_PER_LAYER;
    const blocks = ir.training.blockSchedule === 'all' ? [...Array(m2).keys()] : [n % m2];
    for (const k of blocks) pos += slot(l, k);
    pos += slot(l, m2) + slot(l, m2 + 1) + C;
    commitEnds.push(pos);
  }
  return { commitEnds, commitBytes: C };
}

function scenario(ir: ModelIR): Scenario {
  const B = ir.training.batchSize;
  const L = ir.layers.length;
  const train = samples(ir, STEPS_PER_LAYER * B, ir.training.seed);
  const test = samples(ir, 12, ir.training.seed + 100);
  const job = new JobBuilder().digest();
  const sim = new TinyFoaModel(ir);
  const digests = [sim.digests().state];
  for (let l = 0; l < L; l++) {
    for (let s = 0; s < STEPS_PER_LAYER; s++) {
      job.train(l, B).digest();
      for (const r of train.slice(s * B, (s + 1) * B)) sim.trainSample(l, r.x, r.label);
      digests.push(sim.digests().state);
    }
    job.eval(l);
  }
  const T = L * STEPS_PER_LAYER;
  expect(sim.totalSteps()).toBe(T);
  const stream = Array.from({ length: L }, () => train).flat();
  return {
    ir,
    T,
    files: { job: job.bytes(), train: labelledRecords(stream), test: labelledRecords(test) },
    sim: digests,
    final: sim,
    ...byteSchedule(ir, T),
    recordFloats: recordFloatsOf(ir),
  };
}

/** The latest step whose commit is complete after n bytes; -1: none (not even tf_init's). */
function lastCommitted(sc: Scenario, n: number, from = -1): number {
  const base = from < 0 ? 0 : sc.commitEnds[from]!;
  let t = from;
  while (t + 1 <= sc.T && sc.commitEnds[t + 1]! - base <= n) t++;
  return t;
}

// ------------------------------------------------------------------------------------------
// Running firmware
// ------------------------------------------------------------------------------------------

interface Lines {
  resumed: { steps: number; samples: number } | null;
  digests: { steps: number; state: string }[];
  store: number | null;
  user: string[];
}

function parse(stdout: string): Lines {
  const out: Lines = { resumed: null, digests: [], store: null, user: [] };
  for (const line of stdout.split(/\r?\n/)) {
    let m: RegExpExecArray | null;
    if ((m = /^TF RESUMED steps=(\d+) samples=(\d+)$/.exec(line))) out.resumed = { steps: Number(m[1]), samples: Number(m[2]) };
    else if ((m = /^TF DIGEST steps=(\d+) ([0-9a-f]{8})$/.exec(line))) out.digests.push({ steps: Number(m[1]), state: m[2]! });
    else if ((m = /^TF STORE file=\S+ written=(\d+)$/.exec(line))) out.store = Number(m[1]);
    else if (line.startsWith('USER ')) out.user.push(line);
  }
  return out;
}

let runs = 0;
async function run(fw: BuiltFirmware, dir: string, args: string[] = []): Promise<RunResult> {
  runs++;
  return runFirmware({ target: fw.target, elf: fw.compile.elf, cwd: dir, args, timeoutMs: 60_000, logFile: join(dir, `run-${runs}.log`) });
}

function freshDir(name: string, sc: Scenario): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.bin'), sc.files.job);
  writeFileSync(join(dir, 'train.bin'), sc.files.train);
  writeFileSync(join(dir, 'test.bin'), sc.files.test);
  return dir;
}

/** Every DIGEST line equals the simulator at its step count; the last one is the final state. */
function expectDigests(sc: Scenario, lines: Lines, what: string): void {
  for (const d of lines.digests) expect(d.state, `${what}: digest at step ${d.steps}`).toBe(sc.sim[d.steps]);
  expect(lines.digests[lines.digests.length - 1], `${what}: final digest`).toEqual({ steps: sc.T, state: sc.sim[sc.T] });
}

/** A run after a cut: it resumes `expected` (-1: starts over), prints that state first, and ends bit-exact. */
function expectResumed(sc: Scenario, r: RunResult, expected: number, what: string): void {
  expect(r.passed, `${what}: ${r.stdout.slice(-400)} (log ${r.logFile})`).toBe(true);
  const lines = parse(r.stdout);
  if (expected < 0) {
    expect(lines.resumed, what).toBeNull();
    expect(lines.digests[0], what).toEqual({ steps: 0, state: sc.sim[0] });
  } else {
    expect(lines.resumed, what).toEqual({ steps: expected, samples: expected * sc.ir.training.batchSize });
    expect(lines.digests[0], `${what}: digest right after the resume`).toEqual({ steps: expected, state: sc.sim[expected] });
  }
  expectDigests(sc, lines, what);
}

/** Runs fn over items, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/**
 * Cut points spread over every byte the store writes: in the header, in tf_init's records and
 * its commit record, then for steps spread over the run: inside the step's records, inside its
 * commit record, exactly at its end and one byte after it.
 */
function cutPoints(sc: Scenario, count: number, seed: number): number[] {
  const s = new Stream(seed, 5);
  const C = sc.commitBytes;
  const e = sc.commitEnds;
  const total = e[sc.T]!;
  const points = new Set<number>([1, 31, 32, 33, e[0]! - C - 1, e[0]! - 1, e[0]!, total]);
  const kinds = ['records', 'commit', 'end', 'after'] as const;
  for (let i = 0; points.size < count; i++) {
    const t = 1 + s.below(sc.T);
    const start = e[t - 1]!;
    const commitStart = e[t]! - C;
    const kind = kinds[i % kinds.length]!;
    const n =
      kind === 'records'
        ? start + 1 + s.below(commitStart - start)
        : kind === 'commit'
          ? commitStart + 1 + s.below(C - 1)
          : kind === 'end'
            ? e[t]!
            : Math.min(total, e[t]! + 1);
    points.add(n);
  }
  return [...points].sort((a, b) => a - b);
}

// ------------------------------------------------------------------------------------------

const SCENARIOS = [scenario(sgdModel), scenario(adamModel)];
const powerCutLibs: Partial<Record<TargetName, string>> = {};
const firmware = new Map<string, BuiltFirmware>();
const key = (ir: ModelIR, target: string) => `${ir.name}/${target}`;

describe('the file store API on the host (test/runtime/test_store.c)', () => {
  it('fixtures adam and sgd: error paths change nothing; transactions, reopen, damaged files; the model over the store', async () => {
    const runtimeSources = readdirSync(runtimeDir)
      .filter((f) => f.endsWith('.c') && f !== 'tf_main.c')
      .map((f) => join(runtimeDir, f));
    await Promise.all(
      ['adam', 'sgd'].map(async (fixture) => {
        const exe = join(work, `test_store_${fixture}`);
        const fixtureDir = join(testDir, 'fixtures', fixture);
        const cc = await execa(
          'gcc',
          [...CFLAGS, `-I${runtimeDir}`, `-I${fixtureDir}`, join(testDir, 'test_store.c'), join(fixtureDir, 'tf_model.c'), ...runtimeSources, '-o', exe],
          { reject: false },
        );
        expect(cc.stderr, fixture).toBe('');
        const r = await execa(exe, [mkdtempSync(join(work, `scratch-${fixture}-`))], { reject: false });
        const failures = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
        expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
        expect(r.stdout, fixture).toMatch(/^TESTS passed=\d+ failed=0$/m);
        expect(r.exitCode, fixture).toBe(0);
      }),
    );
  });
});

describe('power cuts during training, restarted from the file store', () => {
  beforeAll(async () => {
    // One runtime library per target with the fault injection compiled in, then the firmware.
    await pool([...TARGETS], 2, async (t) => {
      powerCutLibs[t] = await buildRuntimeLibrary(t, join(work, 'lib-cut', t), { defines: POWER_CUT });
    });
    const builds = SCENARIOS.flatMap((sc) => TARGETS.map((t) => ({ sc, t })));
    await pool(builds, 2, async ({ sc, t }) => {
      const fw = await buildFirmware(sc.ir, t, join(work, 'fw', key(sc.ir, t)), {
        store: 'file',
        fit: 'emulator',
        runtimeLibrary: powerCutLibs[t]!,
        defines: POWER_CUT,
      });
      firmware.set(key(sc.ir, t), fw);
    });
  });

  it('the byte schedule of docs/store.md is what the firmware writes; the file holds the simulator state', async () => {
    for (const sc of SCENARIOS) {
      const fw = firmware.get(key(sc.ir, 'host'))!;
      const dir = freshDir(`full-${sc.ir.name}`, sc);
      const r = await run(fw, dir);
      expect(r.passed, r.stdout.slice(-300)).toBe(true);
      const lines = parse(r.stdout);
      expect(lines.resumed).toBeNull();
      expect(lines.store).toBe(sc.commitEnds[sc.T]);
      expectDigests(sc, lines, 'uncut run');
      expect(lines.digests).toHaveLength(sc.T + 1);
      expectFileHoldsSimulator(sc, new Uint8Array(readFileSync(join(dir, `${sc.ir.name}.store`))));
      // the same run again: everything is resumed and skipped; the final state is printed again
      const again = await run(fw, dir);
      expect(again.passed).toBe(true);
      const l2 = parse(again.stdout);
      expect(l2.resumed).toEqual({ steps: sc.T, samples: sc.T * sc.ir.training.batchSize });
      expect(l2.store).toBe(0);
      expect(l2.digests).toEqual([{ steps: sc.T, state: sc.sim[sc.T] }]); // the DIGEST right after the last step
      expect(again.stdout).toMatch(/^TF EVAL layer=1 /m);
    }
  });

  for (const target of TARGETS) {
    it(
      `${target}: ${CUTS[target]} cut points per model (SGD, Adam); each restart resumes the last complete commit and ends bit-exact`,
      async () => {
        let checked = 0;
        for (const sc of SCENARIOS) {
          const fw = firmware.get(key(sc.ir, target))!;
          const points = cutPoints(sc, CUTS[target], TARGETS.indexOf(target) * 31 + sc.ir.training.seed);
          expect(points.length).toBeGreaterThanOrEqual(CUTS[target]);
          await pool(points, 2, async (n) => {
            const what = `${target} ${sc.ir.name} cut after ${n} of ${sc.commitEnds[sc.T]} bytes`;
            const dir = freshDir(`cut-${target}-${sc.ir.name}-${n}`, sc);
            const cut = await run(fw, dir, [`power-cut=${n}`]);
            expect(cut.exitCode, `${what}: ${cut.stdout.slice(-300)}`).toBe(CUT_EXIT);
            expect(cut.sentinel, what).toBeNull();
            expect(readFileSync(join(dir, `${sc.ir.name}.store`)).length, what).toBeLessThanOrEqual(fileBytes(sc));
            for (const d of parse(cut.stdout).digests) expect(d.state, what).toBe(sc.sim[d.steps]);
            expectResumed(sc, await run(fw, dir), lastCommitted(sc, n), what);
            checked++;
          });
          // Cut again while continuing after a resume.
          const doubles = DOUBLE_CUTS[target] ?? 0;
          const s = new Stream(sc.ir.training.seed, 17);
          await pool([...Array(doubles).keys()], 2, async (i) => {
            const first = sc.commitEnds[0]! + s.below(sc.commitEnds[sc.T]! - sc.commitEnds[0]!);
            const t1 = lastCommitted(sc, first);
            const second = 1 + s.below(sc.commitEnds[sc.T]! - sc.commitEnds[t1]!);
            const what = `${target} ${sc.ir.name} cut after ${first}, then after ${second} more bytes`;
            const dir = freshDir(`double-${target}-${sc.ir.name}-${i}`, sc);
            expect((await run(fw, dir, [`power-cut=${first}`])).exitCode, what).toBe(CUT_EXIT);
            const mid = await run(fw, dir, [`power-cut=${second}`]);
            expect(mid.exitCode, `${what}: ${mid.stdout.slice(-300)}`).toBe(CUT_EXIT);
            expect(parse(mid.stdout).resumed?.steps, what).toBe(t1);
            expectResumed(sc, await run(fw, dir), lastCommitted(sc, second, t1), what);
          });
          // An uncut run: the file this target's slot check wrote decodes as docs/store.md says.
          const full = freshDir(`full-${target}-${sc.ir.name}`, sc);
          const r = await run(fw, full);
          expect(r.passed, `${target} ${sc.ir.name}: ${r.stdout.slice(-300)}`).toBe(true);
          expectFileHoldsSimulator(sc, new Uint8Array(readFileSync(join(full, `${sc.ir.name}.store`))));
        }
        expect(checked).toBe(SCENARIOS.length * CUTS[target]);
      },
      300_000,
    );
  }

  it('cuts cover the header, tf_init, records and commit records of steps, commit ends, and every layer', () => {
    for (const sc of SCENARIOS) {
      const points = TARGETS.flatMap((t) => cutPoints(sc, CUTS[t], TARGETS.indexOf(t) * 31 + sc.ir.training.seed));
      const e = sc.commitEnds;
      const C = sc.commitBytes;
      const stepOf = (n: number) => e.findIndex((end) => n <= end);
      const kinds = { header: 0, init: 0, records: 0, commit: 0, end: 0, after: 0 };
      for (const n of points) {
        const t = stepOf(n);
        if (n < 32) kinds.header++;
        else if (t === 0) kinds.init++;
        else if (n === e[t]) kinds.end++;
        else if (n > e[t]! - C) kinds.commit++;
        else if (n === e[t - 1]! + 1) kinds.after++;
        else kinds.records++;
      }
      for (const [kind, count] of Object.entries(kinds)) expect(count, `${sc.ir.name}: ${kind}`).toBeGreaterThan(0);
      const steps = new Set(points.map(stepOf));
      expect(steps.size).toBeGreaterThan(sc.T * 0.8); // cuts during (almost) every step of every layer
      expect(points.length).toBeGreaterThanOrEqual(100);
    }
    const all = TARGETS.reduce((sum, t) => sum + CUTS[t] * SCENARIOS.length, 0);
    const arm = TARGETS.filter((t) => t !== 'host').reduce((sum, t) => sum + CUTS[t] * SCENARIOS.length, 0);
    expect(arm).toBeGreaterThanOrEqual(200);
    expect(all).toBeGreaterThanOrEqual(240);
  });

  it.each(['host', 'cortex-m4'] as const)('%s: a bit-flipped commit record is skipped; a damaged record or header stops the firmware', async (target) => {
    for (const sc of SCENARIOS) {
      const fw = firmware.get(key(sc.ir, target))!;
      const t = Math.floor(sc.T / 2);
      // Cut exactly after commit t: commit t is the newest, commit t - 1 still intact.
      const base = freshDir(`flip-${target}-${sc.ir.name}`, sc);
      expect((await run(fw, base, [`power-cut=${sc.commitEnds[t]}`])).exitCode).toBe(CUT_EXIT);
      const file = new Uint8Array(readFileSync(join(base, `${sc.ir.name}.store`)));
      const layout = decodeLayout(sc);
      const damaged = async (name: string, mutate: (bytes: Uint8Array) => void): Promise<RunResult> => {
        const dir = freshDir(`flip-${target}-${sc.ir.name}-${name}`, sc);
        const bytes = file.slice();
        mutate(bytes);
        writeFileSync(join(dir, `${sc.ir.name}.store`), bytes);
        return run(fw, dir);
      };
      // the newest commit record (sequence number t + 1 lives in commit slot (t + 1) mod 2)
      const newest = 32 + ((t + 1) % 2) * sc.commitBytes;
      for (const offset of [0, 4, 12, sc.commitBytes - 1]) {
        const r = await damaged(`commit${offset}`, (b) => {
          b[newest + offset]! ^= 0x04;
        });
        expectResumed(sc, r, t - 1, `${target} ${sc.ir.name}: commit record flipped at byte ${offset}`);
      }
      // a record slot that commit t uses: its CRC fails, the resume stops with TF_ERR_STORE
      const state = decodeFile(sc, file);
      const victim = layout.slotOffset(3, state.bitmap[3]!) + 2;
      const slot = await damaged('slot', (b) => {
        b[victim]! ^= 0x80;
      });
      expect(slot.exitCode).toBe(1);
      expect(slot.stdout).toMatch(/^TINYFOA-FAIL 6 RESUME 0: TF_ERR_STORE$/m);
      const header = await damaged('header', (b) => {
        b[9]! ^= 0x01;
      });
      expect(header.stdout).toMatch(/^TINYFOA-FAIL 6 RESUME 0: TF_ERR_STORE$/m);
    }
  });
});

// ------------------------------------------------------------------------------------------
// The on-disk format, decoded from docs/store.md alone
// ------------------------------------------------------------------------------------------

function fileBytes(sc: Scenario): number {
  const floats = sc.recordFloats.reduce((a, b) => a + b, 0);
  return 32 + 2 * sc.commitBytes + 2 * (4 * floats + TRAILER * sc.recordFloats.length);
}

function decodeLayout(sc: Scenario) {
  const offsets = [0];
  for (const n of sc.recordFloats) offsets.push(offsets[offsets.length - 1]! + n);
  const data = 32 + 2 * sc.commitBytes;
  return {
    offsets,
    slotOffset: (i: number, slot: number) => data + 2 * (TRAILER * i + 4 * offsets[i]!) + slot * (TRAILER + 4 * sc.recordFloats[i]!),
  };
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const le = (...words: number[]) => {
  const out = new Uint8Array(4 * words.length);
  words.forEach((w, i) => new DataView(out.buffer).setUint32(4 * i, w >>> 0, true));
  return out;
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The newest valid commit and every record it names, CRCs checked. */
function decodeFile(sc: Scenario, file: Uint8Array): { seq: number; bitmap: number[]; records: Uint8Array[] } {
  const R = sc.recordFloats.length;
  const { offsets, slotOffset } = decodeLayout(sc);
  // header
  const layoutCrc = crc32(le(...offsets));
  const head = le(0x31534654, 2, sc.ir.layers.length, sc.ir.training.slices ** 2 + 2, offsets[R]!, layoutCrc, 0);
  expect(file.subarray(0, 28)).toEqual(head);
  expect(u32(file, 28)).toBe(crc32(head));
  // commit records
  let best: { seq: number; bitmap: number[] } | null = null;
  for (const slot of [0, 1]) {
    const at = 32 + slot * sc.commitBytes;
    const body = file.subarray(at, at + sc.commitBytes - 4);
    if (u32(file, at) !== 0x31434654 || u32(file, at + 8) !== R || crc32(body) !== u32(file, at + sc.commitBytes - 4)) continue;
    const seq = u32(file, at + 4);
    if (best === null || seq > best.seq) {
      best = { seq, bitmap: [...Array(R).keys()].map((i) => (u32(file, at + 12 + 4 * (i >> 5)) >>> (i & 31)) & 1) };
    }
  }
  expect(best).not.toBeNull();
  const records = sc.recordFloats.map((n, i) => {
    const at = slotOffset(i, best!.bitmap[i]!);
    const data = file.subarray(at, at + 4 * n);
    const seq = u32(file, at + 4 * n);
    expect(seq).toBeLessThanOrEqual(best!.seq);
    const check = [u32(file, at + 4 * n + 4), u32(file, at + 4 * n + 8), u32(file, at + 4 * n + 12)];
    expect(check, `record ${i} check`).toEqual(slotCheck(cat(data, le(i, seq))));
    return data;
  });
  return { ...best!, records };
}

/** The file's records are the simulator's weights, biases, Adam state and n_l. */
function expectFileHoldsSimulator(sc: Scenario, file: Uint8Array): void {
  expect(file.length).toBe(fileBytes(sc));
  const { seq, records } = decodeFile(sc, file);
  expect(seq).toBe(sc.T + 1);
  const adam = sc.ir.training.optimizer.kind === 'adam';
  const m2 = sc.ir.training.slices ** 2;
  const checks = new Set<number>();
  sc.ir.layers.forEach((layer, l) => {
    const rec = (r: number) => records[l * (m2 + 2) + r]!;
    const sizes = layerBlocks(layer).map((b) => b.size);
    const weights = cat(...sizes.map((n, k) => rec(k).subarray(0, 4 * n)));
    expect(crc32(weights), `layer ${l} weights`).toBe(crc32(sc.final.arrayBytes(l, 'weights')));
    expect(crc32(rec(m2).subarray(0, 4 * layer.units)), `layer ${l} bias`).toBe(crc32(sc.final.arrayBytes(l, 'bias')));
    if (adam) {
      const state = cat(...sizes.map((n, k) => rec(k).subarray(4 * n)), rec(m2).subarray(4 * layer.units));
      expect(crc32(state), `layer ${l} adam`).toBe(crc32(sc.final.arrayBytes(l, 'adam')));
    }
    expect(u32(rec(m2 + 1), 0), `layer ${l} n_l`).toBe(sc.final.layers[l]!.steps);
    checks.add(u32(rec(m2 + 1), 4));
  });
  expect(checks.size).toBe(1); // one model check word
  expect([...checks][0]).not.toBe(0);
}

// ------------------------------------------------------------------------------------------
// The RAM store, a user-supplied store, a store that cannot be opened
// ------------------------------------------------------------------------------------------

describe('every store end to end', () => {
  // The host runs a normal build; Cortex-M4 reuses the power-cut library (the hook is inert
  // without a power-cut argument), which saves building a second library for it.
  const libs: Partial<Record<TargetName, string>> = {};
  beforeAll(async () => {
    libs.host = await buildRuntimeLibrary('host', join(work, 'lib', 'host'));
    libs['cortex-m4'] = powerCutLibs['cortex-m4'] ?? (await buildRuntimeLibrary('cortex-m4', join(work, 'lib', 'cortex-m4')));
  });

  it.each(['host', 'cortex-m4'] as const)('%s: RAM store, user store and file store reach the simulator state', async (target) => {
    const cases = SCENARIOS.flatMap((sc) => (['ram', 'user', 'file'] as const).map((store) => ({ sc, store })));
    await pool(cases, 2, async ({ sc, store }) => {
      const fw = await buildFirmware(sc.ir, target, join(work, 'fw-e2e', `${sc.ir.name}-${target}-${store}`), {
        store,
        fit: 'emulator',
        runtimeLibrary: libs[target]!,
        ...(store === 'user' ? { extraSources: [join(testDir, 'user_store.c')] } : {}),
      });
      const dir = freshDir(`e2e-${target}-${sc.ir.name}-${store}`, sc);
      const r = await run(fw, dir);
      expect(r.passed, `${store}: ${r.stdout.slice(-300)}`).toBe(true);
      const lines = parse(r.stdout);
      expectDigests(sc, lines, `${target} ${store}`);
      expect(lines.resumed).toBeNull();
      if (store === 'user') {
        // one transaction for tf_init (every record of every layer), one per update step
        const per = sc.ir.training.slices ** 2 + 2;
        const stepWrites = sc.ir.training.blockSchedule === 'all' ? per : 3;
        expect(lines.user).toEqual([
          `USER commit layer=255 writes=${per * sc.ir.layers.length}`,
          ...Array.from({ length: sc.T }, (_, t) => `USER commit layer=${Math.floor(t / STEPS_PER_LAYER)} writes=${stepWrites}`),
        ]);
      }
      if (store === 'ram') {
        // RAM does not survive a restart: the second run starts over, and ends the same
        const again = await run(fw, dir);
        expect(parse(again.stdout).resumed).toBeNull();
        expectDigests(sc, parse(again.stdout), `${target} ram again`);
      }
      if (store === 'file') expect(lines.store).toBe(sc.commitEnds[sc.T]);
    });
  });

  it.each(['host', 'cortex-m4'] as const)('%s: a file store that cannot be opened stops with TF_ERR_STORE', async (target) => {
    const sc = SCENARIOS[0]!;
    const fw = await buildFirmware(sc.ir, target, join(work, 'fw-bad', target), {
      store: 'file',
      storeFile: 'no-such-directory/x.store',
      fit: 'emulator',
      runtimeLibrary: libs[target]!,
    });
    const r = await run(fw, freshDir(`bad-${target}`, sc));
    expect(r.exitCode).toBe(1);
    expect(r.stdout.trim().split('\n').pop()).toBe('TINYFOA-FAIL 6 RESUME 0: TF_ERR_STORE');
  });

  it('a user store without its source is refused at build time; the CLI generates each store', async () => {
    const sc = SCENARIOS[0]!;
    await expect(buildFirmware(sc.ir, 'host', join(work, 'fw-nouser'), { store: 'user' })).rejects.toThrow(/--store-source/);
    const model = join(work, 'cli-model.ts');
    writeFileSync(
      model,
      "import { defineModel } from 'tinyfoa';\nexport default defineModel({ name: 'clistore', input: { features: 8, encoding: 'u8' }, classes: 2, layers: [{ units: 4 }], training: { slices: 2, optimizer: { kind: 'sgd', learningRate: 0.1 }, batchSize: 1, epochsPerLayer: 1, seed: 1 } });\n",
    );
    const cli = (...args: string[]) => execa('node', [join(root, 'bin', 'tinyfoa.js'), ...args], { reject: false });
    const out = join(work, 'cli-file');
    const [r, bad] = await Promise.all([
      cli('generate', model, '--target', 'host', '--store', 'file', '-o', out, '--json'),
      cli('generate', model, '--store', 'flash'),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ store: 'file', storeFileBytes: expect.any(Number) });
    expect(readFileSync(join(out, 'model', 'clistore_model.c'), 'utf8')).toContain('.commit = tf_store_file_commit');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--store must be one of ram, file, nor, user/);
    const ir = parseModelFile(model);
    for (const store of ['ram', 'user'] as const) {
      const dir = join(work, `gen-${store}`);
      generateFolder(ir, 'host', dir, { store });
      const c = readFileSync(join(dir, 'model', 'clistore_model.c'), 'utf8');
      const h = readFileSync(join(dir, 'model', 'tf_model.h'), 'utf8');
      expect(c.includes('tf_store_ram_read')).toBe(store === 'ram');
      expect(h.includes('extern const tf_store clistore_user_store;')).toBe(store === 'user');
    }
  });
});
