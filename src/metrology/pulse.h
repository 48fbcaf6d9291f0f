/*
 * pulse.h — the LED / S0 pulse output (S-5.1): METER_IMP_PER_KWH pulses per
 * kWh of active energy (import plus export), METER_PULSE_MS wide.
 *
 * Energy arrives once per second (a block); the pulses it completes are
 * spread evenly over the following second, so the pulse count equals the
 * registered active energy to within one pulse once that second has passed.
 * Driven by a 1 ms tick (from the sample interrupt, or from the main loop's
 * clock in the blocks feed). Touches nothing but its own state.
 */
#ifndef TRIMETER_PULSE_H
#define TRIMETER_PULSE_H

#include <stdbool.h>
#include <stdint.h>

struct pulse_out {
    int64_t acc_uwh;     /* energy not yet turned into pulses */
    uint32_t pending;    /* pulses due, not yet started */
    uint32_t total;      /* pulses started since power-up */
    uint16_t spacing_ms; /* start-to-start distance for this second */
    uint16_t gap_left;   /* ms until the next pulse may start */
    uint16_t on_left;    /* ms the current pulse stays on */
    bool on;             /* output level */
};

void pulse_init(struct pulse_out *p);
/* Add the active energy of one block (uWh, >= 0). */
void pulse_add(struct pulse_out *p, int64_t uwh);
/* One millisecond; returns true when the level changed. */
bool pulse_ms(struct pulse_out *p);
/* true while the tick has anything to do. */
static inline bool pulse_busy(const struct pulse_out *p)
{
    return p->pending != 0 || p->on || p->gap_left != 0;
}

#endif
