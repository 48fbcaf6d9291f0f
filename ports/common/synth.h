/*
 * synth.h — deterministic integer-only three-phase sample generator.
 *
 * Shared by the Cortex-M images (smoke test, bench, cross-check) and the
 * host half of the host/target cross-check, so both feed metrology the very
 * same ADC counts. Pure C11 integer arithmetic (no libm, no floating point),
 * so the stream is bit-identical on every platform. Not part of the meter
 * core: it stands in for the ADC front end on boards and tests only.
 *
 * Scale: synth_set_phase() converts volts and amperes at the nominal
 * front-end scale the factory calibration assumes (METER_U_LSB_PV,
 * METER_I_LSB_PA in meter_opts.h: 24-bit counts), so the meter reads the
 * physical values back; synth_comp peaks are plain counts.
 */
#ifndef TRIMETER_SYNTH_H
#define TRIMETER_SYNTH_H

#include <stdint.h>

#include "trimeter/meter_opts.h"

/* Phase angles: one full turn = 2^32. SYNTH_DEG(d) for whole degrees. */
#define SYNTH_TURN_DEG 360
#define SYNTH_DEG(d) ((uint32_t)(int32_t)(((int64_t)(d) * 4294967296LL) / SYNTH_TURN_DEG))

#define SYNTH_MAX_COMP 3 /* spectral components per signal (fundamental + 2) */

struct synth_comp {
    uint16_t order;  /* multiple of the fundamental (0 = unused) */
    int32_t peak;    /* peak amplitude, counts */
    uint32_t phase;  /* phase at theta = 0, 2^32 = one turn */
};

struct synth_signal {
    struct synth_comp c[SYNTH_MAX_COMP];
    int32_t dc;      /* DC offset, counts */
};

struct synth {
    /* configuration (set by the caller, may change between samples) */
    struct synth_signal u[METER_PHASES];
    struct synth_signal i[METER_PHASES];
    int32_t noise;          /* peak of uniform noise added to every channel, counts (0 = none) */
    /* state */
    uint32_t theta;         /* fundamental phase, 2^32 = one turn */
    uint32_t step;          /* integer part of the phase step per sample */
    uint32_t step_frac;     /* fractional part: numerator over METER_SAMPLE_RATE*1000 */
    uint32_t frac_acc;
    uint32_t lcg;           /* noise generator state */
    uint32_t n;             /* sample sets produced */
};

/* Set the stream to f_mhz (millihertz) with no signals; theta starts at 0. */
void synth_init(struct synth *s, uint32_t f_mhz);
/* Change the fundamental frequency keeping the running phase. */
void synth_set_freq(struct synth *s, uint32_t f_mhz);
/* Convenience: a sinusoidal phase p with urms_mv / irms_ma at the nominal
 * scale, voltage angle u_deg and current lagging by phi_deg (whole degrees). */
void synth_set_phase(struct synth *s, unsigned p, int32_t urms_mv, int32_t irms_ma, int32_t u_deg,
                     int32_t phi_deg);
/* Next sample set V1 I1 V2 I2 V3 I3 IN (IN = minus the sum of the currents). */
void synth_next(struct synth *s, int32_t out[METER_CHANNELS]);
/* sin(phase) in Q29 (2^29 = 1.0), |error| < 1e-8. Exposed for tests. */
int32_t synth_sin_q29(uint32_t phase);
/* Peak counts of an rms value in milli-units (mV, mA) on a channel of lsb_pico
 * pico-units per count: round(rms * sqrt2 / lsb). */
int32_t synth_peak_of_rms(int32_t rms_milli, int32_t lsb_pico);

#endif
