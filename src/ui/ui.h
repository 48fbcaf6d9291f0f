/*
 * ui.h — what the meter shows: the LCD and its display lists (src/ui). It
 * shows the registers, the clock and what control states (disconnector,
 * prepayment, tamper ...), and forwards the display button; it decides
 * nothing about control (src/control) and never writes control state.
 *
 * The top calls ui_init() at power-up (after the store restored cfg and
 * after control_init()), ui_second() once per measurement block,
 * ui_poll() on every pass, and ui_button() for the display button.
 */
#ifndef TRIMETER_UI_H
#define TRIMETER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"
#include "ui/display.h"

struct cfg_section;

struct ui {
    struct display_cfg cfg;  /* display lists (configuration section CFG_ID_DISPLAY) */
    struct display display;
    uint32_t control_gen;    /* control.gen last shown */
};

/* Power-up: validate the restored lists, start the display. */
void ui_init(struct meter *m);
/* Once per measurement block. */
void ui_second(struct meter *m);
/* Every main-loop pass: display timers, redraw after control changes. */
void ui_poll(struct meter *m);
/* The display button (the disconnector button is control's). */
void ui_button(struct meter *m, uint32_t hold_ms);

/* The configuration section (legal/config.h). */
extern const struct cfg_section display_cfg_section;

#endif
