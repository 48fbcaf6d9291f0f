/* logger.c — the analysis logger (see logger.h). */
#include "registers/logger.h"

#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"

#define LOGGER_EPOCH 946684800 /* as the profile's header */

uint16_t logger_rec_size(unsigned n)
{
    return (uint16_t)(4u + 4u * n);
}

static const struct obj_def *row_of(uint32_t packed)
{
    struct obis ln = OBIS((uint8_t)(packed >> 24), 0, (uint8_t)(packed >> 16), (uint8_t)(packed >> 8),
                          (uint8_t)packed, 255);
    return objtab_find(&ln);
}

int logger_bind(struct meter *m)
{
    struct logger *lg = &m->logger;
    for (unsigned k = 0; k < m->cfg.logger_n && k < LOGGER_CHANNELS; k++) {
        const struct obj_def *o = row_of(m->cfg.logger_obj[k]);
        if (o == NULL)
            return METER_ENOENT;
        for (size_t i = 0, nrows = objtab_count(); i < nrows; i++)
            if (objtab_at(i) == o)
                lg->row[k] = (uint16_t)i;
    }
    /* Records of the configured size, as many as the ring's area holds
     * (unchanged after a power cycle: the records stay). */
    uint16_t rec = logger_rec_size(m->cfg.logger_n);
    uint32_t depth = config_ring_fit(m, RING_LOGGER, rec);
    if (depth > 0)
        (void)store_log_resize(&m->store, RING_LOGGER, rec, depth);
    return METER_OK;
}

static void logger_write(struct meter *m, int64_t end)
{
    struct logger *lg = &m->logger;
    uint8_t rec[4 + 4 * LOGGER_CHANNELS];
    memset(rec, 0, sizeof rec);
    int64_t mins = (end - LOGGER_EPOCH) / 60;
    uint32_t hdr = (uint32_t)(mins < 0 ? 0 : mins) << 6 | (lg->status & 0x3fu);
    memcpy(rec, &hdr, 4);
    for (unsigned k = 0; k < m->cfg.logger_n; k++) {
        int32_t v = lg->n ? (int32_t)(lg->sum[k] / (int64_t)lg->n) : 0;
        memcpy(rec + 4 + 4 * k, &v, 4);
    }
    store_log_append(&m->store, RING_LOGGER, rec);
}

static void logger_restart(struct logger *lg, uint8_t status)
{
    memset(lg->sum, 0, sizeof lg->sum);
    lg->n = 0;
    lg->period_start = 0;
    lg->status = status;
}

void logger_tick(struct meter *m)
{
    struct logger *lg = &m->logger;
    int64_t p = (int64_t)m->cfg.logger_interval_min * 60, off = (int64_t)m->cfg.zone.std_offset_min * 60;
    if (p <= 0 || m->cfg.logger_n == 0)
        return;
    if (lg->period_start == 0) {
        lg->period_start = clock_floor(m->now - 1 + off, p) - off;
        if (m->now - 1 != lg->period_start)
            lg->status |= PROFILE_ST_PARTIAL;
    }
    /* Getters directly: obj_read's access check and clearing of a whole
     * obj_value per channel per second would dominate the main loop. */
    for (unsigned k = 0; k < m->cfg.logger_n; k++) {
        const struct obj_def *o = objtab_at(lg->row[k]);
        struct obj_value v;
        v.i = 0;
        if (o != NULL && o->get(m, o, &v) == METER_OK)
            lg->sum[k] += v.i;
    }
    lg->n++;
    if (m->now >= lg->period_start + p) {
        logger_write(m, lg->period_start + p);
        logger_restart(lg, 0);
    }
}

void logger_power_up(struct meter *m)
{
    logger_restart(&m->logger, PROFILE_ST_POWER_FAIL);
}

void logger_clock_set(struct meter *m)
{
    struct logger *lg = &m->logger;
    if (lg->n > 0)
        logger_write(m, m->now);
    logger_restart(lg, PROFILE_ST_CLOCK_SET);
}

int logger_reconfigure(struct meter *m)
{
    int r = logger_bind(m);
    if (r >= 0)
        r = store_log_clear(&m->store, RING_LOGGER);
    logger_restart(&m->logger, PROFILE_ST_CONFIG);
    evlog_add(m, EV_PROFILE_CLEAR, METER_SRC_INTERNAL, 0, m->cfg.logger_n);
    return r;
}

uint32_t logger_count(const struct meter *m)
{
    return store_log_count(&m->store, RING_LOGGER);
}

int logger_read(const struct meter *m, uint32_t i, struct logger_entry *out)
{
    uint8_t rec[4 + 4 * LOGGER_CHANNELS];
    int r = store_log_read(&m->store, RING_LOGGER, i, rec);
    if (r < 0)
        return r;
    uint32_t hdr;
    memcpy(&hdr, rec, 4);
    memset(out, 0, sizeof *out);
    out->time = (int64_t)(hdr >> 6) * 60 + LOGGER_EPOCH;
    out->status = (uint8_t)(hdr & 0x3fu);
    out->n = m->cfg.logger_n;
    for (unsigned k = 0; k < out->n && k < LOGGER_CHANNELS; k++)
        memcpy(&out->v[k], rec + 4 + 4 * k, 4);
    return METER_OK;
}
