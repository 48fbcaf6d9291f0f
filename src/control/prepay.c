/*
 * prepay.c — prepayment credit and its disconnection window (see prepay.h).
 */
#include "control/prepay.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/fmt.h"

#define UWH_PER_WH 1000000LL

enum { WARNED_LOW = 1u << 0, WARNED_EMPTY = 1u << 1 };

void prepay_cfg_default(struct prepay_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->enable = 0;
    c->low_wh = 5000;      /* 5 kWh */
    c->from_min = 9 * 60;  /* Monday-Friday 09:00-15:00 */
    c->to_min = 15 * 60;
    c->days = 0x1f;
    c->reconnect = RELAY_RETURN_MANUAL;
}

int64_t prepay_credit_uwh(const struct meter *m)
{
    const struct prepay_nv *nv = &m->control.nv.prepay;
    if (!m->control.cfg.prepay.enable || m->energy.total[MEAS_AP] < nv->ap_ref)
        return nv->base_uwh;
    uint64_t used = m->energy.total[MEAS_AP] - nv->ap_ref;
    return nv->base_uwh - (int64_t)used;
}

void prepay_enable(struct meter *m, bool on)
{
    struct prepay_nv *nv = &m->control.nv.prepay;
    if ((m->control.cfg.prepay.enable != 0) == on)
        return;
    /* Freeze the credit as it is; count from A+ now on. */
    nv->base_uwh = prepay_credit_uwh(m);
    nv->ap_ref = m->energy.total[MEAS_AP];
    m->control.cfg.prepay.enable = on ? 1u : 0u;
    control_commit_nv(m);
    control_changed(m);
}

bool prepay_empty(const struct meter *m)
{
    return m->control.cfg.prepay.enable && prepay_credit_uwh(m) <= 0;
}

bool prepay_low(const struct meter *m)
{
    int64_t c = prepay_credit_uwh(m);
    return m->control.cfg.prepay.enable && c > 0 && c < (int64_t)m->control.cfg.prepay.low_wh * UWH_PER_WH;
}

bool prepay_window_open(const struct prepay_cfg *c, unsigned wday, unsigned minute_of_day,
                        bool exception_day)
{
    if (exception_day || wday < 1 || wday > 7 || !(c->days & (1u << (wday - 1))))
        return false;
    if (c->from_min == c->to_min)
        return true; /* the whole day */
    if (c->from_min < c->to_min)
        return minute_of_day >= c->from_min && minute_of_day < c->to_min;
    return minute_of_day >= c->from_min || minute_of_day < c->to_min; /* across midnight */
}

int prepay_window_format(const struct prepay_cfg *c, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    /* Days as ranges of ISO weekday numbers: "1-5", "1,3,5", "6-7". */
    bool first = true;
    for (unsigned d = 1; d <= 7;) {
        if (!(c->days & (1u << (d - 1)))) {
            d++;
            continue;
        }
        unsigned e = d;
        while (e < 7 && (c->days & (1u << e)))
            e++;
        if (!first)
            fmt_char(&f, ',');
        first = false;
        fmt_uint(&f, d, 1);
        if (e > d) {
            fmt_char(&f, e == d + 1 ? ',' : '-');
            fmt_uint(&f, e, 1);
        }
        d = e + 1;
    }
    if (first)
        fmt_char(&f, '0');
    fmt_char(&f, ' ');
    fmt_hhmm(&f, c->from_min);
    fmt_char(&f, '-');
    fmt_hhmm(&f, c->to_min);
    return fmt_end(&f);
}

int prepay_window_parse(struct prepay_cfg *c, const char *text, size_t len)
{
    size_t i = 0;
    uint8_t days = 0;
    /* days: "0" (never) or d[-d][,d[-d]]... */
    if (i < len && text[i] == '0') {
        i++;
    } else {
        for (;;) {
            if (i >= len || text[i] < '1' || text[i] > '7')
                return METER_EINVAL;
            unsigned a = (unsigned)(text[i++] - '0'), b = a;
            if (i < len && text[i] == '-') {
                i++;
                if (i >= len || text[i] < '1' || text[i] > '7')
                    return METER_EINVAL;
                b = (unsigned)(text[i++] - '0');
                if (b < a)
                    return METER_EINVAL;
            }
            for (unsigned d = a; d <= b; d++)
                days |= (uint8_t)(1u << (d - 1));
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            break;
        }
    }
    if (i >= len || text[i] != ' ')
        return METER_EINVAL;
    while (i < len && text[i] == ' ')
        i++;
    uint16_t from, to;
    size_t used;
    if (fmt_parse_hhmm(text + i, len - i, &used, &from) < 0)
        return METER_EINVAL;
    i += used;
    if (i >= len || text[i] != '-')
        return METER_EINVAL;
    i++;
    if (fmt_parse_hhmm(text + i, len - i, &used, &to) < 0)
        return METER_EINVAL;
    i += used;
    if (i != len || from >= 1440 || to > 1440)
        return METER_EINVAL;
    c->days = days;
    c->from_min = from;
    c->to_min = to == 1440 ? 0 : to;
    if (to == 1440 && from == 0)
        c->to_min = 0; /* 00:00-24:00: the whole day */
    return METER_OK;
}

void prepay_init(struct meter *m)
{
    m->control.prepay.in_window = false;
}

/* Decide on the relay and the warnings from the credit now. */
static void prepay_eval(struct meter *m, enum meter_src src)
{
    const struct prepay_cfg *c = &m->control.cfg.prepay;
    uint8_t *warned = &m->control.nv.prepay_warned;
    if (!c->enable) {
        if (relay_held_by(m, RELAY_CAUSE_PREPAY))
            relay_release_hold(m, RELAY_CAUSE_PREPAY, RELAY_RETURN_AUTO, src);
        if (*warned) {
            *warned = 0;
            control_commit_nv(m);
        }
        return;
    }
    int64_t credit = prepay_credit_uwh(m);
    int32_t credit_wh = (int32_t)(credit / UWH_PER_WH);
    if (credit <= 0) {
        if (!(*warned & WARNED_EMPTY)) {
            *warned |= WARNED_EMPTY | WARNED_LOW;
            control_commit_nv(m);
            evlog_add(m, EV_CREDIT_EMPTY, src, credit_wh, 0);
            control_changed(m);
        }
        struct tariff_now lt;
        tariff_now(m, &lt);
        m->control.prepay.in_window = prepay_window_open(c, lt.wday, lt.minute, lt.exception);
        if (m->control.prepay.in_window && !relay_held_by(m, RELAY_CAUSE_PREPAY))
            relay_hold(m, RELAY_CAUSE_PREPAY, METER_SRC_INTERNAL);
        return;
    }
    if (relay_held_by(m, RELAY_CAUSE_PREPAY))
        relay_release_hold(m, RELAY_CAUSE_PREPAY, (enum relay_return)c->reconnect, src);
    uint8_t w = credit < (int64_t)c->low_wh * UWH_PER_WH ? WARNED_LOW : 0;
    if (w && !(*warned & WARNED_LOW)) {
        *warned = WARNED_LOW;
        control_commit_nv(m);
        evlog_add(m, EV_CREDIT_LOW, src, credit_wh, 0);
        control_changed(m);
    } else if (*warned != w) {
        *warned = w;
        control_commit_nv(m);
        control_changed(m);
    }
}

void prepay_second(struct meter *m)
{
    prepay_eval(m, METER_SRC_INTERNAL);
}

int prepay_topup(struct meter *m, int64_t wh, enum meter_src src)
{
    struct prepay_nv *nv = &m->control.nv.prepay;
    if (wh <= 0 || wh > PREPAY_CREDIT_MAX_WH)
        return METER_ERANGE;
    int64_t credit = prepay_credit_uwh(m) + wh * UWH_PER_WH;
    if (credit > PREPAY_CREDIT_MAX_WH * UWH_PER_WH)
        return METER_ERANGE;
    nv->base_uwh = credit;
    nv->ap_ref = m->energy.total[MEAS_AP];
    control_commit_nv(m);
    prepay_eval(m, src);
    control_changed(m);
    return METER_OK;
}
