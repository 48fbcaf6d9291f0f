/*
 * test_han_rx.c — the bridge's HAN decoder against the vectors of
 * ../shared/vectors/han.md (amshan's tests and a real capture): the values
 * amshan's tests expect; HDLC edge cases; resynchronisation after garbage,
 * corrupted and truncated frames; and the general-glo-ciphering
 * data-notification of ../shared/vectors/dlms.md (dlms-cosem's test, key
 * "MYDUMMYGLOBALKEY") deciphered. The meter's own frames: test_han_push.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "han_aes.h"
#include "han_rx.h"
#include "trimeter/err.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = 0;
    int hi = -1;
    for (; *h != '\0'; h++) {
        int d = *h >= '0' && *h <= '9' ? *h - '0' : *h >= 'A' && *h <= 'F' ? *h - 'A' + 10 : -1;
        if (d < 0)
            continue; /* spaces between or inside bytes */
        if (hi < 0) {
            hi = d;
            continue;
        }
        assert_true(n < max);
        out[n++] = (uint8_t)(hi << 4 | d);
        hi = -1;
    }
    assert_int_equal(hi, -1);
    return n;
}

/* ---- collecting callbacks ---- */

struct got {
    unsigned lists, problems;
    int last_problem;
    struct han_list l;
};

static void got_list(void *ctx, const struct han_list *l)
{
    struct got *g = ctx;
    g->lists++;
    g->l = *l;
}

static void got_problem(void *ctx, enum han_problem p, const char *detail)
{
    (void)detail;
    struct got *g = ctx;
    g->problems++;
    g->last_problem = (int)p;
}

static const struct han_value *val(const struct han_list *l, const char *key)
{
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->v[i].q->key, key) == 0)
            return &l->v[i];
    return NULL;
}

static void expect_num(const struct han_list *l, const char *key, const char *text)
{
    const struct han_value *v = val(l, key);
    assert_non_null(v);
    char buf[64];
    assert_true(han_value_format(v, buf, sizeof buf) > 0);
    if (strcmp(buf, text) != 0)
        fail_msg("%s: got %s, expected %s", key, buf, text);
}

static void expect_text(const struct han_list *l, const char *key, const char *text)
{
    const struct han_value *v = val(l, key);
    assert_non_null(v);
    assert_string_equal(v->text, text);
}

/* vectors/han.md section 1: the complete three-phase frame (real capture). */
static const char frame1[] =
    "7EA0E22B2113239AE6E7000F000000000C07E60118011 23A32FF80000002190A0E4B616D73747275705F5630303031"
    "09060101000005FF0A10353730363536373332363539303430370906010160 0101FF0A1236383431313338424E32343531303130393009060101010700FF060000033A"
    "09060101020700FF060000000009060101030700FF060000006809060101040700FF06000000B0090601011F0700FF06000000ED"
    "09060101330700FF0600000059090601014 70700FF060000004B09060101200700FF1200E809060101340700FF1200E909060101480700FF1200EC84467E";

static void test_real_frame(void **state)
{
    (void)state;
    uint8_t b[400];
    size_t n = unhex(frame1, b, sizeof b);
    assert_int_equal(n, 228);
    struct got g = {0};
    struct han_rx_ops ops = {.ctx = &g, .list = got_list, .problem = got_problem};
    static struct han_rx rx;
    han_rx_init(&rx, &ops);
    han_rx_feed(&rx, b, n);
    assert_int_equal(g.lists, 1);
    assert_int_equal(g.problems, 0);
    assert_string_equal(g.l.id, "Kamstrup_V0001");
    assert_true(g.l.known);
    expect_text(&g.l, "meter_id", "5706567326590407");
    expect_text(&g.l, "meter_type", "6841138BN245101090");
    expect_num(&g.l, "active_power_import", "826");
    expect_num(&g.l, "active_power_export", "0");
    expect_num(&g.l, "reactive_power_import", "104");
    expect_num(&g.l, "reactive_power_export", "176");
    expect_num(&g.l, "current_l1", "2.37");
    expect_num(&g.l, "current_l2", "0.89");
    expect_num(&g.l, "current_l3", "0.75");
    expect_num(&g.l, "voltage_l1", "232");
    expect_num(&g.l, "voltage_l2", "233");
    expect_num(&g.l, "voltage_l3", "236");
    assert_true(g.l.has_time);
    char t[40];
    assert_true(han_time_format(&g.l.time, t, sizeof t) > 0);
    assert_string_equal(t, "2022-01-24T18:58:50"); /* deviation not specified */
    /* byte by byte: the same */
    struct got g2 = {0};
    ops.ctx = &g2;
    han_rx_init(&rx, &ops);
    for (size_t i = 0; i < n; i++)
        han_rx_feed(&rx, b + i, 1);
    assert_int_equal(g2.lists, 1);
    assert_int_equal(g2.problems, 0);
}

static struct han_list decode(const char *hex, int expect_problem)
{
    static uint8_t b[1024];
    size_t n = unhex(hex, b, sizeof b);
    struct han_list l;
    char d[96];
    int p = han_rx_decode_info(b, n, NULL, &l, d, sizeof d);
    if (p != expect_problem)
        fail_msg("problem %d (%s), expected %d", p, d, expect_problem);
    return l;
}

/* 2.1: single phase list 1 with null-data for L2/L3. */
static void test_single_phase_list1(void **state)
{
    (void)state;
    struct han_list l = decode(
        "E6E7000F000000000C07E60111010C2C28FF80000002190A0E4B616D73747275705F563030303109060101000005FF0A10353730353730"
        "3537303537303537303209060101600101FF0A1236383631313131424E32343231303130343009060101010700FF06000007680906010102"
        "0700FF060000000009060101030700FF060000000009060101040700FF06000001ED090601011F0700FF06000003800000000009060101"
        "200700FF1200E100000000", 0);
    expect_text(&l, "meter_id", "5705705705705702");
    expect_text(&l, "meter_type", "6861111BN242101040");
    expect_num(&l, "active_power_import", "1896");
    expect_num(&l, "active_power_export", "0");
    expect_num(&l, "reactive_power_import", "0");
    expect_num(&l, "reactive_power_export", "493");
    expect_num(&l, "current_l1", "8.96");
    expect_num(&l, "voltage_l1", "225");
    assert_null(val(&l, "voltage_l2"));
    char t[40];
    assert_true(han_time_format(&l.time, t, sizeof t) > 0);
    assert_string_equal(t, "2022-01-17T12:44:40");
}

/* 2.2: single phase list 2 with energy registers and clock. */
static void test_single_phase_list2(void **state)
{
    (void)state;
    struct han_list l = decode(
        "E6E7000F000000000C07E50B1803000019FF80000002230A0E4B616D73747275705F563030303109060101000005FF0A10353730353730"
        "3537303537303537303209060101600101FF0A1236383631313131424E32343231303130343009060101010700FF060000274209060101"
        "020700FF060000000009060101030700FF060000000009060101040700FF0600000117090601011F0700FF06000011A0000000000906"
        "0101200700FF1200DF0000000009060001010000FF090C07E50B1803000019FF80000009060101010800FF0600762EE2090601010208"
        "00FF060000000009060101030800FF06000035A309060101040800FF0600116B53", 0);
    expect_num(&l, "active_power_import", "10050");
    expect_num(&l, "reactive_power_export", "279");
    expect_num(&l, "current_l1", "45.12");
    expect_num(&l, "voltage_l1", "223");
    expect_num(&l, "active_energy_import", "77452.50"); /* 77452500 Wh */
    expect_num(&l, "active_energy_export", "0.00");
    expect_num(&l, "reactive_energy_import", "137.31");
    expect_num(&l, "reactive_energy_export", "11415.87");
    const struct han_value *c = val(&l, "meter_datetime");
    assert_non_null(c);
    char t[40];
    assert_true(han_time_format(c, t, sizeof t) > 0);
    assert_string_equal(t, "2021-11-24T00:00:25");
}

/* 2.3: the synthetic all-zero lists. */
static void test_zero_lists(void **state)
{
    (void)state;
    struct han_list l = decode(
        "E6E7000F000000000C07D0010106162100FF80000102190A0E4B616D73747275705F563030303109060101000005FF0A1035373036353637"
        "30303030303030303009060101600101FF0A1230303030303030303030303030303030303009060101010700FF0600000000090601010207"
        "00FF060000000009060101030700FF060000000009060101040700FF0600000000090601011F0700FF060000000009060101330700FF06"
        "0000000009060101470700FF060000000009060101200700FF12000009060101340700FF12000009060101480700FF120000", 0);
    expect_text(&l, "meter_id", "5706567000000000");
    expect_text(&l, "meter_type", "000000000000000000");
    expect_num(&l, "current_l3", "0.00");
    expect_num(&l, "voltage_l3", "0");
    char t[40];
    assert_true(han_time_format(&l.time, t, sizeof t) > 0);
    assert_string_equal(t, "2000-01-01T22:33:00");
    l = decode(
        "E6E7000F000000000C07E1081003100005FF80000002230A0E4B616D73747275705F563030303109060101000005FF0A103537303635363730"
        "303030303030303009060101600101FF0A1230303030303030303030303030303030303009060101010700FF060000000009060101020700"
        "FF060000000009060101030700FF060000000009060101040700FF0600000000090601011F0700FF060000000009060101330700FF0600"
        "00000009060101470700FF060000000009060101200700FF12000009060101340700FF12000009060101480700FF12000009060001010000"
        "FF090C07E1081003100005FF80000009060101010800FF060000000009060101020800FF060000000009060101030800FF06000000000906"
        "0101040800FF0600000000", 0);
    assert_int_equal(l.n, 2 + 10 + 1 + 4); /* ids, P/Q, I, U, clock, energies */
    expect_num(&l, "reactive_energy_export", "0.00");
    l = decode(
        "E6E7000F000000000C07E1081003100005FF800000020F0A0E4B616D73747275705F563030303109060101000005FF0A1035373036353637"
        "30303030303030303009060101600101FF0A1230303030303030303030303030303030303009060101010700FF0600000000090601011F07"
        "00FF060000000009060101200700FF12000009060001010000FF090C07E1081003100005FF80000009060101010800FF0600000000", 0);
    expect_num(&l, "active_energy_import", "0.00");
}

/* Section 3: HDLC edge cases, and what breaks a frame. */
static void test_hdlc_edges(void **state)
{
    (void)state;
    static struct han_rx rx;
    uint8_t b[256];
    struct got g = {0};
    struct han_rx_ops ops = {.ctx = &g, .list = got_list, .problem = got_problem};
    /* 0x7E inside the information field: the length field decides; the
     * APDU is a notification of another layout (a bare structure) */
    size_t n = unhex("7EA02701020110 5A87E6E7000F40000000090C07E4020F060119 22FF8000000201060000157EEA5E7E", b, sizeof b);
    han_rx_init(&rx, &ops);
    han_rx_feed(&rx, b, n);
    assert_int_equal(rx.frames, 1); /* HCS and FCS good */
    assert_int_equal(g.lists, 0);
    assert_int_equal(g.last_problem, HAN_P_LIST_FORMAT);
    /* 0x7D inside: taken literally (no un-escaping), frame good */
    memset(&g, 0, sizeof g);
    n = unhex("7EA02A410883130413E6E7000F40000000000101020309060100010700FF060000067D02020F00161B1C057E", b, sizeof b);
    han_rx_init(&rx, &ops);
    han_rx_feed(&rx, b, n);
    assert_int_equal(rx.frames, 1);
    assert_int_equal(rx.bad_frames, 0);
    /* empty information field: FCS good, no APDU */
    memset(&g, 0, sizeof g);
    n = unhex("7EA00801020110378D7E", b, sizeof b);
    han_rx_init(&rx, &ops);
    han_rx_feed(&rx, b, n);
    assert_int_equal(g.lists, 0);
    assert_int_equal(g.last_problem, HAN_P_APDU);
    /* truncated (last FCS byte missing), then a good frame: no value from
     * the broken one, the good one decoded */
    memset(&g, 0, sizeof g);
    uint8_t good[400];
    size_t gn = unhex(frame1, good, sizeof good);
    n = unhex("7EA00801020110377E", b, sizeof b);
    han_rx_init(&rx, &ops);
    han_rx_feed(&rx, b, n);
    han_rx_feed(&rx, good, gn);
    assert_int_equal(g.lists, 1);
    assert_true(g.problems >= 1);
}

static void test_resync(void **state)
{
    (void)state;
    static struct han_rx rx;
    uint8_t good[400], buf[2000];
    size_t gn = unhex(frame1, good, sizeof good), n = 0;
    struct got g = {0};
    struct han_rx_ops ops = {.ctx = &g, .list = got_list, .problem = got_problem};
    han_rx_init(&rx, &ops);
    /* garbage with flags and a fake header, a corrupted copy (one bit of a
     * value flipped: FCS), a copy cut in the middle, then two good frames */
    static const uint8_t junk[] = {0x00, 0x7E, 0xA0, 0xFF, 0x12, 0x7E, 0x7E, 0x55, 0xA0, 0x7E, 0xA1};
    memcpy(buf + n, junk, sizeof junk);
    n += sizeof junk;
    memcpy(buf + n, good, gn);
    buf[n + 100] ^= 0x04;
    n += gn;
    memcpy(buf + n, good, gn / 2);
    n += gn / 2;
    memcpy(buf + n, good, gn);
    n += gn;
    memcpy(buf + n, good, gn);
    n += gn;
    han_rx_feed(&rx, buf, n);
    assert_int_equal(g.lists, 2);
    expect_num(&g.l, "current_l1", "2.37");
    assert_true(g.problems >= 2);
}

static void test_unknown_list(void **state)
{
    (void)state;
    /* the zero list with another identifier: a clear problem, no values */
    struct han_list l = decode(
        "E6E7000F000000000C07E1081003100005FF800000020F0A0E4B616D73747275705F563939393909060101000005FF0A1035373036353637"
        "30303030303030303009060101600101FF0A1230303030303030303030303030303030303009060101010700FF0600000000090601011F07"
        "00FF060000000009060101200700FF12000009060001010000FF090C07E1081003100005FF80000009060101010800FF0600000000",
        HAN_P_LIST_UNKNOWN);
    assert_int_equal(l.n, 0);
    assert_string_equal(l.id, "Kamstrup_V9999");
    /* an encrypted notification */
    decode("E6E700DB0854524D0000BC614E1230000000010F112233445566778899AABBCC", HAN_P_ENCRYPTED);
    /* a number where the meter id should be a string: that value skipped */
    l = decode("E6E7000F000000000C07E1081003100005FF80000002050A0E4B616D73747275705F563030303109060101000005FF060000000109060101010700FF0600000102",
               HAN_P_VALUE_TYPE);
    assert_null(val(&l, "meter_id"));
    expect_num(&l, "active_power_import", "258");
    /* a body that ends early: nothing */
    l = decode("E6E7000F000000000C07E1081003100005FF80000002050A0E4B616D73747275705F563030303109060101000005FF0A10", HAN_P_APDU);
    assert_int_equal(l.n, 0);
}

/* vectors/dlms.md 1.4: a general-glo-ciphering data-notification from
 * dlms-cosem's tests, EK = AK = "MYDUMMYGLOBALKEY". Deciphered it is
 * 0F 000001DB 00 0922... : a data-notification without date-time whose body
 * is an octet-string (not a list of the HAN format). */
static const char glo_vector[] =
    "DB082F192291991641033B30000001E5025CE9D2271FD78BE8C204211A916A9D7F587E0A7A814CADEA89E9593F01F92EA8C087B5BDFDEFEAB"
    "6BECF282DFE49C08F5BE6DC8400";

static void test_glo_ciphering_vector(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = unhex(glo_vector, b, sizeof b);
    assert_int_equal(n, 2 + 8 + 1 + 59);
    static struct meter_hal hal;
    han_aes_hal(&hal);
    struct han_key key = {.hal = &hal};
    memcpy(key.ek, "MYDUMMYGLOBALKEY", 16);
    memcpy(key.ak, "MYDUMMYGLOBALKEY", 16);
    static struct han_list l;
    char d[96];
    /* without a key: reported, nothing decoded */
    assert_int_equal(han_rx_decode_info(b, n, NULL, &l, d, sizeof d), HAN_P_ENCRYPTED);
    assert_true(l.ciphered);
    assert_int_equal(l.ic, 0x1E5);
    assert_int_equal(l.n, 0);
    /* with it: the tag verifies and the plaintext is the vector's APDU
     * (its invoke-id 000001DB; its body is no HAN list) */
    assert_int_equal(han_rx_decode_info(b, n, &key, &l, d, sizeof d), HAN_P_LIST_FORMAT);
    assert_true(l.ciphered);
    assert_int_equal(l.invoke_id, 0x1DB);
    assert_false(l.has_time);
    static const uint8_t title[8] = {0x2F, 0x19, 0x22, 0x91, 0x99, 0x16, 0x41, 0x03};
    assert_memory_equal(l.system_title, title, 8);
    /* another key, a changed authentication key, or one flipped bit of the
     * ciphertext or of the tag: it does not verify */
    struct han_key bad = key;
    bad.ek[0] ^= 1;
    assert_int_equal(han_rx_decode_info(b, n, &bad, &l, d, sizeof d), HAN_P_KEY);
    bad = key;
    bad.ak[15] ^= 0x80;
    assert_int_equal(han_rx_decode_info(b, n, &bad, &l, d, sizeof d), HAN_P_KEY);
    b[20] ^= 0x04;
    assert_int_equal(han_rx_decode_info(b, n, &key, &l, d, sizeof d), HAN_P_KEY);
    b[20] ^= 0x04;
    b[n - 1] ^= 0x01;
    assert_int_equal(han_rx_decode_info(b, n, &key, &l, d, sizeof d), HAN_P_KEY);
    b[n - 1] ^= 0x01;
    /* another security control (encryption only) is not read */
    b[11] = 0x20;
    assert_int_equal(han_rx_decode_info(b, n, &key, &l, d, sizeof d), HAN_P_ENCRYPTED);
    b[11] = 0x30;
    /* cut short: not even the header parses */
    assert_int_equal(han_rx_decode_info(b, 20, &key, &l, d, sizeof d), HAN_P_APDU);
    assert_int_equal(l.n, 0);
}

/* The key file of the bridge: 32 hex digits, optionally 32 more. */
static void test_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/trimeter-han-key.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# HAN key of meter 12345678\n000102030405060708090a0b0c0d0e0f\n", f);
    fclose(f);
    struct han_key k;
    char err[256];
    assert_int_equal(han_key_file(path, &k, err, sizeof err), 0);
    assert_int_equal(k.ek[15], 0x0F);
    assert_int_equal(k.ak[0], 0x00);
    assert_int_equal(k.ak[15], 0xFF); /* the factory authentication key */
    f = fopen(path, "w");
    fputs("000102030405060708090A0B0C0D0E0F D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n", f);
    fclose(f);
    assert_int_equal(han_key_file(path, &k, err, sizeof err), 0);
    assert_int_equal(k.ak[0], 0xD0);
    static const char *const bad[] = {"00010203\n", "000102030405060708090A0B0C0D0E0F0\n",
                                      "0001020304050607 08090A0B0C0D0E0F\n", "g00102030405060708090A0B0C0D0E0F\n",
                                      ""};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = fopen(path, "w");
        fputs(bad[i], f);
        fclose(f);
        err[0] = '\0';
        assert_int_equal(han_key_file(path, &k, err, sizeof err), -1);
        assert_true(strlen(err) > 0 && strchr(err, '\n') == NULL);
    }
    unlink(path);
    assert_int_equal(han_key_file(path, &k, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_frame),   cmocka_unit_test(test_single_phase_list1),
        cmocka_unit_test(test_single_phase_list2), cmocka_unit_test(test_zero_lists),
        cmocka_unit_test(test_hdlc_edges),   cmocka_unit_test(test_resync),
        cmocka_unit_test(test_unknown_list), cmocka_unit_test(test_glo_ciphering_vector),
        cmocka_unit_test(test_key_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
