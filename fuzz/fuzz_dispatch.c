/* libFuzzer harness: arbitrary bytes on the optical port, in chunks with
 * time passing between them (so inter-character and session timeouts
 * fire), with the calibration switch open or closed, through a port with
 * little or unlimited TX room, with or without receive line errors.
 * data[0]: bit 0 the switch, bits 1..7 the chunk size; data[1]: ms between
 * chunks / 20; data[2]: bits 0..3 TX room per pass (0 = no limit, else
 * 2^(k-1) bytes), bit 4 a line error after every chunk, bits 5..7 main-loop
 * passes (10 ms) between chunks. */
#include "fuzz_optical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meter *m = fz_meter();
    if (size < 3)
        return 0;
    fz_v.hw.inputs = (data[0] & 1u) ? METER_IN_CAL_SWITCH : 0;
    size_t chunk = (size_t)(data[0] >> 1) + 1;
    uint64_t gap = (uint64_t)data[1] * 20u;
    unsigned room = data[2] & 15u, passes = data[2] >> 5;
    bool errors = (data[2] & 16u) != 0;
    fz_limit = room == 0 ? 0 : (size_t)1 << (room - 1);
    data += 3;
    size -= 3;
    while (size > 0) {
        size_t n = size < chunk ? size : chunk;
        fz_rx(m, data, n);
        data += n;
        size -= n;
        if (errors)
            meter_port_line_error(m, 0);
        for (unsigned k = 0; k < passes; k++) {
            fz_credit = fz_limit;
            fz_v.hw.sim_ms += 10;
            meter_poll(m);
        }
        fz_credit = fz_limit;
        fz_v.hw.sim_ms += gap;
        meter_poll(m);
    }
    fz_drain(m);
    fz_check_legal();
    return 0;
}
