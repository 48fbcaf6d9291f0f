/* The ADC model (ports/host/adc.c): the sinc^3 decimation filter's
 * response and group delay, the channel delays, the noise (seeded,
 * reproducible, the documented rms, Gaussian-shaped), offsets, rounding,
 * clipping of both converter kinds, and the time-domain stage used for
 * replayed samples against the exact response. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adc.h"

#define U_LSB (METER_U_LSB_PV * 1e-12)
#define I_LSB (METER_I_LSB_PA * 1e-12)

static void sinc3_response(void **state)
{
    (void)state;
    struct adc_model a;
    adc_init_default(&a, 1);
    a.u.on = false; /* the decimation filter alone: no analog front end */
    /* |H| = (sin(pi f/fs) / (R sin(pi f/(R fs))))^3, R = 256: the droop at
     * 50 Hz is 0.0771 %, at 250 Hz 1.91 %, at the 40th harmonic 74.2 % */
    static const struct {
        double f, droop;
    } pts[] = {{50, 7.708e-4}, {250, 1.9116e-2}, {2000, 0.74198}};
    for (unsigned k = 0; k < 3; k++) {
        double re, im;
        adc_response(&a, 0, pts[k].f, &re, &im);
        double g = hypot(re, im) / a.ch[0].gain;
        if (fabs((1 - g) - pts[k].droop) > 2e-3 * pts[k].droop)
            fail_msg("%g Hz: droop %.6g, expected %.6g", pts[k].f, 1 - g, pts[k].droop);
    }
    /* linear phase: the group delay 1.5 (R-1)/R samples on the voltage
     * channel (no channel delay of its own) */
    assert_true(fabs(adc_group_delay(&a) * a.fs - 1.5 * 255.0 / 256.0) < 1e-12);
    double re, im;
    adc_response(&a, 0, 100, &re, &im);
    double delay = -atan2(im, re) / (2 * M_PI * 100);
    assert_true(fabs(delay - adc_group_delay(&a)) < 1e-12);
    /* with the analog front end the current channel leads its voltage by
     * the shunt's documented 0.30 deg at 50 Hz, plus what the two channels'
     * anti-alias filters (22 us +1.2 % and -0.9 %) differ by */
    a.u.on = true;
    double ur, ui, ir, ii;
    adc_response(&a, 0, 50, &ur, &ui);
    adc_response(&a, 1, 50, &ir, &ii);
    double lead = (atan2(ii, ir) - atan2(ui, ur)) * 180 / M_PI;
    double aa = (atan(2 * M_PI * 50 * a.u.aa_tau[0]) - atan(2 * M_PI * 50 * a.u.aa_tau[1])) * 180 / M_PI;
    if (fabs(lead - 0.30 - aa) > 1e-9)
        fail_msg("lead %.6f deg, expected 0.30 + %.6f", lead, aa);
    assert_true(fabs(aa) > 1e-3 && fabs(aa) < 0.02);
    a.u.on = false;
    /* the ideal model is flat */
    adc_init_ideal(&a);
    adc_response(&a, 3, 1234, &re, &im);
    assert_true(fabs(re - 1) < 1e-15 && fabs(im) < 1e-15);
}

static void noise_seeded_and_shaped(void **state)
{
    (void)state;
    static struct adc_model a, b, c;
    adc_init_default(&a, 42);
    adc_init_default(&b, 42);
    adc_init_default(&c, 43);
    const double zero[METER_CHANNELS] = {0};
    const int N = 200000;
    double sum = 0, sum2 = 0, sum4 = 0;
    int differ = 0;
    for (int n = 0; n < N; n++) {
        int32_t x[METER_CHANNELS], y[METER_CHANNELS], z[METER_CHANNELS];
        adc_quantise(&a, zero, x);
        adc_quantise(&b, zero, y);
        adc_quantise(&c, zero, z);
        assert_memory_equal(x, y, sizeof x); /* same seed: same codes */
        differ += memcmp(x, z, sizeof x) != 0;
        double d = x[2] - a.ch[2].offset; /* noise plus rounding */
        sum += d;
        sum2 += d * d;
        sum4 += d * d * d * d;
    }
    assert_true(differ > N * 9 / 10);
    double mean = sum / N, var = sum2 / N - mean * mean;
    /* 4 LSB rms white noise + 1/12 LSB^2 of rounding */
    double want = 4.0 * 4.0 + 1.0 / 12;
    if (fabs(mean) > 0.05 || fabs(var - want) > 0.03 * want)
        fail_msg("offset-free mean %.4f, variance %.4f (want %.4f)", mean, var, want);
    /* Gaussian-shaped: kurtosis near 3 (uniform noise would give 1.8) */
    double kurt = (sum4 / N) / (var * var);
    assert_true(kurt > 2.7 && kurt < 3.1);
    /* reseeding restarts the sequence */
    adc_seed(&a, 42);
    adc_init_default(&b, 42);
    int32_t x[METER_CHANNELS], y[METER_CHANNELS];
    adc_quantise(&a, zero, x);
    adc_quantise(&b, zero, y);
    assert_memory_equal(x, y, sizeof x);
}

static void quantise_offset_rounding_clipping(void **state)
{
    (void)state;
    struct adc_model a;
    adc_init_ideal(&a);
    double v[METER_CHANNELS] = {0};
    int32_t q[METER_CHANNELS];
    /* round half up, in counts of the nominal LSB */
    v[0] = 100.5 * U_LSB;
    v[1] = -7.5 * I_LSB;
    v[2] = 3.49 * U_LSB;
    v[3] = -3.51 * I_LSB;
    adc_quantise(&a, v, q);
    assert_int_equal(q[0], 101);
    assert_int_equal(q[1], -7);
    assert_int_equal(q[2], 3);
    assert_int_equal(q[3], -4);
    assert_false(a.clipped);
    /* full scale: 600 V and 200 A peak */
    v[0] = 600.1;
    v[1] = -250.0;
    v[2] = 599.9;
    adc_quantise(&a, v, q);
    assert_int_equal(q[0], 8388607);
    assert_int_equal(q[1], -8388607);
    assert_true(q[2] < 8388607);
    assert_true(a.clipped);
    /* a broken replay sample: no crash, counted as clipped */
    a.clipped = false;
    v[0] = NAN;
    v[1] = INFINITY;
    adc_quantise(&a, v, q);
    assert_int_equal(q[0], 0);
    assert_int_equal(q[1], 8388607);
    assert_true(a.clipped);
    /* the offsets of the unit as built */
    struct adc_model d;
    adc_init_default(&d, 1);
    for (int c = 0; c < METER_CHANNELS; c++)
        d.ch[c].noise = 0;
    double z[METER_CHANNELS] = {0};
    adc_quantise(&d, z, q);
    for (int c = 0; c < METER_CHANNELS; c++)
        assert_int_equal(q[c], (int32_t)lround(d.ch[c].offset));
    /* SAR16: 16-bit codes left-justified, clipping at +-32767 */
    struct adc_model s;
    adc_init_sar16(&s, 1);
    for (int c = 0; c < METER_CHANNELS; c++)
        s.ch[c].noise = 0;
    double w[METER_CHANNELS] = {300.0, 10.0, -700.0, 0, 0, 0, 0};
    adc_quantise(&s, w, q);
    for (int c = 0; c < METER_CHANNELS; c++)
        assert_int_equal(q[c] % 256, 0);
    assert_int_equal(q[2], -32767 * 256);
    assert_true(s.clipped);
    /* the analog gain is stage 1's (adc_response): stage 2 scales by the LSB */
    assert_int_equal(q[0], (int32_t)lround((300.0 / U_LSB + s.ch[0].offset) / 256.0) * 256);
}

/* adc_convert (time domain, for replayed samples) against the exact
 * response: amplitude and phase of a tone after its common delay. */
static void time_domain_stage_matches_response(void **state)
{
    (void)state;
    static const double freqs[] = {50, 150, 250};
    for (unsigned k = 0; k < 3; k++) {
        double f = freqs[k];
        struct adc_model a;
        adc_init_default(&a, 1);
        for (int c = 0; c < METER_CHANNELS; c++) {
            a.ch[c].noise = 0;
            a.ch[c].offset = 0;
        }
        /* 100 A peak on the current channel of L3 (lead 0.45 deg at 50 Hz) */
        const int N = 8000;
        double sr = 0, si = 0;
        for (int n = 0; n < N; n++) {
            double x[METER_CHANNELS] = {0}, th = 2 * M_PI * f * n / a.fs;
            x[5] = 100.0 * cos(th);
            int32_t q[METER_CHANNELS];
            adc_convert(&a, x, q);
            if (n >= 80) { /* after the start-up; whole cycles to the end */
                /* the tone as the converter delivers it, counts -> A */
                sr += q[5] * I_LSB * cos(th);
                si += q[5] * I_LSB * sin(th);
            }
        }
        double amp = 2 * hypot(sr, si) / (N - 80), ph = atan2(si, sr); /* y = A cos(th - ph) */
        double re, im;
        adc_response(&a, 5, f, &re, &im);
        /* the exact stage has the sinc^3's delay; adc_convert has ADC_TD_DELAY */
        double want_amp = 100.0 * hypot(re, im);
        double want_ph = atan2(im, re) + 2 * M_PI * f * (adc_group_delay(&a) - ADC_TD_DELAY / a.fs);
        double dph = remainder(-ph - want_ph, 2 * M_PI);
        if (fabs(amp / want_amp - 1) > 1.5e-4 || fabs(dph) > 1e-4)
            fail_msg("%g Hz: gain error %.3g, phase error %.3g rad", f, amp / want_amp - 1, dph);
        printf("  %g Hz: gain error %.2e, phase error %.2e rad\n", f, amp / want_amp - 1, dph);
    }
}

/* The front end's physics (adc.h struct fe_unit), each term against its
 * own formula: temperature coefficients of the channel gains, the shunt's
 * self-heating (exact exponential steps), the die sensor, the crystal. */
static void temperature_and_heating(void **state)
{
    (void)state;
    static struct adc_model a;
    adc_init_default(&a, 1);
    const struct fe_unit *u = &a.u;
    double g0[METER_CHANNELS], re, im, r50, i50;
    adc_response(&a, 1, 50.0, &r50, &i50);
    for (unsigned c = 0; c < 6; c++) {
        adc_response(&a, c, 0.0, &re, &im);
        g0[c] = re;
        assert_true(fabs(g0[c] / a.ch[c].gain - 1) < 1e-12); /* the reference state */
    }
    /* soaked at 70 degC: the interior is int_rise above it */
    adc_soak(&a, 70.0);
    assert_true(fabs(adc_t_die(&a) - 70.0 - u->int_rise) < 1e-12);
    double d = adc_t_die(&a) - a.st.t0_int;
    double ref = 1 + u->ref_a * d + u->ref_b * d * d + u->ref_c * d * d * d;
    for (unsigned p = 0; p < 3; p++) {
        adc_response(&a, 2 * p, 0.0, &re, &im);
        double want = (1 + u->div_a[p] * d + u->div_b[p] * d * d) * (1 + u->pga_a[2 * p] * d) / ref;
        if (fabs(re / g0[2 * p] - want) > 1e-12)
            fail_msg("V%u at 70 degC: gain x%.9f, expected x%.9f", p + 1, re / g0[2 * p], want);
        adc_response(&a, 2 * p + 1, 0.0, &re, &im);
        double ds = adc_t_shunt(&a, p) - a.st.t0_sh[p];
        want = (1 + u->sh_a[p] * ds + u->sh_b[p] * ds * ds + u->sh_c[p] * ds * ds * ds) * (1 + u->pga_a[2 * p + 1] * d) / ref;
        if (fabs(re / g0[2 * p + 1] - want) > 1e-12)
            fail_msg("I%u at 70 degC: gain x%.9f, expected x%.9f", p + 1, re / g0[2 * p + 1], want);
    }
    /* the default unit's current channel drifts visibly over the range */
    adc_response(&a, 1, 50.0, &re, &im);
    assert_true(fabs(hypot(re, im) / hypot(r50, i50) - 1) > 5e-4);
    /* self-heating at Imax from cold: two exponentials per shunt and the
     * interior, exact for any step size (one 600 s step = 600 steps of 1 s) */
    static struct adc_model b;
    b = a;
    adc_soak(&a, 23.0);
    adc_soak(&b, 23.0);
    const double imax[3] = {100, 100, 100};
    adc_thermal_step(&a, 600.0, 23.0, imax);
    for (int k = 0; k < 600; k++)
        adc_thermal_step(&b, 1.0, 23.0, imax);
    double pw = 100.0 * 100.0 * FE_SHUNT_OHM;
    for (unsigned p = 0; p < 3; p++) {
        double want = pw * (u->rth1[p] * (1 - exp(-600 / u->tau1[p])) + u->rth2[p] * (1 - exp(-600 / u->tau2[p])));
        double rise = adc_t_shunt(&a, p) - adc_t_die(&a);
        assert_true(fabs(rise - want) < 1e-9);
        assert_true(fabs(adc_t_shunt(&b, p) - adc_t_shunt(&a, p)) < 1e-9);
        assert_true(rise > 10.0); /* 2 W into about 12 K/W */
    }
    double want_int = 3 * pw * u->int_rth * (1 - exp(-600 / u->int_tau));
    assert_true(fabs(adc_t_die(&a) - 23.0 - u->int_rise - want_int) < 1e-9);
    /* the die sensor: its own gain and offset, 0.1 K of noise */
    double sum = 0, sum2 = 0;
    for (int k = 0; k < 2000; k++) {
        double r = adc_sensor_mdeg(&a) / 1000.0 - ((1 + u->ts_gain) * adc_t_die(&a) + u->ts_off);
        sum += r;
        sum2 += r * r;
    }
    assert_true(fabs(sum / 2000) < 0.01 && fabs(sqrt(sum2 / 2000) - u->ts_noise) < 0.01);
    /* the crystal: a parabola around its turnover */
    adc_soak(&a, -40.0);
    double dt = adc_t_die(&a) - u->xtal_t0;
    assert_true(fabs(adc_xtal_ppm(&a) - (u->xtal_ppm0 + u->xtal_k * dt * dt)) < 1e-12);
    assert_true(adc_xtal_ppm(&a) < -100); /* -0.034 ppm/K^2 over 60 K */
}

/* Units drawn from a seed: reproducible, different from each other, every
 * parameter within its documented spread. */
static void units_drawn_from_a_seed(void **state)
{
    (void)state;
    static struct adc_model a, b, c;
    adc_init_unit(&a, 12345678, 1);
    adc_init_unit(&b, 12345678, 2);
    adc_init_unit(&c, 12345679, 1);
    assert_memory_equal(&a.u, &b.u, sizeof a.u);
    assert_memory_equal(a.ch, b.ch, sizeof a.ch);
    assert_memory_not_equal(&a.u, &c.u, sizeof a.u);
    for (uint64_t s = 1; s <= 50; s++) {
        adc_init_unit(&a, s, 1);
        for (unsigned k = 0; k < METER_CHANNELS; k++) {
            assert_true(a.ch[k].gain >= 0.99 && a.ch[k].gain <= 1.01);
            assert_true(fabs(a.u.aa_tau[k] / 22e-6 - 1) <= 0.03);
            assert_true(fabs(a.u.inl3[k]) <= 1.5e-5);
        }
        for (unsigned p = 0; p < 3; p++) {
            assert_true(a.u.sh_a[p] >= 5e-6 && a.u.sh_a[p] <= 35e-6);
            assert_true(fabs(a.u.div_a[p]) <= 15e-6);
            double lead = atan(2 * M_PI * 50 * a.u.sh_tau[p]) * 180 / M_PI;
            assert_true(lead >= 0.1 && lead <= 0.5);
            double xt = hypot(a.u.xt_re[p], a.u.xt_im[p]);
            assert_true(xt >= 0.5e-6 && xt <= 2e-6); /* -126 .. -114 dB */
        }
        assert_true(fabs(a.u.ref_a) <= 20e-6);
        assert_true(fabs(a.u.xtal_k + 0.034) <= 0.006 && fabs(a.u.xtal_ppm0) <= 5 && fabs(a.u.xtal_t0 - 25) <= 5);
    }
}

/* INL and crosstalk reach the codes: a full-scale-ish voltage alone puts
 * the documented coupling into its current channel; a large current reads
 * its cubic. */
static void inl_and_crosstalk(void **state)
{
    (void)state;
    static struct adc_model a;
    adc_init_default(&a, 1);
    for (int c = 0; c < METER_CHANNELS; c++) {
        a.ch[c].noise = 0;
        a.ch[c].offset = 0;
    }
    double xr, xi;
    adc_crosstalk(&a, 0, 50, &xr, &xi);
    assert_true(fabs(xr - a.u.xt_re[0] * I_LSB / U_LSB) < 1e-18);
    adc_crosstalk(&a, 0, 250, &xr, &xi);
    assert_true(fabs(xi - 5 * a.u.xt_im[0] * I_LSB / U_LSB) < 1e-18); /* capacitive: grows with f */
    /* INL: y = x + FS (a2 r^2 + a3 r^3), r = x / FS */
    double x[METER_CHANNELS] = {0}, fs = 8388608.0;
    x[1] = 0.5 * fs * I_LSB;
    int32_t q[METER_CHANNELS];
    adc_quantise(&a, x, q);
    double want = 0.5 * fs + fs * (a.u.inl2[1] * 0.25 + a.u.inl3[1] * 0.125);
    assert_int_equal(q[1], (int32_t)lround(want));
    assert_true(fabs(want - 0.5 * fs) > 10); /* some counts at half scale */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sinc3_response),
        cmocka_unit_test(noise_seeded_and_shaped),
        cmocka_unit_test(quantise_offset_rounding_clipping),
        cmocka_unit_test(time_domain_stage_matches_response),
        cmocka_unit_test(temperature_and_heating),
        cmocka_unit_test(units_drawn_from_a_seed),
        cmocka_unit_test(inl_and_crosstalk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
