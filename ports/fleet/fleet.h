/*
 * fleet.h — trimeter-fleet: many virtual meters in one process, each on its
 * own address, as a head-end test bed (../shared/SIMULATOR.md "Other
 * programs", docs/FLEET.md).
 *
 * One struct fleet_meter per meter: the firmware core (struct meter), its
 * HAL and the few fields the host needs (clock, supply, inputs, the
 * segment in force, the remainders of the exact blocks). No thread per
 * meter: one epoll loop (fleet_run.c) walks the meters in slices of each
 * second, feeds each its one-second block (blocks.c, the simulator's exact
 * blocks, scaled per meter), applies fleet events at their second and
 * serves the network (fleet_net.c) in between. A chosen few meters run
 * in the samples feed (waveforms -> ADC model -> DSP) instead.
 *
 * Storage (fleet_store.c): one sparse file with a 512 KiB slot per meter,
 * the EEPROM image kept inverted so a hole reads as erased (0xFF); only
 * the 4 KiB blocks a meter has written take disk.
 *
 * Files: fleet_opts.c (command line), fleet_plan.c (fleet scenario file),
 * fleet_vary.c (seeded per-meter variation), fleet_store.c, fleet_hal.c,
 * fleet_feed.c (segments, blocks, samples), fleet_run.c (loop, power,
 * events), fleet_net.c (listeners, connections, metrics), fleet_report.c.
 */
#ifndef TRIMETER_FLEET_H
#define TRIMETER_FLEET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "adc.h"
#include "blocks.h"
#include "scenario.h"
#include "trimeter/meter.h"
#include "vmeter.h"
#include "wave.h"

enum fleet_exit { FLEET_EXIT_OK = 0, FLEET_EXIT_FAIL = 1, FLEET_EXIT_BAD_INPUT = 2 };

#define FLEET_SLOT_BYTES VMETER_NVM_SIZE        /* one EEPROM image per meter */
#define FLEET_NVM_PAGE VMETER_NVM_PAGE
#define FLEET_BLK 4096u                         /* file-system block: the unit of "written" */
#define FLEET_BLKS (FLEET_SLOT_BYTES / FLEET_BLK)
#define FLEET_HDR_BYTES 4096u                   /* header of the slot file */
#define FLEET_METERS_MAX 1000000u
#define FLEET_SLICES 50u                        /* a second's meters in 20 ms slices */
#define FLEET_TAGS_MAX 8u
#define FLEET_SAMPLES_MAX 16u
#define FLEET_POLL_MS 10                        /* meter_poll of meters with open sessions */
#define FLEET_PFAIL_DETECT_MS 10                /* as trimeter-sim (docs/METROLOGY.md) */
#define FLEET_RTC_BACKUP_S (4u * 86400u)        /* supercap, S-2.5 */
#define FLEET_DEFAULT_SCENARIO "scenarios/household.json"
#define FLEET_DEFAULT_SERIAL_BASE 10000000u
#define FLEET_SERIAL_MAX 99999999u

/* The lines a connection can take: the TCP/IP module's client lines
 * (METER_LINE_TCP + k: the IEC 62056-47 wrapper for DLMS/COSEM, and KMP). */
#define FLEET_LINES ((unsigned)METER_TCP_SESSIONS)
#define FLEET_LINE_PORT(line) ((unsigned)METER_LINE_TCP + (line))
#if METER_TCP_SESSIONS < 1
#error "trimeter-fleet serves its meters over the TCP/IP module: METER_TCP_SESSIONS >= 1"
#endif

/* ---- command line -------------------------------------------------------- */

struct fleet_opts {
    uint32_t meters;
    const char *scenario;         /* template; NULL: the fleet file's, else the default */
    const char *plan;             /* --fleet FILE: fleet scenario (events, variation, network) */
    const char *state_dir;
    bool vary_set;
    uint64_t vary_seed;
    uint64_t serial_base;
    bool net_set, net_ports;      /* --dlms (address per meter) / --dlms-ports (port per meter) */
    uint32_t net_addr;            /* host order */
    uint16_t net_port;
    bool fast, json_summary, help;
    bool until_set, until_abs;
    int64_t until;                /* s (duration) or UTC s */
    double summary_every;         /* wall s between summary lines, 0 = none */
    bool metrics_set;
    uint32_t metrics_addr;
    uint16_t metrics_port;
    uint32_t samples[FLEET_SAMPLES_MAX];
    unsigned nsamples;
    const char *registers_out;    /* per-meter register lines at the end */
    unsigned threads;             /* boot workers at start-up (0: one per CPU) */
};

extern const struct cli_option fleet_options[]; /* the command line (cli.h) */

int fleet_parse_args(int argc, char **argv, struct fleet_opts *o, char *err, size_t n);
void fleet_usage(FILE *f);

/* ---- the fleet scenario file (fleet_plan.c, docs/FLEET.md) ---------------- */

/* Which meters an event reaches: meter ranges (none = all), then a seeded
 * share of those. */
struct fleet_range {
    uint32_t lo, hi; /* inclusive */
};
struct fleet_target {
    uint32_t first, count; /* into plan.ranges; count 0 = every meter */
    double share;          /* 0..1 */
    uint64_t salt;
};

enum fleet_ev_type {
    FEV_OUTAGE,      /* supply lost: save at the warning, off until the end */
    FEV_OUTAGE_END,
    FEV_SAG,         /* voltage at pct % (constant-impedance load) until the end */
    FEV_SAG_END,
    FEV_NET,         /* unreachable / slow until the end */
    FEV_NET_END,
    FEV_REMOTE,      /* a scenario remote command (billing_reset, disconnect ...) */
    FEV_CLOCK_SET,   /* the meters' clocks set to a time */
    FEV_CLOCK_SYNC,  /* the meters' clocks set to the true time (a head-end's sync) */
    FEV_INPUTS,      /* cover / magnet levels */
    FEV_BUTTON,
    FEV_CONFIG       /* template config items */
};

enum fleet_netstate { FNET_OK = 0, FNET_UNREACHABLE = 1, FNET_SLOW = 2 };

struct fleet_event {
    int64_t at_s;
    uint8_t type;           /* enum fleet_ev_type */
    uint8_t net;            /* FEV_NET: enum fleet_netstate */
    char path[SCN_PATH_MAX];
    unsigned order;         /* file order for equal times */
    struct fleet_target tg;
    int64_t dur_s;
    double pct;             /* sag: remaining voltage in % */
    enum scn_remote command;
    double kwh;
    int64_t time_utc;
    unsigned button;
    uint32_t hold_ms;
    uint32_t in_set, in_clear; /* FEV_INPUTS */
    size_t cfg_first, ncfg;    /* FEV_CONFIG: items of the template */
};

struct fleet_plan {
    char file[PATH_MAX];
    char scenario[PATH_MAX];       /* the template the file names, resolved ("" = none) */
    uint32_t feeder_size;
    /* variation (used with --vary) */
    double scale_lo, scale_hi;     /* load scale, uniform */
    int64_t shift_s;               /* time shift of the load pattern, uniform +-shift */
    double imbalance;              /* per-phase factor 1 +- imbalance, uniform */
    double drift_ppm;              /* clock rate error, uniform +-drift */
    unsigned ntags;
    char tag[FLEET_TAGS_MAX][16];
    double tag_share[FLEET_TAGS_MAX];
    /* network: shares of meters unreachable / slow for the whole run */
    double unreachable, slow;
    uint32_t slow_ms;
    bool unreachable_silent;       /* accept and never answer (else: reset at once) */
    struct fleet_event *ev;        /* sorted, ends expanded */
    size_t nev;
    struct fleet_range *ranges;
    size_t nranges;
};

/* Defaults, then the file (may be NULL). 0, or -1 with one line in err. */
int fleet_plan_load(struct fleet_plan *p, const char *file, char *err, size_t n);
/* Add the template scenario's events (every meter) and sort; checks them
 * against what a fleet can do. 0 / -1 with err. */
int fleet_plan_merge_template(struct fleet_plan *p, const struct scenario *sc, char *err, size_t n);
void fleet_plan_free(struct fleet_plan *p);
bool fleet_target_has(const struct fleet_plan *p, const struct fleet_target *t, uint32_t meter);

/* ---- per-meter variation (fleet_vary.c) --------------------------------------- */

struct fleet_var {
    float scale[3];     /* current factor per phase */
    int32_t shift_s;    /* the load pattern runs this much later (+) or earlier */
    int32_t drift_ppb;  /* RTC rate error */
    uint8_t tags;       /* bit k: includes segments of plan.tag[k] */
    uint8_t net;        /* enum fleet_netstate for the whole run */
};

/* Meter i's variation: all neutral without --vary (every tag included). */
void fleet_vary(const struct fleet_plan *p, bool vary, uint64_t seed, uint32_t i, struct fleet_var *out);
/* Deterministic uniform [0, 1) of (seed, a, b). */
double fleet_rand01(uint64_t seed, uint64_t a, uint64_t b);

/* ---- storage (fleet_store.c) ----------------------------------------------------- */

struct fleet_store_hdr {
    char magic[8];          /* "TRMFLEET" */
    uint32_t version;
    uint32_t hdr_bytes, slot_bytes;
    uint32_t nslots;
    uint64_t serial_base;
    int64_t start_utc;      /* the template's start */
    int64_t sim_ms;         /* fleet time reached: ms after the start (written every second) */
};

struct fleet_store {
    int fd;
    const uint8_t *map;     /* the slots, read-only, shared */
    size_t map_len;
    uint32_t nslots;
    bool temp;              /* unlinked file: nothing kept */
    bool existed;
    struct fleet_store_hdr hdr;
    char path[PATH_MAX];
};

/* Open or create DIR/fleet.eeprom (dir NULL: an unlinked temporary file)
 * with at least nslots slots. 0 / -1 with err. */
int fleet_store_open(struct fleet_store *s, const char *dir, uint32_t nslots, char *err, size_t n);
/* Which 4 KiB blocks of slot i hold data (SEEK_DATA), for the read path. */
void fleet_store_scan(const struct fleet_store *s, uint32_t i, uint64_t written[2]);
int fleet_store_read(const struct fleet_store *s, uint32_t i, const uint64_t written[2], uint32_t addr, void *buf,
                     size_t len);
int fleet_store_program(const struct fleet_store *s, uint32_t i, uint64_t written[2], uint32_t addr,
                        const void *buf, size_t len);
/* Drop slot i's pages from the process mapping (they stay in the page cache). */
void fleet_store_release(const struct fleet_store *s, uint32_t i);
int fleet_store_set_time(struct fleet_store *s, int64_t sim_ms);
void fleet_store_close(struct fleet_store *s);
/* Read the header of DIR/fleet.eeprom without changing anything (*exists
 * false when there is none). 0 / -1 with err (not a fleet state file). */
int fleet_store_peek(const char *dir, struct fleet_store_hdr *hdr, bool *exists, char *err, size_t n);
/* Bytes the file occupies on disk. */
uint64_t fleet_store_disk_bytes(const struct fleet_store *s);

/* ---- one meter -------------------------------------------------------------------- */

enum fleet_mstate { FM_OFF = 0, FM_BOOT, FM_ON };

enum fleet_mflag {
    FM_F_SUPPLY = 1u << 0,    /* supply monitor: mains present */
    FM_F_RTC_VALID = 1u << 1,
    FM_F_SEG_VALID = 1u << 2,
    FM_F_LOADED_CLOSED = 1u << 3, /* the segment was prepared with the disconnector closed */
    FM_F_SAG = 1u << 4,       /* a sag is in force */
    FM_F_FRESH = 1u << 5,     /* erased image at start-up: factory calibration and personalisation */
    FM_F_QUEUED = 1u << 6     /* in the boot queue */
};

struct fleet_samples; /* samples feed of one meter (fleet_feed.c) */
struct fleet;

struct fleet_meter {
    struct meter m;
    struct meter_hal hal;
    struct fleet *f;
    uint32_t idx;
    uint8_t state;          /* enum fleet_mstate */
    uint8_t flags;          /* enum fleet_mflag */
    uint8_t net;            /* enum fleet_netstate now */
    uint8_t sag_pct;        /* remaining voltage while FM_F_SAG */
    bool relay[3];
    uint32_t inputs;        /* enum meter_input */
    struct fleet_var var;
    int64_t rtc_utc;        /* RTC at rtc_base_ms (fleet ms) */
    int64_t rtc_base_ms;
    int64_t off_ms;         /* fleet ms the supply went */
    uint64_t written[2];    /* 4 KiB blocks of the slot that hold data */
    uint16_t seg;           /* template segment in force */
    int64_t seg_end;        /* fleet s at which it ends */
    struct blocks_seg bs;   /* the segment as this meter sees it */
    struct blocks rem;      /* energy remainders carried between blocks */
    int64_t fed_uwh[MEAS_QTY]; /* energy handed to the core in this run */
    uint32_t power_ups;     /* boots after outages in this run */
    int32_t conn[FLEET_LINES]; /* connection on each line, -1 = free */
    int32_t active;         /* position in fleet.active, -1 = none */
    struct fleet_samples *smp;
};

/* Bind the HAL of fm to the fleet (fleet_hal.c). */
void fleet_hal_bind(struct fleet_meter *fm);
/* The RTC model: what the meter's clock reads at fleet time t_ms. */
int fleet_rtc_read(const struct fleet_meter *fm, int64_t t_ms, int64_t *utc);
void fleet_rtc_set(struct fleet_meter *fm, int64_t t_ms, int64_t utc);

/* ---- feeds (fleet_feed.c) --------------------------------------------------------------- */

/* The template segment a meter sees at fleet second sec (tags, time shift),
 * and the fleet second at which it ends. */
size_t fleet_segment_at(const struct fleet *f, const struct fleet_meter *fm, int64_t sec, int64_t *end);
/* Prepare fm->bs for second sec (segment, variation, disconnector, sag). */
void fleet_load_segment(struct fleet *f, struct fleet_meter *fm, int64_t sec);
/* One second of the meter: block or samples, meter_poll. */
void fleet_feed_second(struct fleet *f, struct fleet_meter *fm, int64_t sec);
int fleet_samples_attach(struct fleet *f, struct fleet_meter *fm);
void fleet_samples_free(struct fleet_meter *fm);

/* ---- network (fleet_net.c) ------------------------------------------------------------------ */

struct fleet_conn {
    int fd;
    int32_t next_free;
    uint32_t meter;
    uint8_t line;
    bool used, out_armed, discard, answered;
    bool dead;              /* to be closed from the loop (socket error while the core wrote, hang-up) */
    bool hung_up;           /* the core hung the line up itself */
    uint8_t *q;             /* bytes waiting for the socket */
    uint32_t qlen, qcap;
    int64_t hold_until_ms;  /* slow meter: output held back until this fleet ms */
};

struct fleet_net {
    int ep;                 /* epoll */
    int *listen_fd;         /* one (address per meter) or one per meter (port per meter) */
    uint32_t nlisten;
    int metrics_fd;
    int mconn[8];           /* metrics clients waiting for their request */
    struct fleet_conn *conn;
    uint32_t nconn, conn_cap;
    int32_t free_head;
    uint32_t open;          /* connections open now */
    uint64_t accepted, refused, requests, bytes_in, bytes_out;
    uint32_t slow_pending;  /* connections with held output */
    uint32_t dead_pending;  /* connections marked dead */
};

int fleet_net_open(struct fleet *f, char *err, size_t n);
/* Wait up to timeout_ms for the network and signals; serve what came. */
void fleet_net_wait(struct fleet *f, int timeout_ms);
/* Send what is due (held output of slow meters, queued bytes). */
void fleet_net_flush(struct fleet *f);
/* Close every connection of meter fm (power lost). */
void fleet_net_drop_meter(struct fleet *f, struct fleet_meter *fm);
void fleet_net_close(struct fleet *f);
/* The meter's side of a line (the HAL's port_write / port_tx_room /
 * port_hangup: an idle client is dropped by the core). */
size_t fleet_net_write(struct fleet *f, struct fleet_meter *fm, unsigned port, const uint8_t *buf, size_t len);
size_t fleet_net_room(struct fleet *f, struct fleet_meter *fm, unsigned port);
void fleet_net_hangup(struct fleet *f, struct fleet_meter *fm, unsigned port);
/* Where meter i is served ("127.2.7.208:4059"). */
void fleet_net_address(const struct fleet *f, uint32_t i, char *buf, size_t n);

/* ---- the fleet ------------------------------------------------------------------------------ */

struct fleet_stats {
    uint64_t blocks;            /* meter-seconds fed */
    uint64_t boots, power_downs, events_applied, event_refusals;
    double boot_cpu_s;          /* start-up boots */
    double startup_wall_s;
};

struct fleet {
    struct fleet_opts o;
    struct scenario sc;
    struct fleet_plan plan;
    char scenario_path[PATH_MAX];
    uint8_t *seg_tag;           /* per template segment: tag index + 1, 0 = untagged */
    uint16_t *seg_fallback;     /* per segment: the untagged segment a meter without its tag sees */
    struct wave_set *ws_scratch; /* a meter's waveforms while its segment is prepared */
    struct fleet_meter *mt;
    uint32_t n;
    struct fleet_store st;
    struct metro_cal cal;       /* factory calibration of a fresh virtual meter */
    bool have_cal;

    int64_t t0_ms;              /* fleet ms (after the template's start) where this run began */
    int64_t t_ms;               /* now */
    int64_t end_ms;             /* INT64_MAX: until stopped */
    int64_t sec;                /* second being processed */
    uint32_t slice;             /* next slice of sec */
    size_t ev_next;             /* first event not yet due */
    size_t ev_lo, ev_hi;        /* events of second sec */

    uint32_t *bootq;            /* meters waiting for power-up */
    uint32_t bootq_head, bootq_len;
    uint32_t *active;           /* meters with open connections */
    uint32_t nactive;
    uint32_t on, off, booting;

    struct fleet_net net;
    struct fleet_stats stats;
    bool quit;

    /* pacing and reports */
    int64_t wall0_ns;           /* wall clock at fleet time wall_t_ms (real time) */
    int64_t wall_t_ms;
    int64_t wall_start_ns;
    double cpu0_s;
    int64_t next_summary_ns;
    uint64_t last_requests;
    int64_t last_summary_ns, last_summary_ms;
    double last_summary_cpu;
    char err[512];
};

/* Check the command line, the template and the fleet file; nothing is
 * touched. Returns enum fleet_exit with one line in err. */
int fleet_prepare(struct fleet *f, const struct fleet_opts *o, char *err, size_t n);
/* Open the state, power every meter up, start the network, run to the end.
 * Returns enum fleet_exit. */
int fleet_run(struct fleet *f, char *err, size_t n);
/* Run to fleet time t_ms (tests; no pacing, no network waits). */
void fleet_run_to(struct fleet *f, int64_t t_ms);
/* Boot every meter (start-up). */
int fleet_start(struct fleet *f, char *err, size_t n);
/* Power every meter down (save) and close the state. */
void fleet_shutdown(struct fleet *f);
void fleet_free(struct fleet *f);
void fleet_request_quit(void);
bool fleet_quit_requested(void);

/* Power a meter down now / queue it for power-up. */
void fleet_power_down(struct fleet *f, struct fleet_meter *fm);
void fleet_power_up(struct fleet *f, struct fleet_meter *fm);
/* Serve the boot queue for at most budget_ns (0: all). */
void fleet_boot_some(struct fleet *f, int64_t budget_ns);
/* Add/remove a meter from the polled set (open sessions). */
void fleet_active_add(struct fleet *f, struct fleet_meter *fm);
void fleet_active_remove(struct fleet *f, struct fleet_meter *fm);
int64_t fleet_wall_ns(void);
double fleet_cpu_s(void);

/* ---- reports (fleet_report.c) ------------------------------------------------------------------ */

void fleet_summary_line(struct fleet *f, FILE *out);
int fleet_json_summary(struct fleet *f, FILE *out);
int fleet_registers_out(struct fleet *f, const char *path);
/* Prometheus text exposition into buf; returns its length. */
size_t fleet_metrics_text(struct fleet *f, char *buf, size_t n);
/* Resident memory (kB): anonymous and file-backed, from /proc/self/status. */
void fleet_rss_kb(uint64_t *anon, uint64_t *file);

#endif
