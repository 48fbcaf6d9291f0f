/*
 * dispatch.c — the optical port: message assembly, protocol choice,
 * sessions and timeouts.
 */
#include "proto/dispatch.h"

#include <string.h>

#include "app/clock.h"
#include "app/evlog.h"
#include "proto/kmp/kmp.h"
#include "trimeter/meter.h"

static uint32_t dispatch_ms(const struct meter *m)
{
    return m->hal->ms_now != NULL ? m->hal->ms_now(m->hal->ctx) : 0;
}

void dispatch_send(struct meter *m, const uint8_t *buf, size_t len)
{
    if (m->hal->port_write != NULL && len > 0)
        m->hal->port_write(m->hal->ctx, 0, buf, len);
}

void dispatch_line(struct meter *m, uint32_t baud, bool iec_framing)
{
    if (m->hal->port_config != NULL)
        m->hal->port_config(m->hal->ctx, 0, baud, iec_framing ? METER_FRAMING_7E1 : METER_FRAMING_8N1);
}

void dispatch_init(struct meter *m)
{
    memset(&m->optical, 0, sizeof m->optical);
    iec21_init(&m->optical.iec);
    /* Listen for an IEC 62056-21 sign-on (300 Bd 7E1); see PROTOCOLS.md
     * for how a KMP master is heard on the target. */
    dispatch_line(m, 300, true);
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
        d->proto = (uint8_t)proto;
        evlog_add(m, EV_SESSION_START, proto == DISPATCH_KMP ? METER_SRC_OPTICAL_KMP : METER_SRC_OPTICAL_IEC, 0, 0);
    }
    d->last_ms = dispatch_ms(m);
}

void dispatch_end(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (d->proto == DISPATCH_IEC || d->iec.state != IEC21_IDLE)
        iec21_end(m);
    d->proto = DISPATCH_IDLE;
}

static void dispatch_kmp_frame(struct meter *m)
{
    struct dispatch *d = &m->optical;
    uint8_t out[KMP_PHYS_MAX];
    if (d->proto == DISPATCH_IEC)
        return; /* one session at a time */
    size_t n = kmp_serve(m, dispatch_access(m, METER_ACC_MANAGER), d->buf, d->len, out, sizeof out);
    dispatch_send(m, out, n);
}

/* Start a message with byte b, or drop b as noise. */
static void dispatch_start(struct meter *m, uint8_t b)
{
    struct dispatch *d = &m->optical;
    d->len = 0;
    d->bcc_next = false;
    if (b == KMP_START_REQ && d->proto != DISPATCH_IEC)
        d->rx = DISPATCH_RX_KMP;
    else if (b == '/' || (d->proto == DISPATCH_IEC && (b == IEC21_ACK || b == IEC21_SOH)))
        d->rx = DISPATCH_RX_IEC;
    else
        return; /* noise, 0x7E (HDLC not yet served), stray bytes */
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
        if (b == IEC21_SOH || (b == '/' && first != IEC21_SOH)) {
            dispatch_start(m, b); /* never inside a message: a new one starts */
            return;
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
        dispatch_byte(m, buf[i]);
    }
}

void dispatch_poll(struct meter *m)
{
    struct dispatch *d = &m->optical;
    if (d->proto == DISPATCH_IDLE && d->rx == DISPATCH_RX_NONE)
        return;
    uint32_t now = dispatch_ms(m);
    if (d->rx != DISPATCH_RX_NONE && now - d->last_rx_ms > DISPATCH_CHAR_TIMEOUT_MS)
        d->rx = DISPATCH_RX_NONE;
    uint32_t limit = d->proto == DISPATCH_KMP       ? DISPATCH_KMP_SESSION_MS
                     : d->iec.state == IEC21_PROG ? IEC21_PROG_TIMEOUT_MS
                                                   : IEC21_SESSION_TIMEOUT_MS;
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
