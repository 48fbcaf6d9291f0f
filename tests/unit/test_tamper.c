/* Cover switch and magnet sensor: events, status bits, symbols, latched
 * alarms, changes during an outage. */
#include "ui_rig.h"

static void cover_open_and_close(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 3);
    assert_false(rig_has_symbol(display_state(&r->v.m), "ERROR"));
    r->v.hw.inputs |= METER_IN_COVER_OPEN;
    rig_idle_ms(r, 20);
    assert_true(r->v.m.status & METER_ST_COVER_OPEN);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, 0), 1);
    const struct lcd_state *l = display_state(&r->v.m);
    assert_true(rig_has_symbol(l, "COVER"));
    assert_true(rig_has_symbol(l, "ERROR"));
    assert_int_equal(rig_read(r, "96.130.80"), TAMPER_COVER | TAMPER_COVER_ALARM);
    /* Held open: one event, not one per pass. */
    rig_run(r, &b, 5);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, ANY), 1);
    r->v.hw.inputs &= ~(uint32_t)METER_IN_COVER_OPEN;
    rig_run(r, &b, 1);
    assert_false(r->v.m.status & METER_ST_COVER_OPEN);
    assert_int_equal(rig_events(r, EV_COVER_CLOSE, ANY), 1);
    assert_false(rig_has_symbol(l, "COVER"));
    /* The error symbol stays until the utility clears the alarm. */
    assert_true(rig_has_symbol(l, "ERROR"));
    assert_int_equal(rig_read(r, "96.130.80"), TAMPER_COVER_ALARM);
    assert_int_equal(rig_set_num(r, "tamper_alarm", 1), METER_EINVAL);
    assert_int_equal(rig_set_num(r, "tamper_alarm", 0), METER_OK);
    rig_run(r, &b, 1);
    assert_false(rig_has_symbol(l, "ERROR"));
    assert_int_equal(rig_read(r, "96.130.80"), 0);
    /* Clearing needs the management client. */
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_INT;
    assert_int_equal(obj_write(&r->v.m, objtab_find_key("tamper_alarm"), METER_ACC_READER, &v, METER_SRC_OPTICAL_IEC),
                     METER_EACCES);
    rig_free(r);
}

static void magnet_start_and_end(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 2);
    r->v.hw.inputs |= METER_IN_MAGNET;
    rig_run(r, &b, 1);
    assert_true(r->v.m.status & METER_ST_MAGNET);
    assert_int_equal(rig_events(r, EV_MAGNET_START, ANY), 1);
    const struct lcd_state *l = display_state(&r->v.m);
    assert_true(rig_has_symbol(l, "ERROR"));
    assert_false(rig_has_symbol(l, "COVER"));
    assert_string_equal(l->text, "MAGNET");
    r->v.hw.inputs &= ~(uint32_t)METER_IN_MAGNET;
    rig_run(r, &b, 1);
    assert_false(r->v.m.status & METER_ST_MAGNET);
    assert_int_equal(rig_events(r, EV_MAGNET_END, ANY), 1);
    assert_string_equal(l->text, "");
    assert_true(rig_has_symbol(l, "ERROR"));
    assert_int_equal(rig_read(r, "96.130.80"), TAMPER_MAGNET_ALARM);
    /* The start and end carry their own time stamps. */
    assert_true(rig_last_event(r, EV_MAGNET_END).time > rig_last_event(r, EV_MAGNET_START).time);
    rig_free(r);
}

static void both_at_once(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    r->v.hw.inputs |= METER_IN_MAGNET | METER_IN_COVER_OPEN;
    rig_run(r, &b, 1);
    assert_int_equal(rig_events(r, EV_MAGNET_START, ANY), 1);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, ANY), 1);
    assert_int_equal(rig_read(r, "96.130.80"), 15);
    rig_free(r);
}

/* Opened while the meter had no power: found at power-up (a = 1). */
static void cover_opened_during_an_outage(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 2);
    rig_outage(r, 10);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, ANY), 0);
    r->dead = true; /* power off */
    r->v.hw.inputs |= METER_IN_COVER_OPEN;
    rig_reboot(r, 100);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, 1), 1);
    assert_true(r->v.m.status & METER_ST_COVER_OPEN);
    /* Still open at the next power-up: nothing new. */
    rig_outage(r, 10);
    assert_int_equal(rig_events(r, EV_COVER_OPEN, ANY), 1);
    assert_true(r->v.m.status & METER_ST_COVER_OPEN);
    /* Closed during the next outage. */
    r->dead = true;
    r->v.hw.inputs = 0;
    rig_reboot(r, 100);
    assert_int_equal(rig_events(r, EV_COVER_CLOSE, 1), 1);
    assert_int_equal(rig_read(r, "96.130.80"), TAMPER_COVER_ALARM);
    rig_free(r);
}

/* The edge event logged, the power gone before the state was saved: at
 * power-up the edge is found again rather than lost. */
static void outage_right_at_the_edge(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 2);
    r->dead = true;
    r->v.hw.inputs |= METER_IN_MAGNET;
    rig_idle_ms(r, 10); /* seen in RAM only */
    rig_reboot(r, 5);
    assert_int_equal(rig_events(r, EV_MAGNET_START, ANY), 1);
    assert_true(rig_read(r, "96.130.80") & TAMPER_MAGNET_ALARM);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cover_open_and_close),
        cmocka_unit_test(magnet_start_and_end),
        cmocka_unit_test(both_at_once),
        cmocka_unit_test(cover_opened_during_an_outage),
        cmocka_unit_test(outage_right_at_the_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
