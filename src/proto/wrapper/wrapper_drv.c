/*
 * wrapper_drv.c — the IEC 62056-47 wrapper as a protocol driver on the
 * TCP/IP module port: every TCP connection is a line with its own session
 * and its own association (several clients at once).
 */
#include "proto/wrapper/wrapper_drv.h"

#include "proto/dlms/dlms.h"
#include "proto/port.h"
#include "trimeter/meter.h"

static enum proto_claim wrapper_claim(const uint8_t *b, size_t n)
{
    if (b[0] != 0)
        return PROTO_NO;
    if (n < 2)
        return PROTO_MORE;
    return b[1] == WRAPPER_VERSION ? PROTO_YES : PROTO_NO;
}

static void wrapper_open(struct meter *m, struct session *s)
{
    (void)m;
    wrapper_init(&s->st.wrapper.w);
    s->st.wrapper.ctx = NULL;
}

static void wrapper_release(struct meter *m, struct session *s)
{
    struct wrapper_session *ws = &s->st.wrapper;
    if (ws->ctx != NULL)
        dlms_close(m, ws->ctx);
    ws->ctx = NULL;
    s->access = METER_ACC_NONE;
}

static void wrapper_kick(struct meter *m, struct session *s)
{
    if (session_tx_busy(s))
        return;
    const uint8_t *p;
    size_t k = wrapper_tx(&s->st.wrapper.w, &p);
    if (k > 0) {
        session_send(m, s, p, k);
        session_more(s);
    }
}

static size_t wrapper_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    struct wrapper_session *ws = &s->st.wrapper;
    size_t k = 0;
    while (k < n) {
        struct wrapper_ev ev;
        k += wrapper_rx(&ws->w, buf + k, n - k, &ev);
        if (ev.valid)
            session_touch(m, s);
        if (ev.type == WRAPPER_EV_OPEN) {
            /* the first APDU of a client, or another client on this
             * connection: the old association ends first */
            wrapper_release(m, s);
            ws->ctx = dlms_open(m, (uint8_t)ev.client, ev.logical, METER_SRC_DLMS_TCP);
            if (ws->ctx == NULL) {
                wrapper_refuse(&ws->w);
            } else {
                size_t cap = 0;
                uint8_t *rq = dlms_req_buf(ws->ctx, &cap);
                wrapper_accept(&ws->w, rq, cap);
            }
        } else if (ev.type == WRAPPER_EV_APDU) {
            const uint8_t *rsp = NULL;
            size_t len = 0;
            if (ws->ctx != NULL)
                (void)dlms_serve(m, ws->ctx, ev.len, &rsp, &len);
            wrapper_respond(&ws->w, rsp, len);
            wrapper_kick(m, s);
        } else if (ev.type == WRAPPER_EV_ERROR) {
            /* not the wrapper: this connection's session ends (the port
             * hangs up a line that stays without one) */
            session_end(m, s);
            return n;
        }
    }
    wrapper_kick(m, s);
    return k;
}

static bool wrapper_tx_more(struct meter *m, struct session *s)
{
    const uint8_t *p;
    size_t k = wrapper_tx(&s->st.wrapper.w, &p);
    if (k == 0)
        return false;
    session_send(m, s, p, k);
    return true;
}

static uint32_t wrapper_timeout_ms(const struct meter *m, const struct session *s)
{
    (void)m;
    (void)s;
    return WRAPPER_INACTIVITY_S * 1000u;
}

static void wrapper_end(struct meter *m, struct session *s)
{
    wrapper_release(m, s);
}

const struct proto_driver wrapper_driver = {
    .name = "dlms-wrapper",
    .src = METER_SRC_DLMS_TCP,
    .baud = 0,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .claim = wrapper_claim,
    .open = wrapper_open,
    .feed = wrapper_feed,
    .tx_more = wrapper_tx_more,
    .timeout_ms = wrapper_timeout_ms,
    .end = wrapper_end,
};
