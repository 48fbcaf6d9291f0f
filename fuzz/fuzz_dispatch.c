/* libFuzzer harness: arbitrary bytes on the optical port, in chunks with
 * time passing between them (so inter-character and session timeouts
 * fire), with the calibration switch open or closed. data[0]: bit 0 the
 * switch, bits 1..7 the chunk size; data[1]: ms between chunks / 20. */
#include "fuzz_optical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meter *m = fz_meter();
    if (size < 2)
        return 0;
    fz_v.hw.inputs = (data[0] & 1u) ? METER_IN_CAL_SWITCH : 0;
    size_t chunk = (size_t)(data[0] >> 1) + 1;
    uint64_t gap = (uint64_t)data[1] * 20u;
    data += 2;
    size -= 2;
    while (size > 0) {
        size_t n = size < chunk ? size : chunk;
        meter_port_rx(m, 0, data, n);
        data += n;
        size -= n;
        fz_v.hw.sim_ms += gap;
        meter_poll(m);
    }
    fz_check_legal();
    return 0;
}
