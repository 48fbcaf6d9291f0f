/* IEC 62056-21: codec against ../shared/vectors/iec62056-21.md (pwitab,
 * vzlogger, Kamstrup 382C readout), and the meter's session: sign-on,
 * modes A/B/C, readout with BCC, programming mode, passwords, lockout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "app/billing.h"
#include "app/evlog.h"
#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/iec62056_21/iec21.h"

/* ---- vectors ---------------------------------------------------------------- */

static void bcc_vectors(void **state)
{
    static const struct {
        const char *hex;
        uint8_t bcc;
    } v[] = {
        {"01 57 32 02 43 30 30 33 28 39 31 30 33 32 34 30 39 32 32 33 39 29 03 1B", 0x1B},
        {"01 50 30 02 28 31 32 33 34 35 36 37 29 03 50", 0x50},
        {"01 52 31 02 31 2E 38 2E 30 28 31 29 03 6B", 0x6B},
        {"01 42 30 03 71", 0x71},
        {"02 33 3A 31 37 31 2E 30 28 30 29 03 12", 0x12},
        {"02 33 3A 31 34 28 33 31 34 2A 6B 57 68 29 34 3A 31 35 28 34 31 35 2A 6B 57 68 29 0D 0A 03 04", 0x04},
        {"02 33 3A 31 34 28 33 31 34 2A 6B 57 68 29 34 3A 31 35 28 34 31 35 2A 6B 57 68 29 0D 0A 21 0D 0A 03 22",
         0x22},
    };
    uint8_t b[128];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = hex(v[i].hex, b);
        assert_int_equal(iec21_bcc(b + 1, n - 2), v[i].bcc);
        assert_int_equal(iec21_block_check(b, n), METER_OK);
        /* negative: a wrong BCC is refused */
        b[n - 1] ^= 0x5A;
        assert_int_equal(iec21_block_check(b, n), METER_ECORRUPT);
    }
    /* the vector file's three named negatives */
    size_t n = hex("02 33 3A 31 37 31 2E 30 28 30 29 03 11", b);
    assert_int_equal(iec21_block_check(b, n), METER_ECORRUPT);
    n = hex("01 50 30 02 28 31 32 33 34 35 36 37 29 03 58", b); /* 'X' */
    assert_int_equal(iec21_block_check(b, n), METER_ECORRUPT);
    n = hex("02 33 3A 31 34 28 33 31 34 2A 6B 57 68 29 34 3A 31 35 28 34 31 35 2A 6B 57 68 29 0D 0A 21 0D 0A 03 78",
            b); /* 'x' */
    assert_int_equal(iec21_block_check(b, n), METER_ECORRUPT);
    /* derived commands */
    n = hex("01 52 31 02 30 2E 30 2E 30 28 29 03", b);
    assert_int_equal(iec21_bcc(b + 1, n - 1), 0x53);
    n = hex("01 52 31 02 31 2E 38 2E 30 28 29 03", b);
    assert_int_equal(iec21_bcc(b + 1, n - 1), 0x5A);
}

static void k382c_telegram(void **state)
{
    static const char t[] = "02 30 2E 30 2E 30 28 31 34 34 31 30 30 30 30 29 0D 0A "
                            "31 2E 38 2E 30 28 30 30 33 36 38 38 36 2A 6B 57 68 29 0D 0A "
                            "31 2E 38 2E 31 28 30 30 33 36 38 38 36 2A 6B 57 68 29 0D 0A "
                            "31 2E 38 2E 32 28 30 30 30 30 30 30 30 2A 6B 57 68 29 0D 0A "
                            "31 2E 38 2E 33 28 30 30 30 30 30 30 30 2A 6B 57 68 29 0D 0A "
                            "31 2E 38 2E 34 28 30 30 30 30 30 30 30 2A 6B 57 68 29 0D 0A "
                            "39 36 2E 38 2E 30 28 30 31 31 39 38 39 39 2A 68 29 0D 0A "
                            "30 2E 31 32 38 2E 31 28 30 30 30 30 30 30 30 29 0D 0A "
                            "31 2E 36 2E 30 28 31 2E 30 37 38 2A 6B 57 29 0D 0A "
                            "21 0D 0A 03 1F";
    uint8_t b[512];
    size_t n = hex(t, b);
    assert_int_equal(iec21_block_check(b, n), METER_OK);
    /* and its first data sets parse */
    struct iec21_dataset d;
    int k = iec21_dataset_parse((const char *)b + 1, n - 3, &d);
    assert_int_equal(k, 15);
    assert_string_equal(d.addr, "0.0.0");
    assert_string_equal(d.value, "14410000");
    k = iec21_dataset_parse((const char *)b + 18, n - 20, &d);
    assert_true(k > 0);
    assert_string_equal(d.addr, "1.8.0");
    assert_string_equal(d.value, "0036886");
    assert_string_equal(d.unit, "kWh");
}

static void dataset_vectors(void **state)
{
    struct iec21_dataset d;
    const char *s = "3.1.0(100*kWh)";
    assert_int_equal(iec21_dataset_parse(s, strlen(s), &d), (int)strlen(s));
    assert_string_equal(d.addr, "3.1.0");
    assert_string_equal(d.value, "100");
    assert_string_equal(d.unit, "kWh");
    s = "3.1.0(100)";
    assert_int_equal(iec21_dataset_parse(s, strlen(s), &d), (int)strlen(s));
    assert_string_equal(d.unit, "");
    s = "12(12*kWh)13(13*kWh)14(14*kwh)";
    assert_int_equal(iec21_dataset_parse(s, strlen(s), &d), 10);
    assert_string_equal(d.addr, "12");
    assert_string_equal(d.value, "12");
    assert_string_equal(d.unit, "kWh");
    assert_int_equal(iec21_dataset_parse(s + 10, strlen(s) - 10, &d), 10);
    assert_string_equal(d.addr, "13");
    s = "(1234567)";
    assert_int_equal(iec21_dataset_parse(s, strlen(s), &d), (int)strlen(s));
    assert_string_equal(d.addr, "");
    assert_string_equal(d.value, "1234567");
    s = "\"Tralalalala";
    assert_true(iec21_dataset_parse(s, strlen(s), &d) < 0);
    s = "1.8.0(12";
    assert_true(iec21_dataset_parse(s, strlen(s), &d) < 0);
}

static void baud_chars(void **state)
{
    assert_int_equal(iec21_baud('0'), 300);
    assert_int_equal(iec21_baud('5'), 9600);
    assert_int_equal(iec21_baud('6'), 19200);
    assert_int_equal(iec21_baud('E'), 9600);
    assert_int_equal(iec21_baud('7'), 0);
    assert_int_equal(iec21_baud(' '), 0);
}

/* ---- sessions ------------------------------------------------------------------ */

static bool reply_is(const struct om *o, const char *s)
{
    return o->cap.n == strlen(s) && memcmp(o->cap.buf, s, o->cap.n) == 0;
}

static bool reply_has(const struct om *o, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= o->cap.n; i++)
        if (memcmp(o->cap.buf + i, s, k) == 0)
            return true;
    return false;
}

static void sign_on_identification(void **state)
{
    struct om *o = om_new();
    uint32_t a0 = ev_audit(o);
    tx_str(o, "/?!\r\n");
    assert_true(reply_is(o, "/TRM5trimeter382\r\n"));
    assert_int_equal(ev_audit(o), a0 + 1);
    assert_true(ev_newest(o, EV_SESSION_START, METER_SRC_OPTICAL_IEC));
    /* device address: the serial number (factory 0 -> "00000000") */
    om_advance_ms(o, 10000);
    assert_int_equal(tx_str(o, "/?00000000!\r\n"), 18);
    om_advance_ms(o, 10000);
    /* somebody else's address: silence */
    assert_int_equal(tx_str(o, "/?45678903!\r\n"), 0);
    /* malformed sign-on: silence */
    assert_int_equal(tx_str(o, "/x!\r\n"), 0);
    om_free(o);
}

static void mode_c_readout(void **state)
{
    struct om *o = om_new();
    om_load(o, 3600, 1000000);
    tx_str(o, "/?!\r\n");
    unsigned cfg0 = o->cap.configs;
    size_t n = tx_str(o, "\x06"
                         "050\r\n");
    assert_true(n > 20);
    /* switched to 9600 for the readout and back to 300 after it */
    assert_true(o->cap.configs >= cfg0 + 2);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(o->cap.buf[0], 0x02);
    assert_int_equal(iec21_block_check(o->cap.buf, n), METER_OK);
    assert_true(reply_has(o, "1.8.0(10.80*kWh)\r\n"));
    assert_true(reply_has(o, "2.8.0(0.00*kWh)\r\n"));
    assert_true(reply_has(o, "0.9.1("));
    assert_true(reply_has(o, "0.0.0(00000000)\r\n"));
    assert_true(reply_has(o, "!\r\n\x03"));
    /* instantaneous values and parameters are not in the default list */
    assert_false(reply_has(o, "32.7.0("));
    assert_false(reply_has(o, "96.128.22("));
    om_free(o);
}

static void configured_readout_list(void **state)
{
    struct om *o = om_new();
    const struct obj_def *l = objtab_find_key("readout_list");
    assert_non_null(l);
    struct obj_value v = {.type = OBJ_T_STRING};
    strcpy(v.s, "2.8.0,1.8.0");
    v.len = (uint8_t)strlen(v.s);
    assert_int_equal(obj_write(&o->v.m, l, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    tx_str(o, "/?!\r\n");
    size_t n = tx_str(o, "\x06"
                         "050\r\n");
    static const char want[] = "\x02"
                               "2.8.0(0.00*kWh)\r\n1.8.0(0.00*kWh)\r\n!\r\n\x03";
    assert_int_equal(n, sizeof want); /* + BCC */
    assert_memory_equal(o->cap.buf, want, sizeof want - 1);
    assert_int_equal(o->cap.buf[n - 1], iec21_bcc((const uint8_t *)want + 1, sizeof want - 2));
    /* unknown entries are refused whole; "+" appends; "default" resets */
    strcpy(v.s, "1.8.0,9.9.9");
    v.len = (uint8_t)strlen(v.s);
    assert_int_not_equal(obj_write(&o->v.m, l, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    strcpy(v.s, "+0.0.0");
    v.len = (uint8_t)strlen(v.s);
    assert_int_equal(obj_write(&o->v.m, l, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    struct obj_value r;
    assert_int_equal(obj_read(&o->v.m, l, METER_ACC_PUBLIC, &r), METER_OK);
    assert_int_equal(r.len, strlen("2.8.0,1.8.0,0.0.0"));
    assert_memory_equal(r.s, "2.8.0,1.8.0,0.0.0", r.len);
    strcpy(v.s, "default");
    v.len = 7;
    assert_int_equal(obj_write(&o->v.m, l, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
    assert_int_equal(o->v.m.optical.iec.cfg.nlist, 0);
    om_free(o);
}

/* Billing history: the default readout carries the billed registers of
 * the last periods as C.D.E*NN; R1 reads them; W1 never writes them. */
static void billing_history(void **state)
{
    struct om *o = om_new();
    const struct obj_def *eob = objtab_find_key("end_of_billing");
    if (eob == NULL) {
        om_free(o);
        skip(); /* no billing command in this firmware */
    }
    om_load(o, 3600, 1000000);
    if (obj_action(&o->v.m, eob, METER_ACC_MANAGER, 1, NULL, METER_SRC_SIM) != METER_OK ||
        billing_snapshot_read(&o->v.m, 1, &(struct billing_rec){0}) != METER_OK) {
        om_free(o);
        skip(); /* billing snapshots are not stored (yet) */
    }
    om_load(o, 3600, 1000000);
    tx_str(o, "/?!\r\n");
    size_t n = tx_str(o, "\x06"
                         "050\r\n");
    assert_int_equal(iec21_block_check(o->cap.buf, n), METER_OK);
    assert_true(reply_has(o, "1.8.0(21.60*kWh)\r\n"));
    assert_true(reply_has(o, "1.8.0*01(10.80*kWh)\r\n"));
    assert_false(reply_has(o, "1.8.0*02("));
    tx_str(o, "/?!\r\n");
    tx_str(o, "\x06"
              "051\r\n");
    tx_cmd(o, "P1", "(00000000)");
    tx_cmd(o, "R1", "1.8.0*01()");
    assert_true(reply_has(o, "1.8.0*01(10.80*kWh)"));
    tx_cmd(o, "R1", "1.8.0*02()");
    assert_true(reply_has(o, "(ER02)"));
    tx_cmd(o, "P2", "(22222222)");
    tx_cmd(o, "W1", "1.8.0*01(0)");
    assert_true(reply_has(o, "(ER02)"));
    om_free(o);
}

static void set_mode(struct om *o, const char *mode)
{
    const struct obj_def *d = objtab_find_key("iec_mode");
    struct obj_value v = {.type = OBJ_T_STRING, .len = 1};
    v.s[0] = mode[0];
    assert_int_equal(obj_write(&o->v.m, d, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
}

static void modes_a_and_b(void **state)
{
    struct om *o = om_new();
    set_mode(o, "A");
    size_t n = tx_str(o, "/?!\r\n");
    /* identification with a non-baud character, then the readout at 300 Bd */
    assert_true(n > 30);
    assert_memory_equal(o->cap.buf, "/TRM trimeter382\r\n\x02", 19);
    assert_int_equal(iec21_block_check(o->cap.buf + 18, n - 18), METER_OK);
    assert_int_equal(o->cap.baud, 300);
    set_mode(o, "B");
    unsigned cfg0 = o->cap.configs;
    n = tx_str(o, "/?!\r\n");
    assert_memory_equal(o->cap.buf, "/TRMEtrimeter382\r\n\x02", 19);
    assert_int_equal(iec21_block_check(o->cap.buf + 18, n - 18), METER_OK);
    assert_true(o->cap.configs >= cfg0 + 2); /* 9600 and back */
    assert_int_equal(o->cap.baud, 300);
    om_free(o);
}

static void enter_prog(struct om *o)
{
    tx_str(o, "/?!\r\n");
    size_t n = tx_str(o, "\x06"
                         "051\r\n");
    assert_true(n > 5);
    assert_int_equal(o->cap.buf[0], 0x01);
    assert_memory_equal(o->cap.buf + 1, "P0\x02(", 4);
    assert_int_equal(iec21_block_check(o->cap.buf, n), METER_OK);
    assert_int_equal(o->cap.baud, 9600);
}

static void programming_mode(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    /* before a password: reads refused with the error data set */
    tx_cmd(o, "R1", "1.8.0()");
    assert_int_equal(o->cap.buf[0], 0x02);
    assert_true(reply_has(o, "(ER02)"));
    /* wrong P1: NAK and an audit event */
    uint32_t a0 = ev_audit(o);
    tx_cmd(o, "P1", "(12345678)");
    assert_true(reply_is(o, "\x15"));
    assert_int_equal(ev_audit(o), a0 + 1);
    assert_true(ev_newest(o, EV_ACCESS_DENIED, METER_SRC_OPTICAL_IEC));
    /* right P1 */
    tx_cmd(o, "P1", "(00000000)");
    assert_true(reply_is(o, "\x06"));
    tx_cmd(o, "R1", "1.8.0()");
    assert_true(reply_has(o, "1.8.0(0.00*kWh)"));
    assert_int_equal(iec21_block_check(o->cap.buf, o->cap.n), METER_OK);
    tx_cmd(o, "R1", "9.9.9()");
    assert_true(reply_has(o, "(ER01)"));
    /* P1 may not write parameters (management level needed) */
    tx_cmd(o, "W1", "96.128.24(5)");
    assert_true(reply_has(o, "(ER02)"));
    /* P2 may */
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_is(o, "\x06"));
    uint32_t a1 = ev_audit(o);
    tx_cmd(o, "W1", "96.128.24(5)");
    assert_true(reply_is(o, "\x06"));
    assert_int_equal(o->v.m.optical.iec.cfg.lock_tries, 5);
    assert_int_equal(ev_audit(o), a1 + 1);
    assert_true(ev_newest(o, EV_PARAM_CHANGE, METER_SRC_OPTICAL_IEC));
    tx_cmd(o, "W1", "96.128.24(x)");
    assert_true(reply_has(o, "(ER03)"));
    tx_cmd(o, "W1", "96.128.21(C)");
    assert_true(reply_is(o, "\x06"));
    /* a block with a wrong BCC is answered with NAK */
    uint8_t bad[] = {0x01, 'R', '1', 0x02, '1', '.', '8', '.', '0', '(', ')', 0x03, 0x00};
    om_tx(o, bad, sizeof bad);
    assert_true(reply_is(o, "\x15"));
    /* unsupported command */
    tx_cmd(o, "E2", "1.8.0()");
    assert_true(reply_has(o, "(ER04)"));
    /* break: session over, line back at 300 Bd, commands ignored */
    tx_cmd(o, "B0", NULL);
    assert_int_equal(o->cap.n, 0);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(tx_cmd(o, "R1", "1.8.0()"), 0);
    om_free(o);
}

static void password_lockout(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    for (int i = 0; i < 3; i++) {
        tx_cmd(o, "P2", "(nope)");
        assert_true(reply_is(o, "\x15"));
    }
    /* locked: even the right password is refused */
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_has(o, "(ER05)"));
    /* a new session does not lift it */
    tx_cmd(o, "B0", NULL);
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_has(o, "(ER05)"));
    /* after the configured time it is lifted (15 min by default) */
    for (int s = 0; s < 15; s++) {
        om_advance_ms(o, 60000);
    }
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_is(o, "\x06"));
    om_free(o);
}

static void clock_write(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    tx_cmd(o, "R1", "0.9.1()");
    assert_true(reply_has(o, "0.9.1("));
    /* the time view sets the clock object (today, 12:00 local) */
    int64_t local = dispatch_civil(&o->v.m, o->v.m.now, false);
    int64_t want = dispatch_utc(&o->v.m, local - local % 86400 + 12 * 3600);
    tx_cmd(o, "W1", "0.9.1(12:00:00)");
    if (om_clock_settable(want)) {
        assert_true(reply_is(o, "\x06"));
        assert_int_equal(o->v.m.now, want);
    } else {
        assert_int_equal(o->cap.buf[0], 0x02); /* the clock object reports a failure: (ERnn) */
    }
    tx_cmd(o, "W1", "0.9.1(25:00:00)");
    assert_true(reply_has(o, "(ER03)"));
    om_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bcc_vectors),      cmocka_unit_test(k382c_telegram),
        cmocka_unit_test(dataset_vectors),  cmocka_unit_test(baud_chars),
        cmocka_unit_test(sign_on_identification), cmocka_unit_test(mode_c_readout),
        cmocka_unit_test(configured_readout_list), cmocka_unit_test(modes_a_and_b),
        cmocka_unit_test(programming_mode), cmocka_unit_test(password_lockout),
        cmocka_unit_test(clock_write),      cmocka_unit_test(billing_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
