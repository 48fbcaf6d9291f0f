/*
 * fwkey.c — the public key firmware images are signed with: a legal
 * constant (covered by the image signature of the firmware that carries
 * it). Development builds carry the TEST key of docs/FIRMWARE.md, whose
 * private half is public (tools/fwsign/fw_test_key.pem): anyone can sign
 * for it. A production build (-DTRIMETER_PRODUCTION) must name its own key
 * (-DTRIMETER_FW_PUBKEY_FILE="\"key.h\"", defining FW_PUBKEY as 64 byte
 * initialisers X || Y) and refuses to verify against the test key even if
 * that file holds it.
 */
#include <string.h>

#include "legal/fwimage.h"

/* TEST KEY — P-256, X || Y of tools/fwsign/fw_test_key.pem. Never in a meter. */
static const uint8_t test_key[64] = {
    0x41, 0x25, 0x49, 0x84, 0x8c, 0xb5, 0xaf, 0x68, 0x4a, 0x35, 0x02, 0x17, 0xfd, 0xfa, 0x53, 0xd9,
    0xdd, 0x59, 0x43, 0xf5, 0xb5, 0xdd, 0x30, 0xb7, 0x50, 0xa9, 0x1b, 0x07, 0xf4, 0x9a, 0x8f, 0x85,
    0x55, 0xb1, 0x22, 0xd5, 0xb3, 0x7d, 0x1a, 0x42, 0x58, 0xbb, 0xa7, 0x38, 0x48, 0x8b, 0xe7, 0x34,
    0x9a, 0x25, 0x50, 0xb3, 0x9c, 0xc9, 0xca, 0xb2, 0xf8, 0xd7, 0x7f, 0xf1, 0x77, 0xbc, 0xa7, 0x37};

#if defined(TRIMETER_FW_PUBKEY_FILE)
#include TRIMETER_FW_PUBKEY_FILE
static const uint8_t legal_key[64] = {FW_PUBKEY};
#elif defined(TRIMETER_PRODUCTION)
#error "TRIMETER_PRODUCTION: a production build refuses the test key; name yours with TRIMETER_FW_PUBKEY_FILE"
#else
#define legal_key test_key
#endif

#ifdef TRIMETER_PRODUCTION
#define FW_PRODUCTION true
#else
#define FW_PRODUCTION false
#endif

const uint8_t *fwimg_key(void)
{
    return fwimg_key_allowed(legal_key, FW_PRODUCTION) ? legal_key : NULL;
}

bool fwimg_key_is_test(const uint8_t key[64])
{
    return memcmp(key, test_key, sizeof test_key) == 0;
}

bool fwimg_key_allowed(const uint8_t key[64], bool production)
{
    return !(production && fwimg_key_is_test(key));
}
