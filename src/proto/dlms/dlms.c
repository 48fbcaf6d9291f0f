/*
 * dlms.c — the DLMS/COSEM server: associations, GET (normal, with list,
 * block transfer, selective access), SET and ACTION (normal, with list,
 * with block transfer) on the object table's setters and methods,
 * HLS-GMAC and ciphered APDUs with invocation counters.
 *
 * Every answer is built in the association's response buffer at a fixed
 * offset, with room before it for the APDU header and, when the
 * association is ciphered, for the security header, so that nothing is
 * copied: the data is encoded in place, the headers are written in front
 * and the text is encrypted in place.
 */
#include "proto/dlms/dlms.h"

#include <string.h>

#include "cosem/cosem_ctl.h"
#include "legal/access.h"
#include "legal/audit.h"
#include "legal/nvcount.h"
#include "proto/dlms/dlms_obj.h"
#include "proto/dlms/sec.h"
#include "trimeter/meter.h"
#include "util/aes.h"

/* What this server offers: GET with lists, blocks and selective access;
 * SET and ACTION normal, with lists and with blocks (DLMS part 2). */
#define SERVER_CONF                                                                                         \
    (DLMS_CONF_GET | DLMS_CONF_SET | DLMS_CONF_ACTION | DLMS_CONF_SELECTIVE_ACCESS | DLMS_CONF_BLOCK_GET | \
     DLMS_CONF_BLOCK_SET | DLMS_CONF_BLOCK_ACTION | DLMS_CONF_MULTIPLE_REFS | DLMS_CONF_PRIORITY_MGMT)

/* Smallest client max receive PDU we serve (an AARE fits, a block carries data). */
#define MIN_PDU 64u

/* Response buffer layout: [ciphering header 9][APDU header 12][data ...][tag 12] */
#define CIPH_HDR 9u
#define APDU_HDR 12u
#define DATA_OFF (CIPH_HDR + APDU_HDR)
#define CIPH_OVERHEAD (1u + 3u + 5u + DLMS_TAG_LEN)

/* Why a request was refused (the audit counters keep the newest refusal's
 * reason, legal/audit.h). */
enum dlms_refusal {
    DLMS_REF_PASSWORD,   /* wrong LLS password (access_lock_fail counts it) */
    DLMS_REF_KEY,        /* wrong key: deciphering or GMAC failed */
    DLMS_REF_REPLAY,     /* invocation counter not above the last accepted */
    DLMS_REF_MALFORMED,  /* APDU not understood */
    DLMS_REF_LOCKED,     /* password entry locked out */
    DLMS_REF_POLICY      /* unciphered APDU where ciphering is required, or the reverse */
};

/* ---- counters ---------------------------------------------------------------- */

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void dlms_init(struct meter *m)
{
    struct dlms_server *s = &m->proto.dlms;
    uint32_t v[NVCOUNT_N];
    /* everything but the keys (config_load's) starts from zero */
    memset((uint8_t *)s + offsetof(struct dlms_server, ready), 0, sizeof *s - offsetof(struct dlms_server, ready));
    (void)nvcount_load(m, v); /* zeros on a new meter */
    s->ic_tx = s->ic_tx_limit = v[NVCOUNT_DLMS_TX];
    s->ic_rx_next = s->ic_rx_limit = v[NVCOUNT_DLMS_RX];
    s->ready = 1;
}

static int persist_limits(struct meter *m, uint32_t tx, uint32_t rx)
{
    uint32_t v[NVCOUNT_N];
    v[NVCOUNT_DLMS_TX] = tx;
    v[NVCOUNT_DLMS_RX] = rx;
    return nvcount_save(m, v);
}

/* The meter's next frame counter, reserved in the store before use. */
static int ic_tx_take(struct meter *m, uint32_t *ic)
{
    struct dlms_server *s = &m->proto.dlms;
    if (s->ic_tx == UINT32_MAX)
        return METER_ERANGE; /* exhausted: the keys must change */
    if (s->ic_tx >= s->ic_tx_limit) {
        uint32_t lim = sat_add(s->ic_tx, METER_DLMS_IC_BLOCK);
        if (persist_limits(m, lim, s->ic_rx_limit) < 0)
            return METER_EIO;
        s->ic_tx_limit = lim;
    }
    *ic = s->ic_tx++;
    return METER_OK;
}

/* Accept a client's counter: at least the next expected one (which is
 * above every one accepted before, across power cuts). */
static int ic_rx_accept(struct meter *m, uint32_t ic)
{
    struct dlms_server *s = &m->proto.dlms;
    if (ic < s->ic_rx_next || ic == UINT32_MAX)
        return METER_EACCES;
    if (ic >= s->ic_rx_limit) {
        uint32_t lim = sat_add(ic + 1u, METER_DLMS_IC_BLOCK);
        if (persist_limits(m, s->ic_tx_limit, lim) < 0)
            return METER_EIO;
        s->ic_rx_limit = lim;
    }
    s->ic_rx_next = ic + 1u;
    return METER_OK;
}

uint32_t dlms_ic_expected(const struct meter *m)
{
    uint32_t v[NVCOUNT_N];
    if (m->proto.dlms.ready)
        return m->proto.dlms.ic_rx_next;
    (void)nvcount_load(m, v); /* no session since power-up: what the store says */
    return v[NVCOUNT_DLMS_RX];
}

void dlms_system_title(const struct meter *m, uint8_t out[DLMS_TITLE_LEN])
{
    out[0] = 'T';
    out[1] = 'R';
    out[2] = 'M';
    out[3] = 0; /* serial as 5 bytes, big-endian */
    out[4] = (uint8_t)(m->serial >> 24);
    out[5] = (uint8_t)(m->serial >> 16);
    out[6] = (uint8_t)(m->serial >> 8);
    out[7] = (uint8_t)m->serial;
}

/* ---- sessions ----------------------------------------------------------------- */

struct dlms_ctx *dlms_open(struct meter *m, uint8_t client_sap, uint16_t server_logical, enum meter_src src)
{
    if (server_logical != DLMS_SERVER_LOGICAL)
        return NULL;
    if (client_sap != DLMS_CLIENT_PUBLIC && client_sap != DLMS_CLIENT_READER && client_sap != DLMS_CLIENT_MANAGEMENT)
        return NULL;
    if (!m->proto.dlms.ready)
        dlms_init(m);
    for (unsigned i = 0; i < METER_DLMS_ASSOCIATIONS; i++) {
        struct dlms_ctx *c = &m->proto.dlms.pool[i];
        if (c->used)
            continue;
        memset(c, 0, offsetof(struct dlms_ctx, req));
        c->used = 1;
        c->client_sap = client_sap;
        c->server_logical = server_logical;
        c->src = (uint8_t)src;
        c->state = DLMS_IDLE;
        c->max_rsp = METER_DLMS_PDU_MAX;
        return c;
    }
    return NULL;
}

/* Nothing an association was granted survives it: keys, challenges and
 * rights go with it. */
static void assoc_reset(struct dlms_ctx *c)
{
    c->state = DLMS_IDLE;
    c->acc = METER_ACC_NONE;
    c->cipher = 0;
    c->has_ded = 0;
    c->mech = DLMS_MECH_NONE;
    c->lg.active = 0;
    c->ls.active = 0;
    aes_wipe(c->ded_key, sizeof c->ded_key);
    aes_wipe(c->stoc, sizeof c->stoc);
    aes_wipe(c->ctos, sizeof c->ctos);
}

void dlms_close(struct meter *m, struct dlms_ctx *c)
{
    (void)m;
    if (c == NULL)
        return;
    assoc_reset(c);
    aes_wipe(c->req, sizeof c->req);
    aes_wipe(c->rsp, sizeof c->rsp);
    c->used = 0;
}

uint8_t *dlms_req_buf(struct dlms_ctx *c, size_t *cap)
{
    *cap = sizeof c->req;
    return c->req;
}

size_t dlms_max_pdu(const struct dlms_ctx *c)
{
    return c->max_rsp;
}

/* Refusals are counted (legal/audit.h: counters in the legal snapshot, the
 * newest refusal kept), never written as records: no client can flood a
 * log or wear the EEPROM by being refused. */
static void refuse_log(struct meter *m, struct dlms_ctx *c, enum dlms_refusal why)
{
    enum meter_src src = (enum meter_src)c->src;
    m->proto.dlms.refusals++;
    switch (why) {
    case DLMS_REF_PASSWORD: break; /* access_lock_fail counted it */
    case DLMS_REF_KEY: audit_bad_secret(m, src); break;
    case DLMS_REF_LOCKED: audit_refusal(m, src, 0, AUDIT_LOCKED); break;
    case DLMS_REF_MALFORMED: audit_refusal(m, src, 0, AUDIT_VALUE); break;
    default: audit_refusal(m, src, (uint32_t)40u << 16, AUDIT_ACCESS); break;
    }
}

/* ---- answers ------------------------------------------------------------------ */

struct out {
    size_t off;  /* APDU start in c->rsp */
    size_t len;
    bool cipher; /* seal before sending */
    bool exc;    /* an exception-response (never ciphered) */
};

/* Room for a plaintext APDU in this association. */
static size_t plain_cap(const struct dlms_ctx *c)
{
    size_t cap = c->max_rsp;
    if (cap > METER_DLMS_PDU_MAX)
        cap = METER_DLMS_PDU_MAX;
    return c->cipher ? cap - CIPH_OVERHEAD : cap;
}

static void out_exception(struct dlms_ctx *c, struct out *o, enum dlms_state_err st, enum dlms_service_err se,
                          uint32_t ic)
{
    struct axdr_w w;
    axdr_w_init(&w, c->rsp + DATA_OFF, 8);
    dlms_exception_build(&w, st, se, ic);
    o->off = DATA_OFF;
    o->len = axdr_w_len(&w);
    o->cipher = false; /* exception-response has no ciphered form */
    o->exc = true;
}

static uint8_t rsp_tag_of(uint8_t req)
{
    switch (req) {
    case DLMS_GLO_GET_REQ: return DLMS_GLO_GET_RSP;
    case DLMS_GLO_SET_REQ: return DLMS_GLO_SET_RSP;
    case DLMS_GLO_ACTION_REQ: return DLMS_GLO_ACTION_RSP;
    case DLMS_DED_GET_REQ: return DLMS_DED_GET_RSP;
    case DLMS_DED_SET_REQ: return DLMS_DED_SET_RSP;
    case DLMS_DED_ACTION_REQ: return DLMS_DED_ACTION_RSP;
    default: return 0;
    }
}

/* Seal the plaintext APDU in place and put the ciphered APDU's tag and
 * length in front. */
static int seal(struct meter *m, struct dlms_ctx *c, struct out *o)
{
    uint32_t ic;
    uint8_t title[DLMS_TITLE_LEN];
    int r = ic_tx_take(m, &ic);
    if (r < 0)
        return r;
    dlms_system_title(m, title);
    const uint8_t *ek = c->rsp_tag >= DLMS_DED_GET_RSP ? c->ded_key : m->proto.dlms.keys.ek;
    uint8_t *p = c->rsp + o->off - 5;
    r = dlms_sec_seal(m->hal, ek, m->proto.dlms.keys.ak, title, ic, p, o->len);
    if (r < 0)
        return r;
    size_t body = o->len + 5 + DLMS_TAG_LEN;
    struct axdr_w w;
    size_t hl = 1 + (body < 0x80 ? 1 : body <= 0xff ? 2 : 3);
    axdr_w_init(&w, p - hl, hl);
    axdr_put_byte(&w, c->rsp_tag);
    axdr_put_len(&w, (uint32_t)body);
    o->off -= 5 + hl;
    o->len = hl + body;
    return METER_OK;
}

/* ---- association (ACSE) ------------------------------------------------------- */

static void aare_out(struct dlms_ctx *c, struct out *o, const struct dlms_aare *a)
{
    struct axdr_w w;
    axdr_w_init(&w, c->rsp, sizeof c->rsp);
    dlms_aare_build(&w, a);
    o->off = 0;
    o->len = axdr_w_len(&w);
    o->cipher = false;
}

static void aare_reject(struct dlms_ctx *c, struct out *o, uint8_t ctx, enum dlms_acse_diag diag, int init_err)
{
    uint8_t ui[4];
    struct axdr_w w;
    struct dlms_aare a;
    memset(&a, 0, sizeof a);
    a.context = ctx != DLMS_CTX_NONE ? ctx : DLMS_CTX_LN;
    a.result = DLMS_REJECTED_PERMANENT;
    a.diag = (uint8_t)diag;
    if (init_err >= 0) {
        axdr_w_init(&w, ui, sizeof ui);
        dlms_cse_initiate_build(&w, (enum dlms_initiate_err)init_err);
        a.ui = ui;
        a.ui_len = axdr_w_len(&w);
    }
    aare_out(c, o, &a);
}

/* The server-to-client challenge: AES(AK) of a block that never repeats
 * (system title, the frame counter, a sequence), so it is unpredictable
 * without the key and fresh for every association. */
static int make_challenge(struct meter *m, struct dlms_ctx *c)
{
    uint8_t blk[16];
    uint32_t ic;
    int r = ic_tx_take(m, &ic);
    if (r < 0)
        return r;
    if (m->hal->aes128_encrypt == NULL)
        return METER_ENOTSUP;
    dlms_system_title(m, blk);
    blk[8] = (uint8_t)(ic >> 24);
    blk[9] = (uint8_t)(ic >> 16);
    blk[10] = (uint8_t)(ic >> 8);
    blk[11] = (uint8_t)ic;
    blk[12] = 'C';
    blk[13] = 'H';
    blk[14] = (uint8_t)(m->proto.dlms.serial_seq >> 8);
    blk[15] = (uint8_t)m->proto.dlms.serial_seq;
    m->proto.dlms.serial_seq++;
    return m->hal->aes128_encrypt(m->hal->ctx, m->proto.dlms.keys.ak, blk, c->stoc);
}

static int serve_aarq(struct meter *m, struct dlms_ctx *c, size_t n, struct out *o)
{
    struct dlms_aarq q;
    struct dlms_initiate ini;
    uint8_t want_ctx, want_mech;
    if (dlms_aarq_parse(c->req, n, &q) < 0) {
        refuse_log(m, c, DLMS_REF_MALFORMED);
        aare_reject(c, o, DLMS_CTX_LN, DLMS_DIAG_NO_REASON, -1);
        return METER_OK;
    }
    if (c->state != DLMS_IDLE) { /* one association per link session */
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, -1);
        return METER_OK;
    }
    switch (c->client_sap) {
    case DLMS_CLIENT_PUBLIC: want_ctx = DLMS_CTX_LN; want_mech = DLMS_MECH_NONE; break;
    case DLMS_CLIENT_READER: want_ctx = DLMS_CTX_LN; want_mech = DLMS_MECH_LLS; break;
    default: want_ctx = DLMS_CTX_LN_CIPHER; want_mech = DLMS_MECH_HLS_GMAC; break;
    }
    if (q.context != want_ctx) {
        aare_reject(c, o, q.context, DLMS_DIAG_CONTEXT_NOT_SUPPORTED, -1);
        return METER_OK;
    }
    if (q.mech != want_mech) {
        aare_reject(c, o, q.context, q.mech == DLMS_MECH_NONE ? DLMS_DIAG_MECH_REQUIRED : DLMS_DIAG_MECH_NOT_RECOGNISED,
                    -1);
        return METER_OK;
    }
    if (q.ui == NULL) {
        refuse_log(m, c, DLMS_REF_MALFORMED);
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_OTHER);
        return METER_OK;
    }
    /* user-information: plain InitiateRequest, or ciphered for the
     * management client (decrypted in place in the request buffer) */
    const uint8_t *ip = q.ui;
    size_t in = q.ui_len;
    if (want_ctx == DLMS_CTX_LN_CIPHER) {
        struct axdr_r r;
        uint8_t sc;
        uint32_t ic;
        size_t plen;
        if (q.title == NULL || q.title_len != DLMS_TITLE_LEN) {
            aare_reject(c, o, q.context, DLMS_DIAG_CALLING_AP_TITLE, -1);
            return METER_OK;
        }
        axdr_r_init(&r, q.ui, q.ui_len);
        uint8_t tag = axdr_get_byte(&r);
        uint32_t len = axdr_get_len(&r);
        if (tag != DLMS_GLO_INITIATE_REQ || r.err || len != axdr_r_left(&r)) {
            refuse_log(m, c, DLMS_REF_POLICY);
            aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_OTHER);
            return METER_OK;
        }
        uint8_t *body = c->req + (q.ui - c->req) + r.pos;
        int e = dlms_sec_open(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, q.title, body, len, &sc, &ic, &plen);
        if (e < 0) {
            refuse_log(m, c, e == METER_ENOTSUP ? DLMS_REF_POLICY : DLMS_REF_KEY);
            aare_reject(c, o, q.context, DLMS_DIAG_AUTH_FAILURE, -1);
            return METER_OK;
        }
        if (ic_rx_accept(m, ic) < 0) {
            refuse_log(m, c, DLMS_REF_REPLAY);
            aare_reject(c, o, q.context, DLMS_DIAG_AUTH_FAILURE, -1);
            return METER_OK;
        }
        memcpy(c->client_title, q.title, DLMS_TITLE_LEN);
        ip = body + 5;
        in = plen;
    } else if (q.ui[0] != DLMS_INITIATE_REQ) {
        refuse_log(m, c, DLMS_REF_POLICY);
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_OTHER);
        return METER_OK;
    }
    if (dlms_initiate_parse(ip, in, &ini) < 0) {
        refuse_log(m, c, DLMS_REF_MALFORMED);
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_OTHER);
        return METER_OK;
    }
    if (ini.version < DLMS_VERSION) {
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_VERSION_TOO_LOW);
        return METER_OK;
    }
    uint32_t conf = ini.conformance & SERVER_CONF;
    if (!(conf & DLMS_CONF_GET)) {
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_INCOMPATIBLE_CONFORMANCE);
        return METER_OK;
    }
    uint32_t maxp = ini.max_pdu == 0 ? 0xffffu : ini.max_pdu;
    if (maxp < MIN_PDU) {
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_PDU_TOO_SHORT);
        return METER_OK;
    }
    if (ini.dedicated_key != NULL && want_ctx != DLMS_CTX_LN_CIPHER) {
        aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, DLMS_INIT_OTHER); /* a key in clear text */
        return METER_OK;
    }
    /* authentication */
    if (want_mech == DLMS_MECH_LLS) {
        /* the one lockout of legal/access.h, with the optical port's tries
         * and duration (the meter's password policy) */
        if (access_lock_check(m, ACCESS_LOCK_DLMS) < 0) {
            refuse_log(m, c, DLMS_REF_LOCKED); /* not even compared */
            aare_reject(c, o, q.context, DLMS_DIAG_AUTH_FAILURE, -1);
            return METER_OK;
        }
        const struct dlms_keys *k = &m->proto.dlms.keys;
        if (q.auth == NULL || q.auth_len != k->lls_len || !aes_equal_ct(q.auth, k->lls, k->lls_len)) {
            const struct iec21_cfg *pol = &m->proto.iec.cfg;
            access_lock_fail(m, ACCESS_LOCK_DLMS, pol->lock_tries, (uint32_t)pol->lock_min * 60u,
                             (enum meter_src)c->src);
            refuse_log(m, c, DLMS_REF_PASSWORD);
            aare_reject(c, o, q.context, DLMS_DIAG_AUTH_FAILURE, -1);
            return METER_OK;
        }
        access_lock_pass(m, ACCESS_LOCK_DLMS);
    }
    if (want_mech == DLMS_MECH_HLS_GMAC) {
        if (q.auth == NULL || q.auth_len < DLMS_CHALLENGE_MIN || q.auth_len > DLMS_CHALLENGE_MAX) {
            aare_reject(c, o, q.context, DLMS_DIAG_AUTH_FAILURE, -1);
            return METER_OK;
        }
        memcpy(c->ctos, q.auth, q.auth_len);
        c->ctos_len = q.auth_len;
        if (make_challenge(m, c) < 0) {
            aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, -1);
            return METER_OK;
        }
    }
    /* accepted */
    c->context = q.context;
    c->mech = want_mech;
    c->conformance = conf;
    c->max_rsp = (uint16_t)(maxp < METER_DLMS_PDU_MAX ? maxp : METER_DLMS_PDU_MAX);
    if (ini.dedicated_key != NULL) {
        memcpy(c->ded_key, ini.dedicated_key, 16);
        c->has_ded = 1;
    }
    /* InitiateResponse (ciphered for the management client) */
    uint8_t ui[48];
    struct axdr_w w;
    axdr_w_init(&w, ui + CIPH_HDR, sizeof ui - CIPH_HDR - DLMS_TAG_LEN);
    dlms_initiate_rsp_build(&w, conf, METER_DLMS_PDU_MAX);
    size_t ulen = axdr_w_len(&w);
    const uint8_t *uip = ui + CIPH_HDR;
    uint8_t title[DLMS_TITLE_LEN];
    dlms_system_title(m, title);
    if (want_ctx == DLMS_CTX_LN_CIPHER) {
        uint32_t ic;
        if (ic_tx_take(m, &ic) < 0 ||
            dlms_sec_seal(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, title, ic, ui + CIPH_HDR - 5, ulen) < 0) {
            assoc_reset(c);
            aare_reject(c, o, q.context, DLMS_DIAG_NO_REASON, -1);
            return METER_OK;
        }
        ui[CIPH_HDR - 7] = DLMS_GLO_INITIATE_RSP;
        ui[CIPH_HDR - 6] = (uint8_t)(ulen + 5 + DLMS_TAG_LEN);
        uip = ui + CIPH_HDR - 7;
        ulen += 7 + DLMS_TAG_LEN;
    }
    struct dlms_aare a;
    memset(&a, 0, sizeof a);
    a.context = q.context;
    a.result = DLMS_ACCEPTED;
    a.diag = DLMS_DIAG_NULL;
    a.ui = uip;
    a.ui_len = ulen;
    if (want_mech != DLMS_MECH_NONE)
        a.mech = want_mech;
    if (want_mech == DLMS_MECH_HLS_GMAC) {
        a.diag = DLMS_DIAG_AUTH_REQUIRED;
        a.title = title;
        a.challenge = c->stoc;
        a.challenge_len = sizeof c->stoc;
        c->cipher = 1;
        c->state = DLMS_PENDING;
        c->acc = METER_ACC_NONE;
    } else {
        c->state = DLMS_ASSOCIATED;
        c->acc = want_mech == DLMS_MECH_LLS ? METER_ACC_READER : METER_ACC_PUBLIC;
        if (want_mech == DLMS_MECH_LLS)
            audit_login(m, (enum meter_src)c->src, METER_ACC_READER);
    }
    aare_out(c, o, &a);
    return METER_OK;
}

static int serve_rlrq(struct meter *m, struct dlms_ctx *c, size_t n, struct out *o)
{
    struct dlms_rlrq q;
    struct axdr_w w;
    if (dlms_rlrq_parse(c->req, n, &q) < 0) {
        refuse_log(m, c, DLMS_REF_MALFORMED);
        out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
        return METER_OK;
    }
    /* A ciphered association answers a protected release (RLRQ carrying a
     * glo-initiate-request that deciphers) with a ciphered InitiateResponse. */
    uint8_t ui[48];
    size_t ulen = 0;
    if (c->cipher && q.ui != NULL && q.ui_len > 2 && q.ui[0] == DLMS_GLO_INITIATE_REQ) {
        struct axdr_r r;
        uint8_t sc;
        uint32_t ic;
        size_t plen;
        axdr_r_init(&r, q.ui, q.ui_len);
        (void)axdr_get_byte(&r);
        uint32_t len = axdr_get_len(&r);
        uint8_t *body = c->req + (q.ui - c->req) + r.pos;
        uint8_t title[DLMS_TITLE_LEN];
        dlms_system_title(m, title);
        uint32_t tic;
        if (!r.err && len == axdr_r_left(&r) &&
            dlms_sec_open(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, c->client_title, body, len, &sc, &ic, &plen) == 0 &&
            ic_rx_accept(m, ic) == 0 && ic_tx_take(m, &tic) == 0) {
            axdr_w_init(&w, ui + 7, sizeof ui - 7 - DLMS_TAG_LEN);
            dlms_initiate_rsp_build(&w, c->conformance, METER_DLMS_PDU_MAX);
            size_t pl = axdr_w_len(&w);
            if (dlms_sec_seal(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, title, tic, ui + 2, pl) == 0) {
                ui[0] = DLMS_GLO_INITIATE_RSP;
                ui[1] = (uint8_t)(pl + 5 + DLMS_TAG_LEN);
                ulen = pl + 7 + DLMS_TAG_LEN;
            }
        }
    }
    assoc_reset(c);
    axdr_w_init(&w, c->rsp, sizeof c->rsp);
    dlms_rlre_build(&w, ulen > 0 ? ui : NULL, ulen);
    o->off = 0;
    o->len = axdr_w_len(&w);
    o->cipher = false;
    return METER_OK;
}

/* ---- GET ------------------------------------------------------------------------ */

static enum dlms_dar dar_of(int err)
{
    switch (err) {
    case METER_EACCES: return DLMS_DAR_READ_WRITE_DENIED;
    case METER_ENOENT: return DLMS_DAR_OBJECT_UNAVAILABLE;
    case METER_EINVAL: return DLMS_DAR_TYPE_UNMATCHED;
    case METER_ENOTSUP: return DLMS_DAR_SCOPE_VIOLATED;
    case METER_EIO: return DLMS_DAR_HARDWARE_FAULT;
    default: return DLMS_DAR_OTHER;
    }
}

/* Resolve one GET item: the target, the attribute's rights, the selection. */
static void item_prepare(const struct meter *m, const struct dlms_ctx *c, struct dlms_item *it,
                         const struct dlms_access *a)
{
    struct dlms_target t;
    memset(&it->sel, 0, sizeof it->sel);
    it->dar = (uint8_t)dlms_target_find(m, &it->ref, (enum meter_access)c->acc, &t);
    if (it->dar != DLMS_DAR_SUCCESS)
        return;
    if (a->selector != COSEM_SEL_NONE) {
        if (!(c->conformance & DLMS_CONF_SELECTIVE_ACCESS) || t.row == NULL) {
            it->dar = DLMS_DAR_SCOPE_VIOLATED;
            return;
        }
        int r = cosem_sel_parse(m, t.row, it->ref.id, a->selector, a->param, a->param_len, &it->sel);
        if (r < 0)
            it->dar = (uint8_t)(r == METER_ENOTSUP ? DLMS_DAR_SCOPE_VIOLATED : DLMS_DAR_TYPE_UNMATCHED);
    }
}

/* Fill the window [w->skip, w->skip + w->cap) of the long GET's raw-data
 * stream (a Data for GET-normal; a count and per item a Get-Data-Result
 * for GET-with-list). 1: the stream ended inside the window; 0: more
 * remains (state kept for the next window); <0: the read failed. */
static int stream_fill(const struct meter *m, struct dlms_ctx *c, struct axdr_w *w)
{
    struct dlms_long *L = &c->lg;
    uint32_t end = w->skip + w->cap;
    if (L->list && w->skip == 0) {
        w->pos = 0;
        axdr_put_len(w, L->n);
        if (L->cur == 0)
            L->item_at = w->pos;
    }
    while (L->cur < L->n) {
        struct dlms_item *it = &L->items[L->cur];
        w->pos = L->item_at;
        if (L->list) {
            axdr_put_byte(w, it->dar == DLMS_DAR_SUCCESS ? 0 : 1);
            if (it->dar != DLMS_DAR_SUCCESS)
                axdr_put_byte(w, it->dar);
        }
        if (it->dar == DLMS_DAR_SUCCESS) {
            struct dlms_target t;
            if (dlms_target_find(m, &it->ref, (enum meter_access)c->acc, &t) != DLMS_DAR_SUCCESS)
                return METER_EIO;
            int r = dlms_target_get(m, c, &t, it->ref.id, &it->sel, w, &L->pos);
            if (r < 0)
                return r;
            if (r == 0)
                return 0;
        }
        if (w->pos > end)
            return 0; /* the item runs past the window: resume inside it */
        L->cur++;
        L->item_at = w->pos;
        memset(&L->pos, 0, sizeof L->pos);
    }
    return 1;
}

static size_t block_room(const struct dlms_ctx *c)
{
    return plain_cap(c) - APDU_HDR;
}

/* GET-Response-With-Datablock around the window's data at DATA_OFF. */
static void out_block(struct dlms_ctx *c, struct out *o, uint8_t invoke, bool last, uint32_t block, size_t dlen,
                      int dar)
{
    uint8_t hdr[APDU_HDR];
    struct axdr_w w;
    axdr_w_init(&w, hdr, sizeof hdr);
    axdr_put_byte(&w, DLMS_GET_RSP);
    axdr_put_byte(&w, 2);
    axdr_put_byte(&w, invoke);
    axdr_put_byte(&w, last ? 1 : 0);
    axdr_put_be(&w, block, 4);
    if (dar >= 0) {
        axdr_put_byte(&w, 1);
        axdr_put_byte(&w, (uint8_t)dar);
        dlen = 0;
    } else {
        axdr_put_byte(&w, 0);
        axdr_put_len(&w, (uint32_t)dlen);
    }
    size_t hl = axdr_w_len(&w);
    memcpy(c->rsp + DATA_OFF - hl, hdr, hl);
    o->off = DATA_OFF - hl;
    o->len = hl + dlen;
}

static void get_response_dar(struct dlms_ctx *c, struct out *o, uint8_t invoke, uint8_t dar)
{
    uint8_t *p = c->rsp + DATA_OFF;
    p[0] = DLMS_GET_RSP;
    p[1] = 1;
    p[2] = invoke;
    p[3] = 1;
    p[4] = dar;
    o->off = DATA_OFF;
    o->len = 5;
}

/* First answer of a GET (normal or with list): whole, or its first block. */
static void get_start(const struct meter *m, struct dlms_ctx *c, struct out *o)
{
    struct dlms_long *L = &c->lg;
    struct axdr_w w;
    L->cur = 0;
    L->item_at = 0;
    L->block = 0;
    L->sent = 0;
    memset(&L->pos, 0, sizeof L->pos);
    if (!L->list && L->items[0].dar != DLMS_DAR_SUCCESS) {
        get_response_dar(c, o, L->invoke, L->items[0].dar);
        return;
    }
    size_t room = block_room(c);
    axdr_w_window(&w, c->rsp + DATA_OFF, room, 0);
    int r = stream_fill(m, c, &w);
    if (r < 0) {
        get_response_dar(c, o, L->invoke, (uint8_t)dar_of(r));
        return;
    }
    size_t dlen = axdr_w_len(&w);
    if (r == 1) { /* whole: GET-Response-Normal / -With-List */
        size_t hl = L->list ? 3 : 4;
        uint8_t *p = c->rsp + DATA_OFF - hl;
        p[0] = DLMS_GET_RSP;
        p[1] = L->list ? 3 : 1;
        p[2] = L->invoke;
        if (!L->list)
            p[3] = 0; /* Data */
        o->off = DATA_OFF - hl;
        o->len = hl + dlen;
        return;
    }
    if (!(c->conformance & DLMS_CONF_BLOCK_GET)) {
        get_response_dar(c, o, L->invoke, DLMS_DAR_OTHER); /* too long without block transfer */
        return;
    }
    L->active = 1;
    L->block = 1;
    L->sent = (uint32_t)dlen;
    out_block(c, o, L->invoke, false, 1, dlen, -1);
}

static void get_next(const struct meter *m, struct dlms_ctx *c, struct out *o, uint8_t invoke, uint32_t block)
{
    struct dlms_long *L = &c->lg;
    struct axdr_w w;
    if (!L->active) {
        out_block(c, o, invoke, true, block, 0, DLMS_DAR_NO_LONG_GET);
        return;
    }
    if (block != L->block) {
        L->active = 0;
        out_block(c, o, invoke, true, block, 0, DLMS_DAR_BLOCK_NUMBER_INVALID);
        return;
    }
    axdr_w_window(&w, c->rsp + DATA_OFF, block_room(c), L->sent);
    int r = stream_fill(m, c, &w);
    L->block++;
    if (r < 0) {
        L->active = 0;
        out_block(c, o, invoke, true, L->block, 0, DLMS_DAR_LONG_GET_ABORTED);
        return;
    }
    size_t dlen = axdr_w_len(&w);
    L->sent += (uint32_t)dlen;
    if (r == 1)
        L->active = 0;
    out_block(c, o, invoke, r == 1, L->block, dlen, -1);
}

static int serve_get(struct meter *m, struct dlms_ctx *c, const uint8_t *p, size_t n, struct out *o)
{
    struct axdr_r r;
    struct dlms_long *L = &c->lg;
    axdr_r_init(&r, p + 1, n - 1);
    uint8_t type = axdr_get_byte(&r);
    uint8_t invoke = axdr_get_byte(&r);
    if (r.err)
        goto malformed;
    if (type == 2) { /* GET-Request-Next */
        uint32_t block = (uint32_t)axdr_get_be(&r, 4);
        if (r.err || axdr_r_left(&r) != 0)
            goto malformed;
        get_next(m, c, o, invoke, block);
        return METER_OK;
    }
    if (type != 1 && type != 3)
        goto malformed;
    L->active = 0; /* a new request ends a long GET */
    c->ls.active = 0; /* and a long SET or ACTION */
    L->invoke = invoke;
    L->list = type == 3;
    if (type == 1) {
        struct dlms_access a;
        L->n = 1;
        if (dlms_ref_get(&r, &L->items[0].ref, &a, true) < 0 || axdr_r_left(&r) != 0)
            goto malformed;
        item_prepare(m, c, &L->items[0], &a);
    } else {
        uint32_t cnt = axdr_get_len(&r);
        if (r.err || cnt == 0)
            goto malformed;
        if (cnt > METER_DLMS_LIST_MAX || !(c->conformance & DLMS_CONF_MULTIPLE_REFS)) {
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OTHER, 0);
            return METER_OK;
        }
        L->n = (uint8_t)cnt;
        for (uint32_t k = 0; k < cnt; k++) {
            struct dlms_access a;
            if (dlms_ref_get(&r, &L->items[k].ref, &a, true) < 0)
                goto malformed;
            item_prepare(m, c, &L->items[k], &a);
        }
        if (axdr_r_left(&r) != 0)
            goto malformed;
    }
    get_start(m, c, o);
    return METER_OK;
malformed:
    L->active = 0;
    refuse_log(m, c, DLMS_REF_MALFORMED);
    out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
    return METER_OK;
}

/* ---- SET and ACTION ---------------------------------------------------------- */
/*
 * Every SET and ACTION reaches the object table through cosem_set() /
 * cosem_action() (src/cosem/cosem_set.c), which call obj_write() /
 * obj_action(): rights, the calibration seal, the metrological log and the
 * audit record are theirs. The server adds the association's rules: the
 * public client sets and executes nothing, the server's own objects
 * (association, security setup ...) are not written through SET, and the
 * client's SAP goes into the audit record (m->client while it is served).
 */

/* Where a long SET/ACTION gathers its raw data in c->rsp: behind the
 * largest answer a block gets (with list: 5 + METER_DLMS_LIST_MAX + 4
 * bytes at DATA_OFF, and the ciphering tag). */
#define LONG_OFF (DATA_OFF + 16u + METER_DLMS_LIST_MAX + DLMS_TAG_LEN)

/* The level a request is served at: the association's, and for the
 * management client with the calibration switch closed the calibration
 * level (as port.c's session_access). */
static enum meter_access req_acc(const struct meter *m, const struct dlms_ctx *c)
{
    enum meter_access a = (enum meter_access)c->acc;
    if (a >= METER_ACC_MANAGER && m->hal->inputs_read != NULL &&
        (m->hal->inputs_read(m->hal->ctx) & METER_IN_CAL_SWITCH))
        return METER_ACC_CAL;
    return a;
}

static uint32_t ref_packed(const struct dlms_ref *ref)
{
    return (uint32_t)ref->ln[0] << 24 | (uint32_t)ref->ln[2] << 16 | (uint32_t)ref->ln[3] << 8 | ref->ln[4];
}

/* The row (or the security setup, the one server object with methods
 * beyond the association's) a SET/ACTION names, or the data-access-result
 * refusing it (counted: audit_refusal). */
static int change_target(struct meter *m, const struct dlms_ctx *c, const struct dlms_ref *ref, bool selected,
                         struct dlms_target *t)
{
    enum meter_src src = (enum meter_src)c->src;
    int d = dlms_target_find(m, ref, req_acc(m, c), t);
    bool sec = d == DLMS_DAR_SUCCESS && t->x != NULL && t->x->kind == DLMS_X_SECURITY;
    if (d == DLMS_DAR_SUCCESS && (c->acc < METER_ACC_READER || (t->x != NULL && !sec) || t->f != 0))
        d = DLMS_DAR_READ_WRITE_DENIED; /* public client; the server's objects; a billing period's value */
    else if (d == DLMS_DAR_SUCCESS && selected)
        d = DLMS_DAR_SCOPE_VIOLATED;
    if (d != DLMS_DAR_SUCCESS)
        audit_refusal(m, src, ref_packed(ref), AUDIT_ACCESS);
    return d;
}

static uint8_t set_item(struct meter *m, struct dlms_ctx *c, const struct dlms_ref *ref, bool selected,
                        struct axdr_r *v)
{
    struct dlms_target t;
    int d = change_target(m, c, ref, selected, &t);
    if (d != DLMS_DAR_SUCCESS)
        return (uint8_t)d;
    m->client = c->client_sap;
    enum meter_access acc = req_acc(m, c);
    enum meter_src src = (enum meter_src)c->src;
    d = t.x != NULL ? cosem_sec_set(m, NULL, ref->id, v, acc, src) : cosem_set(m, t.row, ref->id, v, acc, src);
    m->client = 0;
    return (uint8_t)d;
}

/* ret: where return parameters go (may stay empty). */
static uint8_t act_item(struct meter *m, struct dlms_ctx *c, const struct dlms_ref *ref, struct axdr_r *params,
                        struct axdr_w *ret)
{
    struct dlms_target t;
    int d = change_target(m, c, ref, false, &t);
    if (d != DLMS_DAR_SUCCESS)
        return (uint8_t)d;
    m->client = c->client_sap;
    enum meter_access acc = req_acc(m, c);
    enum meter_src src = (enum meter_src)c->src;
    d = t.x != NULL ? cosem_sec_action(m, NULL, ref->id, params, ret, acc, src)
                    : cosem_action(m, t.row, ref->id, params, ret, acc, src);
    m->client = 0;
    return (uint8_t)d;
}

/* The extent of one Data at r as a reader of its own. */
static int one_value(struct axdr_r *r, struct axdr_r *v)
{
    size_t at = r->pos;
    if (axdr_skip(r, AXDR_DEPTH_MAX) < 0)
        return -1;
    axdr_r_init(v, r->p + at, r->pos - at);
    return 0;
}

/* DataBlock-SA: last-block, block-number, raw-data. */
static int datablock_get(struct axdr_r *r, bool *last, uint32_t *block, const uint8_t **raw, uint32_t *len)
{
    uint8_t l = axdr_get_byte(r);
    *block = (uint32_t)axdr_get_be(r, 4);
    *len = axdr_get_len(r);
    *raw = axdr_get_raw(r, *len);
    *last = l != 0;
    return r->err || l > 1 || *raw == NULL || axdr_r_left(r) != 0 ? -1 : 0;
}

/* The references of a with-list request (count, then each). */
static int refs_get(struct axdr_r *r, struct dlms_ctx *c, bool selection, uint8_t *n, bool *selected)
{
    uint32_t cnt = axdr_get_len(r);
    *selected = false;
    if (r->err || cnt == 0)
        return -1;
    if (cnt > METER_DLMS_LIST_MAX || !(c->conformance & DLMS_CONF_MULTIPLE_REFS))
        return 1;
    for (uint32_t k = 0; k < cnt; k++) {
        struct dlms_access a;
        if (dlms_ref_get(r, &c->ls.refs[k], &a, selection) < 0)
            return -1;
        if (selection && a.selector != 0)
            *selected = true;
    }
    *n = (uint8_t)cnt;
    return 0;
}

/* Execute the gathered SET or ACTION list: `r` holds a count and one
 * Data per reference (with list), or one Data. Results at res[]. 0, or -1
 * when the data does not match the references (nothing executed). */
static int long_values(struct axdr_r *r, uint8_t n, bool list, struct axdr_r *vals)
{
    if (list) {
        uint32_t cnt = axdr_get_len(r);
        if (r->err || cnt != n)
            return -1;
    }
    for (unsigned k = 0; k < n; k++)
        if (one_value(r, &vals[k]) < 0)
            return -1;
    return axdr_r_left(r) == 0 ? 0 : -1;
}

/* Gather one block of a long SET/ACTION. 1: the last block is in; 0: more
 * to come; negative: a data-access-result ending it. */
static int long_gather(struct dlms_ctx *c, bool last, uint32_t block, const uint8_t *raw, uint32_t len)
{
    struct dlms_lset *L = &c->ls;
    if (block != L->block + 1u) {
        L->active = 0;
        return -DLMS_DAR_BLOCK_NUMBER_INVALID;
    }
    if (len > sizeof c->rsp - LONG_OFF - L->len) {
        L->active = 0;
        return -DLMS_DAR_LONG_SET_ABORTED;
    }
    memcpy(c->rsp + LONG_OFF + L->len, raw, len);
    L->len += len;
    L->block = block;
    return last ? 1 : 0;
}

/* The end of a long SET: set-response-last-datablock (-with-list). */
static void long_set_end(struct meter *m, struct dlms_ctx *c, struct out *o, int dar)
{
    struct dlms_lset *L = &c->ls;
    uint8_t res[METER_DLMS_LIST_MAX];
    struct axdr_r vals[METER_DLMS_LIST_MAX];
    unsigned n = L->n ? L->n : 1u;
    uint8_t *q = c->rsp + DATA_OFF;
    L->active = 0;
    if (dar == 0) {
        struct axdr_r r;
        axdr_r_init(&r, c->rsp + LONG_OFF, L->len);
        if (long_values(&r, L->n, L->list, vals) < 0)
            dar = DLMS_DAR_TYPE_UNMATCHED;
    }
    for (unsigned k = 0; k < n; k++)
        res[k] = (uint8_t)(dar != 0 ? dar : L->refused ? DLMS_DAR_SCOPE_VIOLATED
                                                      : set_item(m, c, &L->refs[k], false, &vals[k]));
    if (dar != 0 || L->refused)
        audit_refusal(m, (enum meter_src)c->src, L->n ? ref_packed(&L->refs[0]) : 0, AUDIT_VALUE);
    size_t i = 0;
    q[i++] = DLMS_SET_RSP;
    q[i++] = L->list ? 4 : 3;
    q[i++] = L->invoke;
    if (L->list) {
        q[i++] = (uint8_t)n;
        memcpy(q + i, res, n);
        i += n;
    } else {
        q[i++] = res[0];
    }
    for (unsigned k = 0; k < 4; k++)
        q[i++] = (uint8_t)(L->block >> (24 - 8 * k));
    o->off = DATA_OFF;
    o->len = i;
}

static void block_ack(struct dlms_ctx *c, struct out *o, uint8_t tag, uint8_t type)
{
    uint8_t *q = c->rsp + DATA_OFF;
    q[0] = tag;
    q[1] = type;
    q[2] = c->ls.invoke;
    for (unsigned k = 0; k < 4; k++)
        q[3 + k] = (uint8_t)(c->ls.block >> (24 - 8 * k));
    o->off = DATA_OFF;
    o->len = 7;
}

/* The first block of a long SET (svc DLMS_SET_REQ) or ACTION: the
 * reference (one, or a list; a SET's may carry a selection, refused when
 * the value is complete), then the block, which the association gathers
 * from here on. 0: taken (the block in last/block/raw/len), 1: answered (an
 * exception in o), -1: malformed. */
static int long_first(struct dlms_ctx *c, struct axdr_r *r, struct out *o, uint8_t svc, bool list, uint8_t invoke,
                      bool *last, uint32_t *block, const uint8_t **raw, uint32_t *len)
{
    struct dlms_lset *L = &c->ls;
    bool set = svc == DLMS_SET_REQ;
    uint8_t cnt = 1;
    bool sel = false;
    if (!list) {
        struct dlms_access a;
        if (dlms_ref_get(r, &L->refs[0], set ? &a : NULL, set) < 0)
            return -1;
        sel = set && a.selector != 0;
    } else {
        int e = refs_get(r, c, set, &cnt, &sel);
        if (e < 0)
            return -1;
        if (e > 0) {
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OTHER, 0);
            return 1;
        }
    }
    if (datablock_get(r, last, block, raw, len) < 0)
        return -1;
    if (!(c->conformance & (set ? DLMS_CONF_BLOCK_SET : DLMS_CONF_BLOCK_ACTION))) {
        out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_SERVICE_NOT_SUPPORTED, 0);
        return 1;
    }
    L->active = svc;
    L->invoke = invoke;
    L->list = list;
    L->n = cnt;
    L->refused = set && sel;
    L->block = 0;
    L->len = 0;
    return 0;
}

static int serve_set(struct meter *m, struct dlms_ctx *c, const uint8_t *p, size_t n, struct out *o)
{
    struct axdr_r r, v[METER_DLMS_LIST_MAX];
    struct dlms_ref ref;
    struct dlms_access a;
    struct dlms_lset *L = &c->ls;
    uint8_t *q = c->rsp + DATA_OFF;
    bool last;
    uint32_t block, len;
    const uint8_t *raw;
    axdr_r_init(&r, p + 1, n - 1);
    uint8_t type = axdr_get_byte(&r);
    uint8_t invoke = axdr_get_byte(&r);
    if (r.err)
        goto malformed;
    if (type != 3)
        L->active = 0; /* any other request ends a long SET */
    o->off = DATA_OFF;
    q[0] = DLMS_SET_RSP;
    q[2] = invoke;
    switch (type) {
    case 1: /* normal */
        if (dlms_ref_get(&r, &ref, &a, true) < 0 || one_value(&r, &v[0]) < 0 || axdr_r_left(&r) != 0)
            goto malformed;
        q[1] = 1;
        q[3] = set_item(m, c, &ref, a.selector != 0, &v[0]);
        o->len = 4;
        return METER_OK;
    case 4: { /* with list */
        uint8_t cnt = 0;
        bool sel;
        int e = refs_get(&r, c, true, &cnt, &sel);
        if (e < 0)
            goto malformed;
        if (e > 0) {
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OTHER, 0);
            return METER_OK;
        }
        if (long_values(&r, cnt, true, v) < 0)
            goto malformed;
        q[1] = 5;
        q[3] = cnt;
        for (unsigned k = 0; k < cnt; k++)
            q[4 + k] = set_item(m, c, &L->refs[k], sel, &v[k]);
        o->len = 4u + cnt;
        return METER_OK;
    }
    case 2:   /* with first datablock */
    case 5: { /* with list and first datablock */
        int e = long_first(c, &r, o, DLMS_SET_REQ, type == 5, invoke, &last, &block, &raw, &len);
        if (e < 0)
            goto malformed;
        if (e > 0)
            return METER_OK;
        break;
    }
    case 3: /* with datablock */
        if (datablock_get(&r, &last, &block, &raw, &len) < 0)
            goto malformed;
        if (L->active != DLMS_SET_REQ) {
            L->active = 0;
            q[1] = 3;
            q[3] = DLMS_DAR_NO_LONG_SET;
            for (unsigned k = 0; k < 4; k++)
                q[4 + k] = (uint8_t)(block >> (24 - 8 * k));
            o->len = 8;
            return METER_OK;
        }
        L->invoke = invoke;
        break;
    default:
        goto malformed;
    }
    int g = long_gather(c, last, block, raw, len);
    if (g == 0)
        block_ack(c, o, DLMS_SET_RSP, 2); /* set-response-datablock */
    else
        long_set_end(m, c, o, g < 0 ? -g : 0);
    return METER_OK;
malformed:
    L->active = 0;
    refuse_log(m, c, DLMS_REF_MALFORMED);
    out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
    return METER_OK;
}

/* reply_to_HLS_authentication (class 15, method 1): the client's
 * f(StoC) = SC || IC || GMAC(SC || AK || StoC); ours is f(CtoS). */
static int hls_reply(struct meter *m, struct dlms_ctx *c, struct axdr_r *r, uint8_t invoke, struct out *o)
{
    uint8_t *q = c->rsp + DATA_OFF;
    const uint8_t *f = NULL;
    uint32_t flen = 0;
    if (axdr_get_byte(r) == 1)
        f = axdr_get_octets(r, 0, &flen);
    q[0] = DLMS_ACTION_RSP;
    q[1] = 1;
    q[2] = invoke;
    o->off = DATA_OFF;
    uint8_t tag[DLMS_TAG_LEN];
    bool ok = f != NULL && !r->err && axdr_r_left(r) == 0 && flen == 5 + DLMS_TAG_LEN && f[0] == DLMS_SC_AUTH;
    if (ok) {
        uint32_t ic = (uint32_t)f[1] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[3] << 8 | f[4];
        ok = dlms_sec_gmac(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, c->client_title, ic, c->stoc, sizeof c->stoc,
                           tag) == 0 &&
             aes_equal_ct(tag, f + 5, DLMS_TAG_LEN);
    }
    uint32_t tic;
    uint8_t title[DLMS_TITLE_LEN];
    dlms_system_title(m, title);
    if (!ok || ic_tx_take(m, &tic) < 0 ||
        dlms_sec_gmac(m->hal, m->proto.dlms.keys.ek, m->proto.dlms.keys.ak, title, tic, c->ctos, c->ctos_len, tag) < 0) {
        refuse_log(m, c, DLMS_REF_KEY);
        q[3] = DLMS_DAR_OTHER;
        q[4] = 0;
        o->len = 5;
        /* the answer still goes out ciphered; then the association is gone */
        c->state = DLMS_IDLE;
        c->acc = METER_ACC_NONE;
        return 1;
    }
    c->state = DLMS_ASSOCIATED;
    c->acc = METER_ACC_MANAGER;
    audit_login(m, (enum meter_src)c->src, METER_ACC_MANAGER);
    q[3] = 0;    /* success */
    q[4] = 1;    /* return parameters */
    q[5] = 0;    /* Data */
    q[6] = AXDR_OCTETS;
    q[7] = 5 + DLMS_TAG_LEN;
    q[8] = DLMS_SC_AUTH;
    q[9] = (uint8_t)(tic >> 24);
    q[10] = (uint8_t)(tic >> 16);
    q[11] = (uint8_t)(tic >> 8);
    q[12] = (uint8_t)tic;
    memcpy(q + 13, tag, DLMS_TAG_LEN);
    o->len = 13 + DLMS_TAG_LEN;
    return 0;
}

/* Action-Response-With-Optional-Data at q: the result, and the return
 * parameters the method wrote at q + 3 (moved there from `ret`). Returns
 * its length. */
static size_t act_result(uint8_t *q, uint8_t res, const struct axdr_w *ret)
{
    size_t rl = ret != NULL ? axdr_w_len(ret) : 0;
    q[0] = res;
    if (rl == 0 || res != 0 || axdr_w_over(ret)) {
        q[1] = 0; /* no return parameters */
        return 2;
    }
    q[1] = 1;
    q[2] = 0; /* Data */
    memmove(q + 3, ret->buf, rl);
    return 3 + rl;
}

/* Execute the n methods of c->ls.refs with the parameters in vals (NULL:
 * none), answer ACTION-Response-Normal or -With-List. Return parameters
 * are allowed for a single method (normal). */
static void act_run(struct meter *m, struct dlms_ctx *c, struct out *o, uint8_t invoke, bool list, unsigned n,
                    struct axdr_r *vals, bool *has, bool gathered)
{
    uint8_t *q = c->rsp + DATA_OFF;
    struct axdr_w ret;
    size_t i = 0;
    q[i++] = DLMS_ACTION_RSP;
    q[i++] = list ? 3 : 1;
    q[i++] = invoke;
    if (list)
        q[i++] = (uint8_t)n;
    for (unsigned k = 0; k < n; k++) {
        /* return parameters are written after the answer's header and moved */
        size_t room = plain_cap(c) > i + 16u ? plain_cap(c) - i - 16u : 0;
        if (gathered) /* the parameters are read from c->rsp + LONG_OFF: stay below them */
            room = LONG_OFF > DATA_OFF + i + 8u ? LONG_OFF - DATA_OFF - i - 8u : 0;
        axdr_w_init(&ret, q + i + 8, list ? 0 : room);
        uint8_t res = act_item(m, c, &c->ls.refs[k], has[k] ? &vals[k] : NULL, &ret);
        i += act_result(q + i, res, &ret);
    }
    o->off = DATA_OFF;
    o->len = i;
}

/* action-response-normal: no-long-action-in-progress (16, the value of
 * no-long-get), no return parameters. */
static void no_long_action(struct dlms_ctx *c, struct out *o, uint8_t invoke)
{
    uint8_t *q = c->rsp + DATA_OFF;
    q[0] = DLMS_ACTION_RSP;
    q[1] = 1;
    q[2] = invoke;
    q[3] = DLMS_DAR_NO_LONG_GET;
    q[4] = 0;
    o->off = DATA_OFF;
    o->len = 5;
}

static int serve_action(struct meter *m, struct dlms_ctx *c, const uint8_t *p, size_t n, struct out *o)
{
    static const uint8_t assoc_ln[6] = {0, 0, 40, 0, 0, 255};
    struct axdr_r r, v[METER_DLMS_LIST_MAX];
    bool has[METER_DLMS_LIST_MAX];
    struct dlms_lset *L = &c->ls;
    uint8_t *q = c->rsp + DATA_OFF;
    bool last;
    uint32_t block, len;
    const uint8_t *raw;
    axdr_r_init(&r, p + 1, n - 1);
    uint8_t type = axdr_get_byte(&r);
    uint8_t invoke = axdr_get_byte(&r);
    if (r.err)
        goto malformed;
    if (type == 1) {
        struct axdr_r h = r;
        struct dlms_ref ref;
        if (dlms_ref_get(&h, &ref, NULL, false) == 0 && ref.ic == 15 && memcmp(ref.ln, assoc_ln, 6) == 0 &&
            ref.id == 1 && c->state == DLMS_PENDING && c->mech == DLMS_MECH_HLS_GMAC) {
            hls_reply(m, c, &h, invoke, o);
            return METER_OK;
        }
    }
    if (c->state != DLMS_ASSOCIATED) {
        out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OPERATION_NOT_POSSIBLE, 0);
        return METER_OK;
    }
    if (type != 6)
        L->active = 0; /* any other request ends a long ACTION */
    memset(has, 0, sizeof has);
    switch (type) {
    case 1: { /* normal */
        if (dlms_ref_get(&r, &L->refs[0], NULL, false) < 0)
            goto malformed;
        uint8_t opt = axdr_get_byte(&r);
        if (r.err || opt > 1 || (opt == 1 && one_value(&r, &v[0]) < 0) || axdr_r_left(&r) != 0)
            goto malformed;
        has[0] = opt == 1;
        act_run(m, c, o, invoke, false, 1, v, has, false);
        return METER_OK;
    }
    case 3: { /* with list: methods, then a SEQUENCE OF Data (every method's parameters) */
        uint8_t cnt = 0;
        bool sel;
        int e = refs_get(&r, c, false, &cnt, &sel);
        if (e < 0)
            goto malformed;
        if (e > 0) {
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OTHER, 0);
            return METER_OK;
        }
        if (long_values(&r, cnt, true, v) < 0)
            goto malformed;
        for (unsigned k = 0; k < cnt; k++)
            has[k] = true;
        act_run(m, c, o, invoke, true, cnt, v, has, false);
        return METER_OK;
    }
    case 2: /* next-pblock: this server never answers in blocks */
        no_long_action(c, o, invoke);
        return METER_OK;
    case 4:   /* with first pblock */
    case 5: { /* with list and first pblock */
        int e = long_first(c, &r, o, DLMS_ACTION_REQ, type == 5, invoke, &last, &block, &raw, &len);
        if (e < 0)
            goto malformed;
        if (e > 0)
            return METER_OK;
        break;
    }
    case 6: /* with pblock */
        if (datablock_get(&r, &last, &block, &raw, &len) < 0)
            goto malformed;
        if (L->active != DLMS_ACTION_REQ) {
            L->active = 0;
            no_long_action(c, o, invoke);
            return METER_OK;
        }
        L->invoke = invoke;
        break;
    default:
        goto malformed;
    }
    int g = long_gather(c, last, block, raw, len);
    if (g == 0) {
        block_ack(c, o, DLMS_ACTION_RSP, 4); /* action-response-next-pblock */
        return METER_OK;
    }
    L->active = 0;
    struct axdr_r all;
    axdr_r_init(&all, c->rsp + LONG_OFF, L->len);
    if (g < 0 || long_values(&all, L->n, L->list, v) < 0) {
        /* long-action-aborted (17) for every method */
        audit_refusal(m, (enum meter_src)c->src, ref_packed(&L->refs[0]), AUDIT_VALUE);
        size_t i = 0;
        q[i++] = DLMS_ACTION_RSP;
        q[i++] = L->list ? 3 : 1;
        q[i++] = L->invoke;
        if (L->list)
            q[i++] = L->n;
        for (unsigned k = 0; k < L->n; k++) {
            q[i++] = DLMS_DAR_LONG_SET_ABORTED;
            q[i++] = 0;
        }
        o->off = DATA_OFF;
        o->len = i;
        return METER_OK;
    }
    for (unsigned k = 0; k < L->n; k++)
        has[k] = true;
    act_run(m, c, o, L->invoke, L->list, L->n, v, has, true);
    return METER_OK;
malformed:
    L->active = 0;
    refuse_log(m, c, DLMS_REF_MALFORMED);
    out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
    return METER_OK;
}

/* ---- xDLMS requests -------------------------------------------------------------- */

static int serve_xdlms(struct meter *m, struct dlms_ctx *c, size_t n, struct out *o)
{
    uint8_t *p = c->req;
    uint8_t tag = p[0];
    uint8_t rtag = rsp_tag_of(tag);
    if (c->state == DLMS_IDLE) {
        out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OPERATION_NOT_POSSIBLE, 0);
        return METER_OK;
    }
    if (rtag != 0) { /* ciphered */
        struct axdr_r r;
        uint8_t sc;
        uint32_t ic;
        size_t plen;
        if (!c->cipher || (tag >= DLMS_DED_GET_REQ && !c->has_ded)) {
            refuse_log(m, c, DLMS_REF_POLICY);
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_SERVICE_NOT_SUPPORTED, 0);
            return METER_OK;
        }
        axdr_r_init(&r, p + 1, n - 1);
        uint32_t len = axdr_get_len(&r);
        if (r.err || len != axdr_r_left(&r)) {
            refuse_log(m, c, DLMS_REF_MALFORMED);
            out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
            return METER_OK;
        }
        uint8_t *body = p + 1 + r.pos;
        const uint8_t *ek = tag >= DLMS_DED_GET_REQ ? c->ded_key : m->proto.dlms.keys.ek;
        int e = dlms_sec_open(m->hal, ek, m->proto.dlms.keys.ak, c->client_title, body, len, &sc, &ic, &plen);
        if (e < 0) {
            refuse_log(m, c, e == METER_ENOTSUP ? DLMS_REF_POLICY : DLMS_REF_KEY);
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_DECIPHERING, 0);
            return METER_OK;
        }
        if (ic_rx_accept(m, ic) < 0) {
            refuse_log(m, c, DLMS_REF_REPLAY);
            out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_INVOCATION_COUNTER,
                          m->proto.dlms.ic_rx_next);
            return METER_OK;
        }
        /* the plaintext must be the service the ciphered tag names */
        uint8_t inner = plen > 0 ? body[5] : 0;
        uint8_t want = (uint8_t)(tag == DLMS_GLO_GET_REQ || tag == DLMS_DED_GET_REQ ? DLMS_GET_REQ
                                 : tag == DLMS_GLO_SET_REQ || tag == DLMS_DED_SET_REQ ? DLMS_SET_REQ
                                                                                        : DLMS_ACTION_REQ);
        if (inner != want || plen < 3) {
            refuse_log(m, c, DLMS_REF_MALFORMED);
            out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
            return METER_OK;
        }
        c->rsp_tag = rtag;
        p = body + 5;
        n = plen;
        tag = inner;
    } else if (c->cipher && (tag == DLMS_GET_REQ || tag == DLMS_SET_REQ || tag == DLMS_ACTION_REQ)) {
        refuse_log(m, c, DLMS_REF_POLICY);
        out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OPERATION_NOT_POSSIBLE, 0);
        return METER_OK;
    }
    if (n < 3 && (tag == DLMS_GET_REQ || tag == DLMS_SET_REQ || tag == DLMS_ACTION_REQ)) {
        refuse_log(m, c, DLMS_REF_MALFORMED);
        out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_OTHER, 0);
        return METER_OK;
    }
    bool ciphered = rtag != 0;
    if (c->state == DLMS_PENDING && tag != DLMS_ACTION_REQ) {
        out_exception(c, o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OPERATION_NOT_POSSIBLE, 0);
        return METER_OK;
    }
    int r;
    switch (tag) {
    case DLMS_GET_REQ: r = serve_get(m, c, p, n, o); break;
    case DLMS_SET_REQ: r = serve_set(m, c, p, n, o); break;
    case DLMS_ACTION_REQ: r = serve_action(m, c, p, n, o); break;
    default:
        refuse_log(m, c, DLMS_REF_MALFORMED);
        out_exception(c, o, DLMS_STATE_SERVICE_UNKNOWN, DLMS_SERR_SERVICE_NOT_SUPPORTED, 0);
        return METER_OK;
    }
    o->cipher = ciphered && !o->exc;
    return r;
}

int dlms_serve(struct meter *m, struct dlms_ctx *c, size_t n, const uint8_t **rsp, size_t *rsp_len)
{
    struct out o = {0, 0, false, false};
    int r = METER_OK;
    *rsp_len = 0;
    if (c == NULL || !c->used) {
        *rsp = NULL;
        return METER_EINVAL;
    }
    *rsp = c->rsp;
    if (n > sizeof c->req) {
        out_exception(c, &o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_PDU_TOO_LONG, 0);
    } else if (n == 0) {
        return METER_OK;
    } else {
        switch (c->req[0]) {
        case DLMS_AARQ:
            c->ls.active = 0; /* its answer is written where a long SET gathers */
            r = serve_aarq(m, c, n, &o);
            break;
        case DLMS_RLRQ: r = serve_rlrq(m, c, n, &o); break;
        default: r = serve_xdlms(m, c, n, &o); break;
        }
    }
    if (o.cipher) {
        int e = seal(m, c, &o);
        if (e < 0) {
            out_exception(c, &o, DLMS_STATE_SERVICE_NOT_ALLOWED, DLMS_SERR_OTHER, 0);
            r = e;
        }
    }
    *rsp = c->rsp + o.off;
    *rsp_len = o.len;
    return r;
}
