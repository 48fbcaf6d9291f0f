/*
 * logger.h — the analysis logger (S-3.2): up to 16 registers of the object
 * table (default P+, P-, Q+, Q-, U and I per phase) averaged over a
 * programmable interval (default 15 min, aligned to the clock in standard
 * time) and appended to the logger ring of the store: a 4-byte header (time
 * stamp, status bits as the load profile's) and one int32 per channel in
 * the row's base scaler. Changing the channels or the interval clears it.
 */
#ifndef TRIMETER_LOGGER_H
#define TRIMETER_LOGGER_H

#include <stdint.h>

#include "legal/config.h"
#include "trimeter/meter_opts.h"

struct logger {
    int64_t period_start;            /* UTC start of the running interval, 0 = none */
    uint32_t n;                      /* seconds summed */
    uint8_t status;                  /* enum profile_status bits */
    int64_t sum[LOGGER_CHANNELS];
    uint16_t row[LOGGER_CHANNELS];   /* object-table index of each channel */
};

struct logger_entry {
    int64_t time;
    uint8_t status;
    uint8_t n;
    int32_t v[LOGGER_CHANNELS];      /* average, in the channel row's base scaler */
};

struct meter;

/* Resolve the configured channels to rows (after config load/change);
 * returns METER_ENOENT if a channel names no readable numeric row. */
int logger_bind(struct meter *m);
void logger_tick(struct meter *m);
void logger_power_up(struct meter *m);
void logger_clock_set(struct meter *m);
int logger_reconfigure(struct meter *m);
uint16_t logger_rec_size(unsigned n);
uint32_t logger_count(const struct meter *m);
int logger_read(const struct meter *m, uint32_t i, struct logger_entry *out);

#endif
