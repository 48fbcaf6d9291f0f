/*
 * config.h — the meter's configuration: versioned sections owned by the
 * modules, assembled into one image in the store (store_config_*); the
 * billing core's parameters (struct meter_config) and the factory defaults
 * of a household meter (S-8.3, docs/BILLING.md).
 *
 * No parameter has two copies in RAM: the image is assembled from the
 * sections' RAM structs at save time. Parameters change only through the
 * object table (obj_write), which calls config_save() after every accepted
 * change. May not touch hardware.
 */
#ifndef TRIMETER_CONFIG_H
#define TRIMETER_CONFIG_H

#include <stdint.h>

#include "registers/clock.h"
#include "registers/evlog.h"
#include "registers/tariff.h"
#include "trimeter/meter_opts.h"


/* The store's rings (struct store_layout in meter.c), in this order. */
enum meter_ring {
    RING_BILLING = 0,
    RING_PROFILE = 1,
    RING_LOGGER = 2,
    RING_EVLOG = 3, /* + enum evlog_log */
    RING_NVCOUNT = RING_EVLOG + EVLOG_COUNT /* src/legal/nvcount: counter reservations */
};

enum profile_mode { PROFILE_ABSOLUTE = 0, PROFILE_DELTA = 1 };

struct meter_config {
    struct clock_zone zone;      /* standard offset, DST rule or table */
    struct tariff_cal cal;       /* time-of-use calendar */
    uint8_t tariff_ext;          /* 1: external tariff inputs select the tariff */
    uint8_t profile_period_min;  /* 5, 15, 30, 60 */
    uint8_t profile_channels;    /* bit q set = channel MEAS_q (A+ A- R+ R-) */
    uint8_t profile_mode;        /* enum profile_mode */
    uint8_t demand_period_min;   /* 5, 15, 30, 60 */
    int8_t energy_res;           /* register resolution 10^energy_res Wh: 1, 2, 3 */
    uint8_t billing_day;         /* day of month 1..28 at 00:00 local; 0 = none */
    uint8_t logger_interval_min; /* 1..60, divides 60 */
    uint8_t logger_n;            /* channels used */
    uint32_t logger_obj[LOGGER_CHANNELS]; /* OBIS A<<24|C<<16|D<<8|E of each channel */
};

struct meter;

/* ---- configuration sections ---------------------------------------------- */
/*
 * The configuration image in the store is a list of sections. Each module
 * that has parameters owns one: its RAM struct (where the parameters live,
 * the only copy), its factory defaults, a check, and a version that changes
 * whenever the struct's layout does. A firmware that changes one section
 * keeps every other one; a stored section of another version is migrated
 * when the section defines how (the calibration always: a legal meter never
 * falls back to nominal calibration), else it alone falls back to its
 * factory defaults with an audit record (EV_CFG_DEFAULT). The firmware's
 * top (src/meter.c) lists the sections (config_section_at), so this module
 * needs to know none of their owners. Format: docs/STORE.md.
 */

/* Stable section ids: never reused, never renumbered. */
enum cfg_id {
    CFG_ID_IDENTITY = 1,    /* serial number (legal, factory) */
    CFG_ID_CALIBRATION = 2, /* metrology calibration (legal) */
    CFG_ID_BILLING = 3,     /* struct meter_config: zone, calendar, periods ... */
    CFG_ID_DISPLAY = 4,     /* display lists (src/ui) */
    CFG_ID_CONTROL = 5,     /* disconnector, limiter, prepay, neutral, load control, pulse input */
    CFG_ID_OPTICAL = 6,     /* IEC 62056-21 readout list, mode, passwords, lockout */
    CFG_ID_ACCESS = 7,      /* clock synchronisation without authentication (legal, legal/access.h) */
    CFG_ID_MBUS = 8,        /* M-Bus primary address, baud rate, manufacturer id (src/proto/mbus) */
    CFG_ID_WMBUS = 9,       /* wM-Bus mode, interval, security, key, compact frames (src/proto/wmbus) */
    CFG_ID_DLMS = 10,       /* DLMS keys and LLS password (src/proto/dlms) */
    CFG_ID_HDLC = 13,       /* HDLC link: physical address, field, window, timeouts (issue 13) */
    CFG_ID_HAN = 16,        /* HAN push setups, encryption, keys, counter reservation (issue 16) */
    CFG_ID_TARIFF_PASSIVE = 18 /* passive tariff calendar, activation time (registers/tariff_passive.h) */
};

struct cfg_section {
    uint8_t id;          /* enum cfg_id */
    uint8_t version;     /* of the RAM struct's layout */
    uint16_t size;       /* sizeof the RAM struct */
    bool legal;          /* legally relevant (calibration, identity) */
    void *(*ram)(struct meter *m);
    void (*factory)(struct meter *m);
    /* Check (and derive from) what was loaded into RAM: 0, or < 0 when it
     * is not usable (then factory defaults). NULL = always usable. */
    int (*check)(struct meter *m);
    /* A stored payload of another version (or size): bring it into RAM.
     * 0, or < 0 when it cannot (then factory defaults). NULL = no
     * migration is defined. */
    int (*migrate)(struct meter *m, uint8_t version, const uint8_t *old, uint16_t n);
};

/* Provided by the firmware's top (src/meter.c): the k-th section, NULL
 * past the last. */
const struct cfg_section *config_section_at(size_t k);

/* The image of firmware 0.1.0 (format 1: one struct, no sections) and
 * where each section's version-1 payload sits in it; provided by the top,
 * which knows every section's type (src/meter.c). */
struct cfg_legacy {
    uint16_t size;  /* its size field */
    uint8_t n;
    struct {
        uint8_t id;
        uint16_t off, size;
    } e[8];
};
const struct cfg_legacy *config_legacy_v1(void);

/* Load every section from the store into its module: stored, migrated, or
 * factory defaults (audited when a stored section could not be used).
 * Rewrites the image when anything changed. Returns the number of sections
 * that fell back to factory defaults although a stored image existed. */
int config_load(struct meter *m);
/* Write the image (after a parameter change). */
int config_save(struct meter *m);
/* Bytes of the configuration image (for the store layout). */
uint16_t config_image_size(void);

/* The billing core's section (struct meter_config) and its factory
 * defaults (documented in docs/BILLING.md). */
extern const struct cfg_section config_billing_section;
extern const struct cfg_section config_identity_section;
extern const struct cfg_section config_calibration_section;
void config_factory(struct meter_config *c);

/* Largest depth the area a ring got at mount holds at rec_size bytes a
 * record (the store's slot rule, store.h: payload + STORE_REC_OVERHEAD
 * rounded up to 4 bytes, slots never straddle a page, one slot of slack);
 * 0 when the ring has no area. For store_log_resize(). */
uint32_t config_ring_fit(const struct meter *m, unsigned ring, uint16_t rec_size);

/* Validity checks shared by the setters and the loader. */
bool config_period_ok(unsigned minutes);

#endif
