/**
 * The framing of the serial link (docs/link.md), the host's twin of runtime-c/board/tf_link.c:
 *   A5 5A | type u8 | seq u16 | len u16 | payload | crc u32
 * little-endian, the CRC-32 of docs/semantics.md §11 over type, seq, len and payload.
 */
import { Crc32 } from '../numerics/crc32.ts';

export const SYNC0 = 0xa5;
export const SYNC1 = 0x5a;
const HEADER = 5;
/** Bytes a frame adds to its payload: sync, header, CRC. */
export const FRAME_OVERHEAD = 2 + HEADER + 4;
export const LINK_VERSION = 1;

/** Request types (host to board); a response is `type | RESPONSE`, or ERROR. */
export const Req = {
  HELLO: 0x01,
  TRAIN: 0x02,
  EVAL: 0x03,
  SAMPLE: 0x04,
  PREDICT: 0x05,
  DIGEST: 0x06,
  PROGRESS: 0x07,
  CYCLES: 0x08,
  DUMP: 0x09,
} as const;
export type RequestType = (typeof Req)[keyof typeof Req];
export const RESPONSE = 0x80;
export const ERROR = 0xff;

/** Link error codes in an ERROR response (tf_status values are below 100). */
export const BoardErrorCode = { REQUEST: 100, SEQUENCE: 101, ORDER: 102 } as const;

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

function frameCrc(header: Uint8Array, payload: Uint8Array): number {
  return new Crc32().update(header).update(payload).value();
}

export function encodeFrame(frame: Frame): Uint8Array {
  const n = frame.payload.length;
  if (n > 0xffff) throw new RangeError(`link payload of ${n} bytes exceeds 65535`);
  const out = new Uint8Array(FRAME_OVERHEAD + n);
  const dv = new DataView(out.buffer);
  out[0] = SYNC0;
  out[1] = SYNC1;
  out[2] = frame.type;
  dv.setUint16(3, frame.seq & 0xffff, true);
  dv.setUint16(5, n, true);
  out.set(frame.payload, 2 + HEADER);
  dv.setUint32(2 + HEADER + n, frameCrc(out.subarray(2, 2 + HEADER), frame.payload), true);
  return out;
}

/**
 * Finds frames in a byte stream, as the board does: hunts for the sync bytes, drops a frame
 * whose length exceeds `maxPayload` or whose CRC is wrong, and carries on after either.
 * `tap` sees each candidate frame's bytes before the CRC check and may return them changed,
 * nothing (dropped) or twice (tests inject faults through it).
 */
export class FrameDecoder {
  private buf = new Uint8Array(0);
  /** Frames dropped for a wrong CRC or an oversized length. */
  rejected = 0;

  constructor(
    private maxPayload: number,
    private readonly tap?: (raw: Uint8Array) => Uint8Array[],
  ) {}

  setMaxPayload(n: number): void {
    this.maxPayload = n;
  }

  push(bytes: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.buf.length + bytes.length);
    joined.set(this.buf);
    joined.set(bytes, this.buf.length);
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      while (at + 1 < joined.length && !(joined[at] === SYNC0 && joined[at + 1] === SYNC1)) at++;
      if (at + 2 + HEADER > joined.length) break;
      const len = joined[at + 5]! | (joined[at + 6]! << 8);
      if (len > this.maxPayload) {
        this.rejected++;
        at += 1;
        continue;
      }
      const end = at + FRAME_OVERHEAD + len;
      if (end > joined.length) break;
      if (this.tap) {
        // What the tap returns is what arrived in place of these bytes.
        for (const raw of this.tap(joined.slice(at, end))) {
          const frame = checkFrame(raw);
          if (frame) frames.push(frame);
          else this.rejected++;
        }
        at = end;
        continue;
      }
      const frame = checkFrame(joined.subarray(at, end));
      if (frame) {
        frames.push(frame);
        at = end;
      } else {
        // The length itself may be damaged: search again from the next byte.
        this.rejected++;
        at += 1;
      }
    }
    this.buf = joined.slice(Math.min(at, joined.length));
    return frames;
  }
}

/** The frame in `raw` (one whole frame's bytes), or null when it is damaged. */
export function checkFrame(raw: Uint8Array): Frame | null {
  if (raw.length < FRAME_OVERHEAD || raw[0] !== SYNC0 || raw[1] !== SYNC1) return null;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const len = dv.getUint16(5, true);
  if (raw.length !== FRAME_OVERHEAD + len) return null;
  const payload = raw.slice(2 + HEADER, 2 + HEADER + len);
  if (dv.getUint32(2 + HEADER + len, true) !== frameCrc(raw.subarray(2, 2 + HEADER), payload)) return null;
  return { type: raw[2]!, seq: dv.getUint16(3, true), payload };
}
