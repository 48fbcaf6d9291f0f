/*
 * profile.h — the load profile (S-3.1): every 5/15/30/60 minutes (aligned
 * to the clock in standard time) one entry of 1 to 4 channels out of A+,
 * A-, R+, R-, with its time stamp and status bits, in the profile ring of
 * the store. May not touch the HAL; reads the registers, writes the ring.
 *
 * Compact records (docs/BILLING.md "Load profile"): a data record holds no
 * time stamp and no absolute reading, only per channel a 13-bit delta in
 * 0.01 kWh with 3 status bits beside it (1 or 2 channels: 4 bytes, 3 or 4
 * channels: 6/8 bytes). Its time is implied: the period after the one
 * before. Anchor records (a few records, each flagged) carry a time stamp
 * and the absolute readings; one is written whenever the implied time would
 * be wrong (first record, after an outage spanning a period end, a clock
 * set, a saturated delta) and after every 256 data records, so every entry
 * reads back with its time stamp and its absolute reading (entry i costs a
 * walk from the oldest, or a cursor for a range). Changing the period or
 * the channel set clears the profile and logs it.
 */
#ifndef TRIMETER_PROFILE_H
#define TRIMETER_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meas.h"

/* Entry status bits as presented. */
enum profile_status {
    PROFILE_ST_POWER_FAIL = 1u << 0, /* power failed during the period */
    PROFILE_ST_CLOCK_SET = 1u << 1,  /* the clock was set during the period */
    PROFILE_ST_DST = 1u << 2,        /* daylight saving in force at the time stamp */
    PROFILE_ST_PARTIAL = 1u << 3,    /* period shorter or longer than nominal */
    PROFILE_ST_CONFIG = 1u << 4,     /* first period after a (re)configuration */
    PROFILE_ST_CLOCK_BAD = 1u << 5,  /* clock not valid */
    PROFILE_ST_INVALID = 1u << 6     /* NVM record lost: values (absolute: until the next anchor) unknown */
};

/* The profile ring's area as declared at mount: 27 519 four-byte records
 * (430 pages of 512 B; the largest need is one channel every 5 minutes for
 * 92 days with its anchors and room for 100 outages). profile_bind()
 * resizes into it for 3 or 4 channels (6/8-byte records: 18 059). */
#define PROFILE_AREA_REC 4u
#define PROFILE_AREA_DEPTH 27519u

/* Data records between periodic anchors. */
#define PROFILE_ANCHOR_EVERY 256u
/* Largest delta of one period (0.01 kWh): 81.91 kWh, above Imax x 264 V x 3 for 60 min. */
#define PROFILE_DELTA_MAX 0x1fffu

/* One entry as presented. */
struct profile_entry {
    int64_t time;           /* UTC end of the period */
    uint8_t status;         /* enum profile_status */
    uint8_t channels;       /* bit q = MEAS_q, as configured */
    uint8_t n;              /* values in v */
    int64_t v[MEAS_QTY];    /* in channel order A+ A- R+ R-, 0.01 kWh: reading or delta (profile_mode) */
    int64_t abs[MEAS_QTY];  /* the readings at the end of the period */
    int64_t delta[MEAS_QTY]; /* the energy of the period */
};

/* Sequential reader (oldest first); profile_cursor_init() then profile_next(). */
struct profile_cursor {
    uint32_t pos;           /* ring index of the next record */
    uint32_t end_min;       /* implied end (minutes since 2000) of the next data record */
    uint64_t abs[MEAS_QTY]; /* readings (0.01 kWh) after the last data record */
    uint32_t last_end;      /* end of the last data record read (0 = unknown) */
    uint16_t since;         /* data records since the last anchor */
    uint8_t abs_ok;
    uint8_t time_ok;
    uint8_t pending;        /* status bits for the next data record (CONFIG after a restart anchor) */
};

struct profile {
    int64_t period_start;   /* UTC start of the running period, 0 = none */
    uint8_t status;         /* bits collected for the running period */
    /* the writer (rebuilt from the ring at power-up, so nothing here is persisted) */
    uint8_t base_ok;        /* base[] known */
    uint8_t restart;        /* the next anchor opens the profile (after a clear) */
    uint8_t resync;         /* the next data record needs an anchor (saturated delta) */
    uint16_t since;         /* data records since the last anchor */
    uint32_t last_end;      /* end of the newest data record, minutes since 2000 (0 = unknown) */
    uint32_t base[MEAS_QTY]; /* readings at last_end, 0.01 kWh mod 2^30 */
    uint32_t entries;       /* data records readable (profile_count) */
};

struct meter;

/* Store record size for a channel set, and the largest depth (records,
 * anchors included) the profile ring's area holds at that size. */
uint16_t profile_rec_size(unsigned channels);
uint32_t profile_fit_depth(const struct meter *m, unsigned channels);
/* Records an anchor takes for a channel set. */
unsigned profile_anchor_len(unsigned channels);
/* Entries (periods) the ring keeps for sure with the configured channels:
 * the ring depth less the periodic anchors and `outages` discontinuities
 * (outage over a period end, clock set: one anchor each, two for a set). */
uint32_t profile_capacity(const struct meter *m, unsigned outages);
/* Days of depth S-3.1 asks for (for docs and the tests). */
uint32_t profile_depth_days(unsigned period_min, unsigned channels);

/* Power-up, after the store mounted and config_load(): fit the ring to the
 * configured channels (keeps the records when unchanged) and rebuild the
 * writer and the entry count from the ring. */
void profile_bind(struct meter *m);
/* Once a second after the registers were updated. */
void profile_tick(struct meter *m);
/* Power-up with the time of the last save: close the interrupted period. */
void profile_power_up(struct meter *m, int64_t last_time);
/* Clock set from old_utc (before m->now changes). */
void profile_clock_set(struct meter *m, int64_t old_utc, int64_t new_utc);
/* Clear the profile after a change of period or channels (logs it). */
int profile_reconfigure(struct meter *m);

uint32_t profile_count(const struct meter *m);
/* Reader: cursor at the oldest entry; next entry or METER_ENOENT at the end. */
void profile_cursor_init(const struct meter *m, struct profile_cursor *c);
int profile_next(const struct meter *m, struct profile_cursor *c, struct profile_entry *out);
/* Entry i (0 = oldest): a walk from the oldest (use a cursor for ranges). */
int profile_read(const struct meter *m, uint32_t i, struct profile_entry *out);

#endif
