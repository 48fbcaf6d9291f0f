/* Pulse input: divider, 25 Hz limit, register, outage. */
#include "ui_rig.h"

static void edge_after(struct rig *r, unsigned ms)
{
    r->v.hw.sim_ms += ms;
    meter_pulse_input(&r->v.m);
}

static void counts_with_the_divider(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    for (int k = 0; k < 7; k++)
        edge_after(r, 100);
    assert_int_equal(rig_read(r, "96.130.70"), 7);
    assert_int_equal(rig_set_num(r, "pulsein_divider", 10), METER_OK);
    for (int k = 0; k < 25; k++)
        edge_after(r, 100);
    assert_int_equal(rig_read(r, "96.130.70"), 9);
    assert_int_equal(r->v.m.control.nv.pulsein.rem, 5);
    /* A new divider starts the fraction again. */
    assert_int_equal(rig_set_num(r, "pulsein_divider", 4), METER_OK);
    assert_int_equal(r->v.m.control.nv.pulsein.rem, 0);
    for (int k = 0; k < 4; k++)
        edge_after(r, 100);
    assert_int_equal(rig_read(r, "96.130.70"), 10);
    assert_int_equal(rig_set_num(r, "pulsein_divider", 0), METER_ERANGE);
    assert_int_equal(rig_set_num(r, "pulsein_divider", 10001), METER_ERANGE);
    assert_int_equal(rig_read(r, "96.130.71"), 4);
    /* The register is read-only. */
    assert_int_equal(rig_set_num(r, "pulsein_divider", 4), METER_OK);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_INT;
    assert_int_equal(obj_write(&r->v.m, objtab_find_str("96.130.70"), METER_ACC_MANAGER, &v, METER_SRC_SIM),
                     METER_EACCES);
    rig_free(r);
}

static void up_to_25_hz(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    edge_after(r, 1000);
    for (int k = 0; k < 100; k++)
        edge_after(r, 40); /* 25 Hz */
    assert_int_equal(rig_read(r, "96.130.70"), 101);
    assert_int_equal(r->v.m.control.pulsein.rejected, 0);
    for (int k = 0; k < 10; k++)
        edge_after(r, 39); /* faster: bounce, not pulses */
    assert_int_equal(r->v.m.control.pulsein.rejected, 5);
    assert_int_equal(rig_read(r, "96.130.70"), 106);
    rig_free(r);
}

static void count_survives_an_outage(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    rig_set_num(r, "pulsein_divider", 3);
    for (int k = 0; k < 20; k++)
        edge_after(r, 50);
    rig_outage(r, 60);
    assert_int_equal(rig_read(r, "96.130.70"), 6);
    assert_int_equal(r->v.m.control.nv.pulsein.rem, 2);
    assert_int_equal(rig_read(r, "96.130.71"), 3);
    edge_after(r, 50);
    assert_int_equal(rig_read(r, "96.130.70"), 7);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_with_the_divider),
        cmocka_unit_test(up_to_25_hz),
        cmocka_unit_test(count_survives_an_outage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
