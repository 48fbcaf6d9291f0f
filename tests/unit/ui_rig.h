/*
 * ui_rig.h — a virtual meter for the display-and-control unit tests.
 *
 * The rig is a vmeter whose HAL counts relay and LCD calls and can cut the
 * power at a chosen moment: at the n-th drive of a relay (after the state
 * machine persisted its new state, before the relay moved) or at any time
 * between two calls. A power cut makes every later NVM program and relay
 * drive fail; rig_reboot() then boots a zeroed struct meter on the same
 * EEPROM image with the physical relay positions and inputs kept, which is
 * what an outage does to the real meter (RAM lost, NVM and bistable relays
 * kept).
 */
#ifndef TRIMETER_TEST_UI_RIG_H
#define TRIMETER_TEST_UI_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "vmeter.h"

/* 2026-03-28 (Saturday) 12:00 UTC: a quiet day for most tests. */
#define RIG_T0 1774699200LL

struct rig {
    struct vmeter v;         /* first: the HAL's ctx (&v.hw) is the rig */
    struct meter_hal host;   /* the host HAL the hooks pass on to */
    uint8_t *nvm;
    bool dead;               /* power cut: no NVM programs, no relay drives */
    unsigned cut_at_drive;   /* >0: cut at this main-relay drive */
    unsigned drives;         /* main relay drives */
    unsigned aux_drives;
    unsigned lcd_calls;
    struct lcd_state lcd;    /* the last LCD state shown */
};

static inline int rig_nvm_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct rig *r = ctx;
    if (r->dead)
        return METER_EIO;
    return r->host.nvm_program(ctx, addr, buf, len);
}

static inline int rig_relay_set(void *ctx, enum meter_relay relay, bool closed)
{
    struct rig *r = ctx;
    if (r->dead)
        return METER_EIO;
    if (relay == METER_RELAY_MAIN) {
        r->drives++;
        if (r->cut_at_drive != 0 && r->drives == r->cut_at_drive) {
            r->dead = true;
            return METER_EIO;
        }
    } else {
        r->aux_drives++;
    }
    return r->host.relay_set(ctx, relay, closed);
}

static inline void rig_lcd_show(void *ctx, const struct lcd_state *l)
{
    struct rig *r = ctx;
    r->lcd_calls++;
    r->lcd = *l;
}

static inline void rig_hooks(struct rig *r)
{
    r->host = r->v.hal;
    r->v.hal.nvm_program = rig_nvm_program;
    r->v.hal.relay_set = rig_relay_set;
    r->v.hal.lcd_show = rig_lcd_show;
}

/* A factory-fresh meter at `start` (UTC). */
static inline struct rig *rig_new(int64_t start)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->nvm = malloc(VMETER_NVM_SIZE);
    assert_non_null(r->nvm);
    memset(r->nvm, 0xff, VMETER_NVM_SIZE);
    /* Boot once to get the host HAL, hook it, boot again on a clean part. */
    memset(&r->v.hw, 0, sizeof r->v.hw);
    r->v.hw.nvm = r->nvm;
    r->v.hw.nvm_size = VMETER_NVM_SIZE;
    r->v.hw.nvm_page = VMETER_NVM_PAGE;
    r->v.hw.rtc_utc = start;
    r->v.hw.rtc_valid = true;
    r->v.hw.supply_ok = true;
    r->v.hw.relay[METER_RELAY_MAIN] = true;
    host_hal_bind(&r->v.hal, &r->v.hw);
    rig_hooks(r);
    assert_int_equal(meter_init(&r->v.m, &r->v.hal), METER_OK);
    return r;
}

static inline void rig_free(struct rig *r)
{
    free(r->nvm);
    free(r);
}

/* Power comes back after `off_s` seconds: RAM lost, NVM, RTC and relays kept. */
static inline void rig_reboot(struct rig *r, unsigned off_s)
{
    r->dead = false;
    r->cut_at_drive = 0;
    r->v.hw.sim_ms += (uint64_t)off_s * 1000u;
    memset(&r->v.m, 0, sizeof r->v.m);
    r->v.hw.supply_ok = true;
    meter_init(&r->v.m, &r->v.hal);
}

/* An outage now: the supply monitor warns, the meter saves, power goes. */
static inline void rig_outage(struct rig *r, unsigned off_s)
{
    r->v.hw.supply_ok = false;
    meter_power_fail(&r->v.m);
    meter_poll(&r->v.m);
    r->dead = true;
    rig_reboot(r, off_s);
}

/* One second of a balanced three-phase load: u V, i A per phase, import
 * (export when i < 0), PF 1. */
static inline struct meas_block rig_block3(double u, double i1, double i2, double i3)
{
    struct meas_block b;
    double ia[3] = {i1, i2, i3};
    memset(&b, 0, sizeof b);
    for (int p = 0; p < 3; p++) {
        double pw = u * ia[p];
        b.ph[p].u_mv = (int32_t)(u * 1000.0);
        b.ph[p].i_ua = (int32_t)((ia[p] < 0 ? -ia[p] : ia[p]) * 1e6);
        b.ph[p].p_mw = (int32_t)(pw * 1000.0);
        b.ph[p].s_mva = b.ph[p].p_mw < 0 ? -b.ph[p].p_mw : b.ph[p].p_mw;
        b.ph[p].u_angle_mdeg = p == 0 ? 0 : p == 1 ? -120000 : 120000;
        if (pw > 0)
            b.ph[p].e[MEAS_AP] = (int64_t)(pw * 1e6 / 3600.0);
        else
            b.ph[p].e[MEAS_AN] = (int64_t)(-pw * 1e6 / 3600.0);
        b.e[MEAS_AP] += b.ph[p].e[MEAS_AP];
        b.e[MEAS_AN] += b.ph[p].e[MEAS_AN];
        b.p_mw += b.ph[p].p_mw;
        b.s_mva += b.ph[p].s_mva;
        if (u < 160.0)
            b.flags |= (uint32_t)MEAS_F_NO_VOLTAGE_L1 << p;
    }
    b.f_mhz = 50000;
    b.quadrant = b.p_mw > 0 ? 1 : b.p_mw < 0 ? 2 : 0;
    return b;
}

static inline struct meas_block rig_block(double u, double i)
{
    return rig_block3(u, i, i, i);
}

/* n seconds of the same block. The relay's position decides whether the
 * load draws current (an open disconnector: no current, no energy). */
static inline void rig_run(struct rig *r, const struct meas_block *b, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        struct meas_block x = *b;
        if (!r->v.hw.relay[METER_RELAY_MAIN]) {
            for (int p = 0; p < 3; p++) {
                memset(x.ph[p].e, 0, sizeof x.ph[p].e);
                x.ph[p].i_ua = x.ph[p].p_mw = x.ph[p].s_mva = 0;
            }
            memset(x.e, 0, sizeof x.e);
            x.p_mw = x.s_mva = 0;
            x.quadrant = 0;
        }
        vmeter_step_block(&r->v, &x);
    }
}

/* Main-loop passes without a block (ms of simulated time). */
static inline void rig_idle_ms(struct rig *r, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 10) {
        r->v.hw.sim_ms += 10;
        meter_poll(&r->v.m);
    }
}

/* ---- object table --------------------------------------------------------- */

static inline int rig_set_num(struct rig *r, const char *key, int64_t x)
{
    const struct obj_def *o = objtab_find_key(key);
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_INT;
    v.unit = o->unit;
    v.scaler = o->scaler;
    v.i = x;
    return obj_write(&r->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM);
}

static inline int rig_set_text(struct rig *r, const char *key, const char *text)
{
    const struct obj_def *o = objtab_find_key(key);
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    v.len = (uint8_t)strlen(text);
    memcpy(v.s, text, v.len);
    return obj_write(&r->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM);
}

static inline int rig_act(struct rig *r, const char *key, unsigned method, int64_t arg_wh)
{
    const struct obj_def *o = objtab_find_key(key);
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_INT;
    v.unit = UNIT_WH;
    v.i = arg_wh;
    return obj_action(&r->v.m, o, METER_ACC_MANAGER, method, &v, METER_SRC_SIM);
}

/* A register by OBIS code as the public reads it. */
static inline int64_t rig_read(struct rig *r, const char *code)
{
    const struct obj_def *o = objtab_find_str(code);
    assert_non_null(o);
    struct obj_value v;
    assert_int_equal(obj_read(&r->v.m, o, METER_ACC_PUBLIC, &v), METER_OK);
    return v.i;
}

/* ---- events ----------------------------------------------------------------- */

/* Events with this code (and a, unless a == INT32_MIN) in the logs. */
static inline unsigned rig_events(struct rig *r, enum evlog_code code, int32_t a)
{
    unsigned n = 0;
    struct evlog_iter it;
    struct evlog_rec rec;
    memset(&it, 0, sizeof it);
    while (evlog_next(&r->v.m, &it, &rec) == METER_OK)
        if (rec.code == code && (a == INT32_MIN || rec.a == a))
            n++;
    return n;
}

/* The newest event with this code; fails the test when there is none. */
static inline struct evlog_rec rig_last_event(struct rig *r, enum evlog_code code)
{
    struct evlog_iter it;
    struct evlog_rec rec, last;
    bool found = false;
    memset(&it, 0, sizeof it);
    memset(&last, 0, sizeof last);
    while (evlog_next(&r->v.m, &it, &rec) == METER_OK)
        if (rec.code == code) {
            last = rec;
            found = true;
        }
    assert_true(found);
    return last;
}

#define ANY INT32_MIN

static inline bool rig_has_symbol(const struct lcd_state *l, const char *name)
{
    const char *names[40];
    size_t n = lcd_symbol_names(l, names, 40);
    for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return true;
    return false;
}

#endif
