/*
 * adc.c — see adc.h.
 */
#include "adc.h"

#include <complex.h>
#include <math.h>
#include <string.h>

#define U_LSB (METER_U_LSB_PV * 1e-12)
#define I_LSB (METER_I_LSB_PA * 1e-12)
#define CODE_MAX 8388607.0 /* 2^23 - 1 */

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(uint64_t s[4])
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

void adc_seed(struct adc_model *a, uint64_t seed)
{
    uint64_t z = seed;
    for (int k = 0; k < 4; k++) {
        /* splitmix64 */
        z += 0x9e3779b97f4a7c15ull;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        a->rng[k] = x ^ (x >> 31);
    }
}

/* The quantile table: Phi^-1((k + 0.5) / n) by bisection on erfc, scaled
 * to unit rms. */
static void gauss_table(struct adc_model *a)
{
    const unsigned n = 1u << ADC_GAUSS_BITS;
    double q[1u << ADC_GAUSS_BITS], ss = 0;
    for (unsigned k = 0; k < n / 2; k++) {
        double p = ((double)k + 0.5) / n, lo = -8.0, hi = 0.0; /* lower half: z < 0 */
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            if (0.5 * erfc(-mid / M_SQRT2) < p)
                lo = mid;
            else
                hi = mid;
        }
        q[k] = 0.5 * (lo + hi);
        q[n - 1 - k] = -q[k];
        ss += 2 * q[k] * q[k];
    }
    double g = 1.0 / sqrt(ss / n);
    for (unsigned k = 0; k < n; k++)
        a->gauss[k] = (float)(q[k] * g);
}

static void init_common(struct adc_model *a)
{
    memset(a, 0, sizeof *a);
    a->fs = METER_SAMPLE_RATE;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        a->ch[c].lsb = (c % 2 == 0 && c < 6) ? U_LSB : I_LSB;
        a->ch[c].gain = 1.0;
    }
    gauss_table(a);
    adc_seed(a, 1);
}

void adc_init_ideal(struct adc_model *a)
{
    init_common(a);
    a->kind = ADC_SIGMA_DELTA;
    a->osr = 0;
}

/* The unit's own errors: fixed, documented values (a different unit would
 * have others; the factory calibration finds them). */
static const double def_gain[METER_CHANNELS] = {1.0062, 0.9921, 0.9957, 1.0084, 1.0031, 0.9903, 1.0};
static const double def_offset[METER_CHANNELS] = {412, -1030, -233, 655, 95, -780, 120};
static const double def_lead_deg[3] = {0.30, 0.12, 0.45}; /* current channel lead at 50 Hz */

/* The shunt's L/R for a current lead of deg at 50 Hz: atan(w L/R). */
static double lead_tau(double deg)
{
    return tan(deg * M_PI / 180.0) / (2.0 * M_PI * 50.0);
}

/* Ambient FE_T_REF, no current: the reference state every coefficient is
 * relative to. */
static void fe_reference(struct adc_model *a)
{
    adc_soak(a, FE_T_REF);
    a->st.t0_int = a->st.t_base;
    for (unsigned p = 0; p < 3; p++)
        a->st.t0_sh[p] = a->st.t0_int;
    a->st.ts_rng = 0x5eed5eedu;
}

/* The default unit's physics: one plausible unit, fixed (adc_init_unit
 * draws others within the spreads of docs/METROLOGY.md). */
static void fe_default(struct fe_unit *u)
{
    static const double div_a[3] = {8e-6, -5e-6, 12e-6}, div_b[3] = {0.010e-6, -0.015e-6, 0.005e-6};
    static const double sh_a[3] = {18e-6, 27e-6, 12e-6};
    static const double pga_a[METER_CHANNELS] = {1e-6, -1.5e-6, 0.5e-6, 2e-6, -1e-6, 1.2e-6, 0};
    static const double aa_tol[METER_CHANNELS] = {1.012, 0.991, 0.987, 1.021, 1.004, 0.995, 1.0};
    static const double aa_lin[3] = {15e-6, -8e-6, 22e-6}, aa_x7r[3] = {2.2e-5, 1.8e-5, 2.6e-5};
    static const double rth1[3] = {6.0, 5.6, 6.5}, tau1[3] = {90, 80, 100};
    static const double rth2[3] = {6.2, 5.8, 6.0}, tau2[3] = {900, 850, 1000};
    static const double inl2[METER_CHANNELS] = {0.3e-5, -0.2e-5, 0.1e-5, 0.25e-5, -0.3e-5, 0.15e-5, 0};
    static const double inl3[METER_CHANNELS] = {1.0e-5, -0.6e-5, 0.8e-5, 1.2e-5, -0.9e-5, 0.7e-5, 0};
    static const double xt_re[3] = {0.8e-6, -0.5e-6, 0.6e-6}, xt_im[3] = {0.6e-6, 0.9e-6, -0.7e-6};
    memset(u, 0, sizeof *u);
    u->on = true;
    for (unsigned p = 0; p < 3; p++) {
        u->div_a[p] = div_a[p];
        u->div_b[p] = div_b[p];
        u->sh_a[p] = sh_a[p];
        u->sh_b[p] = -0.30e-6;
        u->sh_c[p] = -1.0e-9;
        u->aa_x7r3[2 * p + 1] = -1.5e-7 * aa_x7r[p] / 2.2e-5;
        u->sh_tau[p] = lead_tau(def_lead_deg[p]);
        u->aa_lin[2 * p] = aa_lin[p];
        u->aa_x7r[2 * p + 1] = aa_x7r[p];
        u->rth1[p] = rth1[p];
        u->tau1[p] = tau1[p];
        u->rth2[p] = rth2[p];
        u->tau2[p] = tau2[p];
        u->xt_re[p] = xt_re[p];
        u->xt_im[p] = xt_im[p];
    }
    u->ref_a = -15e-6;
    u->ref_b = -0.005e-6;
    u->ref_c = 2e-10;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        u->pga_a[c] = pga_a[c];
        u->aa_tau[c] = 22e-6 * aa_tol[c];
        u->inl2[c] = inl2[c];
        u->inl3[c] = inl3[c];
    }
    u->int_rise = 3.0;
    u->int_rth = 0.8;
    u->int_tau = 1800;
    u->ts_off = 1.3;
    u->ts_gain = 0.006;
    u->ts_noise = 0.1;
    u->xtal_ppm0 = 3.1;
    u->xtal_k = -0.034;
    u->xtal_t0 = 25.4;
}

void adc_init_default(struct adc_model *a, uint64_t seed)
{
    init_common(a);
    a->kind = ADC_SIGMA_DELTA;
    a->osr = 256;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        a->ch[c].gain = def_gain[c];
        a->ch[c].offset = def_offset[c];
        a->ch[c].noise = 4.0;
    }
    fe_default(&a->u);
    fe_reference(a);
    adc_seed(a, seed);
}

/* A uniform draw in [lo, hi) from the unit's generator. */
static double uni(uint64_t s[4], double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

void adc_init_unit(struct adc_model *a, uint64_t unit_seed, uint64_t noise_seed)
{
    adc_init_default(a, noise_seed);
    struct fe_unit *u = &a->u;
    uint64_t r[4];
    {
        struct adc_model tmp;
        adc_seed(&tmp, unit_seed ^ 0x0417u); /* splitmix64 state expansion */
        memcpy(r, tmp.rng, sizeof r);
    }
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        a->ch[c].gain = uni(r, 0.99, 1.01);
        a->ch[c].offset = round(uni(r, -1100, 1100));
        u->pga_a[c] = uni(r, -2e-6, 2e-6);
        u->aa_tau[c] = 22e-6 * uni(r, 0.97, 1.03);
        u->inl2[c] = uni(r, -0.5e-5, 0.5e-5);
        u->inl3[c] = uni(r, -1.5e-5, 1.5e-5);
    }
    for (unsigned p = 0; p < 3; p++) {
        u->div_a[p] = uni(r, -15e-6, 15e-6);
        u->div_b[p] = uni(r, -0.02e-6, 0.02e-6);
        u->sh_a[p] = uni(r, 5e-6, 35e-6);
        u->sh_b[p] = -0.30e-6 * uni(r, 0.9, 1.1);
        u->sh_c[p] = -1.0e-9 * uni(r, 0.5, 1.5);
        u->sh_tau[p] = lead_tau(uni(r, 0.10, 0.50));
        u->aa_lin[2 * p] = uni(r, -30e-6, 30e-6);
        u->aa_x7r[2 * p + 1] = uni(r, 1.5e-5, 3.0e-5);
        u->aa_x7r3[2 * p + 1] = -1.5e-7 * uni(r, 0.5, 1.5);
        u->rth1[p] = 6.0 * uni(r, 0.85, 1.15);
        u->tau1[p] = 90 * uni(r, 0.8, 1.2);
        u->rth2[p] = 6.0 * uni(r, 0.85, 1.15);
        u->tau2[p] = 900 * uni(r, 0.8, 1.2);
        double m = uni(r, 0.5e-6, 2e-6), ang = uni(r, 0, 2 * M_PI);
        u->xt_re[p] = m * cos(ang);
        u->xt_im[p] = m * sin(ang);
    }
    u->ref_a = uni(r, -20e-6, 20e-6);
    u->ref_b = -0.005e-6 * uni(r, 0.5, 1.5);
    u->ref_c = uni(r, -2e-10, 2e-10);
    u->int_rise = uni(r, 2.0, 4.0);
    u->int_rth = 0.8 * uni(r, 0.8, 1.2);
    u->ts_off = uni(r, -2.0, 2.0);
    u->ts_gain = uni(r, -0.01, 0.01);
    u->xtal_ppm0 = uni(r, -5.0, 5.0);
    u->xtal_k = -0.034 + uni(r, -0.006, 0.006);
    u->xtal_t0 = 25.0 + uni(r, -5.0, 5.0);
    fe_reference(a);
}

/* ---- front-end physics -------------------------------------------------- */

void adc_soak(struct adc_model *a, double t)
{
    struct fe_state *st = &a->st;
    st->t_amb = t;
    st->t_base = t + a->u.int_rise;
    st->r_int = 0;
    for (unsigned p = 0; p < 3; p++)
        st->r1[p] = st->r2[p] = 0;
}

/* x relaxes to target over dt with time constant tau. */
static double relax(double x, double target, double dt, double tau)
{
    return tau > 0 ? target + (x - target) * exp(-dt / tau) : target;
}

void adc_thermal_step(struct adc_model *a, double dt, double t_amb, const double irms[3])
{
    struct fe_state *st = &a->st;
    const struct fe_unit *u = &a->u;
    if (!u->on)
        return;
    double ptot = 0, pw[3];
    bool steady = st->t_base == t_amb + u->int_rise;
    st->t_amb = t_amb;
    for (unsigned p = 0; p < 3; p++) {
        pw[p] = irms[p] * irms[p] * FE_SHUNT_OHM;
        ptot += pw[p];
        steady = steady && st->r1[p] == pw[p] * u->rth1[p] && st->r2[p] == pw[p] * u->rth2[p];
    }
    if (steady && st->r_int == ptot * u->int_rth)
        return; /* in equilibrium (long runs at one load: no work) */
    for (unsigned p = 0; p < 3; p++) {
        st->r1[p] = relax(st->r1[p], pw[p] * u->rth1[p], dt, u->tau1[p]);
        st->r2[p] = relax(st->r2[p], pw[p] * u->rth2[p], dt, u->tau2[p]);
    }
    st->r_int = relax(st->r_int, ptot * u->int_rth, dt, u->int_tau);
    st->t_base = relax(st->t_base, t_amb + u->int_rise, dt, u->int_tau);
}

double adc_t_die(const struct adc_model *a)
{
    return a->st.t_base + a->st.r_int;
}

double adc_t_shunt(const struct adc_model *a, unsigned p)
{
    return adc_t_die(a) + a->st.r1[p] + a->st.r2[p];
}

int32_t adc_sensor_mdeg(struct adc_model *a)
{
    const struct fe_unit *u = &a->u;
    double t = adc_t_die(a);
    if (u->on) {
        /* xorshift64: the sensor's own noise, apart from the ADC's */
        uint64_t x = a->st.ts_rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a->st.ts_rng = x;
        t = (1.0 + u->ts_gain) * t + u->ts_off + u->ts_noise * a->gauss[x & ((1u << ADC_GAUSS_BITS) - 1u)];
    }
    return (int32_t)lround(t * 1000.0);
}

double adc_xtal_ppm(const struct adc_model *a)
{
    const struct fe_unit *u = &a->u;
    if (!u->on)
        return 0.0;
    double d = adc_t_die(a) - u->xtal_t0;
    return u->xtal_ppm0 + u->xtal_k * d * d;
}

/* The shunt's resistance relative to the reference state. */
static double shunt_ratio(const struct adc_model *a, unsigned p)
{
    double d = adc_t_shunt(a, p) - a->st.t0_sh[p];
    return 1.0 + a->u.sh_a[p] * d + a->u.sh_b[p] * d * d + a->u.sh_c[p] * d * d * d;
}

/* Channel ch's gain relative to the reference state (temperatures now). */
static double fe_gain(const struct adc_model *a, unsigned ch)
{
    const struct fe_unit *u = &a->u;
    if (!u->on)
        return 1.0;
    double d = adc_t_die(a) - a->st.t0_int;
    double g = (1.0 + u->pga_a[ch] * d) / (1.0 + u->ref_a * d + u->ref_b * d * d + u->ref_c * d * d * d);
    if (ch < 6 && ch % 2 == 0)
        g *= 1.0 + u->div_a[ch / 2] * d + u->div_b[ch / 2] * d * d;
    else if (ch < 6)
        g *= shunt_ratio(a, ch / 2);
    return g;
}

/* The anti-alias capacitor of channel ch at t relative to t0. */
static double aa_cap(const struct fe_unit *u, unsigned ch, double t, double t0)
{
    double x = t - 25.0, x0 = t0 - 25.0;
    return (1.0 + u->aa_lin[ch] * (t - t0)) *
           (1.0 - u->aa_x7r[ch] * (x * x - x0 * x0) + u->aa_x7r3[ch] * (x * x * x - x0 * x0 * x0));
}

/* The analog part of channel ch's response at f: anti-alias RC (its
 * capacitor drifts with temperature) and, on a current channel, the
 * shunt's 1 + j w L/R. */
static double complex fe_analog(const struct adc_model *a, unsigned ch, double f_hz)
{
    const struct fe_unit *u = &a->u;
    if (!u->on)
        return 1.0;
    double t = adc_t_die(a), t0 = a->st.t0_int;
    double cr = aa_cap(u, ch, t, t0);
    double w = 2.0 * M_PI * f_hz;
    double complex h = 1.0 / (1.0 + I * w * u->aa_tau[ch] * cr);
    if (ch < 6 && ch % 2 == 1)
        h *= 1.0 + I * w * u->sh_tau[ch / 2] / shunt_ratio(a, ch / 2);
    return h;
}

void adc_crosstalk(const struct adc_model *a, unsigned p, double f_hz, double *re, double *im)
{
    const struct fe_unit *u = &a->u;
    *re = *im = 0;
    if (!u->on || p >= 3)
        return;
    /* counts per count -> amperes per volt */
    double k = I_LSB / U_LSB;
    *re = u->xt_re[p] * k;
    *im = u->xt_im[p] * f_hz / 50.0 * k;
}

void adc_init_sar16(struct adc_model *a, uint64_t seed)
{
    adc_init_default(a, seed);
    a->kind = ADC_SAR16;
    a->osr = 0;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        a->ch[c].noise = 0.7;          /* 16-bit LSB */
        a->ch[c].offset = def_offset[c]; /* already on the 24-bit scale */
        /* one conversion every 2 us, V1 first */
        a->ch[c].delay_s += 2e-6 * c;
    }
}

void adc_response(const struct adc_model *a, unsigned ch, double f_hz, double *re, double *im)
{
    double g = a->ch[ch].gain * fe_gain(a, ch), d = a->ch[ch].delay_s;
    if (a->osr > 0 && f_hz > 0) {
        /* sinc^3 at the modulator rate fs*osr, decimated by osr */
        double x = M_PI * f_hz / a->fs;
        double h = sin(x) / (a->osr * sin(x / a->osr));
        g *= h * h * h;
        d += adc_group_delay(a);
    }
    double complex r = g * cexp(-I * 2.0 * M_PI * f_hz * d) * fe_analog(a, ch, f_hz);
    *re = creal(r);
    *im = cimag(r);
}

double adc_group_delay(const struct adc_model *a)
{
    if (a->osr == 0)
        return 0.0;
    return 1.5 * (double)(a->osr - 1) / (double)a->osr / a->fs;
}

void adc_quantise(struct adc_model *a, const double x[METER_CHANNELS], int32_t out[METER_CHANNELS])
{
    bool sar = a->kind == ADC_SAR16;
    double max = sar ? 32767.0 : CODE_MAX, scale = sar ? 1.0 / 256.0 : 1.0;
    const uint64_t mask = (1u << ADC_GAUSS_BITS) - 1u;
    uint64_t bits = 0;
    unsigned left = 0;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        const struct adc_channel *k = &a->ch[c];
        double v = x[c] / k->lsb;
        if (a->u.on) {
            /* integral non-linearity, a low-order polynomial of the input */
            double r = v * (1.0 / 8388608.0);
            v += 8388608.0 * r * r * (a->u.inl2[c] + a->u.inl3[c] * r);
        }
        v = (v + k->offset) * scale;
        if (k->noise > 0) {
            if (left == 0) {
                bits = rng_next(a->rng);
                left = 64 / ADC_GAUSS_BITS;
            }
            v += k->noise * a->gauss[bits & mask];
            bits >>= ADC_GAUSS_BITS;
            left--;
        }
        int32_t q;
        if (v > -max - 0.5 && v < max + 0.5) {
            /* round half up: truncating a positive value is its floor */
            q = (int32_t)((int64_t)(v + (0.5 + 16777216.0)) - 16777216);
        } else {
            /* clipped at full scale (NaN from a replayed file: code 0) */
            a->clipped = true;
            q = v != v ? 0 : v > 0 ? (int32_t)max : -(int32_t)max;
        }
        out[c] = sar ? q * 256 : q;
    }
}

/* Time-domain stage 1 for samples from outside the synthesiser (replay):
 * gain (with temperature); the sinc^3's in-band droop as the FIR
 * [1/8 3/4 1/8] (it matches the droop to the 4th order in frequency:
 * 1.4e-7 at 50 Hz, 9e-5 at 250 Hz); the channel delay by 6-point Lagrange
 * interpolation around a common delay of ADC_TD_DELAY samples (gain error
 * of the interpolator < 2e-5 up to 250 Hz; linear interpolation would be
 * 0.02-0.03 % off at 50 Hz). The analog part (anti-alias RC and the shunt's
 * L/R, both short against a sample) as its series in d/dt to the second
 * order, from the same interpolating polynomial: y = x + (tL - tA) x' +
 * (tA^2 - tL tA) x'' (error below 4e-5 up to 250 Hz); the in-phase part of
 * the crosstalk. The common delay shifts every channel alike. */
static double lagrange(const double y[ADC_TD_TAPS], double u)
{
    double acc = 0;
    for (int k = 0; k < ADC_TD_TAPS; k++) {
        double l = 1.0;
        for (int j = 0; j < ADC_TD_TAPS; j++)
            if (j != k)
                l *= (u - j) / (double)(k - j);
        acc += l * y[k];
    }
    return acc;
}

void adc_convert(struct adc_model *a, const double phys[METER_CHANNELS], int32_t out[METER_CHANNELS])
{
    double x[METER_CHANNELS];
    const struct fe_unit *fu = &a->u;
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        double *h = a->hist[c];
        memmove(h + 1, h, sizeof a->hist[c] - sizeof h[0]);
        h[0] = phys[c] * a->ch[c].gain * fe_gain(a, c);
        if (!a->hist_primed)
            for (int k = 1; k < ADC_TD_TAPS + 2; k++)
                h[k] = h[0];
        if (a->osr == 0 && a->ch[c].delay_s == 0.0 && !fu->on) {
            x[c] = h[0];
            continue;
        }
        /* the filtered signal at ages 1..ADC_TD_TAPS samples, then its
         * value at age ADC_TD_DELAY + the channel's delay by Lagrange
         * interpolation over those nodes (u: age - 1, centred) */
        double y[ADC_TD_TAPS];
        for (int k = 0; k < ADC_TD_TAPS; k++)
            y[k] = a->osr > 0 ? 0.125 * h[k] + 0.75 * h[k + 1] + 0.125 * h[k + 2] : h[k + 1];
        double u = ADC_TD_DELAY + a->ch[c].delay_s * a->fs - 1.0;
        if (u < 0.5)
            u = 0.5;
        if (u > ADC_TD_TAPS - 1.5)
            u = ADC_TD_TAPS - 1.5;
        double v = lagrange(y, u);
        if (fu->on) {
            /* ages grow into the past: d/dt = -fs d/du */
            const double e = 0.01;
            double vp = lagrange(y, u + e), vm = lagrange(y, u - e);
            double d1 = -(vp - vm) / (2 * e) * a->fs, d2 = (vp - 2 * v + vm) / (e * e) * a->fs * a->fs;
            double t = adc_t_die(a), t0 = a->st.t0_int;
            double cr = aa_cap(fu, c, t, t0);
            double ta = fu->aa_tau[c] * cr, tl = (c < 6 && c % 2 == 1) ? fu->sh_tau[c / 2] / shunt_ratio(a, c / 2) : 0.0;
            v += (tl - ta) * d1 + (ta * ta - tl * ta) * d2;
        }
        x[c] = v;
    }
    if (fu->on)
        for (unsigned p = 0; p < 3; p++)
            x[2 * p + 1] += fu->xt_re[p] * (I_LSB / U_LSB) * x[2 * p];
    a->hist_primed = true;
    adc_quantise(a, x, out);
}
