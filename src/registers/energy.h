/*
 * energy.h — the legal energy registers A+, A-, R+, R- (totals) and A+/R+
 * per tariff, accumulated from measurement blocks (S-2.1).
 *
 * Internal resolution is 1 uWh (1e-9 kWh) and nothing is ever rounded away:
 * the displayed/billing value is the internal one truncated to the
 * configured resolution (10^res Wh). May not touch hardware or the store:
 * energy_add_block() tells the caller when a last displayed digit changed,
 * and the caller commits the legal snapshot.
 */
#ifndef TRIMETER_ENERGY_H
#define TRIMETER_ENERGY_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"

struct energy {
    uint64_t total[MEAS_QTY];                 /* uWh / uvarh since manufacture */
    uint64_t tariff_ap[METER_TARIFFS];        /* A+ per tariff */
    uint64_t tariff_rp[METER_TARIFFS];        /* R+ per tariff */
    uint8_t tariff;                           /* active tariff register 0..METER_TARIFFS-1 */
};

void energy_init(struct energy *e);
/* uWh of one step of resolution 10^res Wh (res 1 = 0.01 kWh). */
uint64_t energy_step_uwh(int res);
/* Add a block to the totals and to the active tariff. Returns true when the
 * last digit of any register at resolution res changed (commit point). */
bool energy_add_block(struct energy *e, const struct meas_block *b, int res);

#endif
