/* config.c — factory defaults and persistence of the configuration. */
#include "legal/config.h"

#include <string.h>

#include "trimeter/meter.h"

#define CONFIG_VERSION 1u

/* The image in the store: assembled from the modules at save time. */
struct config_image {
    uint16_t version;
    uint16_t size;
    uint32_t serial;
    struct meter_config cfg;
    struct metro_cal metro_cal;   /* legally relevant (S-2.6) */
    struct ui_cfg ui;             /* display lists, disconnector, limiter, prepay, neutral, load control */
    struct iec21_cfg iec;         /* optical port: readout list, mode, passwords, lockout (src/proto) */
    struct han_cfg han;           /* HAN push setups (src/proto/han) */
};

uint16_t config_image_size(void)
{
    return (uint16_t)sizeof(struct config_image);
}

uint32_t config_ring_fit(const struct meter *m, unsigned ring, uint16_t rec_size)
{
    const struct store *s = &m->store;
    uint32_t page = m->hal != NULL ? m->hal->nvm_page_size : 0;
    uint32_t slot = ((uint32_t)rec_size + STORE_REC_OVERHEAD + 3u) & ~3u;
    if (ring >= s->layout.nlogs || rec_size == 0 || page == 0 || slot > page || s->logs[ring].pages == 0)
        return 0;
    return (uint32_t)s->logs[ring].pages * (page / slot) - 1u;
}

bool config_period_ok(unsigned minutes)
{
    return minutes == 5 || minutes == 15 || minutes == 30 || minutes == 60;
}

void config_factory(struct meter_config *c)
{
    /* Finnish household meter: EET with EU summer time, two-rate
     * day/night tariff, 15-min demand, monthly billing, hourly profile of
     * all four quadrants, 15-min analysis logger of P, Q, U, I. */
    static const uint32_t logger[] = {
        0x01010700u, 0x01020700u, 0x01030700u, 0x01040700u, /* P+ P- Q+ Q- */
        0x01200700u, 0x01340700u, 0x01480700u,             /* U L1..L3 */
        0x011F0700u, 0x01330700u, 0x01470700u,             /* I L1..L3 */
    };
    memset(c, 0, sizeof *c);
    c->zone.std_offset_min = 120;
    c->zone.mode = CLOCK_DST_EU;
    tariff_cal_factory(&c->cal);
    c->profile_period_min = 60;
    c->profile_channels = 0x0f;
    c->profile_mode = PROFILE_ABSOLUTE;
    c->demand_period_min = 15;
    c->energy_res = 1;
    c->billing_day = 1;
    c->logger_interval_min = 15;
    c->logger_n = (uint8_t)(sizeof logger / sizeof logger[0]);
    memcpy(c->logger_obj, logger, sizeof logger);
}

static bool config_valid(const struct meter_config *c)
{
    return config_period_ok(c->profile_period_min) && config_period_ok(c->demand_period_min) &&
           c->profile_channels != 0 && c->profile_channels <= 0x0f && c->profile_mode <= PROFILE_DELTA &&
           c->energy_res >= 1 && c->energy_res <= 3 && c->billing_day <= 28 && c->logger_interval_min >= 1 &&
           c->logger_interval_min <= 60 && 60 % c->logger_interval_min == 0 &&
           c->logger_n <= LOGGER_CHANNELS && c->zone.mode <= CLOCK_DST_TABLE &&
           c->zone.ntable <= CLOCK_DST_TABLE_LEN && c->cal.ndays >= 1 && c->cal.ndays <= TARIFF_DAY_PROFILES &&
           c->cal.nseasons >= 1 && c->cal.nseasons <= TARIFF_SEASONS && c->cal.nexc <= TARIFF_EXCEPTIONS;
}

int config_load(struct meter *m)
{
    struct config_image img;
    int r = store_config_read(&m->store, &img);
    if (r >= 0 && img.version == CONFIG_VERSION && img.size == sizeof img && config_valid(&img.cfg)) {
        m->cfg = img.cfg;
        m->serial = img.serial;
        m->ui.cfg = img.ui; /* checked again by ui_init() */
        m->optical.iec.cfg = img.iec; /* checked by dispatch_init() */
        m->han.cfg = img.han;         /* checked by han_init() */
        if (metro_cal_load(&m->metro, &img.metro_cal) != 0) /* derived constants too */
            metro_cal_default(&m->metro.cal);
        return 0;
    }
    config_factory(&m->cfg);
    return 1;
}

int config_save(struct meter *m)
{
    struct config_image img;
    memset(&img, 0, sizeof img);
    img.version = CONFIG_VERSION;
    img.size = (uint16_t)sizeof img;
    img.serial = m->serial;
    img.cfg = m->cfg;
    img.metro_cal = m->metro.cal;
    img.ui = m->ui.cfg;
    img.iec = m->optical.iec.cfg;
    img.han = m->han.cfg;
    return store_config_write(&m->store, &img);
}
