/*
 * params.h — the object-table getters, setters and methods of the billing
 * core (clock, calendar, demand, billing, profile, logger, legal, event
 * counters, configuration keys). The rows themselves are in
 * src/cosem/objtab.c; these functions only translate between struct
 * obj_value and module state, and validate. Access rights and the audit
 * log are obj_write()'s business, not theirs.
 */
#ifndef TRIMETER_PARAMS_H
#define TRIMETER_PARAMS_H

#include "cosem/objtab.h"
#include "trimeter/meter_opts.h"

/* Registers. */
int par_get_demand_max(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_demand_cum(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_demand_last(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_hours(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_billing_count(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_tariff(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_legal_changes(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_fw_crc(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_status(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_ev_total(const struct meter *m, const struct obj_def *o, struct obj_value *v);
/* Profiles (IC 7): value = entries in use; o->arg = RING_* (+ log). */
int par_get_entries(const struct meter *m, const struct obj_def *o, struct obj_value *v);

/* Clock: 0-0:1.0.0 (UTC seconds), 0.9.1 local time, 0.9.2 local date. */
int par_get_clock(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_set_clock(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);
int par_get_time(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_get_date(const struct meter *m, const struct obj_def *o, struct obj_value *v);

/* Configuration keys: o->arg selects the parameter (enum par_key). */
enum par_key {
    PAR_TIMEZONE = 0,
    PAR_UTC_OFFSET,
    PAR_DST_TABLE,
    PAR_PROFILE_PERIOD,
    PAR_PROFILE_CHANNELS,
    PAR_PROFILE_MODE,
    PAR_DEMAND_PERIOD,
    PAR_ENERGY_RES,
    PAR_BILLING_DAY,
    PAR_LOGGER_INTERVAL,
    PAR_LOGGER_CHANNELS,
    PAR_TARIFF_CALENDAR,
    PAR_TARIFF_INPUT,
    PAR_SERIAL,
    PAR_TARIFF_EXC     /* read-only page of exception dates: arg = PAR_TARIFF_EXC | page << 8 */
};
/* Exception dates per page row (0-0:96.129.20..25): 18 x 13 characters fit a value. */
#define PAR_EXC_PER_ROW 18u
int par_get_cfg(const struct meter *m, const struct obj_def *o, struct obj_value *v);
int par_set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src);

/* Script table 0-0:10.0.1: method 1 = end of billing period. */
int par_act_billing(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                    enum meter_src src);

#endif
