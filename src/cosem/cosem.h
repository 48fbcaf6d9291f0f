/*
 * cosem.h — interface-class adapters: the attributes of object-table rows
 * as COSEM interface classes present them (IEC 62056-6-2 / Blue Book),
 * A-XDR encoded (src/util/axdr.h). Used by the DLMS server for GET; every
 * value comes from obj_read()/obj_read_at() or, for the attributes a class
 * adds (scaler_unit, capture times, profile buffers ...), from the module
 * that owns the data. Nothing is cached.
 *
 * Classes: 1 Data, 3 Register, 4 Extended register, 5 Demand register,
 * 7 Profile generic (every profile-generic row of the table: load profile,
 * analysis logger, event logs, billing history), 8 Clock, 9 Script table, 22 Single action schedule, 70
 * Disconnect control; other classes present their logical name only
 * (their configuration attributes arrive with DLMS part 2).
 *
 * Long values (profile buffers) are produced in windows of a virtual byte
 * stream (struct axdr_w): struct cosem_pos is the checkpoint an encoder
 * leaves at the last item boundary inside the window, so the next window
 * resumes there instead of encoding everything before it again. That is
 * how DLMS block transfer regenerates each block from the store.
 */
#ifndef TRIMETER_COSEM_H
#define TRIMETER_COSEM_H

#include <stdbool.h>
#include <stdint.h>

#include "cosem/objtab.h"
#include "trimeter/types.h"
#include "util/axdr.h"

/* Capture columns of a profile at most (billing history: 22). */
#define COSEM_COLS_MAX 32u

/* Access selectors of profile generic attribute 2 (buffer). */
enum cosem_selector { COSEM_SEL_NONE = 0, COSEM_SEL_RANGE = 1, COSEM_SEL_ENTRY = 2 };

/* A parsed selective access. */
struct cosem_sel {
    uint8_t selector;     /* enum cosem_selector */
    uint32_t cols;        /* bit c = capture column c; 0 = every column */
    int64_t from, to;     /* RANGE: UTC seconds, both inclusive */
    uint32_t from_entry;  /* ENTRY: 1 = the oldest entry, inclusive */
    uint32_t to_entry;    /* ENTRY: inclusive, 0 = the newest */
};

/* Resumable position of an encoding (see above). Zeroed = start. */
struct cosem_pos {
    uint32_t at;          /* virtual byte position where `item` starts */
    uint32_t item;        /* next array element */
    uint32_t total;       /* elements of the array, fixed at the first window */
    uint8_t started;      /* array header written; resume at `at` */
    uint32_t view;        /* association view: the next object to examine */
    struct obj_cursor cur; /* profile buffers: the row's cursor at `item` */
};

/* One capture column: the attribute it captures. */
struct cosem_col {
    uint16_t ic;
    struct obis ln;
    int8_t attr;
    uint16_t data_index;
};

/* Version and attribute/method counts of a class as presented. */
uint8_t cosem_class_version(uint16_t ic);
uint8_t cosem_attr_count(uint16_t ic);
uint8_t cosem_method_count(uint16_t ic);

/* Whether attribute `attr` (1..) of the row can be read over DLMS at
 * access level acc (1, the logical name, whenever the row is visible). */
bool cosem_attr_readable(const struct obj_def *o, int attr, enum meter_access acc);
/* Access selectors attribute `attr` takes (bit s = selector s). */
uint8_t cosem_attr_selectors(const struct obj_def *o, int attr);

/* Encode attribute attr of row o (f = 0/255: current values; 1..: the
 * billing period f ago, registers only) into w. Returns 1 when the value
 * was encoded to its end, 0 when it stopped at the end of the window
 * (resume with the same pos and the next window), or a negative meter_err:
 * METER_EACCES (not readable at acc), METER_ENOENT (no such attribute or
 * period), METER_EINVAL (selection does not apply), METER_EIO (the store
 * failed or entries went away while a long read was under way). */
int cosem_get(const struct meter *m, const struct obj_def *o, unsigned f, int attr, const struct cosem_sel *sel,
              enum meter_access acc, struct axdr_w *w, struct cosem_pos *pos);

/* Parse the access parameters of `selector` on attribute attr of row o.
 * 0 or METER_EINVAL (unknown selector, malformed, a column that is not
 * captured), METER_ENOTSUP (the attribute takes no selection). */
int cosem_sel_parse(const struct meter *m, const struct obj_def *o, int attr, uint8_t selector,
                    const uint8_t *p, size_t n, struct cosem_sel *out);

/* Capture columns of a profile row: count, and column i. */
unsigned cosem_pg_columns(const struct meter *m, const struct obj_def *o);
int cosem_pg_column(const struct meter *m, const struct obj_def *o, unsigned i, struct cosem_col *out);

/* COSEM date-time (12 bytes) of a UTC instant in the meter's local time,
 * with its deviation and the clock status (DST, invalid clock). utc 0 =
 * "not specified". */
void cosem_datetime(const struct meter *m, int64_t utc, uint8_t out[12]);
/* Parse a date-time (12 bytes) into UTC. Unspecified deviation: the
 * meter's local time. Unspecified year/month/day: METER_ENOENT (the
 * caller decides what an open bound means); bad values: METER_EINVAL. */
int cosem_datetime_parse(const struct meter *m, const uint8_t in[12], int64_t *utc);

/* ---- SET and ACTION (src/cosem/cosem_set.c) ------------------------------- */

/* What cosem_set / cosem_action answer: the data-access-result and
 * action-result codes of IEC 62056-5-3 (the two enumerations share these
 * numbers). */
enum cosem_result {
    COSEM_R_SUCCESS = 0,
    COSEM_R_HARDWARE_FAULT = 1,
    COSEM_R_TEMPORARY_FAILURE = 2, /* metrological log full, rate limit, relay held */
    COSEM_R_DENIED = 3,            /* read-write-denied: no right, read-only, legal */
    COSEM_R_UNDEFINED = 4,
    COSEM_R_CLASS_INCONSISTENT = 9,
    COSEM_R_UNAVAILABLE = 11,      /* no such attribute or method */
    COSEM_R_TYPE_UNMATCHED = 12,   /* the value does not fit the attribute */
    COSEM_R_SCOPE_VIOLATED = 13,
    COSEM_R_OTHER = 250
};

/* Write attribute attr of row o from the A-XDR Data at r (the whole value;
 * r must be at its end afterwards) for a client at level acc. Every change
 * goes through obj_write()/obj_action() (rights, calibration seal,
 * metrological log, audit record); legal rows are read-only for every
 * protocol client, whatever its level. Refusals are counted (audit.h).
 * Returns a cosem_result (0 = success). */
int cosem_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
              enum meter_src src);
/* Execute method `method` of row o with the A-XDR parameters at params
 * (NULL or empty: none); return parameters, if any, go to ret (may be
 * NULL). Returns a cosem_result (0 = success). */
int cosem_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                 enum meter_access acc, enum meter_src src);
/* What the association view shows (attribute_access_mode write bit,
 * method_access_mode): whether cosem_set / cosem_action would take it at
 * level acc, rights of the row considered (legal rows: never). */
bool cosem_attr_writable(const struct obj_def *o, int attr, enum meter_access acc);
bool cosem_method_allowed(const struct obj_def *o, int method, enum meter_access acc);
/* A meter_err as a cosem_result. */
int cosem_result_of(int err);

/* Put the value of a row as A-XDR Data (the type follows the value). */
void cosem_put_value(const struct meter *m, struct axdr_w *w, const struct obj_value *v);
/* scaler_unit structure of a value. */
void cosem_put_scaler_unit(struct axdr_w *w, int8_t scaler, uint8_t unit);

#endif
