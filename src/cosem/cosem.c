/*
 * cosem.c — interface-class adapters over the object table (all classes
 * but 7, which is in cosem_pg.c), COSEM date-time and value encoding.
 */
#include "cosem/cosem.h"
#include "cosem/cosem_image.h"

#include <string.h>

#include "cosem/cosem_ctl.h"
#include "registers/clock.h"
#include "trimeter/meter.h"

/* Implemented here: version, attributes, methods as the class defines
 * them (so that the object list is true), and which attributes this part
 * presents (bit a = attribute a readable). */
struct cosem_class {
    uint16_t ic;
    uint8_t version;
    uint8_t nattr;
    uint8_t nmeth;
    uint16_t readable;
};

#define BITS(lo, hi) ((uint16_t)(((1u << ((hi) + 1u)) - 1u) & ~((1u << (lo)) - 1u)))

static const struct cosem_class classes[] = {
    {IC_DATA, 0, 2, 0, BITS(1, 2)},
    {IC_REGISTER, 0, 3, 1, BITS(1, 3)},
    {IC_EXT_REGISTER, 0, 5, 1, BITS(1, 5)},
    {IC_DEMAND_REGISTER, 0, 9, 2, BITS(1, 9)},
    {IC_PROFILE_GENERIC, 1, 8, 2, BITS(1, 8)},
    {IC_CLOCK, 0, 9, 6, BITS(1, 9)},
    {IC_SCRIPT_TABLE, 0, 2, 1, BITS(1, 2)},
    {IC_IMAGE_TRANSFER, 0, 7, 4, BITS(1, 7)},
    {IC_SCHEDULE, 0, 2, 3, BITS(1, 1)},
    {IC_SPECIAL_DAYS, 0, 2, 2, BITS(1, 2)},
    {IC_ACTIVITY_CALENDAR, 0, 10, 1, BITS(1, 10)},
    {IC_REGISTER_MONITOR, 0, 4, 0, BITS(1, 1)},
    {IC_SINGLE_ACTION_SCHEDULE, 0, 4, 0, BITS(1, 4)},
    {IC_DISCONNECT_CONTROL, 0, 4, 2, BITS(1, 4)},
    {IC_LIMITER, 0, 11, 0, BITS(1, 11)},
    {IC_PUSH_SETUP, 0, 7, 1, BITS(1, 7)},
};

static const struct cosem_class *class_of(uint16_t ic)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (classes[i].ic == ic)
            return &classes[i];
    return NULL;
}

uint8_t cosem_class_version(uint16_t ic)
{
    const struct cosem_class *c = class_of(ic);
    return c != NULL ? c->version : 0;
}

uint8_t cosem_attr_count(uint16_t ic)
{
    const struct cosem_class *c = class_of(ic);
    return c != NULL ? c->nattr : 1;
}

uint8_t cosem_method_count(uint16_t ic)
{
    const struct cosem_class *c = class_of(ic);
    return c != NULL ? c->nmeth : 0;
}

bool cosem_attr_readable(const struct obj_def *o, int attr, enum meter_access acc)
{
    const struct cosem_class *c = class_of(o->ic);
    if (acc < o->rd || attr < 1 || attr > 15)
        return false;
    if (c == NULL)
        return attr == 1;
    if (o->ic == IC_DISCONNECT_CONTROL && attr == 4) /* control_mode: the main disconnector's */
        return o->ln.v[2] == 96 && o->ln.v[3] == 3 && o->ln.v[4] == 10;
    return ((unsigned)c->readable >> attr) & 1u;
}

uint8_t cosem_attr_selectors(const struct obj_def *o, int attr)
{
    if (o->ic == IC_PROFILE_GENERIC && attr == 2)
        return 1u << COSEM_SEL_RANGE | 1u << COSEM_SEL_ENTRY;
    return 0;
}

/* ---- date-time -------------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void cosem_datetime(const struct meter *m, int64_t utc, uint8_t out[12])
{
    if (utc == 0) {
        /* not specified: every field 0xFF, deviation 0x8000 */
        memset(out, 0xFF, 12);
        out[9] = 0x80;
        out[10] = 0x00;
        return;
    }
    const struct clock_zone *z = &m->cfg.zone;
    int off = clock_offset_min(z, utc);
    struct clock_dt dt;
    clock_split(utc + (int64_t)off * 60, &dt);
    put16(out, (unsigned)dt.year);
    out[2] = dt.mon;
    out[3] = dt.day;
    out[4] = dt.wday;
    out[5] = dt.hour;
    out[6] = dt.min;
    out[7] = dt.sec;
    out[8] = 0;
    /* deviation: minutes from local time to UTC (UTC = local + deviation) */
    put16(out + 9, (unsigned)(uint16_t)(int16_t)-off);
    uint8_t st = 0;
    if (clock_dst_active(z, utc))
        st |= 0x80; /* daylight saving active */
    if (m->status & METER_ST_CLOCK_INVALID)
        st |= 0x01; /* invalid value */
    out[11] = st;
}

int cosem_datetime_parse(const struct meter *m, const uint8_t in[12], int64_t *utc)
{
    unsigned year = (unsigned)in[0] << 8 | in[1];
    unsigned mon = in[2], day = in[3], hour = in[5], min = in[6], sec = in[7];
    int16_t dev = (int16_t)(uint16_t)((unsigned)in[9] << 8 | in[10]);
    if (year == 0xFFFF || mon == 0xFF || day == 0xFF)
        return METER_ENOENT;
    /* unspecified time fields read as zero (the start of the day) */
    if (hour == 0xFF)
        hour = 0;
    if (min == 0xFF)
        min = 0;
    if (sec == 0xFF)
        sec = 0;
    if (year < 1970 || year > 2105 || mon < 1 || mon > 12 || day < 1 ||
        day > clock_month_days((int)year, mon) || hour > 23 || min > 59 || sec > 59)
        return METER_EINVAL;
    int64_t t = clock_join((int)year, mon, day, hour, min, sec);
    if ((uint16_t)dev == 0x8000u) {
        *utc = clock_from_local(&m->cfg.zone, t);
        return METER_OK;
    }
    if (dev < -840 || dev > 840)
        return METER_EINVAL;
    *utc = t + (int64_t)dev * 60;
    return METER_OK;
}

/* ---- values ----------------------------------------------------------------- */

static bool printable(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || (unsigned char)s[k] > 0x7e)
            return false;
    return true;
}

void cosem_put_value(const struct meter *m, struct axdr_w *w, const struct obj_value *v)
{
    uint8_t b[12];
    struct clock_dt dt;
    switch (v->type) {
    case OBJ_T_INT:
        axdr_put_sint_fit(w, v->i);
        break;
    case OBJ_T_UINT:
        axdr_put_uint_fit(w, v->i > 0 ? (uint64_t)v->i : 0);
        break;
    case OBJ_T_BOOL:
        axdr_put_bool(w, v->i != 0);
        break;
    case OBJ_T_ENUM:
        if (v->i >= 0 && v->i <= 255)
            axdr_put_int(w, AXDR_ENUM, v->i);
        else
            axdr_put_sint_fit(w, v->i);
        break;
    case OBJ_T_STRING: {
        size_t n = v->len < OBJ_STR_MAX ? v->len : OBJ_STR_MAX;
        axdr_put_string(w, printable(v->s, n) ? AXDR_VISIBLE : AXDR_OCTETS, v->s, n);
        break;
    }
    case OBJ_T_DATETIME:
        cosem_datetime(m, v->i, b);
        axdr_put_octets_fixed(w, b, 12);
        break;
    case OBJ_T_DATE: {
        /* the local date of that midnight */
        clock_split(clock_to_local(&m->cfg.zone, v->i), &dt);
        put16(b, (unsigned)dt.year);
        b[2] = dt.mon;
        b[3] = dt.day;
        b[4] = dt.wday;
        axdr_put_octets_fixed(w, b, 5);
        break;
    }
    case OBJ_T_TIME: {
        int64_t s = v->i % 86400;
        b[0] = (uint8_t)(s / 3600);
        b[1] = (uint8_t)(s / 60 % 60);
        b[2] = (uint8_t)(s % 60);
        b[3] = 0;
        axdr_put_octets_fixed(w, b, 4);
        break;
    }
    default:
        axdr_put_null(w);
        break;
    }
}

void cosem_put_scaler_unit(struct axdr_w *w, int8_t scaler, uint8_t unit)
{
    axdr_put_struct(w, 2);
    axdr_put_int(w, AXDR_I8, scaler);
    axdr_put_int(w, AXDR_ENUM, unit != 0 ? unit : UNIT_NONE);
}

/* Identification objects are octet-strings in COSEM whatever their
 * characters: the logical device name 0-0:42.0.0, device IDs 0-0:96.1.x,
 * 0-0:0.0.0, firmware identifiers 0.2.x (strict clients decode them so). */
static bool octets_by_definition(const struct obj_def *o)
{
    const uint8_t *v = o->ln.v;
    return (v[2] == 42 && v[3] == 0) || (v[2] == 96 && v[3] == 1) || (v[2] == 0 && (v[3] == 0 || v[3] == 2));
}

static void put_row_value(const struct meter *m, struct axdr_w *w, const struct obj_def *o, const struct obj_value *v)
{
    if (v->type == OBJ_T_STRING && octets_by_definition(o))
        axdr_put_string(w, AXDR_OCTETS, v->s, v->len < OBJ_STR_MAX ? v->len : OBJ_STR_MAX);
    else
        cosem_put_value(m, w, v);
}

static void put_ln(struct axdr_w *w, const struct obis *ln, unsigned f)
{
    uint8_t b[6];
    memcpy(b, ln->v, 6);
    if (f != 0 && f != 255)
        b[5] = (uint8_t)f;
    axdr_put_octets_fixed(w, b, 6);
}

static void put_dt(const struct meter *m, struct axdr_w *w, int64_t utc)
{
    uint8_t b[12];
    cosem_datetime(m, utc, b);
    axdr_put_octets_fixed(w, b, 12);
}

/* ---- classes ---------------------------------------------------------------- */

int cosem_pg_get(const struct meter *m, const struct obj_def *o, int attr, const struct cosem_sel *sel,
                 enum meter_access acc, struct axdr_w *w, struct cosem_pos *pos);

/* Data, Register, Extended register: the row's value (or a billing
 * period's), its scaler_unit, status and capture time. */
static int get_register(const struct meter *m, const struct obj_def *o, unsigned f, int attr,
                        enum meter_access acc, struct axdr_w *w)
{
    struct obj_value v;
    int r = obj_read_at(m, o, f, acc, &v);
    if (r < 0)
        return r;
    switch (attr) {
    case 2:
        put_row_value(m, w, o, &v);
        return 1;
    case 3:
        if (o->ic == IC_DATA)
            return METER_ENOENT;
        cosem_put_scaler_unit(w, v.scaler, v.unit);
        return 1;
    case 4:
        if (o->ic != IC_EXT_REGISTER)
            return METER_ENOENT;
        axdr_put_int(w, AXDR_U8, 0); /* status: nothing to report */
        return 1;
    case 5:
        if (o->ic != IC_EXT_REGISTER)
            return METER_ENOENT;
        put_dt(m, w, v.capture);
        return 1;
    default:
        return METER_ENOENT;
    }
}

/* Demand register (1-0:1.4.0): the running period from the demand module. */
static int get_demand(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc,
                      struct axdr_w *w)
{
    const struct demand *d = &m->demand;
    int64_t period = (int64_t)m->cfg.demand_period_min * 60;
    struct obj_value v;
    int r = obj_read(m, o, acc, &v);
    if (r < 0)
        return r;
    switch (attr) {
    case 2: { /* current average: energy so far over the nominal period */
        uint64_t wh_x3600 = period > 0 ? d->acc_uwh * 3600u / (uint64_t)period : 0;
        axdr_put_uint_fit(w, wh_x3600 / 1000000u);
        return 1;
    }
    case 3: cosem_put_value(m, w, &v); return 1;
    case 4: cosem_put_scaler_unit(w, v.scaler, v.unit); return 1;
    case 5: axdr_put_int(w, AXDR_U8, d->partial ? 1 : 0); return 1;
    case 6: put_dt(m, w, d->period_start); return 1; /* end of the last period */
    case 7: put_dt(m, w, d->period_start); return 1;
    case 8: axdr_put_int(w, AXDR_U32, period); return 1;
    case 9: axdr_put_int(w, AXDR_U16, 1); return 1;
    default: return METER_ENOENT;
    }
}

/* A DST switch as a recurring date-time: EU rule (last Sunday of March /
 * October at 01:00 UTC, in local time), or the next span of a table. */
static void put_dst(const struct meter *m, struct axdr_w *w, bool begin)
{
    const struct clock_zone *z = &m->cfg.zone;
    uint8_t b[12];
    memset(b, 0xFF, sizeof b);
    b[9] = 0x80;
    b[10] = 0x00;
    if (z->mode == CLOCK_DST_EU) {
        int local_min = 60 + z->std_offset_min + (begin ? 0 : CLOCK_DST_SHIFT_MIN);
        b[2] = begin ? 3 : 10;
        b[3] = 0xFE; /* last */
        b[4] = 7;    /* Sunday */
        b[5] = (uint8_t)(((local_min % 1440) + 1440) % 1440 / 60);
        b[6] = 0;
        b[7] = 0;
        b[8] = 0;
    } else if (z->mode == CLOCK_DST_TABLE) {
        /* the span in force or the next one */
        for (unsigned k = 0; k < z->ntable && k < CLOCK_DST_TABLE_LEN; k++) {
            if ((int64_t)z->table[k].end > m->now) {
                cosem_datetime(m, begin ? z->table[k].begin : z->table[k].end, b);
                break;
            }
        }
    }
    axdr_put_octets_fixed(w, b, 12);
}

static int get_clock(const struct meter *m, int attr, struct axdr_w *w)
{
    const struct clock_zone *z = &m->cfg.zone;
    switch (attr) {
    case 2: put_dt(m, w, m->now); return 1;
    case 3: axdr_put_int(w, AXDR_I16, -z->std_offset_min); return 1;
    case 4: {
        uint8_t st = clock_dst_active(z, m->now) ? 0x80 : 0;
        if (m->status & METER_ST_CLOCK_INVALID)
            st |= 0x01;
        axdr_put_int(w, AXDR_U8, st);
        return 1;
    }
    case 5: put_dst(m, w, true); return 1;
    case 6: put_dst(m, w, false); return 1;
    case 7: axdr_put_int(w, AXDR_I8, CLOCK_DST_SHIFT_MIN); return 1;
    case 8: axdr_put_bool(w, z->mode != CLOCK_DST_NONE); return 1;
    case 9: axdr_put_int(w, AXDR_ENUM, 1); return 1; /* internal crystal */
    default: return METER_ENOENT;
    }
}

/* Script tables: 0-0:10.0.1, script 1 (end of billing period; its action
 * is internal to the meter, so the action list is empty); 0-0:10.0.106,
 * the disconnector's scripts 1 and 2 (methods remote_disconnect and
 * remote_reconnect of 0-0:96.3.10; cosem_set.c executes them). */
static int get_script_table(const struct obj_def *o, int attr, struct axdr_w *w)
{
    static const uint8_t disc_ln[6] = {0, 0, 96, 3, 10, 255};
    if (attr != 2)
        return METER_ENOENT;
    bool disc = o->ln.v[2] == 10 && o->ln.v[4] == 106;
    unsigned n = disc ? 2u : 1u;
    axdr_put_array(w, n);
    for (unsigned k = 1; k <= n; k++) {
        axdr_put_struct(w, 2);
        axdr_put_int(w, AXDR_U16, k);
        axdr_put_array(w, disc ? 1u : 0u);
        if (disc) {
            axdr_put_struct(w, 5);
            axdr_put_int(w, AXDR_ENUM, 2); /* execute method */
            axdr_put_int(w, AXDR_U16, IC_DISCONNECT_CONTROL);
            axdr_put_octets_fixed(w, disc_ln, 6);
            axdr_put_int(w, AXDR_I8, k);
            axdr_put_int(w, AXDR_I8, 0);
        }
    }
    return 1;
}

/* Single action schedule 0-0:15.0.0 (end of billing): script 1 of
 * 0-0:10.0.1 at 00:00 on the configured day of every month. */
static int get_single_action(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc,
                             struct axdr_w *w)
{
    static const uint8_t script_ln[6] = {0, 0, 10, 0, 1, 255};
    struct obj_value v;
    int r = obj_read(m, o, acc, &v);
    if (r < 0)
        return r;
    switch (attr) {
    case 2:
        axdr_put_struct(w, 2);
        axdr_put_octets_fixed(w, script_ln, 6);
        axdr_put_int(w, AXDR_U16, 1);
        return 1;
    case 3:
        axdr_put_int(w, AXDR_ENUM, 1); /* one time, wildcards in the date */
        return 1;
    case 4: {
        if (v.i < 1 || v.i > 31) {
            axdr_put_array(w, 0);
            return 1;
        }
        static const uint8_t midnight[4] = {0, 0, 0, 0};
        uint8_t date[5] = {0xFF, 0xFF, 0xFF, (uint8_t)v.i, 0xFF};
        axdr_put_array(w, 1);
        axdr_put_struct(w, 2);
        axdr_put_octets_fixed(w, midnight, 4);
        axdr_put_octets_fixed(w, date, 5);
        return 1;
    }
    default:
        return METER_ENOENT;
    }
}

/* Disconnect control: output_state (the row's value), control_state
 * (0 disconnected, 1 connected, 2 ready for reconnection). The main
 * disconnector's control state is its own row 0-0:96.130.0. */
static int get_disconnect(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc,
                          struct axdr_w *w)
{
    static const struct obis state_ln = OBIS(0, 0, 96, 130, 0, 255);
    struct obj_value v;
    int r = obj_read(m, o, acc, &v);
    if (r < 0)
        return r;
    if (attr == 2) {
        axdr_put_bool(w, v.i != 0);
        return 1;
    }
    bool main_disc = o->ln.v[2] == 96 && o->ln.v[3] == 3 && o->ln.v[4] == 10;
    if (attr == 4) {
        /* control_mode: the soft reconnect (cosem_set.c says how) */
        static const struct obis soft_ln = OBIS(0, 0, 96, 130, 2, 255);
        struct obj_value s;
        const struct obj_def *so = objtab_find(&soft_ln);
        if (!main_disc || so == NULL || obj_read(m, so, acc, &s) < 0)
            return METER_ENOENT;
        axdr_put_int(w, AXDR_ENUM, s.i != 0 ? 2 : 1);
        return 1;
    }
    if (attr != 3)
        return METER_ENOENT;
    int64_t st = v.i != 0 ? 1 : 0;
    if (main_disc) {
        struct obj_value s;
        const struct obj_def *so = objtab_find(&state_ln);
        if (so != NULL && obj_read(m, so, acc, &s) == METER_OK)
            st = s.i;
    }
    axdr_put_int(w, AXDR_ENUM, st);
    return 1;
}

int cosem_get(const struct meter *m, const struct obj_def *o, unsigned f, int attr, const struct cosem_sel *sel,
              enum meter_access acc, struct axdr_w *w, struct cosem_pos *pos)
{
    if (o == NULL)
        return METER_ENOENT;
    if (acc < o->rd)
        return METER_EACCES;
    bool hist = f != 0 && f != 255;
    if (hist && o->ic != IC_DATA && o->ic != IC_REGISTER && o->ic != IC_EXT_REGISTER)
        return METER_ENOENT;
    if (attr == 1) {
        put_ln(w, &o->ln, f);
        return 1;
    }
    if (!cosem_attr_readable(o, attr, acc))
        return METER_ENOENT;
    if (sel != NULL && sel->selector != COSEM_SEL_NONE && !(o->ic == IC_PROFILE_GENERIC && attr == 2))
        return METER_EINVAL;
    switch (o->ic) {
    case IC_DATA:
    case IC_REGISTER:
    case IC_EXT_REGISTER: return get_register(m, o, f, attr, acc, w);
    case IC_DEMAND_REGISTER: return get_demand(m, o, attr, acc, w);
    case IC_PROFILE_GENERIC: return cosem_pg_get(m, o, attr, sel, acc, w, pos);
    case IC_CLOCK: return get_clock(m, attr, w);
    case IC_SCRIPT_TABLE: return get_script_table(o, attr, w);
    case IC_SINGLE_ACTION_SCHEDULE: return get_single_action(m, o, attr, acc, w);
    case IC_DISCONNECT_CONTROL: return get_disconnect(m, o, attr, acc, w);
    case IC_ACTIVITY_CALENDAR: return cosem_cal_get(m, o, attr, acc, w);
    case IC_SPECIAL_DAYS: return cosem_sd_get(m, o, attr, acc, w);
    case IC_LIMITER: return cosem_lim_get(m, o, attr, acc, w);
    case IC_PUSH_SETUP: return cosem_push_get(m, o, attr, acc, w);
    case IC_IMAGE_TRANSFER: return image_cosem_get(m, o, attr, w);
    default: return METER_ENOENT;
    }
}
