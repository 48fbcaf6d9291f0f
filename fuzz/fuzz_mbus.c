/* libFuzzer harness: the M-Bus slave. The input is a byte stream on the
 * line: split into frames the way the driver does (mbus_frame_need; a byte
 * that starts none is dropped), every frame served with the session state
 * carried on. The first byte picks the primary address and the layout.
 * Checks: an answer only to a frame addressed to this meter (its primary
 * address, 254, 253 while selected, or a selection that matched), never to
 * a broadcast or a broken frame; every answer is E5 or a well-formed RSP_UD
 * from this meter's address whose records walk cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mbus/mbus.h"
#include "trimeter/meter.h"
#include "vmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmeter fz_v;
static uint8_t *fz_nvm;

static struct meter *fz_meter(void)
{
    if (fz_nvm == NULL) {
        fz_nvm = malloc(VMETER_NVM_SIZE);
        memset(fz_nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&fz_v, fz_nvm, VMETER_NVM_SIZE, 1774742400LL);
        fz_v.m.serial = 12345678;
        struct meas_block b = vmeter_block_kw(3.0);
        for (int i = 0; i < 10; i++)
            vmeter_step_block(&fz_v, &b);
    }
    return &fz_v.m;
}

static void fz_check_answer(const struct mbus_cfg *c, const uint8_t *out, size_t n)
{
    struct mbus_frame f;
    if (n == 0)
        return;
    if (n == 1) {
        if (out[0] != MBUS_ACK)
            abort();
        return;
    }
    if (n > MBUS_FRAME_MAX || mbus_frame_need(out, n) != n || mbus_frame_parse(out, n, &f) != 0 ||
        f.kind != MBUS_F_LONG || f.c != MBUS_C_RSP_UD || f.a != c->primary || f.ci != MBUS_CI_RSP_LONG || f.n < 12)
        abort();
    size_t p = 12;
    while (p < f.n) {
        if (f.data[p] == 0x1F && p + 1 == f.n)
            break;
        int r = mbus_rec_len(f.data + p, f.n - p);
        if (r <= 0)
            abort();
        p += (size_t)r;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meter *m = fz_meter();
    /* the meter's own M-Bus state, as the driver uses it (an address the
     * master sets goes there through the object table); one address write
     * per input keeps the EEPROM path in reach without spending the run on
     * configuration saves */
    struct mbus_meter *mm = &m->proto.mbus;
    memset(mm, 0, sizeof *mm);
    mm->addr_writes = MBUS_ADDR_WRITES_MAX - 1;
    struct mbus_cfg *c = &mm->cfg;
    struct mbus_sess s;
    if (size < 1)
        return 0;
    mbus_cfg_factory(c);
    c->primary = data[0] % 4u == 0 ? 0 : (uint8_t)(data[0] & 0x03u); /* 0..3: frames hit it often */
    c->layout = (data[0] & 0x80u) ? MBUS_LAYOUT_KAM : MBUS_LAYOUT_TRM;
    mbus_sess_reset(&s);
    struct mbus_secaddr own;
    mbus_own_secaddr(m, c, &own);
    data++;
    size--;
    size_t i = 0;
    while (i < size) {
        size_t need = mbus_frame_need(data + i, size - i);
        if (need == 0) {
            i++; /* stray byte */
            continue;
        }
        if (need == MBUS_NEED_MORE || need > size - i)
            break; /* the rest is an unfinished frame */
        const uint8_t *fr = data + i;
        struct mbus_frame f;
        int ok = mbus_frame_parse(fr, need, &f);
        bool was_sel = s.selected;
        uint8_t prim = c->primary;
        const uint8_t *out = NULL;
        size_t n = mbus_serve(m, mm, &s, fr, need, &out);
        if ((n == 0) != (out == NULL))
            abort();
        if (n > 0) {
            if (ok != 0 || f.kind == MBUS_F_ACK || f.a == MBUS_ADDR_BROADCAST)
                abort(); /* an answer to a broken frame or a broadcast */
            bool selmatch = f.kind == MBUS_F_LONG && f.ci == MBUS_CI_SELECT && f.n >= 8 &&
                            mbus_sec_match(f.data, &own);
            if (!(f.a == prim || f.a == MBUS_ADDR_TEST || (f.a == MBUS_ADDR_SECONDARY && (was_sel || selmatch))))
                abort(); /* an answer meant for another meter */
        }
        fz_check_answer(c, out, n);
        if (!mbus_cfg_valid(c))
            abort();
        i += need;
    }
    return 0;
}
