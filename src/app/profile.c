/* profile.c — the load profile (see profile.h). */
#include "app/profile.h"

#include <string.h>

#include "trimeter/meter.h"

#define PROFILE_EPOCH 946684800 /* 2000-01-01T00:00:00Z: header time origin */
#define PROFILE_REC_MAX (4 + 4 * MEAS_QTY)

/* S-3.1 depth in days: row = channel class (1, 2, 3-4 channels), column =
 * period 5, 15, 30, 60 minutes. */
static const uint16_t depth_days[3][4] = {
    {92, 275, 550, 1100},
    {77, 231, 462, 924},
    {58, 175, 350, 700},
};

static unsigned popcount4(unsigned ch)
{
    unsigned n = 0;
    for (unsigned q = 0; q < MEAS_QTY; q++)
        n += (ch >> q) & 1u;
    return n;
}

uint16_t profile_rec_size(unsigned channels)
{
    return (uint16_t)(4u + 4u * popcount4(channels));
}

uint32_t profile_depth_days(unsigned period_min, unsigned channels)
{
    unsigned n = popcount4(channels), col;
    switch (period_min) {
    case 5: col = 0; break;
    case 15: col = 1; break;
    case 30: col = 2; break;
    default: col = 3; break;
    }
    return depth_days[n <= 1 ? 0 : n == 2 ? 1 : 2][col];
}

uint32_t profile_depth(unsigned period_min, unsigned channels)
{
    if (period_min == 0)
        return 0;
    return profile_depth_days(period_min, channels) * (1440u / period_min);
}

static int64_t period_s(const struct meter *m)
{
    return (int64_t)m->cfg.profile_period_min * 60;
}

static int64_t std_off(const struct meter *m)
{
    return (int64_t)m->cfg.zone.std_offset_min * 60;
}

/* Append the record of the period ending at `end` with the current readings. */
static void profile_write(struct meter *m, int64_t end, uint8_t status)
{
    uint8_t rec[PROFILE_REC_MAX];
    uint64_t step = energy_step_uwh(1);
    memset(rec, 0, sizeof rec);
    if (clock_dst_active(&m->cfg.zone, end))
        status |= PROFILE_ST_DST;
    if (m->status & METER_ST_CLOCK_INVALID)
        status |= PROFILE_ST_CLOCK_BAD;
    int64_t mins = (end - PROFILE_EPOCH) / 60;
    uint32_t hdr = (uint32_t)(mins < 0 ? 0 : mins) << 6 | (status & 0x3fu);
    memcpy(rec, &hdr, 4);
    unsigned k = 0;
    for (unsigned q = 0; q < MEAS_QTY; q++) {
        if (!(m->cfg.profile_channels & (1u << q)))
            continue;
        uint32_t v = (uint32_t)(m->energy.total[q] / step);
        memcpy(rec + 4 + 4 * k++, &v, 4);
    }
    store_log_append(&m->store, RING_PROFILE, rec);
}

void profile_tick(struct meter *m)
{
    int64_t p = period_s(m);
    if (p <= 0)
        return;
    int64_t start = clock_floor(m->now - 1 + std_off(m), p) - std_off(m);
    if (m->profile.period_start == 0) {
        m->profile.period_start = start;
        if (m->now - 1 != start)
            m->profile.status |= PROFILE_ST_PARTIAL;
    }
    if (m->now >= m->profile.period_start + p) {
        /* The period is over: m->now is its end in normal running. */
        int64_t end = m->profile.period_start + p;
        profile_write(m, end, m->profile.status);
        m->profile.status = 0;
        m->profile.period_start = clock_floor(m->now + std_off(m), p) - std_off(m);
        if (m->profile.period_start != m->now)
            m->profile.status |= PROFILE_ST_PARTIAL;
    }
}

void profile_power_up(struct meter *m, int64_t last_time)
{
    int64_t p = period_s(m);
    if (p <= 0 || last_time <= 0)
        return;
    int64_t start = clock_floor(last_time - 1 + std_off(m), p) - std_off(m);
    if (start + p <= m->now && start + p > last_time) {
        /* The interrupted period ended while the meter was off. */
        profile_write(m, start + p, PROFILE_ST_POWER_FAIL | PROFILE_ST_PARTIAL);
        m->profile.period_start = 0;
    } else if (start + p > m->now) {
        m->profile.period_start = start;
    }
    m->profile.status |= PROFILE_ST_POWER_FAIL;
}

void profile_clock_set(struct meter *m, int64_t old_utc, int64_t new_utc)
{
    int64_t p = period_s(m);
    if (p <= 0)
        return;
    (void)new_utc;
    /* Close the running period at the old time unless it just ended. */
    if (m->profile.period_start != 0 && old_utc > m->profile.period_start)
        profile_write(m, old_utc, (uint8_t)(m->profile.status | PROFILE_ST_CLOCK_SET | PROFILE_ST_PARTIAL));
    m->profile.period_start = 0;
    m->profile.status = PROFILE_ST_CLOCK_SET;
}

int profile_reconfigure(struct meter *m)
{
    unsigned ch = m->cfg.profile_channels;
    /* The ring keeps records of the largest size until the store can fit
     * smaller ones into the same area (NOTES: store_log_resize). */
    int r = store_log_clear(&m->store, RING_PROFILE);
    m->profile.period_start = 0;
    m->profile.status = PROFILE_ST_CONFIG;
    evlog_add(m, EV_PROFILE_CLEAR, METER_SRC_INTERNAL, m->cfg.profile_period_min, (int32_t)ch);
    return r;
}

static int read_raw(const struct meter *m, uint32_t i, struct profile_entry *e)
{
    uint8_t rec[PROFILE_REC_MAX];
    int r = store_log_read(&m->store, RING_PROFILE, i, rec);
    if (r < 0)
        return r;
    uint32_t hdr;
    memcpy(&hdr, rec, 4);
    memset(e, 0, sizeof *e);
    e->time = (int64_t)(hdr >> 6) * 60 + PROFILE_EPOCH;
    e->status = (uint8_t)(hdr & 0x3fu);
    e->channels = m->cfg.profile_channels;
    e->n = (uint8_t)popcount4(e->channels);
    for (unsigned k = 0; k < e->n; k++) {
        uint32_t v;
        memcpy(&v, rec + 4 + 4 * k, 4);
        e->v[k] = v;
    }
    return METER_OK;
}

uint32_t profile_count(const struct meter *m)
{
    uint32_t n = store_log_count(&m->store, RING_PROFILE);
    if (m->cfg.profile_mode == PROFILE_DELTA)
        return n > 0 ? n - 1 : 0;
    return n;
}

int profile_read(const struct meter *m, uint32_t i, struct profile_entry *out)
{
    if (i >= profile_count(m))
        return METER_ENOENT;
    if (m->cfg.profile_mode != PROFILE_DELTA)
        return read_raw(m, i, out);
    struct profile_entry prev;
    int r = read_raw(m, i, &prev);
    if (r >= 0)
        r = read_raw(m, i + 1, out);
    if (r < 0)
        return r;
    for (unsigned k = 0; k < out->n; k++)
        out->v[k] -= prev.v[k];
    return METER_OK;
}
