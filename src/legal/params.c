/* params.c — object-table functions of the billing core (see params.h). */
#include "legal/params.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/fmt.h"

/* ---- registers ------------------------------------------------------------ */

int par_get_demand_max(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    if (o->arg >= DEMAND_SLOTS)
        return METER_ENOENT;
    v->capture = m->demand.max_t[o->arg];
    return obj_put_uint(v, m->demand.max_w[o->arg], 0);
}

int par_get_demand_cum(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->demand.cum_w, 0);
}

int par_get_demand_last(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->demand.last_w, 0);
}

int par_get_hours(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->legal.op_seconds / 3600u, 0);
}

int par_get_billing_count(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->billing.count, 0);
}

int par_get_tariff(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->energy.tariff + 1, 0);
}

int par_get_legal_changes(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->legal.changes, 0);
}

int par_get_status(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    /* Error register: meter status bits, self-test result bits above. */
    return obj_put_uint(v, (int64_t)m->status | (int64_t)m->legal.tests << 16, 0);
}

int par_get_ev_total(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return obj_put_uint(v, evlog_total(m, (enum evlog_log)o->arg), 0);
}

int par_get_entries(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return obj_put_uint(v, o->log->count(m, o), 0); /* entries in use (objtab.h, profile-generic rows) */
}

static int text_value(struct obj_value *v, const char *s, size_t n)
{
    if (n > OBJ_STR_MAX)
        n = OBJ_STR_MAX;
    v->type = OBJ_T_STRING;
    memcpy(v->s, s, n);
    v->len = (uint8_t)n;
    return METER_OK;
}

int par_get_fw_crc(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    static const char hex[] = "0123456789ABCDEF";
    char s[8];
    (void)o;
    for (unsigned k = 0; k < 8; k++)
        s[k] = hex[(m->legal.crc >> (28 - 4 * k)) & 15u];
    text_value(v, s, 8);
    v->i = m->legal.crc;
    return METER_OK;
}

/* ---- clock ---------------------------------------------------------------- */

int par_get_clock(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    v->type = OBJ_T_DATETIME;
    v->i = m->now;
    return METER_OK;
}

int par_set_clock(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)o;
    int64_t t = in->i;
    if (in->type == OBJ_T_STRING) {
        char buf[40];
        if (in->len >= sizeof buf)
            return METER_EINVAL;
        memcpy(buf, in->s, in->len);
        buf[in->len] = '\0';
        if (clock_parse_iso(buf, &t) < 0)
            return METER_EINVAL;
    } else if (in->type != OBJ_T_DATETIME && in->type != OBJ_T_INT && in->type != OBJ_T_UINT) {
        return METER_EINVAL;
    }
    return clock_set(m, t, src);
}

int par_get_time(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    int64_t local = clock_to_local(&m->cfg.zone, m->now);
    v->type = OBJ_T_TIME;
    v->i = local - clock_floor(local, 86400);
    return METER_OK;
}

int par_get_date(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    int64_t local = clock_to_local(&m->cfg.zone, m->now);
    v->type = OBJ_T_DATE;
    v->i = clock_from_local(&m->cfg.zone, clock_floor(local, 86400));
    return METER_OK;
}

/* ---- configuration keys ------------------------------------------------- */

static const char *const chan_names[MEAS_QTY] = {"A+", "A-", "R+", "R-"};

static int text_of(const struct obj_value *in, const char **s, size_t *n)
{
    if (in->type != OBJ_T_STRING)
        return METER_EINVAL;
    *s = in->s;
    *n = in->len;
    return METER_OK;
}

static bool text_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* "A+,A-,R+,R-" -> channel bits (order free, no repeats). */
static int parse_channels(const char *s, size_t n, uint8_t *out)
{
    uint8_t bits = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        unsigned q;
        for (q = 0; q < MEAS_QTY; q++)
            if (i + 2 <= n && memcmp(s + i, chan_names[q], 2) == 0)
                break;
        if (q == MEAS_QTY || (bits & (1u << q)))
            return METER_EINVAL;
        bits |= (uint8_t)(1u << q);
        i += 2;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n && s[i++] != ',')
            return METER_EINVAL;
        if (i == n && s[n - 1] == ',')
            return METER_EINVAL;
    }
    if (bits == 0)
        return METER_EINVAL;
    *out = bits;
    return METER_OK;
}

/* "1.7.0,32.7.0,..." -> packed OBIS of numeric, readable rows. */
static int parse_obj_list(const char *s, size_t n, uint32_t *out, uint8_t *count)
{
    uint8_t k = 0;
    size_t i = 0;
    while (i < n) {
        char code[24];
        size_t j = 0;
        while (i < n && s[i] == ' ')
            i++;
        while (i < n && s[i] != ',' && j + 1 < sizeof code)
            code[j++] = s[i++];
        code[j] = '\0';
        while (j > 0 && code[j - 1] == ' ')
            code[--j] = '\0';
        if (i < n && s[i] != ',')
            return METER_EINVAL;
        i++;
        const struct obj_def *o = objtab_find_str(code);
        if (o == NULL || k == LOGGER_CHANNELS || o->ic != IC_REGISTER)
            return METER_EINVAL;
        out[k++] = obj_packed(o);
    }
    if (k == 0 || (n > 0 && s[n - 1] == ','))
        return METER_EINVAL;
    *count = k;
    return METER_OK;
}

/* "YYYY-MM-DDTHH:MMZ/YYYY-MM-DDTHH:MMZ,..." (UTC or with offsets). */
static int parse_dst_table(const char *s, size_t n, struct clock_zone *z)
{
    struct clock_zone nz = *z;
    nz.ntable = 0;
    size_t i = 0;
    while (i < n) {
        char a[32], b[32];
        size_t ja = 0, jb = 0;
        while (i < n && s[i] != '/' && ja + 1 < sizeof a)
            a[ja++] = s[i++];
        if (i >= n || s[i++] != '/')
            return METER_EINVAL;
        while (i < n && s[i] != ',' && jb + 1 < sizeof b)
            b[jb++] = s[i++];
        if (i < n && s[i++] != ',')
            return METER_EINVAL;
        a[ja] = b[jb] = '\0';
        int64_t ta, tb;
        if (clock_parse_iso(a, &ta) < 0 || clock_parse_iso(b, &tb) < 0 || tb <= ta || tb > 0xffffffffLL)
            return METER_EINVAL;
        if (nz.ntable == CLOCK_DST_TABLE_LEN)
            return METER_ENOSPC;
        nz.table[nz.ntable].begin = (uint32_t)ta;
        nz.table[nz.ntable].end = (uint32_t)tb;
        nz.ntable++;
    }
    *z = nz;
    return METER_OK;
}

int par_get_cfg(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct meter_config *c = &m->cfg;
    struct fmt_buf f;
    fmt_init(&f, v->s, sizeof v->s);
    switch (o->arg & 0xffu) {
    case PAR_TIMEZONE:
        return text_value(v, c->zone.mode == CLOCK_DST_EU ? "EU" : c->zone.mode == CLOCK_DST_TABLE ? "table" : "none",
                          c->zone.mode == CLOCK_DST_EU ? 2 : c->zone.mode == CLOCK_DST_TABLE ? 5 : 4);
    case PAR_UTC_OFFSET:
        v->type = OBJ_T_INT;
        v->i = c->zone.std_offset_min;
        return METER_OK;
    case PAR_DST_TABLE:
        for (unsigned k = 0; k < c->zone.ntable; k++) {
            char t[24];
            if (k)
                fmt_char(&f, ',');
            clock_format_iso(c->zone.table[k].begin, 0, t, sizeof t);
            fmt_str(&f, t);
            fmt_char(&f, '/');
            clock_format_iso(c->zone.table[k].end, 0, t, sizeof t);
            fmt_str(&f, t);
        }
        break;
    case PAR_PROFILE_PERIOD: return obj_put_uint(v, c->profile_period_min, 0);
    case PAR_DEMAND_PERIOD: return obj_put_uint(v, c->demand_period_min, 0);
    case PAR_BILLING_DAY: return obj_put_uint(v, c->billing_day, 0);
    case PAR_LOGGER_INTERVAL: return obj_put_uint(v, c->logger_interval_min, 0);
    case PAR_TARIFF_INPUT: return obj_put_uint(v, c->tariff_ext, 0);
    case PAR_SERIAL:
        fmt_uint(&f, m->serial, 8);
        break;
    case PAR_PROFILE_CHANNELS:
        for (unsigned q = 0, k = 0; q < MEAS_QTY; q++)
            if (c->profile_channels & (1u << q)) {
                if (k++)
                    fmt_char(&f, ',');
                fmt_str(&f, chan_names[q]);
            }
        break;
    case PAR_PROFILE_MODE:
        fmt_str(&f, c->profile_mode == PROFILE_DELTA ? "delta" : "absolute");
        break;
    case PAR_ENERGY_RES:
        fmt_str(&f, c->energy_res == 1 ? "0.01" : c->energy_res == 2 ? "0.1" : "1");
        break;
    case PAR_LOGGER_CHANNELS:
        for (unsigned k = 0; k < c->logger_n; k++) {
            uint32_t x = c->logger_obj[k];
            if (k)
                fmt_char(&f, ',');
            fmt_uint(&f, (x >> 16) & 0xffu, 1);
            fmt_char(&f, '.');
            fmt_uint(&f, (x >> 8) & 0xffu, 1);
            fmt_char(&f, '.');
            fmt_uint(&f, x & 0xffu, 1);
        }
        break;
    case PAR_TARIFF_CALENDAR: {
        return obj_text_value(v, tariff_cal_format(&c->cal, v->s, sizeof v->s));
    }
    case PAR_TARIFF_EXC:
        return obj_text_value(v, tariff_exc_format(&c->cal, (o->arg >> 8) * PAR_EXC_PER_ROW, PAR_EXC_PER_ROW, v->s,
                                                   sizeof v->s));
    default:
        return METER_ENOENT;
    }
    return obj_text_value(v, fmt_end(&f));
}

static int set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in);

int par_set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    int r = set_cfg(m, o, in);
    m->tariff_memo.minute = 0; /* calendar, zone or tariff input may have changed */
    return r;
}

static int set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in)
{
    struct meter_config *c = &m->cfg;
    const char *s = NULL;
    size_t n = 0;
    int64_t x = 0;
    switch (o->arg) {
    case PAR_TIMEZONE:
        if (text_of(in, &s, &n) < 0)
            return METER_EINVAL;
        if (text_is(s, n, "EU"))
            c->zone.mode = CLOCK_DST_EU;
        else if (text_is(s, n, "none"))
            c->zone.mode = CLOCK_DST_NONE;
        else if (text_is(s, n, "table"))
            c->zone.mode = CLOCK_DST_TABLE;
        else
            return METER_EINVAL;
        break;
    case PAR_UTC_OFFSET:
        if (obj_int_of(in, 0, &x) < 0 || x < -720 || x > 840)
            return METER_ERANGE;
        c->zone.std_offset_min = (int16_t)x;
        break;
    case PAR_DST_TABLE:
        if (text_of(in, &s, &n) < 0)
            return METER_EINVAL;
        return parse_dst_table(s, n, &c->zone);
    case PAR_PROFILE_PERIOD:
    case PAR_DEMAND_PERIOD:
        if (obj_int_of(in, 0, &x) < 0 || !config_period_ok((unsigned)(x > 0 && x < 100 ? x : 0)))
            return METER_ERANGE;
        if (o->arg == PAR_DEMAND_PERIOD) {
            if (x != c->demand_period_min) {
                demand_cut(&m->demand, m->now, (int64_t)c->demand_period_min * 60);
                c->demand_period_min = (uint8_t)x;
            }
        } else if (x != c->profile_period_min) {
            c->profile_period_min = (uint8_t)x;
            return profile_reconfigure(m);
        }
        break;
    case PAR_PROFILE_CHANNELS: {
        uint8_t bits;
        if (text_of(in, &s, &n) < 0 || parse_channels(s, n, &bits) < 0)
            return METER_EINVAL;
        if (bits != c->profile_channels) {
            c->profile_channels = bits;
            return profile_reconfigure(m);
        }
        break;
    }
    case PAR_PROFILE_MODE:
        if (text_of(in, &s, &n) < 0)
            return METER_EINVAL;
        if (text_is(s, n, "absolute"))
            c->profile_mode = PROFILE_ABSOLUTE;
        else if (text_is(s, n, "delta"))
            c->profile_mode = PROFILE_DELTA;
        else
            return METER_EINVAL;
        break;
    case PAR_ENERGY_RES:
        if (in->type == OBJ_T_STRING) {
            text_of(in, &s, &n);
            x = text_is(s, n, "0.01") ? 10 : text_is(s, n, "0.1") ? 100 : text_is(s, n, "1") ? 1000 : 0;
        } else if (obj_int_of(in, 0, &x) < 0) {
            return METER_EINVAL;
        }
        if (x != 10 && x != 100 && x != 1000)
            return METER_ERANGE;
        c->energy_res = (int8_t)(x == 10 ? 1 : x == 100 ? 2 : 3);
        break;
    case PAR_BILLING_DAY:
        if (obj_int_of(in, 0, &x) < 0 || x < 0 || x > 28)
            return METER_ERANGE;
        c->billing_day = (uint8_t)x;
        m->billing.next = -1;
        break;
    case PAR_LOGGER_INTERVAL:
        if (obj_int_of(in, 0, &x) < 0 || x < 1 || x > 60 || 60 % x != 0)
            return METER_ERANGE;
        if (x != c->logger_interval_min) {
            c->logger_interval_min = (uint8_t)x;
            return logger_reconfigure(m);
        }
        break;
    case PAR_LOGGER_CHANNELS: {
        uint32_t list[LOGGER_CHANNELS];
        uint8_t k;
        if (text_of(in, &s, &n) < 0 || parse_obj_list(s, n, list, &k) < 0)
            return METER_EINVAL;
        memcpy(c->logger_obj, list, sizeof list);
        c->logger_n = k;
        return logger_reconfigure(m);
    }
    case PAR_TARIFF_CALENDAR:
        if (text_of(in, &s, &n) < 0)
            return METER_EINVAL;
        return tariff_cal_parse(&c->cal, s, n);
    case PAR_TARIFF_INPUT:
        if (obj_int_of(in, 0, &x) < 0 || x < 0 || x > 1)
            return METER_ERANGE;
        c->tariff_ext = (uint8_t)x;
        break;
    case PAR_SERIAL:
        if (in->type == OBJ_T_STRING) {
            x = 0;
            if (in->len == 0 || in->len > 8)
                return METER_EINVAL;
            for (unsigned k = 0; k < in->len; k++) {
                if (in->s[k] < '0' || in->s[k] > '9')
                    return METER_EINVAL;
                x = x * 10 + (in->s[k] - '0');
            }
        } else if (obj_int_of(in, 0, &x) < 0 || x < 0 || x > 99999999) {
            return METER_ERANGE;
        }
        m->serial = (uint32_t)x;
        break;
    default:
        return METER_ENOENT;
    }
    return METER_OK;
}

int par_act_billing(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                    enum meter_src src)
{
    (void)o;
    (void)arg;
    if (method != 1)
        return METER_ENOENT;
    return billing_end(m, src == METER_SRC_BUTTON ? BILLING_BUTTON : BILLING_COMMAND, src);
}
