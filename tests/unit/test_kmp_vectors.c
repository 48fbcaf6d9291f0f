/* KMP codec against the independent vectors of ../shared/vectors/kmp.md
 * (PyKMP, PyKamstrup and frames derived from the documented rules). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "optical_util.h"
#include "proto/kmp/kmp.h"
#include "util/crc.h"

/* 1. CRC examples */
static void crc_examples(void **state)
{
    static const struct {
        const char *data;
        uint16_t crc;
    } v[] = {
        {"3F 01", 0x058A},
        {"3F 01 00 04 06 01 26 99", 0x0000},
        {"3F 02", 0x35E9},
        {"3F 02 01 23 45 67 E9 56", 0x0000},
        {"3F 10 01 00 80", 0xD408},
        {"3F 10 00 80 16 04 11 01 2A F0 24 63 03", 0x0000},
    };
    uint8_t b[64];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = hex(v[i].data, b);
        assert_int_equal(crc16_xmodem(0, b, n), v[i].crc);
    }
    /* a wrong CRC byte gives a non-zero residue: the frame decoder refuses it */
    size_t n = hex("3F 02 01 23 45 67 E9 57", b);
    assert_int_not_equal(crc16_xmodem(0, b, n), 0);
    assert_int_equal(crc16_xmodem(0, b, n - 2), 0xE956);
    uint8_t dl[64];
    n = hex("40 3F 02 01 23 45 67 E9 57 0D", b);
    assert_int_equal(kmp_frame_decode(KMP_START_RSP, b, n, dl, sizeof dl), METER_ECORRUPT);
}

/* 2. complete frames: decode the source frames, re-encode to the same bytes */
static void check_frame(uint8_t start, const char *phys, const char *dl_expect)
{
    uint8_t p[128], want[128], dl[128], again[300];
    size_t pn = hex(phys, p), wn = hex(dl_expect, want);
    int n = kmp_frame_decode(start, p, pn, dl, sizeof dl);
    assert_int_equal(n, (int)wn);
    assert_memory_equal(dl, want, wn);
    int k = kmp_frame_encode(start, dl, (size_t)n, sizeof dl, again, sizeof again);
    assert_int_equal(k, (int)pn);
    assert_memory_equal(again, p, pn);
}

static void frames(void **state)
{
    check_frame(0x80, "80 3F 01 05 8A 0D", "3F 01");
    check_frame(0x40, "40 3F 01 00 04 1B F9 01 26 99 0D", "3F 01 00 04 06 01");
    check_frame(0x80, "80 3A 01 FA 7F 0D", "3A 01");
    check_frame(0x80, "80 3F 02 35 E9 0D", "3F 02");
    check_frame(0x40, "40 3F 02 01 23 45 67 E9 56 0D", "3F 02 01 23 45 67");
    check_frame(0x40, "40 3A 02 00 12 D6 87 9E E0 0D", "3A 02 00 12 D6 87");
    check_frame(0x80, "80 3F 10 01 00 1B 7F D4 08 0D", "3F 10 01 00 80");
    check_frame(0x40, "40 3F 10 00 1B 7F 16 04 11 01 2A F0 24 63 03 0D", "3F 10 00 80 16 04 11 01 2A F0 24");
}

/* 2.4 derived 382 GetRegister requests */
static void get_register_382(void **state)
{
    static const struct {
        uint16_t id;
        const char *frame;
    } v[] = {
        {0x0001, "80 3F 10 01 00 01 55 A1 0D"}, {0x0002, "80 3F 10 01 00 02 65 C2 0D"},
        {0x000D, "80 3F 10 01 00 1B F2 94 2D 0D"}, {0x000E, "80 3F 10 01 00 0E A4 4E 0D"},
        {0x041E, "80 3F 10 01 04 1E 7A BB 0D"}, {0x041F, "80 3F 10 01 04 1F 6A 9A 0D"},
        {0x0420, "80 3F 10 01 04 20 AD 26 0D"}, {0x0434, "80 3F 10 01 04 34 FF 93 0D"},
        {0x0435, "80 3F 10 01 04 35 EF B2 0D"}, {0x0436, "80 3F 10 01 04 36 DF D1 0D"},
        {0x0438, "80 3F 10 01 04 38 3E 1F 0D"}, {0x0439, "80 3F 10 01 04 39 2E 3E 0D"},
        {0x043A, "80 3F 10 01 04 3A 1E 5D 0D"}, {0x03FF, "80 3F 10 01 03 FF 0E 23 0D"},
        {0x0400, "80 3F 10 01 04 00 89 44 0D"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t dl[16] = {0x3F, 0x10, 0x01, (uint8_t)(v[i].id >> 8), (uint8_t)v[i].id};
        uint8_t out[64], want[64];
        size_t wn = hex(v[i].frame, want);
        int n = kmp_frame_encode(KMP_START_REQ, dl, 5, sizeof dl, out, sizeof out);
        assert_int_equal(n, (int)wn);
        assert_memory_equal(out, want, wn);
    }
    uint8_t dl[16], out[64], want[64];
    size_t wn = hex("80 3F 10 03 00 01 04 1E 04 34 0B B1 0D", want);
    size_t dn = hex("3F 10 03 00 01 04 1E 04 34", dl);
    assert_int_equal(kmp_frame_encode(KMP_START_REQ, dl, dn, sizeof dl, out, sizeof out), (int)wn);
    assert_memory_equal(out, want, wn);
}

/* 2.5 derived responses: decode register id, unit, number */
static void responses_382(void **state)
{
    static const struct {
        const char *frame;
        uint16_t id;
        uint8_t unit;
        uint64_t mant;
        int exp;
    } v[] = {
        {"40 3F 10 00 01 02 04 00 00 00 1A 61 51 4C 0D", 0x0001, 0x02, 6753, 0},
        {"40 3F 10 04 1E 21 02 00 00 E5 E8 05 0D", 0x041E, 0x21, 229, 0},
        {"40 3F 10 04 34 22 04 42 00 00 02 1D CD 1D 0D", 0x0434, 0x22, 541, -2},
        {"40 3F 10 04 38 15 04 43 00 00 03 D0 1B F2 E2 0D", 0x0438, 0x15, 976, -3},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t p[64], dl[64];
        size_t pn = hex(v[i].frame, p);
        int n = kmp_frame_decode(KMP_START_RSP, p, pn, dl, sizeof dl);
        assert_true(n > 5);
        assert_int_equal(dl[0], 0x3F);
        assert_int_equal(dl[1], 0x10);
        assert_int_equal((dl[2] << 8) | dl[3], v[i].id);
        assert_int_equal(dl[4], v[i].unit);
        struct kmp_num num;
        int k = kmp_num_decode(dl + 5, (size_t)n - 5, &num);
        assert_int_equal(k, n - 5);
        assert_int_equal(num.mant, v[i].mant);
        assert_int_equal(num.exp, v[i].exp);
        assert_false(num.neg);
    }
}

/* 3. stuffing-only vectors and error cases */
static void stuffing(void **state)
{
    uint8_t dl[16], out[32], want[32], back[16];
    size_t dn = hex("04 0D 00 06", dl), wn = hex("80 04 1B F2 00 1B F9 0D", want);
    assert_int_equal(kmp_stuff(0x80, dl, dn, out, sizeof out), (int)wn);
    assert_memory_equal(out, want, wn);
    assert_int_equal(kmp_unstuff(0x80, want, wn, back, sizeof back), (int)dn);
    assert_memory_equal(back, dl, dn);
    dn = hex("1B", dl);
    wn = hex("80 1B E4 0D", want);
    assert_int_equal(kmp_stuff(0x80, dl, dn, out, sizeof out), (int)wn);
    assert_memory_equal(out, want, wn);
    dn = hex("3F", dl);
    wn = hex("40 3F 0D", want);
    assert_int_equal(kmp_stuff(0x40, dl, dn, out, sizeof out), (int)wn);
    assert_memory_equal(out, want, wn);
    /* errors: wrong start byte for the direction, missing stop, empty */
    wn = hex("80 56 0D", want);
    assert_int_equal(kmp_unstuff(0x40, want, wn, back, sizeof back), METER_EINVAL);
    wn = hex("40 56 0D", want);
    assert_int_equal(kmp_unstuff(0x80, want, wn, back, sizeof back), METER_EINVAL);
    wn = hex("40 56", want);
    assert_int_equal(kmp_unstuff(0x40, want, wn, back, sizeof back), METER_EINVAL);
    assert_int_equal(kmp_unstuff(0x40, want, 0, back, sizeof back), METER_EINVAL);
}

/* 4. number encoding */
static void numbers(void **state)
{
    static const struct {
        const char *enc;
        bool neg;
        uint64_t mant;
        int exp;
    } v[] = {
        {"04 C2 00 00 30 39", true, 12345, -2},          /* -123.45 */
        {"04 03 05 39 7F B1", false, 87654321, 3},       /* 87654321000 */
        {"01 03 FF", false, 255, 3},                     /* 255000 */
        {"04 11 01 2A F0 24", false, 19591204, 17},
        {"04 43 00 00 00 FB", false, 251, -3},           /* 0.251 */
        {"02 42 18 C8", false, 6344, -2},                /* 63.44 */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[16];
        size_t n = hex(v[i].enc, b);
        struct kmp_num num;
        assert_int_equal(kmp_num_decode(b, n, &num), (int)n);
        assert_int_equal(num.neg, v[i].neg);
        assert_int_equal(num.mant, v[i].mant);
        assert_int_equal(num.exp, v[i].exp);
    }
    /* shortest form */
    static const struct {
        const char *in, *out;
    } s[] = {
        {"04 C2 00 00 00 39", "01 C2 39"},
        {"04 C2 00 00 30 39", "02 C2 30 39"},
        {"04 11 01 2A F0 24", "04 11 01 2A F0 24"},
        {"05 11 01 01 2A F0 24", "04 13 02 92 59 71"},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        uint8_t b[16], want[16], out[16];
        size_t n = hex(s[i].in, b), wn = hex(s[i].out, want);
        struct kmp_num num;
        assert_int_equal(kmp_num_decode(b, n, &num), (int)n);
        kmp_num_shorten(&num);
        assert_int_equal(kmp_num_encode(&num, out, sizeof out), (int)wn);
        assert_memory_equal(out, want, wn);
    }
    /* invalid */
    const char *bad[] = {"05 C2 00 00 30 39", "00 C2"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t b[16];
        size_t n = hex(bad[i], b);
        struct kmp_num num;
        assert_true(kmp_num_decode(b, n, &num) < 0);
    }
    /* "03 C2 00 00 30 39": the length says 3, so the number ends early */
    uint8_t b[16];
    size_t n = hex("03 C2 00 00 30 39", b);
    struct kmp_num num;
    assert_int_not_equal(kmp_num_decode(b, n, &num), (int)n);
    assert_true(kmp_num_decode(b, 0, &num) < 0);
    struct kmp_num big = {.mant = 1, .exp = 64};
    assert_int_equal(kmp_num_encode(&big, b, sizeof b), METER_ERANGE);
}

/* The meter answers the vector requests: GetType, GetSerialNo, GetRegister. */
static void meter_answers_vector_requests(void **state)
{
    struct om *o = om_new();
    om_load(o, 3600, 1000000); /* 3 x 1 Wh per second for one hour: 10.8 kWh */
    uint8_t req[32], dl[128];
    size_t n = hex("80 3F 01 05 8A 0D", req);
    size_t r = om_tx(o, req, n);
    int k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    assert_int_equal(k, 6);
    assert_int_equal(dl[1], 0x01);

    n = hex("80 3F 02 35 E9 0D", req);
    r = om_tx(o, req, n);
    k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    assert_int_equal(k, 6);
    assert_int_equal(dl[1], 0x02);

    /* A+ 0x0001: 10.8 kWh = 1080 x 10^-2 in kWh */
    n = hex("80 3F 10 01 00 01 55 A1 0D", req);
    r = om_tx(o, req, n);
    k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    assert_true(k > 5);
    assert_int_equal((dl[2] << 8) | dl[3], 0x0001);
    assert_int_equal(dl[4], KMP_U_KWH);
    struct kmp_num num;
    assert_true(kmp_num_decode(dl + 5, (size_t)k - 5, &num) > 0);
    assert_int_equal(num.mant, 1080);
    assert_int_equal(num.exp, -2);

    /* three registers */
    n = hex("80 3F 10 03 00 01 04 1E 04 34 0B B1 0D", req);
    r = om_tx(o, req, n);
    k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    assert_true(k > 5);
    size_t p = 2;
    uint16_t ids[3];
    int cnt = 0;
    while (p < (size_t)k) {
        ids[cnt++] = (uint16_t)((dl[p] << 8) | dl[p + 1]);
        int c = kmp_num_decode(dl + p + 3, (size_t)k - p - 3, &num);
        assert_true(c > 0);
        if (ids[cnt - 1] == 0x041E) {
            assert_int_equal(dl[p + 2], KMP_U_V);
            assert_int_equal(num.mant, 230000);
            assert_int_equal(num.exp, -3);
        }
        p += 3 + (size_t)c;
    }
    assert_int_equal(cnt, 3);
    assert_int_equal(ids[0], 0x0001);
    assert_int_equal(ids[1], 0x041E);
    assert_int_equal(ids[2], 0x0434);
    om_free(o);
}

/* Decode the registers of a GetRegister answer: ids, units, numbers. */
static int answer_regs(const uint8_t *dl, int k, uint16_t *ids, uint8_t *units, struct kmp_num *nums, int max)
{
    int cnt = 0;
    size_t p = 2;
    while (p < (size_t)k && cnt < max) {
        ids[cnt] = (uint16_t)((dl[p] << 8) | dl[p + 1]);
        units[cnt] = dl[p + 2];
        int c = kmp_num_decode(dl + p + 3, (size_t)k - p - 3, &nums[cnt]);
        assert_true(c > 0);
        p += 3 + (size_t)c;
        cnt++;
    }
    assert_int_equal(p, (size_t)k);
    return cnt;
}

/* A 382 reader's register set (PyKamstrup: 0x0001, 0x0002, 0x000D, 0x000E,
 * U, I, P per phase, P in/out total) is answered in full, the
 * high-resolution energies in kWh with four decimals; unknown ids in a
 * multi-register request are left out without hiding the known ones. */
static void answers_the_382_register_set(void **state)
{
    struct om *o = om_new();
    om_load(o, 3600, 1000037); /* 3 x 1.000037 Wh a second: 10.8003996 kWh after an hour */
    uint8_t req[32], dl[128];
    /* the vector request for 0x000D (its id byte 0D stuffed) */
    size_t n = hex("80 3F 10 01 00 1B F2 94 2D 0D", req);
    size_t r = om_tx(o, req, n);
    int k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    uint16_t ids[8];
    uint8_t units[8];
    struct kmp_num nums[8];
    assert_int_equal(answer_regs(dl, k, ids, units, nums, 8), 1);
    assert_int_equal(ids[0], 0x000D);
    assert_int_equal(units[0], KMP_U_KWH);
    assert_int_equal(nums[0].exp, -4);
    assert_int_equal(nums[0].mant, 108003); /* 10.8003 kWh, truncated */
    /* every id of the 382 table (vectors/kmp.md section 6) has a row */
    static const uint16_t known[] = {0x0001, 0x0002, 0x000D, 0x000E, 0x041E, 0x041F, 0x0420, 0x0434, 0x0435,
                                     0x0436, 0x0438, 0x0439, 0x043A, 0x0540, 0x0541, 0x0542, 0x03FF, 0x0400};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint8_t q[8] = {0x3F, 0x10, 0x01, (uint8_t)(known[i] >> 8), (uint8_t)known[i]};
        uint8_t phys[32];
        int pk = kmp_frame_encode(KMP_START_REQ, q, 5, sizeof q, phys, sizeof phys);
        r = om_tx(o, phys, (size_t)pk);
        k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
        if (answer_regs(dl, k, ids, units, nums, 8) != 1 || ids[0] != known[i])
            fail_msg("382 register 0x%04X not answered", known[i]);
    }
    /* unknown ids around known ones: the known ones come back, in order */
    uint8_t q[3 + 16 + 2] = {0x3F, 0x10, 8, 0x77, 0x77, 0x00, 0x01, 0x00, 0x0D, 0xFF, 0xFF,
                             0x00, 0x0E, 0x04, 0x1E, 0x12, 0x34, 0x20, 0x01}; /* + room for the CRC */
    uint8_t phys[64];
    int pk = kmp_frame_encode(KMP_START_REQ, q, 3 + 16, sizeof q, phys, sizeof phys);
    assert_true(pk > 0);
    r = om_tx(o, phys, (size_t)pk);
    k = kmp_frame_decode(KMP_START_RSP, o->cap.buf, r, dl, sizeof dl);
    assert_int_equal(answer_regs(dl, k, ids, units, nums, 8), 5);
    assert_int_equal(ids[0], 0x0001);
    assert_int_equal(nums[0].mant, 1080);
    assert_int_equal(ids[1], 0x000D);
    assert_int_equal(nums[1].mant, 108003);
    assert_int_equal(ids[2], 0x000E);
    assert_int_equal(nums[2].mant, 0);
    assert_int_equal(ids[3], 0x041E);
    assert_int_equal(ids[4], 0x2001); /* tariff 1 (trimeter's block) */
    om_free(o);
}

/* Every row has its own KMP ids; tariffs, maximum demand, reactive
 * energy and power, frequency and power factor have one. */
static void kmp_ids_unique_and_covering(void **state)
{
    (void)state;
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *a = objtab_at(i);
        for (size_t j = 0; j < objtab_count(); j++) {
            const struct obj_def *b = objtab_at(j);
            if (a->kmp_id != 0 && (a->kmp_id == b->kmp_hi || (i != j && a->kmp_id == b->kmp_id)))
                fail_msg("KMP id 0x%04X twice", a->kmp_id);
        }
    }
    static const char *const need[] = {"1.8.1", "1.8.2", "1.8.3", "1.8.4", "3.8.1", "3.8.2", "3.8.3",
                                       "3.8.4", "3.8.0", "4.8.0", "1.6.0", "1.6.1", "1.6.2", "1.2.0",
                                       "3.7.0", "4.7.0", "14.7.0", "13.7.0"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        const struct obj_def *o = objtab_find_str(need[i]);
        assert_non_null(o);
        if (o->kmp_id == 0)
            fail_msg("%s has no KMP id", need[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_examples),
        cmocka_unit_test(frames),
        cmocka_unit_test(get_register_382),
        cmocka_unit_test(responses_382),
        cmocka_unit_test(stuffing),
        cmocka_unit_test(numbers),
        cmocka_unit_test(meter_answers_vector_requests),
        cmocka_unit_test(answers_the_382_register_set),
        cmocka_unit_test(kmp_ids_unique_and_covering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
