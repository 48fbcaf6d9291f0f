/*
 * port_serve.c — output queue, pacing and the simulator attachment of the
 * served optical port (back ends: port_tcp.c, port_pty.c).
 */
#include "port_serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/han/han_push.h"
#include "sim.h"
#include "vmeter.h"

static size_t port_sink_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct port_serve *p = ctx;
    if (p->fd < 0)
        return len; /* nobody connected: the light goes nowhere */
    if (p->qlen + len > PORT_QUEUE_MAX)
        return 0;
    if (p->qlen + len > p->qcap) {
        size_t cap = p->qcap ? p->qcap : 4096;
        while (cap < p->qlen + len)
            cap *= 2;
        uint8_t *q = realloc(p->q, cap);
        if (q == NULL)
            return 0;
        p->q = q;
        p->qcap = cap;
    }
    memcpy(p->q + p->qlen, buf, len);
    p->qlen += len;
    return len;
}

static size_t port_sink_room(void *ctx)
{
    const struct port_serve *p = ctx;
    if (p->fd < 0)
        return SIZE_MAX; /* nobody connected: the light goes nowhere */
    return p->qlen < PORT_TX_ROOM ? PORT_TX_ROOM - p->qlen : 0;
}

static void port_apply_line(struct port_serve *p, uint32_t baud, enum meter_framing f)
{
    p->baud = baud;
    p->framing = f;
    if (p->kind == PORT_PTY)
        port_pty_line(p);
}

static int port_sink_config(void *ctx, uint32_t baud, enum meter_framing framing)
{
    struct port_serve *p = ctx;
    if (p->qlen == 0) {
        port_apply_line(p, baud, framing);
        return 0;
    }
    if (p->nchange == PORT_LINE_CHANGES)
        return -1;
    p->change[p->nchange].at = p->qlen;
    p->change[p->nchange].baud = baud;
    p->change[p->nchange].framing = framing;
    p->nchange++;
    return 0;
}

void port_serve_bind(struct port_serve *p, struct vmeter *v)
{
    p->v = v;
    v->hw.port[p->port_no].ctx = p;
    v->hw.port[p->port_no].write = port_sink_write;
    v->hw.port[p->port_no].config = port_sink_config;
    v->hw.port[p->port_no].room = port_sink_room;
    p->pace_ms = v->hw.sim_ms;
}

/* Drop the first k queued bytes; line changes due at or before k apply. */
static void port_consume(struct port_serve *p, size_t k)
{
    memmove(p->q, p->q + k, p->qlen - k);
    p->qlen -= k;
    unsigned j = 0;
    for (unsigned i = 0; i < p->nchange; i++) {
        if (p->change[i].at <= k) {
            port_apply_line(p, p->change[i].baud, p->change[i].framing);
        } else {
            p->change[j] = p->change[i];
            p->change[j].at -= k;
            j++;
        }
    }
    p->nchange = j;
}

static void port_flush(struct port_serve *p)
{
    /* a line change with nothing before it is due now */
    if (p->nchange > 0 && p->change[0].at == 0)
        port_consume(p, 0);
    if (p->fd < 0 || p->qlen == 0) {
        p->credit_bits = 0;
        return;
    }
    size_t allow = p->qlen;
    if (p->kind == PORT_PTY) {
        /* 10 bits per character: start, 7 data + parity or 8 data, stop */
        uint64_t now = p->v->hw.sim_ms;
        p->credit_bits += (now - p->pace_ms) * p->baud / 1000u;
        p->pace_ms = now;
        /* a line that ran dry saves no time for later bytes */
        if (p->credit_bits > (uint64_t)p->qlen * 10u)
            p->credit_bits = (uint64_t)p->qlen * 10u;
        allow = (size_t)(p->credit_bits / 10u);
    }
    /* never write past the next line change in one go */
    if (p->nchange > 0 && allow > p->change[0].at)
        allow = p->change[0].at;
    if (allow == 0)
        return;
    ssize_t w = write(p->fd, p->q, allow);
    if (w > 0) {
        if (p->kind == PORT_PTY)
            p->credit_bits -= (uint64_t)w * 10u;
        port_consume(p, (size_t)w);
    } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && p->kind == PORT_TCP) {
        close(p->fd);
        p->fd = -1;
        p->qlen = 0;
    }
}

void port_serve_poll(struct port_serve *p)
{
    if (p->v == NULL)
        return;
    if (p->kind == PORT_TCP)
        port_tcp_accept(p);
    if (p->kind == PORT_PTY && p->qlen == 0)
        p->pace_ms = p->v->hw.sim_ms; /* an idle line saves no credit */
    uint8_t buf[256];
    for (int rounds = 0; p->fd >= 0 && rounds < 16; rounds++) {
        ssize_t r = read(p->fd, buf, sizeof buf);
        if (r > 0) {
            meter_port_rx(&p->v->m, p->port_no, buf, (size_t)r);
            continue;
        }
        if (r == 0 && p->kind == PORT_TCP) { /* client gone */
            close(p->fd);
            p->fd = -1;
            p->qlen = 0;
            p->nchange = 0;
        }
        break; /* EAGAIN, or a pty whose client closed (EIO) */
    }
    port_flush(p);
}

/* "tcp:PORT" -> port (0 = any free one). */
static int port_parse_tcp(const char *spec, uint16_t *port, char *err, size_t n)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(spec + 4, &end, 10);
    if (spec[4] < '0' || spec[4] > '9' || *end != '\0' || errno != 0 || v > 65535) {
        snprintf(err, n, "bad TCP port in \"%s\"", spec);
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

int port_serve_open(struct port_serve *p, const char *spec, char *err, size_t n)
{
    const char *name = p->name; /* kept: the caller names the port */
    memset(p, 0, sizeof *p);
    p->name = name;
    p->listen_fd = -1;
    p->slave_fd = -1;
    p->fd = -1;
    p->baud = 300;
    p->framing = METER_FRAMING_7E1;
    if (strncmp(spec, "tcp:", 4) == 0) {
        if (port_parse_tcp(spec, &p->tcp_port, err, n) < 0)
            return -1;
        p->kind = PORT_TCP;
        return port_tcp_open(p, err, n);
    }
    if (strncmp(spec, "pty:", 4) == 0 && spec[4] != '\0' && strlen(spec + 4) < sizeof p->path) {
        p->kind = PORT_PTY;
        snprintf(p->path, sizeof p->path, "%s", spec + 4);
        return port_pty_open(p, err, n);
    }
    snprintf(err, n, "--optical: expected tcp:PORT or pty:PATH, got \"%s\"", spec);
    return -1;
}

void port_serve_close(struct port_serve *p)
{
    if (p->v != NULL) {
        p->v->hw.port[p->port_no].write = NULL;
        p->v->hw.port[p->port_no].config = NULL;
        p->v->hw.port[p->port_no].room = NULL;
    }
    if (p->fd >= 0)
        close(p->fd);
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    if (p->kind == PORT_PTY)
        port_pty_close(p);
    free(p->q);
    memset(p, 0, sizeof *p);
    p->fd = p->listen_fd = p->slave_fd = -1;
}

/* ---- simulator attachment ------------------------------------------------ */

/* The spec is checked when the command line is read, the port opened
 * only when the run starts (a refused command line leaves nothing behind). */
struct port_attach {
    char spec[sizeof ((struct port_serve *)0)->path + 8];
    unsigned port_no;          /* meter port served */
    uint32_t baud;             /* its line until the core configures it (0: port_serve_open's) */
    struct port_serve p;
};

static int attach_start(struct sim *s, void *ctx, char *err, size_t n)
{
    struct port_attach *a = ctx;
    a->p.name = a->port_no == 0 ? "optical" : "han";
    if (port_serve_open(&a->p, a->spec, err, n) < 0)
        return -1;
    a->p.port_no = a->port_no;
    if (a->baud != 0)
        port_apply_line(&a->p, a->baud, METER_FRAMING_8N1);
    port_serve_bind(&a->p, s->v);
    return 0;
}

static void attach_tick(struct sim *s, void *ctx)
{
    struct port_serve *p = &((struct port_attach *)ctx)->p;
    /* the core may have been re-booted (power cut): re-install the sink */
    if (p->v != s->v || s->v->hw.port[p->port_no].ctx != p)
        port_serve_bind(p, s->v);
    port_serve_poll(p);
}

static void attach_stop(struct sim *s, void *ctx)
{
    (void)s;
    port_serve_close(&((struct port_attach *)ctx)->p);
    free(ctx);
}

static int port_attach_option(struct sim_opts *o, const char *name, unsigned port_no, uint32_t baud,
                              const char *arg, char *err, size_t n)
{
    bool tcp = strncmp(arg, "tcp:", 4) == 0, pty = strncmp(arg, "pty:", 4) == 0;
    if ((!tcp && !pty) || arg[4] == '\0' || strlen(arg) >= sizeof ((struct port_attach *)0)->spec) {
        snprintf(err, n, "--%s: expected tcp:PORT or pty:PATH, got \"%s\"", name, arg);
        return -1;
    }
    uint16_t port;
    if (tcp && port_parse_tcp(arg, &port, err, n) < 0)
        return -1;
    struct port_attach *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, n, "--%s: out of memory", name);
        return -1;
    }
    snprintf(a->spec, sizeof a->spec, "%s", arg);
    a->port_no = port_no;
    a->baud = baud;
    a->p.fd = a->p.listen_fd = a->p.slave_fd = -1;
    struct sim_attach at = {.name = name, .ctx = a, .start = attach_start, .tick = attach_tick,
                            .stop = attach_stop};
    if (sim_attach_add(o, &at) < 0) {
        free(a);
        snprintf(err, n, "--%s: too many attachments", name);
        return -1;
    }
    return 0;
}

int port_serve_option(struct sim_opts *o, const char *arg, char *err, size_t n)
{
    return port_attach_option(o, "optical", 0, 0, arg, err, n);
}

/* The HAN line: push only, 2400 Bd 8N1 from the start (the M-Bus physical
 * layer of the consumer port); nominal speed on TCP. */
int port_serve_han_option(struct sim_opts *o, const char *arg, char *err, size_t n)
{
    return port_attach_option(o, "han", HAN_PORT, HAN_BAUD, arg, err, n);
}
