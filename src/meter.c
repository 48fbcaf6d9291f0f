/*
 * meter.c — the top of the core: power-up, the sample entry point and the
 * main-loop pass that moves a measurement block through the application.
 */
#include "trimeter/meter.h"

#include <stddef.h>
#include <string.h>

#include "cosem/objtab.h"
#include "legal/nvcount.h"
#include "ui/ui_obj.h"

/* What the store keeps (sizes: docs/BILLING.md). The profile and logger
 * rings get the area of their largest record; store_log_resize() fits the
 * configured record size into it. */
static void meter_layout(struct store_layout *l)
{
    memset(l, 0, sizeof *l);
    l->legal_size = legal_snapshot_size();
    l->config_size = config_image_size();
    l->nlogs = RING_NVCOUNT + 1;
    l->logs[RING_BILLING].rec_size = (uint16_t)sizeof(struct billing_rec);
    l->logs[RING_BILLING].depth = BILLING_DEPTH;
    l->logs[RING_PROFILE].rec_size = PROFILE_AREA_REC;
    l->logs[RING_PROFILE].depth = PROFILE_AREA_DEPTH;
    l->logs[RING_LOGGER].rec_size = logger_rec_size(LOGGER_CHANNELS);
    l->logs[RING_LOGGER].depth = LOGGER_AREA_BYTES / logger_rec_size(LOGGER_CHANNELS);
    for (unsigned i = 0; i < EVLOG_COUNT; i++) {
        l->logs[RING_EVLOG + i].rec_size = EVLOG_REC_SIZE;
        l->logs[RING_EVLOG + i].depth = evlog_depth((enum evlog_log)i);
    }
    l->logs[RING_NVCOUNT].rec_size = NVCOUNT_REC_SIZE;
    l->logs[RING_NVCOUNT].depth = NVCOUNT_DEPTH;
}

/* Power-up of the billing core after the store mounted. */
static void meter_app_init(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    int64_t last = 0;
    config_load(m);
    logger_bind(m);
    if (hal->rtc_get == NULL || hal->rtc_get(hal->ctx, &m->now) < 0)
        m->status |= METER_ST_CLOCK_INVALID;
    m->billing.next = -1;
    int restored = legal_restore(m, &last);
    /* No snapshot on a part that held a meter (it was not formatted now):
     * the registers come back from the evidence, and it is reported. */
    bool lost = restored < 0 && !(m->store.flags & (STORE_F_FORMATTED | STORE_F_FAILED)) &&
                (m->store.flags & STORE_F_MOUNTED);
    if (lost)
        legal_recover_begin(m, &last);
    profile_bind(m); /* after the registers: the profile's readings unwrap against them */
    if (lost)
        legal_recover_end(m, restored == METER_ECORRUPT ? 2 : 1, &last);
    if (m->store.flags & STORE_F_CORRUPT)
        evlog_add(m, EV_NVM_CORRUPT, METER_SRC_INTERNAL, (int32_t)m->store.corrupt, (int32_t)m->store.flags);
    if (m->legal.restored)
        m->status |= METER_ST_RESTORED; /* until the authorised party clears the metrological log */
    if (restored < 0 && !lost) {
        /* Factory-fresh: the first billing boundary is the next one. */
        m->billing.ref = m->now;
    } else {
        if (m->status & METER_ST_CLOCK_INVALID) {
            /* Backup exhausted: continue from the last saved time. */
            m->now = last;
            evlog_add(m, EV_CLOCK_INVALID, METER_SRC_INTERNAL, 0, 0);
        }
        demand_cut(&m->demand, last, (int64_t)m->cfg.demand_period_min * 60);
        profile_power_up(m, last);
        logger_power_up(m);
        evlog_add(m, EV_OUTAGE_END, METER_SRC_INTERNAL, (int32_t)(m->now - last), 0);
        billing_tick(m); /* a boundary passed while off: before the first block's energy */
    }
    fwimg_boot(m); /* the image that runs: before legal_boot computes its CRC (0.2.8) */
    legal_boot(m);
    evlog_add(m, EV_POWER_UP, METER_SRC_INTERNAL, 0, 0);
    legal_save(m);
}

int meter_init(struct meter *m, const struct meter_hal *hal)
{
    memset(m, 0, sizeof *m);
    m->hal = hal;
    control_nv_default(&m->control.nv); /* the legal snapshot replaces it */
    metro_init(&m->metro);
    energy_init(&m->energy);
    struct store_layout layout;
    meter_layout(&layout);
    int r = store_mount(&m->store, hal, &layout);
    if (r < 0)
        m->status |= METER_ST_NVM_FAIL;
    if (m->store.flags & STORE_F_CORRUPT)
        m->status |= METER_ST_NVM_CORRUPT;
    if (m->store.flags & STORE_F_NOSPACE) /* a log of the layout is disabled: the part is too small */
        m->status |= METER_ST_NVM_FAIL;
    meter_app_init(m);
    port_init(m);
    control_init(m);
    ui_init(m);
    return r < 0 ? r : METER_OK;
}

void meter_sample(struct meter *m, const int32_t s[METER_CHANNELS])
{
    unsigned ev = metro_sample(&m->metro, s);
    if (ev == 0)
        return;
    if (ev & METRO_EV_BLOCK)
        m->block_pending = true;
    if ((ev & METRO_EV_PULSE) && m->hal->pulse_set != NULL)
        m->hal->pulse_set(m->hal->ctx, m->metro.pulse.on);
}

void meter_feed_block(struct meter *m, const struct meas_block *b)
{
    metro_feed_block(&m->metro, b);
    m->block_pending = true;
}

/* Blocks feed: no sample interrupt times the LED/S0 pulses, the main loop's
 * millisecond clock does (metrology spreads each block's pulses over the
 * following second). */
static void meter_pulse_poll(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    if (m->metro.fed_samples || hal->ms_now == NULL) {
        m->pulse_ms = hal->ms_now != NULL ? hal->ms_now(hal->ctx) : 0;
        return;
    }
    uint32_t now = hal->ms_now(hal->ctx);
    uint32_t dt = now - m->pulse_ms;
    m->pulse_ms = now;
    if (dt > 5000u)
        dt = 5000u;
    while (metro_pulse_elapse(&m->metro, &dt)) /* per edge, not per ms */
        if (hal->pulse_set != NULL)
            hal->pulse_set(hal->ctx, m->metro.pulse.on);
}

/* The supply monitor's level; a port without one always has supply. */
static bool meter_supply_ok(const struct meter *m)
{
    return m->hal->supply_ok == NULL || m->hal->supply_ok(m->hal->ctx);
}

void meter_power_fail(struct meter *m)
{
    m->power_fail = true;
}

void meter_button(struct meter *m, enum meter_button b, uint32_t hold_ms)
{
    if (b == METER_BTN_DISPLAY) {
        ui_button(m, hold_ms);
    } else if (b == METER_BTN_DISCONNECT) {
        control_button(m);
        ui_poll(m); /* the LCD shows what the button did at once */
    }
}

void meter_pulse_input(struct meter *m)
{
    pulsein_edge(m, meter_ms(m));
}

uint32_t meter_ms(const struct meter *m)
{
    if (m->hal != NULL && m->hal->ms_now != NULL)
        return m->hal->ms_now(m->hal->ctx);
    return m->seconds * 1000u;
}

bool meter_mains_lost(const struct meter *m)
{
    const uint32_t none = MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2 | MEAS_F_NO_VOLTAGE_L3;
    return m->power_fail || (m->seconds > 0 && (m->block.flags & none) == none);
}

/* The application's one-second step. */
static void meter_second(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    m->block = m->metro.out;
    if (hal->rtc_get == NULL || hal->rtc_get(hal->ctx, &m->now) < 0)
        m->now++;
    m->seconds++;
    /* The block covers [now-1, now): its tariff is the one at its start. */
    uint32_t in = hal->inputs_read != NULL ? hal->inputs_read(hal->ctx) : 0;
    const struct meter_config *c = &m->cfg;
    tariff_passive_tick(m); /* a passive calendar due: active from this second on */
    int64_t minute = clock_floor(m->now - 1, 60);
    if (c->tariff_ext || minute != m->tariff_memo.minute) {
        m->tariff_memo.reg = (uint8_t)tariff_select(&c->cal, clock_to_local(&c->zone, m->now - 1), c->tariff_ext, in);
        m->tariff_memo.minute = c->tariff_ext ? 0 : minute;
    }
    m->energy.tariff = m->tariff_memo.reg;
    bool commit = energy_add_block(&m->energy, &m->block, c->energy_res);
    commit |= demand_add(&m->demand, m->now, (uint64_t)(m->block.e[MEAS_AP] > 0 ? m->block.e[MEAS_AP] : 0),
                             m->energy.tariff, (int64_t)c->demand_period_min * 60, (int64_t)c->zone.std_offset_min * 60);
    /* The operating second first: a snapshot taken in this second bills
     * the hour counter as it reads at its end (issue 12 item 10). */
    legal_tick(m);
    billing_tick(m);
    profile_tick(m);
    logger_tick(m);
    quality_tick(m);
    if (commit)
        legal_save(m);
    /* the RTC's crystal drifts with temperature: trim it once a minute
     * (calibrated parabola at the die temperature, struct metro_cal_ext) */
    if (m->seconds % 60u == 1u && hal->rtc_trim != NULL) {
        /* the hardware trims in steps: what a step left over is asked for
         * again next minute, so the average is what the crystal needs */
        int32_t want = -metro_rtc_ppb(&m->metro), applied = 0;
        if (hal->rtc_trim(hal->ctx, want + m->metro.rtc_carry_ppb, &applied) == METER_OK) {
            int64_t carry = (int64_t)m->metro.rtc_carry_ppb + want - applied;
            m->metro.rtc_carry_ppb = (int32_t)(carry > 100000000 ? 100000000 : carry < -100000000 ? -100000000 : carry);
        }
    }
}

int meter_poll(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    bool had_block = m->block_pending;
    control_poll(m); /* tamper and tariff inputs first (stamped with the time they came) */
    if (m->block_pending) {
        m->block_pending = false;
        int32_t t;
        if (hal->temp_read != NULL && hal->temp_read(hal->ctx, &t) == METER_OK)
            metro_set_temp(&m->metro, t); /* the block's temperature compensation */
        (void)metro_poll(&m->metro); /* a sampled block is finished here, not in the sample interrupt */
        meter_second(m);
        control_second(m); /* relay, limiter, prepay, neutral, load control */
        ui_second(m);
    } else {
        /* the harmonic frame is complete 0.2 s into its block: analysed in
         * a poll of its own, not on top of the block's work (metro_poll
         * does it when no such poll came) */
        metro_hf_analyse(&m->metro);
    }
    ui_poll(m); /* display timers, what control changed */
    if (m->power_fail && !(m->status & METER_ST_POWER_FAIL)) {
        m->status |= METER_ST_POWER_FAIL;
        legal_save(m);
    } else if ((m->status & METER_ST_POWER_FAIL) && had_block && meter_supply_ok(m)) {
        /* The supply came back without a reset (a dip the hold-up rode
         * through and a block has completed since): re-arm the warning so the
         * next failure gets its emergency save too. Clear first, then look
         * again, so a warning from the interrupt in between is not lost. */
        m->power_fail = false;
        m->status &= ~(uint32_t)METER_ST_POWER_FAIL;
        if (!meter_supply_ok(m))
            m->power_fail = true;
    }
    meter_pulse_poll(m);
    port_poll(m); /* answers under way, timeouts, push drivers; cheap when idle */
    access_poll(m); /* password lockouts that ended; cheap when none */
    fwimg_poll(m); /* a bounded piece of an image verification; cheap when idle */
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

/* ---- what this firmware is made of ----------------------------------------
 * The top names the parts the modules must not know of each other: the
 * configuration sections and the object-table rows of the protocol drivers
 * (src/proto/drivers.h). */

static const struct cfg_section *const core_sections[] = {
    &config_identity_section, &config_calibration_section, &config_billing_section,
    &display_cfg_section,     &control_cfg_section,        &access_cfg_section,
    &tariff_passive_section,
};
#define CORE_SECTIONS (sizeof core_sections / sizeof core_sections[0])

const struct cfg_section *config_section_at(size_t k)
{
    if (k < CORE_SECTIONS)
        return core_sections[k];
    k -= CORE_SECTIONS;
    const struct proto_driver *d;
    for (size_t i = 0; (d = port_driver_at(i)) != NULL; i++)
        if (d->cfg != NULL && k-- == 0)
            return d->cfg;
    return NULL;
}

const struct obj_def *objtab_segment(size_t k, size_t *n)
{
    if (k == 0) {
        *n = ui_nrows; /* the display lists (src/ui) */
        return ui_rows;
    }
    k--;
    const struct proto_driver *d;
    for (size_t i = 0; (d = port_driver_at(i)) != NULL; i++) {
        if (d->rows != NULL && d->nrows > 0 && k-- == 0) {
            *n = d->nrows;
            return d->rows;
        }
    }
    *n = 0;
    return NULL;
}

/* Firmware 0.1.0 kept its configuration as this one struct. Each member is
 * version 1 of a section today; a section whose layout changes must keep a
 * frozen copy of its version-1 type here (or drop its legacy entry and
 * fall back to factory defaults, audited). */
struct config_v1_ui {
    struct display_cfg display;
    struct limiter_cfg limiter;
    struct prepay_cfg prepay;
    struct neutral_cfg neutral;
    struct loadctl_cfg loadctl;
    struct relay_cfg relay;
    struct pulsein_cfg pulsein;
};
struct config_v1 {
    uint16_t version;
    uint16_t size;
    uint32_t serial;
    struct meter_config cfg;
    struct metro_cal metro_cal;
    struct config_v1_ui ui;
    struct iec21_cfg iec;
};
/* The control section's version 1 is the tail of the old display-and-control
 * struct, member for member. */
_Static_assert(offsetof(struct config_v1_ui, prepay) - offsetof(struct config_v1_ui, limiter) ==
                   offsetof(struct control_cfg, prepay) &&
               offsetof(struct config_v1_ui, neutral) - offsetof(struct config_v1_ui, limiter) ==
                   offsetof(struct control_cfg, neutral) &&
               offsetof(struct config_v1_ui, loadctl) - offsetof(struct config_v1_ui, limiter) ==
                   offsetof(struct control_cfg, loadctl) &&
               offsetof(struct config_v1_ui, relay) - offsetof(struct config_v1_ui, limiter) ==
                   offsetof(struct control_cfg, relay) &&
               offsetof(struct config_v1_ui, pulsein) - offsetof(struct config_v1_ui, limiter) ==
                   offsetof(struct control_cfg, pulsein) &&
               sizeof(struct config_v1_ui) - offsetof(struct config_v1_ui, limiter) >= sizeof(struct control_cfg),
               "control section v1 = the old ui_cfg from its limiter on");

#define V1(id_, member, sz) {id_, (uint16_t)offsetof(struct config_v1, member), (uint16_t)(sz)}
static const struct cfg_legacy config_v1_map = {
    .size = (uint16_t)sizeof(struct config_v1),
    .n = 6,
    .e = {V1(CFG_ID_IDENTITY, serial, sizeof(uint32_t)),
          V1(CFG_ID_CALIBRATION, metro_cal, sizeof(struct metro_cal)),
          V1(CFG_ID_BILLING, cfg, sizeof(struct meter_config)),
          V1(CFG_ID_DISPLAY, ui.display, sizeof(struct display_cfg)),
          V1(CFG_ID_CONTROL, ui.limiter, sizeof(struct control_cfg)),
          V1(CFG_ID_OPTICAL, iec, sizeof(struct iec21_cfg))},
};

const struct cfg_legacy *config_legacy_v1(void)
{
    return &config_v1_map;
}
