/*
 * axdr.c — A-XDR writer (windowed, never fails) and pull reader (bounds-
 * checked, never reads past its input).
 */
#include "util/axdr.h"

#include <string.h>

/* ---- writer -------------------------------------------------------------- */

void axdr_w_init(struct axdr_w *w, uint8_t *buf, size_t cap)
{
    axdr_w_window(w, buf, cap, 0);
}

void axdr_w_window(struct axdr_w *w, uint8_t *buf, size_t cap, uint32_t skip)
{
    w->buf = buf;
    w->cap = cap > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)cap;
    w->skip = skip;
    w->pos = 0;
}

bool axdr_w_over(const struct axdr_w *w)
{
    return w->pos > w->skip + w->cap;
}

size_t axdr_w_len(const struct axdr_w *w)
{
    if (w->pos <= w->skip)
        return 0;
    uint32_t end = w->pos < w->skip + w->cap ? w->pos : w->skip + w->cap;
    return end - w->skip;
}

void axdr_put_raw(struct axdr_w *w, const void *p, size_t n)
{
    const uint8_t *s = p;
    uint32_t end = w->skip + w->cap;
    uint32_t a = w->pos, b = w->pos + (uint32_t)n;
    /* Only the part inside the window is copied; the position counts all. */
    uint32_t lo = a > w->skip ? a : w->skip, hi = b < end ? b : end;
    if (lo < hi)
        memcpy(w->buf + (lo - w->skip), s + (lo - a), hi - lo);
    w->pos = b;
}

void axdr_put_byte(struct axdr_w *w, uint8_t b)
{
    if (w->pos >= w->skip && w->pos < w->skip + w->cap)
        w->buf[w->pos - w->skip] = b;
    w->pos++;
}

void axdr_put_be(struct axdr_w *w, uint64_t v, unsigned bytes)
{
    while (bytes-- > 0)
        axdr_put_byte(w, (uint8_t)(v >> (8u * bytes)));
}

void axdr_put_len(struct axdr_w *w, uint32_t n)
{
    if (n < 0x80u) {
        axdr_put_byte(w, (uint8_t)n);
    } else if (n <= 0xffu) {
        axdr_put_byte(w, 0x81);
        axdr_put_byte(w, (uint8_t)n);
    } else if (n <= 0xffffu) {
        axdr_put_byte(w, 0x82);
        axdr_put_be(w, n, 2);
    } else {
        axdr_put_byte(w, 0x84);
        axdr_put_be(w, n, 4);
    }
}

void axdr_put_null(struct axdr_w *w)
{
    axdr_put_byte(w, AXDR_NULL);
}

void axdr_put_bool(struct axdr_w *w, bool v)
{
    axdr_put_byte(w, AXDR_BOOL);
    axdr_put_byte(w, v ? 1 : 0);
}

void axdr_put_int(struct axdr_w *w, enum axdr_tag tag, int64_t v)
{
    int n = axdr_fixed_size((uint8_t)tag);
    if (n <= 0 || n > 8)
        return; /* not an integer type: a programming error, nothing written */
    axdr_put_byte(w, (uint8_t)tag);
    axdr_put_be(w, (uint64_t)v, (unsigned)n);
}

void axdr_put_uint_fit(struct axdr_w *w, uint64_t v)
{
    if (v <= UINT32_MAX)
        axdr_put_int(w, AXDR_U32, (int64_t)v);
    else
        axdr_put_int(w, AXDR_U64, (int64_t)v);
}

void axdr_put_sint_fit(struct axdr_w *w, int64_t v)
{
    if (v >= INT32_MIN && v <= INT32_MAX)
        axdr_put_int(w, AXDR_I32, v);
    else
        axdr_put_int(w, AXDR_I64, v);
}

void axdr_put_string(struct axdr_w *w, enum axdr_tag tag, const void *p, size_t n)
{
    axdr_put_byte(w, (uint8_t)tag);
    axdr_put_len(w, (uint32_t)n);
    axdr_put_raw(w, p, n);
}

void axdr_put_octets_fixed(struct axdr_w *w, const void *p, size_t n)
{
    axdr_put_string(w, AXDR_OCTETS, p, n);
}

void axdr_put_bits(struct axdr_w *w, const uint8_t *bits, uint32_t nbits)
{
    axdr_put_byte(w, AXDR_BITS);
    axdr_put_len(w, nbits);
    axdr_put_raw(w, bits, (nbits + 7u) / 8u);
}

void axdr_put_array(struct axdr_w *w, uint32_t n)
{
    axdr_put_byte(w, AXDR_ARRAY);
    axdr_put_len(w, n);
}

void axdr_put_struct(struct axdr_w *w, uint32_t n)
{
    axdr_put_byte(w, AXDR_STRUCT);
    axdr_put_len(w, n);
}

void axdr_put_f32(struct axdr_w *w, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    axdr_put_byte(w, AXDR_F32);
    axdr_put_be(w, u, 4);
}

void axdr_put_f64(struct axdr_w *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    axdr_put_byte(w, AXDR_F64);
    axdr_put_be(w, u, 8);
}

/* ---- reader -------------------------------------------------------------- */

void axdr_r_init(struct axdr_r *r, const void *p, size_t n)
{
    r->p = p;
    r->n = p != NULL ? n : 0;
    r->pos = 0;
    r->err = false;
}

size_t axdr_r_left(const struct axdr_r *r)
{
    return r->err ? 0 : r->n - r->pos;
}

const uint8_t *axdr_get_raw(struct axdr_r *r, size_t n)
{
    if (r->err || n > r->n - r->pos) {
        r->err = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t axdr_get_byte(struct axdr_r *r)
{
    const uint8_t *p = axdr_get_raw(r, 1);
    return p != NULL ? *p : 0;
}

uint64_t axdr_get_be(struct axdr_r *r, unsigned bytes)
{
    const uint8_t *p = axdr_get_raw(r, bytes);
    uint64_t v = 0;
    if (p == NULL)
        return 0;
    for (unsigned k = 0; k < bytes; k++)
        v = v << 8 | p[k];
    return v;
}

uint32_t axdr_get_len(struct axdr_r *r)
{
    uint8_t b = axdr_get_byte(r);
    if (b < 0x80u)
        return b;
    unsigned k = b & 0x7fu;
    if (k == 0 || k > 4) { /* indefinite or absurd lengths are not A-XDR */
        r->err = true;
        return 0;
    }
    uint64_t v = axdr_get_be(r, k);
    if (v > UINT32_MAX / 2) {
        r->err = true;
        return 0;
    }
    return (uint32_t)v;
}

int axdr_fixed_size(uint8_t tag)
{
    switch (tag) {
    case AXDR_NULL:
    case AXDR_DONT_CARE: return 0;
    case AXDR_BOOL:
    case AXDR_I8:
    case AXDR_U8:
    case AXDR_ENUM: return 1;
    case AXDR_I16:
    case AXDR_U16: return 2;
    case AXDR_I32:
    case AXDR_U32:
    case AXDR_F32:
    case AXDR_TIME: return 4;
    case AXDR_DATE: return 5;
    case AXDR_I64:
    case AXDR_U64:
    case AXDR_F64: return 8;
    case AXDR_DATETIME: return 12;
    case AXDR_ARRAY:
    case AXDR_STRUCT:
    case AXDR_BITS:
    case AXDR_OCTETS:
    case AXDR_VISIBLE:
    case AXDR_UTF8:
    case AXDR_BCD:
    case AXDR_COMPACT: return 0;
    default: return -1;
    }
}

static bool is_signed(uint8_t tag)
{
    return tag == AXDR_I8 || tag == AXDR_I16 || tag == AXDR_I32 || tag == AXDR_I64;
}

static bool is_int(uint8_t tag)
{
    return is_signed(tag) || tag == AXDR_U8 || tag == AXDR_U16 || tag == AXDR_U32 || tag == AXDR_U64 ||
           tag == AXDR_ENUM || tag == AXDR_BOOL;
}

/* A compact-array type description: a tag, for an array a count and one
 * description, for a structure a count and that many descriptions. */
static int skip_desc(struct axdr_r *r, unsigned depth)
{
    uint8_t t = axdr_get_byte(r);
    if (r->err || depth == 0)
        goto bad;
    if (t == AXDR_ARRAY) {
        (void)axdr_get_be(r, 2);
        return skip_desc(r, depth - 1);
    }
    if (t == AXDR_STRUCT) {
        uint32_t n = axdr_get_len(r);
        for (uint32_t k = 0; k < n && !r->err; k++)
            if (skip_desc(r, depth - 1) < 0)
                return -1;
        return r->err ? -1 : 0;
    }
    if (t == AXDR_COMPACT || axdr_fixed_size(t) < 0)
        goto bad;
    return 0;
bad:
    r->err = true;
    return -1;
}

int axdr_get(struct axdr_r *r, struct axdr_item *it)
{
    memset(it, 0, sizeof *it);
    it->tag = axdr_get_byte(r);
    if (r->err)
        return -1;
    uint8_t t = it->tag;
    switch (t) {
    case AXDR_NULL:
    case AXDR_DONT_CARE:
        return 0;
    case AXDR_ARRAY:
    case AXDR_STRUCT:
        it->n = axdr_get_len(r);
        /* Every element takes at least one byte: a count beyond the input
         * is malformed, found here rather than after a long loop. */
        if (!r->err && it->n > axdr_r_left(r))
            r->err = true;
        return r->err ? -1 : 0;
    case AXDR_OCTETS:
    case AXDR_VISIBLE:
    case AXDR_UTF8:
    case AXDR_BCD:
        it->n = axdr_get_len(r);
        it->p = axdr_get_raw(r, it->n);
        return r->err ? -1 : 0;
    case AXDR_BITS:
        it->n = axdr_get_len(r);
        it->p = axdr_get_raw(r, (it->n + 7u) / 8u);
        return r->err ? -1 : 0;
    case AXDR_DATETIME:
    case AXDR_DATE:
    case AXDR_TIME:
        it->n = (uint32_t)axdr_fixed_size(t);
        it->p = axdr_get_raw(r, it->n);
        return r->err ? -1 : 0;
    case AXDR_COMPACT: {
        size_t d0 = r->pos;
        if (skip_desc(r, AXDR_DEPTH_MAX) < 0)
            return -1;
        it->desc = r->p + d0;
        it->ndesc = (uint32_t)(r->pos - d0);
        it->n = axdr_get_len(r);
        it->p = axdr_get_raw(r, it->n);
        return r->err ? -1 : 0;
    }
    case AXDR_F32: {
        uint32_t u = (uint32_t)axdr_get_be(r, 4);
        float f;
        memcpy(&f, &u, sizeof f);
        it->f = f;
        return r->err ? -1 : 0;
    }
    case AXDR_F64: {
        uint64_t u = axdr_get_be(r, 8);
        memcpy(&it->f, &u, sizeof it->f);
        return r->err ? -1 : 0;
    }
    default:
        break;
    }
    if (!is_int(t)) {
        r->err = true;
        return -1;
    }
    unsigned n = (unsigned)axdr_fixed_size(t);
    uint64_t u = axdr_get_be(r, n);
    if (r->err)
        return -1;
    if (is_signed(t)) {
        unsigned sh = 64u - 8u * n;
        /* sign-extend without shifting a negative value */
        it->i = sh == 0 ? (int64_t)u : (int64_t)(u << sh) / ((int64_t)1 << sh);
        it->u = it->i >= 0 ? (uint64_t)it->i : 0;
    } else {
        it->u = u;
        it->i = u <= (uint64_t)INT64_MAX ? (int64_t)u : INT64_MAX;
    }
    if (t == AXDR_BOOL) {
        it->u = u != 0;
        it->i = u != 0;
    }
    return 0;
}

int axdr_skip(struct axdr_r *r, unsigned depth)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return -1;
    if (it.tag != AXDR_ARRAY && it.tag != AXDR_STRUCT)
        return 0;
    if (depth == 0) {
        r->err = true;
        return -1;
    }
    for (uint32_t k = 0; k < it.n; k++)
        if (axdr_skip(r, depth - 1) < 0)
            return -1;
    return 0;
}

bool axdr_item_int(const struct axdr_item *it, int64_t *v)
{
    if (!is_int(it->tag))
        return false;
    if (!is_signed(it->tag) && it->u > (uint64_t)INT64_MAX)
        return false;
    *v = it->i;
    return true;
}

int axdr_get_int(struct axdr_r *r, int64_t lo, int64_t hi, int64_t *v)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return -1;
    if (!axdr_item_int(&it, v) || *v < lo || *v > hi) {
        r->err = true;
        return -1;
    }
    return 0;
}

int axdr_get_head(struct axdr_r *r, enum axdr_tag tag, uint32_t *n)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return -1;
    if (it.tag != tag) {
        r->err = true;
        return -1;
    }
    *n = it.n;
    return 0;
}

const uint8_t *axdr_get_octets(struct axdr_r *r, uint32_t n, uint32_t *got)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0)
        return NULL;
    if (it.tag != AXDR_OCTETS || (n != 0 && it.n != n)) {
        r->err = true;
        return NULL;
    }
    if (got != NULL)
        *got = it.n;
    return it.p;
}
