/*
 * relay.c — the disconnector state machine (see relay.h).
 */
#include "control/relay.h"

#include "trimeter/meter.h"

static const char *const cause_names[RELAY_CAUSE_COUNT] = {
    "none", "button", "limiter", "prepay", "remote", "neutral", "powerup",
};

const char *relay_cause_name(enum relay_cause c)
{
    return (unsigned)c < RELAY_CAUSE_COUNT ? cause_names[c] : "unknown";
}

const char *relay_state_name(enum relay_state s)
{
    switch (s) {
    case RELAY_DISCONNECTED: return "disconnected";
    case RELAY_CONNECTED: return "connected";
    case RELAY_READY: return "ready";
    default: return "unknown";
    }
}

static uint8_t bit(enum relay_cause c)
{
    return (uint8_t)(1u << (unsigned)c);
}

static uint32_t max_phase_ua(const struct meter *m)
{
    uint32_t mx = 0;
    for (unsigned p = 0; p < METER_PHASES; p++) {
        int32_t i = m->block.ph[p].i_ua;
        if (i > 0 && (uint32_t)i > mx)
            mx = (uint32_t)i;
    }
    return mx;
}

static void drive(struct meter *m, bool closed)
{
    if (m->hal->relay_set != NULL)
        m->hal->relay_set(m->hal->ctx, METER_RELAY_MAIN, closed);
}

/* Bring the output to what the control state asks for. The new position
 * is persisted before the relay moves, and marked unlogged until its event
 * is in the log. */
static void apply(struct meter *m, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    struct relay *r = &m->control.relay;
    bool want = nv->state == RELAY_CONNECTED;
    if (want == (nv->closed != 0)) {
        r->deferred = false;
        return;
    }
    uint32_t i_ua = max_phase_ua(m);
    int32_t i_ma = (int32_t)(i_ua / 1000u);
    if (!want && i_ua > RELAY_BREAK_UA) {
        if (!r->deferred)
            evlog_add(m, EV_RELAY_DEFERRED, src, nv->cause, i_ma);
        r->deferred = true;
        return;
    }
    r->deferred = false;
    nv->closed = want ? 1u : 0u;
    nv->unlogged = 1;
    control_commit_nv(m);
    drive(m, want);
    evlog_add(m, want ? EV_RELAY_CLOSE : EV_RELAY_OPEN, src, nv->cause, i_ma);
    nv->unlogged = 0;
    control_commit_nv(m);
    control_changed(m);
}

static void set_state(struct meter *m, enum relay_state s, enum relay_cause c, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    nv->state = (uint8_t)s;
    nv->cause = (uint8_t)c;
    m->control.relay.src = (uint8_t)src;
    control_commit_nv(m);
    if (s == RELAY_READY)
        evlog_add(m, EV_RELAY_RELEASE, src, (int32_t)c, 0);
    apply(m, src);
    control_changed(m);
}

void relay_init(struct meter *m)
{
    struct relay_nv *nv = &m->control.nv.relay;
    m->control.relay.deferred = false;
    m->control.relay.src = METER_SRC_INTERNAL;
    if (nv->state > RELAY_READY || nv->closed > 1) {
        /* Unreadable state: keep the supply on, as a factory-fresh meter. */
        nv->state = RELAY_CONNECTED;
        nv->closed = 1;
        nv->holds = 0;
        control_commit_nv(m);
    }
    /* Bistable: restore the recorded position (it differs from the
     * physical one only if an outage cut an operation short). */
    drive(m, nv->closed != 0);
    if (nv->unlogged) {
        evlog_add(m, nv->closed ? EV_RELAY_CLOSE : EV_RELAY_OPEN, METER_SRC_INTERNAL, nv->cause, -1);
        nv->unlogged = 0;
        control_commit_nv(m);
    }
}

void relay_second(struct meter *m)
{
    const struct relay_nv *nv = &m->control.nv.relay;
    if ((nv->state == RELAY_CONNECTED) != (nv->closed != 0))
        apply(m, (enum meter_src)m->control.relay.src);
}

bool relay_held_by(const struct meter *m, enum relay_cause c)
{
    return (m->control.nv.relay.holds & bit(c)) != 0;
}

void relay_hold(struct meter *m, enum relay_cause c, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    if (nv->holds & bit(c))
        return;
    nv->holds |= bit(c);
    if (nv->state != RELAY_DISCONNECTED)
        set_state(m, RELAY_DISCONNECTED, c, src);
    else
        control_commit_nv(m);
}

void relay_release_hold(struct meter *m, enum relay_cause c, enum relay_return how, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    if (!(nv->holds & bit(c)))
        return;
    nv->holds &= (uint8_t)~bit(c);
    if (nv->holds != 0 || nv->state != RELAY_DISCONNECTED) {
        control_commit_nv(m);
        return;
    }
    set_state(m, how == RELAY_RETURN_AUTO ? RELAY_CONNECTED : RELAY_READY, c, src);
}

int relay_button(struct meter *m)
{
    struct relay_nv *nv = &m->control.nv.relay;
    switch (nv->state) {
    case RELAY_CONNECTED:
        relay_hold(m, RELAY_CAUSE_BUTTON, METER_SRC_BUTTON);
        return METER_OK;
    case RELAY_READY:
        set_state(m, RELAY_CONNECTED, RELAY_CAUSE_BUTTON, METER_SRC_BUTTON);
        return METER_OK;
    default: {
        /* Only what the button itself may undo: its own opening, and a
         * remote one unless soft reconnect asks for a release first. */
        uint8_t mine = bit(RELAY_CAUSE_BUTTON);
        if (!m->control.cfg.relay.soft_reconnect)
            mine |= bit(RELAY_CAUSE_REMOTE);
        if (nv->holds & (uint8_t)~mine)
            return METER_ESTATE;
        nv->holds = 0;
        set_state(m, RELAY_CONNECTED, RELAY_CAUSE_BUTTON, METER_SRC_BUTTON);
        return METER_OK;
    }
    }
}

int relay_remote(struct meter *m, unsigned method, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    switch (method) {
    case 1:
        relay_hold(m, RELAY_CAUSE_REMOTE, src);
        return METER_OK;
    case 2: {
        /* The head-end overrides the button, itself and a limiter delay;
         * not an empty prepayment credit nor a neutral fault. */
        uint8_t may = bit(RELAY_CAUSE_BUTTON) | bit(RELAY_CAUSE_REMOTE) | bit(RELAY_CAUSE_LIMITER);
        if (nv->holds & (uint8_t)~may)
            return METER_ESTATE;
        nv->holds = 0;
        if (nv->state != RELAY_CONNECTED)
            set_state(m, RELAY_CONNECTED, RELAY_CAUSE_REMOTE, src);
        else
            control_commit_nv(m);
        return METER_OK;
    }
    default:
        return METER_EINVAL;
    }
}

int relay_remote_release(struct meter *m, enum meter_src src)
{
    struct relay_nv *nv = &m->control.nv.relay;
    if (nv->holds & bit(RELAY_CAUSE_REMOTE))
        relay_release_hold(m, RELAY_CAUSE_REMOTE, RELAY_RETURN_MANUAL, src);
    else if (nv->state == RELAY_DISCONNECTED && nv->holds == 0)
        set_state(m, RELAY_READY, RELAY_CAUSE_REMOTE, src);
    return METER_OK;
}

bool relay_is_closed(const struct meter *m)
{
    return m->control.nv.relay.closed != 0;
}

enum relay_state relay_state_of(const struct meter *m)
{
    return (enum relay_state)m->control.nv.relay.state;
}
