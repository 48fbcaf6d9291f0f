/*
 * mbus_driver.c — the wired M-Bus slave as a protocol driver on the M-Bus
 * module port (METER_LINE_MBUS): frames gathered from the line, served by
 * mbus_serve(), answers sent from the session's kept telegram; its
 * configuration section and object-table rows.
 */
#include "proto/mbus/mbus.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/port.h"
#include "trimeter/meter.h"

/* Only with its port (meter_opts.h): no code or state otherwise. */
#if METER_PORT_MBUS

/* A half frame older than this is dropped (the line is idle between
 * frames; a TCP gateway may split one). */
#define MBUS_CHAR_TIMEOUT_MS 1000u
/* No valid frame for this long ends the session: selection, FCB state and
 * a changed baud rate are forgotten (the line listens at the configured
 * rate again). */
#define MBUS_SESSION_MS 60000u

static enum proto_claim mbus_claim(const uint8_t *buf, size_t n)
{
    (void)n;
    return buf[0] == MBUS_START_SHORT || buf[0] == MBUS_START_LONG ? PROTO_YES : PROTO_NO;
}

static void mbus_open(struct meter *m, struct session *s)
{
    (void)m;
    /* M-Bus has no authentication: reading is public; the only write a
     * master may make is the primary address (as EN 13757-3 lets it). */
    s->access = METER_ACC_PUBLIC;
    mbus_sess_reset(&s->st.mbus.link);
}

static void mbus_frame_done(struct meter *m, struct session *s)
{
    struct mbus_session *k = &s->st.mbus;
    const uint8_t *ans = NULL;
    struct mbus_frame f;
    /* Any well-formed frame is the master at work on the bus, also one for
     * another slave or a selection that does not match (a secondary scan
     * is mostly those): it keeps the session and the connection. Broken
     * frames do not. */
    if (mbus_frame_parse(k->rx, k->len, &f) == METER_OK)
        session_touch(m, s);
    size_t n = mbus_serve(m, &m->proto.mbus, &k->link, k->rx, k->len, &ans);
    k->len = 0;
    if (n == 0)
        return; /* not for us, broken or refused: silence */
    session_send(m, s, ans, n);
    if (k->link.baud_req != 0)
        session_more(s); /* the new rate once the ACK is handed over (mbus_tx_more) */
}

/* Everything queued was handed to the HAL: a baud change asked for by the
 * master now follows the ACK in order (the HAL applies it after the ACK's
 * last bit, at the old rate). */
static bool mbus_tx_more(struct meter *m, struct session *s)
{
    struct mbus_session *k = &s->st.mbus;
    if (k->link.baud_req != 0) {
        session_line(m, s, k->link.baud_req, METER_FRAMING_8E1);
        k->link.baud_req = 0;
    }
    return false;
}

static size_t mbus_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    struct mbus_session *k = &s->st.mbus;
    uint32_t now = session_ms(m);
    for (size_t i = 0; i < n; i++) {
        if (k->len > 0 && now - k->last_rx_ms > MBUS_CHAR_TIMEOUT_MS)
            k->len = 0;
        k->last_rx_ms = now;
        if (session_tx_busy(s))
            continue; /* half duplex: the master waits for the answer */
        k->rx[k->len++] = buf[i];
        size_t need = mbus_frame_need(k->rx, k->len);
        if (need == 0) {
            /* a stray byte, or a header that is not one: resynchronise on
             * the next byte that can start a frame */
            size_t j = 1;
            while (j < k->len && mbus_frame_need(k->rx + j, k->len - j) == 0)
                j++;
            memmove(k->rx, k->rx + j, k->len - j);
            k->len = (uint16_t)(k->len - j);
            continue;
        }
        if (need == k->len)
            mbus_frame_done(m, s);
    }
    return n;
}

static uint32_t mbus_timeout_ms(const struct meter *m, const struct session *s)
{
    (void)m;
    (void)s;
    return MBUS_SESSION_MS;
}

static void mbus_end(struct meter *m, struct session *s)
{
    mbus_sess_reset(&s->st.mbus.link); /* nothing of a session survives it */
    /* a rate the master switched to ends with the session: the line
     * listens at the configured one again */
    session_line(m, s, m->proto.mbus.cfg.baud, METER_FRAMING_8E1);
}

static uint32_t mbus_listen_baud(const struct meter *m)
{
    return m->proto.mbus.cfg.baud;
}

/* ---- rows, configuration section, driver ------------------------------------------ */

static int mbus_row_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return mbus_cfg_get(&m->proto.mbus.cfg, o->arg, v);
}

static int mbus_row_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    struct mbus_cfg *c = &m->proto.mbus.cfg;
    uint16_t baud = c->baud;
    int r = mbus_cfg_set(c, o->arg, in);
    if (r == METER_OK && c->baud != baud) {
        /* a line without a session listens at the new rate at once; a
         * session keeps its rate until it ends */
        struct session *s = port_session(m, METER_LINE_MBUS);
        if (s != NULL && s->drv == NULL)
            session_line(m, s, c->baud, METER_FRAMING_8E1);
    }
    return r;
}

/* M-Bus and wM-Bus parameters: manufacturer block 0-0:96.133.1..3. */
#define MBUS_CFG_ROW(e_, a, k, nm) \
    {.ln = OBIS(0, 0, 96, 133, e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, \
     .rd = METER_ACC_PUBLIC, .wr = METER_ACC_MANAGER, .arg = a, .get = mbus_row_get, .set = mbus_row_set, .key = k, \
     .name = nm}

static const struct obj_def mbus_rows[] = {
    MBUS_CFG_ROW(1, MBUS_CFG_PRIMARY, "mbus_primary_address", "M-Bus primary address (0..250)"),
    MBUS_CFG_ROW(2, MBUS_CFG_BAUD, "mbus_baud", "M-Bus baud rate (300..9600)"),
    MBUS_CFG_ROW(3, MBUS_CFG_MANUFACTURER, "mbus_manufacturer",
                 "M-Bus / wM-Bus manufacturer id and layout: TRM, or KAM (as a 382 / OMNIPOWER)"),
};

static void *mbus_cfg_ram(struct meter *m)
{
    return &m->proto.mbus.cfg;
}

static void mbus_cfg_factory_m(struct meter *m)
{
    mbus_cfg_factory(&m->proto.mbus.cfg);
}

static int mbus_cfg_check(struct meter *m)
{
    return mbus_cfg_valid(&m->proto.mbus.cfg) ? METER_OK : METER_EINVAL;
}

static const struct cfg_section mbus_cfg_section = {
    .id = CFG_ID_MBUS,
    .version = 1,
    .size = sizeof(struct mbus_cfg),
    .ram = mbus_cfg_ram,
    .factory = mbus_cfg_factory_m,
    .check = mbus_cfg_check,
};

const struct proto_driver mbus_driver = {
    .name = "mbus",
    .src = METER_SRC_MBUS,
    .baud = MBUS_FACTORY_BAUD,
    .framing = METER_FRAMING_8E1,
    .listen_baud = mbus_listen_baud,
    .line_fixed = true,
    .claim = mbus_claim,
    .open = mbus_open,
    .feed = mbus_feed,
    .tx_more = mbus_tx_more,
    .timeout_ms = mbus_timeout_ms,
    .end = mbus_end,
    .cfg = &mbus_cfg_section,
    .rows = mbus_rows,
    .nrows = (uint16_t)(sizeof mbus_rows / sizeof mbus_rows[0]),
};

#endif /* METER_PORT_MBUS */
