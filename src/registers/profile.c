/* profile.c — the load profile in compact records (see profile.h; the
 * record format is documented in docs/BILLING.md "Load profile").
 *
 * A record is W = max(n, 2) little-endian 16-bit words for n channels.
 * Data record: word k = delta of channel k (bits 0..12, 0 when k >= n) and
 * stored status bits 3k..3k+2 (bits 13..15); stored bit 0 is 0.
 * Anchor part j (0..L-1): word 0 bit 13 = 1, bits 14..15 = j, bits 0..12
 * and words 1..W-1 carry the anchor's payload, least significant bit
 * first: restart (1 bit), end time of the next data record and of the last
 * one before (27 bits each, minutes since 2000-01-01 UTC, 0 = unknown),
 * the reading of each channel at the anchor (30 bits, 0.01 kWh modulo
 * 2^30; unwrapped against the live register, which never falls below it
 * and is less than 10.7 GWh ahead within the profile's depth). */
#include "registers/profile.h"

#include <string.h>

#include "trimeter/meter.h"

#define PROFILE_EPOCH 946684800 /* 2000-01-01T00:00:00Z */
#define VAL_BITS 30u
#define VAL_MASK ((1u << VAL_BITS) - 1u)
#define TIME_BITS 27u
#define TIME_MASK ((1u << TIME_BITS) - 1u)
#define REC_MAX (2u * MEAS_QTY)
#define ANCHOR_MAX 4u

/* Stored status bits: bit 0 anchor; presented POWER_FAIL, CLOCK_SET, DST,
 * PARTIAL at 1..4; CLOCK_BAD at 5 (two channels have exactly six). */
#define ST_ANCHOR 1u

enum rec_kind { REC_DATA = 0, REC_ANCHOR = 1, REC_BAD = 2 };

/* S-3.1 depth in days: row = channel class (1, 2, 3-4 channels), column =
 * period 5, 15, 30, 60 minutes. */
static const uint16_t depth_days[3][4] = {
    {92, 275, 550, 1100},
    {77, 231, 462, 924},
    {58, 175, 350, 700},
};

struct anchor {
    uint8_t restart;
    uint32_t time;           /* end of the next data record, minutes since 2000 */
    uint32_t prev;           /* end of the data record before, 0 = unknown */
    uint32_t v[MEAS_QTY];    /* readings, 0.01 kWh mod 2^30 */
};

/* Geometry of the configured channel set. */
struct shape {
    uint8_t ch, n, w, len;   /* channel bits, channels, words per record, anchor records */
    uint16_t rec;            /* bytes per record */
};

static unsigned popcount4(unsigned ch)
{
    unsigned n = 0;
    for (unsigned q = 0; q < MEAS_QTY; q++)
        n += (ch >> q) & 1u;
    return n;
}

static struct shape shape_of(unsigned channels)
{
    struct shape s;
    s.ch = (uint8_t)(channels & 0x0fu);
    s.n = (uint8_t)popcount4(s.ch);
    s.w = (uint8_t)(s.n < 2 ? 2 : s.n);
    s.rec = (uint16_t)(2u * s.w);
    unsigned bits = 1u + 2u * TIME_BITS + VAL_BITS * s.n, per = 13u + 16u * (s.w - 1u);
    s.len = (uint8_t)((bits + per - 1u) / per);
    return s;
}

uint16_t profile_rec_size(unsigned channels)
{
    return shape_of(channels).rec;
}

unsigned profile_anchor_len(unsigned channels)
{
    return shape_of(channels).len;
}

uint32_t profile_fit_depth(const struct meter *m, unsigned channels)
{
    return config_ring_fit(m, RING_PROFILE, profile_rec_size(channels));
}

uint32_t profile_capacity(const struct meter *m, unsigned outages)
{
    uint32_t depth = store_log_depth(&m->store, RING_PROFILE);
    uint32_t len = shape_of(m->cfg.profile_channels).len;
    /* one anchor opens the ring, two per discontinuity (a clock set closes
     * the period at the old time and opens one at the new), one per
     * PROFILE_ANCHOR_EVERY entries */
    uint32_t reserve = (2u * outages + 1u) * len;
    if (depth <= reserve)
        return 0;
    return (uint32_t)((uint64_t)(depth - reserve) * PROFILE_ANCHOR_EVERY / (PROFILE_ANCHOR_EVERY + len));
}

uint32_t profile_depth_days(unsigned period_min, unsigned channels)
{
    unsigned n = popcount4(channels), col;
    switch (period_min) {
    case 5: col = 0; break;
    case 15: col = 1; break;
    case 30: col = 2; break;
    default: col = 3; break;
    }
    return depth_days[n <= 1 ? 0 : n == 2 ? 1 : 2][col];
}

/* ---- helpers -------------------------------------------------------------- */

static uint32_t period_min(const struct meter *m)
{
    return m->cfg.profile_period_min;
}

static int64_t period_s(const struct meter *m)
{
    return (int64_t)m->cfg.profile_period_min * 60;
}

static int64_t std_off(const struct meter *m)
{
    return (int64_t)m->cfg.zone.std_offset_min * 60;
}

static uint32_t to_min(int64_t utc)
{
    int64_t mins = (utc - PROFILE_EPOCH) / 60;
    return mins <= 0 ? 0u : mins > (int64_t)TIME_MASK ? TIME_MASK : (uint32_t)mins;
}

/* Live readings of the configured channels, 0.01 kWh. */
static void readings(const struct meter *m, const struct shape *s, uint64_t *out)
{
    uint64_t step = energy_step_uwh(1);
    for (unsigned q = 0, k = 0; q < MEAS_QTY; q++)
        if (s->ch & (1u << q))
            out[k++] = m->energy.total[q] / step;
}

/* The reading whose low 30 bits are v, at or below the live reading. */
static uint64_t unwrap(uint64_t live, uint32_t v)
{
    uint64_t behind = (live - v) & VAL_MASK;
    return behind <= live ? live - behind : v;
}

static unsigned status_store(unsigned presented)
{
    return ((presented & 0x0fu) << 1) | ((presented & PROFILE_ST_CLOCK_BAD) ? 0x20u : 0u);
}

static uint8_t status_present(unsigned stored)
{
    return (uint8_t)(((stored >> 1) & 0x0fu) | ((stored & 0x20u) ? PROFILE_ST_CLOCK_BAD : 0u));
}

static void words_put(uint8_t *rec, const uint16_t *w, unsigned nw)
{
    for (unsigned k = 0; k < nw; k++) {
        rec[2 * k] = (uint8_t)w[k];
        rec[2 * k + 1] = (uint8_t)(w[k] >> 8);
    }
}

/* Record i of the ring as words; REC_DATA/REC_ANCHOR/REC_BAD or a negative
 * error when there is no such record. */
static int rec_get(const struct meter *m, const struct shape *s, uint32_t i, uint16_t *w)
{
    uint8_t rec[REC_MAX];
    int r = store_log_read(&m->store, RING_PROFILE, i, rec);
    if (r == METER_ENOENT || r == METER_EINVAL)
        return r;
    if (r < 0)
        return REC_BAD;
    for (unsigned k = 0; k < s->w; k++)
        w[k] = (uint16_t)(rec[2 * k] | rec[2 * k + 1] << 8);
    return (w[0] >> 13) & ST_ANCHOR ? REC_ANCHOR : REC_DATA;
}

static void bits_put(uint8_t *buf, unsigned *at, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, (*at)++)
        if ((v >> i) & 1u)
            buf[*at / 8u] |= (uint8_t)(1u << (*at % 8u));
}

static uint32_t bits_get(const uint8_t *buf, unsigned *at, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++, (*at)++)
        v |= (((uint32_t)buf[*at / 8u] >> (*at % 8u)) & 1u) << i;
    return v;
}

/* Payload bits of one anchor part: 13 in word 0, 16 in each other word. */
static void part_put(uint16_t *w, const struct shape *s, const uint8_t *buf, unsigned *at, unsigned j)
{
    w[0] = (uint16_t)(bits_get(buf, at, 13) | 1u << 13 | j << 14);
    for (unsigned k = 1; k < s->w; k++)
        w[k] = (uint16_t)bits_get(buf, at, 16);
}

static void part_get(const uint16_t *w, const struct shape *s, uint8_t *buf, unsigned *at)
{
    bits_put(buf, at, w[0] & 0x1fffu, 13);
    for (unsigned k = 1; k < s->w; k++)
        bits_put(buf, at, w[k], 16);
}

/* The complete anchor starting at ring index i, if there is one. */
static bool anchor_at(const struct meter *m, const struct shape *s, uint32_t i, struct anchor *a)
{
    uint8_t buf[ANCHOR_MAX * REC_MAX];
    uint16_t w[MEAS_QTY];
    unsigned at = 0;
    memset(buf, 0, sizeof buf);
    for (unsigned j = 0; j < s->len; j++) {
        if (rec_get(m, s, i + j, w) != REC_ANCHOR || (unsigned)(w[0] >> 14) != j)
            return false;
        part_get(w, s, buf, &at);
    }
    at = 0;
    memset(a, 0, sizeof *a);
    a->restart = (uint8_t)bits_get(buf, &at, 1);
    a->time = bits_get(buf, &at, TIME_BITS);
    a->prev = bits_get(buf, &at, TIME_BITS);
    for (unsigned k = 0; k < s->n; k++)
        a->v[k] = bits_get(buf, &at, VAL_BITS);
    return true;
}

/* ---- reading --------------------------------------------------------------- */

static void cursor_apply(struct profile_cursor *c, const struct shape *s, const struct anchor *a,
                         const uint64_t *live)
{
    c->end_min = a->time;
    c->last_end = a->prev;
    c->time_ok = 1;
    for (unsigned k = 0; k < s->n; k++)
        c->abs[k] = unwrap(live[k], a->v[k]);
    c->abs_ok = 1;
    c->since = 0;
    if (a->restart)
        c->pending |= PROFILE_ST_CONFIG;
}

void profile_cursor_init(const struct meter *m, struct profile_cursor *c)
{
    struct shape s = shape_of(m->cfg.profile_channels);
    uint32_t n = store_log_count(&m->store, RING_PROFILE), p = period_min(m), t = 0;
    uint64_t live[MEAS_QTY], sum[MEAS_QTY] = {0};
    bool bad = false;
    memset(c, 0, sizeof *c);
    readings(m, &s, live);
    /* The oldest anchor may have been overwritten: the entries before the
     * first complete one take their time and readings from it, backwards. */
    for (uint32_t i = 0; i < n; i++) {
        uint16_t w[MEAS_QTY];
        struct anchor a;
        int k = rec_get(m, &s, i, w);
        if (k == REC_ANCHOR) {
            if ((w[0] >> 14) == 0 && anchor_at(m, &s, i, &a)) {
                if (t > 0 && a.prev != 0 && !a.restart) {
                    c->end_min = a.prev - (t - 1u) * p;
                    c->time_ok = 1;
                }
                if (t > 0 && !bad) {
                    for (unsigned q = 0; q < s.n; q++)
                        c->abs[q] = unwrap(live[q], a.v[q]) - sum[q];
                    c->abs_ok = 1;
                }
                return;
            }
            continue; /* a fragment of an overwritten or torn anchor */
        }
        t++;
        if (k != REC_DATA) {
            bad = true;
            continue;
        }
        for (unsigned q = 0; q < s.n; q++)
            sum[q] += w[q] & PROFILE_DELTA_MAX;
    }
}

int profile_next(const struct meter *m, struct profile_cursor *c, struct profile_entry *out)
{
    struct shape s = shape_of(m->cfg.profile_channels);
    uint32_t n = store_log_count(&m->store, RING_PROFILE);
    uint64_t live[MEAS_QTY];
    readings(m, &s, live);
    while (c->pos < n) {
        uint16_t w[MEAS_QTY];
        struct anchor a;
        int k = rec_get(m, &s, c->pos, w);
        if (k < 0)
            return k;
        if (k == REC_ANCHOR) {
            if ((w[0] >> 14) == 0 && anchor_at(m, &s, c->pos, &a)) {
                cursor_apply(c, &s, &a, live);
                c->pos += s.len;
            } else {
                c->pos++;
            }
            continue;
        }
        memset(out, 0, sizeof *out);
        out->channels = s.ch;
        out->n = s.n;
        out->time = c->time_ok ? (int64_t)c->end_min * 60 + PROFILE_EPOCH : 0;
        if (k == REC_BAD) {
            out->status = PROFILE_ST_INVALID;
            c->abs_ok = 0;
        } else {
            unsigned st = 0;
            bool sat = false;
            for (unsigned q = 0; q < s.w; q++)
                st |= (unsigned)(w[q] >> 13) << (3u * q);
            out->status = status_present(st);
            for (unsigned q = 0; q < s.n; q++) {
                out->delta[q] = w[q] & PROFILE_DELTA_MAX;
                sat |= out->delta[q] == PROFILE_DELTA_MAX;
                c->abs[q] += (uint64_t)out->delta[q];
            }
            /* A saturated delta is followed by an anchor with the true reading. */
            if (sat && c->abs_ok && anchor_at(m, &s, c->pos + 1, &a))
                for (unsigned q = 0; q < s.n; q++) {
                    uint64_t x = unwrap(live[q], a.v[q]);
                    out->delta[q] += (int64_t)(x - c->abs[q]);
                    c->abs[q] = x;
                }
        }
        out->status |= c->pending;
        c->pending = 0;
        if (!c->time_ok || (!c->abs_ok && m->cfg.profile_mode != PROFILE_DELTA))
            out->status |= PROFILE_ST_INVALID;
        for (unsigned q = 0; q < s.n; q++) {
            out->abs[q] = c->abs_ok ? (int64_t)c->abs[q] : 0;
            out->v[q] = m->cfg.profile_mode == PROFILE_DELTA ? out->delta[q] : out->abs[q];
        }
        c->last_end = c->time_ok ? c->end_min : 0;
        c->end_min += period_min(m);
        if (c->since < UINT16_MAX)
            c->since++;
        c->pos++;
        return METER_OK;
    }
    return METER_ENOENT;
}

uint32_t profile_count(const struct meter *m)
{
    return m->profile.entries;
}

int profile_read(const struct meter *m, uint32_t i, struct profile_entry *out)
{
    struct profile_cursor c;
    if (i >= profile_count(m))
        return METER_ENOENT;
    profile_cursor_init(m, &c);
    for (uint32_t k = 0;; k++) {
        int r = profile_next(m, &c, out);
        if (r < 0 || k == i)
            return r;
    }
}

/* ---- writing --------------------------------------------------------------- */

/* Append one record; the entry count follows what leaves the full ring. */
static int append(struct meter *m, const struct shape *s, const uint8_t *rec, bool data)
{
    struct store *st = &m->store;
    uint32_t depth = store_log_depth(st, RING_PROFILE);
    bool drops = false;
    if (depth > 0 && store_log_count(st, RING_PROFILE) >= depth) {
        uint16_t w[MEAS_QTY];
        drops = rec_get(m, s, 0, w) != REC_ANCHOR;
    }
    int r = store_log_append(st, RING_PROFILE, rec);
    if (r < 0)
        return r;
    if (drops && m->profile.entries > 0)
        m->profile.entries--;
    if (data)
        m->profile.entries++;
    return METER_OK;
}

static int anchor_write(struct meter *m, const struct shape *s, const struct anchor *a)
{
    uint8_t buf[ANCHOR_MAX * REC_MAX];
    unsigned at = 0;
    memset(buf, 0, sizeof buf);
    bits_put(buf, &at, a->restart, 1);
    bits_put(buf, &at, a->time, TIME_BITS);
    bits_put(buf, &at, a->prev, TIME_BITS);
    for (unsigned k = 0; k < s->n; k++)
        bits_put(buf, &at, a->v[k], VAL_BITS);
    at = 0;
    for (unsigned j = 0; j < s->len; j++) {
        uint16_t w[MEAS_QTY];
        uint8_t rec[REC_MAX];
        part_put(w, s, buf, &at, j);
        words_put(rec, w, s->w);
        int r = append(m, s, rec, false);
        if (r < 0)
            return r;
    }
    return METER_OK;
}

/* Append the entry of the period ending at `end` with the live readings. */
static void profile_write(struct meter *m, int64_t end, uint8_t status)
{
    struct profile *pr = &m->profile;
    struct shape s = shape_of(m->cfg.profile_channels);
    uint32_t end_min = to_min(end), cur[MEAS_QTY] = {0}, d[MEAS_QTY] = {0};
    uint64_t live[MEAS_QTY];
    bool sat = false;
    if (clock_dst_active(&m->cfg.zone, end))
        status |= PROFILE_ST_DST;
    if (m->status & METER_ST_CLOCK_INVALID)
        status |= PROFILE_ST_CLOCK_BAD;
    readings(m, &s, live);
    for (unsigned k = 0; k < s.n; k++) {
        cur[k] = (uint32_t)(live[k] & VAL_MASK);
        if (!pr->base_ok)
            pr->base[k] = cur[k];
        d[k] = (cur[k] - pr->base[k]) & VAL_MASK;
        if (d[k] > PROFILE_DELTA_MAX) {
            d[k] = PROFILE_DELTA_MAX;
            sat = true;
        }
    }
    pr->base_ok = 1;
    if (pr->last_end == 0 || end_min != pr->last_end + period_min(m) || pr->since >= PROFILE_ANCHOR_EVERY ||
        pr->resync || pr->restart) {
        struct anchor a = {.restart = pr->restart, .time = end_min, .prev = pr->last_end};
        memcpy(a.v, pr->base, sizeof a.v);
        if (anchor_write(m, &s, &a) < 0)
            return;
        pr->restart = 0;
        pr->resync = 0;
        pr->since = 0;
    }
    uint16_t w[MEAS_QTY];
    uint8_t rec[REC_MAX];
    unsigned st = status_store(status);
    for (unsigned k = 0; k < s.w; k++)
        w[k] = (uint16_t)(d[k] | ((st >> (3u * k)) & 7u) << 13);
    words_put(rec, w, s.w);
    if (append(m, &s, rec, true) < 0)
        return;
    memcpy(pr->base, cur, sizeof pr->base);
    pr->last_end = end_min;
    pr->since++;
    pr->resync = sat;
}

/* Start afresh: the next entry opens the profile at the live readings. */
static void writer_restart(struct meter *m)
{
    struct profile *pr = &m->profile;
    struct shape s = shape_of(m->cfg.profile_channels);
    uint64_t live[MEAS_QTY];
    readings(m, &s, live);
    memset(pr->base, 0, sizeof pr->base);
    for (unsigned k = 0; k < s.n; k++)
        pr->base[k] = (uint32_t)(live[k] & VAL_MASK);
    pr->base_ok = 1;
    pr->restart = 1;
    pr->resync = 0;
    pr->since = 0;
    pr->last_end = 0;
    pr->entries = 0;
    pr->period_start = 0;
    pr->status = 0;
}

/* The writer and the entry count from the ring: one pass of the reader. */
static void profile_scan(struct meter *m)
{
    struct profile *pr = &m->profile;
    struct profile_cursor c;
    struct profile_entry e;
    if (store_log_count(&m->store, RING_PROFILE) == 0) {
        writer_restart(m);
        return;
    }
    uint32_t n = 0;
    bool sat = false;
    profile_cursor_init(m, &c);
    while (profile_next(m, &c, &e) == METER_OK) {
        n++;
        sat = false;
        for (unsigned k = 0; k < e.n; k++)
            sat |= e.delta[k] >= PROFILE_DELTA_MAX;
    }
    pr->entries = n;
    pr->restart = 0;
    pr->since = c.since;
    pr->last_end = c.last_end;
    pr->base_ok = c.abs_ok;
    pr->resync = sat;
    memset(pr->base, 0, sizeof pr->base);
    for (unsigned k = 0; k < MEAS_QTY; k++)
        pr->base[k] = (uint32_t)(c.abs[k] & VAL_MASK);
}

void profile_bind(struct meter *m)
{
    unsigned ch = m->cfg.profile_channels;
    uint32_t depth = profile_fit_depth(m, ch);
    if (depth > 0)
        (void)store_log_resize(&m->store, RING_PROFILE, profile_rec_size(ch), depth);
    m->profile.period_start = 0;
    m->profile.status = 0;
    profile_scan(m);
}

void profile_tick(struct meter *m)
{
    int64_t p = period_s(m);
    if (p <= 0)
        return;
    int64_t start = clock_floor(m->now - 1 + std_off(m), p) - std_off(m);
    if (m->profile.period_start == 0) {
        m->profile.period_start = start;
        if (m->now - 1 != start)
            m->profile.status |= PROFILE_ST_PARTIAL;
    }
    if (m->now >= m->profile.period_start + p) {
        /* The period is over: m->now is its end in normal running. */
        int64_t end = m->profile.period_start + p;
        profile_write(m, end, m->profile.status);
        m->profile.status = 0;
        m->profile.period_start = clock_floor(m->now + std_off(m), p) - std_off(m);
        if (m->profile.period_start != m->now)
            m->profile.status |= PROFILE_ST_PARTIAL;
    }
}

void profile_power_up(struct meter *m, int64_t last_time)
{
    int64_t p = period_s(m);
    if (p <= 0 || last_time <= 0)
        return;
    int64_t start = clock_floor(last_time - 1 + std_off(m), p) - std_off(m);
    if (start + p <= m->now) {
        /* The interrupted period ended while the meter was off (unless its
         * entry made it to the ring before the cut). */
        if (m->profile.last_end != to_min(start + p))
            profile_write(m, start + p, PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL);
        m->profile.period_start = 0;
    } else {
        m->profile.period_start = start;
    }
    m->profile.status |= PROFILE_ST_POWER_FAIL;
}

void profile_clock_set(struct meter *m, int64_t old_utc, int64_t new_utc)
{
    int64_t p = period_s(m);
    if (p <= 0)
        return;
    (void)new_utc;
    /* Close the running period at the old time unless it just ended. */
    if (m->profile.period_start != 0 && old_utc > m->profile.period_start)
        profile_write(m, old_utc, (uint8_t)(m->profile.status | PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL));
    m->profile.period_start = 0;
    m->profile.status = PROFILE_ST_CLOCK_SET;
}

int profile_reconfigure(struct meter *m)
{
    unsigned ch = m->cfg.profile_channels;
    uint32_t depth = profile_fit_depth(m, ch);
    int r = depth > 0 ? store_log_resize(&m->store, RING_PROFILE, profile_rec_size(ch), depth) : METER_ENOSPC;
    if (r >= 0)
        r = store_log_clear(&m->store, RING_PROFILE);
    writer_restart(m);
    evlog_add(m, EV_PROFILE_CLEAR, METER_SRC_INTERNAL, m->cfg.profile_period_min, (int32_t)ch);
    return r;
}
