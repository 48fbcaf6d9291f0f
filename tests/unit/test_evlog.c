/* Event logs (S-3.3): records live only in the store and survive power
 * cycles (RAM lost: the meter re-initialised on the same EEPROM), counts
 * since manufacture travel in the legal snapshot, rings keep their depth,
 * the merged view is in global order, audit records carry object, old/new
 * and interface. */
#include "ui_rig.h"

#define T0 1780000000

static void persist_across_power_cycles(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    /* power_up at the first boot */
    assert_int_equal(evlog_total(m, EVLOG_STATUS), 1);
    assert_int_equal(evlog_count(m, EVLOG_STATUS), 1);
    for (int k = 0; k < 5; k++)
        assert_int_equal(evlog_add(m, EV_COVER_OPEN + (k & 1), METER_SRC_INTERNAL, k, -k), METER_OK);
    uint32_t head = m->evlog.head;
    rig_outage(b, 100);
    assert_int_equal(evlog_total(m, EVLOG_TAMPER), 5);
    assert_int_equal(evlog_count(m, EVLOG_TAMPER), 5);
    /* outage end + power up after the cycle */
    assert_int_equal(evlog_count(m, EVLOG_QUALITY), 1);
    assert_int_equal(evlog_total(m, EVLOG_STATUS), 2);
    assert_true(m->evlog.head >= head + 2);
    struct evlog_rec r;
    for (uint32_t k = 0; k < 5; k++) {
        assert_int_equal(evlog_read(m, EVLOG_TAMPER, k, &r), METER_OK);
        assert_int_equal(r.code, EV_COVER_OPEN + (k & 1));
        assert_int_equal(r.a, (int32_t)k);
        assert_int_equal(r.b, -(int32_t)k);
        assert_int_equal(r.time, T0);
        assert_int_equal(r.log, EVLOG_TAMPER);
    }
    assert_int_equal(evlog_read(m, EVLOG_QUALITY, 0, &r), METER_OK);
    assert_int_equal(r.code, EV_OUTAGE_END);
    assert_int_equal(r.a, 100);
    assert_int_equal(r.time, T0 + 100);
    /* merged: every readable record once, in sequence order */
    struct evlog_iter it;
    memset(&it, 0, sizeof it);
    uint32_t n = 0, last = 0;
    while (evlog_next(m, &it, &r) == METER_OK) {
        if (n > 0)
            assert_true(r.seq > last);
        last = r.seq;
        n++;
    }
    assert_int_equal(n, evlog_available(m));
    assert_int_equal(last, m->evlog.head - 1);
    rig_free(b);
}

/* A ring keeps its depth: the oldest records go, the totals count on. */
static void rings_keep_their_depth(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    uint32_t depth = evlog_depth(EVLOG_CLOCK);
    assert_int_equal(depth, 50);
    for (uint32_t k = 0; k < depth + 17; k++) {
        m->now++;
        assert_int_equal(evlog_add(m, EV_CLOCK_ADJUST, METER_SRC_OPTICAL_KMP, (int32_t)k, 0), METER_OK);
    }
    rig_outage(b, 10);
    assert_int_equal(evlog_total(m, EVLOG_CLOCK), depth + 17);
    assert_int_equal(evlog_count(m, EVLOG_CLOCK), depth);
    struct evlog_rec r;
    assert_int_equal(evlog_read(m, EVLOG_CLOCK, 0, &r), METER_OK);
    assert_int_equal(r.a, 17);
    assert_int_equal(r.src, METER_SRC_OPTICAL_KMP);
    assert_int_equal(evlog_read(m, EVLOG_CLOCK, depth - 1, &r), METER_OK);
    assert_int_equal(r.a, (int32_t)(depth + 16));
    assert_int_equal(evlog_read(m, EVLOG_CLOCK, depth, &r), METER_ENOENT);
    /* the counters since manufacture are registers */
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_str("0-0:96.129.14"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.i, depth + 17);
    assert_int_equal(obj_read(m, objtab_find_str("0-0:99.98.4"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_int_equal(v.i, depth);
    rig_free(b);
}

/* A parameter change: object, old and new value, interface, in the audit
 * log, after a power cycle too; a refused one is counted, not recorded
 * (legal/audit.h: no client can push records out). */
static void audit_records(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    const struct obj_def *o = objtab_find_key("demand_period_min");
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    v.i = 30;
    assert_int_equal(obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_OPTICAL_IEC), METER_OK);
    v.i = 60;
    assert_int_equal(obj_write(m, o, METER_ACC_READER, &v, METER_SRC_OPTICAL_KMP), METER_EACCES);
    rig_outage(b, 5);
    assert_int_equal(m->cfg.demand_period_min, 30);
    struct evlog_rec r;
    uint32_t n = evlog_count(m, EVLOG_AUDIT);
    assert_int_equal(n, 1);
    assert_int_equal(m->legal.audit.refusals, 1); /* the counter survived the outage too */
    assert_int_equal(m->legal.audit.last_obj, obj_packed(o));
    assert_int_equal(m->legal.audit.last_src, METER_SRC_OPTICAL_KMP);
    assert_int_equal(evlog_read(m, EVLOG_AUDIT, 0, &r), METER_OK);
    assert_int_equal(r.code, EV_PARAM_CHANGE);
    assert_int_equal(r.obj, 0x01000800u); /* 1-0:0.8.0 packed A<<24|C<<16|D<<8|E */
    assert_int_equal(r.a, 15);
    assert_int_equal(r.b, 30);
    assert_int_equal(r.src, METER_SRC_OPTICAL_IEC);
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(persist_across_power_cycles),
        cmocka_unit_test(rings_keep_their_depth),
        cmocka_unit_test(audit_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
