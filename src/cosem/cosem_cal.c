/*
 * cosem_cal.c — class 20 Activity calendar (0-0:13.0.0.255) and class 11
 * Special days table (0-0:11.0.0.255) over the meter's tariff calendar
 * (registers/tariff.h: the active calendar, m->cfg.cal) and the passive
 * calendar (registers/tariff_passive.h). docs/PROTOCOLS.md, "Activity
 * calendar".
 *
 * Day schedules switch tariffs: each action names the tariffication script
 * table 0-0:10.0.100.255 with script selector = the tariff (1..8). Season
 * starts recur every year (the year of a written season_start is not
 * kept). The active calendar is presented with the names and ids it was
 * activated with while it is unchanged; after a change through the text
 * row (tariff_calendar) with generated ones: seasons S1, S2, weeks W1, W2
 * (one per season), day ids 1.. in day-profile order.
 */
#include <string.h>

#include "cosem/cosem_ctl.h"
#include "legal/audit.h"
#include "registers/clock.h"
#include "registers/tariff_passive.h"
#include "trimeter/meter.h"

static const uint8_t script_ln[6] = {0, 0, 10, 0, 100, 255};
static const struct obis passive_ln = OBIS(0, 0, 96, 129, 40, 255);
static const struct obis activation_ln = OBIS(0, 0, 96, 129, 41, 255);

int cosem_ctl_dar(int err)
{
    switch (err) {
    case METER_OK: return 0;
    case METER_EACCES: return 3;   /* read-write-denied */
    case METER_EINVAL:
    case METER_ERANGE: return 12;  /* type-unmatched */
    case METER_ENOENT: return 11;  /* object-unavailable: no such attribute/method/row */
    case METER_ENOSPC:
    case METER_EBUSY:
    case METER_ESTATE: return 2;   /* temporary-failure: table full, bound reached, links incomplete */
    case METER_EIO: return 1;      /* hardware-fault */
    case METER_ENOTSUP: return 13; /* scope-of-access-violated */
    default: return 250;           /* other-reason */
    }
}

int cosem_ctl_refuse(struct meter *m, const struct obj_def *o, enum meter_src src, int err)
{
    audit_refusal(m, src, o != NULL ? obj_packed(o) : COSEM_CTL_SEC_OBJ,
                  err == METER_EACCES || err == METER_ENOENT ? AUDIT_ACCESS : AUDIT_VALUE);
    return cosem_ctl_dar(err);
}

/* ---- decoding helpers --------------------------------------------------------------- */

/* A fixed-length octet-string (or the tagged date-time/date/time form of
 * that length). NULL and r->err when it is anything else. */
static const uint8_t *get_fixed(struct axdr_r *r, uint32_t n)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return NULL;
    if ((it.tag == AXDR_OCTETS || (it.tag == AXDR_DATETIME && n == 12) || (it.tag == AXDR_DATE && n == 5) ||
         (it.tag == AXDR_TIME && n == 4)) &&
        it.n == n)
        return it.p;
    r->err = true;
    return NULL;
}

/* A name: octet-string or visible-string of at most TARIFF_NAME_MAX bytes. */
static bool get_name(struct axdr_r *r, struct tariff_name *out)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0 || (it.tag != AXDR_OCTETS && it.tag != AXDR_VISIBLE) || it.n > TARIFF_NAME_MAX)
        return false;
    memset(out, 0, sizeof *out);
    out->len = (uint8_t)it.n;
    if (it.n > 0)
        memcpy(out->b, it.p, it.n);
    return true;
}

/* The value is the whole of what the client sent. */
static bool ctl_at_end(const struct axdr_r *r)
{
    return !r->err && axdr_r_left(r) == 0;
}

static bool get_uint(struct axdr_r *r, int64_t lo, int64_t hi, int64_t *v)
{
    return axdr_get_int(r, lo, hi, v) == 0;
}

static bool get_head(struct axdr_r *r, enum axdr_tag tag, uint32_t *n)
{
    return axdr_get_head(r, tag, n) == 0;
}

/* ---- presentation ------------------------------------------------------------------ */

static bool same_cal(const struct tariff_cal *a, const struct tariff_cal *b)
{
    if (a->ndays != b->ndays || a->nseasons != b->nseasons)
        return false;
    for (unsigned k = 0; k < a->ndays && k < TARIFF_DAY_PROFILES; k++) {
        if (a->day[k].n != b->day[k].n || a->day[k].n > TARIFF_SWITCHES ||
            memcmp(a->day[k].sw, b->day[k].sw, a->day[k].n * sizeof a->day[k].sw[0]) != 0)
            return false;
    }
    for (unsigned s = 0; s < a->nseasons && s < TARIFF_SEASONS; s++)
        if (a->season[s].mon != b->season[s].mon || a->season[s].day != b->season[s].day ||
            memcmp(a->season[s].week, b->season[s].week, 7) != 0)
            return false;
    return true;
}

/* The active calendar as COSEM tables: the passive calendar's names when
 * the active one is what it became, generated names otherwise. */
static void active_tables(const struct meter *m, struct tariff_passive *out)
{
    struct tariff_cal c;
    const struct tariff_passive *p = &m->tariff_passive;
    if (tariff_passive_build(p, &m->cfg.cal, &c) == METER_OK && same_cal(&c, &m->cfg.cal)) {
        *out = *p;
        return;
    }
    memset(out, 0, sizeof *out);
    tariff_passive_of(&m->cfg.cal, out);
}

static void put_name(struct axdr_w *w, const struct tariff_name *n)
{
    axdr_put_string(w, AXDR_OCTETS, n->b, n->len <= TARIFF_NAME_MAX ? n->len : TARIFF_NAME_MAX);
}

static void put_seasons(struct axdr_w *w, const struct tariff_passive *p)
{
    axdr_put_array(w, p->nseasons);
    for (unsigned s = 0; s < p->nseasons && s < TARIFF_SEASONS; s++) {
        const struct tariff_pseason *se = &p->season[s];
        uint8_t dt[12] = {0xFF, 0xFF, se->mon, se->day, 0xFF, 0, 0, 0, 0xFF, 0x80, 0x00, 0xFF};
        axdr_put_struct(w, 3);
        put_name(w, &se->name);
        axdr_put_octets_fixed(w, dt, sizeof dt);
        put_name(w, &se->week);
    }
}

static void put_weeks(struct axdr_w *w, const struct tariff_passive *p)
{
    axdr_put_array(w, p->nweeks);
    for (unsigned k = 0; k < p->nweeks && k < TARIFF_WEEKS; k++) {
        axdr_put_struct(w, 8);
        put_name(w, &p->week[k].name);
        for (unsigned d = 0; d < 7; d++)
            axdr_put_int(w, AXDR_U8, p->week[k].day_id[d]);
    }
}

static void put_days(struct axdr_w *w, const struct tariff_passive *p)
{
    axdr_put_array(w, p->ndays);
    for (unsigned k = 0; k < p->ndays && k < TARIFF_DAY_PROFILES; k++) {
        const struct tariff_day *d = &p->day[k].d;
        axdr_put_struct(w, 2);
        axdr_put_int(w, AXDR_U8, p->day[k].id);
        axdr_put_array(w, d->n);
        for (unsigned i = 0; i < d->n && i < TARIFF_SWITCHES; i++) {
            unsigned min = d->sw[i] >> 3;
            uint8_t t[4] = {(uint8_t)(min / 60u), (uint8_t)(min % 60u), 0, 0};
            axdr_put_struct(w, 3);
            axdr_put_octets_fixed(w, t, sizeof t);
            axdr_put_octets_fixed(w, script_ln, sizeof script_ln);
            axdr_put_int(w, AXDR_U16, (d->sw[i] & 7u) + 1u);
        }
    }
}

int cosem_cal_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w)
{
    if (acc < o->rd)
        return METER_EACCES;
    struct tariff_passive a;
    const struct tariff_passive *p = &m->tariff_passive;
    if (attr >= 2 && attr <= 5)
        active_tables(m, &a);
    switch (attr) {
    case 2: put_name(w, &m->tariff_passive.active_name); return 1;
    case 3: put_seasons(w, &a); return 1;
    case 4: put_weeks(w, &a); return 1;
    case 5: put_days(w, &a); return 1;
    case 6: put_name(w, &p->name); return 1;
    case 7: put_seasons(w, p); return 1;
    case 8: put_weeks(w, p); return 1;
    case 9: put_days(w, p); return 1;
    case 10: {
        uint8_t dt[12];
        cosem_datetime(m, p->activate_at, dt);
        axdr_put_octets_fixed(w, dt, sizeof dt);
        return 1;
    }
    default: return METER_ENOENT;
    }
}

/* ---- SET: the passive tables --------------------------------------------------------- */

static int decode_seasons(struct axdr_r *r, struct tariff_passive *p)
{
    uint32_t n, k;
    if (!get_head(r, AXDR_ARRAY, &n) || n > TARIFF_SEASONS)
        return METER_EINVAL;
    memset(p->season, 0, sizeof p->season);
    for (k = 0; k < n; k++) {
        uint32_t f;
        struct tariff_pseason *s = &p->season[k];
        const uint8_t *dt;
        if (!get_head(r, AXDR_STRUCT, &f) || f != 3 || !get_name(r, &s->name) || (dt = get_fixed(r, 12)) == NULL ||
            !get_name(r, &s->week))
            return METER_EINVAL;
        /* every year from month/day at 00:00 (a time of day or a day of
         * the week the season does not keep is refused) */
        if (dt[2] < 1 || dt[2] > 12 || dt[3] < 1 || dt[3] > clock_month_days(2028, dt[2]) ||
            (dt[5] != 0 && dt[5] != 0xFF) || (dt[6] != 0 && dt[6] != 0xFF) || (dt[7] != 0 && dt[7] != 0xFF))
            return METER_EINVAL;
        s->mon = dt[2];
        s->day = dt[3];
    }
    p->nseasons = (uint8_t)n;
    return METER_OK;
}

static int decode_weeks(struct axdr_r *r, struct tariff_passive *p)
{
    uint32_t n;
    if (!get_head(r, AXDR_ARRAY, &n) || n > TARIFF_WEEKS)
        return METER_EINVAL;
    memset(p->week, 0, sizeof p->week);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t f;
        if (!get_head(r, AXDR_STRUCT, &f) || f != 8 || !get_name(r, &p->week[k].name))
            return METER_EINVAL;
        for (unsigned d = 0; d < 7; d++) {
            int64_t id;
            if (!get_uint(r, 0, 255, &id))
                return METER_EINVAL;
            p->week[k].day_id[d] = (uint8_t)id;
        }
    }
    p->nweeks = (uint8_t)n;
    return METER_OK;
}

static int decode_days(struct axdr_r *r, struct tariff_passive *p)
{
    uint32_t n;
    if (!get_head(r, AXDR_ARRAY, &n) || n > TARIFF_DAY_PROFILES)
        return METER_EINVAL;
    memset(p->day, 0, sizeof p->day);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t f, ns;
        int64_t id;
        struct tariff_day *d = &p->day[k].d;
        if (!get_head(r, AXDR_STRUCT, &f) || f != 2 || !get_uint(r, 0, 255, &id) || !get_head(r, AXDR_ARRAY, &ns) ||
            ns > TARIFF_SWITCHES)
            return METER_EINVAL;
        p->day[k].id = (uint8_t)id;
        for (uint32_t i = 0; i < ns; i++) {
            const uint8_t *t, *ln;
            int64_t sel;
            if (!get_head(r, AXDR_STRUCT, &f) || f != 3 || (t = get_fixed(r, 4)) == NULL ||
                (ln = get_fixed(r, 6)) == NULL || !get_uint(r, 1, METER_TARIFFS_MAX, &sel))
                return METER_EINVAL;
            /* whole minutes; the action must be the tariffication script table */
            if (t[0] > 23 || t[1] > 59 || (t[2] != 0 && t[2] != 0xFF) || (t[3] != 0 && t[3] != 0xFF) ||
                memcmp(ln, script_ln, 6) != 0)
                return METER_EINVAL;
            uint16_t v = (uint16_t)(((unsigned)t[0] * 60u + t[1]) << 3 | (unsigned)(sel - 1));
            /* insert in time order (the Blue Book does not ask clients to sort) */
            unsigned at = d->n;
            while (at > 0 && (d->sw[at - 1] >> 3) > (v >> 3)) {
                d->sw[at] = d->sw[at - 1];
                at--;
            }
            if (at > 0 && (d->sw[at - 1] >> 3) == (v >> 3))
                return METER_EINVAL; /* two actions at one time */
            d->sw[at] = v;
            d->n++;
        }
    }
    p->ndays = (uint8_t)n;
    return METER_OK;
}

static int write_passive(struct meter *m, const struct tariff_passive *p, enum meter_access acc, enum meter_src src)
{
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    v.len = (uint8_t)TARIFF_PASSIVE_IMAGE;
    v.s[0] = 0;
    memcpy(v.s + 1, p, sizeof *p);
    return obj_write(m, objtab_find(&passive_ln), acc, &v, src);
}

int cosem_cal_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src)
{
    struct tariff_passive p = m->tariff_passive;
    int e;
    switch (attr) {
    case 6:
        e = get_name(r, &p.name) ? METER_OK : METER_EINVAL;
        break;
    case 7: e = decode_seasons(r, &p); break;
    case 8: e = decode_weeks(r, &p); break;
    case 9: e = decode_days(r, &p); break;
    case 10: {
        const uint8_t *dt = get_fixed(r, 12);
        int64_t at = 0;
        if (dt == NULL || !ctl_at_end(r))
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        e = cosem_datetime_parse(m, dt, &at);
        if (e == METER_ENOENT) {
            at = 0; /* not specified: no activation planned */
            e = METER_OK;
        }
        if (e < 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        struct obj_value v;
        memset(&v, 0, sizeof v);
        v.type = OBJ_T_DATETIME;
        v.i = at;
        return cosem_ctl_dar(obj_write(m, objtab_find(&activation_ln), acc, &v, src));
    }
    case 1:
    case 2:
    case 3:
    case 4:
    case 5: return cosem_ctl_refuse(m, o, src, METER_EACCES); /* the active calendar changes by activation only */
    default: return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    }
    if (e < 0 || !ctl_at_end(r))
        return cosem_ctl_refuse(m, o, src, METER_EINVAL);
    return cosem_ctl_dar(write_passive(m, &p, acc, src));
}

/* activate_passive_calendar (data: integer 0, any integer or null accepted). */
int cosem_cal_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src)
{
    (void)ret;
    if (method != 1)
        return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    if (params != NULL && axdr_r_left(params) > 0) {
        struct axdr_item it;
        int64_t x;
        if (axdr_get(params, &it) < 0 || (it.tag != AXDR_NULL && !axdr_item_int(&it, &x)) || !ctl_at_end(params))
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
    }
    return cosem_ctl_dar(obj_action(m, o, acc, 1, NULL, src));
}

/* ---- class 11 special days ------------------------------------------------------------ */

/* Day id of active day profile idx as the active calendar presents it. */
static uint8_t active_day_id(const struct tariff_passive *a, unsigned idx)
{
    return idx < a->ndays ? a->day[idx].id : (uint8_t)(idx + 1u);
}

int cosem_sd_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w)
{
    if (acc < o->rd)
        return METER_EACCES;
    if (attr != 2)
        return METER_ENOENT;
    struct tariff_passive a;
    active_tables(m, &a);
    const struct tariff_cal *c = &m->cfg.cal;
    unsigned n = c->nexc <= TARIFF_EXCEPTIONS ? c->nexc : TARIFF_EXCEPTIONS;
    axdr_put_array(w, n);
    for (unsigned i = 0; i < n; i++) {
        uint32_t x = c->exc[i];
        unsigned year = (x >> 16) & 0x3fffu;
        uint8_t date[5] = {year ? (uint8_t)(year >> 8) : 0xFF, year ? (uint8_t)year : 0xFF, (uint8_t)(x >> 8),
                           (uint8_t)x, 0xFF};
        axdr_put_struct(w, 3);
        axdr_put_int(w, AXDR_U16, i + 1u);
        axdr_put_octets_fixed(w, date, sizeof date);
        axdr_put_int(w, AXDR_U8, active_day_id(&a, x >> 30));
    }
    return 1;
}

int cosem_sd_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                 enum meter_src src)
{
    (void)m;
    (void)o;
    (void)r;
    (void)acc;
    (void)src;
    /* entries change through insert / delete only */
    return cosem_ctl_refuse(m, o, src, attr == 1 || attr == 2 ? METER_EACCES : METER_ENOENT);
}

int cosem_sd_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                    enum meter_access acc, enum meter_src src)
{
    (void)ret;
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    if (params == NULL)
        return cosem_ctl_refuse(m, o, src, METER_EINVAL);
    if (method == 2) {
        int64_t index;
        if (!get_uint(params, 1, 0xFFFF, &index) || !ctl_at_end(params))
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        v.i = index;
    } else if (method == 1) {
        uint32_t f;
        int64_t index, id;
        const uint8_t *d;
        if (!get_head(params, AXDR_STRUCT, &f) || f != 3 || !get_uint(params, 0, 0xFFFF, &index) ||
            (d = get_fixed(params, 5)) == NULL || !get_uint(params, 0, 255, &id) || !ctl_at_end(params))
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        unsigned year = (unsigned)d[0] << 8 | d[1];
        if (year == 0xFFFF)
            year = 0; /* every year */
        else if (year < 1970 || year > 9999)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        struct tariff_passive a;
        active_tables(m, &a);
        unsigned prof = TARIFF_DAY_PROFILES;
        for (unsigned k = 0; k < m->cfg.cal.ndays && k < TARIFF_DAY_PROFILES; k++)
            if (active_day_id(&a, k) == id)
                prof = k;
        if (prof == TARIFF_DAY_PROFILES || d[2] < 1 || d[2] > 12 || d[3] < 1 ||
            d[3] > clock_month_days(year ? (int)year : 2028, d[2]))
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        v.i = (int64_t)((uint64_t)index << 32 | (uint64_t)prof << 30 | (uint64_t)year << 16 | (uint64_t)d[2] << 8 | d[3]);
    } else {
        return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    }
    return cosem_ctl_dar(obj_action(m, o, acc, (unsigned)method, &v, src));
}

/* ---- for the association view ------------------------------------------------------- */

static bool row_wr(const char *key, enum meter_access acc)
{
    const struct obj_def *o = objtab_find_key(key);
    return o != NULL && o->set != NULL && o->wr != METER_ACC_NONE && acc >= o->wr;
}

bool cosem_ctl_attr_writable(const struct obj_def *o, int attr, enum meter_access acc)
{
    if (o == NULL || acc < o->rd)
        return false;
    switch (o->ic) {
    case IC_ACTIVITY_CALENDAR:
        return (attr >= 6 && attr <= 9 && row_wr("tariff_calendar_passive", acc)) ||
               (attr == 10 && row_wr("tariff_calendar_activation", acc));
    case IC_LIMITER:
        return (attr == 2 && o->set != NULL && acc >= o->wr) || (attr == 4 && row_wr("limiter_threshold1", acc)) ||
               (attr == 5 && row_wr("limiter_threshold2", acc)) || (attr == 6 && row_wr("limiter_time1_s", acc)) ||
               (attr == 7 && row_wr("limiter_delay_s", acc));
    case IC_PUSH_SETUP:
        /* its rows share the setup row's rights (han_obj.c) */
        return attr >= 2 && attr <= 5 && o->set != NULL && acc >= o->wr;
    default: return false;
    }
}

bool cosem_ctl_method_allowed(const struct obj_def *o, int method, enum meter_access acc)
{
    if (o == NULL || acc < o->rd || o->act == NULL || o->ex == METER_ACC_NONE || acc < o->ex)
        return false;
    switch (o->ic) {
    case IC_ACTIVITY_CALENDAR:
    case IC_PUSH_SETUP: return method == 1;
    case IC_SPECIAL_DAYS: return method == 1 || method == 2;
    default: return false;
    }
}
