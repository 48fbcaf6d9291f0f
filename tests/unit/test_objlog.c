/* Profile-generic rows (objtab.h): the billing history, load profile,
 * analysis logger and event logs read through the object table give what
 * the modules that keep them hold, through a cursor and by index alike,
 * with the columns that name the values. */
#include "ui_rig.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static const struct obj_def *row(const char *ln)
{
    const struct obj_def *o = objtab_find_str(ln);
    assert_non_null(o);
    assert_non_null(o->log);
    return o;
}

/* A few hours of load with a billing end and some events. */
static struct rig *filled(void)
{
    struct rig *r = rig_new(T0);
    assert_int_equal(rig_set_num(r, "profile_period_min", 15), METER_OK);
    assert_int_equal(rig_set_num(r, "logger_interval_min", 5), METER_OK);
    struct meas_block b = rig_block(230, 8);
    rig_run(r, &b, 3600);
    assert_int_equal(rig_act(r, "end_of_billing", 1, 0), METER_OK);
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200); /* a relay event */
    rig_run(r, &b, 3600);
    return r;
}

static void profile_through_the_table(void **state)
{
    (void)state;
    struct rig *r = filled();
    const struct meter *m = &r->v.m;
    const struct obj_def *o = row("1-0:99.1.0");
    struct obj_col cols[OBJ_LOG_VALUES];
    unsigned nc = o->log->columns(m, o, cols, OBJ_LOG_VALUES);
    assert_int_equal(nc, 4); /* factory: A+ A- R+ R- readings */
    for (unsigned c = 0; c < nc; c++) {
        assert_int_equal(cols[c].ln.v[2], c + 1);
        assert_int_equal(cols[c].ln.v[3], 8);
        assert_int_equal(cols[c].scaler, 1);
    }
    uint32_t n;
    assert_int_equal(obj_log_count(m, o, METER_ACC_PUBLIC, &n), METER_OK);
    assert_int_equal(n, profile_count(m));
    assert_true(n >= 7);
    struct obj_cursor cur;
    struct obj_entry e;
    struct profile_entry p;
    memset(&cur, 0, sizeof cur);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(obj_log_next(m, o, METER_ACC_PUBLIC, &cur, &e), METER_OK);
        assert_int_equal(profile_read(m, i, &p), METER_OK);
        assert_int_equal(e.time, p.time);
        assert_int_equal(e.status, p.status);
        assert_int_equal(e.n, p.n);
        assert_memory_equal(e.v, p.v, sizeof(int64_t) * p.n);
        struct obj_entry byidx;
        assert_int_equal(obj_log_at(m, o, METER_ACC_PUBLIC, i, &byidx), METER_OK); /* a walk */
        assert_memory_equal(&byidx, &e, sizeof e);
    }
    assert_int_equal(obj_log_next(m, o, METER_ACC_PUBLIC, &cur, &e), METER_ENOENT);
    rig_free(r);
}

static void logger_and_billing_through_the_table(void **state)
{
    (void)state;
    struct rig *r = filled();
    const struct meter *m = &r->v.m;
    const struct obj_def *o = row("1-0:99.2.0");
    uint32_t n;
    assert_int_equal(obj_log_count(m, o, METER_ACC_PUBLIC, &n), METER_OK);
    assert_int_equal(n, logger_count(m));
    assert_true(n >= 20);
    struct obj_col cols[OBJ_LOG_VALUES];
    assert_int_equal(o->log->columns(m, o, cols, OBJ_LOG_VALUES), m->cfg.logger_n);
    assert_int_equal(cols[0].ln.v[2], 1); /* factory: P+ first */
    assert_int_equal(o->log->period_s(m, o), 300);
    struct obj_entry e;
    struct logger_entry l;
    assert_int_equal(obj_log_at(m, o, METER_ACC_PUBLIC, n - 1, &e), METER_OK);
    assert_int_equal(logger_read(m, n - 1, &l), METER_OK);
    assert_int_equal(e.time, l.time);
    assert_int_equal(e.v[0], l.v[0]);
    /* the billing history: one entry per snapshot, columns = billed rows */
    o = row("0-0:98.1.0");
    assert_int_equal(obj_log_count(m, o, METER_ACC_PUBLIC, &n), METER_OK);
    assert_int_equal(n, 1);
    unsigned nc = o->log->columns(m, o, cols, OBJ_LOG_VALUES);
    assert_true(nc >= 12);
    assert_int_equal(obj_log_at(m, o, METER_ACC_PUBLIC, 0, &e), METER_OK);
    for (unsigned c = 0; c < nc && c < e.n; c++) {
        const struct obj_def *reg = objtab_find(&cols[c].ln);
        struct obj_value v;
        assert_non_null(reg);
        assert_int_equal(obj_read_at(m, reg, 1, METER_ACC_PUBLIC, &v), METER_OK);
        assert_int_equal(v.i, e.v[c]); /* the same value, at the column's scaler */
        assert_int_equal(v.scaler, cols[c].scaler);
    }
    rig_free(r);
}

static void events_through_the_table(void **state)
{
    (void)state;
    struct rig *r = filled();
    const struct meter *m = &r->v.m;
    const struct obj_def *all = row("0-0:99.98.128");
    uint32_t n;
    assert_int_equal(obj_log_count(m, all, METER_ACC_PUBLIC, &n), METER_OK);
    assert_int_equal(n, evlog_available(m));
    struct evlog_iter it;
    struct evlog_rec ev;
    struct obj_cursor cur;
    struct obj_entry e;
    memset(&it, 0, sizeof it);
    memset(&cur, 0, sizeof cur);
    unsigned k = 0;
    while (evlog_next(m, &it, &ev) == METER_OK) {
        assert_int_equal(obj_log_next(m, all, METER_ACC_PUBLIC, &cur, &e), METER_OK);
        assert_int_equal(e.time, ev.time);
        assert_int_equal(e.v[0], ev.code);
        assert_int_equal(e.status, ev.log);
        k++;
    }
    assert_int_equal(k, n);
    /* one log: the disconnector's, with the button's opening in it */
    const struct obj_def *disc = row("0-0:99.98.2");
    assert_int_equal(obj_log_count(m, disc, METER_ACC_PUBLIC, &n), METER_OK);
    assert_true(n >= 1);
    assert_int_equal(obj_log_at(m, disc, METER_ACC_PUBLIC, n - 1, &e), METER_OK);
    assert_int_equal(e.v[0], EV_RELAY_OPEN);
    /* not a profile-generic row; below the row's read level */
    assert_int_equal(obj_log_count(m, objtab_find_str("1.8.0"), METER_ACC_PUBLIC, &n), METER_EINVAL);
    assert_int_equal(obj_log_count(m, disc, METER_ACC_NONE, &n), METER_EACCES);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profile_through_the_table),
        cmocka_unit_test(logger_and_billing_through_the_table),
        cmocka_unit_test(events_through_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
