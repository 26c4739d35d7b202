/**
 * `tinyfoa export` (docs/runtime.md, "Export"): a model trained by `tinyfoa run` is exported from
 * the device's state fetched over the serial link (host-link, --dump-state) and from a file store
 * (host, --store file); the exported folder is compiled with gcc for the host, with
 * arm-none-eabi-gcc for cortex-m4 (run in QEMU) and through its CMake form, and every score of
 * every test sample equals, bit for bit, the reference simulator's trained on the same samples.
 * Also a bits-input Adam model on cortex-m3, and the refusals: a store of another model or
 * shape, a damaged or cut store, an output folder that is not tinyfoa's.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../generator/data/index.ts';
import { BadInputError } from '../generator/errors.ts';
import { writeOutputFolder } from '../generator/emit/folders.ts';
import { exportModel, planExport } from '../generator/export/export.ts';
import { decodeStoreFile } from '../generator/export/state.ts';
import type { ModelIR } from '../generator/ir/ir.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { getTarget } from '../targets/targets.ts';
import { prepareSplit, trainingSchedule } from '../generator/sim/train.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { compileFirmware } from '../generator/toolchain/compile.ts';
import { runFirmware } from '../generator/toolchain/run.ts';
import { toBits } from '../generator/numerics/f32.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'tinyfoa.js');
const modelFile = join(root, 'test', 'fixtures', 'models', 'exportable.ts');
const driver = join(root, 'test', 'runtime', 'infer_main.c');
const work = mkdtempSync(join(tmpdir(), 'tinyfoa-export-'));
const LIMIT = 150;
const TEST_SAMPLES = 300;

function tinyfoa(...args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: work, env: { NO_COLOR: '1' } });
}

const ir = parseModelFile(modelFile);
const data = loadDataset('mnist', { classes: ir.classes });
const test = prepareSplit(data.test, ir, TEST_SAMPLES);
const f = ir.input.features;

/** The simulator trained as `run` trains the firmware (§10). */
function simulated(model: ModelIR = ir, limit = LIMIT): TinyFoaModel {
  const sim = new TinyFoaModel(model);
  const train = prepareSplit(data.train, model, limit);
  const n = model.input.features;
  for (const plan of trainingSchedule(model, train.count, model.training.epochsPerLayer)) {
    for (const idx of plan.order) sim.trainSample(plan.layer, train.samples.subarray(idx * n, (idx + 1) * n), train.labels[idx]!);
  }
  return sim;
}

/** "S <i> <class> <bits>..." lines of the driver. */
function parseScores(stdout: string): { cls: number; bits: number[] }[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('S '))
    .map((l) => {
      const [, , cls, ...bits] = l.trim().split(' ');
      return { cls: Number(cls), bits: bits.map((b) => parseInt(b, 16)) };
    });
}

/** Compiles the exported folder with the test driver for `target` and runs it on the test samples. */
async function runExported(folder: string, target: string, name: string, model: ModelIR = ir) {
  const sources = [...readdirSync(join(folder, 'model')).filter((n) => n.endsWith('.c')).map((n) => join(folder, 'model', n)), ...readdirSync(join(folder, 'runtime')).filter((n) => n.endsWith('.c')).map((n) => join(folder, 'runtime', n)), driver];
  const out = join(work, `fw-${name}-${target}`);
  const fw = await compileFirmware({ target, sources, includeDirs: [join(folder, 'model'), join(folder, 'runtime')], defines: { TF_EXPORT_HEADER: `"${model.name}_infer.h"` }, outDir: out });
  writeFileSync(join(out, 'samples.bin'), prepareSplit(data.test, model, TEST_SAMPLES).samples.subarray(0, TEST_SAMPLES * f));
  const r = await runFirmware({ target, elf: fw.elf, cwd: out, timeoutMs: 60_000, icount: true, logFile: join(out, 'run.log') });
  expect(r.passed, `${target}: ${r.stdout.slice(-400)}${r.stderr}`).toBe(true);
  return { lines: parseScores(r.stdout), stdout: r.stdout };
}

function expectSimulatorScores(model: TinyFoaModel, layer: number, lines: { cls: number; bits: number[] }[], what: string): void {
  const test = prepareSplit(data.test, model.ir, TEST_SAMPLES);
  expect(lines.length, what).toBe(test.count);
  const classes = new Set<number>();
  for (let i = 0; i < test.count; i++) {
    const x = test.samples.subarray(i * f, (i + 1) * f);
    const expected = Array.from(model.layerScores(x, layer), toBits);
    expect(lines[i]!.bits, `${what}: scores of test sample ${i}`).toEqual(expected);
    expect(lines[i]!.cls, `${what}: class of test sample ${i}`).toBe(model.predict(x, layer));
    classes.add(lines[i]!.cls);
  }
  expect(classes.size, `${what}: the model predicts more than one class`).toBeGreaterThan(1);
}

describe('tinyfoa export', () => {
  const state = join(work, 'run.state'); // host, file store
  const device = join(work, 'board.state'); // host-link, the device's state fetched over the link
  let sim: TinyFoaModel;
  beforeAll(async () => {
    sim = simulated();
    const data = ['-d', 'mnist', '--limit', String(LIMIT), '--limit-test', '60', '--json'];
    // host-link: the board driver built natively and driven over the serial link (docs/link.md),
    // whose DUMP requests fetch the state the device holds (--dump-state)
    const runs = await Promise.all([
      tinyfoa('run', modelFile, ...data, '-t', 'host', '--store', 'file', '-o', join(work, 'run')),
      tinyfoa('run', modelFile, ...data, '-t', 'host-link', '--dump-state', '-o', join(work, 'board')),
    ]);
    for (const r of runs) {
      expect(r.exitCode, r.stderr).toBe(0);
      // the firmware's trained state is the simulator's (§11 digest)
      expect((JSON.parse(r.stdout) as { digest: string }).digest).toBe(sim.digests().state);
    }
  }, 120_000);

  it('exports the device state of a run (fetched over the link); host, cortex-m4 and CMake builds give the simulator scores for every test sample', async () => {
    const out = join(work, 'exported');
    const r = await tinyfoa('export', modelFile, '--from', device, '-o', out, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { predictLayer: number; steps: number[] };
    // samplesPerEpoch 150, batch 2: 75 steps per layer = learn_steps, so the last layer predicts (§13)
    expect(summary.steps).toEqual([75, 75]);
    expect(summary.predictLayer).toBe(sim.predictLayer());
    expect(summary.predictLayer).toBe(1);
    // inference only: no training code, no store, no latent weights in the folder
    const runtime = readdirSync(join(out, 'runtime'));
    for (const absent of ['tf_runtime.c', 'tf_learn.c', 'tf_sgd.c', 'tf_adam.c', 'tf_store_file.c', 'tf_store_ram.c', 'tf_main.c']) expect(runtime).not.toContain(absent);
    const c = readFileSync(join(out, 'model', `${ir.name}_infer.c`), 'utf8');
    expect(c).toMatch(/static const tf_word exportable_infer_l1_bits\[/);
    const [host, m4] = await Promise.all([runExported(out, 'host', 'last'), runExported(out, 'cortex-m4', 'last')]);
    expectSimulatorScores(sim, 1, host.lines, 'host');
    expectSimulatorScores(sim, 1, m4.lines, 'cortex-m4');
    // the folder's CMake form: a user project links tinyfoa::exportable_infer with add_subdirectory
    const user = join(work, 'cmake-user');
    mkdirSync(user, { recursive: true });
    writeFileSync(
      join(user, 'CMakeLists.txt'),
      [
        'cmake_minimum_required(VERSION 3.13)',
        'project(user C)',
        `add_subdirectory(${out} tinyfoa_${ir.name}_infer)`,
        `add_executable(app ${driver} ${join(root, 'targets', 'host', 'cycles.c')})`,
        `target_include_directories(app PRIVATE ${join(root, 'targets', 'common')})`,
        `target_compile_definitions(app PRIVATE [=[TF_EXPORT_HEADER="${ir.name}_infer.h"]=])`,
        `target_link_libraries(app PRIVATE tinyfoa::${ir.name}_infer)`,
        '',
      ].join('\n'),
    );
    const configure = await execa('cmake', ['-S', user, '-B', join(user, 'build'), '-DCMAKE_BUILD_TYPE=Release'], { reject: false });
    expect(configure.exitCode, configure.stderr).toBe(0);
    const make = await execa('cmake', ['--build', join(user, 'build')], { reject: false });
    expect(make.exitCode, make.stderr + make.stdout).toBe(0);
    writeFileSync(join(user, 'samples.bin'), test.samples.subarray(0, test.count * f));
    const app = await execa(join(user, 'build', 'app'), [], { cwd: user, reject: false });
    expect(app.exitCode, app.stdout.slice(-300)).toBe(0);
    expectSimulatorScores(sim, 1, parseScores(app.stdout), 'CMake host build');
    // measured on the core: the prediction's stack (before any stdio) stays small
    const stack = Number(/^STACK (\d+)$/m.exec(m4.stdout)?.[1]);
    expect(stack).toBeGreaterThan(0);
    expect(stack).toBeLessThan(512);
  }, 120_000);

  it('the store file gives the same folder; --layer 0 exports layer 0 alone', async () => {
    const fromStore = join(work, 'exported-store');
    exportModel(ir, join(state, `${ir.name}.store`), fromStore, getTarget('cortex-m4'));
    const code = (dir: string) => readFileSync(join(dir, 'model', `${ir.name}_infer.c`), 'utf8');
    expect(code(fromStore)).toBe(code(join(work, 'exported')));
    const out = join(work, 'exported-l0');
    const r = exportModel(ir, join(state, `${ir.name}.store`), out, getTarget('host'), { layer: 0 });
    expect(r.layer).toBe(0);
    expect(() => exportModel(ir, join(state, `${ir.name}.store`), out, getTarget('host'), { layer: 2 })).toThrow(/--layer 2: model exportable has layers 0\.\.1/);
    expect(readFileSync(join(out, 'model', `${ir.name}_infer.c`), 'utf8')).not.toMatch(/_l1_bits/);
    expectSimulatorScores(sim, 0, (await runExported(out, 'host', 'l0')).lines, 'host layer 0');
  }, 90_000);

  it('bits input, three layers, Adam, odd widths: the simulator-trained state exported and run on cortex-m3 (soft-float, portable kernels)', async () => {
    const bitsIr = parseModelFile(join(root, 'test', 'fixtures', 'models', 'exportable-bits.ts'));
    const trained = simulated(bitsIr, 100);
    expect(trained.predictLayer()).toBe(2);
    const out = join(work, 'exported-bits');
    writeOutputFolder(out, planExport(trained, getTarget('cortex-m3')).files);
    expectSimulatorScores(trained, 2, (await runExported(out, 'cortex-m3', 'bits', bitsIr)).lines, 'cortex-m3 bits');
  }, 90_000);

  it('refuses a store of another model, of another shape, a damaged or cut one, and an output folder that is not tinyfoa\'s', async () => {
    const store = join(state, `${ir.name}.store`);
    const source = readFileSync(modelFile, 'utf8');
    const variant = (name: string, from: string, to: string) => {
      const path = join(work, 'models', `${name}.ts`);
      mkdirSync(join(work, 'models'), { recursive: true });
      writeFileSync(path, source.replace(from, to));
      return parseModelFile(path);
    };
    const refusal = (model: ModelIR, from: string): string => {
      try {
        exportModel(model, from, join(work, 'never'), getTarget('host'));
      } catch (e) {
        expect(e).toBeInstanceOf(BadInputError);
        return (e as Error).message;
      }
      throw new Error(`export of ${from} was not refused`);
    };
    // same layout, other seed: the meta records' model check word differs
    expect(refusal(variant('seed', 'seed: 5', 'seed: 6'), store)).toMatch(/was written by another model than exportable .*model check word is [0-9a-f]{8}, this model's [0-9a-f]{8}/);
    expect(refusal(variant('shape', '{ units: 24 }', '{ units: 20 }'), store)).toMatch(/does not match model exportable: the store has 2 layer\(s\), 6 records per layer and \d+ floats/);
    const bytes = readFileSync(store);
    const header = Buffer.from(bytes);
    header[9]! ^= 1;
    writeFileSync(join(work, 'header.store'), header);
    expect(refusal(ir, join(work, 'header.store'))).toMatch(/the store header is damaged/);
    writeFileSync(join(work, 'cut.store'), bytes.subarray(0, 200));
    expect(refusal(ir, join(work, 'cut.store'))).toMatch(/is cut short: 200 bytes/);
    // a record slot of the newest commit, damaged: its CRC fails
    const records = decodeStoreFile(ir, new Uint8Array(bytes), store);
    const firstRecord = Buffer.from(records[0]!.buffer, records[0]!.byteOffset, records[0]!.length);
    const at = bytes.indexOf(firstRecord);
    const slot = Buffer.from(bytes);
    slot[at + 3]! ^= 0x40;
    writeFileSync(join(work, 'slot.store'), slot);
    expect(refusal(ir, join(work, 'slot.store'))).toMatch(/record 0 \(layer 0, record 0\) is damaged/);
    expect(existsSync(join(work, 'never'))).toBe(false);
    // through the binary: a folder of the user's is refused (exit 2) and left as it was
    const mine = join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const o = await tinyfoa('export', modelFile, '--from', store, '-o', mine);
    expect(o.exitCode).toBe(2);
    expect(o.stderr).toMatch(/refusing to replace/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  }, 60_000);
});
