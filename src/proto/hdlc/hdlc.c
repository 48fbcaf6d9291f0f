/*
 * hdlc.c — the HDLC protocol driver: port session <-> hdlc_link <-> DLMS.
 */
#include "proto/hdlc/hdlc.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/dlms/dlms.h"
#include "proto/port.h"
#include "trimeter/meter.h"

/* The audit source of a session: its driver's (the optical head's or the
 * serial module's descriptor). */
static enum meter_src hdlc_src(const struct session *s)
{
    return (enum meter_src)s->drv->src;
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

/* ---- configuration rows and section ---------------------------------------- */

enum hdlc_cfg_arg { HDLC_CFG_ADDR = 0, HDLC_CFG_INFO, HDLC_CFG_WINDOW, HDLC_CFG_INTER_OCTET, HDLC_CFG_INACTIVITY };

/* Each 16-bit parameter: where it lives, its range (NULL: not one). */
static uint16_t *hdlc_cfg_field(struct hdlc_cfg *c, uint16_t arg, int64_t *lo, int64_t *hi)
{
    switch (arg) {
    case HDLC_CFG_ADDR: *lo = 0x10; *hi = 0x3FFD; return &c->phys;
    case HDLC_CFG_INFO: *lo = 32; *hi = 2030; return &c->info_max;
    case HDLC_CFG_INTER_OCTET: *lo = 20; *hi = 6000; return &c->inter_octet_ms;
    case HDLC_CFG_INACTIVITY: *lo = 10; *hi = 3600; return &c->inactivity_s;
    default: *lo = *hi = 0; return NULL;
    }
}

static int hdlc_get_cfg(const struct meter *m, const struct obj_def *o, struct obj_value *out)
{
    struct hdlc_cfg c = m->proto.hdlc.cfg;
    int64_t lo, hi;
    if (o->arg == HDLC_CFG_WINDOW)
        return obj_put_uint(out, c.window, o->scaler);
    const uint16_t *f = hdlc_cfg_field(&c, o->arg, &lo, &hi);
    return f != NULL ? obj_put_uint(out, *f, o->scaler) : METER_ENOENT;
}

static int hdlc_set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    struct hdlc_cfg *c = &m->proto.hdlc.cfg;
    int64_t x, lo, hi;
    if (o->arg == HDLC_CFG_WINDOW) {
        int r = obj_range_of(in, o->scaler, 1, 7, &x);
        if (r == METER_OK)
            c->window = (uint8_t)x;
        return r;
    }
    uint16_t *f = hdlc_cfg_field(c, o->arg, &lo, &hi);
    if (f == NULL)
        return METER_ENOENT;
    int r = obj_range_of(in, o->scaler, lo, hi, &x);
    if (r == METER_OK)
        *f = (uint16_t)x; /* links opened from now on use it */
    return r;
}

#define HDLC_ROW(e_, a, u, sc, k, nm) \
    {.ln = OBIS(0, 0, 96, 136, e_, 255), .ic = IC_DATA, .unit = u, .scaler = sc, .flags = OBJ_F_PARAM, \
     .rd = METER_ACC_PUBLIC, .wr = METER_ACC_MANAGER, .arg = a, .get = hdlc_get_cfg, .set = hdlc_set_cfg, \
     .key = k, .name = nm}

/* The same values are attributes of the IEC HDLC setup object (class 23,
 * 0-0:22.0.0.255) over DLMS. */
static const struct obj_def hdlc_rows[] = {
    HDLC_ROW(0, HDLC_CFG_ADDR, UNIT_NONE, 0, "hdlc_address", "HDLC physical device address (lower HDLC address)"),
    HDLC_ROW(1, HDLC_CFG_INFO, UNIT_NONE, 0, "hdlc_info_max", "HDLC information field offered both ways (bytes)"),
    HDLC_ROW(2, HDLC_CFG_WINDOW, UNIT_NONE, 0, "hdlc_window", "HDLC window size offered both ways"),
    HDLC_ROW(3, HDLC_CFG_INTER_OCTET, UNIT_SECOND, -3, "hdlc_inter_octet_ms", "HDLC inter-octet timeout (ms)"),
    HDLC_ROW(4, HDLC_CFG_INACTIVITY, UNIT_SECOND, 0, "hdlc_inactivity_s", "HDLC inactivity timeout (s)"),
};

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
    .rows = hdlc_rows,
    .nrows = (uint16_t)(sizeof hdlc_rows / sizeof hdlc_rows[0]),
};

/* The same on the serial module port, for its audit source; the
 * configuration section is hdlc_driver's (one per meter). */
const struct proto_driver hdlc_serial_driver = {
    .name = "hdlc",
    .src = METER_SRC_SERIAL_DLMS,
    .baud = 9600,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .claim = hdlc_claim,
    .open = hdlc_open,
    .feed = hdlc_feed,
    .tx_more = hdlc_tx_more,
    .timeout_ms = hdlc_timeout_ms,
    .end = hdlc_end,
};
