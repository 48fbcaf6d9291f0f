/* config.c — configuration sections, their image in the store, and the
 * billing core's factory defaults. */
#include "legal/config.h"

#include <stddef.h>
#include <string.h>

#include "trimeter/meter.h"

/* Image format 2: a header, then the sections one after another, each a
 * 4-byte header and its payload; id 0 ends the list. An image of format 1
 * (firmware 0.1.0: one struct, no sections) starts with the 16-bit value 1
 * and is converted section by section (config_legacy_v1, src/meter.c). */
#define CONFIG_MAGIC 0xC5u
#define CONFIG_FORMAT 2u
#define CONFIG_HDR 4u  /* magic, format, total bytes (16 bits) */
#define SECTION_HDR 4u /* id, version, size (16 bits) */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

uint16_t config_image_size(void)
{
    size_t n = CONFIG_HDR + 1u; /* and the end marker */
    const struct cfg_section *c;
    for (size_t k = 0; (c = config_section_at(k)) != NULL; k++)
        n += SECTION_HDR + c->size;
    return (uint16_t)(n <= STORE_CONFIG_MAX ? n : STORE_CONFIG_MAX);
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

/* ---- the image ------------------------------------------------------------ */

/* Where a stored section is: its payload's offset in the image, size and
 * version. */
struct cfg_found {
    uint32_t off;
    uint16_t n;
    uint8_t version;
};

/* Walk the stored sections' headers (read from NVM, no image buffer). */
static bool config_find(const struct store *st, uint32_t len, uint8_t id, struct cfg_found *out)
{
    uint32_t at = CONFIG_HDR;
    uint8_t h[SECTION_HDR];
    while (at + SECTION_HDR <= len && store_config_read_part(st, at, h, sizeof h) == METER_OK && h[0] != 0) {
        uint16_t n = get16(h + 2);
        if (at + SECTION_HDR + n > len)
            return false; /* cut short: the rest is unusable */
        if (h[0] == id) {
            out->off = at + SECTION_HDR;
            out->n = n;
            out->version = h[1];
            return true;
        }
        at += SECTION_HDR + n;
    }
    return false;
}

/* A stored section of another version: at most this many bytes are
 * handed to its migration (on the stack, at power-up only). */
#define CONFIG_MIGRATE_MAX 512u

/* One section from what the store holds. Returns true when it fell back to
 * factory defaults although it was stored. */
static bool config_load_one(struct meter *m, const struct cfg_section *c, const struct cfg_found *f, bool *dirty)
{
    void *ram = c->ram(m);
    if (f == NULL) {
        /* not stored (a new meter, or a section this firmware adds) */
        c->factory(m);
        if (c->check != NULL)
            (void)c->check(m);
        *dirty = true;
        return false;
    }
    int r;
    if (f->version == c->version && f->n == c->size) {
        r = store_config_read_part(&m->store, f->off, ram, c->size);
        if (r == METER_OK && c->check != NULL)
            r = c->check(m);
    } else if (c->migrate != NULL && f->n <= CONFIG_MIGRATE_MAX) {
        uint8_t old[CONFIG_MIGRATE_MAX];
        c->factory(m); /* fields the old version lacks */
        r = store_config_read_part(&m->store, f->off, old, f->n);
        if (r == METER_OK)
            r = c->migrate(m, f->version, old, f->n);
        if (r == METER_OK && c->check != NULL)
            r = c->check(m);
        *dirty = true;
    } else {
        r = METER_ENOTSUP;
    }
    if (r == METER_OK)
        return false;
    c->factory(m);
    if (c->check != NULL)
        (void)c->check(m);
    *dirty = true;
    /* A legal section that cannot be used is a fault, not a setting: the
     * meter says so (status, error symbol) instead of measuring quietly
     * with nominal constants. */
    if (c->legal)
        m->status |= METER_ST_SELFTEST_FAIL;
    evlog_add(m, EV_CFG_DEFAULT, METER_SRC_INTERNAL, c->id, f->version);
    return true;
}

int config_load(struct meter *m)
{
    uint16_t len = 0;
    uint8_t h[CONFIG_HDR] = {0};
    bool stored = store_config_open(&m->store, &len) == METER_OK &&
                  store_config_read_part(&m->store, 0, h, sizeof h) == METER_OK;
    bool v1 = stored && get16(h) == 1u;
    if (stored && !v1 && (h[0] != CONFIG_MAGIC || h[1] != CONFIG_FORMAT))
        stored = false; /* an image of no known format: as if none */
    if (stored && !v1 && get16(h + 2) < len)
        len = get16(h + 2); /* the padding after the end marker is not sections */
    const struct cfg_legacy *l = v1 ? config_legacy_v1() : NULL;
    if (v1 && get16(h + 2) != l->size)
        stored = v1 = false; /* a format-1 image of another build: unusable */
    bool dirty = v1; /* a format-1 image is rewritten in this firmware's */
    int fallbacks = 0;
    const struct cfg_section *c;
    for (size_t k = 0; (c = config_section_at(k)) != NULL; k++) {
        struct cfg_found f;
        bool have = false;
        if (v1) {
            for (unsigned i = 0; i < l->n && !have; i++) {
                if (l->e[i].id == c->id && (uint32_t)l->e[i].off + l->e[i].size <= len) {
                    f.off = l->e[i].off;
                    f.n = l->e[i].size;
                    f.version = 1;
                    have = true;
                }
            }
        } else if (stored) {
            have = config_find(&m->store, len, c->id, &f);
        }
        if (config_load_one(m, c, have ? &f : NULL, &dirty) && stored)
            fallbacks++;
    }
    if (dirty && stored)
        config_save(m);
    return fallbacks;
}

/* Sections this firmware may have (the image's pieces are on the stack). */
#define CONFIG_SECTIONS_MAX 24u

int config_save(struct meter *m)
{
    struct store_iov iov[2u * CONFIG_SECTIONS_MAX + 2u];
    uint8_t hdr[CONFIG_SECTIONS_MAX][SECTION_HDR];
    uint8_t head[CONFIG_HDR], end = 0;
    unsigned n = 1;
    size_t total = CONFIG_HDR;
    const struct cfg_section *c;
    for (size_t k = 0; (c = config_section_at(k)) != NULL; k++) {
        if (k >= CONFIG_SECTIONS_MAX)
            return METER_ENOSPC; /* cannot happen: a unit test checks it */
        hdr[k][0] = c->id;
        hdr[k][1] = c->version;
        put16(hdr[k] + 2, c->size);
        iov[n].p = hdr[k];
        iov[n++].n = SECTION_HDR;
        iov[n].p = c->ram(m);
        iov[n++].n = c->size;
        total += SECTION_HDR + c->size;
    }
    iov[n].p = &end;
    iov[n++].n = 1;
    total += 1;
    if (total > m->store.layout.config_size)
        return METER_ENOSPC; /* cannot happen: the layout is config_image_size() */
    head[0] = CONFIG_MAGIC;
    head[1] = CONFIG_FORMAT;
    put16(head + 2, (uint16_t)total);
    iov[0].p = head;
    iov[0].n = CONFIG_HDR;
    return store_config_write_iov(&m->store, iov, n);
}

/* ---- the billing core's section ----------------------------------------------- */

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

static void *billing_ram(struct meter *m)
{
    return &m->cfg;
}

static void billing_factory(struct meter *m)
{
    config_factory(&m->cfg);
}

static int billing_check(struct meter *m)
{
    return config_valid(&m->cfg) ? METER_OK : METER_EINVAL;
}

const struct cfg_section config_billing_section = {
    .id = CFG_ID_BILLING,
    .version = 1,
    .size = sizeof(struct meter_config),
    .ram = billing_ram,
    .factory = billing_factory,
    .check = billing_check,
};

/* ---- identity and calibration (legal) --------------------------------------- */

static void *identity_ram(struct meter *m)
{
    return &m->serial;
}

static void identity_factory(struct meter *m)
{
    m->serial = 0;
}

const struct cfg_section config_identity_section = {
    .id = CFG_ID_IDENTITY,
    .version = 1,
    .size = sizeof(uint32_t),
    .legal = true,
    .ram = identity_ram,
    .factory = identity_factory,
};

/* The calibration section (version 2): struct metro_cal and, right after
 * it in struct metro, struct metro_cal_ext (temperature, self-heating,
 * crosstalk, harmonic response, RTC crystal, wiring). Version 1 (firmware
 * 0.1.0 and after, until the extension) was struct metro_cal alone: it is
 * migrated, the extension starting uncompensated and 4-wire (all zero), so
 * an older meter keeps its calibration. */
_Static_assert(offsetof(struct metro, calx) == offsetof(struct metro, cal) + sizeof(struct metro_cal),
               "the calibration section is metro.cal and metro.calx, one after the other");

static void *cal_ram(struct meter *m)
{
    return (char *)&m->metro + offsetof(struct metro, cal);
}

static void cal_factory(struct meter *m)
{
    metro_cal_default(&m->metro.cal);
    metro_calx_default(&m->metro.calx);
}

static int cal_check(struct meter *m)
{
    struct metro_cal c = m->metro.cal;
    struct metro_cal_ext x = m->metro.calx;
    int r = metro_cal_load(&m->metro, &c); /* checks it and derives the constants */
    return r == METER_OK ? metro_calx_load(&m->metro, &x) : r;
}

static int cal_migrate(struct meter *m, uint8_t version, const uint8_t *old, uint16_t n)
{
    if (version != 1 || n != sizeof(struct metro_cal))
        return METER_ENOTSUP;
    memcpy(&m->metro.cal, old, sizeof(struct metro_cal)); /* the extension stays at cal_factory's zero */
    return METER_OK;
}

const struct cfg_section config_calibration_section = {
    .id = CFG_ID_CALIBRATION,
    .version = 2,
    .size = sizeof(struct metro_cal) + sizeof(struct metro_cal_ext),
    .legal = true,
    .ram = cal_ram,
    .factory = cal_factory,
    .check = cal_check,
    .migrate = cal_migrate,
};
