/*
 * cosem_set.c — SET and ACTION of the interface classes: A-XDR values and
 * method parameters turned into obj_value and handed to the object table.
 *
 * Nothing here decides a right or writes a log: obj_write()/obj_action()
 * check the level, the calibration seal and the metrological log, and
 * record the change (objtab.h). This file only knows how a class presents
 * a row (which attribute is the row's value, what a method means) and
 * refuses what no row stands behind. The one extra rule: a legal row is
 * read-only for every protocol client, whatever its level (issue 14 item
 * 5; the factory and the optical programming mode with the seal open reach
 * legal rows through their own paths).
 *
 * One case line per class in cosem_set()/cosem_action(); classes not
 * handled yet are refused by the default.
 */
#include <string.h>

#include "cosem/cosem.h"
#include "cosem/cosem_ctl.h"
#include "cosem/cosem_image.h"
#include "legal/audit.h"
#include "registers/clock.h"
#include "trimeter/meter.h"

int cosem_result_of(int err)
{
    switch (err) {
    case METER_OK: return COSEM_R_SUCCESS;
    case METER_EACCES: return COSEM_R_DENIED;
    case METER_EINVAL:
    case METER_ERANGE: return COSEM_R_TYPE_UNMATCHED;
    case METER_ENOENT: return COSEM_R_UNAVAILABLE;
    case METER_ENOSPC:
    case METER_EBUSY:
    case METER_ESTATE: return COSEM_R_TEMPORARY_FAILURE;
    case METER_EIO: return COSEM_R_HARDWARE_FAULT;
    case METER_ENOTSUP: return COSEM_R_SCOPE_VIOLATED;
    default: return COSEM_R_OTHER;
    }
}

/* A refusal before the object table was asked: counted like its own. */
static int refuse(struct meter *m, const struct obj_def *o, enum meter_src src, enum audit_why why, int result)
{
    audit_refusal(m, src, obj_packed(o), why);
    return result;
}

static int denied(struct meter *m, const struct obj_def *o, enum meter_src src)
{
    return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_DENIED);
}

static int malformed(struct meter *m, const struct obj_def *o, enum meter_src src)
{
    return refuse(m, o, src, AUDIT_VALUE, COSEM_R_TYPE_UNMATCHED);
}

/* The value must be the whole of what the client sent. */
static bool at_end(const struct axdr_r *r)
{
    return !r->err && axdr_r_left(r) == 0;
}

static int write_row(struct meter *m, const struct obj_def *o, enum meter_access acc, const struct obj_value *in,
                     enum meter_src src)
{
    return cosem_result_of(obj_write(m, o, acc, in, src));
}

/* One A-XDR Data as a value for a row whose current value is `cur`: the
 * number at the row's scaler (as attribute 3 presents it), a text, or a
 * date-time where the row holds one. METER_EINVAL when it fits nothing. */
static int value_of(const struct meter *m, struct axdr_r *r, const struct obj_value *cur, struct obj_value *in)
{
    struct axdr_item it;
    memset(in, 0, sizeof *in);
    if (axdr_get(r, &it) < 0)
        return METER_EINVAL;
    in->unit = cur->unit;
    in->scaler = cur->scaler;
    switch (it.tag) {
    case AXDR_BOOL:
        in->type = OBJ_T_BOOL;
        in->i = it.u != 0;
        return METER_OK;
    case AXDR_ENUM:
        in->type = OBJ_T_ENUM;
        in->i = (int64_t)it.u;
        return METER_OK;
    case AXDR_I8:
    case AXDR_I16:
    case AXDR_I32:
    case AXDR_I64:
        in->type = OBJ_T_INT;
        in->i = it.i;
        return METER_OK;
    case AXDR_U8:
    case AXDR_U16:
    case AXDR_U32:
    case AXDR_U64:
        if (it.u > (uint64_t)INT64_MAX)
            return METER_EINVAL;
        in->type = OBJ_T_UINT;
        in->i = (int64_t)it.u;
        return METER_OK;
    case AXDR_DATETIME:
    case AXDR_OCTETS:
    case AXDR_VISIBLE:
    case AXDR_UTF8:
        if (cur->type == OBJ_T_DATETIME && it.n == 12) {
            in->type = OBJ_T_DATETIME;
            return cosem_datetime_parse(m, it.p, &in->i) < 0 ? METER_EINVAL : METER_OK;
        }
        if (it.tag == AXDR_DATETIME || it.n > OBJ_STR_MAX)
            return METER_EINVAL;
        memcpy(in->s, it.p, it.n);
        return obj_text_value(in, (int)it.n);
    default:
        return METER_EINVAL;
    }
}

/* ---- classes ----------------------------------------------------------------- */

/* Data, Register, Extended register: attribute 2 is the row's value, at
 * the scaler attribute 3 shows; the rest (scaler_unit, status, capture
 * time) is the meter's to say. */
static int set_register(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                        enum meter_src src)
{
    struct obj_value cur, in;
    if (attr != 2)
        return denied(m, o, src);
    int e = obj_read(m, o, acc, &cur);
    if (e < 0)
        return e == METER_EACCES ? denied(m, o, src) : cosem_result_of(e);
    if (value_of(m, r, &cur, &in) < 0 || !at_end(r))
        return malformed(m, o, src);
    return write_row(m, o, acc, &in, src);
}

/* Demand register: attribute 8 (period, seconds) is the demand period
 * parameter (whole minutes); the averages are the meter's. */
static int set_demand(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                      enum meter_src src)
{
    int64_t s;
    const struct obj_def *p = objtab_find_key("demand_period_min");
    if (attr != 8 || p == NULL)
        return denied(m, o, src);
    if (axdr_get_int(r, 60, 24 * 3600, &s) < 0 || !at_end(r) || s % 60 != 0)
        return malformed(m, o, src);
    struct obj_value in = {0};
    obj_put_uint(&in, s / 60, 0);
    in.unit = p->unit;
    return write_row(m, p, acc, &in, src);
}

/* Clock: attribute 2 (time) through the clock row, which applies the
 * synchronisation policy of legal/access.h; the zone attributes are
 * configuration rows of their own (timezone, utc_offset_min). */
static int set_clock(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                     enum meter_src src)
{
    struct obj_value in = {0};
    const uint8_t *p;
    uint32_t n = 0;
    if (attr != 2)
        return denied(m, o, src);
    p = axdr_get_octets(r, 12, &n);
    memset(&in, 0, sizeof in);
    in.type = OBJ_T_DATETIME;
    if (p == NULL || !at_end(r) || cosem_datetime_parse(m, p, &in.i) < 0)
        return malformed(m, o, src);
    return write_row(m, o, acc, &in, src);
}

/* t rounded to the nearest multiple of step seconds. */
static int64_t round_to(int64_t t, int64_t step)
{
    int64_t k = (t + step / 2) / step;
    return k * step;
}

/* Clock methods 1 adjust_to_quarter, 2 adjust_to_measuring_period (the
 * demand period), 3 adjust_to_minute, 6 shift_time (long, seconds): a new
 * time written through the clock row (same policy as attribute 2). The
 * preset methods (4, 5) are not offered. */
static int act_clock(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                     enum meter_access acc, enum meter_src src)
{
    int64_t x = 0, t;
    if (method < 1 || method > 6)
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (method == 4 || method == 5)
        return denied(m, o, src);
    if (method == 6) {
        if (params == NULL || axdr_get_int(params, -900, 900, &x) < 0 || !at_end(params))
            return malformed(m, o, src);
    } else if (params != NULL && axdr_r_left(params) > 0 && (axdr_get_int(params, INT8_MIN, INT8_MAX, &x) < 0 || !at_end(params))) {
        return malformed(m, o, src);
    }
    switch (method) {
    case 1: t = round_to(m->now, 900); break;
    case 2: {
        int64_t p = (int64_t)m->cfg.demand_period_min * 60;
        t = round_to(m->now, p > 0 ? p : 900);
        break;
    }
    case 3: t = round_to(m->now, 60); break;
    default: t = m->now + x; break;
    }
    struct obj_value in = {0};
    memset(&in, 0, sizeof in);
    in.type = OBJ_T_DATETIME;
    in.i = t;
    return write_row(m, o, acc, &in, src);
}

/* Profile generic: 1 reset, 2 capture, where the row has the method (the
 * metrological log's reset = its clear, calibration seal closed). */
static int act_profile(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                       enum meter_access acc, enum meter_src src)
{
    int64_t x;
    if (method != 1 && method != 2)
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (params != NULL && axdr_r_left(params) > 0 && (axdr_get_int(params, INT8_MIN, INT8_MAX, &x) < 0 || !at_end(params)))
        return malformed(m, o, src);
    return cosem_result_of(obj_action(m, o, acc, (unsigned)method, NULL, src));
}

/* Script table: method 1 execute(long-unsigned script id) = the row's
 * method of that number (end of billing: 1; disconnector scripts: 1
 * disconnect, 2 reconnect). */
static int act_script(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                      enum meter_access acc, enum meter_src src)
{
    int64_t id;
    if (method != 1)
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (params == NULL || axdr_get_int(params, 1, 0xFFFF, &id) < 0 || !at_end(params))
        return malformed(m, o, src);
    return cosem_result_of(obj_action(m, o, acc, (unsigned)id, NULL, src));
}

/* Single action schedule: attribute 4 (execution_time) is the billing
 * day: none, or one entry at 00:00 on day D of every month. */
static int set_single_action(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r,
                             enum meter_access acc, enum meter_src src)
{
    uint32_t n, k;
    int64_t day = 0;
    if (attr != 4)
        return denied(m, o, src);
    if (axdr_get_head(r, AXDR_ARRAY, &n) < 0 || n > 1)
        return malformed(m, o, src);
    for (k = 0; k < n; k++) {
        uint32_t two;
        if (axdr_get_head(r, AXDR_STRUCT, &two) < 0 || two != 2)
            return malformed(m, o, src);
        const uint8_t *t = axdr_get_octets(r, 4, &two);
        const uint8_t *d = axdr_get_octets(r, 5, &two);
        if (t == NULL || d == NULL)
            return malformed(m, o, src);
        bool midnight = t[0] == 0 && t[1] == 0 && (t[2] == 0 || t[2] == 0xFF) && (t[3] == 0 || t[3] == 0xFF);
        bool monthly = d[0] == 0xFF && d[1] == 0xFF && d[2] == 0xFF && d[4] == 0xFF;
        if (!midnight || !monthly || d[3] < 1 || d[3] > 31)
            return malformed(m, o, src);
        day = d[3];
    }
    if (!at_end(r))
        return malformed(m, o, src);
    struct obj_value in = {0};
    obj_put_uint(&in, day, 0);
    return write_row(m, o, acc, &in, src);
}

/* Disconnect control: attribute 4 control_mode is the soft reconnect of
 * the main disconnector (0-0:96.130.2): mode 2 (remote reconnection
 * direct; by hand only once ready_for_reconnection) = soft reconnect on,
 * mode 1 (by hand after a remote disconnection) = off; other modes are not
 * offered. */
static int set_disconnect(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r,
                          enum meter_access acc, enum meter_src src)
{
    int64_t mode;
    const struct obj_def *soft = objtab_find_key("disconnector_soft_reconnect");
    if (attr != 4 || soft == NULL || o->ln.v[2] != 96 || o->ln.v[3] != 3)
        return denied(m, o, src);
    if (axdr_get_int(r, 0, 255, &mode) < 0 || !at_end(r))
        return malformed(m, o, src);
    if (mode != 1 && mode != 2)
        return refuse(m, o, src, AUDIT_VALUE, COSEM_R_OTHER);
    struct obj_value in = {0};
    obj_put_bool(&in, mode == 2);
    return write_row(m, soft, acc, &in, src);
}

/* Disconnect control methods 1 remote_disconnect, 2 remote_reconnect
 * (parameter integer 0). */
static int act_disconnect(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                          enum meter_access acc, enum meter_src src)
{
    int64_t x;
    if (method != 1 && method != 2)
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (params != NULL && axdr_r_left(params) > 0 && (axdr_get_int(params, INT8_MIN, INT8_MAX, &x) < 0 || !at_end(params)))
        return malformed(m, o, src);
    return cosem_result_of(obj_action(m, o, acc, (unsigned)method, NULL, src));
}

/* ---- entry points -------------------------------------------------------------- */

static bool row_writable(const struct obj_def *o, enum meter_access acc)
{
    return o != NULL && o->set != NULL && o->wr != METER_ACC_NONE && acc >= o->wr && !(o->flags & OBJ_F_LEGAL);
}

static bool main_disconnector(const struct obj_def *o)
{
    return o->ln.v[2] == 96 && o->ln.v[3] == 3 && o->ln.v[4] == 10;
}

bool cosem_attr_writable(const struct obj_def *o, int attr, enum meter_access acc)
{
    if (o == NULL || acc < o->rd || (o->flags & OBJ_F_LEGAL))
        return false;
    switch (o->ic) {
    case IC_DATA:
    case IC_REGISTER:
    case IC_EXT_REGISTER:
    case IC_CLOCK: return attr == 2 && row_writable(o, acc);
    case IC_SINGLE_ACTION_SCHEDULE: return attr == 4 && row_writable(o, acc);
    case IC_DEMAND_REGISTER: return attr == 8 && row_writable(objtab_find_key("demand_period_min"), acc);
    case IC_DISCONNECT_CONTROL:
        return attr == 4 && main_disconnector(o) && row_writable(objtab_find_key("disconnector_soft_reconnect"), acc);
    case IC_IMAGE_TRANSFER: return attr == 5 && acc >= METER_ACC_MANAGER; /* image_transfer_enabled */
    default: return cosem_ctl_attr_writable(o, attr, acc); /* classes 11, 20, 40, 71 */
    }
}

bool cosem_method_allowed(const struct obj_def *o, int method, enum meter_access acc)
{
    if (o == NULL || acc < o->rd || (o->flags & OBJ_F_LEGAL))
        return false;
    bool act = o->act != NULL && o->ex != METER_ACC_NONE && acc >= o->ex;
    switch (o->ic) {
    case IC_PROFILE_GENERIC: return method == 1 && act;
    case IC_CLOCK: return (method <= 3 || method == 6) && method >= 1 && row_writable(o, acc);
    case IC_SCRIPT_TABLE: return method == 1 && act;
    case IC_DISCONNECT_CONTROL: return (method == 1 || method == 2) && act;
    case IC_IMAGE_TRANSFER: return method >= 1 && method <= 4 && acc >= METER_ACC_MANAGER; /* docs/FIRMWARE.md */
    default: return cosem_ctl_method_allowed(o, method, acc); /* classes 11, 20, 40, 71 */
    }
}

int cosem_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
              enum meter_src src)
{
    if (o == NULL || r == NULL)
        return COSEM_R_UNDEFINED;
    if (acc < o->rd)
        return denied(m, o, src);
    if (attr < 1 || attr > cosem_attr_count(o->ic))
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (attr == 1)
        return denied(m, o, src); /* the logical name */
    if (o->flags & OBJ_F_LEGAL)
        return refuse(m, o, src, AUDIT_SEAL, COSEM_R_DENIED);
    switch (o->ic) {
    case IC_DATA:
    case IC_REGISTER:
    case IC_EXT_REGISTER: return set_register(m, o, attr, r, acc, src);
    case IC_DEMAND_REGISTER: return set_demand(m, o, attr, r, acc, src);
    case IC_CLOCK: return set_clock(m, o, attr, r, acc, src);
    case IC_SINGLE_ACTION_SCHEDULE: return set_single_action(m, o, attr, r, acc, src);
    case IC_DISCONNECT_CONTROL: return set_disconnect(m, o, attr, r, acc, src);
    case IC_ACTIVITY_CALENDAR: return cosem_cal_set(m, o, attr, r, acc, src);
    case IC_SPECIAL_DAYS: return cosem_sd_set(m, o, attr, r, acc, src);
    case IC_LIMITER: return cosem_lim_set(m, o, attr, r, acc, src);
    case IC_PUSH_SETUP: return cosem_push_set(m, o, attr, r, acc, src);
    case IC_IMAGE_TRANSFER: return image_cosem_set(m, o, attr, r, acc, src);
    default: return denied(m, o, src);
    }
}

int cosem_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                 enum meter_access acc, enum meter_src src)
{
    if (o == NULL)
        return COSEM_R_UNDEFINED;
    if (acc < o->rd)
        return denied(m, o, src);
    if (method < 1 || method > cosem_method_count(o->ic))
        return refuse(m, o, src, AUDIT_ACCESS, COSEM_R_UNAVAILABLE);
    if (o->flags & OBJ_F_LEGAL)
        return refuse(m, o, src, AUDIT_SEAL, COSEM_R_DENIED);
    switch (o->ic) {
    case IC_PROFILE_GENERIC: return act_profile(m, o, method, params, acc, src);
    case IC_CLOCK: return act_clock(m, o, method, params, acc, src);
    case IC_SCRIPT_TABLE: return act_script(m, o, method, params, acc, src);
    case IC_DISCONNECT_CONTROL: return act_disconnect(m, o, method, params, acc, src);
    case IC_ACTIVITY_CALENDAR: return cosem_cal_action(m, o, method, params, ret, acc, src);
    case IC_SPECIAL_DAYS: return cosem_sd_action(m, o, method, params, ret, acc, src);
    case IC_LIMITER: return cosem_lim_action(m, o, method, params, ret, acc, src);
    case IC_PUSH_SETUP: return cosem_push_action(m, o, method, params, ret, acc, src);
    case IC_IMAGE_TRANSFER: return image_cosem_action(m, o, method, params, ret, acc, src);
    default: return denied(m, o, src);
    }
}
