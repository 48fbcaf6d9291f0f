/*
 * kmp.h — the Kamstrup Meter Protocol (KMP) on the optical port: the frame
 * codec (start byte, byte stuffing, CRC-16/XMODEM, stop byte), the register
 * number encoding (unit, length, sign/exponent, mantissa) and the meter's
 * side of the commands (get type / serial / registers, set clock, put
 * register, read logs).
 *
 * Every value comes from and goes to the object table (src/cosem/objtab.h):
 * a KMP register id is the row's kmp_id column, its KMP unit derives from
 * the row's unit and scaler. This module keeps no register list and no copy
 * of a value, touches no hardware and does not know which port it serves;
 * the dispatcher (src/proto/dispatch.h) hands it whole frames and sends what
 * it returns. Writes go through obj_write(), so legal objects stay refused
 * there (S-2.6).
 */
#ifndef TRIMETER_KMP_H
#define TRIMETER_KMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;

/* Physical layer bytes. */
#define KMP_START_REQ 0x80u /* master -> meter */
#define KMP_START_RSP 0x40u /* meter -> master */
#define KMP_STOP 0x0Du
#define KMP_ACK 0x06u       /* application acknowledge: a lone byte, no frame */
#define KMP_ESC 0x1Bu       /* stuffing: ESC, byte XOR 0xFF */

/* The meter's data-link address on the optical port. */
#define KMP_ADDR_METER 0x3Fu

/* Largest data-link message (address .. CRC) the meter accepts or builds;
 * stuffed, a frame is at most 2 * KMP_DL_MAX + 2 bytes (KMP_PHYS_MAX). */
#define KMP_DL_MAX 126u
#define KMP_PHYS_MAX (2u * KMP_DL_MAX + 2u)
/* Registers per GetRegister / PutRegister request (as the 382). */
#define KMP_REGS_MAX 8u

enum kmp_cid {
    KMP_CID_GET_TYPE = 0x01,
    KMP_CID_GET_SERIAL = 0x02,
    KMP_CID_SET_CLOCK = 0x09,
    KMP_CID_GET_REGISTER = 0x10,
    KMP_CID_PUT_REGISTER = 0x11,
    KMP_CID_GET_PROFILE = 0xA0, /* "GetLogTimePresent": load profile from a time on */
    KMP_CID_GET_LOG = 0xA2      /* "GetLogIdPresent": event records by index, newest first */
};

/* KMP unit codes used by this meter (the full table: docs/PROTOCOLS.md). */
enum kmp_unit {
    KMP_U_NONE = 0x00,
    KMP_U_KWH = 0x02,
    KMP_U_KVARH = 0x0E,
    KMP_U_KVAH = 0x12,
    KMP_U_KW = 0x16,
    KMP_U_KVAR = 0x1A,
    KMP_U_KVA = 0x1E,
    KMP_U_V = 0x21,
    KMP_U_A = 0x22,
    KMP_U_H = 0x2E,
    KMP_U_HHMMSS = 0x2F,
    KMP_U_YYMMDD = 0x30,
    KMP_U_MIN = 0x3A,
    KMP_U_S = 0x3C,
    KMP_U_DAYS = 0x3E
};

/* A KMP number: value = (neg ? -1 : 1) * mant * 10^exp. */
struct kmp_num {
    uint64_t mant;
    int8_t exp;   /* -63 .. +63 */
    bool neg;
};

/* ---- codec (pure) --------------------------------------------------------- */

/* Stuff n data-link bytes between start and KMP_STOP into out. Returns the
 * physical length or METER_ENOSPC. */
int kmp_stuff(uint8_t start, const uint8_t *dl, size_t n, uint8_t *out, size_t cap);
/* Undo the stuffing of a physical frame (start .. stop inclusive) whose
 * start byte must be `start`. Returns the data-link length, METER_EINVAL
 * for a malformed frame (wrong start, missing stop, stray or dangling ESC,
 * an escape of a byte that needs none), METER_ENOSPC if it does not fit. */
int kmp_unstuff(uint8_t start, const uint8_t *phys, size_t n, uint8_t *dl, size_t cap);
/* Frame a message: appends the CRC to dl[0..n) (dl must have room for 2
 * more bytes) and stuffs it. Returns the physical length or an error. */
int kmp_frame_encode(uint8_t start, uint8_t *dl, size_t n, size_t dl_cap, uint8_t *out, size_t cap);
/* Unstuff and check the CRC. Returns the data-link length without the CRC
 * (>= 2: address and CID), METER_ECORRUPT on a CRC mismatch, or the errors
 * of kmp_unstuff. */
int kmp_frame_decode(uint8_t start, const uint8_t *phys, size_t n, uint8_t *dl, size_t cap);

/* Number: <len n> <sigexp> <mantissa n bytes, big-endian>. decode returns
 * the bytes consumed (n + 2) or METER_EINVAL (n == 0, n > 8, truncated). */
int kmp_num_decode(const uint8_t *p, size_t avail, struct kmp_num *out);
/* Encode with the fewest mantissa bytes that hold mant (at least 1).
 * Returns bytes written or METER_ERANGE (|exp| > 63) / METER_ENOSPC. */
int kmp_num_encode(const struct kmp_num *v, uint8_t *out, size_t cap);
/* Shortest form of the same value: trailing decimal zeros of the mantissa
 * moved into the exponent while the exponent allows. */
void kmp_num_shorten(struct kmp_num *v);

/* ---- the meter's side ------------------------------------------------------ */

/* Serve one complete physical request frame (KMP_START_REQ .. KMP_STOP).
 * The answer (a response frame, a lone KMP_ACK, or nothing) is written to
 * out; returns its length (0 = stay silent: unknown command, refused clock
 * set), or METER_EINVAL for a frame that is broken, corrupt or for another
 * address (silence too, and no session activity). acc is the session's
 * access level for writes (docs/PROTOCOLS.md: KMP has no authentication,
 * its sessions act as METER_ACC_PUBLIC: a clock synchronisation, nothing
 * else). out may
 * be the frame's own buffer: the frame is decoded before out is written. */
int kmp_serve(struct meter *m, enum meter_access acc, const uint8_t *frame, size_t n, uint8_t *out,
              size_t cap);

/* ---- the driver (src/proto/port.h) ---------------------------------------- */

/* One session: the frame being received, then the answer in its place. */
struct kmp_session {
    uint16_t len;        /* bytes of the frame being received */
    bool skip;           /* oversized: dropping up to KMP_STOP */
    uint32_t last_rx_ms; /* inter-character timeout */
    uint8_t buf[KMP_PHYS_MAX];
};

struct proto_driver;
extern const struct proto_driver kmp_driver;

#endif
