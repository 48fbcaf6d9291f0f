/*
 * relay.h — the disconnector (SPEC S-5.3): a bistable main relay that keeps
 * its position through outages, opened and closed by the button, Smart
 * Disconnect (limiter), prepayment, the missing-neutral protection, or the
 * head-end (COSEM disconnect control, IC 70).
 *
 * Every party that wants the supply off sets its own *hold* (one bit per
 * cause); the relay is open while any hold is set. When the last hold goes
 * the party says how to come back: automatically (relay closes) or
 * manually (state READY: the button closes it). With soft reconnect on, a
 * remote disconnection can be undone by the button only after the head-end
 * released it (disconnector_release) or reconnected it.
 *
 * The relay never opens while a phase current is above its breaking
 * capacity (RELAY_BREAK_UA): the opening is deferred, logged once, and done
 * in the first second the current allows. The control state is persisted
 * BEFORE the relay is driven (write-ahead), so an outage in the middle of an
 * operation ends, after power-up, in the persisted position; an operation
 * whose event was not yet logged is logged at power-up.
 *
 * Touches only the main relay (hal->relay_set(METER_RELAY_MAIN)) and its
 * own state; the causes' modules decide when to hold and release.
 */
#ifndef TRIMETER_RELAY_H
#define TRIMETER_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "trimeter/types.h"

struct meter;

/* Breaking capacity of the disconnector: Imax of the meter variant with a
 * disconnector (85 A, SPEC S-1.2). Above it an opening waits. */
#ifndef RELAY_BREAK_UA
#define RELAY_BREAK_UA 85000000
#endif

/* Why the relay opened / who closed it (event field a). */
enum relay_cause {
    RELAY_CAUSE_NONE = 0,
    RELAY_CAUSE_BUTTON = 1,
    RELAY_CAUSE_LIMITER = 2,  /* Smart Disconnect */
    RELAY_CAUSE_PREPAY = 3,
    RELAY_CAUSE_REMOTE = 4,
    RELAY_CAUSE_NEUTRAL = 5,
    RELAY_CAUSE_POWERUP = 6,  /* position restored after an interrupted operation */
    RELAY_CAUSE_COUNT
};

/* COSEM disconnect control states (IC 70 attribute control_state). */
enum relay_state {
    RELAY_DISCONNECTED = 0,
    RELAY_CONNECTED = 1,
    RELAY_READY = 2 /* ready for reconnection: the button closes */
};

/* How a cause comes back when its hold goes. */
enum relay_return { RELAY_RETURN_MANUAL = 0, RELAY_RETURN_AUTO = 1 };

struct relay_cfg {
    uint8_t soft_reconnect; /* 1: button reconnects a remote disconnection only after a release */
};

/* Persisted in the legal snapshot. */
struct relay_nv {
    uint8_t state;     /* enum relay_state */
    uint8_t holds;     /* bit (1 << enum relay_cause) */
    uint8_t closed;    /* position last driven (or about to be) */
    uint8_t cause;     /* cause of the pending/last operation */
    uint8_t unlogged;  /* 1: the operation's event is not logged yet */
};

struct relay {
    bool deferred;     /* an opening waits for the current to drop */
    uint8_t src;       /* enum meter_src of the pending operation */
};

const char *relay_cause_name(enum relay_cause c);
const char *relay_state_name(enum relay_state s);

/* Power-up: drive the relay to its persisted position, log an operation
 * an outage interrupted. */
void relay_init(struct meter *m);
/* Every second (after the block): a deferred opening, when allowed. */
void relay_second(struct meter *m);

/* Set / clear one cause's hold. Clearing the last hold closes the relay
 * (RELAY_RETURN_AUTO) or makes it READY (manual). */
void relay_hold(struct meter *m, enum relay_cause c, enum meter_src src);
void relay_release_hold(struct meter *m, enum relay_cause c, enum relay_return how, enum meter_src src);
bool relay_held_by(const struct meter *m, enum relay_cause c);

/* The disconnector button. Returns 0, or METER_ESTATE when the relay is
 * locked (another cause holds it, or soft reconnect without release). */
int relay_button(struct meter *m);
/* Head-end: IC 70 method 1 remote_disconnect, 2 remote_reconnect. */
int relay_remote(struct meter *m, unsigned method, enum meter_src src);
/* Head-end release (soft reconnect): the button may now reconnect. */
int relay_remote_release(struct meter *m, enum meter_src src);

bool relay_is_closed(const struct meter *m);
enum relay_state relay_state_of(const struct meter *m);

#endif
