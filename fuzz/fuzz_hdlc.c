/* libFuzzer harness: the HDLC link layer (src/proto/hdlc). The input is a
 * script so that the fuzzer gets past the CRCs: the first byte chooses the
 * meter's maximum information field and window, then records
 *   op len payload...
 * op & 3: 0 raw bytes; 1 a frame with valid HCS/FCS built from the payload
 * (its first bytes choose segmentation, server address form, client and
 * control: an I-frame carries the rest as information); 2 the same frame
 * with one bit flipped at a payload-chosen place; 3 time passes (inter-octet
 * timeout). op >> 2 chooses how the bytes are split when fed. A stub
 * application answers each request with a response of a length the request
 * chooses.
 * Aborts if: an event breaks the interface (APDU longer than the buffer,
 * CONNECT for another logical device), the meter sends a frame that does
 * not parse, is not addressed to a client, or carries an I-frame longer
 * than negotiated, or an answer never ends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hdlc/hdlc_frame.h"
#include "proto/hdlc/hdlc_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_RQ_CAP 1200u

static struct hdlc_link L;
static uint8_t rq[FZ_RQ_CAP];
static uint8_t rsp[5000];
static uint8_t out[16384]; /* a window: 7 frames of up to 2049 bytes */
static size_t out_len;
static uint32_t now;

static void check_frames(void)
{
    size_t pos = 0;
    while (pos < out_len) {
        struct hdlc_frame f;
        int k = hdlc_frame_parse(out + pos, out_len - pos, &f);
        if (k <= 0)
            abort();
        if (f.dst.len != 1 || f.src.upper != HDLC_LOGICAL_DEVICE)
            abort();
        if (hdlc_ctl_is_i(f.ctl) && f.info_len > L.info_tx)
            abort();
        pos += (size_t)k;
    }
    out_len = 0;
}

static void drain(void)
{
    const uint8_t *p;
    size_t k;
    int guard = 0;
    while ((k = hdlc_link_tx(&L, &p)) > 0) {
        if (++guard > 100)
            abort(); /* a poll is answered with one window at most */
        if (k > sizeof out - out_len)
            abort();
        memcpy(out + out_len, p, k);
        out_len += k;
    }
    check_frames();
}

static void feed(const uint8_t *b, size_t n, unsigned split)
{
    size_t step = split == 0 ? n : split;
    for (size_t off = 0; off < n; off += step) {
        size_t len = n - off < step ? n - off : step;
        size_t k = 0;
        while (k < len) {
            struct hdlc_ev ev;
            size_t c = hdlc_link_rx(&L, b + off + k, len - k, now, &ev);
            k += c;
            if (ev.type == HDLC_EV_CONNECT) {
                if (ev.logical != HDLC_LOGICAL_DEVICE)
                    abort();
                if (ev.client == 0x7F)
                    hdlc_link_refuse(&L);
                else
                    hdlc_link_accept(&L, rq, FZ_RQ_CAP);
            } else if (ev.type == HDLC_EV_APDU) {
                /* ev.len > FZ_RQ_CAP: too long, refused by the application */
                size_t r = ev.len > 0 ? (size_t)rq[0] * 20u : 0;
                if (r > sizeof rsp)
                    r = sizeof rsp;
                hdlc_link_respond(&L, rsp, r);
            } else if (c == 0) {
                k = len; /* released: the port would offer it elsewhere */
            }
            drain();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct hdlc_cfg cfg;
    hdlc_cfg_default(&cfg);
    static const uint16_t infos[] = {32, 128, 256, 2030};
    cfg.info_max = infos[data[0] & 3u];
    cfg.window = (uint8_t)(1u + ((data[0] >> 2) % 7u));
    hdlc_link_init(&L, &cfg);
    for (size_t i = 0; i < sizeof rsp; i++)
        rsp[i] = (uint8_t)(i * 7u);
    out_len = 0;
    now = 1000;
    size_t pos = 1;
    while (pos + 2 <= size) {
        uint8_t op = data[pos];
        size_t len = data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *p = data + pos;
        pos += len;
        unsigned split = op >> 2;
        switch (op & 3u) {
        case 0:
            feed(p, len, split);
            break;
        case 1:
        case 2: {
            if (len < 2)
                break;
            /* p[0]: bit0 seg, bits1-2 server address form, bits 3-7 client (with 16, 17, 1 likely)
             * p[1]: control; the rest: information (an I-frame's first gets the LLC header) */
            static const uint8_t clients[] = {16, 17, 1, 16, 16, 17, 1, 0x7F};
            struct hdlc_addr srv = {1, 17, 2};
            switch ((p[0] >> 1) & 3u) {
            case 0: srv = (struct hdlc_addr){1, 0, 1}; break;
            case 1: srv = (struct hdlc_addr){1, 17, 2}; break;
            case 2: srv = (struct hdlc_addr){1, 17, 4}; break;
            default: srv = (struct hdlc_addr){(uint16_t)(p[0] >> 6), 18, 2}; break;
            }
            struct hdlc_addr cl = {clients[(p[0] >> 3) & 7u], 0, 1};
            uint8_t info[300];
            size_t ni = 0;
            if (hdlc_ctl_is_i(p[1]) && (p[0] & 0x80u)) {
                memcpy(info, "\xE6\xE6\x00", 3);
                ni = 3;
            }
            memcpy(info + ni, p + 2, len - 2);
            ni += len - 2;
            uint8_t f[320];
            size_t n = hdlc_frame_encode(f, sizeof f, (p[0] & 1u) != 0, &srv, &cl, p[1], info, ni);
            if (n == 0)
                break;
            if ((op & 3u) == 2)
                f[1 + (size_t)p[len - 1] % (n - 2)] ^= (uint8_t)(1u << (op & 7u));
            feed(f, n, split);
            break;
        }
        default:
            now += (uint32_t)len * 10u;
            break;
        }
    }
    return 0;
}
