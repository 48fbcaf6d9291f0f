/*
 * apdu.c — ACSE (BER) and xDLMS (A-XDR) PDUs of the DLMS server.
 *
 * The ACSE APDUs are BER: every component is tag, length, content. The
 * encoders below write the components in the order of the ASN.1 SEQUENCE
 * (IEC 62056-5-3 / Green Book "AARE"), with definite lengths, because
 * strict clients compare the lengths field by field.
 */
#include "proto/dlms/apdu.h"

#include <string.h>

#include "trimeter/err.h"

/* 2.16.756.5.8 = joint-iso-ccitt(2) country(16) country-name(756)
 * identified-organisation(5) DLMS-UA(8), BER: 60 85 74 05 08. */
static const uint8_t oid_dlms[5] = {0x60, 0x85, 0x74, 0x05, 0x08};
#define OID_LEN 7u

/* ---- BER helpers (the ACSE part) ------------------------------------------ */

/* One TLV component: tag, definite length, content inside the parent. */
static int ber_get(struct axdr_r *r, uint8_t *tag, struct axdr_r *content)
{
    *tag = axdr_get_byte(r);
    uint32_t len = axdr_get_len(r);
    const uint8_t *p = axdr_get_raw(r, len);
    if (r->err)
        return -1;
    axdr_r_init(content, p, len);
    return 0;
}

static uint8_t oid_last(const uint8_t *p, size_t n, uint8_t arc)
{
    if (n != OID_LEN || memcmp(p, oid_dlms, sizeof oid_dlms) != 0 || p[5] != arc)
        return 0xFF;
    return p[6];
}

int dlms_aarq_parse(const uint8_t *p, size_t n, struct dlms_aarq *out)
{
    struct axdr_r top, r;
    uint8_t tag;
    memset(out, 0, sizeof *out);
    axdr_r_init(&top, p, n);
    if (ber_get(&top, &tag, &r) < 0 || tag != DLMS_AARQ || axdr_r_left(&top) != 0)
        return METER_EINVAL;
    while (axdr_r_left(&r) > 0) {
        struct axdr_r c, in;
        uint8_t t, it;
        if (ber_get(&r, &t, &c) < 0)
            return METER_EINVAL;
        switch (t) {
        case 0x80: /* protocol-version BIT STRING {version1 (0)}: the default */
            if (axdr_r_left(&c) < 2 || !(c.p[1] & 0x80u))
                return METER_EINVAL;
            break;
        case 0xA1: { /* application-context-name: OBJECT IDENTIFIER inside */
            if (ber_get(&c, &it, &in) < 0 || it != 0x06)
                return METER_EINVAL;
            uint8_t x = oid_last(in.p, in.n, 1);
            out->context = (x >= DLMS_CTX_LN && x <= DLMS_CTX_SN_CIPHER) ? x : DLMS_CTX_NONE;
            break;
        }
        case 0xA6: /* calling-AP-title: OCTET STRING inside */
            if (ber_get(&c, &it, &in) < 0 || it != 0x04 || in.n > 255)
                return METER_EINVAL;
            out->title = in.p;
            out->title_len = (uint8_t)in.n;
            break;
        case 0x8A: /* sender-acse-requirements: BIT STRING, bit 0 = authentication */
            if (c.n < 2)
                return METER_EINVAL;
            out->auth_required = (c.p[1] & 0x80u) != 0;
            break;
        case 0x8B: { /* mechanism-name: IMPLICIT OBJECT IDENTIFIER */
            uint8_t x = oid_last(c.p, c.n, 2);
            out->mech = x <= DLMS_MECH_HLS_ECDSA ? x : DLMS_MECH_UNKNOWN;
            break;
        }
        case 0xAC: /* calling-authentication-value: charstring [0] */
            if (ber_get(&c, &it, &in) < 0 || it != 0x80 || in.n > 255)
                return METER_EINVAL;
            out->auth = in.p;
            out->auth_len = (uint8_t)in.n;
            break;
        case 0xBE: /* user-information: Association-information OCTET STRING */
            if (ber_get(&c, &it, &in) < 0 || it != 0x04)
                return METER_EINVAL;
            out->ui = in.p;
            out->ui_len = in.n;
            break;
        default:
            /* called-AP-title etc., implementation-information: not used by
             * this server; well-formed components are skipped */
            break;
        }
    }
    return r.err ? METER_EINVAL : METER_OK;
}

static void put_tl(struct axdr_w *w, uint8_t tag, uint32_t len)
{
    axdr_put_byte(w, tag);
    axdr_put_len(w, len);
}

/* Bytes of a BER length field. */
static uint32_t len_size(size_t n)
{
    return n < 0x80 ? 1u : n <= 0xff ? 2u : n <= 0xffff ? 3u : 5u;
}

static uint32_t tlv_size(size_t n)
{
    return 1u + len_size(n) + (uint32_t)n;
}

void dlms_aare_build(struct axdr_w *w, const struct dlms_aare *a)
{
    /* component sizes first: the AARE length is their sum */
    uint32_t ctx = tlv_size(tlv_size(OID_LEN));
    uint32_t res = tlv_size(3);              /* A2 03 02 01 rr */
    uint32_t diag = tlv_size(tlv_size(3));   /* A3 05 A1 03 02 01 dd */
    uint32_t title = a->title != NULL ? tlv_size(tlv_size(DLMS_TITLE_LEN)) : 0;
    uint32_t mech = a->mech != DLMS_MECH_NONE ? tlv_size(2) + tlv_size(OID_LEN) : 0;
    uint32_t chal = a->challenge != NULL ? tlv_size(tlv_size(a->challenge_len)) : 0;
    uint32_t ui = a->ui != NULL ? tlv_size(tlv_size(a->ui_len)) : 0;

    put_tl(w, DLMS_AARE, ctx + res + diag + title + mech + chal + ui);
    put_tl(w, 0xA1, tlv_size(OID_LEN));
    put_tl(w, 0x06, OID_LEN);
    axdr_put_raw(w, oid_dlms, sizeof oid_dlms);
    axdr_put_byte(w, 1);
    axdr_put_byte(w, a->context);
    put_tl(w, 0xA2, 3);
    put_tl(w, 0x02, 1);
    axdr_put_byte(w, a->result);
    put_tl(w, 0xA3, tlv_size(3));
    put_tl(w, 0xA1, 3); /* acse-service-user */
    put_tl(w, 0x02, 1);
    axdr_put_byte(w, a->diag);
    if (a->title != NULL) {
        put_tl(w, 0xA4, tlv_size(DLMS_TITLE_LEN));
        put_tl(w, 0x04, DLMS_TITLE_LEN);
        axdr_put_raw(w, a->title, DLMS_TITLE_LEN);
    }
    if (a->mech != DLMS_MECH_NONE) {
        put_tl(w, 0x88, 2); /* responder-acse-requirements: authentication */
        axdr_put_byte(w, 0x07);
        axdr_put_byte(w, 0x80);
        put_tl(w, 0x89, OID_LEN);
        axdr_put_raw(w, oid_dlms, sizeof oid_dlms);
        axdr_put_byte(w, 2);
        axdr_put_byte(w, a->mech);
    }
    if (a->challenge != NULL) {
        put_tl(w, 0xAA, tlv_size(a->challenge_len));
        put_tl(w, 0x80, a->challenge_len);
        axdr_put_raw(w, a->challenge, a->challenge_len);
    }
    if (a->ui != NULL) {
        put_tl(w, 0xBE, tlv_size(a->ui_len));
        put_tl(w, 0x04, (uint32_t)a->ui_len);
        axdr_put_raw(w, a->ui, a->ui_len);
    }
}

int dlms_rlrq_parse(const uint8_t *p, size_t n, struct dlms_rlrq *out)
{
    struct axdr_r top, r;
    uint8_t tag;
    memset(out, 0, sizeof *out);
    out->reason = -1;
    axdr_r_init(&top, p, n);
    if (ber_get(&top, &tag, &r) < 0 || tag != DLMS_RLRQ || axdr_r_left(&top) != 0)
        return METER_EINVAL;
    while (axdr_r_left(&r) > 0) {
        struct axdr_r c, in;
        uint8_t t, it;
        if (ber_get(&r, &t, &c) < 0)
            return METER_EINVAL;
        if (t == 0x80) { /* reason: Release-request-reason INTEGER */
            if (c.n != 1)
                return METER_EINVAL;
            out->reason = c.p[0];
        } else if (t == 0xBE) {
            if (ber_get(&c, &it, &in) < 0 || it != 0x04)
                return METER_EINVAL;
            out->ui = in.p;
            out->ui_len = in.n;
        }
    }
    return r.err ? METER_EINVAL : METER_OK;
}

void dlms_rlre_build(struct axdr_w *w, const uint8_t *ui, size_t ui_len)
{
    uint32_t body = tlv_size(1) + (ui != NULL ? tlv_size(tlv_size(ui_len)) : 0);
    put_tl(w, DLMS_RLRE, body);
    put_tl(w, 0x80, 1);
    axdr_put_byte(w, 0); /* normal */
    if (ui != NULL) {
        put_tl(w, 0xBE, tlv_size(ui_len));
        put_tl(w, 0x04, (uint32_t)ui_len);
        axdr_put_raw(w, ui, ui_len);
    }
}

/* ---- xDLMS initiate -------------------------------------------------------- */

int dlms_initiate_parse(const uint8_t *p, size_t n, struct dlms_initiate *out)
{
    struct axdr_r r;
    memset(out, 0, sizeof *out);
    out->response_allowed = true;
    axdr_r_init(&r, p, n);
    if (axdr_get_byte(&r) != DLMS_INITIATE_REQ)
        return METER_EINVAL;
    if (axdr_get_byte(&r)) { /* dedicated-key OPTIONAL */
        uint32_t len = axdr_get_len(&r);
        const uint8_t *k = axdr_get_raw(&r, len);
        if (len != 16)
            return METER_EINVAL;
        out->dedicated_key = k;
    }
    if (axdr_get_byte(&r)) /* response-allowed DEFAULT TRUE */
        out->response_allowed = axdr_get_byte(&r) != 0;
    if (axdr_get_byte(&r)) /* proposed-quality-of-service OPTIONAL */
        (void)axdr_get_byte(&r);
    out->version = axdr_get_byte(&r);
    /* proposed-conformance: [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24)) */
    if (axdr_get_byte(&r) != 0x5F || axdr_get_byte(&r) != 0x1F || axdr_get_byte(&r) != 0x04)
        return METER_EINVAL;
    (void)axdr_get_byte(&r); /* unused bits */
    out->conformance = (uint32_t)axdr_get_be(&r, 3);
    out->max_pdu = (uint16_t)axdr_get_be(&r, 2);
    if (r.err || axdr_r_left(&r) != 0)
        return METER_EINVAL;
    return METER_OK;
}

void dlms_initiate_rsp_build(struct axdr_w *w, uint32_t conformance, uint16_t max_pdu)
{
    axdr_put_byte(w, DLMS_INITIATE_RSP);
    axdr_put_byte(w, 0); /* negotiated-quality-of-service absent */
    axdr_put_byte(w, DLMS_VERSION);
    axdr_put_byte(w, 0x5F);
    axdr_put_byte(w, 0x1F);
    axdr_put_byte(w, 0x04);
    axdr_put_byte(w, 0x00);
    axdr_put_be(w, conformance & 0xffffffu, 3);
    axdr_put_be(w, max_pdu, 2);
    axdr_put_be(w, DLMS_VAA_LN, 2);
}

void dlms_cse_initiate_build(struct axdr_w *w, enum dlms_initiate_err err)
{
    axdr_put_byte(w, DLMS_CONFIRMED_SERVICE_ERROR);
    axdr_put_byte(w, 1); /* initiateError */
    axdr_put_byte(w, 6); /* ServiceError: initiate */
    axdr_put_byte(w, (uint8_t)err);
}

/* ---- xDLMS services -------------------------------------------------------- */

int dlms_ref_get(struct axdr_r *r, struct dlms_ref *ref, struct dlms_access *sel, bool selection)
{
    ref->ic = (uint16_t)axdr_get_be(r, 2);
    const uint8_t *ln = axdr_get_raw(r, 6);
    if (ln != NULL)
        memcpy(ref->ln, ln, 6);
    ref->id = (int8_t)axdr_get_byte(r);
    if (sel != NULL)
        memset(sel, 0, sizeof *sel);
    if (selection) {
        uint8_t present = axdr_get_byte(r);
        if (present > 1) {
            r->err = true;
        } else if (present) {
            size_t at;
            sel->selector = axdr_get_byte(r);
            at = r->pos;
            if (axdr_skip(r, AXDR_DEPTH_MAX) == 0) {
                sel->param = r->p + at;
                sel->param_len = r->pos - at;
            }
        }
    }
    return r->err ? -1 : 0;
}

void dlms_exception_build(struct axdr_w *w, enum dlms_state_err st, enum dlms_service_err se, uint32_t ic)
{
    axdr_put_byte(w, DLMS_EXCEPTION_RSP);
    axdr_put_byte(w, (uint8_t)st);
    axdr_put_byte(w, (uint8_t)se);
    if (se == DLMS_SERR_INVOCATION_COUNTER)
        axdr_put_be(w, ic, 4);
}
