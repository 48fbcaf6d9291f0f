/*
 * cosem_pg.c — class 7 Profile generic over the meter's rings: the load
 * profile (1-0:99.1.0), the analysis logger (1-0:99.2.0), the billing
 * history (0-0:98.1.0) and every event log (0-0:99.98.x).
 *
 * The buffer (attribute 2) is never built in memory: entries are read from
 * the store one at a time and encoded into the caller's window; a cursor
 * in struct cosem_pos says where to resume. Cursors survive new records
 * arriving during a long read (the billing and event-log cursors count
 * from a fixed reference, the profile's walks ring positions); an entry
 * that went away before it was sent ends the read with METER_EIO.
 *
 * This file is the one adapter between class 7 and the rings (profile_*,
 * logger_*, billing_*, evlog_*): when the object table gets row cursors for
 * logs, only the functions under "sources" change.
 */
#include <string.h>

#include "cosem/cosem.h"
#include "trimeter/meter.h"

enum pg_kind { PG_PROFILE, PG_LOGGER, PG_BILLING, PG_EVLOG };

static enum pg_kind kind_of(const struct obj_def *o)
{
    switch (o->arg) {
    case RING_BILLING: return PG_BILLING;
    case RING_PROFILE: return PG_PROFILE;
    case RING_LOGGER: return PG_LOGGER;
    default: return PG_EVLOG;
    }
}

static unsigned popcount(uint32_t x)
{
    unsigned n = 0;
    for (; x != 0; x &= x - 1)
        n++;
    return n;
}

/* ---- columns ---------------------------------------------------------------- */

static const struct obis clock_ln = OBIS(0, 0, 1, 0, 0, 255);

/* The n-th row of the table that the billing snapshot keeps (slot order),
 * or with caps, the n-th extended register (its capture time). */
static const struct obj_def *billing_row(unsigned n, bool caps)
{
    for (unsigned s = 1; s <= BILLING_SLOTS; s++) {
        for (size_t i = 0; i < objtab_count(); i++) {
            const struct obj_def *o = objtab_at(i);
            if (o->bill != s || (caps && (o->ic != IC_EXT_REGISTER || o->arg >= BILLING_CAPS)))
                continue;
            if (n-- == 0)
                return o;
        }
    }
    return NULL;
}

static unsigned billing_rows(bool caps)
{
    unsigned n = 0;
    while (billing_row(n, caps) != NULL)
        n++;
    return n;
}

/* Channel k of the profile: the k-th set bit of the channel mask. */
static unsigned profile_qty(const struct meter *m, unsigned k)
{
    for (unsigned q = 0; q < MEAS_QTY; q++)
        if (((unsigned)m->cfg.profile_channels >> q) & 1u)
            if (k-- == 0)
                return q;
    return 0;
}

unsigned cosem_pg_columns(const struct meter *m, const struct obj_def *o)
{
    switch (kind_of(o)) {
    case PG_PROFILE: return 2 + popcount(m->cfg.profile_channels & 0xfu);
    case PG_LOGGER: return 2u + (m->cfg.logger_n < LOGGER_CHANNELS ? m->cfg.logger_n : LOGGER_CHANNELS);
    case PG_BILLING: return 2 + billing_rows(false) + billing_rows(true);
    default: return 6;
    }
}

int cosem_pg_column(const struct meter *m, const struct obj_def *o, unsigned i, struct cosem_col *c)
{
    unsigned n = cosem_pg_columns(m, o);
    if (i >= n)
        return METER_ENOENT;
    memset(c, 0, sizeof *c);
    c->attr = 2;
    if (i == 0) {
        c->ic = IC_CLOCK;
        c->ln = clock_ln;
        return METER_OK;
    }
    enum pg_kind k = kind_of(o);
    const struct obj_def *row = NULL;
    switch (k) {
    case PG_PROFILE:
    case PG_LOGGER:
        if (i == 1) { /* status of the entry: 0-0:96.10.1 (profile), 96.10.2 (logger) */
            c->ic = IC_DATA;
            c->ln = (struct obis)OBIS(0, 0, 96, 10, k == PG_PROFILE ? 1 : 2, 255);
            return METER_OK;
        }
        if (k == PG_PROFILE) {
            c->ic = IC_REGISTER;
            c->ln = (struct obis)OBIS(1, 0, (uint8_t)(profile_qty(m, i - 2) + 1), 8, 0, 255);
            return METER_OK;
        }
        row = objtab_at(m->logger.row[i - 2]);
        break;
    case PG_BILLING: {
        unsigned nv = billing_rows(false);
        if (i == 1) {
            c->ic = IC_DATA;
            c->ln = (struct obis)OBIS(0, 0, 0, 1, 0, 255); /* billing period counter */
            return METER_OK;
        }
        if (i - 2 < nv) {
            row = billing_row(i - 2, false);
        } else {
            row = billing_row(i - 2 - nv, true);
            c->attr = 5; /* capture_time */
        }
        break;
    }
    case PG_EVLOG:
        c->ic = IC_DATA;
        if (i == 1) /* event code: one object per log */
            c->ln = (struct obis)OBIS(0, 0, 96, 11, (uint8_t)(o->arg - RING_EVLOG), 255);
        else /* source, object, a, b: manufacturer-specific 0-0:96.131.1..4 */
            c->ln = (struct obis)OBIS(0, 0, 96, 131, (uint8_t)(i - 1), 255);
        return METER_OK;
    }
    if (row == NULL)
        return METER_ENOENT;
    c->ic = row->ic;
    c->ln = row->ln;
    return METER_OK;
}

/* ---- sources ---------------------------------------------------------------- */

union pg_entry {
    struct profile_entry p;
    struct logger_entry l;
    struct billing_rec b;
    struct evlog_rec e;
};

static uint32_t pg_count(const struct meter *m, const struct obj_def *o)
{
    switch (kind_of(o)) {
    case PG_PROFILE: return profile_count(m);
    case PG_LOGGER: return logger_count(m);
    case PG_BILLING: return billing_snapshot_count(m);
    default: return evlog_count(m, (enum evlog_log)(o->arg - RING_EVLOG));
    }
}

/* Cursor at the oldest entry. */
static void pg_rewind(const struct meter *m, const struct obj_def *o, struct cosem_pos *p)
{
    memset(&p->cur, 0, sizeof p->cur);
    switch (kind_of(o)) {
    case PG_PROFILE:
        profile_cursor_init(m, &p->cur.pc);
        break;
    case PG_LOGGER:
        p->cur.n.a = 0;
        break;
    case PG_BILLING:
        /* newest-based "ago" of the oldest, and the counter it refers to */
        p->cur.n.a = billing_snapshot_count(m);
        p->cur.n.b = m->billing.count;
        break;
    case PG_EVLOG: {
        enum evlog_log log = (enum evlog_log)(o->arg - RING_EVLOG);
        p->cur.n.a = evlog_total(m, log) - evlog_count(m, log); /* record number of the oldest */
        break;
    }
    }
}

/* Read the entry at the cursor and advance. METER_ENOENT at the end,
 * METER_EIO when the entry is gone (overwritten since the read began). */
static int pg_read(const struct meter *m, const struct obj_def *o, struct cosem_pos *p, union pg_entry *e,
                   int64_t *t)
{
    int r;
    switch (kind_of(o)) {
    case PG_PROFILE:
        r = profile_next(m, &p->cur.pc, &e->p);
        *t = e->p.time;
        return r;
    case PG_LOGGER:
        if (p->cur.n.a >= logger_count(m))
            return METER_ENOENT;
        r = logger_read(m, p->cur.n.a++, &e->l);
        *t = e->l.time;
        return r < 0 ? METER_EIO : r;
    case PG_BILLING: {
        if (p->cur.n.a == 0)
            return METER_ENOENT;
        uint32_t ago = p->cur.n.a + (uint32_t)(m->billing.count - p->cur.n.b);
        if (ago > billing_snapshot_count(m))
            return METER_EIO;
        r = billing_snapshot_read(m, ago, &e->b);
        p->cur.n.a--;
        *t = e->b.time;
        return r < 0 ? METER_EIO : r;
    }
    default: {
        enum evlog_log log = (enum evlog_log)(o->arg - RING_EVLOG);
        uint32_t oldest = evlog_total(m, log) - evlog_count(m, log);
        if (p->cur.n.a < oldest)
            return METER_EIO;
        uint32_t i = p->cur.n.a - oldest;
        if (i >= evlog_count(m, log))
            return METER_ENOENT;
        r = evlog_read(m, log, i, &e->e);
        p->cur.n.a++;
        *t = e->e.time;
        return r < 0 ? METER_EIO : r;
    }
    }
}

/* ---- encoding --------------------------------------------------------------- */

static void put_dt(const struct meter *m, struct axdr_w *w, int64_t utc)
{
    uint8_t b[12];
    cosem_datetime(m, utc, b);
    axdr_put_octets_fixed(w, b, 12);
}

/* A stored value at `scaler` as the register row reads it (energy rows
 * at the configured resolution). */
static void put_at_row_scaler(const struct meter *m, struct axdr_w *w, const struct obj_def *row, int64_t v,
                              int8_t scaler)
{
    struct obj_value x;
    memset(&x, 0, sizeof x);
    x.type = OBJ_T_UINT;
    x.i = v;
    x.scaler = scaler;
    int8_t res = (row != NULL && (row->flags & OBJ_F_ENERGY)) ? m->cfg.energy_res : (row != NULL ? row->scaler : scaler);
    if (x.scaler != res) {
        x.i = obj_value_at_scaler(&x, res);
        x.scaler = res;
    }
    cosem_put_value(m, w, &x);
}

static void put_entry(const struct meter *m, const struct obj_def *o, const union pg_entry *e, uint32_t cols,
                      unsigned ncols, struct axdr_w *w)
{
    enum pg_kind k = kind_of(o);
    unsigned nv = k == PG_BILLING ? billing_rows(false) : 0;
    axdr_put_struct(w, popcount(cols));
    for (unsigned c = 0; c < ncols; c++) {
        if (!((cols >> c) & 1u))
            continue;
        if (c == 0) {
            put_dt(m, w, k == PG_PROFILE ? e->p.time : k == PG_LOGGER ? e->l.time
                         : k == PG_BILLING ? (int64_t)e->b.time : e->e.time);
            continue;
        }
        switch (k) {
        case PG_PROFILE:
            if (c == 1) {
                axdr_put_int(w, AXDR_U8, e->p.status);
            } else {
                static const struct obis a_plus = OBIS(1, 0, 1, 8, 0, 255);
                unsigned q = profile_qty(m, c - 2);
                struct obis ln = a_plus;
                ln.v[2] = (uint8_t)(q + 1);
                /* absolute readings in 0.01 kWh = 10 Wh (scaler 1) */
                put_at_row_scaler(m, w, objtab_find(&ln), e->p.abs[q], 1);
            }
            break;
        case PG_LOGGER:
            if (c == 1)
                axdr_put_int(w, AXDR_U8, e->l.status);
            else
                axdr_put_sint_fit(w, c - 2 < e->l.n ? e->l.v[c - 2] : 0);
            break;
        case PG_BILLING:
            if (c == 1) {
                axdr_put_uint_fit(w, e->b.period);
            } else if (c - 2 < nv) {
                const struct obj_def *row = billing_row(c - 2, false);
                unsigned slot = row != NULL ? row->bill - 1u : 0;
                int64_t v = slot < e->b.nslots || e->b.nslots == 0 ? e->b.v[slot] : 0;
                put_at_row_scaler(m, w, row, v, row != NULL ? row->scaler : 0);
            } else {
                const struct obj_def *row = billing_row(c - 2 - nv, true);
                put_dt(m, w, row != NULL ? e->b.cap[row->arg] : 0);
            }
            break;
        case PG_EVLOG:
            switch (c) {
            case 1: axdr_put_int(w, AXDR_U16, e->e.code); break;
            case 2: axdr_put_int(w, AXDR_U8, e->e.src); break;
            case 3: {
                uint32_t x = e->e.obj;
                uint8_t ln[6] = {(uint8_t)(x >> 24), 0, (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x, 255};
                if (x == 0)
                    memset(ln, 0, sizeof ln);
                axdr_put_octets_fixed(w, ln, 6);
                break;
            }
            case 4: axdr_put_int(w, AXDR_I32, e->e.a); break;
            default: axdr_put_int(w, AXDR_I32, e->e.b); break;
            }
            break;
        }
    }
}

static bool in_range(const struct cosem_sel *sel, int64_t t)
{
    return sel == NULL || sel->selector != COSEM_SEL_RANGE || (t >= sel->from && t <= sel->to);
}

/* First window: count the selected entries and leave the cursor before
 * the first of them. */
static int pg_first(const struct meter *m, const struct obj_def *o, const struct cosem_sel *sel,
                    struct cosem_pos *p)
{
    union pg_entry e;
    int64_t t;
    uint32_t count = pg_count(m, o);
    pg_rewind(m, o, p);
    if (sel == NULL || sel->selector == COSEM_SEL_NONE) {
        p->total = count;
        return METER_OK;
    }
    if (sel->selector == COSEM_SEL_ENTRY) {
        uint32_t from = sel->from_entry > 0 ? sel->from_entry : 1;
        uint32_t to = sel->to_entry == 0 || sel->to_entry > count ? count : sel->to_entry;
        p->total = from <= to ? to - from + 1 : 0;
        for (uint32_t k = 1; k < from && p->total > 0; k++)
            if (pg_read(m, o, p, &e, &t) < 0)
                return METER_EIO;
        return METER_OK;
    }
    /* range: one walk counts the entries inside; the cursor goes back to
     * just before the first of them */
    struct cosem_pos walk = *p, start = *p;
    bool found = false;
    uint32_t n = 0;
    for (;;) {
        struct cosem_pos before = walk;
        int r = pg_read(m, o, &walk, &e, &t);
        if (r == METER_ENOENT)
            break;
        if (r < 0)
            return METER_EIO;
        if (in_range(sel, t)) {
            if (!found)
                start = before;
            found = true;
            n++;
        }
    }
    p->cur = start.cur;
    p->total = n;
    return METER_OK;
}

static int pg_buffer(const struct meter *m, const struct obj_def *o, const struct cosem_sel *sel, struct axdr_w *w,
                     struct cosem_pos *pos)
{
    unsigned ncols = cosem_pg_columns(m, o);
    uint32_t all = ncols >= 32 ? 0xffffffffu : (1u << ncols) - 1u;
    uint32_t cols = sel != NULL && sel->cols != 0 ? sel->cols & all : all;
    if (!pos->started) {
        memset(pos, 0, sizeof *pos);
        int r = pg_first(m, o, sel, pos);
        if (r < 0)
            return r;
        axdr_put_array(w, pos->total);
        pos->started = 1;
        pos->at = w->pos;
    } else {
        w->pos = pos->at; /* resume at the checkpoint (at or before the window) */
    }
    struct cosem_pos cp = *pos;
    uint32_t end = w->skip + w->cap;
    while (cp.item < cp.total) {
        if (w->pos <= end) { /* an entry boundary inside the window: checkpoint */
            cp.at = w->pos;
            *pos = cp;
        }
        if (w->pos >= end)
            return 0;
        union pg_entry e;
        int64_t t;
        int r;
        do {
            r = pg_read(m, o, &cp, &e, &t);
        } while (r == METER_OK && !in_range(sel, t));
        if (r < 0)
            return METER_EIO; /* fewer entries than counted: gone meanwhile */
        put_entry(m, o, &e, cols, ncols, w);
        cp.item++;
    }
    if (w->pos <= end) {
        cp.at = w->pos;
        *pos = cp;
    }
    return 1;
}

/* ---- attributes ------------------------------------------------------------- */

int cosem_pg_get(const struct meter *m, const struct obj_def *o, int attr, const struct cosem_sel *sel,
                 struct axdr_w *w, struct cosem_pos *pos);

int cosem_pg_get(const struct meter *m, const struct obj_def *o, int attr, const struct cosem_sel *sel,
                 struct axdr_w *w, struct cosem_pos *pos)
{
    enum pg_kind k = kind_of(o);
    switch (attr) {
    case 2: {
        struct cosem_pos scratch;
        if (pos == NULL) {
            memset(&scratch, 0, sizeof scratch);
            pos = &scratch;
        }
        return pg_buffer(m, o, sel, w, pos);
    }
    case 3: {
        unsigned n = cosem_pg_columns(m, o);
        axdr_put_array(w, n);
        for (unsigned i = 0; i < n; i++) {
            struct cosem_col c;
            if (cosem_pg_column(m, o, i, &c) < 0)
                return METER_EIO;
            axdr_put_struct(w, 4);
            axdr_put_int(w, AXDR_U16, c.ic);
            axdr_put_octets_fixed(w, c.ln.v, 6);
            axdr_put_int(w, AXDR_I8, c.attr);
            axdr_put_int(w, AXDR_U16, c.data_index);
        }
        return 1;
    }
    case 4: {
        uint32_t s = k == PG_PROFILE ? m->cfg.profile_period_min * 60u
                     : k == PG_LOGGER ? m->cfg.logger_interval_min * 60u : 0;
        axdr_put_int(w, AXDR_U32, s);
        return 1;
    }
    case 5:
        axdr_put_int(w, AXDR_ENUM, 1); /* fifo */
        return 1;
    case 6: {
        static const uint8_t none[6] = {0};
        axdr_put_struct(w, 4);
        axdr_put_int(w, AXDR_U16, 0);
        axdr_put_octets_fixed(w, none, 6);
        axdr_put_int(w, AXDR_I8, 0);
        axdr_put_int(w, AXDR_U16, 0);
        return 1;
    }
    case 7:
        axdr_put_int(w, AXDR_U32, pg_count(m, o));
        return 1;
    case 8: {
        uint32_t d = k == PG_PROFILE ? profile_capacity(m, 0)
                     : k == PG_LOGGER ? store_log_depth(&m->store, RING_LOGGER)
                     : k == PG_BILLING ? BILLING_DEPTH : evlog_depth((enum evlog_log)(o->arg - RING_EVLOG));
        axdr_put_int(w, AXDR_U32, d);
        return 1;
    }
    default:
        return METER_ENOENT;
    }
}

/* ---- selective access --------------------------------------------------------- */

static int col_of(const struct meter *m, const struct obj_def *o, struct axdr_r *r, unsigned *idx)
{
    uint32_t n;
    int64_t ic, attr, di;
    if (axdr_get_head(r, AXDR_STRUCT, &n) < 0 || n != 4)
        return METER_EINVAL;
    if (axdr_get_int(r, 0, 0xffff, &ic) < 0)
        return METER_EINVAL;
    const uint8_t *ln = axdr_get_octets(r, 6, NULL);
    if (ln == NULL || axdr_get_int(r, -128, 127, &attr) < 0 || axdr_get_int(r, 0, 0xffff, &di) < 0)
        return METER_EINVAL;
    unsigned nc = cosem_pg_columns(m, o);
    for (unsigned i = 0; i < nc; i++) {
        struct cosem_col c;
        if (cosem_pg_column(m, o, i, &c) == METER_OK && c.ic == ic && memcmp(c.ln.v, ln, 6) == 0 &&
            c.attr == attr) {
            *idx = i;
            return METER_OK;
        }
    }
    return METER_EINVAL;
}

/* from/to of a range: a date-time as octet-string (12) or tagged. */
static int range_time(const struct meter *m, struct axdr_r *r, int64_t open, int64_t *t)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return METER_EINVAL;
    if (!((it.tag == AXDR_OCTETS || it.tag == AXDR_DATETIME) && it.n == 12))
        return METER_EINVAL;
    int e = cosem_datetime_parse(m, it.p, t);
    if (e == METER_ENOENT) {
        *t = open;
        return METER_OK;
    }
    return e;
}

int cosem_sel_parse(const struct meter *m, const struct obj_def *o, int attr, uint8_t selector,
                    const uint8_t *p, size_t n, struct cosem_sel *out)
{
    struct axdr_r r;
    uint32_t cnt;
    memset(out, 0, sizeof *out);
    if (selector == COSEM_SEL_NONE)
        return METER_OK;
    if (o->ic != IC_PROFILE_GENERIC || attr != 2)
        return METER_ENOTSUP;
    axdr_r_init(&r, p, n);
    out->selector = selector;
    unsigned nc = cosem_pg_columns(m, o);
    if (selector == COSEM_SEL_RANGE) {
        unsigned col;
        if (axdr_get_head(&r, AXDR_STRUCT, &cnt) < 0 || cnt != 4)
            return METER_EINVAL;
        /* the restricting object must be the clock column */
        if (col_of(m, o, &r, &col) < 0 || col != 0)
            return METER_EINVAL;
        if (range_time(m, &r, INT64_MIN, &out->from) < 0 || range_time(m, &r, INT64_MAX, &out->to) < 0)
            return METER_EINVAL;
        if (axdr_get_head(&r, AXDR_ARRAY, &cnt) < 0)
            return METER_EINVAL;
        for (uint32_t k = 0; k < cnt; k++) {
            if (col_of(m, o, &r, &col) < 0)
                return METER_EINVAL;
            out->cols |= 1u << col;
        }
    } else if (selector == COSEM_SEL_ENTRY) {
        int64_t fe, te, fc, tc;
        if (axdr_get_head(&r, AXDR_STRUCT, &cnt) < 0 || cnt != 4 || axdr_get_int(&r, 0, UINT32_MAX, &fe) < 0 ||
            axdr_get_int(&r, 0, UINT32_MAX, &te) < 0 || axdr_get_int(&r, 0, 0xffff, &fc) < 0 ||
            axdr_get_int(&r, 0, 0xffff, &tc) < 0)
            return METER_EINVAL;
        out->from_entry = (uint32_t)fe;
        out->to_entry = (uint32_t)te;
        if (fc == 0)
            fc = 1;
        if (tc == 0 || tc > nc)
            tc = nc;
        if (fc > tc)
            return METER_EINVAL;
        for (int64_t c = fc; c <= tc; c++)
            out->cols |= 1u << (c - 1);
    } else {
        return METER_EINVAL;
    }
    return axdr_r_left(&r) == 0 && !r.err ? METER_OK : METER_EINVAL;
}
