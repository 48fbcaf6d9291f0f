/* Load profile (S-3.1): the depths the store provides for every period and
 * channel set, a filled and wrapped ring read back with time stamps and
 * readings, status bits (power failure, clock set, DST, partial period,
 * reconfiguration), clear on reconfiguration with its events, survival of
 * a power cycle, a saturated delta, delta mode. */
#include <stdio.h>

#include "ui_rig.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z: aligned to every period in EET */
#define STEP 10000000ull /* uWh of 0.01 kWh */

/* Power cycle without warning at utc (the tests move m->now themselves). */
static void reboot_at(struct rig *b, int64_t utc)
{
    b->v.hw.rtc_utc = utc;
    b->v.hw.rtc_base_ms = b->v.hw.sim_ms;
    rig_reboot(b, 0);
}

/* Energy of period k on channel q (uWh): varied, so every delta differs. */
static uint64_t energy_of(unsigned k, unsigned q)
{
    return (uint64_t)((k * 7u + q * 3u) % 97u) * 3 * STEP + STEP / 3 * (q + 1);
}

/* n periods straight through the profile (no blocks): the registers and
 * the clock move one period at a time; `gap` periods are skipped first
 * (as if the meter had been off). */
static void periods(struct rig *b, unsigned n, unsigned gap, unsigned *k)
{
    struct meter *m = &b->v.m;
    int64_t p = (int64_t)m->cfg.profile_period_min * 60;
    m->now += (int64_t)gap * p;
    if (gap)
        m->profile.period_start = 0;
    for (unsigned i = 0; i < n; i++, (*k)++) {
        m->now += p;
        for (unsigned q = 0; q < MEAS_QTY; q++)
            m->energy.total[q] += energy_of(*k, q);
        profile_tick(m);
    }
}

static int64_t reading(const struct meter *m, unsigned q)
{
    return (int64_t)(m->energy.total[q] / STEP);
}

static const char *const chan_sets[] = {"A+", "A+,A-", "A+,A-,R+", "A+,A-,R+,R-"};
static const unsigned periods_min[] = {5, 15, 30, 60};

/* S-3.1: for every period and channel set, the ring the store gives the
 * profile holds the 382M's days, with periodic anchors and room for 100
 * outages or clock sets within that depth. */
static void s31_depth_every_configuration(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    assert_int_equal(m->store.flags & STORE_F_NOSPACE, 0);
    assert_int_equal(m->status & METER_ST_NVM_FAIL, 0);
    printf("  channels       period  rec B  ring depth  entries kept  days kept  S-3.1 days\n");
    for (unsigned c = 0; c < 4; c++)
        for (unsigned i = 0; i < 4; i++) {
            assert_int_equal(rig_set_text(b, "profile_channels", chan_sets[c]), METER_OK);
            assert_int_equal(rig_set_num(b, "profile_period_min", periods_min[i]), METER_OK);
            unsigned ch = m->cfg.profile_channels, per_day = 1440u / periods_min[i];
            uint32_t depth = store_log_depth(&m->store, RING_PROFILE);
            assert_int_equal(store_log_rec_size(&m->store, RING_PROFILE), profile_rec_size(ch));
            assert_int_equal(depth, profile_fit_depth(m, ch));
            uint32_t keep = profile_capacity(m, 100), need = profile_depth_days(periods_min[i], ch) * per_day;
            printf("  %-13s %4u min %6u %11u %13u %10u %11u\n", chan_sets[c], periods_min[i],
                   profile_rec_size(ch), depth, keep, keep / per_day, profile_depth_days(periods_min[i], ch));
            assert_true(keep >= need);
        }
    rig_free(b);
}

/* Fill beyond the depth: the ring wraps, the oldest anchor goes, and every
 * entry still reads back with its time stamp and reading. */
static void fill_and_wrap(const char *chans, unsigned per_min)
{
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    assert_int_equal(rig_set_text(b, "profile_channels", chans), METER_OK);
    assert_int_equal(rig_set_num(b, "profile_period_min", per_min), METER_OK);
    unsigned ch = m->cfg.profile_channels, n = 0, k = 0;
    for (unsigned q = 0; q < MEAS_QTY; q++)
        n += (ch >> q) & 1u;
    uint32_t need = profile_depth_days(per_min, ch) * (1440u / per_min);
    uint32_t total = profile_capacity(m, 0) + 700;
    /* a few outages spanning period ends on the way */
    for (unsigned part = 0; part < 10; part++)
        periods(b, total / 10, part == 5 ? 3 : 0, &k);
    uint32_t count = profile_count(m);
    assert_true(count >= need);
    assert_true(count < k); /* wrapped */
    struct profile_cursor c;
    struct profile_entry e, prev;
    int64_t p = (int64_t)per_min * 60;
    unsigned gaps = 0;
    profile_cursor_init(m, &c);
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(profile_next(m, &c, &e), METER_OK);
        assert_int_equal(e.status & PROFILE_ST_INVALID, 0);
        assert_int_equal(e.n, n);
        for (unsigned q = 0, j = 0; q < MEAS_QTY; q++)
            if (ch & (1u << q)) {
                if (i > 0) {
                    assert_int_equal(e.delta[j], e.abs[j] - prev.abs[j]);
                    assert_int_equal(e.v[j], e.abs[j]);
                }
                j++;
            }
        if (i > 0 && e.time != prev.time + p) {
            assert_int_equal(e.time, prev.time + 4 * p); /* the outage of 3 periods */
            gaps++;
        }
        prev = e;
    }
    assert_int_equal(profile_next(m, &c, &e), METER_ENOENT);
    assert_true(gaps <= 1);
    /* the newest entry is the live reading at the current time */
    assert_int_equal(prev.time, m->now);
    for (unsigned q = 0, j = 0; q < MEAS_QTY; q++)
        if (ch & (1u << q))
            assert_int_equal(prev.abs[j++], reading(m, q));
    /* the oldest reaches back the S-3.1 days */
    struct profile_entry first;
    assert_int_equal(profile_read(m, 0, &first), METER_OK);
    assert_true(first.time <= m->now - (int64_t)(need - 1) * p - (gaps ? 3 * p : 0));
    /* a power cycle rebuilds the same count and readings from the ring */
    uint64_t tot[MEAS_QTY];
    memcpy(tot, m->energy.total, sizeof tot);
    legal_save(m);
    reboot_at(b, m->now + 10);
    assert_int_equal(profile_count(&b->v.m), count);
    assert_memory_equal(b->v.m.energy.total, tot, sizeof tot);
    assert_int_equal(profile_read(&b->v.m, count - 1, &e), METER_OK);
    assert_int_equal(e.time, prev.time);
    assert_memory_equal(e.abs, prev.abs, sizeof e.abs);
    rig_free(b);
}

static void fill_one_channel_5min(void **state)
{
    (void)state;
    fill_and_wrap("A+", 5);
}

static void fill_four_channels_15min(void **state)
{
    (void)state;
    fill_and_wrap("A+,A-,R+,R-", 15);
}

static void fill_two_channels_60min(void **state)
{
    (void)state;
    fill_and_wrap("A+,A-", 60);
}

/* ---- through the blocks feed -------------------------------------------- */

static void run(struct rig *b, int64_t secs, int32_t watts)
{
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    blk.p_mw = watts * 1000;
    blk.e[MEAS_AP] = (int64_t)watts * 1000000 / 3600;
    blk.e[MEAS_RP] = (int64_t)watts * 1000000 / 3600 / 4;
    for (int ph = 0; ph < METER_PHASES; ph++)
        blk.ph[ph].u_mv = 230000;
    blk.f_mhz = 50000;
    for (int64_t s = 0; s < secs; s++)
        vmeter_step_block(&b->v, &blk);
}

static struct profile_entry entry(struct rig *b, uint32_t i)
{
    struct profile_entry e;
    assert_int_equal(profile_read(&b->v.m, i, &e), METER_OK);
    return e;
}

static struct profile_entry newest(struct rig *b)
{
    assert_true(profile_count(&b->v.m) > 0);
    return entry(b, profile_count(&b->v.m) - 1);
}

/* Power failure spanning period ends, and one inside a period. */
static void status_power_failure(void **state)
{
    (void)state;
    int64_t t = T0 + 120; /* 00:02 UTC: joins the first period late */
    struct rig *b = rig_new(t);
    assert_int_equal(rig_set_num(b, "profile_period_min", 5), METER_OK);
    run(b, 480, 6000); /* to 00:10 */
    assert_int_equal(profile_count(&b->v.m), 2);
    struct profile_entry e = entry(b, 0);
    assert_int_equal(e.time, T0 + 300);
    assert_int_equal(e.status & (PROFILE_ST_PARTIAL | PROFILE_ST_CONFIG), PROFILE_ST_PARTIAL | PROFILE_ST_CONFIG);
    e = entry(b, 1);
    assert_int_equal(e.time, T0 + 600);
    assert_int_equal(e.status, 0);
    run(b, 130, 6000); /* 00:12:10, cut without warning; registers saved at their last digit */
    int64_t cut = b->v.m.now;
    int64_t saved = b->v.m.legal.saved_at;
    assert_true(saved > T0 + 600);
    reboot_at(b, cut + 1200); /* back at 00:32:10 */
    /* the interrupted period (00:10-00:15) got its entry at power-up */
    assert_int_equal(profile_count(&b->v.m), 3);
    e = newest(b);
    assert_int_equal(e.time, T0 + 900);
    assert_int_equal(e.status & (PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL),
                     PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL);
    int64_t kwh100 = (int64_t)(b->v.m.energy.total[MEAS_AP] / STEP);
    assert_int_equal(e.abs[0], kwh100);
    run(b, 170, 6000); /* to 00:35:00 */
    assert_int_equal(profile_count(&b->v.m), 4);
    e = newest(b);
    assert_int_equal(e.time, T0 + 2100); /* the gap 00:15-00:30 has no entries */
    assert_int_equal(e.status & (PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL),
                     PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL);
    /* an outage inside a period: the period goes on, flagged */
    run(b, 60, 6000); /* 00:36 */
    legal_save(&b->v.m);
    reboot_at(b, b->v.m.now + 30);
    run(b, 210, 6000); /* to 00:40 */
    e = newest(b);
    assert_int_equal(e.time, T0 + 2400);
    assert_int_equal(e.status & PROFILE_ST_POWER_FAIL, PROFILE_ST_POWER_FAIL);
    run(b, 300, 6000);
    e = newest(b);
    assert_int_equal(e.time, T0 + 2700);
    assert_int_equal(e.status, 0);
    assert_int_equal(e.abs[0], (int64_t)(b->v.m.energy.total[MEAS_AP] / STEP));
    rig_free(b);
}

static void status_clock_set_and_adjust(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    assert_int_equal(rig_set_num(b, "profile_period_min", 15), METER_OK);
    run(b, 1800 + 420, 3000); /* 00:37 */
    uint32_t n0 = profile_count(&b->v.m);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_DATETIME;
    v.i = b->v.m.now + 7200; /* set forward 2 h */
    int64_t old = b->v.m.now;
    assert_int_equal(obj_write(&b->v.m, objtab_find_key("clock"), METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    struct profile_entry e = newest(b);
    assert_int_equal(profile_count(&b->v.m), n0 + 1);
    assert_int_equal(e.time, old - old % 60); /* closed at the old time (minutes) */
    assert_int_equal(e.status & (PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL), PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL);
    assert_int_equal(e.abs[0], reading(&b->v.m, MEAS_AP));
    struct profile_entry closing = e;
    run(b, 900, 3000);
    e = newest(b);
    assert_int_equal(e.time, T0 + 9900); /* 02:45 */
    assert_int_equal(e.status & (PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL), PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL);
    assert_int_equal(e.delta[0], e.abs[0] - closing.abs[0]);
    assert_in_range(e.delta[0], 39, 40); /* 8 minutes at 3 kW */
    /* an adjustment within 30 s: the period goes on, flagged */
    v.i = b->v.m.now + 20;
    assert_int_equal(obj_write(&b->v.m, objtab_find_key("clock"), METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    run(b, 900, 3000);
    e = newest(b);
    assert_int_equal(e.time, T0 + 10800); /* 03:00 */
    assert_int_equal(e.status & (PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL), PROFILE_ST_CLOCK_SET);
    run(b, 900, 3000);
    assert_int_equal(newest(b).status, 0);
    /* set backwards 1 h: times go back, readings do not */
    int64_t before = newest(b).abs[0];
    v.i = b->v.m.now - 3600;
    assert_int_equal(obj_write(&b->v.m, objtab_find_key("clock"), METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    run(b, 900, 3000);
    e = newest(b);
    assert_true(e.abs[0] > before);
    assert_true(e.time < T0 + 10800);
    rig_free(b);
}

/* EU DST starts 2026-03-29 01:00 UTC: entries ending after it carry DST. */
static void status_dst(void **state)
{
    (void)state;
    int64_t sw = 1774746000; /* 2026-03-29T01:00:00Z */
    struct rig *b = rig_new(sw - 1800);
    assert_int_equal(rig_set_num(b, "profile_period_min", 15), METER_OK);
    run(b, 3600, 1000);
    uint32_t n = profile_count(&b->v.m);
    assert_int_equal(n, 4);
    for (uint32_t i = 0; i < n; i++) {
        struct profile_entry e = entry(b, i);
        assert_int_equal(e.time, sw - 900 + (int64_t)i * 900);
        assert_int_equal((e.status & PROFILE_ST_DST) != 0, e.time >= sw); /* in force at the end instant */
    }
    rig_free(b);
}

/* Changing the period or the channels clears the profile: an audit record
 * (old/new, interface) and a profile_clear event; the same value does not. */
static void clear_on_reconfiguration(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    run(b, 3 * 3600, 2000);
    assert_int_equal(profile_count(m), 3);
    uint32_t status = evlog_count(m, EVLOG_STATUS);
    assert_int_equal(rig_set_num(b, "profile_period_min", 60), METER_OK); /* unchanged */
    assert_int_equal(profile_count(m), 3);
    assert_int_equal(evlog_count(m, EVLOG_STATUS), status);
    uint32_t audit = evlog_count(m, EVLOG_AUDIT);
    assert_int_equal(rig_set_num(b, "profile_period_min", 30), METER_OK);
    assert_int_equal(profile_count(m), 0);
    assert_int_equal(store_log_count(&m->store, RING_PROFILE), 0);
    struct evlog_rec r;
    assert_int_equal(evlog_count(m, EVLOG_AUDIT), audit + 1);
    assert_int_equal(evlog_read(m, EVLOG_AUDIT, audit, &r), METER_OK);
    assert_int_equal(r.code, EV_PARAM_CHANGE);
    assert_int_equal(r.obj, obj_packed(objtab_find_key("profile_period_min")));
    assert_int_equal(r.a, 60);
    assert_int_equal(r.b, 30);
    assert_int_equal(r.src, METER_SRC_SIM);
    assert_int_equal(evlog_count(m, EVLOG_STATUS), status + 1);
    assert_int_equal(evlog_read(m, EVLOG_STATUS, status, &r), METER_OK);
    assert_int_equal(r.code, EV_PROFILE_CLEAR);
    assert_int_equal(r.a, 30);
    assert_int_equal(r.b, 0x0f);
    run(b, 3600, 2000);
    assert_int_equal(profile_count(m), 2);
    struct profile_entry e = entry(b, 0);
    assert_int_equal(e.status & PROFILE_ST_CONFIG, PROFILE_ST_CONFIG);
    assert_int_equal(entry(b, 1).status & PROFILE_ST_CONFIG, 0);
    /* channels: cleared, smaller records, readings of the new set */
    assert_int_equal(rig_set_text(b, "profile_channels", "A+,R+"), METER_OK);
    assert_int_equal(profile_count(m), 0);
    assert_int_equal(evlog_read(m, EVLOG_STATUS, evlog_count(m, EVLOG_STATUS) - 1, &r), METER_OK);
    assert_int_equal(r.code, EV_PROFILE_CLEAR);
    assert_int_equal(r.b, 0x05);
    assert_int_equal(store_log_rec_size(&m->store, RING_PROFILE), 4);
    run(b, 1800, 2000);
    e = newest(b);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.abs[0], reading(m, MEAS_AP));
    assert_int_equal(e.abs[1], reading(m, MEAS_RP));
    /* the mode is presentation only: no clear */
    assert_int_equal(rig_set_text(b, "profile_mode", "delta"), METER_OK);
    assert_int_equal(profile_count(m), 1);
    e = newest(b);
    assert_int_equal(e.v[0], e.delta[0]);
    assert_true(e.delta[0] > 0 && e.delta[0] < e.abs[0]);
    /* a refused value changes nothing */
    assert_int_equal(rig_set_num(b, "profile_period_min", 7), METER_ERANGE);
    assert_int_equal(profile_count(m), 1);
    rig_free(b);
}

/* More than 81.91 kWh in one period: the delta saturates in its record and
 * the anchor after it carries the true reading. */
static void saturated_delta(void **state)
{
    (void)state;
    struct rig *b = rig_new(T0);
    struct meter *m = &b->v.m;
    unsigned k = 0;
    periods(b, 3, 0, &k);
    m->now += 3600;
    m->energy.total[MEAS_AP] += 10000 * STEP; /* 100 kWh */
    profile_tick(m);
    periods(b, 2, 0, &k);
    uint32_t n = profile_count(m);
    assert_int_equal(n, 6);
    struct profile_entry e = entry(b, 3), before = entry(b, 2), after = entry(b, 4);
    assert_int_equal(e.delta[0], 10000);
    assert_int_equal(e.abs[0], before.abs[0] + 10000);
    assert_int_equal(after.abs[0], e.abs[0] + after.delta[0]);
    assert_int_equal(newest(b).abs[0], reading(m, MEAS_AP));
    rig_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s31_depth_every_configuration),
        cmocka_unit_test(fill_one_channel_5min),
        cmocka_unit_test(fill_four_channels_15min),
        cmocka_unit_test(fill_two_channels_60min),
        cmocka_unit_test(status_power_failure),
        cmocka_unit_test(status_clock_set_and_adjust),
        cmocka_unit_test(status_dst),
        cmocka_unit_test(clear_on_reconfiguration),
        cmocka_unit_test(saturated_delta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
