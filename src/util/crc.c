#include "util/crc.h"

uint16_t crc16_xmodem(uint16_t crc, const uint8_t *p, size_t n)
{
    /* Bitwise: a 512-byte table would cost more flash than the few frames
     * per second of an optical port are worth. */
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)((unsigned)p[i] << 8u));
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000u) ? (uint16_t)(((unsigned)crc << 1) ^ 0x1021u) : (uint16_t)((unsigned)crc << 1);
    }
    return crc;
}

uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
    /* Nibble table: 64 bytes of flash, fast enough for the legal code
     * region at boot and the store's records. */
    static const uint32_t tab[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ tab[crc & 15u];
        crc = (crc >> 4) ^ tab[crc & 15u];
    }
    return ~crc;
}
