/*
 * wave.c — spectral waveform model: sine with listed harmonics, shaped
 * currents (half-wave, phase-fired, burst) as their Fourier series up to
 * the 40th harmonic, exact energies, and the fast stateful synthesiser.
 */
#include "wave.h"

#include <complex.h>
#include <math.h>

#include "adc.h"
#include "metrology/metro.h"
#include <stdio.h>
#include <string.h>

#define DEG (M_PI / 180.0)

static int add_comp(struct wave_phase *ph, double mult, double u_rms, double u_ph, double i_rms, double i_ph)
{
    for (unsigned k = 0; k < ph->ncomp; k++) {
        struct wave_comp *c = &ph->c[k];
        if (fabs(c->mult - mult) < 1e-12) {
            /* same frequency: add phasors */
            double ur = c->u_rms * cos(c->u_ph) + u_rms * cos(u_ph);
            double ui = c->u_rms * sin(c->u_ph) + u_rms * sin(u_ph);
            double ir = c->i_rms * cos(c->i_ph) + i_rms * cos(i_ph);
            double ii = c->i_rms * sin(c->i_ph) + i_rms * sin(i_ph);
            c->u_rms = hypot(ur, ui);
            c->u_ph = atan2(ui, ur);
            c->i_rms = hypot(ir, ii);
            c->i_ph = atan2(ii, ir);
            return 0;
        }
    }
    if (ph->ncomp >= WAVE_MAX_COMP)
        return -1;
    ph->c[ph->ncomp++] = (struct wave_comp){mult, u_rms, u_ph, i_rms, i_ph};
    return 0;
}

/* Integral of e^{j nu psi} over [a, b]. */
static double complex int_exp(double nu, double a, double b)
{
    if (fabs(nu) < 1e-12)
        return b - a;
    return (cexp(I * nu * b) - cexp(I * nu * a)) / (I * nu);
}

/* A sine sqrt2*i*sin(psi) (psi = theta + ia + pi/2, so that it equals the
 * unshaped current) passed only inside gates of psi, periodic over P
 * fundamental cycles: its Fourier series up to WAVE_BAND_LIMIT harmonics. */
static int add_shaped(struct wave_phase *ph, const struct wave_phase_params *pp, double ia, char *err, size_t errlen)
{
    double gates[8][2];
    unsigned ng = 0, P = 1;
    switch (pp->shape) {
    case WAVE_HALF_WAVE:
        gates[ng][0] = 0;
        gates[ng++][1] = M_PI;
        break;
    case WAVE_PHASE_FIRED: {
        double a = pp->firing_angle_deg * DEG;
        if (!(a >= 0 && a < M_PI)) {
            snprintf(err, errlen, "firing_angle %.3g outside 0..180", pp->firing_angle_deg);
            return -1;
        }
        gates[ng][0] = a;
        gates[ng++][1] = M_PI;
        gates[ng][0] = M_PI + a;
        gates[ng++][1] = 2 * M_PI;
        break;
    }
    case WAVE_BURST:
        P = pp->on_cycles + pp->off_cycles;
        if (pp->on_cycles == 0 || P > WAVE_MAX_COMP / WAVE_BAND_LIMIT) {
            snprintf(err, errlen, "burst needs on_cycles >= 1 and on+off <= %d", WAVE_MAX_COMP / WAVE_BAND_LIMIT);
            return -1;
        }
        gates[ng][0] = 0;
        gates[ng++][1] = 2 * M_PI * pp->on_cycles;
        break;
    default:
        snprintf(err, errlen, "unknown shape");
        return -1;
    }
    double amp = M_SQRT2 * pp->i;
    for (unsigned k = 0; k <= WAVE_BAND_LIMIT * P; k++) {
        double nu = (double)k / P;
        double complex x = 0;
        for (unsigned g = 0; g < ng; g++) {
            /* sin psi = (e^{j psi} - e^{-j psi}) / 2j */
            x += (int_exp(1 - nu, gates[g][0], gates[g][1]) - int_exp(-1 - nu, gates[g][0], gates[g][1])) / (2 * I);
        }
        x *= amp / (2 * M_PI * P);
        if (k == 0) {
            ph->i_dc += creal(x);
            continue;
        }
        double mag = cabs(x);
        if (mag < 1e-15 * amp)
            continue;
        /* 2|X| cos(nu psi + arg X), psi = theta + ia + pi/2 */
        if (add_comp(ph, nu, 0, 0, M_SQRT2 * mag, carg(x) + nu * (ia + M_PI / 2)) != 0) {
            snprintf(err, errlen, "too many spectral components");
            return -1;
        }
    }
    return 0;
}

int wave_build(struct wave_set *ws, const struct wave_phase_params p[3], char *err, size_t errlen)
{
    memset(ws, 0, sizeof *ws);
    for (int k = 0; k < 3; k++) {
        const struct wave_phase_params *pp = &p[k];
        struct wave_phase *ph = &ws->ph[k];
        double ua = pp->angle_deg * DEG;
        double ia = ua - pp->phi_deg * DEG;
        if (pp->shape != WAVE_SINE) {
            add_comp(ph, 1.0, pp->u, ua, 0, 0);
            if (add_shaped(ph, pp, ia, err, errlen) != 0)
                return -1;
        } else {
            add_comp(ph, 1.0, pp->u, ua, pp->i, ia);
        }
        for (unsigned h = 0; h < pp->n_uh; h++) {
            const struct wave_harm *w = &pp->uh[h];
            if (w->n < 2 || w->n > WAVE_BAND_LIMIT) {
                snprintf(err, errlen, "harmonic order %u outside 2..%d", w->n, WAVE_BAND_LIMIT);
                return -1;
            }
            /* a harmonic's phase is referred to its own voltage's angle */
            add_comp(ph, w->n, pp->u * w->pct / 100.0, w->n * ua + w->phase_deg * DEG, 0, 0);
        }
        for (unsigned h = 0; h < pp->n_ih; h++) {
            const struct wave_harm *w = &pp->ih[h];
            if (w->n < 2 || w->n > WAVE_BAND_LIMIT) {
                snprintf(err, errlen, "harmonic order %u outside 2..%d", w->n, WAVE_BAND_LIMIT);
                return -1;
            }
            add_comp(ph, w->n, 0, 0, pp->i * w->pct / 100.0, w->n * ia + w->phase_deg * DEG);
        }
        ph->i_dc += pp->i_dc;
    }
    return 0;
}

void wave_reference(const struct wave_phase *ph, struct wave_ref *out)
{
    double uu = ph->u_dc * ph->u_dc, ii = ph->i_dc * ph->i_dc;
    memset(out, 0, sizeof *out);
    out->p = ph->u_dc * ph->i_dc;
    for (unsigned k = 0; k < ph->ncomp; k++) {
        const struct wave_comp *c = &ph->c[k];
        double d = c->u_ph - c->i_ph;
        out->p += c->u_rms * c->i_rms * cos(d);
        out->q_total += c->u_rms * c->i_rms * sin(d);
        if (fabs(c->mult - 1.0) < 1e-12) {
            out->q1 = c->u_rms * c->i_rms * sin(d);
            out->u1_rms = c->u_rms;
            out->i1_rms = c->i_rms;
        }
        uu += c->u_rms * c->u_rms;
        ii += c->i_rms * c->i_rms;
    }
    out->urms = sqrt(uu);
    out->irms = sqrt(ii);
    out->s = out->urms * out->irms;
}

void wave_wire(struct wave_set *ws, int wiring)
{
    if (wiring == METRO_WIRE_1P || wiring == METRO_WIRE_2P) {
        for (int k = wiring == METRO_WIRE_1P ? 1 : 2; k < 3; k++)
            memset(&ws->ph[k], 0, sizeof ws->ph[k]);
    } else if (wiring == METRO_WIRE_ARON) {
        /* the dividers from L1 and L3 to L2: subtract U2 (phasor by phasor) */
        const struct wave_phase *l2 = &ws->ph[1];
        for (int k = 0; k < 3; k += 2) {
            struct wave_phase *e = &ws->ph[k];
            for (unsigned n = 0; n < l2->ncomp; n++)
                if (l2->c[n].u_rms != 0)
                    (void)add_comp(e, l2->c[n].mult, l2->c[n].u_rms, l2->c[n].u_ph + M_PI, 0, 0);
            e->u_dc -= l2->u_dc;
        }
        memset(&ws->ph[1], 0, sizeof ws->ph[1]);
    }
}

bool wave_currents_balance(const struct wave_set *ws, double *mult, double *left)
{
    double imax = 1e-9;
    for (int k = 0; k < 3; k++)
        for (unsigned n = 0; n < ws->ph[k].ncomp; n++)
            if (ws->ph[k].c[n].i_rms > imax)
                imax = ws->ph[k].c[n].i_rms;
    double dc = ws->ph[0].i_dc + ws->ph[1].i_dc + ws->ph[2].i_dc;
    if (fabs(dc) > 1e-6 * imax) {
        *mult = 0;
        *left = fabs(dc);
        return false;
    }
    for (int k = 0; k < 3; k++)
        for (unsigned n = 0; n < ws->ph[k].ncomp; n++) {
            double m = ws->ph[k].c[n].mult;
            double complex sum = 0;
            for (int j = 0; j < 3; j++)
                for (unsigned q = 0; q < ws->ph[j].ncomp; q++)
                    if (fabs(ws->ph[j].c[q].mult - m) < 1e-12)
                        sum += ws->ph[j].c[q].i_rms * cexp(I * ws->ph[j].c[q].i_ph);
            if (cabs(sum) > 1e-6 * imax) {
                *mult = m;
                *left = cabs(sum);
                return false;
            }
        }
    return true;
}

void wave_eval(const struct wave_set *ws, double theta, double out[7])
{
    out[6] = 0;
    for (int k = 0; k < 3; k++) {
        const struct wave_phase *ph = &ws->ph[k];
        double u = ph->u_dc, i = ph->i_dc;
        for (unsigned n = 0; n < ph->ncomp; n++) {
            const struct wave_comp *c = &ph->c[n];
            double a = c->mult * theta;
            u += M_SQRT2 * c->u_rms * cos(a + c->u_ph);
            i += M_SQRT2 * c->i_rms * cos(a + c->i_ph);
        }
        out[2 * k] = u;
        out[2 * k + 1] = i;
        out[6] -= i;
    }
}

/* Integral of cos(nu th + c) over [th0, th1]. */
static double int_cos(double nu, double c, double th0, double th1)
{
    if (fabs(nu) < 1e-12)
        return cos(c) * (th1 - th0);
    return (sin(nu * th1 + c) - sin(nu * th0 + c)) / nu;
}

double wave_energy(const struct wave_phase *ph, double th0, double th1, double omega)
{
    double e = ph->u_dc * ph->i_dc * (th1 - th0);
    for (unsigned a = 0; a < ph->ncomp; a++) {
        const struct wave_comp *ca = &ph->c[a];
        if (ph->i_dc != 0 && ca->u_rms != 0)
            e += ph->i_dc * M_SQRT2 * ca->u_rms * int_cos(ca->mult, ca->u_ph, th0, th1);
        if (ph->u_dc != 0 && ca->i_rms != 0)
            e += ph->u_dc * M_SQRT2 * ca->i_rms * int_cos(ca->mult, ca->i_ph, th0, th1);
        if (ca->u_rms == 0)
            continue;
        for (unsigned b = 0; b < ph->ncomp; b++) {
            const struct wave_comp *cb = &ph->c[b];
            if (cb->i_rms == 0)
                continue;
            /* 2 U I cos(A) cos(B) = U I (cos(A-B) + cos(A+B)) */
            double ui = ca->u_rms * cb->i_rms;
            e += ui * (int_cos(ca->mult - cb->mult, ca->u_ph - cb->i_ph, th0, th1) +
                       int_cos(ca->mult + cb->mult, ca->u_ph + cb->i_ph, th0, th1));
        }
    }
    return e / omega;
}

/* ---- fast synthesiser --------------------------------------------------- */

void wave_gen_init(struct wave_gen *g, double fs, const struct adc_model *adc)
{
    memset(g, 0, sizeof *g);
    g->fs = fs;
    g->adc = adc;
    g->f0 = 50.0;
}

double wave_gen_theta(const struct wave_gen *g)
{
    double t = (double)g->n / g->fs;
    return g->theta0 + 2.0 * M_PI * (g->f0 * t + 0.5 * g->drift * t * t);
}

double wave_gen_freq(const struct wave_gen *g)
{
    return g->f0 + g->drift * (double)g->n / g->fs;
}

static struct wave_line *line_for(struct wave_gen *g, double mult)
{
    for (unsigned k = 0; k < g->nl; k++)
        if (fabs(g->l[k].mult - mult) < 1e-12)
            return &g->l[k];
    if (g->nl >= WAVE_MAX_COMP)
        return NULL;
    struct wave_line *l = &g->l[g->nl++];
    memset(l, 0, sizeof *l);
    l->mult = mult;
    return l;
}

/* Phasors at the exact phase of sample n, coefficients at the frequency
 * of that moment (they change only under drift). */
static void gen_sync(struct wave_gen *g)
{
    double th = wave_gen_theta(g), f = wave_gen_freq(g);
    double dth = 2.0 * M_PI * (f + 0.5 * g->drift / g->fs) / g->fs; /* to the next sample */
    double ddth = 2.0 * M_PI * g->drift / (g->fs * g->fs);
    bool coef = g->n == 0 || g->drift != 0.0 || g->retune;
    g->retune = false;
    for (unsigned k = 0; k < g->nl; k++) {
        struct wave_line *l = &g->l[k];
        double a = fmod(l->mult * th, 2.0 * M_PI);
        l->zr = cos(a);
        l->zi = sin(a);
        l->sr = cos(l->mult * dth);
        l->si = sin(l->mult * dth);
        l->ar = cos(l->mult * ddth);
        l->ai = sin(l->mult * ddth);
        if (!coef)
            continue;
        for (int c = 0; c < 7; c++)
            l->cr[c] = l->ci[c] = 0;
        for (int p = 0; p < 3; p++) {
            const struct wave_phase *ph = &g->ws.ph[p];
            for (unsigned n = 0; n < ph->ncomp; n++) {
                const struct wave_comp *wc = &ph->c[n];
                if (fabs(wc->mult - l->mult) >= 1e-12)
                    continue;
                double ur = M_SQRT2 * wc->u_rms * cos(wc->u_ph), ui = M_SQRT2 * wc->u_rms * sin(wc->u_ph);
                double ir = M_SQRT2 * wc->i_rms * cos(wc->i_ph), ii = M_SQRT2 * wc->i_rms * sin(wc->i_ph);
                l->cr[2 * p] += ur;
                l->ci[2 * p] += ui;
                l->cr[2 * p + 1] += ir;
                l->ci[2 * p + 1] += ii;
                l->cr[6] -= ir;
                l->ci[6] -= ii;
            }
        }
        if (g->adc != NULL) {
            for (unsigned c = 0; c < 7; c++) {
                double hr, hi;
                adc_response(g->adc, c, l->mult * f, &hr, &hi);
                double r = l->cr[c] * hr - l->ci[c] * hi, i = l->cr[c] * hi + l->ci[c] * hr;
                l->cr[c] = r;
                l->ci[c] = i;
            }
            /* crosstalk: some of each phase's voltage channel in its current channel */
            for (unsigned p = 0; p < 3; p++) {
                double xr, xi;
                adc_crosstalk(g->adc, p, l->mult * f, &xr, &xi);
                l->cr[2 * p + 1] += l->cr[2 * p] * xr - l->ci[2 * p] * xi;
                l->ci[2 * p + 1] += l->cr[2 * p] * xi + l->ci[2 * p] * xr;
            }
        }
        l->ionly = true;
        for (unsigned c = 0; c < 6; c += 2)
            if (l->cr[c] != 0.0 || l->ci[c] != 0.0)
                l->ionly = false;
    }
    if (coef) {
        for (int c = 0; c < 7; c++)
            g->dc[c] = 0;
        for (int p = 0; p < 3; p++) {
            g->dc[2 * p] = g->ws.ph[p].u_dc;
            g->dc[2 * p + 1] = g->ws.ph[p].i_dc;
            g->dc[6] -= g->ws.ph[p].i_dc;
        }
        if (g->adc != NULL)
            for (unsigned c = 0; c < 7; c++) {
                double hr, hi;
                adc_response(g->adc, c, 0.0, &hr, &hi);
                g->dc[c] *= hr;
            }
    }
}

void wave_gen_load(struct wave_gen *g, const struct wave_set *ws, double f_hz, double drift_hz_s)
{
    double th = fmod(wave_gen_theta(g), 2.0 * M_PI);
    g->ws = *ws;
    g->theta0 = th;
    g->f0 = f_hz;
    g->drift = drift_hz_s;
    g->n = 0;
    g->nl = 0;
    for (int p = 0; p < 3; p++)
        for (unsigned n = 0; n < ws->ph[p].ncomp; n++)
            (void)line_for(g, ws->ph[p].c[n].mult);
    gen_sync(g);
}

void wave_gen_retune(struct wave_gen *g)
{
    g->retune = true;
    gen_sync(g);
}

void wave_gen_next(struct wave_gen *g, double out[7])
{
    if (g->n % WAVE_SYNC == 0 && g->n != 0)
        gen_sync(g);
    for (int c = 0; c < 7; c++)
        out[c] = g->dc[c];
    bool drift = g->drift != 0.0;
    for (unsigned k = 0; k < g->nl; k++) {
        struct wave_line *l = &g->l[k];
        double zr = l->zr, zi = l->zi;
        if (l->ionly) {
            /* a current harmonic (shaped loads: most lines) */
            out[1] += l->cr[1] * zr - l->ci[1] * zi;
            out[3] += l->cr[3] * zr - l->ci[3] * zi;
            out[5] += l->cr[5] * zr - l->ci[5] * zi;
            out[6] += l->cr[6] * zr - l->ci[6] * zi;
        } else {
            for (int c = 0; c < 7; c++)
                out[c] += l->cr[c] * zr - l->ci[c] * zi;
        }
        l->zr = zr * l->sr - zi * l->si;
        l->zi = zr * l->si + zi * l->sr;
        if (drift) {
            double sr = l->sr;
            l->sr = sr * l->ar - l->si * l->ai;
            l->si = sr * l->ai + l->si * l->ar;
        }
    }
    g->n++;
}
