/*
 * blocks.h — the simulator's exact measurement blocks (`--feed blocks`) and
 * its reference energies.
 *
 * From a segment's spectral form (wave.h) it derives, analytically, what an
 * ideal meter would report each second: per-phase signed P and fundamental
 * Q turned into quadrant energies, U, I, S, angles, the neutral-point shift
 * and the flags. Energies are handed out in whole uWh per block with the
 * remainder carried in double precision, so over any run the blocks add up
 * to the exact integral to within 1 uWh. The same numbers feed the
 * reference energies of the JSON output (used by both feeds).
 * It does not touch the meter.
 */
#ifndef TRIMETER_BLOCKS_H
#define TRIMETER_BLOCKS_H

#include "trimeter/meas.h"
#include "wave.h"

/* Below this rms current on every phase the block carries MEAS_F_CREEP
 * (the starting current of SPEC S-1.6). */
#define BLOCKS_CREEP_A 0.020
/* A phase below this voltage is flagged as absent (meas.h). */
#define BLOCKS_PRESENT_V 160.0
/* Below this on every phase there is nothing to lock the frequency to. */
#define BLOCKS_NO_FREQ_V 10.0

/* Constants of one steady segment. */
struct blocks_seg {
    struct meas_block tmpl;      /* the block without energies */
    double e_ph[3][MEAS_QTY];    /* exact uWh per second, per phase */
    double e_tot[MEAS_QTY];      /* exact uWh per second, net summation across phases */
};

/* Remainders carried from block to block. */
struct blocks {
    double rem_ph[3][MEAS_QTY];
    double rem_tot[MEAS_QTY];
};

/* Reference energies: compensated sums of exact uWh. */
struct blocks_ref {
    double sum[MEAS_QTY];
    double comp[MEAS_QTY];
};

void blocks_prepare(struct blocks_seg *bs, const struct wave_set *ws, double f_hz);
/* The same for a meter wired as `wiring` (enum metro_wiring): ws is what
 * its elements see (wave_wire), the block follows metrology's layout for
 * that wiring (unused elements empty; Aron: phase 2 carries U31 and the L2
 * current, no neutral-point shift). */
void blocks_prepare_wired(struct blocks_seg *bs, const struct wave_set *ws, double f_hz, int wiring);
/* The next one-second block of a steady segment. */
void blocks_next(struct blocks *b, const struct blocks_seg *bs, struct meas_block *out);
/* Add `seconds` of the segment to the reference. */
void blocks_ref_add(struct blocks_ref *r, const struct blocks_seg *bs, double seconds);
/* Reference of quantity q (enum meas_qty) in kWh / kvarh. */
double blocks_ref_kwh(const struct blocks_ref *r, unsigned q);

#endif
