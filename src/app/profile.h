/*
 * profile.h — the load profile (S-3.1): every 5/15/30/60 minutes (aligned
 * to the clock in standard time) one record of 1 to 4 channels out of A+,
 * A-, R+, R-, with its time stamp and status bits, appended to the profile
 * ring of the store. Records always hold absolute register readings
 * (0.01 kWh units); in delta mode they are presented as the difference to
 * the previous record, so no base value has to survive a power failure.
 * Changing the period or the channel set clears the profile and logs it.
 */
#ifndef TRIMETER_PROFILE_H
#define TRIMETER_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meas.h"

/* Record status bits. */
enum profile_status {
    PROFILE_ST_POWER_FAIL = 1u << 0, /* power failed during the period */
    PROFILE_ST_CLOCK_SET = 1u << 1,  /* the clock was set during the period */
    PROFILE_ST_DST = 1u << 2,        /* daylight saving in force at the time stamp */
    PROFILE_ST_PARTIAL = 1u << 3,    /* period shorter or longer than nominal */
    PROFILE_ST_CONFIG = 1u << 4,     /* first period after a (re)configuration */
    PROFILE_ST_CLOCK_BAD = 1u << 5   /* clock not valid */
};

/* One record as presented (store: 4-byte header + 4 bytes per channel). */
struct profile_entry {
    int64_t time;           /* UTC end of the period */
    uint8_t status;         /* enum profile_status */
    uint8_t channels;       /* bit q = MEAS_q, as configured when written */
    uint8_t n;              /* values in v */
    int64_t v[MEAS_QTY];    /* in channel order A+ A- R+ R-, 0.01 kWh units */
};

struct profile {
    int64_t period_start;   /* UTC start of the running period, 0 = none */
    uint8_t status;         /* bits collected for the running period */
};

struct meter;

/* Record size and depth (records) in the store for a configuration. */
uint16_t profile_rec_size(unsigned channels);
uint32_t profile_depth(unsigned period_min, unsigned channels);
/* Days of depth a configuration reaches (for docs and the table). */
uint32_t profile_depth_days(unsigned period_min, unsigned channels);

/* Once a second after the registers were updated. */
void profile_tick(struct meter *m);
/* Power-up with the time of the last save: close the interrupted period. */
void profile_power_up(struct meter *m, int64_t last_time);
/* Clock set from old_utc (before m->now changes). */
void profile_clock_set(struct meter *m, int64_t old_utc, int64_t new_utc);
/* Clear the profile after a change of period or channels (logs it). */
int profile_reconfigure(struct meter *m);

uint32_t profile_count(const struct meter *m);
/* Entry i (0 = oldest) in the configured mode. */
int profile_read(const struct meter *m, uint32_t i, struct profile_entry *out);

#endif
