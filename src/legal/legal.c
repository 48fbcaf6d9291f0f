/* legal.c — identification, CRC, self-test and the legal snapshot. */
#include "legal/legal.h"

#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"
#include "util/crc.h"

/* Layout of the snapshot: a record of another layout (older firmware) is
 * never read as this one (legal_restore: METER_ECORRUPT). Bump it when a
 * member changes; new members go to the end. */
#define LEGAL_SNAP_VERSION 2u

/* What survives a power cycle of the billing core, written whole. */
struct legal_snap {
    uint16_t version;      /* LEGAL_SNAP_VERSION */
    uint16_t size;         /* sizeof(struct legal_snap) */
    struct energy energy;
    struct demand demand;
    struct billing billing;
    struct evlog evlog;
    int64_t time;          /* meter time of the snapshot */
    uint32_t op_seconds;
    uint32_t fw_crc;       /* legal CRC of the firmware that wrote it */
    uint16_t changes;
    struct control_nv ui;  /* relay control state, prepay credit, counters, tamper alarms (src/control/control.h) */
    struct audit audit;    /* communication counters (legal/audit.h) */
    struct access_nv access; /* lockouts, last clock synchronisation (legal/access.h) */
    uint8_t restored;      /* registers rebuilt from evidence (METER_ST_RESTORED) */
    uint8_t pad[7];
};

/* The snapshot of firmware 0.1.0 (format 1: no version, eight event logs):
 * read and converted, so an upgrade keeps every register. Its members'
 * types are today's; whoever changes one of them freezes its version-1
 * layout here. */
struct legal_snap_v1 {
    struct energy energy;
    struct demand demand;
    struct billing billing;
    struct {
        uint32_t head;
        uint32_t count[8];
    } evlog;
    int64_t time;
    uint32_t op_seconds;
    uint32_t fw_crc;
    uint16_t changes;
    struct control_nv ui;
};

/* A version-1 record (s holds its bytes, zero-extended) into today's. */
static void legal_snap_from_v1(struct legal_snap *s)
{
    struct legal_snap_v1 v1;
    memcpy(&v1, s, sizeof v1);
    memset(s, 0, sizeof *s);
    s->version = LEGAL_SNAP_VERSION;
    s->size = (uint16_t)sizeof *s;
    s->energy = v1.energy;
    s->demand = v1.demand;
    s->billing = v1.billing;
    s->evlog.head = v1.evlog.head;
    for (unsigned k = 0; k < 8 && k < EVLOG_COUNT; k++)
        s->evlog.count[k] = v1.evlog.count[k];
    s->time = v1.time;
    s->op_seconds = v1.op_seconds;
    s->fw_crc = v1.fw_crc;
    s->changes = v1.changes;
    s->ui = v1.ui;
}

uint16_t legal_snapshot_size(void)
{
    return (uint16_t)sizeof(struct legal_snap);
}

uint32_t legal_crc(const struct meter *m)
{
    uint32_t idn;
    const char *id = fwimg_ident(m, &idn); /* the image running (legal/fwimage.h) */
    const struct meter_hal *hal = m->hal;
    const void *p = NULL;
    size_t n = 0;
    uint32_t crc = 0;
    if (hal != NULL && hal->legal_region != NULL && hal->legal_region(hal->ctx, &p, &n) == METER_OK && p != NULL)
        crc = crc32_ieee(crc, p, n);
    crc = crc32_ieee(crc, (const uint8_t *)id, idn);
    /* The legal rows' definitions (not their function addresses, which
     * move with every link on the host). */
    for (size_t i = 0, nrows = objtab_count(); i < nrows; i++) {
        const struct obj_def *o = objtab_at(i);
        if (!(o->flags & OBJ_F_LEGAL))
            continue;
        uint8_t d[12] = {o->ln.v[0], o->ln.v[1], o->ln.v[2], o->ln.v[3], o->ln.v[4], o->ln.v[5],
                         (uint8_t)o->ic, o->unit, (uint8_t)o->scaler, o->flags, o->rd, o->wr};
        crc = crc32_ieee(crc, d, sizeof d);
    }
    return crc;
}

int legal_save(struct meter *m)
{
    struct legal_snap s;
    /* Supply warning latched: the one emergency save at the end of this
     * main-loop pass writes it all (docs/STORE.md: one page in the hold-up). */
    if (m->power_fail && !(m->status & METER_ST_POWER_FAIL))
        return METER_OK;
    memset(&s, 0, sizeof s);
    s.version = LEGAL_SNAP_VERSION;
    s.size = (uint16_t)sizeof s;
    s.energy = m->energy;
    s.demand = m->demand;
    s.billing = m->billing;
    s.evlog = m->evlog;
    s.time = m->now;
    s.op_seconds = m->legal.op_seconds;
    s.fw_crc = m->legal.crc;
    s.changes = m->legal.changes;
    s.ui = m->control.nv;
    s.audit = m->legal.audit;
    access_save(m, &s.access);
    s.restored = m->legal.restored;
    m->legal.dirty = 0;
    m->legal.saved_at = m->now;
    return store_legal_write(&m->store, &s);
}

int legal_restore(struct meter *m, int64_t *last_time)
{
    struct legal_snap s;
    int r = store_legal_read(&m->store, &s);
    if (r < 0)
        return r;
    if (m->store.legal_len == sizeof(struct legal_snap_v1) && (s.version != LEGAL_SNAP_VERSION || s.size != sizeof s))
        legal_snap_from_v1(&s); /* written by firmware 0.1.0: converted */
    else if (s.version != LEGAL_SNAP_VERSION || s.size != sizeof s)
        return METER_ECORRUPT; /* another layout: its bytes mean other things */
    m->energy = s.energy;
    m->demand = s.demand;
    m->billing = s.billing;
    m->billing.next = -1;
    m->evlog = s.evlog;
    m->legal.op_seconds = s.op_seconds;
    m->legal.changes = s.changes;
    m->control.nv = s.ui;
    m->legal.crc = s.fw_crc; /* replaced by legal_boot(), which compares */
    m->legal.audit = s.audit;
    m->legal.restored = s.restored;
    access_restore(m, &s.access); /* after op_seconds */
    *last_time = s.time;
    return METER_OK;
}

/* ---- rebuilding the registers from evidence (legal.h) -------------------- */

/* A billed row's value in a snapshot, as uWh (energy) or at its scaler. */
static bool snap_value(const struct billing_rec *r, const char *code, int64_t *v)
{
    const struct obj_def *o = objtab_find_str(code);
    if (o == NULL || o->bill == 0 || o->bill > r->nslots)
        return false;
    *v = r->v[o->bill - 1];
    return true;
}

static uint64_t snap_uwh(const struct billing_rec *r, const char *code)
{
    const struct obj_def *o = objtab_find_str(code);
    int64_t v;
    if (o == NULL || !snap_value(r, code, &v) || v < 0)
        return 0;
    uint64_t x = (uint64_t)v;
    for (int k = o->scaler + 6; k > 0; k--) /* row scaler (Wh) -> uWh */
        x *= 10u;
    return x;
}

void legal_recover_begin(struct meter *m, int64_t *last_time)
{
    static const char *const totals[MEAS_QTY] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0"};
    struct billing_rec r;
    *last_time = 0;
    m->legal.evidence = 0;
    if (billing_snapshot_read(m, 1, &r) == METER_OK) {
        int64_t v;
        for (unsigned q = 0; q < MEAS_QTY; q++)
            m->energy.total[q] = snap_uwh(&r, totals[q]);
        for (unsigned t = 0; t < METER_TARIFFS; t++) {
            char ap[8] = "1.8.x", rp[8] = "3.8.x";
            ap[4] = rp[4] = (char)('1' + t);
            m->energy.tariff_ap[t] = snap_uwh(&r, ap);
            m->energy.tariff_rp[t] = snap_uwh(&r, rp);
        }
        if (snap_value(&r, "1.2.0", &v) && v > 0)
            m->demand.cum_w = v;
        if (snap_value(&r, "96.8.0", &v) && v > 0 && v < (int64_t)(UINT32_MAX / 3600u))
            m->legal.op_seconds = (uint32_t)v * 3600u;
        m->billing.count = r.period;
        m->billing.ref = r.time;
        *last_time = r.time;
        m->legal.evidence |= LEGAL_EV_BILLING;
    }
    /* the event logs: counts since manufacture at least what is stored,
     * the sequence on from the newest record */
    struct evlog_iter it;
    struct evlog_rec e;
    memset(&it, 0, sizeof it);
    uint32_t legal_changes = 0;
    while (evlog_next(m, &it, &e) == METER_OK) {
        m->legal.evidence |= LEGAL_EV_EVENTS;
        if (e.seq >= m->evlog.head)
            m->evlog.head = e.seq + 1u;
        if (e.time > *last_time)
            *last_time = e.time;
        if (e.code == EV_LEGAL_PARAM_CHANGE)
            legal_changes++;
    }
    for (unsigned log = 0; log < EVLOG_COUNT; log++)
        if (m->evlog.count[log] < evlog_count(m, (enum evlog_log)log))
            m->evlog.count[log] = evlog_count(m, (enum evlog_log)log);
    if (m->legal.changes < legal_changes)
        m->legal.changes = (uint16_t)(legal_changes < UINT16_MAX ? legal_changes : UINT16_MAX);
}

void legal_recover_end(struct meter *m, int reason, int64_t *last_time)
{
    /* the newest load-profile entry: absolute readings at its end */
    struct profile_cursor c;
    struct profile_entry e, last;
    bool have = false;
    profile_cursor_init(m, &c);
    while (profile_next(m, &c, &e) == METER_OK)
        if (e.time != 0 && !(e.status & PROFILE_ST_INVALID)) {
            last = e;
            have = true;
        }
    if (have) {
        m->legal.evidence |= LEGAL_EV_PROFILE;
        for (unsigned q = 0, k = 0; q < MEAS_QTY && k < last.n; q++) {
            if (!(last.channels & (1u << q)))
                continue;
            uint64_t uwh = last.abs[k] > 0 ? (uint64_t)last.abs[k] * 10000000u : 0; /* 0.01 kWh */
            if (uwh > m->energy.total[q])
                m->energy.total[q] = uwh; /* never below a reading it once had */
            k++;
        }
        if (last.time > *last_time)
            *last_time = last.time;
    }
    if (m->status & METER_ST_CLOCK_INVALID) {
        if (*last_time > 0)
            m->now = *last_time;
    }
    m->legal.restored = 1;
    m->status |= METER_ST_RESTORED | METER_ST_NVM_CORRUPT;
    evlog_add(m, EV_LEGAL_RESTORED, METER_SRC_INTERNAL, (int32_t)m->legal.evidence, reason);
}

static bool ram_test(struct legal *lg)
{
    volatile uint8_t *p = lg->scratch;
    bool ok = true;
    for (unsigned pass = 0; pass < 2; pass++) {
        uint8_t pat = pass ? 0xAAu : 0x55u;
        for (unsigned i = 0; i < sizeof lg->scratch; i++)
            p[i] = (uint8_t)(pat ^ i);
        for (unsigned i = 0; i < sizeof lg->scratch; i++)
            ok = ok && p[i] == (uint8_t)(pat ^ i);
    }
    return ok;
}

static void self_test(struct meter *m, uint32_t crc_expected)
{
    uint32_t bits = 0;
    if (legal_crc(m) != crc_expected)
        bits |= LEGAL_T_PROGRAM;
    if (!ram_test(&m->legal))
        bits |= LEGAL_T_RAM;
    if (m->status & (METER_ST_NVM_FAIL | METER_ST_NVM_CORRUPT))
        bits |= LEGAL_T_NVM;
    if (m->status & METER_ST_CLOCK_INVALID)
        bits |= LEGAL_T_CLOCK;
    uint32_t fresh = bits & ~m->legal.tests;
    m->legal.tests = bits;
    if (bits & (LEGAL_T_PROGRAM | LEGAL_T_RAM | LEGAL_T_NVM))
        m->status |= METER_ST_SELFTEST_FAIL;
    if (fresh)
        evlog_add(m, EV_SELFTEST_FAIL, METER_SRC_INTERNAL, (int32_t)fresh, (int32_t)bits);
}

void legal_boot(struct meter *m)
{
    uint32_t previous = m->legal.crc;
    m->legal.crc = legal_crc(m);
    if (previous != 0 && previous != m->legal.crc)
        evlog_add(m, EV_FW_CHANGED, METER_SRC_INTERNAL, (int32_t)previous, (int32_t)m->legal.crc);
    self_test(m, m->legal.crc);
    m->legal.next_test = m->now + 86400;
}

void legal_tick(struct meter *m)
{
    struct legal *lg = &m->legal;
    lg->op_seconds++;
    if (m->now >= lg->next_test) {
        self_test(m, lg->crc);
        lg->next_test = m->now + 86400;
    }
    /* Counters changed: within a minute; operating time: hourly. */
    int64_t age = m->now - lg->saved_at;
    if ((lg->dirty && age >= 60) || age >= 3600 || age < 0)
        legal_save(m);
}
