/*
 * scenario.c — strict reader of scenario files (docs/SCENARIOS.md).
 * Every refusal names the file and the JSON path of the offending value.
 */
#include "scenario.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trimeter/err.h"
#include "metrology/metro.h"
#include "trimeter/types.h"

#define SCN_FILE_MAX (4u * 1024u * 1024u)

struct pctx {
    struct scn_json j; /* where refusals go */
    struct scenario *sc;
};

int scn_json_fail(const struct scn_json *c, const char *path, const char *fmt, ...)
{
    char what[SCN_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->n, "%s: %s: %s", c->file, path[0] ? path : "(top level)", what);
    return -1;
}

/* JSON paths are cut at SCN_PATH_MAX (deeper than any scenario nests). */
void scn_json_key(char *out, const char *base, const char *key)
{
    int n = base[0] == '\0' ? snprintf(out, SCN_PATH_MAX, "%s", key)
                            : snprintf(out, SCN_PATH_MAX, "%s.%s", base, key);
    if (n < 0 || n >= SCN_PATH_MAX)
        out[SCN_PATH_MAX - 1] = '\0';
}

void scn_json_idx(char *out, const char *base, int i)
{
    int n = snprintf(out, SCN_PATH_MAX, "%s[%d]", base, i);
    if (n < 0 || n >= SCN_PATH_MAX)
        out[SCN_PATH_MAX - 1] = '\0';
}

static const char *json_type_name(const cJSON *j)
{
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsObject(j))
        return "an object";
    return "invalid";
}

/* Refuse keys not in `allowed` (NULL-terminated) and duplicate keys. */
int scn_json_keys(const struct scn_json *c, const cJSON *obj, const char *path, const char *const *allowed)
{
    for (const cJSON *k = obj->child; k != NULL; k = k->next) {
        char p[SCN_PATH_MAX];
        scn_json_key(p, path, k->string);
        bool ok = false;
        for (const char *const *a = allowed; *a != NULL; a++)
            if (strcmp(*a, k->string) == 0)
                ok = true;
        if (!ok)
            return scn_json_fail(c, p, "unknown key \"%s\"", k->string);
        for (const cJSON *d = obj->child; d != k; d = d->next)
            if (strcmp(d->string, k->string) == 0)
                return scn_json_fail(c, p, "duplicate key \"%s\"", k->string);
    }
    return 0;
}

int scn_json_number(const struct scn_json *c, const cJSON *j, const char *path, double lo, double hi, double *out)
{
    if (!cJSON_IsNumber(j))
        return scn_json_fail(c, path, "must be a number, not %s", json_type_name(j));
    double v = j->valuedouble;
    if (!isfinite(v))
        return scn_json_fail(c, path, "must be a finite number");
    if (v < lo || v > hi)
        return scn_json_fail(c, path, "%g is out of range %g..%g", v, lo, hi);
    *out = v;
    return 0;
}

int scn_json_uint(const struct scn_json *c, const cJSON *j, const char *path, unsigned lo, unsigned hi, unsigned *out)
{
    double v = 0.0;
    if (scn_json_number(c, j, path, lo, hi, &v) < 0)
        return -1;
    if (v != floor(v))
        return scn_json_fail(c, path, "must be a whole number, not %g", v);
    *out = (unsigned)v;
    return 0;
}

int scn_json_string(const struct scn_json *c, const cJSON *j, const char *path, const char **out)
{
    if (!cJSON_IsString(j) || j->valuestring == NULL)
        return scn_json_fail(c, path, "must be a string, not %s", json_type_name(j));
    *out = j->valuestring;
    return 0;
}

int scn_json_duration(const struct scn_json *c, const cJSON *j, const char *path, bool allow_zero, int64_t *out)
{
    const char *s = NULL, *why = NULL;
    if (scn_json_string(c, j, path, &s) < 0)
        return -1;
    if (scenario_parse_duration(s, out, &why) < 0)
        return scn_json_fail(c, path, "bad duration \"%s\": %s", s, why);
    if (!allow_zero && *out == 0)
        return scn_json_fail(c, path, "duration must be longer than 0s");
    return 0;
}

static int get_time(struct pctx *c, const cJSON *j, const char *path, int64_t *utc, int *off)
{
    const char *s = NULL, *why = NULL;
    if (scn_json_string(&c->j, j, path, &s) < 0)
        return -1;
    if (scenario_parse_time(s, utc, off, &why) < 0)
        return scn_json_fail(&c->j, path, "bad time \"%s\": %s", s, why);
    if (*utc < CLOCK_UTC_MIN || *utc >= CLOCK_UTC_END)
        return scn_json_fail(&c->j, path, "time \"%s\" outside the meter's clock range (2000-01-01 to 2099-12-31 UTC)", s);
    return 0;
}

/* ---- durations and times -------------------------------------------------- */

int scenario_parse_duration(const char *s, int64_t *out, const char **why)
{
    static const struct {
        char unit;
        int64_t sec;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    const char *p = s;
    int64_t total = 0;
    size_t next_unit = 0; /* units must come in the order d h m s, each once */
    *why = "empty";
    if (s == NULL || *s == '\0')
        return -1;
    while (*p != '\0') {
        if (*p < '0' || *p > '9') {
            *why = "expected digits followed by a unit d, h, m or s (e.g. 1h30m)";
            return -1;
        }
        int64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p++ - '0');
            if (v > SCN_MAX_DURATION_S) {
                *why = "too long";
                return -1;
            }
        }
        size_t u = next_unit;
        while (u < sizeof units / sizeof units[0] && units[u].unit != *p)
            u++;
        if (u == sizeof units / sizeof units[0]) {
            bool known = *p == 'd' || *p == 'h' || *p == 'm' || *p == 's';
            *why = *p == '\0' ? "a number needs a unit (d, h, m or s)"
                   : known    ? "units must appear once each, in the order d h m s"
                              : "unknown unit (use d, h, m or s)";
            return -1;
        }
        total += v * units[u].sec;
        if (total > SCN_MAX_DURATION_S) {
            *why = "too long";
            return -1;
        }
        next_unit = u + 1;
        p++;
    }
    *out = total;
    return 0;
}

int scenario_parse_time(const char *s, int64_t *utc, int *offset_min, const char **why)
{
    *why = "expected YYYY-MM-DDTHH:MM:SS+HH:MM (or Z)";
    if (s == NULL)
        return -1;
    size_t n = strlen(s);
    /* The offset is required: it is the standard offset of the meter's zone. */
    int off;
    if (n == 20 && s[19] == 'Z') {
        off = 0;
    } else if (n == 25 && (s[19] == '+' || s[19] == '-') && s[22] == ':') {
        unsigned oh = 0, om = 0;
        for (int k = 20; k < 25; k++)
            if (k != 22 && (s[k] < '0' || s[k] > '9'))
                return -1;
        oh = (unsigned)((s[20] - '0') * 10 + (s[21] - '0'));
        om = (unsigned)((s[23] - '0') * 10 + (s[24] - '0'));
        if (oh > 14 || om > 59) {
            *why = "offset out of range";
            return -1;
        }
        off = (int)(oh * 60 + om) * (s[19] == '-' ? -1 : 1);
    } else {
        if (n == 19)
            *why = "an offset is required (+HH:MM or Z: the zone's standard offset)";
        return -1;
    }
    if (s[10] != 'T' || s[16] != ':') /* seconds are required: HH:MM:SS */
        return -1;
    if (clock_parse_iso(s, utc) != METER_OK) {
        *why = "not a valid date and time (YYYY-MM-DDTHH:MM:SS, year >= 1970)";
        return -1;
    }
    *offset_min = off;
    return 0;
}

int scenario_format_local(const struct clock_zone *z, int64_t utc, char *buf, size_t n)
{
    return clock_format_iso(clock_to_local(z, utc), clock_offset_min(z, utc), buf, n);
}

size_t scenario_segment_at(const struct scenario *sc, int64_t t, int64_t *seg_end)
{
    int64_t base = t >= 0 ? t - t % sc->period_s : 0;
    int64_t off = t - base;
    int64_t acc = 0;
    for (size_t k = 0; k < sc->nseg; k++) {
        acc += sc->seg[k].duration_s;
        if (off < acc) {
            if (seg_end != NULL)
                *seg_end = base + acc;
            return k;
        }
    }
    if (seg_end != NULL)
        *seg_end = base + sc->period_s;
    return sc->nseg - 1;
}

static const char *const event_names[] = {
    [SCN_EV_BUTTON] = "button",
    [SCN_EV_COVER_OPEN] = "cover_open",
    [SCN_EV_COVER_CLOSE] = "cover_close",
    [SCN_EV_MAGNET_ON] = "magnet_on",
    [SCN_EV_MAGNET_OFF] = "magnet_off",
    [SCN_EV_NEUTRAL_LOSS] = "neutral_loss",
    [SCN_EV_NEUTRAL_RESTORE] = "neutral_restore",
    [SCN_EV_OUTAGE] = "outage",
    [SCN_EV_CLOCK_SET] = "clock_set",
    [SCN_EV_REMOTE] = "remote",
    [SCN_EV_CONFIG] = "config",
    [SCN_EV_PULSE_IN] = "pulse_in",
};

static const char *const remote_names[] = {
    [SCN_RC_DISCONNECT] = "disconnect",
    [SCN_RC_RECONNECT] = "reconnect",
    [SCN_RC_RELEASE] = "release",
    [SCN_RC_BILLING_RESET] = "billing_reset",
    [SCN_RC_TOPUP] = "topup",
};

const char *scenario_event_name(enum scn_event_type t)
{
    return (unsigned)t < sizeof event_names / sizeof event_names[0] ? event_names[t] : "?";
}

const char *scenario_remote_name(enum scn_remote r)
{
    return (unsigned)r < sizeof remote_names / sizeof remote_names[0] ? remote_names[r] : "?";
}

/* ---- config ----------------------------------------------------------------- */

static int parse_config(struct pctx *c, const cJSON *j, const char *path)
{
    struct scenario *sc = c->sc;
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, path, "must be an object of configuration keys, not %s", json_type_name(j));
    size_t n = (size_t)cJSON_GetArraySize(j);
    struct scn_config_item *nc = realloc(sc->config, (sc->nconfig + n + 1) * sizeof *nc);
    if (nc == NULL)
        return scn_json_fail(&c->j, path, "out of memory");
    sc->config = nc;
    for (const cJSON *k = j->child; k != NULL; k = k->next) {
        char p[SCN_PATH_MAX];
        scn_json_key(p, path, k->string);
        for (const cJSON *d = j->child; d != k; d = d->next)
            if (strcmp(d->string, k->string) == 0)
                return scn_json_fail(&c->j, p, "duplicate key \"%s\"", k->string);
        struct scn_config_item *it = &sc->config[sc->nconfig];
        memset(it, 0, sizeof *it);
        if (strlen(k->string) >= sizeof it->key || objtab_find_key(k->string) == NULL)
            return scn_json_fail(&c->j, p, "unknown configuration key \"%s\": not supported by this firmware (docs/SCENARIOS.md lists the keys)", k->string);
        snprintf(it->key, sizeof it->key, "%s", k->string);
        snprintf(it->path, sizeof it->path, "%s", p);
        if (cJSON_IsNumber(k)) {
            if (!isfinite(k->valuedouble))
                return scn_json_fail(&c->j, p, "must be a finite number");
            it->kind = SCN_VAL_NUMBER;
            it->num = k->valuedouble;
        } else if (cJSON_IsString(k)) {
            if (strlen(k->valuestring) > OBJ_STR_MAX)
                return scn_json_fail(&c->j, p, "string longer than %d characters", OBJ_STR_MAX);
            it->kind = SCN_VAL_STRING;
            snprintf(it->str, sizeof it->str, "%s", k->valuestring);
        } else if (cJSON_IsBool(k)) {
            it->kind = SCN_VAL_BOOL;
            it->b = cJSON_IsTrue(k);
        } else {
            return scn_json_fail(&c->j, p, "must be a number, a string or a boolean, not %s", json_type_name(k));
        }
        sc->nconfig++;
    }
    return 0;
}

/* ---- segments ----------------------------------------------------------------- */

static int parse_harmonics(struct pctx *c, const cJSON *j, const char *path, struct wave_harm *h, unsigned *nh)
{
    static const char *const keys[] = {"n", "pct", "phase", NULL};
    if (!cJSON_IsArray(j))
        return scn_json_fail(&c->j, path, "must be an array of {\"n\", \"pct\", \"phase\"}, not %s", json_type_name(j));
    int n = cJSON_GetArraySize(j);
    if (n > WAVE_MAX_HARM)
        return scn_json_fail(&c->j, path, "at most %d harmonics", WAVE_MAX_HARM);
    *nh = 0;
    for (int k = 0; k < n; k++) {
        const cJSON *e = cJSON_GetArrayItem(j, k);
        char p[SCN_PATH_MAX], q[SCN_PATH_MAX];
        scn_json_idx(p, path, k);
        if (!cJSON_IsObject(e))
            return scn_json_fail(&c->j, p, "must be an object {\"n\", \"pct\", \"phase\"}, not %s", json_type_name(e));
        if (scn_json_keys(&c->j, e, p, keys) < 0)
            return -1;
        struct wave_harm *w = &h[k];
        memset(w, 0, sizeof *w);
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "n");
        scn_json_key(q, p, "n");
        if (x == NULL)
            return scn_json_fail(&c->j, q, "missing (harmonic order 2..%d)", WAVE_BAND_LIMIT);
        if (scn_json_uint(&c->j, x, q, 2, WAVE_BAND_LIMIT, &w->n) < 0)
            return -1;
        for (int d = 0; d < k; d++)
            if (h[d].n == w->n)
                return scn_json_fail(&c->j, q, "harmonic %u listed twice", w->n);
        x = cJSON_GetObjectItemCaseSensitive(e, "pct");
        scn_json_key(q, p, "pct");
        if (x == NULL)
            return scn_json_fail(&c->j, q, "missing (rms in %% of the fundamental)");
        if (scn_json_number(&c->j, x, q, 0, SCN_PCT_MAX, &w->pct) < 0)
            return -1;
        x = cJSON_GetObjectItemCaseSensitive(e, "phase");
        scn_json_key(q, p, "phase");
        if (x != NULL && scn_json_number(&c->j, x, q, -360, 360, &w->phase_deg) < 0)
            return -1;
        (*nh)++;
    }
    return 0;
}

static int parse_phase(struct pctx *c, const cJSON *j, const char *path, struct wave_phase_params *pp, bool *angle_set)
{
    static const char *const keys[] = {"u", "i", "phi", "angle", "u_harmonics", "i_harmonics", "shape",
                                       "firing_angle", "on_cycles", "off_cycles", "i_dc", NULL};
    char p[SCN_PATH_MAX];
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, path, "must be an object, not %s", json_type_name(j));
    if (scn_json_keys(&c->j, j, path, keys) < 0)
        return -1;
    memset(pp, 0, sizeof *pp);
    pp->u = 230.0;
    *angle_set = false;
#define OPT(name) (scn_json_key(p, path, name), cJSON_GetObjectItemCaseSensitive(j, name))
    const cJSON *x;
    if ((x = OPT("u")) != NULL && scn_json_number(&c->j, x, p, 0, SCN_U_MAX, &pp->u) < 0)
        return -1;
    if ((x = OPT("i")) != NULL && scn_json_number(&c->j, x, p, 0, SCN_I_MAX, &pp->i) < 0)
        return -1;
    if ((x = OPT("phi")) != NULL && scn_json_number(&c->j, x, p, -360, 360, &pp->phi_deg) < 0)
        return -1;
    if ((x = OPT("angle")) != NULL) {
        if (scn_json_number(&c->j, x, p, -360, 360, &pp->angle_deg) < 0)
            return -1;
        *angle_set = true;
    }
    if ((x = OPT("i_dc")) != NULL && scn_json_number(&c->j, x, p, -SCN_I_MAX, SCN_I_MAX, &pp->i_dc) < 0)
        return -1;
    if ((x = OPT("u_harmonics")) != NULL && parse_harmonics(c, x, p, pp->uh, &pp->n_uh) < 0)
        return -1;
    if ((x = OPT("i_harmonics")) != NULL && parse_harmonics(c, x, p, pp->ih, &pp->n_ih) < 0)
        return -1;
    pp->shape = WAVE_SINE;
    if ((x = OPT("shape")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        if (strcmp(s, "sine") == 0)
            pp->shape = WAVE_SINE;
        else if (strcmp(s, "half_wave") == 0)
            pp->shape = WAVE_HALF_WAVE;
        else if (strcmp(s, "phase_fired") == 0)
            pp->shape = WAVE_PHASE_FIRED;
        else if (strcmp(s, "burst") == 0)
            pp->shape = WAVE_BURST;
        else
            return scn_json_fail(&c->j, p, "unknown shape \"%s\" (sine, half_wave, phase_fired, burst)", s);
    }
    x = OPT("firing_angle");
    if (pp->shape == WAVE_PHASE_FIRED) {
        if (x == NULL)
            return scn_json_fail(&c->j, p, "missing (shape phase_fired needs a firing angle in degrees)");
        if (scn_json_number(&c->j, x, p, 0, 180, &pp->firing_angle_deg) < 0)
            return -1;
    } else if (x != NULL) {
        return scn_json_fail(&c->j, p, "only allowed with shape \"phase_fired\"");
    }
    static const char *const cyc[2] = {"on_cycles", "off_cycles"};
    for (int k = 0; k < 2; k++) {
        x = OPT(cyc[k]);
        unsigned *dst = k == 0 ? &pp->on_cycles : &pp->off_cycles;
        if (pp->shape == WAVE_BURST) {
            if (x == NULL)
                return scn_json_fail(&c->j, p, "missing (shape burst needs on_cycles and off_cycles)");
            if (scn_json_uint(&c->j, x, p, 1, 100, dst) < 0)
                return -1;
        } else if (x != NULL) {
            return scn_json_fail(&c->j, p, "only allowed with shape \"burst\"");
        }
    }
#undef OPT
    return 0;
}

static int parse_segment(struct pctx *c, const cJSON *j, const char *path, struct scn_segment *sg, double prev_f)
{
    static const char *const keys[] = {"duration", "frequency", "phases", "label", "tag", "temperature", NULL};
    static const double def_angle[3] = {0.0, -120.0, 120.0};
    char p[SCN_PATH_MAX];
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, path, "must be an object, not %s", json_type_name(j));
    if (scn_json_keys(&c->j, j, path, keys) < 0)
        return -1;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "duration");
    scn_json_key(p, path, "duration");
    if (x == NULL)
        return scn_json_fail(&c->j, p, "missing (e.g. \"1h30m\")");
    if (scn_json_duration(&c->j, x, p, false, &sg->duration_s) < 0)
        return -1;
    sg->frequency = prev_f;
    x = cJSON_GetObjectItemCaseSensitive(j, "frequency");
    scn_json_key(p, path, "frequency");
    if (x != NULL && scn_json_number(&c->j, x, p, SCN_F_MIN, SCN_F_MAX, &sg->frequency) < 0)
        return -1;
    sg->temperature = SCN_T_DEFAULT;
    x = cJSON_GetObjectItemCaseSensitive(j, "temperature");
    scn_json_key(p, path, "temperature");
    if (x != NULL && scn_json_number(&c->j, x, p, SCN_T_MIN, SCN_T_MAX, &sg->temperature) < 0)
        return -1;
    x = cJSON_GetObjectItemCaseSensitive(j, "label");
    scn_json_key(p, path, "label");
    if (x != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        snprintf(sg->label, sizeof sg->label, "%s", s);
    }
    x = cJSON_GetObjectItemCaseSensitive(j, "tag");
    scn_json_key(p, path, "tag");
    if (x != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        size_t n = strlen(s);
        if (n == 0 || n >= sizeof sg->tag || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
            return scn_json_fail(&c->j, p, "a tag is 1 to %zu characters a-z, 0-9 or _ (e.g. \"pv\", \"ev\")", sizeof sg->tag - 1);
        memcpy(sg->tag, s, n + 1);
    }
    x = cJSON_GetObjectItemCaseSensitive(j, "phases");
    scn_json_key(p, path, "phases");
    bool angle_set[3] = {false, false, false};
    if (x == NULL) {
        /* no phases: nominal voltage, no load */
        for (int k = 0; k < 3; k++) {
            memset(&sg->ph[k], 0, sizeof sg->ph[k]);
            sg->ph[k].u = 230.0;
            sg->ph[k].angle_deg = def_angle[k];
        }
    } else if (cJSON_IsObject(x) || (cJSON_IsArray(x) && cJSON_GetArraySize(x) == 1)) {
        /* one object: the same load on all three phases, voltages 120 degrees apart */
        const cJSON *o = cJSON_IsObject(x) ? x : cJSON_GetArrayItem(x, 0);
        char q[SCN_PATH_MAX];
        if (cJSON_IsArray(x))
            scn_json_idx(q, p, 0);
        else
            snprintf(q, sizeof q, "%s", p);
        if (parse_phase(c, o, q, &sg->ph[0], &angle_set[0]) < 0)
            return -1;
        double base = sg->ph[0].angle_deg;
        for (int k = 0; k < 3; k++) {
            sg->ph[k] = sg->ph[0];
            sg->ph[k].angle_deg = base + def_angle[k];
        }
    } else if (cJSON_IsArray(x) && cJSON_GetArraySize(x) == 3) {
        for (int k = 0; k < 3; k++) {
            char q[SCN_PATH_MAX];
            scn_json_idx(q, p, k);
            if (parse_phase(c, cJSON_GetArrayItem(x, k), q, &sg->ph[k], &angle_set[k]) < 0)
                return -1;
            if (!angle_set[k])
                sg->ph[k].angle_deg = def_angle[k];
        }
    } else if (cJSON_IsArray(x)) {
        return scn_json_fail(&c->j, p, "must list one phase (all three alike) or three, not %d", cJSON_GetArraySize(x));
    } else {
        return scn_json_fail(&c->j, p, "must be an object or an array of one or three objects, not %s", json_type_name(x));
    }
    sg->ws = malloc(sizeof *sg->ws);
    if (sg->ws == NULL)
        return scn_json_fail(&c->j, path, "out of memory");
    char werr[200] = "";
    if (wave_build(sg->ws, sg->ph, werr, sizeof werr) != 0)
        return scn_json_fail(&c->j, p, "%s", werr[0] ? werr : "waveform not supported");
    if (c->sc->wiring == METRO_WIRE_ARON) {
        /* a 3-wire network has no neutral: the line currents add up to zero
         * at every frequency */
        double mult, left;
        if (!wave_currents_balance(sg->ws, &mult, &left))
            return scn_json_fail(&c->j, p,
                        "with \"wiring\": \"aron\" (3 wires, no neutral) the line currents must add up to zero; "
                        "at %g x the fundamental %.3g A rms is left over",
                        mult, left);
    }
    return 0;
}

/* ---- events ------------------------------------------------------------------------ */

static int parse_event(struct pctx *c, const cJSON *j, const char *path, struct scn_event *ev)
{
    char p[SCN_PATH_MAX];
    memset(ev, 0, sizeof *ev);
    snprintf(ev->path, sizeof ev->path, "%s", path);
    if (!cJSON_IsObject(j))
        return scn_json_fail(&c->j, path, "must be an object, not %s", json_type_name(j));
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "type");
    scn_json_key(p, path, "type");
    const char *type = NULL;
    if (x == NULL)
        return scn_json_fail(&c->j, p, "missing (the event type)");
    if (scn_json_string(&c->j, x, p, &type) < 0)
        return -1;
    size_t t;
    for (t = 0; t < sizeof event_names / sizeof event_names[0]; t++)
        if (strcmp(event_names[t], type) == 0)
            break;
    if (t == sizeof event_names / sizeof event_names[0])
        return scn_json_fail(&c->j, p, "unknown event type \"%s\"", type);
    ev->type = (enum scn_event_type)t;

    /* the keys each type takes besides "at" and "type" */
    const char *k1 = NULL, *k2 = NULL;
    switch (ev->type) {
    case SCN_EV_BUTTON: k1 = "button"; k2 = "hold_s"; break;
    case SCN_EV_OUTAGE: k1 = "duration"; break;
    case SCN_EV_CLOCK_SET: k1 = "time"; break;
    case SCN_EV_REMOTE: k1 = "command"; k2 = "kwh"; break;
    case SCN_EV_CONFIG: k1 = "config"; break;
    case SCN_EV_PULSE_IN: k1 = "count"; k2 = "rate_hz"; break;
    default: break;
    }
    const char *keys[] = {"at", "type", k1, k2, NULL};
    if (scn_json_keys(&c->j, j, path, keys) < 0)
        return -1;
    x = cJSON_GetObjectItemCaseSensitive(j, "at");
    scn_json_key(p, path, "at");
    if (x == NULL)
        return scn_json_fail(&c->j, p, "missing (a duration after the start, e.g. \"45m\")");
    if (scn_json_duration(&c->j, x, p, true, &ev->at_s) < 0)
        return -1;
    if (k1 != NULL) {
        x = cJSON_GetObjectItemCaseSensitive(j, k1);
        scn_json_key(p, path, k1);
        if (x == NULL)
            return scn_json_fail(&c->j, p, "missing (required by \"%s\" events)", type);
    }
    const char *s = NULL;
    switch (ev->type) {
    case SCN_EV_BUTTON: {
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        if (strcmp(s, "display") == 0)
            ev->button = METER_BTN_DISPLAY;
        else if (strcmp(s, "disconnector") == 0)
            ev->button = METER_BTN_DISCONNECT;
        else
            return scn_json_fail(&c->j, p, "unknown button \"%s\" (display, disconnector)", s);
        ev->hold_ms = 200; /* a short press */
        x = cJSON_GetObjectItemCaseSensitive(j, "hold_s");
        scn_json_key(p, path, "hold_s");
        double hold;
        if (x != NULL) {
            if (scn_json_number(&c->j, x, p, 0, SCN_HOLD_MAX_S, &hold) < 0)
                return -1;
            ev->hold_ms = (uint32_t)llround(hold * 1000.0);
        }
        break;
    }
    case SCN_EV_OUTAGE:
        if (scn_json_duration(&c->j, x, p, false, &ev->duration_s) < 0)
            return -1;
        break;
    case SCN_EV_CLOCK_SET: {
        int off;
        if (get_time(c, x, p, &ev->time_utc, &off) < 0)
            return -1;
        break;
    }
    case SCN_EV_REMOTE: {
        if (scn_json_string(&c->j, x, p, &s) < 0)
            return -1;
        size_t r;
        for (r = 0; r < sizeof remote_names / sizeof remote_names[0]; r++)
            if (strcmp(remote_names[r], s) == 0)
                break;
        if (r == sizeof remote_names / sizeof remote_names[0])
            return scn_json_fail(&c->j, p, "unknown command \"%s\" (disconnect, reconnect, release, billing_reset, topup)", s);
        ev->command = (enum scn_remote)r;
        x = cJSON_GetObjectItemCaseSensitive(j, "kwh");
        scn_json_key(p, path, "kwh");
        if (ev->command == SCN_RC_TOPUP) {
            if (x == NULL)
                return scn_json_fail(&c->j, p, "missing (topup needs the credit in kWh)");
            if (scn_json_number(&c->j, x, p, 0, 1e6, &ev->kwh) < 0)
                return -1;
        } else if (x != NULL) {
            return scn_json_fail(&c->j, p, "only allowed with command \"topup\"");
        }
        break;
    }
    case SCN_EV_PULSE_IN: {
        unsigned n = 0;
        if (scn_json_uint(&c->j, x, p, 1, 1000000, &n) < 0)
            return -1;
        ev->count = n;
        ev->rate_hz = 10.0;
        x = cJSON_GetObjectItemCaseSensitive(j, "rate_hz");
        scn_json_key(p, path, "rate_hz");
        if (x != NULL && scn_json_number(&c->j, x, p, 0.001, SCN_PULSE_HZ_MAX, &ev->rate_hz) < 0)
            return -1;
        break;
    }
    case SCN_EV_CONFIG:
        ev->cfg_first = c->sc->nconfig;
        if (parse_config(c, x, p) < 0)
            return -1;
        ev->ncfg = c->sc->nconfig - ev->cfg_first;
        break;
    default:
        break;
    }
    return 0;
}

static int event_cmp(const void *a, const void *b)
{
    const struct scn_event *x = a, *y = b;
    if (x->at_s != y->at_s)
        return x->at_s < y->at_s ? -1 : 1;
    return (x->file_index > y->file_index) - (x->file_index < y->file_index);
}

/* Outages must not overlap: the core is off during one. */
static int check_outages(struct pctx *c)
{
    const struct scenario *sc = c->sc;
    int64_t busy_until = -1;
    const char *busy_path = "";
    for (size_t k = 0; k < sc->nev; k++) {
        const struct scn_event *e = &sc->ev[k];
        if (e->type != SCN_EV_OUTAGE)
            continue;
        if (e->at_s < busy_until)
            return scn_json_fail(&c->j, e->path, "outage starts during the outage of %s", busy_path);
        busy_until = e->at_s + e->duration_s;
        busy_path = e->path;
    }
    return 0;
}

const char *scenario_wiring_name(int wiring)
{
    static const char *const names[] = {"4-wire", "1-phase", "2-phase", "aron"};
    return wiring >= 0 && wiring <= METRO_WIRE_ARON ? names[wiring] : "?";
}

/* ---- top level ---------------------------------------------------------------------- */

int scenario_parse(const char *text, const char *file, struct scenario *sc, char *err, size_t errlen)
{
    static const char *const keys[] = {"start", "timezone", "config", "segments", "events", "description", "wiring", NULL};
    struct pctx c = {{sc->file, err, errlen}, sc};
    char p[SCN_PATH_MAX];
    memset(sc, 0, sizeof *sc);
    snprintf(sc->file, sizeof sc->file, "%s", file);
    cJSON *root = scn_json_parse(&c.j, text);
    if (root == NULL)
        return -1;
    int r = -1;
    const cJSON *x;
    if (!cJSON_IsObject(root)) {
        scn_json_fail(&c.j, "", "must be a JSON object, not %s", json_type_name(root));
        goto out;
    }
    if (scn_json_keys(&c.j, root, "", keys) < 0)
        goto out;

    /* start and zone: the offset in `start` is the zone's standard offset */
    sc->zone.mode = CLOCK_DST_EU;
    int off = 120;
    sc->start_utc = clock_join(2026, 1, 1, 0, 0, 0) - off * 60;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "start")) != NULL &&
        get_time(&c, x, "start", &sc->start_utc, &off) < 0)
        goto out;
    sc->zone.std_offset_min = (int16_t)off;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "timezone")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c.j, x, "timezone", &s) < 0)
            goto out;
        if (strcmp(s, "EU") == 0)
            sc->zone.mode = CLOCK_DST_EU;
        else if (strcmp(s, "none") == 0)
            sc->zone.mode = CLOCK_DST_NONE;
        else {
            scn_json_fail(&c.j, "timezone", "unknown timezone \"%s\" (EU or none)", s);
            goto out;
        }
    }
    sc->wiring = METRO_WIRE_4W;
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "wiring")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c.j, x, "wiring", &s) < 0)
            goto out;
        int w;
        for (w = METRO_WIRE_4W; w <= METRO_WIRE_ARON; w++)
            if (strcmp(s, scenario_wiring_name(w)) == 0)
                break;
        if (w > METRO_WIRE_ARON) {
            scn_json_fail(&c.j, "wiring", "unknown wiring \"%s\" (4-wire, 1-phase, 2-phase or aron)", s);
            goto out;
        }
        sc->wiring = w;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "description")) != NULL) {
        const char *s = NULL;
        if (scn_json_string(&c.j, x, "description", &s) < 0)
            goto out;
    }
    if ((x = cJSON_GetObjectItemCaseSensitive(root, "config")) != NULL && parse_config(&c, x, "config") < 0)
        goto out;
    sc->nconfig_top = sc->nconfig;

    x = cJSON_GetObjectItemCaseSensitive(root, "segments");
    if (x == NULL) {
        scn_json_fail(&c.j, "segments", "missing (at least one segment)");
        goto out;
    }
    if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) == 0) {
        scn_json_fail(&c.j, "segments", "must be a non-empty array of segments");
        goto out;
    }
    sc->nseg = (size_t)cJSON_GetArraySize(x);
    sc->seg = calloc(sc->nseg, sizeof *sc->seg);
    if (sc->seg == NULL) {
        scn_json_fail(&c.j, "segments", "out of memory");
        goto out;
    }
    double f = 50.0;
    for (size_t k = 0; k < sc->nseg; k++) {
        scn_json_idx(p, "segments", (int)k);
        if (parse_segment(&c, cJSON_GetArrayItem(x, (int)k), p, &sc->seg[k], f) < 0)
            goto out;
        f = sc->seg[k].frequency;
        sc->period_s += sc->seg[k].duration_s;
        if (sc->period_s > SCN_MAX_DURATION_S) {
            scn_json_fail(&c.j, p, "segments longer than %lld days in total", SCN_MAX_DURATION_S / 86400);
            goto out;
        }
    }

    if ((x = cJSON_GetObjectItemCaseSensitive(root, "events")) != NULL) {
        if (!cJSON_IsArray(x)) {
            scn_json_fail(&c.j, "events", "must be an array, not %s", json_type_name(x));
            goto out;
        }
        sc->nev = (size_t)cJSON_GetArraySize(x);
        sc->ev = calloc(sc->nev + 1, sizeof *sc->ev);
        if (sc->ev == NULL) {
            scn_json_fail(&c.j, "events", "out of memory");
            goto out;
        }
        for (size_t k = 0; k < sc->nev; k++) {
            scn_json_idx(p, "events", (int)k);
            if (parse_event(&c, cJSON_GetArrayItem(x, (int)k), p, &sc->ev[k]) < 0)
                goto out;
            sc->ev[k].file_index = (unsigned)k;
        }
        qsort(sc->ev, sc->nev, sizeof *sc->ev, event_cmp);
        if (check_outages(&c) < 0)
            goto out;
    }
    r = 0;
out:
    cJSON_Delete(root);
    return r;
}

int scenario_load(const char *file, struct scenario *sc, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    char *buf = scn_file_read(file, SCN_FILE_MAX, err, errlen);
    if (buf == NULL)
        return -1;
    int r = scenario_parse(buf, file, sc, err, errlen);
    free(buf);
    return r;
}

char *scn_file_read(const char *file, size_t max, char *err, size_t n)
{
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        snprintf(err, n, "%s: cannot open: %s", file, strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, n, "%s: out of memory", file);
        return NULL;
    }
    size_t len = fread(buf, 1, max + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr)
        snprintf(err, n, "%s: cannot read: %s", file, strerror(errno));
    else if (len > max)
        snprintf(err, n, "%s: larger than %zu bytes", file, max);
    else if (buf[len] = '\0', memchr(buf, '\0', len) != NULL)
        snprintf(err, n, "%s: not a text file (contains NUL bytes)", file);
    else
        return buf;
    free(buf);
    return NULL;
}

cJSON *scn_json_parse(const struct scn_json *c, const char *text)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root == NULL) {
        unsigned line = 1, col = 1;
        for (const char *q = text; end != NULL && q < end && *q; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        snprintf(c->err, c->n, "%s: line %u column %u: not valid JSON", c->file, line, col);
    }
    return root;
}

void scenario_free(struct scenario *sc)
{
    if (sc->seg != NULL)
        for (size_t k = 0; k < sc->nseg; k++)
            free(sc->seg[k].ws);
    free(sc->seg);
    free(sc->config);
    free(sc->ev);
    memset(sc, 0, sizeof *sc);
}
