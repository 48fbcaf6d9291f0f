/*
 * ui.c — the display's power-up, one-second step, main-loop pass, button
 * and configuration section (see ui.h).
 */
#include "ui/ui.h"

#include <string.h>

#include "legal/config.h"
#include "trimeter/meter.h"

void ui_init(struct meter *m)
{
    display_cfg_validate(&m->ui.cfg);
    display_init(m);
    m->ui.control_gen = m->control.gen;
    display_poll(m); /* the LCD shows from power-up on */
}

void ui_second(struct meter *m)
{
    display_touch(m);
    display_poll(m);
}

void ui_poll(struct meter *m)
{
    if (m->ui.control_gen != m->control.gen) {
        m->ui.control_gen = m->control.gen; /* control changed something the LCD shows */
        display_touch(m);
    }
    display_poll(m);
}

void ui_button(struct meter *m, uint32_t hold_ms)
{
    display_button(m, hold_ms);
    display_touch(m);
    display_poll(m);
}

/* ---- configuration section ------------------------------------------------ */

static void *display_ram(struct meter *m)
{
    return &m->ui.cfg;
}

static void display_factory(struct meter *m)
{
    display_cfg_default(&m->ui.cfg);
}

static int display_check(struct meter *m)
{
    display_cfg_validate(&m->ui.cfg); /* list by list */
    return METER_OK;
}

const struct cfg_section display_cfg_section = {
    .id = CFG_ID_DISPLAY,
    .version = 1,
    .size = sizeof(struct display_cfg),
    .ram = display_ram,
    .factory = display_factory,
    .check = display_check,
};
