/*
 * tariff_passive.h — the passive tariff calendar and the special days of
 * DLMS/COSEM (activity calendar, class 20, 0-0:13.0.0.255; special days
 * table, class 11, 0-0:11.0.0.255) over the meter's one tariff calendar
 * (registers/tariff.h, m->cfg.cal), which stays the active calendar: the
 * one the meter uses for its tariff registers.
 *
 * The passive calendar is what a head-end prepares for a future date: day
 * profiles with the client's day ids, week profiles and seasons with the
 * client's names (COSEM links seasons to weeks and weeks to day profiles by
 * name / id, and a client may write the three tables in any order, so the
 * links are resolved only when the calendar is activated). Activation —
 * method 1 of 0-0:13.0.0.255, or the activation time reached (checked every
 * second from meter_second) — copies the day profiles and seasons into the
 * active calendar; its exception dates (the special days) stay.
 *
 * Configuration section CFG_ID_TARIFF_PASSIVE (184 bytes). It changes
 * only through the object-table rows here (obj_write/obj_action: access,
 * audit, one configuration save per change):
 *   0-0:96.129.40 tariff_calendar_passive    day profiles and seasons in the
 *                 text form of docs/BILLING.md (without x=); internally the
 *                 DLMS adapter writes a binary image (first byte 0, below)
 *   0-0:96.129.41 tariff_calendar_activation UTC date-time, 0 = none
 *   0-0:13.0.0.255 method 1                  activate the passive calendar now
 *   0-0:11.0.0.255 method 1 insert / 2 delete a special day (exception date)
 */
#ifndef TRIMETER_TARIFF_PASSIVE_H
#define TRIMETER_TARIFF_PASSIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "registers/tariff.h"
#include "trimeter/types.h"

#define TARIFF_NAME_MAX 8u /* bytes of a calendar, season or week name */
#define TARIFF_WEEKS 2u    /* week profiles of the passive calendar (one per season; the image is tight) */

struct tariff_name {
    uint8_t len;
    uint8_t b[TARIFF_NAME_MAX];
};

struct tariff_pday {
    uint8_t id;              /* the client's day_id */
    struct tariff_day d;     /* switch points as the active calendar has them */
};

struct tariff_pweek {
    struct tariff_name name;
    uint8_t day_id[7];       /* Monday..Sunday */
};

struct tariff_pseason {
    struct tariff_name name;
    struct tariff_name week; /* the week profile it uses */
    uint8_t mon, day;        /* start, every year */
};

struct tariff_passive {
    uint8_t ndays, nweeks, nseasons, pad;
    struct tariff_pday day[TARIFF_DAY_PROFILES];
    struct tariff_pweek week[TARIFF_WEEKS];
    struct tariff_pseason season[TARIFF_SEASONS];
    struct tariff_name name;        /* calendar_name_passive */
    struct tariff_name active_name; /* calendar_name_active (copied at activation) */
    uint8_t pad2[2];
    int64_t activate_at;            /* UTC second of the activation, 0 = none */
};

/* The binary image the DLMS adapter writes to tariff_calendar_passive: a
 * 0 byte, then the struct (its day/week/season tables and name; the
 * activation time and active name are not taken from it). */
#define TARIFF_PASSIVE_IMAGE (1u + sizeof(struct tariff_passive))

struct meter;
struct obj_def;
struct obj_value;
struct cfg_section;

extern const struct cfg_section tariff_passive_section;

void tariff_passive_factory(struct tariff_passive *p);
/* Every field in range (counts, names, switch points, dates, unique ids). */
bool tariff_passive_valid(const struct tariff_passive *p);
/* Resolve the links: the active calendar the passive one becomes (its
 * exception dates copied from `active`). METER_ESTATE when a season names
 * no week, a week no day profile, a table is empty, or an exception date
 * names a day profile the new calendar lacks. */
int tariff_passive_build(const struct tariff_passive *p, const struct tariff_cal *active, struct tariff_cal *out);
/* The passive calendar of an active one (names S1.., W1.., ids 1..). */
void tariff_passive_of(const struct tariff_cal *c, struct tariff_passive *p);

/* Every second (meter_second): activate when the activation time came. */
void tariff_passive_tick(struct meter *m);

/* Object-table rows (src/cosem/objtab.c). */
int tariff_passive_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int tariff_passive_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);
/* 0-0:13.0.0.255 method 1: activate_passive_calendar. */
int tariff_passive_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                       enum meter_src src);
/* 0-0:11.0.0.255: value = number of special days (exception dates of the
 * active calendar); method 1 insert (arg.i = index << 32 | the exception
 * word of tariff.c: day profile index << 30 | year (0 = every year) << 16 |
 * month << 8 | day; an entry of the same date, else of that index (1..n),
 * is replaced, else it is added), method 2 delete (arg.i = index 1..n; the
 * entries after it move up). */
int tariff_special_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int tariff_special_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                       enum meter_src src);

#endif
