/* libFuzzer harness: the decoders of the control and configuration classes
 * (src/cosem/cosem_ctl.h: activity calendar, special days, limiter, push
 * setup, security setup). Byte 0 picks the entry point and the client's
 * level (bit 7: management, else reading), byte 1 the attribute or
 * method, the rest is the A-XDR value or parameters. Invariants: the answer
 * is a data-access-/action-result the header names; a refused request
 * changes no configuration; the reading client changes nothing; after an
 * accepted one the passive calendar is valid and every attribute of the
 * classes still encodes. One meter, restored before every input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosem/cosem_ctl.h"
#include "cosem/objtab.h"
#include "proto/dlms/dlms.h"
#include "registers/tariff_passive.h"
#include "vmeter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmeter fz_v, fz_pristine;
static uint8_t *fz_nvm, *fz_nvm_pristine;

static const struct obis ln_cal = OBIS(0, 0, 13, 0, 0, 255), ln_sd = OBIS(0, 0, 11, 0, 0, 255),
                         ln_lim = OBIS(0, 0, 17, 0, 0, 255), ln_push = OBIS(0, 1, 25, 9, 0, 255);

static struct meter *fz_meter(void)
{
    if (fz_nvm == NULL) {
        fz_nvm = malloc(VMETER_NVM_SIZE);
        fz_nvm_pristine = malloc(VMETER_NVM_SIZE);
        if (fz_nvm == NULL || fz_nvm_pristine == NULL)
            abort();
        memset(fz_nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&fz_v, fz_nvm, VMETER_NVM_SIZE, 1776211200);
        struct meas_block b = vmeter_block_kw(2.5);
        for (int s = 0; s < 10; s++)
            vmeter_step_block(&fz_v, &b);
        fz_pristine = fz_v;
        memcpy(fz_nvm_pristine, fz_nvm, VMETER_NVM_SIZE);
    }
    fz_v = fz_pristine;
    memcpy(fz_nvm, fz_nvm_pristine, VMETER_NVM_SIZE);
    return &fz_v.m;
}

/* What the classes change. */
struct fz_state {
    struct meter_config cfg;
    struct tariff_passive passive;
    struct control_cfg control;
    struct dlms_keys keys;
#if METER_PORT_HAN
    struct han_cfg han;
#endif
};

static void fz_snap(const struct meter *m, struct fz_state *s)
{
    memset(s, 0, sizeof *s);
    memcpy(&s->cfg, &m->cfg, sizeof s->cfg);
    memcpy(&s->passive, &m->tariff_passive, sizeof s->passive);
    memcpy(&s->control, &m->control.cfg, sizeof s->control);
    memcpy(&s->keys, &m->proto.dlms.keys, sizeof s->keys);
#if METER_PORT_HAN
    memcpy(&s->han, &m->proto.han.cfg, sizeof s->han);
#endif
}

static bool fz_result_ok(int r)
{
    return r == 0 || r == 1 || r == 2 || r == 3 || r == 4 || r == 11 || r == 12 || r == 13 || r == 250;
}

static void fz_get_all(const struct meter *m, const struct obis *ln, int nattr)
{
    static uint8_t buf[8192];
    const struct obj_def *o = objtab_find(ln);
    if (o == NULL)
        return;
    for (int a = 1; a <= nattr; a++) {
        struct axdr_w w;
        struct cosem_pos pos;
        memset(&pos, 0, sizeof pos);
        axdr_w_init(&w, buf, sizeof buf);
        if (cosem_get(m, o, 0, a, NULL, METER_ACC_MANAGER, &w, &pos) != 1 || axdr_w_over(&w))
            abort();
        struct axdr_r r;
        axdr_r_init(&r, buf, axdr_w_len(&w));
        if (axdr_skip(&r, AXDR_DEPTH_MAX) < 0 || axdr_r_left(&r) != 0)
            abort(); /* one well-formed value */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct meter *m = fz_meter();
    enum meter_access acc = (data[0] & 0x80) ? METER_ACC_MANAGER : METER_ACC_READER;
    int which = data[0] & 0x0F, attr = data[1] % 13;
    struct axdr_r r;
    uint8_t out[64];
    struct axdr_w w;
    axdr_r_init(&r, data + 2, size - 2);
    axdr_w_init(&w, out, sizeof out);
    struct fz_state before, after;
    fz_snap(m, &before);
    const struct obj_def *cal = objtab_find(&ln_cal), *sd = objtab_find(&ln_sd), *lim = objtab_find(&ln_lim),
                         *push = objtab_find(&ln_push);
    enum meter_src src = METER_SRC_DLMS_TCP;
    int res;
    switch (which) {
    case 0: res = cosem_cal_set(m, cal, attr, &r, acc, src); break;
    case 1: res = cosem_cal_action(m, cal, attr, &r, &w, acc, src); break;
    case 2: res = cosem_sd_action(m, sd, attr, &r, &w, acc, src); break;
    case 3: res = cosem_sd_set(m, sd, attr, &r, acc, src); break;
    case 4: res = cosem_lim_set(m, lim, attr, &r, acc, src); break;
    case 5: res = push != NULL ? cosem_push_set(m, push, attr, &r, acc, src) : 4; break;
    case 6: res = cosem_sec_action(m, NULL, attr, &r, &w, acc, src); break;
    case 7: res = cosem_sec_set(m, NULL, attr, &r, acc, src); break;
    default: return 0;
    }
    if (!fz_result_ok(res))
        abort();
    fz_snap(m, &after);
    if ((res != 0 || acc < METER_ACC_MANAGER) && memcmp(&before, &after, sizeof before) != 0)
        abort(); /* refused: nothing changed */
    if (acc < METER_ACC_MANAGER && res == 0)
        abort(); /* the reading client sets and executes nothing here */
    if (!tariff_passive_valid(&m->tariff_passive))
        abort();
    fz_get_all(m, &ln_cal, 10);
    fz_get_all(m, &ln_sd, 2);
    fz_get_all(m, &ln_lim, 11);
    fz_get_all(m, &ln_push, 7);
    return 0;
}
