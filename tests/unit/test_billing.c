/* Billing period counter: calendar boundaries, first instant, command,
 * access; cumulative demand; objects readable through the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "vmeter.h"

struct bm {
    struct vmeter v;
    uint8_t nvm[VMETER_NVM_SIZE];
};

static struct bm *boot_at(int64_t utc)
{
    struct bm *b = calloc(1, sizeof *b);
    assert_non_null(b);
    memset(b->nvm, 0xff, sizeof b->nvm);
    vmeter_boot(&b->v, b->nvm, sizeof b->nvm, utc);
    return b;
}

static void run(struct bm *b, int64_t secs, int32_t watts)
{
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    blk.p_mw = watts * 1000;
    blk.e[MEAS_AP] = (int64_t)watts * 1000000 / 3600;
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk.ph[ph].u_mv = 230000;
    blk.f_mhz = 50000;
    for (int64_t s = 0; s < secs; s++)
        vmeter_step_block(&b->v, &blk);
}

static int64_t rd(struct bm *b, const char *code)
{
    struct obj_value v;
    assert_int_equal(obj_read(&b->v.m, objtab_find_str(code), METER_ACC_PUBLIC, &v), METER_OK);
    return v.i;
}

/* 2026-04-01 00:00 EEST = 2026-03-31 21:00 UTC: a new meter starting at a
 * boundary does not count it; the next one (1 May) counts. */
static void first_instant_does_not_count(void **state)
{
    (void)state;
    int64_t apr1 = 1774990800; /* 2026-03-31T21:00:00Z */
    struct bm *b = boot_at(apr1);
    assert_int_equal(rd(b, "0.1.0"), 0);
    run(b, 3600, 1000);
    assert_int_equal(rd(b, "0.1.0"), 0);
    assert_int_equal(billing_next_boundary(&b->v.m, apr1), 1777582800); /* 2026-04-30T21:00Z */
    free(b);
}

static void calendar_boundary_counts_once(void **state)
{
    (void)state;
    int64_t t = 1777582800 - 1800; /* 23:30 local on 30 April */
    struct bm *b = boot_at(t);
    run(b, 1799, 4000);
    assert_int_equal(rd(b, "0.1.0"), 0);
    run(b, 1, 4000); /* the second ending at 00:00 local */
    assert_int_equal(rd(b, "0.1.0"), 1);
    /* the 15-min maximum before the boundary went into 1.2.0, maxima reset */
    assert_int_equal(rd(b, "1.2.0"), 3999); /* 1111111 uWh a second */
    assert_int_equal(rd(b, "1.6.0"), 0);
    run(b, 7200, 4000);
    assert_int_equal(rd(b, "0.1.0"), 1);
    free(b);
}

static void command_needs_management_access(void **state)
{
    (void)state;
    struct bm *b = boot_at(1780000000);
    const struct obj_def *o = objtab_find_key("end_of_billing");
    assert_non_null(o);
    assert_int_equal(obj_action(&b->v.m, o, METER_ACC_PUBLIC, 1, NULL, METER_SRC_OPTICAL_IEC), METER_EACCES);
    assert_int_equal(rd(b, "0.1.0"), 0);
    assert_int_equal(obj_action(&b->v.m, o, METER_ACC_MANAGER, 2, NULL, METER_SRC_SIM), METER_ENOENT);
    assert_int_equal(obj_action(&b->v.m, o, METER_ACC_MANAGER, 1, NULL, METER_SRC_SIM), METER_OK);
    assert_int_equal(obj_action(&b->v.m, o, METER_ACC_MANAGER, 1, NULL, METER_SRC_SIM), METER_OK);
    assert_int_equal(rd(b, "0.1.0"), 2);
    assert_int_equal(b->v.m.evlog.count[EVLOG_STATUS] >= 2, 1);
    /* historic read of a row without a billing slot is refused */
    struct obj_value v;
    assert_int_equal(obj_read_at(&b->v.m, objtab_find_str("32.7.0"), 1, METER_ACC_PUBLIC, &v), METER_ENOENT);
    free(b);
}

/* The billing day is configurable; 0 switches calendar billing off. */
static void billing_day_key(void **state)
{
    (void)state;
    struct bm *b = boot_at(1777582800 - 10);
    const struct obj_def *o = objtab_find_key("billing_day");
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    v.i = 29;
    assert_int_equal(obj_write(&b->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_ERANGE);
    v.i = 0;
    assert_int_equal(obj_write(&b->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    run(b, 100, 500);
    assert_int_equal(rd(b, "0.1.0"), 0);
    v.i = 2;
    assert_int_equal(obj_write(&b->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    run(b, 86400, 500);
    assert_int_equal(rd(b, "0.1.0"), 1);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_instant_does_not_count),
        cmocka_unit_test(calendar_boundary_counts_once),
        cmocka_unit_test(command_needs_management_access),
        cmocka_unit_test(billing_day_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
