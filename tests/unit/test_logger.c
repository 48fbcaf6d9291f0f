/* Analysis logger (S-3.2): averages per interval of the configured rows,
 * record size and depth fitted to the channels, status bits, clear on
 * reconfiguration, survival of a power cycle. */
#include "ui_rig.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

/* One second: P = w W on every phase sum, U = u mV, I = i uA on L1. */
static void second(struct rig *b, int32_t w, int32_t u, int32_t i)
{
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    blk.p_mw = w * 1000;
    blk.e[MEAS_AP] = (int64_t)w * 1000000 / 3600;
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk.ph[ph].u_mv = u;
    blk.ph[0].i_ua = i;
    blk.f_mhz = 50000;
    vmeter_step_block(&b->v, &blk);
}

static struct rig *configured(void)
{
    struct rig *b = rig_new(T0);
    assert_int_equal(rig_set_text(b, "logger_channels", "1.7.0,32.7.0,31.7.0"), METER_OK);
    assert_int_equal(rig_set_num(b, "logger_interval_min", 1), METER_OK);
    return b;
}

static void averages_per_interval(void **state)
{
    (void)state;
    struct rig *b = configured();
    struct meter *m = &b->v.m;
    assert_int_equal(logger_count(m), 0);
    /* record size and depth fitted to three channels */
    assert_int_equal(store_log_rec_size(&m->store, RING_LOGGER), 16);
    assert_int_equal(store_log_depth(&m->store, RING_LOGGER), config_ring_fit(m, RING_LOGGER, 16));
    assert_true(store_log_depth(&m->store, RING_LOGGER) >= 2000);
    int64_t sum_p = 0, sum_u = 0, sum_i = 0;
    for (int s = 0; s < 60; s++) {
        int32_t w = 1000 + 37 * s, u = 229000 + 100 * (s % 7), i = 5000000 + 1234 * s;
        sum_p += (int64_t)w * 1000;
        sum_u += u;
        sum_i += i;
        second(b, w, u, i);
    }
    assert_int_equal(logger_count(m), 1);
    struct logger_entry e;
    assert_int_equal(logger_read(m, 0, &e), METER_OK);
    assert_int_equal(e.time, T0 + 60);
    assert_int_equal(e.n, 3);
    assert_int_equal(e.v[0], sum_p / 60); /* mW */
    assert_int_equal(e.v[1], sum_u / 60); /* mV */
    assert_int_equal(e.v[2], sum_i / 60); /* uA */
    assert_int_equal(e.status & PROFILE_ST_CONFIG, PROFILE_ST_CONFIG);
    for (int s = 0; s < 60; s++)
        second(b, 2000, 230000, 1000);
    assert_int_equal(logger_count(m), 2);
    assert_int_equal(logger_read(m, 1, &e), METER_OK);
    assert_int_equal(e.time, T0 + 120);
    assert_int_equal(e.v[0], 2000000);
    assert_int_equal(e.status, 0);
    rig_free(b);
}

static void power_cycle_and_clock_set(void **state)
{
    (void)state;
    struct rig *b = configured();
    struct meter *m = &b->v.m;
    for (int s = 0; s < 150; s++)
        second(b, 3000, 230000, 1000);
    assert_int_equal(logger_count(m), 2);
    rig_outage(b, 600);
    assert_int_equal(logger_count(m), 2); /* kept: same channels, same record size */
    assert_int_equal(m->cfg.logger_n, 3);
    for (int s = 0; s < 60; s++)
        second(b, 3000, 230000, 1000);
    struct logger_entry e;
    assert_int_equal(logger_read(m, 2, &e), METER_OK);
    assert_int_equal(e.status & (PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL), PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL);
    assert_int_equal(e.v[0], 3000000);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_DATETIME;
    v.i = m->now + 3600;
    uint32_t n = logger_count(m);
    assert_int_equal(obj_write(m, objtab_find_key("clock"), METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    for (int s = 0; s < 120; s++)
        second(b, 3000, 230000, 1000);
    assert_true(logger_count(m) >= n + 2);
    assert_int_equal(logger_read(m, logger_count(m) - 2, &e), METER_OK);
    assert_int_equal(e.status & PROFILE_ST_CLOCK_SET, PROFILE_ST_CLOCK_SET);
    rig_free(b);
}

static void reconfiguration_clears(void **state)
{
    (void)state;
    struct rig *b = configured();
    struct meter *m = &b->v.m;
    for (int s = 0; s < 180; s++)
        second(b, 3000, 230000, 1000);
    assert_int_equal(logger_count(m), 3);
    uint32_t st = evlog_count(m, EVLOG_STATUS);
    assert_int_equal(rig_set_text(b, "logger_channels", "1.7.0"), METER_OK);
    assert_int_equal(logger_count(m), 0);
    assert_int_equal(store_log_rec_size(&m->store, RING_LOGGER), 8);
    struct evlog_rec r;
    assert_int_equal(evlog_count(m, EVLOG_STATUS), st + 1);
    assert_int_equal(evlog_read(m, EVLOG_STATUS, st, &r), METER_OK);
    assert_int_equal(r.code, EV_PROFILE_CLEAR);
    assert_int_equal(r.a, 0);
    assert_int_equal(r.b, 1);
    assert_int_equal(rig_set_num(b, "logger_interval_min", 7), METER_ERANGE);
    assert_int_equal(rig_set_text(b, "logger_channels", "1.7.0,0.9.1"), METER_EINVAL); /* not a register */
    assert_int_equal(m->cfg.logger_n, 1);
    /* sixteen channels at 5 min: the 382M's 2.5 days */
    assert_int_equal(rig_set_text(b, "logger_channels",
                              "1.7.0,2.7.0,3.7.0,4.7.0,21.7.0,41.7.0,61.7.0,32.7.0,52.7.0,72.7.0,31.7.0,51.7.0,"
                              "71.7.0,14.7.0,13.7.0,22.7.0"),
                     METER_OK);
    assert_int_equal(rig_set_num(b, "logger_interval_min", 5), METER_OK);
    assert_int_equal(store_log_rec_size(&m->store, RING_LOGGER), 68);
    assert_true(store_log_depth(&m->store, RING_LOGGER) >= 720); /* 2.5 days x 288 */
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(averages_per_interval),
        cmocka_unit_test(power_cycle_and_clock_set),
        cmocka_unit_test(reconfiguration_clears),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
