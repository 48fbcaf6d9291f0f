/* access.c — password lockout and the clock-setting policy (see access.h). */
#include "legal/access.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/audit.h"
#include "legal/config.h"
#include "trimeter/meter.h"

static uint32_t access_ms(const struct meter *m)
{
    return m->hal != NULL && m->hal->ms_now != NULL ? m->hal->ms_now(m->hal->ctx) : 0;
}

/* ---- password lockout ------------------------------------------------------- */

static struct access_lock *lock_of(struct meter *m, enum access_lock_id id)
{
    return (unsigned)id < ACCESS_LOCKS ? &m->legal.access.lock[id] : NULL;
}

/* End a lockout whose time is over: saved, so a reboot does not bring it back. */
static bool lock_expire(struct meter *m, struct access_lock *l)
{
    if (!l->locked || (int32_t)(access_ms(m) - l->until_ms) < 0)
        return false;
    l->locked = 0;
    l->tries = 0;
    legal_save(m);
    return true;
}

int access_lock_check(struct meter *m, enum access_lock_id id)
{
    struct access_lock *l = lock_of(m, id);
    if (l == NULL)
        return METER_EINVAL;
    lock_expire(m, l);
    return l->locked ? METER_EBUSY : METER_OK;
}

void access_lock_pass(struct meter *m, enum access_lock_id id)
{
    struct access_lock *l = lock_of(m, id);
    if (l != NULL)
        l->tries = 0; /* RAM: the next snapshot carries it */
}

bool access_lock_fail(struct meter *m, enum access_lock_id id, unsigned max_tries, uint32_t lock_s,
                      enum meter_src src)
{
    struct access_lock *l = lock_of(m, id);
    audit_bad_secret(m, src);
    if (l == NULL || l->locked)
        return false;
    if (l->tries < UINT8_MAX)
        l->tries++;
    if (max_tries == 0 || l->tries < max_tries)
        return false; /* counted in RAM only */
    if (lock_s > UINT32_MAX / 1000u)
        lock_s = UINT32_MAX / 1000u;
    l->locked = 1;
    l->until_ms = access_ms(m) + lock_s * 1000u;
    evlog_add(m, EV_LOCKOUT, src, (int32_t)id, (int32_t)lock_s);
    legal_save(m); /* a reboot keeps the lockout */
    return true;
}

uint32_t access_lock_left_s(const struct meter *m, enum access_lock_id id)
{
    if ((unsigned)id >= ACCESS_LOCKS)
        return 0;
    const struct access_lock *l = &m->legal.access.lock[id];
    if (!l->locked)
        return 0;
    int32_t left = (int32_t)(l->until_ms - access_ms(m));
    return left > 0 ? ((uint32_t)left + 999u) / 1000u : 0;
}

void access_poll(struct meter *m)
{
    for (unsigned k = 0; k < ACCESS_LOCKS; k++)
        if (m->legal.access.lock[k].locked)
            lock_expire(m, &m->legal.access.lock[k]);
}

/* ---- clock ---------------------------------------------------------------- */

bool access_clock_relevant(const struct meter *m, int64_t delta_s)
{
    int64_t w = m->legal.access.cfg.sync_window_s;
    return delta_s > w || delta_s < -w;
}

int access_clock_check(struct meter *m, const struct obj_def *o, enum meter_access acc, int64_t utc,
                       enum meter_src src)
{
    struct access *a = &m->legal.access;
    int64_t d = utc - m->now;
    uint32_t op = m->legal.op_seconds;
    uint32_t obj = obj_packed(o);
    if (acc < o->wr) {
        /* no authentication: a synchronisation, once per interval */
        uint32_t interval = (uint32_t)m->legal.access.cfg.sync_interval_h * 3600u;
        if (access_clock_relevant(m, d)) {
            audit_refusal(m, src, obj, AUDIT_ACCESS);
            return METER_EACCES;
        }
        if (a->sync_done && op - a->sync_op < interval) {
            audit_refusal(m, src, obj, AUDIT_RATE);
            return METER_EBUSY;
        }
        return METER_OK;
    }
    if (op - a->sets_op >= 3600u) {
        a->sets_op = op;
        a->sets = 0;
    }
    if (a->sets >= METER_CLOCK_SETS_PER_HOUR) {
        audit_refusal(m, src, obj, AUDIT_RATE);
        return METER_EBUSY;
    }
    if (access_clock_relevant(m, d) && !audit_metro_room(m)) {
        audit_refusal(m, src, obj, AUDIT_LOG_FULL);
        return METER_ENOSPC;
    }
    return METER_OK;
}

void access_clock_done(struct meter *m, const struct obj_def *o, enum meter_access acc, int64_t delta_s)
{
    struct access *a = &m->legal.access;
    (void)delta_s;
    if (acc < o->wr) {
        a->sync_op = m->legal.op_seconds;
        a->sync_done = 1;
    } else if (a->sets < UINT8_MAX) {
        a->sets++;
    }
}

/* ---- persistence ------------------------------------------------------------ */

void access_save(const struct meter *m, struct access_nv *nv)
{
    const struct access *a = &m->legal.access;
    memset(nv, 0, sizeof *nv);
    for (unsigned k = 0; k < ACCESS_LOCKS; k++) {
        nv->tries[k] = a->lock[k].tries;
        nv->lock_left_s[k] = access_lock_left_s(m, (enum access_lock_id)k);
        if (a->lock[k].locked && nv->lock_left_s[k] == 0)
            nv->lock_left_s[k] = 1; /* ends at the next check, which saves */
    }
    nv->sync_op = a->sync_op;
    nv->sync_done = a->sync_done;
}

void access_restore(struct meter *m, const struct access_nv *nv)
{
    struct access *a = &m->legal.access;
    uint32_t now = access_ms(m);
    struct access_cfg cfg = a->cfg; /* loaded by config_load, not by the snapshot */
    memset(a, 0, sizeof *a);
    a->cfg = cfg;
    for (unsigned k = 0; k < ACCESS_LOCKS; k++) {
        a->lock[k].tries = nv->tries[k];
        if (nv->lock_left_s[k] != 0) {
            uint32_t left = nv->lock_left_s[k] < UINT32_MAX / 1000u ? nv->lock_left_s[k] : UINT32_MAX / 1000u;
            a->lock[k].locked = 1;
            a->lock[k].until_ms = now + left * 1000u;
        }
    }
    a->sync_op = nv->sync_op;
    a->sync_done = nv->sync_done;
    a->sets_op = m->legal.op_seconds;
}

/* ---- configuration section ---------------------------------------------------- */

static void *access_cfg_ram(struct meter *m)
{
    return &m->legal.access.cfg;
}

static void access_cfg_factory(struct meter *m)
{
    /* time synchronisation without authentication: +-9 s once a day */
    memset(&m->legal.access.cfg, 0, sizeof m->legal.access.cfg);
    m->legal.access.cfg.sync_window_s = 9;
    m->legal.access.cfg.sync_interval_h = 24;
}

static int access_cfg_check(struct meter *m)
{
    const struct access_cfg *c = &m->legal.access.cfg;
    return c->sync_window_s <= 60 && c->sync_interval_h >= 1 && c->sync_interval_h <= 168 ? METER_OK : METER_EINVAL;
}

const struct cfg_section access_cfg_section = {
    .id = CFG_ID_ACCESS,
    .version = 1,
    .size = sizeof(struct access_cfg),
    .legal = true,
    .ram = access_cfg_ram,
    .factory = access_cfg_factory,
    .check = access_cfg_check,
};
