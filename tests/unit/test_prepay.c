/* Prepayment: credit, warnings, the disconnection window, top-up and
 * reconnection, outages. Times are Finnish (EET/EEST, the factory zone). */
#include "ui_rig.h"

#include "registers/clock.h"

/* UTC of a Finnish local time in March 2026 (summer time from the 29th). */
static int64_t eest(unsigned day, unsigned h, unsigned mi)
{
    static const struct clock_zone fi = {120, CLOCK_DST_EU, 0, {{0, 0}}};
    return clock_from_local(&fi, clock_join(2026, 3, day, h, mi, 0));
}

static bool closed(struct rig *r)
{
    return r->v.hw.relay[METER_RELAY_MAIN];
}

static struct rig *prepaid(int64_t start, int64_t credit_wh, const char *reconnect)
{
    struct rig *r = rig_new(start);
    assert_int_equal(rig_set_num(r, "prepay_enable", 1), METER_OK);
    assert_int_equal(rig_set_num(r, "prepay_low_wh", 200), METER_OK);
    assert_int_equal(rig_set_text(r, "prepay_reconnect", reconnect), METER_OK);
    if (credit_wh > 0)
        assert_int_equal(rig_act(r, "prepay_credit", 1, credit_wh), METER_OK);
    return r;
}

static void window_rules(void **state)
{
    (void)state;
    struct prepay_cfg c;
    prepay_cfg_default(&c);
    /* Monday-Friday 09:00-15:00, never on exception days. */
    assert_true(prepay_window_open(&c, 1, 9 * 60, false));
    assert_false(prepay_window_open(&c, 1, 9 * 60 - 1, false));
    assert_true(prepay_window_open(&c, 5, 15 * 60 - 1, false));
    assert_false(prepay_window_open(&c, 5, 15 * 60, false));
    assert_false(prepay_window_open(&c, 6, 10 * 60, false));
    assert_false(prepay_window_open(&c, 7, 10 * 60, false));
    assert_false(prepay_window_open(&c, 3, 10 * 60, true));
    assert_false(prepay_window_open(&c, 0, 10 * 60, false));
    /* Across midnight, and the whole day. */
    c.from_min = 22 * 60;
    c.to_min = 6 * 60;
    c.days = 0x7f;
    assert_true(prepay_window_open(&c, 6, 23 * 60, false));
    assert_true(prepay_window_open(&c, 6, 5 * 60, false));
    assert_false(prepay_window_open(&c, 6, 12 * 60, false));
    c.from_min = c.to_min = 0;
    assert_true(prepay_window_open(&c, 2, 0, false));
}

static void window_text(void **state)
{
    (void)state;
    struct prepay_cfg c;
    char buf[40];
    prepay_cfg_default(&c);
    prepay_window_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "1-5 09:00-15:00");
    assert_int_equal(prepay_window_parse(&c, "1,3,6-7 08:30-24:00", 19), METER_OK);
    assert_int_equal(c.days, 0x1 | 0x4 | 0x20 | 0x40);
    assert_int_equal(c.from_min, 510);
    prepay_window_format(&c, buf, sizeof buf);
    assert_string_equal(buf, "1,3,6,7 08:30-00:00");
    assert_int_equal(prepay_window_parse(&c, "0 00:00-00:00", 13), METER_OK);
    assert_int_equal(c.days, 0);
    static const char *const bad[] = {"", "1-5", "8 09:00-15:00", "5-1 09:00-15:00", "1-5 9:00-15:00",
                                      "1-5 09:00-25:00", "1-5 09:60-15:00", "1-5 09:00-15:00x", "1-5,09:00-15:00"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct prepay_cfg before = c;
        assert_int_not_equal(prepay_window_parse(&c, bad[k], strlen(bad[k])), METER_OK);
        assert_memory_equal(&before, &c, sizeof c);
    }
}

/* Credit runs down with A+; warnings once; no disconnection before 09:00;
 * at 09:00 the relay opens. */
static void credit_runs_out_and_waits_for_the_window(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(30, 8, 0), 500, "manual");
    struct meas_block b = rig_block(230, 10); /* 6.9 kW */
    assert_int_equal(rig_read(r, "96.130.30"), 50); /* 0.50 kWh in 0.01 kWh */
    rig_idle_ms(r, 10);
    assert_true(rig_has_symbol(display_state(&r->v.m), "PREPAY"));
    assert_false(rig_has_symbol(display_state(&r->v.m), "PREPAY_LOW"));
    /* 300 Wh at 6.9 kW: 156.5 s; then the warning, once. */
    rig_run(r, &b, 156);
    assert_int_equal(rig_events(r, EV_CREDIT_LOW, ANY), 0);
    rig_run(r, &b, 1);
    assert_int_equal(rig_events(r, EV_CREDIT_LOW, ANY), 1);
    assert_true(rig_has_symbol(display_state(&r->v.m), "PREPAY_LOW"));
    assert_string_equal(display_state(&r->v.m)->text, "LO CRED");
    /* 500 Wh: 260.9 s. Used up at 08:04:21, outside the window. */
    rig_run(r, &b, 103);
    assert_int_equal(rig_events(r, EV_CREDIT_EMPTY, ANY), 0);
    rig_run(r, &b, 1);
    assert_int_equal(rig_events(r, EV_CREDIT_EMPTY, ANY), 1);
    assert_string_equal(display_state(&r->v.m)->text, "NO CRED");
    assert_true(closed(r));
    assert_int_equal(rig_events(r, EV_CREDIT_LOW, ANY), 1);
    /* The consumption goes on and is owed: the credit goes negative. */
    rig_run(r, &b, 3600 - 261 - 1);
    assert_true(closed(r));
    assert_true(rig_read(r, "96.130.30") < -600);
    rig_run(r, &b, 1); /* 09:00:00 local */
    assert_false(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_PREPAY);
    assert_int_equal(rig_events(r, EV_CREDIT_EMPTY, ANY), 1);
    rig_free(r);
}

static void no_disconnection_after_15_or_at_the_weekend(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(27, 14, 59), 0, "manual"); /* Friday 14:59, no credit */
    struct meas_block b = rig_block(230, 2);
    rig_run(r, &b, 1);
    assert_false(closed(r)); /* inside the window: at once */
    rig_act(r, "prepay_credit", 1, 30); /* 78 s at 1.38 kW: used up at 15:00:19 */
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_true(closed(r));
    rig_run(r, &b, 119);
    assert_true(closed(r));
    assert_true(prepay_empty(&r->v.m));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    rig_free(r);
}

static void top_up_then_button_or_automatic(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(31, 10, 0), 0, "manual");
    struct meas_block b = rig_block(230, 5);
    rig_run(r, &b, 1);
    assert_false(closed(r));
    /* Refused top-ups change nothing. */
    assert_int_equal(rig_act(r, "prepay_credit", 1, 0), METER_ERANGE);
    assert_int_equal(rig_act(r, "prepay_credit", 1, -5), METER_ERANGE);
    assert_int_equal(rig_act(r, "prepay_credit", 1, PREPAY_CREDIT_MAX_WH + 1), METER_ERANGE);
    assert_int_equal(rig_act(r, "prepay_credit", 2, 1000), METER_EINVAL);
    assert_false(closed(r));
    assert_int_equal(rig_act(r, "prepay_credit", 1, 10000), METER_OK); /* 10 kWh */
    assert_int_equal(relay_state_of(&r->v.m), RELAY_READY);
    assert_int_equal(rig_read(r, "96.130.30"), 999); /* 10 kWh less the 0.96 Wh owed */
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_true(closed(r));
    assert_false(rig_has_symbol(display_state(&r->v.m), "PREPAY_LOW"));
    rig_free(r);

    r = prepaid(eest(31, 10, 0), 0, "auto");
    rig_run(r, &b, 1);
    assert_false(closed(r));
    rig_act(r, "prepay_credit", 1, 10000);
    assert_true(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_CLOSE).a, RELAY_CAUSE_PREPAY);
    /* A top-up counts from the credit as it is (the debt is paid first). */
    rig_free(r);
}

/* A holiday of the tariff calendar is no disconnection day. */
static void not_on_exception_days(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(31, 10, 0), 0, "manual"); /* Tuesday, no credit */
    assert_int_equal(rig_set_text(r, "tariff_calendar", "+x=2026-03-31/1"), METER_OK);
    struct meas_block b = rig_block(230, 2);
    rig_run(r, &b, 3600);
    assert_true(closed(r));
    assert_true(prepay_empty(&r->v.m));
    /* Through the night (an outage) to Wednesday 09:00, a working day. */
    rig_outage(r, (unsigned)(eest(32, 9, 0) - eest(31, 11, 0)));
    rig_run(r, &b, 1);
    assert_false(closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_PREPAY);
    rig_free(r);
}

static void debt_is_paid_first(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(28, 10, 0), 100, "manual"); /* Saturday */
    struct meas_block b = rig_block(230, 10);
    rig_run(r, &b, 3600); /* 6.9 kWh used, 6.8 owed */
    assert_true(closed(r));
    rig_act(r, "prepay_credit", 1, 5000);
    assert_true(rig_read(r, "96.130.30") < 0);
    assert_true(prepay_empty(&r->v.m));
    rig_free(r);
}

static void switching_prepayment_off_gives_the_supply_back(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(31, 10, 0), 0, "manual");
    struct meas_block b = rig_block(230, 5);
    rig_run(r, &b, 1);
    assert_false(closed(r));
    assert_int_equal(rig_set_num(r, "prepay_enable", 0), METER_OK);
    rig_run(r, &b, 1);
    assert_true(closed(r));
    assert_false(rig_has_symbol(display_state(&r->v.m), "PREPAY"));
    rig_free(r);
}

static void window_and_reconnect_through_the_object_table(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct obj_value v;
    assert_int_equal(rig_set_text(r, "prepay_window", "1-7 00:00-24:00"), METER_OK);
    assert_int_equal(obj_read(&r->v.m, objtab_find_key("prepay_window"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.len, 15);
    assert_memory_equal(v.s, "1-7 00:00-00:00", 15);
    assert_int_equal(rig_set_text(r, "prepay_window", "weekdays"), METER_EINVAL);
    assert_int_equal(rig_set_text(r, "prepay_reconnect", "sometimes"), METER_EINVAL);
    /* The credit register is read-only; only its method changes it. */
    assert_int_equal(rig_set_num(r, "prepay_credit", 100), METER_EACCES);
    rig_free(r);
}

/* ---- outages ---------------------------------------------------------------- */

static void credit_survives_outages(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(31, 10, 0), 2000, "manual");
    struct meas_block b = rig_block(230, 4);
    rig_run(r, &b, 600);
    int64_t before = prepay_credit_uwh(&r->v.m);
    rig_outage(r, 60);
    assert_int_equal(prepay_credit_uwh(&r->v.m), before);
    /* Cut without the warning: at most one register step is lost. */
    rig_run(r, &b, 600);
    before = prepay_credit_uwh(&r->v.m);
    r->dead = true;
    rig_reboot(r, 60);
    int64_t after = prepay_credit_uwh(&r->v.m);
    assert_true(after >= before && after - before <= 10000000); /* <= 0.01 kWh in favour of the customer */
    rig_free(r);
}

/* Used up on Sunday evening; the power is off over the night; it opens at
 * the first second after power-up inside the window. */
static void outage_over_the_window_start(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(29, 23, 50), 10, "manual");
    struct meas_block b = rig_block(230, 10);
    rig_run(r, &b, 60);
    assert_true(prepay_empty(&r->v.m));
    assert_true(closed(r));
    rig_outage(r, (unsigned)(eest(30, 9, 30) - eest(29, 23, 51)));
    assert_true(closed(r));
    rig_run(r, &b, 1);
    assert_false(closed(r));
    assert_int_equal(rig_events(r, EV_CREDIT_EMPTY, ANY), 1); /* not again after power-up */
    rig_free(r);
}

/* Top-up persisted, power gone before the relay moved (automatic mode). */
static void outage_at_the_reconnection(void **state)
{
    (void)state;
    struct rig *r = prepaid(eest(31, 10, 0), 0, "auto");
    struct meas_block b = rig_block(230, 5);
    rig_run(r, &b, 1);
    assert_false(closed(r));
    r->cut_at_drive = r->drives + 1;
    rig_act(r, "prepay_credit", 1, 3000);
    assert_true(r->dead);
    rig_reboot(r, 10);
    assert_true(closed(r));
    assert_int_equal(rig_read(r, "96.130.30"), 299);
    assert_int_equal(rig_events(r, EV_RELAY_CLOSE, RELAY_CAUSE_PREPAY), 1);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_rules),
        cmocka_unit_test(window_text),
        cmocka_unit_test(credit_runs_out_and_waits_for_the_window),
        cmocka_unit_test(no_disconnection_after_15_or_at_the_weekend),
        cmocka_unit_test(top_up_then_button_or_automatic),
        cmocka_unit_test(not_on_exception_days),
        cmocka_unit_test(debt_is_paid_first),
        cmocka_unit_test(switching_prepayment_off_gives_the_supply_back),
        cmocka_unit_test(window_and_reconnect_through_the_object_table),
        cmocka_unit_test(credit_survives_outages),
        cmocka_unit_test(outage_over_the_window_start),
        cmocka_unit_test(outage_at_the_reconnection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
