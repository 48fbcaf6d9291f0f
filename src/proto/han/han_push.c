/*
 * han_push.c — HAN push: schedule, frames made a piece at a time, optional
 * encryption, and the driver descriptor (han.h). Configuration, rows and
 * the configuration section: han_cfg.c.
 */
#include "proto/han/han.h"

#include <string.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/han/han_list.h"
#include "proto/han/han_priv.h"
#include "proto/port.h"
#include "registers/clock.h"
#include "trimeter/meter.h"
#include "util/axdr.h"
#include "util/crc.h"

/* ---- frame layout -------------------------------------------------------------
 *
 *   7E | A0+len(2) | dest | src | 13 (UI, final) | HCS(2) | information | FCS(2) | 7E
 *
 * information, plain:      E6 E7 00 | APDU
 * information, encrypted:  E6 E7 00 | DB 08 system-title(8) | length |
 *                          30 (SC) | IC(4) | APDU ciphered | tag(12)
 * APDU (data-notification): 0F | long-invoke-id(4) | 0C date-time(12) |
 *                          02 n (structure) | elements
 *
 * Pieces: the header (flag .. the structure's header), one capture object
 * per piece, the trailer (tag, FCS, flag). The length field counts from the
 * format field to the FCS, so the frame is counted before its first piece
 * (han_count), and every later piece is checked against the count. */

enum han_step { HAN_STEP_ITEMS = 0, HAN_STEP_TRAILER = 1, HAN_STEP_DONE = 2 };

#define HDLC_HEAD 7u    /* format (2), destination, source, control, HCS (2) */
#define HAN_LLC 3u
#define HAN_SC 0x30u    /* security control: suite 0, authenticated and encrypted */
#define HAN_SERVER 0x03u /* source address: logical device 1, one byte */
/* The largest header piece: flag, HDLC header, LLC, general-glo-ciphering
 * header (tag, title, a 3-byte length, SC, IC), the APDU head (tag,
 * invoke-id, date-time, structure header); the trailer: tag, FCS, flag. */
_Static_assert(HAN_PIECE >= 1u + HDLC_HEAD + HAN_LLC + 1u + 1u + HAN_SYSTITLE_LEN + 3u + 1u + 4u + 1u + 4u + 13u + 2u,
               "the header fits a piece");
_Static_assert(HAN_PIECE >= HAN_TAG_LEN + 3u, "the trailer fits a piece");

/* COSEM date-time (12 bytes) of a UTC instant in the meter's local time:
 * deviation in minutes as amshan and Gurux read it (local = UTC -
 * deviation), clock status bit 7 = daylight saving active. */
static void han_datetime(const struct meter *m, int64_t utc, uint8_t out[12])
{
    struct clock_dt dt;
    int off = clock_offset_min(&m->cfg.zone, utc);
    uint16_t dev = (uint16_t)(int16_t)-off;
    clock_split(utc + (int64_t)off * 60, &dt);
    out[0] = (uint8_t)((unsigned)dt.year >> 8);
    out[1] = (uint8_t)dt.year;
    out[2] = dt.mon;
    out[3] = dt.day;
    out[4] = dt.wday;
    out[5] = dt.hour;
    out[6] = dt.min;
    out[7] = dt.sec;
    out[8] = 0x00; /* hundredths */
    out[9] = (uint8_t)(dev >> 8);
    out[10] = (uint8_t)dev;
    out[11] = clock_dst_active(&m->cfg.zone, utc) ? 0x80 : 0x00;
}

/* Whether v fits the A-XDR integer type. */
static bool han_fits(int64_t v, uint8_t tag)
{
    switch (tag) {
    case AXDR_U8: return v >= 0 && v <= 0xFF;
    case AXDR_U16: return v >= 0 && v <= 0xFFFF;
    case AXDR_U32: return v >= 0 && v <= 0xFFFFFFFFll;
    case AXDR_I8: return v >= -128 && v <= 127;
    case AXDR_I16: return v >= -32768 && v <= 32767;
    case AXDR_I32: return v >= -2147483648ll && v <= 2147483647ll;
    default: return false;
    }
}

/* The value of one capture object. A value that cannot be sent truthfully
 * (no such row any more, an error, out of the type's range, a string
 * longer than a piece holds) goes out as null-data: a receiver never sees
 * a wrong number. */
static void han_put_value(struct axdr_w *w, const struct meter *m, const struct han_item *it)
{
    const struct obj_def *o = han_item_row(it);
    struct obj_value v;
    if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) < 0) {
        axdr_put_null(w);
        return;
    }
    switch (v.type) {
    case OBJ_T_DATETIME: {
        uint8_t dt[12];
        han_datetime(m, v.i, dt);
        axdr_put_octets_fixed(w, dt, sizeof dt);
        return;
    }
    case OBJ_T_STRING:
        if (v.len > HAN_STR_MAX)
            axdr_put_null(w);
        else
            axdr_put_string(w, AXDR_VISIBLE, v.s, v.len);
        return;
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM: {
        /* The list format's scaler and type; other objects: the row's
         * scaler, as double-long(-unsigned). */
        const struct han_quantity *q = han_quantity_find(it->c, it->d, it->e);
        int8_t sc = q != NULL ? q->scaler : v.scaler;
        uint8_t tag = q != NULL ? q->tag : (v.type == OBJ_T_INT ? AXDR_I32 : AXDR_U32);
        int64_t x = obj_value_at_scaler(&v, sc);
        if (han_fits(x, tag))
            axdr_put_int(w, (enum axdr_tag)tag, x);
        else
            axdr_put_null(w);
        return;
    }
    default:
        axdr_put_null(w);
        return;
    }
}

/* One capture object: its logical name and/or its value. */
static void han_put_item(struct axdr_w *w, const struct meter *m, const struct han_item *it)
{
    if (it->flags & HAN_ITEM_LN) {
        const uint8_t ln[6] = {(it->flags & HAN_ITEM_A1) ? 1 : 0, (it->flags & HAN_ITEM_B1) ? 1 : 0, it->c, it->d,
                               it->e, 255};
        axdr_put_octets_fixed(w, ln, sizeof ln);
    }
    if (it->flags & HAN_ITEM_VALUE)
        han_put_value(w, m, it);
}

static unsigned han_elements(const struct han_setup_cfg *su)
{
    unsigned n = 0;
    for (unsigned i = 0; i < su->n; i++)
        n += ((su->item[i].flags & HAN_ITEM_LN) ? 1u : 0u) + ((su->item[i].flags & HAN_ITEM_VALUE) ? 1u : 0u);
    return n;
}

/* The data-notification up to its body's elements. */
static void han_put_apdu_head(struct axdr_w *w, const struct meter *m, const struct han_setup_cfg *su,
                              uint32_t invoke, int64_t stamp)
{
    uint8_t dt[12];
    han_datetime(m, stamp, dt);
    axdr_put_byte(w, 0x0F); /* data-notification */
    axdr_put_be(w, invoke & 0x00FFFFFFu, 4); /* long-invoke-id-and-priority: priority normal */
    axdr_put_len(w, sizeof dt); /* date-time: OPTIONAL octet-string present, no type tag */
    axdr_put_raw(w, dt, sizeof dt);
    axdr_put_struct(w, han_elements(su));
}

/* Bytes of the APDU of setup su as it would be made now (values read). */
static uint32_t han_count(const struct meter *m, const struct han_setup_cfg *su, uint32_t invoke, int64_t stamp)
{
    struct axdr_w w;
    axdr_w_init(&w, NULL, 0); /* counts only */
    han_put_apdu_head(&w, m, su, invoke, stamp);
    for (unsigned i = 0; i < su->n; i++)
        han_put_item(&w, m, &su->item[i]); /* each fits a piece: HAN_STR_MAX */
    return w.pos;
}

void han_system_title(const struct meter *m, uint8_t out[HAN_SYSTITLE_LEN])
{
    out[0] = 'T';
    out[1] = 'R';
    out[2] = 'M';
    out[3] = 0;
    for (unsigned k = 0; k < 4; k++)
        out[4 + k] = (uint8_t)(m->serial >> (8u * (3u - k)));
}

/* ---- invocation counter ---------------------------------------------------------- */

/* The counter of the next encrypted frame. The block after the reserved
 * ones is reserved in the store first (write-ahead): the stored limit is
 * always above every counter used, so a power cut never makes one repeat
 * under the same key. */
static int han_ic_take(struct meter *m, uint32_t *ic)
{
    struct han_meter *h = &m->proto.han;
    if (!h->ic_ready) {
        h->ic_next = h->cfg.ic_limit; /* those below may have been used before the last power-up */
        h->ic_ready = true;
    }
    if (h->ic_next == UINT32_MAX)
        return METER_ERANGE; /* 2^32 frames: 1361 years of 10-s pushes */
    if (h->ic_next >= h->cfg.ic_limit) {
        uint32_t old = h->cfg.ic_limit;
        h->cfg.ic_limit = h->ic_next <= UINT32_MAX - HAN_IC_RESERVE ? h->ic_next + HAN_IC_RESERVE : UINT32_MAX;
        if (config_save(m) < 0) {
            h->cfg.ic_limit = old; /* not reserved: no encrypted frame */
            return METER_EIO;
        }
    }
    *ic = h->ic_next++;
    return METER_OK;
}

/* ---- making the pieces ------------------------------------------------------------ */

/* Hand piece[0..n) to the line; it counts into the frame (and its FCS)
 * from `from` on (the opening flag does not). */
static void han_send_piece(struct meter *m, struct session *s, size_t from, size_t n)
{
    struct han_session *f = &s->st.han;
    f->fcs = crc16_x25(f->fcs, f->piece + from, n - from);
    f->done = (uint16_t)(f->done + (n - from));
    session_send(m, s, f->piece, n);
}

/* Begin a frame of setup k: count it, reserve its counter, make the
 * header piece. */
static int han_frame_start(struct meter *m, struct session *s, unsigned k)
{
    struct han_meter *h = &m->proto.han;
    struct han_session *f = &s->st.han;
    const struct han_setup_cfg *su = &h->cfg.setup[k];
    memset(f, 0, sizeof *f);
    f->setup = (uint8_t)k;
    f->stamp = m->now;
    f->invoke = h->invoke_id & 0x00FFFFFFu;
    f->cipher = h->cfg.encrypt != 0;
    uint32_t apdu = han_count(m, su, f->invoke, f->stamp);
    /* ciphered content: SC, IC, the APDU, the tag */
    uint32_t ct = 1u + 4u + apdu + HAN_TAG_LEN;
    struct axdr_w lw;
    axdr_w_init(&lw, NULL, 0);
    axdr_put_len(&lw, ct);
    uint32_t info = HAN_LLC + (f->cipher ? 1u + 1u + HAN_SYSTITLE_LEN + lw.pos + ct : apdu);
    uint32_t len = HDLC_HEAD + info + 2u;
    if (len > 0x7FFu)
        return METER_ENOSPC; /* cannot happen with HAN_ITEMS pieces; keep the field honest */
    uint8_t st[HAN_SYSTITLE_LEN];
    uint32_t ic = 0;
    if (f->cipher) {
        int r = han_ic_take(m, &ic);
        if (r < 0)
            return r;
        uint8_t iv[AES_GCM_IV_LEN], aad[1 + AES_KEY_LEN];
        han_system_title(m, st);
        memcpy(iv, st, sizeof st);
        for (unsigned b = 0; b < 4; b++)
            iv[8 + b] = (uint8_t)(ic >> (8u * (3u - b)));
        aad[0] = HAN_SC;
        memcpy(aad + 1, h->cfg.ak, AES_KEY_LEN);
        r = aes_gcm_start(&f->gcm, m->hal, h->cfg.ek, iv);
        if (r == METER_OK)
            r = aes_gcm_aad(&f->gcm, aad, sizeof aad);
        aes_wipe(aad, sizeof aad);
        if (r < 0) {
            aes_wipe(&f->gcm, sizeof f->gcm);
            return r; /* no AES engine: nothing goes out in clear instead */
        }
    }
    struct axdr_w w;
    axdr_w_init(&w, f->piece, sizeof f->piece);
    axdr_put_byte(&w, 0x7E);
    axdr_put_be(&w, 0xA000u | len, 2); /* type 3, not segmented */
    axdr_put_byte(&w, (uint8_t)((unsigned)su->dest << 1 | 1u));
    axdr_put_byte(&w, HAN_SERVER);
    axdr_put_byte(&w, 0x13); /* UI, final */
    uint16_t hcs = crc16_x25(0, f->piece + 1, 5);
    axdr_put_byte(&w, (uint8_t)hcs);
    axdr_put_byte(&w, (uint8_t)(hcs >> 8));
    axdr_put_byte(&w, 0xE6); /* LLC: destination LSAP, source LSAP (response), quality */
    axdr_put_byte(&w, 0xE7);
    axdr_put_byte(&w, 0x00);
    if (f->cipher) {
        axdr_put_byte(&w, 0xDB); /* general-glo-ciphering */
        axdr_put_len(&w, HAN_SYSTITLE_LEN);
        axdr_put_raw(&w, st, sizeof st);
        axdr_put_len(&w, ct);
        axdr_put_byte(&w, HAN_SC);
        axdr_put_be(&w, ic, 4);
    }
    uint32_t at = w.pos; /* the APDU starts here */
    han_put_apdu_head(&w, m, su, f->invoke, f->stamp);
    if (f->cipher && aes_gcm_encrypt_part(&f->gcm, f->piece + at, f->piece + at, w.pos - at) < 0) {
        aes_wipe(&f->gcm, sizeof f->gcm);
        return METER_EIO;
    }
    f->len = (uint16_t)len;
    han_send_piece(m, s, 1, w.pos);
    return METER_OK;
}

/* The next piece of the frame (the port asks when the last one was handed
 * over): a capture object, filler for a spoilt frame, the trailer. */
bool han_tx_more(struct meter *m, struct session *s)
{
    struct han_session *f = &s->st.han;
    const struct han_setup_cfg *su = &m->proto.han.cfg.setup[f->setup];
    if (f->step == HAN_STEP_DONE || f->len == 0)
        return false;
    uint32_t tag = f->cipher ? HAN_TAG_LEN : 0u;
    uint32_t apdu_end = (uint32_t)f->len - 2u - tag; /* `done` where the APDU ends */
    if (f->step == HAN_STEP_ITEMS) {
        if (!f->spoilt && f->item < su->n) {
            struct axdr_w w;
            axdr_w_init(&w, f->piece, sizeof f->piece);
            han_put_item(&w, m, &su->item[f->item++]);
            if (axdr_w_over(&w) || f->done + w.pos > apdu_end ||
                (f->cipher && aes_gcm_encrypt_part(&f->gcm, f->piece, f->piece, w.pos) < 0)) {
                f->spoilt = true; /* not what was counted: the header promised other bytes */
            } else {
                han_send_piece(m, s, 0, w.pos);
                return true;
            }
        }
        if (!f->spoilt && f->done != apdu_end)
            f->spoilt = true; /* shorter than counted (the list changed meanwhile) */
        if (f->spoilt && f->done < f->len - 2u) {
            /* filler up to the FCS keeps the frame's length, so a receiver
             * stays in step and drops this frame on its FCS */
            uint32_t k = (uint32_t)f->len - 2u - f->done;
            if (k > HAN_PIECE)
                k = HAN_PIECE;
            memset(f->piece, 0, k);
            han_send_piece(m, s, 0, k);
            return true;
        }
        f->step = HAN_STEP_TRAILER;
    }
    size_t k = 0;
    if (!f->spoilt && f->cipher) {
        if (aes_gcm_finish(&f->gcm, f->piece, HAN_TAG_LEN) < 0) {
            memset(f->piece, 0, HAN_TAG_LEN);
            f->spoilt = true;
        }
        f->fcs = crc16_x25(f->fcs, f->piece, HAN_TAG_LEN);
        k = HAN_TAG_LEN;
    }
    uint16_t fcs = f->spoilt ? (uint16_t)~f->fcs : f->fcs;
    f->piece[k++] = (uint8_t)fcs;
    f->piece[k++] = (uint8_t)(fcs >> 8);
    f->piece[k++] = 0x7E;
    aes_wipe(&f->gcm, sizeof f->gcm);
    f->step = HAN_STEP_DONE;
    if (f->spoilt)
        m->proto.han.errors++;
    else
        m->proto.han.frames++;
    session_send(m, s, f->piece, k);
    return true;
}

/* ---- schedule --------------------------------------------------------------------- */

/* A spread of 0..r seconds, fixed per meter and slot: meters of a street do
 * not all push in the same second, and a meter's own rhythm stays steady. */
static int64_t han_random(const struct meter *m, unsigned k, int64_t slot, unsigned r)
{
    if (r == 0)
        return 0;
    uint8_t b[13];
    for (unsigned i = 0; i < 4; i++)
        b[i] = (uint8_t)(m->serial >> (8u * i));
    for (unsigned i = 0; i < 8; i++)
        b[4 + i] = (uint8_t)((uint64_t)slot >> (8u * i));
    b[12] = (uint8_t)k;
    return (int64_t)(crc32_ieee(0, b, sizeof b) % (r + 1u));
}

static bool han_window_open(const struct meter *m, const struct han_setup_cfg *su, int64_t utc)
{
    if (su->win_start == su->win_end)
        return true;
    int64_t local = clock_to_local(&m->cfg.zone, utc);
    unsigned min = (unsigned)((local - clock_floor(local, 86400)) / 60);
    if (su->win_start < su->win_end)
        return min >= su->win_start && min < su->win_end;
    return min >= su->win_start || min < su->win_end;
}

/* A new meter second: a setup whose period starts now (local time) is due
 * after its random delay; a due push inside the window is queued. */
static void han_second(struct meter *m, int64_t now)
{
    struct han_meter *h = &m->proto.han;
    int64_t local = clock_to_local(&m->cfg.zone, now);
    for (unsigned k = 0; k < HAN_SETUPS; k++) {
        const struct han_setup_cfg *su = &h->cfg.setup[k];
        if (su->period_s == 0 || su->n == 0) {
            h->due[k] = 0;
            continue;
        }
        if (local - clock_floor(local, su->period_s) == 0)
            h->due[k] = now + han_random(m, k, local, su->random_s);
        if (h->due[k] != 0 && now >= h->due[k]) {
            h->due[k] = 0;
            if (han_window_open(m, su, now))
                h->queue |= (uint8_t)(1u << k);
        }
    }
}

int han_push_now(struct meter *m, unsigned k)
{
    if (k >= HAN_SETUPS)
        return METER_EINVAL;
    m->proto.han.queue |= (uint8_t)(1u << k);
    return METER_OK;
}

/* Every main-loop pass. Without a session the line gets one (a push
 * channel is always in session: it grants nothing and hears nothing); with
 * it: the schedule on new seconds, and the next queued list once the last
 * frame is out. */
void han_tick(struct meter *m, struct session *s)
{
    if (s->drv == NULL) {
        session_start(m, s, &han_driver);
        return;
    }
    struct han_meter *h = &m->proto.han;
    if (m->now != h->last_second) {
        /* every second once, also after a clock set (no catching up) */
        h->last_second = m->now;
        han_second(m, m->now);
    }
    if (h->queue == 0 || session_tx_busy(s) || s->more)
        return;
    unsigned k = 0;
    while (!(h->queue & (1u << k)))
        k++;
    h->queue &= (uint8_t)~(1u << k);
    if (han_frame_start(m, s, k) < 0) {
        h->errors++; /* nothing went out */
        return;
    }
    h->invoke_id = (h->invoke_id + 1u) & 0x00FFFFFFu;
    session_more(s);
}

/* Bytes a client sends on the HAN line: nobody listens. */
size_t han_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    (void)m;
    (void)s;
    (void)buf;
    return n;
}
