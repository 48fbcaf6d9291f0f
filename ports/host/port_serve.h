/*
 * port_serve.h — the virtual meter's optical port served to real clients:
 * on 127.0.0.1 TCP (port_tcp.c: one client at a time, baud nominal) or on
 * a pseudo-terminal (port_pty.c: a symlink PATH to the slave side, baud
 * honoured: termios speed set and output paced at the line rate).
 *
 * The core's replies arrive through the host HAL's port sink (hal_host.h)
 * and are queued here (the sink offers the core PORT_TX_ROOM bytes less
 * what is queued, so the core streams long answers); line changes (hal->port_config) are queued with
 * them and take effect when the bytes before them have gone out, as a
 * UART's would. Everything is non-blocking and polled from the simulator's
 * run loop (`--optical tcp:PORT` / `--optical pty:PATH`, a sim attachment).
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

struct port_serve {
    enum port_kind kind;
    struct vmeter *v;
    unsigned port_no;          /* meter port served (0 = optical) */
    const char *name;          /* for messages: "optical", "han" */
    /* TCP */
    uint16_t tcp_port;         /* asked for (0 = any free port) */
    int listen_fd;
    /* PTY */
    char path[512];            /* symlink to the slave device */
    int slave_fd;              /* held open so the master never sees a hang-up */
    /* the connection: TCP client or PTY master; -1 = none */
    int fd;
    /* output queue and line state */
    uint8_t *q;
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

/* Open the port described by "tcp:PORT" or "pty:PATH". 0 or -1 with err. */
int port_serve_open(struct port_serve *p, const char *spec, char *err, size_t n);
/* Connect to a booted meter: installs the HAL sink of port p->port_no. */
void port_serve_bind(struct port_serve *p, struct vmeter *v);
/* Accept, read (handing bytes to meter_port_rx) and send what is due.
 * Non-blocking. */
void port_serve_poll(struct port_serve *p);
void port_serve_close(struct port_serve *p);

/* The simulator's `--optical SPEC` option (a row of sim_options[]). */
int port_serve_option(struct sim_opts *o, const char *arg, char *err, size_t n);
/* `--han SPEC`: the HAN push line (meter port HAN_PORT, 2400 Bd 8N1). */
int port_serve_han_option(struct sim_opts *o, const char *arg, char *err, size_t n);

/* Back ends (port_tcp.c, port_pty.c). */
int port_tcp_open(struct port_serve *p, char *err, size_t n);
void port_tcp_accept(struct port_serve *p);
int port_pty_open(struct port_serve *p, char *err, size_t n);
void port_pty_line(struct port_serve *p);
void port_pty_close(struct port_serve *p);

#endif
