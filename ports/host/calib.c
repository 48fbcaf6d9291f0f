/*
 * calib.c — see calib.h.
 */
#include "calib.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "cosem/objtab.h"
#include "vmeter.h"
#include "wave.h"

#define CAL_U 230.0
#define CAL_I 5.0
#define CAL_IMAX 100.0
#define CAL_F ((double)METER_CAL_HZ)
#define CAL_F2 (1.2 * CAL_F) /* second frequency: the front end's droop */
#define CAL_BLOCKS 4 /* averaged after two settling blocks */
#define CAL_T_LO (-20.0) /* the oven's other two temperatures, deg C */
#define CAL_T_HI 60.0

/* The factory bench: the unit's front end (its own copy: soaked and heated
 * as the calibration goes), the synthesiser and a bare metrology. */
struct cal_ctx {
    struct metro *mt;
    struct adc_model *adc;
    struct wave_gen *g;
    double t_amb;     /* the oven */
    double irms[3];   /* the signal's currents (the shunts heat with them) */
};

struct cal_avg {
    double uu[3], ii[3], phi[3], phic[3];
    double p[3], q[3];  /* raw powers, uW, uvar */
    double i_ua[3];     /* compensated current, uA */
    double t_mdeg;      /* the die sensor */
};

static void cal_load(struct cal_ctx *x, const struct wave_phase_params pp[3], double f)
{
    struct wave_set *ws = malloc(sizeof *ws);
    char err[80];
    if (ws == NULL || wave_build(ws, pp, err, sizeof err) != 0) {
        free(ws);
        return;
    }
    wave_gen_load(x->g, ws, f, 0);
    for (int p = 0; p < 3; p++) {
        struct wave_ref r;
        wave_reference(&ws->ph[p], &r);
        x->irms[p] = r.irms;
    }
    free(ws);
}

/* One second: the front end's temperatures move on, the samples, the die
 * temperature, the main loop's part. */
static void cal_block(struct cal_ctx *x)
{
    adc_thermal_step(x->adc, 1.0, x->t_amb, x->irms);
    wave_gen_retune(x->g);
    double v[METER_CHANNELS];
    int32_t s[METER_CHANNELS];
    for (int n = 0; n < METRO_N; n++) {
        wave_gen_next(x->g, v);
        adc_quantise(x->adc, v, s);
        metro_sample(x->mt, s);
    }
    metro_set_temp(x->mt, adc_sensor_mdeg(x->adc));
    metro_poll(x->mt);
}

static void balanced(struct wave_phase_params pp[3], double u, double i, double phi_deg)
{
    memset(pp, 0, 3 * sizeof pp[0]);
    for (int p = 0; p < 3; p++) {
        pp[p].u = u;
        pp[p].i = i;
        pp[p].phi_deg = phi_deg;
        pp[p].angle_deg = p == 0 ? 0 : p == 1 ? -120 : 120;
    }
}

/* Feed `settle` + `blocks` blocks of a balanced signal and average the raw values. */
static void cal_run_n(struct cal_ctx *x, double f, double u, double i, double phi_deg, int settle, int blocks,
                      struct cal_avg *avg)
{
    struct wave_phase_params pp[3];
    balanced(pp, u, i, phi_deg);
    cal_load(x, pp, f);
    memset(avg, 0, sizeof *avg);
    struct metro *mt = x->mt;
    for (int b = 0; b < settle + blocks; b++) {
        cal_block(x);
        if (b < settle)
            continue;
        avg->t_mdeg += (double)mt->t_mdeg / blocks;
        for (int p = 0; p < 3; p++) {
            avg->uu[p] += (double)mt->raw[p].uu_ms / 65536.0 / blocks;
            avg->ii[p] += (double)mt->raw[p].ii_ms / 65536.0 / blocks;
            avg->phi[p] += mt->raw[p].phi_bam * (360.0 / 4294967296.0) / blocks;
            avg->phic[p] += mt->raw[p].phic_bam * (360.0 / 4294967296.0) / blocks;
            avg->p[p] += (double)mt->raw[p].p_uw / blocks;
            avg->q[p] += (double)mt->raw[p].q_uvar / blocks;
            avg->i_ua[p] += (double)mt->out.ph[p].i_ua / blocks;
        }
    }
}

static void cal_run(struct cal_ctx *x, double f, double u, double i, double phi_deg, struct cal_avg *avg)
{
    cal_run_n(x, f, u, i, phi_deg, 2, CAL_BLOCKS, avg);
}

/* ---- harmonic response (step 5) --------------------------------------------- */

/* Harmonics of the response measurement, all at once, spread over the
 * corrected band (METRO_HF_F_TOP at METER_CAL_HZ): CAL_HPCT_I % in the
 * current, CAL_HPCT_U % in the voltage (small, so that the voltage keeps
 * one rising zero crossing per cycle: the frequency locks as in service). */
static const unsigned cal_hh[] = {3, 7, 11, 15, 19, 23, 27, 31};
#define CAL_NH (sizeof cal_hh / sizeof cal_hh[0])
#define CAL_HPCT_U 0.5
#define CAL_HPCT_I 20.0

/* Harmonic h of channel c of a stacked frame (metro_hf), complex amplitude
 * in counts, exactly as the firmware's frame holds it: DC and the
 * fundamental fitted out, the stack's smear D_h divided out. */
static double complex hf_harmonic(const struct metro_hf *h, unsigned c, unsigned hn)
{
    struct metro_hf hh = *h;
    const unsigned K = metro_hf_slots(&hh); /* as the firmware takes the stack */
    h = &hh;
    const double w = 2 * M_PI * h->inc / 4294967296.0;
    double x[METRO_HF_SLOTS], dc = 0;
    for (unsigned k = 0; k < K; k++) {
        x[k] = h->s.slot[k][c] / (double)METRO_HF_CYCLES;
        dc += x[k] / K;
    }
    double complex f1 = 0, xh = 0, d = 0;
    for (unsigned k = 0; k < K; k++)
        f1 += (x[k] - dc) * cexp(-I * w * k) * 2.0 / K;
    for (unsigned k = 0; k < K; k++)
        xh += (x[k] - dc - creal(f1 * cexp(I * w * k))) * cexp(-I * w * hn * k) * 2.0 / K;
    for (unsigned cy = 0; cy < METRO_HF_CYCLES; cy++)
        d += cexp(I * (2 * M_PI * hn * (double)h->d[cy] / 4294967296.0)) / METRO_HF_CYCLES;
    return hn == 1 ? f1 : xh / d;
}

/* The u x i cross-response of every phase at the harmonics of cal_hh,
 * relative to the fundamental: ln |response|, from CAL_BLOCKS frames of a
 * balanced signal carrying all of them. */
static int cal_harmonics(struct cal_ctx *x, double lam[3][CAL_NH])
{
    struct wave_phase_params pp[3];
    balanced(pp, CAL_U, CAL_I, 0);
    for (int p = 0; p < 3; p++) {
        pp[p].n_uh = pp[p].n_ih = CAL_NH;
        for (unsigned k = 0; k < CAL_NH; k++) {
            pp[p].uh[k] = (struct wave_harm){cal_hh[k], CAL_HPCT_U, 0};
            pp[p].ih[k] = (struct wave_harm){cal_hh[k], CAL_HPCT_I, 0};
        }
    }
    struct metro_hf *fr = malloc(sizeof *fr);
    if (fr == NULL)
        return -1;
    cal_load(x, pp, CAL_F);
    double sum[3][CAL_NH];
    memset(sum, 0, sizeof sum);
    int frames = 0;
    struct metro *mt = x->mt;
    for (int b = 0; b < 3 + 2 * CAL_BLOCKS && frames < CAL_BLOCKS; b++) {
        /* cal_block without its metro_poll: the frame is read first */
        adc_thermal_step(x->adc, 1.0, x->t_amb, x->irms);
        wave_gen_retune(x->g);
        double v[METER_CHANNELS];
        int32_t s[METER_CHANNELS];
        for (int n = 0; n < METRO_N; n++) {
            wave_gen_next(x->g, v);
            adc_quantise(x->adc, v, s);
            metro_sample(mt, s);
        }
        if (mt->hf.ready && mt->hf.valid && b >= 2) {
            *fr = mt->hf;
            for (unsigned p = 0; p < 3; p++) {
                double complex r1 = hf_harmonic(fr, 2 * p, 1) * conj(hf_harmonic(fr, 2 * p + 1, 1));
                for (unsigned k = 0; k < CAL_NH; k++) {
                    double complex rh = hf_harmonic(fr, 2 * p, cal_hh[k]) * conj(hf_harmonic(fr, 2 * p + 1, cal_hh[k]));
                    /* the true harmonics: CAL_HPCT_U and CAL_HPCT_I % of the fundamentals */
                    sum[p][k] += log(cabs(rh) / cabs(r1) / (CAL_HPCT_U * CAL_HPCT_I * 1e-4));
                }
            }
            frames++;
        }
        metro_set_temp(mt, adc_sensor_mdeg(x->adc));
        metro_poll(mt);
    }
    free(fr);
    if (frames == 0)
        return -1;
    for (int p = 0; p < 3; p++)
        for (unsigned k = 0; k < CAL_NH; k++)
            lam[p][k] = sum[p][k] / frames;
    return 0;
}

/* Least squares of lambda(F) = a1 (F^2 - Fc^2) + a2 (F^4 - Fc^4) + a3 (F^6 - Fc^6),
 * F in kHz; the constants in ppm. */
static void cal_fit_hr(const double lam[CAL_NH], int32_t a[3])
{
    double m[3][4];
    memset(m, 0, sizeof m);
    double fc = CAL_F / 1000.0;
    for (unsigned k = 0; k < CAL_NH; k++) {
        double F = cal_hh[k] * CAL_F / 1000.0, b[3];
        for (int j = 0; j < 3; j++)
            b[j] = pow(F, 2 * (j + 1)) - pow(fc, 2 * (j + 1));
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++)
                m[r][c] += b[r] * b[c];
            m[r][3] += b[r] * lam[k];
        }
    }
    /* Gauss-Jordan on the 3x3 normal equations */
    for (int c = 0; c < 3; c++) {
        int piv = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(m[r][c]) > fabs(m[piv][c]))
                piv = r;
        for (int j = 0; j < 4; j++) {
            double t = m[c][j];
            m[c][j] = m[piv][j];
            m[piv][j] = t;
        }
        for (int r = 0; r < 3; r++) {
            if (r == c || m[c][c] == 0)
                continue;
            double f = m[r][c] / m[c][c];
            for (int j = 0; j < 4; j++)
                m[r][j] -= f * m[c][j];
        }
    }
    for (int j = 0; j < 3; j++)
        a[j] = m[j][j] != 0 ? (int32_t)lround(m[j][3] / m[j][j] * 1e6) : 0;
}

/* The factory's frequency counter on the RTC's calibration output: a
 * 100 s gate on a 10 MHz reference resolves about 0.005 ppm (rms). */
static double cal_counter_noise(uint64_t *s)
{
    double sum = 0;
    for (int k = 0; k < 12; k++) { /* Irwin-Hall: near-normal, unit variance */
        *s = *s * 6364136223846793005ull + 1442695040888963407ull;
        sum += (double)(*s >> 11) * (1.0 / 9007199254740992.0);
    }
    return (sum - 6.0) * 0.005;
}

/* y = a d + b d^2 through (d1, y1), (d2, y2) (and the origin). */
static void quad2(double d1, double y1, double d2, double y2, double *a, double *b)
{
    double det = d1 * d2 * d2 - d2 * d1 * d1;
    *a = det != 0 ? (y1 * d2 * d2 - y2 * d1 * d1) / det : 0;
    *b = det != 0 ? (d1 * y2 - d2 * y1) / det : 0;
}

static int32_t ppb(double rel)
{
    return (int32_t)lround(rel * 1e9);
}

/* (7) Self-heating: Imax at ambient t_amb (the temperature compensation of
 * x->mt on), the current channel's error read at CAL_SH_N times over an
 * hour (the unit heats between the readings as it would running). Fit
 * e(t) = e0 + S (1 - exp(-t / tau)) per phase with one tau: S per phase into
 * s[], tau (s) returned; the die temperature at the end into *t_die. */
static const double cal_sh_t[] = {0, 60, 180, 420, 900, 1800, 3600};
#define CAL_SH_N (sizeof cal_sh_t / sizeof cal_sh_t[0])

static double cal_heat(struct cal_ctx *x, double t_amb, double s_out[3], double *t_die)
{
    adc_soak(x->adc, t_amb);
    x->t_amb = t_amb;
    double e[3][CAL_SH_N], t_now = 0;
    for (unsigned k = 0; k < CAL_SH_N; k++) {
        if (cal_sh_t[k] > t_now) {
            /* the meter runs at Imax meanwhile (no need to sample it) */
            double imax[3] = {CAL_IMAX, CAL_IMAX, CAL_IMAX};
            adc_thermal_step(x->adc, cal_sh_t[k] - t_now, t_amb, imax);
            t_now = cal_sh_t[k];
        }
        struct cal_avg a;
        cal_run_n(x, CAL_F, CAL_U, CAL_IMAX, 0, 1, 1, &a);
        t_now += 2;
        for (int p = 0; p < 3; p++)
            e[p][k] = a.i_ua[p] / (CAL_IMAX * 1e6) - 1;
        *t_die = a.t_mdeg / 1000.0;
    }
    /* tau by search, e0 and S by least squares at each */
    double best = 1e300, tau_best = 300;
    for (double tau = 30; tau <= 3000; tau *= 1.05) {
        double sse = 0;
        for (int p = 0; p < 3; p++) {
            double sxx = 0, sx = 0, sy = 0, sxy = 0, n = CAL_SH_N;
            for (unsigned k = 0; k < CAL_SH_N; k++) {
                double f = 1 - exp(-cal_sh_t[k] / tau);
                sx += f;
                sxx += f * f;
                sy += e[p][k];
                sxy += f * e[p][k];
            }
            double sl = (n * sxy - sx * sy) / (n * sxx - sx * sx), e0 = (sy - sl * sx) / n;
            for (unsigned k = 0; k < CAL_SH_N; k++) {
                double r = e[p][k] - e0 - sl * (1 - exp(-cal_sh_t[k] / tau));
                sse += r * r;
            }
        }
        if (sse < best) {
            best = sse;
            tau_best = tau;
        }
    }
    for (int p = 0; p < 3; p++) {
        double sxx = 0, sx = 0, sy = 0, sxy = 0, n = CAL_SH_N;
        for (unsigned k = 0; k < CAL_SH_N; k++) {
            double f = 1 - exp(-cal_sh_t[k] / tau_best);
            sx += f;
            sxx += f * f;
            sy += e[p][k];
            sxy += f * e[p][k];
        }
        s_out[p] = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }
    return tau_best;
}

int calib_measure(const struct adc_model *adc_in, uint64_t seed, struct metro_cal *cal)
{
    return calib_measure_ext(adc_in, seed, cal, NULL);
}

int calib_measure_ext(const struct adc_model *adc_in, uint64_t seed, struct metro_cal *cal, struct metro_cal_ext *calx)
{
    struct cal_ctx x;
    x.adc = malloc(sizeof *x.adc);
    x.g = malloc(sizeof *x.g);
    x.mt = malloc(sizeof *x.mt);
    int rc = -1;
    if (x.adc == NULL || x.g == NULL || x.mt == NULL)
        goto out;
    struct metro *mt = x.mt;
    *x.adc = *adc_in;
    adc_seed(x.adc, seed ^ 0xca11b4a7e5ull);
    adc_soak(x.adc, FE_T_REF);
    x.t_amb = FE_T_REF;
    wave_gen_init(x.g, METER_SAMPLE_RATE, x.adc);
    metro_init(mt);
    struct metro_cal c;
    metro_cal_default(&c);
    struct metro_cal_ext e;
    metro_calx_default(&e);
    struct cal_avg a;

    /* (1) Un, no current: the current channels' noise floor */
    cal_run(&x, CAL_F, CAL_U, 0, 0, &a);
    for (int p = 0; p < 3; p++)
        c.i_rmsos[p] = (int32_t)lround(a.ii[p]);
    /* the voltage noise floor (a few LSB against 2^21 counts) is far below
     * anything that matters: u_rmsos stays 0 */
    if (metro_cal_load(mt, &c) != 0)
        goto out;

    /* (2) gains */
    cal_run(&x, CAL_F, CAL_U, CAL_I, 0, &a);
    struct cal_avg at50 = a;
    for (int p = 0; p < 3; p++) {
        double ur = sqrt(a.uu[p] - c.u_rmsos[p]), ir = sqrt(a.ii[p] - c.i_rmsos[p]);
        c.u_gain_pv[p] = (int32_t)lround(CAL_U * 1e12 / ur);
        c.i_gain_pa[p] = (int32_t)lround(CAL_I * 1e12 / ir);
    }
    if (metro_cal_load(mt, &c) != 0)
        goto out;

    /* (3) phase: the lead seen at PF 0.5, then a second pass on the residue
     * of the compensation (the interpolator's angle is not exactly linear) */
    for (int pass = 0; pass < 2; pass++) {
        cal_run(&x, CAL_F, CAL_U, CAL_I, 60.0, &a);
        for (int p = 0; p < 3; p++) {
            double lead_deg = 60.0 - a.phic[p];
            c.i_lead_ps[p] += (int32_t)lround(lead_deg / 360.0 / CAL_F * 1e12);
        }
        if (metro_cal_load(mt, &c) != 0)
            goto out;
    }
    /* (4) the front end's droop: the same signal at 1.2 f_cal; the raw mean
     * squares fall as (1 - fresp ((f/f_cal)^2 - 1))^2 on every channel */
    cal_run(&x, CAL_F2, CAL_U, CAL_I, 0, &a);
    double k2 = (CAL_F2 / CAL_F) * (CAL_F2 / CAL_F) - 1, fr = 0;
    for (int p = 0; p < 3; p++) {
        fr += (1 - sqrt((a.uu[p] - c.u_rmsos[p]) / (at50.uu[p] - c.u_rmsos[p]))) / k2;
        fr += (1 - sqrt((a.ii[p] - c.i_rmsos[p]) / (at50.ii[p] - c.i_rmsos[p]))) / k2;
    }
    c.fresp_ppm = (int32_t)lround(fr / 6 * 1e6);
    if (metro_cal_load(mt, &c) != 0)
        goto out;

    if (calx != NULL) {
        /* (5) crosstalk: what Un alone puts into each current channel, as
         * active and reactive power */
        cal_run(&x, CAL_F, CAL_U, 0, 0, &a);
        for (int p = 0; p < 3; p++) {
            e.xt_p_uw[p] = (int32_t)lround(a.p[p]);
            e.xt_q_uvar[p] = (int32_t)lround(a.q[p]);
        }
        /* (6) the harmonic response of every phase's u x i */
        double lam[3][CAL_NH];
        if (cal_harmonics(&x, lam) != 0)
            goto out;
        if (getenv("CAL_DEBUG"))
            for (unsigned k = 0; k < CAL_NH; k++)
                fprintf(stderr, "lambda h%u: %.6f %.6f %.6f\n", cal_hh[k], lam[0][k], lam[1][k], lam[2][k]);
        for (int p = 0; p < 3; p++) {
            int32_t hr[3];
            cal_fit_hr(lam[p], hr);
            e.hr_a1[p] = hr[0];
            e.hr_a2[p] = hr[1];
            e.hr_a3[p] = hr[2];
        }
        if (metro_calx_load(mt, &e) != 0)
            goto out;

        /* (7) temperatures: gains and lead at Ib, PF 0.5, and the RTC's rate
         * (the bench's counter on its calibration output) at three oven
         * temperatures, against the die sensor's own reading */
        static const double temps[3] = {FE_T_REF, CAL_T_LO, CAL_T_HI};
        uint64_t cn = seed ^ 0x0c0a7e5u;
        double ts[3], gu[3][3], gi[3][3], ld[3][3], rtc[3];
        for (int k = 0; k < 3; k++) {
            adc_soak(x.adc, temps[k]);
            x.t_amb = temps[k];
            cal_run(&x, CAL_F, CAL_U, CAL_I, 60.0, &a);
            ts[k] = a.t_mdeg / 1000.0;
            rtc[k] = adc_xtal_ppm(x.adc) + cal_counter_noise(&cn);
            for (int p = 0; p < 3; p++) {
                gu[k][p] = sqrt(a.uu[p]);
                gi[k][p] = sqrt(a.ii[p] - c.i_rmsos[p]);
                ld[k][p] = a.phic[p];
            }
        }
        e.t_ref_mdeg = (int32_t)lround(ts[0] * 1000);
        double d1 = ts[1] - ts[0], d2 = ts[2] - ts[0], qa, qb;
        for (int p = 0; p < 3; p++) {
            quad2(d1, gu[1][p] / gu[0][p] - 1, d2, gu[2][p] / gu[0][p] - 1, &qa, &qb);
            e.u_tc1[p] = ppb(qa);
            e.u_tc2[p] = ppb(qb);
            quad2(d1, gi[1][p] / gi[0][p] - 1, d2, gi[2][p] / gi[0][p] - 1, &qa, &qb);
            e.i_tc1[p] = ppb(qa);
            e.i_tc2[p] = ppb(qb);
            /* a smaller U-I angle is a larger lead: fs */
            double l1 = (ld[0][p] - ld[1][p]) / 360.0 / CAL_F * 1e15, l2 = (ld[0][p] - ld[2][p]) / 360.0 / CAL_F * 1e15;
            quad2(d1, l1, d2, l2, &qa, &qb);
            e.lead_tc1[p] = (int32_t)lround(qa);
            e.lead_tc2[p] = (int32_t)lround(qb);
        }
        /* the crystal's parabola through the three rates */
        quad2(d1, rtc[1] - rtc[0], d2, rtc[2] - rtc[0], &qa, &qb);
        e.rtc_k = (int32_t)lround(qb * 1e6); /* ppm/K^2 -> 0.001 ppb/K^2 */
        e.rtc_t0_mdeg = qb != 0 ? (int32_t)lround((ts[0] - qa / (2 * qb)) * 1000) : 0;
        e.rtc_ppb = (int32_t)lround(rtc[0] * 1000);
        if (metro_calx_load(mt, &e) != 0)
            goto out;

        /* (8) self-heating at 23 deg C and at the hot end */
        double s23[3], shot[3], td23, tdhot;
        double tau = cal_heat(&x, FE_T_REF, s23, &td23);
        cal_heat(&x, CAL_T_HI, shot, &tdhot);
        for (int p = 0; p < 3; p++) {
            e.sh_ppb[p] = ppb(s23[p]);
            e.sh_tc[p] = ppb((shot[p] - s23[p]) / (tdhot - td23));
        }
        e.sh_tau_s = (int32_t)lround(tau);
        if (getenv("CAL_DEBUG")) {
            for (int p = 0; p < 3; p++)
                fprintf(stderr, "L%d u_tc %d %d i_tc %d %d lead_tc %d %d sh %d %d xt %d %d hr %d %d %d\n", p + 1,
                        e.u_tc1[p], e.u_tc2[p], e.i_tc1[p], e.i_tc2[p], e.lead_tc1[p], e.lead_tc2[p], e.sh_ppb[p],
                        e.sh_tc[p], e.xt_p_uw[p], e.xt_q_uvar[p], e.hr_a1[p], e.hr_a2[p], e.hr_a3[p]);
            fprintf(stderr, "t_ref %d tau %d rtc %d %d %d\n", e.t_ref_mdeg, e.sh_tau_s, e.rtc_ppb, e.rtc_k,
                    e.rtc_t0_mdeg);
        }
        if (metro_calx_load(mt, &e) != 0)
            goto out;
        *calx = e;
    }
    *cal = c;
    rc = 0;
out:
    free(x.adc);
    free(x.g);
    free(x.mt);
    return rc;
}

/* Row keys of the calibration constants (objtab.c). */
static const char *const cal_keys[5] = {"cal_u_gain_l", "cal_i_gain_l", "cal_i_lead_l", "cal_u_rmsos_l",
                                        "cal_i_rmsos_l"};

int calib_write_meter(struct meter *m, uint32_t *inputs, const struct metro_cal *cal)
{
    const int32_t *vals[5] = {cal->u_gain_pv, cal->i_gain_pa, cal->i_lead_ps, cal->u_rmsos, cal->i_rmsos};
    uint32_t saved = *inputs;
    *inputs |= METER_IN_CAL_SWITCH;
    int rc = 0;
    for (int f = 0; f < 5 && rc == 0; f++)
        for (int p = 0; p < 3 && rc == 0; p++) {
            char key[32];
            snprintf(key, sizeof key, "%s%d", cal_keys[f], p + 1);
            const struct obj_def *o = objtab_find_key(key);
            if (o == NULL) {
                rc = METER_ENOENT;
                break;
            }
            struct obj_value val;
            memset(&val, 0, sizeof val);
            val.type = OBJ_T_INT;
            val.i = vals[f][p];
            rc = obj_write(m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY);
        }
    if (rc == 0) {
        const struct obj_def *o = objtab_find_key("cal_fresp_ppm");
        struct obj_value val;
        memset(&val, 0, sizeof val);
        val.type = OBJ_T_INT;
        val.i = cal->fresp_ppm;
        rc = o != NULL ? obj_write(m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY) : METER_ENOENT;
    }
    *inputs = saved;
    return rc;
}

int calib_write(struct vmeter *v, const struct metro_cal *cal)
{
    return calib_write_meter(&v->m, &v->hw.inputs, cal);
}

int calib_write_serial(struct vmeter *v, uint32_t serial)
{
    const struct obj_def *o = objtab_find_key("serial");
    if (o == NULL)
        return METER_ENOENT;
    if (serial > 99999999u)
        return METER_ERANGE;
    struct obj_value val;
    memset(&val, 0, sizeof val);
    val.type = OBJ_T_STRING;
    val.len = (uint8_t)snprintf(val.s, sizeof val.s, "%08u", (unsigned)serial);
    uint32_t saved = v->hw.inputs;
    v->hw.inputs |= METER_IN_CAL_SWITCH;
    int rc = obj_write(&v->m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY);
    v->hw.inputs = saved;
    return rc;
}

static int write_row(struct vmeter *v, const char *key, int64_t value)
{
    const struct obj_def *o = objtab_find_key(key);
    if (o == NULL)
        return METER_ENOENT;
    struct obj_value ov;
    memset(&ov, 0, sizeof ov);
    ov.type = OBJ_T_INT;
    ov.i = value;
    return obj_write(&v->m, o, METER_ACC_MANAGER, &ov, METER_SRC_FACTORY);
}

/* The extended calibration through its rows (objtab.c), switch closed. */
int calib_write_ext(struct vmeter *v, const struct metro_cal_ext *x)
{
    static const struct {
        const char *key;
        size_t off; /* of the per-phase array in struct metro_cal_ext */
    } per_phase[] = {
        {"cal_u_tc1_l", offsetof(struct metro_cal_ext, u_tc1)},
        {"cal_u_tc2_l", offsetof(struct metro_cal_ext, u_tc2)},
        {"cal_i_tc1_l", offsetof(struct metro_cal_ext, i_tc1)},
        {"cal_i_tc2_l", offsetof(struct metro_cal_ext, i_tc2)},
        {"cal_lead_tc1_l", offsetof(struct metro_cal_ext, lead_tc1)},
        {"cal_lead_tc2_l", offsetof(struct metro_cal_ext, lead_tc2)},
        {"cal_sh_ppb_l", offsetof(struct metro_cal_ext, sh_ppb)},
        {"cal_sh_tc_l", offsetof(struct metro_cal_ext, sh_tc)},
        {"cal_xt_p_uw_l", offsetof(struct metro_cal_ext, xt_p_uw)},
        {"cal_xt_q_uvar_l", offsetof(struct metro_cal_ext, xt_q_uvar)},
        {"cal_hr_a1_l", offsetof(struct metro_cal_ext, hr_a1)},
        {"cal_hr_a2_l", offsetof(struct metro_cal_ext, hr_a2)},
        {"cal_hr_a3_l", offsetof(struct metro_cal_ext, hr_a3)},
    };
    uint32_t saved = v->hw.inputs;
    v->hw.inputs |= METER_IN_CAL_SWITCH;
    int rc = write_row(v, "cal_t_ref_mdeg", x->t_ref_mdeg);
    for (size_t f = 0; f < sizeof per_phase / sizeof per_phase[0] && rc == 0; f++)
        for (int p = 0; p < 3 && rc == 0; p++) {
            char key[32];
            int32_t val;
            memcpy(&val, (const char *)x + per_phase[f].off + (size_t)p * sizeof val, sizeof val);
            snprintf(key, sizeof key, "%s%d", per_phase[f].key, p + 1);
            rc = write_row(v, key, val);
        }
    if (rc == 0)
        rc = write_row(v, "cal_sh_tau_s", x->sh_tau_s);
    if (rc == 0)
        rc = write_row(v, "cal_rtc_ppb", x->rtc_ppb);
    if (rc == 0)
        rc = write_row(v, "cal_rtc_k", x->rtc_k);
    if (rc == 0)
        rc = write_row(v, "cal_rtc_t0_mdeg", x->rtc_t0_mdeg);
    if (rc == 0)
        rc = write_row(v, "metro_wiring", x->wiring);
    v->hw.inputs = saved;
    return rc;
}
