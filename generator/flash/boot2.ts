/**
 * The check the RP2040 boot ROM applies to the boot stage 2 (targets/board/rp2040_boot2.S):
 * CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, bits not reflected, no
 * final xor) over the first 252 bytes, stored in the last word of the 256.
 */
export function crc32Mpeg2(bytes: Uint8Array): number {
  let crc = 0xffff_ffff;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000_0000 ? (crc << 1) ^ 0x04c1_1db7 : crc << 1;
    crc >>>= 0;
  }
  return crc;
}
