/*
 * cm_opts.h — compile-time options of the Cortex-M image (TRIMETER_OPTS_FILE
 * of the cortex-m preset): issue 13's defined configuration — the optical
 * head and the serial module port (both DLMS/COSEM over HDLC, KMP; the
 * optical head IEC 62056-21 too), no TCP/IP module, one DLMS association,
 * 512-byte APDUs (docs/PORTING.md, memory budget).
 */
#ifndef TRIMETER_CM_OPTS_H
#define TRIMETER_CM_OPTS_H

#define METER_PORT_SERIAL 1
#define METER_PORT_MBUS 0
#define METER_PORT_WMBUS 0
#define METER_TCP_SESSIONS 0

/* DLMS/COSEM (issue 13's defined configuration): one association at a
 * time, APDUs of at most 512 bytes, GET-with-list of up to 4 attributes. */
#define METER_DLMS_ASSOCIATIONS 1
#define METER_DLMS_PDU_MAX 512
#define METER_DLMS_LIST_MAX 4

#endif
