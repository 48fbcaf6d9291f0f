/*
 * drivers.h — the protocol drivers built into this firmware, and which
 * port offers which. This is the one place a new protocol is added
 * (docs/ARCHITECTURE.md, "Adding a protocol"):
 *
 *   1. its header below (it declares `extern const struct proto_driver
 *      NAME_driver` and, if it keeps any, `struct NAME_session`);
 *   2. its session state as a member of union session_state, its per-meter
 *      state (if any) as a member of struct proto_state;
 *   3. `&NAME_driver` in the list of each port that speaks it, and in
 *      PROTO_DRIVERS_ALL (its configuration section and object-table rows
 *      are found through it).
 *
 * Every list is a compile-time option: a TRIMETER_OPTS_FILE may define
 * METER_<PORT>_DRIVERS itself (tests/driver plugs a test protocol in that
 * way; its session state lives in `raw`, whose size it checks).
 */
#ifndef TRIMETER_DRIVERS_H
#define TRIMETER_DRIVERS_H

#include <stdint.h>

#include "proto/dlms/dlms.h"
#include "proto/han/han.h"
#include "proto/hdlc/hdlc.h"
#include "proto/iec62056_21/iec21.h"
#include "proto/kmp/kmp.h"
#include "proto/mbus/mbus.h"
#include "proto/wmbus/wmbus.h"
#include "proto/wrapper/wrapper_drv.h"

/* A driver's state for one session (zeroed when the session begins). */
union session_state {
    struct kmp_session kmp;
    struct iec21_session iec;
    struct hdlc_session hdlc;
    struct wrapper_session wrapper;
#if METER_PORT_MBUS
    struct mbus_session mbus;
#endif
#if METER_PORT_HAN
    struct han_session han;
#endif
    uint64_t raw[METER_SESSION_RAW / 8]; /* drivers outside src/proto (tests) */
};

/* Per-meter state of the protocols (configuration sections live here
 * too: their RAM copy). */
struct proto_state {
    struct iec21_meter iec;
    struct dlms_server dlms; /* DLMS/COSEM application: associations, keys, counters */
    struct hdlc_meter hdlc;  /* HDLC link configuration */
#if METER_PORT_MBUS || METER_PORT_WMBUS
    struct mbus_meter mbus;   /* configuration + bounds (the wM-Bus layout too) */
#endif
#if METER_PORT_WMBUS
    struct wmbus_meter wmbus; /* configuration, counter, the frame on air */
#endif
#if METER_PORT_HAN
    struct han_meter han;
#endif
};

/* Every built-in driver once (no code of a port's protocol without the
 * port: wrapper without a TCP/IP module, HAN, M-Bus, wM-Bus). */
#if METER_TCP_SESSIONS
#define PROTO_DRIVERS_WRAPPER &wrapper_driver,
#else
#define PROTO_DRIVERS_WRAPPER
#endif
#if METER_PORT_MBUS
#define PROTO_DRIVERS_MBUS &mbus_driver,
#else
#define PROTO_DRIVERS_MBUS
#endif
#if METER_PORT_WMBUS
#define PROTO_DRIVERS_WMBUS &wmbus_driver,
#else
#define PROTO_DRIVERS_WMBUS
#endif
#if METER_PORT_HAN
#define PROTO_DRIVERS_HAN &han_driver,
#else
#define PROTO_DRIVERS_HAN
#endif
#define PROTO_DRIVERS_ALL                                                                                   \
    &kmp_driver, &iec21_driver, &hdlc_driver, &hdlc_serial_driver, PROTO_DRIVERS_WRAPPER PROTO_DRIVERS_HAN \
        PROTO_DRIVERS_MBUS PROTO_DRIVERS_WMBUS &dlms_app_driver

/* The drivers of each port, in claim order. */
#ifndef METER_OPTICAL_DRIVERS
#define METER_OPTICAL_DRIVERS &iec21_driver, &kmp_driver, &hdlc_driver
#endif
#ifndef METER_SERIAL_DRIVERS
#define METER_SERIAL_DRIVERS &kmp_driver, &hdlc_serial_driver
#endif
#ifndef METER_TCP_DRIVERS
#define METER_TCP_DRIVERS &wrapper_driver, &kmp_driver
#endif
#ifndef METER_MBUS_DRIVERS
#define METER_MBUS_DRIVERS &mbus_driver
#endif
#ifndef METER_HAN_DRIVERS
#define METER_HAN_DRIVERS &han_driver /* push only: the first driver of a push port opens its session */
#endif
#ifndef METER_WMBUS_DRIVERS
#define METER_WMBUS_DRIVERS &wmbus_driver
#endif

#endif
