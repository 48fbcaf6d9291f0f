/*
 * meter.c — the top of the core: power-up, the sample entry point and the
 * main-loop pass that moves a measurement block through the application.
 */
#include "trimeter/meter.h"

#include <string.h>

/* Legal snapshot as handed to the store (first cut: the energy registers). */
static const struct store_layout meter_layout = {
    .legal_size = sizeof(struct energy),
    .config_size = 0,
    .nlogs = 0,
};

int meter_init(struct meter *m, const struct meter_hal *hal)
{
    memset(m, 0, sizeof *m);
    m->hal = hal;
    metro_init(&m->metro);
    energy_init(&m->energy);
    int r = store_mount(&m->store, hal, &meter_layout);
    if (r < 0)
        m->status |= METER_ST_NVM_FAIL;
    else if (store_legal_read(&m->store, &m->energy) < 0)
        energy_init(&m->energy);
    if (hal->rtc_get == NULL || hal->rtc_get(hal->ctx, &m->now) < 0)
        m->status |= METER_ST_CLOCK_INVALID;
    evlog_add(m, EV_POWER_UP, METER_SRC_INTERNAL, 0, 0);
    dispatch_init(m);
    return r < 0 ? r : METER_OK;
}

void meter_sample(struct meter *m, const int32_t s[METER_CHANNELS])
{
    if (metro_sample(&m->metro, s))
        m->block_pending = true;
}

void meter_feed_block(struct meter *m, const struct meas_block *b)
{
    m->metro.out = *b;
    m->block_pending = true;
}

void meter_power_fail(struct meter *m)
{
    m->power_fail = true;
}

/* Stub until the ui module handles buttons (display lists, disconnector). */
void meter_button(struct meter *m, enum meter_button b, uint32_t hold_ms)
{
    (void)m;
    (void)b;
    (void)hold_ms;
}

/* The application's one-second step. */
static void meter_second(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    m->block = m->metro.out;
    if (hal->rtc_get == NULL || hal->rtc_get(hal->ctx, &m->now) < 0)
        m->now++;
    m->seconds++;
    energy_add_block(&m->energy, &m->block);
}

int meter_poll(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    if (m->block_pending) {
        m->block_pending = false;
        meter_second(m);
    }
    if (m->power_fail && !(m->status & METER_ST_POWER_FAIL)) {
        m->status |= METER_ST_POWER_FAIL;
        store_legal_write(&m->store, &m->energy);
    }
    dispatch_poll(m); /* optical port timeouts; cheap when idle */
    if (hal->watchdog_kick != NULL)
        hal->watchdog_kick(hal->ctx);
    return METER_OK;
}

const char *meter_strerror(int err)
{
    switch (err) {
    case METER_OK: return "ok";
    case METER_EINVAL: return "invalid input";
    case METER_ERANGE: return "out of range";
    case METER_ENOENT: return "no such object";
    case METER_EACCES: return "access denied";
    case METER_EIO: return "I/O error";
    case METER_ECORRUPT: return "corrupt data";
    case METER_ENOSPC: return "no space";
    case METER_EBUSY: return "busy";
    case METER_ESTATE: return "not allowed now";
    case METER_ETIMEOUT: return "timeout";
    case METER_ENOTSUP: return "not supported";
    default: return "unknown error";
    }
}
