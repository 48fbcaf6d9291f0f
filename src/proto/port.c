/*
 * port.c — lines, sessions and the loop over a port's drivers.
 */
#include "proto/port.h"

#include <stdint.h>
#include <string.h>

#include "registers/evlog.h"
#include "trimeter/meter.h"

/* ---- the ports of this build ---------------------------------------------- */

static const struct proto_driver *const optical_drivers[] = {METER_OPTICAL_DRIVERS};
#if METER_PORT_SERIAL
static const struct proto_driver *const serial_drivers[] = {METER_SERIAL_DRIVERS};
#endif
#if METER_PORT_MBUS
static const struct proto_driver *const mbus_drivers[] = {METER_MBUS_DRIVERS};
#endif
#if METER_PORT_HAN
static const struct proto_driver *const han_drivers[] = {METER_HAN_DRIVERS};
#endif
#if METER_PORT_WMBUS
static const struct proto_driver *const wmbus_drivers[] = {METER_WMBUS_DRIVERS};
#endif
#if METER_TCP_SESSIONS
static const struct proto_driver *const tcp_drivers[] = {METER_TCP_DRIVERS};
#endif
static const struct proto_driver *const all_drivers[] = {PROTO_DRIVERS_ALL};

#define PORT_LIST(a) (a), (uint8_t)(sizeof(a) / sizeof((a)[0]))

struct port_def {
    uint8_t line0;  /* first line */
    uint8_t nlines;
    uint8_t sess0;  /* index of its first session in m->sessions */
    uint8_t flags;  /* enum session_flag given to its sessions */
    const struct proto_driver *const *drivers;
    uint8_t ndrivers;
};

static const struct port_def port_defs[] = {
    {METER_LINE_OPTICAL, 1, PORT_SI_OPTICAL, SESSION_F_HALF_DUPLEX, PORT_LIST(optical_drivers)},
#if METER_PORT_SERIAL
    {METER_LINE_SERIAL, 1, PORT_SI_SERIAL, SESSION_F_HALF_DUPLEX, PORT_LIST(serial_drivers)},
#endif
#if METER_PORT_MBUS
    {METER_LINE_MBUS, 1, PORT_SI_MBUS, SESSION_F_HALF_DUPLEX, PORT_LIST(mbus_drivers)},
#endif
#if METER_PORT_HAN
    {METER_LINE_HAN, 1, PORT_SI_HAN, 0, PORT_LIST(han_drivers)},
#endif
#if METER_PORT_WMBUS
    {METER_LINE_WMBUS, 1, PORT_SI_WMBUS, 0, PORT_LIST(wmbus_drivers)},
#endif
#if METER_TCP_SESSIONS
    {METER_LINE_TCP, METER_TCP_SESSIONS, PORT_SI_TCP, 0, PORT_LIST(tcp_drivers)},
#endif
};
#define PORT_NDEFS (sizeof port_defs / sizeof port_defs[0])

static const struct port_def *port_def_of(unsigned line)
{
    for (unsigned i = 0; i < PORT_NDEFS; i++)
        if (line >= port_defs[i].line0 && line < (unsigned)port_defs[i].line0 + port_defs[i].nlines)
            return &port_defs[i];
    return NULL;
}

struct session *port_session(struct meter *m, unsigned line)
{
    const struct port_def *p = port_def_of(line);
    return p != NULL ? &m->sessions[p->sess0 + (line - p->line0)] : NULL;
}

const struct session *port_session_c(const struct meter *m, unsigned line)
{
    return port_session((struct meter *)(uintptr_t)m, line); /* same lookup; the caller only reads */
}

size_t port_drivers(unsigned line, const struct proto_driver *const **list)
{
    const struct port_def *p = port_def_of(line);
    *list = p != NULL ? p->drivers : NULL;
    return p != NULL ? p->ndrivers : 0;
}

const struct proto_driver *port_driver_at(size_t i)
{
    return i < sizeof all_drivers / sizeof all_drivers[0] ? all_drivers[i] : NULL;
}

/* ---- helpers ----------------------------------------------------------------- */

uint32_t session_ms(const struct meter *m)
{
    return m->hal->ms_now != NULL ? m->hal->ms_now(m->hal->ctx) : 0;
}

static const struct port_def *session_port(const struct session *s)
{
    return &port_defs[s->port];
}

enum meter_access session_access(const struct meter *m, const struct session *s)
{
    enum meter_access base = (enum meter_access)s->access;
    if (base >= METER_ACC_MANAGER && m->hal->inputs_read != NULL &&
        (m->hal->inputs_read(m->hal->ctx) & METER_IN_CAL_SWITCH))
        return METER_ACC_CAL;
    return base;
}

void session_line(struct meter *m, struct session *s, uint32_t baud, enum meter_framing framing)
{
    if (s->line_baud == baud && s->line_framing == (uint8_t)framing)
        return; /* the line is (or will be, after what is queued) so already */
    s->line_baud = baud;
    s->line_framing = (uint8_t)framing;
    if (m->hal->port_config != NULL)
        m->hal->port_config(m->hal->ctx, s->line, baud, framing);
}

/* Listen in the framing of driver k of the port between sessions. */
static void session_listen(struct meter *m, struct session *s, unsigned k)
{
    const struct proto_driver *d = session_port(s)->drivers[k];
    s->listen = (uint8_t)k;
    session_line(m, s, d->listen_baud != NULL ? d->listen_baud(m) : d->baud, (enum meter_framing)d->framing);
}

/* The next driver whose framing differs from the one listened in now. */
static unsigned session_next_framing(const struct session *s)
{
    const struct port_def *p = session_port(s);
    const struct proto_driver *cur = p->drivers[s->listen];
    for (unsigned i = 1; i <= p->ndrivers; i++) {
        unsigned k = (s->listen + i) % p->ndrivers;
        if (p->drivers[k]->baud != cur->baud || p->drivers[k]->framing != cur->framing)
            return k;
    }
    return s->listen;
}

uint32_t session_drain_ms(const struct session *s, uint32_t baud)
{
    return baud == 0 ? 0 : (uint32_t)((uint64_t)s->tx_room_max * 10000u / baud);
}

bool session_tx_busy(const struct session *s)
{
    return s->tx_pos < s->tx_len;
}

/* An answer is under way: bytes queued, or the driver has more to say. */
static bool session_sending(const struct session *s)
{
    return s->tx_pos < s->tx_len || s->more;
}

void session_touch(struct meter *m, struct session *s)
{
    uint32_t now = session_ms(m);
    s->last_ms = now;
    s->valid_ms = now;
    if (!s->audited && s->drv != NULL) {
        /* a session is audited once, at its first valid message: bytes
         * that only look like a start cost no record (and no EEPROM write) */
        s->audited = true;
        evlog_session_start(m, (enum meter_src)s->drv->src);
    }
}

/* ---- sending ----------------------------------------------------------------- */

static size_t session_room(struct meter *m, struct session *s)
{
    if (m->hal->port_tx_room == NULL)
        return SIZE_MAX; /* the port takes everything at once */
    size_t r = m->hal->port_tx_room(m->hal->ctx, s->line);
    if (r > s->tx_room_max && r != SIZE_MAX)
        s->tx_room_max = (uint16_t)(r < UINT16_MAX ? r : UINT16_MAX);
    return r;
}

/* Hand the HAL what it has room for: the queued answer, then whatever the
 * driver queues next. Each round moves bytes or lets the driver advance, so
 * this ends (a driver's tx_more returns false when it has nothing). */
static void session_pump(struct meter *m, struct session *s)
{
    for (unsigned guard = 0; guard < 1024u; guard++) {
        if (s->tx_pos < s->tx_len) {
            size_t room = session_room(m, s);
            if (room == 0)
                return;
            size_t n = (size_t)(s->tx_len - s->tx_pos);
            if (n > room)
                n = room;
            size_t k = n;
            if (m->hal->port_write != NULL)
                k = m->hal->port_write(m->hal->ctx, s->line, s->tx + s->tx_pos, n);
            if (k > n)
                k = n;
            s->tx_pos = (uint16_t)(s->tx_pos + k);
            if (k > 0)
                s->last_ms = session_ms(m); /* a long answer keeps the session going */
            if (k < n)
                return; /* the port took less: the rest on the next poll */
            continue;
        }
        if (!s->more || s->drv == NULL || s->drv->tx_more == NULL || !s->drv->tx_more(m, s)) {
            s->more = false;
            return;
        }
    }
}

void session_send(struct meter *m, struct session *s, const uint8_t *p, size_t n)
{
    (void)m;
    if (n > UINT16_MAX)
        n = 0; /* cannot happen: drivers' buffers are small */
    s->tx = p;
    s->tx_pos = 0;
    s->tx_len = (uint16_t)n;
}

void session_more(struct session *s)
{
    s->more = true;
}

/* ---- session begin and end ------------------------------------------------------ */

static void session_reset(struct session *s)
{
    s->drv = NULL;
    s->access = METER_ACC_NONE;
    s->tx_pos = s->tx_len = 0; /* an answer the port never took is dropped */
    s->tx = NULL;
    s->more = false;
    s->audited = false;
    memset(&s->st, 0, sizeof s->st);
}

/* Ends the session and returns the line to its first driver's framing
 * (the port's default listening state). */
static void session_close(struct meter *m, struct session *s)
{
    const struct proto_driver *d = s->drv;
    if (d == NULL)
        return;
    if (d->end != NULL)
        d->end(m, s);
    session_reset(s);
    if (s->listen != 0 || !d->line_fixed)
        session_listen(m, s, 0);
}

void session_end(struct meter *m, struct session *s)
{
    session_close(m, s);
}

void session_start(struct meter *m, struct session *s, const struct proto_driver *d)
{
    session_reset(s);
    s->drv = d;
    s->last_ms = session_ms(m); /* its timeout runs from its start */
    if (d->open != NULL)
        d->open(m, s);
}

int session_handover(struct meter *m, struct session *s, const char *driver)
{
    const struct port_def *p = session_port(s);
    for (unsigned k = 0; k < p->ndrivers; k++) {
        if (strcmp(p->drivers[k]->name, driver) == 0) {
            const struct proto_driver *old = s->drv;
            if (old != NULL && old->end != NULL)
                old->end(m, s);
            s->drv = NULL;
            session_start(m, s, p->drivers[k]);
            return METER_OK;
        }
    }
    return METER_ENOENT;
}

/* ---- receiving ---------------------------------------------------------------- */

/* One byte for a line. The session's driver gets it first; a byte it
 * declines (between its messages, not a start of its own) and the bytes
 * after it are offered to the port's drivers (claim). A claim hands the
 * line to that driver; bytes nobody can claim are dropped one at a time,
 * the ones after them offered again (resynchronisation). Recursion depth
 * is bounded by PORT_CLAIM_MAX. */
static void session_byte(struct meter *m, struct session *s, uint8_t b)
{
    if (s->drv != NULL && s->nclaim == 0 && s->drv->feed(m, s, &b, 1) == 1)
        return;
    s->claim[s->nclaim++] = b;
    const struct port_def *p = session_port(s);
    const struct proto_driver *d = NULL;
    bool more = false;
    for (unsigned k = 0; k < p->ndrivers && d == NULL; k++) {
        const struct proto_driver *c = p->drivers[k];
        if (c == s->drv || c->claim == NULL)
            continue;
        enum proto_claim r = c->claim(s->claim, s->nclaim);
        if (r == PROTO_YES)
            d = c;
        more |= r == PROTO_MORE;
    }
    uint8_t buf[PORT_CLAIM_MAX];
    size_t n = s->nclaim;
    memcpy(buf, s->claim, n);
    if (d == NULL) {
        if (more && n < PORT_CLAIM_MAX)
            return; /* wait for more bytes */
        s->nclaim = 0; /* nobody's: drop the first, offer the rest again */
        for (size_t i = 1; i < n; i++)
            session_byte(m, s, buf[i]);
        return;
    }
    s->nclaim = 0;
    session_close(m, s);
    const struct proto_driver *l = p->drivers[s->listen];
    if (d->framing != l->framing || d->baud != l->baud) {
        /* heard on a line that does not listen in its framing (TCP has
         * none): answer in the protocol's own */
        session_line(m, s, d->baud, (enum meter_framing)d->framing);
    }
    session_start(m, s, d);
    size_t k = d->feed(m, s, buf, n);
    for (size_t i = k; i < n; i++)
        session_byte(m, s, buf[i]);
}


int meter_port_rx(struct meter *m, unsigned line, const uint8_t *buf, size_t len)
{
    if (m == NULL || (buf == NULL && len > 0))
        return METER_EINVAL;
    struct session *s = port_session(m, line);
    if (s == NULL)
        return METER_ENOTSUP;
    for (size_t i = 0; i < len; i++) {
        if ((s->flags & SESSION_F_HALF_DUPLEX) && session_sending(s))
            continue; /* the master waits for the answer (an optical head may echo) */
        session_byte(m, s, buf[i]);
        if (session_sending(s))
            session_pump(m, s);
    }
    return METER_OK;
}

void meter_port_open(struct meter *m, unsigned line)
{
    struct session *s = m != NULL ? port_session(m, line) : NULL;
    if (s == NULL)
        return;
    session_close(m, s); /* nothing of a previous connection survives */
    s->nclaim = 0;
    s->flags |= SESSION_F_CONNECTED;
    s->valid_ms = session_ms(m);
}

void meter_port_close(struct meter *m, unsigned line)
{
    struct session *s = m != NULL ? port_session(m, line) : NULL;
    if (s == NULL)
        return;
    /* The line dropped: access level, programming mode, partial frames and
     * half-sent answers end with it (docs/PROTOCOLS.md, "Sessions"). */
    session_close(m, s);
    s->nclaim = 0;
    s->flags &= (uint8_t)~SESSION_F_CONNECTED;
}

bool meter_port_busy(const struct meter *m, unsigned line)
{
    const struct session *s = m != NULL ? port_session_c(m, line) : NULL;
    return s != NULL && (s->drv != NULL || session_sending(s));
}

/* Line errors within this time of a framing switch belong to the burst that
 * caused it (a whole KMP frame at 9600 Bd lasts < 300 ms). */
#define PORT_LINE_GUARD_MS 500u
/* A line switched to another framing by line errors returns to its default
 * after this long without a session. */
#define PORT_LISTEN_BACK_MS 10000u

void meter_port_line_error(struct meter *m, unsigned line)
{
    struct session *s = m != NULL ? port_session(m, line) : NULL;
    if (s == NULL || session_port(s)->ndrivers < 2)
        return;
    uint32_t now = session_ms(m);
    /* Not inside a session that negotiated its line (errors are noise
     * there), not while answering, and once per burst. */
    if ((s->drv != NULL && !s->drv->line_fixed) || session_sending(s) || now - s->line_ms < PORT_LINE_GUARD_MS)
        return;
    s->line_ms = now;
    s->nclaim = 0; /* what was being gathered came in the other framing */
    if (s->drv != NULL) {
        const struct proto_driver *d = s->drv;
        if (d->end != NULL)
            d->end(m, s); /* its master is done: somebody talks at another rate */
        session_reset(s);
    }
    session_listen(m, s, session_next_framing(s));
}

/* ---- the main loop ------------------------------------------------------------ */

void port_init(struct meter *m)
{
    memset(m->sessions, 0, sizeof m->sessions);
    uint32_t now = session_ms(m);
    for (unsigned i = 0; i < PORT_NDEFS; i++) {
        const struct port_def *p = &port_defs[i];
        for (unsigned k = 0; k < p->nlines; k++) {
            struct session *s = &m->sessions[p->sess0 + k];
            s->line = (uint8_t)(p->line0 + k);
            s->port = (uint8_t)i;
            s->flags = p->flags;
            s->line_ms = now - PORT_LINE_GUARD_MS; /* a line error right after boot counts */
            s->valid_ms = now;
            if (p->ndrivers > 0)
                session_listen(m, s, 0);
        }
    }
}

static void session_poll(struct meter *m, struct session *s)
{
    const struct port_def *p = session_port(s);
    if (s->drv == NULL && p->ndrivers > 0 && p->drivers[0]->push && p->drivers[0]->tick != NULL) {
        p->drivers[0]->tick(m, s); /* a push driver opens its session itself (session_start) */
        if (s->drv == NULL)
            return;
    } else if (s->drv != NULL && s->drv->tick != NULL) {
        s->drv->tick(m, s);
    }
    uint32_t now = session_ms(m);
    /* A push port's client only listens (it has nothing valid to send):
     * it keeps the line until it leaves (a dead peer ends at a failed
     * write, the host's port_serve). */
    bool listener = p->ndrivers > 0 && p->drivers[0]->push;
    if ((s->flags & SESSION_F_CONNECTED) && !listener && now - s->valid_ms > METER_PORT_IDLE_MS &&
        (s->drv == NULL || s->drv->timeout_ms == NULL || now - s->valid_ms > s->drv->timeout_ms(m, s))) {
        /* connected, and nothing valid for the idle time (or the session's
         * own longer one): whatever trickles in, the line is free for the
         * next client */
        session_close(m, s);
        s->flags &= (uint8_t)~SESSION_F_CONNECTED;
        s->nclaim = 0;
        if (m->hal->port_hangup != NULL)
            m->hal->port_hangup(m->hal->ctx, s->line);
        return;
    }
    if (s->drv == NULL) {
        if (s->listen != 0 && now - s->line_ms > PORT_LISTEN_BACK_MS)
            session_listen(m, s, 0); /* nobody spoke the other framing after all */
        return;
    }
    if (session_sending(s))
        session_pump(m, s);
    if (s->drv != NULL && s->drv->timeout_ms != NULL &&
        session_ms(m) - s->last_ms > s->drv->timeout_ms(m, s))
        session_close(m, s);
}

void port_poll(struct meter *m)
{
    for (unsigned i = 0; i < METER_SESSIONS; i++)
        session_poll(m, &m->sessions[i]);
}
