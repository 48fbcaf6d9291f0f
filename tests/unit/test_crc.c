/* src/util/crc: the catalogue check values and messages whose CRCs come
 * from independent implementations (Python's zlib.crc32 and
 * binascii.crc_hqx, i.e. zlib and CPython), plus chaining. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/crc.h"

/* the message generator used to make the vectors below:
 * bytes(((i*131 + seed*17 + (i>>3)) & 0xff) for i in range(n)) */
static void msg(uint8_t *p, unsigned n, unsigned seed)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + seed * 17u + (i >> 3));
}

static const struct {
    unsigned n, seed;
    uint32_t crc32;  /* zlib.crc32 */
    uint16_t crc16;  /* binascii.crc_hqx(m, 0) = CRC-16/XMODEM */
} vec[] = {
    {0, 1, 0x00000000u, 0x0000},   {1, 2, 0x0762ae69u, 0x0420},   {9, 3, 0x44f2121au, 0xb7ed},
    {64, 4, 0x0c62c52fu, 0x7bdb},  {255, 5, 0x0b62a54bu, 0xa185}, {1000, 6, 0x476c9251u, 0x3f3e},
};

static void check_values(void **state)
{
    (void)state;
    const uint8_t *s = (const uint8_t *)"123456789";
    assert_int_equal(crc32_ieee(0, s, 9), 0xCBF43926u);
    assert_int_equal(crc16_xmodem(0, s, 9), 0x31C3);
}

static void independent_vectors(void **state)
{
    (void)state;
    uint8_t b[1000];
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        msg(b, vec[i].n, vec[i].seed);
        assert_int_equal(crc32_ieee(0, b, vec[i].n), vec[i].crc32);
        assert_int_equal(crc16_xmodem(0, b, vec[i].n), vec[i].crc16);
    }
}

static void chaining(void **state)
{
    (void)state;
    uint8_t b[1000];
    msg(b, 1000, 6);
    for (unsigned cut = 0; cut <= 1000; cut += 37) {
        assert_int_equal(crc32_ieee(crc32_ieee(0, b, cut), b + cut, 1000 - cut), 0x476c9251u);
        assert_int_equal(crc16_xmodem(crc16_xmodem(0, b, cut), b + cut, 1000 - cut), 0x3f3e);
    }
}

/* CRC-16/X-25: the catalogue check value, and the HCS/FCS of the HDLC
 * frames of ../shared/vectors/dlms.md section 4 (pwitab/dlms-cosem), which
 * go on the wire least significant byte first. */
static void x25_vectors(void **state)
{
    (void)state;
    assert_int_equal(crc16_x25(0, (const uint8_t *)"123456789", 9), 0x906E);
    static const uint8_t hcs_alone[] = {0x03, 0x3F};
    assert_int_equal(crc16_x25(0, hcs_alone, 2), 0xEC5B);
    /* SNRM 7E A0 08 02 23 21 93 BD 64 7E: FCS over A0 .. 93 */
    static const uint8_t snrm[] = {0xA0, 0x08, 0x02, 0x23, 0x21, 0x93};
    assert_int_equal(crc16_x25(0, snrm, sizeof snrm), 0x64BD);
    /* UA: HCS over A0 1F 21 02 23 73 = 0xC7E6, FCS over everything up to it */
    static const uint8_t ua[] = {0xA0, 0x1F, 0x21, 0x02, 0x23, 0x73, 0xE6, 0xC7, 0x81, 0x80, 0x12, 0x05,
                                 0x01, 0x9A, 0x06, 0x01, 0x9A, 0x07, 0x04, 0x00, 0x00, 0x00, 0x01, 0x08,
                                 0x04, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(crc16_x25(0, ua, 6), 0xC7E6);
    assert_int_equal(crc16_x25(0, ua, sizeof ua), 0xA2CC);
    /* chained over every cut of the UA frame */
    for (size_t cut = 0; cut <= sizeof ua; cut++)
        assert_int_equal(crc16_x25(crc16_x25(0, ua, cut), ua + cut, sizeof ua - cut), 0xA2CC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_values),
        cmocka_unit_test(independent_vectors),
        cmocka_unit_test(chaining),
        cmocka_unit_test(x25_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
