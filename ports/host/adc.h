/*
 * adc.h — the ADC model of the virtual meter: physical volts and amperes in,
 * int32 ADC counts out, as the firmware's sample interrupt would see them.
 *
 * Two stages per channel:
 *  1. linear: analog gain error, channel delay (shunt inductance makes the
 *     current channel lead: negative delay; a multiplexed SAR converts the
 *     channels one after another: positive delays) and the decimation
 *     filter (sinc^3 of a sigma-delta modulator at OSR 256). The synthesiser
 *     (wave_gen) applies it exactly per spectral component with
 *     adc_response(); adc_convert() applies a short time-domain
 *     approximation for samples that come from elsewhere (WAV replay).
 *  2. per sample: offset, white noise (Gaussian, from a seeded generator),
 *     quantisation to 24 bits (or 16-bit SAR codes left-justified into the
 *     24-bit pipeline) and clipping at full scale.
 * docs/METROLOGY.md lists the defaults and why.
 */
#ifndef TRIMETER_ADC_H
#define TRIMETER_ADC_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meter_opts.h"

enum adc_kind { ADC_SIGMA_DELTA = 0, ADC_SAR16 = 1 };

/* White noise: a uniformly chosen one of 2^ADC_GAUSS_BITS equiprobable
 * quantiles of the normal distribution (tails at +-2.9 sigma), seven noise
 * samples (a whole sample set) per 64-bit draw of the generator. */
#define ADC_GAUSS_BITS 9

/* adc_convert's interpolator: taps, and the common delay (samples) it
 * centres them on. */
#define ADC_TD_TAPS 6
#define ADC_TD_DELAY 1.5

struct adc_channel {
    double lsb;      /* physical units per 24-bit count, nominal (V or A) */
    double gain;     /* actual / nominal transfer (1 + gain error) */
    double offset;   /* counts (24-bit scale) */
    double noise;    /* white noise, rms, in LSB of the converter's own word */
    double delay_s;  /* channel delay in seconds (negative: leads) */
};

/* The physics of the unit's front end: temperature coefficients, the
 * shunt's self-heating, anti-alias filters, the shunt's inductance,
 * integral non-linearity, crosstalk, the die temperature sensor and the RTC
 * crystal (docs/METROLOGY.md, "Front-end model", gives every value and its
 * source). Coefficients are relative to the reference state: ambient
 * FE_T_REF in thermal equilibrium with no current, where the channel gains
 * of struct adc_channel hold. The firmware never reads any of this: what it
 * compensates it learns from the factory calibration (calib.c). */
#define FE_T_REF 23.0     /* reference ambient, deg C */
#define FE_SHUNT_OHM 200e-6 /* the shunts (full scale 200 A peak at PGA 16) */

struct fe_unit {
    bool on;                       /* false: no physics (ideal model) */
    /* gain temperature coefficients: relative change per K and K^2 */
    double div_a[3], div_b[3];     /* voltage divider ratio (thin film) */
    double sh_a[3], sh_b[3], sh_c[3]; /* shunt resistance (manganin: a parabola and a small cubic) */
    double ref_a, ref_b, ref_c;    /* ADC reference (every channel's gain is 1/Vref; a bandgap's curvature) */
    double pga_a[METER_CHANNELS];  /* each ADC channel's own gain */
    /* frequency response */
    double aa_tau[METER_CHANNELS]; /* anti-alias RC, s, at the reference state */
    double aa_lin[METER_CHANNELS]; /* its capacitor: linear TC per K (C0G) ... */
    double aa_x7r[METER_CHANNELS]; /* ... and X7R: dC/C = -k (T - 25)^2 + k3 (T - 25)^3 (relative to Tref) */
    double aa_x7r3[METER_CHANNELS];
    double sh_tau[3];              /* shunt L/R at the reference state, s (the current leads) */
    /* thermal: shunt element -> terminals -> meter interior -> ambient */
    double rth1[3], tau1[3];       /* K/W, s */
    double rth2[3], tau2[3];
    double int_rise;               /* interior above ambient: the electronics' own dissipation, K */
    double int_rth, int_tau;       /* interior per W of shunt dissipation (all three), K/W; its time constant, s */
    /* converter */
    double inl2[METER_CHANNELS], inl3[METER_CHANNELS]; /* INL: y = x + FS (a2 (x/FS)^2 + a3 (x/FS)^3) */
    double xt_re[3], xt_im[3];     /* V_p into I_p, counts per count at 50 Hz (the quadrature part grows with f) */
    /* die temperature sensor: reading = (1 + gain) T_die + offset + noise */
    double ts_off, ts_gain, ts_noise;
    /* RTC crystal (32.768 kHz tuning fork): ppm = ppm0 + k (T - t0)^2 */
    double xtal_ppm0, xtal_k, xtal_t0;
};

struct fe_state {
    double t_amb;                  /* ambient, deg C */
    double t_base;                 /* interior without the shunts' heat (follows ambient + int_rise) */
    double r_int;                  /* interior rise from the shunts' dissipation */
    double r1[3], r2[3];           /* shunt rise over the interior: element, terminals */
    double t0_int, t0_sh[3];       /* the reference state's temperatures */
    uint64_t ts_rng;               /* sensor noise */
};

struct adc_model {
    enum adc_kind kind;
    double fs;                 /* output sample rate */
    unsigned osr;              /* sigma-delta oversampling ratio (0: no decimation filter) */
    struct adc_channel ch[METER_CHANNELS];
    struct fe_unit u;
    struct fe_state st;
    uint64_t rng[4];           /* xoshiro256** state (--seed) */
    float gauss[1u << ADC_GAUSS_BITS]; /* standard normal quantiles, rms 1 */
    double hist[METER_CHANNELS][ADC_TD_TAPS + 2]; /* time-domain stage (adc_convert) */
    bool hist_primed;          /* hist holds samples (the first one fills it: no start-up ringing) */
    bool clipped;              /* a sample hit full scale since the last look */
};

/* Nominal scale, 24 bits, no errors, no noise, flat response (the
 * algorithm-only check). */
void adc_init_ideal(struct adc_model *a);
/* The documented unit "as built": 24-bit sigma-delta at METER_SAMPLE_RATE,
 * sinc^3 decimation, gain errors within +-1 %, offsets, 4 LSB rms noise,
 * current channels leading by 0.1-0.5 deg at 50 Hz. seed drives the noise. */
void adc_init_default(struct adc_model *a, uint64_t seed);
/* 16-bit SAR variant of the same front end (channels converted in turn). */
void adc_init_sar16(struct adc_model *a, uint64_t seed);
/* A unit drawn from unit_seed (every parameter within its documented
 * spread: each virtual meter is a different unit, reproducibly), noise
 * from noise_seed. */
void adc_init_unit(struct adc_model *a, uint64_t unit_seed, uint64_t noise_seed);
void adc_seed(struct adc_model *a, uint64_t seed);

/* ---- temperature -------------------------------------------------------- */
/* Soak the unit at ambient t (deg C, thermal equilibrium, no current). */
void adc_soak(struct adc_model *a, double t);
/* dt seconds pass at ambient t_amb with phase currents irms[3] (A rms):
 * the shunts heat by I^2 R, the interior by their heat and follows the
 * ambient (exact for inputs constant over dt). */
void adc_thermal_step(struct adc_model *a, double dt, double t_amb, const double irms[3]);
double adc_t_die(const struct adc_model *a);      /* the interior (AFE/MCU die, crystal), deg C */
double adc_t_shunt(const struct adc_model *a, unsigned p);
/* What the die temperature sensor reads now, m deg C (its error and noise). */
int32_t adc_sensor_mdeg(struct adc_model *a);
/* The RTC crystal's rate error at the die temperature, ppm (+ = fast). */
double adc_xtal_ppm(const struct adc_model *a);
/* Crosstalk of phase p's voltage into its current channel at f: complex
 * factor on the voltage channel's output added to the current channel's
 * (physical units: amperes per volt). */
void adc_crosstalk(const struct adc_model *a, unsigned p, double f_hz, double *re, double *im);

/* Stage 1 at frequency f_hz for channel ch: complex gain re + j im
 * (physical units in, physical units out). */
void adc_response(const struct adc_model *a, unsigned ch, double f_hz, double *re, double *im);
/* Common delay of the decimation filter (s); the same on every channel. */
double adc_group_delay(const struct adc_model *a);

/* Stage 2 only: x already went through adc_response (the synthesiser). */
void adc_quantise(struct adc_model *a, const double x[METER_CHANNELS], int32_t out[METER_CHANNELS]);
/* Both stages in the time domain, for samples from outside the synthesiser
 * (a common delay of ADC_TD_DELAY samples instead of the sinc^3's). */
void adc_convert(struct adc_model *a, const double phys[METER_CHANNELS], int32_t out[METER_CHANNELS]);

#endif
