/*
 * The power-fail path on a whole virtual meter (S-2.1, S-7.3): the supply
 * monitor's early warning arrives at every point of a main-loop pass (before
 * every HAL call the core makes while it processes a second with a profile
 * boundary, and inside every EEPROM write cycle), the core goes on looping, and the supply dies HOLDUP_US after
 * the warning (a program operation still running then is torn). After the
 * reboot the energy registers must hold the full-resolution state (nothing
 * lost), and the device time the EEPROM spent after the warning must fit
 * the hold-up time. Then the power vanishes at every byte of the emergency
 * save itself: the registers may lose at most one resolution step, never go
 * backwards, and the cut is not reported as corruption.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmeter.h"

#define HOLDUP_US 20000u /* documented hold-up time of the supply (docs/STORE.md) */
#define T0 1774735200    /* a 5-minute (profile) boundary */
#define WARM 5           /* seconds before the measured pass */
#define NEVER UINT64_MAX

struct pf {
    struct vmeter *v;
    struct meter_hal orig;
    uint64_t calls, inject_at, t0_us, cut_bytes, prog0, after, ops0, ops;
    enum eeprom_tear cut_mode;
    bool warned;
    uint64_t worst_us;
};

static struct pf P;
static uint64_t violations, points, cuts;

static void fail(const char *what, uint64_t at)
{
    violations++;
    if (violations <= 20)
        fprintf(stderr, "VIOLATION: %s (point %llu)\n", what, (unsigned long long)at);
}

/* One point of the main loop: the supply monitor may fire here (the ISR
 * latches the flag, the monitor input drops). */
static void tick_at(uint64_t t_us)
{
    if (!P.warned && P.calls++ == P.inject_at) {
        P.warned = true;
        P.t0_us = t_us;
        P.prog0 = P.v->hw.eeprom.bytes_prog;
        P.v->hw.supply_ok = false;
        meter_power_fail(&P.v->m);
        if (P.cut_bytes != NEVER)
            eeprom_cut_after(&P.v->hw.eeprom, P.cut_bytes, P.cut_mode, (uint32_t)P.cut_bytes * 2654435761u | 1u);
    }
}

static void tick(void)
{
    tick_at(P.v->hw.eeprom.busy_us);
}

/* A program operation is two points: before it, and in its write cycle
 * (the warning then finds the part busy for the rest of the cycle). */
static int w_nvm_program(void *c, uint32_t a, const void *b, size_t n)
{
    uint64_t start = P.v->hw.eeprom.busy_us;
    tick();
    int r = P.orig.nvm_program(c, a, b, n);
    if (r == METER_OK)
        tick_at(start + eeprom_program_us(&P.v->hw.eeprom.part, n) - P.v->hw.eeprom.part.t_write_us);
    return r;
}

static int w_nvm_read(void *c, uint32_t a, void *b, size_t n) { tick(); return P.orig.nvm_read(c, a, b, n); }
static int w_rtc_get(void *c, int64_t *t) { tick(); return P.orig.rtc_get(c, t); }
static uint32_t w_ms_now(void *c) { tick(); return P.orig.ms_now(c); }
static uint32_t w_inputs(void *c) { tick(); return P.orig.inputs_read(c); }
static bool w_supply(void *c) { tick(); return P.orig.supply_ok(c); }
static void w_kick(void *c) { tick(); P.orig.watchdog_kick(c); }
static void w_pulse(void *c, bool on) { tick(); P.orig.pulse_set(c, on); }
static void w_lcd(void *c, const struct lcd_state *l) { tick(); if (P.orig.lcd_show) P.orig.lcd_show(c, l); }
static int w_relay(void *c, enum meter_relay r, bool on) { tick(); return P.orig.relay_set(c, r, on); }

/* The supply is gone HOLDUP_US after the warning: an operation that would
 * end later is cut in its write cycle. */
static void deadline(void *ctx, struct eeprom *e, uint32_t addr, const void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    if (P.warned && getenv("POWERFAIL_TRACE"))
        fprintf(stderr, "  after warning: program 0x%05x %zu B at +%.2f ms\n", (unsigned)addr, len,
                (double)(e->busy_us - P.t0_us) / 1000.0);
    if (P.warned && !e->off && e->busy_us + eeprom_program_us(&e->part, len) > P.t0_us + HOLDUP_US)
        eeprom_cut_after(e, len / 2u, EEPROM_TEAR_CYCLE, 99);
}

static void wrap(struct vmeter *v)
{
    P.v = v;
    P.orig = v->hal;
    v->hal.nvm_read = w_nvm_read;
    v->hal.nvm_program = w_nvm_program;
    v->hal.rtc_get = w_rtc_get;
    v->hal.ms_now = w_ms_now;
    v->hal.inputs_read = w_inputs;
    v->hal.supply_ok = w_supply;
    v->hal.watchdog_kick = w_kick;
    v->hal.pulse_set = w_pulse;
    v->hal.lcd_show = w_lcd;
    v->hal.relay_set = w_relay;
    v->hw.eeprom.before_program = deadline;
}

/* Energy registers a reboot on this image restores. */
static struct energy restored(uint8_t *img, uint32_t *status)
{
    static struct vmeter r;
    eeprom_power_on(&P.v->hw.eeprom);
    vmeter_boot(&r, img, VMETER_NVM_SIZE, T0 + WARM + 2);
    *status = r.m.status;
    return r.m.energy;
}

static uint64_t disp(uint64_t uwh)
{
    return uwh / 10000000u; /* 0.01 kWh */
}

/* Boot, warm up, then the measured pass with the warning at HAL call `at`
 * (and the power cut `cut` bytes into what follows, if given). Returns
 * false once `at` lies beyond the pass. */
static bool one(double kw, uint64_t at, uint64_t cut, enum eeprom_tear mode, uint8_t *img, uint8_t *before)
{
    static struct vmeter v;
    memset(img, 0xff, VMETER_NVM_SIZE);
    memset(&P, 0, sizeof P);
    P.inject_at = NEVER;
    P.cut_bytes = NEVER;
    vmeter_boot(&v, img, VMETER_NVM_SIZE, T0 - WARM);
    struct meas_block b = vmeter_block_kw(kw);
    for (int s = 0; s < WARM; s++)
        vmeter_step_block(&v, &b);
    memcpy(before, img, VMETER_NVM_SIZE);
    wrap(&v);
    P.inject_at = at;
    P.cut_bytes = cut;
    P.ops0 = v.hw.eeprom.ops;
    P.cut_mode = mode;
    v.hw.inputs |= METER_IN_COVER_OPEN; /* and the cover opens: an event record too */
    vmeter_step_block(&v, &b);          /* crosses the profile boundary */
    for (int k = 0; k < 3; k++) {
        v.hw.sim_ms += 1;
        meter_poll(&v.m); /* the main loop spins on */
    }
    if (!P.warned)
        return false;
    uint64_t used = v.hw.eeprom.busy_us - P.t0_us;
    P.after = v.hw.eeprom.bytes_prog - P.prog0;
    P.ops = v.hw.eeprom.ops - P.ops0;
    if (used > P.worst_us)
        P.worst_us = used;
    struct energy ram = v.m.energy;
    uint32_t st, st0;
    struct energy got = restored(img, &st);
    struct energy low = restored(before, &st0);
    if (st & METER_ST_NVM_CORRUPT)
        fail("power cut reported as NVM corruption", at);
    for (int q = 0; q < MEAS_QTY; q++) {
        if (got.total[q] < low.total[q])
            fail("register went backwards", at);
        if (cut == NEVER && got.total[q] != ram.total[q])
            fail("full-resolution state not saved within the hold-up time", at);
        if (got.total[q] > ram.total[q] || disp(ram.total[q]) - disp(got.total[q]) > 1)
            fail("register lost more than one resolution step", at);
    }
    if (cut == NEVER && used > HOLDUP_US)
        fail("EEPROM busy beyond the hold-up time after the warning", at);
    return true;
}

int main(void)
{
    uint8_t *img = malloc(VMETER_NVM_SIZE), *before = malloc(VMETER_NVM_SIZE);
    if (img == NULL || before == NULL)
        return 2;
    static const double loads[2] = {25.0, 69.0};
    for (int l = 0; l < 2; l++) {
        uint64_t n = 0, worst = 0;
        one(loads[l], NEVER, NEVER, EEPROM_TEAR_WORD, img, before);
        uint64_t ops = P.v->hw.eeprom.ops - P.ops0;
        while (one(loads[l], n, NEVER, EEPROM_TEAR_WORD, img, before)) {
            if (P.worst_us > worst)
                worst = P.worst_us;
            n++;
        }
        points += n;
        printf("power-fail warning at %llu points of the main loop (%.0f kW; the pass writes %llu pages without "
               "a warning): worst EEPROM time after the warning %.2f ms of %.0f ms hold-up\n",
               (unsigned long long)n, loads[l], (unsigned long long)ops, (double)worst / 1000.0,
               HOLDUP_US / 1000.0);
    }
    /* the power vanishes inside the emergency save: learn how many bytes it
     * programs after a warning at the start of the pass, then cut at each */
    one(25.0, 0, NEVER, EEPROM_TEAR_WORD, img, before);
    uint64_t after = P.after;
    static const enum eeprom_tear modes[3] = {EEPROM_TEAR_WORD, EEPROM_TEAR_PREFIX, EEPROM_TEAR_CYCLE};
    for (uint64_t k = 0; k < after; k++)
        for (int m = 0; m < 3; m++) {
            one(25.0, 0, k, modes[m], img, before);
            cuts++;
        }
    printf("power cut inside the emergency save: %llu bytes programmed after the warning, %llu cut points "
           "(every byte x 3 tear modes)\n",
           (unsigned long long)after, (unsigned long long)cuts);
    printf("power-fail path: %llu warning points + %llu cut points, %llu violations\n", (unsigned long long)points,
           (unsigned long long)cuts, (unsigned long long)violations);
    free(img);
    free(before);
    return violations == 0 ? 0 : 1;
}
