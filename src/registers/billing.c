/* billing.c — end of billing period and the snapshots (see billing.h). */
#include "registers/billing.h"

#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"

int64_t billing_next_boundary(const struct meter *m, int64_t after)
{
    const struct meter_config *c = &m->cfg;
    if (c->billing_day < 1 || c->billing_day > 28)
        return 0;
    struct clock_dt dt;
    clock_split(clock_to_local(&c->zone, after), &dt);
    int year = dt.year;
    unsigned mon = dt.mon;
    for (int k = 0; k < 3; k++) {
        int64_t b = clock_from_local(&c->zone, clock_join(year, mon, c->billing_day, 0, 0, 0));
        if (b > after)
            return b;
        if (++mon > 12) {
            mon = 1;
            year++;
        }
    }
    return 0;
}

int billing_end(struct meter *m, enum billing_cause cause, enum meter_src src)
{
    struct billing_rec r;
    memset(&r, 0, sizeof r);
    /* A calendar end found late (at power-up after an outage over one or
     * more boundaries) is stamped with the first boundary that passed:
     * the registers have not moved since the power failed. */
    int64_t at = m->now;
    if (cause == BILLING_CALENDAR && m->billing.next > 0 && m->billing.next < m->now)
        at = m->billing.next;
    demand_billing_add_cum(&m->demand);
    m->billing.count++;
    r.time = (uint32_t)at;
    r.period = m->billing.count;
    r.cause = (uint8_t)cause;
    /* Every billed row, read as the object table presents it now. */
    for (size_t i = 0, nrows = objtab_count(); i < nrows; i++) {
        const struct obj_def *o = objtab_at(i);
        struct obj_value v;
        if (o->bill == 0 || o->bill > BILLING_SLOTS || obj_read(m, o, METER_ACC_CAL, &v) < 0)
            continue;
        r.v[o->bill - 1] = obj_value_at_scaler(&v, o->scaler);
        if (o->ic == IC_EXT_REGISTER && o->arg < BILLING_CAPS)
            r.cap[o->arg] = (uint32_t)v.capture;
        if (o->bill > r.nslots)
            r.nslots = o->bill;
    }
    demand_billing_reset(&m->demand);
    m->billing.ref = m->now;
    int err = store_log_append(&m->store, RING_BILLING, &r);
    m->billing.next = -1;
    evlog_add(m, EV_BILLING_END, src, (int32_t)cause, (int32_t)m->billing.count);
    legal_save(m);
    return err < 0 ? err : METER_OK;
}

void billing_tick(struct meter *m)
{
    if (m->billing.next < 0)
        m->billing.next = billing_next_boundary(m, m->billing.ref);
    if (m->billing.next != 0 && m->now >= m->billing.next)
        billing_end(m, BILLING_CALENDAR, METER_SRC_INTERNAL);
}

unsigned billing_snapshot_count(const struct meter *m)
{
    return (unsigned)store_log_count(&m->store, RING_BILLING);
}

int billing_snapshot_read(const struct meter *m, unsigned ago, struct billing_rec *out)
{
    unsigned n = billing_snapshot_count(m);
    if (ago < 1 || ago > n)
        return METER_ENOENT;
    return store_log_read(&m->store, RING_BILLING, n - ago, out);
}
