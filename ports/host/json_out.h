/*
 * json_out.h — the simulator's `--json` report (SIMULATOR.md "JSON output")
 * and the small streaming JSON writer it uses (others may use it to add
 * keys: billing, display).
 *
 * The report reads the meter only through the object table (registers),
 * the event log API and the host hardware; it never changes the meter.
 */
#ifndef TRIMETER_JSON_OUT_H
#define TRIMETER_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_W_DEPTH 16

struct json_w {
    FILE *f;
    int depth;
    int inline_from;             /* containers at this depth or deeper on one line */
    bool first[JSON_W_DEPTH];
    bool after_key;
};

void jw_init(struct json_w *w, FILE *f, int inline_from);
void jw_obj_begin(struct json_w *w);
void jw_obj_end(struct json_w *w);
void jw_arr_begin(struct json_w *w);
void jw_arr_end(struct json_w *w);
void jw_key(struct json_w *w, const char *k);
void jw_str(struct json_w *w, const char *s);
void jw_strn(struct json_w *w, const char *s, size_t n);
void jw_int(struct json_w *w, int64_t v);
void jw_uint(struct json_w *w, uint64_t v);
void jw_bool(struct json_w *w, bool v);
void jw_null(struct json_w *w);
/* A double with `decimals` fixed decimals; NaN/inf become null. */
void jw_fixed(struct json_w *w, double v, int decimals);
/* A number already formatted (must be JSON number syntax, else written as
 * a string). */
void jw_number_text(struct json_w *w, const char *text);

struct sim;
/* The final-state report, one JSON object and a newline. 0 or -1 (I/O). */
int json_out_report(FILE *f, const struct sim *s);

#endif
