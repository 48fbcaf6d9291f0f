/*
 * audit.h — what the meter keeps of who talked to it, without letting a
 * client push a legal record out or wear the EEPROM (issue 12 item 9).
 *
 * Two kinds of record, kept apart:
 *
 *  - The metrological log (EVLOG_METRO, WELMEC 7.2 "event logger"): every
 *    legally relevant change — a legal parameter (calibration, serial
 *    number, ...), a clock set beyond the synchronisation window, a change
 *    of the legal firmware, a restore of the registers from evidence — one
 *    record each. It never overwrites: when it is full, further legally
 *    relevant changes are refused (obj_write, clock) until the authorised
 *    party has read it out and cleared it (method 1 of its profile object
 *    0-0:99.98.8, with the calibration switch closed), which leaves one
 *    record saying how many were cleared. Internal events that cannot be
 *    refused (a firmware change found at boot) are counted when the log is
 *    full (0-0:96.129.18 counts every one since manufacture) and set
 *    METER_ST_LOG_FULL.
 *
 *  - Communication: sessions, logins, refusals and wrong secrets are
 *    counters, not records. They live in the legal snapshot and reach the
 *    EEPROM with the next snapshot written anyway (an energy step, the
 *    hourly operating-time save, the power-fail save): a reader causes no
 *    EEPROM write at all, however often it connects or fails. The newest
 *    refusal is kept too (time, source, object, reason). Parameter changes
 *    of authorised clients stay records in the audit log (EVLOG_AUDIT,
 *    wrapping), lockouts one record each (access.h).
 *
 * The session layer (src/proto) calls audit_session_start() once per
 * session and audit_login() when a session is granted more than public
 * access; the object table and the protocols call audit_refusal().
 */
#ifndef TRIMETER_AUDIT_H
#define TRIMETER_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;

/* Why a request was refused (the newest refusal's reason). */
enum audit_why {
    AUDIT_ACCESS = 1,   /* level too low, no method / setter */
    AUDIT_SEAL = 2,     /* legal object, calibration switch open */
    AUDIT_VALUE = 3,    /* malformed value for the object */
    AUDIT_LOCKED = 4,   /* password lockout in force */
    AUDIT_SECRET = 5,   /* wrong password / authentication */
    AUDIT_RATE = 6,     /* rate limit (clock synchronisation, sets per hour) */
    AUDIT_LOG_FULL = 7  /* metrological log full */
};

/* Persisted in the legal snapshot (counts since manufacture). */
struct audit {
    uint32_t sessions;      /* communication sessions opened, every interface */
    uint32_t logins;        /* sessions granted more than public access */
    uint32_t refusals;      /* requests refused (enum audit_why) */
    uint32_t bad_secrets;   /* wrong passwords / failed authentications */
    uint32_t last_time;     /* UTC of the newest refusal (0 = none) */
    uint32_t last_obj;      /* its object, OBIS packed A<<24|C<<16|D<<8|E (0 = none) */
    uint8_t last_src;       /* enum meter_src */
    uint8_t last_why;       /* enum audit_why */
    uint8_t pad[2];
};

/* A communication session opened (called once per session by the port /
 * session layer; today by src/proto/dispatch.c). */
void audit_session_start(struct meter *m, enum meter_src src);
/* The session was granted `level` (> public) after authentication. */
void audit_login(struct meter *m, enum meter_src src, enum meter_access level);
/* A request was refused; obj = OBIS packed (obj_packed) or 0. */
void audit_refusal(struct meter *m, enum meter_src src, uint32_t obj, enum audit_why why);
/* A wrong secret (also counts as a refusal). */
void audit_bad_secret(struct meter *m, enum meter_src src);

/* Room in the metrological log for one more legally relevant change. */
bool audit_metro_room(const struct meter *m);
/* Read out and cleared by the authorised party: empties the metrological
 * log and records that (a = records cleared). */
int audit_metro_clear(struct meter *m, enum meter_src src);

/* Object-table getters: o->arg = enum audit_counter. */
enum audit_counter { AUDIT_C_SESSIONS = 0, AUDIT_C_LOGINS, AUDIT_C_REFUSALS, AUDIT_C_BAD_SECRETS, AUDIT_C_LAST };
struct obj_def;
struct obj_value;
int audit_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
/* Method 1 (reset) of the metrological log's profile object. */
int audit_act_metro(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                    enum meter_src src);

#endif
