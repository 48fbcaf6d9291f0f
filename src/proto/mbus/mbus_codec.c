/*
 * mbus_codec.c — M-Bus frames, identification and records, pure functions.
 */
#include "proto/mbus/mbus.h"

#include <string.h>

#include "registers/clock.h"
#include "trimeter/err.h"

static uint8_t mbus_sum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint8_t)s;
}

size_t mbus_frame_need(const uint8_t *buf, size_t n)
{
    if (n == 0)
        return MBUS_NEED_MORE;
    switch (buf[0]) {
    case MBUS_ACK:
        return 1;
    case MBUS_START_SHORT:
        return 5;
    case MBUS_START_LONG:
        if (n < 4)
            /* Reject a broken header as early as its bytes show it, so a
             * stray 0x68 does not hold the line for 261 bytes. */
            return (n >= 3 && buf[1] != buf[2]) || (n >= 2 && buf[1] < 3) ? 0 : MBUS_NEED_MORE;
        if (buf[1] != buf[2] || buf[3] != MBUS_START_LONG || buf[1] < 3)
            return 0;
        return (size_t)buf[1] + 6u;
    default:
        return 0;
    }
}

int mbus_frame_parse(const uint8_t *buf, size_t n, struct mbus_frame *f)
{
    memset(f, 0, sizeof *f);
    if (n == 1 && buf[0] == MBUS_ACK) {
        f->kind = MBUS_F_ACK;
        return METER_OK;
    }
    if (n == 5 && buf[0] == MBUS_START_SHORT) {
        if (buf[4] != MBUS_STOP)
            return METER_EINVAL;
        if (mbus_sum(buf + 1, 2) != buf[3])
            return METER_ECORRUPT;
        f->kind = MBUS_F_SHORT;
        f->c = buf[1];
        f->a = buf[2];
        return METER_OK;
    }
    if (n >= 9 && buf[0] == MBUS_START_LONG && buf[3] == MBUS_START_LONG && buf[1] == buf[2] &&
        buf[1] >= 3 && n == (size_t)buf[1] + 6u) {
        size_t l = buf[1];
        if (buf[n - 1] != MBUS_STOP)
            return METER_EINVAL;
        if (mbus_sum(buf + 4, l) != buf[4 + l])
            return METER_ECORRUPT;
        f->kind = l == 3 ? MBUS_F_CONTROL : MBUS_F_LONG;
        f->c = buf[4];
        f->a = buf[5];
        f->ci = buf[6];
        f->n = (uint8_t)(l - 3);
        f->data = buf + 7;
        return METER_OK;
    }
    return METER_EINVAL;
}

int mbus_frame_long(uint8_t c, uint8_t a, uint8_t ci, const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    if (n > MBUS_DATA_MAX || cap < n + 9u)
        return METER_ENOSPC;
    if (n > 0 && data != out + 7)
        memmove(out + 7, data, n);
    out[0] = MBUS_START_LONG;
    out[1] = out[2] = (uint8_t)(n + 3u);
    out[3] = MBUS_START_LONG;
    out[4] = c;
    out[5] = a;
    out[6] = ci;
    out[7 + n] = mbus_sum(out + 4, n + 3u);
    out[8 + n] = MBUS_STOP;
    return (int)(n + 9u);
}

/* ---- identification ------------------------------------------------------------ */

int mbus_man_encode(const char *s, uint16_t *out)
{
    unsigned v = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return METER_EINVAL;
        v = (v << 5) | (unsigned)(s[i] - 'A' + 1);
    }
    if (s[3] != '\0')
        return METER_EINVAL;
    *out = (uint16_t)v;
    return METER_OK;
}

void mbus_man_decode(uint16_t code, char out[4])
{
    out[0] = (char)('A' - 1 + ((code >> 10) & 0x1Fu));
    out[1] = (char)('A' - 1 + ((code >> 5) & 0x1Fu));
    out[2] = (char)('A' - 1 + (code & 0x1Fu));
    out[3] = '\0';
}

void mbus_bcd_id(uint32_t id, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned lo = id % 10u;
        id /= 10u;
        unsigned hi = id % 10u;
        id /= 10u;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
}

bool mbus_sec_match(const uint8_t sel[8], const struct mbus_secaddr *own)
{
    for (int i = 0; i < 4; i++) {
        uint8_t s = sel[i], o = own->b[i];
        if ((s & 0x0Fu) != 0x0Fu && (s & 0x0Fu) != (o & 0x0Fu))
            return false;
        if ((s & 0xF0u) != 0xF0u && (s & 0xF0u) != (o & 0xF0u))
            return false;
    }
    if (!(sel[4] == 0xFFu && sel[5] == 0xFFu) && (sel[4] != own->b[4] || sel[5] != own->b[5]))
        return false;
    for (int i = 6; i < 8; i++)
        if (sel[i] != 0xFFu && sel[i] != own->b[i])
            return false;
    return true;
}

/* ---- records --------------------------------------------------------------------- */

static uint8_t mbus_dif_code(uint8_t dlen)
{
    switch (dlen) {
    case 1: return 0x01;
    case 2: return 0x02;
    case 3: return 0x03;
    case 4: return 0x04;
    case 6: return 0x06;
    case 8: return 0x07;
    default: return 0x00;
    }
}

int mbus_rec_put(const struct mbus_rec *r, uint8_t *out, size_t *pos, size_t cap)
{
    uint8_t b[32];
    size_t k = 0;
    uint8_t code = mbus_dif_code(r->dlen);
    if (code == 0 || r->storage > 0x1F || r->tariff > 15 || r->subunit > 3 || r->func > 3)
        return METER_EINVAL;
    /* DIF: bit 6 = storage LSB, bits 5-4 function; DIFE n: bits 3-0 storage
     * bits 1+4n.., 5-4 tariff bits 2n.., 6 subunit bit n. */
    unsigned st = r->storage >> 1, ta = r->tariff, su = r->subunit;
    b[k++] = (uint8_t)(code | (unsigned)(r->func << 4) | (r->storage & 1u) << 6);
    while (st != 0 || ta != 0 || su != 0) {
        b[k - 1] |= 0x80u;
        b[k++] = (uint8_t)((st & 0x0Fu) | (ta & 3u) << 4 | (su & 1u) << 6);
        st >>= 4;
        ta >>= 2;
        su >>= 1;
    }
    size_t nvife = r->vife[0] == 0 ? 0 : r->vife[1] == 0 ? 1 : 2;
    b[k++] = (uint8_t)(r->vif | (nvife > 0 ? 0x80u : 0u));
    if ((r->vif & 0x7Fu) == 0x7Cu) {
        /* Plain-text unit: length, then the characters last first, right
         * after the VIF (the order libmbus and MBDOC 4.8 read). */
        size_t tl = r->text != NULL ? strlen(r->text) : 0;
        if (tl == 0 || tl > 8)
            return METER_EINVAL;
        b[k++] = (uint8_t)tl;
        for (size_t i = 0; i < tl; i++)
            b[k++] = (uint8_t)r->text[tl - 1 - i];
    }
    for (size_t i = 0; i < nvife; i++)
        b[k++] = (uint8_t)(r->vife[i] | (i + 1 < nvife ? 0x80u : 0u));
    uint64_t v = (uint64_t)r->value;
    for (unsigned i = 0; i < r->dlen; i++) {
        b[k++] = (uint8_t)v;
        v >>= 8;
    }
    if (*pos + k > cap)
        return METER_ENOSPC;
    memcpy(out + *pos, b, k);
    *pos += k;
    return METER_OK;
}

uint32_t mbus_type_f(int64_t civil)
{
    struct clock_dt d;
    clock_split(civil, &d);
    unsigned yr = (unsigned)(d.year % 100);
    /* min (6 bits) | IV 0 | hour (5) | SU 0 | day (5) | year bits 0-2 | month | year bits 3-6 */
    return (uint32_t)d.min | (uint32_t)d.hour << 8 | (uint32_t)d.day << 16 | (uint32_t)(yr & 7u) << 21 |
           (uint32_t)d.mon << 24 | (uint32_t)(yr >> 3) << 28;
}

int mbus_rec_len(const uint8_t *p, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    uint8_t dif = p[k++];
    if (dif == 0x2F || dif == 0x0F || dif == 0x1F)
        return 0;
    if ((dif & 0x0Fu) == 0x0Fu)
        return METER_EINVAL; /* other special functions: not ours */
    uint8_t e = dif;
    while (e & 0x80u) {
        if (k >= n || k > 11)
            return METER_EINVAL;
        e = p[k++];
    }
    if (k >= n)
        return METER_EINVAL;
    uint8_t vif = p[k++];
    if ((vif & 0x7Fu) == 0x7Cu) {
        if (k >= n)
            return METER_EINVAL;
        size_t tl = p[k++];
        if (k + tl > n)
            return METER_EINVAL;
        k += tl;
    }
    e = vif;
    while (e & 0x80u) {
        if (k >= n || k > 20)
            return METER_EINVAL;
        e = p[k++];
    }
    static const uint8_t len[16] = {0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0};
    unsigned c = dif & 0x0Fu;
    if (c == 0x0D)
        return METER_EINVAL; /* variable length: not written by this meter */
    if (k + len[c] > n)
        return METER_EINVAL;
    return (int)(k + len[c]);
}
