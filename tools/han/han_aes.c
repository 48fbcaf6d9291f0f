/* han_aes.c — mbed TLS as the bridge's AES block engine; the key file. */
#include "han_aes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/aes.h>

#include "trimeter/err.h"

static int aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16], int mode)
{
    mbedtls_aes_context c;
    mbedtls_aes_init(&c);
    int r = mode == MBEDTLS_AES_ENCRYPT ? mbedtls_aes_setkey_enc(&c, key, 128) : mbedtls_aes_setkey_dec(&c, key, 128);
    if (r == 0)
        r = mbedtls_aes_crypt_ecb(&c, mode, in, out);
    mbedtls_aes_free(&c);
    return r == 0 ? METER_OK : METER_EIO;
}

static int han_aes_enc(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    (void)ctx;
    return aes_block(key, in, out, MBEDTLS_AES_ENCRYPT);
}

static int han_aes_dec(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    (void)ctx;
    return aes_block(key, in, out, MBEDTLS_AES_DECRYPT);
}

void han_aes_hal(struct meter_hal *hal)
{
    memset(hal, 0, sizeof *hal);
    hal->aes128_encrypt = han_aes_enc;
    hal->aes128_decrypt = han_aes_dec;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int han_key_file(const char *path, struct han_key *k, char *err, size_t n)
{
    static const uint8_t factory_ak[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                           0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t key[2][16];
    unsigned digits = 0; /* hex digits read (64 at most) */
    bool comment = false, bad = false;
    int c, hi = 0;
    while ((c = fgetc(f)) != EOF && !bad) {
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (digits % 32 != 0)
                bad = true; /* a key cut by white space */
            continue;
        }
        int d = hexval(c);
        if (d < 0 || digits >= 64) {
            bad = true;
            break;
        }
        if (digits % 2 == 0)
            hi = d;
        else
            key[digits / 32][(digits % 32) / 2] = (uint8_t)(hi << 4 | d);
        digits++;
    }
    fclose(f);
    if (bad || (digits != 32 && digits != 64)) {
        snprintf(err, n, "%s: expected the HAN encryption key as 32 hex digits (and optionally the authentication key)",
                 path);
        memset(key, 0, sizeof key);
        return -1;
    }
    memcpy(k->ek, key[0], 16);
    memcpy(k->ak, digits == 64 ? key[1] : factory_ak, 16);
    memset(key, 0, sizeof key);
    return 0;
}
