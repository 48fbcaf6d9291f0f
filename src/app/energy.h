/*
 * energy.h — the legal energy registers A+, A-, R+, R- (totals) and A+/R+
 * per tariff, accumulated from measurement blocks.
 *
 * Internal resolution is 1 uWh (1e-9 kWh); the displayed/billing value is
 * rounded down to the configured resolution. May not touch hardware; hands
 * its state to the store at every change of the last displayed digit.
 */
#ifndef TRIMETER_ENERGY_H
#define TRIMETER_ENERGY_H

#include <stdint.h>

#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"

struct energy {
    uint64_t total[MEAS_QTY];                 /* uWh / uvarh since manufacture */
    uint64_t tariff_ap[METER_TARIFFS];        /* A+ per tariff */
    uint64_t tariff_rp[METER_TARIFFS];        /* R+ per tariff */
    uint8_t tariff;                           /* active tariff 0..METER_TARIFFS-1 */
    int8_t res_scaler;                        /* register resolution: 10^res Wh (1 = 0.01 kWh) */
};

void energy_init(struct energy *e);
void energy_add_block(struct energy *e, const struct meas_block *b);

#endif
