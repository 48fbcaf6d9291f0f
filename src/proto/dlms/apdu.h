/*
 * apdu.h — the DLMS/COSEM application-layer PDUs the server reads and
 * writes: ACSE (AARQ/AARE, RLRQ/RLRE; IEC 62056-5-3 / Green Book, BER
 * encoded) and xDLMS (InitiateRequest/Response, GET/SET/ACTION,
 * exception-response, confirmed-service-error; A-XDR encoded), and the
 * security header of ciphered APDUs (security suite 0).
 *
 * Parsers take a byte range and never read past it: malformed input gives
 * METER_EINVAL (the server answers with a refusal). Builders write into an
 * axdr_w (src/util/axdr.h) and never fail; the caller checks the length.
 */
#ifndef TRIMETER_DLMS_APDU_H
#define TRIMETER_DLMS_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/axdr.h"

/* ---- tags ---------------------------------------------------------------- */
enum dlms_tag {
    DLMS_AARQ = 0x60,
    DLMS_AARE = 0x61,
    DLMS_RLRQ = 0x62,
    DLMS_RLRE = 0x63,
    DLMS_INITIATE_REQ = 0x01,
    DLMS_INITIATE_RSP = 0x08,
    DLMS_CONFIRMED_SERVICE_ERROR = 0x0E,
    DLMS_GLO_INITIATE_REQ = 0x21,
    DLMS_GLO_INITIATE_RSP = 0x28,
    DLMS_GET_REQ = 0xC0,
    DLMS_SET_REQ = 0xC1,
    DLMS_ACTION_REQ = 0xC3,
    DLMS_GET_RSP = 0xC4,
    DLMS_SET_RSP = 0xC5,
    DLMS_ACTION_RSP = 0xC7,
    DLMS_GLO_GET_REQ = 0xC8,
    DLMS_GLO_SET_REQ = 0xC9,
    DLMS_GLO_ACTION_REQ = 0xCB,
    DLMS_GLO_GET_RSP = 0xCC,
    DLMS_GLO_SET_RSP = 0xCD,
    DLMS_GLO_ACTION_RSP = 0xCF,
    DLMS_DED_GET_REQ = 0xD0,
    DLMS_DED_SET_REQ = 0xD1,
    DLMS_DED_ACTION_REQ = 0xD3,
    DLMS_DED_GET_RSP = 0xD4,
    DLMS_DED_SET_RSP = 0xD5,
    DLMS_DED_ACTION_RSP = 0xD7,
    DLMS_EXCEPTION_RSP = 0xD8,
    DLMS_GENERAL_GLO_CIPHERING = 0xDB,
    DLMS_GENERAL_DED_CIPHERING = 0xDC
};

/* Application context names 2.16.756.5.8.1.x. */
enum dlms_context {
    DLMS_CTX_NONE = 0,   /* absent or not a DLMS context */
    DLMS_CTX_LN = 1,
    DLMS_CTX_SN = 2,
    DLMS_CTX_LN_CIPHER = 3,
    DLMS_CTX_SN_CIPHER = 4
};

/* Authentication mechanism names 2.16.756.5.8.2.x. */
enum dlms_mech {
    DLMS_MECH_NONE = 0,
    DLMS_MECH_LLS = 1,
    DLMS_MECH_HLS = 2,
    DLMS_MECH_HLS_MD5 = 3,
    DLMS_MECH_HLS_SHA1 = 4,
    DLMS_MECH_HLS_GMAC = 5,
    DLMS_MECH_HLS_SHA256 = 6,
    DLMS_MECH_HLS_ECDSA = 7,
    DLMS_MECH_UNKNOWN = 0xFF
};

/* AARE result and result-source-diagnostic (acse-service-user). */
enum dlms_assoc_result { DLMS_ACCEPTED = 0, DLMS_REJECTED_PERMANENT = 1, DLMS_REJECTED_TRANSIENT = 2 };
enum dlms_acse_diag {
    DLMS_DIAG_NULL = 0,
    DLMS_DIAG_NO_REASON = 1,
    DLMS_DIAG_CONTEXT_NOT_SUPPORTED = 2,
    DLMS_DIAG_CALLING_AP_TITLE = 3,
    DLMS_DIAG_MECH_NOT_RECOGNISED = 11,
    DLMS_DIAG_MECH_REQUIRED = 12,
    DLMS_DIAG_AUTH_FAILURE = 13,
    DLMS_DIAG_AUTH_REQUIRED = 14
};

/* ServiceError "initiate" values (confirmed-service-error in an AARE). */
enum dlms_initiate_err {
    DLMS_INIT_OTHER = 0,
    DLMS_INIT_VERSION_TOO_LOW = 1,
    DLMS_INIT_INCOMPATIBLE_CONFORMANCE = 2,
    DLMS_INIT_PDU_TOO_SHORT = 3,
    DLMS_INIT_REFUSED = 4
};

/* Data-access-result (GET/SET) and action-result (ACTION). */
enum dlms_dar {
    DLMS_DAR_SUCCESS = 0,
    DLMS_DAR_HARDWARE_FAULT = 1,
    DLMS_DAR_TEMPORARY_FAILURE = 2,
    DLMS_DAR_READ_WRITE_DENIED = 3,
    DLMS_DAR_OBJECT_UNDEFINED = 4,
    DLMS_DAR_CLASS_INCONSISTENT = 9,
    DLMS_DAR_OBJECT_UNAVAILABLE = 11,
    DLMS_DAR_TYPE_UNMATCHED = 12,
    DLMS_DAR_SCOPE_VIOLATED = 13,
    DLMS_DAR_BLOCK_UNAVAILABLE = 14,
    DLMS_DAR_LONG_GET_ABORTED = 15,
    DLMS_DAR_NO_LONG_GET = 16,
    DLMS_DAR_LONG_SET_ABORTED = 17,
    DLMS_DAR_NO_LONG_SET = 18,
    DLMS_DAR_BLOCK_NUMBER_INVALID = 19,
    DLMS_DAR_OTHER = 250
};

/* exception-response: state-error and service-error. */
enum dlms_state_err { DLMS_STATE_SERVICE_NOT_ALLOWED = 1, DLMS_STATE_SERVICE_UNKNOWN = 2 };
enum dlms_service_err {
    DLMS_SERR_OPERATION_NOT_POSSIBLE = 1,
    DLMS_SERR_SERVICE_NOT_SUPPORTED = 2,
    DLMS_SERR_OTHER = 3,
    DLMS_SERR_PDU_TOO_LONG = 4,
    DLMS_SERR_DECIPHERING = 5,
    DLMS_SERR_INVOCATION_COUNTER = 6
};

/* Conformance block bits as a 24-bit number (bit 23 = the first bit). */
#define DLMS_CONF_BIT(n) (1u << (23u - (n)))
enum dlms_conformance {
    DLMS_CONF_GENERAL_PROTECTION = DLMS_CONF_BIT(1),
    DLMS_CONF_GENERAL_BLOCK_TRANSFER = DLMS_CONF_BIT(2),
    DLMS_CONF_ATTR0_SET = DLMS_CONF_BIT(8),
    DLMS_CONF_PRIORITY_MGMT = DLMS_CONF_BIT(9),
    DLMS_CONF_ATTR0_GET = DLMS_CONF_BIT(10),
    DLMS_CONF_BLOCK_GET = DLMS_CONF_BIT(11),
    DLMS_CONF_BLOCK_SET = DLMS_CONF_BIT(12),
    DLMS_CONF_BLOCK_ACTION = DLMS_CONF_BIT(13),
    DLMS_CONF_MULTIPLE_REFS = DLMS_CONF_BIT(14),
    DLMS_CONF_DATA_NOTIFICATION = DLMS_CONF_BIT(16),
    DLMS_CONF_ACCESS = DLMS_CONF_BIT(17),
    DLMS_CONF_GET = DLMS_CONF_BIT(19),
    DLMS_CONF_SET = DLMS_CONF_BIT(20),
    DLMS_CONF_SELECTIVE_ACCESS = DLMS_CONF_BIT(21),
    DLMS_CONF_EVENT_NOTIFICATION = DLMS_CONF_BIT(22),
    DLMS_CONF_ACTION = DLMS_CONF_BIT(23)
};

/* Security control byte (security suite in the low nibble). */
enum dlms_sc {
    DLMS_SC_AUTH = 0x10,
    DLMS_SC_ENC = 0x20,
    DLMS_SC_BROADCAST = 0x40,
    DLMS_SC_COMPRESS = 0x80
};

#define DLMS_TITLE_LEN 8u       /* system title */
#define DLMS_TAG_LEN 12u        /* GCM tag of security suite 0 */
#define DLMS_CHALLENGE_MIN 8u
#define DLMS_CHALLENGE_MAX 64u
#define DLMS_VERSION 6u
#define DLMS_VAA_LN 0x0007u     /* VAA name of LN referencing */

/* ---- ACSE ---------------------------------------------------------------- */

struct dlms_aarq {
    uint8_t context;          /* enum dlms_context */
    uint8_t mech;             /* enum dlms_mech; NONE if absent */
    bool auth_required;       /* sender-acse-requirements: authentication */
    const uint8_t *title;     /* calling-AP-title (NULL if absent) */
    uint8_t title_len;
    const uint8_t *auth;      /* calling-authentication-value (charstring) */
    uint8_t auth_len;
    const uint8_t *ui;        /* user-information: the xDLMS APDU inside it */
    size_t ui_len;
};

/* Parse an AARQ (the whole APDU, tag 0x60). 0 or METER_EINVAL. */
int dlms_aarq_parse(const uint8_t *p, size_t n, struct dlms_aarq *out);

struct dlms_aare {
    uint8_t context;          /* echoed application context */
    uint8_t result;           /* enum dlms_assoc_result */
    uint8_t diag;             /* enum dlms_acse_diag (acse-service-user) */
    uint8_t mech;             /* NONE: no mechanism name / responder requirements */
    const uint8_t *title;     /* responding-AP-title (NULL: none) */
    const uint8_t *challenge; /* responding-authentication-value (NULL: none) */
    uint8_t challenge_len;
    const uint8_t *ui;        /* user-information xDLMS APDU (NULL: none) */
    size_t ui_len;
};

void dlms_aare_build(struct axdr_w *w, const struct dlms_aare *a);

/* RLRQ: reason (-1 if absent) and the user-information APDU (NULL if none). */
struct dlms_rlrq {
    int reason;
    const uint8_t *ui;
    size_t ui_len;
};
int dlms_rlrq_parse(const uint8_t *p, size_t n, struct dlms_rlrq *out);
/* RLRE with reason normal (0) and an optional user-information APDU. */
void dlms_rlre_build(struct axdr_w *w, const uint8_t *ui, size_t ui_len);

/* ---- xDLMS initiate -------------------------------------------------------- */

struct dlms_initiate {
    const uint8_t *dedicated_key; /* 16 bytes or NULL */
    bool response_allowed;
    uint8_t version;
    uint32_t conformance;         /* 24 bits */
    uint16_t max_pdu;             /* client-max-receive-pdu-size (0 = no limit: 65535) */
};

int dlms_initiate_parse(const uint8_t *p, size_t n, struct dlms_initiate *out);
void dlms_initiate_rsp_build(struct axdr_w *w, uint32_t conformance, uint16_t max_pdu);
/* confirmed-service-error (initiateError, ServiceError initiate = err). */
void dlms_cse_initiate_build(struct axdr_w *w, enum dlms_initiate_err err);

/* ---- xDLMS services -------------------------------------------------------- */

/* A COSEM attribute or method: class, logical name, index. */
struct dlms_ref {
    uint16_t ic;
    uint8_t ln[6];
    int8_t id;
};

/* Access selection as received: selector and the A-XDR parameters (a
 * pointer into the request). */
struct dlms_access {
    uint8_t selector;          /* 0 = none */
    const uint8_t *param;
    size_t param_len;
};

/* Read a cosem-attribute-descriptor (or method descriptor) and, with
 * `selection`, the optional access selection. 0 or -1 (r->err). */
int dlms_ref_get(struct axdr_r *r, struct dlms_ref *ref, struct dlms_access *sel, bool selection);

void dlms_exception_build(struct axdr_w *w, enum dlms_state_err st, enum dlms_service_err se, uint32_t ic);

#endif
