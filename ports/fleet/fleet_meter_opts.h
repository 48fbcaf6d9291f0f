/*
 * fleet_meter_opts.h — compile-time options of the fleet's meters
 * (TRIMETER_OPTS_FILE of trimeter-fleet's own build of the core; the other
 * programs keep meter_opts.h's defaults). The same firmware, with what a
 * fleet meter does not need taken out of struct meter: a head-end talks to
 * a meter over one or two TCP sessions at a time, so fewer sessions and
 * DLMS associations, and smaller PDU buffers (long answers go out in
 * blocks). docs/FLEET.md, "Memory per meter", has the measured sizes.
 */
#ifndef TRIMETER_FLEET_METER_OPTS_H
#define TRIMETER_FLEET_METER_OPTS_H

/* Concurrent clients of the TCP/IP module (default 4). */
#define METER_TCP_SESSIONS 2
/* No serial (RS-485/RS-232) module: a fleet meter is reached over TCP/IP
 * (and its optical head, which every build keeps). */
#define METER_PORT_SERIAL 0
/* DLMS associations open at once over every port (default 6), and the
 * largest APDU (default 1024; each association holds two). */
#define METER_DLMS_ASSOCIATIONS 2
#define METER_DLMS_PDU_MAX 512
/* No firmware-image slots in a fleet meter's HAL: the class 18 block
 * bitmap at its smallest (default 1024 blocks = 128 bytes). */
#define METER_FW_BLOCKS_MAX 8

#endif
