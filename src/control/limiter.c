/*
 * limiter.c — Smart Disconnect (see limiter.h).
 */
#include "control/limiter.h"

#include <string.h>

#include "trimeter/meter.h"

void limiter_cfg_default(struct limiter_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->basis = LIMITER_OFF;
    /* Thresholds for the current basis; a utility sets its own. */
    c->step[0].threshold = 25;
    c->step[0].time_s = 60;
    c->step[1].threshold = 35;
    c->step[1].time_s = 10;
    c->delay_s = 300;
    c->shed_s = 5;
    c->reconnect = RELAY_RETURN_AUTO;
}

bool limiter_cfg_valid(const struct limiter_cfg *c)
{
    if (c->basis > LIMITER_POWER || c->reconnect > RELAY_RETURN_AUTO)
        return false;
    for (unsigned k = 0; k < LIMITER_STEPS; k++) {
        const struct limiter_step *s = &c->step[k];
        if (s->threshold > 1000000u)
            return false;
        if (s->threshold != 0 && s->time_s == 0)
            return false;
    }
    return true;
}

uint64_t limiter_value(const struct limiter_cfg *c, const struct meas_block *b)
{
    uint64_t v = 0;
    switch (c->basis) {
    case LIMITER_CURRENT:
        for (unsigned p = 0; p < METER_PHASES; p++)
            if (b->ph[p].i_ua > 0 && (uint64_t)b->ph[p].i_ua / 1000u > v)
                v = (uint64_t)b->ph[p].i_ua / 1000u;
        break;
    case LIMITER_POWER:
        v = b->p_mw > 0 ? (uint64_t)b->p_mw : 0;
        break;
    default:
        break;
    }
    return v;
}

void limiter_init(struct meter *m)
{
    memset(&m->control.limiter, 0, sizeof m->control.limiter);
}

bool limiter_tripped(const struct meter *m)
{
    return relay_held_by(m, RELAY_CAUSE_LIMITER);
}

bool limiter_shedding(const struct meter *m)
{
    return m->control.nv.limiter_shed != 0;
}

/* The first stage holds through outages: the heater stays off while the
 * load that caused it may still be there. */
static void set_shed(struct meter *m, bool on)
{
    m->control.nv.limiter_shed = on ? 1u : 0u;
    control_commit_nv(m);
}

static void trip(struct meter *m, unsigned step, uint64_t value)
{
    const struct limiter_cfg *c = &m->control.cfg.limiter;
    struct limiter_nv *nv = &m->control.nv.limiter;
    nv->count++;
    nv->reconnect_at = (uint32_t)(m->now + c->delay_s);
    memset(m->control.limiter.over_s, 0, sizeof m->control.limiter.over_s);
    control_commit_nv(m);
    evlog_add(m, EV_POWER_LIMIT, METER_SRC_INTERNAL, (int32_t)(step + 1), (int32_t)(value / 1000u));
    relay_hold(m, RELAY_CAUSE_LIMITER, METER_SRC_INTERNAL);
}

static uint16_t inc(uint16_t s)
{
    return s < UINT16_MAX ? (uint16_t)(s + 1u) : s;
}

void limiter_second(struct meter *m)
{
    const struct limiter_cfg *c = &m->control.cfg.limiter;
    struct limiter_nv *nv = &m->control.nv.limiter;
    struct limiter *l = &m->control.limiter;

    if (relay_held_by(m, RELAY_CAUSE_LIMITER)) {
        /* Tripped: wait out the delay (it runs on through outages). */
        if (nv->reconnect_at == 0 || (int64_t)nv->reconnect_at > m->now + c->delay_s) {
            /* (a clock set back does not stretch the delay) */
            nv->reconnect_at = (uint32_t)(m->now + c->delay_s);
            control_commit_nv(m);
        }
        if (m->now >= (int64_t)nv->reconnect_at) {
            nv->reconnect_at = 0;
            relay_release_hold(m, RELAY_CAUSE_LIMITER, (enum relay_return)c->reconnect, METER_SRC_INTERNAL);
            control_changed(m);
        }
    } else if (nv->reconnect_at != 0) {
        /* The head-end reconnected before the delay ran out. */
        nv->reconnect_at = 0;
        control_commit_nv(m);
    }

    uint64_t v = limiter_value(c, &m->block);
    uint64_t lowest = 0;
    for (unsigned k = 0; k < LIMITER_STEPS; k++) {
        const struct limiter_step *s = &c->step[k];
        if (c->basis == LIMITER_OFF || s->threshold == 0) {
            l->over_s[k] = 0;
            continue;
        }
        if (lowest == 0 || s->threshold < lowest)
            lowest = s->threshold;
        l->over_s[k] = v > (uint64_t)s->threshold * 1000u ? inc(l->over_s[k]) : 0;
        if (l->over_s[k] >= s->time_s && !relay_held_by(m, RELAY_CAUSE_LIMITER))
            trip(m, k, v);
    }

    /* First stage: shed the load-control relays before the main relay. */
    if (lowest != 0 && v > lowest * 1000u) {
        l->shed_under_s = 0;
        l->shed_over_s = inc(l->shed_over_s);
        if (!limiter_shedding(m) && l->shed_over_s >= c->shed_s)
            set_shed(m, true);
    } else {
        l->shed_over_s = 0;
        if (limiter_shedding(m)) {
            l->shed_under_s = inc(l->shed_under_s);
            if (l->shed_under_s >= c->delay_s || lowest == 0)
                set_shed(m, false);
        }
    }
}
