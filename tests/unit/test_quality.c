/* Voltage quality (S-3.3): sags below 160 V and swells above 264.5 V for
 * more than 1 s per phase, and a single-phase connection (L2, L3 dead)
 * that logs nothing for the unused phases. */
#include "ui_rig.h"

#define T0 1780000000

static void sag_and_swell_per_phase(void **state)
{
    (void)state;
    struct rig *r = rig_new(T0);
    struct meas_block ok = rig_block(230, 5), dip = rig_block3(230, 5, 5, 5), high = ok;
    dip.ph[1].u_mv = 150000;
    high.ph[2].u_mv = 270000;
    rig_run(r, &ok, 10);
    rig_run(r, &dip, 1); /* one second: not a sag */
    rig_run(r, &ok, 5);
    assert_int_equal(rig_events(r, EV_SAG_START, ANY), 0);
    rig_run(r, &dip, 3);
    assert_int_equal(rig_events(r, EV_SAG_START, 2), 1);
    struct evlog_rec e = rig_last_event(r, EV_SAG_START);
    assert_int_equal(e.b, 150000);
    assert_int_equal(e.log, EVLOG_QUALITY);
    rig_run(r, &ok, 2);
    assert_int_equal(rig_events(r, EV_SAG_END, 2), 1);
    rig_run(r, &high, 4);
    rig_run(r, &ok, 1);
    assert_int_equal(rig_events(r, EV_SWELL_START, 3), 1);
    assert_int_equal(rig_events(r, EV_SWELL_END, 3), 1);
    assert_int_equal(rig_events(r, EV_SAG_START, ANY), 1);
    rig_free(r);
}

static void single_phase_connection(void **state)
{
    (void)state;
    struct rig *r = rig_new(T0);
    struct meas_block one = rig_block3(230, 10, 0, 0), dip;
    one.ph[1].u_mv = one.ph[2].u_mv = 0;
    dip = one;
    dip.ph[0].u_mv = 120000;
    rig_run(r, &one, 600);
    assert_int_equal(rig_events(r, EV_SAG_START, ANY), 0);
    rig_outage(r, 60);
    rig_run(r, &one, 600);
    assert_int_equal(rig_events(r, EV_SAG_START, ANY), 0);
    rig_run(r, &dip, 5);
    rig_run(r, &one, 5);
    assert_int_equal(rig_events(r, EV_SAG_START, 1), 1);
    assert_int_equal(rig_events(r, EV_SAG_END, 1), 1);
    assert_int_equal(rig_events(r, EV_SAG_START, ANY), 1);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sag_and_swell_per_phase),
        cmocka_unit_test(single_phase_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
