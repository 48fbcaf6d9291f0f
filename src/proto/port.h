/*
 * port.h — ports, sessions and protocol drivers: how bytes from the outside
 * reach a protocol, and how answers leave.
 *
 * A *port* is one of the meter's communication interfaces (S-6.2): the
 * optical head, the serial (RS-485/RS-232) module, the TCP/IP module, the
 * M-Bus module, the HAN consumer channel, the wireless M-Bus radio. A port
 * has one *line* (the TCP/IP module has METER_TCP_SESSIONS: one per client)
 * and a constant list of *protocol drivers*. Each line holds at most one
 * *session*: the driver that claimed its first bytes, the access level the
 * session was granted (never more than this session: it ends with the line),
 * its timers, its TX queue and the driver's own session state.
 *
 * A driver is one constant descriptor (struct proto_driver). Between
 * sessions the port offers the first bytes of a line to its drivers in list
 * order (claim); the one that says PROTO_YES gets the session and every byte
 * after them (feed) until the session ends: by the driver (release, break),
 * by its inactivity timeout (no *valid message* for timeout_ms: bytes alone
 * do not keep a session), or because the line dropped (meter_port_close:
 * TCP close, pty hang-up, a break on the UART). Answers go out from driver
 * memory with session_send(), as far as hal->port_tx_room allows; the rest
 * from meter_poll(), then tx_more() asks the driver for the next piece (an
 * IEC readout line, the next HDLC frame of a window), so the main loop never
 * waits for a line and no port keeps a copy of a long answer.
 *
 * This layer never reads or writes a register and knows no protocol; the
 * drivers know no port. Adding a protocol = a folder under src/proto/ and
 * its lines in src/proto/drivers.h (docs/ARCHITECTURE.md, "Adding a
 * protocol").
 */
#ifndef TRIMETER_PORT_H
#define TRIMETER_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"
#include "trimeter/meter_opts.h"
#include "trimeter/types.h"

struct meter;
struct session;
struct cfg_section;
struct obj_def;

/* What a driver says of the first bytes of a line without a session. */
enum proto_claim {
    PROTO_NO = 0,   /* not mine */
    PROTO_MORE = 1, /* could be mine: show me more bytes */
    PROTO_YES = 2   /* mine: open a session */
};

/* Bytes the port gathers for claim() before it gives up on them (the
 * first byte is dropped and the rest offered again). */
#define PORT_CLAIM_MAX 8u

struct proto_driver {
    const char *name;     /* "kmp", "iec62056-21", ... (docs, diagnostics) */
    uint8_t src;          /* enum meter_src of its sessions (audit) */
    /* The line framing this protocol is heard in between sessions. A port
     * whose drivers listen in different framings switches among them on
     * line errors (meter_port_line_error; the optical head: IEC 300 7E1,
     * KMP 9600 8N1). */
    uint32_t baud;
    uint8_t framing;      /* enum meter_framing */
    /* A configurable listening rate (M-Bus: mbus_baud) instead of baud;
     * NULL = baud. */
    uint32_t (*listen_baud)(const struct meter *m);
    /* The session keeps the listening line (KMP, HDLC): a line error in it
     * means another master talks at another rate, so it ends the session.
     * false: the session negotiates its own line (IEC), errors are noise. */
    bool line_fixed;
    /* Does a session of this protocol start with buf[0..n)? Pure. */
    enum proto_claim (*claim)(const uint8_t *buf, size_t n);
    /* A session begins (its state zeroed before); NULL = nothing to do. */
    void (*open)(struct meter *m, struct session *s);
    /* Bytes of the session. Returns how many it took; fewer than n means
     * it is between messages and buf[k] does not start one of its own: the
     * port offers that byte to the other drivers (if one claims, this
     * session ends and that one begins) or drops it as noise. */
    size_t (*feed)(struct meter *m, struct session *s, const uint8_t *buf, size_t n);
    /* Everything queued with session_send() was handed to the HAL: queue
     * the next piece. false = nothing more. NULL = never more. */
    bool (*tx_more)(struct meter *m, struct session *s);
    /* Inactivity limit (ms) of the session's state: no valid message for
     * this long ends it. */
    uint32_t (*timeout_ms)(const struct meter *m, const struct session *s);
    /* The session ends (release, timeout, line drop, hand-over). NULL =
     * nothing to clean up. The port resets the session afterwards. */
    void (*end)(struct meter *m, struct session *s);
    /* Called on every main-loop pass for a line with this driver's session,
     * and, for a port whose first driver pushes (HAN, wM-Bus: `push` true),
     * on a line without one, so the driver may open it. NULL = none. */
    void (*tick)(struct meter *m, struct session *s);
    bool push;            /* transmit-only protocol: the port opens its session itself */
    /* Configuration section (src/legal/config.h) and object-table rows
     * (protocol parameters) the driver brings; NULL/0 = none. */
    const struct cfg_section *cfg;
    const struct obj_def *rows;
    uint16_t nrows;
};

#include "proto/drivers.h" /* union session_state, struct proto_state, driver lists */

/* Sessions in struct meter: one per line of the ports this build has. */
enum port_session_index {
    PORT_SI_OPTICAL = 0,
    PORT_SI_SERIAL = 1,
    PORT_SI_MBUS = PORT_SI_SERIAL + METER_PORT_SERIAL,
    PORT_SI_HAN = PORT_SI_MBUS + METER_PORT_MBUS,
    PORT_SI_WMBUS = PORT_SI_HAN + METER_PORT_HAN,
    PORT_SI_TCP = PORT_SI_WMBUS + METER_PORT_WMBUS
};
#define METER_SESSIONS (PORT_SI_TCP + METER_TCP_SESSIONS)

enum session_flag {
    SESSION_F_CONNECTED = 1u << 0, /* the line has a connection (meter_port_open) */
    SESSION_F_HALF_DUPLEX = 1u << 1 /* received bytes are dropped while answering */
};

struct session {
    const struct proto_driver *drv; /* NULL: no session on the line */
    uint8_t line;          /* enum meter_line */
    uint8_t port;          /* index in the port table (port.c) */
    uint8_t access;        /* enum meter_access granted to this session */
    uint8_t flags;         /* enum session_flag */
    uint8_t listen;        /* driver index whose framing the line listens in */
    uint8_t nclaim;        /* bytes gathered in claim[] */
    bool more;             /* the driver has more to send after tx (session_more) */
    bool audited;          /* its session start is in the audit log (first valid message) */
    uint8_t claim[PORT_CLAIM_MAX];
    uint16_t tx_len;       /* queued answer: tx[tx_pos .. tx_len) still to hand over */
    uint16_t tx_pos;
    uint16_t tx_room_max;  /* largest TX room the HAL reported (its queue: drain time) */
    const uint8_t *tx;
    uint32_t last_ms;      /* last valid message or answer progress (session timeout) */
    uint32_t valid_ms;     /* connection opened, or its last valid message */
    uint32_t line_ms;      /* last framing switch on a line error */
    uint32_t line_baud;    /* what the line was last set to (session_line) */
    uint8_t line_framing;
    union session_state st; /* the driver's own state (drivers.h) */
};

/* ---- for drivers ----------------------------------------------------------- */

/* Queue an answer of n bytes at p (driver memory that stays unchanged until
 * it is handed over); it replaces whatever was still queued. It goes out as
 * far as the port has room when the driver's feed returns, the rest from
 * meter_poll(). */
void session_send(struct meter *m, struct session *s, const uint8_t *p, size_t n);
/* More follows what is queued: tx_more() is asked once it is handed over
 * (until tx_more returns false). The line counts as answering meanwhile. */
void session_more(struct session *s);
/* Bytes of the queued answer not yet handed to the HAL. */
bool session_tx_busy(const struct session *s);
/* A valid message arrived: restart the inactivity timers (session and
 * connection); the session's first one records its start in the audit
 * log. */
void session_touch(struct meter *m, struct session *s);
/* Begin a session of driver d on a line without one (push drivers open
 * their own from tick; everything else begins by claim). */
void session_start(struct meter *m, struct session *s, const struct proto_driver *d);
/* End the session now (break, release after a last answer still queued:
 * the queued bytes still go out). */
void session_end(struct meter *m, struct session *s);
/* Hand the line to another driver of the same port (IEC 62056-21 mode E ->
 * HDLC): this session ends, the new one begins with access NONE. Returns
 * METER_ENOENT if the port has no driver of that name. */
int session_handover(struct meter *m, struct session *s, const char *driver);
/* Change the line (baud, framing) in order with the bytes already queued. */
void session_line(struct meter *m, struct session *s, uint32_t baud, enum meter_framing framing);
/* Milliseconds the HAL may still need to put what it was handed on the
 * line at baud (its queue, as large as the largest TX room it reported). */
uint32_t session_drain_ms(const struct session *s, uint32_t baud);
/* The access level the session acts with for writes: its own, raised to
 * METER_ACC_CAL when it is METER_ACC_MANAGER and the sealed calibration
 * switch is closed (legal parameters with setters; never registers). */
enum meter_access session_access(const struct meter *m, const struct session *s);
/* Milliseconds now (hal->ms_now; 0 without one). */
uint32_t session_ms(const struct meter *m);

/* ---- for the top (meter.c) and tests ------------------------------------- */

/* Every configured line to its listening state (power-up). */
void port_init(struct meter *m);
/* Timeouts, pending answers, push drivers; cheap when idle (meter_poll). */
void port_poll(struct meter *m);
/* The session of a line, NULL if the line is not configured in this build. */
struct session *port_session(struct meter *m, unsigned line);
const struct session *port_session_c(const struct meter *m, unsigned line);
/* Drivers of the port that serves line (count; *list set). */
size_t port_drivers(unsigned line, const struct proto_driver *const **list);
/* Every built-in driver once (rows and configuration sections of the
 * protocols): i-th, NULL past the end. */
const struct proto_driver *port_driver_at(size_t i);

#endif
