/*
 * clock.c — civil calendar, EU/table daylight saving, and the meter's clock
 * set path. The calendar part is pure and shared with the simulator.
 */
#include "registers/clock.h"

#include "trimeter/err.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

bool clock_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned clock_month_days(int year, unsigned mon)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon < 1 || mon > 12)
        return 0;
    return days[mon - 1] + (mon == 2 && clock_is_leap(year) ? 1u : 0u);
}

/* Days from civil (H. Hinnant's algorithm, public domain description). */
int64_t clock_days_from_civil(int year, unsigned mon, unsigned day)
{
    int64_t y = (int64_t)year - (mon <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = mon > 2 ? (int64_t)mon - 3 : (int64_t)mon + 9;
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t clock_join(int year, unsigned mon, unsigned day, unsigned hour, unsigned min, unsigned sec)
{
    return clock_days_from_civil(year, mon, day) * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 +
           (int64_t)sec;
}

int64_t clock_floor(int64_t t, int64_t period)
{
    int64_t r = t % period;
    return r < 0 ? t - r - period : t - r;
}

void clock_split(int64_t t, struct clock_dt *out)
{
    int64_t days = clock_floor(t, 86400) / 86400;
    int64_t sod = t - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t mo = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (mo <= 2 ? 1 : 0);
    out->year = (int16_t)y;
    out->mon = (uint8_t)mo;
    out->day = (uint8_t)d;
    out->hour = (uint8_t)(sod / 3600);
    out->min = (uint8_t)(sod / 60 % 60);
    out->sec = (uint8_t)(sod % 60);
    out->wday = (uint8_t)clock_wday(t);
}

unsigned clock_wday(int64_t t)
{
    int64_t days = clock_floor(t, 86400) / 86400;
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days + 3) % 7;
    if (w < 0)
        w += 7;
    return (unsigned)w + 1u;
}

/* Last Sunday of a month, 01:00 UTC. */
static int64_t eu_last_sunday_0100(int year, unsigned mon)
{
    int64_t last = clock_join(year, mon, clock_month_days(year, mon), 1, 0, 0);
    return last - (int64_t)(clock_wday(last) % 7u) * 86400;
}

int64_t clock_eu_dst_begin(int year)
{
    return eu_last_sunday_0100(year, 3);
}

int64_t clock_eu_dst_end(int year)
{
    return eu_last_sunday_0100(year, 10);
}

bool clock_dst_active(const struct clock_zone *z, int64_t utc)
{
    switch (z->mode) {
    case CLOCK_DST_EU: {
        struct clock_dt dt;
        clock_split(utc, &dt);
        return utc >= clock_eu_dst_begin(dt.year) && utc < clock_eu_dst_end(dt.year);
    }
    case CLOCK_DST_TABLE:
        for (unsigned i = 0; i < z->ntable && i < CLOCK_DST_TABLE_LEN; i++)
            if (utc >= (int64_t)z->table[i].begin && utc < (int64_t)z->table[i].end)
                return true;
        return false;
    default:
        return false;
    }
}

int clock_offset_min(const struct clock_zone *z, int64_t utc)
{
    return z->std_offset_min + (clock_dst_active(z, utc) ? CLOCK_DST_SHIFT_MIN : 0);
}

int64_t clock_to_local(const struct clock_zone *z, int64_t utc)
{
    return utc + (int64_t)clock_offset_min(z, utc) * 60;
}

int64_t clock_to_standard(const struct clock_zone *z, int64_t utc)
{
    return utc + (int64_t)z->std_offset_min * 60;
}

int64_t clock_from_local(const struct clock_zone *z, int64_t local)
{
    int64_t std = local - (int64_t)z->std_offset_min * 60;
    int64_t dst = std - (int64_t)CLOCK_DST_SHIFT_MIN * 60;
    /* Prefer the daylight-saving reading when it is consistent. */
    if (clock_dst_active(z, dst))
        return dst;
    return std;
}

static void fmt_2(struct fmt_buf *f, unsigned v)
{
    fmt_uint(f, v, 2);
}

int clock_format_iso(int64_t t_civil, int offset_min, char *buf, size_t n)
{
    struct clock_dt dt;
    struct fmt_buf f;
    clock_split(t_civil, &dt);
    fmt_init(&f, buf, n);
    fmt_uint(&f, (uint64_t)(dt.year < 0 ? 0 : dt.year), 4);
    fmt_char(&f, '-');
    fmt_2(&f, dt.mon);
    fmt_char(&f, '-');
    fmt_2(&f, dt.day);
    fmt_char(&f, 'T');
    fmt_2(&f, dt.hour);
    fmt_char(&f, ':');
    fmt_2(&f, dt.min);
    fmt_char(&f, ':');
    fmt_2(&f, dt.sec);
    unsigned off = (unsigned)(offset_min < 0 ? -offset_min : offset_min);
    if (offset_min == 0) {
        fmt_char(&f, 'Z');
    } else {
        fmt_char(&f, offset_min < 0 ? '-' : '+');
        fmt_2(&f, off / 60u);
        fmt_char(&f, ':');
        fmt_2(&f, off % 60u);
    }
    return fmt_end(&f);
}

/* Reads exactly `digits` decimal digits. */
static bool read_num(const char **p, unsigned digits, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10u + (unsigned)(c - '0');
    }
    *p += digits;
    *out = v;
    return true;
}

int clock_parse_iso(const char *s, int64_t *utc)
{
    unsigned y, mo, d, h, mi, se = 0, oh = 0, om = 0;
    int sign = 0;
    const char *p = s;
    if (s == NULL || utc == NULL)
        return METER_EINVAL;
    if (!read_num(&p, 4, &y) || *p++ != '-' || !read_num(&p, 2, &mo) || *p++ != '-' ||
        !read_num(&p, 2, &d))
        return METER_EINVAL;
    if (*p != 'T' && *p != ' ')
        return METER_EINVAL;
    p++;
    if (!read_num(&p, 2, &h) || *p++ != ':' || !read_num(&p, 2, &mi))
        return METER_EINVAL;
    if (*p == ':') {
        p++;
        if (!read_num(&p, 2, &se))
            return METER_EINVAL;
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (!read_num(&p, 2, &oh))
            return METER_EINVAL;
        if (*p == ':')
            p++;
        if (!read_num(&p, 2, &om))
            return METER_EINVAL;
    }
    if (*p != '\0')
        return METER_EINVAL;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > clock_month_days((int)y, mo) || h > 23 ||
        mi > 59 || se > 59 || oh > 14 || om > 59)
        return METER_EINVAL;
    int64_t t = clock_join((int)y, mo, d, h, mi, se);
    *utc = t - (int64_t)sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    return METER_OK;
}

/* ---- the meter's clock ---------------------------------------------------- */

#include "trimeter/meter.h"

/* Changes up to this size are adjustments: the running demand and profile
 * periods go on (flagged), larger ones are clock sets that close them. */
#define CLOCK_ADJUST_MAX_S 30

int clock_set(struct meter *m, int64_t utc, enum meter_src src)
{
    const struct meter_hal *hal = m->hal;
    int64_t old = m->now, d = utc - old;
    if (utc < CLOCK_UTC_MIN || utc >= CLOCK_UTC_END)
        return METER_ERANGE;
    bool adjust = d >= -CLOCK_ADJUST_MAX_S && d <= CLOCK_ADJUST_MAX_S && !(m->status & METER_ST_CLOCK_INVALID);
    if (hal->rtc_set != NULL && hal->rtc_set(hal->ctx, utc) < 0)
        return METER_EIO;
    if (adjust) {
        m->profile.status |= PROFILE_ST_CLOCK_SET;
        m->logger.status |= PROFILE_ST_CLOCK_SET;
        m->demand.partial = 1;
    } else {
        demand_cut(&m->demand, old, (int64_t)m->cfg.demand_period_min * 60);
        profile_clock_set(m, old, utc);
        logger_clock_set(m);
    }
    m->now = utc;
    m->status &= ~(uint32_t)METER_ST_CLOCK_INVALID;
    /* Every schedule resumes from the new time (issue 12 item 5). Billing:
     * a set forward over boundaries ends one period at the next tick (as
     * an outage does, stamped with the first boundary passed); a set back
     * to before the last end counts from the new time, except that the
     * boundary the newest snapshot is stamped with is not billed again. */
    if (utc < m->billing.ref) {
        struct billing_rec last;
        int64_t b = billing_next_boundary(m, utc);
        if (billing_snapshot_read(m, 1, &last) == METER_OK && b != 0 && b == (int64_t)last.time)
            m->billing.ref = b;
        else
            m->billing.ref = utc;
    }
    m->billing.next = -1;
    /* the daily self-test: never more than a day away */
    if (m->legal.next_test > utc + 86400)
        m->legal.next_test = utc + 86400;
    /* A change beyond the synchronisation window is legally relevant:
     * the metrological log (never overwritten); a synchronisation goes to
     * the clock log. */
    evlog_add_obj(m, access_clock_relevant(m, d) ? EV_CLOCK_SET : EV_CLOCK_ADJUST, src, 0x00010000u,
                  (int32_t)(uint32_t)old, (int32_t)(uint32_t)utc);
    return legal_save(m);
}

int64_t clock_civil_of(const struct meter *m, int64_t utc, bool standard)
{
    return standard ? clock_to_standard(&m->cfg.zone, utc) : clock_to_local(&m->cfg.zone, utc);
}

int64_t clock_utc_of(const struct meter *m, int64_t local)
{
    return clock_from_local(&m->cfg.zone, local);
}
