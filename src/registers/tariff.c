/* tariff.c — time-of-use calendar: lookup, text form (see tariff.h). */
#include "registers/tariff.h"

#include "trimeter/meter.h"

#include <string.h>

#include "registers/clock.h"
#include "trimeter/err.h"
#include "trimeter/hal.h"
#include "util/fmt.h"

#define EXC_YEAR(x) (((x) >> 16) & 0x3fffu)
#define EXC_PROF(x) ((x) >> 30)
#define EXC_MON(x) (((x) >> 8) & 0xffu)
#define EXC_DAY(x) ((x) & 0xffu)

void tariff_cal_factory(struct tariff_cal *c)
{
    static const char factory[] = "d1=07:00/1,22:00/2;s1=01-01/1111111";
    memset(c, 0, sizeof *c);
    (void)tariff_cal_parse(c, factory, sizeof factory - 1);
}

/* ---- lookup ----------------------------------------------------------- */

/* The exception date entry for a civil date, or NULL. */
static const uint32_t *exception_of(const struct tariff_cal *c, const struct clock_dt *dt)
{
    for (unsigned i = 0; i < c->nexc && i < TARIFF_EXCEPTIONS; i++) {
        uint32_t x = c->exc[i];
        if (EXC_MON(x) == dt->mon && EXC_DAY(x) == dt->day &&
            (EXC_YEAR(x) == 0 || EXC_YEAR(x) == (uint32_t)dt->year))
            return &c->exc[i];
    }
    return NULL;
}

bool tariff_is_exception(const struct tariff_cal *c, int64_t local)
{
    struct clock_dt dt;
    clock_split(local, &dt);
    return exception_of(c, &dt) != NULL;
}

unsigned tariff_day_profile(const struct tariff_cal *c, int64_t local)
{
    struct clock_dt dt;
    clock_split(local, &dt);
    const uint32_t *x = exception_of(c, &dt);
    if (x != NULL)
        return EXC_PROF(*x);
    if (c->nseasons == 0)
        return 0;
    /* The season whose start is the latest on or before today; before the
     * first start of the year the last season of the previous year runs. */
    unsigned today = (unsigned)dt.mon * 32u + dt.day, best = c->nseasons, best_key = 0, last = 0,
             last_key = 0;
    for (unsigned s = 0; s < c->nseasons && s < TARIFF_SEASONS; s++) {
        unsigned key = (unsigned)c->season[s].mon * 32u + c->season[s].day;
        if (key <= today && (best == c->nseasons || key >= best_key)) {
            best = s;
            best_key = key;
        }
        if (key >= last_key) {
            last = s;
            last_key = key;
        }
    }
    if (best == c->nseasons)
        best = last;
    return c->season[best].week[dt.wday - 1];
}

/* Tariff 1..8 in force at the end of a day profile (carried into the next day). */
static unsigned day_last_tariff(const struct tariff_day *d)
{
    return d->n ? (d->sw[d->n - 1] & 7u) + 1u : 1u;
}

unsigned tariff_at(const struct tariff_cal *c, int64_t local)
{
    unsigned p = tariff_day_profile(c, local);
    if (p >= c->ndays)
        return 1;
    const struct tariff_day *d = &c->day[p];
    unsigned mod = (unsigned)((local - clock_floor(local, 86400)) / 60);
    unsigned t = 0;
    for (unsigned i = 0; i < d->n; i++)
        if ((unsigned)(d->sw[i] >> 3) <= mod)
            t = (d->sw[i] & 7u) + 1u;
    if (t == 0) {
        unsigned pp = tariff_day_profile(c, local - 86400);
        t = pp < c->ndays ? day_last_tariff(&c->day[pp]) : 1u;
    }
    return t;
}

unsigned tariff_select(const struct tariff_cal *c, int64_t local, unsigned ext_enable, uint32_t inputs)
{
    unsigned t;
    if (ext_enable)
        t = 1u + ((inputs & METER_IN_TARIFF0) ? 1u : 0u) + ((inputs & METER_IN_TARIFF1) ? 2u : 0u);
    else
        t = tariff_at(c, local);
    /* Tariffs beyond the registered ones fold into the last register. */
    return (t > METER_TARIFFS ? METER_TARIFFS : t) - 1u;
}

/* ---- text form ---------------------------------------------------------- */

struct scan {
    const char *p, *end;
};

static void skip_blanks(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int peek(struct scan *s)
{
    skip_blanks(s);
    return s->p < s->end ? (unsigned char)*s->p : -1;
}

static bool take(struct scan *s, char c)
{
    if (peek(s) != (unsigned char)c)
        return false;
    s->p++;
    return true;
}

/* 1..maxd digits. */
static bool number(struct scan *s, unsigned maxd, unsigned *out)
{
    unsigned v = 0, k = 0;
    skip_blanks(s);
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && k < maxd) {
        v = v * 10u + (unsigned)(*s->p++ - '0');
        k++;
    }
    if (k == 0 || (s->p < s->end && *s->p >= '0' && *s->p <= '9'))
        return false;
    *out = v;
    return true;
}

static bool valid_md(unsigned mon, unsigned day, unsigned year)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= clock_month_days(year ? (int)year : 2028, mon);
}

static int parse_day(struct scan *s, struct tariff_day *d)
{
    struct tariff_day nd;
    memset(&nd, 0, sizeof nd);
    do {
        unsigned h, mi, t;
        if (!number(s, 2, &h) || !take(s, ':') || !number(s, 2, &mi) || !take(s, '/') || !number(s, 1, &t))
            return METER_EINVAL;
        if (h > 23 || mi > 59 || t < 1 || t > METER_TARIFFS_MAX)
            return METER_EINVAL;
        if (nd.n == TARIFF_SWITCHES)
            return METER_ENOSPC;
        uint16_t v = (uint16_t)((h * 60u + mi) << 3 | (t - 1u));
        if (nd.n > 0 && (v >> 3) <= (nd.sw[nd.n - 1] >> 3))
            return METER_EINVAL; /* switch points ascend */
        nd.sw[nd.n++] = v;
    } while (take(s, ','));
    *d = nd;
    return METER_OK;
}

static int parse_season(struct scan *s, struct tariff_season *se, unsigned ndays)
{
    unsigned mon, day;
    if (!number(s, 2, &mon) || !take(s, '-') || !number(s, 2, &day) || !take(s, '/'))
        return METER_EINVAL;
    if (!valid_md(mon, day, 0))
        return METER_EINVAL;
    se->mon = (uint8_t)mon;
    se->day = (uint8_t)day;
    skip_blanks(s);
    for (unsigned i = 0; i < 7; i++) {
        if (s->p >= s->end || *s->p < '1' || *s->p > '0' + (int)TARIFF_DAY_PROFILES)
            return METER_EINVAL;
        unsigned p = (unsigned)(*s->p++ - '1');
        if (p >= ndays)
            return METER_EINVAL;
        se->week[i] = (uint8_t)p;
    }
    return METER_OK;
}

static int parse_exceptions(struct scan *s, struct tariff_cal *c)
{
    do {
        unsigned a, b, cc = 0, p, year = 0, mon, day;
        if (!number(s, 4, &a) || !take(s, '-') || !number(s, 2, &b))
            return METER_EINVAL;
        if (take(s, '-')) {
            if (!number(s, 2, &cc) || a < 1970 || a > 9999)
                return METER_EINVAL;
            year = a;
            mon = b;
            day = cc;
        } else {
            mon = a;
            day = b;
        }
        if (!take(s, '/') || !number(s, 1, &p) || p < 1 || p > TARIFF_DAY_PROFILES)
            return METER_EINVAL;
        if (!valid_md(mon, day, year))
            return METER_EINVAL;
        uint32_t x = ((uint32_t)(p - 1u) << 30) | (year << 16) | (mon << 8) | day;
        unsigned i;
        for (i = 0; i < c->nexc; i++)
            if ((c->exc[i] & 0x3fffffffu) == (x & 0x3fffffffu))
                break;
        if (i == c->nexc) {
            if (c->nexc == TARIFF_EXCEPTIONS)
                return METER_ENOSPC;
            c->nexc++;
        }
        c->exc[i] = x;
    } while (take(s, ','));
    return METER_OK;
}

int tariff_cal_parse(struct tariff_cal *c, const char *text, size_t len)
{
    struct tariff_cal nc;
    struct scan s = {text, text + len};
    if (text == NULL)
        return METER_EINVAL;
    if (take(&s, '+'))
        nc = *c;
    else
        memset(&nc, 0, sizeof nc);
    bool any = false;
    while (peek(&s) >= 0) {
        int k = peek(&s);
        unsigned idx = 0;
        int r;
        s.p++;
        if (k == 'd' || k == 's') {
            if (!number(&s, 1, &idx) || idx < 1)
                return METER_EINVAL;
        }
        if (!take(&s, '='))
            return METER_EINVAL;
        if (k == 'd') {
            if (idx > TARIFF_DAY_PROFILES || idx > (unsigned)nc.ndays + 1u)
                return METER_EINVAL; /* day profiles are numbered without gaps */
            r = parse_day(&s, &nc.day[idx - 1]);
            if (idx > nc.ndays)
                nc.ndays = (uint8_t)idx;
        } else if (k == 's') {
            if (idx > TARIFF_SEASONS || idx > (unsigned)nc.nseasons + 1u)
                return METER_EINVAL;
            r = parse_season(&s, &nc.season[idx - 1], TARIFF_DAY_PROFILES);
            if (idx > nc.nseasons)
                nc.nseasons = (uint8_t)idx;
        } else if (k == 'x') {
            r = parse_exceptions(&s, &nc);
        } else {
            return METER_EINVAL;
        }
        if (r < 0)
            return r;
        any = true;
        if (peek(&s) >= 0 && !take(&s, ';'))
            return METER_EINVAL;
    }
    if (!any || nc.ndays == 0 || nc.nseasons == 0)
        return METER_EINVAL;
    /* Every day profile a season or exception names must exist. */
    for (unsigned i = 0; i < nc.nseasons; i++)
        for (unsigned w = 0; w < 7; w++)
            if (nc.season[i].week[w] >= nc.ndays)
                return METER_EINVAL;
    for (unsigned i = 0; i < nc.nexc; i++)
        if (EXC_PROF(nc.exc[i]) >= nc.ndays)
            return METER_EINVAL;
    *c = nc;
    return METER_OK;
}

static void fmt_md(struct fmt_buf *f, unsigned mon, unsigned day)
{
    fmt_uint(f, mon, 2);
    fmt_char(f, '-');
    fmt_uint(f, day, 2);
}

/* One exception date "[YYYY-]MM-DD/P". */
static void fmt_exc(struct fmt_buf *f, uint32_t x)
{
    if (EXC_YEAR(x)) {
        fmt_uint(f, EXC_YEAR(x), 4);
        fmt_char(f, '-');
    }
    fmt_md(f, EXC_MON(x), EXC_DAY(x));
    fmt_char(f, '/');
    fmt_uint(f, EXC_PROF(x) + 1u, 1);
}

int tariff_exc_format(const struct tariff_cal *c, unsigned first, unsigned count, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    for (unsigned i = first; i < c->nexc && i < first + count; i++) {
        if (i > first)
            fmt_char(&f, ',');
        fmt_exc(&f, c->exc[i]);
    }
    return fmt_end(&f);
}

int tariff_cal_format(const struct tariff_cal *c, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    for (unsigned d = 0; d < c->ndays && d < TARIFF_DAY_PROFILES; d++) {
        if (d)
            fmt_char(&f, ';');
        fmt_char(&f, 'd');
        fmt_uint(&f, d + 1u, 1);
        fmt_char(&f, '=');
        for (unsigned i = 0; i < c->day[d].n; i++) {
            unsigned v = c->day[d].sw[i];
            if (i)
                fmt_char(&f, ',');
            fmt_uint(&f, (v >> 3) / 60u, 2);
            fmt_char(&f, ':');
            fmt_uint(&f, (v >> 3) % 60u, 2);
            fmt_char(&f, '/');
            fmt_uint(&f, (v & 7u) + 1u, 1);
        }
    }
    for (unsigned s = 0; s < c->nseasons && s < TARIFF_SEASONS; s++) {
        fmt_str(&f, ";s");
        fmt_uint(&f, s + 1u, 1);
        fmt_char(&f, '=');
        fmt_md(&f, c->season[s].mon, c->season[s].day);
        fmt_char(&f, '/');
        for (unsigned w = 0; w < 7; w++)
            fmt_uint(&f, c->season[s].week[w] + 1u, 1);
    }
    if (fmt_end(&f) < 0)
        return METER_ENOSPC;
    /* Exception dates while they fit, leaving room for a "x+NNN" summary. */
    unsigned i;
    for (i = 0; i < c->nexc; i++) {
        if (f.len + 18 + 7 >= n)
            break;
        fmt_str(&f, i == 0 ? ";x=" : ",");
        fmt_exc(&f, c->exc[i]);
    }
    if (i < c->nexc) {
        fmt_str(&f, ";x+");
        fmt_uint(&f, c->nexc - i, 1);
    }
    return fmt_end(&f);
}

void tariff_now(const struct meter *m, struct tariff_now *out)
{
    struct clock_dt dt;
    int64_t local = clock_civil_of(m, m->now, false);
    clock_split(local, &dt);
    out->wday = dt.wday;
    out->minute = (uint16_t)(dt.hour * 60u + dt.min);
    out->exception = tariff_is_exception(&m->cfg.cal, local);
}
