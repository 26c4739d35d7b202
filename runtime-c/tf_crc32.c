/* CRC-32, IEEE 802.3 (§11); generator/numerics/crc32.ts is the twin. */
#include "tf_internal.h"

/* One nibble at a time: 64 bytes of table instead of 1 KiB, fine for flash-poor parts. */
static const uint32_t tf_crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t tf_crc32(uint32_t crc, const uint8_t *data, uint32_t n) {
    uint32_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ tf_crc_nibble[crc & 15u];
        crc = (crc >> 4) ^ tf_crc_nibble[crc & 15u];
    }
    return ~crc;
}

uint32_t tf_crc32_ref(uint32_t crc, const uint8_t *data, uint32_t n) {
    uint32_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        uint32_t b;
        crc ^= data[i];
        for (b = 0; b < 8u; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}
