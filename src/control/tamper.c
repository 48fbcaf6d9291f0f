/*
 * tamper.c — cover and magnet inputs (see tamper.h).
 */
#include "control/tamper.h"

#include "trimeter/meter.h"

static const struct {
    uint32_t input;
    uint8_t live, alarm;
    uint32_t status;
    uint16_t ev_start, ev_end;
} sensors[2] = {
    {METER_IN_COVER_OPEN, TAMPER_COVER, TAMPER_COVER_ALARM, METER_ST_COVER_OPEN, EV_COVER_OPEN, EV_COVER_CLOSE},
    {METER_IN_MAGNET, TAMPER_MAGNET, TAMPER_MAGNET_ALARM, METER_ST_MAGNET, EV_MAGNET_START, EV_MAGNET_END},
};

/* Compare the inputs with the recorded state; log and latch the edges.
 * At power-up this finds what happened during the outage. */
static void tamper_update(struct meter *m, uint32_t inputs, int32_t when)
{
    struct tamper_nv *nv = &m->control.nv.tamper;
    bool changed = false;
    for (unsigned k = 0; k < 2; k++) {
        bool on = (inputs & sensors[k].input) != 0;
        bool was = (nv->bits & sensors[k].live) != 0;
        if (on)
            m->status |= sensors[k].status;
        else
            m->status &= ~sensors[k].status;
        if (on == was)
            continue;
        changed = true;
        if (on)
            nv->bits |= (uint8_t)(sensors[k].live | sensors[k].alarm);
        else
            nv->bits &= (uint8_t)~sensors[k].live;
        evlog_add(m, (enum evlog_code)(on ? sensors[k].ev_start : sensors[k].ev_end), METER_SRC_INTERNAL,
                  when, 0);
    }
    if (changed) {
        control_commit_nv(m);
        control_changed(m);
    }
}

void tamper_init(struct meter *m)
{
    uint32_t in = m->hal->inputs_read != NULL ? m->hal->inputs_read(m->hal->ctx) : 0;
    tamper_update(m, in, 1); /* a = 1: found at power-up */
}

void tamper_poll(struct meter *m, uint32_t inputs)
{
    tamper_update(m, inputs, 0);
}

uint8_t tamper_bits(const struct meter *m)
{
    return m->control.nv.tamper.bits;
}

void tamper_clear_alarms(struct meter *m)
{
    struct tamper_nv *nv = &m->control.nv.tamper;
    uint8_t keep = nv->bits & (uint8_t)(TAMPER_COVER | TAMPER_MAGNET);
    if (keep != nv->bits) {
        nv->bits = keep;
        control_commit_nv(m);
        control_changed(m);
    }
}
