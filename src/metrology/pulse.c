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

void pulse_add(struct pulse_out *p, int64_t uwh)
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
}

bool pulse_ms(struct pulse_out *p)
{
    bool changed = false;
    if (p->on && --p->on_left == 0) {
        p->on = false;
        changed = true;
    }
    if (p->gap_left > 0)
        p->gap_left--;
    if (p->gap_left == 0 && p->pending > 0 && !p->on) {
        p->pending--;
        p->total++;
        p->on = true;
        p->on_left = METER_PULSE_MS;
        p->gap_left = p->spacing_ms;
        changed = true;
    }
    return changed;
}
