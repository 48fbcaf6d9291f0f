/* Clock sets on a running meter (issue 12 item 5a): billing, maximum
 * demand, load profile, analysis logger and the daily self-test survive a
 * set forward or back — one minute, one day, seventy years and back, across
 * a billing boundary — and resume their schedules from the new time. */
#include <stdio.h>

#include "ui_rig.h"

/* 2026-05-01 00:00 EEST, a monthly billing boundary; the next is 1 June. */
#define MAY1 1777582800LL
#define JUN1 1780261200LL
#define LOAD_W 3000

static void run(struct rig *b, int64_t secs)
{
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    blk.p_mw = LOAD_W * 1000;
    blk.s_mva = blk.p_mw;
    blk.e[MEAS_AP] = (int64_t)LOAD_W * 1000000 / 3600;
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk.ph[ph].u_mv = 230000;
    blk.f_mhz = 50000;
    for (int64_t s = 0; s < secs; s++)
        vmeter_step_block(&b->v, &blk);
}

/* A management client sets the clock (authenticated: any time in range). */
static void set_to(struct rig *b, int64_t utc)
{
    const struct obj_def *o = objtab_find_key("clock");
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_DATETIME;
    v.i = utc;
    assert_int_equal(obj_write(&b->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_OPTICAL_IEC), METER_OK);
    assert_int_equal(b->v.m.now, utc);
}

static uint32_t newest_snapshot_time(struct rig *b)
{
    struct billing_rec r;
    assert_int_equal(billing_snapshot_read(&b->v.m, 1, &r), METER_OK);
    return r.time;
}

/* Start at 20:00 on 30 April, run half an hour, jump, (jump back), then
 * check every schedule against what the new time says. */
static void jump_case(int64_t jump, bool back, unsigned bills_at_jump, int64_t next_boundary)
{
    struct rig *b = rig_new(MAY1 - 4 * 3600);
    struct meter *m = &b->v.m;
    run(b, 1800);
    int64_t t_before = m->now;
    set_to(b, t_before + jump);
    run(b, 1); /* the tick that finds a boundary passed by the set */
    if (back) {
        run(b, 600);
        set_to(b, t_before + 601);
    }
    assert_int_equal(rig_read(b, "0.1.0"), bills_at_jump);
    if (bills_at_jump > 0)
        assert_int_equal(newest_snapshot_time(b), MAY1); /* the first boundary passed */
    uint32_t prof0 = profile_count(m), log0 = logger_count(m);
    run(b, 7200);
    /* demand: full periods again, the mean of the load */
    assert_in_range(rig_read(b, "1.4.0"), LOAD_W - 2, LOAD_W);
    assert_in_range(rig_read(b, "1.6.0"), LOAD_W - 2, LOAD_W);
    /* profile (60 min) and logger (15 min) go on at aligned ends */
    assert_true(profile_count(m) >= prof0 + 2);
    assert_true(logger_count(m) >= log0 + 7);
    struct profile_cursor c;
    struct profile_entry e, last;
    memset(&last, 0, sizeof last);
    profile_cursor_init(m, &c);
    while (profile_next(m, &c, &e) == METER_OK)
        last = e;
    int64_t off = (int64_t)m->cfg.zone.std_offset_min * 60;
    assert_int_equal(last.time, clock_floor(m->now + off, 3600) - off);
    assert_true(last.time > m->now - 3600);
    /* the daily self-test is never more than a day away */
    assert_true(m->legal.next_test > m->now && m->legal.next_test <= m->now + 86400);
    /* billing: the next boundary is the first after the new time */
    if (m->billing.next != next_boundary)
        fail_msg("jump %lld%s: next billing boundary %lld, want %lld", (long long)jump, back ? " and back" : "",
                 (long long)m->billing.next, (long long)next_boundary);
    /* and it ends a period when it comes (reached through an outage) */
    rig_reboot(b, (unsigned)(next_boundary - 60 - m->now));
    m = &b->v.m;
    run(b, 61);
    assert_int_equal(rig_read(b, "0.1.0"), bills_at_jump + 1);
    assert_int_equal(newest_snapshot_time(b), next_boundary);
    rig_free(b);
}

static void plus_minute(void **state)
{
    (void)state;
    jump_case(60, false, 0, MAY1);
}

static void minus_minute(void **state)
{
    (void)state;
    jump_case(-60, false, 0, MAY1);
}

static void plus_day_over_the_boundary(void **state)
{
    (void)state;
    jump_case(86400, false, 1, JUN1);
}

static void minus_day(void **state)
{
    (void)state;
    jump_case(-86400, false, 0, MAY1);
}

/* The attack of issue 12: 2096 and back. The set forward ends one period
 * (stamped 1 May, the first boundary passed); back in 2026 the 1 May
 * boundary is not billed twice and billing resumes on 1 June (it used to
 * wait for a boundary after 2100). */
static void seventy_years_and_back(void **state)
{
    (void)state;
    jump_case(70LL * 365 * 86400, true, 1, JUN1);
}

/* Back over a boundary just billed: the period it ended is not billed
 * again; maximum demand is not reset twice. */
static void back_over_a_billed_boundary(void **state)
{
    (void)state;
    struct rig *b = rig_new(MAY1 - 3600);
    struct meter *m = &b->v.m;
    run(b, 3600 + 1800); /* 00:30 on 1 May: billed at 00:00 */
    assert_int_equal(rig_read(b, "0.1.0"), 1);
    set_to(b, m->now - 3600); /* 23:30 on 30 April */
    run(b, 7200);
    assert_int_equal(rig_read(b, "0.1.0"), 1);
    assert_int_equal(m->billing.next, JUN1);
    assert_in_range(rig_read(b, "1.6.0"), LOAD_W - 2, LOAD_W);
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plus_minute),
        cmocka_unit_test(minus_minute),
        cmocka_unit_test(plus_day_over_the_boundary),
        cmocka_unit_test(minus_day),
        cmocka_unit_test(seventy_years_and_back),
        cmocka_unit_test(back_over_a_billed_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
