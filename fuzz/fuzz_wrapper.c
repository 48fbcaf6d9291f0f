/* libFuzzer harness: the IEC 62056-47 TCP wrapper (src/proto/wrapper).
 * The first byte chooses how the input is split when fed (TCP segments)
 * and whether the answer is held on the line while more arrives; the rest
 * is the byte stream a client sends. A stub application answers each APDU
 * with a response whose length the APDU chooses.
 * Aborts if: an APDU event exceeds the buffer or breaks the header's
 * length, the meter answers with anything but version 1 headers from
 * wPort 1 to the client with the length of what follows, or answers
 * without a request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wrapper/wrapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_RQ_CAP 600u

static struct wrapper W;
static uint8_t rq[FZ_RQ_CAP];
static uint8_t rsp[3000];
static unsigned answers_due;

static void drain(void)
{
    const uint8_t *p;
    size_t k = wrapper_tx(&W, &p);
    if (k == 0)
        return;
    if (answers_due == 0 || k != WRAPPER_HDR_LEN)
        abort();
    answers_due--;
    struct wrapper_hdr h;
    wrapper_hdr_decode(p, &h);
    if (h.version != 1 || h.src != 1 || h.dst != W.client)
        abort();
    const uint8_t *b;
    size_t body = wrapper_tx(&W, &b);
    if (body != h.len || b != rsp)
        abort();
    if (wrapper_tx(&W, &b) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    wrapper_init(&W);
    answers_due = 0;
    size_t step = (data[0] & 0x3Fu) + 1u;
    bool hold = (data[0] & 0x40u) != 0;
    data++;
    size--;
    for (size_t off = 0; off < size; off += step) {
        size_t len = size - off < step ? size - off : step;
        size_t k = 0;
        while (k < len) {
            struct wrapper_ev ev;
            size_t c = wrapper_rx(&W, data + off + k, len - k, &ev);
            k += c;
            if (ev.type == WRAPPER_EV_OPEN) {
                if (ev.client == 0 || ev.client > 0x7F || ev.logical != 1)
                    abort();
                if (ev.client == 5)
                    wrapper_refuse(&W);
                else
                    wrapper_accept(&W, rq, FZ_RQ_CAP);
            } else if (ev.type == WRAPPER_EV_APDU) {
                if (ev.len == 0 || !W.open)
                    abort();
                size_t r = ev.len > FZ_RQ_CAP ? 2 : (size_t)rq[0] * 11u; /* too long: a refusal */
                if (r > sizeof rsp)
                    r = sizeof rsp;
                wrapper_respond(&W, rsp, r);
                if (r > 0)
                    answers_due++;
                if (hold && r > 0) {
                    /* the header leaves, the body stays queued over the next segment */
                    const uint8_t *p;
                    if (wrapper_tx(&W, &p) != WRAPPER_HDR_LEN || wrapper_tx(&W, &p) != r)
                        abort();
                    answers_due--;
                    continue;
                }
            } else if (c == 0) {
                abort(); /* the wrapper takes every byte of its stream */
            }
            if (!hold)
                drain();
        }
        if (hold) {
            const uint8_t *p;
            while (wrapper_tx(&W, &p) > 0) {
            }
        }
    }
    drain();
    return 0;
}
