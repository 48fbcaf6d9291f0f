/* The store inside the meter: registers survive power cycles at full
 * resolution with the early warning and within one step without it; a
 * flipped bit in the legal snapshot is repaired, logged as EV_NVM_CORRUPT,
 * flagged in the status register and shown as the error symbol; a torn
 * write is none of these. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ui/display.h"
#include "ui/lcd.h"
#include "vmeter.h"

#define T0 1774735200

static uint8_t *img;
static struct vmeter v;

static int setup(void **state)
{
    (void)state;
    img = malloc(VMETER_NVM_SIZE);
    assert_non_null(img);
    memset(img, 0xff, VMETER_NVM_SIZE);
    assert_int_equal(vmeter_boot(&v, img, VMETER_NVM_SIZE, T0), METER_OK);
    struct meas_block b = vmeter_block_kw(25.0);
    for (int s = 0; s < 100; s++)
        vmeter_step_block(&v, &b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(img);
    return 0;
}

/* Power off and on again: the meter restarts on the same EEPROM. */
static void reboot(int64_t t)
{
    eeprom_power_on(&v.hw.eeprom);
    assert_int_equal(vmeter_boot(&v, img, VMETER_NVM_SIZE, t), METER_OK);
}

static bool has_error_symbol(void)
{
    const char *names[40];
    size_t n = lcd_symbol_names(display_state(&v.m), names, 40);
    for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], "ERROR") == 0)
            return true;
    return false;
}

static uint32_t nvm_events(void)
{
    uint32_t found = 0, n = evlog_count(&v.m, EVLOG_STATUS);
    for (uint32_t i = 0; i < n; i++) {
        struct evlog_rec r;
        if (evlog_read(&v.m, EVLOG_STATUS, i, &r) == METER_OK && r.code == EV_NVM_CORRUPT)
            found++;
    }
    return found;
}

static void warning_saves_full_resolution(void **state)
{
    (void)state;
    struct energy ram = v.m.energy;
    v.hw.supply_ok = false;
    meter_power_fail(&v.m);
    meter_poll(&v.m);
    reboot(T0 + 200);
    assert_memory_equal(v.m.energy.total, ram.total, sizeof ram.total);
    assert_false(v.m.status & METER_ST_NVM_CORRUPT);
    assert_int_equal(nvm_events(), 0);
}

static void cut_without_warning_loses_at_most_a_step(void **state)
{
    (void)state;
    struct meas_block b = vmeter_block_kw(25.0);
    /* cut in the middle of the next page write, whatever it is */
    for (int k = 0; k < 50; k++) {
        eeprom_cut_after(&v.hw.eeprom, 37u + 11u * (unsigned)k, EEPROM_TEAR_WORD, 5u + (unsigned)k);
        uint64_t before = v.m.energy.total[MEAS_AP];
        while (!v.hw.eeprom.off)
            vmeter_step_block(&v, &b);
        uint64_t ram = v.m.energy.total[MEAS_AP];
        reboot(T0 + 1000 + 100 * k);
        uint64_t got = v.m.energy.total[MEAS_AP];
        assert_true(got <= ram);
        assert_true(got >= before - 10000000u); /* never behind the step shown before this second */
        assert_true(ram / 10000000u - got / 10000000u <= 1);
        assert_false(v.m.status & METER_ST_NVM_CORRUPT);
    }
    assert_int_equal(nvm_events(), 0);
}

static void flipped_bit_logged_flagged_shown(void **state)
{
    (void)state;
    /* save, then age the newest copy A of the snapshot by one bit */
    v.hw.supply_ok = false;
    meter_power_fail(&v.m);
    meter_poll(&v.m);
    struct energy ram = v.m.energy;
    const struct store_ring *a = &v.m.store.legal[0];
    uint32_t idx = a->next == 0 ? a->nslots - 1 : a->next - 1;
    eeprom_flip(&v.hw.eeprom, store_slot_addr(&v.m.store, a, idx) + 20, 0x08);
    reboot(T0 + 300);
    assert_memory_equal(v.m.energy.total, ram.total, sizeof ram.total);
    assert_true(v.m.status & METER_ST_NVM_CORRUPT);
    assert_int_equal(nvm_events(), 1);
    struct meas_block b = vmeter_block_kw(25.0);
    vmeter_step_block(&v, &b);
    assert_true(has_error_symbol());
    /* repaired: the next power-up is clean */
    reboot(T0 + 400);
    assert_false(v.m.status & METER_ST_NVM_CORRUPT);
    assert_int_equal(nvm_events(), 1);
}

/* The emergency save writes copy A alone, so A is one record ahead of B;
 * a flipped bit in that newest record A used to roll the meter back to B's
 * older record in silence (issue 12 item 7: -18 s, -9 Wh). It is taken,
 * corrected and reported. */
static void flipped_bit_in_record_a_ahead_of_b(void **state)
{
    (void)state;
    /* a second too small to change a digit: no commit before the warning */
    struct meas_block b = vmeter_block_kw(0.001);
    vmeter_step_block(&v, &b);
    v.hw.supply_ok = false;
    meter_power_fail(&v.m);
    meter_poll(&v.m);
    struct energy ram = v.m.energy;
    assert_int_not_equal(v.m.store.hseq[0], v.m.store.hseq[1]); /* A ahead */
    const struct store_ring *a = &v.m.store.legal[0];
    uint32_t idx = a->next == 0 ? a->nslots - 1 : a->next - 1;
    eeprom_flip(&v.hw.eeprom, store_slot_addr(&v.m.store, a, idx) + 40, 0x20);
    reboot(T0 + 300);
    assert_memory_equal(v.m.energy.total, ram.total, sizeof ram.total);
    assert_true(v.m.status & METER_ST_NVM_CORRUPT);
    assert_int_equal(nvm_events(), 1);
    /* repaired: both copies hold it, the next power-up is clean */
    reboot(T0 + 400);
    assert_memory_equal(v.m.energy.total, ram.total, sizeof ram.total);
    assert_false(v.m.status & METER_ST_NVM_CORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(warning_saves_full_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_without_warning_loses_at_most_a_step, setup, teardown),
        cmocka_unit_test_setup_teardown(flipped_bit_logged_flagged_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(flipped_bit_in_record_a_ahead_of_b, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
