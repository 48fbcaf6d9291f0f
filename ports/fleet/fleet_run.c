/*
 * fleet_run.c — checks, start-up, the run loop, power and events.
 *
 * Time: the fleet's clock t_ms counts milliseconds after the template's
 * start. Second `sec` is handled in FLEET_SLICES slices; slice j feeds the
 * meters [n*j/S, n*(j+1)/S) their block of [sec, sec+1) at fleet time
 * (sec+1)*1000 + j*1000/S, then applies the events of second sec+1 to them
 * (so an event at second T reaches every meter before its block of T, as
 * in trimeter-sim). In real time a slice is handled when the wall clock
 * reaches its due time; in --fast at once. The clock the meters see is the
 * due time of the slice being handled, so a fleet that falls behind runs
 * slower (the sim/real ratio says so) but never skips or repeats a second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "calib.h"
#include "cosem/objtab.h"
#include "fleet.h"
#include "sim.h"

static volatile sig_atomic_t quit_flag;

void fleet_request_quit(void)
{
    quit_flag = 1;
}

bool fleet_quit_requested(void)
{
    return quit_flag != 0;
}

int64_t fleet_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double fleet_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- checks ------------------------------------------------------------------------ */

static void default_scenario(char *out, size_t n)
{
    snprintf(out, n, "%s", FLEET_DEFAULT_SCENARIO);
#ifdef FLEET_SOURCE_DIR
    if (access(out, R_OK) != 0)
        snprintf(out, n, "%s/%s", FLEET_SOURCE_DIR, FLEET_DEFAULT_SCENARIO);
#endif
}

/* Per segment: its tag (index + 1) and the untagged segment before it that
 * a meter without the tag sees instead (cyclic: the pattern repeats). */
static int plan_segments(struct fleet *f, char *err, size_t n)
{
    size_t ns = f->sc.nseg;
    f->seg_tag = calloc(ns, 1);
    f->seg_fallback = calloc(ns, sizeof *f->seg_fallback);
    if (f->seg_tag == NULL || f->seg_fallback == NULL) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (size_t k = 0; k < ns; k++) {
        const char *t = f->sc.seg[k].tag;
        f->seg_fallback[k] = (uint16_t)k;
        if (t[0] == '\0')
            continue;
        for (unsigned j = 0; j < f->plan.ntags; j++)
            if (strcmp(f->plan.tag[j], t) == 0)
                f->seg_tag[k] = (uint8_t)(j + 1u);
        size_t b = k;
        for (size_t step = 0; step < ns; step++) {
            b = (b + ns - 1) % ns;
            if (f->sc.seg[b].tag[0] == '\0')
                break;
        }
        if (f->sc.seg[b].tag[0] != '\0') {
            snprintf(err, n, "%s: segments[%zu].tag: every segment is tagged; a meter without \"%s\" needs an untagged "
                             "segment to fall back to", f->sc.file, k, t);
            return -1;
        }
        f->seg_fallback[k] = (uint16_t)b;
    }
    return 0;
}

int fleet_prepare(struct fleet *f, const struct fleet_opts *o, char *err, size_t n)
{
    memset(f, 0, sizeof *f);
    f->o = *o;
    f->st.fd = -1;
    f->net.ep = -1;
    f->net.metrics_fd = -1;
    if (fleet_plan_load(&f->plan, o->plan, err, n) < 0)
        return FLEET_EXIT_BAD_INPUT;
    if (o->scenario != NULL)
        snprintf(f->scenario_path, sizeof f->scenario_path, "%s", o->scenario);
    else if (f->plan.scenario[0] != '\0')
        snprintf(f->scenario_path, sizeof f->scenario_path, "%s", f->plan.scenario);
    else
        default_scenario(f->scenario_path, sizeof f->scenario_path);
    if (scenario_load(f->scenario_path, &f->sc, err, n) < 0)
        return FLEET_EXIT_BAD_INPUT;
    if (sim_scenario_check(&f->sc, err, n) < 0)
        return FLEET_EXIT_BAD_INPUT;
    if (fleet_plan_merge_template(&f->plan, &f->sc, err, n) < 0)
        return FLEET_EXIT_BAD_INPUT;
    if (plan_segments(f, err, n) < 0)
        return FLEET_EXIT_BAD_INPUT;
    for (size_t k = 0; k < f->plan.nranges; k++)
        if (f->plan.ranges[k].lo >= o->meters) {
            /* a group beyond the fleet is a typo worth a refusal */
            for (size_t e = 0; e < f->plan.nev; e++) {
                const struct fleet_target *t = &f->plan.ev[e].tg;
                if (k >= t->first && k < t->first + t->count) {
                    snprintf(err, n, "%s: %s: meters from %u on do not exist (--meters %u)", f->plan.file,
                             f->plan.ev[e].path, f->plan.ranges[k].lo, o->meters);
                    return FLEET_EXIT_BAD_INPUT;
                }
            }
        }
    /* where this run begins: the template's start, or where the state left off */
    f->t0_ms = 0;
    if (o->state_dir != NULL) {
        struct fleet_store_hdr h;
        bool exists;
        if (fleet_store_peek(o->state_dir, &h, &exists, err, n) < 0)
            return FLEET_EXIT_BAD_INPUT;
        if (exists) {
            if (h.serial_base != o->serial_base) {
                snprintf(err, n, "%s: the fleet there has --serial-base %llu, not %llu", o->state_dir,
                         (unsigned long long)h.serial_base, (unsigned long long)o->serial_base);
                return FLEET_EXIT_BAD_INPUT;
            }
            int64_t abs_ms = h.start_utc * 1000 + h.sim_ms;
            f->t0_ms = abs_ms - f->sc.start_utc * 1000;
            if (f->t0_ms < 0) {
                snprintf(err, n, "%s: the fleet there has run to %lld; the template %s starts later", o->state_dir,
                         (long long)(abs_ms / 1000), f->sc.file);
                return FLEET_EXIT_BAD_INPUT;
            }
            f->t0_ms -= f->t0_ms % 1000;
        }
    }
    f->n = o->meters;
    return FLEET_EXIT_OK;
}

/* ---- power ---------------------------------------------------------------------------- */

static void bootq_push(struct fleet *f, struct fleet_meter *fm)
{
    if (fm->flags & FM_F_QUEUED)
        return;
    fm->flags |= FM_F_QUEUED;
    f->bootq[(f->bootq_head + f->bootq_len) % f->n] = fm->idx;
    f->bootq_len++;
}

void fleet_power_down(struct fleet *f, struct fleet_meter *fm)
{
    if (fm->state == FM_BOOT) {
        fm->state = FM_OFF; /* the queued power-up finds it off and skips it */
        f->booting--;
        f->off++;
        fm->off_ms = f->t_ms;
        return;
    }
    if (fm->state != FM_ON)
        return;
    /* mains lost: the supply monitor warns, the core saves in the hold-up */
    meter_poll(&fm->m);
    fm->flags &= (uint8_t)~FM_F_SUPPLY;
    meter_power_fail(&fm->m);
    meter_poll(&fm->m);
    meter_poll(&fm->m);
    fleet_net_drop_meter(f, fm);
    fleet_active_remove(f, fm);
    fm->state = FM_OFF;
    fm->off_ms = f->t_ms;
    f->on--;
    f->off++;
    f->stats.power_downs++;
    fleet_store_release(&f->st, fm->idx);
}

void fleet_power_up(struct fleet *f, struct fleet_meter *fm)
{
    if (fm->state != FM_OFF)
        return;
    fm->state = FM_BOOT;
    f->off--;
    f->booting++;
    bootq_push(f, fm);
}

/* The factory writes the serial (a sealed, legal row) with the calibration
 * switch closed, as calib_write_meter() does; a resumed meter already has
 * it and is left alone. */
static int set_serial(struct meter *m, uint32_t *inputs, uint32_t serial)
{
    const struct obj_def *o = objtab_find_key("serial");
    struct obj_value v, cur;
    if (o == NULL)
        return METER_ENOENT;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    v.len = (uint8_t)snprintf(v.s, sizeof v.s, "%08u", serial);
    memset(&cur, 0, sizeof cur);
    if (o->get != NULL && o->get(m, o, &cur) == METER_OK && cur.type == OBJ_T_STRING && cur.len == v.len &&
        memcmp(cur.s, v.s, v.len) == 0)
        return METER_OK;
    uint32_t saved = *inputs;
    *inputs |= METER_IN_CAL_SWITCH;
    int r = obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_FACTORY);
    *inputs = saved;
    return r;
}

/* Power a meter up on its slot (thread-safe for distinct meters). At
 * start-up a fresh meter gets the factory calibration, every meter its
 * serial and the template's configuration. */
static int boot_meter(struct fleet *f, struct fleet_meter *fm, bool startup, char *err, size_t n)
{
    fm->flags |= FM_F_SUPPLY;
    fm->flags &= (uint8_t)~FM_F_SEG_VALID;
    meter_init(&fm->m, &fm->hal);
    if (startup) {
        if ((fm->flags & FM_F_FRESH) && f->have_cal && calib_write_meter(&fm->m, &fm->inputs, &f->cal) != 0) {
            snprintf(err, n, "meter %u: factory calibration refused", fm->idx);
            return -1;
        }
        int r = set_serial(&fm->m, &fm->inputs, (uint32_t)(f->o.serial_base + fm->idx));
        if (r < 0) {
            snprintf(err, n, "meter %u: serial refused: %s", fm->idx, meter_strerror(r));
            return -1;
        }
        if (sim_config_apply(&fm->m, &f->sc, true, 0, f->sc.nconfig_top, err, n) < 0)
            return -1;
    }
    fleet_store_release(&f->st, fm->idx); /* the mount's reads leave the page cache, not our RSS */
    fm->state = FM_ON;
    return 0;
}

void fleet_boot_some(struct fleet *f, int64_t budget_ns)
{
    int64_t t0 = budget_ns > 0 ? fleet_wall_ns() : 0;
    char err[256];
    while (f->bootq_len > 0) {
        struct fleet_meter *fm = &f->mt[f->bootq[f->bootq_head]];
        f->bootq_head = (f->bootq_head + 1) % f->n;
        f->bootq_len--;
        fm->flags &= (uint8_t)~FM_F_QUEUED;
        if (fm->state != FM_BOOT)
            continue;
        /* the RTC ran on its supercap meanwhile, or lost time */
        if (f->t_ms - fm->off_ms > (int64_t)FLEET_RTC_BACKUP_S * 1000)
            fm->flags &= (uint8_t)~FM_F_RTC_VALID;
        boot_meter(f, fm, false, err, sizeof err);
        f->booting--;
        f->on++;
        fm->power_ups++;
        f->stats.boots++;
        if (budget_ns > 0 && fleet_wall_ns() - t0 >= budget_ns)
            break;
    }
}

void fleet_active_add(struct fleet *f, struct fleet_meter *fm)
{
    if (fm->active >= 0)
        return;
    fm->active = (int32_t)f->nactive;
    f->active[f->nactive++] = fm->idx;
}

void fleet_active_remove(struct fleet *f, struct fleet_meter *fm)
{
    if (fm->active < 0)
        return;
    uint32_t last = f->active[--f->nactive];
    f->active[fm->active] = last;
    f->mt[last].active = fm->active;
    fm->active = -1;
}

/* ---- events --------------------------------------------------------------------------- */

static void apply_event(struct fleet *f, struct fleet_meter *fm, const struct fleet_event *e)
{
    char err[SCN_ERR_MAX];
    int r = METER_OK;
    f->stats.events_applied++;
    switch (e->type) {
    case FEV_OUTAGE: fleet_power_down(f, fm); return;
    case FEV_OUTAGE_END: fleet_power_up(f, fm); return;
    case FEV_SAG:
        fm->flags |= FM_F_SAG;
        fm->sag_pct = (uint8_t)e->pct;
        fm->flags &= (uint8_t)~FM_F_SEG_VALID;
        return;
    case FEV_SAG_END:
        fm->flags &= (uint8_t)~(FM_F_SAG | FM_F_SEG_VALID);
        return;
    case FEV_NET: fm->net = e->net; return;
    case FEV_NET_END: fm->net = fm->var.net; return;
    case FEV_INPUTS:
        fm->inputs = (fm->inputs | e->in_set) & ~e->in_clear;
        break;
    default:
        break;
    }
    if (fm->state != FM_ON)
        return; /* no supply: a command or a button does nothing */
    switch (e->type) {
    case FEV_REMOTE: r = sim_remote(&fm->m, e->command, e->kwh); break;
    case FEV_CLOCK_SET:
    case FEV_CLOCK_SYNC: {
        const struct obj_def *o = objtab_find_key("clock");
        struct obj_value v;
        memset(&v, 0, sizeof v);
        v.type = OBJ_T_DATETIME;
        v.i = e->type == FEV_CLOCK_SET ? e->time_utc : f->sc.start_utc + f->t_ms / 1000;
        r = o != NULL ? obj_write(&fm->m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM) : METER_ENOENT;
        break;
    }
    case FEV_BUTTON: meter_button(&fm->m, (enum meter_button)e->button, e->hold_ms); break;
    case FEV_CONFIG:
        if (sim_config_apply(&fm->m, &f->sc, false, e->cfg_first, e->ncfg, err, sizeof err) < 0)
            r = METER_EINVAL;
        break;
    default:
        break;
    }
    if (r < 0)
        f->stats.event_refusals++;
    meter_poll(&fm->m); /* the main loop sees the change at once */
}

static void apply_events(struct fleet *f, struct fleet_meter *fm, size_t lo, size_t hi)
{
    for (size_t k = lo; k < hi; k++)
        if (fleet_target_has(&f->plan, &f->plan.ev[k].tg, fm->idx))
            apply_event(f, fm, &f->plan.ev[k]);
}

/* Events of second `sec` (the half-open window [ev_lo, ev_hi)). */
static void event_window(struct fleet *f, int64_t sec)
{
    while (f->ev_next < f->plan.nev && f->plan.ev[f->ev_next].at_s < sec)
        f->ev_next++; /* before the run began (resume) */
    f->ev_lo = f->ev_next;
    while (f->ev_next < f->plan.nev && f->plan.ev[f->ev_next].at_s == sec)
        f->ev_next++;
    f->ev_hi = f->ev_next;
}

/* ---- the loop ---------------------------------------------------------------------------- */

static int64_t slice_due_ms(const struct fleet *f, int64_t sec, uint32_t j)
{
    (void)f;
    return (sec + 1) * 1000 + (int64_t)j * 1000 / FLEET_SLICES;
}

static void process_slice(struct fleet *f)
{
    uint32_t j = f->slice;
    uint32_t a = (uint32_t)((uint64_t)f->n * j / FLEET_SLICES);
    uint32_t b = (uint32_t)((uint64_t)f->n * (j + 1u) / FLEET_SLICES);
    if (j == 0) {
        event_window(f, f->sec + 1);
        /* written first: a fleet killed in this second resumes no later
         * than any meter's own clock (the others are at most 1 s behind) */
        fleet_store_set_time(&f->st, (f->sec + 1) * 1000);
    }
    f->t_ms = slice_due_ms(f, f->sec, j);
    for (uint32_t i = a; i < b; i++) {
        struct fleet_meter *fm = &f->mt[i];
        if (fm->state == FM_ON)
            fleet_feed_second(f, fm, f->sec);
        if (f->ev_lo < f->ev_hi)
            apply_events(f, fm, f->ev_lo, f->ev_hi);
    }
    if (++f->slice == FLEET_SLICES) {
        f->slice = 0;
        f->sec++;
    }
}

static void poll_active(struct fleet *f)
{
    for (uint32_t k = 0; k < f->nactive; k++)
        meter_poll(&f->mt[f->active[k]].m);
}

static bool done(const struct fleet *f)
{
    return f->slice == 0 && f->sec * 1000 >= f->end_ms;
}

void fleet_run_to(struct fleet *f, int64_t t_ms)
{
    while (!(f->slice == 0 && f->sec * 1000 >= t_ms) && !f->quit) {
        process_slice(f);
        fleet_boot_some(f, 0);
        if (f->net.ep >= 0) {
            fleet_net_wait(f, 0);
            fleet_net_flush(f);
            poll_active(f);
        }
    }
}

static void loop(struct fleet *f)
{
    int64_t next_poll = 0;
    f->wall0_ns = fleet_wall_ns();
    f->next_summary_ns = f->o.summary_every > 0 ? f->wall0_ns + (int64_t)(f->o.summary_every * 1e9) : INT64_MAX;
    f->last_summary_ns = f->wall0_ns;
    f->last_summary_ms = f->t_ms;
    f->last_summary_cpu = fleet_cpu_s(); /* the start-up's boots are reported on their own */
    int64_t start_ms = f->sec * 1000;
    f->wall_t_ms = start_ms;
    while (!done(f)) {
        if (quit_flag) {
            f->quit = true;
            break;
        }
        int64_t now = fleet_wall_ns();
        /* slices that are due (fast: one, then the network gets a look) */
        for (uint32_t k = 0; k < FLEET_SLICES && !done(f); k++) {
            int64_t due = slice_due_ms(f, f->sec, f->slice);
            if (!f->o.fast && f->wall0_ns + (due - start_ms) * 1000000 > now)
                break;
            process_slice(f);
            if (f->o.fast)
                break;
        }
        if (f->bootq_len > 0)
            fleet_boot_some(f, 10000000); /* at most 10 ms per pass: the rest keep their time */
        now = fleet_wall_ns();
        if (now >= next_poll) {
            poll_active(f);
            next_poll = now + FLEET_POLL_MS * 1000000LL;
        }
        if (now >= f->next_summary_ns) {
            fleet_summary_line(f, stderr);
            f->next_summary_ns = now + (int64_t)(f->o.summary_every * 1e9);
        }
        int timeout = 0;
        if (!f->o.fast && f->bootq_len == 0 && !done(f)) {
            int64_t due = f->wall0_ns + (slice_due_ms(f, f->sec, f->slice) - start_ms) * 1000000;
            int64_t w = (due - fleet_wall_ns() + 999999) / 1000000;
            if (f->nactive > 0 && w > FLEET_POLL_MS)
                w = FLEET_POLL_MS;
            timeout = w > 0 ? (int)w : 0;
        }
        if (f->net.ep >= 0) {
            fleet_net_wait(f, timeout);
            fleet_net_flush(f);
        } else if (timeout > 0) {
            struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
}

/* ---- start-up ------------------------------------------------------------------------------ */

/* Levels that events before this run left (resume): inputs, network
 * state, a sag or an outage still in force. Returns false when the meter
 * is in an outage at t0 (it stays off until the outage's end). */
static bool replay_levels(struct fleet *f, struct fleet_meter *fm)
{
    int64_t t0 = f->t0_ms / 1000;
    bool on = true;
    for (size_t k = 0; k < f->plan.nev; k++) {
        const struct fleet_event *e = &f->plan.ev[k];
        if (e->at_s >= t0)
            break;
        bool inforce = e->at_s + e->dur_s > t0;
        if (!fleet_target_has(&f->plan, &e->tg, fm->idx))
            continue;
        switch (e->type) {
        case FEV_INPUTS: fm->inputs = (fm->inputs | e->in_set) & ~e->in_clear; break;
        case FEV_NET: if (inforce) fm->net = e->net; break;
        case FEV_SAG:
            if (inforce) {
                fm->flags |= FM_F_SAG;
                fm->sag_pct = (uint8_t)e->pct;
            }
            break;
        case FEV_OUTAGE: if (inforce) on = false; break;
        default: break;
        }
    }
    return on;
}

struct boot_job {
    struct fleet *f;
    atomic_uint next;
    atomic_int failed;
    char err[512];
    pthread_mutex_t lock;
};

static void *boot_worker(void *arg)
{
    struct boot_job *j = arg;
    struct fleet *f = j->f;
    char err[512];
    for (;;) {
        unsigned first = atomic_fetch_add(&j->next, 64u);
        if (first >= f->n || atomic_load(&j->failed))
            break;
        unsigned last = first + 64u < f->n ? first + 64u : f->n;
        for (unsigned i = first; i < last; i++) {
            struct fleet_meter *fm = &f->mt[i];
            if (fm->state != FM_BOOT)
                continue;
            if (boot_meter(f, fm, true, err, sizeof err) < 0) {
                pthread_mutex_lock(&j->lock);
                if (!atomic_load(&j->failed))
                    snprintf(j->err, sizeof j->err, "%s", err);
                atomic_store(&j->failed, 1);
                pthread_mutex_unlock(&j->lock);
                return NULL;
            }
        }
    }
    return NULL;
}

static unsigned boot_threads(const struct fleet *f)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = f->o.threads ? f->o.threads : (cpus > 0 ? (unsigned)cpus : 1u);
    if (t > 64)
        t = 64;
    if (t > f->n / 64u + 1u)
        t = f->n / 64u + 1u;
    return t;
}

int fleet_start(struct fleet *f, char *err, size_t n)
{
    int64_t w0 = fleet_wall_ns();
    double c0 = fleet_cpu_s();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max; /* connections and listeners */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    f->st.hdr.serial_base = f->o.serial_base;
    f->st.hdr.start_utc = f->sc.start_utc;
    f->st.hdr.sim_ms = f->t0_ms;
    if (fleet_store_open(&f->st, f->o.state_dir, f->n, err, n) < 0)
        return FLEET_EXIT_FAIL;
    f->mt = calloc(f->n, sizeof *f->mt);
    f->bootq = calloc(f->n, sizeof *f->bootq);
    f->active = calloc(f->n, sizeof *f->active);
    f->ws_scratch = malloc(sizeof *f->ws_scratch);
    if (f->mt == NULL || f->bootq == NULL || f->active == NULL || f->ws_scratch == NULL) {
        snprintf(err, n, "out of memory for %u meters", f->n);
        return FLEET_EXIT_FAIL;
    }
    f->t_ms = f->t0_ms;
    f->sec = f->t0_ms / 1000;
    f->end_ms = INT64_MAX;
    if (f->o.until_set && f->o.until_abs) {
        int64_t d = (f->o.until - f->sc.start_utc) * 1000;
        f->end_ms = d > f->t0_ms ? d : f->t0_ms;
    } else if (f->o.until_set) {
        f->end_ms = f->t0_ms + f->o.until * 1000;
    } else {
        int64_t p = f->sc.period_s * 1000;
        f->end_ms = (f->t0_ms / p + 1) * p; /* the end of the pattern in progress, as trimeter-sim */
    }
    bool any_fresh = false;
    for (uint32_t i = 0; i < f->n; i++) {
        struct fleet_meter *fm = &f->mt[i];
        fm->f = f;
        fm->idx = i;
        fm->active = -1;
        for (unsigned l = 0; l < FLEET_LINES; l++)
            fm->conn[l] = -1;
        fleet_hal_bind(fm);
        fleet_vary(&f->plan, f->o.vary_set, f->o.vary_seed, i, &fm->var);
        fm->net = fm->var.net;
        fm->relay[METER_RELAY_MAIN] = true;
        fleet_rtc_set(fm, f->t_ms, f->sc.start_utc + f->t_ms / 1000);
        fleet_store_scan(&f->st, i, fm->written);
        if ((fm->written[0] | fm->written[1]) == 0) {
            fm->flags |= FM_F_FRESH;
            any_fresh = true;
        }
        if (replay_levels(f, fm)) {
            fm->state = FM_BOOT;
            f->booting++;
        } else {
            fm->state = FM_OFF;
            fm->off_ms = f->t_ms;
            f->off++;
        }
    }
    for (unsigned k = 0; k < f->o.nsamples; k++)
        if (fleet_samples_attach(f, &f->mt[f->o.samples[k]]) < 0) {
            snprintf(err, n, "out of memory (samples feed)");
            return FLEET_EXIT_FAIL;
        }
    if (any_fresh) {
        /* every fresh virtual meter is the same unit (trimeter-sim's factory seed) */
        struct adc_model adc;
        adc_init_default(&adc, 382u);
        if (calib_measure(&adc, 382u, &f->cal) != 0) {
            snprintf(err, n, "factory calibration of the virtual meter failed");
            return FLEET_EXIT_FAIL;
        }
        f->have_cal = true;
    }
    /* power every meter up, on all CPUs (meters share nothing) */
    struct boot_job job;
    memset(&job, 0, sizeof job);
    job.f = f;
    atomic_init(&job.next, 0u);
    atomic_init(&job.failed, 0);
    pthread_mutex_init(&job.lock, NULL);
    unsigned nt = boot_threads(f);
    pthread_t th[64];
    unsigned started = 0;
    for (unsigned t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, boot_worker, &job) == 0)
            started++;
    boot_worker(&job);
    for (unsigned t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&job.lock);
    if (atomic_load(&job.failed)) {
        snprintf(err, n, "%s", job.err);
        return FLEET_EXIT_FAIL;
    }
    for (uint32_t i = 0; i < f->n; i++)
        if (f->mt[i].state == FM_ON) {
            f->on++;
            f->booting--;
        }
    /* events at the very first second reach the meters before its block */
    event_window(f, f->sec);
    for (uint32_t i = 0; i < f->n && f->ev_lo < f->ev_hi; i++)
        apply_events(f, &f->mt[i], f->ev_lo, f->ev_hi);
    f->stats.boot_cpu_s = fleet_cpu_s() - c0;
    f->stats.startup_wall_s = (double)(fleet_wall_ns() - w0) / 1e9;
    return FLEET_EXIT_OK;
}

int fleet_run(struct fleet *f, char *err, size_t n)
{
    f->wall_start_ns = fleet_wall_ns();
    f->cpu0_s = fleet_cpu_s();
    int r = fleet_start(f, err, n);
    if (r != FLEET_EXIT_OK)
        return r;
    if (fleet_net_open(f, err, n) < 0)
        return FLEET_EXIT_FAIL;
    fprintf(stderr, "trimeter-fleet: %u meters up in %.1f s (%.1f s CPU)%s\n", f->n, f->stats.startup_wall_s,
            f->stats.boot_cpu_s, f->st.existed ? ", resumed" : "");
    if (f->o.net_set) {
        char a[48], b[48];
        fleet_net_address(f, 0, a, sizeof a);
        fleet_net_address(f, f->n - 1u, b, sizeof b);
        fprintf(stderr, "trimeter-fleet: meters served at %s .. %s\n", a, b);
    }
    if (f->o.metrics_set) {
        struct in_addr ma = {htonl(f->o.metrics_addr)};
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &ma, a, sizeof a);
        fprintf(stderr, "trimeter-fleet: metrics at http://%s:%u/metrics\n", a, (unsigned)f->o.metrics_port);
    }
    fflush(stderr);
    loop(f);
    return FLEET_EXIT_OK;
}

void fleet_shutdown(struct fleet *f)
{
    if (f->mt != NULL) {
        for (uint32_t i = 0; i < f->n; i++)
            if (f->mt[i].state == FM_ON)
                fleet_power_down(f, &f->mt[i]);
    }
    fleet_net_close(f);
    if (f->st.fd >= 0)
        fleet_store_set_time(&f->st, f->t_ms);
    fleet_store_close(&f->st);
}

void fleet_free(struct fleet *f)
{
    fleet_shutdown(f);
    if (f->mt != NULL)
        for (uint32_t i = 0; i < f->n; i++)
            fleet_samples_free(&f->mt[i]);
    free(f->mt);
    free(f->bootq);
    free(f->active);
    free(f->ws_scratch);
    free(f->seg_tag);
    free(f->seg_fallback);
    scenario_free(&f->sc);
    fleet_plan_free(&f->plan);
    f->mt = NULL;
    f->bootq = NULL;
    f->active = NULL;
    f->ws_scratch = NULL;
    f->seg_tag = NULL;
    f->seg_fallback = NULL;
}
