#include "util/fmt.h"

#include <stdbool.h>

#include "trimeter/err.h"

void fmt_init(struct fmt_buf *f, char *buf, size_t n)
{
    f->p = buf;
    f->n = n;
    f->len = 0;
    f->err = (buf == NULL || n == 0) ? METER_ENOSPC : METER_OK;
    if (f->err == METER_OK)
        buf[0] = '\0';
}

void fmt_char(struct fmt_buf *f, char c)
{
    if (f->err != METER_OK)
        return;
    if (f->len + 1 >= f->n) {
        f->err = METER_ENOSPC;
        return;
    }
    f->p[f->len++] = c;
    f->p[f->len] = '\0';
}

void fmt_str(struct fmt_buf *f, const char *s)
{
    while (*s != '\0')
        fmt_char(f, *s++);
}

void fmt_uint(struct fmt_buf *f, uint64_t v, unsigned width)
{
    char tmp[24];
    unsigned k = 0;
    do {
        tmp[k++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0 && k < sizeof tmp);
    while (k < width && k < sizeof tmp)
        tmp[k++] = '0';
    while (k > 0)
        fmt_char(f, tmp[--k]);
}

void fmt_int(struct fmt_buf *f, int64_t v)
{
    if (v < 0) {
        fmt_char(f, '-');
        fmt_uint(f, (uint64_t)0 - (uint64_t)v, 1);
    } else {
        fmt_uint(f, (uint64_t)v, 1);
    }
}

void fmt_fixed(struct fmt_buf *f, int64_t v, int scaler, unsigned decimals)
{
    /* Bring v to units of 10^-decimals, truncating toward zero. */
    int shift = scaler + (int)decimals;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    for (; shift > 0; shift--)
        mag *= 10u;
    for (; shift < 0; shift++)
        mag /= 10u;
    uint64_t p10 = 1;
    for (unsigned i = 0; i < decimals; i++)
        p10 *= 10u;
    if (v < 0 && mag != 0)
        fmt_char(f, '-');
    fmt_uint(f, mag / p10, 1);
    if (decimals > 0) {
        fmt_char(f, '.');
        fmt_uint(f, mag % p10, decimals);
    }
}

int fmt_end(struct fmt_buf *f)
{
    if (f->err != METER_OK) {
        if (f->p != NULL && f->n > 0)
            f->p[0] = '\0';
        return f->err;
    }
    return (int)f->len;
}

void fmt_hhmm(struct fmt_buf *f, unsigned minutes)
{
    fmt_uint(f, minutes / 60u, 2);
    fmt_char(f, ':');
    fmt_uint(f, minutes % 60u, 2);
}

static bool fmt_digit(char c)
{
    return c >= '0' && c <= '9';
}

int fmt_parse_hhmm(const char *s, size_t len, size_t *used, uint16_t *minutes)
{
    if (len < 5 || !fmt_digit(s[0]) || !fmt_digit(s[1]) || s[2] != ':' || !fmt_digit(s[3]) || !fmt_digit(s[4]))
        return METER_EINVAL;
    unsigned h = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
    unsigned mi = (unsigned)(s[3] - '0') * 10u + (unsigned)(s[4] - '0');
    if (mi > 59 || h > 24 || (h == 24 && mi != 0))
        return METER_EINVAL;
    *minutes = (uint16_t)(h * 60u + mi);
    *used = 5;
    return METER_OK;
}
