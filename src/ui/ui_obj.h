/*
 * ui_obj.h — the object-table getters, setters and methods of display and
 * control (disconnector, Smart Disconnect, prepayment, missing neutral,
 * display lists, load control, pulse input, tamper). The rows are in
 * src/cosem/objtab.c (manufacturer block 0-0:96.130.E, listed in
 * docs/CONTROL.md); these functions only translate between struct
 * obj_value and module state, and validate. Access rights and the audit log
 * are obj_write()'s business, not theirs.
 */
#ifndef TRIMETER_UI_OBJ_H
#define TRIMETER_UI_OBJ_H

#include "cosem/objtab.h"

/* o->arg of the ui rows. */
enum ui_par {
    UI_DISCONNECTOR = 0, /* IC 70 0-0:96.3.10: output state; methods 1/2 */
    UI_DISC_STATE,       /* control state 0/1/2 */
    UI_DISC_RELEASE,     /* method 1: release for the button */
    UI_DISC_SOFT,        /* soft reconnect 0/1 */
    UI_DISC_CAUSE,       /* cause of the last operation */
    UI_LIM_BASIS,        /* "off", "current", "power" */
    UI_LIM_THR1,
    UI_LIM_THR2,
    UI_LIM_THR3,
    UI_LIM_TIME1,
    UI_LIM_TIME2,
    UI_LIM_TIME3,
    UI_LIM_DELAY,
    UI_LIM_RECONNECT,    /* "auto", "manual" */
    UI_LIM_SHED,
    UI_LIM_COUNT,        /* power-limit counter */
    UI_PP_CREDIT,        /* credit, Wh; method 1 top-up (argument Wh) */
    UI_PP_ENABLE,
    UI_PP_LOW,
    UI_PP_WINDOW,        /* "1-5 09:00-15:00" */
    UI_PP_RECONNECT,
    UI_N_UHIGH,
    UI_N_SHIFT,
    UI_N_TIME,
    UI_N_DISCONNECT,
    UI_N_RECONNECT,
    UI_N_FAULT,
    UI_DISP_AUTO,
    UI_DISP_MANUAL,
    UI_DISP_BATTERY,
    UI_DISP_REJECT,      /* why the last list was refused (text) */
    UI_LC1,              /* load relay 1: closed 0/1; methods 1 open, 2 close */
    UI_LC2,
    UI_LC1_MODE,
    UI_LC2_MODE,
    UI_LC1_TARIFFS,
    UI_LC2_TARIFFS,
    UI_LC1_PROGRAM,
    UI_LC2_PROGRAM,
    UI_PULSE_COUNT,
    UI_PULSE_DIVIDER,
    UI_TAMPER            /* tamper bits; writing 0 clears the latched alarms */
};

int ui_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int ui_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);
int ui_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
               enum meter_src src);

#endif
