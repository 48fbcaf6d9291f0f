/*
 * test_cosem_ctl.c — the control and configuration classes of DLMS part 2
 * (src/cosem/cosem_ctl.h), called directly with A-XDR bytes spelled out
 * here as the Blue Book encodes them (not made by the meter's encoder):
 * class 20 activity calendar, 11 special days, 71 limiter, 40 push setup,
 * 64 security setup methods. Malformed or refused input changes nothing.
 *
 * Key wrap: the wrapped keys under the factory master key of SIMULATOR.md
 * were made with an independent implementation (Python cryptography 48,
 * aes_key_wrap); the last transfer uses RFC 3394 section 4.1's published
 * wrapped key data under its KEK.
 */
#include "ui_rig.h"

#include "cosem/cosem_ctl.h"
#include "legal/audit.h"
#include "proto/dlms/dlms.h"

static const uint8_t ln_cal[6] = {0, 0, 13, 0, 0, 255};
static const uint8_t ln_sd[6] = {0, 0, 11, 0, 0, 255};
static const uint8_t ln_lim[6] = {0, 0, 17, 0, 0, 255};
static const uint8_t ln_push1[6] = {0, 1, 25, 9, 0, 255};

static const struct obj_def *row(const uint8_t ln[6])
{
    struct obis o;
    memcpy(o.v, ln, 6);
    const struct obj_def *d = objtab_find(&o);
    assert_non_null(d);
    return d;
}

static int set(struct meter *m, const uint8_t ln[6], int attr, const uint8_t *p, size_t n, enum meter_access acc)
{
    struct axdr_r r;
    axdr_r_init(&r, p, n);
    const struct obj_def *o = row(ln);
    switch (o->ic) {
    case IC_ACTIVITY_CALENDAR: return cosem_cal_set(m, o, attr, &r, acc, METER_SRC_DLMS_TCP);
    case IC_SPECIAL_DAYS: return cosem_sd_set(m, o, attr, &r, acc, METER_SRC_DLMS_TCP);
    case IC_LIMITER: return cosem_lim_set(m, o, attr, &r, acc, METER_SRC_DLMS_TCP);
    case IC_PUSH_SETUP: return cosem_push_set(m, o, attr, &r, acc, METER_SRC_DLMS_TCP);
    default: fail(); return -1;
    }
}

static int act(struct meter *m, const uint8_t ln[6], int method, const uint8_t *p, size_t n, enum meter_access acc)
{
    struct axdr_r r;
    uint8_t out[8];
    struct axdr_w w;
    axdr_r_init(&r, p, n);
    axdr_w_init(&w, out, sizeof out);
    const struct obj_def *o = ln != NULL ? row(ln) : NULL;
    if (o == NULL)
        return cosem_sec_action(m, NULL, method, &r, &w, acc, METER_SRC_DLMS_TCP);
    switch (o->ic) {
    case IC_ACTIVITY_CALENDAR: return cosem_cal_action(m, o, method, &r, &w, acc, METER_SRC_DLMS_TCP);
    case IC_SPECIAL_DAYS: return cosem_sd_action(m, o, method, &r, &w, acc, METER_SRC_DLMS_TCP);
    case IC_PUSH_SETUP: return cosem_push_action(m, o, method, &r, &w, acc, METER_SRC_DLMS_TCP);
    default: fail(); return -1;
    }
}

/* GET of attribute attr through cosem_get, as the DLMS server calls it. */
static size_t get(struct meter *m, const uint8_t ln[6], int attr, uint8_t *out, size_t cap)
{
    struct axdr_w w;
    struct cosem_pos pos;
    memset(&pos, 0, sizeof pos);
    axdr_w_init(&w, out, cap);
    assert_int_equal(cosem_get(m, row(ln), 0, attr, NULL, METER_ACC_PUBLIC, &w, &pos), 1);
    assert_false(axdr_w_over(&w));
    return axdr_w_len(&w);
}

static void text_of(struct meter *m, const char *key, char *out, size_t cap)
{
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_key(key), METER_ACC_MANAGER, &v), METER_OK);
    assert_true(v.len < cap);
    memcpy(out, v.s, v.len);
    out[v.len] = '\0';
}

/* ---- class 20 -------------------------------------------------------------------- */

/* Day profile 5: 20:00 tariff 4, 00:00 tariff 3 (written out of order). */
static const uint8_t day_table[] = {
    0x01, 0x01, 0x02, 0x02, 0x11, 0x05, 0x01, 0x02,
    0x02, 0x03, 0x09, 0x04, 0x14, 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x00, 0x0A, 0x00, 0x64, 0xFF, 0x12, 0x00, 0x04,
    0x02, 0x03, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x00, 0x0A, 0x00, 0x64, 0xFF, 0x12, 0x00, 0x03,
};
/* The same as the meter presents it: in time order. */
static const uint8_t day_table_sorted[] = {
    0x01, 0x01, 0x02, 0x02, 0x11, 0x05, 0x01, 0x02,
    0x02, 0x03, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x00, 0x0A, 0x00, 0x64, 0xFF, 0x12, 0x00, 0x03,
    0x02, 0x03, 0x09, 0x04, 0x14, 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x00, 0x0A, 0x00, 0x64, 0xFF, 0x12, 0x00, 0x04,
};
static const uint8_t week_table[] = {0x01, 0x01, 0x02, 0x08, 0x09, 0x02, 'W', 'K', 0x11, 0x05, 0x11, 0x05,
                                     0x11, 0x05, 0x11, 0x05, 0x11, 0x05, 0x11, 0x05, 0x11, 0x05};
static const uint8_t season_table[] = {0x01, 0x01, 0x02, 0x03, 0x09, 0x02, 'S', 'P', 0x09, 0x0C,
                                       0xFF, 0xFF, 0x01, 0x01, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x80, 0x00, 0xFF,
                                       0x09, 0x02, 'W', 'K'};
static const uint8_t cal_name[] = {0x09, 0x03, 'N', 'E', 'W'};
static const uint8_t int0[] = {0x0F, 0x00};

static void write_passive(struct meter *m)
{
    assert_int_equal(set(m, ln_cal, 9, day_table, sizeof day_table, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_cal, 8, week_table, sizeof week_table, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_cal, 7, season_table, sizeof season_table, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_cal, 6, cal_name, sizeof cal_name, METER_ACC_MANAGER), 0);
}

static void passive_calendar_activated(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0); /* 13:00 local: tariff 1 of the factory calendar */
    struct meter *m = &r->v.m;
    struct meas_block b = rig_block(230, 10);
    rig_run(r, &b, 2);
    assert_int_equal(rig_read(r, "96.14.0"), 1);
    write_passive(m);
    rig_run(r, &b, 2);
    assert_int_equal(rig_read(r, "96.14.0"), 1); /* passive: not in use */
    char txt[OBJ_STR_MAX + 1];
    text_of(m, "tariff_calendar_passive", txt, sizeof txt);
    assert_string_equal(txt, "d1=00:00/3,20:00/4;s1=01-01/1111111");
    uint8_t g[512];
    size_t n = get(m, ln_cal, 9, g, sizeof g);
    assert_int_equal(n, sizeof day_table_sorted);
    assert_memory_equal(g, day_table_sorted, n);

    /* activate_passive_calendar: refused without the right, then done */
    assert_int_equal(act(m, ln_cal, 1, int0, sizeof int0, METER_ACC_READER), 3);
    assert_int_equal(m->cfg.cal.ndays, 1); /* the factory calendar has one day profile too: */
    assert_int_equal(m->cfg.cal.day[0].sw[0] >> 3, 7 * 60);
    assert_int_equal(act(m, ln_cal, 1, int0, sizeof int0, METER_ACC_MANAGER), 0);
    int64_t t3 = rig_read(r, "1.8.3");
    rig_run(r, &b, 3600);
    assert_int_equal(rig_read(r, "96.14.0"), 3);
    assert_true(rig_read(r, "1.8.3") > t3); /* the registers follow the new calendar */
    text_of(m, "tariff_calendar", txt, sizeof txt);
    assert_string_equal(txt, "d1=00:00/3,20:00/4;s1=01-01/1111111");
    /* the active calendar presents what was activated, names and ids included */
    n = get(m, ln_cal, 2, g, sizeof g);
    assert_int_equal(n, sizeof cal_name);
    assert_memory_equal(g, cal_name, n);
    n = get(m, ln_cal, 5, g, sizeof g);
    assert_int_equal(n, sizeof day_table_sorted);
    assert_memory_equal(g, day_table_sorted, n);
    n = get(m, ln_cal, 4, g, sizeof g);
    assert_int_equal(n, sizeof week_table);
    assert_memory_equal(g, week_table, n);
    n = get(m, ln_cal, 3, g, sizeof g);
    assert_int_equal(n, sizeof season_table);
    assert_memory_equal(g, season_table, n);
    /* the active calendar survives a power cut */
    rig_reboot(r, 10);
    text_of(m, "tariff_calendar", txt, sizeof txt);
    assert_string_equal(txt, "d1=00:00/3,20:00/4;s1=01-01/1111111");
    rig_free(r);
}

static void activation_time_from_the_poll(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    struct meas_block b = rig_block(230, 10);
    write_passive(m);
    uint8_t at[14] = {0x09, 0x0C};
    cosem_datetime(m, m->now + 90, at + 2);
    assert_int_equal(set(m, ln_cal, 10, at, sizeof at, METER_ACC_MANAGER), 0);
    uint8_t g[16];
    assert_int_equal(get(m, ln_cal, 10, g, sizeof g), 14);
    assert_memory_equal(g, at, 14);
    unsigned acts = rig_events(r, EV_PARAM_CHANGE, ANY);
    rig_run(r, &b, 60);
    assert_int_equal(rig_read(r, "96.14.0"), 1);
    rig_run(r, &b, 60);
    assert_int_equal(rig_read(r, "96.14.0"), 3);
    assert_int_equal(m->tariff_passive.activate_at, 0);
    struct evlog_rec e = rig_last_event(r, EV_PARAM_CHANGE);
    assert_int_equal(e.src, METER_SRC_INTERNAL); /* the meter activated it, audited */
    assert_int_equal(rig_events(r, EV_PARAM_CHANGE, ANY), acts + 1);
    /* all-wildcard date-time: no activation planned */
    uint8_t none[14] = {0x09, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0xFF};
    assert_int_equal(set(m, ln_cal, 10, none, sizeof none, METER_ACC_MANAGER), 0);
    assert_int_equal(m->tariff_passive.activate_at, 0);
    rig_free(r);
}

static void malformed_calendar_changes_nothing(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    write_passive(m);
    struct tariff_passive before = m->tariff_passive;
    struct tariff_cal active = m->cfg.cal;
    uint32_t audit = evlog_total(m, EVLOG_AUDIT);
    uint8_t bad[sizeof day_table];

    memcpy(bad, day_table, sizeof bad);
    bad[sizeof bad - 1] = 9; /* tariff 9 */
    assert_int_equal(set(m, ln_cal, 9, bad, sizeof bad, METER_ACC_MANAGER), 12);
    assert_int_equal(set(m, ln_cal, 9, day_table, sizeof day_table - 1, METER_ACC_MANAGER), 12); /* cut */
    memcpy(bad, day_table, sizeof bad);
    bad[22] = 0x65; /* script table 0-0:10.0.101 */
    assert_int_equal(set(m, ln_cal, 9, bad, sizeof bad, METER_ACC_MANAGER), 12);
    memcpy(bad, day_table, sizeof bad);
    bad[12] = 0; /* 00:00 twice */
    assert_int_equal(set(m, ln_cal, 9, bad, sizeof bad, METER_ACC_MANAGER), 12);
    memcpy(bad, day_table, sizeof bad);
    bad[12] = 24; /* 24:00 */
    assert_int_equal(set(m, ln_cal, 9, bad, sizeof bad, METER_ACC_MANAGER), 12);
    uint8_t three_weeks[] = {0x01, 0x03};
    assert_int_equal(set(m, ln_cal, 8, three_weeks, sizeof three_weeks, METER_ACC_MANAGER), 12);
    uint8_t five_days[] = {0x01, 0x05};
    assert_int_equal(set(m, ln_cal, 9, five_days, sizeof five_days, METER_ACC_MANAGER), 12);
    uint8_t bs[sizeof season_table];
    memcpy(bs, season_table, sizeof bs);
    bs[12] = 13; /* month 13 */
    assert_int_equal(set(m, ln_cal, 7, bs, sizeof bs, METER_ACC_MANAGER), 12);
    memcpy(bs, season_table, sizeof bs);
    bs[13] = 30;
    bs[12] = 2; /* 30 February */
    assert_int_equal(set(m, ln_cal, 7, bs, sizeof bs, METER_ACC_MANAGER), 12);
    uint8_t bw[sizeof week_table];
    memcpy(bw, week_table, sizeof bw);
    bw[3] = 7; /* a week of 6 days */
    assert_int_equal(set(m, ln_cal, 8, bw, sizeof bw, METER_ACC_MANAGER), 12);
    static const uint8_t long_name[] = {0x09, 0x09, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'};
    assert_int_equal(set(m, ln_cal, 6, long_name, sizeof long_name, METER_ACC_MANAGER), 12);
    static const uint8_t wrong_type[] = {0x12, 0x00, 0x01};
    assert_int_equal(set(m, ln_cal, 9, wrong_type, sizeof wrong_type, METER_ACC_MANAGER), 12);
    /* rights: the reading client, the active calendar */
    assert_int_equal(set(m, ln_cal, 9, day_table, sizeof day_table, METER_ACC_READER), 3);
    assert_int_equal(set(m, ln_cal, 5, day_table, sizeof day_table, METER_ACC_MANAGER), 3);
    assert_memory_equal(&m->tariff_passive, &before, sizeof before);
    assert_memory_equal(&m->cfg.cal, &active, sizeof active);
    assert_int_equal(evlog_total(m, EVLOG_AUDIT), audit);

    /* A season naming a week that is not there: written, not activatable. */
    memcpy(bs, season_table, sizeof bs);
    bs[sizeof bs - 1] = 'X';
    assert_int_equal(set(m, ln_cal, 7, bs, sizeof bs, METER_ACC_MANAGER), 0);
    assert_int_equal(act(m, ln_cal, 1, int0, sizeof int0, METER_ACC_MANAGER), 2); /* temporary-failure */
    assert_memory_equal(&m->cfg.cal, &active, sizeof active);
    /* bytes after the value; refusals are counted */
    uint32_t refusals = (uint32_t)rig_read(r, "96.129.32");
    uint8_t longer[sizeof cal_name + 1];
    memcpy(longer, cal_name, sizeof cal_name);
    longer[sizeof cal_name] = 0;
    assert_int_equal(set(m, ln_cal, 6, longer, sizeof longer, METER_ACC_MANAGER), 12);
    assert_true(rig_read(r, "96.129.32") > refusals);
    /* what the association view shows */
    assert_true(cosem_ctl_attr_writable(row(ln_cal), 9, METER_ACC_MANAGER));
    assert_false(cosem_ctl_attr_writable(row(ln_cal), 9, METER_ACC_READER));
    assert_false(cosem_ctl_attr_writable(row(ln_cal), 5, METER_ACC_MANAGER));
    assert_true(cosem_ctl_method_allowed(row(ln_cal), 1, METER_ACC_MANAGER));
    assert_false(cosem_ctl_method_allowed(row(ln_cal), 1, METER_ACC_READER));
    assert_true(cosem_sec_method_allowed(2, METER_ACC_MANAGER));
    assert_false(cosem_sec_method_allowed(2, METER_ACC_READER));
    rig_free(r);
}

/* ---- class 11 -------------------------------------------------------------------- */

static void special_days_insert_delete(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    /* {index 1, 2026-12-25, day_id 1} and {index 2, every 1 May, day_id 1} */
    static const uint8_t xmas[] = {0x02, 0x03, 0x12, 0x00, 0x01, 0x09, 0x05, 0x07, 0xEA, 0x0C, 0x19, 0xFF, 0x11, 0x01};
    static const uint8_t may1[] = {0x02, 0x03, 0x12, 0x00, 0x02, 0x09, 0x05, 0xFF, 0xFF, 0x05, 0x01, 0xFF, 0x11, 0x01};
    assert_int_equal(act(m, ln_sd, 1, xmas, sizeof xmas, METER_ACC_READER), 3);
    assert_int_equal(m->cfg.cal.nexc, 0);
    assert_int_equal(act(m, ln_sd, 1, xmas, sizeof xmas, METER_ACC_MANAGER), 0);
    assert_int_equal(act(m, ln_sd, 1, may1, sizeof may1, METER_ACC_MANAGER), 0);
    assert_int_equal(m->cfg.cal.nexc, 2);
    assert_true(tariff_is_exception(&m->cfg.cal, clock_join(2026, 12, 25, 12, 0, 0)));
    assert_true(tariff_is_exception(&m->cfg.cal, clock_join(2031, 5, 1, 0, 0, 0)));
    char txt[OBJ_STR_MAX + 1];
    text_of(m, "tariff_calendar", txt, sizeof txt);
    assert_string_equal(txt, "d1=07:00/1,22:00/2;s1=01-01/1111111;x=2026-12-25/1,05-01/1");
    uint8_t g[64];
    size_t n = get(m, ln_sd, 2, g, sizeof g);
    static const uint8_t both[] = {0x01, 0x02, 0x02, 0x03, 0x12, 0x00, 0x01, 0x09, 0x05, 0x07, 0xEA, 0x0C, 0x19,
                                   0xFF, 0x11, 0x01, 0x02, 0x03, 0x12, 0x00, 0x02, 0x09, 0x05, 0xFF, 0xFF, 0x05,
                                   0x01, 0xFF, 0x11, 0x01};
    assert_int_equal(n, sizeof both);
    assert_memory_equal(g, both, n);
    /* malformed: 30 February, a day id the active calendar lacks, cut */
    uint8_t bad[sizeof xmas];
    memcpy(bad, xmas, sizeof bad);
    bad[9] = 2;
    bad[10] = 30;
    assert_int_equal(act(m, ln_sd, 1, bad, sizeof bad, METER_ACC_MANAGER), 12);
    memcpy(bad, xmas, sizeof bad);
    bad[13] = 7;
    assert_int_equal(act(m, ln_sd, 1, bad, sizeof bad, METER_ACC_MANAGER), 12);
    assert_int_equal(act(m, ln_sd, 1, xmas, sizeof xmas - 1, METER_ACC_MANAGER), 12);
    static const uint8_t del5[] = {0x12, 0x00, 0x05}, del1[] = {0x12, 0x00, 0x01};
    assert_int_equal(act(m, ln_sd, 2, del5, sizeof del5, METER_ACC_MANAGER), 12);
    assert_int_equal(m->cfg.cal.nexc, 2);
    assert_int_equal(set(m, ln_sd, 2, both, sizeof both, METER_ACC_MANAGER), 3); /* insert/delete only */
    assert_int_equal(act(m, ln_sd, 2, del1, sizeof del1, METER_ACC_MANAGER), 0);
    assert_int_equal(m->cfg.cal.nexc, 1);
    assert_false(tariff_is_exception(&m->cfg.cal, clock_join(2026, 12, 25, 12, 0, 0)));
    assert_true(tariff_is_exception(&m->cfg.cal, clock_join(2031, 5, 1, 0, 0, 0)));
    rig_free(r);
}

/* ---- class 71 -------------------------------------------------------------------- */

static void limiter_thresholds(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    static const uint8_t power[] = {0x02, 0x03, 0x12, 0x00, 0x03, 0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, 0x0F, 0x02};
    static const uint8_t thr[] = {0x06, 0x00, 0x00, 0x13, 0x88};   /* 5000 W */
    static const uint8_t over[] = {0x06, 0x00, 0x00, 0x00, 0x3C};  /* 60 s */
    static const uint8_t under[] = {0x12, 0x01, 0x2C};             /* 300 s (long-unsigned also taken) */
    assert_int_equal(set(m, ln_lim, 2, power, sizeof power, METER_ACC_READER), 3);
    assert_int_equal(set(m, ln_lim, 2, power, sizeof power, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_lim, 4, thr, sizeof thr, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_lim, 6, over, sizeof over, METER_ACC_MANAGER), 0);
    assert_int_equal(set(m, ln_lim, 7, under, sizeof under, METER_ACC_MANAGER), 0);
    char txt[16];
    text_of(m, "limiter_basis", txt, sizeof txt);
    assert_string_equal(txt, "power");
    assert_int_equal(rig_read(r, "96.130.10"), 5000);
    assert_int_equal(rig_read(r, "96.130.13"), 60);
    assert_int_equal(rig_read(r, "96.130.16"), 300);
    uint8_t g[64];
    assert_int_equal(get(m, ln_lim, 2, g, sizeof g), sizeof power);
    assert_memory_equal(g, power, sizeof power);
    assert_int_equal(get(m, ln_lim, 4, g, sizeof g), sizeof thr);
    assert_memory_equal(g, thr, sizeof thr);
    assert_int_equal(get(m, ln_lim, 3, g, sizeof g), sizeof thr);
    assert_memory_equal(g, thr, sizeof thr);
    assert_int_equal(get(m, ln_lim, 10, g, sizeof g), 2);
    assert_memory_equal(g, "\x03\x00", 2);
    /* the limiter watches current or power only; bounds; read-only attributes */
    uint8_t volt[sizeof power];
    memcpy(volt, power, sizeof volt);
    volt[9] = 32;
    assert_int_equal(set(m, ln_lim, 2, volt, sizeof volt, METER_ACC_MANAGER), 12);
    static const uint8_t huge[] = {0x06, 0x00, 0x0F, 0x42, 0x41}; /* 1 000 001 */
    assert_int_equal(set(m, ln_lim, 4, huge, sizeof huge, METER_ACC_MANAGER), 12);
    assert_int_equal(set(m, ln_lim, 3, thr, sizeof thr, METER_ACC_MANAGER), 3);
    assert_int_equal(set(m, ln_lim, 2, power, 7, METER_ACC_MANAGER), 12);
    text_of(m, "limiter_basis", txt, sizeof txt);
    assert_string_equal(txt, "power");
    assert_int_equal(rig_read(r, "96.130.10"), 5000);
    /* and the meter acts on it: 6.9 kW for 60 s trips the relay */
    struct meas_block b = rig_block(230, 10);
    rig_run(r, &b, 62);
    assert_false(r->v.hw.relay[METER_RELAY_MAIN]);
    rig_free(r);
}

/* ---- class 40 -------------------------------------------------------------------- */

static void push_setup(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    uint8_t g[1024];
    size_t n = get(m, ln_push1, 2, g, sizeof g);
    /* 13 objects: the list identifier by value, 12 with their logical names */
    static const uint8_t head[] = {0x01, 25, 0x02, 0x04, 0x12, 0x00, 0x01, 0x09, 0x06, 0x00, 0x00, 0x00, 0x02, 0x81,
                                   0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00, 0x02, 0x04, 0x12, 0x00, 0x01, 0x09, 0x06,
                                   0x00, 0x00, 0x60, 0x01, 0x00, 0xFF, 0x0F, 0x01, 0x12, 0x00, 0x00};
    assert_true(n > sizeof head);
    assert_memory_equal(g, head, sizeof head);
    static const uint8_t dest0[] = {0x02, 0x03, 0x16, 0x05, 0x09, 0x02, '1', '6', 0x16, 0x00};
    assert_int_equal(get(m, ln_push1, 3, g, sizeof g), sizeof dest0);
    assert_memory_equal(g, dest0, sizeof dest0);
    assert_int_equal(get(m, ln_push1, 4, g, sizeof g), 2); /* always open: no window */
    assert_memory_equal(g, "\x01\x00", 2);

    static const uint8_t window[] = {0x01, 0x01, 0x02, 0x02, 0x09, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x06, 0x00,
                                     0x00, 0xFF, 0x80, 0x00, 0xFF, 0x09, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x16,
                                     0x00, 0x00, 0xFF, 0x80, 0x00, 0xFF};
    assert_int_equal(set(m, ln_push1, 4, window, sizeof window, METER_ACC_MANAGER), 0);
    char txt[OBJ_STR_MAX + 1];
    text_of(m, "han_push1_window", txt, sizeof txt);
    assert_string_equal(txt, "06:00-22:00");
    assert_int_equal(get(m, ln_push1, 4, g, sizeof g), sizeof window);
    assert_memory_equal(g, window, sizeof window);
    static const uint8_t dest17[] = {0x02, 0x03, 0x16, 0x05, 0x09, 0x02, '1', '7', 0x16, 0x00};
    assert_int_equal(set(m, ln_push1, 3, dest17, sizeof dest17, METER_ACC_MANAGER), 0);
    assert_int_equal(rig_read(r, "96.131.4"), 17);
    static const uint8_t rnd[] = {0x12, 0x00, 0x05};
    assert_int_equal(set(m, ln_push1, 5, rnd, sizeof rnd, METER_ACC_MANAGER), 0);
    assert_int_equal(rig_read(r, "96.131.3"), 5);
    static const uint8_t list[] = {0x01, 0x02, 0x02, 0x04, 0x12, 0x00, 0x03, 0x09, 0x06, 0x01, 0x00, 0x01, 0x07,
                                   0x00, 0xFF, 0x0F, 0x01, 0x12, 0x00, 0x00, 0x02, 0x04, 0x12, 0x00, 0x03, 0x09,
                                   0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00};
    assert_int_equal(set(m, ln_push1, 2, list, sizeof list, METER_ACC_MANAGER), 0);
    text_of(m, "han_push1_list", txt, sizeof txt);
    assert_string_equal(txt, "1.7.0+");
    assert_int_equal(get(m, ln_push1, 2, g, sizeof g), sizeof list);
    assert_memory_equal(g, list, sizeof list);

    /* refused, nothing changed: TCP transport, a logical name alone, a
     * random delay not shorter than the 10-s period, the reading client,
     * read-only attributes, a window with a date */
    static const uint8_t tcp[] = {0x02, 0x03, 0x16, 0x00, 0x09, 0x02, '1', '8', 0x16, 0x00};
    assert_int_equal(set(m, ln_push1, 3, tcp, sizeof tcp, METER_ACC_MANAGER), 12);
    assert_int_equal(set(m, ln_push1, 2, list, 20, METER_ACC_MANAGER), 12);
    uint8_t lone[sizeof list];
    memcpy(lone, list, sizeof lone);
    lone[1] = 1;
    assert_int_equal(set(m, ln_push1, 2, lone, 20, METER_ACC_MANAGER), 12);
    static const uint8_t rnd10[] = {0x12, 0x00, 0x0A};
    assert_int_equal(set(m, ln_push1, 5, rnd10, sizeof rnd10, METER_ACC_MANAGER), 12);
    assert_int_equal(set(m, ln_push1, 3, dest0, sizeof dest0, METER_ACC_READER), 3);
    assert_int_equal(set(m, ln_push1, 6, rnd, 2, METER_ACC_MANAGER), 3);
    uint8_t dated[sizeof window];
    memcpy(dated, window, sizeof dated);
    dated[8] = 5;
    assert_int_equal(set(m, ln_push1, 4, dated, sizeof dated, METER_ACC_MANAGER), 12);
    assert_int_equal(rig_read(r, "96.131.4"), 17);
    assert_int_equal(rig_read(r, "96.131.3"), 5);
    text_of(m, "han_push1_list", txt, sizeof txt);
    assert_string_equal(txt, "1.7.0+");
    text_of(m, "han_push1_window", txt, sizeof txt);
    assert_string_equal(txt, "06:00-22:00");
    /* method 1 push: the management client only */
    assert_int_equal(act(m, ln_push1, 1, int0, sizeof int0, METER_ACC_READER), 3);
    assert_int_equal(act(m, ln_push1, 2, int0, sizeof int0, METER_ACC_MANAGER), 11);
    rig_free(r);
}

/* ---- class 64 -------------------------------------------------------------------- */

static size_t hex2bin_local(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] != '\0' && hex[1] != '\0' && n < cap; hex += 2) {
        unsigned v = 0;
        for (unsigned k = 0; k < 2; k++) {
            char c = hex[k];
            v = v * 16u + (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
        }
        out[n++] = (uint8_t)v;
    }
    return n;
}

static size_t transfer(uint8_t *p, const unsigned *ids, const char *const *wrapped, unsigned n)
{
    size_t k = 0;
    p[k++] = 0x01;
    p[k++] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++) {
        p[k++] = 0x02;
        p[k++] = 0x02;
        p[k++] = 0x16;
        p[k++] = (uint8_t)ids[i];
        p[k++] = 0x09;
        p[k++] = 24;
        assert_int_equal(hex2bin_local(wrapped[i], p + k, 24), 24);
        k += 24;
    }
    return k;
}

static void key_transfer(void **state)
{
    (void)state;
    struct rig *r = rig_new(RIG_T0);
    struct meter *m = &r->v.m;
    static const uint8_t ek1[16] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
                                    0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
    static const uint8_t ak1[16] = {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
                                    0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF};
    static const uint8_t rfc_kek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
    static const uint8_t rfc_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                        0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
    /* factory test keys: unpersonalised, in the error register */
    assert_true(m->status & METER_ST_UNPERSONALISED);
    assert_true(rig_read(r, "97.97.0") & METER_ST_UNPERSONALISED);
    struct dlms_keys before = m->proto.dlms.keys;
    uint8_t p[128];
    const unsigned ids3[3] = {0, 2, 3};
    const char *const w3[3] = {"76E868D861779B2394E13266FC18E06B2E2590674307EC03",   /* EK = A0..AF */
                               "B7FEE258B245790157524CEE783D43DDEEF4BED702E050E4",   /* AK = B0..BF */
                               "3A0BBD031C13A1E9EFF521EC84117C4B93CA7B93F087F618"};  /* KEK = RFC 3394's */
    size_t n = transfer(p, ids3, w3, 3);
    /* a wrong wrap (one bit of the last key) refuses the whole transfer */
    uint32_t refusals = (uint32_t)rig_read(r, "96.129.32");
    p[n - 1] ^= 1;
    assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_MANAGER), 250);
    assert_memory_equal(&m->proto.dlms.keys, &before, sizeof before);
    assert_true(rig_read(r, "96.129.32") > refusals);
    p[n - 1] ^= 1;
    /* the reading client, the broadcast key, a cut list: refused */
    assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_READER), 3);
    const unsigned id1[1] = {1};
    size_t nb = transfer(p, id1, w3, 1);
    assert_int_equal(act(m, NULL, 2, p, nb, METER_ACC_MANAGER), 12);
    n = transfer(p, ids3, w3, 3);
    assert_int_equal(act(m, NULL, 2, p, n - 3, METER_ACC_MANAGER), 12);
    assert_memory_equal(&m->proto.dlms.keys, &before, sizeof before);
    assert_true(m->status & METER_ST_UNPERSONALISED);

    assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_MANAGER), 0);
    assert_memory_equal(m->proto.dlms.keys.ek, ek1, 16);
    assert_memory_equal(m->proto.dlms.keys.ak, ak1, 16);
    assert_memory_equal(m->proto.dlms.keys.kek, rfc_kek, 16);
    assert_false(m->status & METER_ST_UNPERSONALISED);
    /* under the new master key, RFC 3394 4.1's wrapped key data */
    const unsigned id0[1] = {0};
    const char *const rfc[1] = {"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"};
    n = transfer(p, id0, rfc, 1);
    assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_MANAGER), 0);
    assert_memory_equal(m->proto.dlms.keys.ek, rfc_key, 16);
    /* stored: a power cut keeps the keys and the status */
    rig_reboot(r, 5);
    assert_memory_equal(m->proto.dlms.keys.ek, rfc_key, 16);
    assert_memory_equal(m->proto.dlms.keys.ak, ak1, 16);
    assert_false(rig_read(r, "97.97.0") & METER_ST_UNPERSONALISED);
    /* security_activate: the policy stays 3 */
    static const uint8_t pol3[] = {0x16, 0x03}, pol1[] = {0x16, 0x01};
    assert_int_equal(act(m, NULL, 1, pol3, sizeof pol3, METER_ACC_MANAGER), 0);
    assert_int_equal(act(m, NULL, 1, pol1, sizeof pol1, METER_ACC_MANAGER), 250);
    assert_int_equal(act(m, NULL, 1, pol3, sizeof pol3, METER_ACC_READER), 3);
    assert_int_equal(act(m, NULL, 3, pol3, sizeof pol3, METER_ACC_MANAGER), 11);
    /* EEPROM bound: 8 stored transfers per power-up, then temporary-failure */
    for (unsigned k = 0; k < 8; k++)
        assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_MANAGER), 0);
    assert_int_equal(act(m, NULL, 2, p, n, METER_ACC_MANAGER), 2);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passive_calendar_activated),
        cmocka_unit_test(activation_time_from_the_poll),
        cmocka_unit_test(malformed_calendar_changes_nothing),
        cmocka_unit_test(special_days_insert_delete),
        cmocka_unit_test(limiter_thresholds),
        cmocka_unit_test(push_setup),
        cmocka_unit_test(key_transfer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
