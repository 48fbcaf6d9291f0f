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

/* Both copies of the legal snapshot erased (superblock, configuration,
 * logs and the billing snapshots intact): issue 12 item 7. The meter used
 * to power up with every register at zero, saying nothing. */
static void erase_legal_copies(struct rig *b)
{
    struct store_area a[6 + STORE_MAX_LOGS];
    unsigned n = store_map(&b->v.m.store, a, 6 + STORE_MAX_LOGS);
    unsigned erased = 0;
    for (unsigned k = 0; k < n; k++)
        if (a[k].kind == STORE_AREA_LEGAL) {
            memset(b->nvm + a[k].addr, 0xff, a[k].bytes);
            erased++;
        }
    assert_int_equal(erased, 2);
}

static void both_legal_copies_erased(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meas_block blk = rig_block(230.0, 10.0); /* 6.9 kW */
    rig_run(b, &blk, 3 * 3600);
    assert_int_equal(rig_act(b, "end_of_billing", 1, 0), METER_OK);
    struct obj_value bv;
    assert_int_equal(obj_read_at(&b->v.m, objtab_find_str("1.8.0"), 1, METER_ACC_PUBLIC, &bv), METER_OK);
    int64_t billed = bv.i;
    rig_run(b, &blk, 5 * 3600 + 600); /* profile entries after the snapshot */
    struct meter *m = &b->v.m;
    uint64_t truth = m->energy.total[MEAS_AP];
    uint32_t hours = m->legal.op_seconds / 3600u;
    uint32_t events = m->evlog.head;
    rig_outage(b, 1);
    erase_legal_copies(b);
    rig_reboot(b, 60);
    m = &b->v.m;
    /* registers from the evidence: the newest profile reading (hourly, 0.01
     * kWh) is at most an hour of this load behind, never ahead */
    uint64_t got = m->energy.total[MEAS_AP];
    assert_true(got <= truth);
    assert_true(truth - got <= (uint64_t)(6.9e9 + 1e7)); /* 6.9 kWh in uWh + a step */
    assert_true(rig_read(b, "1.8.0") > billed);
    assert_int_equal(rig_read(b, "0.1.0"), 1);
    assert_in_range(rig_read(b, "96.8.0"), 1, hours);
    assert_true(m->evlog.head >= events); /* sequence numbers never repeat */
    /* and it says so: status bits, error symbol, the metrological log */
    assert_true(m->status & METER_ST_RESTORED);
    assert_true(m->status & METER_ST_NVM_CORRUPT);
    assert_true(rig_read(b, "97.97.0") & METER_ST_RESTORED);
    struct evlog_rec e;
    assert_true(last_event(m, EVLOG_METRO, EV_LEGAL_RESTORED, &e));
    assert_int_equal(e.a & (LEGAL_EV_BILLING | LEGAL_EV_PROFILE | LEGAL_EV_EVENTS),
                     LEGAL_EV_BILLING | LEGAL_EV_PROFILE | LEGAL_EV_EVENTS);
    assert_int_equal(e.b, 1);
    rig_run(b, &blk, 1);
    assert_true(rig_has_symbol(&b->lcd, "ERROR"));
    /* the mark survives power cycles until the authorised party clears
     * the metrological log */
    rig_outage(b, 60);
    m = &b->v.m;
    assert_true(m->status & METER_ST_RESTORED);
    b->v.hw.inputs |= METER_IN_CAL_SWITCH;
    assert_int_equal(obj_action(m, objtab_find_key("metrological_log"), METER_ACC_CAL, 1, NULL,
                                METER_SRC_OPTICAL_IEC),
                     METER_OK);
    b->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    assert_false(m->status & METER_ST_RESTORED);
    rig_outage(b, 60);
    assert_false(b->v.m.status & METER_ST_RESTORED);
    rig_free(b);
}

/* The same with a dead RTC: the time comes from the newest evidence, not
 * from the start. */
static void both_legal_copies_erased_clock_lost(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meas_block blk = rig_block(230.0, 5.0);
    rig_run(b, &blk, 4 * 3600 + 30);
    int64_t t = b->v.m.now;
    rig_outage(b, 1);
    erase_legal_copies(b);
    b->v.hw.rtc_valid = false;
    rig_reboot(b, 600);
    struct meter *m = &b->v.m;
    assert_true(m->status & METER_ST_CLOCK_INVALID);
    assert_in_range(m->now, t - 3600, t + 1); /* the newest record (the first power-up's), not the start */
    assert_true(m->energy.total[MEAS_AP] > 0);
    assert_true(m->status & METER_ST_RESTORED);
    rig_free(b);
}

/* Images that are not blank and hold nothing of ours (zeroed, random):
 * formatted, but never in silence. A blank part is a new meter: silence. */
static void foreign_images_reported(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        struct rig *b = rig_new(T0);
        if (kind == 0)
            memset(b->nvm, 0xff, VMETER_NVM_SIZE);
        else if (kind == 1)
            memset(b->nvm, 0x00, VMETER_NVM_SIZE);
        else
            for (uint32_t k = 0, x = 12345; k < VMETER_NVM_SIZE; k++) {
                x = x * 1103515245u + 12345u;
                b->nvm[k] = (uint8_t)(x >> 16);
            }
        rig_reboot(b, 10);
        struct meter *m = &b->v.m;
        if (kind == 0) {
            assert_int_equal(m->status & (METER_ST_NVM_CORRUPT | METER_ST_RESTORED), 0);
            assert_int_equal(m->store.flags & STORE_F_FOREIGN, 0);
        } else {
            assert_true(m->store.flags & STORE_F_FOREIGN);
            assert_true(m->status & METER_ST_NVM_CORRUPT);
            struct evlog_rec e;
            assert_true(last_event(m, EVLOG_STATUS, EV_NVM_CORRUPT, &e));
            assert_true((uint32_t)e.b & STORE_F_FOREIGN);
        }
        rig_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identification_and_crc),
        cmocka_unit_test(periodic_self_test),
        cmocka_unit_test(nvm_corruption_reported),
        cmocka_unit_test(both_legal_copies_erased),
        cmocka_unit_test(both_legal_copies_erased_clock_lost),
        cmocka_unit_test(foreign_images_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
