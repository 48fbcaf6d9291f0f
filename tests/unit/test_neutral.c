/* Missing-neutral detection: condition, timing, events, optional
 * disconnection and reconnection, outages. */
#include "ui_rig.h"

static bool closed(struct rig *r)
{
    return r->v.hw.relay[METER_RELAY_MAIN];
}

/* The star point floats: L1 high, L2 low, shift u0 (V). */
static struct meas_block floating(double u1, double u0)
{
    struct meas_block b = rig_block3(230, 8, 2, 4);
    b.ph[0].u_mv = (int32_t)(u1 * 1000);
    b.ph[1].u_mv = 180000;
    b.u0_mv = (int32_t)(u0 * 1000);
    return b;
}

static void condition(void **state)
{
    (void)state;
    struct neutral_cfg c;
    neutral_cfg_default(&c);
    assert_int_equal(c.u_high_v, 253);
    assert_int_equal(c.shift_v, 40);
    assert_int_equal(c.time_s, 60);
    struct meas_block b = floating(280, 50);
    assert_true(neutral_condition(&c, &b));
    b = floating(253, 50); /* must rise above */
    assert_false(neutral_condition(&c, &b));
    b = floating(253.001, 50);
    assert_true(neutral_condition(&c, &b));
    b = floating(280, 40);
    assert_false(neutral_condition(&c, &b));
    b = floating(280, 40.001);
    assert_true(neutral_condition(&c, &b));
    b = rig_block(260, 5); /* a high but balanced supply is no neutral fault */
    assert_false(neutral_condition(&c, &b));
    b = floating(230, 60); /* a shift without an overvoltage neither */
    assert_false(neutral_condition(&c, &b));
}

static void settings(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(rig_set_num(r, "neutral_time_s", 0), METER_ERANGE);
    assert_int_equal(rig_set_num(r, "neutral_u_high_v", 600), METER_ERANGE);
    assert_int_equal(rig_set_num(r, "neutral_shift_v", 30), METER_OK);
    assert_int_equal(rig_set_num(r, "neutral_u_high_v", 250), METER_OK);
    assert_int_equal(rig_set_text(r, "neutral_reconnect", "manual"), METER_OK);
    assert_int_equal(r->v.m.control.cfg.neutral.shift_v, 30);
    assert_int_equal(r->v.m.control.cfg.neutral.reconnect, RELAY_RETURN_MANUAL);
    rig_free(r);
}

static void fault_after_60_s_logged_only_by_default(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block bad = floating(280, 50), good = rig_block(230, 5);
    rig_run(r, &good, 5);
    /* A 59 s episode, a normal second, another 59 s: no fault. */
    rig_run(r, &bad, 59);
    rig_run(r, &good, 1);
    rig_run(r, &bad, 59);
    assert_false(neutral_fault(&r->v.m));
    rig_run(r, &bad, 1);
    assert_true(neutral_fault(&r->v.m));
    assert_int_equal(rig_read(r, "96.130.45"), 1);
    struct evlog_rec e = rig_last_event(r, EV_NEUTRAL_FAULT_START);
    assert_int_equal(e.a, 280);
    assert_int_equal(e.b, 50);
    assert_string_equal(display_state(&r->v.m)->text, "NEUTRAL");
    assert_true(closed(r)); /* disconnection is optional, off by default */
    rig_run(r, &good, 59);
    assert_true(neutral_fault(&r->v.m));
    rig_run(r, &good, 1);
    assert_false(neutral_fault(&r->v.m));
    assert_int_equal(rig_events(r, EV_NEUTRAL_FAULT_END, ANY), 1);
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 0);
    rig_free(r);
}

static void disconnect_and_automatic_reconnect(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(rig_set_num(r, "neutral_disconnect", 1), METER_OK);
    struct meas_block bad = floating(290, 70), good = rig_block(230, 5);
    rig_run(r, &bad, 60);
    assert_false(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_NEUTRAL);
    /* Neither the button nor the head-end closes into a floating neutral. */
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE);
    assert_int_equal(rig_act(r, "disconnector", 2, 0), METER_ESTATE);
    /* A relapse during the clearing time starts it again. */
    rig_run(r, &good, 30);
    rig_run(r, &bad, 1);
    rig_run(r, &good, 59);
    assert_false(closed(r));
    rig_run(r, &good, 1);
    assert_true(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_CLOSE).a, RELAY_CAUSE_NEUTRAL);
    assert_int_equal(rig_events(r, EV_NEUTRAL_FAULT_START, ANY), 1);
    assert_int_equal(rig_events(r, EV_NEUTRAL_FAULT_END, ANY), 1);
    rig_free(r);
}

static void manual_reconnect(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_num(r, "neutral_disconnect", 1);
    rig_set_text(r, "neutral_reconnect", "manual");
    struct meas_block bad = floating(290, 70), good = rig_block(230, 5);
    rig_run(r, &bad, 60);
    rig_run(r, &good, 60);
    assert_false(closed(r));
    assert_int_equal(relay_state_of(&r->v.m), RELAY_READY);
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_true(closed(r));
    rig_free(r);
}

static void outage_during_a_fault(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_num(r, "neutral_disconnect", 1);
    struct meas_block bad = floating(290, 70), good = rig_block(230, 5);
    rig_run(r, &bad, 60);
    assert_false(closed(r));
    rig_outage(r, 1800);
    assert_true(neutral_fault(&r->v.m));
    assert_false(closed(r));
    /* The neutral was repaired during the outage. */
    rig_run(r, &good, 59);
    assert_false(closed(r));
    rig_run(r, &good, 1);
    assert_true(closed(r));
    assert_int_equal(rig_events(r, EV_NEUTRAL_FAULT_END, ANY), 1);
    rig_free(r);
}

static void outage_while_the_fault_builds_up(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block bad = floating(290, 70);
    rig_run(r, &bad, 50);
    rig_outage(r, 10);
    rig_run(r, &bad, 59);
    assert_false(neutral_fault(&r->v.m));
    rig_run(r, &bad, 1);
    assert_true(neutral_fault(&r->v.m));
    rig_free(r);
}

/* Switching the protection off during a fault gives the supply back. */
static void protection_off_during_a_fault(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_num(r, "neutral_disconnect", 1);
    struct meas_block bad = floating(290, 70);
    rig_run(r, &bad, 60);
    assert_false(closed(r));
    rig_set_num(r, "neutral_disconnect", 0);
    rig_run(r, &bad, 1);
    assert_true(closed(r));
    assert_true(neutral_fault(&r->v.m));
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(condition),
        cmocka_unit_test(settings),
        cmocka_unit_test(fault_after_60_s_logged_only_by_default),
        cmocka_unit_test(disconnect_and_automatic_reconnect),
        cmocka_unit_test(manual_reconnect),
        cmocka_unit_test(outage_during_a_fault),
        cmocka_unit_test(outage_while_the_fault_builds_up),
        cmocka_unit_test(protection_off_during_a_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
