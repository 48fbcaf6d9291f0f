/*
 * hdlc_frame.c — HDLC frame codec (IEC 62056-46).
 */
#include "proto/hdlc/hdlc_frame.h"

#include <string.h>

#include "util/crc.h"

int hdlc_addr_decode(const uint8_t *p, size_t n, struct hdlc_addr *a)
{
    size_t len = 0;
    while (len < n && len < 4) {
        if (p[len++] & 1u)
            break;
    }
    if (len == 0 || !(p[len - 1] & 1u))
        return (len < 4 && len == n) ? 0 : -1; /* more bytes, or 4 without the end bit */
    if (len == 3)
        return -1;
    a->len = (uint8_t)len;
    if (len == 1) {
        a->upper = (uint16_t)(p[0] >> 1);
        a->lower = 0;
    } else if (len == 2) {
        a->upper = (uint16_t)(p[0] >> 1);
        a->lower = (uint16_t)(p[1] >> 1);
    } else {
        a->upper = (uint16_t)(((unsigned)(p[0] >> 1) << 7) | (unsigned)(p[1] >> 1));
        a->lower = (uint16_t)(((unsigned)(p[2] >> 1) << 7) | (unsigned)(p[3] >> 1));
    }
    return (int)len;
}

size_t hdlc_addr_encode(uint8_t *p, const struct hdlc_addr *a)
{
    switch (a->len) {
    case 1:
        if (a->upper > 0x7Fu)
            return 0;
        p[0] = (uint8_t)(((unsigned)a->upper << 1) | 1u);
        return 1;
    case 2:
        if (a->upper > 0x7Fu || a->lower > 0x7Fu)
            return 0;
        p[0] = (uint8_t)(a->upper << 1);
        p[1] = (uint8_t)(((unsigned)a->lower << 1) | 1u);
        return 2;
    case 4:
        if (a->upper > 0x3FFFu || a->lower > 0x3FFFu)
            return 0;
        p[0] = (uint8_t)((a->upper >> 7) << 1);
        p[1] = (uint8_t)((a->upper & 0x7Fu) << 1);
        p[2] = (uint8_t)((a->lower >> 7) << 1);
        p[3] = (uint8_t)(((a->lower & 0x7Fu) << 1) | 1u);
        return 4;
    default:
        return 0;
    }
}

int hdlc_frame_parse(const uint8_t *buf, size_t n, struct hdlc_frame *f)
{
    if (n < 3)
        return n == 0 || buf[0] == HDLC_FLAG ? HDLC_PARSE_MORE : HDLC_PARSE_FORMAT;
    if (buf[0] != HDLC_FLAG || (buf[1] & 0xF0u) != 0xA0u)
        return HDLC_PARSE_FORMAT;
    unsigned format = ((unsigned)buf[1] << 8) | buf[2];
    size_t len = format & HDLC_FORMAT_LEN;
    if (len < HDLC_FRAME_LEN_MIN)
        return HDLC_PARSE_FORMAT;
    if (n < len + 2)
        return HDLC_PARSE_MORE;
    if (buf[len + 1] != HDLC_FLAG)
        return HDLC_PARSE_END;
    const uint8_t *p = buf + 1; /* format .. FCS: len bytes */
    size_t pos = 2;
    int k = hdlc_addr_decode(p + pos, len - pos, &f->dst);
    if (k <= 0)
        return HDLC_PARSE_ADDR;
    pos += (size_t)k;
    k = hdlc_addr_decode(p + pos, len - pos, &f->src);
    if (k <= 0)
        return HDLC_PARSE_ADDR;
    pos += (size_t)k;
    if (pos + 1 + 2 > len)
        return HDLC_PARSE_FORMAT;
    f->ctl = p[pos++];
    f->seg = (format & HDLC_FORMAT_SEG) != 0;
    f->info = NULL;
    f->info_len = 0;
    if (len > pos + 2) {
        /* an information field: the HCS comes first */
        if (len < pos + 2 + 2 + 1)
            return HDLC_PARSE_FORMAT;
        uint16_t hcs = crc16_x25(0, p, pos);
        if (p[pos] != (uint8_t)hcs || p[pos + 1] != (uint8_t)(hcs >> 8))
            return HDLC_PARSE_HCS;
        pos += 2;
        f->info = p + pos;
        f->info_len = len - pos - 2;
    }
    uint16_t fcs = crc16_x25(0, p, len - 2);
    if (p[len - 2] != (uint8_t)fcs || p[len - 1] != (uint8_t)(fcs >> 8))
        return HDLC_PARSE_FCS;
    return (int)(len + 2);
}

size_t hdlc_frame_header(uint8_t *out, bool seg, const struct hdlc_addr *dst, const struct hdlc_addr *src,
                         uint8_t ctl, size_t info_len)
{
    size_t pos = 3;
    size_t k = hdlc_addr_encode(out + pos, dst);
    if (k == 0)
        return 0;
    pos += k;
    k = hdlc_addr_encode(out + pos, src);
    if (k == 0)
        return 0;
    pos += k;
    out[pos++] = ctl;
    /* length: format .. control, HCS and info when there is one, FCS */
    size_t len = (pos - 1) + (info_len > 0 ? 2 + info_len : 0) + 2;
    if (len > HDLC_FRAME_LEN_MAX)
        return 0;
    unsigned format = HDLC_FORMAT_TYPE3 | (seg ? HDLC_FORMAT_SEG : 0u) | (unsigned)len;
    out[0] = HDLC_FLAG;
    out[1] = (uint8_t)(format >> 8);
    out[2] = (uint8_t)format;
    if (info_len > 0) {
        uint16_t hcs = crc16_x25(0, out + 1, pos - 1);
        out[pos++] = (uint8_t)hcs;
        out[pos++] = (uint8_t)(hcs >> 8);
    }
    return pos;
}

size_t hdlc_frame_encode(uint8_t *out, size_t cap, bool seg, const struct hdlc_addr *dst,
                         const struct hdlc_addr *src, uint8_t ctl, const uint8_t *info, size_t info_len)
{
    uint8_t hdr[HDLC_HDR_MAX + 1];
    size_t h = hdlc_frame_header(hdr, seg, dst, src, ctl, info_len);
    if (h == 0 || cap < h + info_len + 3)
        return 0;
    memcpy(out, hdr, h);
    if (info_len > 0)
        memcpy(out + h, info, info_len);
    size_t pos = h + info_len;
    uint16_t fcs = crc16_x25(0, out + 1, pos - 1);
    out[pos++] = (uint8_t)fcs;
    out[pos++] = (uint8_t)(fcs >> 8);
    out[pos++] = HDLC_FLAG;
    return pos;
}

int hdlc_params_parse(const uint8_t *info, size_t n, struct hdlc_params *p)
{
    if (n == 0)
        return 0;
    if (n < 3 || info[0] != 0x81u || info[1] != 0x80u || (size_t)info[2] + 3 != n)
        return -1;
    size_t pos = 3;
    while (pos < n) {
        if (pos + 2 > n)
            return -1;
        uint8_t id = info[pos];
        size_t len = info[pos + 1];
        pos += 2;
        if (len > n - pos)
            return -1;
        if (id >= 0x05u && id <= 0x08u) {
            if (len == 0 || len > 4)
                return -1;
            uint32_t v = 0;
            for (size_t i = 0; i < len; i++)
                v = (v << 8) | info[pos + i];
            if (id <= 0x06u) {
                if (v < 32u || v > HDLC_FRAME_LEN_MAX)
                    return -1;
                if (id == 0x05u)
                    p->info_tx = (uint16_t)v;
                else
                    p->info_rx = (uint16_t)v;
            } else {
                if (v < 1u || v > 7u)
                    return -1;
                if (id == 0x07u)
                    p->win_tx = (uint8_t)v;
                else
                    p->win_rx = (uint8_t)v;
            }
        }
        pos += len;
    }
    return 0;
}

static size_t hdlc_param_put(uint8_t *out, uint8_t id, uint32_t v, size_t len)
{
    out[0] = id;
    out[1] = (uint8_t)len;
    for (size_t i = 0; i < len; i++)
        out[2 + i] = (uint8_t)(v >> (8u * (len - 1 - i)));
    return 2 + len;
}

size_t hdlc_params_encode(uint8_t *out, const struct hdlc_params *p)
{
    size_t pos = 3;
    pos += hdlc_param_put(out + pos, 0x05u, p->info_tx, p->info_tx > 0xFFu ? 2u : 1u);
    pos += hdlc_param_put(out + pos, 0x06u, p->info_rx, p->info_rx > 0xFFu ? 2u : 1u);
    pos += hdlc_param_put(out + pos, 0x07u, p->win_tx, 4u);
    pos += hdlc_param_put(out + pos, 0x08u, p->win_rx, 4u);
    out[0] = 0x81u;
    out[1] = 0x80u;
    out[2] = (uint8_t)(pos - 3);
    return pos;
}
