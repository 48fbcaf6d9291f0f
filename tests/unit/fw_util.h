/*
 * fw_util.h — firmware images for tests: build, sign (mbed TLS, with the
 * documented TEST key or another one), and push through class 18 on a
 * virtual meter with image slots.
 */
#ifndef FW_UTIL_H
#define FW_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/sha256.h>

#include "cosem/cosem_image.h"
#include "legal/fwimage.h"
#include "vmeter.h"

/* TEST KEY private scalar (tools/fwsign/fw_test_key.pem; docs/FIRMWARE.md). */
#define FW_TEST_D "73c0516f8f81de82814ec1bb69af3a1e6d8197b15bc6750d95ca631d695e8af8"
/* Some other key: what an attacker signs with. */
#define FW_OTHER_D "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988"

static inline int fw_rng(void *ctx, unsigned char *out, size_t n)
{
    uint32_t *x = ctx;
    for (size_t k = 0; k < n; k++) {
        *x = *x * 1664525u + 1013904223u;
        out[k] = (unsigned char)(*x >> 24);
    }
    return 0;
}

static inline void fw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Sign header[0..96) into header[96..160) with private scalar d (hex). */
static inline void fw_sign(uint8_t *hdr, const char *d_hex)
{
    mbedtls_ecp_group g;
    mbedtls_mpi d, r, s;
    uint8_t h[32];
    uint32_t seed = 12345;
    mbedtls_ecp_group_init(&g);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) != 0 || mbedtls_mpi_read_string(&d, 16, d_hex) != 0)
        abort();
    mbedtls_sha256_ret(hdr, FWIMG_SIGNED_BYTES, h, 0);
    if (mbedtls_ecdsa_sign_det_ext(&g, &r, &s, &d, h, 32, MBEDTLS_MD_SHA256, fw_rng, &seed) != 0)
        abort();
    if (mbedtls_mpi_write_binary(&r, hdr + FWIMG_O_SIG, 32) != 0 || mbedtls_mpi_write_binary(&s, hdr + FWIMG_O_SIG + 32, 32) != 0)
        abort();
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&g);
}

/* An image of plen payload bytes (a pattern from seed) into out (FWIMG_HDR_SIZE
 * + plen bytes): version maj.min.patch, identification ident, signed with d. */
static inline uint32_t fw_make(uint8_t *out, uint32_t version, const char *ident, uint32_t plen, uint32_t seed, const char *d_hex)
{
    memset(out, 0, FWIMG_HDR_SIZE);
    fw_put32(out + FWIMG_O_MAGIC, FWIMG_MAGIC);
    out[FWIMG_O_FORMAT] = FWIMG_FORMAT;
    out[FWIMG_O_FORMAT + 2] = 0;
    out[FWIMG_O_FORMAT + 3] = FWIMG_HDR_SIZE;
    fw_put32(out + FWIMG_O_VERSION, version);
    fw_put32(out + FWIMG_O_LENGTH, plen);
    memcpy(out + FWIMG_O_IDENT, ident, strlen(ident));
    uint8_t *p = out + FWIMG_HDR_SIZE;
    for (uint32_t k = 0; k < plen; k++) {
        seed = seed * 1103515245u + 12345u;
        p[k] = (uint8_t)(seed >> 16);
    }
    mbedtls_sha256_ret(p, plen, out + FWIMG_O_HASH, 0);
    fw_sign(out, d_hex);
    return FWIMG_HDR_SIZE + plen;
}

/* A virtual meter with image slots; power cuts keep the EEPROM and slots. */
struct fwm {
    struct vmeter v;
    uint8_t *nvm;
    uint8_t *fw;
};

#define FWM_START 1774742400LL

static inline void fwm_boot(struct fwm *f, int64_t t)
{
    vmeter_wire(&f->v, f->nvm, VMETER_NVM_SIZE, t);
    f->v.hw.fw_mem = f->fw;
    meter_init(&f->v.m, &f->v.hal);
}

static inline struct fwm *fwm_new(void)
{
    struct fwm *f = calloc(1, sizeof *f);
    f->nvm = malloc(VMETER_NVM_SIZE);
    f->fw = malloc(HOST_FW_BYTES);
    memset(f->nvm, 0xff, VMETER_NVM_SIZE);
    memset(f->fw, 0xff, HOST_FW_BYTES);
    fwm_boot(f, FWM_START);
    return f;
}

/* Power cut: RAM and the HAL's state are lost; the meter is re-created
 * from its EEPROM and slot memory (as the simulator's files). */
static inline void fwm_cut(struct fwm *f)
{
    int64_t t = f->v.m.now + 5;
    memset(&f->v, 0, sizeof f->v);
    fwm_boot(f, t);
}

static inline void fwm_free(struct fwm *f)
{
    free(f->nvm);
    free(f->fw);
    free(f);
}

static const struct obj_def *fw_row(void)
{
    static const struct obis ln = OBIS(0, 0, 44, 0, 0, 255);
    return objtab_find(&ln);
}

static inline int fw_act(struct meter *m, int method, const uint8_t *p, size_t n, enum meter_access acc)
{
    struct axdr_r r;
    uint8_t rb[8];
    struct axdr_w w;
    axdr_r_init(&r, p, n);
    axdr_w_init(&w, rb, sizeof rb);
    return image_cosem_action(m, fw_row(), method, &r, &w, acc, METER_SRC_DLMS_TCP);
}

static inline int fw_initiate(struct meter *m, const char *id, uint32_t size, enum meter_access acc)
{
    uint8_t b[64];
    size_t n = strlen(id);
    b[0] = 0x02, b[1] = 0x02, b[2] = 0x09, b[3] = (uint8_t)n;
    memcpy(b + 4, id, n);
    b[4 + n] = 0x06;
    fw_put32(b + 5 + n, size);
    return fw_act(m, 1, b, 9 + n, acc);
}

static inline int fw_block(struct meter *m, uint32_t k, const uint8_t *data, uint32_t len, enum meter_access acc)
{
    static uint8_t b[16 + METER_FW_BLOCK_SIZE];
    size_t o = 0;
    b[o++] = 0x02, b[o++] = 0x02, b[o++] = 0x06;
    fw_put32(b + o, k), o += 4;
    b[o++] = 0x09;
    if (len >= 128)
        b[o++] = 0x81;
    b[o++] = (uint8_t)len;
    memcpy(b + o, data, len);
    return fw_act(m, 2, b, o + len, acc);
}

static inline int fw_simple(struct meter *m, int method, enum meter_access acc)
{
    static const uint8_t zero[2] = {0x0f, 0x00}; /* integer 0 */
    return fw_act(m, method, zero, sizeof zero, acc);
}

/* Every block of img, in order. 0 or the first non-zero result. */
static inline int fw_send(struct meter *m, const uint8_t *img, uint32_t len)
{
    for (uint32_t k = 0; k * METER_FW_BLOCK_SIZE < len; k++) {
        uint32_t n = len - k * METER_FW_BLOCK_SIZE;
        int r = fw_block(m, k, img + k * METER_FW_BLOCK_SIZE, n > METER_FW_BLOCK_SIZE ? METER_FW_BLOCK_SIZE : n,
                         METER_ACC_MANAGER);
        if (r != 0)
            return r;
    }
    return 0;
}

/* image_verify, asked again after each second of metering while it
 * answers temporary-failure; *seconds = how many it took. */
static inline int fw_verify(struct fwm *f, unsigned *seconds)
{
    struct meas_block b = vmeter_block_kw(2.0);
    unsigned s = 0;
    int r;
    while ((r = fw_simple(&f->v.m, 3, METER_ACC_MANAGER)) == 2 && s < 10000) {
        vmeter_step_block(&f->v, &b);
        s++;
    }
    if (seconds != NULL)
        *seconds = s;
    return r;
}

#endif
