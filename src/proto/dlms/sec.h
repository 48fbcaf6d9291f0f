/*
 * sec.h — DLMS security suite 0 (Green Book): AES-128-GCM with 12-byte
 * tags over xDLMS APDUs, and the GMAC of HLS mechanism 5, on the AES modes
 * of src/util/aes.h (the HAL's block engine).
 *
 *   IV  = system title of the sender (8) || invocation counter (4)
 *   AAD = security control byte || AK            (authenticated + encrypted)
 *   AAD = security control byte || AK || challenge (HLS-GMAC, no text)
 *
 * A ciphered APDU is tag || length || SC || IC || ciphertext || tag(12).
 * This server accepts and sends SC 0x30 (authenticated and encrypted,
 * suite 0) only: the management association's policy.
 */
#ifndef TRIMETER_DLMS_SEC_H
#define TRIMETER_DLMS_SEC_H

#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

#define DLMS_SC_SUITE0_AE 0x30u

/* Decrypt and check "SC IC ciphertext tag" (n bytes at p) in place with
 * the sender's title. On success *sc, *ic and the plaintext (at p + 5,
 * *plain_len bytes) are set. METER_ENOTSUP: another security control byte
 * (policy), METER_ECORRUPT: the tag does not match (wrong key, damaged),
 * METER_EINVAL: too short. */
int dlms_sec_open(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint8_t *p, size_t n, uint8_t *sc, uint32_t *ic, size_t *plain_len);

/* Encrypt n plaintext bytes at p + 5 in place: writes SC and IC at p,
 * the tag after the text (p + 5 + n). The result is n + 17 bytes at p. */
int dlms_sec_seal(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint32_t ic, uint8_t *p, size_t n);

/* HLS-GMAC: tag = GMAC(EK, title || ic, 0x10 || AK || challenge), 12 bytes. */
int dlms_sec_gmac(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint32_t ic, const uint8_t *challenge, size_t len, uint8_t tag[12]);

#endif
