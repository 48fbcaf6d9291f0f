/*
 * billing.h — end of billing period (S-2.4): by the calendar (00:00 local on
 * the configured day of the month), by command (0-0:10.0.1, method 1) or by
 * the button. The period counter (0.1.0) increments, the cumulative maximum
 * demand takes the period's maximum, and a snapshot of every row of the
 * object table flagged as billed (o->bill) is appended to the billing ring
 * of the store. Snapshots are read back through the object table as
 * historic values (obj_read_at(), "1.8.0*1" = the last period).
 *
 * A new meter starts at period 0 and remembers its first power-up: the
 * first calendar boundary counted is the first one strictly after it.
 */
#ifndef TRIMETER_BILLING_H
#define TRIMETER_BILLING_H

#include <stdint.h>

#include "trimeter/meter_opts.h"
#include "trimeter/types.h"

#define BILLING_SLOTS 20   /* billed rows */
#define BILLING_CAPS 3     /* capture times (demand peaks, by demand slot) */

enum billing_cause { BILLING_CALENDAR = 1, BILLING_COMMAND = 2, BILLING_BUTTON = 3 };

/* One snapshot as stored. */
struct billing_rec {
    uint32_t time;               /* UTC of the end of the period */
    uint16_t period;             /* counter value that closed the period (1 = first) */
    uint8_t cause;               /* enum billing_cause */
    uint8_t nslots;              /* slots filled */
    int64_t v[BILLING_SLOTS];    /* billed row values at the row's scaler */
    uint32_t cap[BILLING_CAPS];  /* UTC capture times of the demand peaks */
};

/* Persisted with the legal snapshot. */
struct billing {
    uint16_t count;              /* billing period counter 0.1.0 */
    int64_t ref;                 /* UTC of the last end, or of the first power-up */
    int64_t next;                /* cached next calendar boundary; -1 = recompute */
};

struct meter;

/* End the billing period now (src: who asked, for the event log).
 * Returns 0 or a negative error. */
int billing_end(struct meter *m, enum billing_cause cause, enum meter_src src);
/* Once a second, and at power-up: end the period when a calendar boundary
 * has passed. Boundaries missed during an outage end ONE period at
 * power-up (as a COSEM single-action schedule executes a missed script
 * once): its snapshot holds the registers as they were at the power
 * failure, stamped with the first missed boundary; the counter moves by
 * one and the next boundary is the first after the power-up. */
void billing_tick(struct meter *m);
/* UTC of the first calendar boundary strictly after `after` (0 if none). */
int64_t billing_next_boundary(const struct meter *m, int64_t after);

/* Snapshots readable, and snapshot `ago` (1 = newest). */
unsigned billing_snapshot_count(const struct meter *m);
int billing_snapshot_read(const struct meter *m, unsigned ago, struct billing_rec *out);

#endif
