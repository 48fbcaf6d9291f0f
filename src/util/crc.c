#include "util/crc.h"

uint16_t crc16_xmodem(uint16_t crc, const uint8_t *p, size_t n)
{
    /* Bitwise: a 512-byte table would cost more flash than the few frames
     * per second of an optical port are worth. */
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)(p[i] << 8));
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}
