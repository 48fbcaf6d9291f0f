/*
 * control.h — the meter's control functions gathered: the disconnector
 * (relay), Smart Disconnect (limiter), prepayment, missing neutral, tamper,
 * the load-control relays and the pulse input (S-5). struct control is one
 * member of struct meter:
 *
 *   cfg — configuration (configuration section CFG_ID_CONTROL);
 *   nv  — state that must survive an outage, persisted in the legal
 *         snapshot (relay control state, credit, counters, alarms);
 *   the rest is RAM that a power cut may lose.
 *
 * Control decides; the display (src/ui) only shows what control states and
 * forwards the disconnector button. Control never calls the display: it
 * counts visible changes in `gen`, which the display watches.
 *
 * The top calls control_init() at power-up (after the store restored cfg
 * and nv), control_second() once per measurement block (after the energy
 * registers), control_poll() on every main-loop pass.
 */
#ifndef TRIMETER_CONTROL_H
#define TRIMETER_CONTROL_H

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

struct cfg_section;

struct control_cfg {
    struct limiter_cfg limiter;
    struct prepay_cfg prepay;
    struct neutral_cfg neutral;
    struct loadctl_cfg loadctl;
    struct relay_cfg relay;
    struct pulsein_cfg pulsein;
};

/* Ordered by alignment: 48 bytes (part of the legal snapshot: its layout
 * is the snapshot's). */
struct control_nv {
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

struct control {
    struct control_cfg cfg;
    struct control_nv nv;
    struct relay relay;
    struct limiter limiter;
    struct prepay prepay;
    struct neutral neutral;
    struct loadctl loadctl;
    struct pulsein pulsein;
    uint32_t nv_commits;   /* legal-snapshot writes asked for (diagnostics) */
    uint32_t gen;          /* visible changes (the display redraws when it moves) */
};

/* Factory configuration, and the state of a new meter (relay connected,
 * no credit, counters zero). */
void control_cfg_default(struct control_cfg *c);
void control_nv_default(struct control_nv *nv);
/* Power-up: validate restored cfg/nv, restore the outputs. */
void control_init(struct meter *m);
/* Once per measurement block, after the energy registers. */
void control_second(struct meter *m);
/* Every main-loop pass: inputs (tamper, external tariff). */
void control_poll(struct meter *m);
/* The disconnector button. */
void control_button(struct meter *m);

/* Persist control.nv (with the legal snapshot) now. The relay calls it
 * before it drives the relay. control.cfg is saved by obj_write() after
 * every accepted parameter change (config_save()). */
int control_commit_nv(struct meter *m);
/* Something the display shows changed. */
void control_changed(struct meter *m);

/* The configuration section (legal/config.h). */
extern const struct cfg_section control_cfg_section;

/* Object-table access (rows in src/cosem/objtab.c: manufacturer block
 * 0-0:96.130.E and the standard disconnect control / limiter objects,
 * listed in docs/CONTROL.md). These translate between struct obj_value and
 * module state and validate; access rights and the audit log are
 * obj_write()'s business. o->arg is an enum control_par. */
enum control_par {
    CTL_DISCONNECTOR = 0, /* IC 70 0-0:96.3.10: output state; methods 1/2 */
    CTL_DISC_STATE,       /* control state 0/1/2 */
    CTL_DISC_RELEASE,     /* method 1: release for the button */
    CTL_DISC_SOFT,        /* soft reconnect 0/1 */
    CTL_DISC_CAUSE,       /* cause of the last operation */
    CTL_LIM_BASIS,        /* "off", "current", "power" */
    CTL_LIM_THR1,
    CTL_LIM_THR2,
    CTL_LIM_THR3,
    CTL_LIM_TIME1,
    CTL_LIM_TIME2,
    CTL_LIM_TIME3,
    CTL_LIM_DELAY,
    CTL_LIM_RECONNECT,    /* "auto", "manual" */
    CTL_LIM_SHED,
    CTL_LIM_COUNT,        /* power-limit counter */
    CTL_PP_CREDIT,        /* credit, Wh; method 1 top-up (argument Wh) */
    CTL_PP_ENABLE,
    CTL_PP_LOW,
    CTL_PP_WINDOW,        /* "1-5 09:00-15:00" */
    CTL_PP_RECONNECT,
    CTL_N_UHIGH,
    CTL_N_SHIFT,
    CTL_N_TIME,
    CTL_N_DISCONNECT,
    CTL_N_RECONNECT,
    CTL_N_FAULT,
    CTL_LC1,              /* load relay 1: closed 0/1; methods 1 open, 2 close */
    CTL_LC2,
    CTL_LC1_MODE,
    CTL_LC2_MODE,
    CTL_LC1_TARIFFS,
    CTL_LC2_TARIFFS,
    CTL_LC1_PROGRAM,
    CTL_LC2_PROGRAM,
    CTL_PULSE_COUNT,
    CTL_PULSE_DIVIDER,
    CTL_TAMPER            /* tamper bits; writing 0 clears the latched alarms */
};

struct obj_def;
struct obj_value;
int control_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int control_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);
int control_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                    enum meter_src src);

#endif
