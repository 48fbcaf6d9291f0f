/*
 * evlog.h — the meter's event logs (S-3.3): status/alarms, voltage quality,
 * disconnector, neutral fault, clock, audit (parameter changes), tamper,
 * power limit. Every module reports through evlog_add(); the records are
 * persisted by the store, the counts and the newest records are readable
 * through the object table.
 */
#ifndef TRIMETER_EVLOG_H
#define TRIMETER_EVLOG_H

#include <stdint.h>

#include "trimeter/types.h"

/* The logs (one NVM ring each). */
enum evlog_log {
    EVLOG_STATUS = 0,   /* power up/down, self-test, NVM, status alarms */
    EVLOG_QUALITY,      /* outages, sags < 160 V > 1 s, swells */
    EVLOG_DISCONNECT,   /* disconnector operations with their cause */
    EVLOG_NEUTRAL,      /* missing-neutral faults */
    EVLOG_CLOCK,        /* clock set / adjust, DST */
    EVLOG_AUDIT,        /* parameter changes: what, old/new, interface */
    EVLOG_TAMPER,       /* cover, magnet */
    EVLOG_POWERLIMIT,   /* power-limit exceedances */
    EVLOG_COUNT
};

/* Event codes; each belongs to one log (evlog_log_of()). */
enum evlog_code {
    EV_POWER_UP = 1,
    EV_POWER_DOWN,
    EV_NVM_CORRUPT,
    EV_SELFTEST_FAIL,
    EV_OUTAGE_START,
    EV_OUTAGE_END,
    EV_SAG_START,
    EV_SAG_END,
    EV_SWELL_START,
    EV_SWELL_END,
    EV_RELAY_OPEN,
    EV_RELAY_CLOSE,
    EV_RELAY_RELEASE,
    EV_NEUTRAL_FAULT_START,
    EV_NEUTRAL_FAULT_END,
    EV_CLOCK_SET,
    EV_CLOCK_ADJUST,
    EV_PARAM_CHANGE,
    EV_LEGAL_PARAM_CHANGE,
    EV_SESSION_START,
    EV_ACCESS_DENIED,
    EV_COVER_OPEN,
    EV_COVER_CLOSE,
    EV_MAGNET_START,
    EV_MAGNET_END,
    EV_POWER_LIMIT,
    EV_BILLING_END,
    EV_CODE_COUNT
};

struct evlog_rec {
    int64_t time;      /* UTC seconds (shown in standard time) */
    uint16_t code;     /* enum evlog_code */
    uint8_t src;       /* enum meter_src */
    uint8_t log;       /* enum evlog_log */
    int32_t a, b;      /* code-specific: old/new value, phase, cause ... */
};

/* First cut: a small RAM ring per meter until the store keeps the logs. */
#define EVLOG_RAM_DEPTH 32

struct evlog {
    struct evlog_rec ring[EVLOG_RAM_DEPTH];
    uint32_t head;                  /* records ever added */
    uint32_t count[EVLOG_COUNT];    /* per log, since manufacture */
};

struct meter;

enum evlog_log evlog_log_of(enum evlog_code code);
const char *evlog_code_name(enum evlog_code code);
const char *evlog_log_name(enum evlog_log log);

/* Record an event now (meter time). Returns 0 or a negative error. */
int evlog_add(struct meter *m, enum evlog_code code, enum meter_src src, int32_t a, int32_t b);

/* Number of events still readable, and the i-th oldest of them. */
uint32_t evlog_available(const struct meter *m);
int evlog_get(const struct meter *m, uint32_t i, struct evlog_rec *out);

#endif
