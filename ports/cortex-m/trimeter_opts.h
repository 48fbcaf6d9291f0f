/*
 * trimeter_opts.h — compile-time options of the Cortex-M images (the
 * cortex-m preset names this file in TRIMETER_OPTS_FILE; defaults are in
 * include/trimeter/meter_opts.h).
 *
 * DLMS/COSEM: the defined configuration of issue 13 — optical and serial
 * ports, one association at a time, APDUs of at most 512 bytes.
 */
#ifndef TRIMETER_CM_OPTS_H
#define TRIMETER_CM_OPTS_H

#define METER_DLMS_ASSOCIATIONS 1
#define METER_DLMS_PDU_MAX 512
#define METER_DLMS_LIST_MAX 4

#endif
