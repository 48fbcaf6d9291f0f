/*
 * pulsein.h — the module's pulse input (SPEC S-5.2): counts the pulses of
 * an external meter (water, gas, heat) into a register with a divider
 * (register += 1 every `divider` pulses), up to 25 Hz. Edges closer than
 * 40 ms (above 25 Hz: contact bounce or a wrong source) are not counted but
 * tallied as rejected.
 *
 * Register 0-0:96.130.70 (manufacturer-specific; units of the external
 * meter), divider 0-0:96.130.71 (key pulsein_divider). The count is kept in
 * the legal snapshot (saved with the energy registers and on power fail).
 *
 * Touches only its own state; the port reports edges (meter_pulse_input).
 */
#ifndef TRIMETER_PULSEIN_H
#define TRIMETER_PULSEIN_H

#include <stdbool.h>
#include <stdint.h>

struct meter;

#define PULSEIN_MIN_GAP_MS 40u  /* 25 Hz */
#define PULSEIN_DIVIDER_MAX 10000u

struct pulsein_cfg {
    uint16_t divider; /* pulses per register unit, 1..PULSEIN_DIVIDER_MAX */
};

/* Persisted in the legal snapshot. */
struct pulsein_nv {
    uint32_t count;   /* register value */
    uint16_t rem;     /* pulses toward the next unit */
};

struct pulsein {
    uint32_t last_ms;  /* time of the last counted edge */
    uint32_t rejected; /* edges above 25 Hz since power-up */
    bool seen;         /* an edge was counted since power-up */
};

/* One edge at ms (monotonic). Returns true when it was counted. */
bool pulsein_edge(struct meter *m, uint32_t ms);
/* Change the divider: the pulses toward the next unit start again. */
int pulsein_set_divider(struct meter *m, uint32_t divider);

#endif
