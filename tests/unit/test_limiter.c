/* Smart Disconnect: steps, counter, reconnection, first stage, outages. */
#include "ui_rig.h"

static bool closed(struct rig *r)
{
    return r->v.hw.relay[METER_RELAY_MAIN];
}

/* Current basis: 35 A for 10 s, 25 A for 60 s; reconnect after 300 s. */
static struct rig *limited(const char *reconnect)
{
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(rig_set_text(r, "limiter_basis", "current"), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_threshold1", 25), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_time1_s", 60), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_threshold2", 35), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_time2_s", 10), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_delay_s", 300), METER_OK);
    assert_int_equal(rig_set_text(r, "limiter_reconnect", reconnect), METER_OK);
    return r;
}

static void off_by_default(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 80);
    rig_run(r, &b, 600);
    assert_true(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 0);
    struct obj_value v;
    assert_int_equal(obj_read(&r->v.m, objtab_find_key("limiter_basis"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_memory_equal(v.s, "off", 3);
    rig_free(r);
}

static void value_of_a_block(void **state)
{
    (void)state;
    struct limiter_cfg c;
    limiter_cfg_default(&c);
    struct meas_block b = rig_block3(230, 10, 30.5, -20);
    c.basis = LIMITER_CURRENT;
    assert_int_equal(limiter_value(&c, &b), 30500); /* highest phase, mA */
    c.basis = LIMITER_POWER;
    assert_int_equal(limiter_value(&c, &b), (uint64_t)((10 + 30.5 - 20) * 230 * 1000)); /* net import, mW */
    b = rig_block(230, -5);
    assert_int_equal(limiter_value(&c, &b), 0); /* export is no load */
    c.basis = LIMITER_OFF;
    assert_int_equal(limiter_value(&c, &b), 0);
    /* A used step needs a time; thresholds are bounded. */
    limiter_cfg_default(&c);
    assert_true(limiter_cfg_valid(&c));
    c.step[2].threshold = 10;
    assert_false(limiter_cfg_valid(&c));
    c.step[2].time_s = 1;
    assert_true(limiter_cfg_valid(&c));
    c.basis = 3;
    assert_false(limiter_cfg_valid(&c));
}

static void bad_settings_are_refused(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(rig_set_text(r, "limiter_basis", "voltage"), METER_EINVAL);
    assert_int_equal(rig_set_num(r, "limiter_threshold3", 10), METER_ERANGE); /* step 3 has no time */
    assert_int_equal(rig_set_num(r, "limiter_time3_s", 70000), METER_ERANGE);
    assert_int_equal(rig_set_text(r, "limiter_reconnect", "later"), METER_EINVAL);
    assert_int_equal(rig_set_num(r, "limiter_basis", 2), METER_OK);
    rig_free(r);
}

static void step_time_then_trip_then_automatic_reconnect(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    struct meas_block over = rig_block3(230, 36, 5, 5), ok = rig_block(230, 10);
    rig_run(r, &ok, 5);
    /* 9 s above 35 A: nothing yet; a dip resets the step. */
    rig_run(r, &over, 9);
    rig_run(r, &ok, 1);
    rig_run(r, &over, 9);
    assert_true(closed(r));
    rig_run(r, &over, 1);
    assert_false(closed(r));
    assert_int_equal(relay_state_of(&r->v.m), RELAY_DISCONNECTED);
    assert_int_equal(rig_read(r, "96.130.20"), 1);
    struct evlog_rec e = rig_last_event(r, EV_POWER_LIMIT);
    assert_int_equal(e.a, 2);  /* step 2 */
    assert_int_equal(e.b, 36); /* A */
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_LIMITER);
    assert_string_equal(display_state(&r->v.m)->text, "LIMIT");
    /* The button cannot cut the delay short. */
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE);
    rig_run(r, &over, 299); /* the open relay: no current flows */
    assert_false(closed(r));
    rig_run(r, &over, 1);
    assert_true(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_CLOSE).a, RELAY_CAUSE_LIMITER);
    /* Step 1: 25 A for 60 s. */
    struct meas_block mid = rig_block(230, 26);
    rig_run(r, &mid, 59);
    assert_true(closed(r));
    rig_run(r, &mid, 1);
    assert_false(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 2);
    assert_int_equal(rig_last_event(r, EV_POWER_LIMIT).a, 1);
    rig_free(r);
}

static void manual_reconnect_by_the_button(void **state)
{
    (void)state;
    struct rig *r = limited("manual");
    struct meas_block over = rig_block(230, 40);
    rig_run(r, &over, 10);
    assert_false(closed(r));
    rig_run(r, &over, 300);
    assert_false(closed(r));
    assert_int_equal(relay_state_of(&r->v.m), RELAY_READY);
    assert_int_equal(rig_last_event(r, EV_RELAY_RELEASE).a, RELAY_CAUSE_LIMITER);
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_true(closed(r));
    rig_free(r);
}

static void power_basis(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_text(r, "limiter_basis", "power");
    rig_set_num(r, "limiter_threshold1", 10000); /* W */
    rig_set_num(r, "limiter_time1_s", 30);
    rig_set_num(r, "limiter_threshold2", 0); /* the factory step 2 is in A */
    struct meas_block b = rig_block(230, 14.5); /* 10 005 W */
    rig_run(r, &b, 29);
    assert_true(closed(r));
    rig_run(r, &b, 1);
    assert_false(closed(r));
    assert_int_equal(rig_last_event(r, EV_POWER_LIMIT).b, 10005);
    rig_free(r);
}

static void head_end_may_reconnect_early(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    struct meas_block over = rig_block(230, 40), ok = rig_block(230, 5);
    rig_run(r, &over, 10);
    assert_false(closed(r));
    assert_int_equal(rig_act(r, "disconnector", 2, 0), METER_OK);
    assert_true(closed(r));
    rig_run(r, &ok, 1);
    assert_int_equal(r->v.m.control.nv.limiter.reconnect_at, 0);
    rig_run(r, &ok, 400);
    assert_true(closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    rig_free(r);
}

/* The load relays in mode "limiter" shed first; the main relay stays on. */
static void first_stage_sheds_the_load_relay(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    assert_int_equal(rig_set_text(r, "loadctl1_mode", "limiter"), METER_OK);
    assert_int_equal(rig_set_num(r, "limiter_shed_s", 5), METER_OK);
    struct meas_block ok = rig_block(230, 10), over = rig_block(230, 27);
    rig_run(r, &ok, 2);
    assert_true(loadctl_closed(&r->v.m, 0));
    rig_run(r, &over, 4);
    assert_true(loadctl_closed(&r->v.m, 0));
    rig_run(r, &over, 1);
    assert_false(loadctl_closed(&r->v.m, 0));
    assert_false(r->v.hw.relay[METER_RELAY_AUX1]);
    struct evlog_rec e = rig_last_event(r, EV_LOADCTL_SWITCH);
    assert_int_equal(e.a, 1);
    assert_int_equal(e.b, LOADCTL_SRC_LIMITER << 8); /* opened by the limiter */
    /* The water heater is off: the load drops below the lowest threshold
     * and stays on; the heater comes back after the reconnect delay. */
    rig_run(r, &ok, 299);
    assert_false(loadctl_closed(&r->v.m, 0));
    rig_run(r, &ok, 1);
    assert_true(loadctl_closed(&r->v.m, 0));
    assert_true(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 0);
    rig_free(r);
}

/* ---- outages ---------------------------------------------------------------- */

/* Shed, then an outage: the load relay stays off after power-up until the
 * load has been below the lowest threshold for the delay. */
static void outage_while_shed(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    rig_set_text(r, "loadctl1_mode", "limiter");
    rig_set_num(r, "limiter_shed_s", 5);
    struct meas_block ok = rig_block(230, 10), over = rig_block(230, 27);
    rig_run(r, &over, 6);
    assert_false(loadctl_closed(&r->v.m, 0));
    rig_outage(r, 20);
    rig_run(r, &ok, 10);
    assert_false(loadctl_closed(&r->v.m, 0));
    assert_false(r->v.hw.relay[METER_RELAY_AUX1]);
    rig_run(r, &ok, 290);
    assert_true(loadctl_closed(&r->v.m, 0));
    rig_free(r);
}

/* Tripped, then an outage during the delay: still open, counter kept, the
 * delay counted from the trip (it ran on during the outage). */
static void outage_during_the_reconnect_delay(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    struct meas_block over = rig_block(230, 40), ok = rig_block(230, 5);
    rig_run(r, &over, 10);
    assert_false(closed(r));
    rig_run(r, &ok, 100);
    rig_outage(r, 150);
    assert_false(closed(r));
    assert_true(relay_held_by(&r->v.m, RELAY_CAUSE_LIMITER));
    assert_int_equal(rig_read(r, "96.130.20"), 1);
    rig_run(r, &ok, 49);
    assert_false(closed(r));
    rig_run(r, &ok, 2);
    assert_true(closed(r));
    /* An outage longer than the delay: back at the first block. */
    rig_run(r, &over, 10);
    assert_false(closed(r));
    rig_outage(r, 3600);
    rig_run(r, &ok, 1);
    assert_true(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 2);
    rig_free(r);
}

/* An outage while a step is running restarts the step: the load must stay
 * above the threshold for the full time after power-up. */
static void outage_while_a_step_runs(void **state)
{
    (void)state;
    struct rig *r = limited("auto");
    struct meas_block over = rig_block(230, 40);
    rig_run(r, &over, 8);
    rig_outage(r, 2);
    rig_run(r, &over, 9);
    assert_true(closed(r));
    rig_run(r, &over, 1);
    assert_false(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 1);
    rig_free(r);
}

/* Cut after the trip was persisted, before the relay moved. */
static void outage_at_the_trip(void **state)
{
    (void)state;
    struct rig *r = limited("manual");
    struct meas_block over = rig_block(230, 40);
    rig_run(r, &over, 9);
    r->cut_at_drive = r->drives + 1;
    rig_run(r, &over, 1);
    assert_true(r->dead);
    rig_reboot(r, 1);
    assert_false(closed(r));
    assert_int_equal(rig_read(r, "96.130.20"), 1);
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, RELAY_CAUSE_LIMITER), 1);
    rig_run(r, &over, 300);
    assert_int_equal(relay_state_of(&r->v.m), RELAY_READY);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_by_default),
        cmocka_unit_test(value_of_a_block),
        cmocka_unit_test(bad_settings_are_refused),
        cmocka_unit_test(step_time_then_trip_then_automatic_reconnect),
        cmocka_unit_test(manual_reconnect_by_the_button),
        cmocka_unit_test(power_basis),
        cmocka_unit_test(head_end_may_reconnect_early),
        cmocka_unit_test(first_stage_sheds_the_load_relay),
        cmocka_unit_test(outage_while_shed),
        cmocka_unit_test(outage_during_the_reconnect_delay),
        cmocka_unit_test(outage_while_a_step_runs),
        cmocka_unit_test(outage_at_the_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
