/*
 * fwimage.h — signed firmware images: the class 18 image-transfer state
 * machine (initiate, blocks, verify, activate), the two image slots behind
 * the HAL, the boot decision with fallback, anti-rollback, and the running
 * software identification (0.2.0, and through legal_crc() 0.2.8).
 * docs/FIRMWARE.md describes the image format, the keys and the states.
 *
 * Every step that matters is one record in the metrological log
 * (EVLOG_METRO, never overwritten): initiate, the verification outcome,
 * activate, and the boot outcome — at most four per transfer, never one
 * per block, and an initiate is refused unless those four still fit, so a
 * client cannot fill the log with junk nor push a firmware change past it.
 * Only the management client may change anything (callers check the
 * level; src/cosem/cosem_image.c is the COSEM face).
 */
#ifndef TRIMETER_FWIMAGE_H
#define TRIMETER_FWIMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/meter_opts.h"
#include "trimeter/types.h"
#include "util/sha256.h"

/* ---- the image format (big-endian, docs/FIRMWARE.md) --------------------- */
#define FWIMG_MAGIC 0x54524D49u /* "TRMI" */
#define FWIMG_FORMAT 1u
#define FWIMG_HDR_SIZE 160u
#define FWIMG_SIGNED_BYTES 96u  /* the signature covers SHA-256(header[0..96)) */
#define FWIMG_IDENT_MAX 32u     /* software identification text (0.2.0) */
#define FWIMG_ID_MAX 32u        /* image_identifier of an initiate */
/* Header fields: offsets. */
enum {
    FWIMG_O_MAGIC = 0,    /* u32 "TRMI" */
    FWIMG_O_FORMAT = 4,   /* u8 FWIMG_FORMAT, u8 0, u16 FWIMG_HDR_SIZE */
    FWIMG_O_VERSION = 8,  /* u32 major << 16 | minor << 8 | patch: must increase */
    FWIMG_O_LENGTH = 12,  /* u32 payload bytes after the header */
    FWIMG_O_IDENT = 16,   /* 32 bytes, printable, NUL-padded: 0.2.0 after activation */
    FWIMG_O_HASH = 48,    /* SHA-256 of the payload */
    FWIMG_O_RSVD = 80,    /* 16 bytes zero */
    FWIMG_O_SIG = 96      /* ECDSA P-256 r || s over SHA-256(header[0..96)) */
};

/* The image built into this firmware (what runs before any activation):
 * the version of METER_FW_VERSION. */
#define FWIMG_BUILTIN_VERSION 0x000100u
#define FWIMG_BUILTIN 0xFFu /* "slot" of the built-in image */

/* image_transfer_status (class 18 attribute 6). */
enum fwimg_status {
    FWIMG_ST_IDLE = 0,          /* transfer not initiated */
    FWIMG_ST_INITIATED = 1,
    FWIMG_ST_VERIFYING = 2,     /* verification initiated */
    FWIMG_ST_VERIFIED = 3,      /* verification successful */
    FWIMG_ST_VERIFY_FAILED = 4,
    FWIMG_ST_ACTIVATING = 5,    /* activation initiated: restart pending */
    FWIMG_ST_ACTIVATED = 6,     /* activation successful (after the restart) */
    FWIMG_ST_ACTIVATE_FAILED = 7 /* the new image failed its boot self-test: the old one runs */
};

/* Why an image was refused (a of EV_FW_VERIFY / EV_FW_BOOT; 0 = fine). */
enum fwimg_why {
    FWIMG_OK = 0,
    FWIMG_W_FORMAT = 1,    /* magic, format, header size, identification */
    FWIMG_W_LENGTH = 2,    /* length does not match the transfer (truncated, extended) */
    FWIMG_W_ROLLBACK = 3,  /* version not above the running one */
    FWIMG_W_HASH = 4,      /* payload does not match its hash */
    FWIMG_W_SIGNATURE = 5, /* signature invalid under the legal key */
    FWIMG_W_KEY = 6,       /* production build on the test key */
    FWIMG_W_NOTSUP = 7,    /* no ECDSA engine on this port */
    FWIMG_W_IO = 8,        /* slot read failed */
    FWIMG_W_INTERRUPTED = 9 /* the trial boot of the new image did not finish */
};

/* Persisted boot control (HAL area 2): two copies, the newest valid wins. */
struct fwimg_ctl {
    uint32_t seq;
    uint8_t state;          /* 0 none, 1 pending (boot `pending` next), 2 trial (it is being tried) */
    uint8_t active;         /* slot running, FWIMG_BUILTIN */
    uint8_t pending;        /* slot to try */
    uint32_t version;       /* running version: the anti-rollback floor */
    char ident[FWIMG_IDENT_MAX + 1]; /* running identification (NUL-terminated) */
};

struct fwimg {
    struct fwimg_ctl ctl;
    uint8_t status;         /* enum fwimg_status */
    uint8_t enabled;        /* image_transfer_enabled (attribute 5) */
    uint8_t slot;           /* slot receiving the transfer */
    uint8_t logged;         /* records this transfer wrote (bit 0 initiate, 1 verify) */
    uint8_t why;            /* enum fwimg_why of the last verification */
    uint8_t id_len;
    uint8_t id[FWIMG_ID_MAX]; /* image_identifier of the initiate */
    uint32_t size;          /* image_size of the initiate (header + payload) */
    uint32_t nblocks;
    uint32_t first_missing; /* image_first_not_transferred_block_number */
    uint32_t vpos;          /* payload bytes hashed so far (verifying) */
    uint32_t version;       /* of the image in the receiving slot (verified) */
    uint32_t restart_ms;    /* meter_ms() of the activation: restart after FWIMG_RESTART_MS */
    struct sha256 sha;      /* payload hash under way */
    uint8_t sig[64];        /* of the verified image (image_to_activate_info) */
    uint8_t blocks[(METER_FW_BLOCKS_MAX + 7u) / 8u]; /* transferred, MSB first (attribute 3) */
};

/* Milliseconds between a successful activate and the restart: the answer
 * goes out first. */
#define FWIMG_RESTART_MS 2000u
/* Metrological-log records an initiate needs free: initiate, verify,
 * activate, boot. */
#define FWIMG_LOG_RESERVE 4u

struct meter;

/* Power-up (meter_init, before legal_boot): load the boot control, try a
 * pending image (full hash and signature check: its boot self-test), fall
 * back to the old one when it fails, record the outcome. */
void fwimg_boot(struct meter *m);
/* Every main-loop pass: a bounded piece of a verification, the restart
 * after an activation. */
void fwimg_poll(struct meter *m);

/* The steps. 0 or a negative meter_err: METER_ESTATE (not in this state),
 * METER_EINVAL (bad block / size), METER_ENOSPC (metrological log has no
 * room for the transfer's records), METER_ENOTSUP (no slots or no ECDSA on
 * this port, or transfer disabled), METER_EIO (slot I/O), METER_EBUSY
 * (verification under way: ask again), METER_ECORRUPT (the image was
 * refused: m->fw.why says why). Access is the caller's check. */
int fwimg_initiate(struct meter *m, const uint8_t *id, uint32_t id_len, uint32_t size, enum meter_src src);
int fwimg_block(struct meter *m, uint32_t n, const uint8_t *data, uint32_t len);
int fwimg_verify(struct meter *m, enum meter_src src);
int fwimg_activate(struct meter *m, enum meter_src src);
/* The port has what a transfer needs (slots and an ECDSA engine). */
bool fwimg_supported(const struct meter *m);

/* The running software identification (0.2.0) and its length. */
const char *fwimg_ident(const struct meter *m, uint32_t *len);

/* The public key in the legal area (X || Y) and whether this build may
 * use it: a production build (TRIMETER_PRODUCTION) refuses the test key. */
const uint8_t *fwimg_key(void);
bool fwimg_key_is_test(const uint8_t key[64]);
bool fwimg_key_allowed(const uint8_t key[64], bool production);

/* Parse and check a header against the transfer size and the running
 * version (no hash, no signature). FWIMG_OK or enum fwimg_why. */
int fwimg_hdr_check(const uint8_t hdr[FWIMG_HDR_SIZE], uint32_t size, uint32_t running_version);

#endif
