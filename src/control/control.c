/*
 * control.c — the control functions gathered: power-up, the one-second
 * step, the main-loop pass, the disconnector button, the configuration
 * section (see control.h).
 */
#include "control/control.h"

#include <string.h>

#include "legal/config.h"
#include "trimeter/meter.h"

void control_cfg_default(struct control_cfg *c)
{
    memset(c, 0, sizeof *c);
    limiter_cfg_default(&c->limiter);
    prepay_cfg_default(&c->prepay);
    neutral_cfg_default(&c->neutral);
    loadctl_cfg_default(&c->loadctl);
    c->relay.soft_reconnect = 1;
    c->pulsein.divider = 1;
}

void control_nv_default(struct control_nv *nv)
{
    memset(nv, 0, sizeof *nv);
    /* A new meter is delivered with the supply on. */
    nv->relay.state = RELAY_CONNECTED;
    nv->relay.closed = 1;
}

/* Parts that do not check out fall back to their factory values one by
 * one, so one bad part does not reset the others. */
static void control_cfg_validate(struct control_cfg *c)
{
    struct control_cfg def;
    control_cfg_default(&def);
    if (!limiter_cfg_valid(&c->limiter))
        c->limiter = def.limiter;
    if (!neutral_cfg_valid(&c->neutral))
        c->neutral = def.neutral;
    if (c->pulsein.divider < 1 || c->pulsein.divider > PULSEIN_DIVIDER_MAX)
        c->pulsein = def.pulsein;
    for (unsigned r = 0; r < LOADCTL_RELAYS; r++)
        if (c->loadctl.r[r].mode >= LOADCTL_MODES || c->loadctl.r[r].nprog > LOADCTL_PROG_MAX)
            c->loadctl.r[r] = def.loadctl.r[r];
}

void control_init(struct meter *m)
{
    control_cfg_validate(&m->control.cfg);
    tamper_init(m);
    relay_init(m);
    limiter_init(m);
    prepay_init(m);
    neutral_init(m);
    loadctl_init(m);
    memset(&m->control.pulsein, 0, sizeof m->control.pulsein);
}

void control_second(struct meter *m)
{
    neutral_second(m);
    limiter_second(m);
    prepay_second(m);
    loadctl_second(m);
    relay_second(m);
}

void control_poll(struct meter *m)
{
    uint32_t in = m->hal->inputs_read != NULL ? m->hal->inputs_read(m->hal->ctx) : 0;
    tamper_poll(m, in);
    loadctl_poll(m, in);
}

void control_button(struct meter *m)
{
    /* On the battery there is no energy to move the relay. */
    if (!meter_mains_lost(m))
        relay_button(m);
}

int control_commit_nv(struct meter *m)
{
    m->control.nv_commits++;
    return legal_save(m);
}

void control_changed(struct meter *m)
{
    m->control.gen++;
}

/* ---- configuration section ------------------------------------------------ */

static void *control_ram(struct meter *m)
{
    return &m->control.cfg;
}

static void control_factory(struct meter *m)
{
    control_cfg_default(&m->control.cfg);
}

static int control_check(struct meter *m)
{
    control_cfg_validate(&m->control.cfg); /* part by part */
    return METER_OK;
}

const struct cfg_section control_cfg_section = {
    .id = CFG_ID_CONTROL,
    .version = 1,
    .size = sizeof(struct control_cfg),
    .ram = control_ram,
    .factory = control_factory,
    .check = control_check,
};
