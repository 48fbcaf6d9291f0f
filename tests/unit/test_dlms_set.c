/* DLMS/COSEM part 2, SET and ACTION (src/proto/dlms/dlms.c serve_set /
 * serve_action, src/cosem/cosem_set.c): the requests an independent client
 * builds (Gurux.DLMS.Python 1.0.197, unmodified, GXDLMSClient.write /
 * method / remoteDisconnect ... run offline; the APDUs below are its
 * output with the wrapper header taken off, see docs/PROTOCOLS.md "DLMS
 * part 2") answered by the server: the clock set, the demand period, the
 * disconnector through class 70 and its script table, the end of a billing
 * period through the script table, clock methods, SET with block transfer;
 * with list and ACTION with parameter blocks spelled byte by byte after
 * IEC 62056-5-3. And the rules: the reading client may set what the
 * optical P1 level may (the clock synchronisation), the public client sets
 * nothing, legal objects are read-only for every association, key objects
 * are the server's (not written by SET), an ACTION without rights is
 * refused — each refusal counted (legal/audit.h), nothing changed; every
 * SET and ACTION recorded with its client; the metrological log untouched
 * by 10 000 routine SETs. */
#include "dlms_util.h"
#include "calib.h"
#include "cosem/cosem.h"
#include "legal/audit.h"

/* 2026-04-15 00:00 UTC, summer time in the EU zone */
#define T0 1776211200LL

/* ---- Gurux.DLMS.Python 1.0.197 output (gen_vectors.py, docs/PROTOCOLS.md) ---- */
/* GXDLMSData 1.0.0.8.0.255 (demand period), UINT16 30, write(2) */
#define GX_SET_DEMAND_30 "C101C100010100000800FF020012001E"
/* GXDLMSClock time 2026-04-15 12:30:00+02:00, write(2) */
#define GX_SET_CLOCK "C101C100080000010000FF0200090C07EA040FFF0C1E0000FF8800"
/* GXDLMSDisconnectControl 0.0.96.3.10.255 remoteDisconnect / remoteReconnect */
#define GX_REMOTE_DISCONNECT "C301C10046000060030AFF01010F00"
#define GX_REMOTE_RECONNECT "C301C10046000060030AFF02010F00"
/* GXDLMSScriptTable 0.0.10.0.1.255 execute(1) */
#define GX_SCRIPT_EXECUTE_1 "C301C1000900000A0001FF0101120001"
/* GXDLMSClock shiftTime(5), adjustToQuarter() */
#define GX_CLOCK_SHIFT_5 "C301C100080000010000FF0601100005"
#define GX_CLOCK_QUARTER "C301C100080000010000FF01010F00"
/* GXDLMSData 0.0.96.130.50.255 (display_auto) STRING, write(2) at a
 * 64-byte PDU: set-request-with-first-datablock, -with-datablock */
static const char *const gx_long_display[] = {
    "C102C100010000608232FF020000000000012D0A4A312E382E302C322E382E302C332E382E302C342E382E302C312E382E312C312E38"
    "2E322C312E382E332C31",
    "C103C101000000021F2E382E342C312E362E302C33322E372E302C35322E372E302C37322E372E30",
};
#define GX_DISPLAY_TEXT "1.8.0,2.8.0,3.8.0,4.8.0,1.8.1,1.8.2,1.8.3,1.8.4,1.6.0,32.7.0,52.7.0,72.7.0"
/* method(0.0.10.0.1.255, 1, OCTET_STRING 00..4F) at a 64-byte PDU:
 * action-request-with-first-pblock, -with-pblock */
static const char *const gx_long_action[] = {
    "C304C1000900000A0001FF0100000000012E0950000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20"
    "2122232425262728292A2B",
    "C306C10100000002242C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F",
};

/* ---- helpers ------------------------------------------------------------------ */

static struct rig *new_meter(void)
{
    struct rig *r = rig_new(T0);
    assert_int_equal(calib_write_serial(&r->v, 12345678), METER_OK);
    return r;
}

static void open_client(struct tclient *t, struct meter *m, uint8_t sap)
{
    tc_init(t, m, sap);
    if (sap == DLMS_CLIENT_MANAGEMENT)
        assert_int_equal(tc_associate_hls(t), 0);
    else
        assert_int_equal(tc_associate(t, sap == DLMS_CLIENT_READER ? "12345678" : ""), 0);
}

static void request_hex(struct tclient *t, const char *hex)
{
    uint8_t b[1024];
    size_t n = hex2bin(hex, b, sizeof b);
    tc_request(t, b, n);
}

/* SET-Request-Normal: the data-access-result. */
static int set_hex(struct tclient *t, const char *hex)
{
    request_hex(t, hex);
    assert_int_equal(t->rsp_len, 4);
    assert_int_equal(t->rsp[0], 0xC5);
    assert_int_equal(t->rsp[1], 1);
    return t->rsp[3];
}

/* ACTION-Request-Normal: the action-result (no return parameters). */
static int act_hex(struct tclient *t, const char *hex)
{
    request_hex(t, hex);
    assert_int_equal(t->rsp_len, 5);
    assert_int_equal(t->rsp[0], 0xC7);
    assert_int_equal(t->rsp[1], 1);
    assert_int_equal(t->rsp[4], 0);
    return t->rsp[3];
}

/* SET of class ic, ln, attribute attr to the A-XDR data in hex. */
static int set_attr(struct tclient *t, uint16_t ic, const uint8_t ln[6], uint8_t attr, const char *data_hex)
{
    uint8_t q[512] = {0xC1, 0x01, 0xC1, (uint8_t)(ic >> 8), (uint8_t)ic};
    memcpy(q + 5, ln, 6);
    q[11] = attr;
    q[12] = 0;
    size_t n = 13 + hex2bin(data_hex, q + 13, sizeof q - 13);
    tc_request(t, q, n);
    assert_int_equal(t->rsp_len, 4);
    assert_int_equal(t->rsp[0], 0xC5);
    return t->rsp[3];
}

/* ACTION of class ic, ln, method with parameters (NULL: none). */
static int act_method(struct tclient *t, uint16_t ic, const uint8_t ln[6], uint8_t method, const char *par_hex)
{
    uint8_t q[512] = {0xC3, 0x01, 0xC1, (uint8_t)(ic >> 8), (uint8_t)ic};
    memcpy(q + 5, ln, 6);
    q[11] = method;
    size_t n = 12;
    if (par_hex == NULL) {
        q[n++] = 0;
    } else {
        q[n++] = 1;
        n += hex2bin(par_hex, q + n, sizeof q - n);
    }
    tc_request(t, q, n);
    assert_true(t->rsp_len >= 5);
    assert_int_equal(t->rsp[0], 0xC7);
    return t->rsp[3];
}

static int64_t read_key(struct meter *m, const char *key)
{
    struct obj_value v;
    const struct obj_def *o = objtab_find_key(key);
    assert_non_null(o);
    assert_int_equal(obj_read(m, o, METER_ACC_CAL, &v), METER_OK);
    return v.i;
}

static uint32_t records(struct meter *m)
{
    uint32_t n = 0;
    for (unsigned l = 0; l < EVLOG_COUNT; l++)
        n += evlog_total(m, (enum evlog_log)l);
    return n;
}

/* The newest record of a log. */
static struct evlog_rec newest(struct meter *m, enum evlog_log log)
{
    struct evlog_rec e;
    uint32_t n = evlog_count(m, log);
    assert_true(n > 0);
    assert_int_equal(evlog_read(m, log, n - 1, &e), METER_OK);
    return e;
}

static const uint8_t ln_clock[6] = {0, 0, 1, 0, 0, 255};
static const uint8_t ln_demand_period[6] = {1, 0, 0, 8, 0, 255};
static const uint8_t ln_disc[6] = {0, 0, 96, 3, 10, 255};
static const uint8_t ln_disc_scripts[6] = {0, 0, 10, 0, 106, 255};
static const uint8_t ln_billing_script[6] = {0, 0, 10, 0, 1, 255};
static const uint8_t ln_billing_day[6] = {0, 0, 15, 0, 0, 255};
static const uint8_t ln_cal_u1[6] = {1, 0, 128, 10, 1, 255};
static const uint8_t ln_serial[6] = {0, 0, 0, 0, 0, 255};
static const uint8_t ln_security[6] = {0, 0, 43, 0, 0, 255};
static const uint8_t ln_assoc[6] = {0, 0, 40, 0, 0, 255};
static const uint8_t ln_metro_log[6] = {0, 0, 99, 98, 8, 255};
static const uint8_t ln_energy[6] = {1, 0, 1, 8, 0, 255};
static const uint8_t ln_demand_reg[6] = {1, 0, 1, 4, 0, 255};

/* ---- the management client, with an independent client's requests ------------ */

static void management_client_gurux_requests(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    struct tclient t;
    open_client(&t, m, DLMS_CLIENT_MANAGEMENT);

    /* demand period 15 -> 30 min; recorded in the audit log with the client */
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    uint32_t audit = evlog_total(m, EVLOG_AUDIT);
    assert_int_equal(set_hex(&t, GX_SET_DEMAND_30), 0);
    assert_int_equal(read_key(m, "demand_period_min"), 30);
    assert_int_equal(m->cfg.demand_period_min, 30);
    assert_int_equal(evlog_total(m, EVLOG_AUDIT), audit + 1);
    struct evlog_rec e = newest(m, EVLOG_AUDIT);
    assert_int_equal(e.code, EV_PARAM_CHANGE);
    assert_int_equal(e.src, METER_SRC_DLMS_TCP);
    assert_int_equal(e.client, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(e.a, 15);
    assert_int_equal(e.b, 30);
    assert_int_equal(m->client, 0); /* only while the request is served */

    /* the clock: 12:30 local (+02:00) = 10:30 UTC; beyond the
     * synchronisation window, so a metrological record */
    uint32_t metro = evlog_total(m, EVLOG_METRO);
    assert_int_equal(set_hex(&t, GX_SET_CLOCK), 0);
    assert_int_equal(m->now, T0 + 10 * 3600 + 30 * 60);
    assert_int_equal(evlog_total(m, EVLOG_METRO), metro + 1);
    /* shift_time(5) and adjust_to_quarter */
    assert_int_equal(act_hex(&t, GX_CLOCK_SHIFT_5), 0);
    assert_int_equal(m->now, T0 + 10 * 3600 + 30 * 60 + 5);
    assert_int_equal(act_hex(&t, GX_CLOCK_QUARTER), 0);
    assert_int_equal(m->now, T0 + 10 * 3600 + 30 * 60);

    /* the disconnector through class 70: relay and event log follow */
    uint32_t disc = evlog_total(m, EVLOG_DISCONNECT);
    assert_true(r->v.hw.relay[METER_RELAY_MAIN]);
    assert_int_equal(act_hex(&t, GX_REMOTE_DISCONNECT), 0);
    assert_false(r->v.hw.relay[METER_RELAY_MAIN]);
    assert_true(evlog_total(m, EVLOG_DISCONNECT) > disc);
    assert_int_equal(newest(m, EVLOG_AUDIT).client, DLMS_CLIENT_MANAGEMENT);
    disc = evlog_total(m, EVLOG_DISCONNECT);
    assert_int_equal(act_hex(&t, GX_REMOTE_RECONNECT), 0);
    assert_true(r->v.hw.relay[METER_RELAY_MAIN]);
    assert_true(evlog_total(m, EVLOG_DISCONNECT) > disc);

    /* the end of a billing period through the script table */
    uint16_t bc = m->billing.count;
    assert_int_equal(act_hex(&t, GX_SCRIPT_EXECUTE_1), 0);
    assert_int_equal(m->billing.count, bc + 1);
    /* script 2 of the billing script table does not exist */
    assert_int_not_equal(act_method(&t, 9, ln_billing_script, 1, "120002"), 0);
    assert_int_equal(m->billing.count, bc + 1);

    /* SET with block transfer (display list, two blocks) */
    request_hex(&t, gx_long_display[0]);
    assert_int_equal(t.rsp_len, 7);
    assert_memory_equal(t.rsp, "\xC5\x02\xC1\x00\x00\x00\x01", 7); /* set-response-datablock 1 */
    request_hex(&t, gx_long_display[1]);
    assert_int_equal(t.rsp_len, 8);
    assert_memory_equal(t.rsp, "\xC5\x03\xC1\x00\x00\x00\x00\x02", 8); /* last-datablock, success, 2 */
    char buf[256];
    int n = display_list_get(m, DISPLAY_AUTO, buf, sizeof buf);
    assert_true(n > 0);
    assert_string_equal(buf, GX_DISPLAY_TEXT);

    /* ACTION with parameter blocks: the blocks are taken, the parameter
     * (an octet-string for a script id) then refused as unmatched */
    bc = m->billing.count;
    request_hex(&t, gx_long_action[0]);
    assert_int_equal(t.rsp_len, 7);
    assert_memory_equal(t.rsp, "\xC7\x04\xC1\x00\x00\x00\x01", 7); /* action-response-next-pblock */
    request_hex(&t, gx_long_action[1]);
    assert_int_equal(t.rsp_len, 5);
    assert_memory_equal(t.rsp, "\xC7\x01\xC1\x0C\x00", 5);
    assert_int_equal(m->billing.count, bc);
    tc_close(&t);
    rig_free(r);
}

/* ---- lists and blocks, spelled after IEC 62056-5-3 ------------------------------ */

static void lists_and_blocks(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    struct tclient t;
    open_client(&t, m, DLMS_CLIENT_MANAGEMENT);

    /* SET-Request-With-List: demand period 60 (ok), calibration (legal: denied),
     * billing day 5 through class 22 attribute 4 */
    request_hex(&t, "C104C1 03"
                    "0001 0100000800FF 02 00"
                    "0001 0100800A01FF 02 00"
                    "0016 00000F0000FF 04 00"
                    "03 1200 3C 0600000001 0101 0202 090400000000 0905FFFFFF05FF");
    assert_int_equal(t.rsp_len, 7);
    assert_memory_equal(t.rsp, "\xC5\x05\xC1\x03\x00\x03\x00", 7);
    assert_int_equal(read_key(m, "demand_period_min"), 60);
    assert_int_equal(read_key(m, "billing_day"), 5);
    /* at 01:00 is not the billing day's schedule; no entry = no billing day */
    assert_int_equal(set_attr(&t, 22, ln_billing_day, 4, "0101 0202 090401000000 0905FFFFFF07FF"),
                     DLMS_DAR_TYPE_UNMATCHED);
    assert_int_equal(read_key(m, "billing_day"), 5);
    assert_int_equal(set_attr(&t, 22, ln_billing_day, 4, "0100"), 0);
    assert_int_equal(read_key(m, "billing_day"), 0);
    /* a list whose value count differs from its references: malformed, nothing set */
    request_hex(&t, "C104C1 02 0001 0100000800FF 02 00 0001 0100000800FF 02 00 01 120F");
    assert_int_equal(t.rsp[0], 0xD8);
    assert_int_equal(read_key(m, "demand_period_min"), 60);

    /* SET with list and first datablock: two values in two blocks */
    request_hex(&t, "C105C1 02 0001 0100000800FF 02 00 0001 0000608106FF 02 00  00 00000001 03 021200");
    assert_memory_equal(t.rsp, "\xC5\x02\xC1\x00\x00\x00\x01", 7);
    request_hex(&t, "C103C1 01 00000002 03 0F0301");
    assert_int_equal(t.rsp_len, 10);
    assert_memory_equal(t.rsp, "\xC5\x04\xC1\x02\x00\x00\x00\x00\x00\x02", 10);
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    assert_int_equal(read_key(m, "tariff_input"), 1);

    /* a datablock out of order: block-number-invalid, nothing set */
    request_hex(&t, "C102C1 0001 0100000800FF 02 00  00 00000001 01 12");
    assert_memory_equal(t.rsp, "\xC5\x02\xC1\x00\x00\x00\x01", 7);
    request_hex(&t, "C103C1 01 00000003 02 001E");
    assert_int_equal(t.rsp[1], 3);
    assert_int_equal(t.rsp[3], DLMS_DAR_BLOCK_NUMBER_INVALID);
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    /* a datablock without a first one: no-long-set-in-progress */
    request_hex(&t, "C103C1 01 00000002 02 001E");
    assert_int_equal(t.rsp[1], 3);
    assert_int_equal(t.rsp[3], DLMS_DAR_NO_LONG_SET);
    /* another request between the blocks ends the long SET */
    request_hex(&t, "C102C1 0001 0100000800FF 02 00  00 00000001 01 12");
    request_hex(&t, "C001C1 0001 0100000800FF 02 00");
    request_hex(&t, "C103C1 01 00000002 02 001E");
    assert_int_equal(t.rsp[3], DLMS_DAR_NO_LONG_SET);
    assert_int_equal(read_key(m, "demand_period_min"), 15);

    /* ACTION with list: reconnect (already connected: ok), end of billing */
    uint16_t bc = m->billing.count;
    request_hex(&t, "C303C1 02 0046 000060030AFF 02 0009 00000A0001FF 01 02 0F00 120001");
    assert_int_equal(t.rsp_len, 8);
    assert_memory_equal(t.rsp, "\xC7\x03\xC1\x02\x00\x00\x00\x00", 8);
    assert_int_equal(m->billing.count, bc + 1);

    /* ACTION with first pblock: the script id split over two blocks */
    request_hex(&t, "C304C1 000900000A006AFF01  00 00000001 02 1200");
    assert_memory_equal(t.rsp, "\xC7\x04\xC1\x00\x00\x00\x01", 7);
    request_hex(&t, "C306C1 01 00000002 01 01");
    assert_memory_equal(t.rsp, "\xC7\x01\xC1\x00\x00", 5);
    assert_false(r->v.hw.relay[METER_RELAY_MAIN]); /* disconnector script 1 */
    assert_int_equal(act_method(&t, 9, ln_disc_scripts, 1, "120002"), 0);
    assert_true(r->v.hw.relay[METER_RELAY_MAIN]);

    /* the disconnector script table as GET presents it: two scripts, each
     * one method of 0-0:96.3.10 */
    uint8_t out[128];
    int dar;
    long len = tc_get(&t, 9, ln_disc_scripts, 2, NULL, 0, out, sizeof out, &dar, NULL);
    assert_int_equal(len, 2 + 2 * (2 + 3 + 2 + 2 + 2 + 3 + 8 + 2 + 2));
    assert_memory_equal(out, "\x01\x02\x02\x02\x12\x00\x01\x01\x01\x02\x05\x16\x02\x12\x00\x46\x09\x06\x00\x00\x60\x03"
                             "\x0A\xFF\x0F\x01\x0F\x00",
                        28);
    /* control_mode (attribute 4): soft reconnect on = mode 2; set mode 1 */
    len = tc_get(&t, 70, ln_disc, 4, NULL, 0, out, sizeof out, &dar, NULL);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "\x16\x02", 2);
    assert_int_equal(set_attr(&t, 70, ln_disc, 4, "1601"), 0);
    assert_int_equal(read_key(m, "disconnector_soft_reconnect"), 0);
    assert_int_not_equal(set_attr(&t, 70, ln_disc, 4, "1600"), 0); /* "always connected" is not offered */
    assert_int_equal(read_key(m, "disconnector_soft_reconnect"), 0);
    assert_int_equal(set_attr(&t, 70, ln_disc, 4, "1602"), 0);
    assert_int_equal(read_key(m, "disconnector_soft_reconnect"), 1);

    /* class 5 attribute 8 (period, s) is the demand period */
    assert_int_equal(set_attr(&t, 5, ln_demand_reg, 8, "0600000384"), 0);
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    assert_int_equal(set_attr(&t, 5, ln_demand_reg, 8, "06000003B6"), DLMS_DAR_TYPE_UNMATCHED); /* 950 s */
    /* scaler_unit and the logical name are the meter's */
    assert_int_equal(set_attr(&t, 3, ln_energy, 3, "02020F00160F"), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(set_attr(&t, 8, ln_clock, 1, "0906000001000000"), DLMS_DAR_READ_WRITE_DENIED);
    /* a register's value: no setter */
    assert_int_equal(set_attr(&t, 3, ln_energy, 2, "0600000000"), DLMS_DAR_READ_WRITE_DENIED);
    /* a value of the wrong kind, a value followed by rubbish */
    assert_int_equal(set_attr(&t, 1, ln_demand_period, 2, "0A024142"), DLMS_DAR_TYPE_UNMATCHED);
    request_hex(&t, "C101C1 0001 0100000800FF 02 00 120030 00");
    assert_int_equal(t.rsp[0], 0xD8);
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    tc_close(&t);
    rig_free(r);
}

/* ---- rights ------------------------------------------------------------------------ */

static void legal_objects_read_only(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    struct tclient t;
    open_client(&t, m, DLMS_CLIENT_MANAGEMENT);
    r->v.hw.inputs |= METER_IN_CAL_SWITCH; /* even with the seal open */
    int64_t cal = read_key(m, "cal_u_gain_l1");
    uint32_t serial = m->serial;
    uint32_t recs = records(m), refusals = m->legal.audit.refusals, changes = m->legal.changes;
    assert_int_equal(set_attr(&t, 1, ln_cal_u1, 2, "0600000001"), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(m->legal.audit.last_why, AUDIT_SEAL);
    assert_int_equal(m->legal.audit.last_obj, 0x01800A01u);
    assert_int_equal(set_attr(&t, 1, ln_serial, 2, "090487654321"), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(read_key(m, "cal_u_gain_l1"), cal);
    assert_int_equal(m->serial, serial);
    assert_int_equal(m->legal.audit.refusals, refusals + 2);
    assert_int_equal(records(m), recs); /* refusals are counted, not logged */
    assert_int_equal(m->legal.changes, changes);
    /* the metrological log's clear: the management client with the seal
     * open may (the table's rule), without it not */
    r->v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    uint32_t metro = evlog_count(m, EVLOG_METRO);
    assert_true(metro > 0);
    assert_int_equal(act_method(&t, 7, ln_metro_log, 1, "0F00"), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(evlog_count(m, EVLOG_METRO), metro);
    r->v.hw.inputs |= METER_IN_CAL_SWITCH;
    assert_int_equal(act_method(&t, 7, ln_metro_log, 1, "0F00"), 0);
    assert_int_equal(evlog_count(m, EVLOG_METRO), 1); /* the record saying it was cleared */
    tc_close(&t);
    rig_free(r);
}

static void reading_and_public_clients(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    struct tclient t;
    uint8_t q[64];
    open_client(&t, m, DLMS_CLIENT_READER);
    uint32_t recs = records(m), refusals = m->legal.audit.refusals;
    /* configuration: the optical P1 level may not */
    assert_int_equal(set_hex(&t, GX_SET_DEMAND_30), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(read_key(m, "demand_period_min"), 15);
    /* methods without rights */
    assert_int_equal(act_hex(&t, GX_REMOTE_DISCONNECT), DLMS_DAR_READ_WRITE_DENIED);
    assert_true(r->v.hw.relay[METER_RELAY_MAIN]);
    uint16_t bc = m->billing.count;
    assert_int_equal(act_hex(&t, GX_SCRIPT_EXECUTE_1), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(m->billing.count, bc);
    /* keys: the security setup (and the association) are the server's */
    assert_int_not_equal(set_attr(&t, 64, ln_security, 2, "1603"), 0);
    assert_int_not_equal(act_method(&t, 64, ln_security, 2, "0100"), 0);
    assert_int_not_equal(set_attr(&t, 15, ln_assoc, 7, "09083132333435363738"), 0);
    assert_int_equal(m->proto.dlms.keys.lls_len, 8);
    assert_memory_equal(m->proto.dlms.keys.lls, "12345678", 8);
    /* a clock set beyond the window: refused; nothing changed */
    int64_t now = m->now;
    uint8_t dt[12];
    cosem_datetime(m, now + 3600, dt);
    memcpy(q, "\xC1\x01\xC1\x00\x08\x00\x00\x01\x00\x00\xFF\x02\x00\x09\x0C", 15);
    memcpy(q + 15, dt, 12);
    tc_request(&t, q, 27);
    assert_int_equal(t.rsp[3], DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(m->now, now);
    assert_int_equal(records(m), recs);
    assert_true(m->legal.audit.refusals >= refusals + 7);
    /* what P1 may: a synchronisation (5 s) */
    cosem_datetime(m, now + 5, dt);
    memcpy(q + 15, dt, 12);
    tc_request(&t, q, 27);
    assert_int_equal(t.rsp[3], 0);
    assert_int_equal(m->now, now + 5);
    tc_close(&t);

    /* the public client sets nothing, not even a synchronisation */
    open_client(&t, m, DLMS_CLIENT_PUBLIC);
    refusals = m->legal.audit.refusals;
    cosem_datetime(m, m->now + 2, dt);
    memcpy(q + 15, dt, 12);
    now = m->now;
    tc_request(&t, q, 27);
    assert_int_equal(t.rsp[3], DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(m->now, now);
    assert_int_equal(act_hex(&t, GX_REMOTE_DISCONNECT), DLMS_DAR_READ_WRITE_DENIED);
    assert_true(r->v.hw.relay[METER_RELAY_MAIN]);
    assert_int_equal(m->legal.audit.refusals, refusals + 2);
    tc_close(&t);
    rig_free(r);
}

/* ---- the metrological log and 10 000 routine SETs -------------------------------- */

#define ROUTINE_SETS 10000u

static void metro_log_survives_routine_sets(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    struct tclient t;
    open_client(&t, m, DLMS_CLIENT_MANAGEMENT);
    /* a legally relevant change first, so the log is not empty */
    assert_int_equal(set_hex(&t, GX_SET_CLOCK), 0);
    uint32_t metro_n = evlog_count(m, EVLOG_METRO), metro_total = evlog_total(m, EVLOG_METRO);
    assert_true(metro_n >= 2);
    struct evlog_rec before[64];
    assert_true(metro_n <= 64);
    memset(before, 0, sizeof before); /* compared with memcmp below: padding too */
    for (uint32_t i = 0; i < metro_n; i++)
        assert_int_equal(evlog_read(m, EVLOG_METRO, i, &before[i]), METER_OK);
    uint32_t audit_total = evlog_total(m, EVLOG_AUDIT);
    static const char *const lists[2] = {"0A0B312E382E302C322E382E30", "0A11312E382E302C322E382E302C312E362E30"};
    for (unsigned k = 0; k < ROUTINE_SETS; k++) {
        if (k % 2 == 0)
            assert_int_equal(set_attr(&t, 1, ln_demand_period, 2, (k / 2) % 2 ? "12000F" : "12001E"), 0);
        else
            assert_int_equal(set_attr(&t, 1, (const uint8_t *)"\x00\x00\x60\x82\x32\xFF", 2, lists[(k / 2) % 2]), 0);
    }
    assert_int_equal(evlog_total(m, EVLOG_AUDIT), audit_total + ROUTINE_SETS);
    assert_int_equal(newest(m, EVLOG_AUDIT).client, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(evlog_count(m, EVLOG_METRO), metro_n);
    assert_int_equal(evlog_total(m, EVLOG_METRO), metro_total);
    for (uint32_t i = 0; i < metro_n; i++) {
        struct evlog_rec e;
        memset(&e, 0, sizeof e);
        assert_int_equal(evlog_read(m, EVLOG_METRO, i, &e), METER_OK);
        assert_memory_equal(&e, &before[i], sizeof e);
    }
    assert_false(m->status & METER_ST_LOG_FULL);
    tc_close(&t);
    rig_free(r);
}

/* What the association view shows as writable / executable follows the
 * same rules (cosem_attr_writable, cosem_method_allowed). */
static void view_access_rights(void **state)
{
    (void)state;
    const struct obj_def *dp = objtab_find_key("demand_period_min"), *cal = objtab_find_key("cal_u_gain_l1");
    const struct obj_def *disc = objtab_find_key("disconnector"), *clk = objtab_find_key("clock");
    const struct obj_def *metro = objtab_find_key("metrological_log"), *bill = objtab_find_key("end_of_billing");
    assert_true(cosem_attr_writable(dp, 2, METER_ACC_MANAGER));
    assert_false(cosem_attr_writable(dp, 2, METER_ACC_READER));
    assert_false(cosem_attr_writable(dp, 1, METER_ACC_MANAGER));
    assert_false(cosem_attr_writable(cal, 2, METER_ACC_CAL)); /* legal: never */
    assert_true(cosem_attr_writable(clk, 2, METER_ACC_MANAGER));
    assert_false(cosem_attr_writable(clk, 2, METER_ACC_READER)); /* synchronisation only */
    assert_true(cosem_attr_writable(disc, 4, METER_ACC_MANAGER));
    assert_false(cosem_attr_writable(disc, 2, METER_ACC_MANAGER));
    assert_true(cosem_method_allowed(disc, 1, METER_ACC_MANAGER));
    assert_false(cosem_method_allowed(disc, 1, METER_ACC_READER));
    assert_false(cosem_method_allowed(disc, 3, METER_ACC_MANAGER));
    assert_true(cosem_method_allowed(bill, 1, METER_ACC_MANAGER));
    assert_true(cosem_method_allowed(clk, 6, METER_ACC_MANAGER));
    assert_false(cosem_method_allowed(clk, 4, METER_ACC_MANAGER));
    assert_false(cosem_method_allowed(metro, 1, METER_ACC_MANAGER));
    assert_true(cosem_method_allowed(metro, 1, METER_ACC_CAL));
}

/* The control and configuration classes (cosem_ctl.h) reached through the
 * server: activity calendar, security setup. */
static const uint8_t ln_calendar[6] = {0, 0, 13, 0, 0, 255};
static const uint8_t ln_cal_passive_text[6] = {0, 0, 96, 129, 40, 255};

static void control_classes_through_the_server(void **state)
{
    (void)state;
    struct rig *r = new_meter();
    struct meter *m = &r->v.m;
    static const char passive[] = "d1=00:00/3,20:00/4;s1=01-01/1111111";
    char hex[2 * sizeof passive + 8];
    int k = snprintf(hex, sizeof hex, "0A%02X", (unsigned)strlen(passive));
    for (const char *p = passive; *p; p++)
        k += snprintf(hex + k, sizeof hex - (size_t)k, "%02X", (unsigned)(uint8_t)*p);
    /* the key transfer: EK = A0..AF wrapped under the factory master key
     * (test_cosem_ctl.c), one bit flipped */
    static const char wrong_wrap[] = "0101020216000918" "76E868D861779B2394E13266FC18E06B2E2590674307EC02";
    struct dlms_keys keys = m->proto.dlms.keys;

    struct tclient t;
    open_client(&t, m, DLMS_CLIENT_READER);
    assert_int_equal(set_attr(&t, 1, ln_cal_passive_text, 2, hex), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(act_method(&t, 20, ln_calendar, 1, "0F00"), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(act_method(&t, 64, ln_security, 2, wrong_wrap + 0), DLMS_DAR_READ_WRITE_DENIED);
    tc_close(&t);

    open_client(&t, m, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(set_attr(&t, 1, ln_cal_passive_text, 2, hex), 0);
    assert_int_equal(m->cfg.cal.day[0].sw[0] >> 3, 7 * 60); /* the factory calendar still runs */
    assert_int_equal(act_method(&t, 20, ln_calendar, 1, "0F00"), 0);
    assert_int_equal(m->cfg.cal.day[0].sw[0] >> 3, 0); /* the passive one is active */
    /* a wrong wrap: refused (other-reason), the keys as they were */
    assert_int_equal(act_method(&t, 64, ln_security, 2, wrong_wrap), 250);
    assert_memory_equal(&m->proto.dlms.keys, &keys, sizeof keys);
    assert_true(m->status & METER_ST_UNPERSONALISED);
    tc_close(&t);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(management_client_gurux_requests),
        cmocka_unit_test(lists_and_blocks),
        cmocka_unit_test(legal_objects_read_only),
        cmocka_unit_test(reading_and_public_clients),
        cmocka_unit_test(metro_log_survives_routine_sets),
        cmocka_unit_test(view_access_rights),
        cmocka_unit_test(control_classes_through_the_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
