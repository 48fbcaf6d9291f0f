/*
 * clock.h — calendar arithmetic and the meter's time zone (S-2.5).
 *
 * The core keeps UTC seconds (m->now). This module turns them into civil
 * time: standard time (UTC + the zone's standard offset) for time stamps of
 * events and peaks, local time (standard + daylight saving) for tariffs, the
 * load profile and the display. Daylight saving follows the EU rule (last
 * Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC) or a
 * configurable table of UTC spans.
 *
 * Everything above the "meter" line is pure (no struct meter, no HAL): the
 * simulator uses the same functions for its JSON `time`, so there is one DST
 * implementation in the project. "Local seconds" below are seconds since
 * 1970-01-01 00:00 of the local civil calendar (UTC + offset), split with
 * clock_split() like UTC.
 */
#ifndef TRIMETER_CLOCK_H
#define TRIMETER_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

/* Civil date and time. wday: 1 = Monday ... 7 = Sunday (ISO 8601, COSEM). */
struct clock_dt {
    int16_t year;
    uint8_t mon;  /* 1..12 */
    uint8_t day;  /* 1..31 */
    uint8_t hour;
    uint8_t min;
    uint8_t sec;
    uint8_t wday;
};

enum clock_dst_mode {
    CLOCK_DST_NONE = 0,  /* standard time all year */
    CLOCK_DST_EU = 1,    /* EU rule */
    CLOCK_DST_TABLE = 2  /* spans of struct clock_zone.table */
};

/* Daylight-saving spans of a DST table (UTC seconds, begin inclusive). */
#define CLOCK_DST_TABLE_LEN 8
struct clock_dst_span {
    uint32_t begin;
    uint32_t end;
};

struct clock_zone {
    int16_t std_offset_min; /* standard-time offset from UTC (Finland: +120) */
    uint8_t mode;           /* enum clock_dst_mode */
    uint8_t ntable;         /* spans used in table (mode TABLE) */
    struct clock_dst_span table[CLOCK_DST_TABLE_LEN];
};

#define CLOCK_DST_SHIFT_MIN 60

/* ---- pure calendar arithmetic ------------------------------------------- */
bool clock_is_leap(int year);
unsigned clock_month_days(int year, unsigned mon);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t clock_days_from_civil(int year, unsigned mon, unsigned day);
/* Seconds of a civil date/time, as if UTC. */
int64_t clock_join(int year, unsigned mon, unsigned day, unsigned hour, unsigned min, unsigned sec);
void clock_split(int64_t t, struct clock_dt *out);
/* 1 = Monday ... 7 = Sunday */
unsigned clock_wday(int64_t t);
/* Floor t to a multiple of `period` seconds (works for negative t). */
int64_t clock_floor(int64_t t, int64_t period);

/* ---- time zone ------------------------------------------------------------ */
/* UTC instants of the EU switches of a year. */
int64_t clock_eu_dst_begin(int year);
int64_t clock_eu_dst_end(int year);
bool clock_dst_active(const struct clock_zone *z, int64_t utc);
/* Offset of local time from UTC at utc, minutes (standard + DST). */
int clock_offset_min(const struct clock_zone *z, int64_t utc);
int64_t clock_to_local(const struct clock_zone *z, int64_t utc);
int64_t clock_to_standard(const struct clock_zone *z, int64_t utc);
/* Local seconds -> UTC. In the autumn hour that occurs twice the first
 * (daylight-saving) instance is taken; a local time inside the spring gap
 * does not exist and maps to the same distance after the switch. */
int64_t clock_from_local(const struct clock_zone *z, int64_t local);

/* The same in the meter's configured zone (struct meter_config.zone), as
 * the display and the protocols present time: civil seconds of a UTC
 * instant, local (with DST) or standard time (event and peak stamps,
 * S-2.5); and local civil seconds back to UTC (clock setting). */
struct meter;
int64_t clock_civil_of(const struct meter *m, int64_t utc, bool standard);
int64_t clock_utc_of(const struct meter *m, int64_t local);

/* "2026-03-29T02:00:00+02:00": civil time t_civil shown with offset_min. */
int clock_format_iso(int64_t t_civil, int offset_min, char *buf, size_t n);
/* Parse "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)" (also ' ' for 'T') into UTC
 * seconds. Without an offset the text is taken as UTC. 0 or METER_EINVAL. */
int clock_parse_iso(const char *s, int64_t *utc);

/* ---- the meter's clock ---------------------------------------------------- */
struct meter;

/* The range the meter's clock may be set to (UTC, end exclusive): time
 * stamps are stored as 32-bit UTC seconds, so the clock runs on to 2106,
 * but it is never set beyond 2099 (scenarios, protocols, clock_set). */
#define CLOCK_UTC_MIN 946684800LL   /* 2000-01-01T00:00:00Z */
#define CLOCK_UTC_END 4102444800LL  /* 2100-01-01T00:00:00Z */

/* Set the clock to utc through an interface (clock set or adjust event,
 * profile/demand notified). Returns 0 or a negative error. */
int clock_set(struct meter *m, int64_t utc, enum meter_src src);

#endif
