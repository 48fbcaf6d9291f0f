/*
 * fuzz_image — drives the class 18 image-transfer state machine
 * (cosem/cosem_image.h over legal/fwimage.h) on a virtual meter with image
 * slots: arbitrary method parameters, blocks of a valid signed image and of
 * junk, verify/activate, seconds of metering, power cuts (also in the
 * middle of a slot or control program), flash faults in the slots. After
 * every step the state must be one class 18 defines; after every power-up
 * the meter runs exactly one image, with a consistent boot control.
 *
 * Input: a sequence of steps, [op][arguments] (the switch below); at most
 * 64, at most four power cuts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/sha256.h>

#include "cosem/cosem_image.h"
#include "legal/fwimage.h"
#include "vmeter.h"

#define START 1774742400LL
#define TEST_D "73c0516f8f81de82814ec1bb69af3a1e6d8197b15bc6750d95ca631d695e8af8"
#define PLEN 700u

static uint8_t *tmpl_nvm, *nvm, *fw;
static struct vmeter v, tmpl_v; /* tmpl_v: v right after the first boot (same address: pointers hold) */
static uint8_t good[FWIMG_HDR_SIZE + PLEN];
static const struct obj_def *row;

static int rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    memset(out, 0x5a, n);
    return 0;
}

static void be32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)(x >> 24), p[1] = (uint8_t)(x >> 16), p[2] = (uint8_t)(x >> 8), p[3] = (uint8_t)x;
}

/* A valid image (0.2.0, the TEST key), so that the fuzzer reaches
 * activation without having to forge a signature. */
static void make_good(void)
{
    memset(good, 0, FWIMG_HDR_SIZE);
    be32(good, FWIMG_MAGIC);
    good[4] = FWIMG_FORMAT;
    good[7] = FWIMG_HDR_SIZE;
    be32(good + FWIMG_O_VERSION, 0x000200u);
    be32(good + FWIMG_O_LENGTH, PLEN);
    memcpy(good + FWIMG_O_IDENT, "trimeter 0.2.0", 14);
    for (unsigned k = 0; k < PLEN; k++)
        good[FWIMG_HDR_SIZE + k] = (uint8_t)(k * 7u);
    mbedtls_sha256_ret(good + FWIMG_HDR_SIZE, PLEN, good + FWIMG_O_HASH, 0);
    uint8_t h[32];
    mbedtls_sha256_ret(good, FWIMG_SIGNED_BYTES, h, 0);
    mbedtls_ecp_group g;
    mbedtls_mpi d, r, s;
    mbedtls_ecp_group_init(&g);
    mbedtls_mpi_init(&d), mbedtls_mpi_init(&r), mbedtls_mpi_init(&s);
    if (mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1) || mbedtls_mpi_read_string(&d, 16, TEST_D) ||
        mbedtls_ecdsa_sign_det_ext(&g, &r, &s, &d, h, 32, MBEDTLS_MD_SHA256, rng, NULL) ||
        mbedtls_mpi_write_binary(&r, good + FWIMG_O_SIG, 32) || mbedtls_mpi_write_binary(&s, good + FWIMG_O_SIG + 32, 32))
        abort();
    mbedtls_mpi_free(&d), mbedtls_mpi_free(&r), mbedtls_mpi_free(&s);
    mbedtls_ecp_group_free(&g);
}

static void boot(int64_t t, uint32_t cut)
{
    memset(&v, 0, sizeof v);
    vmeter_wire(&v, nvm, VMETER_NVM_SIZE, t);
    v.hw.fw_mem = fw;
    v.hw.fw_cut = cut;
    v.hal.legal_region = NULL; /* the CRC over the whole host program at every boot: too slow to fuzz */
    meter_init(&v.m, &v.hal);
}

static void init_once(void)
{
    if (tmpl_nvm != NULL)
        return;
    tmpl_nvm = malloc(VMETER_NVM_SIZE);
    nvm = malloc(VMETER_NVM_SIZE);
    fw = malloc(HOST_FW_BYTES);
    if (tmpl_nvm == NULL || nvm == NULL || fw == NULL)
        abort();
    memset(nvm, 0xff, VMETER_NVM_SIZE);
    memset(fw, 0xff, HOST_FW_BYTES);
    boot(START, 0); /* format once; every input starts from this image */
    memcpy(tmpl_nvm, nvm, VMETER_NVM_SIZE);
    tmpl_v = v;
    static const struct obis ln = OBIS(0, 0, 44, 0, 0, 255);
    row = objtab_find(&ln);
    if (row == NULL)
        abort();
    make_good();
}

static void check_state(void)
{
    const struct fwimg *f = &v.m.fw;
    if (f->status > FWIMG_ST_ACTIVATE_FAILED || f->first_missing > f->nblocks || f->nblocks > METER_FW_BLOCKS_MAX)
        abort();
    if (f->ctl.ident[0] == '\0' || memchr(f->ctl.ident, 0, sizeof f->ctl.ident) == NULL)
        abort();
    if (!(f->ctl.active < 2 || f->ctl.active == FWIMG_BUILTIN))
        abort();
    if (f->status == FWIMG_ST_ACTIVATING ? f->ctl.state != 1 : f->ctl.state != 0)
        abort();
}

static void check_boot(void)
{
    check_state();
    const struct fwimg *f = &v.m.fw;
    bool builtin = strcmp(f->ctl.ident, METER_FW_NAME " " METER_FW_VERSION) == 0;
    if (builtin != (f->ctl.active == FWIMG_BUILTIN))
        abort();
    if (!builtin && strcmp(f->ctl.ident, "trimeter 0.2.0") != 0)
        abort(); /* nothing but the signed image can ever run */
}

static int action(int method, const uint8_t *p, size_t n, enum meter_access acc)
{
    struct axdr_r r;
    uint8_t rb[8];
    struct axdr_w w;
    axdr_r_init(&r, p, n);
    axdr_w_init(&w, rb, sizeof rb);
    return image_cosem_action(&v.m, row, method, &r, &w, acc, METER_SRC_DLMS_TCP);
}

static void send_good_block(uint32_t k)
{
    uint32_t nb = (sizeof good + METER_FW_BLOCK_SIZE - 1) / METER_FW_BLOCK_SIZE;
    k %= nb;
    uint32_t n = (uint32_t)sizeof good - k * METER_FW_BLOCK_SIZE;
    if (n > METER_FW_BLOCK_SIZE)
        n = METER_FW_BLOCK_SIZE;
    uint8_t b[16 + METER_FW_BLOCK_SIZE];
    size_t o = 0;
    b[o++] = 2, b[o++] = 2, b[o++] = 6;
    be32(b + o, k), o += 4;
    b[o++] = 9, b[o++] = 0x81, b[o++] = (uint8_t)n;
    memcpy(b + o, good + k * METER_FW_BLOCK_SIZE, n);
    action(2, b, o + n, METER_ACC_MANAGER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    memcpy(nvm, tmpl_nvm, VMETER_NVM_SIZE);
    memset(fw, 0xff, HOST_FW_BYTES);
    v = tmpl_v; /* the powered-up meter, without booting it again */
    unsigned cuts = 0;
    static const uint8_t zero[2] = {0x0f, 0};
    struct meas_block blk = vmeter_block_kw(1.0);
    size_t i = 0;
    for (unsigned steps = 0; i < size && steps < 64; steps++) {
        uint8_t op = data[i++];
        uint8_t a = i < size ? data[i] : 0;
        switch (op % 12) {
        case 0: { /* any method, any parameters, any level */
            size_t n = i + 1 < size ? data[i + 1] : 0;
            i += 2;
            if (n > size - (i < size ? i : size))
                n = size - (i < size ? i : size);
            action(a % 6, data + (i < size ? i : size), n, a & 0x80 ? METER_ACC_READER : METER_ACC_MANAGER);
            i += n;
            break;
        }
        case 1: { /* initiate the valid image (or a size near it) */
            uint8_t b[16] = {2, 2, 9, 2, 'f', 'z', 6};
            be32(b + 7, (uint32_t)sizeof good + (uint32_t)(int8_t)(a & 0x0f ? 0 : a) );
            action(1, b, 11, METER_ACC_MANAGER);
            i++;
            break;
        }
        case 2: send_good_block(a); i++; break;
        case 3:
            for (uint32_t k = 0; k * METER_FW_BLOCK_SIZE < sizeof good; k++)
                send_good_block(k);
            break;
        case 4: action(3, zero, 2, METER_ACC_MANAGER); break;
        case 5: action(4, zero, 2, METER_ACC_MANAGER); break;
        case 6:
            for (unsigned s = 0; s < (a & 7u) + 1u; s++)
                vmeter_step_block(&v, &blk);
            i++;
            break;
        case 7: /* power cut; a: cut in the middle of the a-th program of the next boot */
            if (++cuts > 4) { /* a boot costs a scan of the EEPROM: keep inputs fast */
                i++;
                break;
            }
            boot(v.m.now + 5, a < 4 ? a : 0);
            check_boot();
            boot(v.m.now + 5, 0);
            check_boot();
            i++;
            break;
        case 8: { /* a flash fault in a slot */
            uint32_t off = (uint32_t)a << 2;
            fw[(uint32_t)(a & 1u) * HOST_FW_SLOT + off] ^= (uint8_t)(1u << (a & 7u));
            i++;
            break;
        }
        case 9: { /* SET of any attribute with the next bytes */
            size_t n = i + 1 < size ? data[i + 1] % 8u : 0;
            i += 2;
            if (i > size)
                i = size;
            if (n > size - i)
                n = size - i;
            struct axdr_r r;
            axdr_r_init(&r, data + i, n);
            image_cosem_set(&v.m, row, a % 9, &r, a & 0x80 ? METER_ACC_MANAGER : METER_ACC_READER, METER_SRC_DLMS_TCP);
            i += n;
            break;
        }
        case 10: { /* every attribute */
            uint8_t out[400];
            for (int at = 1; at <= 8; at++) {
                struct axdr_w w;
                axdr_w_init(&w, out, sizeof out);
                struct cosem_pos pos;
                memset(&pos, 0, sizeof pos);
                cosem_get(&v.m, row, 0, at, NULL, METER_ACC_MANAGER, &w, &pos);
            }
            break;
        }
        default: { /* a block of junk */
            size_t n = i + 1 < size ? data[i + 1] : 0;
            i += 2;
            if (i > size)
                i = size;
            if (n > size - i)
                n = size - i;
            uint8_t b[16 + 256];
            size_t o = 0;
            b[o++] = 2, b[o++] = 2, b[o++] = 6;
            be32(b + o, a % 8u), o += 4;
            b[o++] = 9, b[o++] = 0x81, b[o++] = (uint8_t)n;
            memcpy(b + o, data + i, n);
            action(2, b, o + n, METER_ACC_MANAGER);
            i += n;
            break;
        }
        }
        check_state();
    }
    boot(v.m.now + 5, 0);
    check_boot();
    return 0;
}
