/*
 * control_obj.c — object-table access to the control functions (see control.h).
 */
#include "control/control.h"

#include "cosem/objtab.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/fmt.h"

/* ---- values ---------------------------------------------------------------- */

/* "auto" / "manual", or 1 / 0. */
static int return_of(const struct obj_value *in, uint8_t *out)
{
    int64_t x;
    if (obj_text_is(in, "auto"))
        x = RELAY_RETURN_AUTO;
    else if (obj_text_is(in, "manual"))
        x = RELAY_RETURN_MANUAL;
    else if (obj_range_of(in, 0, 0, 1, &x) < 0)
        return METER_EINVAL;
    *out = (uint8_t)x;
    return METER_OK;
}

static const char *const basis_names[] = {"off", "current", "power"};

/* ---- getters --------------------------------------------------------------- */

static int get_text_of(const struct meter *m, unsigned par, struct obj_value *v)
{
    const struct control_cfg *c = &m->control.cfg;
    switch (par) {
    case CTL_PP_WINDOW:
        return obj_text_value(v, prepay_window_format(&c->prepay, v->s, sizeof v->s));
    case CTL_LC1_TARIFFS:
    case CTL_LC2_TARIFFS:
        return obj_text_value(v, loadctl_tariffs_format(c->loadctl.r[par - CTL_LC1_TARIFFS].tariffs, v->s, sizeof v->s));
    case CTL_LC1_PROGRAM:
    case CTL_LC2_PROGRAM:
        return obj_text_value(v, loadctl_program_format(&c->loadctl.r[par - CTL_LC1_PROGRAM], v->s, sizeof v->s));
    default:
        return METER_ENOENT;
    }
}

int control_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct control_cfg *c = &m->control.cfg;
    const struct control_nv *nv = &m->control.nv;
    switch (o->arg) {
    case CTL_DISCONNECTOR: return obj_put_bool(v, relay_is_closed(m));
    case CTL_DISC_STATE: return obj_put_enum(v, relay_state_of(m));
    case CTL_DISC_RELEASE: return obj_put_bool(v, relay_state_of(m) == RELAY_READY);
    case CTL_DISC_SOFT: return obj_put_bool(v, c->relay.soft_reconnect != 0);
    case CTL_DISC_CAUSE: return obj_put_enum(v, nv->relay.cause);
    case CTL_LIM_BASIS: return obj_put_text(v, basis_names[c->limiter.basis <= LIMITER_POWER ? c->limiter.basis : 0]);
    case CTL_LIM_THR1:
    case CTL_LIM_THR2:
    case CTL_LIM_THR3: return obj_put_uint(v, c->limiter.step[o->arg - CTL_LIM_THR1].threshold, 0);
    case CTL_LIM_TIME1:
    case CTL_LIM_TIME2:
    case CTL_LIM_TIME3: return obj_put_uint(v, c->limiter.step[o->arg - CTL_LIM_TIME1].time_s, 0);
    case CTL_LIM_DELAY: return obj_put_uint(v, c->limiter.delay_s, 0);
    case CTL_LIM_RECONNECT: return obj_put_text(v, c->limiter.reconnect ? "auto" : "manual");
    case CTL_LIM_SHED: return obj_put_uint(v, c->limiter.shed_s, 0);
    case CTL_LIM_COUNT: return obj_put_uint(v, nv->limiter.count, 0);
    case CTL_PP_CREDIT: return obj_put_int(v, prepay_credit_uwh(m), -6); /* uWh; obj_read truncates */
    case CTL_PP_ENABLE: return obj_put_bool(v, c->prepay.enable != 0);
    case CTL_PP_LOW: return obj_put_uint(v, c->prepay.low_wh, 0);
    case CTL_PP_RECONNECT: return obj_put_text(v, c->prepay.reconnect ? "auto" : "manual");
    case CTL_N_UHIGH: return obj_put_uint(v, c->neutral.u_high_v, 0);
    case CTL_N_SHIFT: return obj_put_uint(v, c->neutral.shift_v, 0);
    case CTL_N_TIME: return obj_put_uint(v, c->neutral.time_s, 0);
    case CTL_N_DISCONNECT: return obj_put_bool(v, c->neutral.disconnect != 0);
    case CTL_N_RECONNECT: return obj_put_text(v, c->neutral.reconnect ? "auto" : "manual");
    case CTL_N_FAULT: return obj_put_bool(v, neutral_fault(m));
    case CTL_LC1:
    case CTL_LC2: return obj_put_bool(v, loadctl_closed(m, o->arg - CTL_LC1));
    case CTL_LC1_MODE:
    case CTL_LC2_MODE:
        return obj_put_text(v, loadctl_mode_name((enum loadctl_mode)c->loadctl.r[o->arg - CTL_LC1_MODE].mode));
    case CTL_PULSE_COUNT: return obj_put_uint(v, nv->pulsein.count, 0);
    case CTL_PULSE_DIVIDER: return obj_put_uint(v, c->pulsein.divider, 0);
    case CTL_TAMPER: return obj_put_uint(v, tamper_bits(m), 0);
    default: return get_text_of(m, o->arg, v);
    }
}

/* ---- setters --------------------------------------------------------------- */

static int set_limiter(struct meter *m, const struct obj_def *o, const struct obj_value *in)
{
    struct limiter_cfg lc = m->control.cfg.limiter;
    int64_t x = 0;
    int r = METER_OK;
    switch (o->arg) {
    case CTL_LIM_BASIS: {
        unsigned k = 0;
        while (k <= LIMITER_POWER && !obj_text_is(in, basis_names[k]))
            k++;
        if (k > LIMITER_POWER) {
            if (obj_range_of(in, 0, 0, LIMITER_POWER, &x) < 0)
                return METER_EINVAL;
            k = (unsigned)x;
        }
        lc.basis = (uint8_t)k;
        break;
    }
    case CTL_LIM_THR1:
    case CTL_LIM_THR2:
    case CTL_LIM_THR3:
        r = obj_range_of(in, o->scaler, 0, 1000000, &x);
        lc.step[o->arg - CTL_LIM_THR1].threshold = (uint32_t)x;
        break;
    case CTL_LIM_TIME1:
    case CTL_LIM_TIME2:
    case CTL_LIM_TIME3:
        r = obj_range_of(in, o->scaler, 0, 65535, &x);
        lc.step[o->arg - CTL_LIM_TIME1].time_s = (uint16_t)x;
        break;
    case CTL_LIM_DELAY:
        r = obj_range_of(in, o->scaler, 0, 65535, &x);
        lc.delay_s = (uint16_t)x;
        break;
    case CTL_LIM_SHED:
        r = obj_range_of(in, o->scaler, 0, 65535, &x);
        lc.shed_s = (uint16_t)x;
        break;
    case CTL_LIM_RECONNECT:
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
    m->control.cfg.limiter = lc;
    return METER_OK;
}

static int set_neutral(struct meter *m, const struct obj_def *o, const struct obj_value *in)
{
    struct neutral_cfg nc = m->control.cfg.neutral;
    int64_t x = 0;
    int r;
    switch (o->arg) {
    case CTL_N_UHIGH:
        r = obj_range_of(in, o->scaler, 100, 500, &x);
        nc.u_high_v = (uint16_t)x;
        break;
    case CTL_N_SHIFT:
        r = obj_range_of(in, o->scaler, 1, 400, &x);
        nc.shift_v = (uint16_t)x;
        break;
    case CTL_N_TIME:
        r = obj_range_of(in, o->scaler, 1, 3600, &x);
        nc.time_s = (uint16_t)x;
        break;
    case CTL_N_DISCONNECT:
        r = obj_range_of(in, 0, 0, 1, &x);
        nc.disconnect = (uint8_t)x;
        break;
    case CTL_N_RECONNECT:
        r = return_of(in, &nc.reconnect);
        break;
    default:
        return METER_ENOENT;
    }
    if (r < 0)
        return r;
    m->control.cfg.neutral = nc;
    return METER_OK;
}

static int set_loadctl(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    int64_t x;
    switch (o->arg) {
    case CTL_LC1:
    case CTL_LC2:
        if (obj_range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        return loadctl_remote(m, o->arg - CTL_LC1, x != 0, src);
    case CTL_LC1_MODE:
    case CTL_LC2_MODE: {
        int k = in->type == OBJ_T_STRING ? loadctl_mode_parse(in->s, in->len) : METER_EINVAL;
        if (k < 0) {
            if (obj_range_of(in, 0, 0, LOADCTL_MODES - 1, &x) < 0)
                return METER_EINVAL;
            k = (int)x;
        }
        struct loadctl_relay_cfg *r = &m->control.cfg.loadctl.r[o->arg - CTL_LC1_MODE];
        if (r->mode != (uint8_t)k) {
            r->mode = (uint8_t)k;
            m->control.loadctl.known &= (uint8_t)~(1u << (o->arg - CTL_LC1_MODE));
            m->control.nv.loadctl.override &= (uint8_t)~(1u << (o->arg - CTL_LC1_MODE));
        }
        return METER_OK;
    }
    case CTL_LC1_TARIFFS:
    case CTL_LC2_TARIFFS:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return loadctl_tariffs_parse(&m->control.cfg.loadctl.r[o->arg - CTL_LC1_TARIFFS].tariffs, in->s, in->len);
    case CTL_LC1_PROGRAM:
    case CTL_LC2_PROGRAM:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return loadctl_program_parse(&m->control.cfg.loadctl.r[o->arg - CTL_LC1_PROGRAM], in->s, in->len);
    default:
        return METER_ENOENT;
    }
}

int control_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    struct control_cfg *c = &m->control.cfg;
    int64_t x;
    int r;
    switch (o->arg) {
    case CTL_DISC_SOFT:
        if (obj_range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        c->relay.soft_reconnect = (uint8_t)x;
        return METER_OK;
    case CTL_PP_ENABLE:
        if (obj_range_of(in, 0, 0, 1, &x) < 0)
            return METER_EINVAL;
        prepay_enable(m, x != 0);
        return METER_OK;
    case CTL_PP_LOW:
        if ((r = obj_range_of(in, o->scaler, 0, PREPAY_CREDIT_MAX_WH, &x)) < 0)
            return r;
        c->prepay.low_wh = (uint32_t)x;
        return METER_OK;
    case CTL_PP_WINDOW:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return prepay_window_parse(&c->prepay, in->s, in->len);
    case CTL_PP_RECONNECT:
        return return_of(in, &c->prepay.reconnect);
    case CTL_PULSE_DIVIDER:
        if ((r = obj_range_of(in, o->scaler, 1, PULSEIN_DIVIDER_MAX, &x)) < 0)
            return r;
        return pulsein_set_divider(m, (uint32_t)x);
    case CTL_TAMPER:
        /* Only clearing the latched alarms is a valid write. */
        if (obj_range_of(in, 0, 0, 0, &x) < 0)
            return METER_EINVAL;
        tamper_clear_alarms(m);
        return METER_OK;
    default:
        break;
    }
    if (o->arg >= CTL_LIM_BASIS && o->arg <= CTL_LIM_SHED)
        return set_limiter(m, o, in);
    if (o->arg >= CTL_N_UHIGH && o->arg <= CTL_N_RECONNECT)
        return set_neutral(m, o, in);
    if (o->arg >= CTL_LC1 && o->arg <= CTL_LC2_PROGRAM)
        return set_loadctl(m, o, in, src);
    return METER_ENOENT;
}

/* ---- methods --------------------------------------------------------------- */

int control_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
               enum meter_src src)
{
    int64_t wh;
    switch (o->arg) {
    case CTL_DISCONNECTOR:
        return relay_remote(m, method, src);
    case CTL_DISC_RELEASE:
        if (method != 1)
            return METER_EINVAL;
        return relay_remote_release(m, src);
    case CTL_PP_CREDIT:
        if (method != 1 || arg == NULL)
            return METER_EINVAL;
        /* The argument in Wh at its own scaler (a unit other than Wh is refused). */
        if (arg->unit != 0 && arg->unit != UNIT_WH)
            return METER_EINVAL;
        if (obj_int_of(arg, 0, &wh) < 0)
            return METER_EINVAL;
        return prepay_topup(m, wh, src);
    case CTL_LC1:
    case CTL_LC2:
        if (method != 1 && method != 2)
            return METER_EINVAL;
        return loadctl_remote(m, o->arg - CTL_LC1, method == 2, src);
    default:
        return METER_ENOENT;
    }
}
