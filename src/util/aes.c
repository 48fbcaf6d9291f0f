/*
 * aes.c — AES-128 modes on the HAL's block engine (aes.h).
 *
 * GHASH is the bitwise multiply of SP 800-38D (algorithm 1) on 32-bit
 * words with masks instead of branches: constant time, no tables (no global
 * tables allowed, and a per-call 4-bit table would cost 256 bytes of stack
 * for little gain on a 32-bit core at DLMS message sizes).
 */
#include "util/aes.h"

#include <string.h>

#include "trimeter/err.h"

bool aes_equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

void aes_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p; /* a volatile store is never dropped as dead */
    while (n-- > 0)
        *v++ = 0;
}

static int enc(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
               const uint8_t in[AES_BLOCK_LEN], uint8_t out[AES_BLOCK_LEN])
{
    return hal->aes128_encrypt(hal->ctx, key, in, out);
}

static bool has_engine(const struct meter_hal *hal, bool decrypt)
{
    return hal != NULL && hal->aes128_encrypt != NULL && (!decrypt || hal->aes128_decrypt != NULL);
}

static void xor_block(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(a[i] ^ b[i]);
}

/* 128-bit big-endian increment (SP 800-38A's standard incrementing). */
static void inc128(uint8_t c[AES_BLOCK_LEN])
{
    for (unsigned i = AES_BLOCK_LEN; i-- > 0;)
        if (++c[i] != 0)
            break;
}

/* GCM's inc32: only the last 32 bits count, modulo 2^32. */
static void inc32(uint8_t c[AES_BLOCK_LEN])
{
    for (unsigned i = AES_BLOCK_LEN; i-- > AES_BLOCK_LEN - 4u;)
        if (++c[i] != 0)
            break;
}

/* ---- CTR -------------------------------------------------------------------- */

int aes_ctr_xor(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                uint8_t ctr[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n)
{
    uint8_t ks[AES_BLOCK_LEN];
    if (!has_engine(hal, false))
        return METER_ENOTSUP;
    while (n > 0) {
        size_t k = n < AES_BLOCK_LEN ? n : AES_BLOCK_LEN;
        int r = enc(hal, key, ctr, ks);
        if (r < 0) {
            aes_wipe(ks, sizeof ks);
            return r;
        }
        inc128(ctr);
        xor_block(out, in, ks, k);
        in += k;
        out += k;
        n -= k;
    }
    aes_wipe(ks, sizeof ks);
    return METER_OK;
}

/* ---- CBC -------------------------------------------------------------------- */

int aes_cbc_encrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n)
{
    uint8_t b[AES_BLOCK_LEN];
    const uint8_t *prev = iv;
    if (!has_engine(hal, false))
        return METER_ENOTSUP;
    if (n % AES_BLOCK_LEN != 0)
        return METER_EINVAL;
    for (size_t i = 0; i < n; i += AES_BLOCK_LEN) {
        xor_block(b, in + i, prev, AES_BLOCK_LEN);
        int r = enc(hal, key, b, out + i);
        if (r < 0) {
            aes_wipe(b, sizeof b);
            return r;
        }
        prev = out + i;
    }
    aes_wipe(b, sizeof b);
    return METER_OK;
}

int aes_cbc_decrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n)
{
    uint8_t prev[AES_BLOCK_LEN], c[AES_BLOCK_LEN], p[AES_BLOCK_LEN];
    if (!has_engine(hal, true))
        return METER_ENOTSUP;
    if (n % AES_BLOCK_LEN != 0)
        return METER_EINVAL;
    memcpy(prev, iv, AES_BLOCK_LEN);
    for (size_t i = 0; i < n; i += AES_BLOCK_LEN) {
        memcpy(c, in + i, AES_BLOCK_LEN); /* in == out: keep the ciphertext */
        int r = hal->aes128_decrypt(hal->ctx, key, c, p);
        if (r < 0) {
            aes_wipe(p, sizeof p);
            return r;
        }
        xor_block(out + i, p, prev, AES_BLOCK_LEN);
        memcpy(prev, c, AES_BLOCK_LEN);
    }
    aes_wipe(p, sizeof p);
    return METER_OK;
}

/* ---- GCM -------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* x = x * h in GF(2^128) with GCM's bit order (bit 0 = MSB of byte 0). */
static void gf_mul(uint8_t x[AES_BLOCK_LEN], const uint8_t h[AES_BLOCK_LEN])
{
    uint32_t z[4] = {0, 0, 0, 0}, v[4];
    for (unsigned i = 0; i < 4; i++)
        v[i] = be32(h + 4 * i);
    for (unsigned i = 0; i < 128; i++) {
        uint32_t m = 0u - (((uint32_t)x[i / 8] >> (7u - i % 8u)) & 1u);
        uint32_t lsb = 0u - (v[3] & 1u);
        for (unsigned j = 0; j < 4; j++)
            z[j] ^= v[j] & m;
        v[3] = v[3] >> 1 | v[2] << 31;
        v[2] = v[2] >> 1 | v[1] << 31;
        v[1] = v[1] >> 1 | v[0] << 31;
        v[0] = (v[0] >> 1) ^ (0xE1000000u & lsb);
    }
    for (unsigned i = 0; i < 4; i++)
        put_be32(x + 4 * i, z[i]);
}

/* Absorb bytes into GHASH; a block is multiplied in once it is full. */
static void ghash_bytes(struct aes_gcm *g, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g->x[g->x_fill++] ^= p[i];
        if (g->x_fill == AES_BLOCK_LEN) {
            gf_mul(g->x, g->h);
            g->x_fill = 0;
        }
    }
}

/* Zero-pad the pending partial block (end of AAD, end of text). */
static void ghash_pad(struct aes_gcm *g)
{
    if (g->x_fill != 0) {
        gf_mul(g->x, g->h);
        g->x_fill = 0;
    }
}

int aes_gcm_start(struct aes_gcm *g, const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                  const uint8_t iv[AES_GCM_IV_LEN])
{
    int r;
    memset(g, 0, sizeof *g);
    if (!has_engine(hal, false))
        return METER_ENOTSUP;
    g->hal = hal;
    memcpy(g->key, key, AES_KEY_LEN);
    r = enc(hal, key, g->x, g->h); /* x is still 0^128 */
    if (r < 0)
        goto fail;
    memcpy(g->ctr, iv, AES_GCM_IV_LEN);
    g->ctr[15] = 1; /* J0 = IV || 0^31 || 1 */
    r = enc(hal, key, g->ctr, g->ek0);
    if (r < 0)
        goto fail;
    inc32(g->ctr);
    g->ks_used = AES_BLOCK_LEN;
    return METER_OK;
fail:
    aes_wipe(g, sizeof *g);
    return r;
}

int aes_gcm_aad(struct aes_gcm *g, const uint8_t *aad, size_t n)
{
    if (g->hal == NULL)
        return METER_ESTATE;
    if (g->text)
        return METER_ESTATE;
    /* SP 800-38D: len(A) <= 2^64 - 1 bits */
    if (n > (UINT64_MAX >> 3) - g->aad_len)
        return METER_ERANGE;
    g->aad_len += n;
    ghash_bytes(g, aad, n);
    return METER_OK;
}

/* Keystream XOR over n bytes, for either direction. */
static int gcm_xor(struct aes_gcm *g, const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (g->ks_used == AES_BLOCK_LEN) {
            int r = enc(g->hal, g->key, g->ctr, g->ks);
            if (r < 0)
                return r;
            inc32(g->ctr);
            g->ks_used = 0;
        }
        out[i] = (uint8_t)(in[i] ^ g->ks[g->ks_used++]);
    }
    return METER_OK;
}

/* Common entry of the text calls: state and the SP 800-38D length limit
 * (2^39 - 256 bits = 2^32 - 2 blocks, so the 32-bit counter never wraps). */
static int gcm_text(struct aes_gcm *g, size_t n)
{
    const uint64_t max = ((uint64_t)1 << 36) - 32u;
    if (g->hal == NULL)
        return METER_ESTATE;
    if (n > max - g->text_len)
        return METER_ERANGE;
    if (!g->text) {
        ghash_pad(g);
        g->text = true;
    }
    g->text_len += n;
    return METER_OK;
}

int aes_gcm_encrypt_part(struct aes_gcm *g, const uint8_t *in, uint8_t *out, size_t n)
{
    int r = gcm_text(g, n);
    if (r == METER_OK)
        r = gcm_xor(g, in, out, n);
    if (r == METER_OK)
        ghash_bytes(g, out, n);
    return r;
}

int aes_gcm_decrypt_part(struct aes_gcm *g, const uint8_t *in, uint8_t *out, size_t n)
{
    int r = gcm_text(g, n);
    if (r == METER_OK) {
        ghash_bytes(g, in, n); /* before the XOR: in may be out */
        r = gcm_xor(g, in, out, n);
    }
    return r;
}

/* The full 16-byte tag: GHASH over the length block, masked by E(K, J0). */
static void gcm_tag(struct aes_gcm *g, uint8_t t[AES_BLOCK_LEN])
{
    uint8_t len[AES_BLOCK_LEN];
    uint64_t a = g->aad_len * 8u, c = g->text_len * 8u;
    ghash_pad(g);
    put_be32(len, (uint32_t)(a >> 32));
    put_be32(len + 4, (uint32_t)a);
    put_be32(len + 8, (uint32_t)(c >> 32));
    put_be32(len + 12, (uint32_t)c);
    ghash_bytes(g, len, sizeof len);
    xor_block(t, g->x, g->ek0, AES_BLOCK_LEN);
}

static bool tag_len_ok(size_t tag_len)
{
    return tag_len >= AES_GCM_TAG_MIN && tag_len <= AES_GCM_TAG_MAX;
}

int aes_gcm_finish(struct aes_gcm *g, uint8_t *tag, size_t tag_len)
{
    uint8_t t[AES_BLOCK_LEN];
    int r = METER_OK;
    if (g->hal == NULL)
        r = METER_ESTATE;
    else if (!tag_len_ok(tag_len))
        r = METER_EINVAL;
    else {
        gcm_tag(g, t);
        memcpy(tag, t, tag_len);
        aes_wipe(t, sizeof t);
    }
    aes_wipe(g, sizeof *g);
    return r;
}

int aes_gcm_check(struct aes_gcm *g, const uint8_t *tag, size_t tag_len)
{
    uint8_t t[AES_BLOCK_LEN];
    int r = METER_OK;
    if (g->hal == NULL)
        r = METER_ESTATE;
    else if (!tag_len_ok(tag_len))
        r = METER_EINVAL;
    else {
        gcm_tag(g, t);
        r = aes_equal_ct(t, tag, tag_len) ? METER_OK : METER_ECORRUPT;
        aes_wipe(t, sizeof t);
    }
    aes_wipe(g, sizeof *g);
    return r;
}

int aes_gcm_encrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_GCM_IV_LEN], const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t n, uint8_t *tag, size_t tag_len)
{
    struct aes_gcm g;
    int r;
    if (!tag_len_ok(tag_len))
        return METER_EINVAL;
    r = aes_gcm_start(&g, hal, key, iv);
    if (r < 0)
        return r;
    r = aes_gcm_aad(&g, aad, aad_len);
    if (r == METER_OK)
        r = aes_gcm_encrypt_part(&g, in, out, n);
    if (r == METER_OK)
        return aes_gcm_finish(&g, tag, tag_len);
    aes_wipe(&g, sizeof g);
    return r;
}

int aes_gcm_decrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_GCM_IV_LEN], const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t n, const uint8_t *tag,
                    size_t tag_len)
{
    struct aes_gcm g;
    uint8_t t[AES_BLOCK_LEN];
    int r;
    if (!tag_len_ok(tag_len))
        return METER_EINVAL;
    r = aes_gcm_start(&g, hal, key, iv);
    if (r < 0)
        return r;
    r = aes_gcm_aad(&g, aad, aad_len);
    if (r == METER_OK)
        r = gcm_text(&g, n);
    if (r == METER_OK) {
        /* Authenticate first: no plaintext leaves before the tag checks. */
        ghash_bytes(&g, in, n);
        gcm_tag(&g, t);
        if (!aes_equal_ct(t, tag, tag_len))
            r = METER_ECORRUPT;
        aes_wipe(t, sizeof t);
    }
    if (r == METER_OK) {
        r = gcm_xor(&g, in, out, n); /* counter state untouched by the hash */
        if (r < 0)
            aes_wipe(out, n); /* the engine failed half-way */
    }
    aes_wipe(&g, sizeof g);
    return r;
}

/* ---- CMAC ------------------------------------------------------------------- */

/* Doubling in GF(2^128) for the CMAC subkeys (Rb = 0x87). */
static void dbl(uint8_t k[AES_BLOCK_LEN])
{
    unsigned carry = 0u - ((unsigned)k[0] >> 7);
    for (unsigned i = 0; i < AES_BLOCK_LEN - 1u; i++)
        k[i] = (uint8_t)((unsigned)k[i] << 1 | (unsigned)k[i + 1] >> 7);
    k[AES_BLOCK_LEN - 1] = (uint8_t)(((unsigned)k[AES_BLOCK_LEN - 1] << 1) ^ (carry & 0x87u));
}

int aes_cmac(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN], const uint8_t *msg,
             size_t n, uint8_t mac[AES_BLOCK_LEN])
{
    uint8_t k[AES_BLOCK_LEN] = {0}, x[AES_BLOCK_LEN] = {0}, last[AES_BLOCK_LEN] = {0};
    int r;
    if (!has_engine(hal, false))
        return METER_ENOTSUP;
    r = enc(hal, key, k, k); /* L = E(K, 0^128) */
    if (r < 0)
        goto out;
    dbl(k); /* K1 */
    /* All blocks but the last go through CBC-MAC as they are. */
    size_t full = n == 0 ? 0 : (n - 1) / AES_BLOCK_LEN;
    for (size_t b = 0; b < full; b++) {
        xor_block(x, x, msg + b * AES_BLOCK_LEN, AES_BLOCK_LEN);
        r = enc(hal, key, x, x);
        if (r < 0)
            goto out;
    }
    size_t rest = n - full * AES_BLOCK_LEN; /* 0..16; 0 only for n == 0 */
    if (rest > 0)
        memcpy(last, msg + full * AES_BLOCK_LEN, rest);
    if (rest < AES_BLOCK_LEN) { /* incomplete: 10* padding and K2 */
        last[rest] = 0x80;
        dbl(k);
    }
    xor_block(last, last, k, AES_BLOCK_LEN);
    xor_block(x, x, last, AES_BLOCK_LEN);
    r = enc(hal, key, x, mac);
out:
    aes_wipe(k, sizeof k);
    aes_wipe(last, sizeof last);
    return r < 0 ? r : METER_OK;
}

/* ---- key wrap (RFC 3394, section 2.2.1/2.2.2, index-based form) ----------- */

static const uint8_t wrap_iv[AES_WRAP_SEMIBLOCK] = {0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6};

/* A ^= t as a 64-bit big-endian number. */
static void xor_t(uint8_t a[AES_WRAP_SEMIBLOCK], uint64_t t)
{
    for (unsigned i = AES_WRAP_SEMIBLOCK; i-- > 0; t >>= 8)
        a[i] ^= (uint8_t)t;
}

int aes_wrap_key(const struct meter_hal *hal, const uint8_t kek[AES_KEY_LEN], const uint8_t *in,
                 size_t n, uint8_t *out)
{
    uint8_t b[AES_BLOCK_LEN];
    if (!has_engine(hal, false))
        return METER_ENOTSUP;
    if (n < 2u * AES_WRAP_SEMIBLOCK || n % AES_WRAP_SEMIBLOCK != 0)
        return METER_EINVAL;
    size_t blocks = n / AES_WRAP_SEMIBLOCK;
    memmove(out + AES_WRAP_SEMIBLOCK, in, n); /* R[1..n] live in out; A in b */
    memcpy(b, wrap_iv, AES_WRAP_SEMIBLOCK);
    uint64_t t = 0;
    for (unsigned j = 0; j < 6; j++) {
        for (size_t i = 1; i <= blocks; i++) {
            uint8_t *ri = out + i * AES_WRAP_SEMIBLOCK;
            memcpy(b + AES_WRAP_SEMIBLOCK, ri, AES_WRAP_SEMIBLOCK);
            int r = enc(hal, kek, b, b);
            if (r < 0) {
                aes_wipe(b, sizeof b);
                aes_wipe(out, n + AES_WRAP_SEMIBLOCK);
                return r;
            }
            xor_t(b, ++t);
            memcpy(ri, b + AES_WRAP_SEMIBLOCK, AES_WRAP_SEMIBLOCK);
        }
    }
    memcpy(out, b, AES_WRAP_SEMIBLOCK);
    aes_wipe(b, sizeof b);
    return METER_OK;
}

int aes_unwrap_key(const struct meter_hal *hal, const uint8_t kek[AES_KEY_LEN], const uint8_t *in,
                   size_t n, uint8_t *out)
{
    uint8_t b[AES_BLOCK_LEN];
    int r = METER_OK;
    if (!has_engine(hal, true))
        return METER_ENOTSUP;
    if (n < 3u * AES_WRAP_SEMIBLOCK || n % AES_WRAP_SEMIBLOCK != 0)
        return METER_EINVAL;
    size_t blocks = n / AES_WRAP_SEMIBLOCK - 1u;
    memcpy(b, in, AES_WRAP_SEMIBLOCK); /* A */
    memmove(out, in + AES_WRAP_SEMIBLOCK, n - AES_WRAP_SEMIBLOCK);
    uint64_t t = 6u * (uint64_t)blocks;
    for (unsigned j = 0; j < 6 && r == METER_OK; j++) {
        for (size_t i = blocks; i >= 1; i--) {
            uint8_t *ri = out + (i - 1u) * AES_WRAP_SEMIBLOCK;
            xor_t(b, t--);
            memcpy(b + AES_WRAP_SEMIBLOCK, ri, AES_WRAP_SEMIBLOCK);
            r = hal->aes128_decrypt(hal->ctx, kek, b, b);
            if (r < 0)
                break;
            memcpy(ri, b + AES_WRAP_SEMIBLOCK, AES_WRAP_SEMIBLOCK);
        }
    }
    if (r == METER_OK && !aes_equal_ct(b, wrap_iv, AES_WRAP_SEMIBLOCK))
        r = METER_ECORRUPT;
    if (r < 0)
        aes_wipe(out, n - AES_WRAP_SEMIBLOCK);
    aes_wipe(b, sizeof b);
    return r;
}
