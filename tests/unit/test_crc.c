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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_values),
        cmocka_unit_test(independent_vectors),
        cmocka_unit_test(chaining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
