/*
 * ui_obj.c — object-table access to display and control (see ui_obj.h).
 */
#include "ui/ui_obj.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/fmt.h"

/* ---- values ---------------------------------------------------------------- */

static int put_uint(struct obj_value *v, int64_t x)
{
    v->type = OBJ_T_UINT;
    v->i = x;
    return METER_OK;
}

static int put_enum(struct obj_value *v, int64_t x)
{
    v->type = OBJ_T_ENUM;
    v->i = x;
    return METER_OK;
}

static int put_bool(struct obj_value *v, bool x)
{
    v->type = OBJ_T_BOOL;
    v->i = x ? 1 : 0;
    return METER_OK;
}

static int put_text(struct obj_value *v, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof v->s)
        return METER_ENOSPC;
    memcpy(v->s, s, n);
    return obj_text_value(v, (int)n);
}

/* A whole number in the row's scaler (scenario numbers, protocol values). */
static int int_of(const struct obj_value *in, int8_t row_scaler, int64_t *x)
{
    if (in->type != OBJ_T_INT && in->type != OBJ_T_UINT && in->type != OBJ_T_ENUM && in->type != OBJ_T_BOOL)
        return METER_EINVAL;
    int64_t r = in->i;
    for (int k = in->scaler; k > row_scaler; k--) {
        if (r > INT64_MAX / 10 || r < INT64_MIN / 10)
            return METER_ERANGE;
        r *= 10;
    }
    for (int k = in->scaler; k < row_scaler; k++) {
        if (r % 10 != 0)
            return METER_EINVAL; /* finer than the row's resolution */
        r /= 10;
    }
    *x = r;
    return METER_OK;
}

static int range_of(const struct obj_value *in, int8_t row_scaler, int64_t lo, int64_t hi, int64_t *x)
{
    int r = int_of(in, row_scaler, x);
    if (r < 0)
        return r;
    return (*x < lo || *x > hi) ? METER_ERANGE : METER_OK;
}

static bool text_is(const struct obj_value *in, const char *lit)
{
    size_t n = strlen(lit);
    return in->type == OBJ_T_STRING && in->len == n && memcmp(in->s, lit, n) == 0;
}

/* "auto" / "manual", or 1 / 0. */
static int return_of(const struct obj_value *in, uint8_t *out)
{
    int64_t x;
    if (text_is(in, "auto"))
        x = RELAY_RETURN_AUTO;
    else if (text_is(in, "manual"))
        x = RELAY_RETURN_MANUAL;
    else if (range_of(in, 0, 0, 1, &x) < 0)
        return METER_EINVAL;
    *out = (uint8_t)x;
    return METER_OK;
}

static const char *const basis_names[] = {"off", "current", "power"};

/* ---- getters --------------------------------------------------------------- */

static int get_text_of(const struct meter *m, unsigned par, struct obj_value *v)
{
    const struct ui_cfg *c = &m->ui.cfg;
    switch (par) {
    case UI_PP_WINDOW:
        return obj_text_value(v, prepay_window_format(&c->prepay, v->s, sizeof v->s));
    case UI_DISP_AUTO:
    case UI_DISP_MANUAL:
    case UI_DISP_BATTERY:
        return obj_text_value(v, display_list_get(m, (enum display_list_id)(par - UI_DISP_AUTO), v->s, sizeof v->s));
    case UI_DISP_REJECT:
        return obj_text_value(v, display_reject_text(m, v->s, sizeof v->s));
    case UI_LC1_TARIFFS:
    case UI_LC2_TARIFFS:
        return obj_text_value(v, loadctl_tariffs_format(c->loadctl.r[par - UI_LC1_TARIFFS].tariffs, v->s, sizeof v->s));
    case UI_LC1_PROGRAM:
    case UI_LC2_PROGRAM:
        return obj_text_value(v, loadctl_program_format(&c->loadctl.r[par - UI_LC1_PROGRAM], v->s, sizeof v->s));
    default:
        return METER_ENOENT;
    }
}

int ui_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct ui_cfg *c = &m->ui.cfg;
    const struct ui_nv *nv = &m->ui.nv;
    switch (o->arg) {
    case UI_DISCONNECTOR: return put_bool(v, relay_is_closed(m));
    case UI_DISC_STATE: return put_enum(v, relay_state_of(m));
    case UI_DISC_RELEASE: return put_bool(v, relay_state_of(m) == RELAY_READY);
    case UI_DISC_SOFT: return put_bool(v, c->relay.soft_reconnect != 0);
    case UI_DISC_CAUSE: return put_enum(v, nv->relay.cause);
    case UI_LIM_BASIS: return put_text(v, basis_names[c->limiter.basis <= LIMITER_POWER ? c->limiter.basis : 0]);
    case UI_LIM_THR1:
    case UI_LIM_THR2:
    case UI_LIM_THR3: return put_uint(v, c->limiter.step[o->arg - UI_LIM_THR1].threshold);
    case UI_LIM_TIME1:
    case UI_LIM_TIME2:
    case UI_LIM_TIME3: return put_uint(v, c->limiter.step[o->arg - UI_LIM_TIME1].time_s);
    case UI_LIM_DELAY: return put_uint(v, c->limiter.delay_s);
    case UI_LIM_RECONNECT: return put_text(v, c->limiter.reconnect ? "auto" : "manual");
    case UI_LIM_SHED: return put_uint(v, c->limiter.shed_s);
    case UI_LIM_COUNT: return put_uint(v, nv->limiter.count);
    case UI_PP_CREDIT:
        v->type = OBJ_T_INT;
        v->i = prepay_credit_uwh(m);
        v->scaler = -6; /* uWh; obj_read truncates to the row's 0.01 kWh */
        return METER_OK;
    case UI_PP_ENABLE: return put_bool(v, c->prepay.enable != 0);
    case UI_PP_LOW: return put_uint(v, c->prepay.low_wh);
    case UI_PP_RECONNECT: return put_text(v, c->prepay.reconnect ? "auto" : "manual");
    case UI_N_UHIGH: return put_uint(v, c->neutral.u_high_v);
    case UI_N_SHIFT: return put_uint(v, c->neutral.shift_v);
    case UI_N_TIME: return put_uint(v, c->neutral.time_s);
    case UI_N_DISCONNECT: return put_bool(v, c->neutral.disconnect != 0);
    case UI_N_RECONNECT: return put_text(v, c->neutral.reconnect ? "auto" : "manual");
    case UI_N_FAULT: return put_bool(v, neutral_fault(m));
    case UI_LC1:
    case UI_LC2: return put_bool(v, loadctl_closed(m, o->arg - UI_LC1));
    case UI_LC1_MODE:
    case UI_LC2_MODE:
        return put_text(v, loadctl_mode_name((enum loadctl_mode)c->loadctl.r[o->arg - UI_LC1_MODE].mode));
    case UI_PULSE_COUNT: return put_uint(v, nv->pulsein.count);
    case UI_PULSE_DIVIDER: return put_uint(v, c->pulsein.divider);
    case UI_TAMPER: return put_uint(v, tamper_bits(m));
    default: return get_text_of(m, o->arg, v);
    }
}

/* ---- setters --------------------------------------------------------------- */

static int set_limiter(struct meter *m, const struct obj_def *o, const struct obj_value *in)
{
    struct limiter_cfg lc = m->ui.cfg.limiter;
    int64_t x = 0;
    int r = METER_OK;
    switch (o->arg) {
    case UI_LIM_BASIS: {
        unsigned k = 0;
        while (k <= LIMITER_POWER && !text_is(in, basis_names[k]))
            k++;
        if (k > LIMITER_POWER) {
            if (range_of(in, 0, 0, LIMITER_POWER, &x) < 0)
                return METER_EINVAL;
            k = (unsigned)x;
        }
        lc.basis = (uint8_t)k;
        break;
    }
    case UI_LIM_THR1:
    case UI_LIM_THR2:
    case UI_LIM_THR3:
        r = range_of(in, o->scaler, 0, 1000000, &x);
        lc.step[o->arg - UI_LIM_THR1].threshold = (uint32_t)x;
        break;
    case UI_LIM_TIME1:
    case UI_LIM_TIME2:
    case UI_LIM_TIME3:
        r = range_of(in, o->scaler, 0, 65535, &x);
        lc.step[o->arg - UI_LIM_TIME1].time_s = (uint16_t)x;
        break;
    case UI_LIM_DELAY:
        r = range_of(in, o->scaler, 0, 65535, &x);
        lc.delay_s = (uint16_t)x;
        break;
    case UI_LIM_SHED:
        r = range_of(in, o->scaler, 0, 65535, &x);
        lc.shed_s = (uint16_t)x;
        break;
    case UI_LIM_RECONNECT:
        r = return_of(in, &lc.reconnect);
        break;
    default:
        return METER_ENOENT;
    }
    if (r < 0)
        return r;
    /* A used step needs its time; checked on the whole configuration. */
    if (!limiter_cfg_valid(&lc))
        return METER_ERANGE;
    m->ui.cfg.limiter = lc;
    return METER_OK;
}

static int set_neutral(struct meter *m, const struct obj_def *o, const struct obj_value *in)
{
    struct neutral_cfg nc = m->ui.cfg.neutral;
    int64_t x = 0;
    int r;
    switch (o->arg) {
    case UI_N_UHIGH:
        r = range_of(in, o->scaler, 100, 500, &x);
        nc.u_high_v = (uint16_t)x;
        break;
    case UI_N_SHIFT:
        r = range_of(in, o->scaler, 1, 400, &x);
        nc.shift_v = (uint16_t)x;
        break;
    case UI_N_TIME:
        r = range_of(in, o->scaler, 1, 3600, &x);
        nc.time_s = (uint16_t)x;
        break;
    case UI_N_DISCONNECT:
        r = range_of(in, 0, 0, 1, &x);
        nc.disconnect = (uint8_t)x;
        break;
    case UI_N_RECONNECT:
        r = return_of(in, &nc.reconnect);
        break;
    default:
        return METER_ENOENT;
    }
    if (r < 0)
        return r;
    m->ui.cfg.neutral = nc;
    return METER_OK;
}

static int set_loadctl(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    int64_t x;
    switch (o->arg) {
    case UI_LC1:
    case UI_LC2:
        if (range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        return loadctl_remote(m, o->arg - UI_LC1, x != 0, src);
    case UI_LC1_MODE:
    case UI_LC2_MODE: {
        int k = in->type == OBJ_T_STRING ? loadctl_mode_parse(in->s, in->len) : METER_EINVAL;
        if (k < 0) {
            if (range_of(in, 0, 0, LOADCTL_MODES - 1, &x) < 0)
                return METER_EINVAL;
            k = (int)x;
        }
        struct loadctl_relay_cfg *r = &m->ui.cfg.loadctl.r[o->arg - UI_LC1_MODE];
        if (r->mode != (uint8_t)k) {
            r->mode = (uint8_t)k;
            m->ui.loadctl.known &= (uint8_t)~(1u << (o->arg - UI_LC1_MODE));
            m->ui.nv.loadctl.override &= (uint8_t)~(1u << (o->arg - UI_LC1_MODE));
        }
        return METER_OK;
    }
    case UI_LC1_TARIFFS:
    case UI_LC2_TARIFFS:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return loadctl_tariffs_parse(&m->ui.cfg.loadctl.r[o->arg - UI_LC1_TARIFFS].tariffs, in->s, in->len);
    case UI_LC1_PROGRAM:
    case UI_LC2_PROGRAM:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return loadctl_program_parse(&m->ui.cfg.loadctl.r[o->arg - UI_LC1_PROGRAM], in->s, in->len);
    default:
        return METER_ENOENT;
    }
}

int ui_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    struct ui_cfg *c = &m->ui.cfg;
    int64_t x;
    int r;
    switch (o->arg) {
    case UI_DISC_SOFT:
        if (range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        c->relay.soft_reconnect = (uint8_t)x;
        return METER_OK;
    case UI_PP_ENABLE:
        if (range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        prepay_enable(m, x != 0);
        return METER_OK;
    case UI_PP_LOW:
        if ((r = range_of(in, o->scaler, 0, PREPAY_CREDIT_MAX_WH, &x)) < 0)
            return r;
        c->prepay.low_wh = (uint32_t)x;
        return METER_OK;
    case UI_PP_WINDOW:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return prepay_window_parse(&c->prepay, in->s, in->len);
    case UI_PP_RECONNECT:
        return return_of(in, &c->prepay.reconnect);
    case UI_DISP_AUTO:
    case UI_DISP_MANUAL:
    case UI_DISP_BATTERY:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return display_list_set(m, (enum display_list_id)(o->arg - UI_DISP_AUTO), in->s, in->len);
    case UI_PULSE_DIVIDER:
        if ((r = range_of(in, o->scaler, 1, PULSEIN_DIVIDER_MAX, &x)) < 0)
            return r;
        return pulsein_set_divider(m, (uint32_t)x);
    case UI_TAMPER:
        /* Only clearing the latched alarms is a valid write. */
        if (range_of(in, 0, 0, 0, &x) < 0)
            return METER_EINVAL;
        tamper_clear_alarms(m);
        return METER_OK;
    default:
        break;
    }
    if (o->arg >= UI_LIM_BASIS && o->arg <= UI_LIM_SHED)
        return set_limiter(m, o, in);
    if (o->arg >= UI_N_UHIGH && o->arg <= UI_N_RECONNECT)
        return set_neutral(m, o, in);
    if (o->arg >= UI_LC1 && o->arg <= UI_LC2_PROGRAM)
        return set_loadctl(m, o, in, src);
    return METER_ENOENT;
}

/* ---- methods --------------------------------------------------------------- */

int ui_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
               enum meter_src src)
{
    int64_t wh;
    switch (o->arg) {
    case UI_DISCONNECTOR:
        return relay_remote(m, method, src);
    case UI_DISC_RELEASE:
        if (method != 1)
            return METER_EINVAL;
        return relay_remote_release(m, src);
    case UI_PP_CREDIT:
        if (method != 1 || arg == NULL)
            return METER_EINVAL;
        /* The argument in Wh at its own scaler (a unit other than Wh is refused). */
        if (arg->unit != 0 && arg->unit != UNIT_WH)
            return METER_EINVAL;
        if (int_of(arg, 0, &wh) < 0)
            return METER_EINVAL;
        return prepay_topup(m, wh, src);
    case UI_LC1:
    case UI_LC2:
        if (method != 1 && method != 2)
            return METER_EINVAL;
        return loadctl_remote(m, o->arg - UI_LC1, method == 2, src);
    default:
        return METER_ENOENT;
    }
}
