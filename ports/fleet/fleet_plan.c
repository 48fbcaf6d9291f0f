/*
 * fleet_plan.c — the fleet scenario file (docs/FLEET.md): the template it
 * runs, per-meter variation, network shares and events for groups of
 * meters. Strict like scenario.c: unknown keys, wrong types and values out
 * of range are refused with the file and the JSON path.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

#define PLAN_FILE_MAX (4u * 1024u * 1024u)
#define PLAN_RANGES_MAX 100000u

struct pc {
    struct scn_json j; /* where refusals go */
    struct fleet_plan *p;
};

/* "0-99,200,300-310" into plan ranges, each bound scaled by mul (feeders). */
static int get_ranges(struct pc *c, const cJSON *j, const char *path, uint64_t mul, struct fleet_target *t)
{
    const char *s = NULL;
    if (scn_json_string(&c->j, j, path, &s) < 0)
        return -1;
    t->first = (uint32_t)c->p->nranges;
    const char *q = s;
    if (*q == '\0')
        return scn_json_fail(&c->j, path, "empty list (e.g. \"0-99,200\")");
    while (*q != '\0') {
        char *end;
        if (*q < '0' || *q > '9')
            return scn_json_fail(&c->j, path, "expected numbers and ranges like \"0-99,200\", not \"%s\"", s);
        errno = 0;
        unsigned long long lo = strtoull(q, &end, 10), hi = lo;
        q = end;
        if (*q == '-') {
            q++;
            if (*q < '0' || *q > '9')
                return scn_json_fail(&c->j, path, "expected numbers and ranges like \"0-99,200\", not \"%s\"", s);
            hi = strtoull(q, &end, 10);
            q = end;
        }
        if (errno != 0 || hi < lo || hi >= FLEET_METERS_MAX)
            return scn_json_fail(&c->j, path, "range %llu-%llu is empty or too large", lo, hi);
        if (*q == ',')
            q++;
        else if (*q != '\0')
            return scn_json_fail(&c->j, path, "expected numbers and ranges like \"0-99,200\", not \"%s\"", s);
        if (c->p->nranges >= PLAN_RANGES_MAX)
            return scn_json_fail(&c->j, path, "more than %u ranges in the file", PLAN_RANGES_MAX);
        struct fleet_range *nr = realloc(c->p->ranges, (c->p->nranges + 1) * sizeof *nr);
        if (nr == NULL)
            return scn_json_fail(&c->j, path, "out of memory");
        c->p->ranges = nr;
        uint64_t a = lo * mul, b = (hi + 1) * mul - 1;
        if (b >= FLEET_METERS_MAX)
            b = FLEET_METERS_MAX - 1;
        nr[c->p->nranges].lo = (uint32_t)a;
        nr[c->p->nranges].hi = (uint32_t)b;
        c->p->nranges++;
    }
    t->count = (uint32_t)c->p->nranges - t->first;
    return 0;
}

static int get_target(struct pc *c, const cJSON *e, const char *path, unsigned idx, struct fleet_target *t)
{
    char p[SCN_PATH_MAX];
    const cJSON *x;
    memset(t, 0, sizeof *t);
    t->share = 1.0;
    t->salt = 0x5eed0000u + idx;
    bool m = (x = cJSON_GetObjectItemCaseSensitive(e, "meters")) != NULL;
    if (m) {
        scn_json_key(p, path, "meters");
        if (get_ranges(c, x, p, 1, t) < 0)
            return -1;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(e, "feeders")) != NULL) {
        scn_json_key(p, path, "feeders");
        if (m)
            return scn_json_fail(&c->j, p, "give \"meters\" or \"feeders\", not both");
        if (c->p->feeder_size == 0)
            return scn_json_fail(&c->j, p, "needs \"feeder_size\" at the top level (meters per feeder)");
        if (get_ranges(c, x, p, c->p->feeder_size, t) < 0)
            return -1;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(e, "share")) != NULL) {
        scn_json_key(p, path, "share");
        if (scn_json_number(&c->j, x, p, 0.0, 1.0, &t->share) < 0)
            return -1;
    }
    return 0;
}

bool fleet_target_has(const struct fleet_plan *p, const struct fleet_target *t, uint32_t meter)
{
    if (t->count > 0) {
        bool in = false;
        for (uint32_t k = t->first; k < t->first + t->count && !in; k++)
            in = meter >= p->ranges[k].lo && meter <= p->ranges[k].hi;
        if (!in)
            return false;
    }
    return t->share >= 1.0 || fleet_rand01(t->salt, meter, 0x7a7a) < t->share;
}

/* ---- sections ----------------------------------------------------------------------- */

static int parse_vary(struct pc *c, const cJSON *j)
{
    static const char *const keys[] = {"load_scale", "time_shift", "imbalance_pct", "clock_drift_ppm", "tags", NULL};
    char p[SCN_PATH_MAX];
    const cJSON *x;
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, "vary", "must be an object");
    if (scn_json_keys(&c->j, j, "vary", keys) < 0)
        return -1;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "load_scale")) != NULL) {
        if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != 2)
            return scn_json_fail(&c->j, "vary.load_scale", "must be [lowest, highest] (e.g. [0.5, 1.5])");
        if (scn_json_number(&c->j, cJSON_GetArrayItem(x, 0), "vary.load_scale[0]", 0.0, 10.0, &c->p->scale_lo) < 0 ||
            scn_json_number(&c->j, cJSON_GetArrayItem(x, 1), "vary.load_scale[1]", 0.0, 10.0, &c->p->scale_hi) < 0)
            return -1;
        if (c->p->scale_hi < c->p->scale_lo)
            return scn_json_fail(&c->j, "vary.load_scale", "highest below lowest");
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "time_shift")) != NULL &&
        scn_json_duration(&c->j, x, "vary.time_shift", true, &c->p->shift_s) < 0)
        return -1;
    if (c->p->shift_s > 12 * 3600)
        return scn_json_fail(&c->j, "vary.time_shift", "at most 12h");
    double pct = 0.0;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "imbalance_pct")) != NULL) {
        if (scn_json_number(&c->j, x, "vary.imbalance_pct", 0.0, 100.0, &pct) < 0)
            return -1;
        c->p->imbalance = pct / 100.0;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "clock_drift_ppm")) != NULL &&
        scn_json_number(&c->j, x, "vary.clock_drift_ppm", 0.0, 1000.0, &c->p->drift_ppm) < 0)
        return -1;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "tags")) != NULL) {
        if (!cJSON_IsObject(x))
            return scn_json_fail(&c->j, "vary.tags", "must be an object of tag: share (e.g. {\"pv\": 0.3})");
        for (const cJSON *t = x->child; t != NULL; t = t->next) {
            scn_json_key(p, "vary.tags", t->string);
            size_t len = strlen(t->string);
            if (len == 0 || len >= sizeof c->p->tag[0])
                return scn_json_fail(&c->j, p, "a tag has 1 to %zu characters", sizeof c->p->tag[0] - 1);
            unsigned k;
            for (k = 0; k < c->p->ntags; k++)
                if (strcmp(c->p->tag[k], t->string) == 0)
                    break;
            if (k == c->p->ntags) {
                if (c->p->ntags == FLEET_TAGS_MAX)
                    return scn_json_fail(&c->j, p, "at most %u tags", FLEET_TAGS_MAX);
                memcpy(c->p->tag[c->p->ntags++], t->string, len + 1);
            }
            if (scn_json_number(&c->j, t, p, 0.0, 1.0, &c->p->tag_share[k]) < 0)
                return -1;
        }
    }
    return 0;
}

static int parse_network(struct pc *c, const cJSON *j)
{
    static const char *const keys[] = {"unreachable", "unreachable_mode", "slow", "slow_delay_ms", NULL};
    const cJSON *x;
    double v = 0.0;
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, "network", "must be an object");
    if (scn_json_keys(&c->j, j, "network", keys) < 0)
        return -1;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "unreachable")) != NULL &&
        scn_json_number(&c->j, x, "network.unreachable", 0.0, 1.0, &c->p->unreachable) < 0)
        return -1;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "slow")) != NULL &&
        scn_json_number(&c->j, x, "network.slow", 0.0, 1.0, &c->p->slow) < 0)
        return -1;
    if (c->p->unreachable + c->p->slow > 1.0)
        return scn_json_fail(&c->j, "network", "unreachable + slow shares above 1");
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "slow_delay_ms")) != NULL) {
        if (scn_json_number(&c->j, x, "network.slow_delay_ms", 0.0, 600000.0, &v) < 0)
            return -1;
        c->p->slow_ms = (uint32_t)v;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "unreachable_mode")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, "network.unreachable_mode", &s) < 0)
            return -1;
        if (strcmp(s, "silent") == 0)
            c->p->unreachable_silent = true;
        else if (strcmp(s, "reset") == 0)
            c->p->unreachable_silent = false;
        else
            return scn_json_fail(&c->j, "network.unreachable_mode", "unknown mode \"%s\" (reset, silent)", s);
    }
    return 0;
}

static const struct {
    const char *name;
    uint8_t type;
} ev_types[] = {
    {"outage", FEV_OUTAGE}, {"sag", FEV_SAG}, {"unreachable", FEV_NET}, {"slow", FEV_NET},
    {"remote", FEV_REMOTE}, {"clock_set", FEV_CLOCK_SET}, {"clock_sync", FEV_CLOCK_SYNC},
    {"cover_open", FEV_INPUTS}, {"cover_close", FEV_INPUTS}, {"magnet_on", FEV_INPUTS},
    {"magnet_off", FEV_INPUTS}, {"button", FEV_BUTTON},
};

static int add_event(struct pc *c, const struct fleet_event *e)
{
    struct fleet_event *ne = realloc(c->p->ev, (c->p->nev + 1) * sizeof *ne);
    if (ne == NULL)
        return scn_json_fail(&c->j, e->path, "out of memory");
    c->p->ev = ne;
    ne[c->p->nev++] = *e;
    return 0;
}

static int parse_event(struct pc *c, const cJSON *j, const char *path, unsigned idx)
{
    static const char *const remote_names[] = {"disconnect", "reconnect", "release", "billing_reset", "topup"};
    char p[SCN_PATH_MAX];
    const cJSON *x;
    struct fleet_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.path, sizeof e.path, "%s", path);
    e.order = idx * 2u + 1u;
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, path, "must be an object");
    scn_json_key(p, path, "type");
    const char *type = NULL;
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "type")) == NULL)
        return scn_json_fail(&c->j, p, "missing (the event type)");
    if (scn_json_string(&c->j, x, p, &type) < 0)
        return -1;
    size_t t;
    for (t = 0; t < sizeof ev_types / sizeof ev_types[0]; t++)
        if (strcmp(ev_types[t].name, type) == 0)
            break;
    if (t == sizeof ev_types / sizeof ev_types[0])
        return scn_json_fail(&c->j, p, "unknown event type \"%s\" (outage, sag, unreachable, slow, remote, clock_set, clock_sync, "
                          "cover_open, cover_close, magnet_on, magnet_off, button)", type);
    e.type = ev_types[t].type;
    const char *k1 = NULL, *k2 = NULL;
    switch (e.type) {
    case FEV_OUTAGE: k1 = "duration"; break;
    case FEV_SAG: k1 = "duration"; k2 = "pct"; break;
    case FEV_NET: k1 = "duration"; break;
    case FEV_REMOTE: k1 = "command"; k2 = "kwh"; break;
    case FEV_CLOCK_SET: k1 = "time"; break;
    case FEV_BUTTON: k1 = "button"; k2 = "hold_s"; break;
    default: break;
    }
    const char *keys[] = {"at", "type", "meters", "feeders", "share", k1, k2, NULL};
    if (scn_json_keys(&c->j, j, path, keys) < 0)
        return -1;
    scn_json_key(p, path, "at");
    if ((x = cJSON_GetObjectItemCaseSensitive(j, "at")) == NULL)
        return scn_json_fail(&c->j, p, "missing (a duration after the template's start, e.g. \"2h\")");
    if (scn_json_duration(&c->j, x, p, true, &e.at_s) < 0)
        return -1;
    if (get_target(c, j, path, idx, &e.tg) < 0)
        return -1;
    if (k1 != NULL) {
        scn_json_key(p, path, k1);
        if ((x = cJSON_GetObjectItemCaseSensitive(j, k1)) == NULL)
            return scn_json_fail(&c->j, p, "missing (required by \"%s\" events)", type);
    }
    const char *s = NULL;
    switch (e.type) {
    case FEV_OUTAGE:
    case FEV_NET:
        if (scn_json_duration(&c->j, x, p, false, &e.dur_s) < 0)
            return -1;
        e.net = strcmp(type, "unreachable") == 0 ? FNET_UNREACHABLE : FNET_SLOW;
        break;
    case FEV_SAG:
        if (scn_json_duration(&c->j, x, p, false, &e.dur_s) < 0)
            return -1;
        scn_json_key(p, path, "pct");
        if ((x = cJSON_GetObjectItemCaseSensitive(j, "pct")) == NULL)
            return scn_json_fail(&c->j, p, "missing (the remaining voltage in %% of nominal, e.g. 70)");
        if (scn_json_number(&c->j, x, p, 1.0, 99.0, &e.pct) < 0)
            return -1;
        break;
    case FEV_REMOTE: {
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        size_t r;
        for (r = 0; r < sizeof remote_names / sizeof remote_names[0]; r++)
            if (strcmp(remote_names[r], s) == 0)
                break;
        if (r == sizeof remote_names / sizeof remote_names[0])
            return scn_json_fail(&c->j, p, "unknown command \"%s\" (disconnect, reconnect, release, billing_reset, topup)", s);
        e.command = (enum scn_remote)r;
        scn_json_key(p, path, "kwh");
        x = cJSON_GetObjectItemCaseSensitive(j, "kwh");
        if (e.command == SCN_RC_TOPUP) {
            if (x == NULL)
                return scn_json_fail(&c->j, p, "missing (topup needs the credit in kWh)");
            if (scn_json_number(&c->j, x, p, 0.0, 1e6, &e.kwh) < 0)
                return -1;
        } else if (x != NULL) {
            return scn_json_fail(&c->j, p, "only allowed with command \"topup\"");
        }
        break;
    }
    case FEV_CLOCK_SET: {
        const char *why;
        int off;
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        if (scenario_parse_time(s, &e.time_utc, &off, &why) < 0)
            return scn_json_fail(&c->j, p, "bad time \"%s\": %s", s, why);
        break;
    }
    case FEV_INPUTS:
        if (strcmp(type, "cover_open") == 0)
            e.in_set = METER_IN_COVER_OPEN;
        else if (strcmp(type, "cover_close") == 0)
            e.in_clear = METER_IN_COVER_OPEN;
        else if (strcmp(type, "magnet_on") == 0)
            e.in_set = METER_IN_MAGNET;
        else
            e.in_clear = METER_IN_MAGNET;
        break;
    case FEV_BUTTON: {
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        if (strcmp(s, "display") == 0)
            e.button = METER_BTN_DISPLAY;
        else if (strcmp(s, "disconnector") == 0)
            e.button = METER_BTN_DISCONNECT;
        else
            return scn_json_fail(&c->j, p, "unknown button \"%s\" (display, disconnector)", s);
        e.hold_ms = 200;
        scn_json_key(p, path, "hold_s");
        double h = 0.0;
        if ((x = cJSON_GetObjectItemCaseSensitive(j, "hold_s")) != NULL) {
            if (scn_json_number(&c->j, x, p, 0.0, SCN_HOLD_MAX_S, &h) < 0)
                return -1;
            e.hold_ms = (uint32_t)llround(h * 1000.0);
        }
        break;
    }
    default:
        break;
    }
    if (add_event(c, &e) < 0)
        return -1;
    if (e.type == FEV_OUTAGE || e.type == FEV_SAG || e.type == FEV_NET) {
        struct fleet_event end = e;
        end.type = (uint8_t)(e.type + 1); /* the matching _END */
        end.at_s = e.at_s + e.dur_s;
        end.order = idx * 2u; /* an end sorts before a start at the same second */
        if (add_event(c, &end) < 0)
            return -1;
    }
    return 0;
}

static void plan_defaults(struct fleet_plan *p)
{
    memset(p, 0, sizeof *p);
    p->scale_lo = 0.5;
    p->scale_hi = 1.5;
    p->shift_s = 30 * 60;
    p->imbalance = 0.15;
    p->slow_ms = 2000;
    static const struct {
        const char *name;
        double share;
    } tags[] = {{"pv", 0.3}, {"ev", 0.2}};
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++) {
        snprintf(p->tag[k], sizeof p->tag[k], "%s", tags[k].name);
        p->tag_share[k] = tags[k].share;
    }
    p->ntags = 2;
}

static int plan_parse(struct pc *c, const char *text)
{
    static const char *const keys[] = {"description", "scenario", "feeder_size", "vary", "network", "events", NULL};
    cJSON *root = scn_json_parse(&c->j, text);
    int r = -1;
    const cJSON *x;
    if (root == NULL)
        return -1;
    if (!cJSON_IsObject(root)) {
        scn_json_fail(&c->j, "", "must be a JSON object");
        goto out;
    }
    if (scn_json_keys(&c->j, root, "", keys) < 0)
        goto out;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "description")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, "description", &s) < 0)
            goto out;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "scenario")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, "scenario", &s) < 0)
            goto out;
        if (s[0] == '/') {
            snprintf(c->p->scenario, sizeof c->p->scenario, "%s", s);
        } else {
            /* relative to the fleet file */
            const char *slash = strrchr(c->p->file, '/');
            int dl = slash != NULL ? (int)(slash - c->p->file) : 0;
            if (slash != NULL)
                snprintf(c->p->scenario, sizeof c->p->scenario, "%.*s/%s", dl, c->p->file, s);
            else
                snprintf(c->p->scenario, sizeof c->p->scenario, "%s", s);
        }
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "feeder_size")) != NULL) {
        double v = 0.0;
        if (scn_json_number(&c->j, x, "feeder_size", 1.0, FLEET_METERS_MAX, &v) < 0)
            goto out;
        if (v != floor(v)) {
            scn_json_fail(&c->j, "feeder_size", "must be a whole number");
            goto out;
        }
        c->p->feeder_size = (uint32_t)v;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "vary")) != NULL && parse_vary(c, x) < 0)
        goto out;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "network")) != NULL && parse_network(c, x) < 0)
        goto out;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "events")) != NULL) {
        if (!cJSON_IsArray(x)) {
            scn_json_fail(&c->j, "events", "must be an array");
            goto out;
        }
        int ne = cJSON_GetArraySize(x);
        for (int k = 0; k < ne; k++) {
            char p[SCN_PATH_MAX];
            snprintf(p, sizeof p, "events[%d]", k);
            if (parse_event(c, cJSON_GetArrayItem(x, k), p, (unsigned)k) < 0)
                goto out;
        }
    }
    r = 0;
out:
    cJSON_Delete(root);
    return r;
}

int fleet_plan_load(struct fleet_plan *p, const char *file, char *err, size_t n)
{
    plan_defaults(p);
    if (file == NULL)
        return 0;
    snprintf(p->file, sizeof p->file, "%s", file);
    struct pc c = {{p->file, err, n}, p};
    char *buf = scn_file_read(file, PLAN_FILE_MAX, err, n);
    if (buf == NULL)
        return -1;
    int r = plan_parse(&c, buf);
    free(buf);
    return r;
}

static int ev_cmp(const void *a, const void *b)
{
    const struct fleet_event *x = a, *y = b;
    if (x->at_s != y->at_s)
        return x->at_s < y->at_s ? -1 : 1;
    /* at one second: every end before every start (a meter leaves one
     * interval before it enters the next), then file order */
    bool xe = x->type == FEV_OUTAGE_END || x->type == FEV_SAG_END || x->type == FEV_NET_END;
    bool ye = y->type == FEV_OUTAGE_END || y->type == FEV_SAG_END || y->type == FEV_NET_END;
    if (xe != ye)
        return xe ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* Intervals of one kind (outage, sag, network) must not overlap: a meter
 * is in at most one at a time, and the end of one is the end for it. */
static int check_overlaps(const struct fleet_plan *p, uint8_t type, char *err, size_t n)
{
    int64_t busy = -1;
    const char *busy_path = "";
    for (size_t k = 0; k < p->nev; k++) {
        const struct fleet_event *e = &p->ev[k];
        if (e->type != type)
            continue;
        if (e->at_s < busy) {
            snprintf(err, n, "%s: %s: starts during %s (events of one kind must not overlap)",
                     p->file[0] ? p->file : "fleet", e->path, busy_path);
            return -1;
        }
        busy = e->at_s + e->dur_s;
        busy_path = e->path;
    }
    return 0;
}

int fleet_plan_merge_template(struct fleet_plan *p, const struct scenario *sc, char *err, size_t n)
{
    struct pc c = {{p->file, err, n}, p};
    char saved[PATH_MAX];
    snprintf(saved, sizeof saved, "%s", p->file);
    for (size_t k = 0; k < sc->nev; k++) {
        const struct scn_event *s = &sc->ev[k];
        struct fleet_event e;
        memset(&e, 0, sizeof e);
        e.at_s = s->at_s;
        e.tg.share = 1.0;
        e.order = 1000000u + (unsigned)k * 2u + 1u;
        snprintf(e.path, sizeof e.path, "%s", s->path);
        switch (s->type) {
        case SCN_EV_OUTAGE: e.type = FEV_OUTAGE; e.dur_s = s->duration_s; break;
        case SCN_EV_REMOTE: e.type = FEV_REMOTE; e.command = s->command; e.kwh = s->kwh; break;
        case SCN_EV_CLOCK_SET: e.type = FEV_CLOCK_SET; e.time_utc = s->time_utc; break;
        case SCN_EV_COVER_OPEN: e.type = FEV_INPUTS; e.in_set = METER_IN_COVER_OPEN; break;
        case SCN_EV_COVER_CLOSE: e.type = FEV_INPUTS; e.in_clear = METER_IN_COVER_OPEN; break;
        case SCN_EV_MAGNET_ON: e.type = FEV_INPUTS; e.in_set = METER_IN_MAGNET; break;
        case SCN_EV_MAGNET_OFF: e.type = FEV_INPUTS; e.in_clear = METER_IN_MAGNET; break;
        case SCN_EV_BUTTON: e.type = FEV_BUTTON; e.button = s->button; e.hold_ms = s->hold_ms; break;
        case SCN_EV_CONFIG: e.type = FEV_CONFIG; e.cfg_first = s->cfg_first; e.ncfg = s->ncfg; break;
        default:
            snprintf(err, n, "%s: %s.type: \"%s\" events are not supported by trimeter-fleet (docs/FLEET.md)",
                     sc->file, s->path, scenario_event_name(s->type));
            return -1;
        }
        snprintf(p->file, sizeof p->file, "%s", sc->file);
        if (add_event(&c, &e) < 0)
            return -1;
        if (e.type == FEV_OUTAGE) {
            struct fleet_event end = e;
            end.type = FEV_OUTAGE_END;
            end.at_s = e.at_s + e.dur_s;
            end.order = e.order - 1u;
            if (add_event(&c, &end) < 0)
                return -1;
        }
    }
    snprintf(p->file, sizeof p->file, "%s", saved);
    if (p->nev > 0)
        qsort(p->ev, p->nev, sizeof *p->ev, ev_cmp);
    if (check_overlaps(p, FEV_OUTAGE, err, n) < 0 || check_overlaps(p, FEV_SAG, err, n) < 0 ||
        check_overlaps(p, FEV_NET, err, n) < 0)
        return -1;
    /* tags the template uses get a share: the file's, else 0.5 */
    for (size_t k = 0; k < sc->nseg; k++) {
        const char *t = sc->seg[k].tag;
        if (t[0] == '\0')
            continue;
        unsigned j;
        for (j = 0; j < p->ntags; j++)
            if (strcmp(p->tag[j], t) == 0)
                break;
        if (j == p->ntags) {
            if (p->ntags == FLEET_TAGS_MAX) {
                snprintf(err, n, "%s: segments[%zu].tag: more than %u different tags", sc->file, k, FLEET_TAGS_MAX);
                return -1;
            }
            snprintf(p->tag[p->ntags], sizeof p->tag[0], "%s", t);
            p->tag_share[p->ntags++] = 0.5;
        }
    }
    return 0;
}

void fleet_plan_free(struct fleet_plan *p)
{
    free(p->ev);
    free(p->ranges);
    p->ev = NULL;
    p->ranges = NULL;
    p->nev = p->nranges = 0;
}
