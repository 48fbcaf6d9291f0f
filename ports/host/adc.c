/*
 * adc.c — see adc.h.
 */
#include "adc.h"

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
    for (unsigned p = 0; p < 3; p++)
        a->ch[2 * p + 1].delay_s = -def_lead_deg[p] / 360.0 / 50.0;
    adc_seed(a, seed);
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
    double g = a->ch[ch].gain, d = a->ch[ch].delay_s;
    if (a->osr > 0 && f_hz > 0) {
        /* sinc^3 at the modulator rate fs*osr, decimated by osr */
        double x = M_PI * f_hz / a->fs;
        double h = sin(x) / (a->osr * sin(x / a->osr));
        g *= h * h * h;
        d += adc_group_delay(a);
    }
    double ph = -2.0 * M_PI * f_hz * d;
    *re = g * cos(ph);
    *im = g * sin(ph);
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
        double v = (x[c] / k->lsb + k->offset) * scale;
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
 * gain; the sinc^3's in-band droop as the FIR [1/8 3/4 1/8] (it matches
 * the droop to the 4th order in frequency: 1.4e-7 at 50 Hz, 9e-5 at
 * 250 Hz); the channel delay by 6-point Lagrange interpolation around a
 * common delay of ADC_TD_DELAY samples (gain error of the interpolator
 * < 2e-5 up to 250 Hz; linear interpolation would be 0.02-0.03 % off at
 * 50 Hz for the current channels' lead). The common delay shifts every
 * channel alike. */
void adc_convert(struct adc_model *a, const double phys[METER_CHANNELS], int32_t out[METER_CHANNELS])
{
    double x[METER_CHANNELS];
    for (unsigned c = 0; c < METER_CHANNELS; c++) {
        double *h = a->hist[c];
        memmove(h + 1, h, sizeof a->hist[c] - sizeof h[0]);
        h[0] = phys[c] * a->ch[c].gain;
        if (!a->hist_primed)
            for (int k = 1; k < ADC_TD_TAPS + 2; k++)
                h[k] = h[0];
        if (a->osr == 0 && a->ch[c].delay_s == 0.0) {
            x[c] = h[0];
            continue;
        }
        /* the filtered signal at ages 1..ADC_TD_TAPS samples, then its
         * value at age ADC_TD_DELAY + the channel's delay by Lagrange
         * interpolation over those nodes (u: age - 1, centred) */
        double u = ADC_TD_DELAY + a->ch[c].delay_s * a->fs - 1.0, acc = 0;
        if (u < 0.0)
            u = 0.0;
        if (u > ADC_TD_TAPS - 1.0)
            u = ADC_TD_TAPS - 1.0;
        for (int k = 0; k < ADC_TD_TAPS; k++) {
            double y = a->osr > 0 ? 0.125 * h[k] + 0.75 * h[k + 1] + 0.125 * h[k + 2] : h[k + 1];
            double l = 1.0;
            for (int j = 0; j < ADC_TD_TAPS; j++)
                if (j != k)
                    l *= (u - j) / (double)(k - j);
            acc += l * y;
        }
        x[c] = acc;
    }
    a->hist_primed = true;
    adc_quantise(a, x, out);
}
