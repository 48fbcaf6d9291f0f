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

/* Instantaneous values at fundamental phase theta: V1 I1 V2 I2 V3 I3 IN
 * (volts, amperes). IN is minus the sum of the phase currents. */
void wave_eval(const struct wave_set *ws, double theta, double out[7]);

#endif
