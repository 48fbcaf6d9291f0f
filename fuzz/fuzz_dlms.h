/* Shared by the DLMS harnesses: one virtual meter with some history (a
 * load profile, events, a billing snapshot), booted once and restored
 * before every input; sessions of the three clients opened the way a
 * client does (AARQ, and for HLS-GMAC the reply_to_HLS_authentication),
 * and the invariants every input must keep. */
#ifndef FUZZ_DLMS_H
#define FUZZ_DLMS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosem/objtab.h"
#include "proto/dlms/dlms.h"
#include "proto/dlms/sec.h"
#include "vmeter.h"

static struct vmeter fd_v, fd_pristine;
static uint8_t *fd_nvm, *fd_nvm_pristine;

static const uint8_t fd_ek[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t fd_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                  0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t fd_title[8] = {'F', 'U', 'Z', 0, 0, 0, 0, 1};

static struct meter *fd_meter(void)
{
    if (fd_nvm == NULL) {
        fd_nvm = malloc(VMETER_NVM_SIZE);
        fd_nvm_pristine = malloc(VMETER_NVM_SIZE);
        memset(fd_nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&fd_v, fd_nvm, VMETER_NVM_SIZE, 1776211200);
        struct obj_value v;
        memset(&v, 0, sizeof v);
        v.type = OBJ_T_INT;
        v.i = 15;
        obj_write(&fd_v.m, objtab_find_key("profile_period_min"), METER_ACC_MANAGER, &v, METER_SRC_SIM);
        struct meas_block b = vmeter_block_kw(2.5);
        for (int s = 0; s < 3 * 3600; s++)
            vmeter_step_block(&fd_v, &b);
        obj_action(&fd_v.m, objtab_find_key("end_of_billing"), METER_ACC_MANAGER, 1, NULL, METER_SRC_SIM);
        fd_pristine = fd_v;
        memcpy(fd_nvm_pristine, fd_nvm, VMETER_NVM_SIZE);
    }
    fd_v = fd_pristine;
    memcpy(fd_nvm, fd_nvm_pristine, VMETER_NVM_SIZE);
    return &fd_v.m;
}

/* Serve one APDU; the answer must fit the negotiated PDU (or the buffer). */
static const uint8_t *fd_serve(struct meter *m, struct dlms_ctx *c, const uint8_t *p, size_t n, size_t *rl)
{
    size_t cap;
    const uint8_t *rsp;
    uint8_t *b = dlms_req_buf(c, &cap);
    if (n > cap)
        n = cap;
    memcpy(b, p, n);
    (void)dlms_serve(m, c, n, &rsp, rl);
    if (*rl > sizeof c->rsp || (c->state == DLMS_ASSOCIATED && *rl > dlms_max_pdu(c)))
        abort();
    return rsp;
}

/* AARQ of the public (mech 0) or reading (mech 1, password) client. */
static int fd_associate_plain(struct meter *m, struct dlms_ctx *c, uint16_t max_pdu)
{
    uint8_t a[64] = {0x60, 0, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01};
    size_t n = 13;
    if (c->client_sap == DLMS_CLIENT_READER) {
        static const uint8_t lls[] = {0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01,
                                      0xAC, 0x0A, 0x80, 0x08, '1',  '2',  '3',  '4',  '5',  '6',  '7',  '8'};
        memcpy(a + n, lls, sizeof lls);
        n += sizeof lls;
    }
    const uint8_t ui[] = {0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00,
                          0x00, 0x7E, 0x1F, (uint8_t)(max_pdu >> 8), (uint8_t)max_pdu};
    memcpy(a + n, ui, sizeof ui);
    n += sizeof ui;
    a[1] = (uint8_t)(n - 2);
    size_t rl;
    fd_serve(m, c, a, n, &rl);
    return c->state == DLMS_ASSOCIATED ? 0 : -1;
}

/* Wrap an xDLMS APDU as glo-xxx with counter ic (the management client). */
static size_t fd_cipher(struct meter *m, const uint8_t *apdu, size_t n, uint32_t ic, uint8_t *out)
{
    uint8_t tag = apdu[0] == 0xC0 ? 0xC8 : apdu[0] == 0xC1 ? 0xC9 : 0xCB;
    size_t body = n + 17, h = body < 0x80 ? 2 : body < 0x100 ? 3 : 4;
    out[0] = tag;
    if (h == 2) {
        out[1] = (uint8_t)body;
    } else if (h == 3) {
        out[1] = 0x81;
        out[2] = (uint8_t)body;
    } else {
        out[1] = 0x82;
        out[2] = (uint8_t)(body >> 8);
        out[3] = (uint8_t)body;
    }
    memcpy(out + h + 5, apdu, n);
    if (dlms_sec_seal(m->hal, fd_ek, fd_ak, fd_title, ic, out + h, n) < 0)
        abort();
    return h + body;
}

/* HLS-GMAC association of the management client: counters from 0. */
static int fd_associate_hls(struct meter *m, struct dlms_ctx *c, uint32_t *ic)
{
    uint8_t a[160] = {0x60, 0, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03,
                      0xA6, 0x0A, 0x04, 0x08};
    size_t n = 17;
    memcpy(a + n, fd_title, 8);
    n += 8;
    static const uint8_t hls[] = {0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05,
                                  0xAC, 0x0A, 0x80, 0x08, 'c',  'h',  'a',  'l',  'l',  'e',  'n',  'g'};
    memcpy(a + n, hls, sizeof hls);
    n += sizeof hls;
    static const uint8_t ir[] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0x00};
    a[n++] = 0xBE;
    a[n++] = (uint8_t)(sizeof ir + 21);
    a[n++] = 0x04;
    a[n++] = (uint8_t)(sizeof ir + 19);
    a[n++] = 0x21;
    a[n++] = (uint8_t)(sizeof ir + 17);
    memcpy(a + n + 5, ir, sizeof ir);
    if (dlms_sec_seal(m->hal, fd_ek, fd_ak, fd_title, (*ic)++, a + n, sizeof ir) < 0)
        abort();
    n += sizeof ir + 17;
    a[1] = (uint8_t)(n - 2);
    size_t rl;
    fd_serve(m, c, a, n, &rl);
    if (c->state != DLMS_PENDING)
        return -1;
    uint8_t act[32] = {0xC3, 0x01, 0x41, 0x00, 0x0F, 0, 0, 40, 0, 0, 255, 0x01, 0x01, 0x09, 0x11, 0x10};
    act[16] = (uint8_t)(*ic >> 24);
    act[17] = (uint8_t)(*ic >> 16);
    act[18] = (uint8_t)(*ic >> 8);
    act[19] = (uint8_t)*ic;
    if (dlms_sec_gmac(m->hal, fd_ek, fd_ak, fd_title, *ic, c->stoc, sizeof c->stoc, act + 20) < 0)
        abort();
    uint8_t w[64];
    size_t wn = fd_cipher(m, act, 32, (*ic)++, w);
    fd_serve(m, c, w, wn, &rl);
    return c->state == DLMS_ASSOCIATED ? 0 : -1;
}

/* Nothing a client sends may change a register, a legal parameter or
 * (below the management client, which may configure) the configuration. */
static void fd_check_as(bool may_configure)
{
    if (memcmp(&fd_v.m.energy, &fd_pristine.m.energy, sizeof fd_v.m.energy) != 0)
        abort();
    if (!may_configure && memcmp(&fd_v.m.cfg, &fd_pristine.m.cfg, sizeof fd_v.m.cfg) != 0)
        abort();
    if (fd_v.m.legal.changes != fd_pristine.m.legal.changes || fd_v.m.serial != fd_pristine.m.serial ||
        memcmp(&fd_v.m.metro.cal, &fd_pristine.m.metro.cal, sizeof fd_v.m.metro.cal) != 0)
        abort();
    if (fd_v.m.client != 0) /* only while a request is served */
        abort();
}

static void fd_check(void)
{
    fd_check_as(false);
}

#endif
