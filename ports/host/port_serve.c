/*
 * port_serve.c — output queues, pacing, connections and the simulator
 * attachment of the served ports (back ends: port_tcp.c, port_pty.c).
 */
#include "port_serve.h"

#include "proto/port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "vmeter.h"
#include "proto/port.h"

static struct port_slot *port_slot_of(struct port_serve *p, unsigned line)
{
    for (unsigned k = 0; k < p->nslots; k++)
        if (p->slot[k].line == line)
            return &p->slot[k];
    return NULL;
}

static size_t port_sink_write(void *ctx, unsigned line, const uint8_t *buf, size_t len)
{
    struct port_slot *s = port_slot_of(ctx, line);
    if (s == NULL || s->fd < 0 || !s->up)
        return len; /* nobody connected: the light goes nowhere */
    if (s->qlen + len > PORT_QUEUE_MAX)
        return 0;
    if (s->qlen + len > s->qcap) {
        size_t cap = s->qcap ? s->qcap : 4096;
        while (cap < s->qlen + len)
            cap *= 2;
        uint8_t *q = realloc(s->q, cap);
        if (q == NULL)
            return 0;
        s->q = q;
        s->qcap = cap;
    }
    memcpy(s->q + s->qlen, buf, len);
    s->qlen += len;
    return len;
}

static size_t port_sink_room(void *ctx, unsigned line)
{
    const struct port_slot *s = port_slot_of(ctx, line);
    if (s == NULL || s->fd < 0 || !s->up)
        return SIZE_MAX; /* nobody connected: the light goes nowhere */
    return s->qlen < PORT_TX_ROOM ? PORT_TX_ROOM - s->qlen : 0;
}

static void port_apply_line(struct port_slot *s, uint32_t baud, enum meter_framing f)
{
    s->baud = baud;
    s->framing = f;
    if (s->p->kind == PORT_PTY)
        port_pty_line(s);
}

static int port_sink_config(void *ctx, unsigned line, uint32_t baud, enum meter_framing framing)
{
    struct port_slot *s = port_slot_of(ctx, line);
    if (s == NULL)
        return -1;
    if (s->qlen == 0) {
        port_apply_line(s, baud, framing);
        return 0;
    }
    if (s->nchange == PORT_LINE_CHANGES)
        return -1;
    s->change[s->nchange].at = s->qlen;
    s->change[s->nchange].baud = baud;
    s->change[s->nchange].framing = framing;
    s->nchange++;
    return 0;
}

void port_slot_drop(struct port_slot *s, bool tell_core)
{
    if (s->p->kind == PORT_TCP && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    s->up = false;
    s->qlen = 0;
    s->nchange = 0;
    if (tell_core && s->p->v != NULL)
        meter_port_close(&s->p->v->m, s->line);
}

/* The core hangs up a connection that sent nothing valid for its idle
 * time: the line is free for the next client. A pty cannot be hung up
 * from this side; its session has ended, which is what matters. */
static void port_sink_hangup(void *ctx, unsigned line)
{
    struct port_slot *s = port_slot_of(ctx, line);
    if (s != NULL && s->p->kind == PORT_TCP)
        port_slot_drop(s, false);
}

void port_serve_bind(struct port_serve *p, struct vmeter *v)
{
    p->v = v;
    for (unsigned k = 0; k < p->nslots; k++) {
        struct host_port_sink *h = &v->hw.port[p->slot[k].line];
        h->ctx = p;
        h->write = port_sink_write;
        h->config = port_sink_config;
        h->room = port_sink_room;
        h->hangup = port_sink_hangup;
        p->slot[k].pace_ms = v->hw.sim_ms;
        const struct host_line_cfg *lc = &v->hw.line_cfg[p->slot[k].line];
        if (lc->baud != 0 && p->slot[k].qlen == 0)
            port_apply_line(&p->slot[k], lc->baud, lc->framing); /* set at boot, before this sink */
        if (p->slot[k].up)
            meter_port_open(&v->m, p->slot[k].line); /* a re-booted core: the client is still there */
    }
}

/* Drop the first k queued bytes; line changes due at or before k apply. */
static void port_consume(struct port_slot *s, size_t k)
{
    memmove(s->q, s->q + k, s->qlen - k);
    s->qlen -= k;
    unsigned j = 0;
    for (unsigned i = 0; i < s->nchange; i++) {
        if (s->change[i].at <= k) {
            port_apply_line(s, s->change[i].baud, s->change[i].framing);
        } else {
            s->change[j] = s->change[i];
            s->change[j].at -= k;
            j++;
        }
    }
    s->nchange = j;
}

static void port_flush(struct port_slot *s)
{
    /* a line change with nothing before it is due now */
    if (s->nchange > 0 && s->change[0].at == 0)
        port_consume(s, 0);
    if (s->fd < 0 || s->qlen == 0) {
        s->credit_bits = 0;
        return;
    }
    size_t allow = s->qlen;
    if (s->p->kind == PORT_PTY) {
        /* 10 bits per character: start, 7 data + parity or 8 data, stop;
         * 11 with 8 data bits and parity (M-Bus) */
        unsigned cb = s->framing == METER_FRAMING_8E1 ? 11u : 10u;
        uint64_t now = s->p->v->hw.sim_ms;
        s->credit_bits += (now - s->pace_ms) * s->baud / 1000u;
        s->pace_ms = now;
        /* a line that ran dry saves no time for later bytes */
        if (s->credit_bits > (uint64_t)s->qlen * cb)
            s->credit_bits = (uint64_t)s->qlen * cb;
        allow = (size_t)(s->credit_bits / cb);
    }
    /* never write past the next line change in one go */
    if (s->nchange > 0 && allow > s->change[0].at)
        allow = s->change[0].at;
    if (allow == 0)
        return;
    ssize_t w = write(s->fd, s->q, allow);
    if (w > 0) {
        if (s->p->kind == PORT_PTY)
            s->credit_bits -= (uint64_t)w * (s->framing == METER_FRAMING_8E1 ? 11u : 10u);
        port_consume(s, (size_t)w);
    } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && s->p->kind == PORT_TCP) {
        port_slot_drop(s, true);
    }
}

/* Read what a connection sent; notice a close (TCP) or hang-up (pty). */
static void port_read(struct port_slot *s)
{
    uint8_t buf[256];
    if (s->p->kind == PORT_PTY) {
        bool up = port_pty_up(s);
        if (up && !s->up) {
            s->up = true; /* a client opened the slave side */
            meter_port_open(&s->p->v->m, s->line);
        } else if (!up && s->up) {
            s->up = false; /* the client closed it: a hang-up ends the session */
            s->qlen = 0;
            s->nchange = 0;
            meter_port_close(&s->p->v->m, s->line);
        }
    }
    for (int rounds = 0; s->fd >= 0 && rounds < 16; rounds++) {
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r > 0) {
            meter_port_rx(&s->p->v->m, s->line, buf, (size_t)r);
            continue;
        }
        if (r == 0 && s->p->kind == PORT_TCP)
            port_slot_drop(s, true); /* client gone: its session ends with it */
        break; /* EAGAIN, or a pty without a client (EIO) */
    }
}

void port_serve_poll(struct port_serve *p)
{
    if (p->v == NULL)
        return;
    /* Reads first: a client that left frees its line before a newcomer is
     * accepted, so a quick reconnect is never refused. */
    for (unsigned k = 0; k < p->nslots; k++) {
        struct port_slot *s = &p->slot[k];
        if (p->kind == PORT_PTY && s->qlen == 0)
            s->pace_ms = p->v->hw.sim_ms; /* an idle line saves no credit */
        port_read(s);
    }
    if (p->kind == PORT_TCP)
        port_tcp_accept(p);
    for (unsigned k = 0; k < p->nslots; k++)
        port_flush(&p->slot[k]);
}

/* "tcp:PORT" -> port (0 = any free one). */
static int port_parse_tcp(const char *name, const char *spec, uint16_t *port, char *err, size_t n)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(spec + 4, &end, 10);
    if (spec[4] < '0' || spec[4] > '9' || *end != '\0' || errno != 0 || v > 65535) {
        snprintf(err, n, "--%s: bad TCP port in \"%s\"", name, spec);
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

int port_serve_open(struct port_serve *p, const char *name, unsigned line0, unsigned nlines, const char *spec,
                    char *err, size_t n)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->listen_fd = -1;
    p->nslots = nlines < PORT_SLOTS_MAX ? nlines : PORT_SLOTS_MAX;
    for (unsigned k = 0; k < p->nslots; k++) {
        p->slot[k].p = p;
        p->slot[k].line = line0 + k;
        p->slot[k].fd = -1;
        p->slot[k].baud = 300;
        p->slot[k].framing = METER_FRAMING_7E1;
    }
    if (strncmp(spec, "tcp:", 4) == 0) {
        if (port_parse_tcp(name, spec, &p->tcp_port, err, n) < 0)
            return -1;
        p->kind = PORT_TCP;
        return port_tcp_open(p, err, n);
    }
    if (strncmp(spec, "pty:", 4) == 0 && spec[4] != '\0' && strlen(spec + 4) < sizeof p->path) {
        p->kind = PORT_PTY;
        p->nslots = 1; /* a serial line has one end */
        snprintf(p->path, sizeof p->path, "%s", spec + 4);
        return port_pty_open(p, err, n);
    }
    snprintf(err, n, "--%s: expected tcp:PORT or pty:PATH, got \"%s\"", name, spec);
    return -1;
}

void port_serve_close(struct port_serve *p)
{
    for (unsigned k = 0; k < p->nslots; k++) {
        struct port_slot *s = &p->slot[k];
        if (p->v != NULL)
            memset(&p->v->hw.port[s->line], 0, sizeof p->v->hw.port[s->line]);
        if (s->fd >= 0)
            close(s->fd);
        free(s->q);
    }
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    if (p->kind == PORT_PTY)
        port_pty_close(p);
    memset(p, 0, sizeof *p);
    p->listen_fd = -1;
}

/* ---- simulator attachment ------------------------------------------------ */

/* The spec is checked when the command line is read, the port opened
 * only when the run starts (a refused command line leaves nothing behind). */
struct port_attach {
    char spec[sizeof ((struct port_serve *)0)->path + 8];
    char name[16];
    unsigned line0, nlines;
    struct port_serve p;
};

static int attach_start(struct sim *s, void *ctx, char *err, size_t n)
{
    struct port_attach *a = ctx;
    if (port_serve_open(&a->p, a->name, a->line0, a->nlines, a->spec, err, n) < 0)
        return -1;
    port_serve_bind(&a->p, s->v);
    return 0;
}

static void attach_tick(struct sim *s, void *ctx)
{
    struct port_serve *p = &((struct port_attach *)ctx)->p;
    /* the core may have been re-booted (power cut): re-install the sinks */
    if (p->v != s->v || s->v->hw.port[p->slot[0].line].ctx != p)
        port_serve_bind(p, s->v);
    port_serve_poll(p);
}

static void attach_stop(struct sim *s, void *ctx)
{
    (void)s;
    port_serve_close(&((struct port_attach *)ctx)->p);
    free(ctx);
}

int port_serve_option(struct sim_opts *o, const char *name, unsigned line0, unsigned nlines, const char *arg,
                      char *err, size_t n)
{
    bool tcp = strncmp(arg, "tcp:", 4) == 0, pty = strncmp(arg, "pty:", 4) == 0;
    if ((!tcp && !pty) || arg[4] == '\0' || strlen(arg) >= sizeof ((struct port_attach *)0)->spec) {
        snprintf(err, n, "--%s: expected tcp:PORT or pty:PATH, got \"%s\"", name, arg);
        return -1;
    }
    uint16_t port;
    if (tcp && port_parse_tcp(name, arg, &port, err, n) < 0)
        return -1;
    struct port_attach *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, n, "--%s: out of memory", name);
        return -1;
    }
    snprintf(a->spec, sizeof a->spec, "%s", arg);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->line0 = line0;
    a->nlines = nlines;
    a->p.listen_fd = -1;
    struct sim_attach at = {.name = a->name, .ctx = a, .start = attach_start, .tick = attach_tick,
                            .stop = attach_stop};
    if (sim_attach_add(o, &at) < 0) {
        free(a);
        snprintf(err, n, "--%s: too many attachments", name);
        return -1;
    }
    return 0;
}

int port_serve_option_optical(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    return port_serve_option(o, "optical", METER_LINE_OPTICAL, 1, arg, err, n);
}

int port_serve_option_mbus(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    return port_serve_option(o, "mbus", METER_LINE_MBUS, 1, arg, err, n);
}

int port_serve_option_rs485(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    return port_serve_option(o, "rs485", METER_LINE_SERIAL, 1, arg, err, n);
}

int port_serve_option_dlms(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
#if METER_TCP_SESSIONS
    if (strncmp(arg, "tcp:", 4) != 0) {
        snprintf(err, n, "--dlms: expected tcp:PORT, got \"%s\"", arg);
        return -1;
    }
    /* every TCP client gets a line of its own (its own session and association) */
    return port_serve_option(o, "dlms", METER_LINE_TCP, METER_TCP_SESSIONS, arg, err, n);
#else
    (void)o;
    snprintf(err, n, "--dlms: this build has no TCP/IP module (METER_TCP_SESSIONS 0), got \"%s\"", arg);
    return -1;
#endif
}

int port_serve_option_han(void *opts, const char *arg, char *err, size_t n)
{
    struct sim_opts *o = opts;
    return port_serve_option(o, "han", METER_LINE_HAN, 1, arg, err, n);
}
