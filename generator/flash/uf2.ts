/**
 * UF2 images (the USB flashing format of Microsoft's UF2 specification): the file a board's
 * boot loader accepts when it is copied onto the board's USB drive (RP2040: RPI-RP2).
 *
 * Each 512-byte block carries 256 bytes of the image: eight little-endian words of header
 * (magic 0x0A324655, magic 0x9E5D5157, flags, target address, payload size, block number,
 * number of blocks, family ID), 476 bytes of data (the payload, zero-padded) and the final
 * magic 0x0AB16F30. Flag 0x2000 says the family ID field is present.
 */
const UF2_MAGIC_START0 = 0x0a32_4655;
const UF2_MAGIC_START1 = 0x9e5d_5157;
const UF2_MAGIC_END = 0x0ab1_6f30;
const UF2_FLAG_FAMILY_ID_PRESENT = 0x0000_2000;
export const UF2_BLOCK_BYTES = 512;
export const UF2_PAYLOAD_BYTES = 256;

/** The UF2 file holding `image`, to be written at `address` (a multiple of 256). */
export function uf2Image(image: Uint8Array, address: number, familyId: number): Buffer {
  if (address % UF2_PAYLOAD_BYTES !== 0) throw new Error(`UF2 address 0x${address.toString(16)} is not a multiple of ${UF2_PAYLOAD_BYTES}`);
  const blocks = Math.max(1, Math.ceil(image.length / UF2_PAYLOAD_BYTES));
  const out = Buffer.alloc(blocks * UF2_BLOCK_BYTES);
  for (let block = 0; block < blocks; block++) {
    const base = block * UF2_BLOCK_BYTES;
    const header = [
      UF2_MAGIC_START0,
      UF2_MAGIC_START1,
      UF2_FLAG_FAMILY_ID_PRESENT,
      address + block * UF2_PAYLOAD_BYTES,
      UF2_PAYLOAD_BYTES,
      block,
      blocks,
      familyId,
    ];
    header.forEach((word, i) => out.writeUInt32LE(word >>> 0, base + 4 * i));
    out.set(image.subarray(block * UF2_PAYLOAD_BYTES, (block + 1) * UF2_PAYLOAD_BYTES), base + 32);
    out.writeUInt32LE(UF2_MAGIC_END, base + UF2_BLOCK_BYTES - 4);
  }
  return out;
}

export interface Uf2Block {
  address: number;
  block: number;
  blocks: number;
  familyId: number;
  payload: Buffer;
}

/** Reads a UF2 file back, checking every magic number (for tests and for `flash --dry-run`). */
export function readUf2(file: Uint8Array): Uf2Block[] {
  const data = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (data.length % UF2_BLOCK_BYTES !== 0) throw new Error(`UF2 file of ${data.length} bytes is not a whole number of 512-byte blocks`);
  const out: Uf2Block[] = [];
  for (let base = 0; base < data.length; base += UF2_BLOCK_BYTES) {
    if (
      data.readUInt32LE(base) !== UF2_MAGIC_START0 ||
      data.readUInt32LE(base + 4) !== UF2_MAGIC_START1 ||
      data.readUInt32LE(base + UF2_BLOCK_BYTES - 4) !== UF2_MAGIC_END
    ) {
      throw new Error(`UF2 block at byte ${base} has a wrong magic number`);
    }
    const size = data.readUInt32LE(base + 16);
    out.push({
      address: data.readUInt32LE(base + 12),
      block: data.readUInt32LE(base + 20),
      blocks: data.readUInt32LE(base + 24),
      familyId: data.readUInt32LE(base + 28),
      payload: data.subarray(base + 32, base + 32 + size),
    });
  }
  return out;
}
