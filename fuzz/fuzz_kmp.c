/* libFuzzer harness: the KMP decoder. The input is tried as a physical
 * frame, as a number, and — framed with a valid CRC so the commands are
 * reached — as the data-link message (address, CID, data) of a request
 * served by the meter. */
#include "fuzz_optical.h"
#include "proto/kmp/kmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meter *m = fz_meter();
    uint8_t dl[KMP_DL_MAX], phys[KMP_PHYS_MAX], out[KMP_PHYS_MAX];
    struct kmp_num num;
    int n = kmp_frame_decode(KMP_START_REQ, data, size, dl, sizeof dl);
    if (n > (int)sizeof dl)
        abort();
    if (kmp_num_decode(data, size, &num) > (int)size)
        abort();
    int r = kmp_serve(m, METER_ACC_CAL, data, size, out, sizeof out);
    if (r > (int)sizeof out || (r < 0 && r != METER_EINVAL))
        abort();
    if (size >= 2 && size + 2 <= sizeof dl) { /* address and CID at least */
        uint8_t msg[KMP_DL_MAX];
        memcpy(msg, data, size);
        if (size > 0)
            msg[0] = KMP_ADDR_METER;
        int k = kmp_frame_encode(KMP_START_REQ, msg, size, sizeof msg, phys, sizeof phys);
        if (k > 0) {
            /* the decoder gives back exactly what was framed */
            if (kmp_frame_decode(KMP_START_REQ, phys, (size_t)k, dl, sizeof dl) != (int)size ||
                memcmp(dl, msg, size) != 0)
                abort();
            fz_v.hw.inputs = (size > 1 && (data[1] & 0x80u)) ? METER_IN_CAL_SWITCH : 0;
            fz_limit = (size > 1 && (data[1] & 0x40u)) ? 5 : 0; /* the answer in pieces, or at once */
            fz_rx(m, phys, (size_t)k);
            fz_drain(m);
        }
    }
    fz_check_legal();
    return 0;
}
