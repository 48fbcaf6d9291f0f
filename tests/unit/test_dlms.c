/* DLMS/COSEM server (src/proto/dlms, src/cosem/cosem*.c): the three
 * associations of SIMULATOR.md, the association view and every readable
 * attribute in it, registers with scaler_unit, block transfer of the load
 * profile (values checked against the profile module), selective access,
 * billing history, event logs; and the refusals: wrong password (with the
 * lockout), wrong key, replayed invocation counter, malformed APDUs,
 * a SET of a date that does not exist and an ACTION on an undefined object
 * (refused, nothing changed; SET/ACTION: test_dlms_set.c); counters that never repeat across power cuts. */
#include "dlms_util.h"
#include "calib.h"
#include "cosem/cosem.h"
#include "legal/access.h"
#include "legal/audit.h"
#include "legal/nvcount.h"
#include "proto/dlms/dlms_obj.h"

/* 2026-04-15 00:00 UTC, summer time in the EU zone */
#define T0 1776211200LL

static const uint8_t ln_assoc[6] = {0, 0, 40, 0, 0, 255};
static const uint8_t ln_clock[6] = {0, 0, 1, 0, 0, 255};
static const uint8_t ln_ldn[6] = {0, 0, 42, 0, 0, 255};
static const uint8_t ln_serial[6] = {0, 0, 96, 1, 0, 255};
static const uint8_t ln_ic[6] = {0, 0, 43, 1, 1, 255};
static const uint8_t ln_ap[6] = {1, 0, 1, 8, 0, 255};
static const uint8_t ln_profile[6] = {1, 0, 99, 1, 0, 255};
static const uint8_t ln_billing[6] = {0, 0, 98, 1, 0, 255};

static uint8_t big[1 << 20];

/* Rows the billing snapshot keeps (1..n in slot order, counted from the table). */
static unsigned billed_rows(void)
{
    unsigned n = 0;
    for (size_t i = 0; objtab_at(i) != NULL; i++)
        if (objtab_at(i)->bill != 0)
            n++;
    return n;
}
#define BILLING_SLOTS_USED billed_rows()

static struct rig *meter_with_history(unsigned hours)
{
    struct rig *r = rig_new(T0);
    assert_int_equal(calib_write_serial(&r->v, 12345678), METER_OK); /* at the factory, sealed */
    assert_int_equal(rig_set_num(r, "profile_period_min", 15), METER_OK);
    assert_int_equal(rig_set_text(r, "profile_channels", "A+,A-,R+,R-"), METER_OK);
    for (unsigned h = 0; h < hours; h++) {
        struct meas_block b = rig_block(230.0, 2.0 + h);
        rig_run(r, &b, 3600);
    }
    return r;
}

/* Refusals are counted (legal/audit.h), never records: every record of
 * the logs, to check that a refusal wrote none. */
static uint32_t records(struct rig *r)
{
    uint32_t n = 0;
    for (unsigned l = 0; l < EVLOG_COUNT; l++)
        n += evlog_total(&r->v.m, (enum evlog_log)l);
    return n;
}

static int64_t dt_utc(const struct meter *m, const uint8_t *p)
{
    int64_t t;
    assert_int_equal(cosem_datetime_parse(m, p, &t), METER_OK);
    return t;
}

/* ---- reading ------------------------------------------------------------------ */

static void public_client_reads(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(1);
    struct meter *m = &r->v.m;
    struct tclient t;
    int dar;
    uint8_t d[256];
    tc_init(&t, m, DLMS_CLIENT_PUBLIC);
    assert_int_equal(tc_associate(&t, ""), 0);
    /* logical device name and serial */
    long n = tc_get(&t, 1, ln_ldn, 2, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 18);
    assert_memory_equal(d, "\x09\x10TRM0000012345678", 18); /* octet-string by definition */
    n = tc_get(&t, 1, ln_serial, 2, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 10);
    assert_memory_equal(d, "\x09\x08" "12345678", 10);
    /* clock: date-time of the meter's time, summer time: deviation -180 for +02:00 std + DST */
    n = tc_get(&t, 8, ln_clock, 2, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 14);
    assert_int_equal(d[0], 9);
    assert_int_equal(d[1], 12);
    assert_int_equal(dt_utc(m, d + 2), m->now);
    int16_t dev = (int16_t)(d[11] << 8 | d[12]);
    assert_int_equal(dev, -clock_offset_min(&m->cfg.zone, m->now));
    assert_int_equal(d[13] & 0x80, clock_dst_active(&m->cfg.zone, m->now) ? 0x80 : 0);
    n = tc_get(&t, 8, ln_clock, 3, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 3);
    assert_int_equal((int16_t)(d[1] << 8 | d[2]), -m->cfg.zone.std_offset_min);
    /* IEC HDLC setup: the HDLC driver's configuration */
    static const uint8_t ln_hdlc[6] = {0, 0, 22, 0, 0, 255};
    n = tc_get(&t, 23, ln_hdlc, 9, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 3);
    assert_int_equal(d[1] << 8 | d[2], m->proto.hdlc.cfg.phys);
    n = tc_get(&t, 23, ln_hdlc, 6, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(d[1] << 8 | d[2], m->proto.hdlc.cfg.info_max);
    /* invocation counter */
    n = tc_get(&t, 1, ln_ic, 2, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 5);
    assert_int_equal(d[0], AXDR_U32);
    /* A+ with scaler_unit: value x 10^scaler Wh equals the register */
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_str("1.8.0"), METER_ACC_PUBLIC, &v), METER_OK);
    assert_true(v.i > 0);
    n = tc_get(&t, 3, ln_ap, 2, NULL, 0, d, sizeof d, &dar, NULL);
    assert_int_equal(n, 5);
    assert_int_equal(d[0], AXDR_U32);
    assert_int_equal((int64_t)((uint32_t)d[1] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 8 | d[4]), v.i);
    n = tc_get(&t, 3, ln_ap, 3, NULL, 0, d, sizeof d, &dar, NULL);
    uint8_t su[] = {0x02, 0x02, 0x0F, (uint8_t)v.scaler, 0x16, UNIT_WH};
    assert_int_equal(n, sizeof su);
    assert_memory_equal(d, su, sizeof su);
    /* wrong class for an existing object, undefined object, attribute beyond the class */
    assert_int_equal(tc_get(&t, 1, ln_ap, 2, NULL, 0, d, sizeof d, &dar, NULL), -1);
    assert_int_equal(dar, DLMS_DAR_CLASS_INCONSISTENT);
    static const uint8_t nowhere[6] = {1, 0, 199, 9, 9, 255};
    assert_int_equal(tc_get(&t, 3, nowhere, 2, NULL, 0, d, sizeof d, &dar, NULL), -1);
    assert_int_equal(dar, DLMS_DAR_OBJECT_UNDEFINED);
    assert_int_equal(tc_get(&t, 3, ln_ap, 4, NULL, 0, d, sizeof d, &dar, NULL), -1);
    /* a calibration row is the reading client's, not the public one's */
    static const uint8_t cal[6] = {1, 0, 128, 10, 1, 255};
    assert_int_equal(tc_get(&t, 1, cal, 2, NULL, 0, d, sizeof d, &dar, NULL), -1);
    assert_int_equal(dar, DLMS_DAR_READ_WRITE_DENIED);
    /* GET with list: three items, one refused */
    uint8_t q[64] = {0xC0, 0x03, 0xC1, 0x03};
    size_t k = 4;
    memcpy(q + k, "\x00\x01\x00\x00\x2A\x00\x00\xFF\x02\x00", 10);
    k += 10;
    memcpy(q + k, "\x00\x08\x00\x00\x01\x00\x00\xFF\x02\x00", 10);
    k += 10;
    memcpy(q + k, "\x00\x01\x01\x00\x80\x0A\x01\xFF\x02\x00", 10);
    k += 10;
    tc_xfer(&t, q, k);
    assert_int_equal(t.rsp[0], 0xC4);
    assert_int_equal(t.rsp[1], 3);
    assert_int_equal(t.rsp[3], 3);
    assert_int_equal(t.rsp[4], 0);
    assert_memory_equal(t.rsp + 5, "\x09\x10TRM", 5);
    assert_int_equal(t.rsp[5 + 18], 0);
    assert_int_equal(t.rsp[5 + 18 + 1], 9);
    assert_int_equal(t.rsp[5 + 18 + 15], 1);
    assert_int_equal(t.rsp[5 + 18 + 16], DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(t.rsp_len, 5 + 18 + 17);
    /* release: RLRE exactly 63 03 80 01 00; afterwards nothing is served */
    tc_xfer(&t, (const uint8_t *)"\x62\x03\x80\x01\x00", 5);
    assert_int_equal(t.raw_len, 5);
    assert_memory_equal(t.raw, "\x63\x03\x80\x01\x00", 5);
    uint8_t g[13] = {0xC0, 0x01, 0xC1, 0x00, 0x01, 0, 0, 42, 0, 0, 255, 2, 0};
    tc_xfer(&t, g, sizeof g);
    assert_int_equal(t.raw[0], 0xD8);
    /* and a new association on the same link works */
    assert_int_equal(tc_associate(&t, ""), 0);
    tc_close(&t);
    rig_free(r);
}

/* The association view of each client, and every readable attribute of
 * every object in it answers with data. */
static void view_and_every_attribute(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(2);
    struct meter *m = &r->v.m;
    static const struct {
        uint8_t sap;
        enum meter_access acc;
    } cl[] = {{DLMS_CLIENT_PUBLIC, METER_ACC_PUBLIC},
              {DLMS_CLIENT_READER, METER_ACC_READER},
              {DLMS_CLIENT_MANAGEMENT, METER_ACC_MANAGER}};
    for (size_t ci = 0; ci < 3; ci++) {
        struct tclient t;
        int dar;
        unsigned blocks;
        tc_init(&t, m, cl[ci].sap);
        if (cl[ci].sap == DLMS_CLIENT_MANAGEMENT)
            assert_int_equal(tc_associate_hls(&t), 0);
        else
            assert_int_equal(tc_associate(&t, "12345678"), 0);
        long n = tc_get(&t, 15, ln_assoc, 2, NULL, 0, big, sizeof big, &dar, &blocks);
        assert_true(n > 0);
        assert_true(blocks > 1); /* several kilobytes: block transfer */
        unsigned want = 0;
        for (size_t i = 0; i < objtab_count(); i++)
            if (objtab_at(i)->rd <= cl[ci].acc)
                want++;
        struct axdr_r rd;
        uint32_t cnt, k2;
        axdr_r_init(&rd, big, (size_t)n);
        assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &cnt), 0);
        assert_int_equal(cnt, want + dlms_xobj_count());
        unsigned readable = 0;
        for (uint32_t e = 0; e < cnt; e++) {
            int64_t ic, ver, id, mode;
            assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k2), 0);
            assert_int_equal(k2, 4);
            assert_int_equal(axdr_get_int(&rd, 0, 0xffff, &ic), 0);
            assert_int_equal(axdr_get_int(&rd, 0, 255, &ver), 0);
            uint8_t ln[6];
            memcpy(ln, axdr_get_octets(&rd, 6, NULL), 6);
            assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k2), 0);
            uint32_t na, nm;
            assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &na), 0);
            for (uint32_t a = 0; a < na; a++) {
                assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k2), 0);
                assert_int_equal(axdr_get_int(&rd, -128, 127, &id), 0);
                assert_int_equal(axdr_get_int(&rd, 0, 6, &mode), 0);
                assert_int_equal(axdr_skip(&rd, 2), 0);
                assert_int_equal(id, (int64_t)a + 1);
                if (mode == 0)
                    continue;
                assert_true(mode == 1 || mode == 3); /* read-only, or read-and-write (test_dlms_set.c) */
                /* every readable attribute answers; profile buffers with a
                 * small entry range so the test stays short */
                static const uint8_t two[] = {0x02, 0x02, 0x04, 0x06, 0, 0, 0, 1, 0x06, 0, 0, 0, 2, 0x12, 0, 0, 0x12, 0, 0};
                bool buf = ic == 7 && id == 2;
                long g = tc_get(&t, (uint16_t)ic, ln, (int8_t)id, buf ? two : NULL, buf ? sizeof two : 0, big + n,
                                sizeof big - (size_t)n, &dar, NULL);
                if (g < 0)
                    fail_msg("%u.%u.%u.%u.%u.%u class %d attribute %d: DAR %d", ln[0], ln[1], ln[2], ln[3], ln[4],
                             ln[5], (int)ic, (int)id, dar);
                struct axdr_r one;
                axdr_r_init(&one, big + n, (size_t)g);
                assert_int_equal(axdr_skip(&one, AXDR_DEPTH_MAX), 0);
                assert_int_equal(axdr_r_left(&one), 0);
                readable++;
            }
            assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &nm), 0);
            for (uint32_t k = 0; k < nm; k++)
                assert_int_equal(axdr_skip(&rd, 2), 0);
        }
        assert_int_equal(axdr_r_left(&rd), 0);
        assert_true(readable > 2 * want);
        tc_close(&t);
    }
    rig_free(r);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Check a decoded load-profile buffer against profile_read from entry
 * `first` (0 = oldest), `count` entries, the columns in mask. */
static void check_profile(struct meter *m, const uint8_t *p, size_t n, uint32_t first, uint32_t count, uint32_t cols)
{
    struct axdr_r rd;
    uint32_t cnt, k;
    axdr_r_init(&rd, p, n);
    assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &cnt), 0);
    assert_int_equal(cnt, count);
    for (uint32_t e = 0; e < cnt; e++) {
        struct profile_entry pe;
        assert_int_equal(profile_read(m, first + e, &pe), METER_OK);
        assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k), 0);
        unsigned want = 0;
        for (unsigned c = 0; c < 6; c++)
            want += (cols >> c) & 1u;
        assert_int_equal(k, want);
        for (unsigned c = 0; c < 6; c++) {
            if (!((cols >> c) & 1u))
                continue;
            struct axdr_item it;
            assert_int_equal(axdr_get(&rd, &it), 0);
            if (c == 0) {
                assert_int_equal(it.tag, AXDR_OCTETS);
                assert_int_equal(dt_utc(m, it.p), pe.time);
            } else if (c == 1) {
                assert_int_equal(it.u, pe.status);
            } else {
                /* 0.01 kWh at the register's scaler 1 (10 Wh) */
                assert_int_equal(it.tag, AXDR_U32);
                assert_int_equal((int64_t)it.u, pe.abs[c - 2]);
            }
        }
    }
    assert_int_equal(axdr_r_left(&rd), 0);
}

static void put_dt_param(const struct meter *m, uint8_t *p, int64_t utc)
{
    p[0] = 0x09;
    p[1] = 12;
    cosem_datetime(m, utc, p + 2);
}

static void load_profile_blocks_and_selection(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(6);
    struct meter *m = &r->v.m;
    uint32_t count = profile_count(m);
    assert_true(count >= 20);
    for (int ciph = 0; ciph < 2; ciph++) {
        struct tclient t;
        int dar;
        unsigned blocks;
        tc_init(&t, m, ciph ? DLMS_CLIENT_MANAGEMENT : DLMS_CLIENT_PUBLIC);
        t.max_pdu = 128; /* many blocks */
        if (ciph)
            assert_int_equal(tc_associate_hls(&t), 0);
        else
            assert_int_equal(tc_associate(&t, ""), 0);
        long n = tc_get(&t, 7, ln_profile, 2, NULL, 0, big, sizeof big, &dar, &blocks);
        assert_true(n > 0);
        assert_true(blocks > 5);
        check_profile(m, big, (size_t)n, 0, count, 0x3f);
        /* every answer within the negotiated PDU */
        assert_true(t.raw_len <= 128);
        /* range by clock: entries 3..9 by their own time stamps, columns clock + A+ */
        struct profile_entry e3, e9;
        assert_int_equal(profile_read(m, 3, &e3), METER_OK);
        assert_int_equal(profile_read(m, 9, &e9), METER_OK);
        uint8_t sel[128];
        size_t k = 0;
        sel[k++] = 1;
        memcpy(sel + k, "\x02\x04\x02\x04\x12\x00\x08\x09\x06\x00\x00\x01\x00\x00\xFF\x0F\x02\x12\x00\x00", 20);
        k += 20;
        put_dt_param(m, sel + k, e3.time);
        k += 14;
        put_dt_param(m, sel + k, e9.time);
        k += 14;
        memcpy(sel + k, "\x01\x02", 2);
        k += 2;
        memcpy(sel + k, "\x02\x04\x12\x00\x08\x09\x06\x00\x00\x01\x00\x00\xFF\x0F\x02\x12\x00\x00", 18);
        k += 18;
        memcpy(sel + k, "\x02\x04\x12\x00\x03\x09\x06\x01\x00\x01\x08\x00\xFF\x0F\x02\x12\x00\x00", 18);
        k += 18;
        n = tc_get(&t, 7, ln_profile, 2, sel, k, big, sizeof big, &dar, NULL);
        assert_true(n > 0);
        check_profile(m, big, (size_t)n, 3, 7, 0x05);
        /* an empty range */
        put_dt_param(m, sel + 21, e9.time + 1);
        put_dt_param(m, sel + 35, e9.time + 2);
        n = tc_get(&t, 7, ln_profile, 2, sel, k, big, sizeof big, &dar, NULL);
        assert_int_equal(n, 2);
        assert_memory_equal(big, "\x01\x00", 2);
        /* entry descriptor: entries 2..5 (1-based), columns 2..3 */
        static const uint8_t ent[] = {2, 0x02, 0x04, 0x06, 0, 0, 0, 2, 0x06, 0, 0, 0, 5, 0x12, 0, 2, 0x12, 0, 3};
        n = tc_get(&t, 7, ln_profile, 2, ent, sizeof ent, big, sizeof big, &dar, NULL);
        assert_true(n > 0);
        check_profile(m, big, (size_t)n, 1, 4, 0x06);
        /* a restricting object other than the clock is refused */
        sel[7] = 0x03;
        assert_int_equal(tc_get(&t, 7, ln_profile, 2, sel, k, big, sizeof big, &dar, NULL), -1);
        assert_int_equal(dar, DLMS_DAR_TYPE_UNMATCHED);
        /* capture objects, entries in use, capture period */
        n = tc_get(&t, 7, ln_profile, 3, NULL, 0, big, sizeof big, &dar, NULL);
        assert_true(n > 0);
        assert_memory_equal(big, "\x01\x06\x02\x04\x12\x00\x08\x09\x06\x00\x00\x01\x00\x00\xFF\x0F\x02", 17);
        n = tc_get(&t, 7, ln_profile, 7, NULL, 0, big, sizeof big, &dar, NULL);
        assert_int_equal(n, 5);
        assert_int_equal(be32(big + 1), count);
        n = tc_get(&t, 7, ln_profile, 4, NULL, 0, big, sizeof big, &dar, NULL);
        assert_int_equal(be32(big + 1), 900);
        /* GET-Next with a wrong block number aborts the long GET */
        uint8_t q[13] = {0xC0, 0x01, 0xC1, 0x00, 0x07, 1, 0, 99, 1, 0, 255, 2, 0};
        tc_request(&t, q, sizeof q);
        assert_int_equal(t.rsp[1], 2);
        uint8_t nx[7] = {0xC0, 0x02, 0xC1, 0, 0, 0, 7};
        tc_request(&t, nx, sizeof nx);
        assert_int_equal(t.rsp[8], 1);
        assert_int_equal(t.rsp[9], DLMS_DAR_BLOCK_NUMBER_INVALID);
        nx[6] = 1;
        tc_request(&t, nx, sizeof nx);
        assert_int_equal(t.rsp[9], DLMS_DAR_NO_LONG_GET);
        tc_close(&t);
    }
    rig_free(r);
}

static void billing_history_and_event_log(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(2);
    struct meter *m = &r->v.m;
    assert_int_equal(rig_act(r, "end_of_billing", 1, 0), METER_OK);
    struct meas_block b = rig_block(230.0, 5.0);
    rig_run(r, &b, 600);
    assert_int_equal(rig_act(r, "end_of_billing", 1, 0), METER_OK);
    struct tclient t;
    int dar;
    tc_init(&t, m, DLMS_CLIENT_PUBLIC);
    assert_int_equal(tc_associate(&t, ""), 0);
    long n = tc_get(&t, 7, ln_billing, 2, NULL, 0, big, sizeof big, &dar, NULL);
    assert_true(n > 0);
    struct axdr_r rd;
    uint32_t cnt, k;
    axdr_r_init(&rd, big, (size_t)n);
    assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &cnt), 0);
    assert_int_equal(cnt, billing_snapshot_count(m));
    assert_int_equal(cnt, 2);
    for (uint32_t e = 0; e < cnt; e++) {
        struct billing_rec br;
        assert_int_equal(billing_snapshot_read(m, cnt - e, &br), METER_OK);
        assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k), 0);
        struct axdr_item it;
        assert_int_equal(axdr_get(&rd, &it), 0);
        assert_int_equal(dt_utc(m, it.p), br.time);
        /* the billed registers the row captures (slot order, as many as a
         * log entry holds), each as the historic value C.D.E*f reads */
        const struct obj_def *hist = objtab_find(&(struct obis)OBIS(0, 0, 98, 1, 0, 255));
        assert_int_equal(k, cosem_pg_columns(m, hist));
        assert_true(k >= (BILLING_SLOTS_USED < OBJ_LOG_VALUES ? BILLING_SLOTS_USED : OBJ_LOG_VALUES) + 1);
        for (uint32_t c = 1; c < k; c++) {
            struct cosem_col col;
            assert_int_equal(cosem_pg_column(m, hist, c, &col), METER_OK);
            const struct obj_def *row = objtab_find(&col.ln);
            assert_non_null(row);
            assert_int_equal(row->bill, c);
            struct obj_value v;
            assert_int_equal(axdr_get(&rd, &it), 0);
            assert_int_equal(obj_read_at(m, row, cnt - e, METER_ACC_PUBLIC, &v), METER_OK);
            assert_int_equal((int64_t)it.u, v.i);
        }
    }
    /* the historic register 1-0:1.8.0.1 over DLMS */
    uint8_t d[32];
    static const uint8_t ap1[6] = {1, 0, 1, 8, 0, 1};
    n = tc_get(&t, 3, ap1, 2, NULL, 0, d, sizeof d, &dar, NULL);
    struct obj_value v1;
    assert_int_equal(obj_read_at(m, objtab_find_str("1.8.0"), 1, METER_ACC_PUBLIC, &v1), METER_OK);
    assert_int_equal(n, 5);
    assert_int_equal(be32(d + 1), v1.i);
    /* event log status (power up and billing events are in it) */
    static const uint8_t ev0[6] = {0, 0, 99, 98, 0, 255};
    n = tc_get(&t, 7, ev0, 2, NULL, 0, big, sizeof big, &dar, NULL);
    assert_true(n > 0);
    axdr_r_init(&rd, big, (size_t)n);
    assert_int_equal(axdr_get_head(&rd, AXDR_ARRAY, &cnt), 0);
    assert_int_equal(cnt, evlog_count(m, EVLOG_STATUS));
    for (uint32_t e = 0; e < cnt; e++) {
        struct evlog_rec er;
        struct axdr_item it;
        assert_int_equal(evlog_read(m, EVLOG_STATUS, e, &er), METER_OK);
        assert_int_equal(axdr_get_head(&rd, AXDR_STRUCT, &k), 0);
        assert_int_equal(k, 6);
        assert_int_equal(axdr_get(&rd, &it), 0);
        assert_int_equal(dt_utc(m, it.p), er.time);
        assert_int_equal(axdr_get(&rd, &it), 0);
        assert_int_equal(it.u, er.code);
        for (int c = 2; c < 6; c++)
            assert_int_equal(axdr_skip(&rd, 1), 0);
    }
    tc_close(&t);
    rig_free(r);
}

/* ---- refusals ------------------------------------------------------------------ */

static void wrong_password_and_lockout(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(0);
    struct meter *m = &r->v.m;
    struct tclient t;
    int res, diag;
    struct audit a0 = m->legal.audit;
    uint32_t rec0 = records(r);
    tc_init(&t, m, DLMS_CLIENT_READER);
    uint8_t a[128];
    /* two wrong passwords in one session: refused, counted, no record */
    for (int k = 0; k < 2; k++) {
        size_t n = tc_aarq_plain(&t, 1, "00000000", a);
        tc_xfer(&t, a, n);
        tc_aare_result(&t, &res, &diag);
        assert_int_equal(res, 1);
        assert_int_equal(diag, DLMS_DIAG_AUTH_FAILURE);
    }
    assert_int_equal(m->legal.audit.bad_secrets, a0.bad_secrets + 2);
    assert_int_equal(m->legal.audit.refusals, a0.refusals + 2);
    assert_int_equal(m->legal.audit.last_src, METER_SRC_DLMS_TCP);
    assert_int_equal(m->legal.audit.last_why, AUDIT_SECRET);
    assert_int_equal(records(r), rec0);
    /* nothing granted: a GET is refused */
    uint8_t g[13] = {0xC0, 0x01, 0xC1, 0x00, 0x01, 0, 0, 42, 0, 0, 255, 2, 0};
    tc_xfer(&t, g, sizeof g);
    assert_int_equal(t.raw[0], 0xD8);
    tc_close(&t);
    /* the third wrong password in a new session locks (one EV_LOCKOUT record,
     * kept across a power cut): then even the right one is refused */
    tc_init(&t, m, DLMS_CLIENT_READER);
    size_t n = tc_aarq_plain(&t, 1, "1234567", a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 1);
    tc_close(&t);
    assert_int_equal(rig_events(r, EV_LOCKOUT, ACCESS_LOCK_DLMS), 1);
    assert_int_equal(records(r), rec0 + 1);
    rig_outage(r, 5);
    m = &r->v.m;
    assert_true(access_lock_left_s(m, ACCESS_LOCK_DLMS) > 0);
    uint32_t bad = m->legal.audit.bad_secrets;
    tc_init(&t, m, DLMS_CLIENT_READER);
    assert_int_equal(tc_associate(&t, "12345678"), 1);
    assert_int_equal(m->legal.audit.last_why, AUDIT_LOCKED);
    assert_int_equal(m->legal.audit.bad_secrets, bad); /* not even compared */
    tc_close(&t);
    /* after the lockout time the right password works */
    rig_idle_ms(r, 15 * 60 * 1000 + 100);
    tc_init(&t, m, DLMS_CLIENT_READER);
    assert_int_equal(tc_associate(&t, "12345678"), 0);
    tc_close(&t);
    /* public client with a password, reader without: refused by mechanism */
    tc_init(&t, m, DLMS_CLIENT_READER);
    n = tc_aarq_plain(&t, 0, "", a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 1);
    assert_int_equal(diag, DLMS_DIAG_MECH_REQUIRED);
    tc_close(&t);
    rig_free(r);
}

static void wrong_key_replay_and_policy(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(1);
    struct meter *m = &r->v.m;
    struct tclient t;
    int res, diag;
    uint8_t a[256];
    uint32_t bad0 = m->legal.audit.bad_secrets, rec0 = records(r);
    /* wrong encryption key: the AARQ does not decipher */
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    t.ek[3] ^= 1;
    size_t n = tc_aarq_hls(&t, (const uint8_t *)"0123456789abcdef", 16, a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 1);
    assert_int_equal(diag, DLMS_DIAG_AUTH_FAILURE);
    assert_int_equal(m->legal.audit.bad_secrets, bad0 + 1);
    tc_close(&t);
    /* wrong authentication key: the AARQ deciphers neither (AK is in the AAD) */
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    t.ak[0] ^= 1;
    n = tc_aarq_hls(&t, (const uint8_t *)"0123456789abcdef", 16, a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 1);
    tc_close(&t);
    uint32_t exp0 = dlms_ic_expected(m);
    assert_int_equal(exp0, 0); /* refused AARQs did not move the counter */
    /* a good session, then a replayed request */
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(tc_associate_hls(&t), 0);
    uint8_t g[13] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0};
    tc_request(&t, g, sizeof g);
    assert_int_equal(t.rsp[0], 0xC4);
    assert_int_equal(t.rsp[3], 0);
    uint8_t sent[128];
    size_t slen;
    { /* what went out: the same request again, bytes unchanged */
        uint8_t b[64];
        memcpy(b + 7, g, sizeof g);
        assert_int_equal(dlms_sec_seal(m->hal, t.ek, t.ak, t.title, t.ic - 1, b + 2, sizeof g), 0);
        b[0] = 0xC8;
        b[1] = (uint8_t)(sizeof g + 17);
        slen = sizeof g + 19;
        memcpy(sent, b, slen);
    }
    uint32_t exp = dlms_ic_expected(m);
    assert_int_equal(exp, t.ic);
    uint32_t ref1 = m->legal.audit.refusals;
    for (int k = 0; k < 3; k++) {
        tc_xfer(&t, sent, slen);
        assert_int_equal(t.raw_len, 7);
        assert_int_equal(t.raw[0], 0xD8);
        assert_int_equal(t.raw[2], DLMS_SERR_INVOCATION_COUNTER);
        assert_int_equal(be32(t.raw + 3), exp);
    }
    assert_int_equal(m->legal.audit.refusals, ref1 + 3); /* counted, each */
    assert_int_equal(dlms_ic_expected(m), exp);
    /* a damaged ciphertext: deciphering error, counter unchanged */
    sent[12] ^= 0x40;
    tc_xfer(&t, sent, slen);
    assert_int_equal(t.raw[2], DLMS_SERR_DECIPHERING);
    assert_int_equal(dlms_ic_expected(m), exp);
    /* plaintext GET in a ciphered association: refused */
    tc_xfer(&t, g, sizeof g);
    assert_int_equal(t.raw[0], 0xD8);
    /* the session still works with the next counter */
    tc_request(&t, g, sizeof g);
    assert_int_equal(t.rsp[0], 0xC4);
    assert_int_equal(records(r), rec0); /* refusals and logins are counters, not records */
    tc_close(&t);
    /* wrong GMAC in reply_to_HLS: the association is not granted */
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    t.ic = dlms_ic_expected(m);
    n = tc_aarq_hls(&t, (const uint8_t *)"0123456789abcdef", 16, a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 0);
    size_t l;
    memcpy(t.server_title, tc_aare_field(t.raw, t.raw_len, 0xA4, &l) + 2, 8);
    t.cipher = true;
    uint8_t act[32] = {0xC3, 0x01, 0x41, 0x00, 0x0F, 0, 0, 40, 0, 0, 255, 0x01, 0x01, 0x09, 0x11, 0x10, 0, 0, 0, 9};
    tc_request(&t, act, 32);
    assert_int_equal(t.rsp[0], 0xC7);
    assert_int_not_equal(t.rsp[3], 0);
    tc_request(&t, g, sizeof g);
    assert_int_equal(t.raw[0], 0xD8);
    tc_close(&t);
    /* the public client may not cipher; the management client must */
    tc_init(&t, m, DLMS_CLIENT_PUBLIC);
    n = tc_aarq_hls(&t, (const uint8_t *)"0123456789abcdef", 16, a);
    tc_xfer(&t, a, n);
    tc_aare_result(&t, &res, &diag);
    assert_int_equal(res, 1);
    assert_int_equal(diag, DLMS_DIAG_CONTEXT_NOT_SUPPORTED);
    tc_close(&t);
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(tc_associate(&t, ""), 1);
    tc_close(&t);
    rig_free(r);
}

/* Garbage after an association: refusals, one log record per session, and
 * nothing in the meter changes. */
static void malformed_apdus(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(1);
    struct meter *m = &r->v.m;
    struct tclient t;
    tc_init(&t, m, DLMS_CLIENT_READER);
    assert_int_equal(tc_associate(&t, "12345678"), 0);
    uint32_t ref0 = m->legal.audit.refusals, rec0 = records(r);
    int64_t ap = rig_read(r, "1.8.0");
    uint32_t x = 12345;
    for (int k = 0; k < 2000; k++) {
        uint8_t b[64];
        size_t n = 1 + (x % 40);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            b[i] = (uint8_t)(x >> 16);
        }
        if (k % 3 == 0)
            b[0] = 0xC0; /* a GET of sorts */
        else if (k % 3 == 1)
            b[0] = 0xC1;
        if (b[0] == 0x60 || b[0] == 0x62)
            b[0] = 0xC3;
        tc_xfer(&t, b, n);
        assert_true(t.raw_len > 0);
        assert_true(t.raw[0] == 0xD8 || t.raw[0] == 0xC4 || t.raw[0] == 0xC5 || t.raw[0] == 0xC7);
        if (t.raw[0] != 0xD8 && t.raw[0] != 0xC4)
            assert_int_not_equal(t.raw[3], 0); /* a SET or ACTION never succeeds */
    }
    assert_true(m->legal.audit.refusals > ref0 + 500);
    assert_int_equal(records(r), rec0);
    assert_int_equal(rig_read(r, "1.8.0"), ap);
    /* a request longer than the buffer */
    size_t cap;
    (void)dlms_req_buf(t.c, &cap);
    const uint8_t *rsp;
    size_t rl;
    assert_int_equal(dlms_serve(m, t.c, cap + 1, &rsp, &rl), METER_OK);
    assert_int_equal(rsp[0], 0xD8);
    assert_int_equal(rsp[2], DLMS_SERR_PDU_TOO_LONG);
    tc_close(&t);
    rig_free(r);
}

/* SET and ACTION are refused in part 1 (the disconnector stays, nothing is
 * written), undefined objects are named so. */
static void set_and_action_refused(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(0);
    struct meter *m = &r->v.m;
    struct tclient t;
    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(tc_associate_hls(&t), 0);
    uint32_t audit = evlog_total(m, EVLOG_AUDIT);
    int64_t now = m->now;
    uint8_t s[32] = {0xC1, 0x01, 0xC1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 2, 0, 0x09, 0x0C};
    memset(s + 15, 0, 12);
    tc_request(&t, s, 27);
    assert_int_equal(t.rsp_len, 4);
    assert_memory_equal(t.rsp, "\xC5\x01\xC1\x0C", 4); /* no such date: type-unmatched */
    uint8_t act[16] = {0xC3, 0x01, 0xC1, 0x00, 0x46, 0, 0, 96, 3, 10, 255, 1, 1, 0x0F, 0};
    static const uint8_t nowhere[6] = {0, 0, 199, 0, 0, 255};
    memcpy(act + 5, nowhere, 6);
    tc_request(&t, act, 15);
    assert_int_equal(t.rsp[3], DLMS_DAR_OBJECT_UNDEFINED);
    assert_int_equal(evlog_total(m, EVLOG_AUDIT), audit);
    assert_int_equal(m->now, now);
    tc_close(&t);
    rig_free(r);
}

/* The meter's frame counter never repeats across power cuts, the client's
 * next expected counter is never lower after one, and the EEPROM writes
 * the counters cost stay at one record per block of counts. */
static void counters_across_power_cuts(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(0);
    uint32_t last_tx = 0;
    for (int cut = 0; cut < 3; cut++) {
        struct meter *m = &r->v.m;
        struct tclient t;
        tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
        t.ic = dlms_ic_expected(m); /* as a client that read 0-0:43.1.1.255 */
        uint32_t tx_before = m->proto.dlms.ic_tx;
        if (cut > 0)
            assert_true(tx_before > last_tx);
        assert_int_equal(tc_associate_hls(&t), 0);
        uint8_t g[13] = {0xC0, 0x01, 0xC1, 0x00, 0x01, 0, 0, 42, 0, 0, 255, 2, 0};
        for (int k = 0; k < 1500; k++)
            tc_request(&t, g, sizeof g);
        last_tx = m->proto.dlms.ic_tx - 1;
        uint32_t expected = dlms_ic_expected(m);
        assert_int_equal(expected, t.ic);
        uint32_t recs = store_log_count(&m->store, RING_NVCOUNT);
        /* 1500 requests and 1500 + 3 answers: 2 + 2 reservations at most */
        assert_true(recs <= (unsigned)(cut + 1) * 5u);
        rig_outage(r, 10);
        m = &r->v.m;
        assert_true(dlms_ic_expected(m) >= expected);
        /* the old client counter is refused after the cut */
        tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
        t.ic = expected;
        if (dlms_ic_expected(m) > expected) {
            uint8_t a[256];
            int res, diag;
            size_t n = tc_aarq_hls(&t, (const uint8_t *)"0123456789abcdef", 16, a);
            tc_xfer(&t, a, n);
            tc_aare_result(&t, &res, &diag);
            assert_int_equal(res, 1);
        }
        tc_close(&t);
    }
    rig_free(r);
}

/* Pool: six associations at once, the seventh is refused; unknown SAPs and
 * logical devices have none; each association has its own rights. */
static void pool_and_addresses(void **state)
{
    (void)state;
    struct rig *r = meter_with_history(0);
    struct meter *m = &r->v.m;
    struct dlms_ctx *c[METER_DLMS_ASSOCIATIONS];
    assert_null(dlms_open(m, 99, 1, METER_SRC_DLMS_TCP));
    assert_null(dlms_open(m, 16, 2, METER_SRC_DLMS_TCP));
    for (int i = 0; i < METER_DLMS_ASSOCIATIONS; i++)
        assert_non_null(c[i] = dlms_open(m, i % 2 ? 16 : 17, 1, METER_SRC_DLMS_TCP));
    assert_null(dlms_open(m, 16, 1, METER_SRC_DLMS_TCP));
    dlms_close(m, c[0]);
    struct tclient a, b;
    memset(&a, 0, sizeof a);
    a.m = m;
    a.sap = 17;
    a.max_pdu = 1200;
    a.c = dlms_open(m, 17, 1, METER_SRC_DLMS_TCP);
    assert_non_null(a.c);
    assert_int_equal(tc_associate(&a, "12345678"), 0);
    memset(&b, 0, sizeof b);
    b.m = m;
    b.sap = 16;
    b.max_pdu = 1200;
    b.c = c[1];
    assert_int_equal(tc_associate(&b, ""), 0);
    static const uint8_t cal[6] = {1, 0, 128, 10, 1, 255};
    uint8_t d[32];
    int dar;
    assert_true(tc_get(&a, 1, cal, 2, NULL, 0, d, sizeof d, &dar, NULL) > 0);
    assert_int_equal(tc_get(&b, 1, cal, 2, NULL, 0, d, sizeof d, &dar, NULL), -1);
    for (int i = 1; i < METER_DLMS_ASSOCIATIONS; i++)
        dlms_close(m, c[i]);
    dlms_close(m, a.c);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_client_reads),
        cmocka_unit_test(view_and_every_attribute),
        cmocka_unit_test(load_profile_blocks_and_selection),
        cmocka_unit_test(billing_history_and_event_log),
        cmocka_unit_test(wrong_password_and_lockout),
        cmocka_unit_test(wrong_key_replay_and_policy),
        cmocka_unit_test(malformed_apdus),
        cmocka_unit_test(set_and_action_refused),
        cmocka_unit_test(counters_across_power_cuts),
        cmocka_unit_test(pool_and_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
