/*
 * ui.c — display and control gathered: power-up, the one-second step, the
 * main-loop pass and the buttons (see ui.h).
 */
#include "ui/ui.h"

#include <string.h>

#include "registers/clock.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

void ui_cfg_default(struct ui_cfg *c)
{
    memset(c, 0, sizeof *c);
    display_cfg_default(&c->display);
    limiter_cfg_default(&c->limiter);
    prepay_cfg_default(&c->prepay);
    neutral_cfg_default(&c->neutral);
    loadctl_cfg_default(&c->loadctl);
    c->relay.soft_reconnect = 1;
    c->pulsein.divider = 1;
}

void ui_nv_default(struct ui_nv *nv)
{
    memset(nv, 0, sizeof *nv);
    /* A new meter is delivered with the supply on. */
    nv->relay.state = RELAY_CONNECTED;
    nv->relay.closed = 1;
}

static void ui_cfg_validate(struct ui_cfg *c)
{
    struct ui_cfg def;
    ui_cfg_default(&def);
    display_cfg_validate(&c->display);
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

void ui_init(struct meter *m)
{
    ui_cfg_validate(&m->ui.cfg);
    tamper_init(m);
    relay_init(m);
    limiter_init(m);
    prepay_init(m);
    neutral_init(m);
    loadctl_init(m);
    memset(&m->ui.pulsein, 0, sizeof m->ui.pulsein);
    display_init(m);
    display_poll(m); /* the LCD shows from power-up on */
}

void ui_second(struct meter *m)
{
    neutral_second(m);
    limiter_second(m);
    prepay_second(m);
    loadctl_second(m);
    relay_second(m);
    display_touch(m);
    display_poll(m);
}

void ui_poll(struct meter *m)
{
    uint32_t in = m->hal->inputs_read != NULL ? m->hal->inputs_read(m->hal->ctx) : 0;
    tamper_poll(m, in);
    loadctl_poll(m, in);
    display_poll(m);
}

bool ui_mains_lost(const struct meter *m)
{
    const uint32_t none = MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2 | MEAS_F_NO_VOLTAGE_L3;
    return m->power_fail || (m->seconds > 0 && (m->block.flags & none) == none);
}

void ui_button(struct meter *m, enum meter_button b, uint32_t hold_ms)
{
    switch (b) {
    case METER_BTN_DISPLAY:
        display_button(m, hold_ms);
        break;
    case METER_BTN_DISCONNECT:
        /* On the battery there is no energy to move the relay. */
        if (!ui_mains_lost(m))
            relay_button(m);
        break;
    default:
        return;
    }
    display_touch(m);
    display_poll(m);
}

int ui_commit_nv(struct meter *m)
{
    m->ui.nv_commits++;
    return legal_save(m);
}


int64_t ui_to_local(const struct meter *m, int64_t utc)
{
    return clock_to_local(&m->cfg.zone, utc);
}

void ui_local_now(const struct meter *m, struct ui_local *out)
{
    struct clock_dt dt;
    int64_t local = ui_to_local(m, m->now);
    clock_split(local, &dt);
    out->wday = dt.wday;
    out->minute = (uint16_t)(dt.hour * 60u + dt.min);
    out->exception = tariff_is_exception(&m->cfg.cal, local);
}

uint32_t ui_ms(const struct meter *m)
{
    if (m->hal != NULL && m->hal->ms_now != NULL)
        return m->hal->ms_now(m->hal->ctx);
    return m->seconds * 1000u;
}

void ui_format_hhmm(struct fmt_buf *f, unsigned minutes)
{
    fmt_uint(f, minutes / 60u, 2);
    fmt_char(f, ':');
    fmt_uint(f, minutes % 60u, 2);
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

int ui_parse_hhmm(const char *s, size_t len, size_t *used, uint16_t *minutes)
{
    if (len < 5 || !digit(s[0]) || !digit(s[1]) || s[2] != ':' || !digit(s[3]) || !digit(s[4]))
        return METER_EINVAL;
    unsigned h = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
    unsigned mi = (unsigned)(s[3] - '0') * 10u + (unsigned)(s[4] - '0');
    if (mi > 59 || h > 24 || (h == 24 && mi != 0))
        return METER_EINVAL;
    *minutes = (uint16_t)(h * 60u + mi);
    *used = 5;
    return METER_OK;
}
