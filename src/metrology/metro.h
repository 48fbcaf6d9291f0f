/*
 * metro.h — metrology: samples in, one measurement block per second out.
 *
 * Runs per sample in the ADC interrupt (meter_sample) and must stay cheap
 * and fixed-point (identical on host and target, bit for bit). It knows
 * nothing of tariffs, clocks or protocols; its only outputs are the
 * measurement block (meas.h) and the LED/S0 pulse pin.
 *
 * Calibration constants are legally relevant parameters (S-2.6): they change
 * only with the sealed calibration switch closed, through the object table.
 */
#ifndef TRIMETER_METRO_H
#define TRIMETER_METRO_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"

/* Per-channel calibration: physical value = (count - offset) * gain.
 * Gains are fixed-point: u_gain in nV per count, i_gain in nA per count. */
struct metro_cal {
    int32_t u_gain_nv[METER_PHASES];
    int32_t i_gain_na[METER_PHASES];
    int32_t u_offset[METER_PHASES];
    int32_t i_offset[METER_PHASES];
};

struct metro_phase_acc {
    int64_t p;    /* sum u*i, counts^2 */
    int64_t uu;   /* sum u*u */
    int64_t ii;   /* sum i*i */
};

struct metro {
    struct metro_cal cal;
    struct metro_phase_acc acc[METER_PHASES];
    uint32_t n;                         /* samples in the current block */
    int64_t e_rem[METER_PHASES];        /* energy remainder carried to the next block */
    struct meas_block out;              /* last complete block */
};

/* Factory calibration for the nominal front end (ports document theirs). */
void metro_init(struct metro *mt);

/* Add one sample set; returns true when a block has just completed
 * (then mt->out holds it). */
bool metro_sample(struct metro *mt, const int32_t s[METER_CHANNELS]);

#endif
