/*
 * hdlc.h — the HDLC protocol driver (IEC 62056-46): DLMS/COSEM on the
 * optical head (frames starting 0x7E, and IEC 62056-21 mode E after the
 * sign-on) and on the serial module port. It joins a port session to the
 * link state machine (hdlc_link.h) and the DLMS application (dlms.h): a
 * SNRM opens an association (dlms_open), requests are reassembled into the
 * application's buffer and served (dlms_serve), the answer leaves in
 * I-frames from where the application has it; DISC, a line drop or the
 * inactivity timeout ends the association at once (dlms_close).
 */
#ifndef TRIMETER_HDLC_H
#define TRIMETER_HDLC_H

#include "proto/hdlc/hdlc_link.h"

struct dlms_ctx;
struct proto_driver;
struct cfg_section;

/* Per session (union session_state). */
struct hdlc_session {
    struct hdlc_link link;
    struct dlms_ctx *ctx; /* the association of this link, NULL = none */
};

/* Per meter (struct proto_state): the configuration section's RAM copy. */
struct hdlc_meter {
    struct hdlc_cfg cfg;
};

/* A session that never connected ends after this long without a valid
 * frame (the client of a mode E switch sends its SNRM within a second). */
#define HDLC_NDM_TIMEOUT_MS 5000u

extern const struct proto_driver hdlc_driver;
extern const struct cfg_section hdlc_cfg_section;

#endif
