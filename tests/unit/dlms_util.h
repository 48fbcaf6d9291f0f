/*
 * dlms_util.h — a DLMS client for the unit tests: it talks to the server's
 * application layer (dlms_serve) directly, builds AARQs for the three
 * clients of SIMULATOR.md, runs HLS-GMAC, GET with block transfer and
 * ciphering. The APDU layouts it writes are spelled out byte by byte
 * here (not built with the server's encoders), and the vectors of
 * ../shared/vectors/dlms.md check the parts both share (GCM, AARQ/AARE).
 */
#ifndef TRIMETER_TEST_DLMS_UTIL_H
#define TRIMETER_TEST_DLMS_UTIL_H

#include <stdio.h>

#include "proto/dlms/dlms.h"
#include "proto/dlms/sec.h"
#include "ui_rig.h"
#include "util/axdr.h"

static inline size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

static const uint8_t tc_ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t tc_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                  0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};

struct tclient {
    struct meter *m;
    struct dlms_ctx *c;
    uint8_t sap;
    bool cipher;
    uint8_t title[8];       /* client system title */
    uint8_t server_title[8];
    uint32_t ic;            /* next invocation counter */
    uint8_t ek[16], ak[16];
    uint16_t max_pdu;       /* proposed client max receive PDU */
    uint8_t rsp[4096];      /* the last answer (deciphered) */
    size_t rsp_len;
    uint8_t raw[4096];      /* the last answer as sent */
    size_t raw_len;
};

static inline void tc_init(struct tclient *t, struct meter *m, uint8_t sap)
{
    memset(t, 0, sizeof *t);
    t->m = m;
    t->sap = sap;
    t->c = dlms_open(m, sap, DLMS_SERVER_LOGICAL, METER_SRC_DLMS_TCP);
    assert_non_null(t->c);
    memcpy(t->title, "CLI\0\0\0\0\1", 8);
    memcpy(t->ek, tc_ek, 16);
    memcpy(t->ak, tc_ak, 16);
    t->max_pdu = 0x04B0;
}

static inline void tc_close(struct tclient *t)
{
    dlms_close(t->m, t->c);
    t->c = NULL;
}

/* One request in, the answer (as sent) in t->raw, deciphered in t->rsp. */
static inline void tc_xfer(struct tclient *t, const uint8_t *req, size_t n)
{
    size_t cap;
    uint8_t *b = dlms_req_buf(t->c, &cap);
    const uint8_t *rsp;
    size_t len;
    assert_true(n <= cap);
    memcpy(b, req, n);
    assert_int_equal(dlms_serve(t->m, t->c, n, &rsp, &len), METER_OK);
    assert_true(len <= sizeof t->raw);
    memcpy(t->raw, rsp, len);
    t->raw_len = len;
    memcpy(t->rsp, rsp, len);
    t->rsp_len = len;
    if (len > 0 && (rsp[0] == 0xCC || rsp[0] == 0xCD || rsp[0] == 0xCF)) {
        struct axdr_r r;
        uint8_t sc;
        uint32_t ic;
        size_t pl;
        axdr_r_init(&r, rsp + 1, len - 1);
        uint32_t l = axdr_get_len(&r);
        assert_false(r.err);
        assert_int_equal(l, len - 1 - r.pos);
        uint8_t tmp[4096];
        memcpy(tmp, rsp + 1 + r.pos, l);
        assert_int_equal(dlms_sec_open(t->m->hal, t->ek, t->ak, t->server_title, tmp, l, &sc, &ic, &pl), 0);
        memcpy(t->rsp, tmp + 5, pl);
        t->rsp_len = pl;
    }
}

/* Send an xDLMS request (ciphered as glo-xxx when the association is). */
static inline void tc_request(struct tclient *t, const uint8_t *apdu, size_t n)
{
    if (!t->cipher) {
        tc_xfer(t, apdu, n);
        return;
    }
    uint8_t b[4096];
    uint8_t tag = apdu[0] == 0xC0 ? 0xC8 : apdu[0] == 0xC1 ? 0xC9 : 0xCB;
    size_t body = n + 5 + 12;
    size_t h = body < 0x80 ? 2 : body < 0x100 ? 3 : 4;
    b[0] = tag;
    if (h == 2) {
        b[1] = (uint8_t)body;
    } else if (h == 3) {
        b[1] = 0x81;
        b[2] = (uint8_t)body;
    } else {
        b[1] = 0x82;
        b[2] = (uint8_t)(body >> 8);
        b[3] = (uint8_t)body;
    }
    memcpy(b + h + 5, apdu, n);
    assert_int_equal(dlms_sec_seal(t->m->hal, t->ek, t->ak, t->title, t->ic++, b + h, n), 0);
    tc_xfer(t, b, h + body);
}

/* ---- associations ---------------------------------------------------------- */

/* The InitiateRequest this client proposes (conformance 007E1F). */
static inline size_t tc_initiate(const struct tclient *t, uint8_t *p)
{
    const uint8_t ir[] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F,
                          (uint8_t)(t->max_pdu >> 8), (uint8_t)t->max_pdu};
    memcpy(p, ir, sizeof ir);
    return sizeof ir;
}

/* AARQ: LN (no ciphering) with mechanism mech (0 none, 1 LLS). */
static inline size_t tc_aarq_plain(const struct tclient *t, uint8_t mech, const char *pw, uint8_t *out)
{
    uint8_t b[256];
    size_t n = 0;
    const uint8_t ctx[] = {0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01};
    memcpy(b + n, ctx, sizeof ctx);
    n += sizeof ctx;
    if (mech != 0) {
        const uint8_t req[] = {0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, mech};
        memcpy(b + n, req, sizeof req);
        n += sizeof req;
        size_t pl = strlen(pw);
        b[n++] = 0xAC;
        b[n++] = (uint8_t)(pl + 2);
        b[n++] = 0x80;
        b[n++] = (uint8_t)pl;
        memcpy(b + n, pw, pl);
        n += pl;
    }
    uint8_t ir[32];
    size_t il = tc_initiate(t, ir);
    b[n++] = 0xBE;
    b[n++] = (uint8_t)(il + 2);
    b[n++] = 0x04;
    b[n++] = (uint8_t)il;
    memcpy(b + n, ir, il);
    n += il;
    out[0] = 0x60;
    out[1] = (uint8_t)n;
    memcpy(out + 2, b, n);
    return n + 2;
}

/* AARQ of the management client: LN with ciphering, HLS-GMAC, calling AP
 * title, CtoS challenge, ciphered InitiateRequest (IC t->ic). */
static inline size_t tc_aarq_hls(struct tclient *t, const uint8_t *ctos, size_t clen, uint8_t *out)
{
    uint8_t b[256];
    size_t n = 0;
    const uint8_t ctx[] = {0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03};
    memcpy(b + n, ctx, sizeof ctx);
    n += sizeof ctx;
    b[n++] = 0xA6;
    b[n++] = 0x0A;
    b[n++] = 0x04;
    b[n++] = 0x08;
    memcpy(b + n, t->title, 8);
    n += 8;
    const uint8_t req[] = {0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05};
    memcpy(b + n, req, sizeof req);
    n += sizeof req;
    b[n++] = 0xAC;
    b[n++] = (uint8_t)(clen + 2);
    b[n++] = 0x80;
    b[n++] = (uint8_t)clen;
    memcpy(b + n, ctos, clen);
    n += clen;
    uint8_t g[64];
    size_t il = tc_initiate(t, g + 7);
    assert_int_equal(dlms_sec_seal(t->m->hal, t->ek, t->ak, t->title, t->ic++, g + 2, il), 0);
    g[0] = 0x21;
    g[1] = (uint8_t)(il + 17);
    size_t gl = il + 19;
    b[n++] = 0xBE;
    b[n++] = (uint8_t)(gl + 2);
    b[n++] = 0x04;
    b[n++] = (uint8_t)gl;
    memcpy(b + n, g, gl);
    n += gl;
    out[0] = 0x60;
    out[1] = (uint8_t)n;
    memcpy(out + 2, b, n);
    return n + 2;
}

/* Find a component of the AARE by tag; returns its content or NULL. */
static inline const uint8_t *tc_aare_field(const uint8_t *a, size_t n, uint8_t tag, size_t *len)
{
    if (n < 2 || a[0] != 0x61 || a[1] != n - 2)
        return NULL;
    size_t i = 2;
    while (i + 2 <= n) {
        uint8_t t = a[i];
        size_t l = a[i + 1];
        if (i + 2 + l > n)
            return NULL;
        if (t == tag) {
            *len = l;
            return a + i + 2;
        }
        i += 2 + l;
    }
    return NULL;
}

/* AARE result and diagnostic. */
static inline void tc_aare_result(const struct tclient *t, int *result, int *diag)
{
    size_t l;
    const uint8_t *p = tc_aare_field(t->raw, t->raw_len, 0xA2, &l);
    assert_non_null(p);
    assert_int_equal(l, 3);
    *result = p[2];
    p = tc_aare_field(t->raw, t->raw_len, 0xA3, &l);
    assert_non_null(p);
    assert_int_equal(l, 5);
    *diag = p[4];
}

static inline int tc_associate(struct tclient *t, const char *pw)
{
    uint8_t a[256];
    size_t n = tc_aarq_plain(t, t->sap == DLMS_CLIENT_READER ? 1 : 0, pw, a);
    int res, diag;
    tc_xfer(t, a, n);
    tc_aare_result(t, &res, &diag);
    return res;
}

/* Full HLS-GMAC: AARQ, AARE with StoC, reply_to_HLS_authentication, and the
 * server's f(CtoS) checked. Returns 0 when associated. */
static inline int tc_associate_hls(struct tclient *t)
{
    static const uint8_t ctos[16] = "client-chal-0123";
    uint8_t a[256];
    int res, diag;
    size_t n = tc_aarq_hls(t, ctos, sizeof ctos, a);
    tc_xfer(t, a, n);
    tc_aare_result(t, &res, &diag);
    if (res != 0)
        return -1;
    assert_int_equal(diag, 14);
    size_t l;
    const uint8_t *ti = tc_aare_field(t->raw, t->raw_len, 0xA4, &l);
    assert_non_null(ti);
    assert_int_equal(l, 10);
    memcpy(t->server_title, ti + 2, 8);
    const uint8_t *ch = tc_aare_field(t->raw, t->raw_len, 0xAA, &l);
    assert_non_null(ch);
    assert_int_equal(ch[0], 0x80);
    uint8_t stoc[64];
    size_t sl = ch[1];
    memcpy(stoc, ch + 2, sl);
    t->cipher = true;
    /* reply_to_HLS_authentication: SC 10 || IC || GMAC(StoC) */
    uint8_t act[64] = {0xC3, 0x01, 0x41, 0x00, 0x0F, 0, 0, 40, 0, 0, 255, 0x01, 0x01, 0x09, 0x11, 0x10};
    uint32_t ic = t->ic;
    act[16] = (uint8_t)(ic >> 24);
    act[17] = (uint8_t)(ic >> 16);
    act[18] = (uint8_t)(ic >> 8);
    act[19] = (uint8_t)ic;
    assert_int_equal(dlms_sec_gmac(t->m->hal, t->ek, t->ak, t->title, ic, stoc, sl, act + 20), 0);
    tc_request(t, act, 32);
    /* C7 01 41 00 01 00 09 11 10 IC GMAC(CtoS) */
    if (t->rsp_len != 25 || t->rsp[0] != 0xC7 || t->rsp[3] != 0)
        return -1;
    uint32_t sic = (uint32_t)t->rsp[9] << 24 | (uint32_t)t->rsp[10] << 16 | (uint32_t)t->rsp[11] << 8 | t->rsp[12];
    uint8_t tag[12];
    assert_int_equal(dlms_sec_gmac(t->m->hal, t->ek, t->ak, t->server_title, sic, ctos, sizeof ctos, tag), 0);
    assert_memory_equal(tag, t->rsp + 13, 12);
    return 0;
}

/* ---- GET ------------------------------------------------------------------- */

/* GET one attribute (with optional access selection bytes `sel` =
 * selector + parameters) and reassemble blocks. Returns -1 on a DAR
 * (stored in *dar), else the data length in out. */
static inline long tc_get(struct tclient *t, uint16_t ic, const uint8_t ln[6], int8_t attr, const uint8_t *sel,
                          size_t sel_len, uint8_t *out, size_t cap, int *dar, unsigned *blocks)
{
    uint8_t q[256] = {0xC0, 0x01, 0xC1, (uint8_t)(ic >> 8), (uint8_t)ic};
    memcpy(q + 5, ln, 6);
    q[11] = (uint8_t)attr;
    size_t n = 12;
    if (sel != NULL) {
        q[n++] = 1;
        memcpy(q + n, sel, sel_len);
        n += sel_len;
    } else {
        q[n++] = 0;
    }
    tc_request(t, q, n);
    size_t got = 0;
    unsigned nb = 0;
    for (;;) {
        if (t->rsp_len < 4) { for (size_t i = 0; i < t->raw_len; i++) fprintf(stderr, "%02X", t->raw[i]); fprintf(stderr, "\n"); }
        assert_true(t->rsp_len >= 4);
        assert_int_equal(t->rsp[0], 0xC4);
        assert_int_equal(t->rsp[2], 0xC1);
        if (t->rsp[1] == 1) {
            if (t->rsp[3] == 1) {
                *dar = t->rsp[4];
                return -1;
            }
            assert_int_equal(t->rsp[3], 0);
            assert_true(t->rsp_len - 4 <= cap);
            memcpy(out, t->rsp + 4, t->rsp_len - 4);
            if (blocks)
                *blocks = 0;
            return (long)(t->rsp_len - 4);
        }
        assert_int_equal(t->rsp[1], 2);
        uint8_t last = t->rsp[3];
        uint32_t bn = (uint32_t)t->rsp[4] << 24 | (uint32_t)t->rsp[5] << 16 | (uint32_t)t->rsp[6] << 8 | t->rsp[7];
        assert_int_equal(bn, nb + 1);
        nb++;
        if (t->rsp[8] == 1) {
            *dar = t->rsp[9];
            return -1;
        }
        struct axdr_r r;
        axdr_r_init(&r, t->rsp + 9, t->rsp_len - 9);
        uint32_t l = axdr_get_len(&r);
        assert_false(r.err);
        assert_int_equal(l, t->rsp_len - 9 - r.pos);
        assert_true(got + l <= cap);
        memcpy(out + got, t->rsp + 9 + r.pos, l);
        got += l;
        if (last) {
            if (blocks)
                *blocks = nb;
            return (long)got;
        }
        uint8_t nx[7] = {0xC0, 0x02, 0xC1, (uint8_t)(bn >> 24), (uint8_t)(bn >> 16), (uint8_t)(bn >> 8), (uint8_t)bn};
        tc_request(t, nx, 7);
    }
}

#endif
