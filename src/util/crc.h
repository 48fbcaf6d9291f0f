/*
 * crc.h — checksums shared by the store and the protocols. Pure functions
 * over byte buffers, no state; each names the exact CRC variant it computes
 * (polynomial, initial value, reflection) so a protocol can pick its own.
 */
#ifndef TRIMETER_CRC_H
#define TRIMETER_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/XMODEM (the KMP CRC): polynomial 0x1021, initial value crc (0 for
 * a fresh computation), no reflection, no final XOR. Chainable: feed the
 * result of one call as crc of the next. Over data followed by its own CRC
 * (big-endian) the result is 0. */
uint16_t crc16_xmodem(uint16_t crc, const uint8_t *p, size_t n);

/* CRC-16/EN-13757 (wireless M-Bus block CRCs, Kamstrup payload CRC, format
 * signatures): polynomial 0x3D65, initial value 0, no reflection, final XOR
 * 0xFFFF. crc16_en13757("123456789", 9) == 0xC2B7. */
uint16_t crc16_en13757(const uint8_t *p, size_t n);

/* CRC-16/X-25 (CRC-16/IBM-SDLC, the HDLC HCS/FCS of IEC 62056-46):
 * reflected polynomial 0x8408, initial value and final XOR 0xFFFF.
 * Chainable like crc32_ieee: pass 0 for a fresh computation and the
 * previous result to continue. crc16_x25(0, "123456789", 9) == 0x906E; on
 * the wire the result goes least significant byte first. */
uint16_t crc16_x25(uint16_t crc, const uint8_t *p, size_t n);

/* CRC-32/ISO-HDLC (zlib, IEEE 802.3): reflected polynomial 0xEDB88320,
 * initial value and final XOR 0xFFFFFFFF. Chainable: pass 0 for a fresh
 * computation and the previous result to continue over more bytes.
 * crc32_ieee(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n);

#endif
