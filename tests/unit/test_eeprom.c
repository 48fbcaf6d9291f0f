/* The EEPROM model: page rule, wear and time accounting, torn writes in
 * each mode, bit flips, power off/on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eeprom.h"
#include "trimeter/err.h"

#define SZ 4096u
#define PG 64u

static uint8_t img[SZ];

static struct eeprom *fresh(void)
{
    static struct eeprom e;
    struct eeprom_part p = eeprom_m95m04;
    p.size = SZ;
    p.page = PG;
    memset(img, 0xff, sizeof img);
    assert_int_equal(eeprom_init(&e, &p, img), METER_OK);
    return &e;
}

static void datasheet_figures(void **state)
{
    (void)state;
    assert_int_equal(eeprom_m95m04.size, 524288);
    assert_int_equal(eeprom_m95m04.page, 512);
    assert_int_equal(eeprom_m95m04.t_write_us, 5000);
    assert_int_equal(eeprom_m95m04.endurance, 4000000);
    assert_int_equal(eeprom_m95m04.ecc_word, 4);
    /* 16 bytes + 4 command bytes at 10 MHz = 16 us, plus the cycle */
    assert_int_equal(eeprom_program_us(&eeprom_m95m04, 16), 5016);
}

static void page_rule_and_range(void **state)
{
    (void)state;
    struct eeprom *e = fresh();
    uint8_t b[PG + 1];
    memset(b, 0x55, sizeof b);
    assert_int_equal(eeprom_program(e, 0, b, PG), METER_OK);
    assert_int_equal(eeprom_program(e, 1, b, PG), METER_EINVAL);   /* crosses into page 1 */
    assert_int_equal(eeprom_program(e, PG - 4, b, 8), METER_EINVAL);
    assert_int_equal(eeprom_program(e, SZ - 4, b, 8), METER_EINVAL); /* past the end */
    assert_int_equal(eeprom_read(e, SZ - 4, b, 8), METER_EINVAL);
    assert_int_equal(eeprom_read(e, 0, b, PG), METER_OK);
    assert_int_equal(b[0], 0x55);
    assert_int_equal(e->ops, 1);
    assert_int_equal(e->bytes_prog, PG);
}

static void wear_and_time(void **state)
{
    (void)state;
    struct eeprom *e = fresh();
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 10; i++)
        assert_int_equal(eeprom_program(e, 3 * PG + 8u * (uint32_t)(i % 4), b, 8), METER_OK);
    assert_int_equal(eeprom_program(e, 5 * PG + 2, b, 3), METER_OK);
    uint32_t page;
    assert_int_equal(eeprom_max_wear(e, &page), 10);
    assert_int_equal(page, 3);
    assert_int_equal(e->wear[5], 1);
    assert_int_equal(e->partial_words, 1); /* the 3-byte write at +2 */
    assert_int_equal(e->busy_us, 10 * eeprom_program_us(&e->part, 8) + eeprom_program_us(&e->part, 3));
}

static void cut_prefix(void **state)
{
    (void)state;
    struct eeprom *e = fresh();
    uint8_t b[32];
    for (unsigned i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)i;
    eeprom_cut_after(e, 11, EEPROM_TEAR_PREFIX, 1);
    assert_int_equal(eeprom_program(e, PG, b, sizeof b), METER_EIO);
    assert_true(e->off);
    assert_memory_equal(img + PG, b, 11);
    for (unsigned i = 11; i < sizeof b; i++)
        assert_int_equal(img[PG + i], 0xff);
    /* power is gone: nothing reads or writes until it comes back */
    assert_int_equal(eeprom_program(e, 0, b, 4), METER_EIO);
    assert_int_equal(eeprom_read(e, 0, b, 4), METER_EIO);
    assert_int_equal(img[0], 0xff);
    eeprom_power_on(e);
    assert_int_equal(eeprom_program(e, 0, b, 4), METER_OK);
}

static void cut_word_and_cycle(void **state)
{
    (void)state;
    struct eeprom *e = fresh();
    uint8_t b[32], first[SZ];
    memset(b, 0x00, sizeof b);
    /* cut after 9 bytes of an operation at +2: bytes 2..10 new, the ECC word
     * holding byte 11 (bytes 8..11) undefined, the rest old */
    eeprom_cut_after(e, 9, EEPROM_TEAR_WORD, 77);
    assert_int_equal(eeprom_program(e, 2, b, 20), METER_EIO);
    for (unsigned i = 2; i < 8; i++)
        assert_int_equal(img[i], 0x00);
    for (unsigned i = 12; i < 40; i++)
        assert_int_equal(img[i], 0xff);
    int undefined = 0;
    for (unsigned i = 8; i < 12; i++)
        undefined += img[i] != 0x00 && img[i] != 0xff;
    assert_true(undefined >= 2);
    memcpy(first, img, SZ);
    /* the same seed gives the same garbage */
    e = fresh();
    eeprom_cut_after(e, 9, EEPROM_TEAR_WORD, 77);
    assert_int_equal(eeprom_program(e, 2, b, 20), METER_EIO);
    assert_memory_equal(img, first, SZ);
    /* cut in the internal write cycle: every word of the operation (0..23,
     * including bytes 0..1 outside it) scrambled */
    e = fresh();
    eeprom_cut_after(e, 15, EEPROM_TEAR_CYCLE, 5);
    assert_int_equal(eeprom_program(e, 2, b, 20), METER_EIO);
    int changed = 0;
    for (unsigned i = 0; i < 24; i++)
        changed += img[i] != 0xff && img[i] != 0x00;
    assert_true(changed >= 16);
    for (unsigned i = 24; i < 64; i++)
        assert_int_equal(img[i], 0xff);
}

static void cut_on_boundary_and_flip(void **state)
{
    (void)state;
    struct eeprom *e = fresh();
    uint8_t b[8] = {0};
    /* cut after exactly one full operation: it completes, the next is cut at byte 0 */
    eeprom_cut_after(e, 8, EEPROM_TEAR_PREFIX, 1);
    assert_int_equal(eeprom_program(e, 0, b, 8), METER_OK);
    assert_int_equal(eeprom_program(e, 8, b, 8), METER_EIO);
    assert_int_equal(img[8], 0xff);
    eeprom_power_on(e);
    eeprom_flip(e, 3, 0x10);
    assert_int_equal(img[3], 0x10);
    eeprom_flip(e, SZ, 0x01); /* out of range: ignored */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(datasheet_figures),
        cmocka_unit_test(page_rule_and_range),
        cmocka_unit_test(wear_and_time),
        cmocka_unit_test(cut_prefix),
        cmocka_unit_test(cut_word_and_cycle),
        cmocka_unit_test(cut_on_boundary_and_flip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
