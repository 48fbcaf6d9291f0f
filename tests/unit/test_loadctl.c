/* Load-control relays (tariff, time program, remote, overrides) and the
 * tariff inputs. */
#include "ui_rig.h"

#include "registers/clock.h"

/* UTC of a Finnish local time on Saturday 2026-03-28 (EET, UTC+2). */
static int64_t eet(unsigned h, unsigned mi, unsigned s)
{
    return clock_join(2026, 3, 28, h, mi, s) - 2 * 3600;
}

static bool aux1(struct rig *r)
{
    return r->v.hw.relay[METER_RELAY_AUX1];
}

static void texts(void **state)
{
    (void)state;
    struct loadctl_relay_cfg rc;
    char buf[80];
    memset(&rc, 0, sizeof rc);
    assert_int_equal(loadctl_program_parse(&rc, "06:00-08:00,22:00-01:30", 23), METER_OK);
    assert_int_equal(rc.nprog, 2);
    loadctl_program_format(&rc, buf, sizeof buf);
    assert_string_equal(buf, "06:00-08:00,22:00-01:30");
    assert_true(loadctl_program_on(&rc, 6 * 60));
    assert_true(loadctl_program_on(&rc, 8 * 60 - 1));
    assert_false(loadctl_program_on(&rc, 8 * 60));
    assert_true(loadctl_program_on(&rc, 23 * 60));
    assert_true(loadctl_program_on(&rc, 60));
    assert_false(loadctl_program_on(&rc, 90));
    assert_int_equal(loadctl_program_parse(&rc, "", 0), METER_OK);
    assert_int_equal(rc.nprog, 0);
    assert_false(loadctl_program_on(&rc, 600));
    static const char *const bad[] = {"06:00", "06:00-06:00", "06:00-08:00,", "6:00-8:00", "06:00-08:00;09:00-10:00",
                                      "01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_not_equal(loadctl_program_parse(&rc, bad[k], strlen(bad[k])), METER_OK);
    uint8_t mask;
    assert_int_equal(loadctl_tariffs_parse(&mask, "1,3", 3), METER_OK);
    assert_int_equal(mask, 5);
    loadctl_tariffs_format(mask, buf, sizeof buf);
    assert_string_equal(buf, "1,3");
    assert_int_not_equal(loadctl_tariffs_parse(&mask, "5", 1), METER_OK);
    assert_int_not_equal(loadctl_tariffs_parse(&mask, "1,,2", 4), METER_OK);
    assert_int_equal(loadctl_mode_parse("program", 7), LOADCTL_PROGRAM);
    assert_int_equal(loadctl_mode_parse("later", 5), METER_EINVAL);
}

static void remote_commands(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 1);
    assert_false(aux1(r));
    assert_int_equal(rig_set_num(r, "loadctl1", 1), METER_OK);
    assert_true(aux1(r));
    struct evlog_rec e = rig_last_event(r, EV_LOADCTL_SWITCH);
    assert_int_equal(e.a, 1);
    assert_int_equal(e.b, 1 | LOADCTL_SRC_REMOTE << 8);
    assert_int_equal(e.src, METER_SRC_SIM);
    assert_int_equal(rig_act(r, "loadctl1", 1, 0), METER_OK); /* method 1: open */
    assert_false(aux1(r));
    assert_int_equal(rig_act(r, "loadctl2", 2, 0), METER_OK);
    assert_true(r->v.hw.relay[METER_RELAY_AUX2]);
    assert_int_equal(rig_read(r, "96.130.61"), 1);
    assert_int_equal(rig_act(r, "loadctl2", 3, 0), METER_EINVAL);
    /* The same position again is no switching. */
    unsigned n = rig_events(r, EV_LOADCTL_SWITCH, ANY);
    rig_act(r, "loadctl2", 2, 0);
    assert_int_equal(rig_events(r, EV_LOADCTL_SWITCH, ANY), n);
    rig_free(r);
}

/* The factory calendar: T1 07:00-22:00, T2 22:00-07:00. */
static void follows_the_tariff(void **state)
{
    (void)state;
    struct rig *r = rig_new(eet(21, 59, 50));
    assert_int_equal(rig_set_text(r, "loadctl1_mode", "tariff"), METER_OK);
    assert_int_equal(rig_set_text(r, "loadctl1_tariffs", "2"), METER_OK);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 5);
    assert_false(aux1(r));
    rig_run(r, &b, 10);
    assert_true(aux1(r));
    struct evlog_rec e = rig_last_event(r, EV_LOADCTL_SWITCH);
    assert_int_equal(e.b, 1 | LOADCTL_SRC_TARIFF << 8);
    assert_int_equal(e.src, METER_SRC_INTERNAL);
    rig_free(r);
}

static void program_and_remote_override(void **state)
{
    (void)state;
    struct rig *r = rig_new(eet(5, 59, 50));
    assert_int_equal(rig_set_text(r, "loadctl1_mode", "program"), METER_OK);
    assert_int_equal(rig_set_text(r, "loadctl1_program", "06:00-06:05,06:10-06:15"), METER_OK);
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 9);
    assert_false(aux1(r));
    rig_run(r, &b, 2); /* 06:00:01 */
    assert_true(aux1(r));
    assert_int_equal(rig_last_event(r, EV_LOADCTL_SWITCH).b, 1 | LOADCTL_SRC_PROGRAM << 8);
    /* The head-end switches it off: that holds ... */
    rig_run(r, &b, 60);
    rig_set_num(r, "loadctl1", 0);
    assert_false(aux1(r));
    rig_run(r, &b, 120);
    assert_false(aux1(r));
    /* ... through an outage ... */
    rig_outage(r, 30);
    assert_false(aux1(r));
    rig_run(r, &b, 30);
    assert_false(aux1(r));
    /* ... until the program next changes its mind (06:05 off, 06:10 on). */
    rig_run(r, &b, 300); /* 06:09:01 */
    assert_false(aux1(r));
    assert_int_equal(r->v.m.control.nv.loadctl.override, 0);
    rig_run(r, &b, 60);
    assert_true(aux1(r));
    assert_int_equal(r->v.m.control.nv.loadctl.override, 0);
    /* Changing the mode drops an override. */
    rig_set_num(r, "loadctl1", 0);
    assert_int_equal(r->v.m.control.nv.loadctl.override, 1);
    rig_set_text(r, "loadctl1_mode", "remote");
    assert_int_equal(r->v.m.control.nv.loadctl.override, 0);
    rig_free(r);
}

static void positions_survive_an_outage(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_num(r, "loadctl2", 1);
    rig_outage(r, 60);
    assert_true(loadctl_closed(&r->v.m, 1));
    assert_true(r->v.hw.relay[METER_RELAY_AUX2]);
    /* Cut after the switching was persisted, before the relay moved. */
    r->dead = true;
    r->v.hw.relay[METER_RELAY_AUX1] = false;
    r->v.m.control.nv.loadctl.closed |= 1; /* what the core had decided (RAM) */
    rig_reboot(r, 1);
    assert_false(r->v.hw.relay[METER_RELAY_AUX1]); /* not persisted: not driven */
    assert_true(r->v.hw.relay[METER_RELAY_AUX2]);
    rig_free(r);
}

/* The tariff inputs select the tariff when configured; each change logged. */
static void tariff_inputs(void **state)
{
    (void)state;
    struct rig *r = rig_new(eet(12, 0, 0)); /* T1 by the calendar */
    struct meas_block b = rig_block(230, 1);
    rig_run(r, &b, 2);
    assert_int_equal(display_state(&r->v.m)->tariff, 1);
    r->v.hw.inputs |= METER_IN_TARIFF0;
    rig_run(r, &b, 2);
    assert_int_equal(rig_events(r, EV_TARIFF_INPUT, ANY), 0); /* not configured */
    assert_int_equal(rig_set_num(r, "tariff_input", 1), METER_OK);
    rig_run(r, &b, 2);
    assert_int_equal(rig_events(r, EV_TARIFF_INPUT, ANY), 0); /* the first value is no change */
    assert_int_equal(display_state(&r->v.m)->tariff, 2);
    r->v.hw.inputs |= METER_IN_TARIFF1;
    rig_run(r, &b, 2);
    struct evlog_rec e = rig_last_event(r, EV_TARIFF_INPUT);
    assert_int_equal(e.a, 4);
    assert_int_equal(e.b, 2);
    assert_int_equal(display_state(&r->v.m)->tariff, 4);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(texts),
        cmocka_unit_test(remote_commands),
        cmocka_unit_test(follows_the_tariff),
        cmocka_unit_test(program_and_remote_override),
        cmocka_unit_test(positions_survive_an_outage),
        cmocka_unit_test(tariff_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
