/*
 * display.h — the three display lists (SPEC S-4.2) and what the LCD shows.
 *
 *   automatic: up to 16 readings, 10 s each, no historic values;
 *   manual:    up to 30 readings in any order, advanced by the display
 *              (left) button; the legal registers cannot be left out; back
 *              to automatic 2 minutes after the last press;
 *   battery:   up to 8 stored readings, shown without mains, advanced by
 *              the button.
 *
 * Lists are kept as object-table indices with the billing period (2 bytes
 * each: "1.8.0*1" = row of 1.8.0, last period), configured as text
 * "1.8.0,2.8.0,1.8.0*1,..." through the object table (keys display_auto,
 * display_manual, display_battery), so every protocol can set them. A list
 * that breaks a rule is refused whole, with a reason (display_reject_text).
 *
 * Reads values only through obj_read() at the public access level and the
 * other modules' state for the symbols; changes nothing but its own state.
 */
#ifndef TRIMETER_DISPLAY_H
#define TRIMETER_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/lcd.h"
#include "trimeter/meter_opts.h"

struct meter;
struct obj_def;

enum display_list_id { DISPLAY_AUTO = 0, DISPLAY_MANUAL = 1, DISPLAY_BATTERY = 2, DISPLAY_LISTS = 3 };

#define DISPLAY_AUTO_MAX 16
#define DISPLAY_MANUAL_MAX 30
#define DISPLAY_BATTERY_MAX 8
#define DISPLAY_ITEMS_MAX (DISPLAY_AUTO_MAX + DISPLAY_MANUAL_MAX + DISPLAY_BATTERY_MAX)

#define DISPLAY_SCROLL_MS 10000u          /* automatic list: 10 s per reading */
#define DISPLAY_MANUAL_TIMEOUT_MS 120000u /* manual -> automatic after the last press */
#define DISPLAY_BATTERY_TIMEOUT_MS 30000u /* battery display goes blank (saves the battery) */
#define DISPLAY_LONG_PRESS_MS 3000u       /* display button held: end of billing (cover open) */
#define DISPLAY_LINK_MS 60000u            /* module/radio symbol lit after the last traffic */

/* A list item: object-table row and billing period F (0 = current value,
 * 1..BILLING_DEPTH = the value at the end of the F-th last period). */
#define DISPLAY_ROW_BITS 11u
#define DISPLAY_ITEM(row, f) ((uint16_t)((unsigned)(row) | ((unsigned)(f) << DISPLAY_ROW_BITS)))
static inline unsigned display_item_row(uint16_t item)
{
    return item & ((1u << DISPLAY_ROW_BITS) - 1u);
}
static inline unsigned display_item_f(uint16_t item)
{
    return (unsigned)item >> DISPLAY_ROW_BITS;
}

/* Why a list was refused. */
enum display_reject {
    DISPLAY_REJ_NONE = 0,
    DISPLAY_REJ_SYNTAX,      /* not an OBIS code */
    DISPLAY_REJ_UNKNOWN,     /* no such object in the table (or period not kept) */
    DISPLAY_REJ_TOO_MANY,    /* more readings than the list holds */
    DISPLAY_REJ_NOT_SHOWN,   /* a parameter, or not readable by the public */
    DISPLAY_REJ_HISTORIC,    /* historic value in the automatic list */
    DISPLAY_REJ_INSTANT,     /* instantaneous value in the battery list */
    DISPLAY_REJ_DUPLICATE,   /* the same reading twice */
    DISPLAY_REJ_LEGAL,       /* a legal register left out of the manual list */
    DISPLAY_REJ_COUNT
};

/* The configuration (persisted with the meter's configuration). */
struct display_cfg {
    uint16_t item[DISPLAY_ITEMS_MAX]; /* DISPLAY_ITEM()s, the lists back to back */
    uint8_t n[DISPLAY_LISTS];         /* readings in each list */
};

/* Runtime state. */
struct display {
    struct lcd_state lcd;    /* what the LCD shows now */
    uint32_t t_item_ms;      /* automatic: when the current reading appeared */
    uint32_t t_press_ms;     /* last press of the display button */
    uint32_t t_link_ms[2];   /* last traffic: module, radio */
    uint8_t links;           /* bit 0 module, bit 1 radio: ever active */
    uint8_t mode;            /* enum lcd_mode */
    uint8_t pos;             /* reading shown, index into the current list */
    bool dirty;              /* recompute the LCD at the next poll */
    uint8_t rej;             /* enum display_reject of the last refused list */
    uint8_t rej_list;        /* enum display_list_id it was for */
    uint8_t rej_pos;         /* 1-based reading of the refused list, 0 = whole list */
    uint16_t rej_row;        /* table row concerned (legal register left out) */
};

/* Result of checking a list. */
struct display_verdict {
    uint8_t rej;     /* enum display_reject */
    uint8_t pos;     /* 1-based reading, 0 = whole list */
    uint16_t row;    /* table row concerned */
};

/* Readings a list may hold. */
unsigned display_list_max(enum display_list_id which);
/* The readings of a list in a configuration. */
const uint16_t *display_list_items(const struct display_cfg *c, enum display_list_id which);

/* Rules (pure; the object table is const). May the row, at billing period
 * f (0 = now), be shown in this list? Is it a legal register that the
 * manual list must hold? */
enum display_reject display_row_allowed(const struct obj_def *o, unsigned f, enum display_list_id which);
bool display_row_mandatory(const struct obj_def *o);

/* Parse "1.8.0,2.8.0,1.8.0*1..." (spaces allowed, empty text = empty list)
 * into items and check every rule. Returns 0 or a negative error with
 * *v telling why (v->rej != DISPLAY_REJ_NONE). */
int display_list_parse(const char *text, size_t len, enum display_list_id which, uint16_t *idx,
                       unsigned *n, struct display_verdict *v);
/* Check a list of items against the rules. */
int display_list_check(enum display_list_id which, const uint16_t *idx, unsigned n,
                       struct display_verdict *v);

/* Factory lists (built from OBIS codes, skipping rows this firmware lacks). */
void display_cfg_default(struct display_cfg *c);
/* Keep a restored configuration only if it still passes the rules. */
void display_cfg_validate(struct display_cfg *c);

/* Set a list from text (the object-table setter): refuses a bad list whole
 * and remembers why. Returns 0 or a negative error. */
int display_list_set(struct meter *m, enum display_list_id which, const char *text, size_t len);
/* The list as text "1.8.0,2.8.0". Returns length or a negative error. */
int display_list_get(const struct meter *m, enum display_list_id which, char *buf, size_t n);
/* Why the last list was refused, as text ("" when none was). */
int display_reject_text(const struct meter *m, char *buf, size_t n);
const char *display_reject_name(enum display_reject r);

/* Runtime. */
void display_init(struct meter *m);
/* Display button pressed and held for hold_ms. */
void display_button(struct meter *m, uint32_t hold_ms);
/* Timers (every main-loop pass; cheap) and LCD refresh when something
 * changed; hal->lcd_show is called when the LCD state changes. */
void display_poll(struct meter *m);
/* Recompute at the next poll (new block, input change, state change). */
void display_touch(struct meter *m);
/* Traffic on a module port (bit 0) or the radio (bit 1): lights the
 * module/radio symbol for DISPLAY_LINK_MS. */
void display_note_link(struct meter *m, unsigned which);

/* What the LCD shows now (for the simulator's JSON and terminal LCD). */
const struct lcd_state *display_state(const struct meter *m);

#endif
