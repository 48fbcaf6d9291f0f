/*
 * cosem_pg.c — class 7 Profile generic over the object table's profile-
 * generic rows (objtab.h: `log`, src/cosem/objlog.c): the load profile,
 * the analysis logger, the billing history, every event log and all of
 * them merged. The rows say which columns (capture objects) an entry has
 * and hand out the entries oldest first through a cursor; this adapter
 * only presents them: the clock column first, the entry's status for the
 * periodic profiles, then the row's columns.
 *
 * The buffer (attribute 2) is never built in memory: entries are read one
 * at a time and encoded into the caller's window; the row's cursor in
 * struct cosem_pos says where to resume. An entry that went away before it
 * was sent ends the read with METER_EIO.
 */
#include <string.h>

#include "cosem/cosem.h"
#include "trimeter/meter.h"

static unsigned popcount(uint32_t x)
{
    unsigned n = 0;
    for (; x != 0; x &= x - 1)
        n++;
    return n;
}

/* ---- columns ---------------------------------------------------------------- */

static const struct obis clock_ln = OBIS(0, 0, 1, 0, 0, 255);

/* Periodic profiles (load profile, logger) carry their entry status as a
 * column (0-0:96.10.D for 1-0:99.D.0); event logs and the billing history
 * do not. */
static bool has_status(const struct meter *m, const struct obj_def *o)
{
    return o->log->period_s != NULL && o->log->period_s(m, o) > 0;
}

/* The row's own columns (after the clock). */
static unsigned log_cols(const struct meter *m, const struct obj_def *o, struct obj_col *c)
{
    unsigned n = o->log->columns(m, o, c, OBJ_LOG_VALUES);
    return n < OBJ_LOG_VALUES ? n : OBJ_LOG_VALUES;
}

/* Every column as DLMS presents it, in one pass over the row's columns
 * (a row's columns can cost a walk of the table: billing history). */
static unsigned all_columns(const struct meter *m, const struct obj_def *o, struct cosem_col *out)
{
    struct obj_col c[OBJ_LOG_VALUES];
    if (o->log == NULL)
        return 0;
    unsigned st = has_status(m, o) ? 1u : 0u, n = log_cols(m, o, c), k = 0;
    memset(out, 0, sizeof *out * (1 + st + n));
    out[k].ic = IC_CLOCK;
    out[k].ln = clock_ln;
    out[k++].attr = 2;
    if (st) {
        out[k].ic = IC_DATA;
        out[k].ln = (struct obis)OBIS(0, 0, 96, 10, o->ln.v[3], 255);
        out[k++].attr = 2;
    }
    for (unsigned i = 0; i < n; i++, k++) {
        out[k].ic = c[i].ic;
        out[k].ln = c[i].ln;
        out[k].attr = (int8_t)c[i].attr;
    }
    return k;
}

unsigned cosem_pg_columns(const struct meter *m, const struct obj_def *o)
{
    struct cosem_col c[COSEM_COLS_MAX];
    return all_columns(m, o, c);
}

int cosem_pg_column(const struct meter *m, const struct obj_def *o, unsigned i, struct cosem_col *out)
{
    struct cosem_col c[COSEM_COLS_MAX];
    if (i >= all_columns(m, o, c))
        return METER_ENOENT;
    *out = c[i];
    return METER_OK;
}

/* ---- encoding --------------------------------------------------------------- */

static void put_dt(const struct meter *m, struct axdr_w *w, int64_t utc)
{
    uint8_t b[12];
    cosem_datetime(m, utc, b);
    axdr_put_octets_fixed(w, b, 12);
}

/* A column's scaler as a client applies it: a column that captures a row
 * of the table is read with that row's scaler_unit (energy rows at the
 * configured resolution), so its values are brought to it; other columns
 * keep theirs. */
static int8_t shown_scaler(const struct meter *m, const struct obj_col *c)
{
    const struct obj_def *r = objtab_find(&c->ln);
    if (r == NULL || r->ic != c->ic || c->attr != 2 || r->ic == IC_DATA)
        return c->scaler;
    return (r->flags & OBJ_F_ENERGY) ? m->cfg.energy_res : r->scaler;
}

struct pg_ctx {
    unsigned st;                        /* 1 with a status column */
    unsigned n;                         /* the row's columns */
    uint32_t cols;                      /* selected columns (bit 0 = clock) */
    int8_t from[OBJ_LOG_VALUES], to[OBJ_LOG_VALUES];
};

static void put_entry(const struct meter *m, const struct pg_ctx *k, const struct obj_entry *e, struct axdr_w *w)
{
    axdr_put_struct(w, popcount(k->cols));
    if (k->cols & 1u)
        put_dt(m, w, e->time);
    if (k->st && (k->cols & 2u))
        axdr_put_int(w, AXDR_U8, e->status);
    for (unsigned c = 0; c < k->n; c++) {
        if (!((k->cols >> (1 + k->st + c)) & 1u))
            continue;
        struct obj_value v;
        memset(&v, 0, sizeof v);
        v.i = c < e->n ? e->v[c] : 0;
        v.scaler = k->from[c];
        int64_t x = k->from[c] == k->to[c] ? v.i : obj_value_at_scaler(&v, k->to[c]);
        if (x >= 0)
            axdr_put_uint_fit(w, (uint64_t)x);
        else
            axdr_put_sint_fit(w, x);
    }
}

static bool in_range(const struct cosem_sel *sel, int64_t t)
{
    return sel == NULL || sel->selector != COSEM_SEL_RANGE || (t >= sel->from && t <= sel->to);
}

/* First window: count the selected entries and leave the cursor before
 * the first of them. */
static int pg_first(const struct meter *m, const struct obj_def *o, enum meter_access acc,
                    const struct cosem_sel *sel, struct cosem_pos *p)
{
    struct obj_entry e;
    uint32_t count;
    int r = obj_log_count(m, o, acc, &count);
    if (r < 0)
        return r;
    memset(&p->cur, 0, sizeof p->cur);
    if (sel == NULL || sel->selector == COSEM_SEL_NONE) {
        p->total = count;
        return METER_OK;
    }
    if (sel->selector == COSEM_SEL_ENTRY) {
        uint32_t from = sel->from_entry > 0 ? sel->from_entry : 1;
        uint32_t to = sel->to_entry == 0 || sel->to_entry > count ? count : sel->to_entry;
        p->total = from <= to ? to - from + 1 : 0;
        for (uint32_t k = 1; k < from && p->total > 0; k++)
            if (obj_log_next(m, o, acc, &p->cur, &e) < 0)
                return METER_EIO;
        return METER_OK;
    }
    /* range: one walk counts the entries inside; the cursor goes back to
     * just before the first of them */
    struct obj_cursor walk = p->cur, start = p->cur;
    bool found = false;
    uint32_t n = 0;
    for (;;) {
        struct obj_cursor before = walk;
        r = obj_log_next(m, o, acc, &walk, &e);
        if (r == METER_ENOENT)
            break;
        if (r < 0)
            return METER_EIO;
        if (in_range(sel, e.time)) {
            if (!found)
                start = before;
            found = true;
            n++;
        }
    }
    p->cur = start;
    p->total = n;
    return METER_OK;
}

static int pg_buffer(const struct meter *m, const struct obj_def *o, enum meter_access acc,
                     const struct cosem_sel *sel, struct axdr_w *w, struct cosem_pos *pos)
{
    struct pg_ctx k;
    struct obj_col c[OBJ_LOG_VALUES];
    k.st = has_status(m, o) ? 1u : 0u;
    k.n = log_cols(m, o, c);
    unsigned ncols = 1 + k.st + k.n;
    uint32_t all = ncols >= 32 ? 0xffffffffu : (1u << ncols) - 1u;
    k.cols = sel != NULL && sel->cols != 0 ? sel->cols & all : all;
    for (unsigned i = 0; i < k.n; i++) {
        k.from[i] = c[i].scaler;
        k.to[i] = shown_scaler(m, &c[i]);
    }
    if (!pos->started) {
        memset(pos, 0, sizeof *pos);
        int r = pg_first(m, o, acc, sel, pos);
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
        struct obj_entry e;
        int r;
        do {
            r = obj_log_next(m, o, acc, &cp.cur, &e);
        } while (r == METER_OK && !in_range(sel, e.time));
        if (r < 0)
            return METER_EIO; /* fewer entries than counted: gone meanwhile */
        put_entry(m, &k, &e, w);
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
                 enum meter_access acc, struct axdr_w *w, struct cosem_pos *pos);

int cosem_pg_get(const struct meter *m, const struct obj_def *o, int attr, const struct cosem_sel *sel,
                 enum meter_access acc, struct axdr_w *w, struct cosem_pos *pos)
{
    uint32_t count;
    if (o->log == NULL)
        return METER_ENOENT;
    switch (attr) {
    case 2: {
        struct cosem_pos scratch;
        if (pos == NULL) {
            memset(&scratch, 0, sizeof scratch);
            pos = &scratch;
        }
        return pg_buffer(m, o, acc, sel, w, pos);
    }
    case 3: {
        struct cosem_col c[COSEM_COLS_MAX];
        unsigned n = all_columns(m, o, c);
        axdr_put_array(w, n);
        for (unsigned i = 0; i < n; i++) {
            axdr_put_struct(w, 4);
            axdr_put_int(w, AXDR_U16, c[i].ic);
            axdr_put_octets_fixed(w, c[i].ln.v, 6);
            axdr_put_int(w, AXDR_I8, c[i].attr);
            axdr_put_int(w, AXDR_U16, c[i].data_index);
        }
        return 1;
    }
    case 4:
        axdr_put_int(w, AXDR_U32, o->log->period_s != NULL ? o->log->period_s(m, o) : 0);
        return 1;
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
    case 7: {
        int r = obj_log_count(m, o, acc, &count);
        if (r < 0)
            return r;
        axdr_put_int(w, AXDR_U32, count);
        return 1;
    }
    case 8:
        axdr_put_int(w, AXDR_U32, o->log->depth(m, o));
        return 1;
    default:
        return METER_ENOENT;
    }
}

/* ---- selective access --------------------------------------------------------- */

static int col_of(const struct cosem_col *cols, unsigned nc, struct axdr_r *r, unsigned *idx)
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
    for (unsigned i = 0; i < nc; i++) {
        if (cols[i].ic == ic && memcmp(cols[i].ln.v, ln, 6) == 0 && cols[i].attr == attr) {
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
    if (o->ic != IC_PROFILE_GENERIC || o->log == NULL || attr != 2)
        return METER_ENOTSUP;
    axdr_r_init(&r, p, n);
    out->selector = selector;
    struct cosem_col cols[COSEM_COLS_MAX];
    unsigned nc = all_columns(m, o, cols);
    if (selector == COSEM_SEL_RANGE) {
        unsigned col;
        if (axdr_get_head(&r, AXDR_STRUCT, &cnt) < 0 || cnt != 4)
            return METER_EINVAL;
        /* the restricting object must be the clock column */
        if (col_of(cols, nc, &r, &col) < 0 || col != 0)
            return METER_EINVAL;
        if (range_time(m, &r, INT64_MIN, &out->from) < 0 || range_time(m, &r, INT64_MAX, &out->to) < 0)
            return METER_EINVAL;
        if (axdr_get_head(&r, AXDR_ARRAY, &cnt) < 0)
            return METER_EINVAL;
        for (uint32_t k = 0; k < cnt; k++) {
            if (col_of(cols, nc, &r, &col) < 0)
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
