/* Who may change what (src/legal/access.c, audit.c): the clock policy
 * (issue 12 item 5b), the metrological log that never overwrites and
 * refuses legal changes when full (item 9), and the shared password lockout
 * as another interface (DLMS) will use it (item 8). */
#include <stdio.h>

#include "legal/access.h"
#include "legal/audit.h"
#include "ui_rig.h"

#define T0 1780000000LL

static void idle(struct rig *b, int64_t secs)
{
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk.ph[ph].u_mv = 230000;
    blk.f_mhz = 50000;
    for (int64_t s = 0; s < secs; s++)
        vmeter_step_block(&b->v, &blk);
}

static int set_clock(struct rig *b, enum meter_access acc, int64_t utc)
{
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_DATETIME;
    v.i = utc;
    return obj_write(&b->v.m, objtab_find_key("clock"), acc, &v, METER_SRC_OPTICAL_KMP);
}

static bool newest(const struct meter *m, enum evlog_log log, struct evlog_rec *r)
{
    uint32_t n = evlog_count(m, log);
    return n > 0 && evlog_read(m, log, n - 1, r) == METER_OK;
}

/* Without authentication: +-9 s once per 24 h of operation; anything larger
 * is refused and counted. */
static void unauthenticated_is_a_synchronisation(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    for (unsigned acc = METER_ACC_PUBLIC; acc <= METER_ACC_READER; acc++) {
        uint32_t r0 = m->legal.audit.refusals;
        int64_t t = m->now;
        assert_int_equal(set_clock(b, (enum meter_access)acc, t + 10), METER_EACCES);
        assert_int_equal(set_clock(b, (enum meter_access)acc, t - 3600), METER_EACCES);
        assert_int_equal(set_clock(b, (enum meter_access)acc, t + 70LL * 365 * 86400), METER_EACCES);
        assert_int_equal(m->now, t);
        assert_int_equal(m->legal.audit.refusals, r0 + 3);
    }
    uint32_t metro = evlog_total(m, EVLOG_METRO);
    int64_t t = m->now;
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, t - 9), METER_OK);
    assert_int_equal(m->now, t - 9);
    struct evlog_rec r;
    assert_true(newest(m, EVLOG_CLOCK, &r));
    assert_int_equal(r.code, EV_CLOCK_ADJUST); /* a synchronisation: the clock log */
    assert_int_equal(evlog_total(m, EVLOG_METRO), metro);
    /* once a day: the next one is refused (rate), a reader's too */
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 1), METER_EBUSY);
    assert_int_equal(set_clock(b, METER_ACC_READER, m->now + 1), METER_EBUSY);
    idle(b, 86400 - 10);
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 1), METER_EBUSY);
    idle(b, 10);
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 1), METER_OK);
    /* the interval is counted in operation: a power cycle does not reset it */
    rig_outage(b, 60);
    m = &b->v.m;
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 1), METER_EBUSY);
    rig_free(b);
}

/* Authenticated: any time in range, four sets per hour of operation; a
 * set beyond the window is a legally relevant record. */
static void authenticated_sets_rate_limited(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    for (int k = 0; k < METER_CLOCK_SETS_PER_HOUR; k++) {
        int64_t want = m->now + 3600 * (k + 1);
        assert_int_equal(set_clock(b, METER_ACC_MANAGER, want), METER_OK);
        assert_int_equal(m->now, want);
        struct evlog_rec r;
        assert_true(newest(m, EVLOG_METRO, &r));
        assert_int_equal(r.code, EV_CLOCK_SET);
    }
    int64_t t = m->now;
    assert_int_equal(set_clock(b, METER_ACC_MANAGER, t + 60), METER_EBUSY);
    assert_int_equal(m->now, t);
    idle(b, 3600);
    assert_int_equal(set_clock(b, METER_ACC_MANAGER, m->now - 86400), METER_OK);
    /* out of range: refused */
    idle(b, 3600);
    assert_int_equal(set_clock(b, METER_ACC_MANAGER, CLOCK_UTC_END), METER_ERANGE);
    rig_free(b);
}

/* The window is configurable (sealed): 2 s. */
static void window_configurable(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    b->v.hw.inputs |= METER_IN_CAL_SWITCH;
    assert_int_equal(rig_set_num(b, "clock_sync_window_s", 2), METER_OK);
    b->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    assert_int_equal(rig_set_num(b, "clock_sync_window_s", 60), METER_EACCES); /* sealed */
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 3), METER_EACCES);
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 2), METER_OK);
    rig_free(b);
}

/* The metrological log never overwrites: full, it refuses further legal
 * changes (a legal parameter, a clock set beyond the window) until the
 * authorised party clears it with the seal broken. Synchronisation and
 * non-legal parameters go on. */
static void metrological_log_full_refuses(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    const struct obj_def *sn = objtab_find_key("serial");
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    v.len = 8;
    b->v.hw.inputs |= METER_IN_CAL_SWITCH;
    uint32_t depth = evlog_depth(EVLOG_METRO), k = 0;
    while (evlog_count(m, EVLOG_METRO) < depth) {
        snprintf(v.s, sizeof v.s, "%08u", 10000000u + k++);
        assert_int_equal(obj_write(m, sn, METER_ACC_CAL, &v, METER_SRC_FACTORY), METER_OK);
    }
    struct evlog_rec first;
    assert_int_equal(evlog_read(m, EVLOG_METRO, 0, &first), METER_OK);
    assert_true(m->status & METER_ST_LOG_FULL);
    /* full: the next legal change is refused, nothing is pushed out */
    uint32_t serial = m->serial, changes = m->legal.changes;
    snprintf(v.s, sizeof v.s, "%08u", 99999999u);
    assert_int_equal(obj_write(m, sn, METER_ACC_CAL, &v, METER_SRC_FACTORY), METER_ENOSPC);
    assert_int_equal(m->serial, serial);
    assert_int_equal(m->legal.changes, changes);
    struct evlog_rec r;
    assert_int_equal(evlog_read(m, EVLOG_METRO, 0, &r), METER_OK);
    assert_int_equal(r.seq, first.seq); /* the oldest record is still the oldest */
    assert_int_equal(r.code, first.code);
    assert_int_equal(r.a, first.a);
    assert_int_equal(r.b, first.b);
    assert_int_equal(m->legal.audit.last_why, AUDIT_LOG_FULL);
    b->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    assert_int_equal(set_clock(b, METER_ACC_MANAGER, m->now + 3600), METER_ENOSPC);
    assert_int_equal(set_clock(b, METER_ACC_PUBLIC, m->now + 5), METER_OK); /* synchronisation */
    assert_int_equal(rig_set_num(b, "billing_day", 5), METER_OK);           /* not legal */
    /* clearing needs the seal broken */
    const struct obj_def *log = objtab_find_key("metrological_log");
    assert_non_null(log);
    assert_int_equal(obj_action(m, log, METER_ACC_MANAGER, 1, NULL, METER_SRC_OPTICAL_IEC), METER_EACCES);
    assert_int_equal(evlog_count(m, EVLOG_METRO), depth);
    assert_int_equal(obj_action(m, log, METER_ACC_CAL, 1, NULL, METER_SRC_OPTICAL_IEC), METER_OK);
    assert_false(m->status & METER_ST_LOG_FULL);
    assert_int_equal(evlog_count(m, EVLOG_METRO), 1);
    assert_int_equal(evlog_read(m, EVLOG_METRO, 0, &r), METER_OK);
    assert_int_equal(r.code, EV_METRO_CLEARED);
    assert_int_equal(r.a, (int32_t)depth);
    assert_int_equal(set_clock(b, METER_ACC_MANAGER, m->now + 3600), METER_OK);
    /* the count since manufacture never goes back */
    struct obj_value c;
    assert_int_equal(obj_read(m, objtab_find_str("0-0:96.129.18"), METER_ACC_PUBLIC, &c), METER_OK);
    assert_int_equal(c.i, depth + 2);
    rig_free(b);
}

/* The lockout as the DLMS reading client will use it: its own lock, saved
 * when it starts, nothing written per wrong try. */
static void lockout_api_for_another_interface(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    uint64_t w0 = b->v.hw.eeprom.ops;
    assert_int_equal(access_lock_check(m, ACCESS_LOCK_DLMS), METER_OK);
    assert_false(access_lock_fail(m, ACCESS_LOCK_DLMS, 3, 600, METER_SRC_DLMS_TCP));
    assert_false(access_lock_fail(m, ACCESS_LOCK_DLMS, 3, 600, METER_SRC_DLMS_TCP));
    assert_int_equal(b->v.hw.eeprom.ops, w0);
    assert_true(access_lock_fail(m, ACCESS_LOCK_DLMS, 3, 600, METER_SRC_DLMS_TCP));
    assert_true(b->v.hw.eeprom.ops > w0); /* saved once, with one record */
    assert_int_equal(access_lock_check(m, ACCESS_LOCK_DLMS), METER_EBUSY);
    assert_int_equal(access_lock_check(m, ACCESS_LOCK_IEC21), METER_OK); /* per interface */
    assert_int_equal(m->legal.audit.bad_secrets, 3);
    struct evlog_rec r;
    assert_true(newest(m, EVLOG_AUDIT, &r));
    assert_int_equal(r.code, EV_LOCKOUT);
    assert_int_equal(r.a, ACCESS_LOCK_DLMS);
    assert_int_equal(r.b, 600);
    rig_outage(b, 30);
    m = &b->v.m;
    assert_int_equal(access_lock_check(m, ACCESS_LOCK_DLMS), METER_EBUSY);
    assert_true(access_lock_left_s(m, ACCESS_LOCK_DLMS) <= 600);
    rig_idle_ms(b, 600000);
    assert_int_equal(access_lock_check(m, ACCESS_LOCK_DLMS), METER_OK);
    access_lock_pass(m, ACCESS_LOCK_DLMS);
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unauthenticated_is_a_synchronisation),
        cmocka_unit_test(authenticated_sets_rate_limited),
        cmocka_unit_test(window_configurable),
        cmocka_unit_test(metrological_log_full_refuses),
        cmocka_unit_test(lockout_api_for_another_interface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
