/* src/proto/hdlc: the frame codec against the frames of
 * ../shared/vectors/dlms.md section 4 (pwitab/dlms-cosem), and the link
 * state machine (hdlc_link) driven by a small client in this file: SNRM/UA
 * negotiation, I-frames, segmentation both ways with windows 1 and 7,
 * go-back-N, DISC/DM, FRMR, and refusals (bad HCS/FCS, other addresses,
 * garbage, half frames, oversize) that change nothing. The application is
 * a stub here: the link layer is tested on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/hdlc/hdlc_frame.h"
#include "proto/hdlc/hdlc_link.h"
#include "util/crc.h"

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* ---- vectors (dlms.md section 4) -------------------------------------------- */

static const char *V_SNRM = "7E A0 08 02 23 21 93 BD 64 7E";
static const char *V_UA = "7E A0 1F 21 02 23 73 E6 C7 81 80 12 05 01 9A 06 01 9A 07 04 00 00 00 01 08 04 00 00 00 01 CC A2 7E";
static const char *V_AARQ_I = "7E A0 2C 02 23 21 10 AF 9F E6 E6 00 "
                              "601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF C5 E4 7E";
static const char *V_AARQ = "601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF";
static const char *V_AARE_I = "7E A0 38 21 02 23 30 34 E7 E6 E7 00 "
                              "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001E1D04C80007 B8 6A 7E";
static const char *V_AARE = "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001E1D04C80007";

/* the vector strings are written as in dlms.md, with spaces */
static size_t vec(const char *s, uint8_t *out)
{
    char tmp[512];
    size_t j = 0;
    for (size_t i = 0; s[i]; i++)
        if (s[i] != ' ')
            tmp[j++] = s[i];
    tmp[j] = 0;
    return unhex(tmp, out);
}

static void codec_vectors(void **state)
{
    (void)state;
    uint8_t b[256], info[128];
    struct hdlc_frame f;

    size_t n = vec(V_SNRM, b);
    assert_int_equal(hdlc_frame_parse(b, n, &f), (int)n);
    assert_int_equal(f.dst.len, 2);
    assert_int_equal(f.dst.upper, 1);
    assert_int_equal(f.dst.lower, 17);
    assert_int_equal(f.src.len, 1);
    assert_int_equal(f.src.upper, 16);
    assert_int_equal(f.ctl, 0x93);
    assert_int_equal(f.info_len, 0);

    n = vec(V_UA, b);
    assert_int_equal(hdlc_frame_parse(b, n, &f), (int)n);
    assert_int_equal(f.dst.upper, 16);
    assert_int_equal(f.src.len, 2);
    assert_int_equal(f.ctl, 0x73);
    struct hdlc_params p = {128, 128, 1, 1};
    assert_int_equal(hdlc_params_parse(f.info, f.info_len, &p), 0);
    assert_int_equal(p.info_tx, 0x9A);
    assert_int_equal(p.info_rx, 0x9A);
    assert_int_equal(p.win_tx, 1);
    assert_int_equal(p.win_rx, 1);
    /* our encoder writes the same parameter field */
    assert_int_equal(hdlc_params_encode(info, &p), f.info_len);
    assert_memory_equal(info, f.info, f.info_len);
    /* and the same UA frame */
    struct hdlc_addr cl = {16, 0, 1}, srv = {1, 17, 2};
    uint8_t out[256];
    size_t k = hdlc_frame_encode(out, sizeof out, false, &cl, &srv, 0x73, info, f.info_len);
    assert_int_equal(k, n);
    assert_memory_equal(out, b, n);

    n = vec(V_AARQ_I, b);
    assert_int_equal(hdlc_frame_parse(b, n, &f), (int)n);
    assert_int_equal(f.ctl, 0x10);
    assert_false(f.seg);
    uint8_t apdu[128];
    size_t an = vec(V_AARQ, apdu);
    assert_int_equal(f.info_len, an + 3);
    assert_memory_equal(f.info, "\xE6\xE6\x00", 3);
    assert_memory_equal(f.info + 3, apdu, an);
    k = hdlc_frame_encode(out, sizeof out, false, &srv, &cl, 0x10, f.info, f.info_len);
    assert_int_equal(k, n);
    assert_memory_equal(out, b, n);

    n = vec(V_AARE_I, b);
    assert_int_equal(hdlc_frame_parse(b, n, &f), (int)n);
    assert_int_equal(f.ctl, 0x30);
    assert_memory_equal(f.info, "\xE6\xE7\x00", 3);

    /* damaged copies */
    n = vec(V_AARQ_I, b);
    b[5] ^= 4; /* client address 16 -> 18: the HCS no longer matches */
    assert_int_equal(hdlc_frame_parse(b, n, &f), HDLC_PARSE_HCS);
    b[5] ^= 4;
    b[5] ^= 1; /* no end bit: a 3-byte source address */
    assert_int_equal(hdlc_frame_parse(b, n, &f), HDLC_PARSE_ADDR);
    b[5] ^= 1;
    b[20] ^= 0x40; /* information: FCS */
    assert_int_equal(hdlc_frame_parse(b, n, &f), HDLC_PARSE_FCS);
    b[20] ^= 0x40;
    b[n - 1] = 0;
    assert_int_equal(hdlc_frame_parse(b, n, &f), HDLC_PARSE_END);
    assert_int_equal(hdlc_frame_parse(b, n - 5, &f), HDLC_PARSE_MORE);
}

static void addresses(void **state)
{
    (void)state;
    struct hdlc_addr a;
    uint8_t p[4];
    /* one byte: client 16 = 0x21, management logical device 1 = 0x03 */
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x21", 1, &a), 1);
    assert_int_equal(a.upper, 16);
    /* two bytes: 1/17 = 02 23 */
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x02\x23", 2, &a), 2);
    assert_int_equal(a.upper, 1);
    assert_int_equal(a.lower, 17);
    /* four bytes: 1/17 = 00 02 00 23; 0x3FFF/0x3FFF = FE FE FE FF */
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x00\x02\x00\x23", 4, &a), 4);
    assert_int_equal(a.upper, 1);
    assert_int_equal(a.lower, 17);
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\xFE\xFE\xFE\xFF", 4, &a), 4);
    assert_int_equal(a.upper, 0x3FFF);
    assert_int_equal(a.lower, 0x3FFF);
    a = (struct hdlc_addr){300, 1000, 4};
    assert_int_equal(hdlc_addr_encode(p, &a), 4);
    struct hdlc_addr b;
    assert_int_equal(hdlc_addr_decode(p, 4, &b), 4);
    assert_int_equal(b.upper, 300);
    assert_int_equal(b.lower, 1000);
    /* three bytes and five are malformed; a half address needs more */
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x02\x02\x23", 3, &a), -1);
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x02\x02\x02\x02\x23", 5, &a), -1);
    assert_int_equal(hdlc_addr_decode((const uint8_t *)"\x02\x02", 2, &a), 0);
    a = (struct hdlc_addr){200, 1, 2};
    assert_int_equal(hdlc_addr_encode(p, &a), 0); /* 7 bits only in the 2-byte form */
}

/* ---- a client and a stub application around hdlc_link ------------------- */

#define RQ_CAP 3000u

struct rig {
    struct hdlc_cfg cfg;
    struct hdlc_link l;
    uint8_t rq[RQ_CAP];
    uint8_t rsp[8192];
    size_t rsp_len;          /* what the stub answers to every request */
    size_t cap;              /* request buffer offered (RQ_CAP) */
    bool refuse;
    uint32_t now;
    /* what the meter sent, raw */
    uint8_t out[65536];
    size_t out_len;
    /* events seen */
    int connects, disconnects, apdus;
    uint8_t last_client;
    uint8_t last_apdu[8192];
    size_t last_apdu_len;
    bool valid;
    /* client side */
    struct hdlc_addr srv;
    uint8_t client;
    uint8_t ns, nr;
};

static struct rig *R;

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    hdlc_cfg_default(&r->cfg);
    hdlc_link_init(&r->l, &r->cfg);
    r->srv = (struct hdlc_addr){1, 17, 2};
    r->client = 16;
    r->now = 1000;
    r->cap = RQ_CAP;
}

static void rig_drain(struct rig *r)
{
    const uint8_t *p;
    size_t k;
    while ((k = hdlc_link_tx(&r->l, &p)) > 0) {
        assert_true(r->out_len + k <= sizeof r->out);
        memcpy(r->out + r->out_len, p, k);
        r->out_len += k;
    }
}

/* Feed bytes as a driver would: events answered at once, output drained
 * after each. Returns the bytes the link took. */
static size_t rig_feed(struct rig *r, const uint8_t *b, size_t n)
{
    size_t k = 0;
    r->valid = false;
    while (k < n) {
        struct hdlc_ev ev;
        size_t c = hdlc_link_rx(&r->l, b + k, n - k, r->now, &ev);
        k += c;
        r->valid |= ev.valid;
        if (ev.type == HDLC_EV_CONNECT) {
            r->connects++;
            r->last_client = ev.client;
            assert_int_equal(ev.logical, 1);
            if (r->refuse)
                hdlc_link_refuse(&r->l);
            else
                hdlc_link_accept(&r->l, r->rq, r->cap);
        } else if (ev.type == HDLC_EV_APDU) {
            r->apdus++;
            memcpy(r->last_apdu, r->rq, ev.len < RQ_CAP ? ev.len : RQ_CAP);
            r->last_apdu_len = ev.len;
            hdlc_link_respond(&r->l, r->rsp_len ? r->rsp : NULL, r->rsp_len);
        } else if (ev.type == HDLC_EV_DISCONNECT) {
            r->disconnects++;
        } else if (c == 0 || k < n) {
            if (c == 0)
                break; /* released */
        }
        rig_drain(r);
    }
    rig_drain(r);
    return k;
}

/* Send one frame from the client. */
static void cl_send(struct rig *r, bool seg, uint8_t ctl, const uint8_t *info, size_t n)
{
    uint8_t f[2100];
    struct hdlc_addr c = {r->client, 0, 1};
    size_t k = hdlc_frame_encode(f, sizeof f, seg, &r->srv, &c, ctl, info, n);
    assert_true(k > 0);
    assert_int_equal(rig_feed(r, f, k), k);
}

/* Take the next frame the meter sent (out[] consumed from the front). */
static bool cl_recv(struct rig *r, struct hdlc_frame *f, uint8_t *info_copy)
{
    if (r->out_len == 0)
        return false;
    int k = hdlc_frame_parse(r->out, r->out_len, f);
    assert_true(k > 0);
    assert_int_equal(f->dst.len, 1);
    assert_int_equal(f->dst.upper, r->client);
    assert_int_equal(f->src.len, r->srv.len);
    assert_int_equal(f->src.upper, r->srv.upper);
    assert_int_equal(f->src.lower, r->srv.lower);
    if (info_copy != NULL && f->info_len > 0)
        memcpy(info_copy, f->info, f->info_len);
    f->info = info_copy;
    memmove(r->out, r->out + k, r->out_len - (size_t)k);
    r->out_len -= (size_t)k;
    return true;
}

static void cl_connect(struct rig *r, uint16_t info_tx, uint16_t info_rx, uint8_t win_tx, uint8_t win_rx)
{
    uint8_t info[HDLC_PARAMS_MAX];
    struct hdlc_params p = {info_tx, info_rx, win_tx, win_rx};
    size_t n = hdlc_params_encode(info, &p);
    cl_send(r, false, HDLC_CTL_SNRM | HDLC_PF, info, n);
    struct hdlc_frame f;
    uint8_t ui[64];
    assert_true(cl_recv(r, &f, ui));
    assert_int_equal(f.ctl, 0x73);
    r->ns = r->nr = 0;
}

/* Send an APDU in segments of seg bytes of information, window w (P on
 * the last frame of each window and on the last frame); the meter's RRs
 * checked. Returns with the meter's answer in out[]. */
static void cl_request(struct rig *r, const uint8_t *apdu, size_t n, size_t seg, unsigned w)
{
    uint8_t stream[9000];
    memcpy(stream, "\xE6\xE6\x00", 3);
    memcpy(stream + 3, apdu, n);
    size_t total = n + 3, pos = 0;
    unsigned in_win = 0;
    while (pos < total) {
        size_t k = total - pos < seg ? total - pos : seg;
        bool more = pos + k < total;
        in_win++;
        bool poll = !more || in_win == w;
        cl_send(r, more, hdlc_ctl_i(r->ns, r->nr, poll), stream + pos, k);
        r->ns = (uint8_t)((r->ns + 1) & 7);
        pos += k;
        if (more && poll) {
            struct hdlc_frame f;
            assert_true(cl_recv(r, &f, NULL));
            assert_int_equal(f.ctl, hdlc_ctl_s(HDLC_CTL_RR, r->ns, true)); /* RR, N(R) = next */
            assert_int_equal(r->out_len, 0);
            in_win = 0;
        } else if (more) {
            assert_int_equal(r->out_len, 0); /* no answer without a poll */
        }
    }
}

/* Receive a (segmented) response: frames until one with F, RR after each
 * window, until a frame without S. Returns the APDU length. Counts frames
 * per window in *max_burst. */
static size_t cl_response_from(struct rig *r, uint8_t *apdu, unsigned *max_burst, unsigned *frames, bool first)
{
    size_t len = 0;
    unsigned burst = 0;
    for (;;) {
        struct hdlc_frame f;
        uint8_t info[2100];
        assert_true(cl_recv(r, &f, info));
        assert_true(hdlc_ctl_is_i(f.ctl));
        assert_int_equal(hdlc_ctl_ns(f.ctl), r->nr);
        assert_int_equal(hdlc_ctl_nr(f.ctl), r->ns);
        r->nr = (uint8_t)((r->nr + 1) & 7);
        burst++;
        if (frames)
            (*frames)++;
        size_t skip = 0;
        if (first) {
            assert_true(f.info_len >= 3);
            assert_memory_equal(info, "\xE6\xE7\x00", 3);
            skip = 3;
            first = false;
        }
        memcpy(apdu + len, info + skip, f.info_len - skip);
        len += f.info_len - skip;
        bool fin = (f.ctl & HDLC_PF) != 0;
        if (!f.seg) {
            assert_true(fin);
            assert_int_equal(r->out_len, 0);
            if (max_burst && burst > *max_burst)
                *max_burst = burst;
            return len;
        }
        if (fin) {
            assert_int_equal(r->out_len, 0);
            if (max_burst && burst > *max_burst)
                *max_burst = burst;
            burst = 0;
            cl_send(r, false, hdlc_ctl_s(HDLC_CTL_RR, r->nr, true), NULL, 0);
        }
    }
}

static size_t cl_response(struct rig *r, uint8_t *apdu, unsigned *max_burst, unsigned *frames)
{
    return cl_response_from(r, apdu, max_burst, frames, true);
}

static int setup(void **state)
{
    R = calloc(1, sizeof *R);
    rig_init(R);
    *state = R;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* The vector exchange: SNRM, AARQ in, AARE out, byte for byte. */
static void link_vectors(void **state)
{
    struct rig *r = *state;
    uint8_t b[256];
    size_t n = vec(V_SNRM, b);
    assert_int_equal(rig_feed(r, b, n), n);
    assert_int_equal(r->connects, 1);
    assert_int_equal(r->last_client, 16);
    struct hdlc_frame f;
    uint8_t info[64];
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, 0x73);
    struct hdlc_params p = {0, 0, 0, 0};
    assert_int_equal(hdlc_params_parse(info, f.info_len, &p), 0);
    /* no parameters in the SNRM: the defaults */
    assert_int_equal(p.info_tx, 128);
    assert_int_equal(p.info_rx, 128);
    assert_int_equal(p.win_tx, 1);
    assert_int_equal(p.win_rx, 1);

    r->rsp_len = vec(V_AARE, r->rsp);
    n = vec(V_AARQ_I, b);
    assert_int_equal(rig_feed(r, b, n), n);
    assert_int_equal(r->apdus, 1);
    uint8_t aarq[64];
    size_t an = vec(V_AARQ, aarq);
    assert_int_equal(r->last_apdu_len, an);
    assert_memory_equal(r->last_apdu, aarq, an);
    /* the answer is the vector's AARE I-frame exactly */
    n = vec(V_AARE_I, b);
    assert_int_equal(r->out_len, n);
    assert_memory_equal(r->out, b, n);
}

/* The UA of the vector, byte for byte, when the SNRM asks for 154/154/1/1. */
static void ua_vector(void **state)
{
    struct rig *r = *state;
    uint8_t info[HDLC_PARAMS_MAX];
    struct hdlc_params p = {0x9A, 0x9A, 1, 1};
    size_t n = hdlc_params_encode(info, &p);
    cl_send(r, false, 0x93, info, n);
    uint8_t b[64];
    n = vec(V_UA, b);
    assert_int_equal(r->out_len, n);
    assert_memory_equal(r->out, b, n);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + seed * 17u + (i >> 3));
}

/* Negotiation takes the smaller of each side; the meter's maxima hold. */
static void negotiation(void **state)
{
    struct rig *r = *state;
    cl_connect(r, 2040, 512, 7, 3);
    struct hdlc_params p;
    hdlc_link_params(&r->l, &p);
    assert_int_equal(p.info_tx, 512);  /* the client receives 512 */
    assert_int_equal(p.info_rx, 2030); /* it sends 2040: the meter takes 2030 */
    assert_int_equal(p.win_tx, 3);
    assert_int_equal(p.win_rx, 7);
    /* invalid parameters (window 0, info 20): DM, not connected */
    uint8_t info[] = {0x81, 0x80, 0x03, 0x07, 0x01, 0x00};
    cl_send(r, false, 0x93, info, sizeof info);
    struct hdlc_frame f;
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    assert_false(hdlc_link_connected(&r->l));
    assert_int_equal(r->disconnects, 1);
    uint8_t info2[] = {0x81, 0x80, 0x03, 0x05, 0x01, 20};
    cl_send(r, false, 0x93, info2, sizeof info2);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    /* the application refuses (no association free): DM */
    r->refuse = true;
    cl_send(r, false, 0x93, NULL, 0);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    assert_false(hdlc_link_connected(&r->l));
}

/* Segmentation both ways for windows 1..7 and fields 32..2030. */
static void segmentation(void **state)
{
    struct rig *r = *state;
    static const uint16_t fields[] = {32, 128, 256, 1024, 2030};
    static uint8_t req[2900], got[8192];
    for (size_t fi = 0; fi < sizeof fields / sizeof fields[0]; fi++) {
        for (unsigned w = 1; w <= 7; w++) {
            rig_init(r);
            cl_connect(r, fields[fi], fields[fi], (uint8_t)w, (uint8_t)w);
            for (unsigned rep = 0; rep < 3; rep++) {
                size_t qn = rep == 0 ? 20 : rep == 1 ? 700 : sizeof req;
                fill(req, qn, (unsigned)(fi * 10 + w + rep));
                r->rsp_len = rep == 0 ? 5 : rep == 1 ? 1500 : sizeof r->rsp;
                fill(r->rsp, r->rsp_len, (unsigned)(w + rep + 100));
                cl_request(r, req, qn, fields[fi], w);
                assert_int_equal(r->last_apdu_len, qn);
                assert_memory_equal(r->last_apdu, req, qn);
                unsigned maxb = 0, frames = 0;
                size_t got_len = cl_response(r, got, &maxb, &frames);
                assert_int_equal(got_len, r->rsp_len);
                assert_memory_equal(got, r->rsp, r->rsp_len);
                size_t expect_frames = (r->rsp_len + 3 + fields[fi] - 1) / fields[fi];
                assert_int_equal(frames, expect_frames);
                assert_true(maxb <= w);
                if (expect_frames >= w)
                    assert_int_equal(maxb, w);
            }
        }
    }
}

/* A response frame is lost: the client's RR names it, the meter goes
 * back and sends it again with the rest of the window. */
static void go_back(void **state)
{
    struct rig *r = *state;
    cl_connect(r, 128, 128, 7, 7);
    r->rsp_len = 2000;
    fill(r->rsp, r->rsp_len, 5);
    uint8_t req[] = {0xC0, 0x01, 0xC1, 0x00, 0x01};
    cl_request(r, req, sizeof req, 128, 7);
    /* the first window: 7 frames; drop the 4th (index 3) */
    struct hdlc_frame f;
    uint8_t info[7][200];
    size_t ilen[7];
    for (int i = 0; i < 7; i++) {
        assert_true(cl_recv(r, &f, info[i]));
        ilen[i] = f.info_len;
        assert_int_equal(hdlc_ctl_ns(f.ctl), i);
        assert_int_equal((f.ctl & HDLC_PF) != 0, i == 6);
    }
    /* client got frames 0..2: RR N(R)=3 */
    cl_send(r, false, hdlc_ctl_s(HDLC_CTL_RR, 3, true), NULL, 0);
    for (int i = 3; i < 10; i++) {
        assert_true(cl_recv(r, &f, info[0]));
        assert_int_equal(hdlc_ctl_ns(f.ctl), i & 7);
        if (i < 7) {
            assert_int_equal(f.info_len, ilen[i]);
            assert_memory_equal(info[0], info[i], ilen[i]);
        }
    }
    assert_int_equal(r->out_len, 0);
    /* the client repeats its RR (lost the whole window): same window again */
    cl_send(r, false, hdlc_ctl_s(HDLC_CTL_RR, 3, true), NULL, 0);
    int cnt = 0;
    while (cl_recv(r, &f, info[0]))
        cnt++;
    assert_int_equal(cnt, 7);
    assert_int_equal(hdlc_ctl_ns(f.ctl), 9 & 7);
    /* the rest arrives normally */
    r->nr = 10 & 7;
    r->ns = 1;
    cl_send(r, false, hdlc_ctl_s(HDLC_CTL_RR, r->nr, true), NULL, 0);
    uint8_t got[4096];
    size_t tail = cl_response_from(r, got, NULL, NULL, false);
    assert_int_equal(tail, 2000 + 3 - 10 * 128);
    assert_memory_equal(got, r->rsp + 10 * 128 - 3, tail);
}

/* The client lost the whole answer and repeats its request (same N(S)):
 * the meter sends its answer again and does not run the request twice. */
static void repeated_request(void **state)
{
    struct rig *r = *state;
    cl_connect(r, 128, 128, 1, 1);
    r->rsp_len = 40;
    fill(r->rsp, r->rsp_len, 9);
    uint8_t req[] = {0xC0, 0x01, 0xC1, 0x00, 0x08};
    cl_request(r, req, sizeof req, 128, 1);
    assert_int_equal(r->apdus, 1);
    uint8_t first[256];
    size_t fn = r->out_len;
    memcpy(first, r->out, fn);
    r->out_len = 0;
    /* repeat with the same N(S)=0, N(R)=0 */
    r->ns = 0;
    cl_request(r, req, sizeof req, 128, 1);
    assert_int_equal(r->apdus, 1);
    assert_int_equal(r->out_len, fn);
    assert_memory_equal(r->out, first, fn);
    uint8_t got[256];
    assert_int_equal(cl_response(r, got, NULL, NULL), 40);
    /* the next request goes through */
    cl_request(r, req, sizeof req, 128, 1);
    assert_int_equal(r->apdus, 2);
    assert_int_equal(cl_response(r, got, NULL, NULL), 40);
}

static void disc_dm(void **state)
{
    struct rig *r = *state;
    struct hdlc_frame f;
    /* not connected: I-frame and RR with P get DM, DISC gets DM */
    uint8_t req[] = {0xE6, 0xE6, 0x00, 0xC0};
    cl_send(r, false, 0x10, req, sizeof req);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    cl_send(r, false, 0x11, NULL, 0);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    cl_send(r, false, 0x53, NULL, 0);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    assert_int_equal(r->apdus, 0);
    assert_int_equal(r->disconnects, 0);
    /* connected: DISC -> UA, the association ends */
    cl_connect(r, 128, 128, 1, 1);
    cl_send(r, false, 0x53, NULL, 0);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x73);
    assert_int_equal(f.info_len, 0);
    assert_int_equal(r->disconnects, 1);
    assert_false(hdlc_link_connected(&r->l));
    /* another client while connected: DM to it, the connection stays */
    cl_connect(r, 128, 128, 1, 1);
    r->client = 17;
    cl_send(r, false, 0x11, NULL, 0);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, 0x1F);
    assert_true(hdlc_link_connected(&r->l));
    /* ... but its SNRM takes the line over (the old association ends) */
    cl_connect(r, 128, 128, 1, 1);
    assert_int_equal(r->connects, 3);
    assert_int_equal(r->last_client, 17);
}

static void frmr(void **state)
{
    struct rig *r = *state;
    struct hdlc_frame f;
    uint8_t info[8];
    cl_connect(r, 128, 128, 1, 1);
    /* invalid N(R): the meter sent nothing yet, N(R) 3 */
    cl_send(r, false, hdlc_ctl_s(HDLC_CTL_RR, 3, true), NULL, 0);
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, 0x97);
    assert_int_equal(f.info_len, 3);
    assert_int_equal(info[0], 0x71);
    assert_int_equal(info[2], 0x08);
    /* in the FRMR condition everything but SNRM/DISC gets FRMR again */
    uint8_t req[] = {0xE6, 0xE6, 0x00, 0xC0, 0x01};
    cl_send(r, false, 0x10, req, sizeof req);
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, 0x97);
    assert_int_equal(r->apdus, 0);
    cl_connect(r, 128, 128, 1, 1);
    /* undefined control (REJ 0x09, XID 0xAF): W */
    cl_send(r, false, 0x19, NULL, 0);
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, 0x97);
    assert_int_equal(info[2], 0x01);
    cl_connect(r, 128, 128, 1, 1);
    /* an information field longer than negotiated: Y */
    uint8_t big[200];
    memset(big, 0, sizeof big);
    memcpy(big, "\xE6\xE6\x00", 3);
    cl_send(r, false, 0x10, big, sizeof big);
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, 0x97);
    assert_int_equal(info[2], 0x04);
    assert_int_equal(r->apdus, 0);
    /* a request longer than the application's buffer: handed over with
     * its length (the application refuses it), the link goes on */
    cl_connect(r, 2030, 2030, 1, 1);
    static uint8_t huge[RQ_CAP + 100];
    fill(huge, sizeof huge, 1);
    struct hdlc_addr c = {r->client, 0, 1};
    uint8_t fr[2100], stream[sizeof huge + 3];
    memcpy(stream, "\xE6\xE6\x00", 3);
    memcpy(stream + 3, huge, sizeof huge);
    size_t k = hdlc_frame_encode(fr, sizeof fr, true, &r->srv, &c, hdlc_ctl_i(0, 0, true), stream, 2030);
    rig_feed(r, fr, k);
    assert_true(cl_recv(r, &f, NULL));
    assert_int_equal(f.ctl, hdlc_ctl_s(HDLC_CTL_RR, 1, true));
    k = hdlc_frame_encode(fr, sizeof fr, false, &r->srv, &c, hdlc_ctl_i(1, 0, true), stream + 2030,
                          sizeof stream - 2030);
    r->rsp_len = 3;
    rig_feed(r, fr, k);
    assert_int_equal(r->apdus, 1);
    assert_int_equal(r->last_apdu_len, sizeof huge);
    assert_true(cl_recv(r, &f, info));
    assert_int_equal(f.ctl, hdlc_ctl_i(0, 2, true));
    assert_true(hdlc_link_connected(&r->l));
    /* one byte over, then exactly the buffer */
    r->ns = 2;
    r->nr = 1;
    uint8_t got[16];
    cl_request(r, huge, RQ_CAP + 1, 2030, 1);
    assert_int_equal(r->apdus, 2);
    assert_int_equal(r->last_apdu_len, RQ_CAP + 1);
    assert_int_equal(cl_response(r, got, NULL, NULL), 3);
    cl_request(r, huge, RQ_CAP, 2030, 1);
    assert_int_equal(r->apdus, 3);
    assert_int_equal(r->last_apdu_len, RQ_CAP);
    assert_memory_equal(r->last_apdu, huge, RQ_CAP);
    assert_int_equal(cl_response(r, got, NULL, NULL), 3);
    /* a buffer smaller than one information field (a small MCU build):
     * one frame alone outgrows it, then a request that fits */
    r->cap = 512;
    cl_connect(r, 2030, 2030, 1, 1);
    cl_request(r, huge, 1000, 2030, 1);
    assert_int_equal(r->apdus, 4);
    assert_int_equal(r->last_apdu_len, 1000);
    assert_int_equal(cl_response(r, got, NULL, NULL), 3);
    cl_request(r, huge + 7, 512, 2030, 1);
    assert_int_equal(r->apdus, 5);
    assert_int_equal(r->last_apdu_len, 512);
    assert_memory_equal(r->last_apdu, huge + 7, 512);
}

/* Refusals that change nothing: every damaged copy of a valid request is
 * met with silence, and the link still serves the intact one after. */
static void refusals(void **state)
{
    struct rig *r = *state;
    cl_connect(r, 128, 128, 1, 1);
    r->rsp_len = 10;
    fill(r->rsp, 10, 3);
    uint8_t apdu[60], stream[63], fr[100];
    fill(apdu, sizeof apdu, 4);
    memcpy(stream, "\xE6\xE6\x00", 3);
    memcpy(stream + 3, apdu, sizeof apdu);
    struct hdlc_addr c = {16, 0, 1};
    size_t n = hdlc_frame_encode(fr, sizeof fr, false, &r->srv, &c, hdlc_ctl_i(0, 0, true), stream, sizeof stream);
    uint8_t bad[100];
    /* every single-byte corruption inside the frame */
    for (size_t i = 1; i + 1 < n; i++) {
        for (unsigned x = 1; x < 256; x <<= 1) {
            memcpy(bad, fr, n);
            bad[i] ^= (uint8_t)x;
            r->now += 1000; /* a pause: the half frame (if any) goes stale */
            rig_feed(r, bad, n);
            r->now += 1000;
            if (r->out_len > 0) {
                /* only a copy whose address byte became another valid
                 * one for the meter or whose control stayed an I-frame
                 * may be answered: it must then be a well-formed frame */
                struct hdlc_frame f;
                assert_true(hdlc_frame_parse(r->out, r->out_len, &f) > 0);
                r->out_len = 0;
            }
            assert_int_equal(r->apdus, 0);
        }
    }
    /* a wrong physical address, the 1-byte client address of another
     * server's answer: silence */
    r->srv.lower = 18;
    cl_send(r, false, hdlc_ctl_i(0, 0, true), stream, sizeof stream);
    assert_int_equal(r->out_len, 0);
    r->srv.lower = 17;
    /* garbage, flags, half frames */
    uint8_t g[300];
    fill(g, sizeof g, 77);
    rig_feed(r, g, sizeof g);
    rig_feed(r, fr, 10); /* half a frame, then silence */
    r->now += 5000;
    assert_int_equal(r->out_len, 0);
    assert_int_equal(r->apdus, 0);
    assert_true(hdlc_link_connected(&r->l));
    /* the intact frame, right after garbage that ends in a false start */
    static const uint8_t noise[] = {0x55, 0x7E, 0xA3, 0x01, 0x7E, 0x7E};
    rig_feed(r, noise, sizeof noise);
    assert_int_equal(rig_feed(r, fr, n), n);
    assert_int_equal(r->apdus, 1);
    assert_memory_equal(r->last_apdu, apdu, sizeof apdu);
    uint8_t got[64];
    r->ns = 1;
    assert_int_equal(cl_response(r, got, NULL, NULL), 10);
}

/* 1- and 4-byte server addresses; the answer echoes the form. */
static void address_forms(void **state)
{
    struct rig *r = *state;
    uint8_t got[64];
    r->rsp_len = 12;
    fill(r->rsp, 12, 1);
    uint8_t req[] = {1, 2, 3};
    r->srv = (struct hdlc_addr){1, 0, 1};
    cl_connect(r, 128, 128, 1, 1);
    cl_request(r, req, 3, 128, 1);
    assert_int_equal(cl_response(r, got, NULL, NULL), 12);
    r->srv = (struct hdlc_addr){1, 17, 4};
    cl_connect(r, 128, 128, 1, 1);
    cl_request(r, req, 3, 128, 1);
    assert_int_equal(cl_response(r, got, NULL, NULL), 12);
    /* another physical address configured */
    r->cfg.phys = 0x1234;
    hdlc_link_init(&r->l, &r->cfg);
    cl_send(r, false, 0x93, NULL, 0); /* to 17: silence */
    assert_int_equal(r->out_len, 0);
    r->srv = (struct hdlc_addr){1, 0x1234, 4};
    cl_connect(r, 128, 128, 1, 1);
    /* a logical device the meter does not have: silence */
    r->srv = (struct hdlc_addr){2, 0x1234, 4};
    cl_send(r, false, 0x93, NULL, 0);
    assert_int_equal(r->out_len, 0);
}

/* Disconnected, a byte that starts no frame is left to other protocols;
 * connected, noise is swallowed. */
static void release_bytes(void **state)
{
    struct rig *r = *state;
    struct hdlc_ev ev;
    assert_int_equal(hdlc_link_rx(&r->l, (const uint8_t *)"/?!\r\n", 5, r->now, &ev), 0);
    assert_int_equal(hdlc_link_rx(&r->l, (const uint8_t *)"\x7E\x7E/?!", 5, r->now, &ev), 2);
    cl_connect(r, 128, 128, 1, 1);
    assert_int_equal(hdlc_link_rx(&r->l, (const uint8_t *)"/?!\r\n", 5, r->now, &ev), 5);
}

/* Random input: never an event without a valid frame, output only well
 * formed frames. */
static void random_input(void **state)
{
    struct rig *r = *state;
    srand(7);
    uint8_t b[512];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof b);
        for (size_t i = 0; i < n; i++) {
            int x = rand() % 8;
            b[i] = x == 0 ? 0x7E : x == 1 ? 0xA0 : (uint8_t)rand();
        }
        r->now += (uint32_t)(rand() % 300);
        rig_feed(r, b, n);
        while (r->out_len > 0) {
            struct hdlc_frame f;
            int k = hdlc_frame_parse(r->out, r->out_len, &f);
            assert_true(k > 0);
            memmove(r->out, r->out + k, r->out_len - (size_t)k);
            r->out_len -= (size_t)k;
        }
    }
    assert_int_equal(r->connects, 0);
    assert_int_equal(r->apdus, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codec_vectors),
        cmocka_unit_test(addresses),
        cmocka_unit_test_setup_teardown(link_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(ua_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(negotiation, setup, teardown),
        cmocka_unit_test_setup_teardown(segmentation, setup, teardown),
        cmocka_unit_test_setup_teardown(go_back, setup, teardown),
        cmocka_unit_test_setup_teardown(repeated_request, setup, teardown),
        cmocka_unit_test_setup_teardown(disc_dm, setup, teardown),
        cmocka_unit_test_setup_teardown(frmr, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(address_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(release_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(random_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
