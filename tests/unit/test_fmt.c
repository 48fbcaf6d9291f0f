#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "trimeter/err.h"
#include "util/fmt.h"

static const char *fixed(int64_t v, int scaler, unsigned dec)
{
    static char buf[40];
    struct fmt_buf f;
    fmt_init(&f, buf, sizeof buf);
    fmt_fixed(&f, v, scaler, dec);
    return fmt_end(&f) >= 0 ? buf : "ERR";
}

static void fixed_point_truncates(void **state)
{
    (void)state;
    assert_string_equal(fixed(1234, 1, 2), "12340.00");
    assert_string_equal(fixed(1234, -2, 2), "12.34");
    assert_string_equal(fixed(123456789, -6, 2), "123.45");
    assert_string_equal(fixed(-5, -3, 2), "0.00");
    assert_string_equal(fixed(-1999, -3, 2), "-1.99");
    assert_string_equal(fixed(7, 0, 0), "7");
    assert_string_equal(fixed(0, -6, 3), "0.000");
}

static void builder_overflow(void **state)
{
    (void)state;
    char buf[4];
    struct fmt_buf f;
    fmt_init(&f, buf, sizeof buf);
    fmt_uint(&f, 12345, 1);
    assert_int_equal(fmt_end(&f), METER_ENOSPC);
    assert_string_equal(buf, "");
    fmt_init(&f, buf, sizeof buf);
    fmt_uint(&f, 7, 3);
    assert_int_equal(fmt_end(&f), 3);
    assert_string_equal(buf, "007");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_point_truncates),
        cmocka_unit_test(builder_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
