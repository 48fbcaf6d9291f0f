/* A-XDR codec (src/util/axdr): every data type against hand-written
 * encodings of IEC 62056-6-2 / the Blue Book, lengths in all their
 * forms, the windowed writer (a window of a virtual stream reproduces the
 * same bytes as the whole), and a reader that never reads past its input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "trimeter/err.h"
#include "util/axdr.h"

static void put_types(void **state)
{
    (void)state;
    uint8_t b[128];
    struct axdr_w w;
    axdr_w_init(&w, b, sizeof b);
    axdr_put_null(&w);                              /* 00 */
    axdr_put_bool(&w, true);                        /* 03 01 */
    axdr_put_int(&w, AXDR_I8, -2);                  /* 0F FE */
    axdr_put_int(&w, AXDR_U8, 200);                 /* 11 C8 */
    axdr_put_int(&w, AXDR_I16, -300);               /* 10 FE D4 */
    axdr_put_int(&w, AXDR_U16, 0xBEEF);             /* 12 BE EF */
    axdr_put_int(&w, AXDR_I32, -5);                 /* 05 FF FF FF FB */
    axdr_put_int(&w, AXDR_U32, 5009);               /* 06 00 00 13 91 */
    axdr_put_int(&w, AXDR_I64, -1);                 /* 14 FF x8 */
    axdr_put_int(&w, AXDR_U64, 0x0102030405060708); /* 15 01..08 */
    axdr_put_int(&w, AXDR_ENUM, 30);                /* 16 1E */
    axdr_put_string(&w, AXDR_VISIBLE, "TRM", 3);    /* 0A 03 54 52 4D */
    axdr_put_string(&w, AXDR_OCTETS, "\x01\x02", 2); /* 09 02 01 02 */
    const uint8_t bits[3] = {0x00, 0x50, 0x1F};
    axdr_put_bits(&w, bits, 24);                    /* 04 18 00 50 1F */
    axdr_put_struct(&w, 2);                         /* 02 02 */
    axdr_put_array(&w, 3);                          /* 01 03 */
    axdr_put_f32(&w, 1.0f);                         /* 17 3F 80 00 00 */
    static const uint8_t want[] = {
        0x00, 0x03, 0x01, 0x0F, 0xFE, 0x11, 0xC8, 0x10, 0xFE, 0xD4, 0x12, 0xBE, 0xEF, 0x05, 0xFF, 0xFF, 0xFF,
        0xFB, 0x06, 0x00, 0x00, 0x13, 0x91, 0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x15, 0x01,
        0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x16, 0x1E, 0x0A, 0x03, 0x54, 0x52, 0x4D, 0x09, 0x02, 0x01,
        0x02, 0x04, 0x18, 0x00, 0x50, 0x1F, 0x02, 0x02, 0x01, 0x03, 0x17, 0x3F, 0x80, 0x00, 0x00};
    assert_false(axdr_w_over(&w));
    assert_int_equal(axdr_w_len(&w), sizeof want);
    assert_memory_equal(b, want, sizeof want);
}

static void lengths(void **state)
{
    (void)state;
    static const struct {
        uint32_t n;
        uint8_t bytes[5];
        unsigned len;
    } v[] = {{0, {0x00}, 1},           {127, {0x7F}, 1},       {128, {0x81, 0x80}, 2},
             {255, {0x81, 0xFF}, 2},   {256, {0x82, 0x01, 0x00}, 3}, {65535, {0x82, 0xFF, 0xFF}, 3},
             {65536, {0x84, 0x00, 0x01, 0x00, 0x00}, 5}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[8];
        struct axdr_w w;
        axdr_w_init(&w, b, sizeof b);
        axdr_put_len(&w, v[i].n);
        assert_int_equal(axdr_w_len(&w), v[i].len);
        assert_memory_equal(b, v[i].bytes, v[i].len);
        struct axdr_r r;
        axdr_r_init(&r, b, v[i].len);
        assert_int_equal(axdr_get_len(&r), v[i].n);
        assert_false(r.err);
        /* one byte short: refused */
        axdr_r_init(&r, b, v[i].len - 1);
        (void)axdr_get_len(&r);
        if (v[i].len > 1)
            assert_true(r.err);
    }
    /* indefinite form and 0x85+ are not A-XDR */
    static const uint8_t bad1[] = {0x80}, bad2[] = {0x85, 1, 2, 3, 4, 5};
    struct axdr_r r;
    axdr_r_init(&r, bad1, 1);
    (void)axdr_get_len(&r);
    assert_true(r.err);
    axdr_r_init(&r, bad2, sizeof bad2);
    (void)axdr_get_len(&r);
    assert_true(r.err);
}

static void get_types(void **state)
{
    (void)state;
    /* a structure of every scalar type, with values at the edges */
    static const uint8_t in[] = {
        0x02, 0x0C,                                     /* structure of 12 */
        0x0F, 0x80,                                     /* integer -128 */
        0x10, 0x80, 0x00,                               /* long -32768 */
        0x05, 0x80, 0x00, 0x00, 0x00,                   /* double-long INT32_MIN */
        0x14, 0x80, 0, 0, 0, 0, 0, 0, 0,                /* long64 INT64_MIN */
        0x11, 0xFF,                                     /* unsigned 255 */
        0x12, 0xFF, 0xFF,                               /* long-unsigned 65535 */
        0x06, 0xFF, 0xFF, 0xFF, 0xFF,                   /* double-long-unsigned */
        0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* long64-unsigned max */
        0x16, 0x07,                                     /* enum */
        0x03, 0x02,                                     /* boolean: any non-zero is true */
        0x19, 0x07, 0xEA, 0x03, 0x1D, 0x07, 0x02, 0, 0, 0, 0xFF, 0x88, 0x80, /* date-time, tagged */
        0x13, 0x02, 0x02, 0x11, 0x12, 0x06, 0x01, 0x00, 0x02, 0x02, 0x00, 0x03, /* compact-array */
    };
    struct axdr_r r;
    struct axdr_item it;
    axdr_r_init(&r, in, sizeof in);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_STRUCT);
    assert_int_equal(it.n, 12);
    static const int64_t si[] = {-128, -32768, INT32_MIN, INT64_MIN};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(axdr_get(&r, &it), 0);
        assert_int_equal(it.i, si[k]);
    }
    static const uint64_t ui[] = {255, 65535, 0xFFFFFFFFu, UINT64_MAX};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(axdr_get(&r, &it), 0);
        assert_true(it.u == ui[k]);
    }
    int64_t v;
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_ENUM);
    assert_true(axdr_item_int(&it, &v));
    assert_int_equal(v, 7);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_BOOL);
    assert_int_equal(it.u, 1);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_DATETIME);
    assert_int_equal(it.n, 12);
    assert_int_equal(it.p[0], 0x07);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_COMPACT);
    assert_int_equal(it.ndesc, 4);
    assert_int_equal(it.n, 6);
    assert_int_equal(axdr_r_left(&r), 0);
    /* the whole value skips in one call, and every truncation fails cleanly */
    axdr_r_init(&r, in, sizeof in);
    assert_int_equal(axdr_skip(&r, AXDR_DEPTH_MAX), 0);
    assert_int_equal(axdr_r_left(&r), 0);
    for (size_t k = 0; k < sizeof in; k++) {
        axdr_r_init(&r, in, k);
        assert_int_equal(axdr_skip(&r, AXDR_DEPTH_MAX), -1);
        assert_true(r.err);
    }
}

static void refusals(void **state)
{
    (void)state;
    struct axdr_r r;
    struct axdr_item it;
    /* unknown tags */
    static const uint8_t t7[] = {0x07}, t99[] = {0x63, 0x00};
    axdr_r_init(&r, t7, 1);
    assert_int_equal(axdr_get(&r, &it), -1);
    axdr_r_init(&r, t99, 2);
    assert_int_equal(axdr_get(&r, &it), -1);
    /* an array announcing more elements than bytes left */
    static const uint8_t big[] = {0x01, 0x82, 0xFF, 0xFF, 0x00};
    axdr_r_init(&r, big, sizeof big);
    assert_int_equal(axdr_get(&r, &it), -1);
    /* nesting deeper than allowed */
    uint8_t deep[64];
    for (int k = 0; k < 32; k++) {
        deep[2 * k] = 0x02;
        deep[2 * k + 1] = 0x01;
    }
    axdr_r_init(&r, deep, sizeof deep);
    assert_int_equal(axdr_skip(&r, AXDR_DEPTH_MAX), -1);
    /* typed expectations */
    static const uint8_t u16[] = {0x12, 0x01, 0x00};
    int64_t v;
    axdr_r_init(&r, u16, sizeof u16);
    assert_int_equal(axdr_get_int(&r, 0, 255, &v), -1); /* 256 out of range */
    axdr_r_init(&r, u16, sizeof u16);
    uint32_t n;
    assert_int_equal(axdr_get_head(&r, AXDR_ARRAY, &n), -1);
    axdr_r_init(&r, u16, sizeof u16);
    assert_null(axdr_get_octets(&r, 6, NULL));
}

/* Every window of a virtual stream holds exactly the bytes of the whole,
 * and the position counts everything. */
static void windows(void **state)
{
    (void)state;
    uint8_t whole[600], part[64];
    struct axdr_w w;
    axdr_w_init(&w, whole, sizeof whole);
    for (int k = 0; k < 40; k++) {
        axdr_put_struct(&w, 2);
        axdr_put_int(&w, AXDR_U32, (int64_t)k * 1000003);
        axdr_put_string(&w, AXDR_VISIBLE, "abcdefgh", (size_t)(k % 9));
    }
    uint32_t total = w.pos;
    assert_false(axdr_w_over(&w));
    for (uint32_t skip = 0; skip < total; skip += 7) {
        for (size_t cap = 1; cap <= sizeof part; cap += 9) {
            axdr_w_window(&w, part, cap, skip);
            for (int k = 0; k < 40; k++) {
                axdr_put_struct(&w, 2);
                axdr_put_int(&w, AXDR_U32, (int64_t)k * 1000003);
                axdr_put_string(&w, AXDR_VISIBLE, "abcdefgh", (size_t)(k % 9));
            }
            assert_int_equal(w.pos, total);
            size_t exp = total - skip < cap ? total - skip : cap;
            assert_int_equal(axdr_w_len(&w), exp);
            assert_memory_equal(part, whole + skip, exp);
            assert_int_equal(axdr_w_over(&w), total > skip + cap);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_types), cmocka_unit_test(lengths),  cmocka_unit_test(get_types),
        cmocka_unit_test(refusals),  cmocka_unit_test(windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
