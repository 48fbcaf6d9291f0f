/* Helpers of the optical-port tests: a virtual meter whose port 0 replies
 * are captured in a buffer, and hex parsing for vectors. */
#ifndef OPTICAL_UTIL_H
#define OPTICAL_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registers/evlog.h"
#include "cosem/objtab.h"
#include "vmeter.h"

struct cap {
    uint8_t buf[16384];
    size_t n;
    uint32_t baud;
    int framing;
    unsigned configs;
    /* TX room: `limit` bytes per meter_poll()/meter_port_rx() (0 = no
     * limit): a UART ring that drains `limit` bytes between polls. */
    size_t limit, credit;
    unsigned overruns;      /* writes beyond the room offered */
    size_t cfg_at[16];      /* stream position (total bytes) of each line change */
    uint32_t cfg_baud[16];
    size_t total;           /* bytes written since the meter booted */
};

static size_t cap_write(void *ctx, unsigned line, const uint8_t *b, size_t len)
{
    struct cap *c = ctx;
    if (c->limit != 0) {
        if (len > c->credit)
            c->overruns++;
        c->credit = len > c->credit ? 0 : c->credit - len;
    }
    for (size_t i = 0; i < len && c->n < sizeof c->buf; i++)
        c->buf[c->n++] = b[i];
    c->total += len;
    return len;
}

static size_t cap_room(void *ctx, unsigned line)
{
    struct cap *c = ctx;
    return c->limit == 0 ? SIZE_MAX : c->credit;
}

static int cap_config(void *ctx, unsigned line, uint32_t baud, enum meter_framing f)
{
    struct cap *c = ctx;
    c->baud = baud;
    c->framing = (int)f;
    if (c->configs < 16) {
        c->cfg_at[c->configs] = c->total;
        c->cfg_baud[c->configs] = baud;
    }
    c->configs++;
    return 0;
}

struct om {
    struct vmeter v;
    struct cap cap;
    uint8_t *nvm;
};

/* 2026-03-29 00:00:00 UTC */
#define OM_START 1774742400LL

static inline struct om *om_new(void)
{
    struct om *o = calloc(1, sizeof *o);
    o->nvm = malloc(VMETER_NVM_SIZE);
    memset(o->nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(&o->v, o->nvm, VMETER_NVM_SIZE, OM_START);
    o->v.hw.port[0].ctx = &o->cap;
    o->v.hw.port[0].write = cap_write;
    o->v.hw.port[0].config = cap_config;
    o->v.hw.port[0].room = cap_room;
    o->cap.baud = 300;
    return o;
}

/* Power cycle: RAM lost, the same EEPROM image and hardware (RTC runs on). */
static inline void om_reboot(struct om *o)
{
    o->v.hw.sim_ms += 5000;
    memset(&o->v.m, 0, sizeof o->v.m);
    meter_init(&o->v.m, &o->v.hal);
}

static inline void om_free(struct om *o)
{
    free(o->nvm);
    free(o);
}

/* Send bytes, return the reply (captured since the call). */
static inline size_t om_tx(struct om *o, const void *b, size_t n)
{
    o->cap.n = 0;
    o->cap.credit = o->cap.limit;
    meter_port_rx(&o->v.m, 0, b, n);
    return o->cap.n;
}

static inline void om_advance_ms(struct om *o, uint64_t ms)
{
    o->v.hw.sim_ms += ms;
    o->cap.credit = o->cap.limit;
    meter_poll(&o->v.m);
}

/* One second of steady import on all phases. */
static inline void om_load(struct om *o, int seconds, int64_t uwh_per_phase)
{
    struct meas_block b;
    memset(&b, 0, sizeof b);
    for (int p = 0; p < METER_PHASES; p++) {
        b.ph[p].e[MEAS_AP] = uwh_per_phase;
        b.ph[p].u_mv = 230000;
        b.ph[p].i_ua = 5000000;
        b.ph[p].p_mw = (int32_t)(uwh_per_phase * 3600 / 1000);
        b.ph[p].s_mva = b.ph[p].p_mw;
    }
    b.e[MEAS_AP] = uwh_per_phase * METER_PHASES;
    b.p_mw = b.ph[0].p_mw * METER_PHASES;
    b.s_mva = b.p_mw;
    b.f_mhz = 50000;
    for (int s = 0; s < seconds; s++)
        vmeter_step_block(&o->v, &b);
}

/* "80 3F 01" -> bytes; returns length. */
static inline size_t hex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        out[n++] = (uint8_t)strtoul((char[3]){s[0], s[1], 0}, NULL, 16);
        s += 2;
    }
    return n;
}

static inline size_t tx_str(struct om *o, const char *s)
{
    return om_tx(o, s, strlen(s));
}

/* Send the IEC 62056-21 block "SOH cmd STX data ETX BCC" (data NULL:
 * "SOH cmd ETX BCC"). */
static inline size_t tx_cmd(struct om *o, const char *cmd, const char *data)
{
    uint8_t b[300];
    size_t n = 0, k = data != NULL ? strlen(data) : 0;
    if (k > sizeof b - 8)
        return 0;
    b[n++] = 0x01;
    memcpy(b + n, cmd, 2);
    n += 2;
    if (data != NULL) {
        b[n++] = 0x02;
        memcpy(b + n, data, k);
        n += k;
    }
    b[n++] = 0x03;
    uint8_t bcc = 0;
    for (size_t i = 1; i < n; i++)
        bcc ^= b[i];
    b[n++] = bcc;
    return om_tx(o, b, n);
}

/* Whether the clock object accepts a set to utc on a twin meter right now:
 * the verdict the protocols must follow (ACK and a moved clock, or a
 * refusal). */
static inline bool om_clock_settable(int64_t utc)
{
    struct om *t = om_new();
    const struct obj_def *d = objtab_find_key("clock");
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_DATETIME;
    v.i = utc;
    bool ok = d != NULL && obj_write(&t->v.m, d, METER_ACC_MANAGER, &v, METER_SRC_SIM) == METER_OK;
    om_free(t);
    return ok;
}

/* Audit trail: per-log totals in RAM, the records in the store's rings. */
static inline bool ev_kept(const struct om *o)
{
    return evlog_available(&o->v.m) > 0; /* the power-up event at least */
}

static inline uint32_t ev_audit(const struct om *o)
{
    return o->v.m.evlog.count[EVLOG_AUDIT];
}

/* Records of legally relevant changes (the metrological log). */
static inline uint32_t ev_metro(const struct om *o)
{
    return o->v.m.evlog.count[EVLOG_METRO];
}

/* Sessions and refusals are counted, not logged (legal/audit.h). */
static inline uint32_t au_sessions(const struct om *o)
{
    return o->v.m.legal.audit.sessions;
}

static inline uint32_t au_refusals(const struct om *o)
{
    return o->v.m.legal.audit.refusals;
}

/* One more refusal than `before`, the newest from src. */
static inline bool au_refused(const struct om *o, uint32_t before, unsigned src)
{
    return o->v.m.legal.audit.refusals > before && o->v.m.legal.audit.last_src == src;
}

static inline unsigned ev_count(const struct om *o, unsigned code, unsigned src)
{
    unsigned c = 0;
    struct evlog_iter it;
    struct evlog_rec r;
    memset(&it, 0, sizeof it);
    while (evlog_next(&o->v.m, &it, &r) == 0)
        if (r.code == code && r.src == src)
            c++;
    return c;
}

/* The newest record is code from src. */
static inline bool ev_newest(const struct om *o, unsigned code, unsigned src)
{
    struct evlog_iter it;
    struct evlog_rec r, last;
    bool any = false;
    memset(&it, 0, sizeof it);
    memset(&last, 0, sizeof last);
    while (evlog_next(&o->v.m, &it, &r) == 0) {
        last = r;
        any = true;
    }
    return any && last.code == code && last.src == src;
}

#endif
