/* Shared by the optical-port harnesses: one virtual meter booted once,
 * restored to its pristine state before every input (so an input's result
 * does not depend on the ones before it), and the legal invariant. */
#ifndef FUZZ_OPTICAL_H
#define FUZZ_OPTICAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmeter.h"

static struct vmeter fz_v, fz_pristine;
static uint8_t *fz_nvm, *fz_nvm_pristine;
static size_t fz_out;
/* TX room the port offers per main-loop pass (0 = no limit) and what is
 * left of it in this pass. */
static size_t fz_limit, fz_credit;

static size_t fz_write(void *ctx, unsigned line, const uint8_t *b, size_t n)
{
    (void)ctx;
    (void)line;
    (void)b;
    if (fz_limit != 0) {
        if (n > fz_credit)
            abort(); /* the core wrote more than port_tx_room offered */
        fz_credit -= n;
    }
    fz_out += n;
    return n;
}

static size_t fz_room(void *ctx, unsigned line)
{
    (void)ctx;
    (void)line;
    return fz_limit == 0 ? SIZE_MAX : fz_credit;
}

/* Bytes in, with the pass's room. */
static void fz_rx(struct meter *m, const uint8_t *b, size_t n)
{
    fz_credit = fz_limit;
    meter_port_rx(m, 0, b, n);
}

/* Main-loop passes (10 ms apart) until the answer is out (bounded). */
static void fz_drain(struct meter *m)
{
    const struct session *s = port_session(m, METER_LINE_OPTICAL);
    for (int k = 0; k < 4000 && (session_tx_busy(s) || s->more); k++) {
        fz_credit = fz_limit;
        fz_v.hw.sim_ms += 10;
        meter_poll(m);
    }
    if (session_tx_busy(s) || s->more)
        abort(); /* an answer that never ends */
}

static int fz_config(void *ctx, unsigned line, uint32_t baud, enum meter_framing f)
{
    (void)ctx;
    (void)line;
    (void)f;
    if (baud != 300 && baud != 600 && baud != 1200 && baud != 2400 && baud != 4800 && baud != 9600 &&
        baud != 19200)
        abort(); /* the protocols only ever ask for standard rates */
    return 0;
}

/* A meter with some energy on its registers, then fresh for every input. */
static struct meter *fz_meter(void)
{
    if (fz_nvm == NULL) {
        fz_nvm = malloc(VMETER_NVM_SIZE);
        fz_nvm_pristine = malloc(VMETER_NVM_SIZE);
        memset(fz_nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&fz_v, fz_nvm, VMETER_NVM_SIZE, 1774742400);
        struct meas_block b;
        memset(&b, 0, sizeof b);
        b.e[MEAS_AP] = 3000000;
        b.ph[0].e[MEAS_AP] = 3000000;
        b.p_mw = 10800;
        b.f_mhz = 50000;
        for (int s = 0; s < 100; s++)
            vmeter_step_block(&fz_v, &b);
        fz_v.hw.port[0].write = fz_write;
        fz_v.hw.port[0].config = fz_config;
        fz_v.hw.port[0].room = fz_room;
        fz_pristine = fz_v;
        memcpy(fz_nvm_pristine, fz_nvm, VMETER_NVM_SIZE);
    }
    fz_v = fz_pristine;
    memcpy(fz_nvm, fz_nvm_pristine, VMETER_NVM_SIZE);
    fz_out = 0;
    fz_limit = fz_credit = 0;
    return &fz_v.m;
}

/* Legal registers may not move, whatever arrived on the port. */
static void fz_check_legal(void)
{
    if (memcmp(&fz_v.m.energy, &fz_pristine.m.energy, sizeof fz_v.m.energy) != 0)
        abort();
}

#endif
