/*
 * types.h — small enums shared by several modules of the core: who is
 * talking to the meter (audit logs, access rights) and the buttons.
 */
#ifndef TRIMETER_TYPES_H
#define TRIMETER_TYPES_H

/* Where a request or change came from (audit log "through which interface"). */
enum meter_src {
    METER_SRC_INTERNAL = 0, /* the meter itself (calendar, limiter ...) */
    METER_SRC_BUTTON = 1,
    METER_SRC_OPTICAL_KMP = 2,
    METER_SRC_OPTICAL_IEC = 3,
    METER_SRC_OPTICAL_DLMS = 4,
    METER_SRC_DLMS_TCP = 5,
    METER_SRC_MBUS = 6,
    METER_SRC_WMBUS = 7,
    METER_SRC_HAN = 8,
    METER_SRC_SIM = 9,      /* simulator scenario (config, remote events) */
    METER_SRC_FACTORY = 10,
    METER_SRC_SERIAL_DLMS = 11 /* DLMS/COSEM over HDLC on the serial module port */
};

/* Access levels, ordered: a level includes every lower one. */
enum meter_access {
    METER_ACC_NONE = 0,
    METER_ACC_PUBLIC = 1,   /* anyone: display, public client, readout */
    METER_ACC_READER = 2,   /* reading client (LLS / P1) */
    METER_ACC_MANAGER = 3,  /* management client (HLS / P2), head-end */
    METER_ACC_CAL = 4       /* sealed calibration switch closed (legal parameters) */
};

enum meter_button {
    METER_BTN_DISPLAY = 0,     /* left button: manual display list, billing on long press */
    METER_BTN_DISCONNECT = 1   /* disconnector button */
};

#endif
