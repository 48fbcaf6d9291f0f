/*
 * meas.h — the measurement block: the one interface between metrology and
 * the rest of the firmware.
 *
 * Metrology produces one block per second of samples (or the simulator's
 * `--feed blocks` produces it exactly from the scenario); everything
 * downstream (registers, demand, profile, display, protocols) reads only
 * blocks, so it cannot tell the two feeds apart.
 *
 * Units are chosen so integer arithmetic keeps the accuracy targets with
 * margin: energy in micro-watt-hours (1e-9 kWh), power in mW / mvar / mVA,
 * voltage in mV, current in micro-amperes, frequency in mHz, angles in
 * milli-degrees.
 */
#ifndef TRIMETER_MEAS_H
#define TRIMETER_MEAS_H

#include <stdint.h>

#include "trimeter/meter_opts.h"

/* Energy quantities, in register order. */
enum meas_qty {
    MEAS_AP = 0, /* active import  A+ (OBIS 1.8.x) */
    MEAS_AN = 1, /* active export  A- (2.8.x) */
    MEAS_RP = 2, /* reactive R+ = Q1 + Q2 (3.8.x), fundamental */
    MEAS_RN = 3, /* reactive R- = Q3 + Q4 (4.8.x), fundamental */
    MEAS_QTY = 4
};

/* Block flags. */
enum meas_flag {
    MEAS_F_REVERSE_SEQ = 1u << 0,  /* phase sequence L1-L3-L2 */
    MEAS_F_NO_VOLTAGE_L1 = 1u << 1, /* (shifted by phase index) U below 160 V presence limit */
    MEAS_F_NO_VOLTAGE_L2 = 1u << 2,
    MEAS_F_NO_VOLTAGE_L3 = 1u << 3,
    MEAS_F_CLIPPED = 1u << 4,       /* an ADC channel hit full scale */
    MEAS_F_NO_FREQ = 1u << 5,       /* no voltage to lock the frequency to */
    MEAS_F_SAMPLES = 1u << 6,       /* produced by the DSP (not the blocks feed) */
    MEAS_F_CREEP = 1u << 7          /* no-load: all phases below the starting threshold */
};

struct meas_phase {
    int64_t e[MEAS_QTY]; /* energy in this block, >= 0, uWh / uvarh */
    int32_t p_mw;        /* active power, + import */
    int32_t q_mvar;      /* fundamental reactive power, + inductive (Q1, Q2) */
    int32_t s_mva;       /* apparent power Urms * Irms */
    int32_t u_mv;        /* Urms */
    int32_t i_ua;        /* Irms */
    int32_t u_angle_mdeg; /* fundamental voltage angle relative to U1 */
    int32_t phi_mdeg;    /* angle by which the fundamental current lags its voltage */
};

struct meas_block {
    struct meas_phase ph[METER_PHASES];
    int64_t e[MEAS_QTY];  /* totals after phase summation (net by default) */
    int32_t p_mw;         /* total active power (signed) */
    int32_t q_mvar;       /* total fundamental reactive power (signed) */
    int32_t s_mva;        /* total apparent power (arithmetic sum) */
    int32_t u0_mv;        /* neutral-point shift |U1+U2+U3|/3 (fundamental) */
    int32_t in_ua;        /* neutral current, 0 if not measured */
    uint32_t f_mhz;       /* network frequency */
    uint32_t flags;       /* enum meas_flag */
    uint8_t quadrant;     /* 1..4 of the total (P, Q); 0 when no load */
};

#endif
