/*
 * pulsein.c — pulse input with divider (see pulsein.h).
 */
#include "control/pulsein.h"

#include "trimeter/meter.h"

bool pulsein_edge(struct meter *m, uint32_t ms)
{
    struct pulsein *p = &m->control.pulsein;
    struct pulsein_nv *nv = &m->control.nv.pulsein;
    uint16_t div = m->control.cfg.pulsein.divider;
    if (p->seen && ms - p->last_ms < PULSEIN_MIN_GAP_MS) {
        p->rejected++;
        return false;
    }
    p->seen = true;
    p->last_ms = ms;
    if (div == 0)
        div = 1;
    if (++nv->rem >= div) {
        nv->rem = 0;
        nv->count++;
        control_changed(m);
    }
    return true;
}

int pulsein_set_divider(struct meter *m, uint32_t divider)
{
    if (divider < 1 || divider > PULSEIN_DIVIDER_MAX)
        return METER_ERANGE;
    m->control.cfg.pulsein.divider = (uint16_t)divider;
    m->control.nv.pulsein.rem = 0;
    control_commit_nv(m);
    return METER_OK;
}
