/*
 * sim.h — the virtual meter shell `trimeter-sim` (../shared/SIMULATOR.md):
 * command line, run loop, feeds, scenario events, real-time pacing, and the
 * EEPROM state file. main() is in sim_main.c; everything else is here so
 * tests drive the same code.
 *
 * Run loop, one simulated second at a time (sim.c):
 *   events due at this second -> (power off? wait) -> segment in force ->
 *   reference energies += exact energies of the second ->
 *   feed: blocks (blocks.c, exact) or samples (wave -> ADC -> DSP), with
 *   meter_poll() every 10 ms of simulated time (in `--fast --feed blocks`
 *   without attachments: once per block, see NOTES) -> pacing.
 *
 * Extending (NOTES.md): an option is one row of sim_options[] in sim.c; a
 * device that talks to the meter while it runs (the optical head, a module
 * port) registers a struct sim_attach from its option's apply function; a
 * different sample source (WAV replay) fills struct sim_source.
 */
#ifndef TRIMETER_SIM_H
#define TRIMETER_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "adc.h"
#include "blocks.h"
#include "scenario.h"
#include "state_file.h"
#include "vmeter.h"
#include "wave.h"

/* Exit status of the simulator (SIMULATOR.md). */
enum sim_exit { SIM_EXIT_OK = 0, SIM_EXIT_FAIL = 1, SIM_EXIT_BAD_INPUT = 2 };

enum sim_mode { SIM_MODE_INTERACTIVE, SIM_MODE_HEADLESS, SIM_MODE_FAST };
enum sim_feed { SIM_FEED_AUTO, SIM_FEED_SAMPLES, SIM_FEED_BLOCKS };

#define SIM_DEFAULT_SCENARIO "scenarios/household.json"
#define SIM_AUTO_SAMPLES_MAX_S 86400 /* auto feed: samples up to one day */
#define SIM_POLL_MS 10               /* meter_poll period in simulated time */
#define SIM_PFAIL_DETECT_MS 10       /* mains lost -> supply monitor warning (docs/METROLOGY.md) */
#define SIM_HOLDUP_MS 20             /* warning -> the core stops: bulk capacitor hold-up */
#define SIM_MAX_ATTACH 4

struct sim;

/* Something attached to the running meter (optical head, module ports).
 * start: after power-up, before the first second (non-zero = exit 1 with
 * err); tick: every SIM_POLL_MS of simulated time while the core runs,
 * after meter_poll(); stop: at the end of the run, and to release an
 * attachment whose run never came (a refused command line or scenario:
 * then s is NULL or the run never started it). Any may be NULL. */
struct sim_attach {
    const char *name;
    void *ctx;
    int (*start)(struct sim *s, void *ctx, char *err, size_t n);
    void (*tick)(struct sim *s, void *ctx);
    void (*stop)(struct sim *s, void *ctx);
};

/* A replacement for the scenario's waveforms in the samples feed (replay).
 * fill: n sample sets of physical values V1 I1 V2 I2 V3 I3 IN, and the exact
 * energies of what it produced added to ref_uwh (A+, A-, R+, R-, net). */
struct sim_source {
    void *ctx;
    int (*fill)(struct sim *s, void *ctx, double (*out)[METER_CHANNELS], size_t n,
                double ref_uwh[MEAS_QTY]);
    int64_t duration_ms;       /* the run's length without --until (< 0: the scenario's) */
    void (*close)(void *ctx);  /* at sim_free (may be NULL) */
};

struct sim_opts {
    const char *scenario;   /* NULL: SIM_DEFAULT_SCENARIO */
    bool fast, headless, json, help, list_config;
    const char *state;      /* --state FILE */
    bool until_set, until_abs;
    int64_t until;          /* seconds (duration) or UTC seconds (absolute) */
    char until_text[64];
    enum sim_feed feed;
    bool seed_set;
    uint64_t seed;
    struct sim_attach attach[SIM_MAX_ATTACH];
    unsigned nattach;
    struct sim_source source;
};

/* The option table (cli.h): adding an option is adding a row. */
extern const struct cli_option sim_options[];

/* Parse argv into o (defaults first). 0, or -1 with one line in err and
 * nothing left allocated. */
int sim_parse_args(int argc, char **argv, struct sim_opts *o, char *err, size_t n);
/* Release what parsed options hold (the replay source, attachments) when
 * they never go to sim_prepare(); sim_free() does it for those that did. */
void sim_opts_free(struct sim_opts *o);
int sim_attach_add(struct sim_opts *o, const struct sim_attach *a);
void sim_usage(FILE *f);

/* The file of the image slots beside a state file (m.eeprom -> m.slots). */
void sim_slots_path(const char *state, char *out, size_t n);

struct sim {
    struct sim_opts opts;
    enum sim_mode mode;
    enum sim_feed feed;          /* resolved: samples or blocks */
    struct scenario sc;
    char scenario_path[4096];
    char state_path[4096];       /* "" = in memory */
    bool state_make_dirs;

    struct vmeter *v;
    uint8_t *nvm;                /* the EEPROM image (mapped file or heap) */
    struct state_file sf;
    bool have_sf;
    uint8_t *fw;                 /* image slots (docs/FIRMWARE.md): the slots file (sim_slots_path) mapped, or heap */
    struct state_file fwf;
    bool have_fwf;
    bool restart_req;            /* the core asked for a restart (an activated image) */

    int64_t t0;                  /* s after the scenario start where this run began */
    int64_t t;                   /* now, ms after the scenario start */
    int64_t t_end;               /* ms; INT64_MAX = until quit */
    bool fine_poll;              /* meter_poll every SIM_POLL_MS */

    /* current waveforms */
    size_t seg;
    int64_t seg_end;             /* s */
    bool seg_valid;
    struct wave_set *ws;         /* the segment's waveforms as the meter sees them */
    struct blocks_seg bs;
    struct blocks blk;
    struct blocks_ref ref;
    struct wave_gen *gen;        /* samples feed: the synthesiser (phase runs across segments) */
    struct adc_model adc;        /* the unit's ADC front end (drawn from its serial number) */
    double t_amb;                /* the segment's ambient temperature, deg C */
    double irms[3];              /* the segment's current through each element (shunt heating) */
    uint64_t seed;               /* of the ADC noise (--seed, else from the clock) */
    bool fresh;                  /* the EEPROM was erased at power-up: factory calibration */

    size_t next_ev;
    bool power_on;
    bool attach_stopped;         /* every attachment's stop ran */
    int64_t power_back;          /* s */
    int64_t power_off_at;        /* ms */
    unsigned power_ups;          /* cold boots after outages in this run */
    uint64_t holdup_used_us;     /* EEPROM time after the last power-fail warning */
    unsigned holdup_overruns;    /* power-downs whose save did not fit the hold-up */
    int64_t pulse_left;          /* pulse-input train (pulse_in event) */
    double pulse_period_ms, pulse_next_ms;
    bool neutral_lost;
    bool load_connected;         /* ui: disconnector position the loaded segment assumed */
    bool quit;

    /* real-time pacing */
    int64_t wall0_ns;
    int64_t wall_t;              /* s->t when wall0 was taken */
    void *tui;                   /* struct tui while interactive */
    int64_t next_draw_ns;
    char note[160];              /* last message for the screen */
};

/* Everything before touching state: mode, scenario, checks of config and
 * events against the object table, the state path. Returns enum sim_exit
 * with one line in err when not OK. */
int sim_prepare(struct sim *s, const struct sim_opts *o, char *err, size_t n);
/* Power the meter up (state file mapped or created now) and run to the
 * end. Returns enum sim_exit. */
int sim_run(struct sim *s, char *err, size_t n);
/* Graceful power-down (supply warning, save) and release the state file. */
void sim_shutdown(struct sim *s);
void sim_free(struct sim *s);

/* Run the meter to t_ms (ms after the scenario start) — for tests. */
void sim_run_to(struct sim *s, int64_t t_ms);

/* Key handling of the interactive mode (d b c m q, D B for a long press). */
void sim_key(struct sim *s, int key);

/* Print the config-key table (docs/SCENARIOS.md section) to f. */
void sim_list_config(FILE *f);

/* Ask the loop to stop (signal handlers). */
void sim_request_quit(void);

/* For other shells driving many meters (trimeter-fleet): the scenario's
 * zone and top-level config (zone = true) or config items
 * [first, first + count) written into meter m through the object table
 * (unchanged values are not written again); a scenario `remote` command;
 * the dry run of the scenario's objects on a scratch meter. 0 / -1 with
 * one line in err; sim_remote returns 0 or a negative meter_err. */
int sim_config_apply(struct meter *m, const struct scenario *sc, bool zone, size_t first, size_t count, char *err,
                     size_t n);
int sim_remote(struct meter *m, enum scn_remote cmd, double kwh);
int sim_scenario_check(const struct scenario *sc, char *err, size_t n);

#endif
