/*
 * han_rx.c — HDLC framing with resynchronisation, data-notification and
 * list decoding for the bridge (han_rx.h).
 */
#include "han_rx.h"

#include <stdio.h>
#include <string.h>

#include "trimeter/err.h"
#include "util/aes.h"
#include "util/axdr.h"
#include "util/crc.h"

/* ---- problems ------------------------------------------------------------- */

const char *han_problem_text(enum han_problem p)
{
    switch (p) {
    case HAN_P_GARBAGE: return "bytes outside a frame";
    case HAN_P_HCS: return "bad header check sequence";
    case HAN_P_FCS: return "bad frame check sequence";
    case HAN_P_FORMAT: return "not an HDLC frame";
    case HAN_P_SEGMENTED: return "segmented frame";
    case HAN_P_APDU: return "not a data-notification";
    case HAN_P_ENCRYPTED: return "encrypted notification not readable";
    case HAN_P_KEY: return "encrypted notification does not verify";
    case HAN_P_REPLAY: return "encrypted notification replayed";
    case HAN_P_LIST_FORMAT: return "list of an unknown layout";
    case HAN_P_LIST_UNKNOWN: return "unknown list";
    case HAN_P_OBIS_UNKNOWN: return "object without a known quantity";
    case HAN_P_VALUE_TYPE: return "value of an unexpected type";
    }
    return "problem";
}

static void report(struct han_rx *rx, enum han_problem p, const char *detail)
{
    if (rx->ops.problem != NULL)
        rx->ops.problem(rx->ops.ctx, p, detail);
}

/* ---- elements (the project's A-XDR codec, src/util/axdr) ----------------------- */

/* One simple data element of a notification body. */
struct elem {
    uint8_t tag;
    bool num_ok;      /* num holds the value of an integer type */
    int64_t num;
    const uint8_t *bytes;
    size_t len;
};

/* 1: element read; 0: a structure/array (not in the lists this decodes);
 * -1: malformed or an unknown type. */
static int rd_elem(struct axdr_r *r, struct elem *e)
{
    struct axdr_item it;
    memset(e, 0, sizeof *e);
    if (axdr_get(r, &it) < 0)
        return -1;
    e->tag = it.tag;
    switch (it.tag) {
    case AXDR_ARRAY:
    case AXDR_STRUCT:
        e->len = it.n; /* its element count; the elements follow */
        return 0;
    case AXDR_OCTETS:
    case AXDR_VISIBLE:
    case AXDR_UTF8:
        e->bytes = it.p;
        e->len = it.n;
        return 1;
    case AXDR_DATETIME: /* tagged date-time: the octet-string form's 12 bytes */
        e->bytes = it.p;
        e->len = it.n;
        e->tag = AXDR_OCTETS;
        return 1;
    default:
        break;
    }
    if (it.tag == AXDR_NULL)
        return 1;
    if (axdr_item_int(&it, &e->num)) {
        e->num_ok = it.tag != AXDR_BOOL; /* a boolean is no quantity */
        return 1;
    }
    /* a long64-unsigned beyond int64, floats, bit strings, BCD ...: not a
     * value of the list format (reported as of an unexpected type) */
    return it.tag == AXDR_U64 || it.tag == AXDR_F32 || it.tag == AXDR_F64 || it.tag == AXDR_BITS ||
                   it.tag == AXDR_BCD || it.tag == AXDR_DATE || it.tag == AXDR_TIME
               ? 1
               : -1;
}

/* ---- date-time ----------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned mon, unsigned d)
{
    y -= mon <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* COSEM date-time, 12 bytes. Unspecified fields (0xFF) are accepted only
 * for hundredths; a date or time without all its fields is refused. */
static bool parse_datetime(const uint8_t *b, struct han_value *v)
{
    unsigned year = (unsigned)b[0] << 8 | b[1], mon = b[2], day = b[3];
    unsigned h = b[5], mi = b[6], s = b[7];
    if (year == 0xFFFF || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 59)
        return false;
    v->time = days_from_civil(year, mon, day) * 86400 + h * 3600 + mi * 60 + s;
    v->deviation = (int16_t)((uint16_t)b[9] << 8 | b[10]);
    v->clock_status = b[11];
    return true;
}

/* ---- list ----------------------------------------------------------------- */

static bool list_known(const char *id, size_t n)
{
    return (n == sizeof HAN_LIST_ID_KAMSTRUP - 1 && memcmp(id, HAN_LIST_ID_KAMSTRUP, n) == 0) ||
           (n == sizeof HAN_LIST_ID_TRIMETER - 1 && memcmp(id, HAN_LIST_ID_TRIMETER, n) == 0);
}

static void copy_text(char *dst, uint8_t *dst_len, const struct elem *e)
{
    size_t n = e->len < HAN_RX_TEXT - 1 ? e->len : HAN_RX_TEXT - 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = e->bytes[i];
        dst[i] = (char)(c >= 0x20 && c < 0x7F ? c : '?'); /* printable only: it goes into topics and JSON */
    }
    dst[n] = '\0';
    *dst_len = (uint8_t)n;
}

static bool is_text(const struct elem *e)
{
    return e->tag == AXDR_VISIBLE || e->tag == AXDR_OCTETS || e->tag == AXDR_UTF8;
}

static bool is_number(const struct elem *e)
{
    return e->num_ok;
}

/* A short explanation of a problem for the caller's log line. */
#define NOTE(...)                                   \
    do {                                            \
        if (detail != NULL && dn > 0)               \
            snprintf(detail, dn, __VA_ARGS__);      \
    } while (0)

/* Value of the pair (ln, e) into l; HAN_P_* when it is skipped, 0 if kept. */
static int list_value(struct han_list *l, const uint8_t *ln, const struct elem *e, char *detail, size_t dn)
{
    const struct han_quantity *q = han_quantity_find(ln[2], ln[3], ln[4]);
    char code[32];
    snprintf(code, sizeof code, "%u-%u:%u.%u.%u", ln[0], ln[1], ln[2], ln[3], ln[4]);
    if (q == NULL) {
        NOTE("%s (type 0x%02X)", code, e->tag);
        return HAN_P_OBIS_UNKNOWN;
    }
    if (l->n >= HAN_RX_VALUES)
        return HAN_P_LIST_FORMAT;
    struct han_value *v = &l->v[l->n];
    memset(v, 0, sizeof *v);
    v->q = q;
    memcpy(v->ln, ln, 6);
    bool ok;
    switch (q->kind) {
    case HAN_K_LIST_ID:
    case HAN_K_METER_ID:
    case HAN_K_METER_TYPE:
    case HAN_K_FIRMWARE:
        ok = is_text(e);
        if (ok)
            copy_text(v->text, &v->len, e);
        break;
    case HAN_K_CLOCK:
        ok = e->tag == AXDR_OCTETS && e->len == 12 && parse_datetime(e->bytes, v);
        break;
    default:
        ok = is_number(e);
        v->raw = e->num;
        v->scaler = q->scaler;
        break;
    }
    if (!ok) {
        NOTE("%s (type 0x%02X)", code, e->tag);
        return HAN_P_VALUE_TYPE;
    }
    l->n++;
    return 0;
}

/* Kamstrup layout: list id, then (logical name, value) pairs; null-data
 * elements stand for values the meter does not have (single-phase). */
static int decode_body(struct axdr_r *r, struct han_list *l, char *detail, size_t dn, int *skipped)
{
    struct elem e;
    uint32_t count = 0;
    int k = rd_elem(r, &e);
    if (k < 0)
        return HAN_P_APDU;
    if (e.tag != AXDR_STRUCT) {
        NOTE("body is not a structure");
        return HAN_P_LIST_FORMAT;
    }
    count = (uint32_t)e.len;
    k = count > 0 ? rd_elem(r, &e) : -1;
    if (k < 0)
        return r->err ? HAN_P_APDU : HAN_P_LIST_FORMAT;
    if (k == 0 || e.tag != AXDR_VISIBLE) {
        NOTE("first element is not a list identifier (%u elements)", (unsigned)count);
        return HAN_P_LIST_FORMAT;
    }
    copy_text(l->id, &l->id_len, &e);
    l->known = list_known((const char *)e.bytes, e.len);
    /* the whole body must parse before anything of it counts */
    const uint8_t *ln = NULL;
    int first_skip = 0;
    for (uint32_t i = 1; i < count; i++) {
        k = rd_elem(r, &e);
        if (k < 0)
            return HAN_P_APDU;
        if (k == 0) {
            NOTE("'%s' holds a structure or array", l->id);
            return HAN_P_LIST_FORMAT;
        }
        if (ln == NULL) {
            if (e.tag == AXDR_NULL)
                continue;
            if (e.tag != AXDR_OCTETS || e.len != 6) {
                NOTE("element %u is not a logical name", (unsigned)i);
                return HAN_P_LIST_FORMAT;
            }
            ln = e.bytes;
            continue;
        }
        if (e.tag != AXDR_NULL && l->known) {
            char d2[64];
            int p = list_value(l, ln, &e, d2, sizeof d2);
            if (p == HAN_P_LIST_FORMAT)
                return p;
            if (p != 0) {
                (*skipped)++;
                if (first_skip == 0) {
                    first_skip = p;
                    if (detail != NULL)
                        snprintf(detail, dn, "%s", d2);
                }
            }
        }
        ln = NULL;
    }
    if (axdr_r_left(r) != 0) {
        NOTE("%u bytes after the body", (unsigned)axdr_r_left(r));
        return HAN_P_APDU;
    }
    if (!l->known) {
        if (detail != NULL)
            snprintf(detail, dn, "'%s' (%u elements): not published", l->id, (unsigned)count);
        return HAN_P_LIST_UNKNOWN;
    }
    /* scalers that depend on the meter type (Kamstrup CT meters) */
    const char *type = NULL;
    size_t tlen = 0;
    for (unsigned i = 0; i < l->n; i++)
        if (l->v[i].q->kind == HAN_K_METER_TYPE) {
            type = l->v[i].text;
            tlen = l->v[i].len;
        }
    for (unsigned i = 0; i < l->n; i++)
        if (l->v[i].q->kind != HAN_K_CLOCK && l->v[i].q->kind > HAN_K_FIRMWARE)
            l->v[i].scaler = han_quantity_scaler(l->v[i].q, type, tlen);
    return first_skip;
}

/* The data-notification APDU (tag 0F) at r. */
static int decode_notification(struct axdr_r *r, struct han_list *l, char *detail, size_t dn)
{
    l->invoke_id = (uint32_t)axdr_get_be(r, 4);
    uint8_t dt = axdr_get_byte(r);
    if (dt == AXDR_OCTETS) /* tagged, as some meters send it */
        dt = axdr_get_byte(r);
    if (dt == 12) {
        const uint8_t *b = axdr_get_raw(r, 12);
        if (b != NULL && parse_datetime(b, &l->time))
            l->has_time = true;
    } else if (dt != 0) {
        NOTE("date-time of %u bytes", dt);
        return HAN_P_APDU;
    }
    if (r->err)
        return HAN_P_APDU;
    int skipped = 0;
    int p0 = decode_body(r, l, detail, dn, &skipped);
    if (p0 == HAN_P_APDU || r->err) {
        l->n = 0;
        return HAN_P_APDU;
    }
    if (p0 == HAN_P_LIST_FORMAT || p0 == HAN_P_LIST_UNKNOWN)
        l->n = 0;
    return p0;
}

/* general-glo-ciphering (tag DB, read): system title, then the ciphered
 * content SC | IC | ciphertext | tag (security suite 0, SC 0x30). The
 * plaintext APDU is written to plain (at least n bytes). */
static int decipher(struct axdr_r *r, const struct han_key *key, struct han_list *l, uint8_t *plain,
                    size_t *plain_n, char *detail, size_t dn)
{
    uint32_t stl = axdr_get_len(r);
    const uint8_t *st = axdr_get_raw(r, stl);
    uint32_t cl = axdr_get_len(r);
    if (r->err || stl != 8 || cl != axdr_r_left(r) || cl < 1u + 4u + 12u) {
        NOTE("general-glo-ciphering that does not parse");
        return HAN_P_APDU;
    }
    uint8_t sc = axdr_get_byte(r);
    uint32_t ic = (uint32_t)axdr_get_be(r, 4);
    size_t ctn = cl - 1u - 4u - 12u;
    const uint8_t *ct = axdr_get_raw(r, ctn);
    const uint8_t *tag = axdr_get_raw(r, 12);
    memcpy(l->system_title, st, 8);
    l->ciphered = true;
    l->ic = ic;
    if (key == NULL || key->hal == NULL) {
        NOTE("no key (--key-file)");
        return HAN_P_ENCRYPTED;
    }
    if (sc != 0x30) {
        NOTE("security control 0x%02X (only 0x30, authenticated and encrypted, is read)", sc);
        return HAN_P_ENCRYPTED;
    }
    uint8_t iv[12], aad[17];
    memcpy(iv, st, 8);
    for (unsigned b = 0; b < 4; b++)
        iv[8 + b] = (uint8_t)(ic >> (8u * (3u - b)));
    aad[0] = sc;
    memcpy(aad + 1, key->ak, 16);
    int e = aes_gcm_decrypt(key->hal, key->ek, iv, aad, sizeof aad, ct, plain, ctn, tag, 12);
    if (e < 0) {
        NOTE(e == METER_ECORRUPT ? "authentication failed (wrong key?)" : "no AES engine");
        return HAN_P_KEY;
    }
    *plain_n = ctn;
    return 0;
}

int han_rx_decode_info(const uint8_t *p, size_t n, const struct han_key *key, struct han_list *l, char *detail,
                       size_t dn)
{
    struct axdr_r r;
    memset(l, 0, sizeof *l);
    if (detail != NULL && dn > 0)
        detail[0] = '\0';
    size_t at = n >= 3 && p[0] == 0xE6 && p[1] == 0xE7 && p[2] == 0x00 ? 3u : 0u; /* LLC; some adapters pass the APDU alone */
    axdr_r_init(&r, p + at, n - at);
    uint8_t tag = axdr_get_byte(&r);
    uint8_t plain[HAN_RX_FRAME_MAX];
    if (tag == 0xDB) {
        size_t pn = 0;
        int e = decipher(&r, key, l, plain, &pn, detail, dn);
        if (e != 0)
            return e;
        axdr_r_init(&r, plain, pn);
        tag = axdr_get_byte(&r);
    } else if (tag == 0xDF || tag == 0xE0) {
        NOTE("APDU tag 0x%02X (dedicated or general ciphering: not a broadcast)", tag);
        return HAN_P_ENCRYPTED;
    }
    if (tag != 0x0F || r.err) {
        NOTE("APDU tag 0x%02X", tag);
        return HAN_P_APDU;
    }
    return decode_notification(&r, l, detail, dn);
}

/* ---- framing ------------------------------------------------------------ */

void han_rx_init(struct han_rx *rx, const struct han_rx_ops *ops)
{
    memset(rx, 0, sizeof *rx);
    if (ops != NULL)
        rx->ops = *ops;
}

void han_rx_set_key(struct han_rx *rx, const struct han_key *key)
{
    rx->key = key;
}

void han_rx_reset(struct han_rx *rx)
{
    rx->len = 0;
}

static void drop(struct han_rx *rx, size_t k)
{
    memmove(rx->buf, rx->buf + k, rx->len - k);
    rx->len -= k;
}

/* An HDLC address: 1, 2 or 4 bytes, the last with bit 0 set. */
static size_t addr_len(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && i < 4; i++)
        if (p[i] & 1u)
            return (i == 0 || i == 1 || i == 3) ? i + 1 : 0;
    return 0;
}

/* buf[0] = 0x7E, buf[L+1] = 0x7E: check and decode the frame of length L.
 * Returns the problem or 0. */
static int frame(struct han_rx *rx, size_t L)
{
    const uint8_t *f = rx->buf + 1; /* format field */
    if (f[0] & 0x08)
        return HAN_P_SEGMENTED;
    size_t da = addr_len(f + 2, L - 2);
    size_t sa = da ? addr_len(f + 2 + da, L - 2 - da) : 0;
    if (da == 0 || sa == 0)
        return HAN_P_FORMAT;
    size_t hdr = 2 + da + sa + 1; /* format, addresses, control */
    if (L < hdr + 2)
        return HAN_P_FORMAT;
    uint16_t fcs = (uint16_t)(f[L - 2] | f[L - 1] << 8);
    if (crc16_x25(0, f, L - 2) != fcs)
        return HAN_P_FCS;
    if (L == hdr + 2)
        return HAN_P_APDU; /* no information field */
    if (L < hdr + 4)
        return HAN_P_FORMAT;
    uint16_t hcs = (uint16_t)(f[hdr] | f[hdr + 1] << 8);
    if (crc16_x25(0, f, hdr) != hcs)
        return HAN_P_HCS;
    char detail[96];
    rx->frames++;
    int p = han_rx_decode_info(f + hdr + 2, L - hdr - 4, rx->key, &rx->list, detail, sizeof detail);
    if (p != HAN_P_APDU && p != HAN_P_ENCRYPTED && p != HAN_P_KEY && rx->list.ciphered) {
        /* an old frame played again would publish old values as new */
        if (rx->have_ic && rx->list.ic <= rx->last_ic) {
            snprintf(detail, sizeof detail, "invocation counter %u, last %u", (unsigned)rx->list.ic,
                     (unsigned)rx->last_ic);
            p = HAN_P_REPLAY;
            rx->list.n = 0;
        } else {
            rx->have_ic = true;
            rx->last_ic = rx->list.ic;
        }
    }
    if (p != 0)
        report(rx, (enum han_problem)p, detail[0] ? detail : NULL);
    if ((p == 0 || p == HAN_P_OBIS_UNKNOWN || p == HAN_P_VALUE_TYPE) && rx->list.n > 0) {
        rx->lists++;
        if (rx->ops.list != NULL)
            rx->ops.list(rx->ops.ctx, &rx->list);
    }
    return -1; /* handled (reported above) */
}

void han_rx_feed(struct han_rx *rx, const uint8_t *p, size_t n)
{
    while (n > 0 || rx->len > 0) {
        /* take what fits */
        size_t take = sizeof rx->buf - rx->len;
        if (take > n)
            take = n;
        memcpy(rx->buf + rx->len, p, take);
        rx->len += take;
        p += take;
        n -= take;
        /* frames in the buffer */
        for (;;) {
            if (rx->len == 0)
                break;
            if (rx->buf[0] != 0x7E) {
                size_t k = 0;
                while (k < rx->len && rx->buf[k] != 0x7E)
                    k++;
                rx->garbage_bytes += (uint32_t)k;
                char d[32];
                snprintf(d, sizeof d, "%u bytes", (unsigned)k);
                report(rx, HAN_P_GARBAGE, d);
                drop(rx, k);
                continue;
            }
            if (rx->len >= 2 && rx->buf[1] == 0x7E) { /* flag fill or a shared flag */
                drop(rx, 1);
                continue;
            }
            if (rx->len < 3)
                break;
            if ((rx->buf[1] & 0xF0) != 0xA0) {
                report(rx, HAN_P_FORMAT, "no frame format after a flag");
                rx->bad_frames++;
                drop(rx, 1);
                continue;
            }
            size_t L = (size_t)(rx->buf[1] & 0x07) << 8 | rx->buf[2];
            if (L < 7) {
                report(rx, HAN_P_FORMAT, "frame too short");
                rx->bad_frames++;
                drop(rx, 1);
                continue;
            }
            if (rx->len < L + 2)
                break; /* wait for the rest */
            if (rx->buf[L + 1] != 0x7E) {
                report(rx, HAN_P_FORMAT, "no closing flag where the length says (truncated frame?)");
                rx->bad_frames++;
                drop(rx, 1);
                continue;
            }
            int pr = frame(rx, L);
            if (pr > 0) {
                report(rx, (enum han_problem)pr, NULL);
                rx->bad_frames++;
            }
            drop(rx, L + 1); /* the closing flag may open the next frame */
        }
        if (n == 0)
            break;
    }
}

/* ---- formatting ------------------------------------------------------------ */

int han_value_format(const struct han_value *v, char *buf, size_t n)
{
    int64_t raw = v->raw;
    int s = v->scaler;
    if (v->q != NULL && (v->q->kind == HAN_K_ENERGY || v->q->kind == HAN_K_RENERGY))
        s -= 3; /* Wh -> kWh */
    char digits[32];
    bool neg = raw < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)raw : (uint64_t)raw;
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (s >= 0) {
        if ((size_t)len + (size_t)s + 2 > sizeof out)
            return -1;
        memcpy(out + o, digits, (size_t)len);
        o += (size_t)len;
        for (int i = 0; i < s; i++)
            out[o++] = '0';
    } else {
        int dec = -s;
        if (dec > 20)
            return -1;
        int ip = len - dec; /* digits before the point */
        if (ip <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -ip; i++)
                out[o++] = '0';
            memcpy(out + o, digits, (size_t)len);
            o += (size_t)len;
        } else {
            memcpy(out + o, digits, (size_t)ip);
            o += (size_t)ip;
            out[o++] = '.';
            memcpy(out + o, digits + ip, (size_t)dec);
            o += (size_t)dec;
        }
    }
    out[o] = '\0';
    return snprintf(buf, n, "%s", out);
}

int han_time_format(const struct han_value *v, char *buf, size_t n)
{
    int64_t t = v->time, days = t >= 0 ? t / 86400 : (t - 86399) / 86400, sec = t - days * 86400;
    /* civil from days (inverse of days_from_civil) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    int r = snprintf(buf, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", (long long)y, (long long)m, (long long)d,
                     (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60));
    if (r < 0 || (size_t)r >= n)
        return -1;
    if ((uint16_t)v->deviation != 0x8000 && v->deviation >= -720 && v->deviation <= 720) {
        int off = -v->deviation; /* local = UTC + off */
        int r2 = snprintf(buf + r, n - (size_t)r, "%c%02d:%02d", off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
                          (off < 0 ? -off : off) % 60);
        if (r2 < 0 || (size_t)r2 >= n - (size_t)r)
            return -1;
        r += r2;
    }
    return r;
}
