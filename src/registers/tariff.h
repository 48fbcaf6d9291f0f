/*
 * tariff.h — the time-of-use calendar (S-2.2): up to 2 seasons, day
 * profiles with up to 8 switch points, a week of day profiles per season
 * (working / non-working days), up to 100 exception dates, up to 8 tariffs
 * (METER_TARIFFS of them have registers). Pure: it maps a local time to a
 * tariff and parses/prints the documented text form (docs/BILLING.md).
 * It may not touch the meter state; the external tariff input override is
 * applied by the caller (tariff_select()).
 *
 * Text form (clauses separated by ';', blanks ignored):
 *   dN=HH:MM/T,HH:MM/T,...   day profile N (1..4): from HH:MM tariff T (1..8)
 *   sN=MM-DD/ppppppp         season N (1..2) starting MM-DD, day profile per
 *                            weekday Monday..Sunday
 *   x=[YYYY-]MM-DD/P,...     exception dates (every year without YYYY) using
 *                            day profile P
 * Before the first switch point of a day the last tariff of the previous
 * day continues. A text starting with '+' amends the current calendar
 * (replaces the named day profiles/seasons, adds exception dates) so that
 * 100 exception dates can be loaded in several writes.
 */
#ifndef TRIMETER_TARIFF_H
#define TRIMETER_TARIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/meter_opts.h"

#define TARIFF_DAY_PROFILES 4
#define TARIFF_SWITCHES 8
#define TARIFF_SEASONS 2

struct tariff_day {
    uint8_t n;                        /* switch points used */
    uint16_t sw[TARIFF_SWITCHES];     /* minute of day * 8 + (tariff - 1), ascending */
};

struct tariff_season {
    uint8_t mon, day;                 /* first day of the season */
    uint8_t week[7];                  /* day profile index 0.. for Monday..Sunday */
};

struct tariff_cal {
    uint8_t ndays;
    uint8_t nseasons;
    uint8_t nexc;
    struct tariff_day day[TARIFF_DAY_PROFILES];
    struct tariff_season season[TARIFF_SEASONS];
    /* exception dates: year (0 = every year) << 16 | month << 8 | day, and
     * the day profile in bits 24.. of a second word would cost 400 B more:
     * the profile index sits in the top 2 bits of the year field instead. */
    uint32_t exc[TARIFF_EXCEPTIONS];
};

/* The tariff register of the running minute: switch points are whole
 * minutes of local time and time-zone offsets whole minutes, so the
 * calendar is looked up once a minute (meter.c), not every second. */
struct tariff_memo {
    int64_t minute;   /* UTC start of the minute it holds, 0 = none (recompute) */
    uint8_t reg;      /* register index 0..METER_TARIFFS-1 */
};

/* The factory calendar: T1 07:00-22:00, T2 22:00-07:00 every day. */
void tariff_cal_factory(struct tariff_cal *c);
/* Parse the text form into c (whole replace, or amend when text starts with
 * '+'). On error c is unchanged. Returns 0 or METER_EINVAL / METER_ENOSPC. */
int tariff_cal_parse(struct tariff_cal *c, const char *text, size_t len);
/* Print the text form; exception dates that do not fit are summarised as
 * "x+N". Returns length or a negative error. */
int tariff_cal_format(const struct tariff_cal *c, char *buf, size_t n);

/* Is the local date one of the exception (holiday) dates? */
bool tariff_is_exception(const struct tariff_cal *c, int64_t local);

/* The meter's local time now as time windows and programs see it (control:
 * prepayment window, load-relay programs). */
struct tariff_now {
    uint8_t wday;       /* 1 = Monday */
    uint16_t minute;    /* minute of the day */
    bool exception;     /* an exception day (holiday) of the tariff calendar */
};
struct meter;
void tariff_now(const struct meter *m, struct tariff_now *out);
/* Exception dates first..first+count-1 (in the order written) as
 * "[YYYY-]MM-DD/P,..." (the calendar text's x= list, read in pages).
 * Returns length or a negative error. */
int tariff_exc_format(const struct tariff_cal *c, unsigned first, unsigned count, char *buf, size_t n);

/* Day profile index for a local date. */
unsigned tariff_day_profile(const struct tariff_cal *c, int64_t local);
/* Tariff 1..8 from the calendar at local time `local`. */
unsigned tariff_at(const struct tariff_cal *c, int64_t local);
/* Calendar tariff unless the external inputs override it (ext_enable and
 * inputs = METER_IN_TARIFF0/1 bits): register index 0..METER_TARIFFS-1. */
unsigned tariff_select(const struct tariff_cal *c, int64_t local, unsigned ext_enable, uint32_t inputs);

#endif
