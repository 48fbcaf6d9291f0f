/*
 * access.h — who may change what, shared by every interface: the password
 * lockout of authenticated logins and the policy for setting the clock.
 *
 * Protocols decide the access level of a session (enum meter_access); the
 * object table checks it for every row (obj_write). Two decisions need more
 * than a level and live here, so that IEC 62056-21 today and DLMS/COSEM
 * next make them the same way:
 *
 *  - Password lockout. Every interface that checks a secret (IEC 62056-21
 *    P1/P2, the DLMS reading client's LLS password, HLS) owns one lock
 *    (enum access_lock_id). Wrong tries are counted in RAM; the try that
 *    reaches the interface's limit starts a lockout, which is saved at once
 *    (the legal snapshot) with one audit record, and saved again when it
 *    ends. The try count reaches the store with the next snapshot that is
 *    written anyway (the power-fail save at the latest), so a reboot neither
 *    forgets a lockout nor resets the count, and wrong tries cost no EEPROM
 *    write each (issue 12 item 8). While locked, a secret is not even
 *    compared: the attempt is refused and counted (audit.h).
 *
 *  - Clock. A client below the clock row's write level (no authentication:
 *    KMP, the public client, a P1/reader session) may only synchronise: a
 *    change of at most `clock_sync_window_s` seconds (configurable, sealed,
 *    factory 9 s), at most once per `clock_sync_interval_h` hours of
 *    operation (factory 24 h): struct access_cfg, configuration section
 *    CFG_ID_ACCESS. An authenticated client (write level: IEC P2, the DLMS
 *    management client) may set the clock to any time in range, at most
 *    METER_CLOCK_SETS_PER_HOUR times per hour of operation. A change beyond
 *    the synchronisation window is legally relevant: it is recorded in the
 *    metrological log and refused while that log is full (audit.h).
 *
 * The state is part of struct legal (persisted in the legal snapshot: the
 * lockouts and the last synchronisation) and touches no hardware.
 *
 * Usage by a protocol that checks a secret:
 *
 *     if (access_lock_check(m, ACCESS_LOCK_IEC21) < 0)       -> refuse (locked)
 *     else if (secret right) { access_lock_pass(m, id); grant the level; }
 *     else access_lock_fail(m, id, max_tries, lock_s, src);  -> refuse
 *
 * Clock writes need nothing from the protocol: obj_write() calls
 * access_clock_check() for rows flagged OBJ_F_SYNC with the session's level.
 */
#ifndef TRIMETER_ACCESS_H
#define TRIMETER_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;
struct obj_def;
struct obj_value;

/* One lock per interface that checks secrets (persisted slots: append). */
enum access_lock_id {
    ACCESS_LOCK_IEC21 = 0, /* IEC 62056-21 programming mode P1/P2 */
    ACCESS_LOCK_DLMS = 1,  /* DLMS/COSEM association (LLS password, HLS) */
    ACCESS_LOCKS = 4       /* slots (two spare, so the snapshot layout stays) */
};

struct access_lock {
    uint8_t tries;      /* consecutive wrong secrets */
    uint8_t locked;
    uint32_t until_ms;  /* hal->ms_now() at which the lockout ends */
};

/* Configuration (section CFG_ID_ACCESS, legal: sealed like calibration). */
struct access_cfg {
    uint8_t sync_window_s;   /* largest clock change without authentication (0..60, factory 9) */
    uint8_t sync_interval_h; /* one such synchronisation per this many hours of operation (1..168, 24) */
    uint8_t pad[2];
};

struct access {
    struct access_cfg cfg;
    struct access_lock lock[ACCESS_LOCKS];
    uint32_t sync_op;   /* legal.op_seconds of the last unauthenticated synchronisation */
    uint8_t sync_done;  /* sync_op is valid */
    uint8_t sets;       /* authenticated clock sets in the current hour of operation */
    uint32_t sets_op;   /* op_seconds at the start of that hour */
};

/* What the legal snapshot keeps of it (src/legal/legal.c). */
struct access_nv {
    uint8_t tries[ACCESS_LOCKS];
    uint32_t lock_left_s[ACCESS_LOCKS]; /* seconds of lockout left, 0 = none */
    uint32_t sync_op;
    uint8_t sync_done;
    uint8_t pad[3];
};

/* ---- password lockout ------------------------------------------------------- */

/* Before comparing a secret. METER_EBUSY while the interface is locked out
 * (the caller refuses without comparing and counts it: audit_refusal);
 * 0 otherwise. An expired lockout ends here (saved). */
int access_lock_check(struct meter *m, enum access_lock_id id);
/* The secret was right: the count of wrong tries starts again. */
void access_lock_pass(struct meter *m, enum access_lock_id id);
/* The secret was wrong: counted (audit_bad_secret too). The max_tries-th
 * consecutive wrong one starts a lockout of lock_s seconds: saved at once,
 * one EV_LOCKOUT record. Returns true when a lockout started. */
bool access_lock_fail(struct meter *m, enum access_lock_id id, unsigned max_tries, uint32_t lock_s,
                      enum meter_src src);
/* Seconds of lockout left (0 = not locked), for status objects and tests. */
uint32_t access_lock_left_s(const struct meter *m, enum access_lock_id id);
/* Once a main-loop pass: ends expired lockouts (one save each). Cheap when
 * nothing is locked. */
void access_poll(struct meter *m);

/* ---- clock ---------------------------------------------------------------- */

/* May a client at level acc set clock row o (OBJ_F_SYNC) to utc now?
 * 0 when allowed (the caller then sets it, and access_clock_done() books
 * it); METER_EACCES for a change beyond the synchronisation window without
 * authentication, METER_EBUSY when the rate limit is reached (a second
 * synchronisation within the interval, or too many sets this hour),
 * METER_ENOSPC when the change is legally relevant and the metrological log
 * is full. Refusals are counted (audit_refusal), never logged as records. */
int access_clock_check(struct meter *m, const struct obj_def *o, enum meter_access acc, int64_t utc,
                       enum meter_src src);
/* The clock was set by a client at level acc (after access_clock_check). */
void access_clock_done(struct meter *m, const struct obj_def *o, enum meter_access acc, int64_t delta_s);
/* True when a clock change of delta_s seconds is beyond the synchronisation
 * window, i.e. legally relevant (metrological log). */
bool access_clock_relevant(const struct meter *m, int64_t delta_s);

/* ---- persistence (src/legal/legal.c) ----------------------------------------- */
/* The configuration section of the policy (listed by src/meter.c). */
struct cfg_section;
extern const struct cfg_section access_cfg_section;
void access_save(const struct meter *m, struct access_nv *nv);
/* At power-up after the snapshot was read (the HAL's ms clock restarted). */
void access_restore(struct meter *m, const struct access_nv *nv);

#endif
