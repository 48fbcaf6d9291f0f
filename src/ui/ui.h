/*
 * ui.h — display and control, gathered: the LCD and its lists (src/ui) and
 * the control state machines (src/control: relay, limiter, prepay, neutral,
 * tamper, loadctl, pulsein). struct ui is one member of struct meter:
 *
 *   cfg  — configuration, persisted with the meter's configuration record;
 *   nv   — state that must survive an outage, persisted in the legal
 *          snapshot (relay control state, credit, counters, alarms);
 *   the rest is RAM that a power cut may lose.
 *
 * The meter's main loop calls ui_init() at power-up (after the store has
 * restored cfg and nv), ui_second() once per measurement block (after the
 * energy registers), ui_poll() on every pass, and meter_button() /
 * meter_pulse_input() come here from the port.
 */
#ifndef TRIMETER_UI_H
#define TRIMETER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/limiter.h"
#include "control/loadctl.h"
#include "control/neutral.h"
#include "control/prepay.h"
#include "control/pulsein.h"
#include "control/relay.h"
#include "control/tamper.h"
#include "trimeter/types.h"
#include "ui/display.h"

struct ui_cfg {
    struct display_cfg display;
    struct limiter_cfg limiter;
    struct prepay_cfg prepay;
    struct neutral_cfg neutral;
    struct loadctl_cfg loadctl;
    struct relay_cfg relay;
    struct pulsein_cfg pulsein;
};

/* Ordered by alignment: 48 bytes. */
struct ui_nv {
    struct prepay_nv prepay;
    struct limiter_nv limiter;
    struct pulsein_nv pulsein;
    struct relay_nv relay;
    uint8_t prepay_warned;   /* bit 0 low-credit event logged, bit 1 empty event logged */
    uint8_t limiter_shed;    /* 1: Smart Disconnect's first stage has shed the load relays */
    struct loadctl_nv loadctl;
    struct tamper_nv tamper;
    struct neutral_nv neutral;
};

struct ui {
    struct ui_cfg cfg;
    struct ui_nv nv;
    struct display display;
    struct relay relay;
    struct limiter limiter;
    struct prepay prepay;
    struct neutral neutral;
    struct loadctl loadctl;
    struct pulsein pulsein;
    uint32_t nv_commits;   /* legal-snapshot writes asked for (diagnostics) */
};

/* Factory configuration of everything in struct ui_cfg, and the state of
 * a new meter (relay connected, no credit, counters zero). */
void ui_cfg_default(struct ui_cfg *c);
void ui_nv_default(struct ui_nv *nv);
/* Power-up: validate restored cfg/nv, restore outputs, start the display. */
void ui_init(struct meter *m);
/* Once per measurement block, after the energy registers. */
void ui_second(struct meter *m);
/* Every main-loop pass: inputs, display timers. Cheap when idle. */
void ui_poll(struct meter *m);
/* No mains: the supply monitor's warning came, or no phase has voltage
 * (the core runs on its battery: display only). */
bool ui_mains_lost(const struct meter *m);
/* A button press from the port. */
void ui_button(struct meter *m, enum meter_button b, uint32_t hold_ms);

/* Persist ui.nv (with the legal snapshot) now. The relay calls it before
 * it drives the relay. ui.cfg is saved by obj_write() after every accepted
 * parameter change (config_save()). */
int ui_commit_nv(struct meter *m);

/* Local time of the meter (clock zone), for windows and time programs. */
struct ui_local {
    uint8_t wday;       /* 1 = Monday */
    uint16_t minute;    /* minute of the day */
    bool exception;     /* an exception day (holiday) of the tariff calendar */
};
void ui_local_now(const struct meter *m, struct ui_local *out);
/* UTC -> local civil seconds in the meter's zone. */
int64_t ui_to_local(const struct meter *m, int64_t utc);

/* "hh:mm" <-> minutes of the day, shared by the time windows and programs.
 * Parse accepts 00:00..24:00 and reports the characters used. */
struct fmt_buf;
void ui_format_hhmm(struct fmt_buf *f, unsigned minutes);
int ui_parse_hhmm(const char *s, size_t len, size_t *used, uint16_t *minutes);

/* Milliseconds for UI timers (hal->ms_now, or block seconds without it). */
uint32_t ui_ms(const struct meter *m);

#endif
