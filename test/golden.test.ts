/**
 * The golden folders of test/golden/ (scripts/golden.ts, docs/runtime.md "Golden folders"):
 * `tinyfoa generate` on each case must write exactly its expected/ (the verbatim runtime copies
 * listed in runtime-files.txt), and each generated folder must work as written: its own Makefile
 * builds it, and where the target runs here (host natively, cortex-m4 in QEMU) `make run` trains
 * a short stream to the simulator's state digest at every checkpoint.
 */
import { execa } from 'execa';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFirmwareOutput, recordBytes, writeJobFiles } from '../generator/firmware/job.ts';
import { checkpoints, simulateStream, streamJob, verificationStream } from '../generator/firmware/verify.ts';
import { parseModelFile } from '../generator/model/parse.ts';
import { compareCase, describeDifferences, generateCase, goldenCases, UPDATE_COMMAND, type GoldenCase } from '../scripts/golden.ts';
import { syntheticDataset } from './synthetic-data.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-golden-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cases = goldenCases();
const folder = (c: GoldenCase): string => join(work, c.name);
const byName = (name: string): GoldenCase => {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`test/golden/${name} is missing`);
  return c;
};

beforeAll(async () => {
  for (const c of cases) await generateCase(c, folder(c));
});

async function make(dir: string, args: string[] = []): Promise<string> {
  const r = await execa('make', ['-s', '-C', dir, ...args], { reject: false, all: true });
  expect(r.exitCode, `make ${args.join(' ')} in ${dir}\n${r.all}`).toBe(0);
  return r.stdout;
}

/**
 * Trains `steps` samples with the generated folder's own `make run DATA=<dir>` and returns the
 * firmware's state digests next to the simulator's at the same checkpoints.
 */
async function trainWithMakeRun(c: GoldenCase, steps: number, every: number): Promise<{ device: string[]; simulator: string[]; stdout: string }> {
  const ir = parseModelFile(c.model);
  const data = syntheticDataset(ir.input.features, ir.classes, 64, 5, { provenance: 'golden test' });
  const stream = verificationStream(ir, data, steps);
  const total = stream.entries.length;
  const marks = checkpoints(total, every);
  const dataDir = join(work, `${c.name}-data`);
  mkdirSync(dataDir);
  const train = recordBytes(stream.train, ir.input.features, stream.entries.map((e) => e.index));
  writeJobFiles(dataDir, { job: streamJob(stream, marks, total).bytes(), train, test: train });
  const stdout = await make(folder(c), ['run', `DATA=${dataDir}`]);
  return {
    device: parseFirmwareOutput(stdout).digests.map((d) => d.state),
    simulator: simulateStream(ir, stream, marks).reports.map((r) => r.state),
    stdout,
  };
}

describe('golden folders', () => {
  it('has the cases that cover the generator paths', () => {
    expect(cases.map((c) => `${c.name}:${c.target}`)).toEqual(['host-sgd-u8:host', 'm3-authors:cortex-m3', 'm4-adam-bits-runs:cortex-m4', 'stm32f405-board:stm32f405']);
  });

  for (const c of cases) {
    it(`${c.name}: tinyfoa generate writes test/golden/${c.name}/expected (else: ${UPDATE_COMMAND})`, async () => {
      const diffs = await compareCase(c, folder(c), join(work, `.scratch-${c.name}`));
      if (diffs.length > 0) expect.fail(describeDifferences(diffs));
    });
  }
});

describe('the golden check', () => {
  it('names the case and file of a changed generated file, and of a copied file that is no longer verbatim', async () => {
    const c = byName('host-sgd-u8');
    const changed = join(work, 'changed');
    cpSync(folder(c), changed, { recursive: true });
    appendFileSync(join(changed, 'Makefile'), '# edited\n');
    appendFileSync(join(changed, 'runtime/tf_sgd.c'), '/* edited */\n');
    const diffs = await compareCase(c, changed, join(work, '.scratch-changed'));
    expect(diffs.map((d) => d.file)).toEqual(['Makefile', 'runtime-files.txt', 'runtime/tf_sgd.c']);
    expect(diffs[0]!.diff).toContain('+++ generated/host-sgd-u8/Makefile');
    expect(diffs[0]!.diff).toContain('+# edited');
    expect(diffs[1]!.diff).toContain('-runtime/tf_sgd.c <- runtime-c/tf_sgd.c');
    expect(diffs[2]!.diff).toContain('--- /dev/null');
    const report = describeDifferences(diffs);
    expect(report).toContain('host-sgd-u8: Makefile');
    expect(report).toContain(UPDATE_COMMAND);
  });
});

describe('golden folders run as generated', () => {
  const trained = [
    { name: 'host-sgd-u8', what: 'gcc; make run trains to the simulator digest at every checkpoint', samples: 30, every: 10 },
    { name: 'm4-adam-bits-runs', what: 'arm-none-eabi-gcc; make run in QEMU trains to the simulator digest', samples: 24, every: 8 },
  ];
  for (const t of trained) {
    it(`${t.name}: make builds it with ${t.what}`, async () => {
      const c = byName(t.name);
      await make(folder(c));
      const r = await trainWithMakeRun(c, t.samples, t.every);
      expect(r.stdout).toContain('TINYFOA-OK');
      expect(r.simulator.length).toBe(3);
      expect(r.device, r.stdout).toEqual(r.simulator);
    });
  }

  it('m3-authors: make builds it with arm-none-eabi-gcc (soft float, NOR store)', async () => {
    const c = byName('m3-authors');
    const out = await make(folder(c));
    expect(out).toMatch(/\.text\s+\d+/);
  });

  it('stm32f405-board: make builds the board firmware (serial-link driver, STM32F4 UART)', async () => {
    const c = byName('stm32f405-board');
    const out = await make(folder(c));
    expect(out).toMatch(/\.text\s+\d+/);
  });
});
