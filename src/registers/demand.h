/*
 * demand.h — maximum demand (S-2.3): mean A+ power over integration
 * periods of 5/15/30/60 minutes aligned to the clock (standard time), the
 * highest mean per tariff 1 and 2 and overall with the end time of its
 * period, and the cumulative maximum demand that billing adds up.
 *
 * A period's mean is its energy divided by the nominal period length, so a
 * period cut short by a power failure or a clock set never reads higher
 * than the power actually drawn; such periods are flagged partial. Pure
 * over its own state: times are UTC seconds handed in by the caller, and
 * it may not touch the store or the clock.
 */
#ifndef TRIMETER_DEMAND_H
#define TRIMETER_DEMAND_H

#include <stdbool.h>
#include <stdint.h>

enum demand_slot { DEMAND_T1 = 0, DEMAND_T2 = 1, DEMAND_ALL = 2, DEMAND_SLOTS = 3 };

/* Persisted with the legal snapshot. */
struct demand {
    int64_t period_start;      /* UTC start of the running period, 0 = none */
    uint64_t acc_uwh;          /* A+ in the running period */
    int32_t last_w;            /* mean of the last completed period (1.4.0) */
    uint8_t tariff;            /* tariff register of the running period */
    uint8_t partial;           /* running period interrupted */
    int32_t max_w[DEMAND_SLOTS];
    int64_t max_t[DEMAND_SLOTS]; /* UTC end of the peak's period, 0 = none */
    int64_t cum_w;             /* cumulative maximum demand (1.2.0) */
};

void demand_init(struct demand *d);
/* One second of A+ energy ending at `now`; tariff = register index of the
 * tariff in force. period_s = integration period in seconds, std_offset_s
 * aligns periods to standard time. Returns true when a new maximum was set. */
bool demand_add(struct demand *d, int64_t now, uint64_t ap_uwh, unsigned tariff, int64_t period_s,
                int64_t std_offset_s);
/* Close the running period early (clock set at `now`, power failure found
 * at power-up): it is evaluated as a partial period. */
bool demand_cut(struct demand *d, int64_t end, int64_t period_s);
/* End of billing, in this order: add the overall maximum to the cumulative
 * register, take the snapshot, reset the maxima. */
void demand_billing_add_cum(struct demand *d);
void demand_billing_reset(struct demand *d);

#endif
