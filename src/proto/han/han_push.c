/*
 * han_push.c — HAN push: Push setup data model, schedule, list encoding,
 * data-notification and HDLC UI framing (han_push.h).
 */
#include "proto/han/han_push.h"

#include <string.h>

#include "cosem/objtab.h"
#include "proto/han/han_list.h"
#include "registers/clock.h"
#include "trimeter/meter.h"
#include "util/crc.h"
#include "util/fmt.h"

/* ---- configuration -------------------------------------------------------- */

#define ITEM(a_, c_, d_, e_, f_) {(a_), (c_), (d_), (e_), (f_)}
#define LNV (HAN_ITEM_LN | HAN_ITEM_VALUE)
#define CH1 (HAN_ITEM_LN | HAN_ITEM_VALUE | HAN_ITEM_B1)

/* Kamstrup list 1 of a three-phase meter (vectors/han.md section 1). */
static const struct han_item list_10s[] = {
    ITEM(0, 0, 2, 129, HAN_ITEM_VALUE), ITEM(0, 96, 1, 0, LNV), ITEM(0, 96, 1, 1, LNV),
    ITEM(1, 1, 7, 0, CH1), ITEM(1, 2, 7, 0, CH1), ITEM(1, 3, 7, 0, CH1), ITEM(1, 4, 7, 0, CH1),
    ITEM(1, 31, 7, 0, CH1), ITEM(1, 51, 7, 0, CH1), ITEM(1, 71, 7, 0, CH1),
    ITEM(1, 32, 7, 0, CH1), ITEM(1, 52, 7, 0, CH1), ITEM(1, 72, 7, 0, CH1),
};
/* List 2: list 1, the clock and the four energy registers. */
static const struct han_item list_hour_tail[] = {
    ITEM(0, 1, 0, 0, CH1), ITEM(1, 1, 8, 0, CH1), ITEM(1, 2, 8, 0, CH1), ITEM(1, 3, 8, 0, CH1),
    ITEM(1, 4, 8, 0, CH1),
};

void han_cfg_factory(struct han_cfg *c)
{
    memset(c, 0, sizeof *c);
    const size_t n1 = sizeof list_10s / sizeof list_10s[0], n2 = sizeof list_hour_tail / sizeof list_hour_tail[0];
    memcpy(c->setup[0].item, list_10s, sizeof list_10s);
    c->setup[0].n = (uint8_t)n1;
    c->setup[0].period_s = 10;
    memcpy(c->setup[1].item, list_10s, sizeof list_10s);
    memcpy(c->setup[1].item + n1, list_hour_tail, sizeof list_hour_tail);
    c->setup[1].n = (uint8_t)(n1 + n2);
    c->setup[1].period_s = 3600;
    for (unsigned s = 0; s < HAN_SETUPS; s++)
        c->setup[s].dest = 16; /* the public client */
    memcpy(c->list_id, HAN_LIST_ID_TRIMETER, sizeof HAN_LIST_ID_TRIMETER - 1);
    c->list_id_len = sizeof HAN_LIST_ID_TRIMETER - 1;
}

/* An object the public HAN channel may carry: in the table, readable by
 * anyone, a single value (no profile, no log). */
static const struct obj_def *han_item_row(const struct han_item *it)
{
    struct obis ln = OBIS(it->a, 0, it->c, it->d, it->e, 255);
    const struct obj_def *o = objtab_find(&ln);
    if (o == NULL || o->rd > METER_ACC_PUBLIC || o->ic == IC_PROFILE_GENERIC)
        return NULL;
    return o;
}

/* Push periods start on the local clock: divisors or multiples of a day. */
static bool han_period_ok(unsigned p)
{
    return p == 0 || (p <= 86400u && 86400u % p == 0);
}

static bool han_setup_valid(const struct han_setup_cfg *s)
{
    if (s->n > HAN_ITEMS || s->dest == 0 || s->dest > 127 || !han_period_ok(s->period_s) ||
        s->win_start >= 1440 || s->win_end >= 1440 || (s->period_s > 0 && s->random_s >= s->period_s))
        return false;
    for (unsigned i = 0; i < s->n; i++)
        if ((s->item[i].flags & LNV) == 0 || s->item[i].flags > CH1 || han_item_row(&s->item[i]) == NULL)
            return false;
    return true;
}

bool han_cfg_valid(const struct han_cfg *c)
{
    if (c->list_id_len > HAN_ID_MAX || c->encrypt != 0)
        return false;
    for (unsigned s = 0; s < HAN_SETUPS; s++)
        if (!han_setup_valid(&c->setup[s]))
            return false;
    return true;
}

/* ---- A-XDR and HDLC encoding ----------------------------------------------
 * Local until the core's A-XDR codec (src/proto/dlms) and HDLC frame codec
 * (src/proto/hdlc) land; then these go. */

struct wr {
    uint8_t *p;
    size_t n, len;
    bool over;
};

static void wr_u8(struct wr *w, uint8_t b)
{
    if (w->len < w->n)
        w->p[w->len] = b;
    else
        w->over = true;
    w->len++;
}

static void wr_be(struct wr *w, uint64_t v, unsigned bytes)
{
    while (bytes-- > 0)
        wr_u8(w, (uint8_t)(v >> (8 * bytes)));
}

static void wr_bytes(struct wr *w, const void *src, size_t n)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        wr_u8(w, s[i]);
}

/* COSEM date-time (12 bytes) of a UTC instant in the meter's local time:
 * deviation in minutes as amshan and Gurux read it (local = UTC - deviation),
 * clock status bit 7 = daylight saving active. */
static void wr_datetime(struct wr *w, const struct meter *m, int64_t utc)
{
    struct clock_dt dt;
    int off = clock_offset_min(&m->cfg.zone, utc);
    clock_split(utc + (int64_t)off * 60, &dt);
    wr_be(w, (uint16_t)dt.year, 2);
    wr_u8(w, dt.mon);
    wr_u8(w, dt.day);
    wr_u8(w, dt.wday);
    wr_u8(w, dt.hour);
    wr_u8(w, dt.min);
    wr_u8(w, dt.sec);
    wr_u8(w, 0x00); /* hundredths */
    wr_be(w, (uint16_t)(int16_t)-off, 2);
    wr_u8(w, clock_dst_active(&m->cfg.zone, utc) ? 0x80 : 0x00);
}

static void wr_null_or(struct wr *w, bool ok, int64_t v, uint8_t tag)
{
    if (!ok) {
        wr_u8(w, HAN_T_NULL);
        return;
    }
    wr_u8(w, tag);
    switch (tag) {
    case HAN_T_U8:
    case HAN_T_I8:
    case HAN_T_ENUM: wr_be(w, (uint64_t)v, 1); break;
    case HAN_T_U16:
    case HAN_T_I16: wr_be(w, (uint64_t)v, 2); break;
    default: wr_be(w, (uint64_t)v, 4); break;
    }
}

/* Whether v fits the A-XDR type. */
static bool han_fits(int64_t v, uint8_t tag)
{
    switch (tag) {
    case HAN_T_U8: return v >= 0 && v <= 0xFF;
    case HAN_T_U16: return v >= 0 && v <= 0xFFFF;
    case HAN_T_U32: return v >= 0 && v <= 0xFFFFFFFFll;
    case HAN_T_I8: return v >= -128 && v <= 127;
    case HAN_T_I16: return v >= -32768 && v <= 32767;
    case HAN_T_I32: return v >= -2147483648ll && v <= 2147483647ll;
    default: return false;
    }
}

/* The value of one capture object. A value that cannot be sent truthfully
 * (no such row any more, an error, out of range) goes out as null-data:
 * a receiver never sees a wrong number. */
static void wr_value(struct wr *w, const struct meter *m, const struct han_item *it)
{
    const struct obj_def *o = han_item_row(it);
    struct obj_value v;
    if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) < 0) {
        wr_u8(w, HAN_T_NULL);
        return;
    }
    const struct han_quantity *q = han_quantity_find(it->c, it->d, it->e);
    switch (v.type) {
    case OBJ_T_DATETIME:
        wr_u8(w, HAN_T_OCTETS);
        wr_u8(w, 12);
        wr_datetime(w, m, v.i);
        return;
    case OBJ_T_STRING:
        if (v.len > 127) {
            wr_u8(w, HAN_T_NULL);
            return;
        }
        wr_u8(w, HAN_T_VISIBLE);
        wr_u8(w, v.len);
        wr_bytes(w, v.s, v.len);
        return;
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM: {
        /* The list format's scaler and type; other objects: the row's
         * scaler, as double-long(-unsigned). */
        int8_t sc = q != NULL ? q->scaler : v.scaler;
        uint8_t tag = q != NULL ? q->tag : (v.type == OBJ_T_INT ? HAN_T_I32 : HAN_T_U32);
        int64_t x = obj_value_at_scaler(&v, sc);
        wr_null_or(w, han_fits(x, tag), x, tag);
        return;
    }
    default:
        wr_u8(w, HAN_T_NULL);
        return;
    }
}

/* The xDLMS data-notification (LLC header first) of setup s. */
static void wr_notification(struct wr *w, const struct meter *m, const struct han_setup_cfg *s, uint32_t invoke)
{
    unsigned elems = 0;
    for (unsigned i = 0; i < s->n; i++)
        elems += (s->item[i].flags & HAN_ITEM_LN ? 1u : 0u) + (s->item[i].flags & HAN_ITEM_VALUE ? 1u : 0u);
    wr_u8(w, 0xE6); /* LLC: destination LSAP, source LSAP (response), quality */
    wr_u8(w, 0xE7);
    wr_u8(w, 0x00);
    wr_u8(w, 0x0F); /* data-notification */
    wr_be(w, invoke & 0x00FFFFFFu, 4);
    wr_u8(w, 12);   /* date-time as a 12-byte octet string (no type tag: OPTIONAL field present) */
    wr_datetime(w, m, m->now);
    wr_u8(w, HAN_T_STRUCT);
    if (elems > 127) { /* cannot happen with HAN_ITEMS, but keep the length honest */
        wr_u8(w, 0x81);
    }
    wr_u8(w, (uint8_t)elems);
    for (unsigned i = 0; i < s->n; i++) {
        const struct han_item *it = &s->item[i];
        if (it->flags & HAN_ITEM_LN) {
            wr_u8(w, HAN_T_OCTETS);
            wr_u8(w, 6);
            wr_u8(w, it->a);
            wr_u8(w, it->flags & HAN_ITEM_B1 ? 1 : 0);
            wr_u8(w, it->c);
            wr_u8(w, it->d);
            wr_u8(w, it->e);
            wr_u8(w, 255);
        }
        if (it->flags & HAN_ITEM_VALUE)
            wr_value(w, m, it);
    }
}

int han_frame_build(const struct meter *m, unsigned s, uint32_t invoke_id, uint8_t *buf, size_t n)
{
    if (s >= HAN_SETUPS || buf == NULL || n < 16)
        return METER_EINVAL;
    const struct han_setup_cfg *su = &m->han.cfg.setup[s];
    /* 7E, format (2), destination, source, control, HCS (2) = 9 bytes
     * before the information field; FCS (2), 7E after it. */
    struct wr w = {.p = buf + 9, .n = n > 12 ? n - 12 : 0};
    wr_notification(&w, m, su, invoke_id);
    size_t frame = 2 + 1 + 1 + 1 + 2 + w.len + 2; /* format .. FCS */
    if (w.over || frame > 0x7FF)
        return METER_ENOSPC;
    buf[0] = 0x7E;
    buf[1] = (uint8_t)(0xA0 | (frame >> 8));
    buf[2] = (uint8_t)frame;
    buf[3] = (uint8_t)(su->dest << 1 | 1);  /* client address */
    buf[4] = (uint8_t)(1u << 1 | 1);        /* server: logical device 1, one-byte address */
    buf[5] = 0x13;                          /* UI, final */
    uint16_t hcs = crc16_x25(0, buf + 1, 5);
    buf[6] = (uint8_t)hcs;
    buf[7] = (uint8_t)(hcs >> 8);
    /* the information field was written at buf + 9: close the gap of one */
    memmove(buf + 8, buf + 9, w.len);
    uint16_t fcs = crc16_x25(0, buf + 1, frame - 2);
    buf[8 + w.len] = (uint8_t)fcs;
    buf[9 + w.len] = (uint8_t)(fcs >> 8);
    buf[10 + w.len] = 0x7E;
    return (int)(frame + 2);
}

/* ---- schedule and line ---------------------------------------------------- */

static void han_line(struct meter *m)
{
    const struct meter_hal *hal = m->hal;
    if (hal != NULL && hal->port_config != NULL)
        (void)hal->port_config(hal->ctx, HAN_PORT, HAN_BAUD, METER_FRAMING_8N1);
}

void han_init(struct meter *m)
{
    struct han_cfg cfg = m->han.cfg;
    memset(&m->han, 0, sizeof m->han);
    if (han_cfg_valid(&cfg))
        m->han.cfg = cfg;
    else
        han_cfg_factory(&m->han.cfg);
    han_line(m);
}

/* A spread of 0..r seconds, fixed per meter and slot: meters of a street do
 * not all push in the same second, and a meter's own rhythm stays steady. */
static int64_t han_random(const struct meter *m, unsigned s, int64_t slot, unsigned r)
{
    if (r == 0)
        return 0;
    uint8_t b[13];
    for (unsigned k = 0; k < 4; k++)
        b[k] = (uint8_t)(m->serial >> (8 * k));
    for (unsigned k = 0; k < 8; k++)
        b[4 + k] = (uint8_t)((uint64_t)slot >> (8 * k));
    b[12] = (uint8_t)s;
    return (int64_t)(crc32_ieee(0, b, sizeof b) % (r + 1u));
}

static bool han_window_open(const struct meter *m, const struct han_setup_cfg *s, int64_t utc)
{
    if (s->win_start == s->win_end)
        return true;
    int64_t local = clock_to_local(&m->cfg.zone, utc);
    unsigned min = (unsigned)((local - clock_floor(local, 86400)) / 60);
    if (s->win_start < s->win_end)
        return min >= s->win_start && min < s->win_end;
    return min >= s->win_start || min < s->win_end;
}

/* A new meter second: a setup whose period starts now (local time) is due
 * after its random delay; a due push inside the window is queued. */
static void han_second(struct meter *m, int64_t now)
{
    struct han *h = &m->han;
    int64_t local = clock_to_local(&m->cfg.zone, now);
    for (unsigned s = 0; s < HAN_SETUPS; s++) {
        const struct han_setup_cfg *su = &h->cfg.setup[s];
        if (su->period_s == 0 || su->n == 0) {
            h->due[s] = 0;
            continue;
        }
        if (local - clock_floor(local, su->period_s) == 0)
            h->due[s] = now + han_random(m, s, local, su->random_s);
        if (h->due[s] != 0 && now >= h->due[s]) {
            h->due[s] = 0;
            if (han_window_open(m, su, now))
                h->queue |= (uint8_t)(1u << s);
        }
    }
}

int han_push_now(struct meter *m, unsigned s)
{
    if (s >= HAN_SETUPS)
        return METER_EINVAL;
    m->han.queue |= (uint8_t)(1u << s);
    return METER_OK;
}

void han_poll(struct meter *m)
{
    struct han *h = &m->han;
    const struct meter_hal *hal = m->hal;
    if (m->now != h->last_second) {
        /* every second once, also after a clock set (no catching up) */
        h->last_second = m->now;
        han_second(m, m->now);
    }
    if (h->tx_pos == h->tx_len && h->queue != 0) {
        unsigned s = 0;
        while (!(h->queue & (1u << s)))
            s++;
        h->queue &= (uint8_t)~(1u << s);
        int len = han_frame_build(m, s, h->invoke_id, h->buf, sizeof h->buf);
        h->tx_pos = h->tx_len = 0;
        if (len > 0) {
            h->tx_len = (uint16_t)len;
            h->invoke_id = (h->invoke_id + 1u) & 0x00FFFFFFu;
            h->frames++;
        } else {
            h->errors++;
        }
    }
    if (h->tx_pos < h->tx_len && hal != NULL && hal->port_write != NULL) {
        size_t want = (size_t)(h->tx_len - h->tx_pos);
        size_t room = hal->port_tx_room != NULL ? hal->port_tx_room(hal->ctx, HAN_PORT) : want;
        if (room > want)
            room = want;
        if (room > 0)
            h->tx_pos = (uint16_t)(h->tx_pos + hal->port_write(hal->ctx, HAN_PORT, h->buf + h->tx_pos, room));
    }
}

/* ---- DLMS class 40 and object table -------------------------------------- */

int han_setup_list_get(const struct meter *m, unsigned s, struct han_item *out, unsigned max)
{
    if (s >= HAN_SETUPS)
        return METER_ENOENT;
    const struct han_setup_cfg *su = &m->han.cfg.setup[s];
    if (su->n > max)
        return METER_ENOSPC;
    memcpy(out, su->item, su->n * sizeof *out);
    return su->n;
}

int han_setup_list_set(struct meter *m, unsigned s, const struct han_item *in, unsigned n)
{
    if (s >= HAN_SETUPS)
        return METER_ENOENT;
    if (n > HAN_ITEMS)
        return METER_ENOSPC;
    struct han_setup_cfg su = m->han.cfg.setup[s];
    memcpy(su.item, in, n * sizeof *in);
    su.n = (uint8_t)n;
    if (!han_setup_valid(&su))
        return METER_EINVAL;
    m->han.cfg.setup[s] = su;
    return METER_OK;
}

static int han_list_text(const struct han_setup_cfg *su, struct obj_value *v)
{
    struct fmt_buf f;
    fmt_init(&f, v->s, sizeof v->s);
    for (unsigned i = 0; i < su->n; i++) {
        bool b1 = (su->item[i].flags & HAN_ITEM_B1) != 0;
        struct obis ln = OBIS(su->item[i].a, b1 ? 1 : 0, su->item[i].c, su->item[i].d, su->item[i].e, 255);
        char code[24];
        if ((b1 ? obis_format_full(&ln, code, sizeof code) : obis_format_short(&ln, code, sizeof code)) < 0)
            return METER_EINVAL;
        if (b1 && strlen(code) > 4 && strcmp(code + strlen(code) - 4, "*255") == 0)
            code[strlen(code) - 4] = '\0';
        if (i > 0)
            fmt_char(&f, ',');
        fmt_str(&f, code);
        if (su->item[i].flags & HAN_ITEM_LN)
            fmt_char(&f, '+');
    }
    return obj_text_value(v, fmt_end(&f));
}

/* "C.D.E[+],A-B:C.D.E[+],..." -> items; '+' = logical name and value;
 * B = 1 names the meter's (one) channel in the logical name sent. */
static int han_list_parse(const struct obj_value *in, struct han_item *items, unsigned *n)
{
    unsigned i = 0, len = in->len < OBJ_STR_MAX ? in->len : OBJ_STR_MAX;
    *n = 0;
    while (i < len) {
        char tok[24];
        unsigned k = 0;
        while (i < len && in->s[i] != ',') {
            if (k + 1 >= sizeof tok)
                return METER_EINVAL;
            tok[k++] = in->s[i++];
        }
        i++;
        uint8_t flags = HAN_ITEM_VALUE;
        if (k > 0 && tok[k - 1] == '+') {
            flags |= HAN_ITEM_LN;
            k--;
        }
        tok[k] = '\0';
        if (k == 0)
            return METER_EINVAL;
        const struct obj_def *o;
        if (strchr(tok, ':') != NULL) {
            struct obis ln;
            if (obis_parse(tok, &ln) < 0 || ln.v[1] > 1)
                return METER_EINVAL;
            if (ln.v[1] == 1)
                flags |= HAN_ITEM_B1;
            ln.v[1] = 0;
            o = objtab_find(&ln);
        } else {
            o = objtab_find_str(tok);
        }
        if (o == NULL)
            return METER_ENOENT;
        if (*n >= HAN_ITEMS)
            return METER_ENOSPC;
        items[*n] = (struct han_item){o->ln.v[0], o->ln.v[2], o->ln.v[3], o->ln.v[4], flags};
        if (han_item_row(&items[*n]) == NULL || o->ln.v[1] != 0 || o->ln.v[5] != 255)
            return METER_EACCES; /* not for the public channel */
        (*n)++;
    }
    return METER_OK;
}

/* "HH:MM-HH:MM" -> minutes; "" or "always" -> open all day. */
static int han_window_parse(const struct obj_value *in, uint16_t *start, uint16_t *end)
{
    const char *s = in->s;
    if (in->len == 0 || (in->len == 6 && memcmp(s, "always", 6) == 0)) {
        *start = *end = 0;
        return METER_OK;
    }
    if (in->len != 11 || s[2] != ':' || s[5] != '-' || s[8] != ':')
        return METER_EINVAL;
    unsigned v[4];
    static const unsigned at[4] = {0, 3, 6, 9};
    for (unsigned k = 0; k < 4; k++) {
        char a = s[at[k]], b = s[at[k] + 1];
        if (a < '0' || a > '9' || b < '0' || b > '9')
            return METER_EINVAL;
        v[k] = (unsigned)(a - '0') * 10u + (unsigned)(b - '0');
    }
    if (v[0] > 23 || v[2] > 23 || v[1] > 59 || v[3] > 59)
        return METER_ERANGE;
    *start = (uint16_t)(v[0] * 60 + v[1]);
    *end = (uint16_t)(v[2] * 60 + v[3]);
    return METER_OK;
}

static int han_window_text(const struct han_setup_cfg *su, struct obj_value *v)
{
    struct fmt_buf f;
    fmt_init(&f, v->s, sizeof v->s);
    if (su->win_start == su->win_end) {
        fmt_str(&f, "always");
    } else {
        fmt_uint(&f, su->win_start / 60u, 2);
        fmt_char(&f, ':');
        fmt_uint(&f, su->win_start % 60u, 2);
        fmt_char(&f, '-');
        fmt_uint(&f, su->win_end / 60u, 2);
        fmt_char(&f, ':');
        fmt_uint(&f, su->win_end % 60u, 2);
    }
    return obj_text_value(v, fmt_end(&f));
}

static int han_uint(struct obj_value *v, int64_t x)
{
    v->type = OBJ_T_UINT;
    v->i = x;
    v->scaler = 0;
    return METER_OK;
}

int han_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    unsigned s = o->arg >> 8, a = o->arg & 0xffu;
    const struct han_cfg *c = &m->han.cfg;
    if (s >= HAN_SETUPS)
        return METER_ENOENT;
    const struct han_setup_cfg *su = &c->setup[s];
    switch (a) {
    case HAN_A_LIST: return han_list_text(su, v);
    case HAN_A_DEST: return han_uint(v, su->dest);
    case HAN_A_WINDOW: return han_window_text(su, v);
    case HAN_A_RANDOM: return han_uint(v, su->random_s);
    case HAN_A_PERIOD: return han_uint(v, su->period_s);
    case HAN_A_ENCRYPT: return han_uint(v, c->encrypt);
    case HAN_A_LIST_ID:
        memcpy(v->s, c->list_id, c->list_id_len);
        return obj_text_value(v, c->list_id_len);
    default: return METER_ENOENT;
    }
}

static bool han_is_num(const struct obj_value *in)
{
    return in->type == OBJ_T_INT || in->type == OBJ_T_UINT;
}

int han_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    unsigned s = o->arg >> 8, a = o->arg & 0xffu;
    struct han_cfg c = m->han.cfg;
    if (s >= HAN_SETUPS)
        return METER_ENOENT;
    struct han_setup_cfg *su = &c.setup[s];
    int r = METER_OK;
    switch (a) {
    case HAN_A_LIST: {
        struct han_item items[HAN_ITEMS];
        unsigned n;
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        r = han_list_parse(in, items, &n);
        if (r == METER_OK)
            r = han_setup_list_set(m, s, items, n);
        return r;
    }
    case HAN_A_WINDOW:
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        r = han_window_parse(in, &su->win_start, &su->win_end);
        break;
    case HAN_A_DEST:
        if (!han_is_num(in) || in->i < 1 || in->i > 127)
            return METER_ERANGE;
        su->dest = (uint8_t)in->i;
        break;
    case HAN_A_RANDOM:
        if (!han_is_num(in) || in->i < 0 || in->i > 65535)
            return METER_ERANGE;
        su->random_s = (uint16_t)in->i;
        break;
    case HAN_A_PERIOD:
        if (!han_is_num(in) || in->i < 0 || in->i > 65535 || !han_period_ok((unsigned)in->i))
            return METER_ERANGE;
        su->period_s = (uint16_t)in->i;
        break;
    case HAN_A_ENCRYPT:
        if (!han_is_num(in) || in->i < 0 || in->i > 1)
            return METER_ERANGE;
        if (in->i == 1)
            return METER_ENOTSUP; /* no AES-GCM in the core yet */
        c.encrypt = 0;
        break;
    case HAN_A_LIST_ID:
        if (in->type != OBJ_T_STRING || in->len > HAN_ID_MAX)
            return METER_EINVAL;
        for (unsigned k = 0; k < in->len; k++)
            if (in->s[k] < 0x20 || in->s[k] > 0x7E)
                return METER_EINVAL;
        memcpy(c.list_id, in->s, in->len);
        c.list_id_len = in->len;
        break;
    default:
        return METER_ENOENT;
    }
    if (r < 0)
        return r;
    if (!han_setup_valid(su))
        return METER_ERANGE; /* e.g. a randomisation not shorter than the period */
    m->han.cfg = c;
    return METER_OK;
}

int han_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                enum meter_src src)
{
    (void)arg;
    (void)src;
    if (method != 1)
        return METER_ENOTSUP;
    return han_push_now(m, o->arg >> 8);
}
