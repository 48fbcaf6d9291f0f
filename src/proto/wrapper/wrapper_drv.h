/*
 * wrapper_drv.h — the IEC 62056-47 TCP wrapper as the protocol driver of
 * the TCP/IP module port (trimeter-sim --dlms tcp:PORT): each TCP client is
 * a line of its own with its own session and association.
 */
#ifndef TRIMETER_WRAPPER_DRV_H
#define TRIMETER_WRAPPER_DRV_H

#include "proto/wrapper/wrapper.h"

struct dlms_ctx;
struct proto_driver;

struct wrapper_session {
    struct wrapper w;
    struct dlms_ctx *ctx; /* the association of this connection, NULL = none */
};

/* The session (and its association) ends after this long without a valid
 * APDU header (class 41 TCP-UDP setup, inactivity_time_out). */
#define WRAPPER_INACTIVITY_S 120u

extern const struct proto_driver wrapper_driver;

#endif
