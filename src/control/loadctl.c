/*
 * loadctl.c — load-control relays and tariff inputs (see loadctl.h).
 */
#include "control/loadctl.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/fmt.h"

static const char *const mode_names[LOADCTL_MODES] = {"remote", "tariff", "program", "limiter"};

void loadctl_cfg_default(struct loadctl_cfg *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned r = 0; r < LOADCTL_RELAYS; r++)
        c->r[r].mode = LOADCTL_REMOTE;
}

const char *loadctl_mode_name(enum loadctl_mode mode)
{
    return (unsigned)mode < LOADCTL_MODES ? mode_names[mode] : "unknown";
}

const char *loadctl_source_name(enum loadctl_source src)
{
    return loadctl_mode_name((enum loadctl_mode)src); /* the same names */
}

int loadctl_mode_parse(const char *text, size_t len)
{
    for (unsigned k = 0; k < LOADCTL_MODES; k++)
        if (strlen(mode_names[k]) == len && memcmp(mode_names[k], text, len) == 0)
            return (int)k;
    return METER_EINVAL;
}

int loadctl_program_format(const struct loadctl_relay_cfg *r, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    for (unsigned k = 0; k < r->nprog && k < LOADCTL_PROG_MAX; k++) {
        if (k > 0)
            fmt_char(&f, ',');
        fmt_hhmm(&f, r->prog[k].on_min);
        fmt_char(&f, '-');
        fmt_hhmm(&f, r->prog[k].off_min);
    }
    return fmt_end(&f);
}

int loadctl_program_parse(struct loadctl_relay_cfg *r, const char *text, size_t len)
{
    struct loadctl_interval iv[LOADCTL_PROG_MAX];
    unsigned n = 0;
    size_t i = 0, used;
    while (i < len) {
        uint16_t on, off;
        if (n == LOADCTL_PROG_MAX)
            return METER_ENOSPC;
        if (fmt_parse_hhmm(text + i, len - i, &used, &on) < 0 || on >= 1440)
            return METER_EINVAL;
        i += used;
        if (i >= len || text[i] != '-')
            return METER_EINVAL;
        i++;
        if (fmt_parse_hhmm(text + i, len - i, &used, &off) < 0 || off == on)
            return METER_EINVAL;
        i += used;
        iv[n].on_min = on;
        iv[n].off_min = off == 1440 ? 0 : off;
        n++;
        if (i < len) {
            if (text[i] != ',')
                return METER_EINVAL;
            i++;
            if (i == len)
                return METER_EINVAL;
        }
    }
    memcpy(r->prog, iv, n * sizeof iv[0]);
    r->nprog = (uint8_t)n;
    return METER_OK;
}

int loadctl_tariffs_format(uint8_t mask, char *buf, size_t n)
{
    struct fmt_buf f;
    bool first = true;
    fmt_init(&f, buf, n);
    for (unsigned t = 0; t < 8; t++) {
        if (!(mask & (1u << t)))
            continue;
        if (!first)
            fmt_char(&f, ',');
        first = false;
        fmt_uint(&f, t + 1u, 1);
    }
    return fmt_end(&f);
}

int loadctl_tariffs_parse(uint8_t *mask, const char *text, size_t len)
{
    uint8_t m = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '1' || text[i] > '0' + METER_TARIFFS)
            return METER_EINVAL;
        m |= (uint8_t)(1u << (text[i] - '1'));
        if (i + 1 < len) {
            if (text[i + 1] != ',' || i + 2 >= len)
                return METER_EINVAL;
            i++;
        }
    }
    *mask = m;
    return METER_OK;
}

bool loadctl_program_on(const struct loadctl_relay_cfg *r, unsigned minute_of_day)
{
    for (unsigned k = 0; k < r->nprog && k < LOADCTL_PROG_MAX; k++) {
        unsigned on = r->prog[k].on_min, off = r->prog[k].off_min;
        if (on < off ? (minute_of_day >= on && minute_of_day < off)
                     : (minute_of_day >= on || minute_of_day < off))
            return true;
    }
    return false;
}

static void drive(struct meter *m, unsigned r, bool closed)
{
    if (m->hal->relay_set != NULL)
        m->hal->relay_set(m->hal->ctx, r == 0 ? METER_RELAY_AUX1 : METER_RELAY_AUX2, closed);
}

static void loadctl_switch(struct meter *m, unsigned r, bool closed, enum loadctl_source why,
                           enum meter_src src)
{
    struct loadctl_nv *nv = &m->control.nv.loadctl;
    if (closed)
        nv->closed |= (uint8_t)(1u << r);
    else
        nv->closed &= (uint8_t)~(1u << r);
    control_commit_nv(m);
    drive(m, r, closed);
    evlog_add(m, EV_LOADCTL_SWITCH, src, (int32_t)(r + 1), (int32_t)((closed ? 1u : 0u) | ((unsigned)why << 8)));
}

void loadctl_init(struct meter *m)
{
    struct loadctl *l = &m->control.loadctl;
    memset(l, 0, sizeof *l);
    l->in_tariff = -1;
    for (unsigned r = 0; r < LOADCTL_RELAYS; r++)
        drive(m, r, (((unsigned)m->control.nv.loadctl.closed >> r) & 1u) != 0);
}

void loadctl_second(struct meter *m)
{
    const struct loadctl_cfg *c = &m->control.cfg.loadctl;
    struct loadctl_nv *nv = &m->control.nv.loadctl;
    struct loadctl *l = &m->control.loadctl;
    struct tariff_now lt;
    bool have_lt = false;
    for (unsigned r = 0; r < LOADCTL_RELAYS; r++) {
        uint8_t b = (uint8_t)(1u << r);
        bool want;
        enum loadctl_source why;
        switch (c->r[r].mode) {
        case LOADCTL_TARIFF:
            want = (((unsigned)c->r[r].tariffs >> m->energy.tariff) & 1u) != 0;
            why = LOADCTL_SRC_TARIFF;
            break;
        case LOADCTL_PROGRAM:
            if (!have_lt) {
                tariff_now(m, &lt);
                have_lt = true;
            }
            want = loadctl_program_on(&c->r[r], lt.minute);
            why = LOADCTL_SRC_PROGRAM;
            break;
        case LOADCTL_LIMITER:
            want = !limiter_shedding(m);
            why = LOADCTL_SRC_LIMITER;
            break;
        default:
            l->known &= (uint8_t)~b;
            continue;
        }
        /* A change of the source ends a remote override. */
        if (!(l->known & b) || want != ((l->want & b) != 0)) {
            if ((l->known & b) && (nv->override & b)) {
                nv->override &= (uint8_t)~b;
                control_commit_nv(m);
            }
            l->known |= b;
            if (want)
                l->want |= b;
            else
                l->want &= (uint8_t)~b;
        }
        if (!(nv->override & b) && want != ((nv->closed & b) != 0))
            loadctl_switch(m, r, want, why, METER_SRC_INTERNAL);
    }
}

void loadctl_poll(struct meter *m, uint32_t inputs)
{
    struct loadctl *l = &m->control.loadctl;
    if (!m->cfg.tariff_ext) {
        l->in_tariff = -1;
        return;
    }
    int8_t t = (int8_t)(((inputs & METER_IN_TARIFF0) ? 1 : 0) | ((inputs & METER_IN_TARIFF1) ? 2 : 0));
    if (t == l->in_tariff)
        return;
    /* The value found at power-up is not a change. */
    if (l->in_tariff >= 0)
        evlog_add(m, EV_TARIFF_INPUT, METER_SRC_INTERNAL, t + 1, l->in_tariff + 1);
    l->in_tariff = t;
    control_changed(m);
}

int loadctl_remote(struct meter *m, unsigned relay, bool closed, enum meter_src src)
{
    struct loadctl_nv *nv = &m->control.nv.loadctl;
    if (relay >= LOADCTL_RELAYS)
        return METER_EINVAL;
    uint8_t b = (uint8_t)(1u << relay);
    if (m->control.cfg.loadctl.r[relay].mode != LOADCTL_REMOTE && !(nv->override & b)) {
        nv->override |= b;
        control_commit_nv(m);
    }
    if (closed != ((nv->closed & b) != 0))
        loadctl_switch(m, relay, closed, LOADCTL_SRC_REMOTE, src);
    return METER_OK;
}

bool loadctl_closed(const struct meter *m, unsigned relay)
{
    return relay < LOADCTL_RELAYS && (((unsigned)m->control.nv.loadctl.closed >> relay) & 1u) != 0;
}
