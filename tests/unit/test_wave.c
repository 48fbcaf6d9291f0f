/* The waveform model (ports/host/wave.c) that the accuracy references rest
 * on: closed-form energies against numerical integration of the
 * instantaneous values, shaped currents against their textbook Fourier
 * series / a numerical transform of the ideal shape, the reference
 * averages, and the fast synthesiser against direct evaluation (with and
 * without frequency drift, with the ADC's linear stage, across loads). */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adc.h"
#include "wave.h"

static struct wave_set *build(const struct wave_phase_params p[3])
{
    struct wave_set *ws = malloc(sizeof *ws);
    assert_non_null(ws);
    char err[120];
    assert_int_equal(wave_build(ws, p, err, sizeof err), 0);
    return ws;
}

static void balanced(struct wave_phase_params p[3], double u, double i, double phi)
{
    memset(p, 0, 3 * sizeof p[0]);
    for (int k = 0; k < 3; k++) {
        p[k].u = u;
        p[k].i = i;
        p[k].phi_deg = phi;
        p[k].angle_deg = -120.0 * k;
    }
}

/* Integral of u*i of phase k over [th0, th1] by composite Gauss-Legendre
 * on wave_eval (J at angular frequency omega). */
static double numeric_energy(const struct wave_set *ws, int k, double th0, double th1, double omega)
{
    static const double gx[5] = {-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831,
                                 0.9061798459386640};
    static const double gw[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665,
                                 0.2369268850561891};
    int steps = (int)ceil((th1 - th0) / (2 * M_PI) * 1000); /* 12 per cycle of the 81st (u*i) */
    double h = (th1 - th0) / steps, e = 0;
    for (int s = 0; s < steps; s++)
        for (int q = 0; q < 5; q++) {
            double v[7];
            wave_eval(ws, th0 + h * (s + 0.5 + 0.5 * gx[q]), v);
            e += 0.5 * h * gw[q] * v[2 * k] * v[2 * k + 1];
        }
    return e / omega;
}

static void check_energy(const struct wave_set *ws, double th0, double th1)
{
    double omega = 2 * M_PI * 50;
    for (int k = 0; k < 3; k++) {
        double exact = wave_energy(&ws->ph[k], th0, th1, omega);
        double num = numeric_energy(ws, k, th0, th1, omega);
        double scale = fabs(exact) > 1 ? fabs(exact) : 1;
        if (fabs(exact - num) / scale > 1e-9)
            fail_msg("phase %d: exact %.12g J, numeric %.12g J", k, exact, num);
    }
}

static void energy_closed_form_vs_numeric(void **state)
{
    (void)state;
    struct wave_phase_params p[3];
    balanced(p, 230, 10, 37);
    for (int k = 0; k < 3; k++) {
        p[k].n_uh = 2;
        p[k].uh[0] = (struct wave_harm){5, 4, 30};
        p[k].uh[1] = (struct wave_harm){7, 2, -50};
        p[k].n_ih = 3;
        p[k].ih[0] = (struct wave_harm){3, 25, 10};
        p[k].ih[1] = (struct wave_harm){5, 12, 100};
        p[k].ih[2] = (struct wave_harm){40, 3, 0};
        p[k].i_dc = 0.3 * k;
    }
    struct wave_set *ws = build(p);
    /* not whole cycles: the oscillating terms must be exact too */
    check_energy(ws, 0.3, 0.3 + 2 * M_PI * 7.37);
    check_energy(ws, -1.0, 2.0);
    free(ws);
    /* shaped currents: their spectra are long, with sub-harmonics for bursts */
    static const enum wave_shape shapes[3] = {WAVE_HALF_WAVE, WAVE_PHASE_FIRED, WAVE_BURST};
    for (int s = 0; s < 3; s++) {
        balanced(p, 230, 20, 15);
        for (int k = 0; k < 3; k++) {
            p[k].shape = shapes[s];
            p[k].firing_angle_deg = 72;
            p[k].on_cycles = 3;
            p[k].off_cycles = 2;
        }
        ws = build(p);
        check_energy(ws, 1.1, 1.1 + 2 * M_PI * 5.5);
        free(ws);
    }
}

static const struct wave_comp *comp(const struct wave_phase *ph, double mult)
{
    for (unsigned k = 0; k < ph->ncomp; k++)
        if (fabs(ph->c[k].mult - mult) < 1e-12)
            return &ph->c[k];
    return NULL;
}

static void half_wave_textbook_series(void **state)
{
    (void)state;
    /* A max(sin x, 0): DC A/pi, fundamental amplitude A/2, even harmonics
     * 2A / (pi (n^2 - 1)), odd harmonics above the first zero */
    struct wave_phase_params p[3];
    balanced(p, 230, 10, 0);
    for (int k = 0; k < 3; k++)
        p[k].shape = WAVE_HALF_WAVE;
    struct wave_set *ws = build(p);
    const struct wave_phase *ph = &ws->ph[0];
    double A = M_SQRT2 * 10;
    assert_true(fabs(ph->i_dc - A / M_PI) < 1e-9);
    const struct wave_comp *f = comp(ph, 1);
    assert_non_null(f);
    assert_true(fabs(f->i_rms * M_SQRT2 - A / 2) < 1e-9);
    for (unsigned n = 2; n <= WAVE_BAND_LIMIT; n++) {
        const struct wave_comp *c = comp(ph, n);
        double want = n % 2 == 0 ? 2 * A / (M_PI * (n * n - 1.0)) : 0;
        double got = c != NULL ? c->i_rms * M_SQRT2 : 0;
        if (fabs(got - want) > 1e-9)
            fail_msg("harmonic %u: amplitude %.12g, textbook %.12g", n, got, want);
    }
    assert_null(comp(ph, WAVE_BAND_LIMIT + 1)); /* band-limited */
    free(ws);
}

/* Fourier coefficient (complex amplitude) of order nu of the ideal shape,
 * numerically over P cycles. */
static double complex ideal_coef(const struct wave_phase_params *p, double nu, unsigned P)
{
    const int N = 200000;
    double complex x = 0;
    for (int k = 0; k < N; k++) {
        double th = 2 * M_PI * P * (k + 0.5) / N; /* psi: the sine's own phase */
        double s = sin(fmod(th, 2 * M_PI)), v = 0;
        double a = fmod(th, 2 * M_PI);
        if (p->shape == WAVE_PHASE_FIRED) {
            double fa = p->firing_angle_deg * M_PI / 180;
            v = ((a >= fa && a < M_PI) || (a >= M_PI + fa)) ? s : 0;
        } else if (p->shape == WAVE_BURST) {
            v = th < 2 * M_PI * p->on_cycles ? s : 0;
        }
        x += M_SQRT2 * p->i * v * cexp(-I * nu * th);
    }
    return 2.0 * x / N;
}

static void shaped_currents_match_ideal_transform(void **state)
{
    (void)state;
    struct wave_phase_params p[3];
    for (int s = 0; s < 2; s++) {
        balanced(p, 230, 16, 0);
        for (int k = 0; k < 3; k++) {
            p[k].shape = s == 0 ? WAVE_PHASE_FIRED : WAVE_BURST;
            p[k].firing_angle_deg = 90;
            p[k].on_cycles = 2;
            p[k].off_cycles = 2;
            p[k].angle_deg = 0;
            p[k].phi_deg = 90; /* current = sqrt2 I sin(theta): the shape's own phase */
        }
        struct wave_set *ws = build(p);
        unsigned P = s == 0 ? 1 : 4;
        static const double orders[] = {0.25, 0.5, 1, 1.5, 3, 5, 7.75, 11};
        for (unsigned q = 0; q < sizeof orders / sizeof orders[0]; q++) {
            double nu = orders[q];
            if (s == 0 && nu != floor(nu))
                continue;
            double complex want = ideal_coef(&p[0], nu, P);
            const struct wave_comp *c = comp(&ws->ph[0], nu);
            double complex got = c != NULL ? M_SQRT2 * c->i_rms * cexp(I * c->i_ph) : 0;
            if (cabs(got - want) > 2e-4 * M_SQRT2 * 16)
                fail_msg("shape %d order %g: %g%+gj, ideal %g%+gj", s, nu, creal(got), cimag(got), creal(want),
                         cimag(want));
        }
        free(ws);
    }
}

static void reference_averages(void **state)
{
    (void)state;
    struct wave_phase_params p[3];
    balanced(p, 231, 12, 60);
    for (int k = 0; k < 3; k++) {
        p[k].n_ih = 1;
        p[k].ih[0] = (struct wave_harm){3, 30, 45};
        p[k].n_uh = 1;
        p[k].uh[0] = (struct wave_harm){3, 5, 0};
    }
    struct wave_set *ws = build(p);
    struct wave_ref r;
    wave_reference(&ws->ph[1], &r);
    /* fundamental: P = U I cos(60), Q1 = U I sin(60) */
    assert_true(fabs(r.q1 - 231 * 12 * sin(M_PI / 3)) < 1e-9);
    assert_true(fabs(r.u1_rms - 231) < 1e-9 && fabs(r.i1_rms - 12) < 1e-9);
    /* averages over a whole cycle by sampling */
    const int N = 100000;
    double pp = 0, uu = 0, ii = 0;
    for (int n = 0; n < N; n++) {
        double v[7];
        wave_eval(ws, 2 * M_PI * n / N, v);
        pp += v[2] * v[3];
        uu += v[2] * v[2];
        ii += v[3] * v[3];
    }
    assert_true(fabs(r.p - pp / N) < 1e-6 * r.s);
    assert_true(fabs(r.urms - sqrt(uu / N)) < 1e-9 * r.urms);
    assert_true(fabs(r.irms - sqrt(ii / N)) < 1e-9 * r.irms);
    /* neutral = minus the sum of the phase currents */
    double v[7];
    wave_eval(ws, 0.77, v);
    assert_true(fabs(v[6] + v[1] + v[3] + v[5]) < 1e-9);
    free(ws);
}

/* wave_gen (phasor recurrences, resynchronised every WAVE_SYNC samples)
 * against wave_eval at the exact phase. */
static void synthesiser_matches_direct_evaluation(void **state)
{
    (void)state;
    struct wave_phase_params p[3];
    balanced(p, 230, 30, 25);
    for (int k = 0; k < 3; k++) {
        p[k].n_ih = 2;
        p[k].ih[0] = (struct wave_harm){5, 20, 0};
        p[k].ih[1] = (struct wave_harm){39, 2, 90};
    }
    struct wave_set *ws = build(p);
    struct wave_gen *g = malloc(sizeof *g);
    assert_non_null(g);
    for (int drift = 0; drift < 2; drift++) {
        wave_gen_init(g, 4000, NULL);
        wave_gen_load(g, ws, 49.7, drift ? 0.4 : 0.0);
        double worst = 0;
        for (int n = 0; n < 40000; n++) {
            double th = wave_gen_theta(g), a[7], b[7];
            wave_eval(ws, th, a);
            wave_gen_next(g, b);
            for (int c = 0; c < 7; c++)
                worst = fmax(worst, fabs(a[c] - b[c]));
        }
        /* against 325 V / 42 A peaks */
        if (worst > 1e-7)
            fail_msg("drift %d: worst deviation %g", drift, worst);
        /* the drift is a linear frequency ramp */
        assert_true(fabs(wave_gen_freq(g) - (49.7 + (drift ? 0.4 * 10.0 : 0))) < 1e-9);
    }
    /* a new segment continues the fundamental's phase */
    double before = fmod(wave_gen_theta(g), 2 * M_PI);
    wave_gen_load(g, ws, 50.2, 0);
    assert_true(fabs(fmod(wave_gen_theta(g), 2 * M_PI) - before) < 1e-9);
    free(g);
    free(ws);
}

/* With an ADC model the synthesiser applies its linear stage exactly per
 * component: a pure tone comes out scaled and shifted by adc_response (and
 * a current channel gets its voltage's crosstalk, adc_crosstalk). */
static void synthesiser_applies_adc_response(void **state)
{
    (void)state;
    struct adc_model adc;
    adc_init_default(&adc, 1);
    struct wave_phase_params p[3];
    balanced(p, 200, 20, 30);
    for (int k = 0; k < 3; k++) {
        p[k].n_ih = 1;
        p[k].ih[0] = (struct wave_harm){7, 50, 0};
    }
    struct wave_set *ws = build(p);
    struct wave_gen *g = malloc(sizeof *g);
    assert_non_null(g);
    wave_gen_init(g, 4000, &adc);
    wave_gen_load(g, ws, 50, 0);
    double worst = 0;
    for (int n = 0; n < 8000; n++) {
        double th = wave_gen_theta(g), out[7];
        wave_gen_next(g, out);
        for (int c = 0; c < 6; c++) {
            const struct wave_phase *ph = &ws->ph[c / 2];
            double want = c % 2 ? ph->i_dc : ph->u_dc;
            for (unsigned k = 0; k < ph->ncomp; k++) {
                const struct wave_comp *w = &ph->c[k];
                double re, im;
                adc_response(&adc, (unsigned)c, w->mult * 50, &re, &im);
                double complex z = M_SQRT2 * (c % 2 ? w->i_rms * cexp(I * w->i_ph) : w->u_rms * cexp(I * w->u_ph));
                want += creal(z * (re + I * im) * cexp(I * w->mult * th));
                if (c % 2) {
                    /* crosstalk: the voltage channel's output, a little of it */
                    double vr, vi, xr, xi;
                    adc_response(&adc, (unsigned)c - 1, w->mult * 50, &vr, &vi);
                    adc_crosstalk(&adc, (unsigned)c / 2, w->mult * 50, &xr, &xi);
                    double complex zu = M_SQRT2 * w->u_rms * cexp(I * w->u_ph);
                    want += creal(zu * (vr + I * vi) * (xr + I * xi) * cexp(I * w->mult * th));
                }
            }
            worst = fmax(worst, fabs(out[c] - want));
        }
    }
    assert_true(worst < 1e-7);
    /* and the response is not trivial: the gain errors and the droop show */
    double re, im;
    adc_response(&adc, 1, 350, &re, &im);
    assert_true(fabs(hypot(re, im) - 1) > 1e-3);
    free(g);
    free(ws);
}

static void bad_parameters_refused(void **state)
{
    (void)state;
    struct wave_phase_params p[3];
    struct wave_set *ws = malloc(sizeof *ws);
    char err[120];
    balanced(p, 230, 5, 0);
    p[1].n_ih = 1;
    p[1].ih[0] = (struct wave_harm){41, 5, 0};
    assert_int_not_equal(wave_build(ws, p, err, sizeof err), 0);
    balanced(p, 230, 5, 0);
    p[0].shape = WAVE_PHASE_FIRED;
    p[0].firing_angle_deg = 200;
    assert_int_not_equal(wave_build(ws, p, err, sizeof err), 0);
    balanced(p, 230, 5, 0);
    p[2].shape = WAVE_BURST;
    p[2].on_cycles = 0;
    p[2].off_cycles = 3;
    assert_int_not_equal(wave_build(ws, p, err, sizeof err), 0);
    free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(energy_closed_form_vs_numeric),
        cmocka_unit_test(half_wave_textbook_series),
        cmocka_unit_test(shaped_currents_match_ideal_transform),
        cmocka_unit_test(reference_averages),
        cmocka_unit_test(synthesiser_matches_direct_evaluation),
        cmocka_unit_test(synthesiser_applies_adc_response),
        cmocka_unit_test(bad_parameters_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
