/**
 * The NOR flash store (docs/store.md, "NOR flash store") over the flash simulator: NOR rules
 * enforced by the simulator, training bit-exact with the TypeScript simulator on the host and
 * in QEMU, the simulator's counters equal to the exact replay of generator/memory/nor.ts (and the
 * steady-state wear figures of `tinyfoa memory` equal to a long replay), and power cuts at every
 * flash operation of a run on the host (of its first steps for Adam; a sample on Cortex-M4), each followed by a
 * restart that resumes the last complete commit and ends on the simulator's digest.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmware, type BuiltFirmware } from '../generator/firmware/device.ts';
import { JobBuilder, labelledRecords } from '../generator/firmware/job.ts';
import { buildRuntimeLibrary } from '../generator/firmware/library.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { norWear, parseNorGeometry, planNorLayout, replayNor, type NorCounts, type NorGeometry, type NorLayout } from '../generator/memory/nor.ts';
import { Stream } from '../generator/numerics/prng.ts';
import { flashWear } from '../generator/memory/wear-report.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { plan } from '../generator/plan/plan.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { getTarget } from '../targets/targets.ts';
import { runFirmware, type RunResult } from '../generator/toolchain/run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtimeDir = join(root, 'runtime-c');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-nor-'));
let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.error(`NOR store test files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const CUT_EXIT = 42;
const POWER_CUT = { TF_TEST_POWER_CUT: '1' };
const STEPS_PER_LAYER = 14;
/** Small sectors so that rings hold several slots a unit (small records) and units of several sectors (Adam blocks). */
const GEOMETRY: NorGeometry = { ...parseNorGeometry('512x64')! };
/** Cuts on Cortex-M4 per model (the host is cut at every operation). */
const M4_CUTS = 12;

const sgdModel: ModelIR = {
  name: 'norsgd',
  source: '',
  input: { features: 20, encoding: 'u8' },
  classes: 3,
  layers: buildLayers(20, [12, 8], 2),
  training: { slices: 2, optimizer: { kind: 'sgd', learningRate: 0.1 }, batchSize: 2, epochsPerLayer: 1, seed: 31, blockSchedule: 'cyclic', gradientGate: 'symmetric', inputScale: 'fixed', algorithm: 'tinyfoa' },
};

const adamModel: ModelIR = {
  name: 'noradam',
  source: '',
  input: { features: 24, encoding: 'bits' },
  classes: 4,
  layers: buildLayers(24, [10, 6], 2),
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    batchSize: 1,
    epochsPerLayer: 1,
    seed: 32,
    blockSchedule: 'all',
    gradientGate: 'relu',
    inputScale: 'fixed',
    algorithm: 'tinyfoa',
  },
};

interface Scenario {
  ir: ModelIR;
  T: number;
  files: { job: Uint8Array; train: Uint8Array; test: Uint8Array };
  sim: string[];
  layout: NorLayout;
  recordFloats: number[];
  recordsPerLayer: number;
  replay: NorCounts;
}

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
  const planned = plan(ir, getTarget('host'), { store: 'nor', nor: GEOMETRY });
  const layout = planned.storePlan.nor!.layout;
  const stream = Array.from({ length: L }, () => train).flat();
  return {
    ir,
    T: L * STEPS_PER_LAYER,
    files: { job: job.bytes(), train: labelledRecords(stream), test: labelledRecords(test) },
    sim: digests,
    layout,
    recordFloats: planned.recordFloats,
    recordsPerLayer: planned.recordsPerLayer,
    replay: replayNor(ir, layout, planned.recordsPerLayer, ir.layers.map(() => STEPS_PER_LAYER)),
  };
}

interface Lines {
  resumed: number | null;
  digests: { steps: number; state: string }[];
  nor: { programs: number; bytes: number; erases: number; maxSectorErases: number; violations: number } | null;
}

function parse(stdout: string): Lines {
  const out: Lines = { resumed: null, digests: [], nor: null };
  for (const line of stdout.split(/\r?\n/)) {
    let m: RegExpExecArray | null;
    if ((m = /^TF RESUMED steps=(\d+) samples=\d+$/.exec(line))) out.resumed = Number(m[1]);
    else if ((m = /^TF DIGEST steps=(\d+) ([0-9a-f]{8})$/.exec(line))) out.digests.push({ steps: Number(m[1]), state: m[2]! });
    else if ((m = /^TF NOR programs=(\d+) bytes=(\d+) erases=(\d+) max_sector_erases=(\d+) violations=(\d+)$/.exec(line)))
      out.nor = { programs: Number(m[1]), bytes: Number(m[2]), erases: Number(m[3]), maxSectorErases: Number(m[4]), violations: Number(m[5]) };
  }
  return out;
}

let runs = 0;
function run(fw: BuiltFirmware, dir: string, args: string[] = []): Promise<RunResult> {
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

/** The latest step whose commit entry is complete when operation n is cut (the cut operation is torn); -1: none. */
function lastCommitted(sc: Scenario, n: number): number {
  let t = -1;
  while (t + 1 <= sc.T && sc.replay.commitEndOps[t + 1]! < n) t++;
  return t;
}

/** A run after a cut: resumes `expected` (-1: starts over, null: any step from `atLeast` on), that state first, bit-exact to the end, no NOR violation. */
function expectResumed(sc: Scenario, r: RunResult, expected: number | null, what: string, atLeast = 0): number {
  expect(r.passed, `${what}: ${r.stdout.slice(-400)} (log ${r.logFile})`).toBe(true);
  const lines = parse(r.stdout);
  const resumed = lines.resumed ?? -1;
  if (expected !== null) expect(resumed, what).toBe(expected);
  else expect(resumed, what).toBeGreaterThanOrEqual(atLeast);
  expect(lines.digests[0], `${what}: digest right after the resume`).toEqual({ steps: Math.max(0, resumed), state: sc.sim[Math.max(0, resumed)] });
  for (const d of lines.digests) expect(d.state, `${what}: digest at step ${d.steps}`).toBe(sc.sim[d.steps]);
  expect(lines.digests[lines.digests.length - 1], `${what}: final digest`).toEqual({ steps: sc.T, state: sc.sim[sc.T] });
  expect(lines.nor?.violations, `${what}: NOR rule violations`).toBe(0);
  return resumed;
}

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

const SCENARIOS = [scenario(sgdModel), scenario(adamModel)];
const TARGETS = ['host', 'cortex-m4'] as const;
const firmware = new Map<string, BuiltFirmware>();
const key = (ir: ModelIR, target: string) => `${ir.name}/${target}`;

describe('the NOR flash simulator and the store on the host (test/runtime/test_nor.c)', () => {
  it('NOR rules are enforced: a 0 → 1 program, a second program without an erase and a program across a page fail and are counted', async () => {
    const exe = join(work, 'test_nor');
    const sources = readdirSync(runtimeDir).filter((f) => f.endsWith('.c') && f !== 'tf_main.c').map((f) => join(runtimeDir, f));
    const cc = await execa('gcc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', `-I${runtimeDir}`, join(root, 'test', 'runtime', 'test_nor.c'), ...sources, '-o', exe], { reject: false });
    expect(cc.stderr).toBe('');
    const r = await execa(exe, [], { reject: false });
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL')), r.stdout).toEqual([]);
    expect(r.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
    expect(r.exitCode).toBe(0);
  });
});

describe('the NOR flash store in firmware', () => {
  beforeAll(async () => {
    const libs: Partial<Record<(typeof TARGETS)[number], string>> = {};
    await pool([...TARGETS], 2, async (t) => {
      libs[t] = await buildRuntimeLibrary(t, join(work, 'lib-cut', t), { defines: POWER_CUT });
    });
    await pool(SCENARIOS.flatMap((sc) => TARGETS.map((t) => ({ sc, t }))), 2, async ({ sc, t }) => {
      firmware.set(key(sc.ir, t), await buildFirmware(sc.ir, t, join(work, 'fw', key(sc.ir, t)), { store: 'nor', nor: GEOMETRY, fit: 'emulator', runtimeLibrary: libs[t]!, defines: POWER_CUT }));
    });
  }, 300_000);

  for (const target of TARGETS) {
    it(`${target}: trains bit-exact with the simulator; the flash counters equal the replay of the layout`, async () => {
      for (const sc of SCENARIOS) {
        const dir = freshDir(`full-${target}-${sc.ir.name}`, sc);
        const r = await run(firmware.get(key(sc.ir, target))!, dir);
        expect(r.passed, r.stdout.slice(-400)).toBe(true);
        const lines = parse(r.stdout);
        expect(lines.resumed).toBeNull();
        expect(lines.digests).toEqual(sc.sim.map((state, steps) => ({ steps, state })));
        expect(lines.nor, sc.ir.name).toEqual({
          programs: sc.replay.programs,
          bytes: sc.replay.bytesProgrammed,
          erases: sc.replay.erases,
          maxSectorErases: sc.replay.maxSectorErases,
          violations: 0,
        });
        // Again over the same flash: everything is resumed, nothing is written.
        const again = parse((await run(firmware.get(key(sc.ir, target))!, dir)).stdout);
        expect(again.resumed).toBe(sc.T);
        expect(again.digests).toEqual([{ steps: sc.T, state: sc.sim[sc.T] }]);
        expect(again.nor).toEqual({ programs: 0, bytes: 0, erases: 0, maxSectorErases: 0, violations: 0 });
      }
    }, 120_000);
  }

  it('host: a driver from --store-source (test/runtime/nor_user_driver.c) trains bit-exact; its part holds the region', async () => {
    const sc = SCENARIOS[0]!;
    const fw = await buildFirmware(sc.ir, 'host', join(work, 'fw', 'user-driver'), { store: 'nor', nor: GEOMETRY, extraSources: [join(root, 'test', 'runtime', 'nor_user_driver.c')] });
    expect(fw.planned.storePlan.nor?.sim).toBeNull();
    const dir = freshDir('user-driver', sc);
    const r = await run(fw, dir);
    expect(r.passed, r.stdout.slice(-400)).toBe(true);
    const lines = parse(r.stdout);
    expect(lines.digests).toEqual(sc.sim.map((state, steps) => ({ steps, state })));
    expect(lines.nor, 'no simulator of its own in the firmware').toBeNull();
    expect(statSync(join(dir, 'user.nor')).size).toBe(fw.planned.storePlan.nor!.regionBytes);
    expect(existsSync(join(dir, `${sc.ir.name}.nor`))).toBe(false);
  }, 120_000);

  it('host: a cut at every flash operation (SGD; Adam: tf_init, step 1 and 25 more) resumes the last complete commit and ends bit-exact; some are cut twice', async () => {
    for (const sc of SCENARIOS) {
      const fw = firmware.get(key(sc.ir, 'host'))!;
      const total = sc.replay.programs + sc.replay.erases;
      expect(total).toBe(sc.replay.commitEndOps[sc.T]);
      // SGD: every operation; Adam (1,299 operations): every one of tf_init and the first step, and 25 more at random.
      const every = sc.ir.training.optimizer.kind === 'sgd' ? total : sc.replay.commitEndOps[1]! + 1;
      const pick = new Stream(sc.ir.training.seed, 29);
      const chosen = new Set([...Array(every).keys()].map((i) => i + 1));
      for (let added = 0; added < 25 && every < total; added++) chosen.add(every + 1 + pick.below(total - every));
      const points = [...chosen].sort((a, b) => a - b);
      await pool(points, 2, async (n) => {
        const what = `${sc.ir.name}: cut at operation ${n} of ${total}`;
        const dir = freshDir(`cut-${sc.ir.name}-${n}`, sc);
        const cut = await run(fw, dir, [`nor-cut=${n}`]);
        expect(cut.exitCode, `${what}: ${cut.stdout.slice(-300)}`).toBe(CUT_EXIT);
        for (const d of parse(cut.stdout).digests) expect(d.state, what).toBe(sc.sim[d.steps]);
        expectResumed(sc, await run(fw, dir), lastCommitted(sc, n), what);
      });
      // Cut again while continuing: the restart skips torn slots and re-erases torn units.
      const s = new Stream(sc.ir.training.seed, 17);
      await pool([...Array(6).keys()], 2, async (i) => {
        const first = 1 + s.below(total);
        const second = 1 + s.below(40);
        const what = `${sc.ir.name}: cut at operation ${first}, then at ${second} after the restart`;
        const dir = freshDir(`double-${sc.ir.name}-${i}`, sc);
        expect((await run(fw, dir, [`nor-cut=${first}`])).exitCode, what).toBe(CUT_EXIT);
        const mid = await run(fw, dir, [`nor-cut=${second}`]);
        const t1 = lastCommitted(sc, first);
        if (mid.exitCode === CUT_EXIT) expect(parse(mid.stdout).resumed ?? -1, what).toBe(t1);
        expectResumed(sc, await run(fw, dir), null, what, t1);
      });
    }
  }, 600_000);

  it(`cortex-m4: ${M4_CUTS} cuts per model resume the last complete commit and end bit-exact`, async () => {
    for (const sc of SCENARIOS) {
      const fw = firmware.get(key(sc.ir, 'cortex-m4'))!;
      const total = sc.replay.commitEndOps[sc.T]!;
      const s = new Stream(sc.ir.training.seed, 23);
      const points = new Set<number>([1, sc.replay.commitEndOps[0]!, sc.replay.commitEndOps[0]! + 1, total]);
      while (points.size < M4_CUTS) points.add(1 + s.below(total));
      await pool([...points], 2, async (n) => {
        const what = `cortex-m4 ${sc.ir.name}: cut at operation ${n} of ${total}`;
        const dir = freshDir(`m4-cut-${sc.ir.name}-${n}`, sc);
        expect((await run(fw, dir, [`nor-cut=${n}`])).exitCode, what).toBe(CUT_EXIT);
        expectResumed(sc, await run(fw, dir), lastCommitted(sc, n), what);
      });
    }
  }, 300_000);
});

describe('wear figures (generator/memory/nor.ts)', () => {
  it('the steady-state figures per sample equal a long replay of the layout, for both schedules', () => {
    for (const sc of SCENARIOS) {
      const steps = 40_000;
      const ir = { ...sc.ir, training: { ...sc.ir.training, samplesPerEpoch: steps * sc.ir.training.batchSize, epochsPerLayer: 1 } };
      const layout = planNorLayout(ir, sc.recordFloats, sc.recordsPerLayer, GEOMETRY);
      const wear = norWear(ir, layout, sc.recordFloats, sc.recordsPerLayer);
      const init = replayNor(ir, layout, sc.recordsPerLayer, ir.layers.map(() => 0));
      const long = replayNor(ir, layout, sc.recordsPerLayer, ir.layers.map(() => steps));
      const samples = ir.layers.length * steps * ir.training.batchSize;
      expect((long.bytesProgrammed - init.bytesProgrammed) / samples, sc.ir.name).toBeCloseTo(wear.perSample.bytesProgrammed, 6);
      expect((long.programs - init.programs) / samples, sc.ir.name).toBeCloseTo(wear.perSample.pagePrograms, 6);
      expect(Math.abs((long.erases - init.erases) / samples - wear.perSample.sectorErases) / wear.perSample.sectorErases, sc.ir.name).toBeLessThan(0.01);
      expect(Math.abs(long.maxSectorErases - wear.maxSectorErasesPerRun) / wear.maxSectorErasesPerRun, sc.ir.name).toBeLessThan(0.01);
    }
  });


  it("examples/mnist-mcu.ts: 'all' programs ~602 KB of weights a sample and wears SPI NOR out in weeks; cyclic on the whole part lasts years", async () => {
    const ir = await parseModelFile(join(root, 'examples', 'mnist-mcu.ts'));
    expect(ir.training.blockSchedule).toBe('all');
    const [spi, internal] = flashWear(ir);
    // Layer 0 under 'all': its 256 block records (784·192 weights in all, an 8-byte trailer each), the bias (192 floats) and
    // meta records with theirs, and one commit entry (20 bytes + 4 per record of 2·(256 + 2) records): docs/store.md.
    expect(spi!.wear!.perLayerSample[0]).toBe(784 * 192 * 4 + 256 * 8 + (192 * 4 + 8) + (2 * 4 + 8) + (20 + 4 * 2 * 258));
    expect(spi!.warning).toMatch(/wears this flash out in \d+ days/);
    expect(internal!.wear, 'STM32F4 internal flash: 7 sectors of 128 KiB cannot hold it').toBeNull();
    const cyclic = { ...ir, training: { ...ir.training, blockSchedule: 'cyclic' as const } };
    const [whole] = flashWear(cyclic, parseNorGeometry('spi-nor:4096')!);
    expect(whole!.warning).toBeNull();
    expect(whole!.wear!.secondsToEndurance).toBeGreaterThan(365 * 24 * 3600);
    expect(whole!.wear!.perLayerSample[0]).toBe(49 * 12 * 4 + 8 + (192 * 4 + 8) + (2 * 4 + 8) + (20 + 4 * 2 * 258));
  });

});
