/*
 * ui_obj.c — object-table access to the display lists (see ui_obj.h).
 */
#include "ui/ui_obj.h"

#include "trimeter/meter.h"

int ui_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    switch (o->arg) {
    case UI_DISP_AUTO:
    case UI_DISP_MANUAL:
    case UI_DISP_BATTERY:
        return obj_text_value(v, display_list_get(m, (enum display_list_id)(o->arg - UI_DISP_AUTO), v->s, sizeof v->s));
    case UI_DISP_REJECT:
        return obj_text_value(v, display_reject_text(m, v->s, sizeof v->s));
    default:
        return METER_ENOENT;
    }
}

int ui_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    switch (o->arg) {
    case UI_DISP_AUTO:
    case UI_DISP_MANUAL:
    case UI_DISP_BATTERY:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        return display_list_set(m, (enum display_list_id)(o->arg - UI_DISP_AUTO), in->s, in->len);
    default:
        return METER_ENOENT;
    }
}

/* The rows (a segment of the object table, src/meter.c). */
#define DISP_PAR(e_, a, k, nm) \
    {.ln = OBIS(0, 0, 96, 130, e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, \
     .rd = METER_ACC_PUBLIC, .wr = METER_ACC_MANAGER, .arg = a, .get = ui_obj_get, .set = ui_obj_set, .key = k, \
     .name = nm}
#define DISP_ROW(e_, a, nm) \
    {.ln = OBIS(0, 0, 96, 130, e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .rd = METER_ACC_PUBLIC, .arg = a, \
     .get = ui_obj_get, .name = nm}

const struct obj_def ui_rows[] = {
    DISP_PAR(50, UI_DISP_AUTO, "display_auto", "Display list: automatic (up to 16)"),
    DISP_PAR(51, UI_DISP_MANUAL, "display_manual", "Display list: manual (up to 30)"),
    DISP_PAR(52, UI_DISP_BATTERY, "display_battery", "Display list: battery (up to 8)"),
    DISP_ROW(53, UI_DISP_REJECT, "Display lists: why the last list was refused"),
};
const size_t ui_nrows = sizeof ui_rows / sizeof ui_rows[0];
