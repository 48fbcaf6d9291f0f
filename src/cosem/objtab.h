/*
 * objtab.h — the object table: one row per COSEM/OBIS object, the single
 * source of truth for every register and parameter of the meter.
 *
 * The display, every protocol (KMP, IEC 62056-21, DLMS, M-Bus, HAN), the
 * simulator's JSON and docs/REGISTERS.md all read and write through this
 * table. No protocol keeps its own list of registers or a copy of a value:
 * protocol-specific ids (the KMP register id, ...) are columns of the row.
 * Adding a register = adding one row in objtab.c.
 *
 * Values are integers with a decimal scaler in the base unit of the row
 * (Wh, W, V, A, Hz ...): quantity = value.i * 10^value.scaler. Access is
 * checked here, once, for every interface; writes to parameters are audit-
 * logged here, once.
 */
#ifndef TRIMETER_OBJTAB_H
#define TRIMETER_OBJTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cosem/obis.h"
#include "cosem/units.h"
#include "registers/evlog.h"
#include "registers/profile.h"
#include "trimeter/types.h"
#include "trimeter/meter_opts.h"

struct meter;

/* COSEM interface classes used by the table (IEC 62056-6-2). */
enum cosem_ic {
    IC_DATA = 1,
    IC_REGISTER = 3,
    IC_EXT_REGISTER = 4,
    IC_DEMAND_REGISTER = 5,
    IC_PROFILE_GENERIC = 7,
    IC_CLOCK = 8,
    IC_SCRIPT_TABLE = 9,
    IC_IMAGE_TRANSFER = 18,
    IC_SCHEDULE = 10,
    IC_SPECIAL_DAYS = 11,
    IC_ACTIVITY_CALENDAR = 20,
    IC_REGISTER_MONITOR = 21,
    IC_SINGLE_ACTION_SCHEDULE = 22,
    IC_PUSH_SETUP = 40,
    IC_DISCONNECT_CONTROL = 70,
    IC_LIMITER = 71
};

enum obj_type {
    OBJ_T_NONE = 0,
    OBJ_T_INT,       /* v.i with scaler/unit */
    OBJ_T_UINT,      /* v.i >= 0 with scaler/unit */
    OBJ_T_BOOL,      /* v.i 0/1 */
    OBJ_T_ENUM,      /* v.i */
    OBJ_T_STRING,    /* v.s (visible string / octets), len */
    OBJ_T_DATETIME,  /* v.i = UTC seconds; protocols present local or standard time */
    OBJ_T_DATE,      /* v.i = UTC seconds of local midnight */
    OBJ_T_TIME       /* v.i = seconds since local midnight */
};

/* Long enough for list-valued parameters (30-entry display list, calendar
 * lines); len is a uint8_t, so at most 255. */
#define OBJ_STR_MAX 250

struct obj_value {
    uint8_t type;       /* enum obj_type */
    uint8_t unit;       /* enum cosem_unit */
    int8_t scaler;      /* quantity = i * 10^scaler unit */
    uint8_t len;        /* bytes used in s */
    int64_t i;
    int64_t capture;    /* UTC capture time of a peak (demand), 0 if none */
    char s[OBJ_STR_MAX];
};

/* Row flags. */
enum obj_flag {
    OBJ_F_LEGAL = 1u << 0,    /* legal register or legally relevant parameter */
    OBJ_F_PARAM = 1u << 1,    /* configuration parameter: writes are audit-logged */
    OBJ_F_HISTORIC = 1u << 2, /* billing-history value (not for the automatic display) */
    OBJ_F_ENERGY = 1u << 3,   /* energy register: has a high-resolution test view */
    OBJ_F_INSTANT = 1u << 4,  /* instantaneous value (not for readout lists by default) */
    OBJ_F_SYNC = 1u << 5      /* the clock: below wr a synchronisation only (legal/access.h) */
};

/* Column `mbus`: which M-Bus record sets carry the row (src/proto/mbus
 * derives DIF/VIF from the row's unit, scaler, OBIS code and class). */
enum obj_mbus {
    OBJ_MBUS_TRM = 1u << 0,   /* wired, this firmware's layout */
    OBJ_MBUS_KAM = 1u << 1,   /* wired, as a Kamstrup 382 */
    OBJ_MBUS_RADIO = 1u << 2, /* wireless, this firmware's layout */
    OBJ_MBUS_OMNI = 1u << 3,  /* wireless, as an OMNIPOWER */
    OBJ_MBUS_BOTH = OBJ_MBUS_TRM | OBJ_MBUS_KAM,
    OBJ_MBUS_ALL = 0x0Fu
};

struct obj_def;
struct obj_log;

typedef int (*obj_get_fn)(const struct meter *m, const struct obj_def *o, struct obj_value *out);
typedef int (*obj_set_fn)(struct meter *m, const struct obj_def *o, const struct obj_value *in,
                          enum meter_src src);
/* COSEM method (ACTION): method number as the interface class defines it
 * (e.g. disconnect control: 1 remote_disconnect, 2 remote_reconnect). */
typedef int (*obj_act_fn)(struct meter *m, const struct obj_def *o, unsigned method,
                          const struct obj_value *arg, enum meter_src src);

struct obj_def {
    struct obis ln;        /* logical name */
    uint16_t ic;           /* enum cosem_ic */
    uint8_t unit;          /* enum cosem_unit of the value */
    int8_t scaler;         /* scaler of the (billing-resolution) value */
    uint8_t decimals;      /* decimals when shown in the k-unit (kWh, kW) or base unit */
    uint8_t flags;         /* enum obj_flag */
    uint8_t rd;            /* minimum enum meter_access to read */
    uint8_t wr;            /* minimum enum meter_access to write (NONE = read-only) */
    uint16_t kmp_id;       /* KMP register id, 0 if not readable by KMP */
    uint16_t kmp_hi;       /* energy rows: KMP id of the high-resolution view (382: 0x000D A+, 0x000E A-) */
    uint8_t mbus;          /* M-Bus/wM-Bus record sets that carry the row as a data
                              record (enum obj_mbus; src/proto/mbus), 0 = none */
    uint16_t arg;          /* index handed to shared getters (phase, tariff ...) */
    obj_get_fn get;
    obj_set_fn set;        /* NULL = read-only */
    obj_act_fn act;        /* NULL = no methods */
    uint8_t ex;            /* minimum enum meter_access to execute methods */
    uint8_t bill;          /* 0, or slot+1 in the billing snapshot (src/registers/billing.h):
                              the value is kept per billing period, readable as
                              C.D.E*F with obj_read_at() */
    const char *key;       /* machine name of a configurable object: scenario
                              `config` keys, docs (NULL for plain registers) */
    const char *name;      /* human name for docs and tools */
    const struct obj_log *log; /* profile-generic rows: their entries (below) */
};

/* Iterate the table: the core's rows (objtab.c), then the segments the
 * firmware adds. objtab_segment() is provided by the firmware's top
 * (src/meter.c), which knows the protocol drivers: segment k with its *n
 * rows (n > 0), NULL past the last. */
const struct obj_def *objtab_segment(size_t k, size_t *n);
size_t objtab_count(void);
const struct obj_def *objtab_at(size_t i);
const struct obj_def *objtab_find(const struct obis *ln);
/* Look up by short code "C.D.E[*F]" or full OBIS text. */
const struct obj_def *objtab_find_str(const char *code);
const struct obj_def *objtab_find_kmp(uint16_t kmp_id);
/* The energy row whose high-resolution view has this KMP id (kmp_hi). */
const struct obj_def *objtab_find_kmp_hires(uint16_t kmp_id);
/* Look up a configurable object by its machine name (scenario config key). */
const struct obj_def *objtab_find_key(const char *key);

/* Read a value as client at access level acc. METER_EACCES if not allowed. */
int obj_read(const struct meter *m, const struct obj_def *o, enum meter_access acc,
             struct obj_value *out);
/* The high-resolution test view of an energy row (OBJ_F_ENERGY, S-8.5):
 * the register before truncation to its resolution, at the getter's own
 * scaler (uWh). METER_ENOENT for other rows, METER_EACCES as obj_read. */
int obj_read_hires(const struct meter *m, const struct obj_def *o, enum meter_access acc, struct obj_value *out);
/* Write: checks access and the legal flag (legal parameters need
 * METER_ACC_CAL, i.e. the calibration switch closed; legal registers have
 * no setter at all), calls the setter, audit-logs old/new and the source:
 * a legal change in the metrological log (refused with METER_ENOSPC while
 * that is full), other parameters in the audit log. The clock (OBJ_F_SYNC)
 * follows legal/access.h: below wr a small synchronisation only, rate
 * limited; it logs itself. Refusals are counted (legal/audit.h), not
 * logged as records. */
int obj_write(struct meter *m, const struct obj_def *o, enum meter_access acc,
              const struct obj_value *in, enum meter_src src);

/* Execute a method: checks o->ex and the legal flag as obj_write does,
 * logs the action in the audit log. */
int obj_action(struct meter *m, const struct obj_def *o, enum meter_access acc, unsigned method,
               const struct obj_value *arg, enum meter_src src);

/* Read a row at billing period f: f = 255 (or 0) the current value, f =
 * 1..BILLING_DEPTH the value stored at the end of the f-th last period
 * ("1.8.0*1" = the last). METER_ENOENT when the row is not billed or the
 * period is not (or no longer) stored. */
int obj_read_at(const struct meter *m, const struct obj_def *o, unsigned f, enum meter_access acc,
                struct obj_value *out);
/* v's integer brought to scaler (truncated toward zero when coarser). */
int64_t obj_value_at_scaler(const struct obj_value *v, int8_t scaler);
/* Finish a text value of n bytes written into v->s (n < 0: an error, passed
 * on): type, length, and v->i = its CRC-32, which stands for the text as
 * the audit log's old/new value. Returns 0 or n. */
int obj_text_value(struct obj_value *v, int n);
/* ---- value helpers for getters and setters (one set for every module) ---- */

/* Fill v with a number (scaler 0 unless given) or a text; return METER_OK
 * (obj_put_text: METER_ENOSPC when it does not fit). */
int obj_put_int(struct obj_value *v, int64_t x, int8_t scaler);
int obj_put_uint(struct obj_value *v, int64_t x, int8_t scaler);
int obj_put_enum(struct obj_value *v, int64_t x);
int obj_put_bool(struct obj_value *v, bool x);
int obj_put_text(struct obj_value *v, const char *s);
/* A written number as a whole number at row_scaler: METER_EINVAL when it
 * is no number or finer than that resolution, METER_ERANGE on overflow
 * (obj_range_of: also outside lo..hi). */
int obj_int_of(const struct obj_value *in, int8_t row_scaler, int64_t *x);
int obj_range_of(const struct obj_value *in, int8_t row_scaler, int64_t lo, int64_t hi, int64_t *x);
/* A written text equal to lit. */
bool obj_text_is(const struct obj_value *in, const char *lit);

/* ---- profile-generic rows: entries through the table -------------------- */
/*
 * A row of class 7 (the load profile, the analysis logger, every event log,
 * the billing history) reads its entries through `log`: the columns
 * (capture objects) after the clock, and the entries oldest first through a
 * cursor or by index. KMP GetLog/GetProfile and DLMS profile-generic buffers
 * read them the same way; no protocol calls the modules that keep them.
 */
#define OBJ_LOG_VALUES 20 /* BILLING_SLOTS: every billed row */

/* A capture object: the object and attribute whose value the column holds,
 * and the unit and scaler of the entries' integers in it. */
struct obj_col {
    struct obis ln;
    uint16_t ic;
    uint8_t attr;
    uint8_t unit;
    int8_t scaler;
};

struct obj_entry {
    int64_t time;                 /* UTC: the clock column (period end, event, billing end) */
    uint8_t status;               /* profile/logger: enum profile_status bits; events: the log */
    uint8_t n;                    /* values after the clock */
    int64_t v[OBJ_LOG_VALUES];    /* in the columns' order, each at its column's scaler */
};

/* Where a reader is (zeroed = at the oldest entry). */
struct obj_cursor {
    uint32_t index;               /* entries returned so far */
    union {
        struct profile_cursor profile;
        struct evlog_iter events;
    } u;
};

struct obj_log {
    /* Entries in use, and how many it can hold (profile entries). */
    uint32_t (*count)(const struct meter *m, const struct obj_def *o);
    uint32_t (*depth)(const struct meter *m, const struct obj_def *o);
    /* The columns after the clock (at most max); their number. */
    unsigned (*columns)(const struct meter *m, const struct obj_def *o, struct obj_col *c, unsigned max);
    /* The next entry, oldest first; METER_ENOENT at the end. */
    int (*next)(const struct meter *m, const struct obj_def *o, struct obj_cursor *c, struct obj_entry *e);
    /* Entry i (0 = oldest) directly; NULL when only a walk finds it. */
    int (*at)(const struct meter *m, const struct obj_def *o, uint32_t i, struct obj_entry *e);
    /* Capture period in seconds, 0 for event-driven logs. */
    uint32_t (*period_s)(const struct meter *m, const struct obj_def *o);
};

/* The same with the access check of the row (acc >= o->rd), or
 * METER_EACCES / METER_EINVAL (not a profile-generic row). A zeroed cursor
 * is at the oldest entry. obj_log_at walks with a cursor where the row has
 * no direct access. */
int obj_log_count(const struct meter *m, const struct obj_def *o, enum meter_access acc, uint32_t *count);
int obj_log_next(const struct meter *m, const struct obj_def *o, enum meter_access acc, struct obj_cursor *c,
                 struct obj_entry *e);
int obj_log_at(const struct meter *m, const struct obj_def *o, enum meter_access acc, uint32_t i,
               struct obj_entry *e);
/* The entries of the rings (src/cosem/objlog.c); o->arg is the ring
 * (enum meter_ring), RING_EVLOG + EVLOG_COUNT for all event logs merged. */
extern const struct obj_log obj_log_rings;

/* OBIS of a row packed as A<<24 | C<<16 | D<<8 | E (event records). */
uint32_t obj_packed(const struct obj_def *o);

/* Present a numeric value in the row's display unit (kWh for Wh rows ...)
 * with the row's decimals, truncated. Returns length or negative error. */
int obj_format_value(const struct obj_def *o, const struct obj_value *v, char *buf, size_t n);
/* Display unit text of a row ("kWh", "kW", "V", "" ...). */
const char *obj_unit_text(const struct obj_def *o);

#endif
