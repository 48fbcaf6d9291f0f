/*
 * neutral.c — missing-neutral detection (see neutral.h).
 */
#include "control/neutral.h"

#include <string.h>

#include "trimeter/meter.h"

void neutral_cfg_default(struct neutral_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->u_high_v = 253;
    c->shift_v = 40;
    c->time_s = 60;
    c->disconnect = 0;
    c->reconnect = RELAY_RETURN_AUTO;
}

bool neutral_cfg_valid(const struct neutral_cfg *c)
{
    return c->u_high_v >= 100 && c->u_high_v <= 500 && c->shift_v >= 1 && c->shift_v <= 400 &&
           c->time_s >= 1 && c->time_s <= 3600 && c->disconnect <= 1 && c->reconnect <= 1;
}

bool neutral_condition(const struct neutral_cfg *c, const struct meas_block *b)
{
    if (b->u0_mv <= (int32_t)c->shift_v * 1000)
        return false;
    for (unsigned p = 0; p < METER_PHASES; p++)
        if (b->ph[p].u_mv > (int32_t)c->u_high_v * 1000)
            return true;
    return false;
}

void neutral_init(struct meter *m)
{
    memset(&m->control.neutral, 0, sizeof m->control.neutral);
}

bool neutral_fault(const struct meter *m)
{
    return m->control.nv.neutral.fault != 0;
}

static uint16_t inc(uint16_t s)
{
    return s < UINT16_MAX ? (uint16_t)(s + 1u) : s;
}

void neutral_second(struct meter *m)
{
    const struct neutral_cfg *c = &m->control.cfg.neutral;
    struct neutral *n = &m->control.neutral;
    struct neutral_nv *nv = &m->control.nv.neutral;
    const struct meas_block *b = &m->block;
    bool cond = neutral_condition(c, b);

    if (!nv->fault) {
        n->on_s = cond ? inc(n->on_s) : 0;
        if (n->on_s < c->time_s)
            return;
        int32_t umax = 0;
        for (unsigned p = 0; p < METER_PHASES; p++)
            if (b->ph[p].u_mv > umax)
                umax = b->ph[p].u_mv;
        nv->fault = 1;
        n->off_s = 0;
        control_commit_nv(m);
        evlog_add(m, EV_NEUTRAL_FAULT_START, METER_SRC_INTERNAL, umax / 1000, b->u0_mv / 1000);
        if (c->disconnect)
            relay_hold(m, RELAY_CAUSE_NEUTRAL, METER_SRC_INTERNAL);
        control_changed(m);
        return;
    }
    /* Protection switched off during a fault: give the supply back. */
    if (!c->disconnect && relay_held_by(m, RELAY_CAUSE_NEUTRAL))
        relay_release_hold(m, RELAY_CAUSE_NEUTRAL, RELAY_RETURN_AUTO, METER_SRC_INTERNAL);
    n->off_s = cond ? 0 : inc(n->off_s);
    if (n->off_s < c->time_s)
        return;
    nv->fault = 0;
    n->on_s = 0;
    control_commit_nv(m);
    evlog_add(m, EV_NEUTRAL_FAULT_END, METER_SRC_INTERNAL, 0, b->u0_mv / 1000);
    relay_release_hold(m, RELAY_CAUSE_NEUTRAL, (enum relay_return)c->reconnect, METER_SRC_INTERNAL);
    control_changed(m);
}
