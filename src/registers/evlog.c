#include "registers/evlog.h"

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
    [EV_CLOCK_SET] = {EVLOG_METRO, "clock_set"},
    [EV_CLOCK_ADJUST] = {EVLOG_CLOCK, "clock_adjust"},
    [EV_PARAM_CHANGE] = {EVLOG_AUDIT, "param_change"},
    [EV_LEGAL_PARAM_CHANGE] = {EVLOG_METRO, "legal_param_change"},
    [EV_SESSION_START] = {EVLOG_AUDIT, "session_start"},
    [EV_ACCESS_DENIED] = {EVLOG_AUDIT, "access_denied"},
    [EV_COVER_OPEN] = {EVLOG_TAMPER, "cover_open"},
    [EV_COVER_CLOSE] = {EVLOG_TAMPER, "cover_close"},
    [EV_MAGNET_START] = {EVLOG_TAMPER, "magnet_on"},
    [EV_MAGNET_END] = {EVLOG_TAMPER, "magnet_off"},
    [EV_POWER_LIMIT] = {EVLOG_POWERLIMIT, "power_limit"},
    [EV_BILLING_END] = {EVLOG_STATUS, "billing_end"},
    [EV_PROFILE_CLEAR] = {EVLOG_STATUS, "profile_clear"},
    [EV_FW_CHANGED] = {EVLOG_METRO, "firmware_changed"},
    [EV_CLOCK_INVALID] = {EVLOG_CLOCK, "clock_invalid"},
    [EV_RELAY_DEFERRED] = {EVLOG_DISCONNECT, "relay_open_deferred"},
    [EV_CREDIT_LOW] = {EVLOG_STATUS, "credit_low"},
    [EV_CREDIT_EMPTY] = {EVLOG_STATUS, "credit_empty"},
    [EV_LOADCTL_SWITCH] = {EVLOG_DISCONNECT, "load_relay"},
    [EV_TARIFF_INPUT] = {EVLOG_STATUS, "tariff_input"},
    [EV_CFG_DEFAULT] = {EVLOG_AUDIT, "config_section_default"},
    [EV_LOCKOUT] = {EVLOG_AUDIT, "lockout"},
    [EV_METRO_CLEARED] = {EVLOG_METRO, "metrological_log_cleared"},
    [EV_LEGAL_RESTORED] = {EVLOG_METRO, "registers_restored"},
    [EV_FW_INITIATE] = {EVLOG_METRO, "firmware_transfer_initiated"},
    [EV_FW_VERIFY] = {EVLOG_METRO, "firmware_verified"},
    [EV_FW_ACTIVATE] = {EVLOG_METRO, "firmware_activated"},
    [EV_FW_BOOT] = {EVLOG_METRO, "firmware_boot"},
};

/* Ring depths per log (records of EVLOG_REC_SIZE bytes in the store). The
 * metrological log holds every legally relevant change of a meter's life
 * between two read-outs by the authorised party (the factory's calibration
 * and identity take 17). */
static const uint16_t log_depth[EVLOG_COUNT] = {100, 100, 50, 50, 50, 200, 100, 50, 300};

static const char *const log_names[EVLOG_COUNT] = {
    "status", "quality", "disconnector", "neutral", "clock", "audit", "tamper", "power_limit", "metrological",
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

uint32_t evlog_depth(enum evlog_log log)
{
    return (unsigned)log < EVLOG_COUNT ? log_depth[log] : 0;
}

/* Store record: time, seq, code, src, client, obj, a, b (little helpers keep
 * the layout independent of struct padding). */
static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int evlog_add_obj(struct meter *m, enum evlog_code code, enum meter_src src, uint32_t obj, int32_t a,
                  int32_t b)
{
    if ((unsigned)code >= EV_CODE_COUNT || code == 0)
        return METER_EINVAL;
    struct evlog *el = &m->evlog;
    unsigned log = evlog_log_of(code);
    uint8_t rec[EVLOG_REC_SIZE];
    put32(rec, (uint32_t)m->now);
    put32(rec + 4, el->head);
    rec[8] = (uint8_t)code;
    rec[9] = (uint8_t)((unsigned)code >> 8);
    rec[10] = (uint8_t)src;
    rec[11] = m->client; /* set by a server with several clients while it serves one */
    put32(rec + 12, obj);
    put32(rec + 16, (uint32_t)a);
    put32(rec + 20, (uint32_t)b);
    el->head++;
    el->count[log]++;
    m->legal.dirty = 1; /* counts reach the NVM with the next snapshot */
    if (log == EVLOG_METRO && evlog_count(m, EVLOG_METRO) >= evlog_depth(EVLOG_METRO)) {
        m->status |= METER_ST_LOG_FULL; /* never overwritten: counted, not stored */
        return METER_ENOSPC;
    }
    int r = store_log_append(&m->store, RING_EVLOG + log, rec);
    if (log == EVLOG_METRO && evlog_count(m, EVLOG_METRO) >= evlog_depth(EVLOG_METRO))
        m->status |= METER_ST_LOG_FULL;
    return r;
}

int evlog_add(struct meter *m, enum evlog_code code, enum meter_src src, int32_t a, int32_t b)
{
    return evlog_add_obj(m, code, src, 0, a, b);
}

uint32_t evlog_total(const struct meter *m, enum evlog_log log)
{
    return (unsigned)log < EVLOG_COUNT ? m->evlog.count[log] : 0;
}

uint32_t evlog_count(const struct meter *m, enum evlog_log log)
{
    return (unsigned)log < EVLOG_COUNT ? store_log_count(&m->store, RING_EVLOG + log) : 0;
}

int evlog_read(const struct meter *m, enum evlog_log log, uint32_t i, struct evlog_rec *out)
{
    uint8_t rec[EVLOG_REC_SIZE];
    if ((unsigned)log >= EVLOG_COUNT)
        return METER_ENOENT;
    int r = store_log_read(&m->store, RING_EVLOG + log, i, rec);
    if (r < 0)
        return r;
    out->time = get32(rec);
    out->seq = get32(rec + 4);
    out->code = (uint16_t)(rec[8] | rec[9] << 8);
    out->src = rec[10];
    out->client = rec[11];
    out->log = (uint8_t)log;
    out->obj = get32(rec + 12);
    out->a = (int32_t)get32(rec + 16);
    out->b = (int32_t)get32(rec + 20);
    return METER_OK;
}

int evlog_next(const struct meter *m, struct evlog_iter *it, struct evlog_rec *out)
{
    int best = -1;
    struct evlog_rec r;
    for (unsigned log = 0; log < EVLOG_COUNT; log++) {
        if (it->pos[log] >= evlog_count(m, (enum evlog_log)log) ||
            evlog_read(m, (enum evlog_log)log, it->pos[log], &r) < 0)
            continue;
        if (best < 0 || r.seq < out->seq) {
            best = (int)log;
            *out = r;
        }
    }
    if (best < 0)
        return METER_ENOENT;
    it->pos[best]++;
    return METER_OK;
}

uint32_t evlog_available(const struct meter *m)
{
    uint32_t n = 0;
    for (unsigned log = 0; log < EVLOG_COUNT; log++)
        n += evlog_count(m, (enum evlog_log)log);
    return n;
}

int evlog_get(const struct meter *m, uint32_t i, struct evlog_rec *out)
{
    struct evlog_iter it;
    memset(&it, 0, sizeof it);
    for (uint32_t k = 0;; k++) {
        int r = evlog_next(m, &it, out);
        if (r < 0 || k == i)
            return r;
    }
}

void evlog_session_start(struct meter *m, enum meter_src src)
{
    /* counted, not recorded: no client can push a record out or make the
     * meter write by connecting (legal/audit.h) */
    audit_session_start(m, src);
}
