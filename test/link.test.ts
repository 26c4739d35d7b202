/**
 * The serial link (docs/link.md): the TypeScript framing against itself and against the C
 * board driver, and whole training jobs over the link to the board driver running as a native
 * process on pipes (target host-link), with frames dropped, damaged and duplicated on the way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../generator/data/types.ts';
import { buildFirmware, type BuiltFirmware } from '../generator/firmware/device.ts';
import { buildRuntimeLibrary } from '../generator/firmware/library.ts';
import { verify } from '../generator/firmware/verify.ts';
import { buildLayers, type ModelIR } from '../generator/ir/ir.ts';
import { encodeFrame, FrameDecoder, checkFrame, Req, RESPONSE, ERROR } from '../generator/link/frame.ts';
import { processTransport } from '../generator/link/board.ts';
import { LinkSession, parseReady } from '../generator/link/session.ts';
import { TinyFoaModel } from '../generator/sim/state.ts';
import { syntheticDataset } from './synthetic-data.ts';

const work = mkdtempSync(join(tmpdir(), 'tinyfoa-link-'));

function irOf(name: string, features: number, units: number[], classes: number, slices: number, batch = 1): ModelIR {
  return {
    name,
    source: '',
    input: { features, encoding: 'u8' },
    classes,
    layers: buildLayers(features, units, slices),
    training: {
      slices,
      optimizer: { kind: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      batchSize: batch,
      epochsPerLayer: 1,
      seed: 4242,
      blockSchedule: 'cyclic',
      gradientGate: 'symmetric',
      inputScale: 'fixed',
      algorithm: 'tinyfoa',
    },
  };
}

function dataFor(features: number, classes: number, count: number, seed: number): Dataset {
  return syntheticDataset(features, classes, count, seed, { provenance: 'link test' });
}

/** The `TF LINK` counters of a transcript log. */
function linkCounters(log: string): Record<string, number> {
  const m = /TF LINK (.*)/.exec(log);
  if (!m) throw new Error('no TF LINK line in the log');
  return Object.fromEntries(m[1]!.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
}

describe('framing', () => {
  it('round-trips frames and finds them again after garbage, damage and cut streams', () => {
    const a = encodeFrame({ type: Req.SAMPLE, seq: 513, payload: new Uint8Array([1, 2, 0xa5, 0x5a, 3]) });
    const b = encodeFrame({ type: Req.DIGEST, seq: 65535, payload: new Uint8Array(0) });
    expect(checkFrame(a)).toEqual({ type: Req.SAMPLE, seq: 513, payload: new Uint8Array([1, 2, 0xa5, 0x5a, 3]) });
    const damaged = a.slice();
    damaged[9]! ^= 0x10;
    expect(checkFrame(damaged)).toBeNull();
    const d = new FrameDecoder(64);
    const stream = new Uint8Array([0xa5, 0xa5, 0x00, ...damaged, 0x5a, ...a, 0xa5, ...b]);
    // Fed one byte at a time: a frame split anywhere is still found.
    const got = Array.from(stream).flatMap((x) => d.push(new Uint8Array([x])));
    expect(got.map((f) => [f.type, f.seq])).toEqual([
      [Req.SAMPLE, 513],
      [Req.DIGEST, 65535],
    ]);
    expect(d.rejected).toBeGreaterThanOrEqual(1);
    // A payload longer than the receiver's limit is refused, and the next frame still found.
    const small = new FrameDecoder(4);
    expect(small.push(new Uint8Array([...a, ...b])).map((f) => f.type)).toEqual([Req.DIGEST]);
  });
});

describe('the board driver on pipes (host-link)', () => {
  let fw: BuiltFirmware;
  let runtimeLibrary: string;
  const ir = irOf('linkpipe', 40, [24, 12], 4, 2);

  beforeAll(async () => {
    // host and host-link compile the runtime alike: one library serves both.
    runtimeLibrary = await buildRuntimeLibrary('host', join(work, 'lib'));
    fw = await buildFirmware(ir, 'host-link', join(work, 'pipe'), { fit: 'emulator', runtimeLibrary });
  });

  it('says hello first, skips damaged frames without a word, answers a retry without running it again', async () => {
    const child = spawn(fw.compile.elf, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const t = processTransport(child);
    const d = new FrameDecoder(0xffff);
    const frames: ReturnType<FrameDecoder['push']> = [];
    t.onData((bytes) => frames.push(...d.push(bytes)));
    const until = async (n: number) => {
      for (let k = 0; k < 200 && frames.length < n; k++) await new Promise((r) => setTimeout(r, 10));
      return frames.length;
    };
    expect(await until(1)).toBe(1);
    expect(frames[0]!.seq).toBe(0);
    expect(frames[0]!.type).toBe(Req.HELLO | RESPONSE);
    const hello = parseReady(frames[0]!.payload);
    expect(hello).toMatchObject({ linkVersion: 1, layers: 2, classes: 4, features: 40, steps: 0 });

    // Written by the TypeScript encoder, read by tf_link.c: a damaged frame gets no answer.
    const open = encodeFrame({ type: Req.TRAIN, seq: 1, payload: new Uint8Array([0, 1, 0, 0, 0]) });
    const bad = open.slice();
    bad[8]! ^= 0x04;
    t.write(new Uint8Array([0x00, 0xa5, 0x13, ...bad]));
    await new Promise((r) => setTimeout(r, 100));
    expect(frames.length).toBe(1);
    t.write(open);
    expect(await until(2)).toBe(2);
    expect(frames[1]).toMatchObject({ type: Req.TRAIN | RESPONSE, seq: 1 });

    const sample = encodeFrame({ type: Req.SAMPLE, seq: 2, payload: new Uint8Array(41).fill(7).fill(1, 0, 1) });
    t.write(sample);
    t.write(sample); // the retry of a request whose response was lost
    expect(await until(4)).toBe(4);
    expect(frames[2]).toEqual(frames[3]);
    const ack = new DataView(frames[2]!.payload.buffer, frames[2]!.payload.byteOffset);
    expect(ack.getUint32(0, true)).toBe(1); // one sample trained, once
    expect(ack.getUint32(4, true)).toBe(1); // one update step

    // The TRAIN asked for one sample: a second one is refused, a sequence gap too.
    t.write(encodeFrame({ type: Req.SAMPLE, seq: 3, payload: new Uint8Array(41) }));
    t.write(encodeFrame({ type: Req.DIGEST, seq: 9, payload: new Uint8Array(0) }));
    expect(await until(6)).toBe(6);
    expect(frames[4]).toMatchObject({ type: ERROR, seq: 3 });
    expect(frames[5]).toMatchObject({ type: ERROR, seq: 9 });
    expect(new DataView(frames[5]!.payload.buffer, frames[5]!.payload.byteOffset).getUint16(0, true)).toBe(101);
    await t.close();
  });

  it('a session says HELLO, learns the limits of the board and reads PROGRESS', async () => {
    const child = spawn(fw.compile.elf, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const t = processTransport(child);
    const s = new LinkSession(t, { responseTimeoutMs: 200 });
    const info = await s.hello();
    expect(info.maxPayload).toBeGreaterThanOrEqual(41);
    expect(info).toMatchObject({ features: 40, layers: 2, classes: 4, steps: 0, batch: 1 });
    // Train a few samples, then PREDICT and PROGRESS against the simulator's model.
    const data = dataFor(40, 4, 8, 3);
    const sim = new TinyFoaModel(ir);
    const sample = (k: number) => data.train.samples.subarray(k * 40, (k + 1) * 40);
    await s.request(Req.TRAIN, new Uint8Array([0, 5, 0, 0, 0]));
    for (let k = 0; k < 4; k++) {
      await s.request(Req.SAMPLE, new Uint8Array([data.train.labels[k]!, ...sample(k)]));
      sim.trainSample(0, sample(k), data.train.labels[k]!);
    }
    const p = await s.request(Req.PROGRESS);
    expect(Array.from(p.subarray(0, 10))).toEqual([Req.TRAIN, 0, 4, 0, 0, 0, 5, 0, 0, 0]);
    // A TRAIN still open refuses other commands: the order error, not a silent skip.
    await expect(s.request(Req.PREDICT, new Uint8Array([0, ...sample(5)]))).rejects.toThrow(/still waits for samples/);
    await s.request(Req.SAMPLE, new Uint8Array([data.train.labels[4]!, ...sample(4)]));
    sim.trainSample(0, sample(4), data.train.labels[4]!);
    for (let k = 0; k < 8; k++) {
      const r = await s.request(Req.PREDICT, new Uint8Array([0, ...sample(k)]));
      expect(r[0], `sample ${k}`).toBe(sim.predict(sample(k), 0));
    }
    // A label the model does not have is the runtime's TF_ERR_LABEL, reported with its sample.
    await s.request(Req.TRAIN, new Uint8Array([1, 1, 0, 0, 0]));
    await expect(s.request(Req.SAMPLE, new Uint8Array([9, ...sample(0)]))).rejects.toThrow(/\(sample 0\): 2 TF_ERR_LABEL/);
    await t.close();
  });

  it('verify over a faulty link: every checkpoint equals the simulator, nothing trained twice or skipped', async () => {
    const data = dataFor(40, 4, 80, 5);
    const r = await verify(ir, data, {
      targets: ['host-link'],
      steps: 120,
      every: 10,
      outDir: join(work, 'faulty'),
      build: async () => fw,
      link: { responseTimeoutMs: 30, attempts: 30, faults: { seed: 7, drop: 0.05, corrupt: 0.05, duplicate: 0.05 } },
    });
    const t = r.targets[0]!;
    expect(t.mismatch, JSON.stringify(t.mismatch)).toBeNull();
    expect(t.matched).toBe(t.checkpoints);
    expect(t.finalDigest).toBe(r.simulatorDigest);
    const c = linkCounters(readFileSync(t.log, 'utf8'));
    expect(c.injected_drop!).toBeGreaterThan(0);
    expect(c.injected_corrupt!).toBeGreaterThan(0);
    expect(c.injected_duplicate!).toBeGreaterThan(0);
    expect(c.retries!).toBeGreaterThan(0);
    expect(c.stale!).toBeGreaterThan(0);
  });

  it('verify narrows a mismatch over the link (DUMP in chunks) to the same element as through semihosting files', async () => {
    // Firmware whose Adam learning rate differs from the model's in the last bit of its binary32.
    const skewed: ModelIR = { ...ir, training: { ...ir.training, optimizer: { kind: 'adam', learningRate: 0.01 * (1 + 2 ** -22), beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } } };
    const r = await verify(ir, dataFor(40, 4, 40, 6), {
      targets: ['host', 'host-link'],
      steps: 30,
      every: 10,
      outDir: join(work, 'narrow'),
      build: (_m, target, dir) => buildFirmware(skewed, target, dir, { fit: 'emulator', runtimeLibrary }),
    });
    const [files, link] = r.targets;
    expect(files!.mismatch).not.toBeNull();
    expect(link!.mismatch).toEqual(files!.mismatch);
    expect(link!.mismatch!.expected).not.toBe(link!.mismatch!.actual);
  });
});
