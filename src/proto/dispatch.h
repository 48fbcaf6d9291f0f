/*
 * dispatch.h — the optical port's dispatcher: the first bytes of a request
 * decide the protocol (0x80 -> KMP, '/' -> IEC 62056-21; 0x7E is kept for
 * the DLMS/HDLC profile and discarded until it exists), one session at a
 * time, inactivity timeouts per protocol, and garbage, noise and half
 * frames discarded without touching the rest of the meter.
 *
 * The dispatcher assembles whole messages in one small buffer and hands
 * them to the protocol modules (src/proto/kmp, src/proto/iec62056_21). The
 * same buffer then holds the answer, which goes out through hal->port_write
 * only as far as hal->port_tx_room allows: meter_poll() hands over the rest,
 * and a long answer (the IEC readout) is generated line by line as the port
 * takes it, so the main loop never waits for the line. Line changes
 * (hal->port_config) are issued in order with the bytes. Between sessions
 * the port listens in the IEC framing and, on the line errors a KMP master
 * causes there, in the KMP framing (meter_port_line_error). It never reads
 * or writes a register itself. Every session start is counted
 * (audit_session_start, legal/audit.h: a counter, no EEPROM write).
 * docs/PROTOCOLS.md describes timeouts,
 * access levels, transmission and how the Cortex-M UART listens.
 */
#ifndef TRIMETER_DISPATCH_H
#define TRIMETER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/iec62056_21/iec21.h"
#include "trimeter/types.h"

struct meter;

/* The one buffer of the optical port: the message being received (the
 * largest either protocol accepts: a stuffed KMP frame, an IEC command with
 * its data; longer input is discarded up to the next message boundary), or
 * the answer being sent (a KMP frame, an IEC message, one readout line: a
 * data set with a full-length text value fits). */
#define DISPATCH_BUF 288u

/* Timeouts (ms). Inter-character: a half message older than this is
 * dropped (IEC 62056-21 t_a 1500 ms). KMP session: idle time after which
 * the next frame opens a new (counted) session. */
#define DISPATCH_CHAR_TIMEOUT_MS 1500u
#define DISPATCH_KMP_SESSION_MS 10000u
/* Line errors within this time of a framing switch belong to the burst
 * that caused it (a whole KMP frame at 9600 Bd lasts < 300 ms). */
#define DISPATCH_LINE_GUARD_MS 500u

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

/* The framing the port listens in between sessions. */
enum dispatch_listen {
    DISPATCH_LISTEN_IEC = 0, /* 300 Bd 7E1: an IEC 62056-21 sign-on (default) */
    DISPATCH_LISTEN_KMP = 1  /* 9600 Bd 8N1, after line errors: a KMP master */
};

struct dispatch {
    uint8_t proto;        /* enum dispatch_proto: the session in progress */
    uint8_t rx;           /* enum dispatch_rx */
    uint8_t skip_end;     /* boundary byte that ends a DISPATCH_RX_SKIP */
    bool bcc_next;        /* IEC: the next byte is the BCC */
    uint8_t listen;       /* enum dispatch_listen */
    bool tx_kept;         /* buf still holds the last answer sent (IEC repeat request) */
    uint16_t len;         /* bytes of the message being received */
    uint16_t tx_pos;      /* answer in buf: bytes [tx_pos, tx_len) not yet handed to the HAL */
    uint16_t tx_len;
    uint16_t tx_room_max; /* largest TX room the HAL reported (its queue: drain time) */
    uint32_t last_rx_ms;  /* last byte received (inter-character timeout) */
    uint32_t last_ms;     /* last message or answer progress of the session (session timeout) */
    uint32_t line_ms;     /* last framing switch on a line error */
    uint8_t buf[DISPATCH_BUF];
    struct iec21 iec;     /* IEC 62056-21 session and configuration */
};

/* Factory state: no session, default IEC configuration; puts the port in
 * its listening framing (hal->port_config). */
void dispatch_init(struct meter *m);

/* Bytes received on the optical port (meter_port_rx calls this for port 0).
 * While an answer is being sent the port is half-duplex: received bytes are
 * dropped, except an IEC repeat request (NAK) after the answer. */
void dispatch_rx(struct meter *m, const uint8_t *buf, size_t len);
/* The receiver saw a framing/parity error (meter_port_line_error). */
void dispatch_line_error(struct meter *m);

/* Hands over pending answer bytes as the port has room, then timeouts;
 * cheap when nothing is pending (called from meter_poll). */
void dispatch_poll(struct meter *m);

/* Answers. A protocol composes its answer in dispatch_tx_buf() (DISPATCH_BUF
 * bytes; the message it is answering may be there too: read it first) and
 * queues it with dispatch_tx(); the bytes go out as the port has room, and
 * when they are all handed over the dispatcher asks the IEC module for
 * more (iec21_tx_more: readout lines, line changes). */
uint8_t *dispatch_tx_buf(struct meter *m);
void dispatch_tx(struct meter *m, size_t len);
/* Queue the last answer again (IEC repeat request); false if it is gone. */
bool dispatch_tx_again(struct meter *m);
/* Bytes of a queued answer not yet handed to the HAL. */
bool dispatch_tx_busy(const struct meter *m);
/* Change the line (baud, framing), in order with the bytes: the HAL applies
 * it after the bytes already handed to port_write have gone out. */
void dispatch_line(struct meter *m, uint32_t baud, bool iec_framing);
/* Milliseconds the HAL may still need to put what it was handed on the
 * line at baud (its queue, as large as the largest TX room it reported). */
uint32_t dispatch_drain_ms(const struct meter *m, uint32_t baud);

/* The access level a session acts with: base, raised to METER_ACC_CAL
 * when base is METER_ACC_MANAGER and the sealed calibration switch is
 * closed (legal parameters with setters, never registers: obj_write). */
enum meter_access dispatch_access(const struct meter *m, enum meter_access base);

/* Civil seconds (split with clock_split) of a UTC instant as the protocols
 * present it: local time, or standard time for event and peak stamps. */
int64_t dispatch_civil(const struct meter *m, int64_t utc, bool standard);
/* Inverse for clock setting: local civil seconds -> UTC. */
int64_t dispatch_utc(const struct meter *m, int64_t local);

/* Session bookkeeping shared by both protocols: opens a counted session
 * of proto when none of that kind is open, and refreshes its timer. */
void dispatch_touch(struct meter *m, enum dispatch_proto proto);
/* End the session in progress (IEC break, timeouts). */
void dispatch_end(struct meter *m);

#endif
