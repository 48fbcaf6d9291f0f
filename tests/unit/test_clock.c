/* Calendar arithmetic and daylight saving of src/registers/clock.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "registers/clock.h"
#include "trimeter/err.h"

static const struct clock_zone cet = {.std_offset_min = 60, .mode = CLOCK_DST_EU};
static const struct clock_zone eet = {.std_offset_min = 120, .mode = CLOCK_DST_EU};

static void split_join_agree_with_libc(void **state)
{
    (void)state;
    /* Every 7919 s over 1970..2110, compared with gmtime_r. */
    for (int64_t t = 0; t < 4400000000LL; t += 7919LL * 97) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        struct clock_dt dt;
        clock_split(t, &dt);
        assert_int_equal(dt.year, tm.tm_year + 1900);
        assert_int_equal(dt.mon, tm.tm_mon + 1);
        assert_int_equal(dt.day, tm.tm_mday);
        assert_int_equal(dt.hour, tm.tm_hour);
        assert_int_equal(dt.min, tm.tm_min);
        assert_int_equal(dt.sec, tm.tm_sec);
        assert_int_equal(dt.wday, tm.tm_wday == 0 ? 7 : tm.tm_wday);
        assert_int_equal(clock_join(dt.year, dt.mon, dt.day, dt.hour, dt.min, dt.sec), t);
    }
}

static void leap_years_and_month_lengths(void **state)
{
    (void)state;
    assert_true(clock_is_leap(2028));
    assert_true(clock_is_leap(2000));
    assert_false(clock_is_leap(2100));
    assert_false(clock_is_leap(2027));
    assert_int_equal(clock_month_days(2028, 2), 29);
    assert_int_equal(clock_month_days(2027, 2), 28);
    assert_int_equal(clock_month_days(2027, 12), 31);
    assert_int_equal(clock_month_days(2027, 13), 0);
    /* Leap day exists and the day after is 1 March. */
    struct clock_dt dt;
    clock_split(clock_join(2028, 2, 29, 23, 59, 59) + 1, &dt);
    assert_int_equal(dt.mon, 3);
    assert_int_equal(dt.day, 1);
    /* Year end. */
    clock_split(clock_join(2026, 12, 31, 23, 59, 59) + 1, &dt);
    assert_int_equal(dt.year, 2027);
    assert_int_equal(dt.mon, 1);
    assert_int_equal(dt.day, 1);
    assert_int_equal(dt.wday, 5); /* 2027-01-01 is a Friday */
}

static void eu_switch_instants(void **state)
{
    (void)state;
    assert_int_equal(clock_eu_dst_begin(2026), clock_join(2026, 3, 29, 1, 0, 0));
    assert_int_equal(clock_eu_dst_end(2026), clock_join(2026, 10, 25, 1, 0, 0));
    assert_int_equal(clock_eu_dst_begin(2027), clock_join(2027, 3, 28, 1, 0, 0));
    assert_int_equal(clock_eu_dst_end(2027), clock_join(2027, 10, 31, 1, 0, 0));
    /* March 2037 ends on a Tuesday; last Sunday is the 29th. */
    assert_int_equal(clock_eu_dst_begin(2037), clock_join(2037, 3, 29, 1, 0, 0));
}

/* CET: local 02:00 jumps to 03:00 in spring, 03:00 falls back to 02:00. */
static void dst_both_ways_cet(void **state)
{
    (void)state;
    int64_t sw = clock_eu_dst_begin(2026);
    struct clock_dt dt;
    clock_split(clock_to_local(&cet, sw - 1), &dt);
    assert_int_equal(dt.hour, 1);
    assert_int_equal(dt.min, 59);
    clock_split(clock_to_local(&cet, sw), &dt);
    assert_int_equal(dt.hour, 3);
    assert_int_equal(dt.min, 0);
    assert_int_equal(clock_offset_min(&cet, sw), 120);
    /* Standard time does not jump. */
    clock_split(clock_to_standard(&cet, sw), &dt);
    assert_int_equal(dt.hour, 2);

    int64_t back = clock_eu_dst_end(2026);
    clock_split(clock_to_local(&cet, back - 1), &dt);
    assert_int_equal(dt.hour, 2);
    assert_int_equal(dt.min, 59);
    clock_split(clock_to_local(&cet, back), &dt);
    assert_int_equal(dt.hour, 2);
    assert_int_equal(dt.min, 0);
    assert_int_equal(clock_offset_min(&cet, back), 60);

    /* local -> UTC: the doubled hour maps to its first (summer) instance;
     * the spring gap maps past the switch. */
    assert_int_equal(clock_from_local(&cet, clock_join(2026, 10, 25, 2, 30, 0)), back - 1800);
    assert_int_equal(clock_from_local(&cet, clock_join(2026, 10, 25, 3, 30, 0)), back + 5400);
    assert_int_equal(clock_from_local(&cet, clock_join(2026, 3, 29, 1, 30, 0)), sw - 1800);
    assert_int_equal(clock_from_local(&cet, clock_join(2026, 3, 29, 3, 30, 0)), sw + 1800);
    assert_int_equal(clock_from_local(&cet, clock_join(2026, 3, 29, 2, 30, 0)), sw + 1800);
}

/* EET (Finland): 03:00 -> 04:00 and 04:00 -> 03:00 local. */
static void dst_both_ways_eet(void **state)
{
    (void)state;
    struct clock_dt dt;
    clock_split(clock_to_local(&eet, clock_eu_dst_begin(2026)), &dt);
    assert_int_equal(dt.hour, 4);
    clock_split(clock_to_local(&eet, clock_eu_dst_begin(2026) - 1), &dt);
    assert_int_equal(dt.hour, 2);
    clock_split(clock_to_local(&eet, clock_eu_dst_end(2026)), &dt);
    assert_int_equal(dt.hour, 3);
    assert_false(clock_dst_active(&eet, clock_join(2026, 1, 15, 12, 0, 0)));
    assert_true(clock_dst_active(&eet, clock_join(2026, 7, 15, 12, 0, 0)));
}

static void dst_table_and_none(void **state)
{
    (void)state;
    struct clock_zone z = {.std_offset_min = 120, .mode = CLOCK_DST_TABLE, .ntable = 1};
    z.table[0].begin = (uint32_t)clock_join(2030, 4, 1, 0, 0, 0);
    z.table[0].end = (uint32_t)clock_join(2030, 9, 1, 0, 0, 0);
    assert_false(clock_dst_active(&z, clock_join(2030, 3, 31, 23, 59, 59)));
    assert_true(clock_dst_active(&z, clock_join(2030, 4, 1, 0, 0, 0)));
    assert_false(clock_dst_active(&z, clock_join(2030, 9, 1, 0, 0, 0)));
    assert_false(clock_dst_active(&z, clock_join(2031, 5, 1, 0, 0, 0)));
    struct clock_zone none = {.std_offset_min = -300, .mode = CLOCK_DST_NONE};
    assert_int_equal(clock_offset_min(&none, clock_join(2026, 7, 1, 0, 0, 0)), -300);
}

static void iso_format_and_parse(void **state)
{
    (void)state;
    char buf[32];
    int64_t sw = clock_eu_dst_begin(2026);
    assert_true(clock_format_iso(clock_to_local(&eet, sw), clock_offset_min(&eet, sw), buf, sizeof buf) > 0);
    assert_string_equal(buf, "2026-03-29T04:00:00+03:00");
    assert_true(clock_format_iso(sw, 0, buf, sizeof buf) > 0);
    assert_string_equal(buf, "2026-03-29T01:00:00Z");
    assert_true(clock_format_iso(0, -330, buf, sizeof buf) > 0);
    assert_string_equal(buf, "1970-01-01T00:00:00-05:30");
    assert_int_equal(clock_format_iso(0, 0, buf, 10), METER_ENOSPC);

    int64_t t;
    assert_int_equal(clock_parse_iso("2026-03-29T04:00:00+03:00", &t), METER_OK);
    assert_int_equal(t, sw);
    assert_int_equal(clock_parse_iso("2026-03-29 01:00Z", &t), METER_OK);
    assert_int_equal(t, sw);
    assert_int_equal(clock_parse_iso("2026-03-29T01:00:00", &t), METER_OK);
    assert_int_equal(t, sw);
    assert_int_equal(clock_parse_iso("2028-02-29T00:00:00+0200", &t), METER_OK);
    assert_int_equal(clock_parse_iso("2027-02-29T00:00:00Z", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("2026-13-01T00:00:00Z", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("2026-03-29T24:00:00Z", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("2026-03-29T01:00:00Zx", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("2026-3-29T01:00Z", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("", &t), METER_EINVAL);
    assert_int_equal(clock_parse_iso("2026-03-29", &t), METER_EINVAL);
}

static void floor_handles_negative(void **state)
{
    (void)state;
    assert_int_equal(clock_floor(905, 900), 900);
    assert_int_equal(clock_floor(900, 900), 900);
    assert_int_equal(clock_floor(-1, 900), -900);
    assert_int_equal(clock_wday(-1), 3); /* 1969-12-31, a Wednesday */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_join_agree_with_libc), cmocka_unit_test(leap_years_and_month_lengths),
        cmocka_unit_test(eu_switch_instants),         cmocka_unit_test(dst_both_ways_cet),
        cmocka_unit_test(dst_both_ways_eet),          cmocka_unit_test(dst_table_and_none),
        cmocka_unit_test(iso_format_and_parse),       cmocka_unit_test(floor_handles_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
