/*
 * json_out.c — streaming JSON writer and the `--json` final-state report.
 */
#include "json_out.h"

#include <math.h>
#include <string.h>

#include "registers/billing.h"
#include "registers/clock.h"
#include "control/relay.h"
#include "cosem/obis.h"
#include "cosem/objtab.h"
#include "sim.h"
#include "ui/display.h"
#include "ui/lcd.h"

/* ---- writer ------------------------------------------------------------- */

void jw_init(struct json_w *w, FILE *f, int inline_from)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->inline_from = inline_from;
    w->first[0] = true;
}

static void jw_sep(struct json_w *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (!w->first[w->depth])
        fputc(',', w->f);
    w->first[w->depth] = false;
    if (w->depth < w->inline_from)
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    else
        fputc(' ', w->f);
}

static void jw_open(struct json_w *w, char c)
{
    jw_sep(w);
    fputc(c, w->f);
    if (w->depth + 1 < JSON_W_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void jw_close(struct json_w *w, char c)
{
    bool empty = w->first[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!empty && w->depth + 1 < w->inline_from)
        fprintf(w->f, "\n%*s", 2 * w->depth, "");
    else if (!empty)
        fputc(' ', w->f);
    fputc(c, w->f);
}

void jw_obj_begin(struct json_w *w) { jw_open(w, '{'); }
void jw_obj_end(struct json_w *w) { jw_close(w, '}'); }
void jw_arr_begin(struct json_w *w) { jw_open(w, '['); }
void jw_arr_end(struct json_w *w) { jw_close(w, ']'); }

static void jw_escaped(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c); /* bytes outside ASCII shown as code points */
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void jw_key(struct json_w *w, const char *k)
{
    jw_sep(w);
    jw_escaped(w->f, k, strlen(k));
    fputs(": ", w->f);
    w->after_key = true;
}

void jw_strn(struct json_w *w, const char *s, size_t n)
{
    jw_sep(w);
    jw_escaped(w->f, s, n);
}

void jw_str(struct json_w *w, const char *s) { jw_strn(w, s, strlen(s)); }

void jw_int(struct json_w *w, int64_t v)
{
    jw_sep(w);
    fprintf(w->f, "%lld", (long long)v);
}

void jw_uint(struct json_w *w, uint64_t v)
{
    jw_sep(w);
    fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_bool(struct json_w *w, bool v)
{
    jw_sep(w);
    fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_w *w)
{
    jw_sep(w);
    fputs("null", w->f);
}

void jw_fixed(struct json_w *w, double v, int decimals)
{
    jw_sep(w);
    if (!isfinite(v))
        fputs("null", w->f);
    else
        fprintf(w->f, "%.*f", decimals, v == 0.0 ? 0.0 : v); /* no "-0.000" */
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

void jw_number_text(struct json_w *w, const char *text)
{
    if (is_json_number(text)) {
        jw_sep(w);
        fputs(text, w->f);
    } else {
        jw_str(w, text);
    }
}

/* ---- the report ------------------------------------------------------------ */

static void time_local(const struct sim *s, int64_t utc, char *buf, size_t n)
{
    scenario_format_local(&s->sc.zone, utc, buf, n);
}

/* Event and peak time stamps: standard time (S-2.5), with its offset. */
static void time_standard(const struct sim *s, int64_t utc, char *buf, size_t n)
{
    clock_format_iso(clock_to_standard(&s->sc.zone, utc), s->sc.zone.std_offset_min, buf, n);
}

static void write_value(struct json_w *w, const struct sim *s, const struct obj_def *o, const struct obj_value *v)
{
    char buf[64];
    struct clock_dt dt;
    switch (v->type) {
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM:
        if (obj_format_value(o, v, buf, sizeof buf) >= 0)
            jw_number_text(w, buf);
        else
            jw_null(w);
        break;
    case OBJ_T_STRING:
        jw_strn(w, v->s, v->len < OBJ_STR_MAX ? v->len : OBJ_STR_MAX);
        break;
    case OBJ_T_TIME:
        snprintf(buf, sizeof buf, "%02u:%02u:%02u", (unsigned)(v->i / 3600 % 24), (unsigned)(v->i / 60 % 60),
                 (unsigned)(v->i % 60));
        jw_str(w, buf);
        break;
    case OBJ_T_DATE:
        /* UTC of local midnight: the local calendar date is that instant in local time */
        clock_split(clock_to_local(&s->sc.zone, v->i), &dt);
        snprintf(buf, sizeof buf, "%04d-%02u-%02u", dt.year, dt.mon, dt.day);
        jw_str(w, buf);
        break;
    case OBJ_T_DATETIME:
        time_local(s, v->i, buf, sizeof buf);
        jw_str(w, buf);
        break;
    default:
        jw_null(w);
        break;
    }
}

/* One register: "key": {"value", "unit"[, "hires"][, "time"]}. hires: the
 * test-mode view of an energy register before truncation (S-8.5). */
static void write_register(struct json_w *w, const struct sim *s, const struct obj_def *o, const char *key,
                           const struct obj_value *v, bool hires)
{
    jw_key(w, key);
    jw_obj_begin(w);
    jw_key(w, "value");
    write_value(w, s, o, v);
    jw_key(w, "unit");
    jw_str(w, obj_unit_text(o));
    if (hires && (o->flags & OBJ_F_ENERGY) && o->get != NULL) {
        struct obj_value hi;
        memset(&hi, 0, sizeof hi);
        hi.unit = o->unit;
        hi.scaler = o->scaler; /* as obj_read presets it for the getter */
        if (o->get(&s->v->m, o, &hi) == METER_OK && (hi.type == OBJ_T_INT || hi.type == OBJ_T_UINT)) {
            jw_key(w, "hires");
            jw_fixed(w, (double)hi.i * pow(10.0, hi.scaler - 3), 9);
        }
    }
    if (v->capture != 0) {
        char t[40];
        time_standard(s, v->capture, t, sizeof t);
        jw_key(w, "time");
        jw_str(w, t);
    }
    jw_obj_end(w);
}

static void write_registers(struct json_w *w, const struct sim *s)
{
    const struct meter *m = &s->v->m;
    size_t n = objtab_count();
    jw_key(w, "registers");
    jw_obj_begin(w);
    for (size_t k = 0; k < n; k++) {
        const struct obj_def *o = objtab_at(k);
        struct obj_value v;
        if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) != METER_OK)
            continue;
        char key[32];
        obis_format_short(&o->ln, key, sizeof key);
        /* short codes are unique in the table today; never emit a key twice */
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++) {
            char other[32];
            const struct obj_def *p = objtab_at(j);
            struct obj_value pv;
            if (obj_read(m, p, METER_ACC_PUBLIC, &pv) != METER_OK)
                continue;
            obis_format_short(&p->ln, other, sizeof other);
            dup = strcmp(other, key) == 0;
        }
        if (dup)
            obis_format_full(&o->ln, key, sizeof key);
        write_register(w, s, o, key, &v, true);
    }
    jw_obj_end(w);
}

/* What the LCD shows now (the ui module's display state). */
static void write_display(struct json_w *w, const struct sim *s)
{
    const struct lcd_state *l = display_state(&s->v->m);
    const char *sym[24];
    size_t nsym = lcd_symbol_names(l, sym, sizeof sym / sizeof sym[0]);
    jw_key(w, "display");
    jw_obj_begin(w);
    jw_key(w, "value");
    jw_str(w, l->value);
    jw_key(w, "unit");
    jw_str(w, l->unit);
    jw_key(w, "id");
    jw_str(w, l->id);
    jw_key(w, "text");
    jw_str(w, l->text);
    jw_key(w, "mode");
    jw_str(w, lcd_mode_name((enum lcd_mode)l->mode));
    jw_key(w, "item");
    jw_uint(w, l->item);
    jw_key(w, "quadrant");
    jw_uint(w, l->quadrant);
    jw_key(w, "tariff");
    jw_uint(w, l->tariff);
    jw_key(w, "symbols");
    jw_arr_begin(w);
    for (size_t k = 0; k < nsym && k < sizeof sym / sizeof sym[0]; k++)
        jw_str(w, sym[k]);
    jw_arr_end(w);
    jw_obj_end(w);
}

/* Stored billing snapshots, newest first: every billed row as it was at
 * the end of that period (obj_read_at, as the protocols read C.D.E*F). */
static void write_billing(struct json_w *w, const struct sim *s)
{
    const struct meter *m = &s->v->m;
    unsigned n = billing_snapshot_count(m);
    jw_key(w, "billing");
    jw_arr_begin(w);
    for (unsigned ago = 1; ago <= n; ago++) {
        struct billing_rec rec;
        if (billing_snapshot_read(m, ago, &rec) != METER_OK)
            continue;
        char t[40];
        time_local(s, (int64_t)rec.time, t, sizeof t); /* local, with the offset in force */
        jw_obj_begin(w);
        jw_key(w, "period");
        jw_uint(w, rec.period);
        jw_key(w, "time");
        jw_str(w, t);
        jw_key(w, "registers");
        jw_obj_begin(w);
        for (size_t k = 0; k < objtab_count(); k++) {
            const struct obj_def *o = objtab_at(k);
            struct obj_value v;
            if (o == NULL || o->bill == 0 || obj_read_at(m, o, ago, METER_ACC_PUBLIC, &v) != METER_OK)
                continue;
            char key[32];
            obis_format_short(&o->ln, key, sizeof key);
            write_register(w, s, o, key, &v, false);
        }
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void write_events(struct json_w *w, const struct sim *s)
{
    const struct meter *m = &s->v->m;
    uint32_t n = evlog_available(m);
    jw_key(w, "events");
    jw_arr_begin(w);
    for (uint32_t k = 0; k < n; k++) {
        struct evlog_rec r;
        if (evlog_get(m, k, &r) != METER_OK)
            continue;
        char t[40];
        time_standard(s, r.time, t, sizeof t);
        jw_obj_begin(w);
        jw_key(w, "time");
        jw_str(w, t);
        jw_key(w, "log");
        jw_str(w, evlog_log_name((enum evlog_log)r.log));
        jw_key(w, "type");
        jw_str(w, evlog_code_name((enum evlog_code)r.code));
        if (r.code == EV_LOADCTL_SWITCH) { /* ui: a load relay, not the disconnector */
            jw_key(w, "relay");
            jw_uint(w, (unsigned)r.a);
            jw_key(w, "closed");
            jw_uint(w, (unsigned)r.b & 1u);
            jw_key(w, "source");
            jw_str(w, loadctl_source_name((enum loadctl_source)((unsigned)r.b >> 8)));
        } else if (r.log == EVLOG_DISCONNECT) {
            jw_key(w, "cause");
            jw_str(w, relay_cause_name((enum relay_cause)r.a));
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* Events per log: since manufacture (the 0-0:96.129.10.. counters) and
 * still readable in the log's ring (0-0:99.98.x entries). */
static void write_event_counts(struct json_w *w, const struct sim *s)
{
    const struct meter *m = &s->v->m;
    jw_key(w, "event_counts");
    jw_obj_begin(w);
    for (unsigned log = 0; log < EVLOG_COUNT; log++) {
        jw_key(w, evlog_log_name((enum evlog_log)log));
        jw_obj_begin(w);
        jw_key(w, "total");
        jw_uint(w, evlog_total(m, (enum evlog_log)log));
        jw_key(w, "stored");
        jw_uint(w, evlog_count(m, (enum evlog_log)log));
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

int json_out_report(FILE *f, const struct sim *s)
{
    struct json_w w;
    char t[40];
    const struct meter *m = &s->v->m;
    jw_init(&w, f, 3);
    jw_obj_begin(&w);
    time_local(s, m->now, t, sizeof t);
    jw_key(&w, "time");
    jw_str(&w, t);
    write_registers(&w, s);

    static const char *const ref_keys[MEAS_QTY] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0"};
    jw_key(&w, "reference");
    jw_obj_begin(&w);
    for (unsigned q = 0; q < MEAS_QTY; q++) {
        jw_key(&w, ref_keys[q]);
        jw_fixed(&w, blocks_ref_kwh(&s->ref, q), 9);
    }
    jw_obj_end(&w);

    write_billing(&w, s);
    write_display(&w, s);
    write_events(&w, s);
    write_event_counts(&w, s);

    /* extras */
    jw_key(&w, "pulses");
    jw_uint(&w, s->v->hw.pulses);
    jw_key(&w, "relay");
    jw_str(&w, s->v->hw.relay[METER_RELAY_MAIN] ? "closed" : "open");
    jw_key(&w, "status");
    jw_uint(&w, m->status & ~(uint32_t)METER_ST_UNPERSONALISED); /* SIMULATOR.md: 0 = nothing to report */
    jw_key(&w, "power");
    jw_str(&w, s->power_on ? "on" : "off");
    jw_key(&w, "power_ups");
    jw_uint(&w, s->power_ups);
    jw_key(&w, "feed");
    jw_str(&w, s->feed == SIM_FEED_SAMPLES ? "samples" : "blocks");
    /* the reference covers this run: from the scenario start, or from the
     * resumed time of a --state run */
    scenario_format_local(&s->sc.zone, s->sc.start_utc + s->t0, t, sizeof t);
    jw_key(&w, "reference_since");
    jw_str(&w, t);
    scenario_format_local(&s->sc.zone, s->sc.start_utc + s->t / 1000, t, sizeof t);
    jw_key(&w, "sim_time");
    jw_str(&w, t);
    /* the meter's clock minus the true time: the RTC's own count (its
     * fractions of a second), or the core's time when the RTC lost it */
    double truth = (double)s->sc.start_utc + (double)s->t / 1000.0;
    jw_key(&w, "clock_error_s");
    jw_fixed(&w, (s->v->hw.rtc_valid ? host_rtc_time(&s->v->hw) : (double)m->now) - truth, 3);
    /* the RTC crystal's own rate error now (before the firmware's trim), and the trim */
    jw_key(&w, "rtc_xtal_ppm");
    jw_fixed(&w, s->v->hw.rtc_xtal_ppm, 3);
    jw_key(&w, "rtc_trim_ppm");
    jw_fixed(&w, s->v->hw.rtc_trim_ppb / 1000.0, 3);
    jw_key(&w, "sim_seconds");
    jw_int(&w, s->t / 1000 - s->t0);
    jw_obj_end(&w);
    fputc('\n', f);
    return ferror(f) || fflush(f) != 0 ? -1 : 0;
}
