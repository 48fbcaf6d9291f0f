#include "app/evlog.h"

#include <string.h>

#include "trimeter/meter.h"

static const struct {
    uint8_t log;
    const char *name;
} ev_info[EV_CODE_COUNT] = {
    [EV_POWER_UP] = {EVLOG_STATUS, "power_up"},
    [EV_POWER_DOWN] = {EVLOG_STATUS, "power_down"},
    [EV_NVM_CORRUPT] = {EVLOG_STATUS, "nvm_corrupt"},
    [EV_SELFTEST_FAIL] = {EVLOG_STATUS, "selftest_fail"},
    [EV_OUTAGE_START] = {EVLOG_QUALITY, "outage_start"},
    [EV_OUTAGE_END] = {EVLOG_QUALITY, "outage_end"},
    [EV_SAG_START] = {EVLOG_QUALITY, "sag_start"},
    [EV_SAG_END] = {EVLOG_QUALITY, "sag_end"},
    [EV_SWELL_START] = {EVLOG_QUALITY, "swell_start"},
    [EV_SWELL_END] = {EVLOG_QUALITY, "swell_end"},
    [EV_RELAY_OPEN] = {EVLOG_DISCONNECT, "relay_open"},
    [EV_RELAY_CLOSE] = {EVLOG_DISCONNECT, "relay_close"},
    [EV_RELAY_RELEASE] = {EVLOG_DISCONNECT, "relay_release"},
    [EV_NEUTRAL_FAULT_START] = {EVLOG_NEUTRAL, "neutral_fault_start"},
    [EV_NEUTRAL_FAULT_END] = {EVLOG_NEUTRAL, "neutral_fault_end"},
    [EV_CLOCK_SET] = {EVLOG_CLOCK, "clock_set"},
    [EV_CLOCK_ADJUST] = {EVLOG_CLOCK, "clock_adjust"},
    [EV_PARAM_CHANGE] = {EVLOG_AUDIT, "param_change"},
    [EV_LEGAL_PARAM_CHANGE] = {EVLOG_AUDIT, "legal_param_change"},
    [EV_SESSION_START] = {EVLOG_AUDIT, "session_start"},
    [EV_ACCESS_DENIED] = {EVLOG_AUDIT, "access_denied"},
    [EV_COVER_OPEN] = {EVLOG_TAMPER, "cover_open"},
    [EV_COVER_CLOSE] = {EVLOG_TAMPER, "cover_close"},
    [EV_MAGNET_START] = {EVLOG_TAMPER, "magnet_on"},
    [EV_MAGNET_END] = {EVLOG_TAMPER, "magnet_off"},
    [EV_POWER_LIMIT] = {EVLOG_POWERLIMIT, "power_limit"},
    [EV_BILLING_END] = {EVLOG_STATUS, "billing_end"},
};

static const char *const log_names[EVLOG_COUNT] = {
    "status", "quality", "disconnector", "neutral", "clock", "audit", "tamper", "power_limit",
};

enum evlog_log evlog_log_of(enum evlog_code code)
{
    if ((unsigned)code >= EV_CODE_COUNT)
        return EVLOG_STATUS;
    return (enum evlog_log)ev_info[code].log;
}

const char *evlog_code_name(enum evlog_code code)
{
    if ((unsigned)code >= EV_CODE_COUNT || ev_info[code].name == NULL)
        return "unknown";
    return ev_info[code].name;
}

const char *evlog_log_name(enum evlog_log log)
{
    return (unsigned)log < EVLOG_COUNT ? log_names[log] : "unknown";
}

int evlog_add(struct meter *m, enum evlog_code code, enum meter_src src, int32_t a, int32_t b)
{
    if ((unsigned)code >= EV_CODE_COUNT || code == 0)
        return METER_EINVAL;
    struct evlog *el = &m->evlog;
    struct evlog_rec *r = &el->ring[el->head % EVLOG_RAM_DEPTH];
    r->time = m->now;
    r->code = (uint16_t)code;
    r->src = (uint8_t)src;
    r->log = (uint8_t)evlog_log_of(code);
    r->a = a;
    r->b = b;
    el->head++;
    el->count[r->log]++;
    return METER_OK;
}

uint32_t evlog_available(const struct meter *m)
{
    return m->evlog.head < EVLOG_RAM_DEPTH ? m->evlog.head : EVLOG_RAM_DEPTH;
}

int evlog_get(const struct meter *m, uint32_t i, struct evlog_rec *out)
{
    uint32_t n = evlog_available(m);
    if (i >= n)
        return METER_ENOENT;
    *out = m->evlog.ring[(m->evlog.head - n + i) % EVLOG_RAM_DEPTH];
    return METER_OK;
}
