/*
 * scenario.h — the simulator's scenario file (../shared/SIMULATOR.md,
 * docs/SCENARIOS.md): a start time and zone, configuration, a list of
 * load segments that repeat, and timed events.
 *
 * The parser is strict: unknown keys anywhere, wrong types and values out of
 * range are refused with one message naming the file and the JSON path
 * (`segments[1].phases[0].u`). It produces plain data only; it does not touch
 * a meter (config values are checked against the object table by sim.c,
 * which owns the meter).
 */
#ifndef TRIMETER_SCENARIO_H
#define TRIMETER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registers/clock.h"
#include "cosem/objtab.h"
#include "wave.h"

/* `wiring` names, in enum metro_wiring order: "4-wire", "1-phase", "2-phase", "aron". */
const char *scenario_wiring_name(int wiring);

#define SCN_ERR_MAX 512 /* room for one error line */
#define SCN_PATH_MAX 96 /* a JSON path like events[12].config.profile_period_min */
/* Reading a JSON file with its paths in the messages (the scenario's
 * reader, also the fleet file's): every function refuses with one line
 * "FILE: PATH: what" in err and returns -1. */
struct cJSON;
struct scn_json {
    const char *file;
    char *err;
    size_t n;
};
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int scn_json_fail(const struct scn_json *c, const char *path, const char *fmt, ...);
/* PATH.key and PATH[i], cut at SCN_PATH_MAX. */
void scn_json_key(char *out, const char *base, const char *key);
void scn_json_idx(char *out, const char *base, int i);
/* Refuse keys not in `allowed` (NULL-terminated) and duplicate keys. */
int scn_json_keys(const struct scn_json *c, const struct cJSON *obj, const char *path, const char *const *allowed);
int scn_json_number(const struct scn_json *c, const struct cJSON *j, const char *path, double lo, double hi, double *out);
int scn_json_uint(const struct scn_json *c, const struct cJSON *j, const char *path, unsigned lo, unsigned hi, unsigned *out);
int scn_json_string(const struct scn_json *c, const struct cJSON *j, const char *path, const char **out);
/* A JSON text parsed (cJSON_Delete it), or NULL with "FILE: line L column
 * C: not valid JSON". */
struct cJSON *scn_json_parse(const struct scn_json *c, const char *text);
/* A text file of at most max bytes read whole, NUL-terminated (free it), or
 * NULL with "FILE: cannot open / larger than / not a text file". */
char *scn_file_read(const char *file, size_t max, char *err, size_t n);
/* A duration string ("1h30m"); 0s only when zero_ok. */
int scn_json_duration(const struct scn_json *c, const struct cJSON *j, const char *path, bool zero_ok, int64_t *out);

#define SCN_MAX_DURATION_S (200LL * 366 * 86400) /* anything longer is a typo */

/* Limits of the per-phase values (documented in docs/SCENARIOS.md). */
#define SCN_U_MAX 500.0     /* V rms */
#define SCN_I_MAX 200.0     /* A rms (Imax of the meter is 100 A) */
#define SCN_F_MIN 40.0      /* Hz */
#define SCN_F_MAX 70.0
#define SCN_PCT_MAX 100.0   /* harmonic rms in % of the fundamental */
#define SCN_HOLD_MAX_S 60.0 /* longest button hold */
#define SCN_PULSE_HZ_MAX 25.0 /* pulse input (S-5.2) */

/* A `config` value as written in the file; sim.c converts it to the row's
 * struct obj_value once it knows the row's type. */
enum scn_val_kind { SCN_VAL_NUMBER, SCN_VAL_STRING, SCN_VAL_BOOL };

struct scn_config_item {
    char key[48];
    char path[SCN_PATH_MAX]; /* JSON path, for messages */
    enum scn_val_kind kind;
    double num;
    bool b;
    char str[OBJ_STR_MAX + 1];
};

#define SCN_T_DEFAULT 23.0 /* ambient, deg C, when a segment gives none */
#define SCN_T_MIN (-60.0)
#define SCN_T_MAX 100.0

struct scn_segment {
    int64_t duration_s;
    double frequency; /* Hz (inherited when omitted) */
    double temperature; /* ambient, deg C (SCN_T_DEFAULT when omitted) */
    struct wave_phase_params ph[3];
    struct wave_set *ws; /* spectral form of ph, built at load (heap) */
    char label[40];
    char tag[16];        /* "" or a fleet tag ("pv", "ev"): trimeter-fleet meters include the segment or not */
};

enum scn_event_type {
    SCN_EV_BUTTON,
    SCN_EV_COVER_OPEN,
    SCN_EV_COVER_CLOSE,
    SCN_EV_MAGNET_ON,
    SCN_EV_MAGNET_OFF,
    SCN_EV_NEUTRAL_LOSS,
    SCN_EV_NEUTRAL_RESTORE,
    SCN_EV_OUTAGE,
    SCN_EV_CLOCK_SET,
    SCN_EV_REMOTE,
    SCN_EV_CONFIG,
    SCN_EV_PULSE_IN
};

enum scn_remote {
    SCN_RC_DISCONNECT,
    SCN_RC_RECONNECT,
    SCN_RC_RELEASE,
    SCN_RC_BILLING_RESET,
    SCN_RC_TOPUP
};

struct scn_event {
    int64_t at_s;            /* seconds after the scenario start */
    enum scn_event_type type;
    char path[SCN_PATH_MAX]; /* "events[3]" as in the file (before sorting) */
    unsigned file_index;     /* position in the file (order of equal times) */
    unsigned button;         /* enum meter_button */
    uint32_t hold_ms;
    int64_t duration_s;      /* outage */
    int64_t time_utc;        /* clock_set */
    enum scn_remote command; /* remote */
    double kwh;              /* remote topup */
    size_t cfg_first, ncfg;  /* config event: items in scenario.config[] */
    int64_t count;           /* pulse_in: edges */
    double rate_hz;          /* pulse_in: edges per second */
};

struct scenario {
    char file[256];          /* as given, for messages */
    int wiring;              /* enum metro_wiring: the meter variant (`wiring`, default 4-wire) */
    int64_t start_utc;
    struct clock_zone zone;  /* standard offset from `start`, DST from `timezone` */
    size_t nconfig_top;      /* config[0..nconfig_top) is the top-level `config` */
    struct scn_config_item *config; /* top level first, then each config event's */
    size_t nconfig;
    struct scn_segment *seg;
    size_t nseg;
    int64_t period_s;        /* sum of the segment durations (the pattern repeats) */
    struct scn_event *ev;    /* sorted by at_s, file order kept for equal times */
    size_t nev;
};

/* Read and check a scenario file. Returns 0, or -1 with one line in err
 * ("FILE: PATH: what is wrong", no newline). The caller frees with
 * scenario_free() in both cases. */
int scenario_load(const char *file, struct scenario *sc, char *err, size_t errlen);
/* Same from text in memory; `file` only names it in messages. */
int scenario_parse(const char *text, const char *file, struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);

/* The segment in force at t seconds after the start (segments repeat),
 * and the second at which it ends. */
size_t scenario_segment_at(const struct scenario *sc, int64_t t, int64_t *seg_end);

/* "1h30m", "45s", "2d": whole seconds. 0, or -1 with the reason in why. */
int scenario_parse_duration(const char *s, int64_t *out, const char **why);
/* ISO-8601 with an explicit offset ("Z" or +HH:MM): UTC seconds and the
 * offset in minutes. 0, or -1 with the reason in why. */
int scenario_parse_time(const char *s, int64_t *utc, int *offset_min, const char **why);
/* Meter-local text of a UTC instant in the scenario's zone (clock.h). */
int scenario_format_local(const struct clock_zone *z, int64_t utc, char *buf, size_t n);

const char *scenario_event_name(enum scn_event_type t);
const char *scenario_remote_name(enum scn_remote r);

#endif
