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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sinc3_response),
        cmocka_unit_test(noise_seeded_and_shaped),
        cmocka_unit_test(quantise_offset_rounding_clipping),
        cmocka_unit_test(time_domain_stage_matches_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
