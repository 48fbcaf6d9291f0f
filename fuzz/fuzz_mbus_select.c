/* libFuzzer harness: secondary-address selection. Input: a selection (8
 * bytes: id BCD, manufacturer, version, medium, with wildcards) and a
 * meter's secondary address (8 bytes). mbus_sec_match is checked against
 * the rule written out field by field, and a SND_UD selection frame to 253
 * through the slave selects it exactly when they match (then REQ_UD2 to
 * 253 is answered, otherwise silence). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mbus/mbus.h"
#include "vmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmeter fz_v;
static uint8_t *fz_nvm;

/* The rule: a digit of the id matches when equal or F; the manufacturer
 * when equal or FFFF; version and medium when equal or FF. */
static bool rule(const uint8_t *sel, const uint8_t *own)
{
    for (int d = 0; d < 8; d++) {
        unsigned s = (sel[d / 2] >> (4 * (d % 2))) & 0xFu, o = (own[d / 2] >> (4 * (d % 2))) & 0xFu;
        if (s != 0xFu && s != o)
            return false;
    }
    uint16_t sm = (uint16_t)(sel[4] | sel[5] << 8), om = (uint16_t)(own[4] | own[5] << 8);
    if (sm != 0xFFFFu && sm != om)
        return false;
    return (sel[6] == 0xFFu || sel[6] == own[6]) && (sel[7] == 0xFFu || sel[7] == own[7]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9)
        return 0;
    if (fz_nvm == NULL) {
        fz_nvm = malloc(VMETER_NVM_SIZE);
        memset(fz_nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&fz_v, fz_nvm, VMETER_NVM_SIZE, 1774742400LL);
    }
    uint8_t sel[8];
    memcpy(sel, data, 8);
    /* the meter: serial from the input's BCD digits (valid ones), layout */
    uint32_t serial = 0;
    for (size_t k = 0; k < 4 && 8 + k < size; k++)
        serial = serial * 100u + (data[8 + k] % 100u);
    fz_v.m.serial = serial % 100000000u;
    struct mbus_meter mm;
    memset(&mm, 0, sizeof mm);
    struct mbus_cfg *c = &mm.cfg;
    mbus_cfg_factory(c);
    c->layout = (data[8] & 1u) ? MBUS_LAYOUT_KAM : MBUS_LAYOUT_TRM;
    struct mbus_secaddr own;
    mbus_own_secaddr(&fz_v.m, c, &own);
    bool want = rule(sel, own.b);
    if (mbus_sec_match(sel, &own) != want)
        abort();
    /* an own address against itself always matches */
    if (!mbus_sec_match(own.b, &own))
        abort();
    struct mbus_sess s;
    mbus_sess_reset(&s);
    uint8_t fr[MBUS_FRAME_MAX];
    const uint8_t *out = NULL;
    int k = mbus_frame_long(0x53, MBUS_ADDR_SECONDARY, MBUS_CI_SELECT, sel, 8, fr, sizeof fr);
    if (k <= 0)
        abort();
    size_t n = mbus_serve(&fz_v.m, &mm, &s, fr, (size_t)k, &out);
    if ((n == 1 && out[0] == MBUS_ACK) != want || s.selected != want)
        abort();
    uint8_t req[5] = {0x10, 0x7B, MBUS_ADDR_SECONDARY, (uint8_t)(0x7B + MBUS_ADDR_SECONDARY), 0x16};
    n = mbus_serve(&fz_v.m, &mm, &s, req, 5, &out);
    if ((n > 9) != want)
        abort();
    return 0;
}
