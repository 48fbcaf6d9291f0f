/* legal.c — identification, CRC, self-test and the legal snapshot. */
#include "legal/legal.h"

#include <string.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"
#include "util/crc.h"

/* What survives a power cycle of the billing core, written whole. */
struct legal_snap {
    struct energy energy;
    struct demand demand;
    struct billing billing;
    struct evlog evlog;
    int64_t time;          /* meter time of the snapshot */
    uint32_t op_seconds;
    uint32_t fw_crc;       /* legal CRC of the firmware that wrote it */
    uint16_t changes;
    struct control_nv ui;  /* relay control state, prepay credit, counters, tamper alarms (src/control/control.h) */
};

uint16_t legal_snapshot_size(void)
{
    return (uint16_t)sizeof(struct legal_snap);
}

uint32_t legal_crc(const struct meter *m)
{
    static const char id[] = METER_FW_NAME " " METER_FW_VERSION;
    const struct meter_hal *hal = m->hal;
    const void *p = NULL;
    size_t n = 0;
    uint32_t crc = 0;
    if (hal != NULL && hal->legal_region != NULL && hal->legal_region(hal->ctx, &p, &n) == METER_OK && p != NULL)
        crc = crc32_ieee(crc, p, n);
    crc = crc32_ieee(crc, (const uint8_t *)id, sizeof id - 1);
    /* The legal rows' definitions (not their function addresses, which
     * move with every link on the host). */
    for (size_t i = 0; i < objtab_count(); i++) {
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
    s.energy = m->energy;
    s.demand = m->demand;
    s.billing = m->billing;
    s.evlog = m->evlog;
    s.time = m->now;
    s.op_seconds = m->legal.op_seconds;
    s.fw_crc = m->legal.crc;
    s.changes = m->legal.changes;
    s.ui = m->control.nv;
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
    m->energy = s.energy;
    m->demand = s.demand;
    m->billing = s.billing;
    m->billing.next = -1;
    m->evlog = s.evlog;
    m->legal.op_seconds = s.op_seconds;
    m->legal.changes = s.changes;
    m->control.nv = s.ui;
    m->legal.crc = s.fw_crc; /* replaced by legal_boot(), which compares */
    *last_time = s.time;
    return METER_OK;
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
