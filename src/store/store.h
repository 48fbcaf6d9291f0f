/*
 * store.h — the NVM store: persists what the application hands it, on the
 * serial EEPROM behind hal->nvm_*. It knows records, not meanings, and
 * touches nothing but the HAL's NVM and supply-monitor calls.
 *
 * Contract with the application (src/registers, src/legal):
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
 * How (docs/STORE.md): every area is a ring of slots written append-only.
 * The legal snapshot, the configuration and the superblock (the layout on
 * NVM) each live in two rings at opposite ends of the part (copy A, then
 * copy B) and carry a 32-bit sequence number; a log record carries only a
 * CRC-32 over its ring, slot, lap parity and payload (its sequence number is
 * its position). Mount scans every slot, takes the newest consistent state,
 * repairs a lagging copy and reports corruption. While the supply monitor
 * warns (hal->supply_ok() false) only legal writes go to the EEPROM, so the
 * emergency save fits the hold-up time.
 */
#ifndef TRIMETER_STORE_H
#define TRIMETER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

#define STORE_MAX_LOGS 16
/* On-NVM format; a mount of an older format upgrades it (docs/STORE.md),
 * a newer one is refused without writing. */
#define STORE_FORMAT 1u
/* Bytes the format reserves for the legal snapshot and the configuration
 * (larger ones are refused at mount; smaller ones may grow up to these in
 * later firmware without moving anything on NVM). */
#define STORE_LEGAL_MAX 500u
#define STORE_CONFIG_MAX 2036u
/* Bytes a log record costs beyond its payload (CRC-32); slots are the
 * payload plus this, rounded up to 4 bytes, and never straddle a page. */
#define STORE_REC_OVERHEAD 4u
/* Program operations of one store_legal_write(): copy A and copy B; while
 * the supply monitor warns only copy A (the emergency save: one page write,
 * the next mount copies it to B). */
#define STORE_LEGAL_WRITE_OPS 2u
#define STORE_LEGAL_SAVE_OPS 1u

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
    STORE_F_FAILED = 1u << 3,     /* NVM unusable */
    STORE_F_UPGRADED = 1u << 4,   /* layout changed at this mount (see store.cleared) */
    STORE_F_REPAIRED = 1u << 5,   /* a lagging or damaged copy was rewritten at mount */
    STORE_F_NOSPACE = 1u << 6,    /* a declared log did not fit and is disabled (ENOSPC) */
    STORE_F_FOREIGN = 1u << 7     /* formatted over an image that was not blank (reported as corruption) */
};

/* One ring of slots (RAM: where the next record goes, how many are readable). */
struct store_ring {
    uint32_t nslots;
    uint32_t next;       /* slot the next record goes to */
    uint32_t count;      /* readable records (<= depth) */
    uint32_t depth;
    uint16_t base;       /* first page */
    uint16_t pages;
    uint16_t slot;       /* bytes per slot (whole pages when larger than a page) */
    uint16_t rec;        /* payload bytes (log rings) */
    uint32_t epoch;      /* changed by clear/resize: older records no longer verify */
    uint8_t id;          /* which ring, in the CRC */
    uint8_t par;         /* lap parity of slot `next` */
};

struct store {
    const struct meter_hal *hal;
    struct store_layout layout;
    uint32_t flags;                         /* enum store_flag */
    uint32_t corrupt;                       /* bad records found at mount */
    uint32_t garbage;                       /* slots neither valid nor erased seen by the mount scans */
    uint16_t cleared;                       /* logs re-initialised at this mount (bit per log) */
    uint8_t legal_synced;                   /* both copies hold legal_crc's payload */
    uint32_t sb_seq;                        /* superblock generation */
    uint32_t legal_crc;
    uint32_t hseq[4];                       /* newest seq in legal A, B, config A, B */
    uint16_t legal_len;                     /* stored length of the snapshot store_legal_read() returned */
    uint32_t config_addr;                   /* payload of the copy store_config_open() verified */
    uint16_t config_len;
    struct store_ring super[2];             /* the layout on NVM, copies A and B */
    struct store_ring legal[2];
    struct store_ring config[2];
    struct store_ring logs[STORE_MAX_LOGS];
};

/* Mount (or format an empty/foreign device) with this layout. A layout
 * that differs from the one on NVM is applied: the legal snapshot and the
 * configuration survive any change (shorter records read zero-extended),
 * a log keeps its records when its declaration is unchanged and is
 * re-initialised otherwise (bit in s->cleared, STORE_F_UPGRADED).
 * A log that does not fit is disabled (its appends return METER_ENOSPC,
 * STORE_F_NOSPACE is set); the mount still succeeds for the rest. */
int store_mount(struct store *s, const struct meter_hal *hal, const struct store_layout *layout);

int store_legal_write(struct store *s, const void *data);   /* skips a write identical to the last */
int store_legal_read(struct store *s, void *data);          /* METER_ENOENT if none */
int store_config_write(struct store *s, const void *data);
int store_config_read(struct store *s, void *data);         /* METER_ENOENT if none */
/* The configuration without a buffer of its size: written from pieces
 * (their total is zero-padded or cut to config_size), and read in parts
 * after store_config_open() verified the newest copy (its stored length in
 * *len; parts beyond it read zero). */
struct store_iov {
    const void *p;
    uint16_t n;
};
int store_config_write_iov(struct store *s, const struct store_iov *iov, unsigned niov);
int store_config_open(struct store *s, uint16_t *len);
int store_config_read_part(const struct store *s, uint32_t off, void *buf, uint32_t n);

int store_log_append(struct store *s, unsigned log, const void *rec);
/* Records readable in a log, and the i-th oldest (0 = oldest). */
uint32_t store_log_count(const struct store *s, unsigned log);
int store_log_read(const struct store *s, unsigned log, uint32_t i, void *rec);
int store_log_clear(struct store *s, unsigned log);

/* Re-declare one ring inside the area it got at mount (rec_size * depth of
 * the mount layout bounds it): clears it unless rec_size and depth equal
 * what NVM already holds, so calling it after every mount keeps the
 * records. METER_ENOSPC if it does not fit. */
int store_log_resize(struct store *s, unsigned log, uint16_t rec_size, uint32_t depth);
/* Record size and depth a log has now (after mount: as on NVM). */
uint16_t store_log_rec_size(const struct store *s, unsigned log);
uint32_t store_log_depth(const struct store *s, unsigned log);

/* ---- memory map (docs, bench, tests) ---------------------------------- */
enum store_area_kind { STORE_AREA_SUPER, STORE_AREA_LEGAL, STORE_AREA_CONFIG, STORE_AREA_LOG };

struct store_area {
    uint8_t kind;        /* enum store_area_kind */
    uint8_t copy;        /* 0 = A, 1 = B (log: 0) */
    uint8_t log;         /* log index for STORE_AREA_LOG */
    uint32_t addr;       /* first byte */
    uint32_t bytes;      /* pages * page size */
    uint32_t slot;       /* bytes per slot */
    uint32_t nslots;
};

/* Fill up to max areas in address order; returns how many there are. */
unsigned store_map(const struct store *s, struct store_area *out, unsigned max);
/* Byte address of slot idx of ring r. */
uint32_t store_slot_addr(const struct store *s, const struct store_ring *r, uint32_t idx);
/* Bytes a superblock, legal or configuration record occupies in its slot
 * (header, payload, padding, CRC). */
uint32_t store_blob_bytes(uint32_t payload);
#define STORE_SUPER_PAYLOAD (24u + 20u * STORE_MAX_LOGS)

#endif
