/*
 * cosem_push.c — class 40 Push setup (0-1:25.9.0.255 and 0-2:25.9.0.255,
 * the HAN push, src/proto/han) over the push's object-table rows: the
 * setup row itself (its value is the push object list in the HAN text form
 * "C.D.E[+],A-B:C.D.E[+]", '+' = logical name and value) and
 * han_push<B>_destination / _window / _random_s. Nothing of the HAN module
 * is called: what the rows accept is what the push does.
 *
 *   2 push_object_list        {class, logical name, attribute, data index 0}:
 *                             attribute 2 = the value, attribute 1 directly
 *                             before attribute 2 of the same object = its
 *                             logical name with it (the Kamstrup pair)
 *   3 send_destination_and_method {HDLC (5), the client address as decimal
 *                             text, A-XDR (0)}
 *   4 communication_window    [] = always; one {start, end} pair of date-times
 *                             with wildcard dates = a daily local window
 *   5 randomisation_start_interval  s
 *   6 number_of_retries       0 (a push is not repeated; read-only)
 *   7 repetition_delay        0 (read-only)
 *   method 1 push             send the list now
 */
#include <string.h>

#include "cosem/cosem_ctl.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

#define PUSH_ENTRIES_MAX 40u /* 20 objects with their logical names */

/* Row of setup attribute `what` ("destination", "window", "random_s"). */
static const struct obj_def *push_row(const struct obj_def *o, const char *what)
{
    char key[40];
    struct fmt_buf f;
    fmt_init(&f, key, sizeof key);
    fmt_str(&f, "han_push");
    fmt_uint(&f, o->ln.v[1], 1);
    fmt_char(&f, '_');
    fmt_str(&f, what);
    if (fmt_end(&f) < 0)
        return NULL;
    return objtab_find_key(key);
}

/* One capture object of the list text: its row, the logical name sent,
 * and whether the logical name goes with the value. */
struct push_obj {
    const struct obj_def *row;
    uint8_t ln[6];
    bool with_ln;
};

/* The next token of the list text at *at; false at the end or on a token
 * that names no row. */
static bool next_obj(const struct obj_value *v, unsigned *at, struct push_obj *out)
{
    char tok[24];
    unsigned k = 0, len = v->len < OBJ_STR_MAX ? v->len : OBJ_STR_MAX;
    if (*at >= len)
        return false;
    while (*at < len && v->s[*at] != ',') {
        if (k + 1 >= sizeof tok)
            return false;
        tok[k++] = v->s[(*at)++];
    }
    (*at)++;
    out->with_ln = k > 0 && tok[k - 1] == '+';
    if (out->with_ln)
        k--;
    tok[k] = '\0';
    struct obis ln;
    if (obis_parse(tok, &ln) < 0)
        return false;
    uint8_t b = ln.v[1];
    ln.v[1] = 0;
    out->row = objtab_find(&ln);
    if (out->row == NULL)
        return false;
    memcpy(out->ln, out->row->ln.v, 6);
    out->ln[1] = b;
    return true;
}

static int put_list(const struct meter *m, const struct obj_def *o, enum meter_access acc, struct axdr_w *w)
{
    struct obj_value v;
    struct push_obj p;
    int r = obj_read(m, o, acc, &v);
    if (r < 0)
        return r;
    unsigned at = 0, n = 0;
    while (next_obj(&v, &at, &p))
        n += p.with_ln ? 2u : 1u;
    axdr_put_array(w, n);
    at = 0;
    while (next_obj(&v, &at, &p)) {
        for (int a = p.with_ln ? 1 : 2; a <= 2; a++) {
            axdr_put_struct(w, 4);
            axdr_put_int(w, AXDR_U16, p.row->ic);
            axdr_put_octets_fixed(w, p.ln, 6);
            axdr_put_int(w, AXDR_I8, a);
            axdr_put_int(w, AXDR_U16, 0);
        }
    }
    return 1;
}

static void put_window_dt(struct axdr_w *w, unsigned hh, unsigned mm)
{
    uint8_t dt[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (uint8_t)hh, (uint8_t)mm, 0, 0xFF, 0x80, 0x00, 0xFF};
    axdr_put_octets_fixed(w, dt, sizeof dt);
}

int cosem_push_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w)
{
    struct obj_value v;
    const struct obj_def *row;
    int r;
    switch (attr) {
    case 2: return put_list(m, o, acc, w);
    case 3: {
        char d[8];
        if ((row = push_row(o, "destination")) == NULL)
            return METER_ENOENT;
        if ((r = obj_read(m, row, acc, &v)) < 0)
            return r;
        struct fmt_buf f;
        fmt_init(&f, d, sizeof d);
        fmt_uint(&f, (uint64_t)(v.i > 0 ? v.i : 0), 1);
        int n = fmt_end(&f);
        axdr_put_struct(w, 3);
        axdr_put_int(w, AXDR_ENUM, 5); /* HDLC */
        axdr_put_string(w, AXDR_OCTETS, d, n > 0 ? (size_t)n : 0);
        axdr_put_int(w, AXDR_ENUM, 0); /* A-XDR encoded xDLMS APDU */
        return 1;
    }
    case 4: {
        if ((row = push_row(o, "window")) == NULL)
            return METER_ENOENT;
        if ((r = obj_read(m, row, acc, &v)) < 0)
            return r;
        const char *s = v.s;
        if (v.len != 11) { /* "always" */
            axdr_put_array(w, 0);
            return 1;
        }
        axdr_put_array(w, 1);
        axdr_put_struct(w, 2);
        put_window_dt(w, (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0'),
                      (unsigned)(s[3] - '0') * 10u + (unsigned)(s[4] - '0'));
        put_window_dt(w, (unsigned)(s[6] - '0') * 10u + (unsigned)(s[7] - '0'),
                      (unsigned)(s[9] - '0') * 10u + (unsigned)(s[10] - '0'));
        return 1;
    }
    case 5:
        if ((row = push_row(o, "random_s")) == NULL)
            return METER_ENOENT;
        if ((r = obj_read(m, row, acc, &v)) < 0)
            return r;
        axdr_put_int(w, AXDR_U16, v.i);
        return 1;
    case 6: axdr_put_int(w, AXDR_U8, 0); return 1;
    case 7: axdr_put_int(w, AXDR_U16, 0); return 1;
    default: return METER_ENOENT;
    }
}

/* ---- SET ------------------------------------------------------------------------------ */

/* The logical name of one list entry as list text. */
static int list_token(struct fmt_buf *f, const uint8_t ln[6], bool with_ln)
{
    struct obis o;
    char code[24];
    memcpy(o.v, ln, 6);
    o.v[1] = 0;
    const struct obj_def *row = objtab_find(&o);
    if (row == NULL)
        return METER_EINVAL;
    /* the short code where it names the same row (as the row prints it) */
    if (ln[1] == 0 && obis_format_short(&o, code, sizeof code) >= 0 && objtab_find_str(code) == row) {
        fmt_str(f, code);
    } else {
        fmt_uint(f, ln[0], 1);
        fmt_char(f, '-');
        fmt_uint(f, ln[1], 1);
        fmt_char(f, ':');
        fmt_uint(f, ln[2], 1);
        fmt_char(f, '.');
        fmt_uint(f, ln[3], 1);
        fmt_char(f, '.');
        fmt_uint(f, ln[4], 1);
    }
    if (with_ln)
        fmt_char(f, '+');
    return METER_OK;
}

static int decode_list(struct axdr_r *r, struct obj_value *v)
{
    uint32_t n;
    struct fmt_buf f;
    uint8_t pending[6];
    bool have_pending = false, first = true;
    if (axdr_get_head(r, AXDR_ARRAY, &n) < 0 || n > PUSH_ENTRIES_MAX)
        return METER_EINVAL;
    fmt_init(&f, v->s, sizeof v->s);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k;
        int64_t ic, attr, di;
        const uint8_t *ln;
        if (axdr_get_head(r, AXDR_STRUCT, &k) < 0 || k != 4 || axdr_get_int(r, 0, 0xFFFF, &ic) < 0 ||
            (ln = axdr_get_octets(r, 6, NULL)) == NULL || axdr_get_int(r, -128, 127, &attr) < 0 ||
            axdr_get_int(r, 0, 0xFFFF, &di) < 0)
            return METER_EINVAL;
        struct obis o;
        memcpy(o.v, ln, 6);
        o.v[1] = 0;
        const struct obj_def *row = objtab_find(&o);
        if (row == NULL || row->ic != ic || ln[1] > 1 || di != 0 || (attr != 1 && attr != 2))
            return METER_EINVAL;
        if (attr == 1) {
            if (have_pending)
                return METER_EINVAL; /* a logical name alone */
            memcpy(pending, ln, 6);
            have_pending = true;
            continue;
        }
        bool with_ln = have_pending && memcmp(pending, ln, 6) == 0;
        if (have_pending && !with_ln)
            return METER_EINVAL;
        have_pending = false;
        if (!first)
            fmt_char(&f, ',');
        first = false;
        if (list_token(&f, ln, with_ln) < 0)
            return METER_EINVAL;
    }
    if (have_pending)
        return METER_EINVAL;
    int len = fmt_end(&f);
    if (len < 0)
        return METER_ENOSPC;
    return obj_text_value(v, len);
}

/* A window end: a date-time with wildcard date fields; minutes of the day. */
static int window_time(struct axdr_r *r, unsigned *hh, unsigned *mm)
{
    const uint8_t *dt = axdr_get_octets(r, 12, NULL);
    if (dt == NULL || dt[0] != 0xFF || dt[1] != 0xFF || dt[2] != 0xFF || dt[3] != 0xFF || dt[5] > 23 ||
        dt[6] > 59)
        return METER_EINVAL;
    *hh = dt[5];
    *mm = dt[6];
    return METER_OK;
}

int cosem_push_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                   enum meter_src src)
{
    struct obj_value v;
    memset(&v, 0, sizeof v);
    const struct obj_def *row = o;
    int e;
    switch (attr) {
    case 2:
        e = decode_list(r, &v);
        break;
    case 3: {
        uint32_t n;
        int64_t ts, msg;
        struct axdr_item it;
        if (axdr_get_head(r, AXDR_STRUCT, &n) < 0 || n != 3 || axdr_get_int(r, 0, 255, &ts) < 0 ||
            axdr_get(r, &it) < 0 || (it.tag != AXDR_OCTETS && it.tag != AXDR_VISIBLE) || it.n < 1 || it.n > 3 ||
            axdr_get_int(r, 0, 255, &msg) < 0 || ts != 5 || msg != 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        int64_t a = 0;
        for (uint32_t k = 0; k < it.n; k++) {
            if (it.p[k] < '0' || it.p[k] > '9')
                return cosem_ctl_refuse(m, o, src, METER_EINVAL);
            a = a * 10 + (it.p[k] - '0');
        }
        obj_put_uint(&v, a, 0);
        row = push_row(o, "destination");
        e = METER_OK;
        break;
    }
    case 4: {
        uint32_t n, k;
        if (axdr_get_head(r, AXDR_ARRAY, &n) < 0 || n > 1)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        if (n == 0) {
            e = obj_put_text(&v, "always");
        } else {
            unsigned h0, m0, h1, m1;
            if (axdr_get_head(r, AXDR_STRUCT, &k) < 0 || k != 2 || window_time(r, &h0, &m0) < 0 ||
                window_time(r, &h1, &m1) < 0)
                return cosem_ctl_refuse(m, o, src, METER_EINVAL);
            struct fmt_buf f;
            fmt_init(&f, v.s, sizeof v.s);
            fmt_uint(&f, h0, 2);
            fmt_char(&f, ':');
            fmt_uint(&f, m0, 2);
            fmt_char(&f, '-');
            fmt_uint(&f, h1, 2);
            fmt_char(&f, ':');
            fmt_uint(&f, m1, 2);
            e = obj_text_value(&v, fmt_end(&f));
        }
        row = push_row(o, "window");
        break;
    }
    case 5: {
        int64_t x;
        if (axdr_get_int(r, 0, 0xFFFF, &x) < 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        obj_put_uint(&v, x, 0);
        row = push_row(o, "random_s");
        e = METER_OK;
        break;
    }
    case 1:
    case 6:
    case 7: return cosem_ctl_refuse(m, o, src, METER_EACCES);
    default: return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    }
    if (e < 0 || r->err || axdr_r_left(r) != 0)
        return cosem_ctl_refuse(m, o, src, METER_EINVAL); /* incl. a list longer than the row's text */
    if (row == NULL)
        return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    return cosem_ctl_dar(obj_write(m, row, acc, &v, src));
}

int cosem_push_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                      struct axdr_w *ret, enum meter_access acc, enum meter_src src)
{
    (void)ret;
    if (method != 1)
        return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    if (params != NULL && axdr_r_left(params) > 0) {
        struct axdr_item it;
        int64_t x;
        if (axdr_get(params, &it) < 0 || (it.tag != AXDR_NULL && !axdr_item_int(&it, &x)) || axdr_r_left(params) != 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
    }
    return cosem_ctl_dar(obj_action(m, o, acc, 1, NULL, src));
}
