/* The core keeps all state in struct meter: two meters run side by side in
 * one process without seeing each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "vmeter.h"

static struct meas_block block_of(int64_t ap_uwh, int64_t an_uwh)
{
    struct meas_block b;
    memset(&b, 0, sizeof b);
    b.e[MEAS_AP] = ap_uwh;
    b.e[MEAS_AN] = an_uwh;
    b.p_mw = (int32_t)((ap_uwh - an_uwh) * 3600 / 1000);
    b.f_mhz = 50000;
    return b;
}

static int64_t read_hires(const struct meter *m, const char *code)
{
    const struct obj_def *o = objtab_find_str(code);
    assert_non_null(o);
    struct obj_value v;
    assert_int_equal(o->get(m, o, &v), METER_OK);
    return v.i;
}

static void two_meters_side_by_side(void **state)
{
    (void)state;
    uint8_t *nvm_a = malloc(VMETER_NVM_SIZE), *nvm_b = malloc(VMETER_NVM_SIZE);
    struct vmeter *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(nvm_a);
    assert_non_null(nvm_b);
    memset(nvm_a, 0xff, VMETER_NVM_SIZE);
    memset(nvm_b, 0xff, VMETER_NVM_SIZE);
    assert_int_equal(vmeter_boot(a, nvm_a, VMETER_NVM_SIZE, 1774735200), METER_OK);
    assert_int_equal(vmeter_boot(b, nvm_b, VMETER_NVM_SIZE, 1774735200), METER_OK);

    struct meas_block import = block_of(1000000, 0), export = block_of(0, 250000);
    for (int s = 0; s < 100; s++) {
        vmeter_step_block(a, &import);
        vmeter_step_block(b, &export);
    }
    assert_int_equal(read_hires(&a->m, "1.8.0"), 100 * 1000000LL);
    assert_int_equal(read_hires(&a->m, "2.8.0"), 0);
    assert_int_equal(read_hires(&b->m, "1.8.0"), 0);
    assert_int_equal(read_hires(&b->m, "2.8.0"), 100 * 250000LL);
    assert_int_equal(a->m.seconds, 100);
    assert_int_equal(b->m.seconds, 100);
    free(a);
    free(b);
    free(nvm_a);
    free(nvm_b);
}

/* A register reads truncated to its resolution: 0.01 kWh by default. */
static void register_resolution_truncates(void **state)
{
    (void)state;
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    memset(nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, 0);
    struct meas_block b = block_of(9999999, 0); /* 0.009999999 kWh */
    vmeter_step_block(v, &b);
    const struct obj_def *o = objtab_find_str("1.8.0");
    struct obj_value val;
    assert_int_equal(obj_read(&v->m, o, METER_ACC_PUBLIC, &val), METER_OK);
    assert_int_equal(val.i, 0);
    vmeter_step_block(v, &b);
    assert_int_equal(obj_read(&v->m, o, METER_ACC_PUBLIC, &val), METER_OK);
    assert_int_equal(val.i, 1); /* 0.019999998 kWh -> 0.01 */
    assert_int_equal(val.scaler, 1);
    char txt[16];
    assert_true(obj_format_value(o, &val, txt, sizeof txt) > 0);
    assert_string_equal(txt, "0.01");
    free(v);
    free(nvm);
}

/* A supply dip the hold-up rides through must re-arm the early warning: the
 * next real failure saves the full-resolution state again (regression: the
 * latch used to stay set until a reset, so the second failure lost energy). */
static void power_fail_rearms_after_supply_returns(void **state)
{
    (void)state;
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    memset(nvm, 0xff, VMETER_NVM_SIZE);
    assert_int_equal(vmeter_boot(v, nvm, VMETER_NVM_SIZE, 1774735200), METER_OK);
    struct meas_block b = block_of(1000, 0); /* 1 mWh a second: far below a 0.01 kWh digit */
    for (int s = 0; s < 5; s++)
        vmeter_step_block(v, &b);

    v->hw.supply_ok = false; /* dip: warning, emergency save */
    meter_power_fail(&v->m);
    meter_poll(&v->m);
    assert_true(v->m.status & METER_ST_POWER_FAIL);
    v->hw.supply_ok = true; /* ... and the mains comes back */
    for (int s = 0; s < 3; s++)
        vmeter_step_block(v, &b);
    assert_false(v->m.status & METER_ST_POWER_FAIL);

    int64_t before_cut = read_hires(&v->m, "1.8.0");
    v->hw.supply_ok = false; /* the real failure */
    meter_power_fail(&v->m);
    meter_poll(&v->m);

    /* power-up on the same EEPROM: RAM is lost, the saved state is all */
    memset(&v->m, 0, sizeof v->m);
    v->hw.supply_ok = true;
    assert_int_equal(meter_init(&v->m, &v->hal), METER_OK);
    assert_int_equal(read_hires(&v->m, "1.8.0"), before_cut);
    free(v);
    free(nvm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_meters_side_by_side),
        cmocka_unit_test(register_resolution_truncates),
        cmocka_unit_test(power_fail_rearms_after_supply_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
