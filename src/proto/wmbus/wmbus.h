/*
 * wmbus.h — the wireless M-Bus transmitter (EN 13757-4): telegrams of the
 * meter's readings, secured, in the frame format of the radio mode.
 *
 * A telegram is built in three steps: the link-layer header (L C M A), the
 * transport/security layer (Kamstrup extended link layer with AES-128-CTR,
 * CI 0x8D, as OMNIPOWER; OMS security mode 5, AES-128-CBC, CI 0x7A; or
 * none, CI 0x78), then the data-link CRCs of the frame format (C1: format
 * B; T1: format A). The records come from the object table through the
 * M-Bus record writer (src/proto/mbus, sets MBUS_SET_RADIO / MBUS_SET_OMNI).
 *
 * Never repeating a counter block under one key: every telegram takes the
 * next value of a 32-bit counter (ELL session number SN, access number ACC =
 * its low byte). The counter is reserved in blocks in the store (write-
 * ahead: the block's end is stored before its first value is used), so a
 * power cut loses at most the rest of a block and never goes back; the
 * store sees one write per WMBUS_CTR_BLOCK telegrams and one per power-up.
 * The counter does not depend on the clock, so clock sets cannot repeat it.
 * OMS mode 5's IV holds only ACC (8 bits): it repeats every 256 telegrams,
 * a weakness of that mode (docs/PROTOCOLS.md).
 */
#ifndef TRIMETER_WMBUS_H
#define TRIMETER_WMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;
struct meter_hal;
struct obj_def;
struct obj_value;

/* Largest telegram without the DLL CRCs (L <= 125: one CRC in format B). */
#define WMBUS_TEL_MAX 126u
/* With the CRCs of format A (worst case: 10 + 2 + 8 x (16 + 2)). */
#define WMBUS_FRAME_MAX 160u

#define WMBUS_C_SND_NR 0x44u
#define WMBUS_CI_ELL_SN 0x8Du    /* extended link layer: CC ACC SN(4) */
#define WMBUS_CI_TPL_SHORT 0x7Au /* short transport header: ACC ST CW(2) */
#define WMBUS_CI_APL 0x78u       /* records follow, no header */
#define WMBUS_CI_AFL 0x90u       /* authentication and fragmentation layer */
#define WMBUS_CI_COMPACT 0x79u   /* compact: signature, full-content CRC, data */
#define WMBUS_ELL_CC 0x20u       /* communication control as OMNIPOWER sends */
#define WMBUS_VERSION_OMNI 0x30u /* OMNIPOWER's version (driver detection) */

enum wmbus_mode { WMBUS_MODE_C1 = 0, WMBUS_MODE_T1 = 1 };
enum wmbus_sec {
    WMBUS_SEC_KAMSTRUP_CTR = 0,
    WMBUS_SEC_OMS5 = 1,
    WMBUS_SEC_NONE = 2,
    WMBUS_SEC_OMS7 = 3, /* AFL (CI 90: MCL, MCR, CMAC) + TPL mode 7: AES-CBC, IV 0, keys by KDF */
    WMBUS_SEC_COUNT = 4
};

/* Persisted configuration. */
struct wmbus_cfg {
    uint8_t mode;        /* enum wmbus_mode */
    uint8_t security;    /* enum wmbus_sec */
    uint8_t compact;     /* 1: compact frames between full ones; 0: full frames only */
    uint8_t spare;
    uint16_t interval_s; /* 2 .. 3600 */
    uint8_t key[16];     /* AES-128 key (write-only) */
};
#define WMBUS_FACTORY_INTERVAL_S 16u
/* Every n-th telegram is a full frame when compact frames are on. */
#define WMBUS_FULL_EVERY 4u
/* Counter values reserved per store write. */
#define WMBUS_CTR_BLOCK 4096u

void wmbus_cfg_factory(struct wmbus_cfg *c);
bool wmbus_cfg_valid(const struct wmbus_cfg *c);

/* ---- data-link framing (pure) --------------------------------------------------- */

/* Insert the block CRCs (stored big-endian) into a telegram tel[0..n) whose
 * L field tel[0] = n - 1. Format A: CRC after the first 10 bytes and after
 * every 16 bytes; L unchanged. Format B: one CRC over everything (n <= 126),
 * L counts it. Returns the frame length or METER_EINVAL / METER_ENOSPC. */
int wmbus_frame_a(const uint8_t *tel, size_t n, uint8_t *out, size_t cap);
int wmbus_frame_b(const uint8_t *tel, size_t n, uint8_t *out, size_t cap);
/* Check and strip them: returns the telegram length (out[0] = length - 1)
 * or METER_EINVAL (length) / METER_ECORRUPT (a CRC). */
int wmbus_unframe_a(const uint8_t *fr, size_t n, uint8_t *out, size_t cap);
int wmbus_unframe_b(const uint8_t *fr, size_t n, uint8_t *out, size_t cap);

/* ---- telegrams -------------------------------------------------------------------- */

/* The link-layer address: manufacturer (LE), id (BCD), version, type.
 * layout: enum mbus_layout, the manufacturer-id setting shared with the
 * wired M-Bus (KAM: the id and version an OMNIPOWER sends). */
void wmbus_addr(const struct meter *m, unsigned layout, uint8_t out[8]);

/* Build the telegram (without DLL CRCs) that uses counter value ctr;
 * compact selects a compact frame (ELL only). Returns its length or a
 * negative error (METER_ENOTSUP: no AES engine). */
int wmbus_build(const struct meter *m, const struct wmbus_cfg *c, unsigned layout, uint32_t ctr, bool compact,
                uint8_t *out, size_t cap);

/* Decode side (tests, fuzzing, and the check that our telegrams decode
 * the same way as captured ones): decrypt a Kamstrup ELL telegram in place
 * with key (CI 0x8D), check the payload CRC. Returns the offset of the
 * TPL-CI byte (0x78 / 0x79) or METER_EINVAL / METER_ECORRUPT. */
int wmbus_ell_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n);
/* Same for OMS mode 5 (CI 0x7A ACC ST CW): returns the offset of the
 * records after the 2F 2F check bytes. */
int wmbus_oms5_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n);
/* OMS mode 7 (AFL CI 0x90, then CI 0x7A with CW mode 7 and KDF selection
 * 1): check the AFL MAC with the derived Kmac, decrypt with the derived
 * Kenc (AES-CBC, IV 0). Returns the offset of the records after 2F 2F, or
 * METER_EINVAL / METER_ECORRUPT (MAC or check bytes). */
int wmbus_oms7_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n);
/* Format signature (CRC of the DIF/VIF bytes) and full-content CRC of a
 * run of full-frame records; writes the data-only bytes to data (may be
 * NULL). Returns the data length or METER_EINVAL. */
int wmbus_compact_of(const uint8_t *recs, size_t n, uint16_t *sig, uint16_t *full_crc, uint8_t *data,
                     size_t cap);

/* ---- the transmitter ---------------------------------------------------------------- */

struct wmbus_state {
    uint32_t ctr;      /* next counter value */
    uint32_t limit;    /* end of the reserved block (store) */
    bool reserved;     /* limit is valid (store read at power-up) */
    int64_t next_tx;   /* meter time (UTC s) of the next telegram; 0 = at once */
    uint32_t sent;     /* telegrams since power-up (full / compact rhythm) */
    uint16_t len;      /* bytes of the frame in buf being sent */
    uint8_t buf[WMBUS_FRAME_MAX];
};

/* Take the next counter value, reserving a new block first when the
 * current one is used up (a store write). METER_EIO when the store cannot
 * hold the reservation: nothing may be sent then. */
int wmbus_ctr_next(struct meter *m, struct wmbus_state *st, uint32_t *out);

/* Build the next frame (counter taken, frame format of the mode) into
 * st->buf. Returns its length or a negative error. */
int wmbus_next_frame(struct meter *m, const struct wmbus_cfg *c, unsigned layout, struct wmbus_state *st);

/* Configuration values as the object table shows them (rows 0-0:96.133.E,
 * src/proto/wmbus/wmbus_driver.c): mode "C1"/"T1", interval (s), security
 * "kamstrup_ctr"/"oms_mode5"/"oms_mode7"/"none", key (32 hex digits; write-only: reads
 * as empty), compact frames 0/1. */
enum wmbus_cfg_field {
    WMBUS_CFG_MODE = 0,
    WMBUS_CFG_INTERVAL = 1,
    WMBUS_CFG_SECURITY = 2,
    WMBUS_CFG_KEY = 3,
    WMBUS_CFG_COMPACT = 4
};
int wmbus_cfg_get(const struct wmbus_cfg *c, unsigned field, struct obj_value *v);
/* Plain text ("none") only from the factory (METER_SRC_FACTORY, or the
 * simulator's scenario, which stands for it): METER_EACCES otherwise. */
int wmbus_cfg_set(struct wmbus_cfg *c, unsigned field, const struct obj_value *in, enum meter_src src);

/* ---- the driver (wmbus_driver.c) ------------------------------------------------- */

/* Per meter: configuration (RAM copy of its section), counter, schedule. */
struct wmbus_meter {
    struct wmbus_cfg cfg;
    struct wmbus_state st;
};

struct proto_driver;
extern const struct proto_driver wmbus_driver;

#endif
