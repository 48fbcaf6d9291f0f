/*
 * The store's power-loss and bit-flip suite (the littlefs / Zephyr NVS way).
 *
 * A synthetic application drives the store: energy registers committed at
 * every change of their last digit (0.01 kWh) and saved on demand at full
 * resolution, billing snapshots, load-profile, event and logger records,
 * configuration changes, log clears and record-size changes, clean reboots.
 * An oracle keeps what must be on NVM (the committed state) and the one
 * operation in flight.
 *
 *   exhaustive [pages]  every program operation of a workload is cut at
 *                       every byte (ECC word left undefined, and a clean
 *                       prefix) and in its write cycle; each torn image is
 *                       remounted and checked, the workload goes on a few
 *                       steps (with a nested cut in the recovery mount now
 *                       and then) and is checked again
 *   random N SEED       one long workload, power cut after a random number
 *                       of programmed bytes, N times, recover and go on
 *   flips [all]         every byte (every bit with `all`) of a snapshot
 *                       image flipped in turn: the data must read back
 *                       exactly, damage to live records must be reported
 *
 * Invariants after every remount: the legal snapshot is the last committed
 * one or the one in flight (so registers never go backwards and lose at
 * most one resolution step), the configuration is old or new, every log
 * holds exactly its committed records plus at most the one in flight, a
 * clear/resize happened entirely or not at all, and a power cut is never
 * reported as corruption. Prints the cut points / flips tried and exits 1
 * on any violation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmdev.h"
#include "store/store.h"
#include "trimeter/err.h"

#define LEGAL 136u
#define CONFIG 300u
#define NREG 6u
#define STEP_UWH 10000000ull /* 0.01 kWh in uWh */
#define NLOGS 4u
#define MAXREC 64u
#define MAXDEPTH 64u

enum { L_BILLING, L_PROFILE, L_EVENT, L_LOGGER };
static const struct store_log_def defs[NLOGS] = {{64, 4}, {4, 24}, {16, 12}, {24, 6}};
static const struct store_log_def profile_alt = {8, 12};

enum { IF_NONE, IF_LEGAL, IF_CONFIG, IF_APPEND, IF_CLEAR, IF_RESIZE };

struct mlog {
    uint16_t rec;
    uint32_t depth, n;
    uint8_t r[MAXDEPTH][MAXREC]; /* oldest first */
};

struct model {
    uint8_t legal[LEGAL]; /* committed */
    bool has_legal;
    uint8_t ram[LEGAL];   /* the application's RAM */
    uint8_t config[CONFIG];
    bool has_config;
    uint32_t counter;     /* makes every record distinct */
    struct mlog log[NLOGS];
};

struct inflight {
    int kind;
    unsigned log;
    uint16_t rec;
    uint32_t depth;
    uint8_t data[CONFIG];
};

struct stats {
    uint64_t cuts, cuts_nested, checks, violations, legal_checks, flips, flips_live, flips_detected, flips_crc_newest;
    uint64_t steps, ops;
};

static struct stats S;
static int verbose;

struct run {
    struct nvmdev *dev;
    struct store st;
    struct store_layout lay;
    struct model m;
    struct inflight inf;
    uint64_t rng;
};

static uint32_t rnd(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static uint64_t reg_of(const uint8_t *legal, unsigned k)
{
    uint64_t v;
    memcpy(&v, legal + 8u * k, 8);
    return v;
}

static void violation(const char *what, const char *ctx)
{
    S.violations++;
    if (S.violations <= 20)
        fprintf(stderr, "VIOLATION: %s (%s)\n", what, ctx);
}

static void layout_init(struct store_layout *l)
{
    memset(l, 0, sizeof *l);
    l->legal_size = LEGAL;
    l->config_size = CONFIG;
    l->nlogs = NLOGS;
    for (unsigned i = 0; i < NLOGS; i++)
        l->logs[i] = defs[i];
}

static void model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < NLOGS; i++) {
        m->log[i].rec = defs[i].rec_size;
        m->log[i].depth = defs[i].depth;
    }
}

static void mlog_append(struct mlog *g, const uint8_t *rec)
{
    if (g->n == g->depth) {
        memmove(g->r[0], g->r[1], (size_t)(g->depth - 1) * MAXREC);
        g->n--;
    }
    memcpy(g->r[g->n++], rec, g->rec);
}

/* ---- checking a mounted store against the oracle ------------------------ */

static bool log_matches(struct store *st, unsigned L, const struct mlog *g, const uint8_t *extra)
{
    uint8_t buf[MAXREC];
    uint32_t n = g->n, skip = 0;
    if (extra != NULL) {
        if (n == g->depth)
            skip = 1;
        else
            n++;
    }
    if (store_log_count(st, L) != n || store_log_rec_size(st, L) != g->rec || store_log_depth(st, L) != g->depth)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *want = i + skip < g->n ? g->r[i + skip] : extra;
        if (store_log_read(st, L, i, buf) != METER_OK || memcmp(buf, want, g->rec) != 0)
            return false;
    }
    return true;
}

/* Check the mounted store; adopt the in-flight operation into the model
 * when it made it (and the RAM state from NVM, as a rebooted meter does). */
static void check(struct run *r, int mount_rc, const char *ctx)
{
    struct model *m = &r->m;
    struct inflight *f = &r->inf;
    struct store *st = &r->st;
    S.checks++;
    if (mount_rc != METER_OK || (st->flags & (STORE_F_FAILED | STORE_F_NOSPACE)))
        violation("mount failed", ctx);
    if (st->flags & STORE_F_CORRUPT)
        violation("a power cut reported as corruption", ctx);
    /* legal snapshot */
    uint8_t buf[CONFIG];
    int e = store_legal_read(st, buf);
    bool is_new = f->kind == IF_LEGAL && e == METER_OK && memcmp(buf, f->data, LEGAL) == 0;
    bool is_old = m->has_legal ? e == METER_OK && memcmp(buf, m->legal, LEGAL) == 0 : e == METER_ENOENT;
    if (!is_new && !is_old) {
        violation("legal snapshot neither committed nor in flight", ctx);
    } else if (e == METER_OK) {
        S.legal_checks++;
        for (unsigned k = 0; k < NREG; k++) {
            uint64_t got = reg_of(buf, k), ram = reg_of(m->ram, k);
            if (m->has_legal && got < reg_of(m->legal, k))
                violation("register went backwards", ctx);
            if (got > ram || ram / STEP_UWH - got / STEP_UWH > 1)
                violation("register lost more than one resolution step", ctx);
        }
    }
    if (is_new) {
        memcpy(m->legal, f->data, LEGAL);
        m->has_legal = true;
    }
    if (m->has_legal)
        memcpy(m->ram, m->legal, LEGAL);
    else
        memset(m->ram, 0, LEGAL);
    /* configuration */
    e = store_config_read(st, buf);
    is_new = f->kind == IF_CONFIG && e == METER_OK && memcmp(buf, f->data, CONFIG) == 0;
    is_old = m->has_config ? e == METER_OK && memcmp(buf, m->config, CONFIG) == 0 : e == METER_ENOENT;
    if (!is_new && !is_old)
        violation("configuration neither old nor new", ctx);
    if (is_new) {
        memcpy(m->config, f->data, CONFIG);
        m->has_config = true;
    }
    /* logs */
    for (unsigned L = 0; L < NLOGS; L++) {
        struct mlog *g = &m->log[L];
        bool mine = f->log == L;
        if (log_matches(st, L, g, NULL))
            continue; /* as committed (an in-flight change did not happen) */
        if (mine && f->kind == IF_APPEND && log_matches(st, L, g, f->data)) {
            mlog_append(g, f->data);
            continue;
        }
        if (mine && (f->kind == IF_CLEAR || f->kind == IF_RESIZE)) {
            struct mlog empty;
            empty.rec = f->kind == IF_RESIZE ? f->rec : g->rec;
            empty.depth = f->kind == IF_RESIZE ? f->depth : g->depth;
            empty.n = 0;
            if (log_matches(st, L, &empty, NULL)) {
                g->rec = empty.rec;
                g->depth = empty.depth;
                g->n = 0;
                continue;
            }
        }
        violation(L == L_PROFILE ? "profile inconsistent" : "log inconsistent", ctx);
    }
    f->kind = IF_NONE;
}

/* ---- the workload -------------------------------------------------------- */

static void rec_fill(uint8_t *p, unsigned n, uint32_t c, unsigned L)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(c * 167u + i * 29u + L * 71u + (c >> 8));
}

static int do_legal(struct run *r)
{
    struct model *m = &r->m;
    uint32_t c = ++m->counter;
    memcpy(m->ram + 8u * NREG + 4u, &c, 4);
    for (unsigned i = 8u * NREG + 8u; i < LEGAL; i++)
        m->ram[i] = (uint8_t)(c + i);
    r->inf.kind = IF_LEGAL;
    memcpy(r->inf.data, m->ram, LEGAL);
    int e = store_legal_write(&r->st, m->ram);
    if (e == METER_OK) {
        memcpy(m->legal, m->ram, LEGAL);
        m->has_legal = true;
        r->inf.kind = IF_NONE;
    }
    return e;
}

static int do_append(struct run *r, unsigned L)
{
    struct mlog *g = &r->m.log[L];
    r->inf.kind = IF_APPEND;
    r->inf.log = L;
    rec_fill(r->inf.data, g->rec, ++r->m.counter, L);
    int e = store_log_append(&r->st, L, r->inf.data);
    if (e == METER_OK) {
        mlog_append(g, r->inf.data);
        r->inf.kind = IF_NONE;
    }
    return e;
}

static int remount(struct run *r)
{
    memset(&r->st, 0x5a, sizeof r->st);
    return store_mount(&r->st, &r->dev->hal, &r->lay);
}

/* One application step; returns the store's result (METER_EIO once the
 * power is gone). */
static int step(struct run *r)
{
    struct model *m = &r->m;
    uint32_t x = rnd(&r->rng) % 1000u;
    int e = METER_OK;
    S.steps++;
    r->inf.log = NLOGS;
    if (x < 520) { /* energy: commit when a register's last digit changes */
        unsigned k = rnd(&r->rng) % NREG;
        uint64_t v = reg_of(m->ram, k), w = v + 1u + rnd(&r->rng) % (STEP_UWH - 1u);
        memcpy(m->ram + 8u * k, &w, 8);
        if (w / STEP_UWH != v / STEP_UWH)
            e = do_legal(r);
    } else if (x < 560) { /* power-fail save at full resolution */
        e = do_legal(r);
    } else if (x < 690) {
        e = do_append(r, L_PROFILE);
    } else if (x < 800) {
        e = do_append(r, L_EVENT);
    } else if (x < 860) {
        e = do_append(r, L_LOGGER);
    } else if (x < 890) { /* end of billing: counter in the snapshot, then the record */
        uint32_t b;
        memcpy(&b, m->ram + 8u * NREG, 4);
        b++;
        memcpy(m->ram + 8u * NREG, &b, 4);
        e = do_legal(r);
        if (e == METER_OK)
            e = do_append(r, L_BILLING);
    } else if (x < 925) {
        r->inf.kind = IF_CONFIG;
        rec_fill(r->inf.data, CONFIG, ++m->counter, 9);
        e = store_config_write(&r->st, r->inf.data);
        if (e == METER_OK) {
            memcpy(m->config, r->inf.data, CONFIG);
            m->has_config = true;
        }
    } else if (x < 940) {
        unsigned L = rnd(&r->rng) % 2 ? L_PROFILE : L_EVENT;
        r->inf.kind = IF_CLEAR;
        r->inf.log = L;
        e = store_log_clear(&r->st, L);
        if (e == METER_OK)
            m->log[L].n = 0;
    } else if (x < 950) {
        struct mlog *g = &m->log[L_PROFILE];
        const struct store_log_def *d = g->rec == defs[L_PROFILE].rec_size ? &profile_alt : &defs[L_PROFILE];
        r->inf.kind = IF_RESIZE;
        r->inf.log = L_PROFILE;
        r->inf.rec = d->rec_size;
        r->inf.depth = d->depth;
        e = store_log_resize(&r->st, L_PROFILE, d->rec_size, d->depth);
        if (e == METER_OK) {
            g->rec = d->rec_size;
            g->depth = d->depth;
            g->n = 0;
        }
    } else { /* a clean reset */
        r->inf.kind = IF_NONE;
        e = remount(r);
        if (r->dev->hw.eeprom.off)
            return METER_EIO;
        check(r, e, "clean reboot");
        /* the boot's own resize, as the application does after mount */
        struct mlog *g = &m->log[L_PROFILE];
        e = store_log_resize(&r->st, L_PROFILE, g->rec, g->depth);
    }
    if (e == METER_OK)
        r->inf.kind = IF_NONE;
    else if (!r->dev->hw.eeprom.off)
        violation("store call failed with power on", meter_strerror(e));
    return e;
}

static int run_start(struct run *r, struct nvmdev *dev, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->dev = dev;
    r->rng = seed;
    layout_init(&r->lay);
    model_init(&r->m);
    int e = remount(r);
    return e == METER_OK && (r->st.flags & STORE_F_FORMATTED) ? METER_OK : METER_EIO;
}

/* ---- exhaustive: fork a torn copy at every byte of every operation ------ */

struct exh {
    struct run *main;
    struct nvmdev fork;
    struct run sub;
    uint64_t op;
    int continue_steps;
};

/* Recover a torn image: mount (sometimes cut once more inside the mount's
 * own repairs), check, carry on a few steps, remount, check again. */
static void recover_and_go_on(struct run *sub, uint64_t seed, int steps, const char *ctx)
{
    struct eeprom *e = &sub->dev->hw.eeprom;
    eeprom_power_on(e);
    uint64_t rs = seed;
    if (rnd(&rs) % 8 == 0) {
        /* nested cut: power fails again while the mount repairs */
        eeprom_cut_after(e, rnd(&rs) % 600u, EEPROM_TEAR_WORD, rnd(&rs));
        remount(sub);
        if (e->off)
            S.cuts_nested++;
        eeprom_power_on(e);
    }
    check(sub, remount(sub), ctx);
    for (int i = 0; i < steps; i++)
        if (step(sub) != METER_OK)
            return;
    sub->inf.kind = IF_NONE;
    check(sub, remount(sub), "after recovery and more steps");
}

static void exh_hook(void *ctx, struct eeprom *e, uint32_t addr, const void *buf, size_t len)
{
    struct exh *x = ctx;
    (void)e;
    x->op++;
    static const enum eeprom_tear modes[2] = {EEPROM_TEAR_WORD, EEPROM_TEAR_PREFIX};
    for (size_t n = 0; n <= len; n++) {
        for (unsigned mi = 0; mi < 2; mi++) {
            enum eeprom_tear mode = n == len ? EEPROM_TEAR_CYCLE : modes[mi];
            if (n == len && mi == 1)
                break;
            struct eeprom *fe = &x->fork.hw.eeprom;
            memcpy(x->fork.img, x->main->dev->img, x->fork.size);
            eeprom_power_on(fe);
            uint64_t seed = x->op * 1000003u + n * 7u + mi;
            eeprom_cut_after(fe, n == len ? 0 : n, mode, (uint32_t)(seed | 1u));
            if (mode == EEPROM_TEAR_CYCLE)
                eeprom_cut_after(fe, len / 2, mode, (uint32_t)(seed | 1u));
            eeprom_program(fe, addr, buf, len);
            S.cuts++;
            x->sub = *x->main;
            x->sub.dev = &x->fork;
            x->sub.rng = seed;
            char ctx_s[96];
            snprintf(ctx_s, sizeof ctx_s, "op %llu at 0x%05x, cut after byte %zu of %zu, mode %u",
                     (unsigned long long)x->op, (unsigned)addr, n, len, (unsigned)mode);
            recover_and_go_on(&x->sub, seed, x->continue_steps, ctx_s);
        }
    }
}

static int exhaustive(uint32_t size, uint32_t page, unsigned steps)
{
    static struct exh x;
    static struct run r;
    struct nvmdev dev;
    if (nvmdev_open(&dev, size, page) < 0 || nvmdev_open(&x.fork, size, page) < 0)
        return 2;
    if (run_start(&r, &dev, 42) < 0)
        return 2;
    x.main = &r;
    x.continue_steps = 4;
    dev.hw.eeprom.before_program = exh_hook;
    dev.hw.eeprom.hook_ctx = &x;
    for (unsigned i = 0; i < steps; i++)
        if (step(&r) != METER_OK)
            break;
    dev.hw.eeprom.before_program = NULL;
    r.inf.kind = IF_NONE;
    check(&r, remount(&r), "end of workload");
    S.ops += x.op;
    printf("powerloss exhaustive (%u KiB, %u-byte pages): %u steps, %llu program operations, "
           "%llu cut points (every byte x {undefined ECC word, clean prefix} + write cycle), "
           "%llu nested cuts in recovery mounts, %llu checks, %llu violations\n",
           (unsigned)(size / 1024u), (unsigned)page, steps, (unsigned long long)x.op, (unsigned long long)S.cuts,
           (unsigned long long)S.cuts_nested, (unsigned long long)S.checks, (unsigned long long)S.violations);
    nvmdev_close(&dev);
    nvmdev_close(&x.fork);
    return 0;
}

/* ---- random: one long life with power cuts ------------------------------ */

static int random_run(uint32_t size, uint32_t page, uint64_t cuts, uint64_t seed)
{
    static struct run r;
    struct nvmdev dev;
    if (nvmdev_open(&dev, size, page) < 0 || run_start(&r, &dev, seed) < 0)
        return 2;
    struct eeprom *e = &dev.hw.eeprom;
    uint64_t rs = seed ^ 0xabcdef;
    uint64_t done = 0, before = S.cuts;
    static const enum eeprom_tear modes[3] = {EEPROM_TEAR_WORD, EEPROM_TEAR_PREFIX, EEPROM_TEAR_CYCLE};
    while (done < cuts) {
        eeprom_cut_after(e, rnd(&rs) % 3000u, modes[rnd(&rs) % 3u], rnd(&rs) | 1u);
        while (step(&r) == METER_OK)
            ;
        if (!e->off)
            break; /* a violation already reported */
        done++;
        S.cuts++;
        recover_and_go_on(&r, rnd(&rs), 0, "random cut");
        if (S.violations > 20)
            break;
    }
    eeprom_power_on(e);
    r.inf.kind = IF_NONE;
    check(&r, remount(&r), "end of random run");
    uint32_t pg;
    uint32_t worn = eeprom_max_wear(e, &pg);
    printf("powerloss random (%u KiB, %u-byte pages, seed %llu): %llu cut points, %llu steps, "
           "%llu program operations, most-worn page %u (%u cycles), %llu violations so far\n",
           (unsigned)(size / 1024u), (unsigned)page, (unsigned long long)seed,
           (unsigned long long)(S.cuts - before), (unsigned long long)S.steps, (unsigned long long)e->ops,
           (unsigned)pg, (unsigned)worn, (unsigned long long)S.violations);
    nvmdev_close(&dev);
    return 0;
}

/* ---- flips: every stored byte of a snapshot ----------------------------- */

/* Live bytes: the newest record of every dual copy and every readable log
 * record. Damage there must be reported. */
/* The CRC of the newest record of copy B and of a log (where a write cut
 * inside the CRC can leave the same picture as a flip there) is marked 2:
 * the data must read back exactly, a report is not required. */
static void mark_dual(const struct store *st, const struct store_ring *r, uint32_t payload, uint8_t *live,
                      bool crc_exempt)
{
    if (r->count == 0)
        return;
    uint32_t idx = r->next == 0 ? r->nslots - 1 : r->next - 1, a = store_slot_addr(st, r, idx);
    uint32_t n = store_blob_bytes(payload);
    memset(live + a, 1, n);
    if (crc_exempt)
        memset(live + a + n - 4, 2, 4);
}

static void mark_live(const struct store *st, uint8_t *live)
{
    for (unsigned c = 0; c < 2; c++) {
        mark_dual(st, &st->super[c], STORE_SUPER_PAYLOAD, live, c == 1);
        mark_dual(st, &st->legal[c], st->layout.legal_size, live, c == 1);
        mark_dual(st, &st->config[c], st->layout.config_size, live, c == 1);
    }
    for (unsigned L = 0; L < st->layout.nlogs; L++) {
        const struct store_ring *r = &st->logs[L];
        for (uint32_t i = 0; i < r->count; i++) {
            uint32_t a = store_slot_addr(st, r, (r->next + r->nslots - r->count + i) % r->nslots);
            memset(live + a, 1, r->slot);
            if (i + 1 == r->count)
                memset(live + a + r->slot - 4, 2, 4);
        }
    }
}

static int flips(uint32_t size, uint32_t page, bool all_bits)
{
    static struct run r, sub;
    struct nvmdev dev, fk;
    if (nvmdev_open(&dev, size, page) < 0 || nvmdev_open(&fk, size, page) < 0 || run_start(&r, &dev, 7) < 0)
        return 2;
    /* a snapshot with wrapped rings and two copies of everything */
    for (unsigned i = 0; i < 3000; i++)
        if (step(&r) != METER_OK)
            return 2;
    r.inf.kind = IF_NONE;
    check(&r, remount(&r), "snapshot");
    uint8_t *live = calloc(size, 1);
    if (live == NULL)
        return 2;
    mark_live(&r.st, live);
    for (uint32_t a = 0; a < size; a++) {
        for (unsigned b = 0; b < 8; b++) {
            if (!all_bits && b != a % 8u)
                continue;
            memcpy(fk.img, dev.img, size);
            eeprom_power_on(&fk.hw.eeprom);
            eeprom_flip(&fk.hw.eeprom, a, (uint8_t)(1u << b));
            sub = r;
            sub.dev = &fk;
            S.flips++;
            int e = remount(&sub);
            bool detected = (sub.st.flags & STORE_F_CORRUPT) != 0;
            sub.st.flags &= ~(uint32_t)STORE_F_CORRUPT; /* check() treats it as a cut's false alarm */
            char ctx_s[64];
            snprintf(ctx_s, sizeof ctx_s, "bit %u of byte 0x%05x%s", b, (unsigned)a, live[a] ? " (live)" : "");
            uint64_t v = S.violations;
            check(&sub, e, ctx_s);
            if (live[a] == 1) {
                S.flips_live++;
                if (detected)
                    S.flips_detected++;
                else
                    violation("flipped bit in a live record not reported", ctx_s);
            } else if (live[a] == 2) {
                S.flips_crc_newest++;
            }
            if (S.violations != v && verbose)
                fprintf(stderr, "  after %s\n", ctx_s);
        }
    }
    uint64_t nlive = 0;
    for (uint32_t a = 0; a < size; a++)
        nlive += live[a] != 0;
    printf("bit flips (%u KiB, %u-byte pages): %llu flips tried (%s), %llu bytes live; %llu flips hit live "
           "records, %llu of them reported; %llu hit the CRC of a newest record (repaired silently); "
           "all data read back exactly: %s\n",
           (unsigned)(size / 1024u), (unsigned)page, (unsigned long long)S.flips,
           all_bits ? "every bit of every byte" : "one bit of every byte", (unsigned long long)nlive,
           (unsigned long long)S.flips_live, (unsigned long long)S.flips_detected,
           (unsigned long long)S.flips_crc_newest, S.violations ? "NO" : "yes");
    free(live);
    nvmdev_close(&dev);
    nvmdev_close(&fk);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 2;
    verbose = getenv("POWERLOSS_VERBOSE") != NULL;
    if (argc >= 2 && strcmp(argv[1], "exhaustive") == 0) {
        unsigned steps = argc >= 3 ? (unsigned)strtoul(argv[2], NULL, 0) : 400u;
        rc = exhaustive(64u * 1024u, 512u, steps);
    } else if (argc >= 4 && strcmp(argv[1], "random") == 0) {
        uint64_t n = strtoull(argv[2], NULL, 0), seed = strtoull(argv[3], NULL, 0);
        rc = random_run(64u * 1024u, 512u, n / 2u, seed);
        if (rc == 0)
            rc = random_run(32u * 1024u, 256u, n - n / 2u, seed + 1u);
        printf("powerloss random total: %llu cut points, %llu violations\n", (unsigned long long)S.cuts,
               (unsigned long long)S.violations);
    } else if (argc >= 2 && strcmp(argv[1], "flips") == 0) {
        rc = flips(64u * 1024u, 512u, argc >= 3 && strcmp(argv[2], "all") == 0);
    } else {
        fprintf(stderr, "usage: %s exhaustive [steps] | random N SEED | flips [all]\n", argv[0]);
        return 2;
    }
    if (rc != 0)
        return rc;
    return S.violations == 0 ? 0 : 1;
}
