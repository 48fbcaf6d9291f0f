/*
 * aes.h — AES-128 modes for the protocols, built on the HAL's block engine
 * (hal->aes128_encrypt / aes128_decrypt: a peripheral on a real meter, mbed
 * TLS on the host, ports/cortex-m/aes_soft.c on the QEMU board).
 *
 * Who uses what: DLMS security suite 0 (AES-128-GCM, 12-byte tags, GMAC for
 * HLS mechanism 5), DLMS key_transfer (RFC 3394 key wrap), wM-Bus Kamstrup
 * ELL (CTR) and OMS mode 5 (CBC), OMS mode 7 key derivation (CMAC).
 *
 * No heap, no globals: every call gets the HAL and the key; the only state
 * is the caller's struct aes_gcm for incremental GCM. Buffers may alias
 * exactly (in == out) but must not overlap otherwise. Every function returns
 * 0 or a negative meter_err:
 *   METER_ENOTSUP  the HAL has no AES engine (hal->aes128_* NULL)
 *   METER_EINVAL   a length the mode does not allow
 *   METER_ECORRUPT authentication failed (GCM tag: nothing was written to
 *                  out; key unwrap: out is zeroed)
 *   METER_ERANGE   more data than the mode may process under one IV
 *   anything the HAL's engine returns (e.g. METER_EIO)
 */
#ifndef TRIMETER_AES_H
#define TRIMETER_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

#define AES_BLOCK_LEN 16u
#define AES_KEY_LEN 16u
#define AES_GCM_IV_LEN 12u      /* the only IV length supported (96 bits) */
#define AES_GCM_TAG_MIN 12u     /* accepted tag lengths: 12 (DLMS) .. 16 */
#define AES_GCM_TAG_MAX 16u
#define AES_WRAP_SEMIBLOCK 8u   /* RFC 3394: wrapped = plain + 8 bytes */

/* Constant-time comparison (time depends on n only): true if equal. */
bool aes_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

/* Zero a buffer in a way the compiler does not drop as a dead store (keys,
 * plaintext after a failed check). */
void aes_wipe(void *p, size_t n);

/* ---- CTR (SP 800-38A) ------------------------------------------------------
 * out = in XOR E(K, ctr), E(K, ctr+1), ... The counter block is the caller's
 * (wM-Bus ELL: M || A || CC || SN || FN || BC); it is incremented as one
 * 128-bit big-endian number per block used, and left at the next unused
 * block, so a message may be processed in several calls of whole blocks
 * (a partial last block consumes its counter). */
int aes_ctr_xor(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                uint8_t ctr[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n);

/* ---- CBC (SP 800-38A), no padding: n must be a multiple of 16 -------------
 * (OMS mode 5 fills with 0x2F itself.) The IV is not updated. */
int aes_cbc_encrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n);
int aes_cbc_decrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_BLOCK_LEN], const uint8_t *in, uint8_t *out, size_t n);

/* ---- GCM (SP 800-38D), 96-bit IV ------------------------------------------
 * One-shot: encrypt n bytes and write tag_len (12..16) bytes of tag; with
 * n == 0 it is GMAC over the AAD (DLMS HLS-GMAC). Decryption checks the tag
 * over AAD and ciphertext first (constant time) and only then writes the
 * plaintext; on a mismatch it returns METER_ECORRUPT and out is untouched. */
int aes_gcm_encrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_GCM_IV_LEN], const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t n, uint8_t *tag, size_t tag_len);
int aes_gcm_decrypt(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                    const uint8_t iv[AES_GCM_IV_LEN], const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t n, const uint8_t *tag,
                    size_t tag_len);

/* Incremental GCM for messages produced or consumed in pieces (a long
 * ciphered APDU sent in blocks): aes_gcm_start, any number of aes_gcm_aad,
 * then any number of aes_gcm_encrypt_part or aes_gcm_decrypt_part (pieces
 * of any length), then aes_gcm_finish (sender) or aes_gcm_check (receiver).
 * Both end the operation and wipe the context. Note that decrypt_part hands
 * out plaintext before the tag is checked: a receiver must not act on it
 * until aes_gcm_check returned 0. About 120 bytes, on the caller's stack
 * or in its session state. */
struct aes_gcm {
    const struct meter_hal *hal;
    uint8_t key[AES_KEY_LEN];
    uint8_t h[AES_BLOCK_LEN];   /* hash subkey E(K, 0^128) */
    uint8_t ek0[AES_BLOCK_LEN]; /* E(K, J0): masks the tag */
    uint8_t ctr[AES_BLOCK_LEN]; /* next counter block */
    uint8_t ks[AES_BLOCK_LEN];  /* keystream block in use */
    uint8_t x[AES_BLOCK_LEN];   /* GHASH accumulator */
    uint64_t aad_len, text_len; /* bytes so far */
    uint8_t ks_used;            /* bytes of ks consumed (16 = none left) */
    uint8_t x_fill;             /* bytes XORed into x since the last multiply */
    bool text;                  /* text started: no more AAD */
};

int aes_gcm_start(struct aes_gcm *g, const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN],
                  const uint8_t iv[AES_GCM_IV_LEN]);
int aes_gcm_aad(struct aes_gcm *g, const uint8_t *aad, size_t n); /* METER_ESTATE after text */
int aes_gcm_encrypt_part(struct aes_gcm *g, const uint8_t *in, uint8_t *out, size_t n);
int aes_gcm_decrypt_part(struct aes_gcm *g, const uint8_t *in, uint8_t *out, size_t n);
int aes_gcm_finish(struct aes_gcm *g, uint8_t *tag, size_t tag_len);
int aes_gcm_check(struct aes_gcm *g, const uint8_t *tag, size_t tag_len); /* METER_ECORRUPT */

/* ---- CMAC (SP 800-38B, RFC 4493): full 16-byte MAC over n >= 0 bytes ------ */
int aes_cmac(const struct meter_hal *hal, const uint8_t key[AES_KEY_LEN], const uint8_t *msg,
             size_t n, uint8_t mac[AES_BLOCK_LEN]);

/* ---- key wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6, 128-bit KEK) -------
 * Wrap n bytes (a multiple of 8, at least 16) into n + 8 bytes; unwrap n
 * bytes (a multiple of 8, at least 24) into n - 8 bytes, METER_ECORRUPT
 * (out zeroed) when the integrity check fails. out may equal in (for
 * wrapping, the buffer then holds n + 8 bytes). */
int aes_wrap_key(const struct meter_hal *hal, const uint8_t kek[AES_KEY_LEN], const uint8_t *in,
                 size_t n, uint8_t *out);
int aes_unwrap_key(const struct meter_hal *hal, const uint8_t kek[AES_KEY_LEN], const uint8_t *in,
                   size_t n, uint8_t *out);

#endif
