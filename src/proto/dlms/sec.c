/*
 * sec.c — security suite 0 for the DLMS server (see sec.h).
 */
#include "proto/dlms/sec.h"

#include <string.h>

#include "proto/dlms/apdu.h"
#include "trimeter/err.h"
#include "util/aes.h"

static void make_iv(uint8_t iv[12], const uint8_t title[8], uint32_t ic)
{
    memcpy(iv, title, 8);
    iv[8] = (uint8_t)(ic >> 24);
    iv[9] = (uint8_t)(ic >> 16);
    iv[10] = (uint8_t)(ic >> 8);
    iv[11] = (uint8_t)ic;
}

int dlms_sec_open(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint8_t *p, size_t n, uint8_t *sc, uint32_t *ic, size_t *plain_len)
{
    uint8_t iv[12], aad[17];
    if (n < 5 + DLMS_TAG_LEN)
        return METER_EINVAL;
    *sc = p[0];
    *ic = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (p[0] != DLMS_SC_SUITE0_AE)
        return METER_ENOTSUP;
    size_t len = n - 5 - DLMS_TAG_LEN;
    make_iv(iv, title, *ic);
    aad[0] = p[0];
    memcpy(aad + 1, ak, 16);
    int r = aes_gcm_decrypt(hal, ek, iv, aad, sizeof aad, p + 5, p + 5, len, p + 5 + len, DLMS_TAG_LEN);
    if (r < 0)
        return r;
    *plain_len = len;
    return METER_OK;
}

int dlms_sec_seal(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint32_t ic, uint8_t *p, size_t n)
{
    uint8_t iv[12], aad[17];
    p[0] = DLMS_SC_SUITE0_AE;
    p[1] = (uint8_t)(ic >> 24);
    p[2] = (uint8_t)(ic >> 16);
    p[3] = (uint8_t)(ic >> 8);
    p[4] = (uint8_t)ic;
    make_iv(iv, title, ic);
    aad[0] = p[0];
    memcpy(aad + 1, ak, 16);
    return aes_gcm_encrypt(hal, ek, iv, aad, sizeof aad, p + 5, p + 5, n, p + 5 + n, DLMS_TAG_LEN);
}

int dlms_sec_gmac(const struct meter_hal *hal, const uint8_t ek[16], const uint8_t ak[16],
                  const uint8_t title[8], uint32_t ic, const uint8_t *challenge, size_t len, uint8_t tag[12])
{
    uint8_t iv[12], aad[17 + DLMS_CHALLENGE_MAX];
    if (len > DLMS_CHALLENGE_MAX)
        return METER_EINVAL;
    make_iv(iv, title, ic);
    aad[0] = DLMS_SC_AUTH;
    memcpy(aad + 1, ak, 16);
    memcpy(aad + 17, challenge, len);
    return aes_gcm_encrypt(hal, ek, iv, aad, 17 + len, NULL, NULL, 0, tag, DLMS_TAG_LEN);
}
