/*
 * test_replay — waveform replay (`trimeter-sim --replay FILE.wav`): a WAV
 * file written from the synthesiser's samples of a scenario, replayed
 * through the same ADC model and DSP, gives the same registers as the
 * direct run of that scenario (same --seed), and the replay's own reference
 * (double-precision sums of the file's samples) agrees with the analytic
 * one. Also: PCM with a neutral channel and another scale, and the files
 * the simulator must refuse (channels, sample rate).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "cosem/objtab.h"
#include "replay.h"
#include "scenario.h"
#include "sim.h"
#include "wave.h"

#define SECONDS 60

/* Thirty seconds of import (Q1) then thirty of export (Q3): every quantity. */
static const char scenario_json[] =
    "{\"start\": \"2026-06-01T00:00:00+02:00\", \"timezone\": \"EU\",\n"
    " \"segments\": [{\"duration\": \"30s\", \"frequency\": 50.0,\n"
    "   \"phases\": [{\"u\": 231, \"i\": 12.5, \"phi\": 30, \"u_harmonics\": [{\"n\": 5, \"pct\": 3}],\n"
    "                \"i_harmonics\": [{\"n\": 3, \"pct\": 20}, {\"n\": 5, \"pct\": 10, \"phase\": 180}]},\n"
    "               {\"u\": 229, \"i\": 8, \"phi\": -20},\n"
    "               {\"u\": 233, \"i\": 5, \"phi\": 185}]},\n"
    "  {\"duration\": \"30s\", \"frequency\": 50.3,\n"
    "   \"phases\": [{\"u\": 232, \"i\": 10, \"phi\": 200, \"i_harmonics\": [{\"n\": 7, \"pct\": 5}]},\n"
    "               {\"u\": 230, \"i\": 3, \"phi\": 10},\n"
    "               {\"u\": 228, \"i\": 6, \"phi\": 210}]}]}\n";

struct run {
    double hires[4];   /* kWh: 1.8.0 2.8.0 3.8.0 4.8.0 before truncation */
    double shown[4];   /* the registers as read (resolution 0.01 kWh) */
    double ref[4];     /* the run's reference, kWh */
};

static char dir[256], scn[300];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* SECONDS of the scenario as the synthesiser makes it
 * (physical values, no ADC), scaled by 1/vfs, 1/afs. */
static void write_wav(const char *path, int format, int channels, int rate, double vfs, double afs)
{
    struct scenario sc;
    char err[256];
    assert_int_equal(scenario_load(scn, &sc, err, sizeof err), 0);
    struct wave_gen *g = malloc(sizeof *g);
    assert_non_null(g);
    wave_gen_init(g, METER_SAMPLE_RATE, NULL);
    size_t seg = 0;
    int64_t seg_end = 0;
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    assert_non_null(sf);
    double x[METER_CHANNELS], y[7];
    for (int n = 0; n < SECONDS * METER_SAMPLE_RATE; n++) {
        if (n % METER_SAMPLE_RATE == 0 && n / METER_SAMPLE_RATE >= seg_end) {
            /* the next segment, the fundamental's phase running on (as the sim) */
            seg = scenario_segment_at(&sc, n / METER_SAMPLE_RATE, &seg_end);
            wave_gen_load(g, sc.seg[seg].ws, sc.seg[seg].frequency, 0.0);
        }
        wave_gen_next(g, x);
        for (int c = 0; c < channels; c++)
            y[c] = x[c] / (c % 2 == 0 && c < 6 ? vfs : afs);
        assert_int_equal(sf_writef_double(sf, y, 1), 1);
    }
    sf_close(sf);
    free(g);
    scenario_free(&sc);
}

static void run_sim(const char *const *extra, int nextra, struct run *out)
{
    const char *argv[32] = {"trimeter-sim", "--scenario", scn, "--fast", "--feed", "samples", "--seed", "7"};
    int argc = 8;
    for (int k = 0; k < nextra; k++)
        argv[argc++] = extra[k];
    struct sim_opts o;
    char err[512];
    assert_int_equal(sim_parse_args(argc, (char **)argv, &o, err, sizeof err), 0);
    struct sim *s = calloc(1, sizeof *s);
    assert_non_null(s);
    assert_int_equal(sim_prepare(s, &o, err, sizeof err), SIM_EXIT_OK);
    assert_int_equal(sim_run(s, err, sizeof err), SIM_EXIT_OK);
    assert_int_equal(s->t, (int64_t)SECONDS * 1000);
    static const char *const codes[4] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0"};
    for (int q = 0; q < 4; q++) {
        const struct obj_def *d = objtab_find_str(codes[q]);
        assert_non_null(d);
        struct obj_value v, hi;
        assert_int_equal(obj_read(&s->v->m, d, METER_ACC_PUBLIC, &v), METER_OK);
        memset(&hi, 0, sizeof hi);
        assert_int_equal(d->get(&s->v->m, d, &hi), METER_OK);
        out->shown[q] = (double)v.i * pow(10.0, v.scaler - 3);
        out->hires[q] = (double)hi.i * pow(10.0, hi.scaler - 3);
        out->ref[q] = blocks_ref_kwh(&s->ref, (unsigned)q);
    }
    sim_free(s);
    free(s);
}

static double rel(double a, double b)
{
    return fabs(a - b) / fabs(b) * 100.0;
}

static void compare(const struct run *d, const struct run *r, const char *what)
{
    for (int q = 0; q < 4; q++) {
        printf("  %-10s %s  direct %.9f (ref %.9f)  replay %.9f (ref %.9f)\n", what,
               q == 0 ? "A+" : q == 1 ? "A-" : q == 2 ? "R+" : "R-", d->hires[q], d->ref[q], r->hires[q], r->ref[q]);
        /* every quantity is in use: L3 exports, L2 is capacitive */
        assert_true(d->ref[q] > 1e-3);
        /* the replay's reference from the file's samples = the analytic one */
        assert_true(rel(r->ref[q], d->ref[q]) < 0.001);
        /* the same meter on the same samples: the same energy to within the
         * time-domain ADC stage's approximation (adc_convert) */
        assert_true(rel(r->hires[q], d->hires[q]) < 0.01);
        assert_true(fabs(r->shown[q] - d->shown[q]) < 1e-9);
    }
}

/* The direct run, then the same SECONDS written to a WAV file (format,
 * channels, full scale) and replayed with extra options. */
static void replay_case(const char *name, int format, int channels, double vfs, double afs, const char *scale)
{
    struct run d, r;
    const char *until[] = {"--until", "60s"};
    run_sim(until, 2, &d);
    char wav[320];
    snprintf(wav, sizeof wav, "%s/%s.wav", dir, name);
    write_wav(wav, format, channels, METER_SAMPLE_RATE, vfs, afs);
    /* without --until the run is as long as the file */
    const char *rp[] = {"--replay", wav, "--replay-scale", scale};
    run_sim(rp, scale != NULL ? 4 : 2, &r);
    compare(&d, &r, name);
}

static void replay_float_equals_direct(void **state)
{
    (void)state;
    replay_case("float6", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 6, REPLAY_SCALE_V, REPLAY_SCALE_A, NULL);
}

static void replay_pcm_with_neutral_and_scale(void **state)
{
    (void)state;
    replay_case("pcm24_7ch", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 7, 400.0, 50.0, "400,50");
}

static void refused(int argc, const char **argv, const char *why)
{
    struct sim_opts o;
    char err[512] = "";
    assert_int_not_equal(sim_parse_args(argc, (char **)argv, &o, err, sizeof err), 0);
    printf("  refused: %s\n", err);
    if (why != NULL)
        assert_non_null(strstr(err, why));
    assert_null(o.source.close); /* a refused command line leaves nothing allocated */
    assert_null(o.source.ctx);
}

static void replay_refuses_bad_files(void **state)
{
    (void)state;
    char wav[320];
    snprintf(wav, sizeof wav, "%s/rate.wav", dir);
    write_wav(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 6, 8000, 600, 200);
    const char *a1[] = {"trimeter-sim", "--replay", wav};
    refused(3, a1, "sample rate");
    snprintf(wav, sizeof wav, "%s/ch.wav", dir);
    write_wav(wav, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4, METER_SAMPLE_RATE, 600, 200);
    const char *a2[] = {"trimeter-sim", "--replay", wav};
    refused(3, a2, "channels");
    const char *a3[] = {"trimeter-sim", "--replay", "/nonexistent/x.wav"};
    refused(3, a3, NULL);
    const char *a4[] = {"trimeter-sim", "--replay-scale", "230"};
    refused(3, a4, "VOLTS,AMPS");
    const char *a5[] = {"trimeter-sim", "--replay-scale", "-1,5"};
    refused(3, a5, "VOLTS,AMPS");
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/replay.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(scn, sizeof scn, "%s/steady.json", dir);
    write_file(scn, scenario_json);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_float_equals_direct),
        cmocka_unit_test(replay_pcm_with_neutral_and_scale),
        cmocka_unit_test(replay_refuses_bad_files),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
