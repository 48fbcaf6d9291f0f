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

struct adc_model {
    enum adc_kind kind;
    double fs;                 /* output sample rate */
    unsigned osr;              /* sigma-delta oversampling ratio (0: no decimation filter) */
    struct adc_channel ch[METER_CHANNELS];
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
void adc_seed(struct adc_model *a, uint64_t seed);

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
