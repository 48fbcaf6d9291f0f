/*
 * pulse.h — the LED / S0 pulse output (S-5.1): METER_IMP_PER_KWH pulses per
 * kWh of active energy (import plus export), METER_PULSE_MS wide.
 *
 * Energy arrives once per second (a block); the pulses it completes are
 * spread evenly over the following second, so the pulse count equals the
 * registered active energy to within one pulse once that second has passed.
 * Edges are scheduled, not ticked: `due` counts the caller's ticks (samples
 * in the samples feed, milliseconds in the blocks feed; `tpm` ticks per ms)
 * to the next edge, so the work is per edge, never per millisecond.
 * Touches nothing but its own state.
 */
#ifndef TRIMETER_PULSE_H
#define TRIMETER_PULSE_H

#include <stdbool.h>
#include <stdint.h>

struct pulse_out {
    int64_t acc_uwh;     /* energy not yet turned into pulses */
    uint32_t pending;    /* pulses due, not yet started */
    uint32_t total;      /* pulses started since power-up */
    uint32_t due;        /* ticks to the next edge; 0 = none scheduled (idle) */
    uint16_t spacing_ms; /* start-to-start distance for this second */
    uint16_t rest_ms;    /* from the end of this pulse to the earliest next start */
    bool on;             /* output level */
};

void pulse_init(struct pulse_out *p);
/* Add the active energy of one block (uWh, >= 0); an idle output starts
 * its first pulse 1 ms later. */
void pulse_add(struct pulse_out *p, int64_t uwh, uint32_t tpm);
/* The edge that is due now (the caller counted `due` down to 0): schedules
 * the next; true when the level changed. */
bool pulse_edge(struct pulse_out *p, uint32_t tpm);
/* Let *ticks pass, up to the first level change (then true, *ticks holds
 * what is left); false when all of *ticks passed without one. */
bool pulse_elapse(struct pulse_out *p, uint32_t *ticks, uint32_t tpm);

#endif
