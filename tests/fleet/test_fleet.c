/*
 * test_fleet — trimeter-fleet at register level (ports/fleet): a feeder
 * outage of a small fleet (every meter of the feeder logs it, no register
 * goes backwards, every meter runs and is reachable again), resume with the
 * registers intact, the slot store, variation, sags and clocks, and the
 * fleet file's refusals. The network side is in net.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "fleet.h"

static char tmpdir[256];

static void put_file(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A steady 10 A import on three phases, one hour that repeats. */
static const char *const tmpl_steady =
    "{\"start\": \"2026-02-10T06:00:00+02:00\", \"timezone\": \"EU\","
    " \"config\": {\"profile_period_min\": 15},"
    " \"segments\": [{\"duration\": \"1h\", \"phases\": {\"u\": 230, \"i\": 10, \"phi\": 10}}]}";

/* Parse args (NULL-terminated) and prepare + start a fleet. */
static struct fleet *fleet_up(const char *const *args, int expect)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"test_fleet";
    for (; *args != NULL; args++)
        argv[argc++] = (char *)*args;
    struct fleet_opts o;
    char err[512];
    assert_int_equal(fleet_parse_args(argc, argv, &o, err, sizeof err), 0);
    struct fleet *f = calloc(1, sizeof *f);
    assert_non_null(f);
    int r = fleet_prepare(f, &o, err, sizeof err);
    if (expect != FLEET_EXIT_OK) {
        assert_int_equal(r, expect);
        fleet_free(f);
        free(f);
        return NULL;
    }
    if (r != 0)
        fail_msg("prepare: %s", err);
    if (fleet_start(f, err, sizeof err) != 0)
        fail_msg("start: %s", err);
    return f;
}

static void fleet_down(struct fleet *f)
{
    fleet_free(f);
    free(f);
}

static int count_code(const struct meter *m, enum evlog_log log, enum evlog_code code, int32_t *last_a)
{
    int k = 0;
    struct evlog_rec r;
    for (uint32_t i = 0; i < evlog_count(m, log); i++)
        if (evlog_read(m, log, i, &r) == METER_OK && r.code == code) {
            k++;
            if (last_a != NULL)
                *last_a = r.a;
        }
    return k;
}

/* ---- the feeder outage -------------------------------------------------------- */

static void feeder_outage(void **state)
{
    (void)state;
    char tmpl[512], plan[512];
    put_file("steady.json", tmpl_steady, tmpl, sizeof tmpl);
    put_file("outage.json",
             "{\"feeder_size\": 10, \"events\": ["
             " {\"at\": \"10m\", \"type\": \"outage\", \"feeders\": \"1-2\", \"duration\": \"5m\"}]}",
             plan, sizeof plan);
    const char *args[] = {"--meters", "40", "--fast", "--summary-every", "0", "--scenario", tmpl, "--fleet", plan,
                          "--vary", "3", NULL};
    struct fleet *f = fleet_up(args, FLEET_EXIT_OK);
    uint64_t prev[40][MEAS_QTY];
    int64_t prev_bill[40];
    const struct obj_def *o180 = objtab_find_str("1.8.0");
    assert_non_null(o180);
    for (uint32_t i = 0; i < 40; i++) {
        memcpy(prev[i], f->mt[i].m.energy.total, sizeof prev[i]);
        prev_bill[i] = 0;
    }
    bool saw_off = false;
    for (int64_t t = 1; t <= 30 * 60; t++) {
        fleet_run_to(f, t * 1000);
        for (uint32_t i = 0; i < 40; i++) {
            const struct fleet_meter *fm = &f->mt[i];
            bool feeder = i >= 10 && i < 30;
            if (fm->state != FM_ON) {
                assert_true(feeder);
                assert_true(t >= 600 && t < 900); /* no block of [600 s, 900 s) */
                saw_off = true;
                continue;
            }
            /* the registers in RAM and as a client reads them */
            for (int q = 0; q < MEAS_QTY; q++) {
                assert_true(fm->m.energy.total[q] >= prev[i][q]);
                prev[i][q] = fm->m.energy.total[q];
            }
            struct obj_value v;
            assert_int_equal(obj_read(&fm->m, o180, METER_ACC_PUBLIC, &v), METER_OK);
            assert_true(v.i >= prev_bill[i]);
            prev_bill[i] = v.i;
        }
    }
    assert_true(saw_off);
    for (uint32_t i = 0; i < 40; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        bool feeder = i >= 10 && i < 30;
        int32_t dur = -1;
        assert_int_equal(fm->state, FM_ON);
        assert_int_equal(fm->power_ups, feeder ? 1u : 0u);
        /* every meter of the feeder logs the outage with its length */
        assert_int_equal(count_code(&fm->m, EVLOG_QUALITY, EV_OUTAGE_END, &dur), feeder ? 1 : 0);
        if (feeder)
            assert_true(dur >= 299 && dur <= 301);
        /* nothing measured is lost: the registers hold what was fed */
        for (int q = 0; q < MEAS_QTY; q++)
            assert_int_equal((int64_t)fm->m.energy.total[q], fm->fed_uwh[q]);
        /* the meter's clock came through on its backup */
        assert_int_equal(fm->m.now, f->sc.start_utc + 30 * 60);
        assert_int_equal(fm->m.status & (METER_ST_NVM_CORRUPT | METER_ST_NVM_FAIL | METER_ST_CLOCK_INVALID), 0);
    }
    assert_int_equal(f->stats.power_downs, 20);
    assert_int_equal(f->stats.boots, 20);
    fleet_down(f);
}

/* ---- resume --------------------------------------------------------------------- */

static void resume_keeps_registers(void **state)
{
    (void)state;
    char tmpl[512], dir[512];
    put_file("steady.json", tmpl_steady, tmpl, sizeof tmpl);
    snprintf(dir, sizeof dir, "%s/state", tmpdir);
    const char *args[] = {"--meters", "12", "--fast", "--summary-every", "0", "--scenario", tmpl, "--state-dir", dir,
                          "--vary", "9", "--until", "20m", "--serial-base", "30000000", NULL};
    struct fleet *f = fleet_up(args, FLEET_EXIT_OK);
    assert_false(f->st.existed);
    fleet_run_to(f, f->end_ms);
    uint64_t tot[12][MEAS_QTY];
    for (uint32_t i = 0; i < 12; i++) {
        memcpy(tot[i], f->mt[i].m.energy.total, sizeof tot[i]);
        assert_true(tot[i][MEAS_AP] > 0);
    }
    fleet_down(f);

    f = fleet_up(args, FLEET_EXIT_OK);
    assert_true(f->st.existed);
    assert_int_equal(f->t0_ms, 20 * 60 * 1000); /* the time line goes on */
    for (uint32_t i = 0; i < 12; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        assert_int_equal(fm->m.serial, 30000000u + i);
        assert_memory_equal(fm->m.energy.total, tot[i], sizeof tot[i]);
        assert_int_equal(fm->m.status & (METER_ST_NVM_CORRUPT | METER_ST_NVM_FAIL), 0);
        assert_int_equal(fm->m.now, f->sc.start_utc + 20 * 60);
    }
    fleet_run_to(f, f->end_ms);
    for (uint32_t i = 0; i < 12; i++)
        for (int q = 0; q < MEAS_QTY; q++)
            assert_int_equal((int64_t)(f->mt[i].m.energy.total[q] - tot[i][q]), f->mt[i].fed_uwh[q]);
    fleet_down(f);

    /* another serial base on the same state is refused before anything is touched */
    const char *other[] = {"--meters", "12", "--fast", "--scenario", tmpl, "--state-dir", dir, NULL};
    fleet_up(other, FLEET_EXIT_BAD_INPUT);
}

/* ---- the slot store --------------------------------------------------------------- */

static void store_slots(void **state)
{
    (void)state;
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/slots", tmpdir);
    struct fleet_store s;
    char err[256];
    memset(&s, 0, sizeof s);
    s.hdr.serial_base = 1;
    assert_int_equal(fleet_store_open(&s, dir, 3, err, sizeof err), 0);
    uint64_t w[3][2] = {{0, 0}, {0, 0}, {0, 0}};
    uint8_t b[600];
    /* an erased part reads 0xFF and costs no disk */
    assert_int_equal(fleet_store_read(&s, 1, w[1], 1000, b, 16), METER_OK);
    for (int k = 0; k < 16; k++)
        assert_int_equal(b[k], 0xff);
    assert_true(fleet_store_disk_bytes(&s) <= 3u * FLEET_BLK);
    uint8_t data[8] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x55, 0xaa};
    assert_int_equal(fleet_store_program(&s, 1, w[1], 8192 + 100, data, sizeof data), METER_OK);
    assert_int_equal(w[1][0], 1ull << 2);
    assert_int_equal(w[0][0] | w[2][0], 0);
    assert_int_equal(fleet_store_read(&s, 1, w[1], 8192 + 98, b, 12), METER_OK);
    assert_int_equal(b[0], 0xff);
    assert_memory_equal(b + 2, data, sizeof data);
    assert_int_equal(b[10], 0xff);
    /* the neighbours are untouched */
    assert_int_equal(fleet_store_read(&s, 2, w[2], 8192 + 100, b, 8), METER_OK);
    assert_int_equal(b[0], 0xff);
    /* the part's page rule, and the slot's end */
    assert_int_equal(fleet_store_program(&s, 0, w[0], 510, data, 4), METER_EINVAL);
    assert_int_equal(fleet_store_program(&s, 0, w[0], FLEET_SLOT_BYTES - 2, data, 4), METER_EINVAL);
    assert_int_equal(fleet_store_read(&s, 3, w[0], 0, b, 1), METER_EINVAL);
    fleet_store_close(&s);
    /* on disk: inverted (a hole is erased); found again with SEEK_DATA */
    snprintf(path, sizeof path, "%s/fleet.eeprom", dir);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long)(FLEET_HDR_BYTES + FLEET_SLOT_BYTES + 8192 + 100), SEEK_SET), 0);
    assert_int_equal(fread(b, 1, 8, fp), 8);
    fclose(fp);
    for (int k = 0; k < 8; k++)
        assert_int_equal(b[k], (uint8_t)~data[k]);
    memset(&s, 0, sizeof s);
    assert_int_equal(fleet_store_open(&s, dir, 3, err, sizeof err), 0);
    assert_true(s.existed);
    uint64_t again[2];
    fleet_store_scan(&s, 1, again);
    assert_int_equal(again[0], 1ull << 2);
    fleet_store_scan(&s, 0, again);
    assert_int_equal(again[0] | again[1], 0);
    /* a second fleet on the same state is refused */
    struct fleet_store t;
    memset(&t, 0, sizeof t);
    assert_int_equal(fleet_store_open(&t, dir, 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "in use"));
    fleet_store_close(&s);
}

/* ---- variation -------------------------------------------------------------------- */

static void variation_is_seeded(void **state)
{
    (void)state;
    struct fleet_plan p;
    char err[256];
    assert_int_equal(fleet_plan_load(&p, NULL, err, sizeof err), 0);
    struct fleet_var a, b, c;
    unsigned pv = 0, shifted = 0;
    for (uint32_t i = 0; i < 2000; i++) {
        fleet_vary(&p, true, 42, i, &a);
        fleet_vary(&p, true, 42, i, &b);
        assert_memory_equal(&a, &b, sizeof a); /* a meter's draw depends on (seed, i) alone */
        for (int k = 0; k < 3; k++)
            assert_true(a.scale[k] >= 0.5f * 0.85f - 1e-6f && a.scale[k] <= 1.5f * 1.15f + 1e-6f);
        assert_true(a.shift_s >= -1800 && a.shift_s <= 1800);
        pv += (a.tags & 1u) != 0;
        shifted += a.shift_s != 0;
        fleet_vary(&p, true, 43, i, &c);
        if (i == 7)
            assert_true(memcmp(&a, &c, sizeof a) != 0);
    }
    /* the pv share (0.3) of 2000 meters: well inside 0.3 +- 5 sigma */
    assert_true(pv > 600 - 105 && pv < 600 + 105);
    assert_true(shifted > 1900);
    /* without --vary every meter is the template (all segments included) */
    fleet_vary(&p, false, 42, 5, &a);
    assert_true(a.scale[0] == 1.0f && a.scale[1] == 1.0f && a.shift_s == 0 && a.tags == 0xff && a.drift_ppb == 0);
    fleet_plan_free(&p);
}

/* Tagged segments: a meter without "pv" sees the untagged load before it. */
static void tagged_segments(void **state)
{
    (void)state;
    char tmpl[512], plan[512];
    put_file("tags.json",
             "{\"start\": \"2026-06-10T00:00:00+02:00\", \"segments\": ["
             " {\"duration\": \"1h\", \"phases\": {\"i\": 4}},"
             " {\"duration\": \"1h\", \"tag\": \"pv\", \"phases\": {\"i\": 6, \"phi\": 180}}]}",
             tmpl, sizeof tmpl);
    put_file("tagplan.json", "{\"vary\": {\"load_scale\": [1, 1], \"imbalance_pct\": 0, \"time_shift\": \"0s\","
                             " \"tags\": {\"pv\": 0.5}}}", plan, sizeof plan);
    const char *args[] = {"--meters", "16", "--fast", "--summary-every", "0", "--scenario", tmpl, "--fleet", plan,
                          "--vary", "5", NULL};
    struct fleet *f = fleet_up(args, FLEET_EXIT_OK);
    fleet_run_to(f, 2 * 3600 * 1000);
    unsigned with = 0;
    int64_t ap_without = -1;
    for (uint32_t i = 0; i < 16; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        bool pv = (fm->var.tags & 1u) != 0;
        with += pv;
        if (pv) {
            assert_true(fm->fed_uwh[MEAS_AN] > 0); /* exports in the PV hour */
        } else {
            /* two hours of the 4 A import, like every meter without PV */
            assert_int_equal(fm->fed_uwh[MEAS_AN], 0);
            if (ap_without < 0)
                ap_without = fm->fed_uwh[MEAS_AP];
            assert_int_equal(fm->fed_uwh[MEAS_AP], ap_without);
        }
    }
    assert_true(with > 0 && with < 16);
    fleet_down(f);

    /* every segment tagged: nothing to fall back to */
    put_file("alltags.json", "{\"segments\": [{\"duration\": \"1h\", \"tag\": \"ev\"}]}", tmpl, sizeof tmpl);
    const char *bad[] = {"--meters", "2", "--scenario", tmpl, NULL};
    fleet_up(bad, FLEET_EXIT_BAD_INPUT);
}

/* ---- sags, billing and clocks ------------------------------------------------------- */

static void sag_billing_clock(void **state)
{
    (void)state;
    char tmpl[512], plan[512];
    put_file("steady.json", tmpl_steady, tmpl, sizeof tmpl);
    put_file("events.json",
             "{\"feeder_size\": 4, \"vary\": {\"clock_drift_ppm\": 100},"
             " \"events\": ["
             "  {\"at\": \"2m\", \"type\": \"sag\", \"feeders\": \"0\", \"duration\": \"3s\", \"pct\": 50},"
             "  {\"at\": \"5m\", \"type\": \"remote\", \"command\": \"billing_reset\"},"
             "  {\"at\": \"9m\", \"type\": \"clock_sync\", \"meters\": \"4-7\"}]}",
             plan, sizeof plan);
    const char *args[] = {"--meters", "8", "--fast", "--summary-every", "0", "--scenario", tmpl, "--fleet", plan,
                          "--vary", "11", NULL};
    struct fleet *f = fleet_up(args, FLEET_EXIT_OK);
    uint32_t bills[8];
    for (uint32_t i = 0; i < 8; i++)
        bills[i] = f->mt[i].m.billing.count;
    fleet_run_to(f, 10 * 60 * 1000);
    for (uint32_t i = 0; i < 8; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        /* the sag: every phase of feeder 0, nobody else */
        assert_int_equal(count_code(&fm->m, EVLOG_QUALITY, EV_SAG_START, NULL), i < 4 ? 3 : 0);
        /* the billing period closed on every meter at once */
        assert_int_equal(fm->m.billing.count, bills[i] + 1u);
        /* drifting clocks, except the ones a head-end synchronised */
        int64_t err_s = fm->m.now - (f->sc.start_utc + 600);
        if (i >= 4)
            assert_true(err_s >= -1 && err_s <= 1);
        assert_true(fm->var.drift_ppb != 0);
    }
    fleet_down(f);
}

/* ---- the samples feed for a chosen few ------------------------------------------------ */

static void samples_feed_meter(void **state)
{
    (void)state;
    char tmpl[512];
    put_file("steady.json", tmpl_steady, tmpl, sizeof tmpl);
    const char *args[] = {"--meters", "3", "--fast", "--summary-every", "0", "--scenario", tmpl, "--samples", "1",
                          "--vary", "2", NULL};
    struct fleet *f = fleet_up(args, FLEET_EXIT_OK);
    assert_null(f->mt[0].smp);
    assert_non_null(f->mt[1].smp);
    fleet_run_to(f, 120 * 1000);
    for (uint32_t i = 0; i < 3; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        double reg = (double)fm->m.energy.total[MEAS_AP], fed = (double)fm->fed_uwh[MEAS_AP];
        assert_true(fed > 0);
        if (i == 1) {
            /* waveforms -> ADC model -> DSP: within the class's error, not exact */
            assert_true(reg != fed);
            assert_true(reg > fed * 0.999 && reg < fed * 1.001);
            assert_true((fm->m.block.flags & MEAS_F_SAMPLES) != 0);
        } else {
            assert_true(reg == fed);
        }
    }
    fleet_down(f);
}

/* ---- refusals of the fleet file ----------------------------------------------------- */

static void expect_plan_error(const char *text, const char *needle)
{
    char plan[512], err[512];
    put_file("bad.json", text, plan, sizeof plan);
    struct fleet_plan p;
    int r = fleet_plan_load(&p, plan, err, sizeof err);
    if (r == 0) {
        struct scenario sc;
        assert_int_equal(scenario_parse("{\"segments\": [{\"duration\": \"1h\"}]}", "t.json", &sc, err, sizeof err), 0);
        r = fleet_plan_merge_template(&p, &sc, err, sizeof err);
        scenario_free(&sc);
    }
    fleet_plan_free(&p);
    assert_int_equal(r, -1);
    if (strstr(err, needle) == NULL)
        fail_msg("\"%s\" not in \"%s\"", needle, err);
    assert_non_null(strstr(err, "bad.json"));
}

static void plan_refusals(void **state)
{
    (void)state;
    expect_plan_error("{\"colour\": 1}", "colour");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"meteor\"}]}", "events[0].type");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"outage\"}]}", "events[0].duration");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"outage\", \"duration\": \"1m\", \"feeders\": \"1\"}]}",
                      "feeder_size");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"sag\", \"duration\": \"1s\", \"pct\": 120}]}",
                      "events[0].pct");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"outage\", \"duration\": \"1m\", \"meters\": \"5-2\"}]}",
                      "events[0].meters");
    expect_plan_error("{\"events\": [{\"at\": \"1m\", \"type\": \"outage\", \"duration\": \"10m\"},"
                      " {\"at\": \"5m\", \"type\": \"outage\", \"duration\": \"1m\"}]}",
                      "events[1]");
    expect_plan_error("{\"vary\": {\"load_scale\": [2, 1]}}", "vary.load_scale");
    expect_plan_error("{\"network\": {\"unreachable\": 0.7, \"slow\": 0.5}}", "network");
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_fleet.XXXXXX");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(feeder_outage),
        cmocka_unit_test(resume_keeps_registers),
        cmocka_unit_test(store_slots),
        cmocka_unit_test(variation_is_seeded),
        cmocka_unit_test(tagged_segments),
        cmocka_unit_test(sag_billing_clock),
        cmocka_unit_test(samples_feed_meter),
        cmocka_unit_test(plan_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
