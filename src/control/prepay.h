/*
 * prepay.h — prepayment (SPEC S-5.5): a kWh credit counted down by the
 * imported active energy A+, topped up through the object table (prepay
 * credit, method 1, argument in Wh). Below the low-credit level the display
 * warns; at zero credit the disconnector opens, but only inside the allowed
 * window (default Monday-Friday 09:00-15:00 local time, never on exception
 * days of the tariff calendar) so nobody is cut off for a weekend. A top-up
 * that brings the credit above zero releases the relay (by the button, or
 * automatically when so configured).
 *
 * The credit is not a counter of its own: credit = base - (A+ now - A+ at
 * the last top-up), so it survives any outage exactly as A+ does and costs
 * no NVM writes beyond the top-ups. While prepayment is off the credit
 * stands still (base kept, reference taken again when it is switched on).
 *
 * Reads the energy register A+ and local time; acts only through
 * relay_hold/release; persists base and reference in the legal snapshot.
 */
#ifndef TRIMETER_PREPAY_H
#define TRIMETER_PREPAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;

#define PREPAY_CREDIT_MAX_WH 100000000LL /* 100 000 kWh */

struct prepay_cfg {
    uint32_t low_wh;     /* low-credit warning below this */
    uint16_t from_min;   /* disconnection window, local minutes of the day [from, to) */
    uint16_t to_min;
    uint8_t enable;
    uint8_t days;        /* bit d-1: ISO weekday d (1 = Monday) allowed */
    uint8_t reconnect;   /* enum relay_return after a top-up */
    uint8_t pad;
};

/* Persisted in the legal snapshot. */
struct prepay_nv {
    int64_t base_uwh;    /* credit at the last top-up (uWh, may be < 0) */
    uint64_t ap_ref;     /* A+ total (uWh) at the last top-up */
};

struct prepay {
    bool in_window;      /* last evaluation of the disconnection window */
};

void prepay_cfg_default(struct prepay_cfg *c);

/* Credit now, uWh (negative when consumption went on outside the window). */
int64_t prepay_credit_uwh(const struct meter *m);
bool prepay_low(const struct meter *m);   /* enabled and credit below the low level */
bool prepay_empty(const struct meter *m); /* enabled and credit <= 0 */

/* Is a disconnection allowed at this local time (wday 1 = Monday)? */
bool prepay_window_open(const struct prepay_cfg *c, unsigned wday, unsigned minute_of_day,
                        bool exception_day);
/* Window as text "1-5 09:00-15:00" / parse it (days: ISO numbers, ranges
 * and lists "1,3,5"). Returns length / 0, or a negative error. */
int prepay_window_format(const struct prepay_cfg *c, char *buf, size_t n);
int prepay_window_parse(struct prepay_cfg *c, const char *text, size_t len);

/* Switch prepayment on or off; the credit stands still while off. */
void prepay_enable(struct meter *m, bool on);
/* Top up by wh (> 0). Returns 0 or METER_ERANGE. */
int prepay_topup(struct meter *m, int64_t wh, enum meter_src src);

void prepay_init(struct meter *m);
void prepay_second(struct meter *m);

#endif
