/*
 * wrapper.c — IEC 62056-47 TCP wrapper: header codec and receiver.
 */
#include "proto/wrapper/wrapper.h"

#include <string.h>

#include "proto/hdlc/hdlc_link.h" /* HDLC_LOGICAL_DEVICE */

enum wrapper_rxstate {
    WRX_HDR = 0, /* gathering a header */
    WRX_BODY,    /* APDU into the request buffer */
    WRX_SKIP,    /* APDU not taken (other wPort, no association, too long) */
    WRX_LOST     /* not the wrapper: everything is dropped */
};

enum wrapper_txstep { WTX_IDLE = 0, WTX_HDR, WTX_BODY };

void wrapper_hdr_encode(uint8_t *out, uint16_t src, uint16_t dst, uint16_t len)
{
    out[0] = 0;
    out[1] = WRAPPER_VERSION;
    out[2] = (uint8_t)(src >> 8);
    out[3] = (uint8_t)src;
    out[4] = (uint8_t)(dst >> 8);
    out[5] = (uint8_t)dst;
    out[6] = (uint8_t)(len >> 8);
    out[7] = (uint8_t)len;
}

void wrapper_hdr_decode(const uint8_t *in, struct wrapper_hdr *h)
{
    h->version = (uint16_t)((in[0] << 8) | in[1]);
    h->src = (uint16_t)((in[2] << 8) | in[3]);
    h->dst = (uint16_t)((in[4] << 8) | in[5]);
    h->len = (uint16_t)((in[6] << 8) | in[7]);
}

void wrapper_init(struct wrapper *w)
{
    memset(w, 0, sizeof *w);
}

/* An APDU of the open association follows: into the request buffer, or,
 * longer than that, counted and handed over as too long (the application
 * refuses it: dlms.h). */
static void wrapper_take(struct wrapper *w)
{
    /* A request while the last response is still going out (the client
     * does not wait): dropped, its answer could not be queued behind the
     * one in flight. */
    if (w->rq == NULL || w->txstep != WTX_IDLE || w->rs != NULL)
        return;
    w->over = w->len > w->rq_cap;
    w->rx = w->over ? WRX_SKIP : WRX_BODY;
}

/* A header is complete: decide where the APDU goes. */
static void wrapper_header(struct wrapper *w, struct wrapper_ev *ev)
{
    struct wrapper_hdr h;
    wrapper_hdr_decode(w->hdr, &h);
    w->hlen = 0;
    if (h.version != WRAPPER_VERSION) {
        w->rx = WRX_LOST;
        ev->type = WRAPPER_EV_ERROR;
        return;
    }
    ev->valid = true;
    w->len = h.len;
    w->got = 0;
    w->over = false;
    w->rx = WRX_SKIP;
    if (h.dst != HDLC_LOGICAL_DEVICE || h.src == 0 || h.src > 0x7Fu || h.len == 0)
        return; /* not for the meter's logical device, no client SAP, empty */
    if (!w->open || h.src != w->client) {
        /* first APDU, or another client on this connection: the
         * association is the application's to open (and to close) */
        w->open = false;
        w->rq = NULL;
        w->pend_client = h.src;
        w->pend_logical = h.dst;
        ev->type = WRAPPER_EV_OPEN;
        ev->client = h.src;
        ev->logical = h.dst;
        return;
    }
    wrapper_take(w);
}

size_t wrapper_rx(struct wrapper *w, const uint8_t *buf, size_t n, struct wrapper_ev *ev)
{
    memset(ev, 0, sizeof *ev);
    size_t i = 0;
    while (i < n) {
        switch (w->rx) {
        case WRX_HDR:
            w->hdr[w->hlen++] = buf[i++];
            if (w->hlen == WRAPPER_HDR_LEN) {
                wrapper_header(w, ev);
                if (ev->type != WRAPPER_EV_NONE)
                    return i;
            }
            break;
        case WRX_BODY:
        case WRX_SKIP: {
            size_t k = (size_t)(w->len - w->got);
            if (k > n - i)
                k = n - i;
            if (w->rx == WRX_BODY)
                memcpy(w->rq + w->got, buf + i, k);
            w->got = (uint16_t)(w->got + k);
            i += k;
            if (w->got == w->len) {
                bool take = w->rx == WRX_BODY || w->over;
                w->rx = WRX_HDR;
                if (take) {
                    ev->type = WRAPPER_EV_APDU;
                    ev->len = w->len;
                    return i;
                }
            }
            break;
        }
        case WRX_LOST:
        default:
            return n;
        }
    }
    return i;
}

void wrapper_accept(struct wrapper *w, uint8_t *rq, size_t cap)
{
    w->open = true;
    w->client = w->pend_client;
    w->logical = w->pend_logical;
    w->rq = rq;
    w->rq_cap = rq != NULL ? cap : 0;
    /* the APDU whose header opened the association follows */
    if (w->rx == WRX_SKIP && w->got == 0)
        wrapper_take(w);
}

void wrapper_refuse(struct wrapper *w)
{
    w->open = false;
    w->rq = NULL;
    w->rq_cap = 0;
}

void wrapper_respond(struct wrapper *w, const uint8_t *rsp, size_t len)
{
    w->rs = NULL;
    w->rs_len = 0;
    if (!w->open || rsp == NULL || len == 0 || len > UINT16_MAX)
        return;
    w->rs = rsp;
    w->rs_len = len;
    wrapper_hdr_encode(w->txh, w->logical, w->client, (uint16_t)len);
}

size_t wrapper_tx(struct wrapper *w, const uint8_t **p)
{
    switch (w->txstep) {
    case WTX_IDLE:
        if (w->rs == NULL)
            return 0;
        w->txstep = WTX_HDR;
        *p = w->txh;
        return WRAPPER_HDR_LEN;
    case WTX_HDR:
        w->txstep = WTX_BODY;
        *p = w->rs;
        return w->rs_len;
    case WTX_BODY:
    default:
        w->txstep = WTX_IDLE;
        w->rs = NULL;
        w->rs_len = 0;
        return 0;
    }
}
