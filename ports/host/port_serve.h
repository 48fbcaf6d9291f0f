/*
 * port_serve.h — the virtual meter's communication ports served to real
 * clients: on 127.0.0.1 TCP (port_tcp.c; baud nominal) or on a
 * pseudo-terminal (port_pty.c: a symlink PATH to the slave side, baud
 * honoured: termios speed set and output paced at the line rate).
 *
 * One port_serve serves one meter port: the optical head, the serial
 * module, ... (one line, one client at a time) or the TCP/IP module
 * (METER_TCP_SESSIONS lines: one per client). Each line is a connection
 * slot with its own output queue; the core's replies arrive through the
 * host HAL's per-line sink (hal_host.h) and are queued here (the sink
 * offers the core PORT_TX_ROOM bytes less what is queued, so the core
 * streams long answers); line changes (hal->port_config) are queued with
 * them and take effect when the bytes before them have gone out, as a
 * UART's would.
 *
 * Connections and sessions (docs/PROTOCOLS.md, "Sessions"): a client that
 * closes (TCP) or hangs up (pty) ends its line's session at once
 * (meter_port_close); a newcomer is accepted only when a line is free —
 * the kernel's backlog holds it meanwhile, so a second client of the
 * optical head waits unanswered, as at a real optical head, and never gets
 * a reset; the core hangs up a connection that sent nothing valid for
 * METER_PORT_IDLE_MS (hal->port_hangup). Everything is non-blocking and
 * polled from the simulator's run loop (a sim attachment per option).
 */
#ifndef TRIMETER_PORT_SERVE_H
#define TRIMETER_PORT_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

struct vmeter;
struct sim_opts;

enum port_kind { PORT_TCP = 1, PORT_PTY = 2 };

#define PORT_QUEUE_MAX (64u * 1024u) /* replies beyond this are dropped */
/* TX room offered to the core (hal->port_tx_room), as the MCU's UART ring:
 * long answers are made as the line takes them, like on the target. */
#define PORT_TX_ROOM 64u
#define PORT_LINE_CHANGES 8u
#define PORT_SLOTS_MAX 16u

/* One connection slot = one line of the meter. */
struct port_slot {
    struct port_serve *p;
    unsigned line;
    int fd;                    /* TCP client or PTY master; -1 = none */
    bool up;                   /* a client is there (pty: its slave side is open) */
    uint8_t *q;                /* output queue */
    size_t qlen, qcap;
    struct {
        size_t at;             /* applies when q has been sent up to here */
        uint32_t baud;
        enum meter_framing framing;
    } change[PORT_LINE_CHANGES];
    unsigned nchange;
    uint32_t baud;
    enum meter_framing framing;
    uint64_t pace_ms;          /* simulated ms of the last pacing step */
    uint64_t credit_bits;      /* line bits available to send (pty) */
};

struct port_serve {
    enum port_kind kind;
    const char *name;          /* option name without dashes: "optical", "rs485" ... */
    struct vmeter *v;
    /* TCP */
    uint16_t tcp_port;         /* asked for (0 = any free port) */
    int listen_fd;
    /* PTY */
    char path[512];            /* symlink to the slave device */
    unsigned nslots;
    struct port_slot slot[PORT_SLOTS_MAX];
};

/* Open the port described by "tcp:PORT" or "pty:PATH" for lines
 * line0 .. line0 + nlines - 1 (a pty serves one). 0 or -1 with err. */
int port_serve_open(struct port_serve *p, const char *name, unsigned line0, unsigned nlines, const char *spec,
                    char *err, size_t n);
/* Connect to a booted meter: installs the HAL sinks of its lines. */
void port_serve_bind(struct port_serve *p, struct vmeter *v);
/* Read (handing bytes to meter_port_rx), notice closes, accept, send what
 * is due. Non-blocking. */
void port_serve_poll(struct port_serve *p);
void port_serve_close(struct port_serve *p);

/* The simulator's port options (rows of sim_options[]): --optical, --rs485,
 * --han (the HAN push line: 2400 Bd 8N1 on a pty, nominal on TCP), --mbus
 * (the M-Bus module: 8E1 at the configured rate on a pty, nominal on TCP). */
int port_serve_option_optical(void *opts, const char *arg, char *err, size_t n);
int port_serve_option_rs485(void *opts, const char *arg, char *err, size_t n);
int port_serve_option_dlms(void *opts, const char *arg, char *err, size_t n);
int port_serve_option_han(void *opts, const char *arg, char *err, size_t n);
int port_serve_option_mbus(void *opts, const char *arg, char *err, size_t n);
/* Any port: "name" (for messages), its first line and line count. */
int port_serve_option(struct sim_opts *o, const char *name, unsigned line0, unsigned nlines, const char *arg,
                      char *err, size_t n);

/* Back ends (port_tcp.c, port_pty.c). */
int port_tcp_open(struct port_serve *p, char *err, size_t n);
void port_tcp_accept(struct port_serve *p);
int port_pty_open(struct port_serve *p, char *err, size_t n);
void port_pty_line(struct port_slot *s);
bool port_pty_up(const struct port_slot *s);
void port_pty_close(struct port_serve *p);

/* A slot's connection ends (closed by the client or hung up by the core). */
void port_slot_drop(struct port_slot *s, bool tell_core);

#endif
