/* libFuzzer harness: the IEC 62056-21 parser. The input is tried as a
 * block (BCC check), as data sets, and as the command of a logged-in
 * programming session: "SOH C D STX <input> ETX BCC" with C D from the
 * first two bytes, after sign-on, option select and the P2 password, then a
 * repeat request; every answer goes out through a 7-byte TX room. */
#include "fuzz_optical.h"
#include "proto/iec62056_21/iec21.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A message, then main-loop passes until its answer is out (the port
 * takes 7 bytes a pass: every answer goes out in pieces). */
static void fz_tx(struct meter *m, const char *s, size_t n)
{
    fz_rx(m, (const uint8_t *)s, n);
    fz_drain(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meter *m = fz_meter();
    struct iec21_dataset d;
    iec21_block_check(data, size);
    size_t p = 0;
    while (p < size) {
        int k = iec21_dataset_parse((const char *)data + p, size - p, &d);
        if (k <= 0)
            break;
        if ((size_t)k > size - p)
            abort();
        p += (size_t)k;
    }
    if (size < 2 || size > 240)
        return 0;
    fz_v.hw.inputs = (data[0] & 0x80u) ? METER_IN_CAL_SWITCH : 0;
    fz_limit = 7;
    fz_tx(m, "/?!\r\n", 5);
    fz_tx(m, "\x06"
             "051\r\n",
          6);
    static const char login[] = "\x01P2\x02(22222222)\x03";
    uint8_t b[256];
    memcpy(b, login, sizeof login - 1);
    b[sizeof login - 1] = iec21_bcc(b + 1, sizeof login - 2);
    fz_tx(m, (const char *)b, sizeof login);
    size_t n = 0;
    b[n++] = IEC21_SOH;
    b[n++] = (uint8_t)(data[0] & 0x7Fu);
    b[n++] = data[1];
    b[n++] = IEC21_STX;
    memcpy(b + n, data + 2, size - 2);
    n += size - 2;
    b[n++] = IEC21_ETX;
    b[n] = iec21_bcc(b + 1, n - 1);
    n++;
    fz_tx(m, (const char *)b, n);
    fz_tx(m, "\x15", 1); /* repeat request: the same answer again */
    fz_check_legal();
    return 0;
}
