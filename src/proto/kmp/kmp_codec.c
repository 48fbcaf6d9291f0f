/*
 * kmp_codec.c — KMP framing and number encoding, pure functions (no meter).
 */
#include "proto/kmp/kmp.h"

#include "trimeter/err.h"
#include "util/crc.h"

static bool kmp_needs_escape(uint8_t b)
{
    return b == 0x06u || b == 0x0Du || b == 0x1Bu || b == 0x40u || b == 0x80u;
}

int kmp_stuff(uint8_t start, const uint8_t *dl, size_t n, uint8_t *out, size_t cap)
{
    size_t k = 0;
    if (cap < 2)
        return METER_ENOSPC;
    out[k++] = start;
    for (size_t i = 0; i < n; i++) {
        if (kmp_needs_escape(dl[i])) {
            if (k + 2 > cap - 1)
                return METER_ENOSPC;
            out[k++] = KMP_ESC;
            out[k++] = (uint8_t)(dl[i] ^ 0xFFu);
        } else {
            if (k + 1 > cap - 1)
                return METER_ENOSPC;
            out[k++] = dl[i];
        }
    }
    out[k++] = KMP_STOP;
    return (int)k;
}

int kmp_unstuff(uint8_t start, const uint8_t *phys, size_t n, uint8_t *dl, size_t cap)
{
    if (n < 2 || phys[0] != start || phys[n - 1] != KMP_STOP)
        return METER_EINVAL;
    size_t k = 0;
    for (size_t i = 1; i < n - 1; i++) {
        uint8_t b = phys[i];
        if (b == KMP_ESC) {
            if (i + 1 >= n - 1)
                return METER_EINVAL; /* dangling escape before the stop byte */
            b = (uint8_t)(phys[++i] ^ 0xFFu);
            if (!kmp_needs_escape(b))
                return METER_EINVAL;
        } else if (kmp_needs_escape(b)) {
            return METER_EINVAL; /* a reserved byte inside a frame */
        }
        if (k >= cap)
            return METER_ENOSPC;
        dl[k++] = b;
    }
    return (int)k;
}

int kmp_frame_encode(uint8_t start, uint8_t *dl, size_t n, size_t dl_cap, uint8_t *out, size_t cap)
{
    if (n + 2 > dl_cap)
        return METER_ENOSPC;
    uint16_t crc = crc16_xmodem(0, dl, n);
    dl[n] = (uint8_t)(crc >> 8);
    dl[n + 1] = (uint8_t)crc;
    return kmp_stuff(start, dl, n + 2, out, cap);
}

int kmp_frame_decode(uint8_t start, const uint8_t *phys, size_t n, uint8_t *dl, size_t cap)
{
    int k = kmp_unstuff(start, phys, n, dl, cap);
    if (k < 0)
        return k;
    if (k < 4)
        return METER_EINVAL; /* address, CID and two CRC bytes at least */
    if (crc16_xmodem(0, dl, (size_t)k) != 0)
        return METER_ECORRUPT;
    return k - 2;
}

int kmp_num_decode(const uint8_t *p, size_t avail, struct kmp_num *out)
{
    if (avail < 2)
        return METER_EINVAL;
    size_t n = p[0];
    if (n == 0 || n > 8 || avail < n + 2)
        return METER_EINVAL;
    uint8_t se = p[1];
    uint64_t mant = 0;
    for (size_t i = 0; i < n; i++)
        mant = (mant << 8) | p[2 + i];
    int e = se & 0x3F;
    out->mant = mant;
    out->exp = (int8_t)((se & 0x40u) ? -e : e);
    out->neg = (se & 0x80u) != 0;
    return (int)(n + 2);
}

int kmp_num_encode(const struct kmp_num *v, uint8_t *out, size_t cap)
{
    if (v->exp > 63 || v->exp < -63)
        return METER_ERANGE;
    size_t n = 1;
    while (n < 8 && (v->mant >> (8 * n)) != 0)
        n++;
    if (cap < n + 2)
        return METER_ENOSPC;
    out[0] = (uint8_t)n;
    out[1] = (uint8_t)((v->neg ? 0x80u : 0u) | (v->exp < 0 ? 0x40u : 0u) |
                       (unsigned)(v->exp < 0 ? -v->exp : v->exp));
    for (size_t i = 0; i < n; i++)
        out[2 + i] = (uint8_t)(v->mant >> (8 * (n - 1 - i)));
    return (int)(n + 2);
}

void kmp_num_shorten(struct kmp_num *v)
{
    while (v->mant != 0 && v->mant % 10u == 0 && v->exp < 63) {
        v->mant /= 10u;
        v->exp++;
    }
}
