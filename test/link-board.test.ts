/**
 * Board images over their UART, unchanged, in QEMU's models of the real parts (stm32f405 on
 * netduinoplus2, microbit): `verify` and `run` over the serial link, `run --port` through a
 * pty, and the GDB load path into a halted netduinoplus2 — each bit for bit equal to the
 * simulator. Plus random shapes on both boards with digests at every checkpoint.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../generator/data/types.ts';
import { buildFirmware, runJob, type BuiltFirmware } from '../generator/firmware/device.ts';
import { buildRuntimeLibrary } from '../generator/firmware/library.ts';
import { runOnDevice } from '../generator/firmware/train.ts';
import { checkpoints, simulateStream, streamJob, verificationStream, verify } from '../generator/firmware/verify.ts';
import { parseFirmwareOutput, recordBytes } from '../generator/firmware/job.ts';
import { buildLayers, type ModelIR, type OptimizerIR } from '../generator/ir/ir.ts';
import { flashImages, flashPlan } from '../generator/flash/flash.ts';
import { runGdbLoadedJob } from '../generator/link/gdb.ts';
import { Stream } from '../generator/numerics/prng.ts';
import { simulate } from '../generator/sim/train.ts';
import { syntheticDataset } from './synthetic-data.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-link-board-'));
const BOARDS = ['stm32f405', 'microbit'];

const sgd: OptimizerIR = { kind: 'sgd', learningRate: 0.05 };
const adam: OptimizerIR = { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

function irOf(name: string, features: number, units: number[], classes: number, slices: number, optimizer: OptimizerIR, batch = 1, encoding: 'u8' | 'bits' = 'u8'): ModelIR {
  return {
    name,
    source: '',
    input: { features, encoding },
    classes,
    layers: buildLayers(features, units, slices),
    training: {
      slices,
      optimizer,
      batchSize: batch,
      epochsPerLayer: 1,
      seed: 99,
      blockSchedule: 'cyclic',
      gradientGate: 'symmetric',
      inputScale: 'fixed',
      algorithm: 'tinyfoa',
    },
  };
}

function dataFor(features: number, classes: number, count: number, seed: number, test = 16): Dataset {
  return syntheticDataset(features, classes, count, seed, { test, provenance: 'board link test' });
}

const libraries: Record<string, string> = {};
beforeAll(async () => {
  for (const b of BOARDS) libraries[b] = await buildRuntimeLibrary(b, join(work, 'lib', b));
});
const build = (ir: ModelIR, target: string, dir: string) => buildFirmware(ir, target, dir, { runtimeLibrary: libraries[target]!, fit: 'emulator' });

describe('board images over the UART in QEMU', () => {
  const ir = irOf('boardrun', 48, [20, 12], 4, 2, sgd);
  const data = dataFor(48, 4, 40, 11);

  it('run on stm32f405: per-layer accuracy and digest equal the simulator', async () => {
    const sim = simulate(ir, data, {});
    const r = await runOnDevice(ir, data, { target: 'stm32f405', outDir: join(work, 'run-stm32f405'), fit: 'emulator', timeoutMs: 120_000 });
    expect(r.digest).toBe(sim.digest);
    expect(r.steps).toBe(sim.steps);
    expect(r.perLayer.map((l) => l.correct)).toEqual(sim.perLayer.map((l) => l.correct));
    expect(r.perLayer.length).toBe(2);
  });

  describe('one stm32f405 image, two more ways in', () => {
    // The same image for both: QEMU runs it from -kernel (port) or receives it through GDB.
    const gir = irOf('boardimage', 40, [16, 9], 3, 2, adam);
    const gdata = dataFor(40, 3, 40, 12);
    const stream = verificationStream(gir, gdata, 40);
    const marks = checkpoints(stream.entries.length, 10);
    const job = { job: streamJob(stream, marks, stream.entries.length).bytes(), train: recordBytes(stream.train, gir.input.features, stream.entries.map((e) => e.index)) };
    const expected = simulateStream(gir, stream, marks).reports.map((r) => r.state);
    let fw: BuiltFirmware;
    beforeAll(async () => {
      fw = await build(gir, 'stm32f405', join(work, 'image'));
    });

    it('run --port: the job through a pty to QEMU (-serial pty), the tty set raw, digests equal the simulator', async () => {
      const qemu = spawn('qemu-system-arm', ['-M', 'netduinoplus2', '-nographic', '-monitor', 'none', '-serial', 'pty', '-kernel', fw.compile.elf], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const pty = await new Promise<string>((resolve, reject) => {
          let text = '';
          const look = (b: Buffer) => {
            text += b.toString();
            const m = /char device redirected to (\/dev\/pts\/\d+)/.exec(text);
            if (m) resolve(m[1]!);
          };
          qemu.stdout.on('data', look);
          qemu.stderr.on('data', look);
          qemu.on('exit', () => reject(new Error(`QEMU ended before naming its pty: ${text}`)));
        });
        const run = await runJob(fw, join(work, 'image', 'port'), job, { port: pty, timeoutMs: 120_000 });
        expect(run.run.command).toEqual(['serial-port', pty]);
        expect(run.output.digests.map((d) => d.state)).toEqual(expected);
      } finally {
        qemu.kill('SIGTERM');
      }
    });

    it('the GDB path: loaded into a halted netduinoplus2 through its gdbstub, reset, trains over the UART bit for bit', async () => {
      const run = await runGdbLoadedJob(fw.target, fw.compile.elf, job, {
        timeoutMs: 120_000,
        logFile: join(work, 'image', 'gdb', 'firmware.log'),
        workDir: join(work, 'image'),
      });
      expect(run.passed, run.logFile).toBe(true);
      expect(run.gdbLog).toMatch(/Loading section \.isr_vector/);
      const device = parseFirmwareOutput(run.stdout).digests.map((d) => d.state);
      expect(device).toEqual(expected);
      expect(device.length).toBe(marks.length);
    });

    it('`tinyfoa flash --probe gdb` aimed at the halted netduinoplus2 starts the image, which trains bit for bit', async () => {
      const images = await flashImages(fw.target, fw.compile.elf);
      const run = await runGdbLoadedJob(fw.target, fw.compile.elf, job, {
        timeoutMs: 120_000,
        logFile: join(work, 'image', 'flash-gdb', 'firmware.log'),
        workDir: join(work, 'image'),
        loadCommand: (server) => flashPlan(fw.target, 'gdb', images, { gdbServer: server }).command,
      });
      expect(run.passed, run.logFile).toBe(true);
      expect(parseFirmwareOutput(run.stdout).digests.map((d) => d.state)).toEqual(expected);
    });
  });
});

describe('random shapes on the boards: digests at every checkpoint over the link', () => {
  // Shapes that fit the micro:bit's 16 KiB beside its stacks: latent weights (and Adam's
  // moments) of at most about 3 KB.
  const shapes: { i: number; features: number; units: number[]; classes: number; slices: number; batch: number; optimizer: OptimizerIR; encoding: 'u8' | 'bits' }[] = [];
  const s = new Stream(2024, 5);
  while (shapes.length < 2) {
    const features = 8 + s.below(60);
    const units = Array.from({ length: 1 + s.below(2) }, () => 1 + s.below(33));
    const optimizer = shapes.length === 0 ? sgd : adam;
    const weights = units.reduce((sum, n, l) => sum + n * (l === 0 ? features : units[l - 1]!), 0);
    const shape = { i: shapes.length, features, units, classes: 2 + s.below(8), slices: 1 + s.below(3), batch: 1 + s.below(2), optimizer, encoding: shapes.length === 0 ? ('u8' as const) : ('bits' as const) };
    if (weights * 4 * (optimizer.kind === 'adam' ? 3 : 1) <= 3000) shapes.push(shape);
  }
  for (const shape of shapes) {
    const label = `${shape.features}→${shape.units.join('→')} c${shape.classes} M${shape.slices} B${shape.batch} ${shape.optimizer.kind} ${shape.encoding}`;
    it(`shape ${shape.i}: ${label}`, async () => {
      const ir = irOf(`rnd${shape.i}`, shape.features, shape.units, shape.classes, shape.slices, shape.optimizer, shape.batch, shape.encoding);
      const steps = 24 * shape.batch;
      const r = await verify(ir, dataFor(shape.features, shape.classes, steps + shape.batch, 31 + shape.i), {
        targets: BOARDS,
        steps,
        every: 6,
        outDir: join(work, `rnd${shape.i}`),
        build,
        link: { responseTimeoutMs: 500 },
      });
      for (const t of r.targets) {
        expect(t.mismatch, `${t.target}: ${JSON.stringify(t.mismatch)}`).toBeNull();
        expect(t.matched).toBe(t.checkpoints);
        expect(t.finalDigest).toBe(r.simulatorDigest);
      }
      expect(r.targets.map((t) => t.target)).toEqual(BOARDS);
    });
  }
});
