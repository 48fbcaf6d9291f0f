/* Maximum demand: alignment, tariffs at a boundary, power failure, clock set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "registers/clock.h"
#include "registers/demand.h"
#include "registers/tariff.h"

#define P15 900
#define OFF (120 * 60) /* EET standard offset */

/* uWh in one second at w watts. */
static uint64_t uwh(int64_t w)
{
    return (uint64_t)(w * 1000000 / 3600);
}

/* Run seconds (t0, t0+n] at w watts in tariff register t. */
static void run(struct demand *d, int64_t t0, int n, int64_t w, unsigned t)
{
    for (int s = 1; s <= n; s++)
        demand_add(d, t0 + s, uwh(w), t, P15, OFF);
}

static void aligned_periods_and_peak_time(void **state)
{
    (void)state;
    struct demand d;
    demand_init(&d);
    int64_t t0 = clock_join(2026, 6, 1, 10, 0, 0);
    run(&d, t0, 900, 3600, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 3600); /* 1000000 uWh a second, exactly */
    assert_int_equal(d.max_t[DEMAND_ALL], t0 + 900);
    run(&d, t0 + 900, 900, 7200, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 7200);
    assert_int_equal(d.max_t[DEMAND_ALL], t0 + 1800);
    assert_int_equal(d.max_w[DEMAND_T1], 7200);
    assert_int_equal(d.max_w[DEMAND_T2], 0);
    run(&d, t0 + 1800, 900, 1000, 1);
    assert_int_equal(d.max_w[DEMAND_T2], 999); /* 277777 uWh a second, truncated */
    assert_int_equal(d.max_t[DEMAND_T2], t0 + 2700);
    assert_int_equal(d.max_w[DEMAND_ALL], 7200);
    assert_int_equal(d.last_w, 999);
}

/* Joining mid-period: the partial period divides by the full length. */
static void partial_first_period(void **state)
{
    (void)state;
    struct demand d;
    demand_init(&d);
    int64_t t0 = clock_join(2026, 6, 1, 10, 10, 0);
    demand_add(&d, t0 + 1, uwh(9000), 0, P15, OFF);
    assert_int_equal(d.partial, 1);
    run(&d, t0 + 1, 299, 9000, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 3000); /* 5 min of 9 kW over 15 min */
    assert_int_equal(d.max_t[DEMAND_ALL], clock_join(2026, 6, 1, 10, 15, 0));
}

/* The tariff switch (07:00) falls on a period boundary: the period before
 * is T2's, the one after T1's. The caller hands the tariff of each second's
 * start, as meter.c does. */
static void tariff_switch_at_boundary(void **state)
{
    (void)state;
    struct tariff_cal c;
    struct clock_zone z = {.std_offset_min = 120, .mode = CLOCK_DST_EU};
    tariff_cal_factory(&c);
    struct demand d;
    demand_init(&d);
    int64_t t0 = clock_from_local(&z, clock_join(2026, 1, 12, 6, 45, 0));
    for (int s = 1; s <= 1800; s++) {
        int64_t now = t0 + s;
        unsigned t = tariff_select(&c, clock_to_local(&z, now - 1), 0, 0);
        demand_add(&d, now, uwh(s <= 900 ? 5000 : 2000), t, P15, OFF);
    }
    assert_int_equal(d.max_w[DEMAND_T2], 4999);
    assert_int_equal(d.max_t[DEMAND_T2], t0 + 900);
    assert_int_equal(d.max_w[DEMAND_T1], 1999);
    assert_int_equal(d.max_t[DEMAND_T1], t0 + 1800);
}

/* Power fails 5 min into a period and returns 40 min later: the restored
 * state is cut at the time of the last save, a new period starts. */
static void across_power_failure(void **state)
{
    (void)state;
    struct demand d, saved;
    demand_init(&d);
    int64_t t0 = clock_join(2026, 6, 1, 10, 0, 0);
    run(&d, t0, 900, 2000, 0);
    run(&d, t0 + 900, 300, 12000, 0);
    saved = d; /* the power-fail snapshot */
    int64_t last = t0 + 1200, back = t0 + 1200 + 2400; /* back at 11:00 */
    d = saved;
    assert_true(demand_cut(&d, last, P15));
    assert_int_equal(d.max_w[DEMAND_ALL], 3999); /* 5 min of 12 kW / 15 min */
    assert_int_equal(d.max_t[DEMAND_ALL], last);
    /* after power-up, 10:40:00 .. 10:45:00 partial, then full periods */
    run(&d, back, 300, 6000, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 3999); /* 6 kW x 5 min / 15 = 2 kW */
    run(&d, back + 300, 900, 6000, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 5999);
    assert_int_equal(d.max_t[DEMAND_ALL], back + 900);
}

/* A clock set inside a period closes it at the old time; periods after the
 * set are aligned to the new clock. A set backwards does not reopen peaks. */
static void across_clock_set(void **state)
{
    (void)state;
    struct demand d;
    demand_init(&d);
    int64_t t0 = clock_join(2026, 6, 1, 10, 0, 0);
    run(&d, t0, 600, 9000, 0);
    demand_cut(&d, t0 + 600, P15);
    assert_int_equal(d.max_w[DEMAND_ALL], 6000); /* 10 min of 9 kW over 15 min */
    assert_int_equal(d.max_t[DEMAND_ALL], t0 + 600);
    int64_t t1 = t0 - 3600 + 7 * 60; /* set back to 09:07:00 */
    run(&d, t1, 8 * 60, 3000, 0);     /* partial 09:07..09:15 */
    run(&d, t1 + 480, 900, 3000, 0);  /* full 09:15..09:30 */
    assert_int_equal(d.max_w[DEMAND_ALL], 6000);
    assert_int_equal(d.last_w, 2999);
    run(&d, t1 + 1380, 900, 8000, 0);
    assert_int_equal(d.max_w[DEMAND_ALL], 7999);
    assert_int_equal(d.max_t[DEMAND_ALL], clock_join(2026, 6, 1, 9, 45, 0));
}

static void billing_cumulates_and_resets(void **state)
{
    (void)state;
    struct demand d;
    demand_init(&d);
    int64_t t0 = clock_join(2026, 6, 1, 10, 0, 0);
    run(&d, t0, 900, 4000, 0);
    demand_billing_add_cum(&d);
    demand_billing_reset(&d);
    assert_int_equal(d.cum_w, 3999);
    assert_int_equal(d.max_w[DEMAND_ALL], 0);
    assert_int_equal(d.max_t[DEMAND_ALL], 0);
    run(&d, t0 + 900, 900, 1000, 1);
    demand_billing_add_cum(&d);
    demand_billing_reset(&d);
    assert_int_equal(d.cum_w, 3999 + 999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aligned_periods_and_peak_time), cmocka_unit_test(partial_first_period),
        cmocka_unit_test(tariff_switch_at_boundary),     cmocka_unit_test(across_power_failure),
        cmocka_unit_test(across_clock_set),              cmocka_unit_test(billing_cumulates_and_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
