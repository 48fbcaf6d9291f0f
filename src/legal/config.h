/*
 * config.h — the meter's configuration (parameters of the billing core),
 * the factory defaults of a household meter (S-8.3, docs/BILLING.md) and
 * its persistence through store_config_*.
 *
 * struct meter_config holds the billing core's parameters in RAM. The
 * configuration image written to the store is assembled from module state
 * at save time (this struct, the metrology calibration, the serial number),
 * so no parameter has two copies in RAM. Parameters change only through the
 * object table (obj_write), which calls config_save() after every accepted
 * change. May not touch hardware.
 */
#ifndef TRIMETER_CONFIG_H
#define TRIMETER_CONFIG_H

#include <stdint.h>

#include "registers/clock.h"
#include "registers/evlog.h"
#include "registers/tariff.h"

#define LOGGER_CHANNELS 16
/* Store area of the analysis logger (depth = area / record size). */
#define LOGGER_AREA_BYTES (720u * 68u)

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

/* Factory defaults (documented in docs/BILLING.md). */
void config_factory(struct meter_config *c);
/* Load the image from the store into the modules; factory defaults when the
 * store has none or one of another layout. Returns 1 when defaults were used. */
int config_load(struct meter *m);
/* Write the image (after a parameter change). */
int config_save(struct meter *m);
/* Bytes of the configuration image (for the store layout). */
uint16_t config_image_size(void);

/* Largest depth the area a ring got at mount holds at rec_size bytes a
 * record (the store's slot rule, store.h: payload + STORE_REC_OVERHEAD
 * rounded up to 4 bytes, slots never straddle a page, one slot of slack);
 * 0 when the ring has no area. For store_log_resize(). */
uint32_t config_ring_fit(const struct meter *m, unsigned ring, uint16_t rec_size);

/* Validity checks shared by the setters and the loader. */
bool config_period_ok(unsigned minutes);

#endif
