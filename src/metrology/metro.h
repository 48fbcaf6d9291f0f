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

/* The current at which the shunt's self-heating constant (sh_ppb) is given:
 * Imax of the 5(100) A meter. */
#define METRO_SH_IMAX_A 100

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

/* How the meter is connected (S-1.1): a factory (legal) setting. */
enum metro_wiring {
    METRO_WIRE_4W = 0,   /* 3 phases + neutral, three elements (default) */
    METRO_WIRE_1P = 1,   /* L1 + neutral: element 1 only */
    METRO_WIRE_2P = 2,   /* L1, L2 + neutral: elements 1 and 2 */
    METRO_WIRE_ARON = 3  /* 3 wires, no neutral, two elements: U12 with I1 and
                            U32 with I3 (the block's phase 2 carries U31 and the
                            L2 current -(I1 + I3), no power of its own) */
};

/* The extended calibration: temperature, self-heating, crosstalk, harmonic
 * response, the RTC crystal and the wiring. Legally relevant and sealed like
 * struct metro_cal, and kept beside it (an image of an older firmware, which
 * has no such struct, loads it all zero). All zero means uncompensated,
 * 4-wire. dT below is the die temperature minus t_ref. */
struct metro_cal_ext {
    int32_t t_ref_mdeg;          /* die temperature at the base calibration, m°C */
    int32_t u_tc1[METER_PHASES]; /* voltage gain change per K of dT, ppb/K */
    int32_t u_tc2[METER_PHASES]; /* ... per K^2, ppb/K^2 */
    int32_t i_tc1[METER_PHASES]; /* current gain, ppb/K */
    int32_t i_tc2[METER_PHASES]; /* ppb/K^2 */
    int32_t lead_tc1[METER_PHASES]; /* current-channel lead, fs/K */
    int32_t lead_tc2[METER_PHASES]; /* fs/K^2 */
    int32_t sh_ppb[METER_PHASES];   /* shunt self-heating: current gain change at
                                       Imax in thermal equilibrium at t_ref, ppb */
    int32_t sh_tc[METER_PHASES];    /* its change per K of dT, ppb/K */
    int32_t sh_tau_s;               /* the shunt's thermal time constant, s */
    int32_t xt_p_uw[METER_PHASES];  /* crosstalk U -> I: active power read at Un
                                       with no current, uW (scales with U^2) */
    int32_t xt_q_uvar[METER_PHASES]; /* the same for reactive power, uvar */
    int32_t hr_a1[METER_PHASES];    /* harmonic response: ln of the amplitude of the
                                       u x i cross-response at f relative to
                                       METER_CAL_HZ = a1 (F^2 - Fc^2) + a2 (F^4 - Fc^4)
                                       + a3 (F^6 - Fc^6), F in kHz; ppm */
    int32_t hr_a2[METER_PHASES];
    int32_t hr_a3[METER_PHASES];
    int32_t rtc_ppb;                /* RTC crystal: rate error at t_ref, ppb (+ = fast) */
    int32_t rtc_k;                  /* parabolic coefficient, 0.001 ppb/K^2 (about -34000) */
    int32_t rtc_t0_mdeg;            /* turnover temperature, m°C */
    int32_t wiring;                 /* enum metro_wiring */
};

/* Fields of struct metro_cal and metro_cal_ext, for the object table rows
 * (OBIS 1-0:128.<10 + field>.<phase 1..3, or 0>). */
enum metro_cal_field {
    METRO_CAL_U_GAIN = 0,
    METRO_CAL_I_GAIN = 1,
    METRO_CAL_I_LEAD = 2,
    METRO_CAL_U_RMSOS = 3,
    METRO_CAL_I_RMSOS = 4,
    METRO_CAL_CREEP = 5,     /* phase ignored */
    METRO_CAL_SUMMATION = 6, /* phase ignored */
    METRO_CAL_FRESP = 7,     /* phase ignored */
    /* struct metro_cal_ext */
    METRO_CALX_T_REF = 16,   /* phase ignored */
    METRO_CALX_U_TC1 = 17,
    METRO_CALX_U_TC2 = 18,
    METRO_CALX_I_TC1 = 19,
    METRO_CALX_I_TC2 = 20,
    METRO_CALX_LEAD_TC1 = 21,
    METRO_CALX_LEAD_TC2 = 22,
    METRO_CALX_SH = 23,
    METRO_CALX_SH_TC = 24,
    METRO_CALX_SH_TAU = 25,  /* phase ignored */
    METRO_CALX_XT_P = 26,
    METRO_CALX_XT_Q = 27,
    METRO_CALX_HR_A1 = 28,
    METRO_CALX_HR_A2 = 29,
    METRO_CALX_HR_A3 = 30,
    METRO_CALX_RTC_PPB = 31, /* phase ignored */
    METRO_CALX_RTC_K = 32,   /* phase ignored */
    METRO_CALX_RTC_T0 = 33,  /* phase ignored */
    METRO_CALX_WIRING = 34   /* phase ignored */
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
    int64_t k_q30[METER_PHASES]; /* interpolator coefficient, samples, Q30 (lead at the die temperature) */
    int64_t gu_q30[METER_PHASES]; /* temperature correction of the voltage gain, Q30 */
    int64_t gi_q30[METER_PHASES]; /* the same for the current (with the shunt's self-heating) */
};

/* Raw per-phase results of the last block in ADC units, for the factory
 * calibration (ports/host/calib.c) and diagnostics. */
struct metro_raw {
    int64_t uu_ms, ii_ms;      /* DC-free mean squares, counts^2, Q16, before rmsos */
    int32_t phi_bam;           /* uncompensated angle U1 - I1, 2^32 per turn */
    int32_t phic_bam;          /* the same after phase compensation */
    int64_t p_uw, q_uvar;      /* the phase's powers before the no-load cut (and before
                                  the crosstalk correction): what U alone induces */
};

/* Harmonic frame (harm.c): METRO_HF_CYCLES whole cycles of the six channels
 * stacked sample by sample (slot k holds the sum of every cycle's k-th
 * sample; a cycle runs from one wrap of the NCO phase to the next), taken
 * at the start of each block. The main loop turns it into the harmonics of
 * every channel, from which the front end's response above the fundamental
 * is corrected (docs/METROLOGY.md, "Flat response"). Frequencies below
 * METRO_HF_F_MIN Hz take no frame (the slots would not hold a cycle). */
#define METRO_HF_CYCLES 10
#define METRO_HF_F_MIN 45
#define METRO_HF_SLOTS (METRO_N / METRO_HF_F_MIN + 2) /* a cycle's samples + 1, and a scratch slot */
#define METRO_HF_SCRATCH (METRO_HF_SLOTS - 1)
#define METRO_HF_F_TOP 1600 /* highest harmonic frequency corrected, Hz */

#define METRO_HF_EVERY 2 /* a frame every second block (the correction of the last one applies meanwhile) */

struct metro_hf {
    union {
        int32_t slot[METRO_HF_SLOTS][2 * METER_PHASES]; /* V1 I1 V2 I2 V3 I3 */
        int64_t pk[METRO_HF_SLOTS][METER_PHASES];       /* analysis: u and i of a phase in one word */
    } s;
    uint32_t d[METRO_HF_CYCLES]; /* NCO phase of each cycle's first sample */
    uint32_t inc;                /* the NCO increment during the frame */
    uint8_t k;                   /* slot of the next sample */
    uint8_t step;                /* 1 while stacking, 0 while waiting for a cycle start */
    uint8_t on;                  /* the sample path stacks (or waits) */
    uint8_t cycles;              /* complete cycles so far */
    uint8_t valid;               /* the frequency was locked when the frame was armed */
    uint8_t skip;                /* blocks until the next frame */
    volatile uint8_t ready;      /* complete: the main loop analyses it, then clears it */
};

struct metro {
    struct metro_cal cal;
    struct metro_cal_ext calx;
    struct metro_derived d;
    struct metro_acc acc[METER_PHASES];
    int32_t i_prev[METER_PHASES];
    int32_t i_last[METER_PHASES]; /* last current sample of the previous block */
    int64_t w0;                 /* sum of the window over a block */
    int64_t w0lo;               /* the same times the oscillator's amplitude */
    uint32_t n;                 /* samples in the current block */
    uint32_t n_next;            /* n at which metro_sample calls metro_event: n_ev, or every
                                   sample while the harmonic frame is on */
    uint32_t n_ev;              /* n at which the block ends or the next pulse edge is due */
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
    int64_t f_inc_q16_prev2;    /* the one before */
    int64_t f_bend_q16;         /* |second difference| of the last three estimates */
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
    struct metro_hf hf;
    int64_t hf_dp[METER_PHASES]; /* harmonic power correction of the last frame, counts^2 Q16 */
    uint8_t hf_age;             /* blocks since that frame (older than METRO_HF_EVERY + 1: not applied) */
    /* temperature compensation (block level) */
    int32_t t_mdeg;             /* die temperature (metro_set_temp), m°C */
    bool t_valid;
    int64_t sh_x[METER_PHASES]; /* shunt self-heating state: (I / Imax)^2 low-passed, Q30 */
    int32_t rtc_carry_ppb;      /* RTC trim asked for but not applied by the hardware's steps (meter.c) */
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
/* The extended calibration's default: all zero (uncompensated, 4-wire). */
void metro_calx_default(struct metro_cal_ext *x);

/* Power-up state with the nominal calibration. */
void metro_init(struct metro *mt);

/* Install a calibration (from the configuration store or the factory).
 * METER_ERANGE if a value is outside its plausible range (nothing changes). */
int metro_cal_load(struct metro *mt, const struct metro_cal *cal);

/* Install an extended calibration; METER_ERANGE if implausible (nothing
 * changes). */
int metro_calx_load(struct metro *mt, const struct metro_cal_ext *x);

/* The die temperature (hal->temp_read), once per block before metro_poll;
 * without a reading the compensation assumes t_ref. */
void metro_set_temp(struct metro *mt, int32_t mdeg);

/* The RTC crystal's expected rate error at the current die temperature, ppb
 * (+ = fast): what the clock's digital trimming removes. 0 without RTC
 * constants or temperature. */
int32_t metro_rtc_ppb(const struct metro *mt);

/* One field of the calibration (both structs), for the object table. */
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

/* Harmonic frame (harm.c, internal): stack a sample set taken at NCO phase
 * ph (the next one comes at nph) while the frame is on (sample interrupt,
 * through metro_event); arm the next frame (block end); analyse a complete
 * frame into hf_dp (main loop, from metro_poll). */
void metro_hf_stack(struct metro *mt, const int32_t s[METER_CHANNELS], uint32_t ph, uint32_t nph);
void metro_hf_arm(struct metro *mt);
void metro_hf_analyse(struct metro *mt);
/* The slots of a complete frame the analysis uses (the last one scaled to
 * every cycle's count): a period of stacked samples, within half a sample;
 * 0 if none. */
unsigned metro_hf_slots(struct metro_hf *h);

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
