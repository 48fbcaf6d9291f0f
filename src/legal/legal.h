/*
 * legal.h — legal metrology (S-2.6, S-8): software identification (0.2.0)
 * and the CRC-32 over the legally relevant code and constants computed at
 * boot (0.2.8), the boot and daily self-test (program checksum, RAM, NVM,
 * clock) with its status bits, the counter of legally relevant parameter
 * changes (S-8.2), and the legal snapshot: the registers and counters that
 * must never go backwards, written whole through store_legal_write() at
 * every change of a register's last digit and on the power-fail warning.
 */
#ifndef TRIMETER_LEGAL_H
#define TRIMETER_LEGAL_H

#include <stdint.h>

#include "legal/access.h"
#include "legal/audit.h"

/* Self-test result bits (0-0:97.97.0 error register, low byte). */
enum legal_test {
    LEGAL_T_PROGRAM = 1u << 0, /* program checksum changed since boot */
    LEGAL_T_RAM = 1u << 1,     /* RAM pattern test failed */
    LEGAL_T_NVM = 1u << 2,     /* store unusable or corrupt */
    LEGAL_T_CLOCK = 1u << 3    /* RTC invalid or behind the last saved time */
};

struct legal {
    uint32_t crc;              /* CRC-32 computed at boot (0.2.8) */
    uint32_t tests;            /* enum legal_test bits that failed */
    uint32_t op_seconds;       /* operating time (persisted) */
    uint16_t changes;          /* legally relevant parameter changes (persisted) */
    uint8_t dirty;             /* counters changed since the last snapshot */
    int64_t saved_at;          /* meter time of the last snapshot */
    int64_t next_test;         /* meter time of the next periodic self-test */
    uint8_t scratch[16];       /* RAM pattern test area */
    uint8_t restored;          /* registers were rebuilt from evidence (persisted; METER_ST_RESTORED) */
    uint8_t evidence;          /* enum legal_evidence found by legal_recover_begin/end */
    struct audit audit;        /* communication counters (persisted, legal/audit.h) */
    struct access access;      /* lockouts, clock synchronisation (legal/access.h) */
};

struct meter;

/* Boot: compute the CRC, run the self-test (after the store mounted and
 * the snapshot was restored). */
void legal_boot(struct meter *m);
/* Once a second: operating time, periodic self-test, lazy snapshot of
 * changed counters. */
void legal_tick(struct meter *m);
/* CRC-32 over the legal region and the legal constants. */
uint32_t legal_crc(const struct meter *m);
/* Write the legal snapshot now. */
int legal_save(struct meter *m);
/* Restore it at power-up; METER_ENOENT for a factory-fresh meter,
 * METER_ECORRUPT for a snapshot of another layout (older firmware). Sets
 * *last_time to the meter time of the snapshot. */
int legal_restore(struct meter *m, int64_t *last_time);
/* The legal snapshot is gone on a part that held a meter (both copies
 * erased or unreadable, or of another layout): never start from zero in
 * silence (issue 12 item 7). Rebuild the registers from the best evidence
 * the store still holds, in two steps around profile_bind():
 * legal_recover_begin() takes the newest billing snapshot (energy totals,
 * tariff registers, cumulative demand, hour counter, period counter and
 * its end) and the event logs (counts, sequence, newest time);
 * legal_recover_end() raises the energy totals to the newest load-profile
 * reading when that is later and higher, sets the time from the evidence
 * when the RTC is invalid, marks the meter (METER_ST_RESTORED, persisted;
 * METER_ST_NVM_CORRUPT: the error symbol), records EV_LEGAL_RESTORED in
 * the metrological log (a = evidence bits LEGAL_EV_*, b = reason: 1
 * missing, 2 another layout) and saves. *last_time: the newest evidence. */
enum legal_evidence { LEGAL_EV_BILLING = 1u, LEGAL_EV_PROFILE = 2u, LEGAL_EV_EVENTS = 4u };
void legal_recover_begin(struct meter *m, int64_t *last_time);
void legal_recover_end(struct meter *m, int reason, int64_t *last_time);
/* Bytes of the legal snapshot (for the store layout). */
uint16_t legal_snapshot_size(void);

#endif
