/*
 * ui_obj.h — the object-table getters and setters of the display lists
 * (rows in src/cosem/objtab.c, manufacturer block 0-0:96.130.50..53,
 * docs/DISPLAY.md). They translate between struct obj_value and the
 * lists and validate; access rights and the audit log are obj_write()'s.
 */
#ifndef TRIMETER_UI_OBJ_H
#define TRIMETER_UI_OBJ_H

#include "cosem/objtab.h"

/* o->arg of the display rows. */
enum ui_par {
    UI_DISP_AUTO = 0,
    UI_DISP_MANUAL,
    UI_DISP_BATTERY,
    UI_DISP_REJECT /* why the last list was refused (text) */
};

/* The display-list rows of the object table (a segment the top adds). */
extern const struct obj_def ui_rows[];
extern const size_t ui_nrows;

int ui_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int ui_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);

#endif
