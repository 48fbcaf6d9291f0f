/*
 * evlog.h — the meter's event logs (S-3.3): status/alarms, voltage quality,
 * disconnector, neutral fault, clock, audit (parameter changes), tamper,
 * power limit, and the metrological log of legally relevant changes, which
 * never overwrites (src/legal/audit.h). Every module reports through evlog_add(); each log is a ring
 * of the store (RING_EVLOG + log, depths in evlog_depth()), the counts since
 * manufacture travel in the legal snapshot. Audit records name the object
 * (OBIS), the old and new value and the interface (S-6.4, S-8.2).
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
    EVLOG_METRO,        /* metrological log: legally relevant changes, never overwritten (legal/audit.h) */
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
    EV_SESSION_START,      /* no longer logged: sessions are counted (legal/audit.h) */
    EV_ACCESS_DENIED,      /* no longer logged: refusals are counted (legal/audit.h) */
    EV_COVER_OPEN,
    EV_COVER_CLOSE,
    EV_MAGNET_START,
    EV_MAGNET_END,
    EV_POWER_LIMIT,
    EV_BILLING_END,
    EV_PROFILE_CLEAR,      /* a = period min, b = channels (logger: a = 0) */
    EV_FW_CHANGED,         /* a = old CRC-32, b = new (legal software changed) */
    EV_CLOCK_INVALID,      /* RTC lost time (backup exhausted) */
    EV_RELAY_DEFERRED,     /* ui: opening waits, current above breaking capacity; a = cause, b = mA */
    EV_CREDIT_LOW,         /* ui: prepayment credit below the warning level; a = Wh */
    EV_CREDIT_EMPTY,       /* ui: prepayment credit used up; a = Wh */
    EV_LOADCTL_SWITCH,     /* ui: load relay a (1/2) switched; b = closed | source << 8 */
    EV_TARIFF_INPUT,       /* ui: external tariff inputs changed; a = new tariff, b = old */
    EV_CFG_DEFAULT,        /* a configuration section fell back to factory defaults; a = section id, b = stored version */
    EV_LOCKOUT,            /* password lockout started; a = interface (enum access_lock_id), b = seconds */
    EV_METRO_CLEARED,      /* metrological log read out and cleared; a = records cleared, b = since manufacture */
    EV_LEGAL_RESTORED,     /* legal snapshot lost: registers rebuilt from evidence; a = sources, b = reason */
    EV_FW_INITIATE,        /* image transfer initiated (legal/fwimage.h); a = image size, b = slot */
    EV_FW_VERIFY,          /* image verified; a = enum fwimg_why (0 = valid), b = its version */
    EV_FW_ACTIVATE,        /* image activated, restart follows; a = version, b = slot */
    EV_FW_BOOT,            /* boot of an activated image; a = enum fwimg_why (0 = runs), b = version running */
    EV_CODE_COUNT
};

struct evlog_rec {
    int64_t time;      /* UTC seconds (shown in standard time) */
    uint16_t code;     /* enum evlog_code */
    uint8_t src;       /* enum meter_src */
    uint8_t log;       /* enum evlog_log */
    uint8_t client;    /* the client (DLMS client SAP) when the interface has several, else 0 */
    int32_t a, b;      /* code-specific: old/new value, phase, cause ... */
    uint32_t obj;      /* object concerned: OBIS A<<24|C<<16|D<<8|E, 0 = none */
    uint32_t seq;      /* global sequence number (order across logs) */
};

/* Bytes of one record in the store. */
#define EVLOG_REC_SIZE 24u

/* Persisted in the legal snapshot. */
struct evlog {
    uint32_t head;                  /* records ever added (sequence of the next) */
    uint32_t count[EVLOG_COUNT];    /* per log, since manufacture */
};

/* Merge cursor over all logs (oldest first). */
struct evlog_iter {
    uint32_t pos[EVLOG_COUNT];
};

struct meter;

enum evlog_log evlog_log_of(enum evlog_code code);
const char *evlog_code_name(enum evlog_code code);
const char *evlog_log_name(enum evlog_log log);

/* Records kept in the ring of a log. */
uint32_t evlog_depth(enum evlog_log log);

/* Record an event now (meter time). Returns 0 or a negative error;
 * METER_ENOSPC when its log never overwrites (EVLOG_METRO) and is full:
 * the event is then counted (evlog_total) but not stored. */
int evlog_add(struct meter *m, enum evlog_code code, enum meter_src src, int32_t a, int32_t b);
/* A communication session began (src/proto/port.c calls it, once per
 * session, for every protocol): counted (audit_session_start), no record. */
void evlog_session_start(struct meter *m, enum meter_src src);
/* The same naming the object concerned (audit log). */
int evlog_add_obj(struct meter *m, enum evlog_code code, enum meter_src src, uint32_t obj, int32_t a,
                  int32_t b);

/* Per log: events since manufacture, records readable, record i (0 = oldest). */
uint32_t evlog_total(const struct meter *m, enum evlog_log log);
uint32_t evlog_count(const struct meter *m, enum evlog_log log);
int evlog_read(const struct meter *m, enum evlog_log log, uint32_t i, struct evlog_rec *out);

/* All logs merged, oldest first: start with a zeroed iterator; returns
 * METER_ENOENT at the end. */
int evlog_next(const struct meter *m, struct evlog_iter *it, struct evlog_rec *out);
/* Number of events still readable, and the i-th oldest of them (O(i)). */
uint32_t evlog_available(const struct meter *m);
int evlog_get(const struct meter *m, uint32_t i, struct evlog_rec *out);

#endif
