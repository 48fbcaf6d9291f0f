/* demand.c — maximum demand over clock-aligned integration periods. */
#include "registers/demand.h"

#include <string.h>

#include "registers/clock.h"

void demand_init(struct demand *d)
{
    memset(d, 0, sizeof *d);
}

/* Evaluate the running period as ending at `end`; returns true on a new peak. */
static bool demand_close(struct demand *d, int64_t end, int64_t period_s)
{
    int64_t w = (int64_t)(d->acc_uwh * 3600u / ((uint64_t)period_s * 1000000u));
    bool peak = false;
    d->last_w = (int32_t)w;
    unsigned slots[2] = {DEMAND_ALL, d->tariff == 0 ? DEMAND_T1 : d->tariff == 1 ? DEMAND_T2 : DEMAND_SLOTS};
    for (unsigned k = 0; k < 2; k++) {
        unsigned s = slots[k];
        if (s < DEMAND_SLOTS && (w > d->max_w[s] || d->max_t[s] == 0) && w > 0) {
            d->max_w[s] = (int32_t)w;
            d->max_t[s] = end;
            peak = true;
        }
    }
    d->acc_uwh = 0;
    d->partial = 0;
    return peak;
}

bool demand_add(struct demand *d, int64_t now, uint64_t ap_uwh, unsigned tariff, int64_t period_s,
                int64_t std_offset_s)
{
    int64_t start = clock_floor(now - 1 + std_offset_s, period_s) - std_offset_s;
    bool peak = false;
    if (d->period_start != start) {
        if (d->period_start != 0 && d->period_start < start)
            peak = demand_close(d, d->period_start + period_s, period_s);
        /* A period we join after its start is partial. */
        d->partial = (uint8_t)(now - 1 != start);
        d->period_start = start;
        d->acc_uwh = 0;
        d->tariff = (uint8_t)tariff;
    }
    d->acc_uwh += ap_uwh;
    if (now >= start + period_s) {
        peak |= demand_close(d, start + period_s, period_s);
        d->period_start = 0; /* the next second opens the next period */
    }
    return peak;
}

bool demand_cut(struct demand *d, int64_t end, int64_t period_s)
{
    bool peak = false;
    if (d->period_start != 0) {
        int64_t nominal = d->period_start + period_s;
        peak = demand_close(d, end < nominal && end > d->period_start ? end : nominal, period_s);
    }
    d->period_start = 0;
    return peak;
}

void demand_billing_add_cum(struct demand *d)
{
    d->cum_w += d->max_w[DEMAND_ALL];
}

void demand_billing_reset(struct demand *d)
{
    for (unsigned s = 0; s < DEMAND_SLOTS; s++) {
        d->max_w[s] = 0;
        d->max_t[s] = 0;
    }
}
