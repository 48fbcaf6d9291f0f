/*
 * sim.c — trimeter-sim: options, checks, run loop, feeds, events, pacing
 * (see sim.h for the shape of the loop and how to extend it).
 */
#include "sim.h"

#include <complex.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cosem/obis.h"
#include "cosem/objtab.h"
#include "calib.h"
#include "json_out.h"
#include "port_serve.h"
#include "wmbus_out.h"
#include "pulse_log.h"
#include "replay.h"
#include "tui.h"
#include "ui/display.h"
#include "ui/lcd.h"

static volatile sig_atomic_t sim_quit_requested;

void sim_request_quit(void)
{
    sim_quit_requested = 1;
}

/* ---- options ------------------------------------------------------------------ */

static int opt_scenario(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)err;
    (void)n;
    o->scenario = a;
    return 0;
}

static int opt_fast(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->fast = true;
    return 0;
}

static int opt_headless(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->headless = true;
    return 0;
}

static int opt_json(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->json = true;
    return 0;
}

static int opt_help(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->help = true;
    return 0;
}

static int opt_list_config(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->list_config = true;
    return 0;
}

static int opt_state(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    if (a[0] == '\0') {
        snprintf(err, n, "empty file name");
        return -1;
    }
    o->state = a;
    return 0;
}

static int opt_until(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    o->until_set = true;
    snprintf(o->until_text, sizeof o->until_text, "%s", a);
    return cli_until(a, &o->until, &o->until_abs, err, n);
}

static int opt_feed(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    if (strcmp(a, "samples") == 0)
        o->feed = SIM_FEED_SAMPLES;
    else if (strcmp(a, "blocks") == 0)
        o->feed = SIM_FEED_BLOCKS;
    else if (strcmp(a, "auto") == 0)
        o->feed = SIM_FEED_AUTO;
    else {
        snprintf(err, n, "unknown feed \"%s\" (samples, blocks or auto)", a);
        return -1;
    }
    return 0;
}

static int opt_seed(void *opts, const char *a, char *err, size_t n)
{
    struct sim_opts *o = opts;
    if (cli_u64(a, 0, UINT64_MAX, &o->seed, err, n) < 0)
        return -1;
    o->seed_set = true;
    return 0;
}

/* The command line. Add an option by adding a row (and its apply function). */
const struct cli_option sim_options[] = {
    {"--pulse-log", "FILE", pulse_log_option, "write every LED/S0 pulse (time, width, count) to FILE"},
    {"--scenario", "FILE", opt_scenario, "load a scenario (default " SIM_DEFAULT_SCENARIO ")"},
    {"--fast", NULL, opt_fast, "as fast as possible, no terminal UI, no pacing (wins over real time)"},
    {"--headless", NULL, opt_headless, "real time without the terminal UI (automatic without a terminal)"},
    {"--until", "DURATION|ISO-TIME", opt_until, "run for a duration (1h30m) or up to a time (with offset)"},
    {"--feed", "samples|blocks|auto", opt_feed, "waveforms through ADC and DSP, or exact blocks (auto: samples up to 24 h)"},
    {"--json", NULL, opt_json, "print the final state as one JSON object on stdout"},
    {"--state", "FILE", opt_state, "EEPROM image file: created if missing, resumed if present"},
    {"--seed", "N", opt_seed, "fix the noise of the ADC model"},
    {"--replay", "FILE.wav", replay_option, "feed a WAV file (V1 I1 V2 I2 V3 I3 [IN]) through the ADC model and DSP"},
    {"--replay-scale", "VOLTS,AMPS", replay_scale_option, "full-scale values of the replay file (default 600,200)"},
    {"--optical", "tcp:PORT|pty:PATH", port_serve_option_optical, "serve the optical port (KMP, IEC 62056-21, DLMS/COSEM over HDLC) on 127.0.0.1 TCP or a pty"},
    {"--rs485", "tcp:PORT|pty:PATH", port_serve_option_rs485, "serve the serial module port (RS-485/RS-232: DLMS/COSEM over HDLC, KMP) on 127.0.0.1 TCP or a pty"},
    {"--dlms", "tcp:PORT", port_serve_option_dlms, "serve the TCP/IP module (DLMS/COSEM, IEC 62056-47 wrapper; several clients at once; 4059 is the standard port)"},
    {"--han", "tcp:PORT|pty:PATH", port_serve_option_han, "serve the HAN push line (DLMS data-notifications in HDLC) on 127.0.0.1 TCP or a pty"},
    {"--mbus", "tcp:PORT|pty:PATH", port_serve_option_mbus, "serve the wired M-Bus module (EN 13757-2/-3 slave) on 127.0.0.1 TCP or a pty"},
    {"--wmbus", "FILE|-", wmbus_out_option, "write every wireless M-Bus telegram as a line of hex (wmbusmeters stdin:hex)"},
    {"--list-config", NULL, opt_list_config, "print the scenario config keys (docs/SCENARIOS.md table) and exit"},
    {"--help", NULL, opt_help, "this text"},
    {NULL, NULL, NULL, NULL},
};

void sim_usage(FILE *f)
{
    fputs("usage: trimeter-sim [options]\n"
          "The virtual trimeter meter. Without options: interactive, real time, scenario\n" SIM_DEFAULT_SCENARIO
          ", state in $XDG_STATE_HOME/trimeter/meter.eeprom.\n\n",
          f);
    cli_usage(sim_options, f, 32);
    fputs("\nExit status: 0 success, 2 bad input (command line or scenario), 1 other failure.\n", f);
}

void sim_opts_free(struct sim_opts *o)
{
    if (o->source.close != NULL)
        o->source.close(o->source.ctx);
    o->source.close = NULL;
    o->source.ctx = NULL;
    o->source.fill = NULL;
    for (unsigned k = 0; k < o->nattach; k++)
        if (o->attach[k].stop != NULL)
            o->attach[k].stop(NULL, o->attach[k].ctx);
    o->nattach = 0;
}

static int parse_args(int argc, char **argv, struct sim_opts *o, char *err, size_t n);

int sim_parse_args(int argc, char **argv, struct sim_opts *o, char *err, size_t n)
{
    int r = parse_args(argc, argv, o, err, n);
    if (r != 0)
        sim_opts_free(o); /* a refused command line leaves nothing behind */
    return r;
}

static int parse_args(int argc, char **argv, struct sim_opts *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->feed = SIM_FEED_AUTO;
    return cli_parse(sim_options, argc, argv, o, err, n);
}

int sim_attach_add(struct sim_opts *o, const struct sim_attach *a)
{
    if (o->nattach >= SIM_MAX_ATTACH)
        return -1;
    o->attach[o->nattach++] = *a;
    return 0;
}

/* ---- messages ------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sim_note(struct sim *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->note, sizeof s->note, fmt, ap);
    va_end(ap);
    if (s->mode != SIM_MODE_INTERACTIVE)
        fprintf(stderr, "trimeter-sim: %s\n", s->note);
}

/* ---- config values through the object table -------------------------------------- */

/* Turn a scenario value into the row's struct obj_value. The row's current
 * value on meter m tells the type; numbers are in the row's unit and scaler
 * (docs/SCENARIOS.md). 0, or -1 with the reason in why. */
static int cfg_convert(const struct meter *m, const struct obj_def *o, const struct scn_config_item *it,
                       const struct clock_zone *z, struct obj_value *v, struct obj_value *cur, bool *have_cur,
                       char *why, size_t n)
{
    memset(v, 0, sizeof *v);
    memset(cur, 0, sizeof *cur);
    cur->unit = o->unit;
    cur->scaler = o->scaler;
    *have_cur = o->get != NULL && o->get(m, o, cur) == METER_OK;
    uint8_t type = *have_cur ? cur->type
                   : it->kind == SCN_VAL_STRING ? OBJ_T_STRING
                   : it->kind == SCN_VAL_BOOL   ? OBJ_T_BOOL
                                                : OBJ_T_INT;
    v->type = type;
    v->unit = o->unit;
    v->scaler = o->scaler;
    switch (type) {
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_ENUM: {
        if (it->kind != SCN_VAL_NUMBER) {
            snprintf(why, n, "must be a number (%s%s)", unit_text(o->unit)[0] ? "in " : "unit-less",
                     unit_text(o->unit));
            return -1;
        }
        double x = it->num / pow(10.0, o->scaler);
        double r = nearbyint(x);
        if (fabs(x - r) > 1e-6 * fmax(1.0, fabs(x))) {
            snprintf(why, n, "%g is finer than the resolution 1e%d %s", it->num, o->scaler, unit_text(o->unit));
            return -1;
        }
        if (r > 9.2e18 || r < -9.2e18 || (type == OBJ_T_UINT && r < 0)) {
            snprintf(why, n, "%g is out of range", it->num);
            return -1;
        }
        v->i = (int64_t)r;
        return 0;
    }
    case OBJ_T_BOOL:
        if (it->kind == SCN_VAL_BOOL) {
            v->i = it->b;
            return 0;
        }
        if (it->kind == SCN_VAL_NUMBER && (it->num == 0.0 || it->num == 1.0)) {
            v->i = (int64_t)it->num;
            return 0;
        }
        snprintf(why, n, "must be true or false");
        return -1;
    case OBJ_T_STRING:
        if (it->kind != SCN_VAL_STRING) {
            snprintf(why, n, "must be a string");
            return -1;
        }
        v->len = (uint8_t)strlen(it->str);
        memcpy(v->s, it->str, v->len);
        return 0;
    case OBJ_T_DATETIME:
    case OBJ_T_DATE: {
        int off;
        const char *w;
        if (it->kind == SCN_VAL_NUMBER) {
            v->i = (int64_t)it->num;
            return 0;
        }
        if (it->kind == SCN_VAL_STRING && scenario_parse_time(it->str, &v->i, &off, &w) == 0)
            return 0;
        snprintf(why, n, "must be a time like 2026-03-29T00:00:00+02:00");
        return -1;
    }
    case OBJ_T_TIME: {
        unsigned h, mi, se = 0;
        char extra;
        if (it->kind == SCN_VAL_STRING &&
            (sscanf(it->str, "%2u:%2u:%2u%c", &h, &mi, &se, &extra) == 3 ||
             sscanf(it->str, "%2u:%2u%c", &h, &mi, &extra) == 2) &&
            h < 24 && mi < 60 && se < 60) {
            v->i = (int64_t)(h * 3600 + mi * 60 + se);
            return 0;
        }
        snprintf(why, n, "must be a time of day like \"09:00\"");
        return -1;
    }
    default:
        (void)z;
        snprintf(why, n, "this object cannot be set from a scenario");
        return -1;
    }
}

static bool value_equal(const struct obj_value *a, const struct obj_value *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == OBJ_T_STRING)
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    return a->i == b->i && a->scaler == b->scaler;
}

/* Decimal digits of a text value (a serial number) as a number; -1 if not. */
static long long digits_value(const char *s, size_t len)
{
    long long x = 0;
    if (len == 0 || len > 12)
        return -1;
    for (size_t k = 0; k < len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        x = x * 10 + (s[k] - '0');
    }
    return x;
}

/* The factory's personalisation of a fresh virtual meter: the serial
 * number from the scenario's `config` key `serial` (SIMULATOR.md), else
 * CALIB_SERIAL_DEFAULT, written sealed as the calibration is. */
static int factory_identity(struct vmeter *v, const struct scenario *sc, char *err, size_t n)
{
    const struct obj_def *o = objtab_find_key("serial");
    if (o == NULL)
        return 0; /* firmware without a serial row: nothing to personalise */
    for (size_t k = 0; k < sc->nconfig_top; k++) {
        const struct scn_config_item *it = &sc->config[k];
        if (strcmp(it->key, "serial") != 0)
            continue;
        long long x = it->kind == SCN_VAL_STRING ? digits_value(it->str, strlen(it->str)) : -1;
        if (x < 0 || strlen(it->str) > 8) {
            snprintf(err, n, "%s: %s: the serial number must be a string of 1 to 8 decimal digits", sc->file,
                     it->path);
            return -1;
        }
        int r = calib_write_serial(v, (uint32_t)x);
        if (r < 0) {
            snprintf(err, n, "%s: %s: refused by the meter: %s", sc->file, it->path, meter_strerror(r));
            return -1;
        }
        return 0;
    }
    int r = calib_write_serial(v, CALIB_SERIAL_DEFAULT);
    if (r < 0) {
        snprintf(err, n, "factory serial number of the virtual meter refused: %s", meter_strerror(r));
        return -1;
    }
    return 0;
}

/* Write one config item into meter m (the real one or a scratch one).
 * An unchanged value is not written again (no audit noise on resume). */
static int cfg_apply(struct meter *m, const struct scenario *sc, const struct scn_config_item *it, char *err,
                     size_t n)
{
    const struct obj_def *o = objtab_find_key(it->key);
    char why[200];
    if (o == NULL) {
        snprintf(err, n, "%s: %s: unknown configuration key \"%s\": not supported by this firmware", sc->file,
                 it->path, it->key);
        return -1;
    }
    struct obj_value v, cur;
    bool have_cur;
    if (cfg_convert(m, o, it, &sc->zone, &v, &cur, &have_cur, why, sizeof why) < 0) {
        snprintf(err, n, "%s: %s: %s", sc->file, it->path, why);
        return -1;
    }
    if (have_cur && value_equal(&v, &cur))
        return 0;
    if (strcmp(it->key, "serial") == 0) {
        /* the factory wrote it (fresh meter); a resumed meter keeps its own */
        if (have_cur && v.type == OBJ_T_STRING && digits_value(v.s, v.len) >= 0 &&
            digits_value(v.s, v.len) == digits_value(cur.s, cur.len))
            return 0;
        snprintf(err, n, "%s: %s: the serial number is set at the factory and sealed (this meter is %.*s)", sc->file,
                 it->path, have_cur ? (int)cur.len : 1, have_cur ? cur.s : "?");
        return -1;
    }
    int r = obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM);
    if (r < 0) {
        snprintf(err, n, "%s: %s: refused by the meter: %s%s", sc->file, it->path, meter_strerror(r),
                 r == METER_EACCES && (o->flags & OBJ_F_LEGAL) ? " (legal parameter: calibration switch open)" : "");
        return -1;
    }
    return 0;
}

/* The zone the scenario's `start` and `timezone` imply, for the meter's own
 * zone objects when the firmware has them and the scenario does not set them. */
static int cfg_apply_zone(struct meter *m, const struct scenario *sc, char *err, size_t n)
{
    struct scn_config_item it;
    bool set_tz = true, set_off = true;
    for (size_t k = 0; k < sc->nconfig_top; k++) {
        if (strcmp(sc->config[k].key, "timezone") == 0)
            set_tz = false;
        if (strcmp(sc->config[k].key, "utc_offset_min") == 0)
            set_off = false;
    }
    if (set_off && objtab_find_key("utc_offset_min") != NULL) {
        memset(&it, 0, sizeof it);
        snprintf(it.key, sizeof it.key, "utc_offset_min");
        snprintf(it.path, sizeof it.path, "start");
        it.kind = SCN_VAL_NUMBER;
        it.num = sc->zone.std_offset_min;
        if (cfg_apply(m, sc, &it, err, n) < 0)
            return -1;
    }
    if (set_tz && objtab_find_key("timezone") != NULL) {
        memset(&it, 0, sizeof it);
        snprintf(it.key, sizeof it.key, "timezone");
        snprintf(it.path, sizeof it.path, "timezone");
        it.kind = SCN_VAL_STRING;
        snprintf(it.str, sizeof it.str, "%s", sc->zone.mode == CLOCK_DST_EU ? "EU" : "none");
        if (cfg_apply(m, sc, &it, err, n) < 0)
            return -1;
    }
    return 0;
}

static int cfg_apply_range(struct meter *m, const struct scenario *sc, size_t first, size_t count, char *err,
                           size_t n)
{
    for (size_t k = first; k < first + count; k++)
        if (cfg_apply(m, sc, &sc->config[k], err, n) < 0)
            return -1;
    return 0;
}

/* Scenario `remote` commands -> (object key, method) (CONTRACTS.md). */
static const struct {
    const char *key;
    unsigned method;
} remote_map[] = {
    [SCN_RC_DISCONNECT] = {"disconnector", 1},
    [SCN_RC_RECONNECT] = {"disconnector", 2},
    [SCN_RC_RELEASE] = {"disconnector_release", 1},
    [SCN_RC_BILLING_RESET] = {"end_of_billing", 1},
    [SCN_RC_TOPUP] = {"prepay_credit", 1},
};

/* ---- checks before anything is touched ---------------------------------------------- */

static struct vmeter *scratch_meter(const struct scenario *sc, uint8_t **nvm)
{
    struct vmeter *v = calloc(1, sizeof *v);
    *nvm = malloc(VMETER_NVM_SIZE);
    if (v == NULL || *nvm == NULL) {
        free(v);
        free(*nvm);
        return NULL;
    }
    memset(*nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(v, *nvm, VMETER_NVM_SIZE, sc->start_utc);
    return v;
}

/* Dry run of everything the scenario asks of the object table, on a
 * factory-fresh meter in memory. */
static int check_scenario_objects(const struct scenario *sc, char *err, size_t n)
{
    uint8_t *nvm;
    struct vmeter *v = scratch_meter(sc, &nvm);
    if (v == NULL) {
        snprintf(err, n, "%s: out of memory", sc->file);
        return SIM_EXIT_FAIL;
    }
    int r = SIM_EXIT_OK;
    if (factory_identity(v, sc, err, n) < 0 || cfg_apply_zone(&v->m, sc, err, n) < 0 ||
        cfg_apply_range(&v->m, sc, 0, sc->nconfig_top, err, n) < 0) {
        r = SIM_EXIT_BAD_INPUT;
        goto out;
    }
    for (size_t k = 0; k < sc->nev; k++) {
        const struct scn_event *e = &sc->ev[k];
        const struct obj_def *o;
        switch (e->type) {
        case SCN_EV_CLOCK_SET:
            o = objtab_find_key("clock");
            if (o == NULL || o->set == NULL) {
                snprintf(err, n, "%s: %s.type: clock_set is not supported by this firmware (no settable object \"clock\")",
                         sc->file, e->path);
                r = SIM_EXIT_BAD_INPUT;
                goto out;
            }
            break;
        case SCN_EV_REMOTE:
            o = objtab_find_key(remote_map[e->command].key);
            if (o == NULL || o->act == NULL) {
                snprintf(err, n, "%s: %s.command: \"%s\" is not supported by this firmware (no object \"%s\" with methods)",
                         sc->file, e->path, scenario_remote_name(e->command), remote_map[e->command].key);
                r = SIM_EXIT_BAD_INPUT;
                goto out;
            }
            break;
        case SCN_EV_CONFIG:
            if (cfg_apply_range(&v->m, sc, e->cfg_first, e->ncfg, err, n) < 0) {
                r = SIM_EXIT_BAD_INPUT;
                goto out;
            }
            break;
        default:
            break;
        }
    }
out:
    free(v);
    free(nvm);
    return r;
}

/* The default scenario: relative to the working directory, else in the
 * source tree the binary was built from. */
static void default_scenario(char *out, size_t n)
{
    snprintf(out, n, "%s", SIM_DEFAULT_SCENARIO);
#ifdef SIM_SOURCE_DIR
    if (access(out, R_OK) == 0)
        return;
    char alt[PATH_MAX + 64];
    int w = snprintf(alt, sizeof alt, "%s/%s", SIM_SOURCE_DIR, SIM_DEFAULT_SCENARIO);
    if (w > 0 && (size_t)w < sizeof alt && (size_t)w < n && access(alt, R_OK) == 0)
        memcpy(out, alt, (size_t)w + 1);
#endif
}

int sim_prepare(struct sim *s, const struct sim_opts *o, char *err, size_t n)
{
    memset(s, 0, sizeof *s);
    s->opts = *o;
    s->sf.fd = -1;
    if (o->fast)
        s->mode = SIM_MODE_FAST;
    else if (o->headless || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        s->mode = SIM_MODE_HEADLESS;
    else
        s->mode = SIM_MODE_INTERACTIVE;

    if (o->scenario != NULL)
        snprintf(s->scenario_path, sizeof s->scenario_path, "%s", o->scenario);
    else
        default_scenario(s->scenario_path, sizeof s->scenario_path);
    if (scenario_load(s->scenario_path, &s->sc, err, n) < 0)
        return SIM_EXIT_BAD_INPUT;
    int r = check_scenario_objects(&s->sc, err, n);
    if (r != SIM_EXIT_OK)
        return r;

    if (o->state != NULL) {
        snprintf(s->state_path, sizeof s->state_path, "%s", o->state);
    } else if (s->mode == SIM_MODE_INTERACTIVE) {
        if (state_file_default_path(s->state_path, sizeof s->state_path) == NULL) {
            snprintf(err, n, "command line: no --state and neither XDG_STATE_HOME nor HOME is set");
            return SIM_EXIT_BAD_INPUT;
        }
        s->state_make_dirs = true;
    }
    if (s->state_path[0] != '\0' &&
        state_file_check(s->state_path, VMETER_NVM_SIZE, s->state_make_dirs, err, n) < 0)
        return SIM_EXIT_BAD_INPUT;
    return SIM_EXIT_OK;
}

/* ---- waveforms ---------------------------------------------------------------------- */

static struct wave_comp *comp_at(struct wave_phase *ph, double mult)
{
    for (unsigned k = 0; k < ph->ncomp; k++)
        if (fabs(ph->c[k].mult - mult) < 1e-12)
            return &ph->c[k];
    return NULL;
}

/* The meter's neutral terminal floats: the loads (admittances Y_k = I_k/U_k
 * of the fundamental) form a star whose point settles at
 * U_N = sum U_k Y_k / sum Y_k; the meter measures U_k - U_N and the loads
 * draw Y_k (U_k - U_N). The meter's own dividers are a weak symmetric star
 * (Y_M) that keeps U_N defined without load. Harmonic voltages shift by the
 * same weights; harmonic currents follow their phase's fundamental in scale
 * and (n times) angle. */
static void neutral_float(struct wave_set *ws)
{
    const double complex ym = 1e-6; /* ~1 Mohm per phase */
    double complex y[3], i_old[3], i_new[3];
    double complex ysum = 0.0;
    for (int k = 0; k < 3; k++) {
        struct wave_comp *f = comp_at(&ws->ph[k], 1.0);
        y[k] = 0.0;
        i_old[k] = 0.0;
        if (f != NULL && f->u_rms > 1e-9) {
            double complex u = f->u_rms * cexp(I * f->u_ph);
            i_old[k] = f->i_rms * cexp(I * f->i_ph);
            y[k] = i_old[k] / u;
        }
        ysum += y[k] + ym;
    }
    /* every frequency present in any phase: shift its voltages */
    for (int k = 0; k < 3; k++)
        for (unsigned c = 0; c < ws->ph[k].ncomp; c++) {
            double mult = ws->ph[k].c[c].mult;
            bool done = false;
            for (int j = 0; j < k && !done; j++)
                done = comp_at(&ws->ph[j], mult) != NULL;
            for (unsigned d = 0; d < c && !done; d++)
                done = fabs(ws->ph[k].c[d].mult - mult) < 1e-12;
            if (done)
                continue;
            double complex un = 0.0;
            for (int j = 0; j < 3; j++) {
                struct wave_comp *x = comp_at(&ws->ph[j], mult);
                if (x != NULL)
                    un += x->u_rms * cexp(I * x->u_ph) * (y[j] + ym);
            }
            un /= ysum;
            for (int j = 0; j < 3; j++) {
                struct wave_comp *x = comp_at(&ws->ph[j], mult);
                double complex u = x != NULL ? x->u_rms * cexp(I * x->u_ph) : 0.0;
                u -= un;
                if (x == NULL) {
                    if (cabs(u) < 1e-12 || ws->ph[j].ncomp >= WAVE_MAX_COMP)
                        continue;
                    x = &ws->ph[j].c[ws->ph[j].ncomp++];
                    memset(x, 0, sizeof *x);
                    x->mult = mult;
                }
                x->u_rms = cabs(u);
                x->u_ph = carg(u);
            }
        }
    /* currents */
    for (int k = 0; k < 3; k++) {
        struct wave_comp *f = comp_at(&ws->ph[k], 1.0);
        if (f == NULL)
            continue;
        i_new[k] = y[k] * f->u_rms * cexp(I * f->u_ph);
        double scale = cabs(i_old[k]) > 1e-12 ? cabs(i_new[k]) / cabs(i_old[k]) : 0.0;
        double turn = cabs(i_old[k]) > 1e-12 ? carg(i_new[k]) - carg(i_old[k]) : 0.0;
        for (unsigned c = 0; c < ws->ph[k].ncomp; c++) {
            struct wave_comp *x = &ws->ph[k].c[c];
            if (x == f) {
                x->i_rms = cabs(i_new[k]);
                x->i_ph = carg(i_new[k]);
            } else {
                x->i_rms *= scale;
                x->i_ph += x->mult * turn;
            }
        }
        ws->ph[k].i_dc *= scale;
    }
}

/* ui: an open disconnector carries no current; the supply side keeps its
 * voltages (the meter measures there). */
static void load_disconnect(struct wave_set *ws)
{
    for (int k = 0; k < 3; k++) {
        for (unsigned c = 0; c < ws->ph[k].ncomp; c++)
            ws->ph[k].c[c].i_rms = 0.0;
        ws->ph[k].i_dc = 0.0;
    }
}

static void load_segment(struct sim *s, int64_t sec)
{
    s->seg = scenario_segment_at(&s->sc, sec, &s->seg_end);
    const struct scn_segment *sg = &s->sc.seg[s->seg];
    *s->ws = *sg->ws;
    s->load_connected = s->v->hw.relay[METER_RELAY_MAIN];
    if (!s->load_connected)
        load_disconnect(s->ws);
    if (s->neutral_lost && s->sc.wiring == METRO_WIRE_4W)
        neutral_float(s->ws);
    /* what the meter's elements see (Aron: line voltages to L2) */
    wave_wire(s->ws, s->sc.wiring);
    s->t_amb = sg->temperature;
    for (int k = 0; k < 3; k++) {
        struct wave_ref r;
        wave_reference(&s->ws->ph[k], &r);
        s->irms[k] = r.irms;
    }
    blocks_prepare_wired(&s->bs, s->ws, sg->frequency, s->sc.wiring);
    if (s->feed == SIM_FEED_SAMPLES)
        wave_gen_load(s->gen, s->ws, sg->frequency, 0.0); /* the fundamental's phase runs on */
    s->seg_valid = true;
}

/* ---- power ------------------------------------------------------------------------- */

static uint64_t run_ms(const struct sim *s, int64_t t)
{
    return (uint64_t)(t - s->t0 * 1000);
}

static void tick_attached(struct sim *s)
{
    for (unsigned k = 0; k < s->opts.nattach; k++)
        if (s->opts.attach[k].tick != NULL)
            s->opts.attach[k].tick(s, s->opts.attach[k].ctx);
}

/* The core runs on for ms without mains: the ADC converts nothing but its
 * own offset and noise (samples feed) and the main loop polls every
 * SIM_POLL_MS. */
static void run_without_mains(struct sim *s, int ms)
{
    struct vmeter *v = s->v;
    static const double zero[METER_CHANNELS];
    int32_t cnt[METER_CHANNELS];
    for (int t = 0; t < ms; t += SIM_POLL_MS) {
        if (s->feed == SIM_FEED_SAMPLES) {
            for (int k = 0; k < METER_SAMPLE_RATE * SIM_POLL_MS / 1000; k++) {
                adc_quantise(&s->adc, zero, cnt);
                vmeter_step_sample(v, cnt);
            }
        } else {
            v->hw.sim_ms += SIM_POLL_MS;
        }
        meter_poll(&v->m);
    }
}

/* Mains lost (docs/METROLOGY.md, "Supply"): the supply monitor warns
 * SIM_PFAIL_DETECT_MS later, as the DC bus falls to its comparator's
 * threshold; the bulk capacitor then holds the core up for SIM_HOLDUP_MS,
 * and the EEPROM time the emergency save takes must fit in it. */
static void power_down(struct sim *s)
{
    struct vmeter *v = s->v;
    if (!s->power_on)
        return;
    run_without_mains(s, SIM_PFAIL_DETECT_MS);
    v->hw.supply_ok = false;
    meter_power_fail(&v->m);
    uint64_t busy0 = v->hw.eeprom.busy_us;
    run_without_mains(s, SIM_HOLDUP_MS);
    s->holdup_used_us = v->hw.eeprom.busy_us - busy0;
    if (s->holdup_used_us > (uint64_t)SIM_HOLDUP_MS * 1000u) {
        s->holdup_overruns++;
        sim_note(s, "power-fail save took %.1f ms of EEPROM time, the supply holds up %d ms",
                 (double)s->holdup_used_us / 1000.0, SIM_HOLDUP_MS);
    }
    s->power_on = false;
    s->power_off_at = s->t;
}

/* Power returns: RAM is lost; the core boots on the same EEPROM image.
 * The RTC ran on its backup meanwhile (or lost time if that ran out). */
static void power_up(struct sim *s)
{
    struct vmeter *v = s->v;
    host_rtc_outage(&v->hw, (uint64_t)(s->t - s->power_off_at));
    memset(&v->m, 0, sizeof v->m);
    v->hw.supply_ok = true;
    meter_init(&v->m, &v->hal);
    s->power_on = true;
    s->power_ups++;
}

/* ---- pacing and the screen ---------------------------------------------------------- */

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fmt_row(const struct meter *m, const char *code, struct tui_row *row)
{
    const struct obj_def *o = objtab_find_str(code);
    struct obj_value v;
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "%s", code);
    if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) != METER_OK) {
        snprintf(row->value, sizeof row->value, "-");
        return;
    }
    if (obj_format_value(o, &v, row->value, sizeof row->value) < 0)
        snprintf(row->value, sizeof row->value, "?");
    snprintf(row->unit, sizeof row->unit, "%s", obj_unit_text(o));
    snprintf(row->name, sizeof row->name, "%s", o->name != NULL ? o->name : "");
}

static void draw(struct sim *s)
{
    static const char *const codes[] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0", "1.7.0", "2.7.0",
                                        "32.7.0", "52.7.0", "72.7.0", "31.7.0", "51.7.0", "71.7.0",
                                        "14.7.0", "13.7.0"};
    struct tui_view view;
    const struct meter *m = &s->v->m;
    memset(&view, 0, sizeof view);
    scenario_format_local(&s->sc.zone, m->now, view.time, sizeof view.time);
    const struct lcd_state *lcd = display_state(m);
    snprintf(view.disp_id, sizeof view.disp_id, "%s", lcd->id);
    snprintf(view.disp_value, sizeof view.disp_value, "%s", lcd->value);
    snprintf(view.disp_unit, sizeof view.disp_unit, "%s", lcd->unit);
    snprintf(view.disp_text, sizeof view.disp_text, "%s", lcd->text);
    view.lcd = *lcd; /* ui: the terminal draws the whole LCD */
    view.led = s->v->hw.pulse_on;
    view.aux[0] = s->v->hw.relay[METER_RELAY_AUX1];
    view.aux[1] = s->v->hw.relay[METER_RELAY_AUX2];
    struct obj_value pin;
    if (obj_read(m, objtab_find_str("96.130.70"), METER_ACC_PUBLIC, &pin) == METER_OK)
        view.pulse_in = (uint32_t)pin.i;
    for (size_t k = 0; k < sizeof codes / sizeof codes[0] && k < TUI_ROWS_MAX; k++)
        fmt_row(m, codes[k], &view.rows[view.nrows++]);
    view.power_on = s->power_on;
    view.relay_closed = s->v->hw.relay[METER_RELAY_MAIN];
    view.pulses = s->v->hw.pulses;
    view.cover_open = (s->v->hw.inputs & METER_IN_COVER_OPEN) != 0;
    view.magnet = (s->v->hw.inputs & METER_IN_MAGNET) != 0;
    view.neutral_lost = s->neutral_lost;
    const struct scn_segment *sg = &s->sc.seg[s->seg];
    snprintf(view.segment, sizeof view.segment, "%s", sg->label[0] ? sg->label : "segment");
    snprintf(view.feed, sizeof view.feed, "%s", s->feed == SIM_FEED_SAMPLES ? "samples" : "blocks");
    snprintf(view.note, sizeof view.note, "%s", s->note);
    tui_draw(s->tui, &view);
}

/* Wait until the wall clock reaches simulated time t (ms); serve keys and
 * the screen meanwhile. */
static void pace(struct sim *s, int64_t t)
{
    if (s->mode == SIM_MODE_FAST)
        return;
    int64_t target = s->wall0_ns + (t - s->wall_t) * 1000000;
    int64_t now = wall_ns();
    if (now - target > 2000000000) { /* far behind (suspended?): do not race to catch up */
        s->wall0_ns = now;
        s->wall_t = t;
        target = now;
    }
    if (s->mode == SIM_MODE_HEADLESS) {
        if (target > now) {
            struct timespec ts = {(time_t)(target / 1000000000), (long)(target % 1000000000)};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !sim_quit_requested)
                ;
        }
        return;
    }
    for (;;) {
        now = wall_ns();
        if (now >= s->next_draw_ns) {
            draw(s);
            s->next_draw_ns = now + 200000000;
        }
        if (now >= target || s->quit || sim_quit_requested)
            break;
        int wait = (int)((target - now + 999999) / 1000000);
        int key = tui_wait_key(s->tui, wait);
        if (key >= 0) {
            sim_key(s, key);
            s->next_draw_ns = 0;
        }
    }
}

/* ---- events ----------------------------------------------------------------------- */

static void apply_event(struct sim *s, const struct scn_event *e)
{
    struct vmeter *v = s->v;
    const struct obj_def *o;
    char err[SCN_ERR_MAX];
    int r;
    bool core = s->power_on;
    switch (e->type) {
    case SCN_EV_COVER_OPEN: v->hw.inputs |= METER_IN_COVER_OPEN; return;
    case SCN_EV_COVER_CLOSE: v->hw.inputs &= ~(uint32_t)METER_IN_COVER_OPEN; return;
    case SCN_EV_MAGNET_ON: v->hw.inputs |= METER_IN_MAGNET; return;
    case SCN_EV_MAGNET_OFF: v->hw.inputs &= ~(uint32_t)METER_IN_MAGNET; return;
    case SCN_EV_NEUTRAL_LOSS:
    case SCN_EV_NEUTRAL_RESTORE:
        s->neutral_lost = e->type == SCN_EV_NEUTRAL_LOSS;
        s->seg_valid = false;
        return;
    case SCN_EV_OUTAGE:
        power_down(s);
        s->power_back = e->at_s + e->duration_s;
        return;
    default:
        break;
    }
    if (e->type == SCN_EV_BUTTON) {
        /* without mains the core runs on its battery: the battery display list */
        meter_button(&v->m, (enum meter_button)e->button, e->hold_ms);
        return;
    }
    if (!core) {
        sim_note(s, "%s (%s) at %llds: the meter has no supply, ignored", e->path, scenario_event_name(e->type),
                 (long long)e->at_s);
        return;
    }
    switch (e->type) {
    case SCN_EV_PULSE_IN:
        s->pulse_left = e->count;
        s->pulse_period_ms = 1000.0 / e->rate_hz;
        s->pulse_next_ms = (double)s->t;
        return;
    case SCN_EV_CLOCK_SET: {
        struct obj_value val;
        memset(&val, 0, sizeof val);
        o = objtab_find_key("clock");
        val.type = OBJ_T_DATETIME;
        val.i = e->time_utc;
        r = obj_write(&v->m, o, METER_ACC_MANAGER, &val, METER_SRC_SIM);
        if (r < 0)
            sim_note(s, "%s (clock_set): refused by the meter: %s", e->path, meter_strerror(r));
        return;
    }
    case SCN_EV_REMOTE: {
        struct obj_value arg;
        memset(&arg, 0, sizeof arg);
        o = objtab_find_key(remote_map[e->command].key);
        if (e->command == SCN_RC_TOPUP) {
            arg.type = OBJ_T_INT;
            arg.unit = UNIT_WH;
            arg.i = llround(e->kwh * 1000.0);
        }
        r = obj_action(&v->m, o, METER_ACC_MANAGER, remote_map[e->command].method,
                       e->command == SCN_RC_TOPUP ? &arg : NULL, METER_SRC_SIM);
        if (r < 0)
            sim_note(s, "%s (remote %s): refused by the meter: %s", e->path, scenario_remote_name(e->command),
                     meter_strerror(r));
        return;
    }
    case SCN_EV_CONFIG:
        if (cfg_apply_range(&v->m, &s->sc, e->cfg_first, e->ncfg, err, sizeof err) < 0)
            sim_note(s, "%s", err);
        return;
    default:
        return;
    }
}

void sim_key(struct sim *s, int key)
{
    struct vmeter *v = s->v;
    switch (key) {
    case 'd':
    case 'D':
    case 'b':
    case 'B':
        meter_button(&v->m, (key == 'd' || key == 'D') ? METER_BTN_DISPLAY : METER_BTN_DISCONNECT,
                     (key == 'D' || key == 'B') ? 3000u : 200u);
        return;
    case 'c':
        v->hw.inputs ^= METER_IN_COVER_OPEN;
        return;
    case 'm':
        v->hw.inputs ^= METER_IN_MAGNET;
        return;
    case 'p': /* ui: one edge on the pulse input */
        if (s->power_on)
            meter_pulse_input(&v->m);
        return;
    case 'q':
    case 'Q':
        s->quit = true;
        return;
    default:
        return;
    }
}

/* ---- feeds ---------------------------------------------------------------------------- */

/* Pulse-input edges due up to simulated time t (ms), each at its own
 * millisecond (the input debounces by time). */
static void deliver_pulses(struct sim *s, int64_t t)
{
    while (s->pulse_left > 0 && s->pulse_next_ms < (double)t) {
        if (s->power_on) {
            uint64_t at = run_ms(s, (int64_t)s->pulse_next_ms);
            if (at > s->v->hw.sim_ms)
                s->v->hw.sim_ms = at;
            meter_pulse_input(&s->v->m);
        }
        s->pulse_left--;
        s->pulse_next_ms += s->pulse_period_ms;
    }
}

static void feed_blocks_second(struct sim *s)
{
    struct vmeter *v = s->v;
    struct meas_block b;
    uint64_t base = run_ms(s, s->t);
    if (s->fine_poll) {
        for (int ms = SIM_POLL_MS; ms < 1000; ms += SIM_POLL_MS) {
            deliver_pulses(s, s->t + ms);
            v->hw.sim_ms = base + (uint64_t)ms;
            meter_poll(&v->m);
            tick_attached(s);
            pace(s, s->t + ms);
        }
    }
    deliver_pulses(s, s->t + 1000);
    blocks_next(&s->blk, &s->bs, &b);
    if (v->hw.sim_ms == base) {
        vmeter_step_block(v, &b); /* the common case: a plain second */
    } else {
        v->hw.sim_ms = base + 1000u;
        meter_feed_block(&v->m, &b);
        meter_poll(&v->m);
    }
    if (s->fine_poll) {
        tick_attached(s);
        pace(s, s->t + 1000);
    }
}

static void feed_samples_second(struct sim *s)
{
    enum { PER_TICK = METER_SAMPLE_RATE * SIM_POLL_MS / 1000 };
    struct vmeter *v = s->v;
    double phys[PER_TICK][METER_CHANNELS];
    int32_t cnt[METER_CHANNELS];
    uint64_t base = run_ms(s, s->t);
    for (int ms = SIM_POLL_MS; ms <= 1000; ms += SIM_POLL_MS) {
        if (s->opts.source.fill != NULL) {
            /* samples from elsewhere: both ADC stages in the time domain */
            s->opts.source.fill(s, s->opts.source.ctx, phys, PER_TICK, s->ref.sum);
            for (int k = 0; k < PER_TICK; k++) {
                adc_convert(&s->adc, phys[k], cnt);
                vmeter_step_sample(v, cnt);
            }
        } else {
            /* the synthesiser applies the ADC's linear stage per component */
            for (int k = 0; k < PER_TICK; k++) {
                wave_gen_next(s->gen, phys[0]);
                adc_quantise(&s->adc, phys[0], cnt);
                vmeter_step_sample(v, cnt);
            }
        }
        deliver_pulses(s, s->t + ms);
        v->hw.sim_ms = base + (uint64_t)ms;
        meter_poll(&v->m);
        tick_attached(s);
        pace(s, s->t + ms);
    }
}

/* A second of the front end's thermal life at the segment's ambient and
 * currents: what the die sensor reads and how fast the RTC's crystal runs
 * follow it (the firmware sees them through its HAL). */
static void sim_thermal(struct sim *s, const double irms[3])
{
    adc_thermal_step(&s->adc, 1.0, s->t_amb, irms);
    struct host_hw *hw = &s->v->hw;
    hw->temp_present = true;
    hw->temp_mdeg = adc_sensor_mdeg(&s->adc);
    host_rtc_rate(hw, adc_xtal_ppm(&s->adc));
}

/* The image slots' file beside a state file: its name with the last
 * extension replaced by `.slots` (m.eeprom -> m.slots; docs/FIRMWARE.md). */
void sim_slots_path(const char *state, char *out, size_t n)
{
    const char *slash = strrchr(state, '/');
    const char *dot = strrchr(state, '.');
    size_t stem = dot != NULL && (slash == NULL || dot > slash + 1) ? (size_t)(dot - state) : strlen(state);
    snprintf(out, n, "%.*s.slots", (int)stem, state);
    if (strcmp(out, state) == 0)
        snprintf(out, n, "%s.slots", state);
}

/* hal->restart: after an image activation. Done at the next second, out
 * of the core's call. */
static void sim_restart_req(void *ctx)
{
    ((struct sim *)ctx)->restart_req = true;
}

/* The restart the core asked for: an MCU reset, not an outage (the RTC and
 * the EEPROM are untouched, RAM is lost); the boot takes the activated
 * image's identification (docs/FIRMWARE.md: how far the simulation goes). */
static void sim_restart(struct sim *s)
{
    struct vmeter *v = s->v;
    s->restart_req = false;
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    uint32_t n;
    const char *id = fwimg_ident(&v->m, &n);
    sim_note(s, "restart after a firmware activation: running \"%.*s\"%s", (int)n, id,
             v->m.fw.status == FWIMG_ST_ACTIVATE_FAILED ? " (the new image failed its boot check)" : "");
}

/* One simulated second. */
static void sim_second(struct sim *s)
{
    int64_t sec = s->t / 1000;
    if (s->restart_req && s->power_on)
        sim_restart(s);
    if (!s->power_on && sec >= s->power_back)
        power_up(s);
    bool any = false;
    while (s->next_ev < s->sc.nev && s->sc.ev[s->next_ev].at_s <= sec) {
        apply_event(s, &s->sc.ev[s->next_ev++]);
        any = true;
    }
    if (any && s->power_on)
        meter_poll(&s->v->m); /* the main loop sees changed inputs at once, not a block later */
    if (!s->power_on) {
        /* No mains: no measurement; the core runs on its battery for the
         * display (S-4.2) until the supply returns (a cold boot). */
        static const double none[3] = {0, 0, 0};
        if (s->seg_valid)
            sim_thermal(s, none);
        int step = s->fine_poll ? SIM_POLL_MS : 1000;
        for (int ms = step; ms <= 1000; ms += step) {
            s->v->hw.sim_ms = run_ms(s, s->t + ms);
            meter_poll(&s->v->m);
            pace(s, s->t + ms);
        }
        deliver_pulses(s, s->t + 1000);
        s->t += 1000;
        return;
    }
    if (!s->seg_valid || sec >= s->seg_end || s->v->hw.relay[METER_RELAY_MAIN] != s->load_connected)
        load_segment(s, sec);
    sim_thermal(s, s->irms);
    if (s->feed == SIM_FEED_SAMPLES && s->opts.source.fill == NULL)
        wave_gen_retune(s->gen); /* the front end at this second's temperatures */
    if (s->opts.source.fill == NULL)
        blocks_ref_add(&s->ref, &s->bs, 1.0);
    if (s->feed == SIM_FEED_SAMPLES)
        feed_samples_second(s);
    else
        feed_blocks_second(s);
    s->t += 1000;
}

void sim_run_to(struct sim *s, int64_t t_ms)
{
    while (s->t < t_ms && !s->quit) {
        if (sim_quit_requested) {
            s->quit = true;
            break;
        }
        sim_second(s);
    }
}

/* ---- run ---------------------------------------------------------------------------------- */

/* Where a resumed meter left off: power a copy of its EEPROM up with a dead
 * RTC; the core then continues from the time of its last saved snapshot
 * (meter_init, S-2.5). The copy keeps the real image untouched. */
static int resume_time(const struct sim *s, int64_t *utc)
{
    struct vmeter *p = calloc(1, sizeof *p);
    uint8_t *img = malloc(VMETER_NVM_SIZE);
    int r = -1;
    if (p != NULL && img != NULL) {
        memcpy(img, s->nvm, VMETER_NVM_SIZE);
        vmeter_wire(p, img, VMETER_NVM_SIZE, 0);
        p->hw.rtc_valid = false;
        meter_init(&p->m, &p->hal);
        *utc = p->m.now;
        r = 0;
    }
    free(p);
    free(img);
    return r;
}

static bool image_erased(const uint8_t *nvm)
{
    for (size_t k = 0; k < VMETER_NVM_SIZE; k++)
        if (nvm[k] != 0xff)
            return false;
    return true;
}

/* The factory's calibration of this unit (ports/host/calib.h), with a fixed
 * noise seed so every fresh virtual meter is the same unit. */
#define SIM_FACTORY_SEED 382u

static int factory_calibrate(struct sim *s)
{
    struct metro_cal cal;
    struct metro_cal_ext calx;
    if (calib_measure_ext(&s->adc, SIM_FACTORY_SEED, &cal, &calx) != 0)
        return -1;
    calx.wiring = s->sc.wiring; /* the variant built: a legal setting of the factory */
    return calib_write(s->v, &cal) == METER_OK && calib_write_ext(s->v, &calx) == METER_OK ? 0 : -1;
}

/* The unit this virtual meter is: drawn from its serial number (scenario
 * `config.serial`, else the factory default), so a resumed meter is the
 * same unit and every meter of a fleet a different one. */
static uint64_t unit_serial(const struct scenario *sc)
{
    for (size_t k = 0; k < sc->nconfig_top; k++)
        if (strcmp(sc->config[k].key, "serial") == 0 && sc->config[k].kind == SCN_VAL_STRING)
            return strtoull(sc->config[k].str, NULL, 10); /* the meter took it: digits */
    return CALIB_SERIAL_DEFAULT; /* the factory's serial number when the scenario names none */
}

int sim_run(struct sim *s, char *err, size_t n)
{
    if (s->state_path[0] != '\0') {
        if (state_file_open(&s->sf, s->state_path, VMETER_NVM_SIZE, s->state_make_dirs, err, n) < 0)
            return SIM_EXIT_FAIL;
        s->have_sf = true;
        s->nvm = s->sf.mem;
    } else {
        s->nvm = malloc(VMETER_NVM_SIZE);
        if (s->nvm == NULL) {
            snprintf(err, n, "out of memory");
            return SIM_EXIT_FAIL;
        }
        memset(s->nvm, 0xff, VMETER_NVM_SIZE);
    }
    /* The image slots: a file beside the state file, or memory. */
    if (s->have_sf) {
        char fwp[sizeof s->state_path + 8];
        sim_slots_path(s->state_path, fwp, sizeof fwp);
        if (state_file_open(&s->fwf, fwp, HOST_FW_BYTES, s->state_make_dirs, err, n) < 0)
            return SIM_EXIT_FAIL;
        s->have_fwf = true;
        s->fw = s->fwf.mem;
    } else {
        s->fw = malloc(HOST_FW_BYTES);
        if (s->fw == NULL) {
            snprintf(err, n, "out of memory");
            return SIM_EXIT_FAIL;
        }
        memset(s->fw, 0xff, HOST_FW_BYTES);
    }
    s->v = calloc(1, sizeof *s->v);
    s->ws = malloc(sizeof *s->ws);
    s->gen = malloc(sizeof *s->gen);
    if (s->v == NULL || s->ws == NULL || s->gen == NULL) {
        snprintf(err, n, "out of memory");
        return SIM_EXIT_FAIL;
    }
    s->seed = s->opts.seed_set ? s->opts.seed : (uint64_t)wall_ns() ^ ((uint64_t)getpid() << 32);
    adc_init_unit(&s->adc, unit_serial(&s->sc), s->seed);
    adc_soak(&s->adc, s->sc.seg[0].temperature);
    s->t_amb = s->sc.seg[0].temperature;
    s->fresh = image_erased(s->nvm);
    int64_t resumed;
    if (!s->fresh && resume_time(s, &resumed) == 0 && resumed > s->sc.start_utc)
        s->t0 = resumed - s->sc.start_utc; /* the scenario's time line continues there */
    /* Events do not repeat; the levels they left (cover, magnet, neutral)
     * are still there when a resumed meter powers up. */
    uint32_t inputs = 0;
    while (s->next_ev < s->sc.nev && s->sc.ev[s->next_ev].at_s < s->t0) {
        const struct scn_event *e = &s->sc.ev[s->next_ev++];
        if (e->type == SCN_EV_COVER_OPEN)
            inputs |= METER_IN_COVER_OPEN;
        else if (e->type == SCN_EV_COVER_CLOSE)
            inputs &= ~(uint32_t)METER_IN_COVER_OPEN;
        else if (e->type == SCN_EV_MAGNET_ON)
            inputs |= METER_IN_MAGNET;
        else if (e->type == SCN_EV_MAGNET_OFF)
            inputs &= ~(uint32_t)METER_IN_MAGNET;
        else if (e->type == SCN_EV_NEUTRAL_LOSS || e->type == SCN_EV_NEUTRAL_RESTORE)
            s->neutral_lost = e->type == SCN_EV_NEUTRAL_LOSS;
    }
    vmeter_wire(s->v, s->nvm, VMETER_NVM_SIZE, s->sc.start_utc + s->t0);
    s->v->hw.inputs = inputs; /* read at power-up */
    s->v->hw.fw_mem = s->fw;
    s->v->hw.restart = sim_restart_req;
    s->v->hw.restart_ctx = s;
    meter_init(&s->v->m, &s->v->hal);
    s->power_on = true;
    uint32_t st = s->v->m.status;
    if (!s->fresh && (st & (METER_ST_NVM_CORRUPT | METER_ST_NVM_FAIL | METER_ST_RESTORED)))
        sim_note(s, "%s: EEPROM image damaged, reported by the meter (status 0x%x%s)",
                 s->state_path[0] ? s->state_path : "EEPROM", (unsigned)st,
                 (st & METER_ST_RESTORED) ? ", registers restored from evidence"
                 : (s->v->m.store.flags & STORE_F_FOREIGN) ? ", not a trimeter image: formatted" : "");
    if (s->fresh && factory_calibrate(s) != 0) {
        snprintf(err, n, "factory calibration of the virtual meter failed");
        return SIM_EXIT_FAIL;
    }
    if (s->fresh && factory_identity(s->v, &s->sc, err, n) < 0)
        return SIM_EXIT_FAIL; /* checked on a scratch meter before: cannot happen */
    if (s->v->m.metro.calx.wiring != s->sc.wiring)
        sim_note(s, "the meter is wired %s (factory setting), the scenario says %s: the meter's setting holds",
                 scenario_wiring_name(s->v->m.metro.calx.wiring), scenario_wiring_name(s->sc.wiring));
    s->t = s->t0 * 1000;

    if (cfg_apply_zone(&s->v->m, &s->sc, err, n) < 0 ||
        cfg_apply_range(&s->v->m, &s->sc, 0, s->sc.nconfig_top, err, n) < 0)
        return SIM_EXIT_FAIL;

    /* where this run ends */
    if (s->opts.until_set && s->opts.until_abs) {
        int64_t d = s->opts.until - s->sc.start_utc;
        s->t_end = d > s->t0 ? d * 1000 : s->t;
    } else if (s->opts.until_set) {
        s->t_end = (s->t0 + s->opts.until) * 1000;
    } else if (s->mode == SIM_MODE_INTERACTIVE) {
        s->t_end = INT64_MAX;
    } else if (s->opts.source.fill != NULL && s->opts.source.duration_ms >= 0) {
        /* the replay's length (a file without frames: the run ends at once) */
        s->t_end = s->t + (s->opts.source.duration_ms + 999) / 1000 * 1000;
    } else {
        /* the end of the segment pattern in progress */
        s->t_end = (s->t0 / s->sc.period_s + 1) * s->sc.period_s * 1000;
    }
    int64_t span = s->t_end == INT64_MAX ? INT64_MAX : (s->t_end - s->t) / 1000;
    s->feed = s->opts.feed;
    if (s->feed == SIM_FEED_AUTO)
        s->feed = (span <= SIM_AUTO_SAMPLES_MAX_S || s->t_end == INT64_MAX) ? SIM_FEED_SAMPLES : SIM_FEED_BLOCKS;
    if (s->opts.source.fill != NULL)
        s->feed = SIM_FEED_SAMPLES;
    /* per-block polls suffice when nothing needs the 10 ms timers */
    s->fine_poll = s->feed == SIM_FEED_SAMPLES || s->mode != SIM_MODE_FAST || s->opts.nattach > 0;
    wave_gen_init(s->gen, METER_SAMPLE_RATE, &s->adc);

    for (unsigned k = 0; k < s->opts.nattach; k++) {
        const struct sim_attach *a = &s->opts.attach[k];
        if (a->start != NULL && a->start(s, a->ctx, err, n) != 0)
            return SIM_EXIT_FAIL;
    }

    struct tui tui;
    if (s->mode == SIM_MODE_INTERACTIVE) {
        if (tui_open(&tui) != 0) {
            snprintf(err, n, "cannot put the terminal in raw mode");
            return SIM_EXIT_FAIL;
        }
        s->tui = &tui;
    }
    s->wall0_ns = wall_ns();
    s->wall_t = s->t;
    sim_run_to(s, s->t_end);
    if (s->tui != NULL) {
        tui_close(&tui);
        s->tui = NULL;
    }
    for (unsigned k = 0; k < s->opts.nattach; k++) {
        const struct sim_attach *a = &s->opts.attach[k];
        if (a->stop != NULL)
            a->stop(s, a->ctx);
    }
    s->attach_stopped = true;
    return SIM_EXIT_OK;
}

void sim_shutdown(struct sim *s)
{
    if (s->v != NULL && s->power_on)
        power_down(s);
    if (s->have_sf) {
        state_file_close(&s->sf);
        s->have_sf = false;
        s->nvm = NULL;
    }
    if (s->have_fwf) {
        state_file_close(&s->fwf);
        s->have_fwf = false;
        s->fw = NULL;
    }
}

void sim_free(struct sim *s)
{
    sim_shutdown(s);
    if (s->nvm != NULL && !s->have_sf)
        free(s->nvm);
    s->nvm = NULL;
    if (s->fw != NULL && !s->have_fwf)
        free(s->fw);
    s->fw = NULL;
    free(s->v);
    free(s->ws);
    free(s->gen);
    scenario_free(&s->sc);
    if (s->attach_stopped)
        s->opts.nattach = 0; /* stopped at the end of the run: nothing left */
    sim_opts_free(&s->opts); /* the run ended early (refused scenario, failed start) */
    s->v = NULL;
    s->ws = NULL;
    s->gen = NULL;
}

/* ---- docs ------------------------------------------------------------------------------------ */

void sim_list_config(FILE *f)
{
    static const char *const acc[] = {"none", "public", "reader", "manager", "calibration"};
    static const char *const types[] = {"-", "number", "number", "boolean", "number", "string",
                                        "ISO time", "date", "HH:MM"};
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    if (nvm != NULL && v != NULL) {
        memset(nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(v, nvm, VMETER_NVM_SIZE, 0);
    }
    fputs("| key | OBIS | value | unit | write access | object |\n", f);
    fputs("|---|---|---|---|---|---|\n", f);
    for (size_t k = 0; k < objtab_count(); k++) {
        const struct obj_def *o = objtab_at(k);
        if (o->key == NULL)
            continue;
        char ln[32];
        obis_format_short(&o->ln, ln, sizeof ln);
        struct obj_value cur;
        memset(&cur, 0, sizeof cur);
        const char *type = "-";
        if (v != NULL && nvm != NULL && o->get != NULL && o->get(&v->m, o, &cur) == METER_OK &&
            cur.type < sizeof types / sizeof types[0])
            type = types[cur.type];
        char unit[24];
        if (o->scaler != 0)
            snprintf(unit, sizeof unit, "1e%d %s", o->scaler, unit_text(o->unit));
        else
            snprintf(unit, sizeof unit, "%s", unit_text(o->unit));
        unsigned need = o->set != NULL ? o->wr : (o->act != NULL ? o->ex : METER_ACC_NONE);
        fprintf(f, "| `%s` | %s | %s | %s | %s%s | %s |\n", o->key, ln, o->set != NULL ? type : "command",
                unit[0] ? unit : "-", need < 5 ? acc[need] : "?", (o->flags & OBJ_F_LEGAL) ? " + seal" : "",
                o->name != NULL ? o->name : "");
    }
    free(v);
    free(nvm);
}

/* ---- for other shells (sim.h) ----------------------------------------------------------- */

int sim_config_apply(struct meter *m, const struct scenario *sc, bool zone, size_t first, size_t count, char *err,
                     size_t n)
{
    if (zone && cfg_apply_zone(m, sc, err, n) < 0)
        return -1;
    return cfg_apply_range(m, sc, first, count, err, n);
}

int sim_remote(struct meter *m, enum scn_remote cmd, double kwh)
{
    if ((unsigned)cmd >= sizeof remote_map / sizeof remote_map[0])
        return METER_EINVAL;
    const struct obj_def *o = objtab_find_key(remote_map[cmd].key);
    struct obj_value arg;
    memset(&arg, 0, sizeof arg);
    if (cmd == SCN_RC_TOPUP) {
        arg.type = OBJ_T_INT;
        arg.unit = UNIT_WH;
        arg.i = llround(kwh * 1000.0);
    }
    if (o == NULL)
        return METER_ENOENT;
    return obj_action(m, o, METER_ACC_MANAGER, remote_map[cmd].method, cmd == SCN_RC_TOPUP ? &arg : NULL,
                      METER_SRC_SIM);
}

int sim_scenario_check(const struct scenario *sc, char *err, size_t n)
{
    return check_scenario_objects(sc, err, n) == SIM_EXIT_OK ? 0 : -1;
}
