#include "cosem/obis.h"

#include <string.h>

#include "trimeter/err.h"
#include "util/fmt.h"

/* Reads a decimal group 0..255; returns chars consumed or 0. */
static size_t read_group(const char *s, uint8_t *out)
{
    unsigned v = 0;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9') {
        v = v * 10u + (unsigned)(s[i] - '0');
        if (v > 255 || ++i > 3)
            return 0;
    }
    if (i == 0)
        return 0;
    *out = (uint8_t)v;
    return i;
}

int obis_parse(const char *s, struct obis *out)
{
    uint8_t g[6] = {0, 0, 0, 0, 0, 255};
    uint8_t tmp[6];
    size_t n = 0, k;
    int count = 0;
    bool full = strchr(s, ':') != NULL;
    char seps[5];
    if (s == NULL || out == NULL)
        return METER_EINVAL;
    /* Collect up to 6 groups and the separators between them. */
    for (;;) {
        if (count == 6)
            return METER_EINVAL;
        k = read_group(s + n, &tmp[count]);
        if (k == 0)
            return METER_EINVAL;
        n += k;
        count++;
        if (s[n] == '\0')
            break;
        if (count > 5 || (s[n] != '-' && s[n] != ':' && s[n] != '.' && s[n] != '*'))
            return METER_EINVAL;
        seps[count - 1] = s[n++];
    }
    if (full) {
        /* A-B:C.D.E[*F] */
        if (count < 5 || seps[0] != '-' || seps[1] != ':' || seps[2] != '.' || seps[3] != '.')
            return METER_EINVAL;
        if (count == 6 && seps[4] != '*')
            return METER_EINVAL;
        memcpy(g, tmp, (size_t)count);
    } else {
        /* C.D.E[*F] */
        if (count < 3 || count > 4 || seps[0] != '.' || seps[1] != '.')
            return METER_EINVAL;
        if (count == 4 && seps[2] != '*')
            return METER_EINVAL;
        g[0] = (tmp[0] == 0 || tmp[0] == 96 || tmp[0] == 97 || tmp[0] == 98) ? 0 : 1;
        g[1] = 0;
        g[2] = tmp[0];
        g[3] = tmp[1];
        g[4] = tmp[2];
        if (count == 4)
            g[5] = tmp[3];
    }
    memcpy(out->v, g, 6);
    return METER_OK;
}

int obis_format_short(const struct obis *o, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    fmt_uint(&f, o->v[2], 1);
    fmt_char(&f, '.');
    fmt_uint(&f, o->v[3], 1);
    fmt_char(&f, '.');
    fmt_uint(&f, o->v[4], 1);
    if (o->v[5] != 255) {
        fmt_char(&f, '*');
        fmt_uint(&f, o->v[5], 1);
    }
    return fmt_end(&f);
}

int obis_format_full(const struct obis *o, char *buf, size_t n)
{
    static const char seps[5] = {'-', ':', '.', '.', '*'};
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    for (int i = 0; i < 6; i++) {
        fmt_uint(&f, o->v[i], 1);
        if (i < 5)
            fmt_char(&f, seps[i]);
    }
    return fmt_end(&f);
}

bool obis_equal(const struct obis *a, const struct obis *b)
{
    return memcmp(a->v, b->v, 6) == 0;
}
