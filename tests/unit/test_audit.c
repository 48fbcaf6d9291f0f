/* The attacks of issue 12 item 9 as tests: 10 000 readouts, 10 000 wrong
 * passwords and 10 000 clock-set attempts on the optical port keep every
 * legally relevant record (the metrological log, the audit log of parameter
 * changes) and cost a bounded number of EEPROM page writes, printed here
 * beside a control run of the same length without the attack. Old firmware
 * wrote an audit record per session and per refusal (10 000 page writes,
 * the legal records pushed out of a 200-record ring) and a legal commit per
 * accepted clock set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "legal/access.h"
#include "legal/audit.h"
#include "optical_util.h"
#include "proto/kmp/kmp.h"

#define ATTACKS 10000

/* A meter as it leaves the factory and the installer: calibration and
 * identity (legally relevant: the metrological log), a few parameters set
 * by a management client (the audit log). */
static struct om *installed_meter(void)
{
    struct om *o = om_new();
    struct meter *m = &o->v.m;
    o->v.hw.inputs |= METER_IN_CAL_SWITCH;
    static const char *const keys[] = {"cal_u_gain_l1", "cal_u_gain_l2", "cal_u_gain_l3", "cal_i_gain_l1",
                                       "cal_i_gain_l2", "cal_i_gain_l3", "cal_fresp_ppm"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const struct obj_def *d = objtab_find_key(keys[k]);
        assert_non_null(d);
        struct obj_value v;
        assert_int_equal(obj_read(m, d, METER_ACC_CAL, &v), METER_OK);
        v.i += 1;
        assert_int_equal(obj_write(m, d, METER_ACC_CAL, &v, METER_SRC_FACTORY), METER_OK);
    }
    struct obj_value sn = {.type = OBJ_T_STRING, .len = 8};
    memcpy(sn.s, "12345678", 8);
    assert_int_equal(obj_write(m, objtab_find_key("serial"), METER_ACC_CAL, &sn, METER_SRC_FACTORY), METER_OK);
    o->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    struct obj_value bd = {.type = OBJ_T_UINT, .i = 5};
    assert_int_equal(obj_write(m, objtab_find_key("billing_day"), METER_ACC_MANAGER, &bd, METER_SRC_OPTICAL_IEC),
                     METER_OK);
    om_load(o, 60, 0);
    return o;
}

/* Every record of the metrological and audit logs, to compare. */
struct trail {
    uint32_t n[2];
    struct evlog_rec r[2][400];
};

static void trail_take(const struct om *o, struct trail *t)
{
    static const enum evlog_log logs[2] = {EVLOG_METRO, EVLOG_AUDIT};
    memset(t, 0, sizeof *t);
    for (int k = 0; k < 2; k++) {
        t->n[k] = evlog_count(&o->v.m, logs[k]);
        assert_true(t->n[k] <= 400);
        for (uint32_t i = 0; i < t->n[k]; i++)
            assert_int_equal(evlog_read(&o->v.m, logs[k], i, &t->r[k][i]), METER_OK);
    }
}

/* Every record before is still there, unchanged, in the same order. */
static void trail_kept(const struct trail *before, const struct trail *after)
{
    for (int k = 0; k < 2; k++) {
        assert_true(after->n[k] >= before->n[k]);
        for (uint32_t i = 0; i < before->n[k]; i++) {
            const struct evlog_rec *a = &before->r[k][i], *b = &after->r[k][i];
            assert_int_equal(a->seq, b->seq);
            assert_int_equal(a->code, b->code);
            assert_int_equal(a->obj, b->obj);
            assert_int_equal(a->a, b->a);
            assert_int_equal(a->b, b->b);
        }
    }
}

/* The same seconds of blocks without the attack: what the meter writes
 * anyway (the hourly operating-time snapshot). */
static uint64_t control_ops(int seconds)
{
    struct om *o = installed_meter();
    uint64_t w0 = o->v.hw.eeprom.ops;
    om_load(o, seconds, 0);
    uint64_t w = o->v.hw.eeprom.ops - w0;
    om_free(o);
    return w;
}

static void report(const char *what, uint64_t ops, uint64_t control, int seconds)
{
    printf("  %-32s %5d in %4.1f h: %4llu EEPROM page writes (control run without it: %llu; attack: %lld)\n", what,
           ATTACKS, seconds / 3600.0, (unsigned long long)ops, (unsigned long long)control,
           (long long)ops - (long long)control);
}

/* 10 000 plain readouts (sign-on, option select, the data message), one
 * every 2 s: counted sessions, no write at all. */
static void ten_thousand_readouts(void **state)
{
    (void)state;
    struct om *o = installed_meter();
    struct trail before, after;
    trail_take(o, &before);
    uint32_t s0 = o->v.m.legal.audit.sessions;
    uint64_t w0 = o->v.hw.eeprom.ops;
    for (int k = 0; k < ATTACKS; k++) {
        tx_str(o, "/?!\r\n");
        size_t n = tx_str(o, "\x06"
                             "050\r\n");
        if (k == 0)
            assert_true(n > 100 && o->cap.buf[n - 2] == 0x03); /* a whole readout */
        om_load(o, 2, 0); /* the session ends after t_r */
    }
    uint64_t ops = o->v.hw.eeprom.ops - w0, control = control_ops(2 * ATTACKS);
    report("readouts", ops, control, 2 * ATTACKS);
    assert_int_equal(o->v.m.legal.audit.sessions, s0 + ATTACKS);
    assert_true(ops <= control); /* a reader makes the meter write nothing */
    trail_take(o, &after);
    trail_kept(&before, &after);
    assert_int_equal(after.n[1], before.n[1]); /* no audit record either */
    /* the counter reaches the store with the snapshots written anyway */
    om_reboot(o);
    assert_true(o->v.m.legal.audit.sessions >= s0 + ATTACKS - 1800);
    om_free(o);
}

/* 10 000 wrong P2 passwords, one a second: a lockout every 3 tries (15
 * min), each saved when it starts and ends with one record; the attempts
 * in between are not even compared. */
static void ten_thousand_wrong_passwords(void **state)
{
    (void)state;
    struct om *o = installed_meter();
    struct trail before, after;
    trail_take(o, &before);
    uint64_t w0 = o->v.hw.eeprom.ops;
    uint32_t nak = 0, locked = 0, lockouts0 = evlog_total(&o->v.m, EVLOG_AUDIT);
    for (int k = 0; k < ATTACKS; k++) {
        if (k % 100 == 0) {
            tx_cmd(o, "B0", NULL);
            tx_str(o, "/?!\r\n");
            tx_str(o, "\x06"
                      "051\r\n");
        }
        tx_cmd(o, "P2", "(wrong)"); /* its BCC is 0x01 = SOH: still one message */
        if (o->cap.n == 1 && o->cap.buf[0] == 0x15)
            nak++;
        else if (o->cap.n > 6 && memcmp(o->cap.buf + 1, "(ER05)", 6) == 0)
            locked++;
        om_load(o, 1, 0);
    }
    uint64_t ops = o->v.hw.eeprom.ops - w0, control = control_ops(ATTACKS);
    uint32_t lockouts = evlog_total(&o->v.m, EVLOG_AUDIT) - lockouts0;
    report("wrong passwords", ops, control, ATTACKS);
    printf("  %u compared and refused, %u refused while locked out, %u lockouts\n", nak, locked, lockouts);
    assert_int_equal(nak + locked, ATTACKS);
    assert_int_equal(nak, 3 * lockouts + (nak % 3));
    /* one lockout per 15 min + 3 s at most; three page writes to start one
     * (record, snapshot A and B), two to end it */
    assert_true(lockouts <= ATTACKS / (15 * 60) + 1);
    assert_true(ops <= control + 5u * lockouts);
    assert_int_equal(o->v.m.legal.audit.bad_secrets, nak);
    trail_take(o, &after);
    trail_kept(&before, &after);
    om_free(o);
}

/* 10 000 KMP SetClock attempts, one a second, alternating a small
 * synchronisation and a jump of a year: one synchronisation a day is
 * taken, everything else refused without a write. */
static void ten_thousand_clock_sets(void **state)
{
    (void)state;
    struct om *o = installed_meter();
    struct meter *m = &o->v.m;
    struct trail before, after;
    trail_take(o, &before);
    uint64_t w0 = o->v.hw.eeprom.ops;
    unsigned acked = 0;
    int64_t start = m->now;
    for (int k = 0; k < ATTACKS; k++) {
        struct clock_dt dt;
        clock_split(clock_civil_of(m, m->now + (k % 2 ? 365LL * 86400 : 5), false), &dt);
        uint8_t dl[KMP_DL_MAX] = {0x3F, 0x09, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, dt.sec};
        uint8_t phys[KMP_PHYS_MAX];
        int n = kmp_frame_encode(KMP_START_REQ, dl, 8, sizeof dl, phys, sizeof phys);
        if (om_tx(o, phys, (size_t)n) == 1 && o->cap.buf[0] == KMP_ACK)
            acked++;
        om_load(o, 1, 0);
    }
    uint64_t ops = o->v.hw.eeprom.ops - w0, control = control_ops(ATTACKS);
    report("clock-set attempts", ops, control, ATTACKS);
    printf("  %u accepted (synchronisation), clock moved %lld s beyond the seconds run\n", acked,
           (long long)(m->now - start - ATTACKS));
    assert_int_equal(acked, 1);
    assert_int_equal(m->now - start - ATTACKS, 5);
    assert_true(ops <= control + 3); /* the one synchronisation: a clock record and a snapshot */
    assert_int_equal(m->legal.audit.refusals >= ATTACKS - 1, 1);
    trail_take(o, &after);
    trail_kept(&before, &after);
    assert_int_equal(after.n[0], before.n[0]); /* nothing legally relevant happened */
    om_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ten_thousand_readouts),
        cmocka_unit_test(ten_thousand_wrong_passwords),
        cmocka_unit_test(ten_thousand_clock_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
