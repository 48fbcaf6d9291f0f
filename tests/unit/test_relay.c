/* The disconnector state machine: button, remote, soft reconnect, holds of
 * several causes, breaking capacity, and an outage in the middle of each
 * operation. */
#include "ui_rig.h"

static enum relay_state st(struct rig *r)
{
    return relay_state_of(&r->v.m);
}

static bool physically_closed(struct rig *r)
{
    return r->v.hw.relay[METER_RELAY_MAIN];
}

static void factory_fresh_is_connected(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_read(r, "96.3.10"), 1);
    assert_int_equal(rig_read(r, "96.130.0"), RELAY_CONNECTED);
    assert_true(rig_has_symbol(display_state(&r->v.m), "DISC_CLOSED"));
    rig_free(r);
}

static void button_opens_and_closes(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 10);
    rig_run(r, &b, 2);
    assert_int_equal(relay_button(&r->v.m), METER_OK);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_false(physically_closed(r));
    struct evlog_rec e = rig_last_event(r, EV_RELAY_OPEN);
    assert_int_equal(e.a, RELAY_CAUSE_BUTTON);
    assert_int_equal(e.src, METER_SRC_BUTTON);
    assert_int_equal(e.b, 10000); /* the current it broke, mA */
    rig_idle_ms(r, 10);
    assert_true(rig_has_symbol(display_state(&r->v.m), "DISC_OPEN"));
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_CLOSE).a, RELAY_CAUSE_BUTTON);
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    assert_int_equal(rig_events(r, EV_RELAY_CLOSE, ANY), 1);
    rig_free(r);
}

static void soft_reconnect_needs_a_release(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 3);
    rig_run(r, &b, 2);
    assert_int_equal(rig_act(r, "disconnector", 1, 0), METER_OK);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_false(physically_closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_REMOTE);
    /* The button cannot undo a remote disconnection ... */
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE);
    assert_false(physically_closed(r));
    /* ... until the head-end releases it: READY, the symbol flashes. */
    assert_int_equal(rig_act(r, "disconnector_release", 1, 0), METER_OK);
    assert_int_equal(st(r), RELAY_READY);
    assert_false(physically_closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_RELEASE).a, RELAY_CAUSE_REMOTE);
    assert_int_equal(rig_read(r, "96.130.1"), 1);
    rig_run(r, &b, 1);
    assert_true(rig_has_symbol(display_state(&r->v.m), "DISC_READY"));
    assert_string_equal(display_state(&r->v.m)->text, "READY");
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    /* Remote reconnect closes at once. */
    rig_act(r, "disconnector", 1, 0);
    assert_int_equal(rig_act(r, "disconnector", 2, 0), METER_OK);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_CLOSE).a, RELAY_CAUSE_REMOTE);
    /* Methods other than 1 and 2 are refused. */
    assert_int_equal(rig_act(r, "disconnector", 3, 0), METER_EINVAL);
    /* The reading client may not operate the relay. */
    assert_int_equal(obj_action(&r->v.m, objtab_find_key("disconnector"), METER_ACC_READER, 1, NULL,
                                METER_SRC_OPTICAL_IEC),
                     METER_EACCES);
    assert_int_equal(st(r), RELAY_CONNECTED);
    rig_free(r);
}

static void without_soft_reconnect_the_button_undoes_a_remote_opening(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    assert_int_equal(rig_set_num(r, "disconnector_soft_reconnect", 0), METER_OK);
    rig_act(r, "disconnector", 1, 0);
    assert_false(physically_closed(r));
    assert_int_equal(relay_button(&r->v.m), METER_OK);
    assert_true(physically_closed(r));
    rig_free(r);
}

static void every_cause_holds_until_it_lets_go(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 2);
    rig_run(r, &b, 1);
    relay_hold(&r->v.m, RELAY_CAUSE_LIMITER, METER_SRC_INTERNAL);
    rig_act(r, "disconnector", 1, 0); /* a second cause: no second opening */
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    relay_release_hold(&r->v.m, RELAY_CAUSE_LIMITER, RELAY_RETURN_AUTO, METER_SRC_INTERNAL);
    assert_int_equal(st(r), RELAY_DISCONNECTED); /* the remote hold remains */
    assert_false(physically_closed(r));
    /* Neither the button nor a remote reconnect override prepayment. */
    relay_hold(&r->v.m, RELAY_CAUSE_PREPAY, METER_SRC_INTERNAL);
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE);
    assert_int_equal(rig_act(r, "disconnector", 2, 0), METER_ESTATE);
    assert_true(relay_held_by(&r->v.m, RELAY_CAUSE_REMOTE));
    relay_release_hold(&r->v.m, RELAY_CAUSE_PREPAY, RELAY_RETURN_AUTO, METER_SRC_INTERNAL);
    assert_int_equal(rig_act(r, "disconnector", 2, 0), METER_OK);
    assert_true(physically_closed(r));
    /* The last cause decides how the supply comes back: by the button. */
    relay_hold(&r->v.m, RELAY_CAUSE_NEUTRAL, METER_SRC_INTERNAL);
    relay_release_hold(&r->v.m, RELAY_CAUSE_NEUTRAL, RELAY_RETURN_MANUAL, METER_SRC_INTERNAL);
    assert_int_equal(st(r), RELAY_READY);
    assert_false(physically_closed(r));
    /* A new cause while READY opens it for good again. */
    relay_hold(&r->v.m, RELAY_CAUSE_REMOTE, METER_SRC_SIM);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE);
    rig_free(r);
}

static void never_opens_above_breaking_capacity(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block over = rig_block3(230, 20, 86, 30), at = rig_block3(230, 20, 85, 30);
    rig_run(r, &over, 2);
    unsigned drives = r->drives;
    assert_int_equal(rig_act(r, "disconnector", 1, 0), METER_OK);
    /* Accepted, but the relay stays closed while 86 A flow. */
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(r->drives, drives);
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 0);
    struct evlog_rec e = rig_last_event(r, EV_RELAY_DEFERRED);
    assert_int_equal(e.a, RELAY_CAUSE_REMOTE);
    assert_int_equal(e.b, 86000);
    rig_run(r, &over, 10);
    assert_true(rig_has_symbol(display_state(&r->v.m), "DISC_CLOSED")); /* where it is */
    assert_true(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_DEFERRED, ANY), 1); /* logged once */
    /* At the breaking capacity it opens, with the cause of the command. */
    rig_run(r, &at, 1);
    assert_false(physically_closed(r));
    e = rig_last_event(r, EV_RELAY_OPEN);
    assert_int_equal(e.a, RELAY_CAUSE_REMOTE);
    assert_int_equal(e.b, 85000);
    /* A reconnect before the opening cancels it. */
    rig_act(r, "disconnector", 2, 0);
    rig_run(r, &over, 1);
    rig_act(r, "disconnector", 1, 0);
    rig_act(r, "disconnector", 2, 0);
    rig_run(r, &at, 3);
    assert_true(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    rig_free(r);
}

/* On the battery the button cannot move the relay. */
static void button_does_nothing_without_mains(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block none = rig_block(0, 0);
    rig_run(r, &none, 2);
    unsigned drives = r->drives;
    meter_button(&r->v.m, METER_BTN_DISCONNECT, 200);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_int_equal(r->drives, drives);
    assert_true(physically_closed(r));
    rig_free(r);
}

/* ---- outages ---------------------------------------------------------------- */

static void keeps_its_position_through_an_outage(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 3);
    rig_run(r, &b, 2);
    rig_act(r, "disconnector", 1, 0);
    rig_outage(r, 600);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_false(physically_closed(r));
    assert_int_equal(relay_button(&r->v.m), METER_ESTATE); /* still remote, still soft */
    rig_act(r, "disconnector_release", 1, 0);
    rig_outage(r, 600);
    assert_int_equal(st(r), RELAY_READY);
    assert_int_equal(relay_button(&r->v.m), METER_OK);
    assert_true(physically_closed(r));
    rig_outage(r, 600);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    assert_int_equal(rig_events(r, EV_RELAY_CLOSE, ANY), 1);
    rig_free(r);
}

/* Power fails after the new state was persisted, before the relay moved:
 * at power-up the relay goes where the state says and the operation is
 * logged once. */
static void outage_between_persist_and_drive_open(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block b = rig_block(230, 3);
    rig_run(r, &b, 2);
    r->cut_at_drive = r->drives + 1;
    rig_act(r, "disconnector", 1, 0);
    assert_true(r->dead);
    assert_true(physically_closed(r)); /* the drive never happened */
    rig_reboot(r, 5);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_false(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 1);
    struct evlog_rec e = rig_last_event(r, EV_RELAY_OPEN);
    assert_int_equal(e.a, RELAY_CAUSE_REMOTE);
    assert_int_equal(e.b, -1); /* completed at power-up */
    rig_free(r);
}

static void outage_between_persist_and_drive_close(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    relay_button(&r->v.m);
    assert_false(physically_closed(r));
    r->cut_at_drive = r->drives + 1;
    relay_button(&r->v.m);
    assert_true(r->dead);
    assert_false(physically_closed(r));
    rig_reboot(r, 5);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_CLOSE, RELAY_CAUSE_BUTTON), 1);
    rig_free(r);
}

/* Power fails before anything was persisted: the command is lost, the
 * relay where it was (the head-end sees no change and repeats). */
static void outage_before_persist(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    r->dead = true;
    rig_act(r, "disconnector", 1, 0);
    rig_reboot(r, 5);
    assert_int_equal(st(r), RELAY_CONNECTED);
    assert_true(physically_closed(r));
    assert_int_equal(rig_events(r, EV_RELAY_OPEN, ANY), 0);
    rig_free(r);
}

/* An opening deferred by a high current survives the outage and happens
 * when the current allows. */
static void outage_while_an_opening_waits(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meas_block over = rig_block(230, 90), low = rig_block(230, 4);
    rig_run(r, &over, 1);
    rig_act(r, "disconnector", 1, 0);
    assert_true(physically_closed(r));
    rig_outage(r, 30);
    assert_int_equal(st(r), RELAY_DISCONNECTED);
    assert_true(physically_closed(r));
    rig_run(r, &over, 3);
    assert_true(physically_closed(r));
    rig_run(r, &low, 1);
    assert_false(physically_closed(r));
    assert_int_equal(rig_last_event(r, EV_RELAY_OPEN).a, RELAY_CAUSE_REMOTE);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(factory_fresh_is_connected),
        cmocka_unit_test(button_opens_and_closes),
        cmocka_unit_test(soft_reconnect_needs_a_release),
        cmocka_unit_test(without_soft_reconnect_the_button_undoes_a_remote_opening),
        cmocka_unit_test(every_cause_holds_until_it_lets_go),
        cmocka_unit_test(never_opens_above_breaking_capacity),
        cmocka_unit_test(button_does_nothing_without_mains),
        cmocka_unit_test(keeps_its_position_through_an_outage),
        cmocka_unit_test(outage_between_persist_and_drive_open),
        cmocka_unit_test(outage_between_persist_and_drive_close),
        cmocka_unit_test(outage_before_persist),
        cmocka_unit_test(outage_while_an_opening_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
