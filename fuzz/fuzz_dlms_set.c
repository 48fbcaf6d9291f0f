/* libFuzzer harness: SET and ACTION decoding through the DLMS application
 * (src/proto/dlms/dlms.c serve_set / serve_action, src/cosem/cosem_set.c)
 * in an association at management level (HLS-GMAC completed by the
 * harness), where every setter and method is in reach.
 *
 * Input: a flags byte, then records [len][body]: body is an xDLMS request
 * without its tag; bit 7 of len picks ACTION (C3) over SET (C1), bits 0-6
 * its length. Each is ciphered with the next counter, so the fuzzer talks
 * to the plaintext services behind the security layer.
 *   flags bit 0: small client PDU (64 bytes)
 *   flags bit 1: calibration switch closed (the metrological log's clear)
 *   flags bit 2: a reading (LLS) association instead of the management one
 * Invariants: answers fit the PDU; no register, calibration, serial or
 * other legal parameter changes (legal rows are read-only for every
 * association); the reading client changes no configuration; the client
 * mark is gone after every request. */
#include "fuzz_dlms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct meter *m = fd_meter();
    uint8_t flags = data[0];
    bool reader = (flags & 4u) != 0;
    if (flags & 2u)
        fd_v.hw.inputs |= METER_IN_CAL_SWITCH;
    struct dlms_ctx *c = dlms_open(m, reader ? DLMS_CLIENT_READER : DLMS_CLIENT_MANAGEMENT, 1, METER_SRC_DLMS_TCP);
    if (c == NULL)
        abort();
    uint32_t ic = 0;
    if (reader ? fd_associate_plain(m, c, (flags & 1u) ? 64 : 0xFFFF) < 0 : fd_associate_hls(m, c, &ic) < 0)
        abort();
    if (!reader && (flags & 1u))
        c->max_rsp = 64; /* as a client proposing 64 bytes would have it */
    size_t i = 1;
    while (i < size) {
        size_t len = data[i] & 0x7fu;
        uint8_t tag = (data[i] & 0x80u) ? 0xC3 : 0xC1;
        i++;
        if (len > size - i)
            len = size - i;
        uint8_t apdu[130], w[256];
        apdu[0] = tag;
        memcpy(apdu + 1, data + i, len);
        size_t rl;
        if (reader) {
            fd_serve(m, c, apdu, len + 1, &rl);
        } else {
            size_t wn = fd_cipher(m, apdu, len + 1, ic++, w);
            fd_serve(m, c, w, wn, &rl);
        }
        if (fd_v.m.client != 0)
            abort();
        i += len;
    }
    dlms_close(m, c);
    fd_v.hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    fd_check_as(!reader);
    return 0;
}
