/*
 * wrapper.h — the DLMS/COSEM transport over TCP (IEC 62056-47, the
 * "wrapper"): every APDU travels behind an 8-byte header
 *
 *   version 0x0001 | source wPort | destination wPort | length   (big-endian)
 *
 * wPorts are the SAPs: the client's (16 public, 17 reader, 1 management)
 * and the logical device's (1). There is no link layer below it: TCP
 * delivers the bytes, the header delimits the APDUs, and each TCP
 * connection is a session of its own with its own association.
 *
 * As with HDLC, a pure state machine over the received bytes that returns
 * events; the driver (wrapper_drv.c) connects it to a port session and
 * the DLMS application. The APDU goes from the received bytes straight
 * into the application's request buffer; the response leaves as two
 * pieces, the header built here and the APDU where the application has
 * it.
 */
#ifndef TRIMETER_WRAPPER_H
#define TRIMETER_WRAPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WRAPPER_VERSION 1u
#define WRAPPER_HDR_LEN 8u

struct wrapper_hdr {
    uint16_t version, src, dst, len;
};

void wrapper_hdr_encode(uint8_t *out, uint16_t src, uint16_t dst, uint16_t len);
void wrapper_hdr_decode(const uint8_t *in, struct wrapper_hdr *h);

enum wrapper_ev_type {
    WRAPPER_EV_NONE = 0,
    WRAPPER_EV_OPEN,  /* first APDU of a client (or another client than before):
                         answer wrapper_accept() or wrapper_refuse() */
    WRAPPER_EV_APDU,  /* an APDU of ev.len bytes is in the request buffer:
                         answer wrapper_respond() (length 0 = none); ev.len
                         > the buffer: it did not fit (not kept), the
                         application refuses it */
    WRAPPER_EV_ERROR  /* not the wrapper (version): the stream is lost */
};

struct wrapper_ev {
    uint8_t type;
    uint16_t client;  /* source wPort (OPEN) */
    uint16_t logical; /* destination wPort (OPEN) */
    size_t len;
    bool valid;       /* a whole valid header arrived (inactivity timer) */
};

struct wrapper {
    uint8_t rx;          /* receiver state (wrapper.c) */
    uint8_t hlen;
    uint8_t hdr[WRAPPER_HDR_LEN];
    uint16_t len, got;   /* APDU being received */
    bool over;           /* longer than the request buffer: counted, not kept */
    bool open;           /* an association is open for `client` */
    uint16_t client, logical;
    uint16_t pend_client, pend_logical;
    uint8_t *rq;
    size_t rq_cap;
    /* transmitter */
    uint8_t txstep;
    uint8_t txh[WRAPPER_HDR_LEN];
    const uint8_t *rs;
    size_t rs_len;
};

void wrapper_init(struct wrapper *w);
/* Take received bytes; stops after an event. Returns the bytes taken. */
size_t wrapper_rx(struct wrapper *w, const uint8_t *buf, size_t n, struct wrapper_ev *ev);
/* Answers to OPEN: an association for the client (requests into rq, cap
 * bytes) or none (its APDUs are dropped unanswered). */
void wrapper_accept(struct wrapper *w, uint8_t *rq, size_t cap);
void wrapper_refuse(struct wrapper *w);
/* Answer to APDU: the response (rsp unchanged until sent), or none. */
void wrapper_respond(struct wrapper *w, const uint8_t *rsp, size_t len);
/* Next piece to send (its length, 0 = none); as hdlc_link_tx. */
size_t wrapper_tx(struct wrapper *w, const uint8_t **p);

#endif
