/*
 * wmbus_driver.c — the wireless M-Bus radio as a transmit-only driver on
 * METER_LINE_WMBUS: every interval (meter time) the next telegram in the
 * frame format of the mode goes to the line; configuration section and
 * object-table rows (mode, interval, security, key, compact frames).
 */
#include "proto/wmbus/wmbus.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/mbus/mbus.h"
#include "proto/port.h"
#include "trimeter/meter.h"
#include "util/aes.h"

/* Only with its port (meter_opts.h): no code or state otherwise. */
#if METER_PORT_WMBUS

static enum proto_claim wmbus_claim(const uint8_t *buf, size_t n)
{
    (void)buf;
    (void)n;
    return PROTO_NO; /* a transmitter: nothing received is ours */
}

static void wmbus_open(struct meter *m, struct session *s)
{
    (void)m;
    s->access = METER_ACC_NONE;
}

static size_t wmbus_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    (void)m;
    (void)s;
    (void)buf;
    return n; /* the radio does not listen */
}

static uint32_t wmbus_timeout_ms(const struct meter *m, const struct session *s)
{
    (void)m;
    (void)s;
    return UINT32_MAX; /* the push session lasts (tick keeps it touched) */
}

/* Every main-loop pass: the push session is opened once and kept; a
 * telegram goes out when the interval has passed in meter time (a clock
 * set backwards does not stall it: the schedule is re-anchored). The
 * counter never depends on the clock. */
static void wmbus_tick(struct meter *m, struct session *s)
{
    struct wmbus_meter *w = &m->proto.wmbus;
    if (s->drv == NULL)
        session_start(m, s, &wmbus_driver);
    session_touch(m, s);
    if (session_tx_busy(s) || m->now == 0)
        return;
    int64_t iv = (int64_t)w->cfg.interval_s;
    if (w->st.next_tx != 0 && m->now < w->st.next_tx && w->st.next_tx - m->now <= iv)
        return;
    w->st.next_tx = m->now + iv;
    int r = wmbus_next_frame(m, &w->cfg, m->proto.mbus.cfg.layout, &w->st);
    if (r > 0)
        session_send(m, s, w->st.buf, (size_t)r);
}

/* ---- rows, configuration section, driver ------------------------------------------ */

static int wmbus_row_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return wmbus_cfg_get(&m->proto.wmbus.cfg, o->arg, v);
}

static int wmbus_row_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    struct wmbus_meter *w = &m->proto.wmbus;
    int r = wmbus_cfg_set(&w->cfg, o->arg, in, src);
    if (r == METER_OK && o->arg == WMBUS_CFG_INTERVAL)
        w->st.next_tx = 0; /* the new interval from now */
    return r;
}

/* wM-Bus parameters: manufacturer block 0-0:96.133.10..14 (the
 * manufacturer id is the M-Bus row 0-0:96.133.3). */
#define WMBUS_CFG_ROW(e_, a, r, k, nm) \
    {.ln = OBIS(0, 0, 96, 133, e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = r, \
     .wr = METER_ACC_MANAGER, .arg = a, .get = wmbus_row_get, .set = wmbus_row_set, .key = k, .name = nm}

static const struct obj_def wmbus_rows[] = {
    WMBUS_CFG_ROW(10, WMBUS_CFG_MODE, METER_ACC_PUBLIC, "wmbus_mode", "wM-Bus mode (C1, T1)"),
    WMBUS_CFG_ROW(11, WMBUS_CFG_INTERVAL, METER_ACC_PUBLIC, "wmbus_interval_s", "wM-Bus transmit interval (s)"),
    WMBUS_CFG_ROW(12, WMBUS_CFG_SECURITY, METER_ACC_PUBLIC, "wmbus_security",
                  "wM-Bus security: kamstrup_ctr, oms_mode5, oms_mode7, none (factory only)"),
    WMBUS_CFG_ROW(13, WMBUS_CFG_KEY, METER_ACC_MANAGER, "wmbus_key", "wM-Bus AES-128 key, 32 hex digits (write-only)"),
    WMBUS_CFG_ROW(14, WMBUS_CFG_COMPACT, METER_ACC_PUBLIC, "wmbus_compact",
                  "wM-Bus compact frames between full ones (0/1)"),
};

static void *wmbus_cfg_ram(struct meter *m)
{
    return &m->proto.wmbus.cfg;
}

static void wmbus_cfg_factory_m(struct meter *m)
{
    wmbus_cfg_factory(&m->proto.wmbus.cfg);
}

static int wmbus_cfg_check(struct meter *m)
{
    return wmbus_cfg_valid(&m->proto.wmbus.cfg) ? METER_OK : METER_EINVAL;
}

static const struct cfg_section wmbus_cfg_section = {
    .id = CFG_ID_WMBUS,
    .version = 1,
    .size = sizeof(struct wmbus_cfg),
    .ram = wmbus_cfg_ram,
    .factory = wmbus_cfg_factory_m,
    .check = wmbus_cfg_check,
};

const struct proto_driver wmbus_driver = {
    .name = "wmbus",
    .src = METER_SRC_WMBUS,
    .baud = 0,
    .framing = METER_FRAMING_8N1,
    .claim = wmbus_claim,
    .open = wmbus_open,
    .feed = wmbus_feed,
    .timeout_ms = wmbus_timeout_ms,
    .tick = wmbus_tick,
    .push = true,
    .cfg = &wmbus_cfg_section,
    .rows = wmbus_rows,
    .nrows = (uint16_t)(sizeof wmbus_rows / sizeof wmbus_rows[0]),
};

#endif /* METER_PORT_WMBUS */
