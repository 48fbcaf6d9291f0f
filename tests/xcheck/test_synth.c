/* The integer sample generator (ports/common/synth) that feeds the Cortex-M
 * smoke test and the host/target cross-check, checked against libm. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "synth.h"

#define TWO_PI 6.283185307179586

static void sine_matches_libm(void **state)
{
    (void)state;
    double worst = 0;
    for (uint64_t ph = 0; ph < (1ull << 32); ph += 40009u) {
        double want = sin((double)ph * TWO_PI / 4294967296.0);
        double got = synth_sin_q29((uint32_t)ph) / 536870912.0;
        if (fabs(got - want) > worst)
            worst = fabs(got - want);
    }
    assert_true(worst < 1e-8);
    /* quadrant points and odd symmetry are exact */
    assert_int_equal(synth_sin_q29(0), 0);
    assert_int_equal(synth_sin_q29(1u << 30), 1 << 29);
    assert_int_equal(synth_sin_q29(3u << 30), -(1 << 29));
    assert_int_equal(synth_sin_q29(0x12345678u), -synth_sin_q29(0x12345678u + 0x80000000u));
}

static void peaks_follow_the_front_end_scale(void **state)
{
    (void)state;
    /* 230 V rms at 600 V / 2^23 per count: 230 * sqrt2 / 71.525574 uV */
    double want = 230.0 * sqrt(2.0) / (METER_U_LSB_PV * 1e-12);
    assert_true(fabs(synth_peak_of_rms(230000, METER_U_LSB_PV) - want) <= 0.5);
    want = 40.0 * sqrt(2.0) / (METER_I_LSB_PA * 1e-12);
    assert_true(fabs(synth_peak_of_rms(40000, METER_I_LSB_PA) - want) <= 0.5);
    assert_int_equal(synth_peak_of_rms(0, METER_U_LSB_PV), 0);
}

/* 50 Hz at 4 kHz is exactly 80 samples per cycle; 49.95 Hz advances the
 * phase by exactly 49.95 turns (to the 2^-32 turn) per second. */
static void frequency_is_exact(void **state)
{
    (void)state;
    struct synth s;
    int32_t out[METER_CHANNELS];
    synth_init(&s, 50000);
    for (int k = 0; k < METER_SAMPLE_RATE / 50; k++)
        synth_next(&s, out);
    assert_int_equal(s.theta, 0);
    synth_init(&s, 49950);
    for (int k = 0; k < METER_SAMPLE_RATE; k++)
        synth_next(&s, out);
    assert_int_equal(s.theta, (uint32_t)((49950ull << 32) / 1000u));
}

/* One second of a phase: rms and active power as U*I*cos(phi), and the
 * neutral channel is minus the sum of the currents. */
static void power_and_rms(void **state)
{
    (void)state;
    struct synth s;
    synth_init(&s, 50000);
    synth_set_phase(&s, 0, 230000, 40000, 0, 60);
    synth_set_phase(&s, 1, 231000, 10000, -120, -30);
    double uu = 0, ii = 0, p0 = 0, p1 = 0;
    int32_t o[METER_CHANNELS];
    for (int k = 0; k < METER_SAMPLE_RATE; k++) {
        synth_next(&s, o);
        uu += (double)o[0] * o[0];
        ii += (double)o[1] * o[1];
        p0 += (double)o[0] * o[1];
        p1 += (double)o[2] * o[3];
        assert_int_equal(o[6], -(o[1] + o[3] + o[5]));
    }
    double ul = METER_U_LSB_PV * 1e-12, il = METER_I_LSB_PA * 1e-12;
    assert_true(fabs(sqrt(uu / METER_SAMPLE_RATE) * ul - 230.0) < 230.0 * 1e-6);
    assert_true(fabs(sqrt(ii / METER_SAMPLE_RATE) * il - 40.0) < 40.0 * 1e-6);
    assert_true(fabs(p0 / METER_SAMPLE_RATE * ul * il - 230.0 * 40.0 * 0.5) < 4600.0 * 1e-6);
    assert_true(fabs(p1 / METER_SAMPLE_RATE * ul * il - 231.0 * 10.0 * cos(-30 * TWO_PI / 360)) < 2310.0 * 1e-6);
}

static void noise_is_bounded_and_deterministic(void **state)
{
    (void)state;
    struct synth a, b;
    synth_init(&a, 50000);
    synth_init(&b, 50000);
    a.noise = b.noise = 7;
    int32_t oa[METER_CHANNELS], ob[METER_CHANNELS];
    int64_t sum = 0;
    for (int k = 0; k < 10000; k++) {
        synth_next(&a, oa);
        synth_next(&b, ob);
        for (int c = 0; c < 6; c++) {
            assert_true(oa[c] >= -7 && oa[c] <= 7);
            assert_int_equal(oa[c], ob[c]);
            sum += oa[c];
        }
    }
    assert_true(llabs(sum) < 2000); /* 60000 values of variance ~20: sigma ~1100 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sine_matches_libm),
        cmocka_unit_test(peaks_follow_the_front_end_scale),
        cmocka_unit_test(frequency_is_exact),
        cmocka_unit_test(power_and_rms),
        cmocka_unit_test(noise_is_bounded_and_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
