/*
 * hdlc.c — the HDLC protocol driver: port session <-> hdlc_link <-> DLMS.
 */
#include "proto/hdlc/hdlc.h"

#include <string.h>

#include "legal/config.h"
#include "proto/dlms/dlms.h"
#include "proto/port.h"
#include "trimeter/meter.h"

/* The audit source of a session: the optical head or the serial module. */
static enum meter_src hdlc_src(const struct session *s)
{
    return s->line == METER_LINE_SERIAL ? METER_SRC_SERIAL_DLMS : METER_SRC_OPTICAL_DLMS;
}

static enum proto_claim hdlc_claim(const uint8_t *b, size_t n)
{
    size_t i = 0;
    while (i < n && b[i] == HDLC_FLAG)
        i++;
    if (i == 0)
        return PROTO_NO;
    if (i == n)
        return PROTO_MORE;
    return (b[i] & 0xF0u) == 0xA0u ? PROTO_YES : PROTO_NO; /* frame format type 3 */
}

static void hdlc_open(struct meter *m, struct session *s)
{
    hdlc_link_init(&s->st.hdlc.link, &m->proto.hdlc.cfg);
    s->st.hdlc.ctx = NULL;
}

static void hdlc_release(struct meter *m, struct session *s)
{
    struct hdlc_session *h = &s->st.hdlc;
    if (h->ctx != NULL)
        dlms_close(m, h->ctx);
    h->ctx = NULL;
    s->access = METER_ACC_NONE;
}

static void hdlc_connect(struct meter *m, struct session *s, const struct hdlc_ev *ev)
{
    struct hdlc_session *h = &s->st.hdlc;
    hdlc_release(m, s); /* a SNRM replaces the connection: nothing of it survives */
    h->ctx = dlms_open(m, ev->client, ev->logical, hdlc_src(s));
    if (h->ctx == NULL) {
        hdlc_link_refuse(&h->link);
        return;
    }
    size_t cap = 0;
    uint8_t *rq = dlms_req_buf(h->ctx, &cap);
    hdlc_link_accept(&h->link, rq, cap);
}

static void hdlc_apdu(struct meter *m, struct session *s, size_t n)
{
    struct hdlc_session *h = &s->st.hdlc;
    const uint8_t *rsp = NULL;
    size_t len = 0;
    if (h->ctx != NULL)
        (void)dlms_serve(m, h->ctx, n, &rsp, &len); /* on an internal failure the answer is an exception */
    hdlc_link_respond(&h->link, rsp, len);
}

/* Queue the next piece when the port has handed over the last one. */
static void hdlc_kick(struct meter *m, struct session *s)
{
    if (session_tx_busy(s))
        return;
    const uint8_t *p;
    size_t k = hdlc_link_tx(&s->st.hdlc.link, &p);
    if (k > 0) {
        session_send(m, s, p, k);
        session_more(s);
    }
}

static size_t hdlc_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    struct hdlc_session *h = &s->st.hdlc;
    uint32_t now = session_ms(m);
    size_t k = 0;
    while (k < n) {
        struct hdlc_ev ev;
        size_t c = hdlc_link_rx(&h->link, buf + k, n - k, now, &ev);
        k += c;
        if (ev.valid)
            session_touch(m, s);
        if (ev.type == HDLC_EV_CONNECT)
            hdlc_connect(m, s, &ev);
        else if (ev.type == HDLC_EV_APDU)
            hdlc_apdu(m, s, ev.len);
        else if (ev.type == HDLC_EV_DISCONNECT)
            hdlc_release(m, s);
        else if (c == 0)
            break; /* disconnected and not a frame: another protocol's byte */
    }
    hdlc_kick(m, s);
    return k;
}

static bool hdlc_tx_more(struct meter *m, struct session *s)
{
    const uint8_t *p;
    size_t k = hdlc_link_tx(&s->st.hdlc.link, &p);
    if (k == 0)
        return false;
    session_send(m, s, p, k);
    return true;
}

static uint32_t hdlc_timeout_ms(const struct meter *m, const struct session *s)
{
    if (!hdlc_link_connected(&s->st.hdlc.link))
        return HDLC_NDM_TIMEOUT_MS;
    uint16_t t = m->proto.hdlc.cfg.inactivity_s;
    return t == 0 ? UINT32_MAX : (uint32_t)t * 1000u;
}

static void hdlc_end(struct meter *m, struct session *s)
{
    hdlc_release(m, s);
    hdlc_link_drop(&s->st.hdlc.link);
}

/* ---- configuration section -------------------------------------------------- */

static void *hdlc_cfg_ram(struct meter *m)
{
    return &m->proto.hdlc.cfg;
}

static void hdlc_cfg_factory(struct meter *m)
{
    hdlc_cfg_default(&m->proto.hdlc.cfg);
}

static int hdlc_cfg_check(struct meter *m)
{
    return hdlc_cfg_valid(&m->proto.hdlc.cfg) ? 0 : METER_EINVAL;
}

const struct cfg_section hdlc_cfg_section = {
    .id = CFG_ID_HDLC,
    .version = 1,
    .size = sizeof(struct hdlc_cfg),
    .legal = false,
    .ram = hdlc_cfg_ram,
    .factory = hdlc_cfg_factory,
    .check = hdlc_cfg_check,
    .migrate = NULL,
};

const struct proto_driver hdlc_driver = {
    .name = "hdlc",
    .src = METER_SRC_OPTICAL_DLMS,
    .baud = 9600,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .claim = hdlc_claim,
    .open = hdlc_open,
    .feed = hdlc_feed,
    .tx_more = hdlc_tx_more,
    .timeout_ms = hdlc_timeout_ms,
    .end = hdlc_end,
    .cfg = &hdlc_cfg_section,
};
