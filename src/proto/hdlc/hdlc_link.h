/*
 * hdlc_link.h — the meter's (secondary station's) side of the HDLC data
 * link of IEC 62056-46, as a pure state machine over a byte stream: no
 * port, no clock of its own, no application. The HDLC driver (hdlc.c)
 * feeds it the received bytes with the time, acts on the events it
 * returns (a client connects, a request APDU is complete, the link ends)
 * and sends the pieces it produces.
 *
 * Normal response mode: the client polls (P bit), the meter answers with
 * the F bit on the last frame of its answer and never speaks unasked.
 *   SNRM        -> UA with the negotiated information field lengths and
 *                  window sizes (or DM when the application refuses)
 *   DISC        -> UA (connected) or DM; the association ends at once
 *   I-frames    -> N(S)/N(R) modulo 8; segments (S bit) of a request are
 *                  reassembled in place, straight into the application's
 *                  request buffer; RR acknowledges each polled segment
 *   response    -> I-frames of at most the negotiated length, up to the
 *                  negotiated window, then waits for RR; go-back-N from the
 *                  client's N(R) on a lost frame or a repeated request
 *   RR / RNR    -> acknowledgement, poll, busy client
 *   other       -> FRMR (undefined control, information field too long,
 *                  invalid N(R)); frames with a bad HCS/FCS, for another
 *                  address or garbage: silence
 *
 * Zero copy both ways: the information field of an I-frame goes from the
 * received bytes into the request buffer (only the LLC header and the
 * frame header are kept here), and a response leaves as three pieces per
 * frame: a header built here, a slice of the application's response APDU
 * where it lies, and the FCS with the closing flag.
 */
#ifndef TRIMETER_HDLC_LINK_H
#define TRIMETER_HDLC_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/hdlc/hdlc_frame.h"
#include "trimeter/meter_opts.h"

/* The logical device the meter answers for (the management logical
 * device; the meter has no other). */
#define HDLC_LOGICAL_DEVICE 1u

/* Configuration of the link (the HDLC driver's configuration section). */
struct hdlc_cfg {
    uint16_t phys;           /* physical device address (lower HDLC address), 17 */
    uint16_t info_max;       /* largest information field offered both ways, 32..2030 */
    uint16_t inter_octet_ms; /* a half frame is dropped after this silence */
    uint16_t inactivity_s;   /* the link ends after this long without a valid frame */
    uint8_t window;          /* window size offered both ways, 1..7 */
    uint8_t version;         /* layout of this struct (configuration section) */
};

void hdlc_cfg_default(struct hdlc_cfg *c);
bool hdlc_cfg_valid(const struct hdlc_cfg *c);

enum hdlc_mode {
    HDLC_NDM = 0, /* normal disconnected mode */
    HDLC_NRM = 1, /* connected (normal response mode) */
    HDLC_FRMR = 2 /* frame reject condition: only SNRM or DISC get it out */
};

enum hdlc_ev_type {
    HDLC_EV_NONE = 0,
    HDLC_EV_CONNECT,   /* a SNRM: answer with hdlc_link_accept() or _refuse() */
    HDLC_EV_APDU,      /* a request APDU of ev.len bytes is in the request buffer:
                          answer with hdlc_link_respond() (length 0 = none);
                          ev.len > the buffer: it did not fit (counted, not
                          all kept), the application refuses it */
    HDLC_EV_DISCONNECT /* DISC, or a SNRM replacing the connection: the
                          association ends now */
};

struct hdlc_ev {
    uint8_t type;     /* enum hdlc_ev_type */
    uint8_t client;   /* client SAP (CONNECT) */
    uint16_t logical; /* logical device addressed (CONNECT) */
    size_t len;       /* APDU length (APDU) */
    bool valid;       /* a valid frame for the meter arrived (inactivity timer) */
};

/* Bytes of the header buffer: a whole S/U frame with the UA parameters,
 * or the header of an I-frame with the LLC header. */
#define HDLC_TXH_MAX (1u + HDLC_HDR_MAX + HDLC_PARAMS_MAX + 3u)
/* Information fields of frames other than I-frames that are kept (SNRM
 * parameters); longer ones are refused. */
#define HDLC_SMALL_MAX 32u

struct hdlc_link {
    /* copy of the configuration taken at init */
    uint16_t phys, info_max, inter_octet_ms;
    uint8_t window;
    /* connection */
    uint8_t mode;            /* enum hdlc_mode */
    uint8_t client;          /* client address of the connection */
    struct hdlc_addr srv;    /* the server address as the client writes it (echoed) */
    uint8_t vs, vr, va, vh;  /* V(S), V(R), oldest unacknowledged N(S), highest sent + 1 */
    uint8_t win_tx, win_rx;
    uint16_t info_tx, info_rx;
    bool polled;             /* a P bit waits for the frame with the F bit */
    bool busy;               /* the client said RNR */
    uint8_t frmr[3];         /* information field of the FRMR being reported */
    /* connection being offered (between EV_CONNECT and accept/refuse) */
    uint8_t pend_client;
    struct hdlc_addr pend_srv;
    struct hdlc_params pend;
    /* receiver */
    uint8_t rx;              /* receiver state (hdlc_link.c) */
    uint8_t hlen;            /* header bytes in hdr[] */
    uint8_t hdr[HDLC_HDR_MAX];
    uint8_t to;              /* where the information field goes (hdlc_link.c) */
    uint8_t fcs_got;         /* FCS bytes received */
    uint16_t flen;           /* frame length from the format field */
    uint16_t fpos;           /* bytes of the frame received after the opening flag */
    uint16_t ipos;           /* information bytes of the frame received */
    uint16_t crc;            /* running CRC over format .. info */
    struct hdlc_addr dst, src;
    uint8_t ctl;
    bool seg;                /* segmentation bit of the frame being received */
    uint8_t fcs[2];
    uint8_t nrep;            /* header bytes to look at again after a false start */
    uint8_t rep[HDLC_HDR_MAX];
    uint32_t last_rx_ms;
    /* request APDU */
    uint8_t *rq;             /* the application's request buffer */
    size_t rq_cap;
    size_t rq_len;           /* bytes of the request reassembled so far */
    bool rq_cont;            /* a segmented request is under way */
    bool rq_over;            /* it did not fit: its length is counted, not kept */
    bool rx_first;           /* the frame being received starts a request */
    bool rx_store;           /* and its information is kept */
    uint8_t small[HDLC_SMALL_MAX];
    /* response APDU */
    const uint8_t *rs;       /* NULL: none */
    size_t rs_len;
    uint16_t nseg, seg_acked, seg_next;
    /* transmitter */
    uint8_t out;             /* S/U frame to send (control byte), 0 = none */
    bool ua_params;          /* that UA carries the negotiated parameters */
    uint8_t out_dst;         /* its addresses: the client ... */
    struct hdlc_addr out_src; /* ... and the server address the client used */
    uint8_t txstep;          /* piece of the frame being sent (hdlc_link.c) */
    const uint8_t *tx_info;  /* information of that frame in the response APDU */
    size_t tx_info_len;
    uint8_t txh_len;
    uint8_t txh[HDLC_TXH_MAX];
    uint8_t txt[3];          /* FCS and closing flag */
};

/* Disconnected, hunting for a flag. */
void hdlc_link_init(struct hdlc_link *l, const struct hdlc_cfg *cfg);

/* Take received bytes (now: ms clock for the inter-octet timeout). Stops
 * after the frame that raises an event (ev->type != NONE), which the
 * caller answers before feeding the rest. Returns the bytes taken; 0 with
 * no event when the link is disconnected and buf[0] starts no frame (the
 * bytes may belong to another protocol). */
size_t hdlc_link_rx(struct hdlc_link *l, const uint8_t *buf, size_t n, uint32_t now, struct hdlc_ev *ev);

/* Answers to the events. accept: connect with the negotiated parameters
 * (UA); requests are reassembled into rq (cap bytes). refuse: DM, stay
 * disconnected. respond: the response APDU to the last request (rsp stays
 * unchanged until acknowledged, a new request arrives or the link ends);
 * length 0: none (the poll gets RR). */
void hdlc_link_accept(struct hdlc_link *l, uint8_t *rq, size_t cap);
void hdlc_link_refuse(struct hdlc_link *l);
void hdlc_link_respond(struct hdlc_link *l, const uint8_t *rsp, size_t len);

/* The next piece to send (its length; 0 = nothing now). The caller hands
 * it to the line before asking again: the header and trailer buffers are
 * reused by the next frame. */
size_t hdlc_link_tx(struct hdlc_link *l, const uint8_t **p);

/* The link ends without a word (line drop, inactivity): disconnected. */
void hdlc_link_drop(struct hdlc_link *l);

bool hdlc_link_connected(const struct hdlc_link *l);
/* The negotiated parameters, from the meter's point of view. */
void hdlc_link_params(const struct hdlc_link *l, struct hdlc_params *p);

#endif
