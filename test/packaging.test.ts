/**
 * The generated folder as a library for a user's own firmware (generator/emit/packaging.ts):
 * the CMake form built with real cmake + ninja for the host and, with the generated toolchain
 * file, for cortex-m4, through examples/sensor-node (its own main.c and CMakeLists), run on the
 * host (it learns above chance; a restore continues bit for bit) and in QEMU (the same digest);
 * library.json against PlatformIO's documented manifest fields; the Arduino and Zephyr layouts;
 * the README's main loop compiles; `make run DATA=<dir>` runs job files on its own.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateFolder } from '../generator/firmware/device.ts';
import { JobBuilder, parseFirmwareOutput, recordBytes, writeJobFiles } from '../generator/firmware/job.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { runFirmware } from '../generator/toolchain/run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = join(root, 'examples', 'sensor-node');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-packaging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sensor = parseModelFile(join(example, 'sensor.ts'));
const gen = join(work, 'tinyfoa');
beforeAll(() => {
  generateFolder(sensor, 'cortex-m4', gen, { store: 'file' });
});

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await execa(cmd, args, { reject: false, all: true, ...(cwd ? { cwd } : {}) });
  expect(r.exitCode, `${cmd} ${args.join(' ')}\n${r.all}`).toBe(0);
  return r.stdout;
}

const report = (out: string): { samples: number; correct: number; digest: string } => {
  const m = /samples=(\d+) predict_layer=\d accuracy=(\d+)\/400 digest=([0-9a-f]{8})/.exec(out);
  expect(m, out).not.toBeNull();
  return { samples: Number(m![1]), correct: Number(m![2]), digest: m![3]! };
};

describe('CMake: examples/sensor-node links tinyfoa::sensor with add_subdirectory', () => {
  let hostDigest = '';

  it('host: builds with cmake + ninja, learns above chance, and a restore continues bit for bit', async () => {
    const build = join(work, 'host');
    await run('cmake', ['-S', example, '-B', build, '-G', 'Ninja', `-DTINYFOA_DIR=${gen}`]);
    await run('ninja', ['-C', build]);
    expect(existsSync(join(build, 'tinyfoa', 'libtinyfoa_sensor.a'))).toBe(true);
    const exe = join(build, 'sensor_node');

    const whole = join(work, 'run-whole');
    mkdirSync(whole);
    const full = report(await run(exe, [], whole));
    expect(full.samples).toBe(1200);
    expect(full.correct).toBeGreaterThan(0.6 * 400); // chance is a quarter
    expect(existsSync(join(whole, 'sensor.store'))).toBe(true);

    const split = join(work, 'run-split');
    mkdirSync(split);
    const first = await run(exe, ['stop-after=500'], split);
    expect(first).toContain('sensor-node: fresh, 0 samples learned');
    expect(report(first).samples).toBe(500);
    const second = await run(exe, [], split);
    expect(second).toContain('sensor-node: restored, 500 samples learned');
    expect(report(second)).toEqual(full);
    // the first 600 samples (both layers trained, the emulator run below is kept short)
    const short = join(work, 'run-600');
    mkdirSync(short);
    hostDigest = report(await run(exe, ['samples=600'], short)).digest;
    expect(hostDigest).not.toBe(full.digest);
  });

  it('cortex-m4: cross-builds with the generated toolchain file and runs in QEMU to the host digest', async () => {
    const build = join(work, 'm4');
    await run('cmake', ['-S', example, '-B', build, '-G', 'Ninja', `-DTINYFOA_DIR=${gen}`, `-DCMAKE_TOOLCHAIN_FILE=${join(gen, 'cmake', 'arm-none-eabi.cmake')}`]);
    await run('ninja', ['-C', build]);
    const elf = join(build, 'sensor_node.elf');
    const header = readFileSync(elf);
    expect(header.readUInt16LE(18)).toBe(40); // e_machine EM_ARM
    const flags = await run('arm-none-eabi-readelf', ['-A', elf]);
    expect(flags).toMatch(/Tag_CPU_name: "7E-M"|Tag_CPU_arch: v7E-M/);
    expect(flags).toContain('Tag_ABI_VFP_args: VFP registers');
    const dir = join(work, 'run-m4');
    mkdirSync(dir);
    const r = await runFirmware({ target: 'cortex-m4', elf, cwd: dir, args: ['samples=600'], timeoutMs: 300_000, logFile: join(dir, 'log.txt') });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(hostDigest).not.toBe('');
    expect(report(r.stdout).digest).toBe(hostDigest);
  });

  it("the generated README's main loop compiles against the library", async () => {
    const readme = readFileSync(join(gen, 'README.md'), 'utf8');
    const code = /```c\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(code).toContain('tf_learn(&TF_MODEL');
    writeFileSync(join(work, 'readme_loop.c'), code);
    await run('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', `-I${join(gen, 'model')}`, `-I${join(gen, 'runtime')}`, '-c', join(work, 'readme_loop.c'), '-o', join(work, 'readme_loop.o')]);
  });
});

/**
 * PlatformIO's library.json fields as its manifest documentation describes them
 * (docs.platformio.org, "library.json"): name, version and description required, with their
 * length limits and the name's slug rule; the types of the optional fields; build's fields.
 */
function platformioProblems(m: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const isStr = (v: unknown): v is string => typeof v === 'string';
  const strOrList = (v: unknown): boolean => isStr(v) || (Array.isArray(v) && v.every(isStr));
  const known = ['$schema', 'name', 'version', 'description', 'keywords', 'homepage', 'repository', 'authors', 'license', 'frameworks', 'platforms', 'headers', 'examples', 'dependencies', 'export', 'scripts', 'build'];
  for (const k of Object.keys(m)) if (!known.includes(k)) problems.push(`unknown field ${k}`);
  if (!isStr(m.name) || m.name.length > 50) problems.push('name: a string of at most 50 characters');
  else if (!/^[a-z0-9]+(-[a-z0-9]+)*$/i.test(m.name)) problems.push('name: letters, digits and single dashes, not at either end');
  if (!isStr(m.version) || m.version.length > 20 || !/^\d+\.\d+\.\d+(-[0-9a-z.-]+)?$/i.test(m.version)) problems.push('version: semantic version, at most 20 characters');
  if (!isStr(m.description) || m.description.length > 255) problems.push('description: a string of at most 255 characters');
  if (m.keywords !== undefined && !(strOrList(m.keywords) && (isStr(m.keywords) ? [m.keywords] : (m.keywords as string[])).every((k) => k.length <= 50)))
    problems.push('keywords: a string or a list of strings');
  for (const k of ['frameworks', 'platforms', 'headers'] as const) if (m[k] !== undefined && !strOrList(m[k])) problems.push(`${k}: a string or a list of strings`);
  if (m.build !== undefined) {
    const b = m.build as Record<string, unknown>;
    const fields = ['flags', 'unflags', 'includeDir', 'srcDir', 'srcFilter', 'extraScript', 'libArchive', 'libLDFMode', 'libCompatMode'];
    for (const k of Object.keys(b)) if (!fields.includes(k)) problems.push(`unknown build field ${k}`);
    for (const k of ['flags', 'unflags', 'srcFilter'] as const) if (b[k] !== undefined && !strOrList(b[k])) problems.push(`build.${k}: a string or a list of strings`);
    for (const k of ['includeDir', 'srcDir', 'extraScript'] as const) if (b[k] !== undefined && !isStr(b[k])) problems.push(`build.${k}: a string`);
    if (b.libArchive !== undefined && typeof b.libArchive !== 'boolean') problems.push('build.libArchive: a boolean');
    if (b.libLDFMode !== undefined && !['off', 'chain', 'deep', 'chain+', 'deep+'].includes(String(b.libLDFMode))) problems.push('build.libLDFMode: off, chain, deep, chain+ or deep+');
    if (b.libCompatMode !== undefined && !['off', 'soft', 'strict'].includes(String(b.libCompatMode))) problems.push('build.libCompatMode: off, soft or strict');
  }
  return problems;
}

describe('PlatformIO, Arduino and Zephyr layouts', () => {
  it('library.json has the documented fields and types; its srcDir and includeDir exist and hold the headers', () => {
    const manifest = JSON.parse(readFileSync(join(gen, 'library.json'), 'utf8')) as Record<string, unknown>;
    expect(platformioProblems(manifest)).toEqual([]);
    // the check rejects what the documentation rules out
    expect(platformioProblems({ ...manifest, name: 'tinyfoa_sensor' })).not.toEqual([]);
    expect(platformioProblems({ ...manifest, version: 'one' })).not.toEqual([]);
    expect(platformioProblems({ ...manifest, build: { srcDir: 1 } })).not.toEqual([]);
    expect(platformioProblems({ ...manifest, buildFlags: [] })).not.toEqual([]);
    const build = manifest.build as { srcDir: string; includeDir: string; flags: string[] };
    expect(build.flags).toContain('-ffp-contract=off');
    for (const h of manifest.headers as string[]) expect(existsSync(join(gen, build.includeDir, h)), h).toBe(true);
    expect(readdirSync(join(gen, build.srcDir)).filter((f) => f.endsWith('.c')).length).toBeGreaterThan(20);
  });

  it('Arduino: library.properties has every field the specification requires, src/ wraps every library source', () => {
    const props = Object.fromEntries(
      readFileSync(join(gen, 'library.properties'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const k of ['name', 'version', 'author', 'maintainer', 'sentence', 'paragraph', 'category', 'architectures']) expect(props[k], k).toBeTruthy();
    expect(Object.keys(props)).toContain('url'); // present; a generated library has no page of its own
    expect(props.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/);
    expect(props.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(['Display', 'Communication', 'Signal Input/Output', 'Sensors', 'Device Control', 'Timing', 'Data Storage', 'Data Processing', 'Other']).toContain(props.category);
    for (const h of String(props.includes).split(',')) expect(existsSync(join(gen, 'src', h.trim()))).toBe(true);
    const wrapped = readdirSync(join(gen, 'src'))
      .filter((f) => f.endsWith('.c'))
      .map((f) => /#include "\.\.\/([^"]+)"/.exec(readFileSync(join(gen, 'src', f), 'utf8'))![1]!);
    const library = ['model', 'runtime'].flatMap((d) => readdirSync(join(gen, d)).filter((f) => f.endsWith('.c')).map((f) => `${d}/${f}`));
    expect(wrapped.sort()).toEqual(library.sort());
    expect(wrapped.some((s) => s.startsWith('driver/') || s.startsWith('target/'))).toBe(false);
  });

  it('Arduino: src/ alone compiles the way Arduino compiles it (gnu11, no contraction flag) with no fused multiply-add', async () => {
    const arduino = ['-std=gnu11', '-Os', '-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16', `-I${join(gen, 'src')}`, '-c'];
    // Fused multiply-add rounds once (§1 forbids it). VMLA/VMLS are chained: the product is
    // rounded before the addition, the same bits as VMUL then VADD, and may stay.
    const fused = /\bv(fma|fms|fnma|fnms)\.f32\b/;
    const dir = join(work, 'arduino');
    mkdirSync(dir);
    const wrappers = readdirSync(join(gen, 'src')).filter((n) => n.endsWith('.c'));
    await run('arm-none-eabi-gcc', [...arduino, ...wrappers.map((f) => join(gen, 'src', f))], dir);
    const objects = readdirSync(dir).map((f) => join(dir, f));
    expect(objects.length).toBe(wrappers.length);
    const asm = await run('arm-none-eabi-objdump', ['-d', ...objects]);
    expect(asm).toMatch(/\bvmul\.f32\b/);
    expect(asm.match(fused)).toBeNull();
    // without any pragma (not the wrapper's, and the runtime's own in tf_internal.h switched off
    // by its test-only define) the same flags do contract: the check above can fail
    await run('arm-none-eabi-gcc', [...arduino, '-DTF_TEST_ALLOW_CONTRACTION', `-I${join(gen, 'runtime')}`, join(gen, 'runtime', 'tf_dense.c'), '-o', join(work, 'dense-raw.o')]);
    expect(await run('arm-none-eabi-objdump', ['-d', join(work, 'dense-raw.o')])).toMatch(fused);
  });

  it('Zephyr: module.yml names the build files, Kconfig defines the symbol CMakeLists.txt tests, every source exists', () => {
    const yml = readFileSync(join(gen, 'zephyr', 'module.yml'), 'utf8');
    expect(yml).toMatch(/^name: tinyfoa_sensor$/m);
    const cmakeDir = /^ {2}cmake: (\S+)$/m.exec(yml)![1]!;
    const kconfig = /^ {2}kconfig: (\S+)$/m.exec(yml)![1]!;
    expect(/^build:$/m.test(yml)).toBe(true);
    const cmake = readFileSync(join(gen, cmakeDir, 'CMakeLists.txt'), 'utf8');
    const symbol = /^config (\w+)$/m.exec(readFileSync(join(gen, kconfig), 'utf8'))![1]!;
    expect(cmake).toContain(`if(CONFIG_${symbol})`);
    expect(cmake).toContain('zephyr_library_named(tinyfoa_sensor)');
    const paths = [...cmake.matchAll(/\$\{ZEPHYR_CURRENT_MODULE_DIR\}\/(\S+)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(25);
    for (const p of paths) expect(existsSync(join(gen, p)), p).toBe(true);
    expect(cmake).toMatch(/zephyr_library_compile_options\(.*-ffp-contract=off/);
  });
});

describe('make run', () => {
  const ir: ModelIR = {
    name: 'mk',
    source: '',
    input: { features: 12, encoding: 'u8' },
    classes: 3,
    layers: buildLayers(12, [8], 2),
    training: { slices: 2, optimizer: { kind: 'sgd', learningRate: 0.05 }, batchSize: 1, epochsPerLayer: 1, seed: 2, blockSchedule: 'cyclic', gradientGate: 'symmetric', inputScale: 'fixed', algorithm: 'tinyfoa' },
  };

  it('says what it needs without DATA, and runs the job files of DATA=<dir> to the simulator digest', async () => {
    const folder = join(work, 'make-host');
    generateFolder(ir, 'host', folder);
    await run('make', ['-s', '-C', folder]);
    const bare = await execa('make', ['-s', '-C', folder, 'run'], { reject: false, all: true });
    expect(bare.exitCode).not.toBe(0);
    expect(bare.all).toContain('make run needs DATA=<dir> holding job.bin, train.bin and test.bin');
    expect(bare.all).toContain('tinyfoa run <model> --target host');

    const n = 30;
    const samples = new Uint8Array(n * 12).map((_, i) => (i * 37) % 256);
    const labels = new Uint8Array(n).map((_, i) => i % 3);
    const split = { count: n, samples, labels };
    const data = join(work, 'make-data');
    mkdirSync(data);
    const order = Array.from({ length: n }, (_, i) => i);
    writeJobFiles(data, { job: new JobBuilder().train(0, n).eval(0).digest().bytes(), train: recordBytes(split, 12, order), test: recordBytes(split, 12, order) });
    const out = await run('make', ['-s', '-C', folder, 'run', `DATA=${data}`]);
    expect(out).toContain('TINYFOA-OK');
    const sim = new TinyFoaModel(ir);
    for (const i of order) sim.trainSample(0, samples.subarray(i * 12, (i + 1) * 12), labels[i]!);
    expect(parseFirmwareOutput(out).digests.at(-1)?.state).toBe(sim.digests().state);
  });
});
