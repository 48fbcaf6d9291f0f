/* tariff_passive.c — passive tariff calendar, its activation, special days
 * (see tariff_passive.h). */
#include "registers/tariff_passive.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "registers/clock.h"
#include "trimeter/meter.h"

#define EXC_YEAR(x) (((x) >> 16) & 0x3fffu)
#define EXC_PROF(x) ((x) >> 30)
#define EXC_MON(x) (((x) >> 8) & 0xffu)
#define EXC_DAY(x) ((x) & 0xffu)

_Static_assert(TARIFF_PASSIVE_IMAGE <= OBJ_STR_MAX, "the passive calendar's image fits a row value");

/* ---- section -------------------------------------------------------------------- */

void tariff_passive_factory(struct tariff_passive *p)
{
    memset(p, 0, sizeof *p);
}

static void *passive_ram(struct meter *m)
{
    return &m->tariff_passive;
}

static void passive_factory(struct meter *m)
{
    tariff_passive_factory(&m->tariff_passive);
}

static int passive_check(struct meter *m)
{
    return tariff_passive_valid(&m->tariff_passive) ? METER_OK : METER_EINVAL;
}

const struct cfg_section tariff_passive_section = {
    .id = CFG_ID_TARIFF_PASSIVE,
    .version = 1,
    .size = sizeof(struct tariff_passive),
    .ram = passive_ram,
    .factory = passive_factory,
    .check = passive_check,
};

/* ---- checks and links ------------------------------------------------------------ */

static bool name_ok(const struct tariff_name *n)
{
    return n->len <= TARIFF_NAME_MAX;
}

static bool name_eq(const struct tariff_name *a, const struct tariff_name *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static bool day_ok(const struct tariff_day *d)
{
    if (d->n > TARIFF_SWITCHES)
        return false;
    for (unsigned i = 0; i < d->n; i++) {
        if ((d->sw[i] >> 3) >= 1440u)
            return false;
        if (i > 0 && (d->sw[i] >> 3) <= (d->sw[i - 1] >> 3))
            return false; /* ascending, as the active calendar needs them */
    }
    return true;
}

static bool md_ok(unsigned mon, unsigned day)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= clock_month_days(2028, mon);
}

bool tariff_passive_valid(const struct tariff_passive *p)
{
    if (p->ndays > TARIFF_DAY_PROFILES || p->nweeks > TARIFF_WEEKS || p->nseasons > TARIFF_SEASONS ||
        !name_ok(&p->name) || !name_ok(&p->active_name) || p->activate_at < 0)
        return false;
    for (unsigned k = 0; k < p->ndays; k++) {
        if (!day_ok(&p->day[k].d))
            return false;
        for (unsigned j = 0; j < k; j++)
            if (p->day[j].id == p->day[k].id)
                return false;
    }
    for (unsigned k = 0; k < p->nweeks; k++) {
        if (!name_ok(&p->week[k].name))
            return false;
        for (unsigned j = 0; j < k; j++)
            if (name_eq(&p->week[j].name, &p->week[k].name))
                return false;
    }
    for (unsigned k = 0; k < p->nseasons; k++) {
        const struct tariff_pseason *s = &p->season[k];
        if (!name_ok(&s->name) || !name_ok(&s->week) || !md_ok(s->mon, s->day))
            return false;
        for (unsigned j = 0; j < k; j++)
            if (p->season[j].mon == s->mon && p->season[j].day == s->day)
                return false; /* two seasons starting on one day */
    }
    return true;
}

static int day_index(const struct tariff_passive *p, uint8_t id)
{
    for (unsigned k = 0; k < p->ndays; k++)
        if (p->day[k].id == id)
            return (int)k;
    return -1;
}

int tariff_passive_build(const struct tariff_passive *p, const struct tariff_cal *active, struct tariff_cal *out)
{
    struct tariff_cal c;
    if (!tariff_passive_valid(p) || p->ndays == 0 || p->nseasons == 0)
        return METER_ESTATE;
    memset(&c, 0, sizeof c);
    c.ndays = p->ndays;
    for (unsigned k = 0; k < p->ndays; k++)
        c.day[k] = p->day[k].d;
    c.nseasons = p->nseasons;
    for (unsigned s = 0; s < p->nseasons; s++) {
        const struct tariff_pweek *w = NULL;
        for (unsigned k = 0; k < p->nweeks; k++)
            if (name_eq(&p->week[k].name, &p->season[s].week))
                w = &p->week[k];
        if (w == NULL)
            return METER_ESTATE;
        c.season[s].mon = p->season[s].mon;
        c.season[s].day = p->season[s].day;
        for (unsigned d = 0; d < 7; d++) {
            int i = day_index(p, w->day_id[d]);
            if (i < 0)
                return METER_ESTATE;
            c.season[s].week[d] = (uint8_t)i;
        }
    }
    c.nexc = active->nexc <= TARIFF_EXCEPTIONS ? active->nexc : TARIFF_EXCEPTIONS;
    memcpy(c.exc, active->exc, c.nexc * sizeof c.exc[0]);
    for (unsigned i = 0; i < c.nexc; i++)
        if (EXC_PROF(c.exc[i]) >= c.ndays)
            return METER_ESTATE; /* a special day would name a missing day profile */
    *out = c;
    return METER_OK;
}

static void name_set(struct tariff_name *n, char a, unsigned k)
{
    n->len = 2;
    n->b[0] = (uint8_t)a;
    n->b[1] = (uint8_t)('1' + k);
}

void tariff_passive_of(const struct tariff_cal *c, struct tariff_passive *p)
{
    p->ndays = c->ndays <= TARIFF_DAY_PROFILES ? c->ndays : TARIFF_DAY_PROFILES;
    for (unsigned k = 0; k < p->ndays; k++) {
        p->day[k].id = (uint8_t)(k + 1);
        p->day[k].d = c->day[k];
    }
    p->nseasons = c->nseasons <= TARIFF_SEASONS ? c->nseasons : TARIFF_SEASONS;
    p->nweeks = p->nseasons;
    for (unsigned s = 0; s < p->nseasons; s++) {
        name_set(&p->season[s].name, 'S', s);
        name_set(&p->season[s].week, 'W', s);
        name_set(&p->week[s].name, 'W', s);
        p->season[s].mon = c->season[s].mon;
        p->season[s].day = c->season[s].day;
        for (unsigned d = 0; d < 7; d++)
            p->week[s].day_id[d] = (uint8_t)(c->season[s].week[d] + 1u);
    }
}

/* ---- activation ------------------------------------------------------------------ */

static const struct obis calendar_ln = OBIS(0, 0, 13, 0, 0, 255);

int tariff_passive_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                       enum meter_src src)
{
    (void)o;
    (void)arg;
    (void)src;
    if (method != 1)
        return METER_ENOTSUP;
    struct tariff_cal c;
    int r = tariff_passive_build(&m->tariff_passive, &m->cfg.cal, &c);
    if (r < 0)
        return r;
    m->cfg.cal = c;
    m->tariff_passive.active_name = m->tariff_passive.name;
    m->tariff_passive.activate_at = 0;
    m->tariff_memo.minute = 0; /* the next second looks the tariff up again */
    return config_save(m);
}

void tariff_passive_tick(struct meter *m)
{
    struct tariff_passive *p = &m->tariff_passive;
    if (p->activate_at == 0 || m->now < p->activate_at)
        return;
    const struct obj_def *o = objtab_find(&calendar_ln);
    if (o == NULL || obj_action(m, o, METER_ACC_MANAGER, 1, NULL, METER_SRC_INTERNAL) < 0) {
        /* Not activatable (incomplete links): dropped, not retried every
         * second (one store write); the passive calendar stays. */
        p->activate_at = 0;
        (void)config_save(m);
    }
}

/* ---- rows ------------------------------------------------------------------------ */

enum { PASSIVE_A_CAL = 0, PASSIVE_A_TIME = 1 };

int tariff_passive_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct tariff_passive *p = &m->tariff_passive;
    if (o->arg == PASSIVE_A_TIME) {
        v->type = OBJ_T_DATETIME;
        v->i = p->activate_at;
        return METER_OK;
    }
    struct tariff_cal c;
    static const struct tariff_cal none;
    if (tariff_passive_build(p, &none, &c) < 0)
        return obj_text_value(v, 0); /* empty, or links not complete yet */
    int n = tariff_cal_format(&c, v->s, sizeof v->s);
    if (n < 0) {
        /* Longer than a row value: the counts only (DLMS reads the tables). */
        static const char more[] = "(passive calendar: day profiles and seasons longer than this value)";
        memcpy(v->s, more, sizeof more - 1);
        n = (int)sizeof more - 1;
    }
    return obj_text_value(v, n);
}

/* A passive calendar from a row value: the binary image of the DLMS
 * adapter, or the text form (day profiles and seasons only). */
static int passive_of_value(const struct tariff_passive *cur, const struct obj_value *in, struct tariff_passive *out)
{
    if (in->type != OBJ_T_STRING)
        return METER_EINVAL;
    *out = *cur;
    if (in->len == TARIFF_PASSIVE_IMAGE && in->s[0] == 0) {
        struct tariff_passive img;
        memcpy(&img, in->s + 1, sizeof img);
        out->ndays = img.ndays;
        out->nweeks = img.nweeks;
        out->nseasons = img.nseasons;
        memcpy(out->day, img.day, sizeof out->day);
        memcpy(out->week, img.week, sizeof out->week);
        memcpy(out->season, img.season, sizeof out->season);
        out->name = img.name;
    } else {
        struct tariff_cal c;
        memset(&c, 0, sizeof c);
        if (in->len == 0) {
            out->ndays = out->nweeks = out->nseasons = 0;
        } else {
            int r = tariff_cal_parse(&c, in->s, in->len);
            if (r < 0)
                return r;
            if (c.nexc != 0)
                return METER_EINVAL; /* special days are the special days table's */
            tariff_passive_of(&c, out);
        }
    }
    return tariff_passive_valid(out) ? METER_OK : METER_EINVAL;
}

int tariff_passive_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    struct tariff_passive p = m->tariff_passive;
    if (o->arg == PASSIVE_A_TIME) {
        if (in->type != OBJ_T_DATETIME && in->type != OBJ_T_INT && in->type != OBJ_T_UINT)
            return METER_EINVAL;
        if (in->i < 0)
            return METER_ERANGE;
        p.activate_at = in->i; /* 0 = no activation planned; a past time activates at the next second */
    } else {
        int r = passive_of_value(&m->tariff_passive, in, &p);
        if (r < 0)
            return r;
    }
    m->tariff_passive = p;
    return METER_OK;
}

/* ---- special days ---------------------------------------------------------------- */

int tariff_special_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->cfg.cal.nexc, 0);
}

int tariff_special_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                       enum meter_src src)
{
    (void)o;
    (void)src;
    struct tariff_cal c = m->cfg.cal;
    if (arg == NULL || (arg->type != OBJ_T_INT && arg->type != OBJ_T_UINT) || arg->i < 0)
        return METER_EINVAL;
    uint64_t a = (uint64_t)arg->i;
    unsigned index = (unsigned)(a >> 32);
    if (c.nexc > TARIFF_EXCEPTIONS)
        return METER_ECORRUPT;
    if (method == 2) {
        if (a > 0xFFFFu || index != 0 || a < 1 || a > c.nexc)
            return METER_ERANGE;
        unsigned i = (unsigned)a - 1u;
        memmove(&c.exc[i], &c.exc[i + 1], (c.nexc - i - 1u) * sizeof c.exc[0]);
        c.nexc--;
    } else if (method == 1) {
        uint32_t x = (uint32_t)a;
        unsigned year = EXC_YEAR(x), mon = EXC_MON(x), day = EXC_DAY(x);
        if ((a >> 48) != 0 || EXC_PROF(x) >= c.ndays || (year != 0 && (year < 1970 || year > 9999)) || mon < 1 ||
            mon > 12 || day < 1 || day > clock_month_days(year ? (int)year : 2028, mon))
            return METER_ERANGE;
        unsigned i;
        for (i = 0; i < c.nexc; i++)
            if ((c.exc[i] & 0x3fffffffu) == (x & 0x3fffffffu))
                break; /* the same date: replaced */
        if (i == c.nexc && index >= 1 && index <= c.nexc)
            i = index - 1u; /* the same index: replaced */
        if (i == c.nexc) {
            if (c.nexc >= TARIFF_EXCEPTIONS)
                return METER_ENOSPC;
            c.nexc++;
        }
        c.exc[i] = x;
    } else {
        return METER_ENOTSUP;
    }
    m->cfg.cal = c;
    m->tariff_memo.minute = 0;
    return config_save(m);
}
