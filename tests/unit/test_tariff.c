/* Tariff calendar: lookup edge cases, text form, external override. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "registers/clock.h"
#include "registers/tariff.h"
#include "trimeter/err.h"
#include "trimeter/hal.h"

static const struct clock_zone eet = {.std_offset_min = 120, .mode = CLOCK_DST_EU};
static const struct clock_zone cet = {.std_offset_min = 60, .mode = CLOCK_DST_EU};

static void cal_of(struct tariff_cal *c, const char *text)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(tariff_cal_parse(c, text, strlen(text)), METER_OK);
}

/* Tariff (1-based) at a local civil time. */
static unsigned at(const struct tariff_cal *c, int y, unsigned mo, unsigned d, unsigned h, unsigned mi)
{
    return tariff_at(c, clock_join(y, mo, d, h, mi, 0));
}

static void factory_day_night(void **state)
{
    (void)state;
    struct tariff_cal c;
    tariff_cal_factory(&c);
    assert_int_equal(at(&c, 2026, 6, 10, 0, 0), 2);
    assert_int_equal(at(&c, 2026, 6, 10, 6, 59), 2);
    assert_int_equal(at(&c, 2026, 6, 10, 7, 0), 1);
    assert_int_equal(at(&c, 2026, 6, 10, 21, 59), 1);
    assert_int_equal(at(&c, 2026, 6, 10, 22, 0), 2);
    assert_int_equal(at(&c, 2026, 6, 13, 12, 0), 1); /* Saturday: same profile */
    char buf[128];
    assert_true(tariff_cal_format(&c, buf, sizeof buf) > 0);
    assert_string_equal(buf, "d1=07:00/1,22:00/2;s1=01-01/1111111");
}

/* Local time decides: on the DST days 07:00 local is 04:00 / 05:00 UTC (EET). */
static void dst_days_follow_local_time(void **state)
{
    (void)state;
    struct tariff_cal c;
    tariff_cal_factory(&c);
    int64_t spring = clock_join(2026, 3, 29, 4, 0, 0); /* 07:00 EEST */
    assert_int_equal(tariff_select(&c, clock_to_local(&eet, spring - 1), 0, 0), 1);     /* T2 */
    assert_int_equal(tariff_select(&c, clock_to_local(&eet, spring), 0, 0), 0);         /* T1 */
    int64_t autumn = clock_join(2026, 10, 25, 5, 0, 0); /* 07:00 EET */
    assert_int_equal(tariff_select(&c, clock_to_local(&eet, autumn - 1), 0, 0), 1);
    assert_int_equal(tariff_select(&c, clock_to_local(&eet, autumn), 0, 0), 0);
    assert_int_equal(tariff_select(&c, clock_to_local(&eet, autumn - 3600), 0, 0), 1);
}

/* A switch point inside the skipped hour (CET 02:30 in spring) takes effect
 * at the jump; inside the doubled hour it applies both times. */
static void switch_in_dst_hours_cet(void **state)
{
    (void)state;
    struct tariff_cal c;
    cal_of(&c, "d1=02:30/3,06:00/1,22:00/2;s1=01-01/1111111");
    int64_t sw = clock_eu_dst_begin(2026); /* 02:00 CET -> 03:00 CEST */
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, sw - 1)), 2);
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, sw)), 3);
    int64_t back = clock_eu_dst_end(2026); /* 03:00 CEST -> 02:00 CET */
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, back - 1800)), 3); /* 02:30 CEST */
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, back - 1)), 3);    /* 02:59:59 CEST */
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, back)), 2);        /* 02:00 CET again */
    assert_int_equal(tariff_at(&c, clock_to_local(&cet, back + 1800)), 3); /* 02:30 CET */
}

static void seasons_weekends_exceptions(void **state)
{
    (void)state;
    struct tariff_cal c;
    /* winter (Nov..Mar) working days 07-22 T1; weekends and summer T2 all day */
    cal_of(&c, "d1=00:00/2,07:00/1,22:00/2; d2=00:00/2; s1=11-01/1111122; s2=04-01/2222222;"
               "x=12-24/2,12-25/2,2028-02-29/2,2026-01-06/2");
    assert_int_equal(at(&c, 2026, 3, 31, 12, 0), 1); /* Tuesday, winter */
    assert_int_equal(at(&c, 2026, 4, 1, 12, 0), 2);  /* season change at 00:00 */
    assert_int_equal(at(&c, 2026, 10, 31, 12, 0), 2);
    assert_int_equal(at(&c, 2026, 11, 2, 12, 0), 1); /* Monday, winter */
    /* before the first season start of the year: the last season runs on */
    assert_int_equal(at(&c, 2027, 1, 5, 12, 0), 1);
    assert_int_equal(at(&c, 2026, 11, 7, 12, 0), 2); /* Saturday */
    assert_int_equal(at(&c, 2026, 12, 24, 12, 0), 2); /* Thursday, every year */
    assert_int_equal(at(&c, 2027, 12, 24, 12, 0), 2);
    assert_int_equal(at(&c, 2026, 12, 23, 12, 0), 1);
    assert_int_equal(at(&c, 2026, 1, 6, 12, 0), 2); /* one year only */
    assert_int_equal(at(&c, 2027, 1, 6, 12, 0), 1);
    /* leap day */
    assert_int_equal(at(&c, 2028, 2, 29, 12, 0), 2); /* Tuesday */
    assert_int_equal(at(&c, 2028, 2, 28, 12, 0), 1);
    assert_int_equal(at(&c, 2028, 3, 1, 12, 0), 1);
}

/* Before the first switch point the previous day's last tariff continues,
 * across the year end too. */
static void carry_over_year_end(void **state)
{
    (void)state;
    struct tariff_cal c;
    cal_of(&c, "d1=06:00/1,23:00/3;d2=08:00/4,20:00/2;s1=01-01/1111111;x=01-01/2");
    assert_int_equal(at(&c, 2026, 12, 31, 23, 30), 3);
    assert_int_equal(at(&c, 2027, 1, 1, 0, 0), 3);  /* d2 starts at 08:00: carry T3 */
    assert_int_equal(at(&c, 2027, 1, 1, 8, 0), 4);
    assert_int_equal(at(&c, 2027, 1, 2, 5, 59), 2); /* carried from d2's 20:00 */
    assert_int_equal(at(&c, 2027, 1, 2, 6, 0), 1);
}

static void tariffs_above_four_and_inputs(void **state)
{
    (void)state;
    struct tariff_cal c;
    cal_of(&c, "d1=00:00/8,12:00/5;s1=01-01/1111111");
    assert_int_equal(at(&c, 2026, 5, 5, 1, 0), 8);
    /* registers: T5..T8 fold into the last register */
    assert_int_equal(tariff_select(&c, clock_join(2026, 5, 5, 1, 0, 0), 0, 0), 3);
    /* external inputs override when enabled */
    assert_int_equal(tariff_select(&c, clock_join(2026, 5, 5, 1, 0, 0), 1, 0), 0);
    assert_int_equal(tariff_select(&c, 0, 1, METER_IN_TARIFF0), 1);
    assert_int_equal(tariff_select(&c, 0, 1, METER_IN_TARIFF1), 2);
    assert_int_equal(tariff_select(&c, 0, 1, METER_IN_TARIFF0 | METER_IN_TARIFF1), 3);
}

static void parse_rejects_bad_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "d1=07:00/1",                         /* no season */
        "s1=01-01/1111111",                   /* no day profile */
        "d1=07:00/1;s1=01-01/1111112",         /* day profile 2 missing */
        "d1=07:00/9;s1=01-01/1111111",         /* tariff 9 */
        "d1=24:00/1;s1=01-01/1111111",
        "d1=07:60/1;s1=01-01/1111111",
        "d1=08:00/1,07:00/2;s1=01-01/1111111", /* not ascending */
        "d1=07:00/1;s1=02-30/1111111",
        "d1=07:00/1;s1=01-01/111111",
        "d2=07:00/1;s1=01-01/1111111",         /* gap */
        "d1=07:00/1;s3=01-01/1111111",
        "d1=07:00/1;s1=01-01/1111111;x=2027-02-29/1",
        "d1=07:00/1;s1=01-01/1111111;x=12-24/2",
        "d1=07:00/1;s1=01-01/1111111;q=1",
        "d1=07:00/1;;s1=01-01/1111111",
        "d1=07:00/1,00:00/1,01:00/1,02:00/1,03:00/1,04:00/1,05:00/1,06:00/1,08:00/1;s1=01-01/1111111",
        "d1=0700/1;s1=01-01/1111111",
    };
    struct tariff_cal c, before;
    tariff_cal_factory(&c);
    before = c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(tariff_cal_parse(&c, bad[i], strlen(bad[i])) < 0);
        assert_memory_equal(&c, &before, sizeof c); /* unchanged on error */
    }
}

/* 100 exception dates in several amending writes; the 101st is refused. */
static void hundred_exceptions_by_amending(void **state)
{
    (void)state;
    struct tariff_cal c;
    tariff_cal_factory(&c);
    assert_int_equal(tariff_cal_parse(&c, "+d2=00:00/2", 11), METER_OK);
    for (int k = 0; k < 10; k++) {
        char text[200];
        int n = snprintf(text, sizeof text, "+x=");
        for (int j = 0; j < 10; j++)
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%04d-06-%02d/2", j ? "," : "", 2030 + k, j + 1);
        assert_int_equal(tariff_cal_parse(&c, text, (size_t)n), METER_OK);
    }
    assert_int_equal(c.nexc, 100);
    assert_int_equal(at(&c, 2039, 6, 10, 12, 0), 2);
    assert_int_equal(at(&c, 2039, 6, 11, 12, 0), 1);
    assert_int_equal(tariff_cal_parse(&c, "+x=01-02/2", 10), METER_ENOSPC);
    /* an existing date is replaced, not added */
    assert_int_equal(tariff_cal_parse(&c, "+x=2030-06-01/1", 15), METER_OK);
    assert_int_equal(c.nexc, 100);
    assert_int_equal(at(&c, 2030, 6, 1, 12, 0), 1);
    char buf[250];
    int n = tariff_cal_format(&c, buf, sizeof buf);
    assert_true(n > 0 && n < 250);
    assert_non_null(strstr(buf, ";x+"));
    /* read back whole in pages of 18 dates (rows 0-0:96.129.20..25): the
     * text without its x= part plus every page parses to the same calendar */
    char full[2000];
    char *x = strstr(buf, ";x=");
    assert_non_null(x);
    size_t len = (size_t)(x - buf);
    memcpy(full, buf, len);
    len += (size_t)snprintf(full + len, sizeof full - len, ";x=");
    for (unsigned page = 0; page < 6; page++) {
        char part[250];
        int k = tariff_exc_format(&c, page * 18u, 18u, part, sizeof part);
        assert_true(k >= 0 && k < 250);
        assert_int_equal(k == 0, page * 18u >= c.nexc);
        if (k > 0)
            len += (size_t)snprintf(full + len, sizeof full - len, "%s%s", page ? "," : "", part);
    }
    struct tariff_cal d;
    memset(&d, 0, sizeof d);
    assert_int_equal(tariff_cal_parse(&d, full, len), METER_OK);
    assert_memory_equal(&c, &d, sizeof c);
}

static void format_round_trip(void **state)
{
    (void)state;
    const char *text = "d1=00:00/2,07:00/1,22:00/2;d2=00:00/2;s1=11-01/1111122;s2=04-01/2222222;"
                       "x=12-24/2,2028-02-29/2";
    struct tariff_cal c, d;
    cal_of(&c, text);
    char buf[250];
    assert_int_equal(tariff_cal_format(&c, buf, sizeof buf), (int)strlen(text));
    assert_string_equal(buf, text);
    cal_of(&d, buf);
    assert_memory_equal(&c, &d, sizeof c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(factory_day_night),         cmocka_unit_test(dst_days_follow_local_time),
        cmocka_unit_test(switch_in_dst_hours_cet),   cmocka_unit_test(seasons_weekends_exceptions),
        cmocka_unit_test(carry_over_year_end),       cmocka_unit_test(tariffs_above_four_and_inputs),
        cmocka_unit_test(parse_rejects_bad_text),    cmocka_unit_test(hundred_exceptions_by_amending),
        cmocka_unit_test(format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
