/*
 * metro.h — metrology: samples in, one measurement block per second out,
 * plus the LED/S0 pulse output.
 *
 * Per sample (meter_sample, ADC interrupt) it only accumulates integer sums:
 * sum i, w*u, u^2, i^2, u*i, u*i[n-1] and a windowed single-bin DFT
 * of u and i at a tracked frequency (NCO). Once per block (METER_SAMPLE_RATE
 * samples = 1 s) the sums become DC-free active power with phase
 * compensation, fundamental reactive power, Urms, Irms, frequency, angles and
 * energies with remainders carried (docs/METROLOGY.md explains the method and
 * its error). Fixed point throughout: bit-identical on host and target.
 *
 * It knows nothing of tariffs, clocks or protocols: its outputs are the
 * measurement block (meas.h) and pulse edges. Calibration constants
 * (struct metro_cal) are legally relevant parameters (S-2.6): they change
 * only through the object table with the sealed calibration switch closed.
 */
#ifndef TRIMETER_METRO_H
#define TRIMETER_METRO_H

#include <stdbool.h>
#include <stdint.h>

#include "metrology/pulse.h"
#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"

/* Samples per measurement block (one second). */
#define METRO_N METER_SAMPLE_RATE

/* Phase summation of the total registers (S-1.4). */
enum metro_sum { METRO_SUM_NET = 0, METRO_SUM_ARITH = 1 };

/* Calibration and the legally relevant metrology settings: a plain POD the
 * configuration store keeps as it is. Physical value = count * gain. */
struct metro_cal {
    int32_t u_gain_pv[METER_PHASES];  /* voltage channel, pV per count */
    int32_t i_gain_pa[METER_PHASES];  /* current channel, pA per count */
    int32_t i_lead_ps[METER_PHASES];  /* time the current channel leads the voltage
                                         channel (shunt L/R), ps; the DSP delays it */
    int32_t u_rmsos[METER_PHASES];    /* noise floor subtracted from mean u^2, counts^2 */
    int32_t i_rmsos[METER_PHASES];    /* same for i */
    int32_t creep_ua;                 /* no-load threshold on Irms per phase, uA */
    int32_t summation;                /* enum metro_sum */
    int32_t fresp_ppm;                /* front end's in-band droop (ADC decimation filter):
                                         amplitude at f = at METER_CAL_HZ times
                                         1 - fresp ((f / METER_CAL_HZ)^2 - 1), ppm;
                                         the fundamental is corrected for it */
};

/* Fields of struct metro_cal, for the object table rows. */
enum metro_cal_field {
    METRO_CAL_U_GAIN = 0,
    METRO_CAL_I_GAIN = 1,
    METRO_CAL_I_LEAD = 2,
    METRO_CAL_U_RMSOS = 3,
    METRO_CAL_I_RMSOS = 4,
    METRO_CAL_CREEP = 5,     /* phase ignored */
    METRO_CAL_SUMMATION = 6, /* phase ignored */
    METRO_CAL_FRESP = 7      /* phase ignored */
};

/* Per-phase sums of one block (cleared at the block end). */
struct metro_acc {
    int64_t si;             /* sum i */
    int64_t swu;            /* window-weighted sum of u (its DC) */
    int64_t suu, sii;       /* sum u^2, i^2 */
    int64_t sui, suj;       /* sum u[n]*i[n], u[n]*i[n-1] */
    int64_t uc, us, ic, is; /* windowed DFT at the NCO frequency */
};

/* A finished block handed from the sample interrupt to metro_poll(). */
struct metro_blk {
    struct metro_acc acc[METER_PHASES];
    int64_t sij[METER_PHASES];  /* sum of i[n-1] */
    int64_t f_q16;              /* frequency at the block centre, NCO units Q16 */
    uint32_t inc;               /* the NCO increment the block was demodulated with */
    bool no_freq;               /* no voltage to measure the frequency on */
    volatile bool ready;        /* set by the interrupt, cleared by metro_poll */
};

/* Values derived from the calibration, recomputed when it changes. */
struct metro_derived {
    int64_t kp[METER_PHASES];   /* uW per (N * count^2), Q60 */
    int64_t kq[METER_PHASES];   /* uvar per (count^2 in Q16), Q60 */
    int64_t k_q30[METER_PHASES]; /* interpolator coefficient, samples, Q30 */
};

/* Raw per-phase results of the last block in ADC units, for the factory
 * calibration (ports/host/calib.c) and diagnostics. */
struct metro_raw {
    int64_t uu_ms, ii_ms;      /* DC-free mean squares, counts^2, Q16, before rmsos */
    int32_t phi_bam;           /* uncompensated angle U1 - I1, 2^32 per turn */
    int32_t phic_bam;          /* the same after phase compensation */
};

struct metro {
    struct metro_cal cal;
    struct metro_derived d;
    struct metro_acc acc[METER_PHASES];
    int32_t i_prev[METER_PHASES];
    int32_t i_last[METER_PHASES]; /* last current sample of the previous block */
    int64_t w0;                 /* sum of the window over a block */
    int64_t w0lo;               /* the same times the oscillator's amplitude */
    uint32_t n;                 /* samples in the current block */
    uint32_t n_next;            /* n at which the block ends or the next pulse edge is due */
    uint32_t n_last;            /* n at the last of those events (pulse countdown) */
    int64_t win_m, win_d;       /* window recurrence: m = n*(N-n) */
    uint32_t nco_ph, nco_inc;   /* local oscillator, 2^32 per turn / per sample */
    uint32_t nco_inc_prev;
    /* zero crossings of the reference voltage (frequency acquisition) */
    uint8_t zc_ch, ref_ph, ref_valid;
    int32_t zc_prev;
    uint32_t zc_count;
    int64_t zc_first, zc_last;  /* sample time of rising crossings, Q16 */
    int32_t psi_prev;           /* angle of the reference U1 in the last block */
    int64_t f_inc_q16_prev;     /* last frequency estimate, NCO units Q16 */
    uint8_t f_locked;
    /* energy remainders carried to the next block, uW*s */
    int64_t rem_ph[METER_PHASES][MEAS_QTY];
    int64_t rem_tot[MEAS_QTY];
    struct metro_raw raw[METER_PHASES];
    struct pulse_out pulse;
    /* main loop -> interrupt: the energy of the block metro_poll finished,
     * turned into pulses METRO_PULSE_PICKUP samples into the next block */
    int64_t pulse_uwh;
    volatile bool pulse_ready;
    struct metro_blk blk;
    bool fed_samples;           /* the last block came from metro_sample */
    struct meas_block out;      /* last complete block */
};

/* What metro_sample reports (bit mask). */
enum metro_event {
    METRO_EV_BLOCK = 1u << 0, /* a block completed: mt->out holds it */
    METRO_EV_PULSE = 1u << 1  /* the pulse output changed: level in mt->pulse.on */
};

/* Nominal calibration of the default front end (meter_opts.h). */
void metro_cal_default(struct metro_cal *cal);

/* Power-up state with the nominal calibration. */
void metro_init(struct metro *mt);

/* Install a calibration (from the configuration store or the factory).
 * METER_ERANGE if a value is outside its plausible range (nothing changes). */
int metro_cal_load(struct metro *mt, const struct metro_cal *cal);

/* One field of the calibration, for the object table. */
int metro_cal_get(const struct metro *mt, enum metro_cal_field f, unsigned ph, int64_t *v);
int metro_cal_set(struct metro *mt, enum metro_cal_field f, unsigned ph, int64_t v);

/* Add one sample set V1 I1 V2 I2 V3 I3 IN (ADC counts); returns a mask of
 * enum metro_event. Fixed point, no division, no call in the common path.
 * At the end of a block (METRO_EV_BLOCK) it only sets the next block's
 * oscillator and hands the sums over: metro_poll() finishes the block. */
unsigned metro_sample(struct metro *mt, const int32_t s[METER_CHANNELS]);

/* The block-end part of metro_sample (internal; not static so that
 * metro_sample's frame stays small). */
void metro_block_end(struct metro *mt);

/* Main loop: finish the block the sample interrupt handed over (true: a new
 * mt->out); false when there is none. The interrupt starts the block's
 * pulses 100 ms into the next block (if metro_poll ran by then). */
bool metro_poll(struct metro *mt);

/* A block made elsewhere (simulator --feed blocks) becomes mt->out, and its
 * energy drives the pulse output. */
void metro_feed_block(struct metro *mt, const struct meas_block *b);

/* Let *dt_ms pass on the pulse output when no samples drive it (blocks
 * feed), up to its next level change: METRO_EV_PULSE then (level in
 * mt->pulse.on, the rest of the time left in *dt_ms; call again), 0 when
 * all of it passed. Costs one step per edge, not per millisecond. */
unsigned metro_pulse_elapse(struct metro *mt, uint32_t *dt_ms);

#endif
