#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cosem/obis.h"
#include "trimeter/err.h"

static void parse_full_and_short(void **state)
{
    (void)state;
    struct obis o;
    char buf[32];
    assert_int_equal(obis_parse("1-0:1.8.0*255", &o), METER_OK);
    assert_memory_equal(o.v, ((uint8_t[]){1, 0, 1, 8, 0, 255}), 6);
    assert_int_equal(obis_parse("1.8.1", &o), METER_OK);
    assert_memory_equal(o.v, ((uint8_t[]){1, 0, 1, 8, 1, 255}), 6);
    assert_int_equal(obis_parse("0.9.1", &o), METER_OK);
    assert_int_equal(o.v[0], 0);
    assert_int_equal(obis_parse("1.8.0*12", &o), METER_OK);
    assert_int_equal(o.v[5], 12);
    assert_true(obis_format_short(&o, buf, sizeof buf) > 0);
    assert_string_equal(buf, "1.8.0*12");
    assert_true(obis_format_full(&o, buf, sizeof buf) > 0);
    assert_string_equal(buf, "1-0:1.8.0*12");
}

static void parse_rejects_garbage(void **state)
{
    (void)state;
    struct obis o;
    const char *bad[] = {"", "1", "1.8", "1.8.", "1..0", "256.8.0", "1.8.0.0.0.0.0", "a.b.c",
                         "1-0:1.8", "1-0-1.8.0", "1.8.0*", "1.8.0*1*2", "1234.8.0", "1.8.0 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(obis_parse(bad[i], &o), METER_EINVAL);
}

static void format_too_small(void **state)
{
    (void)state;
    struct obis o = OBIS(1, 0, 1, 8, 0, 255);
    char buf[5];
    assert_int_equal(obis_format_short(&o, buf, sizeof buf), METER_ENOSPC);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_full_and_short),
        cmocka_unit_test(parse_rejects_garbage),
        cmocka_unit_test(format_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
