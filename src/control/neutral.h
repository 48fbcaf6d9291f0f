/*
 * neutral.h — missing-neutral detection (SPEC S-5.6). A lost neutral lets
 * the star point float: the phase voltages drift apart and some rise far
 * above nominal, which destroys appliances. Fault: a phase voltage above
 * neutral_u_high_v (253 V) while the neutral-point shift u0 (measurement
 * block) exceeds neutral_shift_v (40 V), continuously for neutral_time_s
 * (60 s). The fault is logged (start, end); optionally the disconnector
 * opens, and it closes again (or becomes READY) when the condition has been
 * absent for the same time.
 *
 * Reads the measurement block; acts only through relay_hold/release; the
 * fault flag is persisted so that a fault spanning an outage ends properly.
 */
#ifndef TRIMETER_NEUTRAL_H
#define TRIMETER_NEUTRAL_H

#include <stdbool.h>
#include <stdint.h>

struct meter;
struct meas_block;

struct neutral_cfg {
    uint16_t u_high_v;   /* phase voltage limit, V */
    uint16_t shift_v;    /* neutral-point shift limit, V */
    uint16_t time_s;     /* seconds the condition must hold (and be absent to clear) */
    uint8_t disconnect;  /* 1: open the relay during a fault */
    uint8_t reconnect;   /* enum relay_return when the fault cleared */
};

/* Persisted in the legal snapshot. */
struct neutral_nv {
    uint8_t fault;
};

struct neutral {
    uint16_t on_s;       /* seconds the condition held */
    uint16_t off_s;      /* seconds it has been absent during a fault */
};

void neutral_cfg_default(struct neutral_cfg *c);
bool neutral_cfg_valid(const struct neutral_cfg *c);
/* The fault condition of one block. */
bool neutral_condition(const struct neutral_cfg *c, const struct meas_block *b);

void neutral_init(struct meter *m);
void neutral_second(struct meter *m);
bool neutral_fault(const struct meter *m);

#endif
