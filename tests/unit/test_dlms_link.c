/* The DLMS link drivers on a virtual meter, through meter_port_rx and the
 * port's sinks, with the real application behind them: HDLC on the optical
 * head (direct and after an IEC 62056-21 mode E sign-on) and on the serial
 * module port, the TCP wrapper on the TCP/IP module lines (two clients at
 * once, each its own association), and the ends of a session (DISC, line
 * drop, inactivity, a full association pool). The client here is the
 * test's own: HDLC frames from hdlc_frame_encode (whose bytes test_hdlc
 * checks against the dlms-cosem vectors), APDUs spelled out byte by byte
 * (the AARQs are the vectors of ../shared/vectors/dlms.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "proto/dlms/dlms.h"
#include "proto/hdlc/hdlc_frame.h"
#include "proto/port.h"
#include "proto/wrapper/wrapper.h"
#include "legal/audit.h"
#include "trimeter/meter.h"
#include "vmeter.h"

#define START_UTC 1774742400LL

/* What the meter sent on each line, and its line changes. */
struct sink {
    uint8_t buf[65536];
    size_t n;
    unsigned configs;
    uint32_t baud[8];
    int framing[8];
    size_t at[8];   /* bytes sent before each line change */
    bool hung_up;
};

struct rig {
    struct vmeter v;
    uint8_t *nvm;
    struct sink line[METER_LINES];
    size_t room, credit;  /* TX room per main-loop pass (0 = no limit), what is left */
    unsigned overruns;    /* writes beyond the room offered */
    unsigned long passes;
};

static size_t sink_write(void *ctx, unsigned line, const uint8_t *b, size_t len)
{
    struct rig *r = ctx;
    struct sink *s = &r->line[line];
    if (r->room != 0) {
        if (len > r->credit)
            r->overruns++;
        r->credit = len > r->credit ? 0 : r->credit - len;
    }
    assert_true(s->n + len <= sizeof s->buf);
    memcpy(s->buf + s->n, b, len);
    s->n += len;
    return len;
}

static int sink_config(void *ctx, unsigned line, uint32_t baud, enum meter_framing f)
{
    struct rig *r = ctx;
    struct sink *s = &r->line[line];
    if (s->configs < 8) {
        s->baud[s->configs] = baud;
        s->framing[s->configs] = (int)f;
        s->at[s->configs] = s->n;
    }
    s->configs++;
    return 0;
}

static size_t sink_room(void *ctx, unsigned line)
{
    struct rig *r = ctx;
    (void)line;
    return r->room == 0 ? SIZE_MAX : r->credit;
}

static void sink_hangup(void *ctx, unsigned line)
{
    struct rig *r = ctx;
    r->line[line].hung_up = true;
}

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    r->nvm = malloc(VMETER_NVM_SIZE);
    memset(r->nvm, 0xFF, VMETER_NVM_SIZE);
    assert_int_equal(vmeter_boot(&r->v, r->nvm, VMETER_NVM_SIZE, START_UTC), 0);
    for (unsigned i = 0; i < METER_LINES; i++) {
        r->v.hw.port[i].ctx = r;
        r->v.hw.port[i].write = sink_write;
        r->v.hw.port[i].config = sink_config;
        r->v.hw.port[i].hangup = sink_hangup;
        r->v.hw.port[i].room = sink_room;
    }
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->nvm);
    free(r);
}

/* Main-loop passes: time goes by ms. */
static void rig_pass(struct rig *r, uint32_t ms)
{
    r->v.hw.sim_ms += ms;
    r->passes++;
    r->credit = r->room;
    meter_poll(&r->v.m);
}

/* Passes (1 ms apart) until the line has been quiet for a while: with a
 * small TX room an answer takes many passes. */
static void rig_settle(struct rig *r, unsigned line)
{
    unsigned quiet = 0;
    for (unsigned k = 0; k < 200000 && quiet < 20; k++) {
        size_t before = r->line[line].n;
        rig_pass(r, 1);
        quiet = r->line[line].n == before ? quiet + 1 : 0;
    }
}

static unsigned assoc_used(const struct rig *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < METER_DLMS_ASSOCIATIONS; i++)
        n += r->v.m.proto.dlms.pool[i].used != 0;
    return n;
}

/* ---- an HDLC client ------------------------------------------------------- */

struct hcl {
    struct rig *r;
    unsigned line;
    struct hdlc_addr srv;
    uint8_t client;
    uint8_t ns, nr;
    uint16_t info;        /* information field it negotiates both ways */
    size_t taken;         /* bytes of the line's output consumed */
};

static void hc_send(struct hcl *c, bool seg, uint8_t ctl, const uint8_t *info, size_t n)
{
    uint8_t f[2100];
    struct hdlc_addr cl = {c->client, 0, 1};
    size_t k = hdlc_frame_encode(f, sizeof f, seg, &c->srv, &cl, ctl, info, n);
    assert_true(k > 0);
    c->r->credit = c->r->room;
    assert_int_equal(meter_port_rx(&c->r->v.m, c->line, f, k), 0);
    rig_settle(c->r, c->line);
}

/* The next frame the meter sent on the line; false if none. */
static bool hc_recv(struct hcl *c, struct hdlc_frame *f, uint8_t *info)
{
    struct sink *s = &c->r->line[c->line];
    while (c->taken < s->n && s->buf[c->taken] != HDLC_FLAG)
        c->taken++; /* an IEC answer before (mode E) */
    if (c->taken >= s->n)
        return false;
    int k = hdlc_frame_parse(s->buf + c->taken, s->n - c->taken, f);
    assert_true(k > 0);
    assert_int_equal(f->dst.upper, c->client);
    assert_int_equal(f->src.len, c->srv.len);
    if (f->info_len > 0)
        memcpy(info, f->info, f->info_len);
    f->info = info;
    c->taken += (size_t)k;
    return true;
}

static uint8_t hc_connect(struct hcl *c)
{
    uint8_t p[HDLC_PARAMS_MAX];
    struct hdlc_params par = {c->info, c->info, 1, 1};
    size_t n = hdlc_params_encode(p, &par);
    hc_send(c, false, HDLC_CTL_SNRM | HDLC_PF, p, n);
    struct hdlc_frame f;
    uint8_t info[64];
    assert_true(hc_recv(c, &f, info));
    c->ns = c->nr = 0;
    return f.ctl;
}

/* One request (it fits a frame) and the whole answer, RR after each
 * frame with S. Returns the APDU length, 0 if the meter answered with an
 * S/U frame (its control in *ctl). */
static size_t hc_xfer(struct hcl *c, const uint8_t *apdu, size_t n, uint8_t *rsp, uint8_t *ctl)
{
    uint8_t info[2100];
    memcpy(info, "\xE6\xE6\x00", 3);
    memcpy(info + 3, apdu, n);
    hc_send(c, false, hdlc_ctl_i(c->ns, c->nr, true), info, n + 3);
    c->ns = (uint8_t)((c->ns + 1) & 7);
    size_t len = 0;
    bool first = true;
    for (;;) {
        struct hdlc_frame f;
        assert_true(hc_recv(c, &f, info));
        if (!hdlc_ctl_is_i(f.ctl)) {
            *ctl = f.ctl;
            return 0;
        }
        assert_int_equal(hdlc_ctl_ns(f.ctl), c->nr);
        c->nr = (uint8_t)((c->nr + 1) & 7);
        size_t skip = first ? 3 : 0;
        if (first)
            assert_memory_equal(info, "\xE6\xE7\x00", 3);
        first = false;
        memcpy(rsp + len, info + skip, f.info_len - skip);
        len += f.info_len - skip;
        if (!f.seg)
            return len;
        hc_send(c, false, hdlc_ctl_s(HDLC_CTL_RR, c->nr, true), NULL, 0);
    }
}

/* ---- APDUs ------------------------------------------------------------------- */

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        while (*s == ' ')
            s++;
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* dlms.md section 2: AARQ no security (conformance 007E1F, max PDU 1200),
 * AARQ LLS "12345678" */
static const char *AARQ_NONE = "601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0";
static const char *AARQ_LLS = "6036A1090607608574050801018A0207808B0760857405080201AC0A80083132333435363738BE10040E01000000065F1F0400007E1F04B0";

/* The AARE's association-result (A2 03 02 01 xx). */
static int aare_result(const uint8_t *a, size_t n)
{
    for (size_t i = 0; i + 4 < n; i++)
        if (a[i] == 0xA2 && a[i + 1] == 0x03 && a[i + 2] == 0x02 && a[i + 3] == 0x01)
            return a[i + 4];
    return -1;
}

static size_t get_req(uint8_t *p, uint16_t ic, const struct obis *ln, uint8_t attr)
{
    size_t k = 0;
    p[k++] = 0xC0;
    p[k++] = 0x01;
    p[k++] = 0xC1;
    p[k++] = (uint8_t)(ic >> 8);
    p[k++] = (uint8_t)ic;
    memcpy(p + k, ln->v, 6);
    k += 6;
    p[k++] = attr;
    p[k++] = 0x00;
    return k;
}

/* GET with block transfer: the raw data of every block concatenated.
 * Returns its length (or the normal response's length with *normal). */
static size_t get_all(struct hcl *c, const uint8_t *req, size_t n, uint8_t *out, unsigned *blocks)
{
    static uint8_t rsp[4096];
    uint8_t ctl = 0;
    size_t len = hc_xfer(c, req, n, rsp, &ctl);
    assert_true(len > 3);
    assert_int_equal(rsp[0], 0xC4);
    *blocks = 0;
    if (rsp[1] == 0x01) {
        memcpy(out, rsp, len);
        return len;
    }
    size_t total = 0;
    for (;;) {
        assert_int_equal(rsp[1], 0x02);
        assert_int_equal(rsp[8], 0x00); /* raw-data */
        size_t pos = 9, dl = rsp[pos++];
        if (dl == 0x81) {
            dl = rsp[pos++];
        } else if (dl == 0x82) {
            dl = (size_t)rsp[pos] << 8 | rsp[pos + 1];
            pos += 2;
        }
        assert_int_equal(pos + dl, len);
        memcpy(out + total, rsp + pos, dl);
        total += dl;
        (*blocks)++;
        if (rsp[3])
            return total;
        uint8_t next[7] = {0xC0, 0x02, 0xC1, rsp[4], rsp[5], rsp[6], rsp[7]};
        len = hc_xfer(c, next, sizeof next, rsp, &ctl);
        assert_true(len > 9);
    }
}

/* A line's session is of the driver with this audit source, and counted
 * (sessions are counted in the legal snapshot, at their first valid
 * message: legal/audit.h). */
static bool newest_session(const struct rig *r, enum meter_src src)
{
    for (unsigned l = 0; l < METER_LINES; l++) {
        const struct session *s = port_session_c(&r->v.m, l);
        if (s != NULL && s->drv != NULL && s->drv->src == src && s->audited)
            return r->v.m.legal.audit.sessions > 0;
    }
    return false;
}

/* A row the public client may not read but the reading client may. */
static const struct obj_def *reader_row(void)
{
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *o = objtab_at(i);
        if (o->rd == METER_ACC_READER && (o->ic == 1 || o->ic == 3) && o->get != NULL)
            return o;
    }
    return NULL;
}

/* ---- tests --------------------------------------------------------------------- */

static void optical_hdlc(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct hcl c = {r, METER_LINE_OPTICAL, {1, 17, 2}, 16, 0, 0, 128, 0};
    assert_int_equal(hc_connect(&c), 0x73);
    assert_true(newest_session(r, METER_SRC_OPTICAL_DLMS));
    assert_int_equal(assoc_used(r), 1);
    static uint8_t a[4096], out[65536];
    uint8_t ctl = 0;
    size_t n = unhex(AARQ_NONE, a);
    size_t len = hc_xfer(&c, a, n, a, &ctl);
    assert_int_equal(aare_result(a, len), 0);
    /* a register */
    struct obis ln = {{1, 0, 1, 8, 0, 255}};
    n = get_req(a, 3, &ln, 2);
    len = hc_xfer(&c, a, n, a, &ctl);
    assert_true(len >= 5);
    assert_memory_equal(a, "\xC4\x01\xC1\x00", 4);
    /* the association view: long, in blocks, each in 128-byte frames */
    struct obis view = {{0, 0, 40, 0, 0, 255}};
    n = get_req(a, 15, &view, 2);
    unsigned blocks = 0;
    size_t total = get_all(&c, a, n, out, &blocks);
    assert_true(blocks >= 2);
    assert_true(total > 1000);
    assert_int_equal(out[0], 0x01); /* array of object list elements */
    /* DISC: UA, the association is gone, the link too */
    hc_send(&c, false, HDLC_CTL_DISC | HDLC_PF, NULL, 0);
    struct hdlc_frame f;
    uint8_t info[64];
    assert_true(hc_recv(&c, &f, info));
    assert_int_equal(f.ctl, 0x73);
    assert_int_equal(assoc_used(r), 0);
    n = get_req(a, 3, &ln, 2);
    assert_int_equal(hc_xfer(&c, a, n, a, &ctl), 0);
    assert_int_equal(ctl, 0x1F); /* DM */
    rig_free(r);
}

/* IEC 62056-21 sign-on, option select ACK 2 Z 2 (mode E): the switch
 * confirm at 9600 Bd 7E1, then 8N1 and HDLC on the same session. */
static void optical_mode_e(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct sink *s = &r->line[METER_LINE_OPTICAL];
    meter_port_rx(&r->v.m, 0, (const uint8_t *)"/?!\r\n", 5);
    rig_pass(r, 10);
    assert_true(s->n >= 5);
    assert_memory_equal(s->buf, "/TRM5", 5);
    size_t id = s->n;
    unsigned cfg0 = s->configs;
    meter_port_rx(&r->v.m, 0, (const uint8_t *)"\x06" "252\r\n", 6);
    rig_pass(r, 10);
    assert_int_equal(s->n, id + 6);
    assert_memory_equal(s->buf + id, "\x06" "252\r\n", 6);
    /* 9600 7E1 before the confirm, 9600 8N1 after it */
    assert_int_equal(s->configs, cfg0 + 2);
    assert_int_equal(s->baud[cfg0], 9600);
    assert_int_equal(s->framing[cfg0], METER_FRAMING_7E1);
    assert_int_equal(s->at[cfg0], id);
    assert_int_equal(s->baud[cfg0 + 1], 9600);
    assert_int_equal(s->framing[cfg0 + 1], METER_FRAMING_8N1);
    assert_int_equal(s->at[cfg0 + 1], id + 6);
    struct hcl c = {r, METER_LINE_OPTICAL, {1, 17, 2}, 16, 0, 0, 128, id + 6};
    assert_int_equal(hc_connect(&c), 0x73);
    assert_true(newest_session(r, METER_SRC_OPTICAL_DLMS)); /* audited at its first valid frame */
    static uint8_t a[512];
    uint8_t ctl = 0;
    size_t n = unhex(AARQ_NONE, a);
    size_t len = hc_xfer(&c, a, n, a, &ctl);
    assert_int_equal(aare_result(a, len), 0);
    /* mode E with V '2' but Y '1' is no HDLC switch: the session ends */
    struct rig *r2 = rig_new();
    meter_port_rx(&r2->v.m, 0, (const uint8_t *)"/?!\r\n", 5);
    rig_pass(r2, 10);
    size_t id2 = r2->line[0].n;
    meter_port_rx(&r2->v.m, 0, (const uint8_t *)"\x06" "251\r\n", 6);
    rig_pass(r2, 10);
    assert_int_equal(r2->line[0].n, id2);
    assert_null(port_session(&r2->v.m, 0)->drv);
    rig_free(r2);
    rig_free(r);
}

/* The serial module port: KMP and HDLC on one line, one after the other;
 * the audit names the serial port. 1- and 4-byte server addresses. */
static void serial_hdlc(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct hcl c = {r, METER_LINE_SERIAL, {1, 0, 1}, 17, 0, 0, 256, 0};
    assert_int_equal(hc_connect(&c), 0x73);
    assert_true(newest_session(r, METER_SRC_SERIAL_DLMS));
    static uint8_t a[4096];
    uint8_t ctl = 0;
    size_t n = unhex(AARQ_LLS, a);
    size_t len = hc_xfer(&c, a, n, a, &ctl);
    assert_int_equal(aare_result(a, len), 0);
    const struct obj_def *o = reader_row();
    assert_non_null(o);
    n = get_req(a, o->ic, &o->ln, 2);
    len = hc_xfer(&c, a, n, a, &ctl);
    assert_memory_equal(a, "\xC4\x01\xC1\x00", 4); /* the reading client reads it */
    c.srv = (struct hdlc_addr){1, 17, 4};
    c.client = 16;
    assert_int_equal(hc_connect(&c), 0x73); /* a SNRM takes the line over */
    assert_int_equal(assoc_used(r), 1);
    n = unhex(AARQ_NONE, a);
    len = hc_xfer(&c, a, n, a, &ctl);
    assert_int_equal(aare_result(a, len), 0);
    n = get_req(a, o->ic, &o->ln, 2);
    len = hc_xfer(&c, a, n, a, &ctl);
    assert_true(len >= 5);
    assert_memory_equal(a, "\xC4\x01\xC1\x01", 4); /* the public client gets a data-access-result */
    rig_free(r);
}

/* The link and its association end with the line, and after the
 * inactivity timeout; a full pool answers DM. */
static void ends(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct hcl c = {r, METER_LINE_OPTICAL, {1, 17, 2}, 16, 0, 0, 128, 0};
    assert_int_equal(hc_connect(&c), 0x73);
    assert_int_equal(assoc_used(r), 1);
    meter_port_close(&r->v.m, METER_LINE_OPTICAL);
    assert_int_equal(assoc_used(r), 0);
    assert_int_equal(hc_connect(&c), 0x73);
    assert_int_equal(assoc_used(r), 1);
    for (int i = 0; i < 119; i++)
        rig_pass(r, 1000);
    assert_int_equal(assoc_used(r), 1); /* not yet */
    rig_pass(r, 2000);
    assert_int_equal(assoc_used(r), 0);
    static uint8_t a[512];
    uint8_t ctl = 0;
    size_t n = unhex(AARQ_NONE, a);
    assert_int_equal(hc_xfer(&c, a, n, a, &ctl), 0);
    assert_int_equal(ctl, 0x1F); /* the link ended with it: DM */
    /* every association taken: DM to the SNRM */
    struct dlms_ctx *held[METER_DLMS_ASSOCIATIONS];
    for (unsigned i = 0; i < METER_DLMS_ASSOCIATIONS; i++)
        held[i] = dlms_open(&r->v.m, 16, 1, METER_SRC_DLMS_TCP);
    assert_int_equal(hc_connect(&c), 0x1F);
    for (unsigned i = 0; i < METER_DLMS_ASSOCIATIONS; i++)
        if (held[i] != NULL)
            dlms_close(&r->v.m, held[i]);
    assert_int_equal(hc_connect(&c), 0x73);
    rig_free(r);
}

/* ---- the wrapper on the TCP/IP module lines ------------------------------------ */

static size_t wr_xfer(struct rig *r, unsigned line, size_t *taken, uint16_t client, const uint8_t *apdu, size_t n,
                      uint8_t *rsp)
{
    uint8_t f[2100];
    wrapper_hdr_encode(f, client, 1, (uint16_t)n);
    memcpy(f + 8, apdu, n);
    meter_port_rx(&r->v.m, line, f, n + 8);
    rig_pass(r, 10);
    struct sink *s = &r->line[line];
    if (s->n - *taken < 8)
        return 0;
    struct wrapper_hdr h;
    wrapper_hdr_decode(s->buf + *taken, &h);
    assert_int_equal(h.version, 1);
    assert_int_equal(h.src, 1);
    assert_int_equal(h.dst, client);
    assert_int_equal(s->n - *taken, 8u + h.len);
    memcpy(rsp, s->buf + *taken + 8, h.len);
    *taken = s->n;
    return h.len;
}

static void wrapper_two_clients(void **state)
{
    (void)state;
#if METER_TCP_SESSIONS >= 2
    struct rig *r = rig_new();
    unsigned l1 = METER_LINE_TCP, l2 = METER_LINE_TCP + 1;
    meter_port_open(&r->v.m, l1);
    meter_port_open(&r->v.m, l2);
    size_t t1 = 0, t2 = 0;
    static uint8_t a[4096];
    size_t n = unhex(AARQ_NONE, a);
    assert_int_equal(aare_result(a, wr_xfer(r, l1, &t1, 16, a, n, a)), 0);
    n = unhex(AARQ_LLS, a);
    assert_int_equal(aare_result(a, wr_xfer(r, l2, &t2, 17, a, n, a)), 0);
    assert_int_equal(assoc_used(r), 2);
    assert_true(newest_session(r, METER_SRC_DLMS_TCP));
    const struct obj_def *o = reader_row();
    n = get_req(a, o->ic, &o->ln, 2);
    size_t len = wr_xfer(r, l1, &t1, 16, a, n, a);
    assert_true(len >= 5);
    assert_memory_equal(a, "\xC4\x01\xC1\x01", 4); /* public: refused */
    n = get_req(a, o->ic, &o->ln, 2);
    len = wr_xfer(r, l2, &t2, 17, a, n, a);
    assert_memory_equal(a, "\xC4\x01\xC1\x00", 4); /* reader: read */
    n = get_req(a, o->ic, &o->ln, 2);
    len = wr_xfer(r, l1, &t1, 16, a, n, a);
    assert_memory_equal(a, "\xC4\x01\xC1\x01", 4); /* still refused on the first line */
    /* the second client leaves: its association with it */
    meter_port_close(&r->v.m, l2);
    assert_int_equal(assoc_used(r), 1);
    /* a new connection on that line starts from nothing: no association,
     * so a GET without an AARQ is not served as the reader's */
    meter_port_open(&r->v.m, l2);
    t2 = r->line[l2].n;
    n = get_req(a, o->ic, &o->ln, 2);
    len = wr_xfer(r, l2, &t2, 17, a, n, a);
    assert_true(len == 0 || a[0] != 0xC4 || a[3] != 0x00);
    /* not the wrapper: that session ends, the other goes on */
    meter_port_rx(&r->v.m, l2, (const uint8_t *)"\x00\x02\x00\x10\x00\x01\x00\x01\xC0", 9);
    rig_pass(r, 10);
    assert_null(port_session(&r->v.m, l2)->drv);
    n = get_req(a, o->ic, &o->ln, 2);
    len = wr_xfer(r, l1, &t1, 16, a, n, a);
    assert_true(len >= 5);
    rig_free(r);
#endif
}

/* The HDLC configuration rows (scenario keys, DLMS part 2's SET): a new
 * physical address takes effect for the next link, class 23 reads it. */
static void configuration(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    const struct obj_def *o = objtab_find_key("hdlc_address");
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    v.i = 0x1234;
    assert_int_equal(obj_write(&r->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), 0);
    v.i = 5; /* reserved range */
    assert_int_not_equal(obj_write(&r->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), 0);
    v.i = 0x1234;
    assert_int_not_equal(obj_write(&r->v.m, o, METER_ACC_PUBLIC, &v, METER_SRC_SIM), 0);
    struct hcl c = {r, METER_LINE_SERIAL, {1, 17, 2}, 16, 0, 0, 128, 0};
    hc_send(&c, false, HDLC_CTL_SNRM | HDLC_PF, NULL, 0);
    assert_int_equal(r->line[METER_LINE_SERIAL].n, 0); /* 17 is somebody else now */
    c.srv = (struct hdlc_addr){1, 0x1234, 4};
    assert_int_equal(hc_connect(&c), 0x73);
    static uint8_t a[512];
    uint8_t ctl = 0;
    size_t n = unhex(AARQ_NONE, a);
    assert_int_equal(aare_result(a, hc_xfer(&c, a, n, a, &ctl)), 0);
    struct obis setup = {{0, 0, 22, 0, 0, 255}};
    n = get_req(a, 23, &setup, 9);
    size_t len = hc_xfer(&c, a, n, a, &ctl);
    assert_int_equal(len, 7);
    assert_memory_equal(a, "\xC4\x01\xC1\x00\x12\x12\x34", 7); /* long-unsigned 0x1234 */
    n = get_req(a, 23, &setup, 5);
    len = hc_xfer(&c, a, n, a, &ctl);
    assert_memory_equal(a, "\xC4\x01\xC1\x00\x12\x07\xEE", 7); /* 2030 */
    rig_free(r);
}

/* The answer through a port that takes 7 bytes per main-loop pass (a small
 * UART ring): the same bytes, never more than the room, in many passes. */
static void small_room(void **state)
{
    (void)state;
    static uint8_t view1[65536], view2[65536], a[512];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
        struct rig *r = rig_new();
        r->room = k == 0 ? 0 : 7;
        struct hcl c = {r, METER_LINE_SERIAL, {1, 17, 2}, 16, 0, 0, 128, 0};
        assert_int_equal(hc_connect(&c), 0x73);
        uint8_t ctl = 0;
        size_t n = unhex(AARQ_NONE, a);
        assert_int_equal(aare_result(a, hc_xfer(&c, a, n, a, &ctl)), 0);
        struct obis view = {{0, 0, 40, 0, 0, 255}};
        n = get_req(a, 15, &view, 2);
        unsigned blocks;
        len[k] = get_all(&c, a, n, k == 0 ? view1 : view2, &blocks);
        assert_int_equal(r->overruns, 0);
        if (k == 1)
            assert_true(r->passes > r->line[METER_LINE_SERIAL].n / 7); /* it did take many passes */
        rig_free(r);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(view1, view2, len[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(optical_hdlc),
        cmocka_unit_test(optical_mode_e),
        cmocka_unit_test(serial_hdlc),
        cmocka_unit_test(ends),
        cmocka_unit_test(wrapper_two_clients),
        cmocka_unit_test(small_room),
        cmocka_unit_test(configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
