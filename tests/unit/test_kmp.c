/* KMP commands of the meter: PutRegister, SetClock, GetLog, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "registers/evlog.h"
#include "registers/clock.h"
#include "registers/profile.h"
#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/kmp/kmp.h"

/* Frame a request from its data-link bytes (address, CID, data) and send it. */
static size_t kmp_tx(struct om *o, const uint8_t *dl_in, size_t n)
{
    uint8_t dl[KMP_DL_MAX], phys[KMP_PHYS_MAX];
    memcpy(dl, dl_in, n);
    int k = kmp_frame_encode(KMP_START_REQ, dl, n, sizeof dl, phys, sizeof phys);
    assert_true(k > 0);
    return om_tx(o, phys, (size_t)k);
}

static int kmp_reply(struct om *o, uint8_t *dl, size_t cap)
{
    return kmp_frame_decode(KMP_START_RSP, o->cap.buf, o->cap.n, dl, cap);
}

static void put_register_params_and_refusals(void **state)
{
    struct om *o = om_new();
    /* A+ (legal register): refused, absent from the answer, counted (no
     * record: legal/audit.h) */
    uint8_t req[] = {0x3F, 0x11, 0x01, 0x00, 0x01, KMP_U_KWH, 0x01, 0x00, 0x05};
    uint32_t a0 = ev_audit(o), s0 = au_sessions(o), r0 = au_refusals(o);
    assert_true(kmp_tx(o, req, sizeof req) > 0);
    uint8_t dl[KMP_DL_MAX];
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 2); /* address + CID, nothing written */
    assert_int_equal(au_sessions(o), s0 + 1);
    assert_true(au_refused(o, r0, METER_SRC_OPTICAL_KMP));
    assert_int_equal(ev_audit(o), a0); /* no record written */
    /* malformed request (count says 2, one present): silence */
    uint8_t bad[] = {0x3F, 0x11, 0x02, 0x00, 0x01, KMP_U_KWH, 0x01, 0x00, 0x05};
    assert_int_equal(kmp_tx(o, bad, sizeof bad), 0);
    /* more than 8 registers: silence */
    uint8_t many[3 + 18] = {0x3F, 0x10, 9};
    for (int i = 0; i < 9; i++) {
        many[3 + 2 * i] = 0x04;
        many[4 + 2 * i] = 0x1E;
    }
    assert_int_equal(kmp_tx(o, many, sizeof many), 0);
    om_free(o);
}

static void put_register_writable(void **state)
{
    /* every non-legal row with a KMP id and a setter accepts its own value
     * back (a write of the value read), through obj_write */
    struct om *o = om_new();
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *d = objtab_at(i);
        if (d->kmp_id == 0 || d->set == NULL || (d->flags & OBJ_F_LEGAL) || d->wr > METER_ACC_MANAGER)
            continue;
        uint8_t get[] = {0x3F, 0x10, 0x01, (uint8_t)(d->kmp_id >> 8), (uint8_t)d->kmp_id};
        kmp_tx(o, get, sizeof get);
        uint8_t dl[KMP_DL_MAX];
        int n = kmp_reply(o, dl, sizeof dl);
        assert_true(n > 5);
        uint8_t put[KMP_DL_MAX] = {0x3F, 0x11, 0x01};
        memcpy(put + 3, dl + 2, (size_t)n - 2);
        kmp_tx(o, put, 3 + (size_t)n - 2);
        int m = kmp_reply(o, dl, sizeof dl);
        assert_int_equal(m, n); /* written and read back */
    }
    om_free(o);
}

/* KMP has no authentication: SetClock is a synchronisation (legal/access.h):
 * a change within the window once per interval is ACKed, a larger one or
 * a second one is refused with silence. */
static void set_clock(void **state)
{
    struct om *o = om_new();
    struct meter *m = &o->v.m;
    struct clock_dt dt;
    /* 2026-04-01 12:30:00 local: far from the meter's time: refused */
    uint8_t req[] = {0x3F, 0x09, 26, 4, 1, 12, 30, 0};
    int64_t t0 = m->now;
    assert_int_equal(kmp_tx(o, req, sizeof req), 0);
    assert_int_equal(m->now, t0);
    /* the meter's local time + 5 s: synchronised */
    clock_split(clock_civil_of(m, m->now + 5, false), &dt);
    uint8_t sync[] = {0x3F, 0x09, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, dt.sec};
    assert_int_equal(kmp_tx(o, sync, sizeof sync), 1);
    assert_int_equal(o->cap.buf[0], KMP_ACK);
    assert_int_equal(m->now, t0 + 5);
    /* a second synchronisation the same day: refused */
    clock_split(clock_civil_of(m, m->now - 3, false), &dt);
    uint8_t again[] = {0x3F, 0x09, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, dt.sec};
    assert_int_equal(kmp_tx(o, again, sizeof again), 0);
    assert_int_equal(m->now, t0 + 5);
    uint8_t bad[] = {0x3F, 0x09, 26, 13, 1, 12, 30, 0};
    assert_int_equal(kmp_tx(o, bad, sizeof bad), 0);
    uint8_t shortreq[] = {0x3F, 0x09, 26, 4, 1};
    assert_int_equal(kmp_tx(o, shortreq, sizeof shortreq), 0);
    om_free(o);
}

static void get_type_serial_log(void **state)
{
    struct om *o = om_new();
    uint8_t dl[KMP_DL_MAX];
    uint8_t t[] = {0x3F, 0x01};
    kmp_tx(o, t, sizeof t);
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 6);
    assert_int_equal(dl[2], 0x03);
    assert_int_equal(dl[3], 0x82);
    assert_int_equal(dl[4], 1); /* 'A' */
    uint8_t sn[] = {0x3F, 0x02};
    kmp_tx(o, sn, sizeof sn);
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 6);
    /* log: all logs, newest first, at most 3: a parameter change is newest */
    const struct obj_def *bd = objtab_find_key("billing_day");
    struct obj_value v = {.type = OBJ_T_UINT, .i = 5};
    assert_int_equal(obj_write(&o->v.m, bd, METER_ACC_MANAGER, &v, METER_SRC_OPTICAL_IEC), METER_OK);
    uint8_t lg[] = {0x3F, 0xA2, 0xFF, 0x00, 0x00, 0x03};
    kmp_tx(o, lg, sizeof lg);
    int n = kmp_reply(o, dl, sizeof dl);
    assert_int_equal(dl[2], 0xFF);
    assert_int_equal(n, 4 + 17 * dl[3]);
    assert_true(ev_kept(o));
    uint32_t avail = evlog_available(&o->v.m);
    assert_int_equal(dl[3], avail < 3 ? avail : 3);
    assert_int_equal(dl[4 + 6], EV_PARAM_CHANGE);
    assert_int_equal(dl[4 + 7], EVLOG_AUDIT);
    assert_int_equal(dl[4 + 8], METER_SRC_OPTICAL_IEC);
    /* unknown command and other addresses: silence */
    uint8_t unk[] = {0x3F, 0x55};
    assert_int_equal(kmp_tx(o, unk, sizeof unk), 0);
    uint8_t other[] = {0x3A, 0x01};
    assert_int_equal(kmp_tx(o, other, sizeof other), 0);
    /* unknown register: answered without it */
    uint8_t ur[] = {0x3F, 0x10, 0x01, 0x7F, 0x7F};
    kmp_tx(o, ur, sizeof ur);
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 2);
    om_free(o);
}

/* The serial number is the meter's identity: KMP PutRegister (no
 * authentication) never changes it (issue 12 item 6); it is sealed like the
 * calibration: a change needs the calibration switch closed and counts as a
 * legally relevant change. */
static void serial_is_sealed(void **state)
{
    struct om *o = om_new();
    struct meter *m = &o->v.m;
    m->serial = 12345678u;
    const struct obj_def *d = objtab_find_key("serial");
    assert_non_null(d);
    assert_true(d->flags & OBJ_F_LEGAL);
    /* 0x03E9 := 87654321 (unit none, 4 bytes) */
    uint8_t put[] = {0x3F, 0x11, 0x01, 0x03, 0xE9, 0x00, 0x04, 0x00, 0x05, 0x39, 0x7F, 0xB1};
    uint8_t dl[KMP_DL_MAX];
    kmp_tx(o, put, sizeof put);
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 2); /* answered without it: not written */
    assert_int_equal(m->serial, 12345678u);
    uint8_t sn[] = {0x3F, 0x02};
    kmp_tx(o, sn, sizeof sn);
    assert_int_equal(kmp_reply(o, dl, sizeof dl), 6);
    assert_int_equal((uint32_t)dl[2] << 24 | (uint32_t)dl[3] << 16 | (uint32_t)dl[4] << 8 | dl[5], 12345678u);
    /* a management client without the seal broken: refused as well */
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    memcpy(v.s, "87654321", 8);
    v.len = 8;
    assert_int_equal(obj_write(m, d, METER_ACC_MANAGER, &v, METER_SRC_OPTICAL_IEC), METER_EACCES);
    assert_int_equal(m->serial, 12345678u);
    /* at the factory (switch closed): written, a legal change */
    uint16_t changes = m->legal.changes;
    o->v.hw.inputs |= METER_IN_CAL_SWITCH;
    assert_int_equal(obj_write(m, d, METER_ACC_MANAGER, &v, METER_SRC_FACTORY), METER_OK);
    o->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    assert_int_equal(m->serial, 87654321u);
    assert_int_equal(m->legal.changes, changes + 1);
    om_free(o);
}

/* Steady import on all phases for `seconds`: uwh per phase and second. */
static void load_for(struct om *o, int seconds, int64_t uwh_per_phase)
{
    om_load(o, seconds, uwh_per_phase);
}

/* Check a GetProfile answer against profile_read(first + i): channel mask,
 * count, per record the local end of period, status and every channel
 * value (0.01 kWh). Returns the number of records. */
static unsigned check_profile_reply(struct om *o, const uint8_t *dl, int n, uint32_t first)
{
    assert_true(n >= 4);
    unsigned cnt = dl[3];
    size_t p = 4;
    for (unsigned i = 0; i < cnt; i++) {
        struct profile_entry e;
        struct clock_dt dt;
        assert_int_equal(profile_read(&o->v.m, first + i, &e), METER_OK);
        assert_int_equal(dl[2], e.channels);
        clock_split(clock_civil_of(&o->v.m, e.time, false), &dt);
        assert_int_equal(dl[p], dt.year % 100);
        assert_int_equal(dl[p + 1], dt.mon);
        assert_int_equal(dl[p + 2], dt.day);
        assert_int_equal(dl[p + 3], dt.hour);
        assert_int_equal(dl[p + 4], dt.min);
        assert_int_equal(dl[p + 5], e.status);
        p += 6;
        for (unsigned c = 0; c < e.n; c++) {
            struct kmp_num num;
            int k = kmp_num_decode(dl + p, (size_t)n - p, &num);
            assert_true(k > 0);
            assert_false(num.neg);
            assert_int_equal(num.mant, e.v[c]);
            assert_int_equal(num.exp, -2);
            p += (size_t)k;
        }
    }
    assert_int_equal(p, (size_t)n);
    return cnt;
}

/* GetProfile from a local time: the entries profile_read() gives from the
 * first period ending at or after it, in order, and their readings follow
 * the energy that was fed (an independent check of the values). */
static void get_profile(void **state)
{
    struct om *o = om_new();
    /* five hours, a different load each hour: 0.5, 1.0, ... 2.5 Wh per
     * phase and second (5.4 .. 27 kWh per hour on three phases) */
    for (int h = 0; h < 5; h++)
        load_for(o, 3600, 500000 * (h + 1));
    om_load(o, 60, 0); /* past the last period end */
    uint32_t total = profile_count(&o->v.m);
    assert_true(total >= 5); /* hourly profile (factory), one entry per hour at least */
    struct profile_entry e[8];
    for (uint32_t i = 0; i < total && i < 8; i++)
        assert_int_equal(profile_read(&o->v.m, i, &e[i]), METER_OK);
    assert_int_equal(e[0].channels, 0x0f); /* A+ A- R+ R-, absolute readings */
    /* the readings follow the energy fed: A+ of the last full hours */
    for (uint32_t i = total - 3; i < total; i++) {
        assert_int_equal(e[i].time - e[i - 1].time, 3600);
        int64_t h = (e[i].time - OM_START) / 3600; /* the hour that ended */
        assert_true(h >= 1 && h <= 5);
        assert_int_equal(e[i].v[0] - e[i - 1].v[0], 3 * 500000 * h * 3600 / 10000000);
        assert_int_equal(e[i].v[1], 0);
    }
    /* from the end of entry 2 (local time): entries 2.. */
    struct clock_dt dt;
    clock_split(clock_civil_of(&o->v.m, e[2].time, false), &dt);
    uint8_t req[] = {0x3F, 0xA0, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, 0, 50};
    kmp_tx(o, req, sizeof req);
    uint8_t dl[KMP_DL_MAX];
    int n = kmp_reply(o, dl, sizeof dl);
    unsigned cnt = check_profile_reply(o, dl, n, 2);
    assert_true(cnt >= 2);                  /* as many as fit in one frame */
    assert_true(cnt <= total - 2);
    /* from one minute after entry 1 ended: also entries 2.. */
    clock_split(clock_civil_of(&o->v.m, e[1].time + 60, false), &dt);
    uint8_t mid[] = {0x3F, 0xA0, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, 0, 1};
    kmp_tx(o, mid, sizeof mid);
    n = kmp_reply(o, dl, sizeof dl);
    assert_int_equal(check_profile_reply(o, dl, n, 2), 1); /* max records 1 */
    /* the last entry alone */
    clock_split(clock_civil_of(&o->v.m, e[total - 1].time, false), &dt);
    uint8_t last[] = {0x3F, 0xA0, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, 0, 50};
    kmp_tx(o, last, sizeof last);
    n = kmp_reply(o, dl, sizeof dl);
    assert_int_equal(check_profile_reply(o, dl, n, total - 1), 1);
    /* a time after the last record: no records */
    uint8_t late[] = {0x3F, 0xA0, 99, 12, 31, 23, 59, 0, 50};
    kmp_tx(o, late, sizeof late);
    n = kmp_reply(o, dl, sizeof dl);
    assert_int_equal(n, 4);
    assert_int_equal(dl[3], 0);
    /* malformed: month 13, wrong length: silence */
    uint8_t bad[] = {0x3F, 0xA0, 26, 13, 1, 0, 0, 0, 5};
    assert_int_equal(kmp_tx(o, bad, sizeof bad), 0);
    assert_int_equal(kmp_tx(o, bad, sizeof bad - 1), 0);
    /* one channel (A+): the profile restarts with that channel set */
    const struct obj_def *pc = objtab_find_key("profile_channels");
    assert_non_null(pc);
    struct obj_value v = {.type = OBJ_T_STRING};
    strcpy(v.s, "A+");
    v.len = 2;
    assert_int_equal(obj_write(&o->v.m, pc, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    load_for(o, 2 * 3600 + 60, 1000000);
    total = profile_count(&o->v.m);
    assert_true(total >= 2);
    assert_int_equal(profile_read(&o->v.m, 0, &e[0]), METER_OK);
    assert_int_equal(e[0].channels, 0x01);
    clock_split(clock_civil_of(&o->v.m, e[0].time, false), &dt);
    uint8_t one[] = {0x3F, 0xA0, (uint8_t)(dt.year % 100), dt.mon, dt.day, dt.hour, dt.min, 0, 50};
    kmp_tx(o, one, sizeof one);
    n = kmp_reply(o, dl, sizeof dl);
    assert_int_equal(check_profile_reply(o, dl, n, 0), total);
    om_free(o);
}

/* The operating hour counter (0-0:96.8.0) is KMP register 0x03EC. */
static void hour_counter(void **state)
{
    struct om *o = om_new();
    load_for(o, 3 * 3600 + 10, 1000000);
    const struct obj_def *d = objtab_find_kmp(0x03EC);
    assert_non_null(d);
    assert_true(d == objtab_find_str("0.0.96.8.0.255") || d == objtab_find_str("96.8.0"));
    struct obj_value v;
    assert_int_equal(obj_read(&o->v.m, d, METER_ACC_READER, &v), METER_OK);
    assert_true(v.i >= 3);
    uint8_t req[] = {0x3F, 0x10, 0x01, 0x03, 0xEC};
    kmp_tx(o, req, sizeof req);
    uint8_t dl[KMP_DL_MAX];
    int n = kmp_reply(o, dl, sizeof dl);
    assert_true(n > 6);
    assert_int_equal(dl[2], 0x03);
    assert_int_equal(dl[3], 0xEC);
    assert_int_equal(dl[4], KMP_U_H);
    struct kmp_num num;
    assert_true(kmp_num_decode(dl + 5, (size_t)n - 5, &num) > 0);
    assert_int_equal(num.exp, 0);
    assert_int_equal(num.mant, (uint64_t)v.i);
    om_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_register_params_and_refusals),
        cmocka_unit_test(put_register_writable),
        cmocka_unit_test(set_clock),
        cmocka_unit_test(get_type_serial_log),
        cmocka_unit_test(get_profile),
        cmocka_unit_test(hour_counter),
        cmocka_unit_test(serial_is_sealed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
