/* The LCD model: field fitting, symbol names, segments (src/ui/lcd.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ui/lcd.h"

static void positions_skip_points_and_colons(void **state)
{
    (void)state;
    assert_int_equal(lcd_positions("12345.67"), 7);
    assert_int_equal(lcd_positions("12:34:56"), 6);
    assert_int_equal(lcd_positions("29.03 12:34"), 9); /* the blank takes a position */
    assert_int_equal(lcd_positions(""), 0);
}

static void fit_drops_decimals_then_overflows(void **state)
{
    (void)state;
    char a[32] = "1234567.891";
    assert_int_equal(lcd_fit_number(a, 9), 9);
    assert_string_equal(a, "1234567.89"); /* truncated, never rounded */
    char b[32] = "123456789.5";
    lcd_fit_number(b, 9);
    assert_string_equal(b, "123456789"); /* the point goes with its last decimal */
    char c[32] = "1234567890";
    lcd_fit_number(c, 9);
    assert_string_equal(c, "---------");
    char d[32] = "-12.5";
    lcd_fit_number(d, 9);
    assert_string_equal(d, "-12.5");
}

static void symbol_names_in_fixed_order(void **state)
{
    (void)state;
    struct lcd_state l;
    const char *n[40];
    lcd_clear(&l);
    assert_int_equal(lcd_symbol_names(&l, n, 40), 0);
    l.tariff = 2;
    l.quadrant = 4;
    l.u_on = 5; /* L1, L3 */
    l.i_dir = (uint8_t)(LCD_DIR_IMPORT | LCD_DIR_EXPORT << 4);
    l.seq = LCD_SEQ_REVERSED;
    l.disc = LCD_DISC_READY;
    l.sym = LCD_SYM_ERROR | LCD_SYM_COVER | LCD_SYM_PREPAY | LCD_SYM_PREPAY_LOW | LCD_SYM_MODULE | LCD_SYM_RADIO;
    static const char *const want[] = {"T2", "Q4", "L1", "L3", "IMP1", "EXP3", "SEQ_REV", "DISC_READY",
                                       "ERROR", "COVER", "PREPAY", "PREPAY_LOW", "MODULE", "RADIO"};
    size_t k = lcd_symbol_names(&l, n, 40);
    assert_int_equal(k, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < k; i++)
        assert_string_equal(n[i], want[i]);
    /* A short array gets the first ones, never more. */
    assert_int_equal(lcd_symbol_names(&l, n, 3), 3);
    assert_string_equal(n[2], "L1");
    /* Sequence OK and disconnector closed. */
    l.seq = LCD_SEQ_OK;
    l.disc = LCD_DISC_CLOSED;
    l.sym = 0;
    k = lcd_symbol_names(&l, n, 40);
    assert_string_equal(n[k - 1], "DISC_CLOSED");
    for (size_t i = 0; i < k; i++)
        assert_string_not_equal(n[i], "SEQ_REV");
}

static void direction_bits(void **state)
{
    (void)state;
    struct lcd_state l;
    lcd_clear(&l);
    l.i_dir = (uint8_t)(LCD_DIR_EXPORT << 2);
    assert_int_equal(lcd_dir_of(&l, 0), LCD_DIR_NONE);
    assert_int_equal(lcd_dir_of(&l, 1), LCD_DIR_EXPORT);
    assert_int_equal(lcd_dir_of(&l, 2), LCD_DIR_NONE);
}

static void seven_segments(void **state)
{
    (void)state;
    assert_int_equal(lcd_segments('8'), 0x7f);
    assert_int_equal(lcd_segments('1'), 0x06);
    assert_int_equal(lcd_segments('0'), 0x3f);
    assert_int_equal(lcd_segments('-'), 0x40);
    assert_int_equal(lcd_segments(' '), 0);
    assert_int_equal(lcd_segments('E'), 0x79);
    /* Every digit differs from every other. */
    for (char a = '0'; a <= '9'; a++)
        for (char b = (char)(a + 1); b <= '9'; b++)
            assert_int_not_equal(lcd_segments(a), lcd_segments(b));
}

static void mode_names(void **state)
{
    (void)state;
    assert_string_equal(lcd_mode_name(LCD_MODE_AUTO), "auto");
    assert_string_equal(lcd_mode_name(LCD_MODE_MANUAL), "manual");
    assert_string_equal(lcd_mode_name(LCD_MODE_BATTERY), "battery");
    assert_string_equal(lcd_mode_name(LCD_MODE_OFF), "off");
    assert_string_equal(lcd_mode_name((enum lcd_mode)9), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions_skip_points_and_colons),
        cmocka_unit_test(fit_drops_decimals_then_overflows),
        cmocka_unit_test(symbol_names_in_fixed_order),
        cmocka_unit_test(direction_bits),
        cmocka_unit_test(seven_segments),
        cmocka_unit_test(mode_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
