/* An image built and signed by tools/fwsign/fwsign.py (python3-cryptography,
 * an ECDSA implementation independent of the meter's mbed TLS and of the
 * tests' signer) is transferred, verified and activated through class 18;
 * the same image with one signature bit changed is refused.
 * Usage: fw_tool_image IMAGE IDENT */
#include <stdio.h>

#include "unit/fw_util.h"

static uint8_t im[HOST_FW_SLOT];

#define CHECK(c)                                                    \
    do {                                                            \
        if (!(c)) {                                                 \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
            return 1;                                               \
        }                                                           \
    } while (0)

static int transfer(struct fwm *f, uint32_t len, int want_verify)
{
    CHECK(fw_initiate(&f->v.m, "tool", len, METER_ACC_MANAGER) == 0);
    CHECK(fw_send(&f->v.m, im, len) == 0);
    CHECK(fw_verify(f, NULL) == want_verify);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    FILE *fp = fopen(argv[1], "rb");
    CHECK(fp != NULL);
    size_t len = fread(im, 1, sizeof im, fp);
    fclose(fp);
    CHECK(len > FWIMG_HDR_SIZE);
    struct fwm *f = fwm_new();
    im[FWIMG_O_SIG + 40] ^= 0x10;
    CHECK(transfer(f, (uint32_t)len, 250) == 0);
    CHECK(f->v.m.fw.why == FWIMG_W_SIGNATURE);
    im[FWIMG_O_SIG + 40] ^= 0x10;
    CHECK(fw_initiate(&f->v.m, "tool2", (uint32_t)len, METER_ACC_MANAGER) == 0);
    CHECK(fw_send(&f->v.m, im, (uint32_t)len) == 0);
    CHECK(fw_verify(f, NULL) == 0);
    CHECK(fw_simple(&f->v.m, 4, METER_ACC_MANAGER) == 0);
    fwm_cut(f);
    uint32_t n;
    const char *id = fwimg_ident(&f->v.m, &n);
    CHECK(n == strlen(argv[2]) && memcmp(id, argv[2], n) == 0);
    CHECK(f->v.m.fw.status == FWIMG_ST_ACTIVATED);
    printf("image of %zu bytes signed by fwsign.py: activated, running \"%.*s\"\n", len, (int)n, id);
    fwm_free(f);
    return 0;
}
