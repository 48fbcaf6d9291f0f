/*
 * pulse.c — see pulse.h.
 */
#include "metrology/pulse.h"

#include <string.h>

#include "trimeter/meter_opts.h"

#define PULSE_UWH (1000000000LL / METER_IMP_PER_KWH) /* uWh per pulse */
#define PULSE_MIN_GAP_MS 10                          /* off time between pulses */

void pulse_init(struct pulse_out *p)
{
    memset(p, 0, sizeof *p);
}

void pulse_add(struct pulse_out *p, int64_t uwh, uint32_t tpm)
{
    if (uwh <= 0)
        return;
    p->acc_uwh += uwh;
    uint32_t n = (uint32_t)(p->acc_uwh / PULSE_UWH);
    p->acc_uwh -= (int64_t)n * PULSE_UWH;
    p->pending += n;
    /* spread what is due over the next second, never closer than on+gap */
    uint32_t sp = p->pending ? 1000u / p->pending : 1000u;
    if (sp < METER_PULSE_MS + PULSE_MIN_GAP_MS)
        sp = METER_PULSE_MS + PULSE_MIN_GAP_MS;
    if (sp > 1000u)
        sp = 1000u;
    p->spacing_ms = (uint16_t)sp;
    if (p->due == 0 && p->pending > 0)
        p->due = tpm;
}

bool pulse_edge(struct pulse_out *p, uint32_t tpm)
{
    if (p->on) {
        /* end of the pulse; the next may start one spacing after this one did */
        p->on = false;
        p->due = (p->rest_ms > 0 ? p->rest_ms : 1u) * tpm;
        return true;
    }
    if (p->pending > 0) {
        p->pending--;
        p->total++;
        p->on = true;
        p->rest_ms = (uint16_t)(p->spacing_ms - METER_PULSE_MS);
        p->due = METER_PULSE_MS * tpm;
        return true;
    }
    p->due = 0; /* the spacing is over and nothing is pending: idle */
    return false;
}

bool pulse_elapse(struct pulse_out *p, uint32_t *ticks, uint32_t tpm)
{
    while (p->due != 0 && *ticks >= p->due) {
        *ticks -= p->due;
        p->due = 0;
        if (pulse_edge(p, tpm))
            return true;
    }
    if (p->due != 0)
        p->due -= *ticks;
    *ticks = 0;
    return false;
}
