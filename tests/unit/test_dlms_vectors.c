/* DLMS application layer against ../shared/vectors/dlms.md (values from
 * pwitab/dlms-cosem's tests, the Green Book suite-0 example set):
 * security suite 0 (GCM of a GET, GMAC of HLS mechanism 5, the ciphered
 * AARQ, general-glo-ciphering), ACSE (AARQ parsing, AARE encoding byte for
 * byte), xDLMS GET frames. */
#include "dlms_util.h"
#include "proto/dlms/apdu.h"

#define T0 1780000000

static struct rig *rig;

static int setup(void **state)
{
    (void)state;
    rig = rig_new(T0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rig_free(rig);
    return 0;
}

static const uint8_t gb_title[8] = {0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E};

/* 1.1: authenticated encryption of GET-Request-Normal (clock, attr 2). */
static void gcm_get_request(void **state)
{
    (void)state;
    uint8_t b[64], want[64];
    size_t pn = hex2bin("C0010000080000010000FF0200", b + 5, sizeof b - 5);
    assert_int_equal(pn, 13);
    size_t wn = hex2bin("30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B", want, sizeof want);
    assert_int_equal(dlms_sec_seal(rig->v.m.hal, tc_ek, tc_ak, gb_title, 0x01234567, b, pn), 0);
    assert_memory_equal(b, want, wn);
    /* and back, in place */
    uint8_t sc;
    uint32_t ic;
    size_t pl;
    assert_int_equal(dlms_sec_open(rig->v.m.hal, tc_ek, tc_ak, gb_title, b, wn, &sc, &ic, &pl), 0);
    assert_int_equal(sc, 0x30);
    assert_int_equal(ic, 0x01234567);
    assert_int_equal(pl, 13);
    uint8_t plain[16];
    hex2bin("C0010000080000010000FF0200", plain, sizeof plain);
    assert_memory_equal(b + 5, plain, 13);
    /* one flipped bit anywhere: refused */
    for (size_t k = 0; k < wn; k++) {
        uint8_t x[64];
        memcpy(x, want, wn);
        x[k] ^= 0x04;
        int r = dlms_sec_open(rig->v.m.hal, tc_ek, tc_ak, gb_title, x, wn, &sc, &ic, &pl);
        assert_true(r < 0);
    }
}

/* 1.2: GMAC of HLS mechanism 5. */
static void gmac_hls(void **state)
{
    (void)state;
    const uint8_t title[8] = {0x4D, 0x4D, 0x4D, 0, 0, 0, 0, 1};
    uint8_t tag[12], want[12];
    hex2bin("1A52FE7DD3E72748973C1E28", want, sizeof want);
    assert_int_equal(dlms_sec_gmac(rig->v.m.hal, tc_ek, tc_ak, title, 1, (const uint8_t *)"P6wRJ21F", 8, tag), 0);
    assert_memory_equal(tag, want, 12);
}

/* 1.3: ciphered AARQ with LLS: parsed, its InitiateRequest deciphered. */
static void aarq_ciphered(void **state)
{
    (void)state;
    uint8_t a[256];
    size_t n = hex2bin("6066A109060760857405080103A60A04084D4D4D0000BC614E8A0207808B0760857405080201AC0A80083132"
                       "333435363738BE34043221303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD522"
                       "11BE6841DB204D39EE6FDB8E356855",
                       a, sizeof a);
    struct dlms_aarq q;
    assert_int_equal(dlms_aarq_parse(a, n, &q), 0);
    assert_int_equal(q.context, DLMS_CTX_LN_CIPHER);
    assert_int_equal(q.mech, DLMS_MECH_LLS);
    assert_true(q.auth_required);
    assert_int_equal(q.title_len, 8);
    assert_memory_equal(q.title, gb_title, 8);
    assert_int_equal(q.auth_len, 8);
    assert_memory_equal(q.auth, "12345678", 8);
    assert_non_null(q.ui);
    assert_int_equal(q.ui[0], 0x21);
    assert_int_equal(q.ui[1], q.ui_len - 2);
    uint8_t body[64];
    memcpy(body, q.ui + 2, q.ui_len - 2);
    uint8_t sc;
    uint32_t ic;
    size_t pl;
    assert_int_equal(dlms_sec_open(rig->v.m.hal, tc_ek, tc_ak, q.title, body, q.ui_len - 2, &sc, &ic, &pl), 0);
    assert_int_equal(ic, 0x01234567);
    uint8_t want[64];
    size_t wn = hex2bin("01 01 10 00112233445566778899AABBCCDDEEFF 00 00 06 5F1F04 00007E1F 04B0", want, sizeof want);
    assert_int_equal(pl, wn);
    assert_memory_equal(body + 5, want, wn);
    struct dlms_initiate ini;
    assert_int_equal(dlms_initiate_parse(body + 5, pl, &ini), 0);
    assert_non_null(ini.dedicated_key);
    assert_memory_equal(ini.dedicated_key, want + 3, 16);
    assert_int_equal(ini.version, 6);
    assert_int_equal(ini.conformance, 0x007E1F);
    assert_int_equal(ini.max_pdu, 1200);
}

/* 1.4: general-glo-ciphering DataNotification (key "MYDUMMYGLOBALKEY"). */
static void general_glo_ciphering(void **state)
{
    (void)state;
    uint8_t a[128];
    size_t n = hex2bin("DB082F192291991641033B30000001E5025CE9D2271FD78BE8C204211A916A9D7F587E0A7A814CADEA89E9593F"
                       "01F92EA8C087B5BDFDEFEAB6BECF282DFE49C08F5BE6DC8400",
                       a, sizeof a);
    const uint8_t *key = (const uint8_t *)"MYDUMMYGLOBALKEY";
    assert_int_equal(a[0], 0xDB);
    assert_int_equal(a[1], 8);
    assert_int_equal(a[10], 0x3B);
    assert_int_equal(n, 11u + 0x3B);
    uint8_t sc;
    uint32_t ic;
    size_t pl;
    assert_int_equal(dlms_sec_open(rig->v.m.hal, key, key, a + 2, a + 11, 0x3B, &sc, &ic, &pl), 0);
    assert_int_equal(ic, 0x1E5);
    uint8_t want[64];
    size_t wn = hex2bin("0F000001DB000922125A8591360000000049000000110000000A5A8513D014800000000D0000000A0100", want,
                        sizeof want);
    assert_int_equal(pl, wn);
    assert_memory_equal(a + 16, want, wn);
    /* DataNotification: long-invoke-id 000001DB, no date-time, then the
     * body, one A-XDR Data (an octet-string of 34 bytes) to the end */
    struct axdr_r r;
    struct axdr_item it;
    axdr_r_init(&r, a + 16 + 6, pl - 6);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_OCTETS);
    assert_int_equal(it.n, 34);
    assert_int_equal(axdr_r_left(&r), 0);
}

/* 2: AARQs of the vectors parse to what they say. */
static void aarq_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        uint8_t mech;
        const char *auth;
        uint32_t conf;
        uint16_t pdu;
    } v[] = {
        {"601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0", 0, NULL, 0x007E1F, 1200},
        {"601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF", 0, NULL, 0x001E1D, 0xFFFF},
        {"6036A1090607608574050801018A0207808B0760857405080201AC0A80083132333435363738BE10040E01000000065F1F04"
         "00007E1F04B0",
         1, "12345678", 0x007E1F, 1200},
        {"6036A1090607608574050801018A0207808B0760857405080205AC0A80084B35366956616759BE10040E01000000065F1F04"
         "00007E1F04B0",
         5, "K56iVagY", 0x007E1F, 1200},
        {"6036A1090607608574050801018A0207808B0760857405080202AC0A80083132333435363738BE10040E01000000065F1F04"
         "00007E1FFFFF",
         2, "12345678", 0x007E1F, 0xFFFF},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t a[128];
        size_t n = hex2bin(v[i].hex, a, sizeof a);
        struct dlms_aarq q;
        struct dlms_initiate ini;
        assert_int_equal(dlms_aarq_parse(a, n, &q), 0);
        assert_int_equal(q.context, DLMS_CTX_LN);
        assert_int_equal(q.mech, v[i].mech);
        if (v[i].auth != NULL) {
            assert_int_equal(q.auth_len, strlen(v[i].auth));
            assert_memory_equal(q.auth, v[i].auth, q.auth_len);
        } else {
            assert_null(q.auth);
        }
        assert_int_equal(dlms_initiate_parse(q.ui, q.ui_len, &ini), 0);
        assert_int_equal(ini.version, 6);
        assert_int_equal(ini.conformance, v[i].conf);
        assert_int_equal(ini.max_pdu, v[i].pdu);
        assert_null(ini.dedicated_key);
        /* every truncation is refused, never read past */
        for (size_t k = 0; k < n; k++)
            assert_int_equal(dlms_aarq_parse(a, k, &q), METER_EINVAL);
    }
}

static void check_aare(const struct dlms_aare *a, const char *hex)
{
    uint8_t want[128], got[128];
    size_t wn = hex2bin(hex, want, sizeof want);
    struct axdr_w w;
    axdr_w_init(&w, got, sizeof got);
    dlms_aare_build(&w, a);
    assert_false(axdr_w_over(&w));
    assert_int_equal(axdr_w_len(&w), wn);
    assert_memory_equal(got, want, wn);
}

/* 2: AAREs encoded byte for byte as the vectors. */
static void aare_vectors(void **state)
{
    (void)state;
    uint8_t ui[32];
    struct axdr_w w;
    struct dlms_aare a;
    memset(&a, 0, sizeof a);
    a.context = DLMS_CTX_LN;
    axdr_w_init(&w, ui, sizeof ui);
    dlms_initiate_rsp_build(&w, 0x00501F, 500);
    a.ui = ui;
    a.ui_len = axdr_w_len(&w);
    check_aare(&a, "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000501F01F40007");
    a.result = DLMS_REJECTED_PERMANENT;
    a.diag = DLMS_DIAG_CONTEXT_NOT_SUPPORTED;
    check_aare(&a, "6129A109060760857405080101A203020101A305A103020102BE10040E0800065F1F040000501F01F40007");
    /* HLS challenge: accepted, authentication-required, mechanism 5, StoC */
    a.result = DLMS_ACCEPTED;
    a.diag = DLMS_DIAG_AUTH_REQUIRED;
    a.mech = DLMS_MECH_HLS_GMAC;
    a.challenge = (const uint8_t *)"P6wRJ21F";
    a.challenge_len = 8;
    check_aare(&a, "6142A109060760857405080101A203020100A305A10302010E88020780890760857405080205AA0A8008503677524A"
                   "323146BE10040E0800065F1F040000501F01F40007");
    /* accepted (2): conformance 001E1D, max PDU 1224 */
    memset(&a, 0, sizeof a);
    a.context = DLMS_CTX_LN;
    axdr_w_init(&w, ui, sizeof ui);
    dlms_initiate_rsp_build(&w, 0x001E1D, 1224);
    a.ui = ui;
    a.ui_len = axdr_w_len(&w);
    check_aare(&a, "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F0400001E1D04C80007");
    /* DLMS version too low: rejected, confirmed-service-error */
    axdr_w_init(&w, ui, sizeof ui);
    dlms_cse_initiate_build(&w, DLMS_INIT_VERSION_TOO_LOW);
    a.ui = ui;
    a.ui_len = axdr_w_len(&w);
    a.result = DLMS_REJECTED_PERMANENT;
    a.diag = DLMS_DIAG_NO_REASON;
    check_aare(&a, "611FA109060760857405080101A203020101A305A103020101BE0604040E010601");
}

/* The server refuses an AARQ proposing DLMS version 5 with exactly the
 * vector's "version too low" AARE. */
static void server_version_too_low(void **state)
{
    (void)state;
    struct tclient t;
    tc_init(&t, &rig->v.m, DLMS_CLIENT_PUBLIC);
    uint8_t a[64], want[64];
    size_t n = hex2bin("601DA109060760857405080101BE10040E01000000055F1F0400007E1F04B0", a, sizeof a);
    tc_xfer(&t, a, n);
    size_t wn = hex2bin("611FA109060760857405080101A203020101A305A103020101BE0604040E010601", want, sizeof want);
    assert_int_equal(t.raw_len, wn);
    assert_memory_equal(t.raw, want, wn);
    tc_close(&t);
}

/* 3: GET frames. The server reads GET-Request-Normal of the vectors
 * (invoke C1, class 1 Data 0.0.43.1.0.255 attr 2: not an object here ->
 * object-undefined, in the vector's error layout C4 01 C1 01 dar); GET-Next
 * without a long GET; the invalid tags and types are refused. */
static void get_frames(void **state)
{
    (void)state;
    struct tclient t;
    tc_init(&t, &rig->v.m, DLMS_CLIENT_PUBLIC);
    assert_int_equal(tc_associate(&t, ""), 0);
    uint8_t q[32];
    size_t n = hex2bin("C0 01 C1 00 01 00 00 2B 01 00 FF 02 00", q, sizeof q);
    tc_xfer(&t, q, n);
    uint8_t want[16];
    size_t wn = hex2bin("C4 01 C1 01 04", want, sizeof want);
    assert_int_equal(t.raw_len, wn);
    assert_memory_equal(t.raw, want, wn);
    /* the same GET for 0.0.43.1.1.255 (the counter) answers Data */
    q[9] = 1;
    tc_xfer(&t, q, n);
    assert_int_equal(t.raw_len, 9);
    assert_memory_equal(t.raw, "\xC4\x01\xC1\x00\x06", 5);
    n = hex2bin("C0 02 C1 00 00 00 01", q, sizeof q);
    tc_xfer(&t, q, n);
    wn = hex2bin("C4 02 C1 01 00000001 01 10", want, sizeof want); /* no-long-get-in-progress */
    assert_int_equal(t.raw_len, wn);
    assert_memory_equal(t.raw, want, wn);
    static const char *bad[] = {"C0 03 C1 00 00 00 01", "C0 04 C1 00 00 00 01", "C0 01 C1 00 01 00 00 2B 01"};
    for (size_t i = 0; i < 3; i++) {
        n = hex2bin(bad[i], q, sizeof q);
        tc_xfer(&t, q, n);
        assert_int_equal(t.raw[0], 0xD8);
        assert_int_equal(t.raw_len, 3);
    }
    /* the vector's "invalid tag" C1 01 ...: a SET request here, refused */
    n = hex2bin("C1 01 C1 00 01 00 00 2B 01 00 FF 02 00", q, sizeof q);
    tc_xfer(&t, q, n);
    assert_true(t.raw[0] == 0xD8 || (t.raw[0] == 0xC5 && t.raw[3] != 0));
    tc_close(&t);
}

/* The vector's GET-Response-Normal decodes as data double-long-unsigned 5009. */
static void get_response_decode(void **state)
{
    (void)state;
    uint8_t b[16];
    size_t n = hex2bin("C4 01 C1 00 06 00 00 13 91", b, sizeof b);
    struct axdr_r r;
    struct axdr_item it;
    axdr_r_init(&r, b + 4, n - 4);
    assert_int_equal(axdr_get(&r, &it), 0);
    assert_int_equal(it.tag, AXDR_U32);
    assert_int_equal(it.u, 5009);
    assert_int_equal(axdr_r_left(&r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(gcm_get_request, setup, teardown),
        cmocka_unit_test_setup_teardown(gmac_hls, setup, teardown),
        cmocka_unit_test_setup_teardown(aarq_ciphered, setup, teardown),
        cmocka_unit_test_setup_teardown(general_glo_ciphering, setup, teardown),
        cmocka_unit_test_setup_teardown(aarq_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(aare_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(server_version_too_low, setup, teardown),
        cmocka_unit_test_setup_teardown(get_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(get_response_decode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
