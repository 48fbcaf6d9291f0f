/* Legal metrology (S-8): identification and CRC-32 of the legal region,
 * firmware change detected at boot, the periodic self-test (program
 * checksum) and NVM corruption reported as status bits, events and the
 * error register. */
#include "ui_rig.h"
#include "util/crc.h"

#define T0 1780000000

/* A "program" region the test controls. */
static uint8_t region[256];

static int test_region(void *ctx, const void **p, size_t *n)
{
    (void)ctx;
    *p = region;
    *n = sizeof region;
    return METER_OK;
}

/* Reboot the same hardware with the test's legal region. */
static void reboot_region(struct rig *b)
{
    b->v.hal.legal_region = test_region;
    rig_outage(b, 1);
}

static bool last_event(const struct meter *m, enum evlog_log log, enum evlog_code code, struct evlog_rec *r)
{
    uint32_t n = evlog_count(m, log);
    for (uint32_t i = n; i-- > 0;)
        if (evlog_read(m, log, i, r) == METER_OK && r->code == code)
            return true;
    return false;
}

static void identification_and_crc(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_str("0.2.0"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.len, strlen(METER_FW_NAME " " METER_FW_VERSION));
    assert_memory_equal(v.s, METER_FW_NAME " " METER_FW_VERSION, v.len);
    assert_int_equal(obj_read(m, objtab_find_str("0.2.8"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.len, 8);
    assert_int_equal((uint32_t)v.i, m->legal.crc);
    assert_int_equal(m->legal.crc, legal_crc(m));
    assert_int_equal(m->legal.tests, 0);
    assert_int_equal(m->status & METER_ST_SELFTEST_FAIL, 0);
    /* over the region and the legal rows: a different region, a different CRC */
    memset(region, 0x5a, sizeof region);
    reboot_region(b);
    uint32_t c1 = m->legal.crc;
    assert_int_not_equal(c1, 0);
    region[100] ^= 1;
    assert_int_not_equal(legal_crc(m), c1);
    region[100] ^= 1;
    assert_int_equal(legal_crc(m), c1);
    /* the same program boots to the same CRC, and says nothing */
    uint32_t fw = evlog_total(m, EVLOG_STATUS);
    reboot_region(b);
    assert_int_equal(m->legal.crc, c1);
    struct evlog_rec r;
    assert_int_equal(evlog_total(m, EVLOG_STATUS), fw + 1); /* power_up only */
    /* new firmware: firmware_changed with old and new CRC */
    region[7] = 0x99;
    reboot_region(b);
    assert_int_not_equal(m->legal.crc, c1);
    assert_true(last_event(m, EVLOG_METRO, EV_FW_CHANGED, &r)); /* legally relevant: metrological log */
    assert_int_equal((uint32_t)r.a, c1);
    assert_int_equal((uint32_t)r.b, m->legal.crc);
    rig_free(b);
}

/* The program changes under the running meter: the daily self-test finds
 * it (status bit, event, error register bit 16). */
static void periodic_self_test(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    memset(region, 0x11, sizeof region);
    reboot_region(b);
    assert_int_equal(m->legal.tests, 0);
    region[3] = 0x12;
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    for (int s = 0; s < 86400 + 5; s++)
        vmeter_step_block(&b->v, &blk);
    assert_int_equal(m->legal.tests & LEGAL_T_PROGRAM, LEGAL_T_PROGRAM);
    assert_int_equal(m->status & METER_ST_SELFTEST_FAIL, METER_ST_SELFTEST_FAIL);
    struct evlog_rec r;
    assert_true(last_event(m, EVLOG_STATUS, EV_SELFTEST_FAIL, &r));
    assert_int_equal(r.a, LEGAL_T_PROGRAM);
    assert_int_equal((rig_read(b, "97.97.0") >> 16) & LEGAL_T_PROGRAM, LEGAL_T_PROGRAM);
    rig_free(b);
}

/* Two flipped bits in an event record: beyond correction, found at mount. */
static void nvm_corruption_reported(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    for (int k = 0; k < 6; k++)
        evlog_add(m, EV_MAGNET_START, METER_SRC_INTERNAL, k, 0);
    const struct store_ring *r = &m->store.logs[RING_EVLOG + EVLOG_TAMPER];
    uint32_t a = store_slot_addr(&m->store, r, 2);
    b->nvm[a + 16] ^= 0x21;
    rig_outage(b, 60);
    assert_int_equal(m->store.flags & STORE_F_CORRUPT, STORE_F_CORRUPT);
    assert_int_equal(m->status & METER_ST_NVM_CORRUPT, METER_ST_NVM_CORRUPT);
    assert_int_equal(m->legal.tests & LEGAL_T_NVM, LEGAL_T_NVM);
    struct evlog_rec e;
    assert_true(last_event(m, EVLOG_STATUS, EV_NVM_CORRUPT, &e));
    assert_int_equal((uint32_t)e.a, m->store.corrupt);
    assert_true(e.a >= 1);
    assert_true(last_event(m, EVLOG_STATUS, EV_SELFTEST_FAIL, &e));
    assert_int_equal(e.a & LEGAL_T_NVM, LEGAL_T_NVM);
    assert_int_equal(rig_read(b, "97.97.0") & METER_ST_NVM_CORRUPT, METER_ST_NVM_CORRUPT);
    /* the damaged record reads as corrupt, its neighbours as they were */
    struct evlog_rec x;
    assert_int_equal(evlog_read(m, EVLOG_TAMPER, 1, &x), METER_OK);
    assert_int_equal(x.a, 1);
    assert_int_equal(evlog_read(m, EVLOG_TAMPER, 2, &x), METER_ECORRUPT);
    assert_int_equal(evlog_read(m, EVLOG_TAMPER, 3, &x), METER_OK);
    assert_int_equal(x.a, 3);
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identification_and_crc),
        cmocka_unit_test(periodic_self_test),
        cmocka_unit_test(nvm_corruption_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
