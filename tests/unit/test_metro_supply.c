/* The virtual meter's metrology in trimeter-sim's samples feed: a
 * factory-fresh meter is calibrated by the factory procedure at its first
 * power-up and keeps those constants (through the store) when it is
 * resumed; an outage gives the supply monitor's warning SIM_PFAIL_DETECT_MS
 * after the mains goes, the emergency save fits the SIM_HOLDUP_MS hold-up,
 * and no energy is lost across it. */
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

#include "adc.h"
#include "calib.h"
#include "cosem/objtab.h"
#include "sim.h"

static char dir[256], scn[300], state[300];

static const char scenario_json[] =
    "{\"start\": \"2026-06-01T00:00:00+02:00\", \"timezone\": \"EU\",\n"
    " \"segments\": [{\"duration\": \"30s\", \"phases\": [{\"u\": 230, \"i\": 4, \"phi\": 10}]}],\n"
    " \"events\": [{\"at\": \"12s\", \"type\": \"outage\", \"duration\": \"5s\"}]}\n";

static struct sim *run(const char *until, const char *seed)
{
    const char *argv[] = {"trimeter-sim", "--scenario", scn, "--fast", "--feed", "samples",
                          "--seed", seed, "--state", state, "--until", until};
    struct sim_opts o;
    char err[512];
    assert_int_equal(sim_parse_args(12, (char **)argv, &o, err, sizeof err), 0);
    struct sim *s = calloc(1, sizeof *s);
    assert_non_null(s);
    assert_int_equal(sim_prepare(s, &o, err, sizeof err), SIM_EXIT_OK);
    assert_int_equal(sim_run(s, err, sizeof err), SIM_EXIT_OK);
    return s;
}

static double hires_kwh(struct sim *s, const char *code)
{
    const struct obj_def *d = objtab_find_str(code);
    assert_non_null(d);
    struct obj_value hi;
    memset(&hi, 0, sizeof hi);
    assert_int_equal(d->get(&s->v->m, d, &hi), METER_OK);
    return (double)hi.i * pow(10.0, hi.scaler - 3);
}

static void factory_calibration_persists(void **state_)
{
    (void)state_;
    unlink(state);
    /* the unit the simulator models (drawn from the factory-default serial
     * number), soaked at the scenario's 23 deg C, calibrated as its factory
     * does: the base and the extended calibration */
    struct adc_model adc;
    adc_init_unit(&adc, 12345678, 1);
    struct metro_cal want;
    struct metro_cal_ext wantx;
    assert_int_equal(calib_measure_ext(&adc, 382, &want, &wantx), 0);
    struct metro_cal nominal;
    metro_cal_default(&nominal);
    assert_memory_not_equal(&want, &nominal, sizeof want);
    struct metro_cal_ext none;
    metro_calx_default(&none);
    assert_memory_not_equal(&wantx, &none, sizeof wantx);

    struct sim *s = run("3s", "11");
    assert_true(s->fresh);
    assert_memory_equal(&s->v->m.metro.cal, &want, sizeof want);
    assert_memory_equal(&s->v->m.metro.calx, &wantx, sizeof wantx);
    sim_free(s);
    free(s);
    /* resumed with another noise seed: not calibrated again, same constants */
    s = run("3s", "12");
    assert_false(s->fresh);
    assert_memory_equal(&s->v->m.metro.cal, &want, sizeof want);
    assert_memory_equal(&s->v->m.metro.calx, &wantx, sizeof wantx);
    sim_free(s);
    free(s);
    unlink(state);
}

static void outage_warning_and_holdup(void **state_)
{
    (void)state_;
    unlink(state);
    struct sim *s = run("30s", "5");
    assert_int_equal(s->power_ups, 1);
    /* the save ran after the warning and fitted the hold-up */
    printf("  EEPROM time after the warning: %.2f ms (hold-up %d ms)\n", (double)s->holdup_used_us / 1000.0,
           SIM_HOLDUP_MS);
    assert_true(s->holdup_used_us > 0);
    assert_true(s->holdup_used_us <= (uint64_t)SIM_HOLDUP_MS * 1000u);
    assert_int_equal(s->holdup_overruns, 0);
    /* 25 s at 2.7 kW, no 0.01 kWh step before the outage: only the early
     * warning's save keeps the first 12 s (half the energy) */
    double e = hires_kwh(s, "1.8.0"), ref = blocks_ref_kwh(&s->ref, MEAS_AP);
    printf("  1.8.0 %.9f kWh, reference %.9f kWh\n", e, ref);
    assert_true(ref > 0.015);
    assert_true(fabs(e - ref) / ref < 1e-3);
    sim_free(s);
    free(s);
    unlink(state);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/supply.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(scn, sizeof scn, "%s/outage.json", dir);
    snprintf(state, sizeof state, "%s/meter.eeprom", dir);
    FILE *f = fopen(scn, "w");
    if (f == NULL)
        return 1;
    fputs(scenario_json, f);
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(factory_calibration_persists),
        cmocka_unit_test(outage_warning_and_holdup),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(scn);
    rmdir(dir);
    return rc;
}
