/*
 * dispatch.c — the optical port: message assembly, protocol choice,
 * sessions and timeouts.
 */
#include "proto/dispatch.h"

#include <stdint.h>
#include <string.h>

#include "registers/clock.h"
#include "legal/audit.h"
#include "registers/evlog.h"
#include "proto/kmp/kmp.h"
#include "trimeter/meter.h"

static uint32_t dispatch_ms(const struct meter *m)
{
    return m->hal->ms_now != NULL ? m->hal->ms_now(m->hal->ctx) : 0;
}

/* ---- sending ------------------------------------------------------------------ */

uint8_t *dispatch_tx_buf(struct meter *m)
{
    struct dispatch *d = &m->optical;
    d->tx_pos = d->tx_len = 0;
    d->tx_kept = false;
    return d->buf;
}

void dispatch_tx(struct meter *m, size_t len)
{
    struct dispatch *d = &m->optical;
    if (len > DISPATCH_BUF)
        len = 0; /* cannot happen: composers stay inside the buffer */
    d->tx_pos = 0;
    d->tx_len = (uint16_t)len;
    d->tx_kept = len > 0;
}

bool dispatch_tx_again(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (!d->tx_kept || d->tx_len == 0)
        return false;
    d->tx_pos = 0;
    return true;
}

bool dispatch_tx_busy(const struct meter *m)
{
    return m->optical.tx_pos < m->optical.tx_len;
}

/* An answer is under way: bytes queued, or the IEC module has more to say. */
static bool dispatch_sending(const struct meter *m)
{
    return dispatch_tx_busy(m) || m->optical.iec.step != IEC21_STEP_NONE;
}

static size_t dispatch_room(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (m->hal->port_tx_room == NULL)
        return SIZE_MAX; /* the port takes everything at once (host) */
    size_t r = m->hal->port_tx_room(m->hal->ctx, 0);
    if (r > d->tx_room_max && r != SIZE_MAX)
        d->tx_room_max = (uint16_t)(r < UINT16_MAX ? r : UINT16_MAX);
    return r;
}

uint32_t dispatch_drain_ms(const struct meter *m, uint32_t baud)
{
    return baud == 0 ? 0 : (uint32_t)((uint64_t)m->optical.tx_room_max * 10000u / baud);
}

/* Hand the HAL what it has room for: the queued answer, then whatever the
 * IEC module produces next (one readout line at a time). Each round either
 * moves bytes or advances the module's state, so this ends. */
static void dispatch_pump(struct meter *m)
{
    struct dispatch *d = &m->optical;
    for (;;) {
        if (d->tx_pos < d->tx_len) {
            size_t room = dispatch_room(m);
            if (room == 0)
                return;
            size_t n = (size_t)(d->tx_len - d->tx_pos);
            if (n > room)
                n = room;
            size_t k = n;
            if (m->hal->port_write != NULL)
                k = m->hal->port_write(m->hal->ctx, 0, d->buf + d->tx_pos, n);
            if (k > n)
                k = n;
            d->tx_pos = (uint16_t)(d->tx_pos + k);
            if (k > 0)
                d->last_ms = dispatch_ms(m); /* a long answer is session activity */
            if (k < n)
                return; /* the port took less: the rest on the next poll */
            continue;
        }
        if (d->proto != DISPATCH_IEC || !iec21_tx_more(m))
            return;
    }
}

void dispatch_line(struct meter *m, uint32_t baud, bool iec_framing)
{
    if (m->hal->port_config != NULL)
        m->hal->port_config(m->hal->ctx, 0, baud, iec_framing ? METER_FRAMING_7E1 : METER_FRAMING_8N1);
}

/* Listen in a framing between sessions (docs/PROTOCOLS.md, "How the
 * Cortex-M UART listens"). */
static void dispatch_listen(struct meter *m, enum dispatch_listen how)
{
    m->optical.listen = (uint8_t)how;
    if (how == DISPATCH_LISTEN_KMP)
        dispatch_line(m, 9600, false);
    else
        dispatch_line(m, 300, true);
}

void dispatch_init(struct meter *m)
{
    struct dispatch *d = &m->optical;
    struct iec21_cfg cfg = d->iec.cfg; /* config_load() may have restored it */
    memset(d, 0, sizeof *d);
    d->iec.cfg = cfg;
    iec21_init(&d->iec); /* checks it, factory defaults otherwise */
    d->line_ms = dispatch_ms(m) - DISPATCH_LINE_GUARD_MS; /* a line error right after boot counts */
    /* Listen for an IEC 62056-21 sign-on (300 Bd 7E1). */
    dispatch_listen(m, DISPATCH_LISTEN_IEC);
}

enum meter_access dispatch_access(const struct meter *m, enum meter_access base)
{
    if (base >= METER_ACC_MANAGER && m->hal->inputs_read != NULL &&
        (m->hal->inputs_read(m->hal->ctx) & METER_IN_CAL_SWITCH))
        return METER_ACC_CAL;
    return base;
}

int64_t dispatch_civil(const struct meter *m, int64_t utc, bool standard)
{
    return standard ? clock_to_standard(&m->cfg.zone, utc) : clock_to_local(&m->cfg.zone, utc);
}

int64_t dispatch_utc(const struct meter *m, int64_t local)
{
    return clock_from_local(&m->cfg.zone, local);
}

void dispatch_touch(struct meter *m, enum dispatch_proto proto)
{
    struct dispatch *d = &m->optical;
    if (d->proto != proto) {
        if (d->proto == DISPATCH_IEC)
            iec21_end(m);
        if (proto == DISPATCH_IEC && d->listen != DISPATCH_LISTEN_IEC)
            dispatch_listen(m, DISPATCH_LISTEN_IEC); /* the identification goes out at 300 Bd 7E1 */
        d->proto = (uint8_t)proto;
        /* counted, not logged: a reader never makes the meter write (legal/audit.h) */
        audit_session_start(m, proto == DISPATCH_KMP ? METER_SRC_OPTICAL_KMP : METER_SRC_OPTICAL_IEC);
    }
    d->last_ms = dispatch_ms(m);
}

void dispatch_end(struct meter *m)
{
    struct dispatch *d = &m->optical;
    d->tx_pos = d->tx_len; /* an answer the port never took is dropped */
    if (d->proto == DISPATCH_IEC || d->iec.state != IEC21_IDLE)
        iec21_end(m);
    d->proto = DISPATCH_IDLE;
    if (d->listen != DISPATCH_LISTEN_IEC)
        dispatch_listen(m, DISPATCH_LISTEN_IEC); /* the default framing again */
}

static void dispatch_kmp_frame(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (d->proto == DISPATCH_IEC)
        return; /* one session at a time */
    /* the answer replaces the request in the buffer (kmp_serve decodes first);
     * KMP has no authentication: a public client (it may synchronise the
     * clock, legal/access.h, and write nothing else) */
    uint16_t n = d->len;
    uint8_t *out = dispatch_tx_buf(m);
    dispatch_tx(m, kmp_serve(m, dispatch_access(m, METER_ACC_PUBLIC), d->buf, n, out, DISPATCH_BUF));
}

/* Start a message with byte b, or drop b as noise. */
static void dispatch_start(struct meter *m, uint8_t b)
{
    struct dispatch *d = &m->optical;
    d->len = 0;
    d->bcc_next = false;
    if (b == IEC21_NAK && d->proto == DISPATCH_IEC) {
        iec21_repeat(m); /* repeat request: the last answer is still in buf */
        return;
    }
    bool start = b == KMP_START_REQ || b == '/' || b == IEC21_ACK || b == IEC21_SOH;
    if (start && d->iec.state == IEC21_DONE)
        dispatch_end(m); /* the readout arrived: a new message ends that session */
    if (b == KMP_START_REQ && d->proto != DISPATCH_IEC)
        d->rx = DISPATCH_RX_KMP;
    else if (b == '/' || (d->proto == DISPATCH_IEC && (b == IEC21_ACK || b == IEC21_SOH)))
        d->rx = DISPATCH_RX_IEC;
    else
        return; /* noise, 0x7E (HDLC not yet served), stray bytes */
    d->tx_kept = false; /* the message overwrites the last answer */
    d->buf[d->len++] = b;
}

static void dispatch_skip(struct dispatch *d, uint8_t end)
{
    d->rx = DISPATCH_RX_SKIP;
    d->skip_end = end;
    d->len = 0;
}

static void dispatch_byte(struct meter *m, uint8_t b)
{
    struct dispatch *d = &m->optical;
    switch (d->rx) {
    case DISPATCH_RX_NONE:
        dispatch_start(m, b);
        return;
    case DISPATCH_RX_SKIP:
        if (b == d->skip_end)
            d->rx = DISPATCH_RX_NONE;
        else if (b == KMP_START_REQ && d->skip_end == KMP_STOP)
            dispatch_start(m, b); /* a new frame starts: resynchronise */
        return;
    case DISPATCH_RX_KMP:
        if (b == KMP_START_REQ) {
            dispatch_start(m, b); /* 0x80 never occurs inside a frame */
            return;
        }
        if (d->len >= DISPATCH_BUF) {
            dispatch_skip(d, KMP_STOP);
            return;
        }
        d->buf[d->len++] = b;
        if (b == KMP_STOP) {
            d->rx = DISPATCH_RX_NONE;
            dispatch_kmp_frame(m);
        }
        return;
    case DISPATCH_RX_IEC:
    default: {
        uint8_t first = d->buf[0];
        if (!d->bcc_next && (b == IEC21_SOH || (b == '/' && first != IEC21_SOH))) {
            dispatch_start(m, b); /* never inside a message: a new one starts */
            return;               /* (but the BCC may be any byte, SOH too) */
        }
        if (d->len >= DISPATCH_BUF) {
            dispatch_skip(d, first == IEC21_SOH ? IEC21_ETX : (uint8_t)'\n');
            return;
        }
        d->buf[d->len++] = b;
        bool done;
        if (first == IEC21_SOH) {
            done = d->bcc_next;
            if (b == IEC21_ETX || b == IEC21_EOT)
                d->bcc_next = true;
        } else {
            done = b == '\n';
        }
        if (done) {
            d->rx = DISPATCH_RX_NONE;
            iec21_handle(m, d->buf, d->len);
        }
        return;
    }
    }
}

void dispatch_rx(struct meter *m, const uint8_t *buf, size_t len)
{
    struct dispatch *d = &m->optical;
    for (size_t i = 0; i < len; i++) {
        uint32_t now = dispatch_ms(m);
        if (d->rx != DISPATCH_RX_NONE && now - d->last_rx_ms > DISPATCH_CHAR_TIMEOUT_MS)
            d->rx = DISPATCH_RX_NONE; /* a half message went stale */
        d->last_rx_ms = now;
        if (dispatch_sending(m))
            continue; /* half-duplex: the master waits for the answer (an optical head may echo) */
        dispatch_byte(m, buf[i]);
        if (dispatch_sending(m))
            dispatch_pump(m);
    }
}

void dispatch_line_error(struct meter *m)
{
    struct dispatch *d = &m->optical;
    uint32_t now = dispatch_ms(m);
    /* Not inside an IEC session (its line is negotiated: errors are noise
     * there), not while answering, and once per burst. */
    if (d->proto == DISPATCH_IEC || dispatch_sending(m) || now - d->line_ms < DISPATCH_LINE_GUARD_MS)
        return;
    d->line_ms = now;
    d->rx = DISPATCH_RX_NONE; /* what was being assembled came in the other framing */
    if (d->proto == DISPATCH_KMP)
        d->proto = DISPATCH_IDLE; /* the KMP master is done: somebody signs on at 300 Bd */
    dispatch_listen(m, d->listen == DISPATCH_LISTEN_IEC ? DISPATCH_LISTEN_KMP : DISPATCH_LISTEN_IEC);
}

void dispatch_poll(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (d->proto == DISPATCH_IDLE && d->rx == DISPATCH_RX_NONE && d->listen == DISPATCH_LISTEN_IEC &&
        !dispatch_sending(m))
        return;
    if (dispatch_sending(m))
        dispatch_pump(m);
    uint32_t now = dispatch_ms(m);
    if (d->rx != DISPATCH_RX_NONE && now - d->last_rx_ms > DISPATCH_CHAR_TIMEOUT_MS)
        d->rx = DISPATCH_RX_NONE;
    if (d->proto == DISPATCH_IDLE && d->listen != DISPATCH_LISTEN_IEC && d->rx == DISPATCH_RX_NONE &&
        now - d->line_ms > DISPATCH_KMP_SESSION_MS)
        dispatch_listen(m, DISPATCH_LISTEN_IEC); /* nobody spoke KMP after all */
    uint32_t limit = d->proto == DISPATCH_KMP ? DISPATCH_KMP_SESSION_MS : iec21_timeout_ms(m);
    if (d->proto != DISPATCH_IDLE && now - d->last_ms > limit)
        dispatch_end(m);
}

int meter_port_rx(struct meter *m, unsigned port, const uint8_t *buf, size_t len)
{
    if (m == NULL || (buf == NULL && len > 0))
        return METER_EINVAL;
    if (port != 0)
        return METER_ENOTSUP; /* module ports: served by their own protocols */
    dispatch_rx(m, buf, len);
    return METER_OK;
}

void meter_port_line_error(struct meter *m, unsigned port)
{
    if (m != NULL && port == 0)
        dispatch_line_error(m);
}
