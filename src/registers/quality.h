/*
 * quality.h — voltage quality events (S-3.3): per phase, a sag while the
 * voltage stays below 160 V for more than 1 s, a swell while it stays
 * above the swell threshold (253 V + 4.5 % = Un + 15 %) for more than 1 s.
 * Outages (the meter itself off) are logged at power-up from the time of
 * the last snapshot. A phase counts only once it has been above the sag
 * limit since power-up: a single- or two-phase connection of the meter
 * (S-1.1 variants) logs no sags on the phases it does not use. Reads only
 * measurement blocks; writes only events.
 */
#ifndef TRIMETER_QUALITY_H
#define TRIMETER_QUALITY_H

#include <stdint.h>

#include "trimeter/meter_opts.h"

#define QUALITY_SAG_MV 160000
#define QUALITY_SWELL_MV 264500

struct quality {
    uint8_t low_s[METER_PHASES];   /* consecutive seconds below the sag limit */
    uint8_t high_s[METER_PHASES];  /* consecutive seconds above the swell limit */
    uint8_t sag;                   /* bit per phase: sag event open */
    uint8_t swell;                 /* bit per phase: swell event open */
    uint8_t seen;                  /* bit per phase: above the sag limit since power-up */
};

struct meter;

void quality_tick(struct meter *m);

#endif
