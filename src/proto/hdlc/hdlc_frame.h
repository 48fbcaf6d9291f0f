/*
 * hdlc_frame.h — the HDLC frame of IEC 62056-46 (DLMS/COSEM over serial
 * lines), as pure functions: frame format type 3, addresses, control
 * field, HCS/FCS (CRC-16/X-25, least significant byte first).
 *
 *   7E | A<S><len 11 bits> | dst | src | control | [HCS | info] | FCS | 7E
 *
 * The length counts every byte between the flags. There is no byte
 * stuffing: the length delimits the frame. HCS (over format .. control) is
 * present only when an information field follows; FCS covers format ..
 * info. Addresses are 1, 2 or 4 bytes of 7 bits each, the low bit set in
 * the last byte. A server address is an upper part (logical device) and a
 * lower part (physical device): 2 bytes carry 7 + 7 bits, 4 bytes 14 + 14;
 * a 1-byte server address is the upper part alone. Client addresses are
 * one byte (the client SAP).
 *
 * Used by the meter's link layer (hdlc_link.h), and by anything that
 * builds or reads whole frames (tests, clients, the HAN push).
 */
#ifndef TRIMETER_HDLC_FRAME_H
#define TRIMETER_HDLC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDLC_FLAG 0x7Eu
/* Frame format field: type 3 in the top nibble, segmentation bit, length. */
#define HDLC_FORMAT_TYPE3 0xA000u
#define HDLC_FORMAT_SEG 0x0800u
#define HDLC_FORMAT_LEN 0x07FFu
/* Longest frame the 11-bit length allows (bytes between the flags). */
#define HDLC_FRAME_LEN_MAX 2047u
/* Shortest frame: format 2, dst 1, src 1, control 1, FCS 2. */
#define HDLC_FRAME_LEN_MIN 7u
/* Longest header without the opening flag: format 2, dst 4, src 4,
 * control 1, HCS 2. */
#define HDLC_HDR_MAX 13u

/* LLC header of the information field of the first segment of an APDU
 * (IEC 62056-46 / Green Book): destination LSAP E6, source LSAP E6 (from
 * the client) or E7 (from the server), quality 00. */
#define HDLC_LLC_LEN 3u
#define HDLC_LLC_LSAP 0xE6u
#define HDLC_LLC_RSP 0xE7u

/* Control field. I-frame: RRR P SSS 0; S-frames: RRR P xx01; U-frames:
 * xxx P xx11. HDLC_PF is the poll/final bit. */
#define HDLC_PF 0x10u
#define HDLC_CTL_RR 0x01u
#define HDLC_CTL_RNR 0x05u
#define HDLC_CTL_SNRM 0x83u
#define HDLC_CTL_DISC 0x43u
#define HDLC_CTL_UA 0x63u
#define HDLC_CTL_DM 0x0Fu
#define HDLC_CTL_FRMR 0x87u
#define HDLC_CTL_UI 0x03u

static inline bool hdlc_ctl_is_i(uint8_t c) { return (c & 0x01u) == 0; }
static inline bool hdlc_ctl_is_s(uint8_t c) { return (c & 0x03u) == 0x01u; }
static inline uint8_t hdlc_ctl_ns(uint8_t c) { return (uint8_t)((c >> 1) & 7u); }
static inline uint8_t hdlc_ctl_nr(uint8_t c) { return (uint8_t)((c >> 5) & 7u); }
/* The command/response without its P/F bit and sequence numbers. */
static inline uint8_t hdlc_ctl_kind(uint8_t c)
{
    return hdlc_ctl_is_i(c) ? 0u : hdlc_ctl_is_s(c) ? (uint8_t)(c & 0x0Fu) : (uint8_t)(c & (uint8_t)~HDLC_PF);
}
static inline uint8_t hdlc_ctl_i(uint8_t ns, uint8_t nr, bool pf)
{
    return (uint8_t)(((nr & 7u) << 5) | (pf ? HDLC_PF : 0u) | ((ns & 7u) << 1));
}
static inline uint8_t hdlc_ctl_s(uint8_t kind, uint8_t nr, bool pf)
{
    return (uint8_t)(((nr & 7u) << 5) | (pf ? HDLC_PF : 0u) | kind);
}

/* An HDLC address. len: 1, 2 or 4 bytes on the wire. upper: the whole
 * address of a 1-byte form (client SAP, or a server's logical device);
 * lower: the physical device of a 2- or 4-byte server address (0 when
 * len is 1). */
struct hdlc_addr {
    uint16_t upper;
    uint16_t lower;
    uint8_t len;
};

/* Decode an address at p (at most n bytes). Returns its length (1, 2 or
 * 4), 0 if more bytes are needed, or -1 if it is malformed (3 or more than
 * 4 bytes without the end bit). */
int hdlc_addr_decode(const uint8_t *p, size_t n, struct hdlc_addr *a);
/* Encode a->len bytes (1, 2 or 4; upper/lower must fit 7 or 14 bits).
 * Returns the bytes written, 0 if a is not encodable. */
size_t hdlc_addr_encode(uint8_t *p, const struct hdlc_addr *a);

/* A frame as read from a buffer. info points into that buffer. */
struct hdlc_frame {
    bool seg;              /* segmentation bit: more segments follow */
    struct hdlc_addr dst, src;
    uint8_t ctl;
    const uint8_t *info;
    size_t info_len;
};

enum hdlc_parse_err {
    HDLC_PARSE_MORE = 0,      /* not enough bytes yet */
    HDLC_PARSE_FORMAT = -1,   /* no flag, not format type 3, length out of range */
    HDLC_PARSE_ADDR = -2,     /* malformed address */
    HDLC_PARSE_HCS = -3,
    HDLC_PARSE_FCS = -4,
    HDLC_PARSE_END = -5       /* the byte after the length is not a flag */
};

/* Read one frame from buf, which starts at its opening flag. Returns the
 * bytes it spans including both flags, or an enum hdlc_parse_err. */
int hdlc_frame_parse(const uint8_t *buf, size_t n, struct hdlc_frame *f);

/* The header of a frame with info_len bytes of information: opening flag,
 * format, addresses, control and (when info_len > 0) the HCS, into out
 * (HDLC_HDR_MAX + 1 bytes). Returns its length, 0 if the addresses are not
 * encodable or the frame would be too long. */
size_t hdlc_frame_header(uint8_t *out, bool seg, const struct hdlc_addr *dst, const struct hdlc_addr *src,
                         uint8_t ctl, size_t info_len);

/* A whole frame into out (cap bytes). Returns its length, 0 if it does
 * not fit or is not encodable. */
size_t hdlc_frame_encode(uint8_t *out, size_t cap, bool seg, const struct hdlc_addr *dst,
                         const struct hdlc_addr *src, uint8_t ctl, const uint8_t *info, size_t info_len);

/* SNRM/UA parameter negotiation (format identifier 0x81, group 0x80):
 * max information field length transmit (05) / receive (06), window size
 * transmit (07) / receive (08), each from the sender's point of view. */
struct hdlc_params {
    uint16_t info_tx, info_rx;
    uint8_t win_tx, win_rx;
};
/* Defaults when a SNRM carries no information field (128, window 1). */
#define HDLC_INFO_DEFAULT 128u
#define HDLC_WINDOW_DEFAULT 1u

/* Parse the information field of a SNRM or UA into p (missing parameters
 * keep the values p holds). Values longer than 4 bytes, windows of 0 and
 * information lengths below 32 or above HDLC_FRAME_LEN_MAX are refused
 * (-1); unknown parameters are skipped. Returns 0. */
int hdlc_params_parse(const uint8_t *info, size_t n, struct hdlc_params *p);
/* Encode p as the information field of a UA (or SNRM): information lengths
 * in 1 byte up to 255, else 2; windows in 4 bytes. Returns the length
 * (out: HDLC_PARAMS_MAX bytes). */
#define HDLC_PARAMS_MAX 23u
size_t hdlc_params_encode(uint8_t *out, const struct hdlc_params *p);

#endif
