/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), the digest of docs/semantics.md §11. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Streaming CRC-32: `update` any number of times, then `digest`. */
export class Crc32 {
  private crc = 0xffffffff;

  update(bytes: Uint8Array): this {
    let c = this.crc;
    for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    this.crc = c >>> 0;
    return this;
  }

  value(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }

  hex(): string {
    return this.value().toString(16).padStart(8, '0');
  }
}

export function crc32(bytes: Uint8Array): number {
  return new Crc32().update(bytes).value();
}

export const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
