/*
 * wave.h — the waveform model of the virtual meter's test bench.
 *
 * A scenario phase (SIMULATOR.md keys: u, i, phi, angle, harmonics, shape)
 * is turned into a spectral form: a list of frequency components (multiples
 * of the fundamental, sub-harmonics allowed) each with a voltage and a
 * current phasor. The same spectral form drives both
 *   - the samples the ADC model converts (`--feed samples`), and
 *   - the exact reference P, Q (fundamental and total), S, Urms, Irms and the
 *     exact one-second blocks of `--feed blocks`,
 * so the reference is analytic and independent of the meter's arithmetic.
 * Sharp-edged shapes are band-limited to the 40th harmonic (ACCURACY.md).
 */
#ifndef TRIMETER_WAVE_H
#define TRIMETER_WAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct adc_model;

#define WAVE_MAX_HARM 40     /* harmonics listed per phase in a scenario */
#define WAVE_MAX_COMP 480    /* spectral components per phase (bursts need sub-harmonics) */
#define WAVE_BAND_LIMIT 40   /* highest harmonic synthesised for sharp shapes */

enum wave_shape { WAVE_SINE = 0, WAVE_HALF_WAVE, WAVE_PHASE_FIRED, WAVE_BURST };

struct wave_harm {
    unsigned n;       /* order (2..WAVE_BAND_LIMIT) */
    double pct;       /* rms in % of the fundamental */
    double phase_deg; /* phase of the harmonic relative to the fundamental's time origin */
};

/* One phase as a scenario describes it. */
struct wave_phase_params {
    double u;             /* fundamental rms, V */
    double i;             /* fundamental rms, A (for shaped currents: of the underlying sine) */
    double phi_deg;       /* current lag behind its voltage */
    double angle_deg;     /* the voltage's own angle (0, -120, +120 by default) */
    unsigned n_uh, n_ih;
    struct wave_harm uh[WAVE_MAX_HARM];
    struct wave_harm ih[WAVE_MAX_HARM];
    enum wave_shape shape;
    double firing_angle_deg;        /* phase_fired */
    unsigned on_cycles, off_cycles; /* burst */
    double i_dc;                    /* DC in the current, A */
};

/* One spectral component: u(t) = sqrt2*u_rms*cos(mult*theta + u_ph), same for i,
 * where theta is the running phase of the fundamental (radians). */
struct wave_comp {
    double mult;
    double u_rms, u_ph;
    double i_rms, i_ph;
};

struct wave_phase {
    unsigned ncomp;
    struct wave_comp c[WAVE_MAX_COMP];
    double u_dc, i_dc;
};

struct wave_set {
    struct wave_phase ph[3];
};

/* Exact averages of one phase over a whole number of (sub-)periods. */
struct wave_ref {
    double p;       /* active power, W (all components) */
    double q1;      /* fundamental reactive power, var (+ = current lags) */
    double q_total; /* sum over components of U_n I_n sin(phi_n) (Budeanu) */
    double s;       /* Urms * Irms */
    double urms, irms;
    double u1_rms, i1_rms;
};

/* Build the spectral form of three phases. Returns 0, or -1 with a message
 * in err (e.g. "harmonic order 41 above 40"). */
int wave_build(struct wave_set *ws, const struct wave_phase_params p[3], char *err, size_t errlen);

void wave_reference(const struct wave_phase *ph, struct wave_ref *out);

/* What the elements of a meter wired as `wiring` (enum metro_wiring) see
 * of a 3-phase set given as star voltages and line currents: 1-phase and
 * 2-phase meters only their phases; the Aron meter U1 - U2 with I1 on its
 * first element, U3 - U2 with I3 on its second (the block's phase 3), and
 * nothing on L2. */
void wave_wire(struct wave_set *ws, int wiring);
/* true when the line currents add up to zero at every frequency (and in
 * DC), as in a 3-wire network; else the first frequency (times the
 * fundamental) and the rms left over. */
bool wave_currents_balance(const struct wave_set *ws, double *mult, double *left);

/* Instantaneous values at fundamental phase theta: V1 I1 V2 I2 V3 I3 IN
 * (volts, amperes). IN is minus the sum of the phase currents. */
void wave_eval(const struct wave_set *ws, double theta, double out[7]);

/* Exact energy (J = W*s) of one phase between fundamental phases th0 and
 * th1 at constant angular frequency omega (rad/s): the closed-form integral
 * of u*i over every pair of components, oscillating terms included. */
double wave_energy(const struct wave_phase *ph, double th0, double th1, double omega);

/* ---- fast synthesiser --------------------------------------------------- */

/* One distinct frequency of the three phases: a rotating phasor z = e^{j m theta}
 * and per channel the complex coefficient c with value = Re(c z). */
struct wave_line {
    double mult;
    double zr, zi;     /* e^{j mult theta} at the next sample */
    double sr, si;     /* e^{j mult dtheta} */
    double ar, ai;     /* step of the step under drift: e^{j mult ddtheta} */
    double cr[7], ci[7];
    bool ionly;        /* no voltage at this frequency: only I1 I2 I3 IN */
};

/* A stateful generator: phasor recurrences instead of cos() per sample and
 * component (renormalised from the exact phase every WAVE_SYNC samples),
 * frequency drift (a linear ramp), and optionally the ADC model's linear
 * stage (gain, channel delay, decimation filter) applied exactly per
 * component. The fundamental's phase stays continuous across wave_gen_load. */
struct wave_gen {
    const struct adc_model *adc; /* NULL: physical values */
    double fs;
    double f0, drift;            /* Hz and Hz/s since the last load */
    double theta0;               /* phase at the last load */
    uint64_t n;                  /* samples since the last load */
    unsigned nl;
    double dc[7];
    struct wave_line l[WAVE_MAX_COMP];
    struct wave_set ws;
    bool retune;                 /* the front end changed: coefficients at the next sync */
};
#define WAVE_SYNC 256

/* fs: sample rate; adc: stage 1 to apply (may be NULL). */
void wave_gen_init(struct wave_gen *g, double fs, const struct adc_model *adc);
/* Start producing ws at f_hz (drift in Hz/s) from the current phase. */
void wave_gen_load(struct wave_gen *g, const struct wave_set *ws, double f_hz, double drift_hz_s);
/* Fundamental phase (rad) and frequency (Hz) of the next sample. */
double wave_gen_theta(const struct wave_gen *g);
double wave_gen_freq(const struct wave_gen *g);
/* The ADC model's linear stage changed (temperature, self-heating): apply
 * it from the next sample on. */
void wave_gen_retune(struct wave_gen *g);
/* The next sample set V1 I1 V2 I2 V3 I3 IN. */
void wave_gen_next(struct wave_gen *g, double out[7]);

#endif
