/**
 * The runtime's guards (docs/runtime.md, "Numerics guards", "Descriptor check"): fast-math
 * refused at compile time; contraction turned off from inside the runtime, measured in GNU C
 * mode on the host and on Cortex-M4 (a generated folder built without -ffp-contract=off trains
 * bit for bit as the simulator, and with the guard's pragma left out tf_init refuses);
 * flush-to-zero and rounding modes refused at init (MXCSR on the host, FPSCR on Cortex-M4 in
 * QEMU); the descriptor re-checked by every call; kernels at n = 0 under ASan/UBSan.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { generateFolder } from '../generator/firmware/device.ts';
import { JobBuilder, labelledRecords, writeJobFiles } from '../generator/firmware/job.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { exp32 } from '../generator/numerics/exp32.ts';
import { add, clamp1, div, fromBits, mul, sqrt, sub, toBits } from '../generator/numerics/f32.ts';
import { Status, TinyFoaModel } from '../generator/sim/state.ts';
import { compileFirmware } from '../generator/toolchain/compile.ts';
import { runFirmware } from '../generator/toolchain/run.ts';
import { getTarget } from '../targets/targets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runtimeDir = join(root, 'runtime-c');
const testDir = join(root, 'test', 'runtime');
const fixturesDir = join(testDir, 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-guards-'));
const runtimeSources = readdirSync(runtimeDir)
  .filter((f) => f.endsWith('.c') && f !== 'tf_main.c')
  .sort()
  .map((f) => join(runtimeDir, f));

let failed = false;
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});
afterAll(() => {
  if (failed) console.error(`guard test builds kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const WARN = ['-Wall', '-Wextra', '-Werror', '-Wdouble-promotion'];
const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];
/** GNU C mode as an IDE compiles it: no -std=c99, no -ffp-contract=off (gcc's default there is fast). */
const GNU_HOST = ['-std=gnu11', '-O2', '-march=haswell', ...WARN];

async function gcc(out: string, flags: string[], sources: string[]): Promise<string> {
  const r = await execa('gcc', [...flags, `-I${runtimeDir}`, ...sources, '-o', out], { reject: false });
  expect(r.stderr, `gcc ${out}`).toBe('');
  expect(r.exitCode).toBe(0);
  return out;
}

const guardProgram = (fixture: string): string[] => [
  join(testDir, 'test_guards.c'),
  join(fixturesDir, fixture, 'tf_model.c'),
  ...runtimeSources,
];

async function runGuards(exe: string): Promise<string> {
  const r = await execa(exe, [], { reject: false });
  const failures = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
  expect(failures, failures.slice(0, 20).join('\n') + r.stderr).toEqual([]);
  expect(r.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

const fusedOps = (disassembly: string): number =>
  disassembly.split('\n').filter((l) => /\tv?f(n)?m(add|sub)|\tvfn?m[as]\./.test(l)).length;

describe('compile-time guards', () => {
  it('every runtime source includes tf_internal.h first (the contraction pragma and fast-math check live there)', () => {
    for (const f of readdirSync(runtimeDir).filter((n) => n.endsWith('.c') && n !== 'tf_main.c')) {
      const first = /#include\s+"([^"]+)"/.exec(readFileSync(join(runtimeDir, f), 'utf8'))?.[1];
      expect(first, `${f}: include "tf_internal.h" first`).toBe('tf_internal.h');
    }
  });

  it.each(['-ffast-math', '-ffinite-math-only', '-fassociative-math', '-freciprocal-math', '-fno-signed-zeros', '-funsafe-math-optimizations'])(
    'refuses to compile with %s',
    async (flag) => {
      const extra = flag === '-fassociative-math' ? ['-fno-signed-zeros', '-fno-trapping-math'] : [];
      const r = await execa('gcc', ['-std=c99', '-O2', flag, ...extra, `-I${runtimeDir}`, '-c', join(runtimeDir, 'tf_exp32.c'), '-o', join(work, 'fm.o')], {
        reject: false,
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('tinyfoa: compile the runtime without -ffast-math');
    },
  );
});

describe('status codes', () => {
  it("the simulator's Status list is tinyfoa.h's tf_status, name for name", () => {
    const header = readFileSync(join(runtimeDir, 'tinyfoa.h'), 'utf8');
    const body = /typedef enum \{([^}]*)\} tf_status;/.exec(header)?.[1] ?? '';
    const c = Object.fromEntries([...body.matchAll(/TF_(OK|ERR_(\w+)) = (\d+)/g)].map((m) => [m[2] ?? m[1], Number(m[3])]));
    expect(c).toEqual({ ...Status });
  });
});

describe('numerics guard pins', () => {
  const guard = readFileSync(join(runtimeDir, 'tf_guard.c'), 'utf8');

  it('the exp32 pins are the simulator exp32 of their inputs, inside [-8, -1]', () => {
    const pins = [...guard.matchAll(/\{0x([0-9A-F]{8})u, 0x([0-9A-F]{8})u\}/g)].map((m) => [parseInt(m[1]!, 16), parseInt(m[2]!, 16)] as const);
    expect(pins.length).toBe(6);
    for (const [x, e] of pins) {
      const v = fromBits(x);
      expect(v >= -8 && v <= -1, `${v}`).toBe(true);
      expect(toBits(exp32(v)).toString(16), `exp32(${v})`).toBe(e.toString(16));
    }
  });

  it('the multiply-add, SGD and Adam pins follow from semantics §1 and §8.10', () => {
    const u = fromBits(0x3f800800);
    const constant = (hex: string): void => expect(guard).toContain(hex);
    expect(toBits(add(mul(u, u), -1))).toBe(0x3a000000);
    constant('#define TF_GUARD_2M11 0x3A000000u');
    expect(toBits(sub(1, mul(u, u)))).toBe(0xba000000); // tf_sgd_f32(1, u, u)
    // Adam, one element: β1 = β2 = c1 = c2 = g = u, m = v = -u, lr = ε = d1 = d2 = 1, w = 1
    const m = add(mul(u, -u), mul(u, u));
    const v = add(mul(u, -u), mul(u, mul(u, u)));
    const w = clamp1(sub(1, div(mul(1, div(m, 1)), add(sqrt(div(v, 1)), 1))));
    expect([toBits(w), toBits(m), toBits(v)]).toEqual([0x3f800000, 0x00000000, 0x39801000]);
    constant('!= 0x3F800000u || tf_f32_to_bits(m) != 0x00000000u');
    constant('tf_f32_to_bits(v) != 0x39801000u');
  });
});

/** `PIN trained digest` of the host runs, by fixture, for the emulator runs to compare with. */
const hostDigest = new Map<string, string>();
const trainedDigest = (out: string): string | undefined => /^PIN trained digest ([0-9a-f]{8})$/m.exec(out)?.[1];

describe.each(['adam', 'sgd'])('host guards under ASan and UBSan, fixture %s', (fixture) => {
  it('init refuses under FTZ, DAZ and every other rounding mode (MXCSR); every call re-checks the descriptor; kernels at n = 0', async () => {
    const exe = await gcc(
      join(work, `guards_${fixture}`),
      ['-std=c99', '-O1', '-g', ...WARN, '-ffp-contract=off', ...SANITIZE, `-I${join(fixturesDir, fixture)}`],
      guardProgram(fixture),
    );
    const out = await runGuards(exe);
    hostDigest.set(fixture, trainedDigest(out) ?? 'none');
    expect(out).toMatch(/^GUARD faults=0$/m);
    const modes = out.split('\n').filter((l) => l.startsWith('GUARD mode='));
    expect(modes).toEqual([
      'GUARD mode=00008000 faults=2 init=TF_ERR_NUMERICS', // FTZ
      'GUARD mode=00000040 faults=2 init=TF_ERR_NUMERICS', // DAZ
      'GUARD mode=00006000 faults=5 init=TF_ERR_NUMERICS', // toward zero (the pins change too)
      'GUARD mode=00002000 faults=5 init=TF_ERR_NUMERICS', // down
      'GUARD mode=00004000 faults=5 init=TF_ERR_NUMERICS', // up
    ]);
  });
});

describe('contraction in GNU C mode on the host (gcc -std=gnu11 -march=haswell, no -ffp-contract=off)', () => {
  const objects = async (name: string, flags: string[]): Promise<number> => {
    const dir = mkdtempSync(join(work, `${name}-`));
    const r = await execa('gcc', [...flags, `-I${runtimeDir}`, '-c', ...runtimeSources], { cwd: dir, reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const objs = readdirSync(dir).filter((f) => f.endsWith('.o'));
    expect(objs.length).toBe(runtimeSources.length);
    return fusedOps((await execa('objdump', ['-d', ...objs], { cwd: dir })).stdout);
  };

  it('the runtime turns contraction off itself: no fused instruction, the same digest as the c99 build', async () => {
    expect(await objects('gnu', GNU_HOST)).toBe(0);
    const include = [`-I${join(fixturesDir, 'adam')}`];
    const [gnu, c99] = await Promise.all([
      gcc(join(work, 'guards_gnu'), [...GNU_HOST, ...include], guardProgram('adam')).then(runGuards),
      gcc(join(work, 'guards_c99'), ['-std=c99', '-O2', ...WARN, '-ffp-contract=off', ...include], guardProgram('adam')).then(runGuards),
    ]);
    expect(trainedDigest(gnu)).toBeDefined();
    expect(trainedDigest(gnu)).toBe(trainedDigest(c99));
  });

  it('without the guard pragma the build contracts, and tf_init refuses with TF_ERR_NUMERICS', async () => {
    const flags = [...GNU_HOST, '-DTF_TEST_ALLOW_CONTRACTION'];
    expect(await objects('fused', flags)).toBeGreaterThan(10);
    const exe = await gcc(join(work, 'guards_fused'), [...flags, `-I${join(fixturesDir, 'adam')}`], guardProgram('adam'));
    const out = await runGuards(exe); // this machine's CPU runs the fused instructions
    expect(out).toContain('GUARD faults=1\nGUARD init=TF_ERR_NUMERICS\n');
  });
});

// ------------------------------------------------------------------------------------------
// Cortex-M4 under QEMU.
// ------------------------------------------------------------------------------------------

const IR: ModelIR = {
  name: 'guarded',
  source: '',
  input: { features: 40, encoding: 'u8' },
  classes: 3,
  layers: buildLayers(40, [33, 9], 2),
  training: {
    slices: 2,
    optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    batchSize: 2,
    epochsPerLayer: 1,
    seed: 3,
    blockSchedule: 'cyclic',
    gradientGate: 'symmetric',
    inputScale: 'fixed',
    algorithm: 'tinyfoa',
  },
};

/** Deterministic samples (an LCG of the test's own), class-dependent so training moves the state. */
function samples(count: number, seed: number): { label: number; x: Uint8Array }[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
  return Array.from({ length: count }, () => {
    const label = next() % IR.classes;
    const x = new Uint8Array(IR.input.features);
    for (let i = 0; i < x.length; i++) x[i] = Math.min(255, ((i * 7 + label * 13) % 17) * 15 + (next() % 40));
    return { label, x };
  });
}


describe('a generated folder built in GNU C mode for cortex-m4 (QEMU)', () => {
  const perLayer = 60;
  const train = samples(perLayer * 2, 5);
  const job = new JobBuilder().train(0, perLayer).train(1, perLayer).digest().bytes();
  const sim = new TinyFoaModel(IR);
  train.forEach((s, k) => sim.trainSample(k < perLayer ? 0 : 1, s.x, s.label));
  const expected = `TF DIGEST steps=${sim.totalSteps()} ${sim.digests().state}`;

  const makeAndRun = async (name: string, extraCflags: string[]): Promise<string> => {
    const out = join(work, name);
    generateFolder(IR, 'cortex-m4', out);
    const t = getTarget('cortex-m4');
    const cflags = ['-std=gnu11', '-O2', '-g', ...WARN, ...t.cpuFlags, ...extraCflags].join(' ');
    const make = await execa('make', ['-C', out, `CFLAGS=${cflags}`], { reject: false });
    expect(make.exitCode, make.stderr).toBe(0);
    expect(make.stderr).toBe('');
    const dis = await execa('arm-none-eabi-objdump', ['-d', join(out, 'build', 'firmware.elf')]);
    const fused = fusedOps(dis.stdout);
    writeJobFiles(out, { job, train: labelledRecords(train) });
    const run = await runFirmware({
      target: 'cortex-m4',
      elf: join(out, 'build', 'firmware.elf'),
      cwd: out,
      timeoutMs: 120_000,
      logFile: join(out, 'run.log'),
    });
    return `${run.stdout}\nFUSED ${fused}`;
  };

  it('trains bit for bit as the simulator (the pragma keeps every multiply-add unfused)', async () => {
    const out = await makeAndRun('gnu-m4', []);
    expect(out).toContain('TINYFOA-OK');
    expect(out).toContain(`${expected}\n`);
    expect(out).toContain('FUSED 0');
  });

  it('with the pragma left out it contracts, and the firmware refuses to start: TINYFOA-FAIL 7', async () => {
    const out = await makeAndRun('fused-m4', ['-DTF_TEST_ALLOW_CONTRACTION']);
    expect(Number(/FUSED (\d+)/.exec(out)?.[1])).toBeGreaterThan(10);
    expect(out).toContain('TF NUMERICS faults=1\n');
    expect(out).toContain('TINYFOA-FAIL 7 RESUME 0: TF_ERR_NUMERICS');
    expect(out).not.toContain('TF DIGEST');
  });
});

describe('guards on Cortex-M in QEMU', () => {
  it.each([
    ['cortex-m4', 'GUARD mode=01000000 faults=2 init=TF_ERR_NUMERICS'], // FPSCR.FZ
    ['cortex-m3', 'GUARD no FPU mode register'],
  ])('%s: the numerics guard (flush-to-zero and rounding modes where there is an FPU), the descriptor re-check', async (target, line) => {
    const outDir = mkdtempSync(join(work, `${target}-guards-`));
    cpSync(join(fixturesDir, 'adam'), join(outDir, 'fixture'), { recursive: true });
    const fw = await compileFirmware({
      target,
      sources: [join(testDir, 'test_guards.c'), join(outDir, 'fixture', 'tf_model.c'), ...runtimeSources],
      includeDirs: [runtimeDir, join(outDir, 'fixture')],
      outDir,
      name: 'guards',
    });
    const run = await runFirmware({ target, elf: fw.elf, cwd: outDir, timeoutMs: 120_000, logFile: join(outDir, 'run.log') });
    const failures = run.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failures).toEqual([]);
    expect(run.stdout).toMatch(/^TESTS passed=\d+ failed=0$/m);
    expect(run.stdout).toMatch(/^GUARD faults=0$/m);
    expect(run.stdout).toContain(`${line}\n`);
    if (target === 'cortex-m4') {
      // RMode toward zero, up, down
      expect(run.stdout).toContain('GUARD mode=00c00000 faults=5 init=TF_ERR_NUMERICS');
      expect(run.stdout).toContain('GUARD mode=00400000 faults=5 init=TF_ERR_NUMERICS');
      expect(run.stdout).toContain('GUARD mode=00800000 faults=5 init=TF_ERR_NUMERICS');
    }
    // the digest after training equals the host's (same fixture, same samples)
    expect(trainedDigest(run.stdout)).toBeDefined();
    expect(trainedDigest(run.stdout)).toBe(hostDigest.get('adam'));
  });
});
