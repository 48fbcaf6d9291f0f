/*
 * fleet_hal.c — the HAL of a fleet meter: its EEPROM slot, an RTC with its
 * own rate error, the fleet's millisecond clock, relays, inputs, the supply
 * monitor and its network lines. The context is the struct fleet_meter.
 */
#include <string.h>

#include "fleet.h"
#include "trimeter/err.h"

int fleet_rtc_read(const struct fleet_meter *fm, int64_t t_ms, int64_t *utc)
{
    int64_t ms = t_ms - fm->rtc_base_ms;
    /* the crystal's rate error accumulated since the last set */
    int64_t drift_ms = ms / 1000 * fm->var.drift_ppb / 1000000;
    int64_t q = ms + drift_ms;
    *utc = fm->rtc_utc + (q >= 0 ? q / 1000 : -((-q + 999) / 1000));
    return METER_OK;
}

void fleet_rtc_set(struct fleet_meter *fm, int64_t t_ms, int64_t utc)
{
    fm->rtc_utc = utc;
    fm->rtc_base_ms = t_ms - ((t_ms % 1000) + 1000) % 1000;
    fm->flags |= FM_F_RTC_VALID;
}

static int h_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct fleet_meter *fm = ctx;
    return fleet_store_read(&fm->f->st, fm->idx, fm->written, addr, buf, len);
}

static int h_nvm_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct fleet_meter *fm = ctx;
    return fleet_store_program(&fm->f->st, fm->idx, fm->written, addr, buf, len);
}

static int h_rtc_get(void *ctx, int64_t *utc)
{
    const struct fleet_meter *fm = ctx;
    if (!(fm->flags & FM_F_RTC_VALID))
        return METER_EIO;
    return fleet_rtc_read(fm, fm->f->t_ms, utc);
}

static int h_rtc_set(void *ctx, int64_t utc)
{
    struct fleet_meter *fm = ctx;
    fleet_rtc_set(fm, fm->f->t_ms, utc);
    return METER_OK;
}

static uint32_t h_ms_now(void *ctx)
{
    const struct fleet_meter *fm = ctx;
    return (uint32_t)(fm->f->t_ms - fm->f->t0_ms);
}

static int h_relay_set(void *ctx, enum meter_relay relay, bool closed)
{
    struct fleet_meter *fm = ctx;
    if ((unsigned)relay >= 3)
        return METER_EINVAL;
    fm->relay[relay] = closed;
    return METER_OK;
}

static uint32_t h_inputs_read(void *ctx)
{
    return ((const struct fleet_meter *)ctx)->inputs;
}

static bool h_supply_ok(void *ctx)
{
    return (((const struct fleet_meter *)ctx)->flags & FM_F_SUPPLY) != 0;
}

/* As the host HAL: the firmware checksum covers the program's text. */
extern const char __executable_start[];
extern const char etext[];

static int h_legal_region(void *ctx, const void **p, size_t *n)
{
    (void)ctx;
    *p = __executable_start;
    *n = (size_t)(etext - __executable_start);
    return METER_OK;
}

static size_t h_port_write(void *ctx, unsigned port, const uint8_t *buf, size_t len)
{
    struct fleet_meter *fm = ctx;
    return fleet_net_write(fm->f, fm, port, buf, len);
}

static size_t h_port_tx_room(void *ctx, unsigned port)
{
    struct fleet_meter *fm = ctx;
    return fleet_net_room(fm->f, fm, port);
}

static void h_port_hangup(void *ctx, unsigned port)
{
    struct fleet_meter *fm = ctx;
    fleet_net_hangup(fm->f, fm, port);
}

void fleet_hal_bind(struct fleet_meter *fm)
{
    struct meter_hal *hal = &fm->hal;
    memset(hal, 0, sizeof *hal);
    hal->ctx = fm;
    hal->nvm_size = FLEET_SLOT_BYTES;
    hal->nvm_page_size = FLEET_NVM_PAGE;
    hal->nvm_read = h_nvm_read;
    hal->nvm_program = h_nvm_program;
    hal->rtc_get = h_rtc_get;
    hal->rtc_set = h_rtc_set;
    hal->ms_now = h_ms_now;
    hal->relay_set = h_relay_set;
    hal->inputs_read = h_inputs_read;
    hal->supply_ok = h_supply_ok;
    hal->legal_region = h_legal_region;
    hal->port_write = h_port_write;
    hal->port_tx_room = h_port_tx_room;
    hal->port_hangup = h_port_hangup;
}
