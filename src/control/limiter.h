/*
 * limiter.h — Smart Disconnect (SPEC S-5.4): a load limit on the highest
 * phase current or on the total imported power, with up to three
 * (threshold, time) steps — e.g. 25 A for 60 s, 35 A for 10 s. A step that
 * stays exceeded for its time counts one power-limit exceedance (counter
 * 0-0:96.130.20, event), and opens the disconnector; the relay comes back
 * after the reconnect delay, automatically or by the button (READY).
 *
 * Load-control relays in mode "limiter" are the first stage: they shed
 * (open) when any step has been exceeded for limiter shed time, and close
 * again after the load stayed below the lowest threshold for the reconnect
 * delay (src/control/loadctl.c does the switching).
 *
 * Reads the measurement block; acts only through relay_hold/release and
 * loadctl; keeps its counter and pending reconnection in the legal snapshot.
 */
#ifndef TRIMETER_LIMITER_H
#define TRIMETER_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

struct meter;
struct meas_block;

enum limiter_basis {
    LIMITER_OFF = 0,
    LIMITER_CURRENT = 1, /* highest phase current, thresholds in A */
    LIMITER_POWER = 2    /* total imported active power, thresholds in W */
};

#define LIMITER_STEPS 3

struct limiter_step {
    uint32_t threshold; /* A or W (basis); 0 = step unused */
    uint16_t time_s;    /* continuous seconds above the threshold */
    uint16_t pad;
};

struct limiter_cfg {
    struct limiter_step step[LIMITER_STEPS];
    uint16_t delay_s;   /* reconnect delay after a trip */
    uint16_t shed_s;    /* load-control relays in mode limiter shed after this */
    uint8_t basis;      /* enum limiter_basis */
    uint8_t reconnect;  /* enum relay_return: 1 automatic, 0 by the button */
    uint8_t pad[2];
};

/* Persisted in the legal snapshot. */
struct limiter_nv {
    uint32_t count;        /* power-limit exceedances since manufacture */
    uint32_t reconnect_at; /* UTC of the pending reconnection, 0 none */
};

struct limiter {
    uint16_t over_s[LIMITER_STEPS]; /* seconds each step has been exceeded */
    uint16_t shed_over_s;           /* seconds above the lowest threshold */
    uint16_t shed_under_s;          /* seconds below it while shed */
};

void limiter_cfg_default(struct limiter_cfg *c);
/* A configuration the limiter accepts (thresholds/times sane). */
bool limiter_cfg_valid(const struct limiter_cfg *c);

/* The limited quantity of a block in thousandths of the basis' unit (mA of
 * the highest phase current, or mW imported); 0 when the limiter is off. */
uint64_t limiter_value(const struct limiter_cfg *c, const struct meas_block *b);

void limiter_init(struct meter *m);
void limiter_second(struct meter *m);
bool limiter_tripped(const struct meter *m);
bool limiter_shedding(const struct meter *m);

#endif
