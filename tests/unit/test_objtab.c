/* Object table access (S-2.6, S-6.4, S-8.2): every legal row refuses every
 * write without the sealed calibration switch (registers even with it),
 * legal parameter changes with the switch are counted and audit-logged;
 * every parameter write is audit-logged with object, old/new value and
 * interface; the configuration survives a power cycle. */
#include <stdio.h>

#include "ui_rig.h"
#include "util/crc.h"

#define T0 1780000000

static bool newest(const struct meter *m, enum evlog_log log, struct evlog_rec *r)
{
    uint32_t n = evlog_count(m, log);
    return n > 0 && evlog_read(m, log, n - 1, r) == METER_OK;
}

static void legal_rows_need_the_seal(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    blk.e[MEAS_AP] = 2000000;
    for (int s = 0; s < 100; s++)
        vmeter_step_block(&b->v, &blk);
    unsigned legal = 0, params = 0;
    static const enum meter_src srcs[] = {METER_SRC_OPTICAL_KMP, METER_SRC_OPTICAL_IEC, METER_SRC_OPTICAL_DLMS,
                                          METER_SRC_DLMS_TCP, METER_SRC_SIM, METER_SRC_BUTTON};
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *o = objtab_at(i);
        if (!(o->flags & OBJ_F_LEGAL))
            continue;
        legal++;
        struct obj_value before, v, after;
        assert_int_equal(obj_read(m, o, METER_ACC_CAL, &before), METER_OK);
        v = before;
        if (v.type == OBJ_T_INT || v.type == OBJ_T_UINT)
            v.i += 1;
        uint16_t changes = m->legal.changes;
        b->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
        for (unsigned acc = METER_ACC_NONE; acc <= METER_ACC_CAL; acc++)
            for (unsigned k = 0; k < sizeof srcs / sizeof srcs[0]; k++) {
                /* refused and counted (legal/audit.h), no record written */
                uint32_t denied = m->legal.audit.refusals, records = evlog_total(m, EVLOG_AUDIT);
                assert_int_equal(obj_write(m, o, (enum meter_access)acc, &v, srcs[k]), METER_EACCES);
                assert_int_equal(m->legal.audit.refusals, denied + 1);
                assert_int_equal(evlog_total(m, EVLOG_AUDIT), records);
                assert_int_equal(m->legal.audit.last_obj, obj_packed(o));
                assert_int_equal(m->legal.audit.last_src, srcs[k]);
                if (o->act != NULL)
                    assert_int_equal(obj_action(m, o, (enum meter_access)acc, 1, &v, srcs[k]), METER_EACCES);
            }
        assert_int_equal(obj_read(m, o, METER_ACC_CAL, &after), METER_OK);
        assert_int_equal(after.i, before.i);
        assert_int_equal(m->legal.changes, changes);
        /* with the switch closed: parameters change (counted, audited), registers never */
        b->v.hw.inputs |= METER_IN_CAL_SWITCH;
        int r = obj_write(m, o, METER_ACC_MANAGER, &before, METER_SRC_OPTICAL_IEC);
        if (o->set == NULL) {
            assert_int_equal(r, METER_EACCES);
            assert_int_equal(m->legal.changes, changes);
        } else {
            params++;
            assert_int_equal(r, METER_OK);
            assert_int_equal(m->legal.changes, changes + 1);
            struct evlog_rec e;
            assert_true(newest(m, EVLOG_METRO, &e)); /* the metrological log */
            assert_int_equal(e.code, EV_LEGAL_PARAM_CHANGE);
            assert_int_equal(e.obj, obj_packed(o));
            /* text rows (the serial number): the CRC-32 of the text stands for it */
            int32_t want = before.type == OBJ_T_STRING
                               ? (int32_t)crc32_ieee(0, (const uint8_t *)before.s, before.len)
                               : (int32_t)before.i;
            assert_int_equal(e.a, want);
            assert_int_equal(e.b, want);
            assert_int_equal(e.src, METER_SRC_OPTICAL_IEC);
            assert_int_equal(obj_write(m, o, METER_ACC_READER, &before, METER_SRC_OPTICAL_IEC), METER_EACCES);
        }
        b->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    }
    printf("  %u legal rows, %u of them legal parameters\n", legal, params);
    assert_true(legal >= 20);
    assert_true(params >= 15);
    /* the counter of legal changes is itself a legal row and survives */
    struct obj_value c;
    assert_int_equal(obj_read(m, objtab_find_str("96.2.0"), METER_ACC_PUBLIC, &c), METER_OK);
    assert_int_equal(c.i, params);
    rig_outage(b, 5);
    assert_int_equal(b->v.m.legal.changes, params);
    rig_free(b);
}

/* Every writable parameter row: writing back what it reads is accepted and
 * audit-logged with the object, old/new as the row reads them, and the
 * interface; a client below the row's level is refused and logged. */
static void every_parameter_write_is_audited(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    unsigned n = 0;
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *o = objtab_at(i);
        if (!(o->flags & OBJ_F_PARAM) || (o->flags & OBJ_F_LEGAL) || o->set == NULL || o->rd > METER_ACC_PUBLIC)
            continue;
        if (o->ic == IC_CLOCK)
            continue; /* writing the clock is a clock set (test_clock) */
        struct obj_value v;
        assert_int_equal(obj_read(m, o, METER_ACC_MANAGER, &v), METER_OK);
        uint32_t audit = evlog_total(m, EVLOG_AUDIT);
        int r = obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_DLMS_TCP);
        if (r != METER_OK)
            fail_msg("%s (%s) refuses its own value: %d", o->key ? o->key : "?", o->name, r);
        assert_int_equal(evlog_total(m, EVLOG_AUDIT), audit + 1);
        struct evlog_rec e;
        assert_true(newest(m, EVLOG_AUDIT, &e));
        assert_int_equal(e.code, EV_PARAM_CHANGE);
        assert_int_equal(e.obj, obj_packed(o));
        /* text rows: the CRC-32 of the text stands for it */
        int32_t want = v.type == OBJ_T_STRING ? (int32_t)crc32_ieee(0, (const uint8_t *)v.s, v.len) : (int32_t)v.i;
        if (e.a != want || e.b != want)
            fail_msg("%s: audit old/new %d/%d, reads %d", o->key ? o->key : o->name, e.a, e.b, want);
        assert_int_equal(e.src, METER_SRC_DLMS_TCP);
        if (o->wr > METER_ACC_PUBLIC) {
            uint32_t refused = m->legal.audit.refusals, records = evlog_total(m, EVLOG_AUDIT);
            assert_int_equal(obj_write(m, o, (enum meter_access)(o->wr - 1), &v, METER_SRC_HAN), METER_EACCES);
            assert_int_equal(m->legal.audit.refusals, refused + 1); /* counted, not recorded */
            assert_int_equal(evlog_total(m, EVLOG_AUDIT), records);
            assert_int_equal(m->legal.audit.last_src, METER_SRC_HAN);
        }
        n++;
    }
    assert_true(n >= 30);
    rig_free(b);
}

static void read_text(const struct meter *m, const char *key, char *buf)
{
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_key(key), METER_ACC_MANAGER, &v), METER_OK);
    if (v.type == OBJ_T_STRING) {
        memcpy(buf, v.s, v.len);
        buf[v.len] = '\0';
    } else {
        snprintf(buf, 64, "%lld", (long long)v.i);
    }
}

/* The billing core's configuration survives a power cycle. */
static void configuration_persists(void **state)
{
    (void)state;
    static const struct {
        const char *key, *text;
        int64_t num;
    } cfg[] = {
        {"timezone", "none", 0},
        {"utc_offset_min", NULL, 60},
        {"demand_period_min", NULL, 30},
        {"profile_period_min", NULL, 15},
        {"profile_channels", "A+,R-", 0},
        {"profile_mode", "delta", 0},
        {"energy_resolution", "0.1", 0},
        {"billing_day", NULL, 15},
        {"logger_interval_min", NULL, 5},
        {"logger_channels", "1.7.0,14.7.0", 0},
        {"tariff_calendar", "d1=00:00/2,06:30/1,21:00/3;d2=00:00/4;s1=03-01/1111122;s2=10-15/2222222;x=12-24/2,2027-01-06/2", 0},
        {"tariff_input", NULL, 1},
        {"dst_table", "2027-03-28T01:00:00Z/2027-10-31T01:00:00Z", 0},
    };
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    char before[sizeof cfg / sizeof cfg[0]][256];
    for (unsigned k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
        char old[256];
        read_text(m, cfg[k].key, old);
        int r = cfg[k].text ? rig_set_text(b, cfg[k].key, cfg[k].text) : rig_set_num(b, cfg[k].key, cfg[k].num);
        if (r != METER_OK)
            fail_msg("%s refused: %d", cfg[k].key, r);
        read_text(m, cfg[k].key, before[k]);
        if (strcmp(old, before[k]) == 0)
            fail_msg("%s: the factory value already was %s", cfg[k].key, old);
    }
    assert_string_equal(before[10],
                        "d1=00:00/2,06:30/1,21:00/3;d2=00:00/4;s1=03-01/1111122;s2=10-15/2222222;x=12-24/2,2027-01-06/2");
    /* cut without warning: the configuration was written when it changed */
    rig_reboot(b, 3600);
    for (unsigned k = 0; k < sizeof cfg / sizeof cfg[0]; k++) {
        char now[256];
        read_text(&b->v.m, cfg[k].key, now);
        assert_string_equal(now, before[k]);
    }
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(legal_rows_need_the_seal),
        cmocka_unit_test(every_parameter_write_is_audited),
        cmocka_unit_test(configuration_persists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
