/*
 * blocks.c — exact one-second blocks and reference energies from the
 * spectral form of a segment (see blocks.h).
 */
#include "blocks.h"

#include "metrology/metro.h"

#include <complex.h>
#include <math.h>
#include <string.h>

#define UWH_PER_WS (1e6 / 3600.0) /* uWh in one watt-second */

static int32_t sat32(double v)
{
    if (!(v == v))
        return 0;
    if (v > 2147483647.0)
        return INT32_MAX;
    if (v < -2147483648.0)
        return INT32_MIN;
    return (int32_t)llround(v);
}

/* Angle in milli-degrees, normalised to (-180000, 180000]. */
static int32_t mdeg(double rad)
{
    double d = remainder(rad * (180.0 / M_PI), 360.0);
    if (d <= -180.0)
        d += 360.0;
    return sat32(d * 1000.0);
}

static const struct wave_comp *fundamental(const struct wave_phase *ph)
{
    for (unsigned k = 0; k < ph->ncomp; k++)
        if (fabs(ph->c[k].mult - 1.0) < 1e-12)
            return &ph->c[k];
    return NULL;
}

/* Split signed P and Q of one second into the four quadrant energies. */
static void quadrant_energy(double p, double q, double e[MEAS_QTY])
{
    e[MEAS_AP] = p > 0 ? p * UWH_PER_WS : 0.0;
    e[MEAS_AN] = p < 0 ? -p * UWH_PER_WS : 0.0;
    e[MEAS_RP] = q > 0 ? q * UWH_PER_WS : 0.0;
    e[MEAS_RN] = q < 0 ? -q * UWH_PER_WS : 0.0;
}

/* Neutral current: the phase currents summed component by component. */
static double neutral_rms(const struct wave_set *ws)
{
    double sum2 = 0.0, dc = 0.0;
    for (int k = 0; k < 3; k++) {
        const struct wave_phase *ph = &ws->ph[k];
        dc += ph->i_dc;
        for (unsigned n = 0; n < ph->ncomp; n++) {
            const struct wave_comp *c = &ph->c[n];
            /* count each frequency once: at its first appearance */
            bool seen = false;
            for (int j = 0; j < k && !seen; j++)
                for (unsigned m = 0; m < ws->ph[j].ncomp; m++)
                    if (fabs(ws->ph[j].c[m].mult - c->mult) < 1e-12)
                        seen = true;
            for (unsigned m = 0; m < n && !seen; m++)
                if (fabs(ph->c[m].mult - c->mult) < 1e-12)
                    seen = true;
            if (seen)
                continue;
            double re = 0.0, im = 0.0;
            for (int j = k; j < 3; j++)
                for (unsigned m = 0; m < ws->ph[j].ncomp; m++) {
                    const struct wave_comp *d = &ws->ph[j].c[m];
                    if (fabs(d->mult - c->mult) < 1e-12) {
                        re += d->i_rms * cos(d->i_ph);
                        im += d->i_rms * sin(d->i_ph);
                    }
                }
            sum2 += re * re + im * im;
        }
    }
    return sqrt(sum2 + dc * dc);
}

void blocks_prepare(struct blocks_seg *bs, const struct wave_set *ws, double f_hz)
{
    struct meas_block *b = &bs->tmpl;
    double p_tot = 0.0, q_tot = 0.0, s_tot = 0.0;
    double u0_re = 0.0, u0_im = 0.0;
    double u_ang[3] = {0, 0, 0};
    bool u_present[3] = {false, false, false};
    bool any_freq = false, all_creep = true;

    memset(bs, 0, sizeof *bs);
    for (int k = 0; k < 3; k++) {
        struct wave_ref r;
        wave_reference(&ws->ph[k], &r);
        const struct wave_comp *f = fundamental(&ws->ph[k]);
        struct meas_phase *ph = &b->ph[k];
        ph->p_mw = sat32(r.p * 1e3);
        ph->q_mvar = sat32(r.q1 * 1e3);
        ph->s_mva = sat32(r.s * 1e3);
        ph->u_mv = sat32(r.urms * 1e3);
        ph->i_ua = sat32(r.irms * 1e6);
        quadrant_energy(r.p, r.q1, bs->e_ph[k]);
        p_tot += r.p;
        q_tot += r.q1;
        s_tot += r.s;
        if (r.urms < BLOCKS_PRESENT_V)
            b->flags |= (uint32_t)MEAS_F_NO_VOLTAGE_L1 << k;
        if (r.irms >= BLOCKS_CREEP_A)
            all_creep = false;
        if (f != NULL && f->u_rms >= BLOCKS_NO_FREQ_V)
            any_freq = true;
        if (f != NULL) {
            u0_re += f->u_rms * cos(f->u_ph);
            u0_im += f->u_rms * sin(f->u_ph);
            u_ang[k] = f->u_ph;
            u_present[k] = f->u_rms >= BLOCKS_NO_FREQ_V;
            if (f->u_rms > 0 && f->i_rms > 0)
                ph->phi_mdeg = mdeg(f->u_ph - f->i_ph);
        }
    }
    double ref_ang = u_present[0] ? u_ang[0] : 0.0;
    for (int k = 0; k < 3; k++)
        b->ph[k].u_angle_mdeg = u_present[k] ? mdeg(u_ang[k] - ref_ang) : 0;
    /* L1-L2-L3 puts U2 120 degrees behind U1; reversed, ahead */
    if (u_present[0] && u_present[1]) {
        if (b->ph[1].u_angle_mdeg > 0)
            b->flags |= MEAS_F_REVERSE_SEQ;
    } else if (u_present[0] && u_present[2]) {
        if (b->ph[2].u_angle_mdeg < 0)
            b->flags |= MEAS_F_REVERSE_SEQ;
    }
    quadrant_energy(p_tot, q_tot, bs->e_tot);
    b->p_mw = sat32(p_tot * 1e3);
    b->q_mvar = sat32(q_tot * 1e3);
    b->s_mva = sat32(s_tot * 1e3);
    b->u0_mv = sat32(hypot(u0_re, u0_im) / 3.0 * 1e3);
    b->in_ua = sat32(neutral_rms(ws) * 1e6);
    if (any_freq) {
        b->f_mhz = (uint32_t)llround(f_hz * 1e3);
    } else {
        b->f_mhz = 0;
        b->flags |= MEAS_F_NO_FREQ;
    }
    if (all_creep)
        b->flags |= MEAS_F_CREEP;
    if (b->p_mw == 0 && b->q_mvar == 0)
        b->quadrant = 0;
    else if (b->p_mw >= 0)
        b->quadrant = b->q_mvar >= 0 ? 1 : 4;
    else
        b->quadrant = b->q_mvar >= 0 ? 2 : 3;
}

void blocks_prepare_wired(struct blocks_seg *bs, const struct wave_set *ws, double f_hz, int wiring)
{
    blocks_prepare(bs, ws, f_hz);
    if (wiring == METRO_WIRE_4W)
        return;
    struct meas_block *b = &bs->tmpl;
    const bool used[3] = {true, wiring == METRO_WIRE_2P, wiring == METRO_WIRE_ARON};
    double p_tot = 0, q_tot = 0;
    int32_t s_tot = 0;
    for (int k = 0; k < 3; k++) {
        if (!used[k]) {
            memset(&b->ph[k], 0, sizeof b->ph[k]);
            for (int q = 0; q < MEAS_QTY; q++)
                bs->e_ph[k][q] = 0;
            b->flags |= (uint32_t)MEAS_F_NO_VOLTAGE_L1 << k;
            continue;
        }
        struct wave_ref r;
        wave_reference(&ws->ph[k], &r);
        p_tot += r.p;
        q_tot += r.q1;
        s_tot += b->ph[k].s_mva;
    }
    b->flags &= ~(uint32_t)MEAS_F_REVERSE_SEQ;
    b->u0_mv = 0;
    b->in_ua = 0;
    if (wiring == METRO_WIRE_ARON) {
        /* U31 = V3 - V1 and I2 = -(I1 + I3), fundamentals (metro_aron) */
        const struct wave_comp *f1 = fundamental(&ws->ph[0]), *f3 = fundamental(&ws->ph[2]);
        double complex v1 = f1 != NULL ? f1->u_rms * cexp(I * f1->u_ph) : 0, v3 = f3 != NULL ? f3->u_rms * cexp(I * f3->u_ph) : 0;
        double complex i1 = f1 != NULL ? f1->i_rms * cexp(I * f1->i_ph) : 0, i3 = f3 != NULL ? f3->i_rms * cexp(I * f3->i_ph) : 0;
        struct meas_phase *m = &b->ph[1];
        m->u_mv = sat32(cabs(v3 - v1) * 1e3);
        m->i_ua = sat32(cabs(i1 + i3) * 1e6);
        m->u_angle_mdeg = cabs(v1) > 0 ? mdeg(carg(v3 - v1) - carg(v1)) : 0;
        bool u12 = b->ph[0].u_mv >= BLOCKS_PRESENT_V * 1e3, u31 = m->u_mv >= BLOCKS_PRESENT_V * 1e3,
             u32 = b->ph[2].u_mv >= BLOCKS_PRESENT_V * 1e3;
        b->flags &= ~(uint32_t)(MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2 | MEAS_F_NO_VOLTAGE_L3);
        if (!(u12 && u31))
            b->flags |= MEAS_F_NO_VOLTAGE_L1;
        if (!(u12 && u32))
            b->flags |= MEAS_F_NO_VOLTAGE_L2;
        if (!(u32 && u31))
            b->flags |= MEAS_F_NO_VOLTAGE_L3;
        if (u12 && u32 && b->ph[2].u_angle_mdeg < 0)
            b->flags |= MEAS_F_REVERSE_SEQ;
    } else if (wiring == METRO_WIRE_2P && !(b->flags & (MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2)) &&
               b->ph[1].u_angle_mdeg > 0) {
        b->flags |= MEAS_F_REVERSE_SEQ;
    }
    quadrant_energy(p_tot, q_tot, bs->e_tot);
    b->p_mw = sat32(p_tot * 1e3);
    b->q_mvar = sat32(q_tot * 1e3);
    b->s_mva = s_tot;
    bool creep = true;
    for (int k = 0; k < 3; k++)
        if (used[k] && b->ph[k].i_ua >= BLOCKS_CREEP_A * 1e6)
            creep = false;
    b->flags &= ~(uint32_t)MEAS_F_CREEP;
    if (creep)
        b->flags |= MEAS_F_CREEP;
    if (b->p_mw == 0 && b->q_mvar == 0)
        b->quadrant = 0;
    else if (b->p_mw >= 0)
        b->quadrant = b->q_mvar >= 0 ? 1 : 4;
    else
        b->quadrant = b->q_mvar >= 0 ? 2 : 3;
}

/* Whole uWh of this second; the fraction waits in *rem. */
static int64_t take(double *rem, double e)
{
    double x = *rem + e;
    double w = floor(x);
    *rem = x - w;
    return (int64_t)w;
}

void blocks_next(struct blocks *bk, const struct blocks_seg *bs, struct meas_block *out)
{
    *out = bs->tmpl;
    for (int k = 0; k < 3; k++)
        for (int q = 0; q < MEAS_QTY; q++)
            out->ph[k].e[q] = take(&bk->rem_ph[k][q], bs->e_ph[k][q]);
    for (int q = 0; q < MEAS_QTY; q++)
        out->e[q] = take(&bk->rem_tot[q], bs->e_tot[q]);
}

void blocks_ref_add(struct blocks_ref *r, const struct blocks_seg *bs, double seconds)
{
    for (int q = 0; q < MEAS_QTY; q++) {
        /* Kahan: a year of one-second steps keeps full precision */
        double y = bs->e_tot[q] * seconds - r->comp[q];
        double t = r->sum[q] + y;
        r->comp[q] = (t - r->sum[q]) - y;
        r->sum[q] = t;
    }
}

double blocks_ref_kwh(const struct blocks_ref *r, unsigned q)
{
    return q < MEAS_QTY ? r->sum[q] * 1e-9 : 0.0;
}
