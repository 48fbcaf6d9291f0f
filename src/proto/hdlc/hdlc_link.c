/*
 * hdlc_link.c — HDLC secondary station (IEC 62056-46): receiver, link
 * state machine, segmentation both ways.
 */
#include "proto/hdlc/hdlc_link.h"

#include <string.h>

#include "util/crc.h"

/* Receiver states. */
enum hdlc_rx {
    RX_HUNT = 0, /* looking for a flag */
    RX_FLAG,     /* a flag seen: a frame may start */
    RX_HDR,      /* format .. HCS */
    RX_INFO,
    RX_FCS,
    RX_END       /* the closing flag */
};

/* Where the information field of the frame being received goes. */
enum hdlc_to {
    TO_SKIP = 0, /* not for the meter: skipped by its length, unchecked */
    TO_DROP,     /* for the meter, information not kept (or none) */
    TO_RQ,       /* a segment of a request: into the request buffer (the
                    first one's LLC header aside; nothing once it outgrew
                    the buffer) */
    TO_SMALL,    /* SNRM parameters and the like */
    TO_LONG      /* longer than negotiated: refused once checked */
};

/* Transmitter steps. */
enum hdlc_txstep { TX_IDLE = 0, TX_HDR, TX_INFO, TX_DONE };

/* FRMR reasons (third octet of its information field). */
#define FRMR_W 0x01u /* undefined or not implemented control field */
#define FRMR_X 0x02u /* information field not permitted */
#define FRMR_Y 0x04u /* information field too long */
#define FRMR_Z 0x08u /* invalid N(R) */

void hdlc_cfg_default(struct hdlc_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->phys = 17;
    c->info_max = HDLC_INFO_MAX;
    c->inter_octet_ms = HDLC_INTER_OCTET_MS;
    c->inactivity_s = HDLC_INACTIVITY_S;
    c->window = HDLC_WINDOW_MAX;
    c->version = 1;
}

bool hdlc_cfg_valid(const struct hdlc_cfg *c)
{
    /* physical addresses 0x10..0x3FFD (IEC 62056-46: 0..0x0F reserved,
     * 0x3FFE/0x3FFF calling and broadcast) */
    return c->version == 1 && c->phys >= 0x10u && c->phys <= 0x3FFDu && c->info_max >= 32u &&
           c->info_max <= 2030u && c->window >= 1u && c->window <= 7u && c->inter_octet_ms >= 20u &&
           c->inactivity_s <= 3600u;
}

void hdlc_link_init(struct hdlc_link *l, const struct hdlc_cfg *cfg)
{
    memset(l, 0, sizeof *l);
    l->phys = cfg->phys;
    l->info_max = cfg->info_max;
    l->window = cfg->window;
    l->inter_octet_ms = cfg->inter_octet_ms;
    l->rx = RX_HUNT;
}

bool hdlc_link_connected(const struct hdlc_link *l)
{
    return l->mode != HDLC_NDM;
}

void hdlc_link_params(const struct hdlc_link *l, struct hdlc_params *p)
{
    p->info_tx = l->info_tx;
    p->info_rx = l->info_rx;
    p->win_tx = l->win_tx;
    p->win_rx = l->win_rx;
}

/* Back to disconnected mode; the request and response buffers are
 * forgotten (they belong to the association that ends with the link). */
static void link_reset(struct hdlc_link *l)
{
    l->mode = HDLC_NDM;
    l->vs = l->vr = l->va = l->vh = 0;
    l->polled = l->busy = false;
    l->rq = NULL;
    l->rq_cap = l->rq_len = 0;
    l->rq_cont = l->rq_over = false;
    l->rs = NULL;
    l->rs_len = 0;
    l->nseg = l->seg_acked = l->seg_next = 0;
}

/* An S/U frame answers the frame just received (its addresses swapped). */
static void link_reply(struct hdlc_link *l, uint8_t ctl)
{
    l->out = ctl;
    l->ua_params = false;
    l->out_dst = (uint8_t)l->src.upper;
    l->out_src = l->dst;
}

void hdlc_link_drop(struct hdlc_link *l)
{
    link_reset(l);
    l->out = 0;
}

/* ---- receiving ---------------------------------------------------------- */

static bool link_for_me(const struct hdlc_link *l, const struct hdlc_addr *dst, const struct hdlc_addr *src)
{
    if (src->len != 1)
        return false; /* client addresses are one byte: a server's frame (echo, another meter) */
    if (dst->upper != HDLC_LOGICAL_DEVICE)
        return false;
    return dst->len == 1 || dst->lower == l->phys;
}

static uint8_t link_seq_delta(uint8_t to, uint8_t from)
{
    return (uint8_t)((to - from) & 7u);
}

/* N(R) acknowledges our frames up to N(R) - 1: valid between the oldest
 * unacknowledged frame and the highest sent. */
static bool link_nr_valid(const struct hdlc_link *l, uint8_t nr)
{
    return link_seq_delta(nr, l->va) <= link_seq_delta(l->vh, l->va);
}

static void link_ack(struct hdlc_link *l, uint8_t nr)
{
    uint8_t d = link_seq_delta(nr, l->va);
    if (d > link_seq_delta(l->vs, l->va)) {
        l->vs = nr; /* frames resent after a go-back arrived after all */
        l->seg_next = (uint16_t)(l->seg_acked + d);
    }
    l->seg_acked = (uint16_t)(l->seg_acked + d);
    l->va = nr;
    if (l->rs != NULL && l->seg_acked >= l->nseg) {
        l->rs = NULL; /* the whole response arrived */
        l->rs_len = 0;
        l->nseg = l->seg_acked = l->seg_next = 0;
    }
}

/* The client gave up on the rest of a response (a new request). Frames it
 * never acknowledged are forgotten: the next one reuses their numbers. */
static void link_abandon(struct hdlc_link *l)
{
    l->rs = NULL;
    l->rs_len = 0;
    l->nseg = l->seg_acked = l->seg_next = 0;
    l->vs = l->vh = l->va;
}

/* A poll: everything not acknowledged is sent again (go-back-N). */
static void link_poll(struct hdlc_link *l)
{
    l->polled = true;
    l->vs = l->va;
    l->seg_next = l->seg_acked;
}

static void link_frmr(struct hdlc_link *l, uint8_t ctl, uint8_t why, bool pf)
{
    l->mode = HDLC_FRMR;
    l->frmr[0] = ctl;
    l->frmr[1] = (uint8_t)((l->vr << 5) | (l->vs << 1));
    l->frmr[2] = why;
    l->rq_cont = l->rq_over = false;
    l->rq_len = 0;
    link_abandon(l);
    if (pf)
        link_reply(l, HDLC_CTL_FRMR);
}

/* Header complete (and its HCS checked when there is information): decide
 * where the information field goes. */
static void link_route(struct hdlc_link *l, size_t info_len)
{
    if (!link_for_me(l, &l->dst, &l->src)) {
        l->to = TO_SKIP;
        return;
    }
    l->to = TO_DROP;
    if (info_len == 0)
        return;
    if (!hdlc_ctl_is_i(l->ctl)) {
        l->to = info_len <= HDLC_SMALL_MAX ? TO_SMALL : TO_LONG;
        return;
    }
    if (l->mode != HDLC_NRM || l->src.upper != l->client)
        return;
    if (info_len > l->info_rx) {
        l->to = TO_LONG;
        return;
    }
    uint8_t nr = hdlc_ctl_nr(l->ctl);
    /* out of sequence, or the client talks while a slice of the response
     * is still on its way out (the request may go where it lies) */
    if (hdlc_ctl_ns(l->ctl) != l->vr || l->rq == NULL || !link_nr_valid(l, nr) || l->txstep == TX_HDR ||
        l->txstep == TX_INFO)
        return;
    bool first = !l->rq_cont;
    if (first && l->rs != NULL) {
        /* a new request while a response is unfinished: the client moved
         * on; the response buffer may be where this request goes */
        link_ack(l, nr);
        if (l->rs != NULL)
            link_abandon(l);
    }
    size_t data = first ? (info_len > HDLC_LLC_LEN ? info_len - HDLC_LLC_LEN : 0) : info_len;
    l->rx_first = first;
    l->rx_store = first ? data <= l->rq_cap : !l->rq_over && data <= l->rq_cap - l->rq_len;
    l->to = TO_RQ;
}

/* A complete frame for the meter with a good FCS. */
static void link_frame(struct hdlc_link *l, struct hdlc_ev *ev)
{
    uint8_t ctl = l->ctl;
    bool pf = (ctl & HDLC_PF) != 0;
    uint8_t kind = hdlc_ctl_kind(ctl);
    uint8_t client = (uint8_t)l->src.upper;
    size_t info_len = l->ipos;
    ev->valid = true;

    if (kind == HDLC_CTL_SNRM) {
        struct hdlc_params p = {HDLC_INFO_DEFAULT, HDLC_INFO_DEFAULT, HDLC_WINDOW_DEFAULT, HDLC_WINDOW_DEFAULT};
        bool was = l->mode != HDLC_NDM;
        link_reset(l);
        l->out = 0;
        if (l->to == TO_LONG || hdlc_params_parse(l->small, info_len, &p) != 0) {
            if (pf)
                link_reply(l, HDLC_CTL_DM);
            if (was)
                ev->type = HDLC_EV_DISCONNECT;
            return;
        }
        /* from the client's point of view: its transmit is our receive */
        l->pend.info_tx = p.info_rx < l->info_max ? p.info_rx : l->info_max;
        l->pend.info_rx = p.info_tx < l->info_max ? p.info_tx : l->info_max;
        l->pend.win_tx = p.win_rx < l->window ? p.win_rx : l->window;
        l->pend.win_rx = p.win_tx < l->window ? p.win_tx : l->window;
        l->pend_client = client;
        l->pend_srv = l->dst;
        ev->type = HDLC_EV_CONNECT;
        ev->client = client;
        ev->logical = l->dst.upper;
        return;
    }
    if (kind == HDLC_CTL_DISC) {
        if (l->mode != HDLC_NDM && client == l->client) {
            link_reset(l);
            ev->type = HDLC_EV_DISCONNECT;
            if (pf)
                link_reply(l, HDLC_CTL_UA);
        } else if (pf) {
            link_reply(l, HDLC_CTL_DM);
        }
        return;
    }
    if (l->mode == HDLC_NDM || client != l->client) {
        if (pf && kind != HDLC_CTL_UI)
            link_reply(l, HDLC_CTL_DM); /* not connected (to this client) */
        return;
    }
    if (l->mode == HDLC_FRMR) {
        if (pf)
            link_reply(l, HDLC_CTL_FRMR);
        return;
    }
    if (kind == 0) { /* I-frame */
        uint8_t nr = hdlc_ctl_nr(ctl);
        if (l->to == TO_LONG) {
            link_frmr(l, ctl, FRMR_Y, pf);
            return;
        }
        if (!link_nr_valid(l, nr)) {
            link_frmr(l, ctl, FRMR_Z, pf);
            return;
        }
        link_ack(l, nr);
        if (l->to != TO_RQ) {
            if (pf)
                link_poll(l); /* out of sequence or repeated: resend / RR */
            return;
        }
        l->vr = (uint8_t)((l->vr + 1u) & 7u);
        if (l->rx_first) {
            l->rq_len = 0;
            l->rq_over = false;
            if (info_len < HDLC_LLC_LEN || l->small[0] != HDLC_LLC_LSAP || l->small[1] != HDLC_LLC_LSAP ||
                l->small[2] != 0) {
                l->rq_cont = false; /* not a DLMS APDU: dropped, acknowledged */
                if (pf)
                    link_poll(l);
                return;
            }
            info_len -= HDLC_LLC_LEN;
        }
        if (!l->rx_store)
            l->rq_over = true; /* counted, not kept: the application refuses it */
        l->rq_len += info_len;
        if (l->seg) {
            l->rq_cont = true;
            if (pf)
                link_poll(l); /* RR: send the next segment */
            return;
        }
        /* n > rq_cap: longer than the buffer, the application answers
         * with a refusal (dlms.h) */
        size_t n = l->rq_len;
        l->rq_len = 0;
        l->rq_cont = l->rq_over = false;
        if (pf)
            link_poll(l);
        ev->type = HDLC_EV_APDU;
        ev->len = n;
        return;
    }
    if (kind == HDLC_CTL_RR || kind == HDLC_CTL_RNR) {
        uint8_t nr = hdlc_ctl_nr(ctl);
        if (info_len > 0 || l->to == TO_LONG) {
            link_frmr(l, ctl, (uint8_t)(FRMR_W | FRMR_X), pf);
            return;
        }
        if (!link_nr_valid(l, nr)) {
            link_frmr(l, ctl, FRMR_Z, pf);
            return;
        }
        link_ack(l, nr);
        l->busy = kind == HDLC_CTL_RNR;
        if (pf)
            link_poll(l);
        return;
    }
    if (kind == HDLC_CTL_UI)
        return; /* no unconfirmed services on this link */
    link_frmr(l, ctl, info_len > 0 ? (uint8_t)(FRMR_W | FRMR_X) : FRMR_W, pf);
}

/* Re-read the header bytes gathered so far. Returns -1 (not a frame),
 * 0 (need more) or 1 (complete; HCS checked when there is information). */
static int link_header(struct hdlc_link *l)
{
    uint8_t n = l->hlen;
    if (n == 2) {
        l->flen = (uint16_t)(((unsigned)(l->hdr[0] & 0x07u) << 8) | l->hdr[1]);
        return l->flen < HDLC_FRAME_LEN_MIN ? -1 : 0;
    }
    if (n < 3)
        return 0;
    if (n + 2u > l->flen)
        return -1; /* the header runs into the FCS */
    int k = hdlc_addr_decode(l->hdr + 2, n - 2u, &l->dst);
    if (k <= 0)
        return k;
    int k2 = hdlc_addr_decode(l->hdr + 2 + k, n - 2u - (size_t)k, &l->src);
    if (k2 <= 0)
        return k2;
    size_t c = 2u + (size_t)k + (size_t)k2; /* index of the control byte */
    if (n <= c)
        return 0;
    l->ctl = l->hdr[c];
    if (n == c + 1u) {
        if (l->flen == n + 2u)
            return 1; /* no information field */
        return l->flen < n + 2u + 2u + 1u ? -1 : 0;
    }
    if (n < c + 3u)
        return 0;
    uint16_t hcs = crc16_x25(0, l->hdr, c + 1u);
    if (l->hdr[c + 1] != (uint8_t)hcs || l->hdr[c + 2] != (uint8_t)(hcs >> 8))
        return -1;
    return 1;
}

/* The header failed: its bytes after a flag among them are looked at
 * again (a frame may start there). */
static void link_rescan(struct hdlc_link *l)
{
    uint8_t j = 1;
    while (j < l->hlen && l->hdr[j] != HDLC_FLAG)
        j++;
    if (j >= l->hlen) {
        l->rx = RX_HUNT;
        return;
    }
    l->rx = RX_FLAG;
    uint8_t k = (uint8_t)(l->hlen - j - 1u);
    memmove(l->rep + k, l->rep, l->nrep); /* older replay bytes come after these */
    memcpy(l->rep, l->hdr + j + 1, k);
    l->nrep = (uint8_t)(l->nrep + k);
}

/* Receive a span. release: between frames while disconnected, a byte
 * that starts no frame is left to the caller. Stops after an event, or
 * after a false header start (its bytes then wait in rep[]). */
static size_t link_rx_span(struct hdlc_link *l, const uint8_t *buf, size_t n, struct hdlc_ev *ev, bool release)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = buf[i];
        switch (l->rx) {
        case RX_HUNT:
            if (b == HDLC_FLAG)
                l->rx = RX_FLAG;
            else if (release && l->mode == HDLC_NDM)
                return i; /* between frames, not a frame: maybe another protocol's */
            i++;
            break;
        case RX_FLAG:
            if (b == HDLC_FLAG) {
                i++;
                break;
            }
            if ((b & 0xF0u) != 0xA0u) {
                l->rx = RX_HUNT; /* b is looked at again there */
                break;
            }
            l->hdr[0] = b;
            l->hlen = 1;
            l->rx = RX_HDR;
            i++;
            break;
        case RX_HDR: {
            l->hdr[l->hlen++] = b;
            i++;
            int r = link_header(l);
            if (r < 0 || (r == 0 && l->hlen >= HDLC_HDR_MAX)) {
                link_rescan(l);
                if (l->nrep > 0)
                    return i;
                break;
            }
            if (r == 0)
                break;
            l->seg = (l->hdr[0] & (HDLC_FORMAT_SEG >> 8)) != 0;
            size_t info_len = (size_t)l->flen - l->hlen - 2u;
            l->ipos = 0;
            l->fpos = l->hlen;
            l->fcs_got = 0;
            link_route(l, info_len);
            l->crc = crc16_x25(0, l->hdr, l->hlen);
            l->rx = info_len > 0 ? RX_INFO : RX_FCS;
            break;
        }
        case RX_INFO: {
            size_t want = (size_t)l->flen - 2u - l->fpos;
            size_t k = n - i < want ? n - i : want;
            const uint8_t *p = buf + i;
            size_t q = k;
            if (l->to == TO_RQ) {
                size_t a = 0;
                if (l->rx_first && l->ipos < HDLC_LLC_LEN) {
                    a = HDLC_LLC_LEN - l->ipos < q ? HDLC_LLC_LEN - l->ipos : q;
                    memcpy(l->small + l->ipos, p, a);
                }
                if (l->rx_store && q > a) {
                    size_t at = l->ipos + a - (l->rx_first ? HDLC_LLC_LEN : 0u);
                    memcpy(l->rq + (l->rx_first ? 0u : l->rq_len) + at, p + a, q - a);
                }
            } else if (l->to == TO_SMALL) {
                memcpy(l->small + l->ipos, p, q);
            }
            if (l->to != TO_SKIP)
                l->crc = crc16_x25(l->crc, p, k);
            l->ipos = (uint16_t)(l->ipos + k);
            l->fpos = (uint16_t)(l->fpos + k);
            i += k;
            if (l->fpos + 2u == l->flen)
                l->rx = RX_FCS;
            break;
        }
        case RX_FCS:
            l->fcs[l->fcs_got++] = b;
            i++;
            if (l->fcs_got == 2)
                l->rx = RX_END;
            break;
        case RX_END:
        default:
            if (b != HDLC_FLAG) {
                l->rx = RX_HUNT; /* the length lied: not a frame */
                break;
            }
            i++;
            l->rx = RX_FLAG; /* the closing flag may open the next frame */
            if (l->to != TO_SKIP && l->fcs[0] == (uint8_t)l->crc && l->fcs[1] == (uint8_t)(l->crc >> 8)) {
                link_frame(l, ev);
                if (ev->type != HDLC_EV_NONE)
                    return i;
            }
            break;
        }
    }
    return i;
}

size_t hdlc_link_rx(struct hdlc_link *l, const uint8_t *buf, size_t n, uint32_t now, struct hdlc_ev *ev)
{
    memset(ev, 0, sizeof *ev);
    if (n == 0)
        return 0;
    if (l->rx != RX_HUNT && l->rx != RX_FLAG && now - l->last_rx_ms > l->inter_octet_ms) {
        l->rx = RX_HUNT; /* a half frame went stale */
        l->nrep = 0;
    }
    l->last_rx_ms = now;
    size_t i = 0;
    for (;;) {
        while (l->nrep > 0) {
            uint8_t tmp[HDLC_HDR_MAX];
            uint8_t nt = l->nrep;
            memcpy(tmp, l->rep, nt);
            l->nrep = 0;
            size_t c = link_rx_span(l, tmp, nt, ev, false);
            if (c < nt) {
                /* stopped early: what it left comes after what it queued */
                uint8_t rest = (uint8_t)(nt - c);
                memcpy(l->rep + l->nrep, tmp + c, rest);
                l->nrep = (uint8_t)(l->nrep + rest);
            }
            if (ev->type != HDLC_EV_NONE)
                return i;
        }
        if (i >= n)
            return i;
        i += link_rx_span(l, buf + i, n - i, ev, true);
        if (ev->type != HDLC_EV_NONE || l->nrep == 0)
            return i;
    }
}

/* ---- answering events ----------------------------------------------------- */

void hdlc_link_accept(struct hdlc_link *l, uint8_t *rq, size_t cap)
{
    link_reset(l);
    l->mode = HDLC_NRM;
    l->client = l->pend_client;
    l->srv = l->pend_srv;
    l->info_tx = l->pend.info_tx;
    l->info_rx = l->pend.info_rx;
    l->win_tx = l->pend.win_tx;
    l->win_rx = l->pend.win_rx;
    l->rq = rq;
    l->rq_cap = rq != NULL ? cap : 0;
    l->out = HDLC_CTL_UA;
    l->ua_params = true;
    l->out_dst = l->client;
    l->out_src = l->srv;
}

void hdlc_link_refuse(struct hdlc_link *l)
{
    link_reset(l);
    l->out = HDLC_CTL_DM;
    l->ua_params = false;
    l->out_dst = l->pend_client;
    l->out_src = l->pend_srv;
}

void hdlc_link_respond(struct hdlc_link *l, const uint8_t *rsp, size_t len)
{
    l->rs = NULL;
    l->nseg = l->seg_acked = l->seg_next = 0;
    if (l->mode != HDLC_NRM || rsp == NULL || len == 0 || l->info_tx == 0)
        return;
    size_t stream = len + HDLC_LLC_LEN;
    size_t nseg = (stream + l->info_tx - 1u) / l->info_tx;
    if (nseg > UINT16_MAX)
        return; /* cannot happen: APDUs are far shorter */
    l->rs = rsp;
    l->rs_len = len;
    l->nseg = (uint16_t)nseg;
}

/* ---- sending -------------------------------------------------------------- */

static void link_trailer(struct hdlc_link *l, uint16_t fcs)
{
    l->txt[0] = (uint8_t)fcs;
    l->txt[1] = (uint8_t)(fcs >> 8);
    l->txt[2] = HDLC_FLAG;
}

/* A supervisory or unnumbered frame with the F bit, whole in txh. */
static size_t link_build_su(struct hdlc_link *l, uint8_t ctl)
{
    struct hdlc_addr dst = {l->out_dst, 0, 1};
    const struct hdlc_addr *src = &l->out_src;
    uint8_t info[HDLC_PARAMS_MAX];
    size_t info_len = 0;
    if (ctl == HDLC_CTL_UA && l->ua_params) {
        struct hdlc_params p;
        hdlc_link_params(l, &p);
        info_len = hdlc_params_encode(info, &p);
    } else if (ctl == HDLC_CTL_FRMR) {
        memcpy(info, l->frmr, 3);
        info_len = 3;
    }
    l->ua_params = false;
    if (hdlc_ctl_is_s(ctl))
        ctl = hdlc_ctl_s(ctl, l->vr, true);
    else
        ctl = (uint8_t)(ctl | HDLC_PF);
    size_t h = hdlc_frame_header(l->txh, false, &dst, src, ctl, info_len);
    if (h == 0)
        return 0;
    memcpy(l->txh + h, info, info_len);
    h += info_len;
    uint16_t fcs = crc16_x25(0, l->txh + 1, h - 1u);
    l->txh[h++] = (uint8_t)fcs;
    l->txh[h++] = (uint8_t)(fcs >> 8);
    l->txh[h++] = HDLC_FLAG;
    return h;
}

/* Bytes of the response APDU carried by segment k: [*a0, *a1). */
static void link_slice(const struct hdlc_link *l, uint16_t k, size_t *a0, size_t *a1)
{
    size_t s0 = (size_t)k * l->info_tx;
    size_t s1 = s0 + l->info_tx;
    if (s1 > l->rs_len + HDLC_LLC_LEN)
        s1 = l->rs_len + HDLC_LLC_LEN;
    *a0 = s0 == 0 ? 0 : s0 - HDLC_LLC_LEN;
    *a1 = s1 - HDLC_LLC_LEN;
}

/* The header of the I-frame of segment seg_next, its FCS in txt. */
static size_t link_build_i(struct hdlc_link *l)
{
    uint16_t k = l->seg_next;
    bool more = k + 1u < l->nseg;
    uint8_t sent = (uint8_t)(link_seq_delta(l->vs, l->va) + 1u);
    bool last = !more || sent >= l->win_tx; /* the F bit ends the burst */
    size_t a0, a1;
    link_slice(l, k, &a0, &a1);
    size_t info_len = (a1 - a0) + (k == 0 ? HDLC_LLC_LEN : 0u);
    struct hdlc_addr dst = {l->client, 0, 1};
    size_t h = hdlc_frame_header(l->txh, more, &dst, &l->srv, hdlc_ctl_i(l->vs, l->vr, last), info_len);
    if (h == 0)
        return 0;
    if (k == 0) {
        l->txh[h++] = HDLC_LLC_LSAP;
        l->txh[h++] = HDLC_LLC_RSP;
        l->txh[h++] = 0;
    }
    uint16_t fcs = crc16_x25(0, l->txh + 1, h - 1u);
    link_trailer(l, crc16_x25(fcs, l->rs + a0, a1 - a0));
    l->tx_info = l->rs + a0;
    l->tx_info_len = a1 - a0;
    l->seg_next++;
    l->vs = (uint8_t)((l->vs + 1u) & 7u);
    if (link_seq_delta(l->vs, l->va) > link_seq_delta(l->vh, l->va))
        l->vh = l->vs;
    if (last)
        l->polled = false;
    return h;
}

size_t hdlc_link_tx(struct hdlc_link *l, const uint8_t **p)
{
    for (;;) {
        switch (l->txstep) {
        case TX_IDLE: {
            size_t h = 0;
            if (l->out != 0) {
                h = link_build_su(l, l->out);
                l->out = 0;
                l->polled = false;
                l->txstep = TX_DONE;
            } else if (l->polled && l->mode == HDLC_NRM) {
                if (l->rs != NULL && !l->busy && l->seg_next < l->nseg &&
                    link_seq_delta(l->vs, l->va) < l->win_tx) {
                    h = link_build_i(l);
                    l->txstep = TX_HDR;
                } else {
                    l->out_dst = l->client;
                    l->out_src = l->srv;
                    h = link_build_su(l, HDLC_CTL_RR);
                    l->polled = false;
                    l->txstep = TX_DONE;
                }
            } else {
                l->polled = false;
                return 0;
            }
            if (h == 0) {
                l->txstep = TX_IDLE;
                return 0;
            }
            *p = l->txh;
            return h;
        }
        case TX_HDR:
            l->txstep = TX_INFO;
            if (l->tx_info_len > 0) {
                *p = l->tx_info;
                return l->tx_info_len;
            }
            break;
        case TX_INFO:
            l->txstep = TX_DONE;
            *p = l->txt;
            return 3;
        case TX_DONE:
        default:
            l->txstep = TX_IDLE;
            break;
        }
    }
}
