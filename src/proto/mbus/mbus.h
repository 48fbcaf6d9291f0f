/*
 * mbus.h — the wired M-Bus slave: EN 13757-2 link layer (single character,
 * short, control and long frames, FCB/FCV, primary, test, broadcast and
 * secondary addressing) and the EN 13757-3 application layer (variable data
 * structure: fixed header, DIF/DIFE/VIF/VIFE records) read from the object
 * table.
 *
 * The codec half (mbus_codec.c) is pure: frame checks, manufacturer and
 * identification coding, secondary-address matching with wildcards, record
 * writing. The slave half (mbus.c) answers one frame at a time from a small
 * per-session state (struct mbus_sess) and the persisted configuration
 * (struct mbus_cfg). Which rows become records is the row's `mbus` column
 * (objtab.h); DIF/VIF follow from the row's unit, scaler, OBIS code and
 * interface class (docs/PROTOCOLS.md, "Wired M-Bus"). No register list and
 * no copy of a value lives here; the only state is the last telegram kept
 * for a repeat request (FCB not toggled) and the multi-telegram cursor.
 */
#ifndef TRIMETER_MBUS_H
#define TRIMETER_MBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;
struct obj_def;
struct obj_value;

/* ---- link layer (EN 13757-2) ------------------------------------------------ */

#define MBUS_ACK 0xE5u
#define MBUS_START_SHORT 0x10u
#define MBUS_START_LONG 0x68u
#define MBUS_STOP 0x16u

/* Largest long frame: 4 + L (<= 255) + 2. */
#define MBUS_FRAME_MAX 261u
/* Largest user data after C, A, CI. */
#define MBUS_DATA_MAX 252u

/* C field (master -> slave, low nibble = function; bit 5 FCB, bit 4 FCV). */
#define MBUS_C_SND_NKE 0x40u
#define MBUS_C_SND_UD 0x53u  /* 0x53 / 0x73 (FCB) */
#define MBUS_C_REQ_UD2 0x5Bu /* 0x5B / 0x7B (FCB) */
#define MBUS_C_REQ_UD1 0x5Au
#define MBUS_C_RSP_UD 0x08u
#define MBUS_C_FCB 0x20u
#define MBUS_C_FCV 0x10u

/* Addresses. */
#define MBUS_ADDR_MAX_PRIMARY 250u
#define MBUS_ADDR_SECONDARY 253u /* "the selected slave" */
#define MBUS_ADDR_TEST 254u      /* every slave answers (point to point) */
#define MBUS_ADDR_BROADCAST 255u /* every slave acts, none answers */

/* CI fields (EN 13757-3). */
#define MBUS_CI_APP_RESET 0x50u
#define MBUS_CI_DATA_SEND 0x51u
#define MBUS_CI_SELECT 0x52u
#define MBUS_CI_BAUD_300 0xB8u   /* .. 0xBF: 300 .. 38400 */
#define MBUS_CI_RSP_LONG 0x72u   /* variable data, long header */

/* Medium: electricity. Version byte of this firmware's TRM layout. */
#define MBUS_MEDIUM_ELECTRICITY 0x02u
#define MBUS_VERSION_TRM 0x01u

enum mbus_frame_kind {
    MBUS_F_ACK = 1,     /* E5 */
    MBUS_F_SHORT = 2,   /* 10 C A CS 16 */
    MBUS_F_CONTROL = 3, /* long frame with L = 3 (no user data) */
    MBUS_F_LONG = 4     /* 68 L L 68 C A CI data CS 16 */
};

struct mbus_frame {
    uint8_t kind;     /* enum mbus_frame_kind */
    uint8_t c, a, ci;
    uint8_t n;        /* bytes of user data after CI */
    const uint8_t *data;
};

/* How many bytes the frame starting at buf[0] needs in all: 1 for E5, 5
 * for a short frame, L + 6 for a long one once its header is in; 0 when
 * buf[0] cannot start a frame (stray byte) or the long header is broken
 * (L fields differ, second start byte wrong, L < 3), and MBUS_NEED_MORE
 * (> MBUS_FRAME_MAX) while n is too short to tell. */
#define MBUS_NEED_MORE 0x1000u
size_t mbus_frame_need(const uint8_t *buf, size_t n);

/* Check one complete frame of n bytes (n as mbus_frame_need said): start
 * and stop bytes, both L fields, the checksum (sum of C .. last data byte,
 * modulo 256). Returns 0 and fills f (pointing into buf), or METER_EINVAL /
 * METER_ECORRUPT. */
int mbus_frame_parse(const uint8_t *buf, size_t n, struct mbus_frame *f);

/* Build a long frame around C, A, CI and n data bytes: returns its length
 * (n + 9) or METER_ENOSPC. data may point into out + 7 (already in place). */
int mbus_frame_long(uint8_t c, uint8_t a, uint8_t ci, const uint8_t *data, size_t n, uint8_t *out,
                    size_t cap);

/* ---- identification ----------------------------------------------------------- */

/* Three letters A..Z -> the 15-bit manufacturer code ("KAM" -> 0x2C2D);
 * METER_EINVAL for anything else. */
int mbus_man_encode(const char *s, uint16_t *out);
void mbus_man_decode(uint16_t code, char out[4]);
/* 8 decimal digits -> 4 BCD bytes, LSB first (12345678 -> 78 56 34 12). */
void mbus_bcd_id(uint32_t id, uint8_t out[4]);

/* The 8-byte secondary address: id (4 BCD, LSB first), manufacturer (LE),
 * version, medium. */
struct mbus_secaddr {
    uint8_t b[8];
};
/* A selection's 8 bytes match own: every id nibble equal or 0xF in the
 * selection, manufacturer equal or 0xFFFF, version and medium equal or 0xFF. */
bool mbus_sec_match(const uint8_t sel[8], const struct mbus_secaddr *own);

/* ---- records (EN 13757-3) ------------------------------------------------------- */

/* A data record being written: DIF with its DIFE chain from storage number,
 * tariff and subunit; VIF with VIFE (or a plain-text VIF); the data field. */
struct mbus_rec {
    uint8_t func;      /* 0 instantaneous, 1 maximum, 2 minimum, 3 error value */
    uint8_t storage;   /* storage number 0 .. 2^41 (we use < 16) */
    uint8_t tariff;    /* 0 .. 15 */
    uint8_t subunit;   /* 0 .. 3 */
    uint8_t vif;       /* primary VIF, 0xFD/0xFB extension, or 0x7C plain text */
    uint8_t vife[2];   /* VIFEs in order (0 = none) */
    const char *text;  /* plain-text unit for vif 0x7C (sent reversed) */
    uint8_t dlen;      /* data length code: 1,2,3,4,6,8 bytes integer */
    int64_t value;
};

/* Append one record to out[*pos .. cap). Returns 0 or METER_ENOSPC (nothing
 * written). */
int mbus_rec_put(const struct mbus_rec *r, uint8_t *out, size_t *pos, size_t cap);
/* Type F date/time (EN 13757-3 Annex A): minute, hour, day, month, year of
 * civil seconds (as clock_split gives), 4 bytes LE. */
uint32_t mbus_type_f(int64_t civil);

/* Walk the records of user data (after the 12-byte fixed header): returns
 * the bytes of the record at p (DIB+VIB+data), 0 at an idle filler / end
 * (0x2F, 0x0F/0x1F manufacturer data), METER_EINVAL when broken. Used by the
 * tests and the fuzz harness to check what the slave writes. */
int mbus_rec_len(const uint8_t *p, size_t n);

/* ---- the slave ---------------------------------------------------------------- */

/* Manufacturer-id setting: this firmware's own layout, or the layout and id
 * a Kamstrup 382 sends (for collectors built for it). */
enum mbus_layout { MBUS_LAYOUT_TRM = 0, MBUS_LAYOUT_KAM = 1 };

/* The record sets: set k carries the rows whose `mbus` column has bit k
 * (enum obj_mbus, objtab.h). */
enum mbus_set { MBUS_SET_TRM = 0, MBUS_SET_KAM = 1, MBUS_SET_RADIO = 2, MBUS_SET_OMNI = 3 };

/* Write the records of a set from the object table into out[*pos .. cap),
 * starting at record index first; returns the index after the last one
 * written (the set's record count when all fitted). A record that fits no
 * empty buffer is left out. out NULL: the set's record count. */
unsigned mbus_records(const struct meter *m, enum mbus_set set, unsigned first, uint8_t *out, size_t *pos,
                      size_t cap);

/* Persisted configuration (part of the configuration image). */
struct mbus_cfg {
    uint8_t primary;  /* 0 .. 250; factory 1 */
    uint8_t layout;   /* enum mbus_layout */
    uint16_t baud;    /* 300 .. 9600; factory 2400 */
};
#define MBUS_FACTORY_PRIMARY 1u
#define MBUS_FACTORY_BAUD 2400u

/* Per meter: the configuration's RAM copy and what bounds the EEPROM
 * writes a master can cause. */
struct mbus_meter {
    struct mbus_cfg cfg;
    uint8_t addr_writes; /* primary-address changes by SND_UD since power-up */
};
/* SND_UD address changes accepted per power-up. */
#define MBUS_ADDR_WRITES_MAX 16u

void mbus_cfg_factory(struct mbus_cfg *c);
bool mbus_cfg_valid(const struct mbus_cfg *c);

/* Per session (one M-Bus line). */
struct mbus_sess {
    bool selected;       /* secondary address selection active */
    bool fcb_valid;      /* a REQ_UD2 with FCV was answered since SND_NKE */
    bool fcb;            /* its FCB */
    uint8_t access;      /* access number of the last new RSP_UD */
    uint8_t next;        /* first record index of the next telegram (multi-telegram) */
    uint8_t last_first;  /* first record index of the telegram kept in last[] */
    uint16_t last_len;   /* bytes in last[] (0: none) */
    uint32_t baud_req;   /* line change asked for after the ACK (0: none) */
    uint8_t last[MBUS_FRAME_MAX];
};

void mbus_sess_reset(struct mbus_sess *s);

/* The slave's own secondary address under the current configuration. */
void mbus_own_secaddr(const struct meter *m, const struct mbus_cfg *c, struct mbus_secaddr *out);

/* Serve one complete frame (as mbus_frame_need delimited it). Returns the
 * length of the answer, *ans pointing at it (a constant E5, or the RSP_UD
 * kept in s->last), or 0 = silence (bad frame, other address, broadcast,
 * unknown request). A baud change is left in s->baud_req for the caller to
 * apply after the ACK has gone out. Changes of the primary address go
 * through obj_write (audited) with source METER_SRC_MBUS. */
size_t mbus_serve(struct meter *m, struct mbus_meter *mm, struct mbus_sess *s, const uint8_t *frame,
                  size_t n, const uint8_t **ans);

/* Write the user data of the RSP_UD telegram that starts at record index
 * first into out (fixed header included); *next receives the index after
 * the last record written, or 0 when the telegram holds the rest (DIF 0x1F
 * is written when more follow). Returns the data length. Exposed for tests
 * and the line-time figure. */
size_t mbus_rsp_data(const struct meter *m, const struct mbus_cfg *c, uint8_t access, unsigned first,
                     unsigned *next, uint8_t *out, size_t cap);

/* Configuration values as the object table shows them (rows 0-0:96.133.E,
 * src/proto/mbus/mbus_driver.c): primary address (0..250), baud rate
 * (300..9600), manufacturer id setting ("TRM" / "KAM"). */
enum mbus_cfg_field { MBUS_CFG_PRIMARY = 0, MBUS_CFG_BAUD = 1, MBUS_CFG_MANUFACTURER = 2 };
int mbus_cfg_get(const struct mbus_cfg *c, unsigned field, struct obj_value *v);
/* METER_EINVAL / METER_ERANGE for a value the field does not take (c
 * unchanged). */
int mbus_cfg_set(struct mbus_cfg *c, unsigned field, const struct obj_value *in);

/* ---- the driver (mbus_driver.c) ------------------------------------------------- */

/* One M-Bus line's session: the frame being received and the link state. */
struct mbus_session {
    struct mbus_sess link;
    uint16_t len;        /* bytes of the frame being received */
    uint32_t last_rx_ms; /* inter-character timeout */
    uint8_t rx[MBUS_FRAME_MAX];
};

struct proto_driver;
extern const struct proto_driver mbus_driver;

#endif
