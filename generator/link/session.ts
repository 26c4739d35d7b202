/**
 * The host end of the serial link (docs/link.md): requests with sequence numbers, one response
 * each, retried until answered; and the driver that runs a firmware job (generator/firmware/
 * job.ts, the same job.bin / train.bin / test.bin the semihosting driver reads) over the link.
 * Its transcript uses the semihosting driver's `TF …` lines, so one parser reads both.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckFailedError } from '../errors.ts';
import { Stream } from '../numerics/prng.ts';
import { hex8 } from '../numerics/crc32.ts';
import { ARRAY_IDS, Command, JOB_MAGIC } from '../firmware/job.ts';
import { encodeFrame, ERROR, FrameDecoder, LINK_VERSION, Req, RESPONSE, type Frame, type RequestType } from './frame.ts';

/** A byte pipe to the board: a process's stdio, a socket, a serial port. */
export interface Transport {
  write(bytes: Uint8Array): void;
  /** Receives every chunk of bytes from the board, in order. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Resolves with a description when the other end goes away (process exit, port closed). */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

/**
 * Faults injected at the host's end (tests): each frame sent or received is, with these
 * probabilities, dropped, damaged (one byte flipped) or delivered twice. Seeded: reproducible.
 */
export interface FaultPlan {
  seed: number;
  drop: number;
  corrupt: number;
  duplicate: number;
}

export interface LinkStats {
  requests: number;
  /** Requests sent again after no (intact) response came in time. */
  retries: number;
  /** Frames the host's decoder dropped (damaged or oversized). */
  rejected: number;
  /** Responses that answered an earlier request (a retry's second answer). */
  stale: number;
  /** Faults injected: frames dropped, damaged, duplicated. */
  injected: { drop: number; corrupt: number; duplicate: number };
}

/** The link failed: the board stopped answering, refused a request, or reported an error. */
export class LinkFailure extends CheckFailedError {}

/** What the board says in READY (its boot hello and its answer to HELLO). */
export interface BoardInfo {
  linkVersion: number;
  semantics: number;
  layers: number;
  classes: number;
  features: number;
  maxPayload: number;
  arenaFloats: number;
  bitArenaWords: number;
  steps: number;
  batch: number;
  runtime: string;
}

export function parseReady(p: Uint8Array): BoardInfo {
  if (p.length < 22) throw new LinkFailure(`READY of ${p.length} bytes is too short (docs/link.md)`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    linkVersion: p[0]!,
    semantics: p[1]!,
    layers: p[2]!,
    classes: p[3]!,
    features: dv.getUint16(4, true),
    maxPayload: dv.getUint16(6, true),
    arenaFloats: dv.getUint32(8, true),
    bitArenaWords: dv.getUint32(12, true),
    steps: dv.getUint32(16, true),
    batch: dv.getUint16(20, true),
    runtime: new TextDecoder().decode(p.subarray(22)),
  };
}

/** An ERROR response's fields. */
export interface BoardError {
  code: number;
  request: number;
  index: number;
  message: string;
}

export function parseError(p: Uint8Array): BoardError {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return {
    code: p.length >= 2 ? dv.getUint16(0, true) : -1,
    request: p[2] ?? 0,
    index: p.length >= 7 ? dv.getUint32(3, true) : 0,
    message: new TextDecoder().decode(p.subarray(7)),
  };
}

/** The board answered with ERROR; `error` has its fields. */
export class BoardErrorResponse extends LinkFailure {
  constructor(readonly error: BoardError) {
    super(`the board refused request 0x${error.request.toString(16)} (sample ${error.index}): ${error.code} ${error.message}`);
  }
}

export interface SessionOptions {
  /** First wait for a response; each retry waits twice as long, up to 16 times this. */
  responseTimeoutMs?: number;
  /** Sends of one request before the link is declared dead. */
  attempts?: number;
  /** How long to wait for the board's own hello before sending anything (default 3000 ms). */
  bootWaitMs?: number;
  faults?: FaultPlan;
}

export class LinkSession {
  private seq = 0;
  private readonly decoder: FrameDecoder;
  private readonly inbox: Frame[] = [];
  private wake: (() => void) | null = null;
  private gone: string | null = null;
  private readonly rng: Stream | null;
  private readonly faults: FaultPlan | null;
  readonly stats: LinkStats = { requests: 0, retries: 0, rejected: 0, stale: 0, injected: { drop: 0, corrupt: 0, duplicate: 0 } };
  board: BoardInfo | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly options: SessionOptions = {},
  ) {
    this.faults = options.faults ?? null;
    this.rng = this.faults ? new Stream(this.faults.seed, 0x4c494e4b) : null;
    this.decoder = new FrameDecoder(0xffff, this.faults ? (raw) => this.inject(raw) : undefined);
    transport.onData((bytes) => {
      this.inbox.push(...this.decoder.push(bytes));
      this.stats.rejected = this.decoder.rejected;
      this.wake?.();
    });
    void transport.ended.then((why) => {
      this.gone = why;
      this.wake?.();
    });
  }

  /** A fault for one frame, or none: the frame's bytes as they are delivered. */
  private inject(raw: Uint8Array): Uint8Array[] {
    const f = this.faults!;
    const u = this.rng!.uniform();
    if (u < f.drop) {
      this.stats.injected.drop++;
      return [];
    }
    if (u < f.drop + f.corrupt) {
      this.stats.injected.corrupt++;
      const bad = raw.slice();
      bad[2 + this.rng!.below(bad.length - 2)]! ^= 1 << this.rng!.below(8);
      return [bad];
    }
    if (u < f.drop + f.corrupt + f.duplicate) {
      this.stats.injected.duplicate++;
      return [raw, raw];
    }
    return [raw];
  }

  private send(frame: Frame): void {
    const raw = encodeFrame(frame);
    for (const bytes of this.faults ? this.inject(raw) : [raw]) this.transport.write(bytes);
  }

  /** The next frame from the board, or null after `ms` (or when the link is gone). */
  private async nextFrame(ms: number): Promise<Frame | null> {
    const deadline = Date.now() + ms;
    while (this.inbox.length === 0) {
      if (this.gone !== null) throw new LinkFailure(`the link to the board ended (${this.gone})`);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.inbox.shift()!;
  }

  /**
   * Sends a request and returns its response payload: the same sequence number is sent again
   * until a response carrying it arrives, so the board runs the request exactly once.
   */
  async request(type: RequestType, payload: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    this.seq = (this.seq + 1) & 0xffff;
    if (this.seq === 0) this.seq = 1; // 0 is the board's unsolicited hello
    const seq = this.seq;
    this.stats.requests++;
    const base = this.options.responseTimeoutMs ?? 2000;
    const attempts = this.options.attempts ?? 12;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) this.stats.retries++;
      this.send({ type, seq, payload });
      const deadline = Date.now() + base * Math.min(16, 2 ** attempt);
      for (;;) {
        const frame = await this.nextFrame(deadline - Date.now());
        if (frame === null) break;
        if (frame.seq === 0 && frame.type === ERROR) {
          // The board could not start (its initialisation failed): it says so instead of hello.
          throw new BoardErrorResponse(parseError(frame.payload));
        }
        if (frame.seq !== seq) {
          // An earlier request's second answer, or the boot hello: answer a hello at once.
          this.stats.stale++;
          if (frame.seq === 0 && type === Req.HELLO) break;
          continue;
        }
        if (frame.type === ERROR) throw new BoardErrorResponse(parseError(frame.payload));
        if (frame.type !== (type | RESPONSE)) {
          throw new LinkFailure(`request 0x${type.toString(16)} got a response of type 0x${frame.type.toString(16)} (docs/link.md)`);
        }
        return frame.payload;
      }
    }
    throw new LinkFailure(`the board did not answer request 0x${type.toString(16)} (sequence ${seq}) after ${attempts} sends`);
  }

  /**
   * Starts the session: waits up to `bootWaitMs` for the board's own hello (a board that is
   * still starting may lose or mishandle bytes sent before its UART is ready), then HELLO until
   * answered; checks the protocol version.
   */
  async hello(bootWaitMs = this.options.bootWaitMs ?? 3000): Promise<BoardInfo> {
    const deadline = Date.now() + bootWaitMs;
    for (;;) {
      const frame = await this.nextFrame(deadline - Date.now());
      if (frame === null) break; // no hello: the board was running already (a real board on --port)
      if (frame.seq === 0 && frame.type === ERROR) throw new BoardErrorResponse(parseError(frame.payload));
      if (frame.seq === 0) break;
    }
    const info = parseReady(await this.request(Req.HELLO));
    if (info.linkVersion !== LINK_VERSION) {
      throw new LinkFailure(`the board speaks link version ${info.linkVersion}, this host ${LINK_VERSION}: rebuild the firmware with this tinyfoa`);
    }
    this.decoder.setMaxPayload(info.maxPayload);
    this.board = info;
    return info;
  }
}

const u32 = (...words: number[]): Uint8Array => {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
};

/** The transcript's summary of the link: `TF LINK requests=… retries=… rejected=… stale=…` and injected faults. */
function linkLine(s: LinkStats): string {
  const i = s.injected;
  return `TF LINK requests=${s.requests} retries=${s.retries} rejected=${s.rejected} stale=${s.stale} injected_drop=${i.drop} injected_corrupt=${i.corrupt} injected_duplicate=${i.duplicate}`;
}

const ARRAY_NAMES = Object.fromEntries(Object.entries(ARRAY_IDS).map(([name, id]) => [id, name])) as Record<number, string>;

/** What a job over the link produced: the transcript in the semihosting driver's lines. */
export interface LinkJobResult {
  lines: string[];
  ok: boolean;
  stats: LinkStats;
}

/**
 * Runs a job (JobBuilder bytes) over the link: TRAIN sends its samples from `train` in order,
 * EVAL every record of `test`, DUMP fetches the array into `<workDir>/dump-<l>-<name>.bin`.
 * `onLine` sees every transcript line as it happens.
 */
export async function runLinkJob(
  session: LinkSession,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  options: { workDir: string; onLine?: (line: string) => void },
): Promise<LinkJobResult> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    options.onLine?.(line);
  };
  try {
    const board = await session.hello();
    say(`TF READY runtime=${board.runtime} semantics=${board.semantics} arena_floats=${board.arenaFloats} bit_arena_words=${board.bitArenaWords}`);
    if (board.steps !== 0) {
      throw new LinkFailure(`the board already holds ${board.steps} trained steps: reset it (or power it off and on) and run again`);
    }
    await runJobWords(session, board, files, options.workDir, say);
    say(linkLine(session.stats));
    say('TINYFOA-OK');
    return { lines, ok: true, stats: session.stats };
  } catch (e) {
    if (!(e instanceof LinkFailure)) throw e;
    const code = e instanceof BoardErrorResponse ? e.error.code : 100;
    say(linkLine(session.stats));
    say(`TINYFOA-FAIL ${code} ${e.message}`);
    return { lines, ok: false, stats: session.stats };
  }
}

async function runJobWords(
  session: LinkSession,
  board: BoardInfo,
  files: { job: Uint8Array; train?: Uint8Array; test?: Uint8Array },
  workDir: string,
  say: (line: string) => void,
): Promise<void> {
  const job = files.job;
  const dv = new DataView(job.buffer, job.byteOffset, job.byteLength);
  if (job.length % 4 !== 0 || job.length < 4 || dv.getUint32(0, true) !== JOB_MAGIC) {
    throw new LinkFailure('job.bin: bad magic or a truncated word (expected TFJ1)');
  }
  let at = 4;
  const word = (): number => {
    if (at + 4 > job.length) throw new LinkFailure('job.bin: command without its arguments');
    const w = dv.getUint32(at, true);
    at += 4;
    return w;
  };
  const record = board.features + 1;
  let trainAt = 0;
  let progressEvery = 0;
  while (at < job.length) {
    const cmd = word();
    switch (cmd) {
      case Command.TRAIN: {
        const layer = word();
        const n = word();
        const train = files.train ?? new Uint8Array(0);
        if (train.length < (trainAt + n) * record) throw new LinkFailure('train.bin: fewer records than TRAIN asked for');
        await session.request(Req.TRAIN, new Uint8Array([layer, ...u32(n)]));
        let steps = 0;
        for (let i = 0; i < n; i++) {
          const r = await session.request(Req.SAMPLE, train.subarray((trainAt + i) * record, (trainAt + i + 1) * record));
          steps = new DataView(r.buffer, r.byteOffset).getUint32(4, true);
          if (progressEvery !== 0 && (i + 1) % progressEvery === 0 && i + 1 < n) say(`TF PROGRESS layer=${layer} done=${i + 1}`);
        }
        trainAt += n;
        say(`TF TRAIN layer=${layer} samples=${n} steps=${steps}`);
        break;
      }
      case Command.EVAL: {
        const layer = word();
        const test = files.test ?? new Uint8Array(0);
        const total = Math.floor(test.length / record);
        await session.request(Req.EVAL, new Uint8Array([layer, ...u32(total)]));
        let correct = 0;
        for (let i = 0; i < total; i++) {
          const r = await session.request(Req.SAMPLE, test.subarray(i * record, (i + 1) * record));
          correct = new DataView(r.buffer, r.byteOffset).getUint32(4, true);
        }
        say(`TF EVAL layer=${layer} correct=${correct} total=${total}`);
        break;
      }
      case Command.DIGEST: {
        const r = await session.request(Req.DIGEST);
        const d = new DataView(r.buffer, r.byteOffset, r.byteLength);
        say(`TF DIGEST steps=${d.getUint32(0, true)} ${hex8(d.getUint32(4, true))}`);
        for (let k = 0; k < r[8]!; k++) {
          const o = 9 + 6 * k;
          say(`TF ARRAY layer=${r[o]!} ${ARRAY_NAMES[r[o + 1]!] ?? `array${r[o + 1]!}`} ${hex8(d.getUint32(o + 2, true))}`);
        }
        break;
      }
      case Command.DUMP: {
        const layer = word();
        const array = word();
        const chunks: Uint8Array[] = [];
        let offset = 0;
        for (;;) {
          const r = await session.request(Req.DUMP, new Uint8Array([layer, array, ...u32(offset)]));
          const total = new DataView(r.buffer, r.byteOffset).getUint32(0, true);
          chunks.push(r.slice(4));
          offset += r.length - 4;
          if (offset >= total || r.length === 4) break;
        }
        const name = `dump-${layer}-${ARRAY_NAMES[array] ?? `array${array}`}.bin`;
        writeFileSync(join(workDir, name), Buffer.concat(chunks));
        say(`TF DUMP ${name}`);
        break;
      }
      case Command.CYCLES: {
        const r = await session.request(Req.CYCLES);
        const d = new DataView(r.buffer, r.byteOffset, r.byteLength);
        if (r[0] === 1) {
          const cycles = d.getUint32(1, true) + d.getUint32(5, true) * 2 ** 32;
          say(`TF CYCLES ${cycles} rate=${d.getUint32(9, true)}`);
          say(
            `TF MEMORY stack_high_water=${d.getUint32(13, true)} stack_size=${d.getUint32(17, true)} heap_used=${d.getUint32(21, true)} heap_size=${d.getUint32(25, true)}`,
          );
        } else {
          say('TF CYCLES unavailable');
        }
        break;
      }
      case Command.PROGRESS:
        progressEvery = word();
        break;
      default:
        throw new LinkFailure(`job.bin: unknown command ${cmd}`);
    }
  }
}
