/*
 * meter_opts.h — compile-time options of the core, with their defaults.
 *
 * Override any of them in a user header named by TRIMETER_OPTS_FILE
 * (e.g. -DTRIMETER_OPTS_FILE="\"my_meter_opts.h\""), the way lwIP's opt.h
 * takes lwipopts.h. Only this file defines defaults; modules never invent
 * their own.
 */
#ifndef TRIMETER_METER_OPTS_H
#define TRIMETER_METER_OPTS_H

#ifdef TRIMETER_OPTS_FILE
#include TRIMETER_OPTS_FILE
#endif

/* ---- metrology ---------------------------------------------------------- */
/* ADC sample-set rate per channel (Hz). One measurement block = this many. */
#ifndef METER_SAMPLE_RATE
#define METER_SAMPLE_RATE 4000
#endif
/* Frequency of the factory calibration (Hz); the front end's droop is
 * corrected relative to it (metrology cal_fresp_ppm). */
#ifndef METER_CAL_HZ
#define METER_CAL_HZ 50
#endif
/* Measuring elements. */
#ifndef METER_PHASES
#define METER_PHASES 3
#endif
/* Channels in one sample set: V1 I1 V2 I2 V3 I3 IN (neutral current). */
#ifndef METER_CHANNELS
#define METER_CHANNELS 7
#endif
/* Meter constant of the LED and S0 output (imp/kWh). */
#ifndef METER_IMP_PER_KWH
#define METER_IMP_PER_KWH 1000
#endif
/* Pulse width of LED/S0 in milliseconds (DIN 43864: >= 30 ms). */
#ifndef METER_PULSE_MS
#define METER_PULSE_MS 30
#endif

/* Nominal analog front end (24-bit codes): volts and amperes per count at
 * full scale +-2^23. Default: 600 V peak (resistive divider ~1:1200 into
 * +-0.5 V) and 200 A peak (200 uOhm shunt, PGA 16). docs/METROLOGY.md. */
#ifndef METER_U_LSB_PV
#define METER_U_LSB_PV 71525574  /* 600 V / 2^23, pV per count */
#endif
#ifndef METER_I_LSB_PA
#define METER_I_LSB_PA 23841858  /* 200 A / 2^23, pA per count */
#endif

/* ---- registers ---------------------------------------------------------- */
/* Tariff registers kept (A+ and R+ per tariff). The calendar supports 8. */
#ifndef METER_TARIFFS
#define METER_TARIFFS 4
#endif
#ifndef METER_TARIFFS_MAX
#define METER_TARIFFS_MAX 8
#endif

/* Clock sets by authenticated clients per hour of operation (legal/access.h);
 * unauthenticated synchronisation is configured (clock_sync_window_s,
 * clock_sync_interval_h). */
#ifndef METER_CLOCK_SETS_PER_HOUR
#define METER_CLOCK_SETS_PER_HOUR 4
#endif
/* Billing snapshots kept in the store (S-2.4: at least 12). */
#ifndef BILLING_DEPTH
#define BILLING_DEPTH 24
#endif
/* Exception dates (holidays) of the tariff calendar (S-2.2: up to 100).
 * Part of the billing configuration section: another value is another
 * layout of that section (it falls back to its factory defaults, audited). */
#ifndef TARIFF_EXCEPTIONS
#define TARIFF_EXCEPTIONS 100
#endif
/* Channels of the analysis logger (S-3.2: up to 16), and its store area
 * (depth = area / record size). */
#ifndef LOGGER_CHANNELS
#define LOGGER_CHANNELS 16
#endif
#ifndef LOGGER_AREA_BYTES
#define LOGGER_AREA_BYTES (720u * 68u)
#endif

/* ---- ports (S-6.2; src/proto/port.h) ------------------------------------ */
/* Which module ports this firmware serves (1/0); the optical head always.
 * A port that is off has no session in struct meter and no driver code
 * reachable. Its line number (enum meter_line, hal.h) stays the same. */
#ifndef METER_PORT_SERIAL
#define METER_PORT_SERIAL 1
#endif
#ifndef METER_PORT_MBUS
#define METER_PORT_MBUS 1
#endif
#ifndef METER_PORT_HAN
#define METER_PORT_HAN 1 /* the consumer channel (S-6.2): HAN push, src/proto/han */
#endif
#ifndef METER_PORT_WMBUS
#define METER_PORT_WMBUS 1
#endif
/* Concurrent clients of the TCP/IP module (0 = no TCP/IP module). */
#ifndef METER_TCP_SESSIONS
#define METER_TCP_SESSIONS 4
#endif
/* Bytes of session state a driver outside src/proto may use (tests). */
#ifndef METER_SESSION_RAW
#define METER_SESSION_RAW 64
#endif
/* A connected line without a session for this long is hung up
 * (hal->port_hangup): a client that sends nothing valid loses the port. */
#ifndef METER_PORT_IDLE_MS
#define METER_PORT_IDLE_MS 10000u
#endif

/* ---- DLMS/COSEM (src/proto/dlms) --------------------------------------- */
/* Associations open at once (link sessions of every port together). */
#ifndef METER_DLMS_ASSOCIATIONS
#define METER_DLMS_ASSOCIATIONS 6
#endif
/* Largest APDU received or sent (the server's max receive PDU size); each
 * association has a request and a response buffer of this size. */
#ifndef METER_DLMS_PDU_MAX
#define METER_DLMS_PDU_MAX 1024
#endif
/* Attributes in one GET-Request-With-List. */
#ifndef METER_DLMS_LIST_MAX
#define METER_DLMS_LIST_MAX 10
#endif
/* Frame counters reserved in the store at a time (nvcount): one EEPROM
 * record per this many ciphered APDUs in each direction. */
#ifndef METER_DLMS_IC_BLOCK
#define METER_DLMS_IC_BLOCK 1000u
#endif

/* ---- DLMS/COSEM link layers (src/proto/hdlc, src/proto/wrapper) ------- */
/* Largest HDLC information field the meter offers in both directions
 * (IEC 62056-46 class 23: 32..2030). Costs no RAM: requests are
 * reassembled into the application's buffer and responses sent from it. */
#ifndef HDLC_INFO_MAX
#define HDLC_INFO_MAX 2030
#endif
/* Largest window the meter offers in both directions (1..7). */
#ifndef HDLC_WINDOW_MAX
#define HDLC_WINDOW_MAX 7
#endif
/* A half frame is dropped after this silence (ms; class 23 default 25,
 * longer so that a busy host or a USB optical head does not cut frames). */
#ifndef HDLC_INTER_OCTET_MS
#define HDLC_INTER_OCTET_MS 200
#endif
/* The HDLC link (and its association) ends after this long without a
 * valid frame (s; class 23 default 120). */
#ifndef HDLC_INACTIVITY_S
#define HDLC_INACTIVITY_S 120
#endif

/* ---- diagnostics -------------------------------------------------------- */
/* Debug text through hal->log; 0 in the production image. */
#ifndef METER_DEBUG_LOG
#define METER_DEBUG_LOG 0
#endif

/* ---- firmware update (class 18 image transfer, src/legal/fwimage) ------ */
/* image_block_size: bytes of one block (fits an ACTION request in the
 * smallest METER_DLMS_PDU_MAX with ciphering), and the blocks an image may
 * have (its bitmap lives in RAM: METER_FW_BLOCKS_MAX / 8 bytes). */
#ifndef METER_FW_BLOCK_SIZE
#define METER_FW_BLOCK_SIZE 192u
#endif
#ifndef METER_FW_BLOCKS_MAX
#define METER_FW_BLOCKS_MAX 1024u
#endif
/* Image bytes hashed per main-loop pass while an image is verified. */
#ifndef METER_FW_POLL_BYTES
#define METER_FW_POLL_BYTES 1024u
#endif

#endif
