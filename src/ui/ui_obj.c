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
