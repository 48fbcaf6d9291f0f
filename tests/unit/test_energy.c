/* Energy registers (S-2.1, S-1.7): resolution, truncation (never rounded
 * up), the commit at every change of a register's last digit (a power cut
 * without warning at any second loses less than one step and never makes
 * a register go backwards), tariff registers adding up to the total. */
#include "ui_rig.h"

#define T0 1780000000

/* A meter booted from a copy of another one's EEPROM (a cut without warning). */
static struct rig *boot_copy(const uint8_t *nvm, int64_t utc)
{
    struct rig *c = rig_new(utc - 1);
    memcpy(c->nvm, nvm, VMETER_NVM_SIZE);
    rig_reboot(c, 1);
    return c;
}

static int64_t rd(const struct meter *m, const char *code, int8_t *scaler)
{
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_str(code), METER_ACC_PUBLIC, &v), METER_OK);
    if (scaler != NULL)
        *scaler = v.scaler;
    return v.i;
}

static void block(struct meas_block *blk, int64_t ap_uwh, int64_t an_uwh, int64_t rp_uwh)
{
    memset(blk, 0, sizeof *blk);
    blk->e[MEAS_AP] = ap_uwh;
    blk->e[MEAS_AN] = an_uwh;
    blk->e[MEAS_RP] = rp_uwh;
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk->ph[ph].u_mv = 230000;
    blk->f_mhz = 50000;
}

static void steps_and_commit_points(void **state)
{
    (void)state;
    assert_int_equal(energy_step_uwh(1), 10000000ull);
    assert_int_equal(energy_step_uwh(2), 100000000ull);
    assert_int_equal(energy_step_uwh(3), 1000000000ull);
    struct energy e;
    energy_init(&e);
    struct meas_block b;
    block(&b, 3333333, 0, 0); /* 12 W */
    unsigned commits = 0;
    for (int s = 0; s < 100; s++) {
        uint64_t before = e.total[MEAS_AP] / 10000000u;
        bool c = energy_add_block(&e, &b, 1);
        assert_int_equal(c, e.total[MEAS_AP] / 10000000u != before);
        commits += c;
    }
    assert_int_equal(commits, 33); /* 333.3 M uWh = 33.3 steps */
    /* nothing negative is added; the tariff register follows the total */
    block(&b, -5000, 0, 0);
    assert_false(energy_add_block(&e, &b, 1));
    assert_int_equal(e.total[MEAS_AP], 333333300u);
    assert_int_equal(e.tariff_ap[0], 333333300u);
    e.tariff = 2;
    block(&b, 1000000000, 0, 7);
    assert_true(energy_add_block(&e, &b, 3));
    assert_int_equal(e.tariff_ap[2], 1000000000u);
    assert_int_equal(e.tariff_rp[2], 7u);
}

static void resolution_key_truncates(void **state)
{
    (void)state;
    struct rig *g = rig_new(T0);
    struct meter *m = &g->v.m;
    m->energy.total[MEAS_AP] = 123456789012ull; /* 123.456789012 kWh */
    int8_t sc;
    assert_int_equal(rd(m, "1.8.0", &sc), 12345);
    assert_int_equal(sc, 1);
    assert_int_equal(rig_set_text(g, "energy_resolution", "0.1"), METER_OK);
    assert_int_equal(rd(m, "1.8.0", &sc), 1234);
    assert_int_equal(sc, 2);
    assert_int_equal(rig_set_text(g, "energy_resolution", "1"), METER_OK);
    assert_int_equal(rd(m, "1.8.0", &sc), 123);
    assert_int_equal(rig_set_text(g, "energy_resolution", "0.5"), METER_ERANGE);
    assert_int_equal(rig_set_num(g, "energy_resolution", 10), METER_OK); /* Wh */
    assert_int_equal(rd(m, "1.8.0", &sc), 12345);
    rig_free(g);
}

/* A cut without warning at every one of 400 seconds: the meter booted
 * from a copy of the EEPROM at that instant shows every register as the
 * running meter displayed it (nothing of a digit lost, nothing gained). */
static void cut_at_any_second(void **state)
{
    (void)state;
    struct rig *g = rig_new(T0);
    static uint8_t copy[VMETER_NVM_SIZE];
    struct meas_block b;
    static const char *const regs[] = {"1.8.0", "2.8.0", "3.8.0", "1.8.1", "1.8.2", "3.8.1", "3.8.2"};
    for (int s = 0; s < 400; s++) {
        /* 7.3 kW import, 0.9 kvar: a digit every ~5 s */
        block(&b, 7300000000LL / 3600 + (s % 3), s % 50 == 0 ? 40000000 : 0, 900000000LL / 3600);
        vmeter_step_block(&g->v, &b);
        if (s % 7 != 3)
            continue;
        memcpy(copy, g->nvm, sizeof copy);
        struct rig *c = boot_copy(copy, g->v.m.now + 1);
        for (unsigned k = 0; k < sizeof regs / sizeof regs[0]; k++)
            assert_int_equal(rd(&c->v.m, regs[k], NULL), rd(&g->v.m, regs[k], NULL));
        for (unsigned q = 0; q < MEAS_QTY; q++)
            assert_true(c->v.m.energy.total[q] <= g->v.m.energy.total[q]);
        rig_free(c);
    }
    /* tariffs add up to the total at full resolution */
    const struct energy *e = &g->v.m.energy;
    uint64_t sum = 0, rsum = 0;
    for (unsigned t = 0; t < METER_TARIFFS; t++) {
        sum += e->tariff_ap[t];
        rsum += e->tariff_rp[t];
    }
    assert_int_equal(sum, e->total[MEAS_AP]);
    assert_int_equal(rsum, e->total[MEAS_RP]);
    rig_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps_and_commit_points),
        cmocka_unit_test(resolution_key_truncates),
        cmocka_unit_test(cut_at_any_second),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
