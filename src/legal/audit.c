/* audit.c — communication counters and the metrological log (see audit.h). */
#include "legal/audit.h"

#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

/* Counters change in RAM only: they ride along with the next snapshot that
 * is written for another reason, so no client can make the meter write. */

void audit_session_start(struct meter *m, enum meter_src src)
{
    (void)src;
    m->legal.audit.sessions++;
}

void audit_login(struct meter *m, enum meter_src src, enum meter_access level)
{
    (void)src;
    if (level > METER_ACC_PUBLIC)
        m->legal.audit.logins++;
}

void audit_refusal(struct meter *m, enum meter_src src, uint32_t obj, enum audit_why why)
{
    struct audit *a = &m->legal.audit;
    a->refusals++;
    a->last_time = (uint32_t)m->now;
    a->last_obj = obj;
    a->last_src = (uint8_t)src;
    a->last_why = (uint8_t)why;
}

void audit_bad_secret(struct meter *m, enum meter_src src)
{
    m->legal.audit.bad_secrets++;
    audit_refusal(m, src, 0, AUDIT_SECRET);
}

bool audit_metro_room(const struct meter *m)
{
    return evlog_count(m, EVLOG_METRO) < evlog_depth(EVLOG_METRO);
}

int audit_metro_clear(struct meter *m, enum meter_src src)
{
    uint32_t n = evlog_count(m, EVLOG_METRO);
    int r = store_log_clear(&m->store, RING_EVLOG + EVLOG_METRO);
    if (r < 0)
        return r;
    m->status &= ~(uint32_t)METER_ST_LOG_FULL;
    /* the authorised party has seen the log, a restore from evidence included */
    m->legal.restored = 0;
    m->status &= ~(uint32_t)METER_ST_RESTORED;
    evlog_add(m, EV_METRO_CLEARED, src, (int32_t)n, (int32_t)evlog_total(m, EVLOG_METRO));
    return legal_save(m);
}

int audit_act_metro(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                    enum meter_src src)
{
    (void)o;
    (void)arg;
    if (method != 1) /* IC 7 method 1: reset */
        return METER_ENOENT;
    return audit_metro_clear(m, src);
}

int audit_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct audit *a = &m->legal.audit;
    v->scaler = 0;
    switch (o->arg) {
    case AUDIT_C_SESSIONS:
    case AUDIT_C_LOGINS:
    case AUDIT_C_REFUSALS:
    case AUDIT_C_BAD_SECRETS: {
        const uint32_t c[4] = {a->sessions, a->logins, a->refusals, a->bad_secrets};
        v->type = OBJ_T_UINT;
        v->i = c[o->arg];
        return METER_OK;
    }
    case AUDIT_C_LAST: {
        /* "<UTC time> <source> <C.D.E> <reason>", or empty */
        struct fmt_buf f;
        fmt_init(&f, v->s, sizeof v->s);
        if (a->last_time != 0) {
            char t[32];
            clock_format_iso(a->last_time, 0, t, sizeof t);
            fmt_str(&f, t);
            fmt_char(&f, ' ');
            fmt_uint(&f, a->last_src, 1);
            fmt_char(&f, ' ');
            fmt_uint(&f, (a->last_obj >> 16) & 0xffu, 1);
            fmt_char(&f, '.');
            fmt_uint(&f, (a->last_obj >> 8) & 0xffu, 1);
            fmt_char(&f, '.');
            fmt_uint(&f, a->last_obj & 0xffu, 1);
            fmt_char(&f, ' ');
            fmt_uint(&f, a->last_why, 1);
        }
        return obj_text_value(v, fmt_end(&f));
    }
    default:
        return METER_ENOENT;
    }
}
