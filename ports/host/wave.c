/*
 * wave.c — spectral waveform model: sine with listed harmonics. Shaped
 * currents (half-wave, phase-fired, burst), drift and a fast synthesiser
 * are the metrology issue's part.
 */
#include "wave.h"

#include <math.h>
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

int wave_build(struct wave_set *ws, const struct wave_phase_params p[3], char *err, size_t errlen)
{
    memset(ws, 0, sizeof *ws);
    for (int k = 0; k < 3; k++) {
        const struct wave_phase_params *pp = &p[k];
        struct wave_phase *ph = &ws->ph[k];
        double ua = pp->angle_deg * DEG;
        double ia = ua - pp->phi_deg * DEG;
        if (pp->shape != WAVE_SINE) {
            snprintf(err, errlen, "shape not supported yet");
            return -1;
        }
        add_comp(ph, 1.0, pp->u, ua, pp->i, ia);
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
        ph->i_dc = pp->i_dc;
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
