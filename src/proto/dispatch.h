/*
 * dispatch.h — the optical port's dispatcher: the first bytes of a request
 * decide the protocol (0x80 -> KMP, '/' -> IEC 62056-21; 0x7E is kept for
 * the DLMS/HDLC profile and discarded until it exists), one session at a
 * time, inactivity timeouts per protocol, and garbage, noise and half
 * frames discarded without touching the rest of the meter.
 *
 * The dispatcher assembles whole messages in one small buffer and hands
 * them to the protocol modules (src/proto/kmp, src/proto/iec62056_21); it
 * sends their answers through hal->port_write and changes the line through
 * hal->port_config. It never reads or writes a register itself. Every
 * session start is an audit event with its source (METER_SRC_OPTICAL_*).
 * docs/PROTOCOLS.md describes timeouts, access levels and how the Cortex-M
 * UART listens.
 */
#ifndef TRIMETER_DISPATCH_H
#define TRIMETER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/iec62056_21/iec21.h"
#include "trimeter/types.h"

struct meter;

/* The one receive buffer of the optical port: the largest message either
 * protocol accepts (a stuffed KMP frame, an IEC command with its data).
 * Longer input is discarded up to the next message boundary. */
#define DISPATCH_BUF 256u

/* Timeouts (ms). Inter-character: a half message older than this is
 * dropped (IEC 62056-21 t_a 1500 ms). KMP session: idle time after which
 * the next frame opens a new audited session. */
#define DISPATCH_CHAR_TIMEOUT_MS 1500u
#define DISPATCH_KMP_SESSION_MS 10000u

enum dispatch_proto {
    DISPATCH_IDLE = 0, /* no session: waiting for a first byte */
    DISPATCH_KMP = 1,
    DISPATCH_IEC = 2
};

/* What the receiver is doing with the bytes of the current message. */
enum dispatch_rx {
    DISPATCH_RX_NONE = 0, /* between messages */
    DISPATCH_RX_KMP,      /* 0x80 .. 0x0D */
    DISPATCH_RX_IEC,      /* '/' or ACK .. CR LF, SOH/STX .. ETX/EOT + BCC */
    DISPATCH_RX_SKIP      /* oversized or broken: drop until a boundary */
};

struct dispatch {
    uint8_t proto;        /* enum dispatch_proto: the session in progress */
    uint8_t rx;           /* enum dispatch_rx */
    uint8_t skip_end;     /* boundary byte that ends a DISPATCH_RX_SKIP */
    bool bcc_next;        /* IEC: the next byte is the BCC */
    uint16_t len;
    uint32_t last_rx_ms;  /* last byte received (inter-character timeout) */
    uint32_t last_ms;     /* last message of the session (session timeout) */
    uint8_t buf[DISPATCH_BUF];
    struct iec21 iec;     /* IEC 62056-21 session and configuration */
};

/* Factory state: no session, default IEC configuration; puts the port in
 * its listening framing (hal->port_config). */
void dispatch_init(struct meter *m);

/* Bytes received on the optical port (meter_port_rx calls this for port 0). */
void dispatch_rx(struct meter *m, const uint8_t *buf, size_t len);

/* Timeouts; cheap when nothing is pending (called from meter_poll). */
void dispatch_poll(struct meter *m);

/* Send bytes on the optical port. */
void dispatch_send(struct meter *m, const uint8_t *buf, size_t len);
/* Change the line (baud, framing); the HAL applies it after the bytes
 * already handed to port_write have gone out. */
void dispatch_line(struct meter *m, uint32_t baud, bool iec_framing);

/* The access level a session acts with: base, raised to METER_ACC_CAL
 * when base is METER_ACC_MANAGER and the sealed calibration switch is
 * closed (legal parameters with setters, never registers: obj_write). */
enum meter_access dispatch_access(const struct meter *m, enum meter_access base);

/* Civil seconds (split with clock_split) of a UTC instant as the protocols
 * present it: local time, or standard time for event and peak stamps. */
int64_t dispatch_civil(const struct meter *m, int64_t utc, bool standard);
/* Inverse for clock setting: local civil seconds -> UTC. */
int64_t dispatch_utc(const struct meter *m, int64_t local);

/* Session bookkeeping shared by both protocols: opens an audited session
 * of proto when none of that kind is open, and refreshes its timer. */
void dispatch_touch(struct meter *m, enum dispatch_proto proto);
/* End the session in progress (IEC break, timeouts). */
void dispatch_end(struct meter *m);

#endif
