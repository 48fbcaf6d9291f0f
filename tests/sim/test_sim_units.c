/* Units of the simulator shell: durations, times, the command line, the
 * scenario reader's defaults and shapes, and the exact blocks. Bad-input
 * classes end to end (exit 2, one line, no state) are in cli.sh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blocks.h"
#include "scenario.h"
#include "sim.h"

static int64_t dur(const char *s)
{
    int64_t v = -1;
    const char *why;
    return scenario_parse_duration(s, &v, &why) == 0 ? v : -1;
}

static void durations(void **state)
{
    (void)state;
    assert_int_equal(dur("45s"), 45);
    assert_int_equal(dur("1h30m"), 5400);
    assert_int_equal(dur("2d"), 172800);
    assert_int_equal(dur("1d2h3m4s"), 93784);
    assert_int_equal(dur("0s"), 0);
    assert_int_equal(dur("90m"), 5400);
    assert_int_equal(dur(""), -1);
    assert_int_equal(dur("1h30"), -1);   /* number without unit */
    assert_int_equal(dur("30m1h"), -1);  /* order */
    assert_int_equal(dur("1h1h"), -1);   /* twice */
    assert_int_equal(dur("5x"), -1);
    assert_int_equal(dur("h"), -1);
    assert_int_equal(dur("-5m"), -1);
    assert_int_equal(dur("1.5h"), -1);
    assert_int_equal(dur("99999999999d"), -1);
}

static void iso_times(void **state)
{
    (void)state;
    int64_t t;
    int off;
    const char *why;
    assert_int_equal(scenario_parse_time("2026-03-29T00:00:00+02:00", &t, &off, &why), 0);
    assert_int_equal(t, 1774735200); /* 2026-03-28T22:00:00Z */
    assert_int_equal(off, 120);
    assert_int_equal(scenario_parse_time("2026-03-28T22:00:00Z", &t, &off, &why), 0);
    assert_int_equal(t, 1774735200);
    assert_int_equal(off, 0);
    assert_int_equal(scenario_parse_time("2026-01-01T00:00:00-05:30", &t, &off, &why), 0);
    assert_int_equal(off, -330);
    assert_int_equal(scenario_parse_time("2026-03-29T00:00:00", &t, &off, &why), -1); /* no offset */
    assert_int_equal(scenario_parse_time("2026-03-29T00:00+02:00", &t, &off, &why), -1);   /* no seconds */
    assert_int_equal(scenario_parse_time("2026-02-29T00:00:00Z", &t, &off, &why), -1);     /* not a leap year */
    assert_int_equal(scenario_parse_time("2026-03-29T24:00:00Z", &t, &off, &why), -1);
    assert_int_equal(scenario_parse_time("2026-03-29 00:00:00Z", &t, &off, &why), -1);
    assert_int_equal(scenario_parse_time("2026-03-29T00:00:00+0200", &t, &off, &why), -1);
    assert_int_equal(scenario_parse_time("2026-03-29T00:00:00+15:00", &t, &off, &why), -1);

    /* local presentation: the EU switch on 2026-03-29 at 01:00 UTC */
    struct clock_zone z = {.std_offset_min = 120, .mode = CLOCK_DST_EU};
    char buf[40];
    scenario_format_local(&z, 1774735200 + 3 * 3600 - 1, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-29T02:59:59+02:00");
    scenario_format_local(&z, 1774735200 + 3 * 3600, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-29T04:00:00+03:00");
}

static int parse(int argc, const char **argv, struct sim_opts *o, char *err)
{
    return sim_parse_args(argc, (char **)argv, o, err, 256);
}

static void command_line(void **state)
{
    (void)state;
    struct sim_opts o;
    char err[256];
    const char *a1[] = {"sim", "--scenario", "x.json", "--fast", "--json", "--until", "1h30m", "--feed", "blocks",
                        "--seed", "42", "--state=/tmp/s.eeprom"};
    assert_int_equal(parse(12, a1, &o, err), 0);
    assert_string_equal(o.scenario, "x.json");
    assert_true(o.fast && o.json && !o.headless);
    assert_true(o.until_set && !o.until_abs);
    assert_int_equal(o.until, 5400);
    assert_int_equal(o.feed, SIM_FEED_BLOCKS);
    assert_true(o.seed_set);
    assert_int_equal(o.seed, 42);
    assert_string_equal(o.state, "/tmp/s.eeprom");

    const char *a2[] = {"sim", "--until", "2026-03-30T00:00:00+02:00", "--headless"};
    assert_int_equal(parse(4, a2, &o, err), 0);
    assert_true(o.until_abs && o.headless);
    assert_int_equal(o.until, 1774735200 + 86400);
    assert_null(o.scenario);
    assert_int_equal(o.feed, SIM_FEED_AUTO);

    const char *bad[][3] = {{"sim", "--nope", NULL},     {"sim", "--feed", "x"},    {"sim", "--until", "1y"},
                            {"sim", "--seed", "abc"},     {"sim", "file.json", NULL}, {"sim", "--fast=1", NULL},
                            {"sim", "--scenario", NULL}, {"sim", "--state", ""}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int argc = bad[k][2] != NULL ? 3 : 2;
        err[0] = '\0';
        assert_int_equal(parse(argc, bad[k], &o, err), -1);
        assert_non_null(strstr(err, "command line"));
    }
    /* every option of the table is reachable and documented */
    for (const struct cli_option *p = sim_options; p->name != NULL; p++) {
        assert_true(strncmp(p->name, "--", 2) == 0);
        assert_non_null(p->apply);
        assert_true(strlen(p->help) > 0);
    }
}

static void scenario_shapes(void **state)
{
    (void)state;
    struct scenario sc;
    char err[SCN_ERR_MAX];
    const char *text =
        "{\"start\": \"2026-01-01T00:00:00+02:00\", \"timezone\": \"none\","
        " \"segments\": ["
        "  {\"duration\": \"1h\", \"frequency\": 60, \"phases\": {\"i\": 5, \"angle\": 10}},"
        "  {\"duration\": \"30m\", \"phases\": [{\"u\": 220}, {}, {\"angle\": 100, \"i\": 2, \"phi\": 180}]},"
        "  {\"duration\": \"30m\"}],"
        " \"events\": [{\"at\": \"2h\", \"type\": \"cover_close\"}, {\"at\": \"1h\", \"type\": \"cover_open\"},"
        "              {\"at\": \"1h\", \"type\": \"magnet_on\"}]}";
    assert_int_equal(scenario_parse(text, "t.json", &sc, err, sizeof err), 0);
    assert_int_equal(sc.zone.mode, CLOCK_DST_NONE);
    assert_int_equal(sc.zone.std_offset_min, 120);
    assert_int_equal(sc.nseg, 3);
    assert_int_equal(sc.period_s, 7200);
    /* one object: all three, voltages 120 degrees apart from the given angle */
    assert_true(fabs(sc.seg[0].ph[0].angle_deg - 10) < 1e-12);
    assert_true(fabs(sc.seg[0].ph[1].angle_deg + 110) < 1e-12);
    assert_true(fabs(sc.seg[0].ph[2].angle_deg - 130) < 1e-12);
    assert_true(fabs(sc.seg[0].ph[2].i - 5) < 1e-12);
    /* three objects: defaults 230 V, 0 A, angles 0/-120/+120 unless given */
    assert_true(fabs(sc.seg[1].ph[0].u - 220) < 1e-12);
    assert_true(fabs(sc.seg[1].ph[1].u - 230) < 1e-12 && sc.seg[1].ph[1].i == 0);
    assert_true(fabs(sc.seg[1].ph[1].angle_deg + 120) < 1e-12);
    assert_true(fabs(sc.seg[1].ph[2].angle_deg - 100) < 1e-12);
    /* frequency inherits */
    assert_true(sc.seg[1].frequency == 60 && sc.seg[2].frequency == 60);
    /* segments repeat */
    int64_t end;
    assert_int_equal(scenario_segment_at(&sc, 0, &end), 0);
    assert_int_equal(end, 3600);
    assert_int_equal(scenario_segment_at(&sc, 3600, &end), 1);
    assert_int_equal(scenario_segment_at(&sc, 7199, &end), 2);
    assert_int_equal(scenario_segment_at(&sc, 7200 + 5400, &end), 2);
    assert_int_equal(end, 14400);
    /* events sorted by time, file order kept for equal times */
    assert_int_equal(sc.nev, 3);
    assert_int_equal(sc.ev[0].type, SCN_EV_COVER_OPEN);
    assert_int_equal(sc.ev[1].type, SCN_EV_MAGNET_ON);
    assert_int_equal(sc.ev[2].type, SCN_EV_COVER_CLOSE);
    assert_string_equal(sc.ev[2].path, "events[0]");
    scenario_free(&sc);
}

static void scenario_errors_name_the_path(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"segments\": [{\"duration\": \"1h\", \"phases\": [{}, {}, {\"phi\": \"x\"}]}]}", "t.json: segments[0].phases[2].phi: must be a number"},
        {"{\"segments\": [{\"duration\": \"1h\"}], \"events\": [{\"type\": \"outage\", \"duration\": \"1m\"}]}", "t.json: events[0].at: missing"},
        {"{\"segments\": [{\"duration\": \"1h\"}], \"events\": [{\"at\": \"1m\"}]}", "t.json: events[0].type: missing"},
        {"{\"segments\": []}", "t.json: segments: must be a non-empty array"},
        {"{\"segments\": [{\"duration\": \"1h\", \"phases\": {\"shape\": \"burst\", \"on_cycles\": 2}}]}", "segments[0].phases.off_cycles: missing"},
        {"{\"segments\": [{\"duration\": \"1h\", \"phases\": {\"i_harmonics\": [{\"n\": 3, \"pct\": 1}, {\"n\": 3, \"pct\": 2}]}}]}", "i_harmonics[1].n: harmonic 3 listed twice"},
        {"{\"segments\": [{\"duration\": \"1h\", \"phases\": {\"u\": 1e999}}]}", "segments[0].phases.u"},
        {"{\"segments\": [{\"duration\": \"1h\"}], \"config\": [1]}", "t.json: config: must be an object"},
        {"{\"segments\": [{\"duration\": \"1h\"}], \"events\": [{\"at\": \"1m\", \"type\": \"remote\", \"command\": \"topup\"}]}", "events[0].kwh: missing"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct scenario sc;
        char err[SCN_ERR_MAX] = "";
        assert_int_equal(scenario_parse(cases[k].text, "t.json", &sc, err, sizeof err), -1);
        if (strstr(err, cases[k].want) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", k, err, cases[k].want);
        assert_null(strchr(err, '\n'));
        scenario_free(&sc);
    }
}

static void build(struct wave_set *ws, double u, const double i[3], const double phi[3], const double ang[3])
{
    struct wave_phase_params p[3];
    char err[100];
    memset(p, 0, sizeof p);
    for (int k = 0; k < 3; k++) {
        p[k].u = u;
        p[k].i = i[k];
        p[k].phi_deg = phi[k];
        p[k].angle_deg = ang[k];
    }
    assert_int_equal(wave_build(ws, p, err, sizeof err), 0);
}

/* Whole-uWh blocks carry their remainders: N blocks add up to the exact
 * energy within 1 uWh; totals are net across phases. */
static void blocks_exact_and_net(void **state)
{
    (void)state;
    static struct wave_set ws;
    struct blocks_seg bs;
    struct blocks bk;
    struct meas_block b;
    const double i[3] = {7.3, 2.1, 5.55}, phi[3] = {31.0, 200.0, -12.0}, ang[3] = {0, -120, 120};
    build(&ws, 231.7, i, phi, ang);
    blocks_prepare(&bs, &ws, 50.0);
    memset(&bk, 0, sizeof bk);
    int64_t sum_ph[3][MEAS_QTY] = {{0}}, sum_tot[MEAS_QTY] = {0};
    const int n = 100000;
    for (int s = 0; s < n; s++) {
        blocks_next(&bk, &bs, &b);
        for (int q = 0; q < MEAS_QTY; q++) {
            sum_tot[q] += b.e[q];
            for (int k = 0; k < 3; k++)
                sum_ph[k][q] += b.ph[k].e[q];
        }
    }
    double ptot = 0, qtot = 0;
    for (int k = 0; k < 3; k++) {
        double p = 231.7 * i[k] * cos(phi[k] * M_PI / 180), q = 231.7 * i[k] * sin(phi[k] * M_PI / 180);
        ptot += p;
        qtot += q;
        double want[4] = {p > 0 ? p : 0, p < 0 ? -p : 0, q > 0 ? q : 0, q < 0 ? -q : 0};
        for (int qq = 0; qq < MEAS_QTY; qq++)
            assert_true(fabs((double)sum_ph[k][qq] - want[qq] * n / 3600 * 1e6) <= 1.0);
    }
    double want_tot[4] = {ptot > 0 ? ptot : 0, ptot < 0 ? -ptot : 0, qtot > 0 ? qtot : 0, qtot < 0 ? -qtot : 0};
    for (int q = 0; q < MEAS_QTY; q++)
        assert_true(fabs((double)sum_tot[q] - want_tot[q] * n / 3600 * 1e6) <= 1.0);
    /* net: L2 exports, so the total import is less than the sum of the phases' imports */
    assert_true(sum_tot[MEAS_AP] < sum_ph[0][MEAS_AP] + sum_ph[2][MEAS_AP]);
    assert_int_equal(b.p_mw, (int32_t)llround(ptot * 1000));
    assert_int_equal(b.ph[0].u_mv, 231700);
    assert_int_equal(b.ph[1].i_ua, 2100000);
    assert_int_equal(b.ph[0].phi_mdeg, 31000);
    assert_int_equal(b.ph[1].phi_mdeg, -160000);
    assert_int_equal(b.ph[1].u_angle_mdeg, -120000);
    assert_int_equal(b.f_mhz, 50000);
    assert_int_equal(b.quadrant, 1);
    assert_int_equal(b.flags & (MEAS_F_REVERSE_SEQ | MEAS_F_CREEP | MEAS_F_NO_FREQ), 0);

    struct blocks_ref r;
    memset(&r, 0, sizeof r);
    blocks_ref_add(&r, &bs, n);
    assert_true(fabs(blocks_ref_kwh(&r, MEAS_AP) - want_tot[0] * n / 3600 / 1000) < 1e-12 * n);
}

static void blocks_flags(void **state)
{
    (void)state;
    static struct wave_set ws;
    struct blocks_seg bs;
    const double none[3] = {0, 0, 0}, rev[3] = {0, 120, -120}, one[3] = {10, 0, 0};
    build(&ws, 230, none, none, rev);
    blocks_prepare(&bs, &ws, 50.0);
    assert_true(bs.tmpl.flags & MEAS_F_REVERSE_SEQ);
    assert_true(bs.tmpl.flags & MEAS_F_CREEP);
    assert_int_equal(bs.tmpl.quadrant, 0);
    assert_int_equal(bs.tmpl.u0_mv, 0);
    /* one phase loaded: the neutral carries its current */
    const double fwd[3] = {0, -120, 120};
    build(&ws, 230, one, none, fwd);
    blocks_prepare(&bs, &ws, 50.0);
    assert_int_equal(bs.tmpl.in_ua, 10000000);
    assert_int_equal(bs.tmpl.flags & (MEAS_F_REVERSE_SEQ | MEAS_F_CREEP), 0);
    /* no voltage at all */
    build(&ws, 0, none, none, fwd);
    blocks_prepare(&bs, &ws, 50.0);
    assert_true(bs.tmpl.flags & MEAS_F_NO_FREQ);
    assert_true(bs.tmpl.flags & MEAS_F_NO_VOLTAGE_L1);
    assert_true(bs.tmpl.flags & MEAS_F_NO_VOLTAGE_L3);
    assert_int_equal(bs.tmpl.f_mhz, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),
        cmocka_unit_test(iso_times),
        cmocka_unit_test(command_line),
        cmocka_unit_test(scenario_shapes),
        cmocka_unit_test(scenario_errors_name_the_path),
        cmocka_unit_test(blocks_exact_and_net),
        cmocka_unit_test(blocks_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
