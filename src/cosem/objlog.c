/*
 * objlog.c — the entries of the profile-generic rows (objtab.h, "profile-
 * generic rows"): the billing history, the load profile, the analysis
 * logger and the event logs, read from the modules that keep them.
 */
#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"

_Static_assert(OBJ_LOG_VALUES >= BILLING_SLOTS, "an entry of the billing history holds every billed row");

/* The row of all event logs merged (KMP GetLog 0xFF). */
#define RING_EVENTS_ALL (RING_EVLOG + EVLOG_COUNT)

static bool is_event_log(const struct obj_def *o)
{
    return o->arg >= RING_EVLOG && o->arg < RING_EVENTS_ALL;
}

static uint32_t rings_count(const struct meter *m, const struct obj_def *o)
{
    switch (o->arg) {
    case RING_BILLING: return billing_snapshot_count(m);
    case RING_PROFILE: return profile_count(m);
    case RING_LOGGER: return logger_count(m);
    case RING_EVENTS_ALL: return evlog_available(m);
    default: return evlog_count(m, (enum evlog_log)(o->arg - RING_EVLOG));
    }
}

static uint32_t rings_depth(const struct meter *m, const struct obj_def *o)
{
    switch (o->arg) {
    case RING_PROFILE: return profile_capacity(m, 0);
    case RING_EVENTS_ALL: {
        uint32_t n = 0;
        for (unsigned l = 0; l < EVLOG_COUNT; l++)
            n += evlog_depth((enum evlog_log)l);
        return n;
    }
    default:
        if (is_event_log(o))
            return evlog_depth((enum evlog_log)(o->arg - RING_EVLOG));
        return store_log_depth(&m->store, o->arg);
    }
}

static uint32_t rings_period_s(const struct meter *m, const struct obj_def *o)
{
    switch (o->arg) {
    case RING_PROFILE: return (uint32_t)m->cfg.profile_period_min * 60u;
    case RING_LOGGER: return (uint32_t)m->cfg.logger_interval_min * 60u;
    default: return 0;
    }
}

static struct obj_col col_of(const struct obj_def *r, int8_t scaler)
{
    struct obj_col c = {.ln = r->ln, .ic = r->ic, .attr = 2, .unit = r->unit, .scaler = scaler};
    return c;
}

/* Event entries: code, source (interface | client SAP << 8), a, b, object (the evlog record), as the
 * event code object 0-0:96.11.0 and its details 0-0:96.11.1..4. */
static unsigned event_columns(struct obj_col *c, unsigned max)
{
    static const struct obis code = OBIS(0, 0, 96, 11, 0, 255);
    unsigned n = 0;
    for (; n < 5 && n < max; n++) {
        memset(&c[n], 0, sizeof c[n]);
        c[n].ln = code;
        c[n].ln.v[4] = (uint8_t)n;
        c[n].ic = IC_DATA;
        c[n].attr = 2;
    }
    return n;
}

static unsigned rings_columns(const struct meter *m, const struct obj_def *o, struct obj_col *c, unsigned max)
{
    unsigned n = 0;
    switch (o->arg) {
    case RING_BILLING:
        /* every billed row, in slot order */
        for (unsigned slot = 1; slot <= BILLING_SLOTS && n < max; slot++) {
            const struct obj_def *r;
            for (size_t i = 0; (r = objtab_at(i)) != NULL; i++)
                if (r->bill == slot) {
                    c[n++] = col_of(r, (r->flags & OBJ_F_ENERGY) ? m->cfg.energy_res : r->scaler);
                    break;
                }
        }
        return n;
    case RING_PROFILE:
        /* A+ A- R+ R- as configured: readings (C.8.0) or deltas (C.29.0), 0.01 kWh */
        for (unsigned q = 0; q < MEAS_QTY && n < max; q++) {
            if (!(m->cfg.profile_channels & (1u << q)))
                continue;
            static const struct obis reading = OBIS(1, 0, 1, 8, 0, 255);
            memset(&c[n], 0, sizeof c[n]);
            c[n].ln = reading;
            c[n].ln.v[2] = (uint8_t)(q + 1);
            if (m->cfg.profile_mode == PROFILE_DELTA)
                c[n].ln.v[3] = 29;
            c[n].ic = IC_REGISTER;
            c[n].attr = 2;
            c[n].unit = q < 2 ? UNIT_WH : UNIT_VARH;
            c[n].scaler = 1;
            n++;
        }
        return n;
    case RING_LOGGER:
        for (unsigned k = 0; k < m->cfg.logger_n && n < max; k++) {
            const struct obj_def *r = objtab_at(m->logger.row[k]);
            if (r != NULL)
                c[n++] = col_of(r, r->scaler);
        }
        return n;
    default:
        return event_columns(c, max);
    }
}

static void entry_of_event(const struct evlog_rec *r, struct obj_entry *e)
{
    memset(e, 0, sizeof *e);
    e->time = r->time;
    e->status = r->log;
    e->n = 5;
    e->v[0] = r->code;
    e->v[1] = (int64_t)r->src | (int64_t)r->client << 8; /* interface, and its client (DLMS SAP) */
    e->v[2] = r->a;
    e->v[3] = r->b;
    e->v[4] = r->obj;
}

static int rings_at(const struct meter *m, const struct obj_def *o, uint32_t i, struct obj_entry *e)
{
    int r;
    switch (o->arg) {
    case RING_BILLING: {
        struct billing_rec b;
        uint32_t n = billing_snapshot_count(m);
        if (i >= n)
            return METER_ENOENT;
        if ((r = billing_snapshot_read(m, n - i, &b)) < 0) /* `ago` 1 = the newest */
            return r;
        memset(e, 0, sizeof *e);
        e->time = b.time;
        e->status = b.cause;
        e->n = b.nslots < OBJ_LOG_VALUES ? b.nslots : OBJ_LOG_VALUES;
        for (unsigned k = 0; k < e->n; k++)
            e->v[k] = b.v[k];
        /* energy registers at their resolution, truncated as obj_read_at does */
        const struct obj_def *row;
        for (size_t t = 0; (row = objtab_at(t)) != NULL; t++) {
            if (row->bill == 0 || row->bill > e->n || !(row->flags & OBJ_F_ENERGY))
                continue;
            struct obj_value v = {.i = e->v[row->bill - 1], .scaler = row->scaler};
            e->v[row->bill - 1] = obj_value_at_scaler(&v, m->cfg.energy_res);
        }
        return METER_OK;
    }
    case RING_LOGGER: {
        struct logger_entry l;
        if ((r = logger_read(m, i, &l)) < 0)
            return r;
        memset(e, 0, sizeof *e);
        e->time = l.time;
        e->status = l.status;
        e->n = l.n < OBJ_LOG_VALUES ? l.n : OBJ_LOG_VALUES;
        for (unsigned k = 0; k < e->n; k++)
            e->v[k] = l.v[k];
        return METER_OK;
    }
    case RING_EVENTS_ALL: {
        struct evlog_rec ev;
        if ((r = evlog_get(m, i, &ev)) < 0)
            return r;
        entry_of_event(&ev, e);
        return METER_OK;
    }
    default: {
        struct evlog_rec ev;
        if (!is_event_log(o))
            return METER_EINVAL;
        if ((r = evlog_read(m, (enum evlog_log)(o->arg - RING_EVLOG), i, &ev)) < 0)
            return r;
        entry_of_event(&ev, e);
        return METER_OK;
    }
    }
}

static int rings_next(const struct meter *m, const struct obj_def *o, struct obj_cursor *c, struct obj_entry *e)
{
    int r;
    if (o->arg == RING_PROFILE) {
        /* the profile is compact: only a cursor walks it in one pass */
        struct profile_entry p;
        if (c->index == 0)
            profile_cursor_init(m, &c->u.profile);
        if ((r = profile_next(m, &c->u.profile, &p)) < 0)
            return r;
        memset(e, 0, sizeof *e);
        e->time = p.time;
        e->status = p.status;
        e->n = p.n;
        for (unsigned k = 0; k < p.n && k < MEAS_QTY; k++)
            e->v[k] = p.v[k];
    } else if (o->arg == RING_EVENTS_ALL) {
        struct evlog_rec ev;
        if (c->index == 0)
            memset(&c->u.events, 0, sizeof c->u.events);
        if ((r = evlog_next(m, &c->u.events, &ev)) < 0)
            return r;
        entry_of_event(&ev, e);
    } else if ((r = rings_at(m, o, c->index, e)) < 0) {
        return r;
    }
    c->index++;
    return METER_OK;
}

static int rings_at_any(const struct meter *m, const struct obj_def *o, uint32_t i, struct obj_entry *e)
{
    return o->arg == RING_PROFILE ? METER_ENOTSUP : rings_at(m, o, i, e);
}

const struct obj_log obj_log_rings = {
    .count = rings_count,
    .depth = rings_depth,
    .columns = rings_columns,
    .next = rings_next,
    .at = rings_at_any,
    .period_s = rings_period_s,
};

/* ---- the access-checked entry points ------------------------------------------ */

static int log_ok(const struct obj_def *o, enum meter_access acc)
{
    if (o == NULL || o->log == NULL)
        return METER_EINVAL;
    return acc < o->rd ? METER_EACCES : METER_OK;
}

int obj_log_count(const struct meter *m, const struct obj_def *o, enum meter_access acc, uint32_t *count)
{
    int r = log_ok(o, acc);
    if (r == METER_OK)
        *count = o->log->count(m, o);
    return r;
}

int obj_log_next(const struct meter *m, const struct obj_def *o, enum meter_access acc, struct obj_cursor *c,
                 struct obj_entry *e)
{
    int r = log_ok(o, acc);
    return r < 0 ? r : o->log->next(m, o, c, e);
}

int obj_log_at(const struct meter *m, const struct obj_def *o, enum meter_access acc, uint32_t i,
               struct obj_entry *e)
{
    int r = log_ok(o, acc);
    if (r < 0)
        return r;
    if (o->log->at != NULL && (r = o->log->at(m, o, i, e)) != METER_ENOTSUP)
        return r;
    struct obj_cursor c;
    memset(&c, 0, sizeof c);
    do {
        if ((r = o->log->next(m, o, &c, e)) < 0)
            return r;
    } while (c.index <= i);
    return METER_OK;
}
