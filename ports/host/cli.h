/*
 * cli.h — the command-line loop the host programs share (trimeter-sim,
 * trimeter-fleet): an option is one row of the program's table, and the
 * program's own apply function turns its value into the program's options
 * (`opts`, the program's struct). Both programs accept "--opt VALUE" and
 * "--opt=VALUE", refuse unknown options, stray arguments, a missing value
 * and a value given to a flag, each with one line.
 */
#ifndef TRIMETER_HOST_CLI_H
#define TRIMETER_HOST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cli_option {
    const char *name;   /* "--until" */
    const char *arg;    /* metavariable, NULL for a flag */
    int (*apply)(void *opts, const char *arg, char *err, size_t n); /* 0, or -1 with the reason in err */
    const char *help;
};

/* Apply argv[1..argc) to opts through the table (ended by a row whose name
 * is NULL). 0, or -1 with "command line: ..." in err. */
int cli_parse(const struct cli_option *table, int argc, char **argv, void *opts, char *err, size_t n);
/* The table's rows as help lines, the option column `width` wide. */
void cli_usage(const struct cli_option *table, FILE *f, int width);
/* A decimal unsigned integer in lo..hi (no sign, no spaces, nothing after
 * it). 0, or -1 with the reason in err. */
int cli_u64(const char *a, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t n);

/* --until: a duration ("1h30m", *abs false) or an ISO time with its offset
 * (*abs true), as scenario.h parses them. */
int cli_until(const char *a, int64_t *until, bool *abs, char *err, size_t n);
/* SIGINT, SIGTERM and SIGHUP call on_quit (which asks the run to end, as a
 * quit key would); SIGPIPE is ignored (a client that went away is a write
 * error, not the end of the program). */
void cli_quit_on_signals(void (*on_quit)(int));

#endif
