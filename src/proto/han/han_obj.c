/*
 * han_obj.c — the HAN push's configuration: factory lists, checks, the
 * object-table rows (Push setup objects, their attributes, the HAN keys),
 * the configuration section CFG_ID_HAN and the driver descriptor (han.h).
 */
#include <string.h>

#include "cosem/obis.h"
#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/han/han.h"
#include "proto/han/han_list.h"
#include "proto/han/han_priv.h"
#include "proto/port.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

/* ---- factory configuration ------------------------------------------------------ */

#define LNV (HAN_ITEM_LN | HAN_ITEM_VALUE)
#define CH1 (HAN_ITEM_LN | HAN_ITEM_VALUE | HAN_ITEM_B1 | HAN_ITEM_A1)
#define HAN_ITEM_ALL (HAN_ITEM_VALUE | HAN_ITEM_LN | HAN_ITEM_B1 | HAN_ITEM_A1)

/* Kamstrup list 1 of a three-phase meter (vectors/han.md section 1): the
 * list identifier, meter id and type, P+ P- Q+ Q-, IL1..3, UL1..3. */
static const struct han_item list_10s[] = {
    {0, 2, 129, HAN_ITEM_VALUE}, {96, 1, 0, LNV}, {96, 1, 1, LNV}, {1, 7, 0, CH1}, {2, 7, 0, CH1},
    {3, 7, 0, CH1},  {4, 7, 0, CH1},  {31, 7, 0, CH1}, {51, 7, 0, CH1}, {71, 7, 0, CH1},
    {32, 7, 0, CH1}, {52, 7, 0, CH1}, {72, 7, 0, CH1},
};
/* List 2: list 1, the clock and the four energy registers. */
static const struct han_item list_hour_tail[] = {
    {1, 0, 0, LNV | HAN_ITEM_B1}, {1, 8, 0, CH1}, {2, 8, 0, CH1}, {3, 8, 0, CH1}, {4, 8, 0, CH1},
};

/* Factory keys of the virtual meter (docs/HAN.md): keys of their own, set
 * per meter by the utility (write-only rows han_key, han_auth_key). The
 * authentication key goes into the AAD only; secrecy rests on the
 * encryption key. */
static const uint8_t factory_ek[AES_KEY_LEN] = {'H', 'A', 'N', '-', 'K', 'E', 'Y', '-',
                                                 'T', 'R', 'I', 'M', 'E', 'T', 'E', 'R'};
static const uint8_t factory_ak[AES_KEY_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

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
    for (unsigned k = 0; k < HAN_SETUPS; k++)
        c->setup[k].dest = 16; /* the public client */
    memcpy(c->list_id, HAN_LIST_ID_TRIMETER, sizeof HAN_LIST_ID_TRIMETER - 1);
    c->list_id_len = sizeof HAN_LIST_ID_TRIMETER - 1;
    memcpy(c->ek, factory_ek, sizeof c->ek);
    memcpy(c->ak, factory_ak, sizeof c->ak);
}

const struct obj_def *han_item_row(const struct han_item *it)
{
    struct obis ln = OBIS((it->flags & HAN_ITEM_A1) ? 1 : 0, 0, it->c, it->d, it->e, 255);
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

static bool han_setup_valid(const struct han_setup_cfg *su)
{
    if (su->n > HAN_ITEMS || su->dest == 0 || su->dest > 127 || !han_period_ok(su->period_s) ||
        su->win_start >= 1440 || su->win_end >= 1440 || (su->period_s > 0 && su->random_s >= su->period_s))
        return false;
    for (unsigned i = 0; i < su->n; i++)
        if ((su->item[i].flags & LNV) == 0 || (su->item[i].flags & ~HAN_ITEM_ALL) != 0 ||
            han_item_row(&su->item[i]) == NULL)
            return false;
    return true;
}

bool han_cfg_valid(const struct han_cfg *c)
{
    if (c->list_id_len > HAN_ID_MAX || c->encrypt > 1)
        return false;
    for (unsigned k = 0; k < HAN_SETUPS; k++)
        if (!han_setup_valid(&c->setup[k]))
            return false;
    return true;
}

/* ---- DLMS class 40 ------------------------------------------------------------------ */

int han_setup_list_get(const struct meter *m, unsigned k, struct han_item *out, unsigned max)
{
    if (k >= HAN_SETUPS)
        return METER_ENOENT;
    const struct han_setup_cfg *su = &m->proto.han.cfg.setup[k];
    if (su->n > max)
        return METER_ENOSPC;
    memcpy(out, su->item, su->n * sizeof *out);
    return su->n;
}

int han_setup_list_set(struct meter *m, unsigned k, const struct han_item *in, unsigned n)
{
    if (k >= HAN_SETUPS)
        return METER_ENOENT;
    if (n > HAN_ITEMS)
        return METER_ENOSPC;
    struct han_setup_cfg su = m->proto.han.cfg.setup[k];
    memcpy(su.item, in, n * sizeof *in);
    su.n = (uint8_t)n;
    if (!han_setup_valid(&su))
        return METER_EINVAL;
    m->proto.han.cfg.setup[k] = su;
    return METER_OK;
}

/* ---- rows: text forms -------------------------------------------------------------- */

/* Object table rows: arg = setup << 8 | enum han_attr. */
enum han_attr {
    HAN_A_LIST = 2,      /* push_object_list, text "0.2.129,96.1.0+,1-1:1.7.0+" ('+': with logical name) */
    HAN_A_DEST = 3,      /* send_destination: HDLC client address */
    HAN_A_WINDOW = 4,    /* communication_window "HH:MM-HH:MM" local ("" or "always") */
    HAN_A_RANDOM = 5,    /* randomisation_start_interval (s) */
    HAN_A_PERIOD = 128,  /* push schedule period (s), 0 = off */
    HAN_A_LIST_ID = 129, /* list version identifier (both setups) */
    HAN_A_ENCRYPT = 130, /* 0 plain, 1 encrypted with the HAN keys */
    HAN_A_EK = 131,      /* HAN encryption key (write-only) */
    HAN_A_AK = 132,      /* HAN authentication key (write-only) */
    HAN_A_IC = 133       /* invocation counter of the next encrypted frame */
};

static int han_list_text(const struct han_setup_cfg *su, struct obj_value *v)
{
    struct fmt_buf f;
    fmt_init(&f, v->s, sizeof v->s);
    for (unsigned i = 0; i < su->n; i++) {
        const struct han_item *it = &su->item[i];
        bool b1 = (it->flags & HAN_ITEM_B1) != 0;
        struct obis ln = OBIS((it->flags & HAN_ITEM_A1) ? 1 : 0, b1 ? 1 : 0, it->c, it->d, it->e, 255);
        char code[24];
        if ((b1 ? obis_format_full(&ln, code, sizeof code) : obis_format_short(&ln, code, sizeof code)) < 0)
            return METER_EINVAL;
        size_t cl = strlen(code);
        if (b1 && cl > 4 && strcmp(code + cl - 4, "*255") == 0)
            code[cl - 4] = '\0';
        if (i > 0)
            fmt_char(&f, ',');
        fmt_str(&f, code);
        if (it->flags & HAN_ITEM_LN)
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
        if (o->ln.v[0] > 1 || o->ln.v[1] != 0 || o->ln.v[5] != 255)
            return METER_EACCES; /* not an object a list can name */
        if (o->ln.v[0] == 1)
            flags |= HAN_ITEM_A1;
        items[*n] = (struct han_item){o->ln.v[2], o->ln.v[3], o->ln.v[4], flags};
        if (han_item_row(&items[*n]) == NULL)
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

/* 32 hex digits -> a key. */
static int han_key_parse(const struct obj_value *in, uint8_t key[AES_KEY_LEN])
{
    if (in->type != OBJ_T_STRING || in->len != 2 * AES_KEY_LEN)
        return METER_EINVAL;
    for (unsigned k = 0; k < 2 * AES_KEY_LEN; k++) {
        char c = in->s[k];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : 16u;
        if (d > 15)
            return METER_EINVAL;
        key[k / 2] = (uint8_t)((k % 2) ? (key[k / 2] | d) : d << 4);
    }
    return METER_OK;
}

static int han_uint(struct obj_value *v, int64_t x)
{
    v->type = OBJ_T_UINT;
    v->i = x;
    v->scaler = 0;
    return METER_OK;
}

/* ---- rows: get, set, push -------------------------------------------------------------- */

static int han_obj_get(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    const struct han_meter *h = &m->proto.han;
    unsigned k = o->arg >> 8, a = o->arg & 0xffu;
    if (k >= HAN_SETUPS)
        return METER_ENOENT;
    const struct han_setup_cfg *su = &h->cfg.setup[k];
    switch (a) {
    case HAN_A_LIST: return han_list_text(su, v);
    case HAN_A_DEST: return han_uint(v, su->dest);
    case HAN_A_WINDOW: return han_window_text(su, v);
    case HAN_A_RANDOM: return han_uint(v, su->random_s);
    case HAN_A_PERIOD: return han_uint(v, su->period_s);
    case HAN_A_ENCRYPT: return han_uint(v, h->cfg.encrypt);
    case HAN_A_IC: return han_uint(v, h->ic_ready ? h->ic_next : h->cfg.ic_limit);
    case HAN_A_EK:
    case HAN_A_AK:
        return obj_text_value(v, 0); /* secrets are write-only */
    case HAN_A_LIST_ID:
        memcpy(v->s, h->cfg.list_id, h->cfg.list_id_len);
        return obj_text_value(v, h->cfg.list_id_len);
    default: return METER_ENOENT;
    }
}

static bool han_is_num(const struct obj_value *in)
{
    return in->type == OBJ_T_INT || in->type == OBJ_T_UINT;
}

static int han_obj_set(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    unsigned k = o->arg >> 8, a = o->arg & 0xffu;
    struct han_cfg c = m->proto.han.cfg;
    if (k >= HAN_SETUPS)
        return METER_ENOENT;
    struct han_setup_cfg *su = &c.setup[k];
    int r = METER_OK;
    switch (a) {
    case HAN_A_LIST: {
        struct han_item items[HAN_ITEMS];
        unsigned n;
        if (in->type != OBJ_T_STRING)
            return METER_EINVAL;
        r = han_list_parse(in, items, &n);
        return r == METER_OK ? han_setup_list_set(m, k, items, n) : r;
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
        if (in->i == 1 && (m->hal == NULL || m->hal->aes128_encrypt == NULL))
            return METER_ENOTSUP; /* no AES engine on this board */
        c.encrypt = (uint8_t)in->i;
        break;
    case HAN_A_EK:
    case HAN_A_AK:
        r = han_key_parse(in, a == HAN_A_EK ? c.ek : c.ak);
        break;
    case HAN_A_LIST_ID:
        if (in->type != OBJ_T_STRING || in->len > HAN_ID_MAX)
            return METER_EINVAL;
        for (unsigned i = 0; i < in->len; i++)
            if (in->s[i] < 0x20 || in->s[i] > 0x7E)
                return METER_EINVAL;
        memcpy(c.list_id, in->s, in->len);
        c.list_id_len = in->len;
        break;
    default:
        return METER_ENOENT;
    }
    if (r < 0) {
        aes_wipe(&c, sizeof c);
        return r;
    }
    if (!han_setup_valid(su)) {
        aes_wipe(&c, sizeof c);
        return METER_ERANGE; /* e.g. a randomisation not shorter than the period */
    }
    m->proto.han.cfg = c;
    aes_wipe(&c, sizeof c); /* the keys' stack copy */
    return METER_OK;
}

static int han_obj_act(struct meter *m, const struct obj_def *o, unsigned method, const struct obj_value *arg,
                       enum meter_src src)
{
    (void)arg;
    (void)src;
    if (method != 1)
        return METER_ENOTSUP;
    return han_push_now(m, o->arg >> 8);
}

/* ---- rows -------------------------------------------------------------------------------
 * The two Push setup objects (IC 40, value = the push object list, method
 * 1 = push now), their other attributes in the manufacturer block
 * 0-0:96.131.(10 * setup + n), the list identifier, encryption and keys. */

#define PUB METER_ACC_PUBLIC
#define MGR METER_ACC_MANAGER
#define HAN_SETUP_ROW(s, k, nm) \
    {.ln = OBIS(0, (s) + 1, 25, 9, 0, 255), .ic = IC_PUSH_SETUP, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB, \
     .wr = MGR, .arg = (uint16_t)((s) << 8 | HAN_A_LIST), .get = han_obj_get, .set = han_obj_set, \
     .act = han_obj_act, .ex = MGR, .key = k, .name = nm}
#define HAN_ROW(s, e_, attr, u, r, k, nm) \
    {.ln = OBIS(0, 0, 96, 131, e_, 255), .ic = IC_DATA, .unit = u, .flags = OBJ_F_PARAM, .rd = r, .wr = MGR, \
     .arg = (uint16_t)((s) << 8 | (attr)), .get = han_obj_get, .set = han_obj_set, .key = k, .name = nm}
#define HAN_ROWS(s, n) \
    HAN_SETUP_ROW(s, "han_push" #n "_list", "HAN push setup " #n ": push object list (C.D.E, '+' = with logical name); method 1 push now"), \
    HAN_ROW(s, 10 * (s) + 1, HAN_A_PERIOD, UNIT_SECOND, PUB, "han_push" #n "_period_s", "HAN push setup " #n ": period on the local clock (0 = off)"), \
    HAN_ROW(s, 10 * (s) + 2, HAN_A_WINDOW, UNIT_NONE, PUB, "han_push" #n "_window", "HAN push setup " #n ": communication window HH:MM-HH:MM local, or always"), \
    HAN_ROW(s, 10 * (s) + 3, HAN_A_RANDOM, UNIT_SECOND, PUB, "han_push" #n "_random_s", "HAN push setup " #n ": randomisation start interval"), \
    HAN_ROW(s, 10 * (s) + 4, HAN_A_DEST, UNIT_NONE, PUB, "han_push" #n "_destination", "HAN push setup " #n ": destination HDLC client address")

static const struct obj_def han_rows[] = {
    {.ln = OBIS(0, 0, 0, 2, 129, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB, .wr = MGR,
     .arg = HAN_A_LIST_ID, .get = han_obj_get, .set = han_obj_set, .key = "han_list_id",
     .name = "HAN list version identifier (first element of every pushed list)"},
    HAN_ROWS(0, 1),
    HAN_ROWS(1, 2),
    HAN_ROW(0, 20, HAN_A_ENCRYPT, UNIT_NONE, PUB, "han_encrypt",
            "HAN push encrypted with the HAN keys (0/1; security suite 0, general-glo-ciphering)"),
    HAN_ROW(0, 21, HAN_A_EK, UNIT_NONE, MGR, "han_key", "HAN encryption key, 32 hex digits (write-only)"),
    HAN_ROW(0, 22, HAN_A_AK, UNIT_NONE, MGR, "han_auth_key", "HAN authentication key, 32 hex digits (write-only)"),
    {.ln = OBIS(0, 0, 96, 131, 23, 255), .ic = IC_DATA, .unit = UNIT_NONE, .rd = PUB, .arg = HAN_A_IC,
     .get = han_obj_get, .name = "HAN invocation counter of the next encrypted frame"},
};

/* ---- configuration section and driver ------------------------------------------------- */

static void *han_cfg_ram(struct meter *m)
{
    return &m->proto.han.cfg;
}

static void han_cfg_factory_m(struct meter *m)
{
    han_cfg_factory(&m->proto.han.cfg);
}

static int han_cfg_check(struct meter *m)
{
    return han_cfg_valid(&m->proto.han.cfg) ? METER_OK : METER_EINVAL;
}

static const struct cfg_section han_cfg_section = {
    .id = CFG_ID_HAN,
    .version = 1,
    .size = sizeof(struct han_cfg),
    .ram = han_cfg_ram,
    .factory = han_cfg_factory_m,
    .check = han_cfg_check,
};

const struct proto_driver han_driver = {
    .name = "han-push",
    .src = METER_SRC_HAN,
    .baud = HAN_BAUD,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .feed = han_feed,
    .tx_more = han_tx_more,
    .tick = han_tick,
    .push = true,
    .cfg = &han_cfg_section,
    .rows = han_rows,
    .nrows = (uint16_t)(sizeof han_rows / sizeof han_rows[0]),
};
