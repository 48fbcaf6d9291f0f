/*
 * meter.h — the trimeter core: one struct meter holds every bit of state.
 *
 * No heap and no mutable globals: the caller allocates struct meter (static
 * on the MCU, anywhere on the host) and passes it to every call, so many
 * meters can run in one process. The port delivers samples, bytes, buttons
 * and the power-fail warning through the functions below, and the core acts
 * through struct meter_hal (hal.h).
 *
 * Data flow (docs/ARCHITECTURE.md): samples -> metrology -> measurement
 * block (meas.h) -> registers/application -> object table -> display and
 * protocols; the store persists what the application hands it.
 */
#ifndef TRIMETER_METER_H
#define TRIMETER_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/err.h"
#include "trimeter/hal.h"
#include "trimeter/meas.h"
#include "trimeter/meter_opts.h"
#include "trimeter/types.h"

#include "control/control.h"
#include "legal/config.h"
#include "legal/fwimage.h"
#include "legal/legal.h"
#include "metrology/metro.h"
#include "proto/port.h"
#include "registers/billing.h"
#include "registers/clock.h"
#include "registers/demand.h"
#include "registers/energy.h"
#include "registers/evlog.h"
#include "registers/logger.h"
#include "registers/profile.h"
#include "registers/quality.h"
#include "registers/tariff_passive.h"
#include "store/store.h"
#include "ui/ui.h"

/* Software identification (S-8.1); the CRC-32 is computed at boot. */
#define METER_FW_NAME "trimeter"
#define METER_FW_VERSION "0.1.0"

/* Status bits (readable as an object, shown as the error symbol). */
enum meter_status {
    METER_ST_NVM_CORRUPT = 1u << 0,  /* store found and repaired/ignored corruption */
    METER_ST_NVM_FAIL = 1u << 1,     /* store unusable */
    METER_ST_CLOCK_INVALID = 1u << 2,
    METER_ST_SELFTEST_FAIL = 1u << 3,
    METER_ST_COVER_OPEN = 1u << 4,
    METER_ST_MAGNET = 1u << 5,
    METER_ST_POWER_FAIL = 1u << 6,   /* early warning received, state saved */
    METER_ST_RESTORED = 1u << 7,     /* legal snapshot lost: registers rebuilt from evidence (legal.c) */
    METER_ST_LOG_FULL = 1u << 8,     /* metrological log full: legally relevant changes refused (audit.h) */
    METER_ST_UNPERSONALISED = 1u << 9 /* DLMS management keys still the factory test keys (dlms_keyx.c); a
                                         notice, not an error: no error symbol, no M-Bus/wM-Bus error flag,
                                         left out of the simulator's JSON "status" */
};

struct meter {
    const struct meter_hal *hal;
    uint32_t status;        /* enum meter_status */
    uint32_t serial;        /* factory serial number (0.0.0) */
    int64_t now;            /* UTC seconds of the last processed block */
    uint32_t seconds;       /* blocks processed since boot */
    bool block_pending;     /* metrology has a block for meter_poll */
    bool power_fail;        /* early warning latched (set from ISR context) */
    uint32_t pulse_ms;      /* hal->ms_now at the last pulse-output tick (blocks feed) */
    uint8_t client;         /* the client a request being served comes from (DLMS client
                               SAP), 0 = the interface's only one: kept in audit records */

    struct metro metro;     /* src/metrology: DSP state, calibration, pulse output */
    struct meas_block block; /* last block handed to the application */
    struct energy energy;   /* src/registers: energy registers */
    struct evlog evlog;     /* src/registers: event logs (records live in the store) */
    struct meter_config cfg; /* src/legal/config: parameters of the billing core */
    struct demand demand;   /* src/registers: maximum demand */
    struct billing billing; /* src/registers: billing period counter (snapshots in the store) */
    struct profile profile; /* src/registers: load profile (records in the store) */
    struct logger logger;   /* src/registers: analysis logger (records in the store) */
    struct quality quality; /* src/registers: sag / swell detection */
    struct tariff_memo tariff_memo; /* src/registers/tariff.h: calendar tariff of the running minute */
    struct tariff_passive tariff_passive; /* src/registers/tariff_passive.h: passive calendar (DLMS class 20) */
    struct legal legal;     /* src/legal: legal id, CRC, self-test, snapshot bookkeeping */
    struct fwimg fw;        /* src/legal/fwimage: image transfer, slots, running identification */
    struct store store;     /* src/store: NVM journal */
    struct control control; /* src/control: disconnector, limiter, prepay, neutral, tamper, load control */
    struct ui ui;           /* src/ui: display lists and LCD */
    struct proto_state proto; /* src/proto: per-meter protocol state (drivers.h) */
    struct session sessions[METER_SESSIONS]; /* src/proto/port: one per line of this build */
};

/* Power-up: mount the store, restore registers, self-test. A meter whose
 * store is empty starts factory-fresh. Returns 0 or a negative error (the
 * meter still runs, with status bits set). */
int meter_init(struct meter *m, const struct meter_hal *hal);

/* One sample set, in ADC counts, in the order V1 I1 V2 I2 V3 I3 IN.
 * Called at METER_SAMPLE_RATE from the ADC interrupt; never blocks. */
void meter_sample(struct meter *m, const int32_t s[METER_CHANNELS]);

/* Hand the application a block produced elsewhere (the simulator's
 * `--feed blocks`); the sample path is then idle. */
void meter_feed_block(struct meter *m, const struct meas_block *b);

/* One pass of the main loop: consume a pending block, serve ports and
 * timers, kick the watchdog. Returns 0 or a negative error. */
int meter_poll(struct meter *m);

/* Supply-monitor early warning (may be called from interrupt context):
 * the next meter_poll() saves the full-resolution state. */
void meter_power_fail(struct meter *m);

/* A button was pressed and held for hold_ms milliseconds (released now).
 * The port debounces; the ui module decides what a press means. */
void meter_button(struct meter *m, enum meter_button b, uint32_t hold_ms);

/* One edge on the module's pulse input (S-5.2), reported from the main
 * loop; edges closer than 40 ms (above 25 Hz) are not counted. */
void meter_pulse_input(struct meter *m);

/* Bytes received on a line (enum meter_line, hal.h). Replies go out
 * through hal->port_write as far as hal->port_tx_room allows before this
 * returns, the rest from meter_poll(). Returns 0, METER_ENOTSUP for a line
 * this build does not serve, METER_EINVAL. */
int meter_port_rx(struct meter *m, unsigned line, const uint8_t *buf, size_t len);

/* A connection arrived on a line (a TCP client), or dropped (TCP close,
 * pty hang-up, a break on the UART). A drop ends the line's session at
 * once: access level, programming mode, partial frames, half-sent answers.
 * A connected line with no valid message for METER_PORT_IDLE_MS is hung
 * up (hal->port_hangup). */
void meter_port_open(struct meter *m, unsigned line);
void meter_port_close(struct meter *m, unsigned line);
/* The line has a session or an answer under way. */
bool meter_port_busy(const struct meter *m, unsigned line);

/* The line's receiver saw a framing or parity error (a byte sent at
 * another rate or framing); called from the main loop, not the interrupt.
 * The optical port uses it to hear a KMP master (9600 8N1) while it
 * listens for IEC 62056-21 sign-ons (300 7E1) and back (docs/PROTOCOLS.md). */
void meter_port_line_error(struct meter *m, unsigned line);

/* Milliseconds for timers (hal->ms_now, or block seconds without one). */
uint32_t meter_ms(const struct meter *m);
/* No mains: the supply monitor's warning came, or no phase has voltage
 * (the core runs on its battery: display only). */
bool meter_mains_lost(const struct meter *m);

#endif
