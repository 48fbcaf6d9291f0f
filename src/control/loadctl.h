/*
 * loadctl.h — load control (SPEC S-5.8): the module's one or two 5 A relays
 * and the tariff module's inputs.
 *
 * Each load relay follows one source (its mode): the head-end only
 * (remote), the active tariff (closed at the tariffs listed), a daily time
 * program (closed inside up to four local-time intervals), or Smart
 * Disconnect (closed, shed as the limiter's first stage). A remote command
 * works in every mode; in an automatic mode it lasts until that source next
 * changes its mind. Every switching is logged with its source.
 *
 * External tariff inputs: when the billing core's `tariff_input` is 1 the
 * two inputs select the active tariff (tariff_select(), src/registers/tariff.h);
 * this module logs every change of what they select.
 *
 * Drives only hal->relay_set(METER_RELAY_AUX1/2); reads inputs, local time,
 * the active tariff and the limiter; relay positions persist.
 */
#ifndef TRIMETER_LOADCTL_H
#define TRIMETER_LOADCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;

#define LOADCTL_RELAYS 2
#define LOADCTL_PROG_MAX 4

enum loadctl_mode {
    LOADCTL_REMOTE = 0,  /* head-end commands only */
    LOADCTL_TARIFF = 1,  /* closed while the active tariff is in `tariffs` */
    LOADCTL_PROGRAM = 2, /* closed inside the daily intervals */
    LOADCTL_LIMITER = 3, /* closed; opened as Smart Disconnect's first stage */
    LOADCTL_MODES
};

/* Who switched a load relay (event field b, bits 8..15). */
enum loadctl_source {
    LOADCTL_SRC_REMOTE = 0,
    LOADCTL_SRC_TARIFF = 1,
    LOADCTL_SRC_PROGRAM = 2,
    LOADCTL_SRC_LIMITER = 3
};

struct loadctl_interval {
    uint16_t on_min;  /* local minute of the day it closes */
    uint16_t off_min; /* ... and opens (may wrap past midnight) */
};

struct loadctl_relay_cfg {
    uint8_t mode;     /* enum loadctl_mode */
    uint8_t tariffs;  /* bit t-1: closed at tariff t (mode tariff) */
    uint8_t nprog;    /* intervals used (mode program) */
    uint8_t pad;
    struct loadctl_interval prog[LOADCTL_PROG_MAX];
};

struct loadctl_cfg {
    struct loadctl_relay_cfg r[LOADCTL_RELAYS];
};

/* Persisted in the legal snapshot. */
struct loadctl_nv {
    uint8_t closed;    /* bit r: relay r+1 closed */
    uint8_t override;  /* bit r: a remote command rules until the source changes */
};

struct loadctl {
    uint8_t want;      /* bit r: what the automatic source wanted last second */
    uint8_t known;     /* bit r: want is valid (after the first evaluation) */
    int8_t in_tariff;  /* tariff 0.. the inputs selected, -1 none seen yet */
};

void loadctl_cfg_default(struct loadctl_cfg *c);

const char *loadctl_mode_name(enum loadctl_mode mode);
/* "remote", "tariff", "program", "limiter". */
const char *loadctl_source_name(enum loadctl_source src);
int loadctl_mode_parse(const char *text, size_t len);

/* "06:00-08:00,22:00-23:30" <-> intervals. Returns length / 0 or error. */
int loadctl_program_format(const struct loadctl_relay_cfg *r, char *buf, size_t n);
int loadctl_program_parse(struct loadctl_relay_cfg *r, const char *text, size_t len);
/* "1,2" <-> tariff mask. */
int loadctl_tariffs_format(uint8_t mask, char *buf, size_t n);
int loadctl_tariffs_parse(uint8_t *mask, const char *text, size_t len);

/* Is the program closed at this local minute of the day? */
bool loadctl_program_on(const struct loadctl_relay_cfg *r, unsigned minute_of_day);

void loadctl_init(struct meter *m);
void loadctl_second(struct meter *m);
/* Every main-loop pass: log changes of the tariff inputs (when they select
 * the tariff). */
void loadctl_poll(struct meter *m, uint32_t inputs);
/* Head-end command for relay 0/1. */
int loadctl_remote(struct meter *m, unsigned relay, bool closed, enum meter_src src);
bool loadctl_closed(const struct meter *m, unsigned relay);

#endif
