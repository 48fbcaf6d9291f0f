/* libFuzzer harness: a whole association. The first byte picks the client
 * and how far the harness opens the session before the fuzzer speaks:
 *   bits 0-1: 0 the fuzzer's own AARQ (any client), 1 public, 2 reading
 *             (LLS), 3 management (HLS-GMAC completed)
 *   bits 2-3: client SAP for mode 0 (1, 16, 17, 99)
 *   bit 4:    small client PDU (64 bytes: block transfer everywhere)
 * The rest is a sequence of APDUs, each a length byte and its bytes; in
 * the management session each is ciphered with the next counter (bit 7 of
 * the length byte: replay the previous counter instead), so the fuzzer
 * reaches the plaintext services behind the security layer. Invariants:
 * answers fit the PDU, no register or legal parameter changes, and the
 * configuration only in the management session. */
#include "fuzz_dlms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct meter *m = fd_meter();
    uint8_t mode = data[0] & 3u;
    static const uint8_t saps[4] = {1, 16, 17, 99};
    uint8_t sap = mode == 0 ? saps[(data[0] >> 2) & 3u] : mode == 1 ? 16 : mode == 2 ? 17 : 1;
    uint16_t pdu = (data[0] & 0x10u) ? 64 : 0xFFFF;
    struct dlms_ctx *c = dlms_open(m, sap, 1, METER_SRC_DLMS_TCP);
    if (c == NULL)
        return 0; /* SAP 99: no association, as the link layer is told */
    uint32_t ic = 0;
    if (mode == 1 || mode == 2) {
        if (fd_associate_plain(m, c, pdu) < 0)
            abort();
    } else if (mode == 3) {
        if (fd_associate_hls(m, c, &ic) < 0)
            abort();
    }
    size_t i = 1;
    while (i < size) {
        size_t len = data[i] & 0x7fu;
        bool replay = (data[i] & 0x80u) != 0;
        i++;
        if (len > size - i)
            len = size - i;
        size_t rl;
        if (mode == 3 && len > 0 && (data[i] == 0xC0 || data[i] == 0xC1 || data[i] == 0xC3)) {
            uint8_t w[256];
            size_t wn = fd_cipher(m, data + i, len, replay && ic > 0 ? ic - 1 : ic, w);
            if (!replay)
                ic++;
            fd_serve(m, c, w, wn, &rl);
        } else {
            fd_serve(m, c, data + i, len, &rl);
        }
        i += len;
    }
    dlms_close(m, c);
    fd_check_as(mode == 3); /* the management client may configure (DLMS part 2) */
    return 0;
}
