/*
 * store.h — the NVM store: persists what the application hands it, on the
 * serial EEPROM behind hal->nvm_*. It knows records, not meanings.
 *
 * Contract with the application (src/app):
 *   - the legal snapshot (energy registers and the few counters that must
 *     never go backwards) is written whole, often (every change of the last
 *     displayed digit), and is kept redundantly; store_legal_read() returns
 *     the newest consistent copy;
 *   - the configuration is written whole, rarely; a read returns either the
 *     old or the new one, never a mix;
 *   - logs are rings of fixed-size records (billing snapshots, load profile,
 *     analysis logger, each event log); the application declares their
 *     record size and depth in struct store_layout at mount.
 * Every record carries a sequence number and a CRC; corruption is detected
 * at mount and reported in store.flags.
 *
 * FIRST CUT: this is the interface with a RAM-less placeholder behind it;
 * the journaled, wear-levelled implementation replaces store.c.
 */
#ifndef TRIMETER_STORE_H
#define TRIMETER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

#define STORE_MAX_LOGS 16

struct store_log_def {
    uint16_t rec_size;   /* bytes of one record (payload) */
    uint32_t depth;      /* records kept (oldest overwritten) */
};

struct store_layout {
    uint16_t legal_size;                    /* bytes of the legal snapshot */
    uint16_t config_size;                   /* bytes of the configuration */
    uint8_t nlogs;
    struct store_log_def logs[STORE_MAX_LOGS];
};

enum store_flag {
    STORE_F_MOUNTED = 1u << 0,
    STORE_F_FORMATTED = 1u << 1,  /* found empty/foreign, formatted at mount */
    STORE_F_CORRUPT = 1u << 2,    /* a bad record was found and skipped */
    STORE_F_FAILED = 1u << 3      /* NVM unusable */
};

struct store {
    const struct meter_hal *hal;
    struct store_layout layout;
    uint32_t flags;                         /* enum store_flag */
};

/* Mount (or format an empty/foreign device) with this layout. */
int store_mount(struct store *s, const struct meter_hal *hal, const struct store_layout *layout);

int store_legal_write(struct store *s, const void *data);
int store_legal_read(struct store *s, void *data);          /* METER_ENOENT if none */
int store_config_write(struct store *s, const void *data);
int store_config_read(struct store *s, void *data);         /* METER_ENOENT if none */

int store_log_append(struct store *s, unsigned log, const void *rec);
/* Records readable in a log, and the i-th oldest (0 = oldest). */
uint32_t store_log_count(const struct store *s, unsigned log);
int store_log_read(const struct store *s, unsigned log, uint32_t i, void *rec);
int store_log_clear(struct store *s, unsigned log);

#endif
