/* IEC 62056-21: codec against ../shared/vectors/iec62056-21.md (pwitab,
 * vzlogger, Kamstrup 382C readout), and the meter's session: sign-on,
 * modes A/B/C, readout with BCC, programming mode, passwords, lockout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>

#include <cmocka.h>

#include "registers/billing.h"
#include "registers/evlog.h"
#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/iec62056_21/iec21.h"
#include "util/crc.h"

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
    uint32_t a0 = au_sessions(o), r0 = ev_audit(o);
    tx_str(o, "/?!\r\n");
    assert_true(reply_is(o, "/TRM5trimeter382\r\n"));
    assert_int_equal(au_sessions(o), a0 + 1); /* counted, not recorded (legal/audit.h) */
    assert_int_equal(ev_audit(o), r0);
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
    /* switched to 9600 for the readout; back to 300 once the master had
     * its chance to ask for a repeat */
    assert_int_equal(o->cap.configs, cfg0 + 1);
    assert_int_equal(o->cap.baud, 9600);
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS - 100);
    assert_int_equal(o->cap.baud, 9600);
    om_advance_ms(o, 200);
    assert_int_equal(o->cap.configs, cfg0 + 2);
    assert_int_equal(o->cap.baud, 300);
    assert_null(port_session(&o->v.m, METER_LINE_OPTICAL)->drv);
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
    assert_int_equal(o->v.m.proto.iec.cfg.nlist, 0);
    om_free(o);
}

/* Billing history: the default readout carries the billed registers of
 * the last periods as C.D.E*NN; R1 reads them; W1 never writes them. */
static void billing_history(void **state)
{
    struct om *o = om_new();
    const struct obj_def *eob = objtab_find_key("end_of_billing");
    assert_non_null(eob);
    om_load(o, 3600, 1000000);
    assert_int_equal(obj_action(&o->v.m, eob, METER_ACC_MANAGER, 1, NULL, METER_SRC_SIM), METER_OK);
    assert_int_equal(billing_snapshot_read(&o->v.m, 1, &(struct billing_rec){0}), METER_OK);
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
    /* mode A's session ended with this sign-on (300: no change), 9600 once
     * the identification was handed over, back after the repeat window */
    assert_int_equal(o->cap.configs, cfg0 + 1);
    assert_int_equal(o->cap.cfg_baud[cfg0], 9600);
    assert_int_equal(o->cap.total - o->cap.cfg_at[cfg0], n - 18);
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS + 100);
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
    /* wrong P1: NAK, counted as a wrong secret (no record, no EEPROM write) */
    uint32_t a0 = ev_audit(o), b0 = o->v.m.legal.audit.bad_secrets;
    uint64_t w0 = o->v.hw.eeprom.ops;
    tx_cmd(o, "P1", "(12345678)");
    assert_true(reply_is(o, "\x15"));
    assert_int_equal(ev_audit(o), a0);
    assert_int_equal(o->v.m.legal.audit.bad_secrets, b0 + 1);
    assert_int_equal(o->v.hw.eeprom.ops, w0);
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
    assert_int_equal(o->v.m.proto.iec.cfg.lock_tries, 5);
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
    /* nor does a power cycle: the lockout was saved when it started
     * (issue 12 item 8: two wrong tries per boot never locked) */
    om_reboot(o);
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_has(o, "(ER05)"));
    assert_int_equal(o->v.m.evlog.count[EVLOG_AUDIT] > 0, 1);
    /* after the configured time it is lifted (15 min by default) */
    for (int s = 0; s < 15; s++) {
        om_advance_ms(o, 60000);
    }
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_is(o, "\x06"));
    /* and stays lifted after a power cycle: the end was saved too */
    om_reboot(o);
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_is(o, "\x06"));
    om_free(o);
}

/* A block whose BCC is 0x01 (SOH) is one message: "P2(wrong)" used to be
 * cut at its BCC and never answered (found by the 10 000-password attack). */
static void bcc_equal_to_soh(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    tx_cmd(o, "P2", "(wrong)"); /* XOR of P2 STX (wrong) ETX = 0x01 */
    assert_true(reply_is(o, "\x15"));
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_is(o, "\x06"));
    om_free(o);
}

/* Wrong tries cost no EEPROM write each, yet the count survives a power
 * failure (the power-fail save carries it): two wrong tries, an outage, one
 * more wrong try locks. */
static void lockout_count_survives_power_fail(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    uint64_t w0 = o->v.hw.eeprom.ops;
    for (int i = 0; i < 2; i++) {
        tx_cmd(o, "P2", "(nope)");
        assert_true(reply_is(o, "\x15"));
    }
    assert_int_equal(o->v.hw.eeprom.ops, w0); /* counted in RAM */
    o->v.hw.supply_ok = false;
    meter_power_fail(&o->v.m);
    meter_poll(&o->v.m); /* the emergency save */
    o->v.hw.supply_ok = true;
    om_reboot(o);
    enter_prog(o);
    tx_cmd(o, "P2", "(nope)");
    assert_true(reply_is(o, "\x15"));
    tx_cmd(o, "P2", "(22222222)");
    assert_true(reply_has(o, "(ER05)")); /* the third wrong try locked */
    assert_int_equal(access_lock_left_s(&o->v.m, ACCESS_LOCK_IEC21), 15u * 60u);
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
    int64_t local = clock_civil_of(&o->v.m, o->v.m.now, false);
    int64_t want = clock_utc_of(&o->v.m, local - local % 86400 + 12 * 3600);
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

/* ---- transmission through a port with little TX room ---------------------------- */

/* Poll (10 ms steps) until the data message is complete in o->cap (ETX
 * BCC at the end); returns the polls it took, or -1. */
static int poll_until_telegram(struct om *o, size_t from, int max_polls)
{
    for (int k = 0; k < max_polls; k++) {
        size_t n = o->cap.n;
        if (n >= from + 2 && o->cap.buf[n - 2] == 0x03 && iec21_block_check(o->cap.buf + from, n - from) == METER_OK)
            return k;
        om_advance_ms(o, 10);
    }
    return -1;
}

static struct om *om_with_energy(void)
{
    struct om *o = om_new();
    om_load(o, 3600, 1000000);
    return o;
}

/* The readout through a port taking 16 bytes per main-loop pass is the
 * same telegram as through an unlimited one, written in <= 16-byte steps. */
static void readout_small_tx_room(void **state)
{
    struct om *a = om_with_energy(), *b = om_with_energy();
    b->cap.limit = 16;
    /* unlimited: the whole telegram inside meter_port_rx */
    tx_str(a, "/?!\r\n");
    size_t na = tx_str(a, "\x06" "050\r\n");
    assert_true(na > 400);
    assert_int_equal(iec21_block_check(a->cap.buf, na), METER_OK);
    /* 16 bytes per pass: the identification takes two passes */
    assert_int_equal(tx_str(b, "/?!\r\n"), 16);
    om_advance_ms(b, 10);
    assert_int_equal(b->cap.n, 18);
    assert_memory_equal(b->cap.buf, "/TRM5trimeter382\r\n", 18);
    assert_int_equal(tx_str(b, "\x06" "050\r\n"), 16);
    assert_int_equal(b->cap.baud, 9600); /* switched before the first byte of the readout */
    int polls = poll_until_telegram(b, 0, 1000);
    assert_true(polls >= (int)(na / 16) - 1);
    assert_int_equal(b->cap.n, na);
    assert_memory_equal(b->cap.buf, a->cap.buf, na);
    assert_int_equal(b->cap.overruns, 0); /* never more than the room offered */
    om_advance_ms(b, IEC21_REPEAT_WAIT_MS + 100);
    assert_int_equal(b->cap.baud, 300);
    om_free(a);
    om_free(b);
}

/* Blocks arriving during a slow readout are processed as usual (registers
 * advance every second); the telegram stays valid and shows values of the
 * time each line was made. */
static void readout_while_blocks_arrive(void **state)
{
    struct om *o = om_with_energy();
    o->cap.limit = 16;
    const struct obj_def *ap = objtab_find_str("1.8.0");
    struct obj_value v0, v1;
    assert_int_equal(obj_read(&o->v.m, ap, METER_ACC_PUBLIC, &v0), METER_OK);
    uint32_t sec0 = o->v.m.seconds;
    tx_str(o, "/?!\r\n");
    om_advance_ms(o, 10);
    tx_str(o, "\x06" "050\r\n");
    struct meas_block blk;
    memset(&blk, 0, sizeof blk);
    for (int p = 0; p < METER_PHASES; p++) {
        blk.ph[p].e[MEAS_AP] = 1000000;
        blk.ph[p].u_mv = 230000;
    }
    blk.e[MEAS_AP] = 3000000;
    blk.f_mhz = 50000;
    int steps = 0;
    while (steps < 500) {
        size_t n = o->cap.n;
        if (n >= 2 && o->cap.buf[n - 2] == 0x03 && iec21_block_check(o->cap.buf, n) == METER_OK)
            break;
        o->cap.credit = o->cap.limit;
        vmeter_step_block(&o->v, &blk); /* one second: block + meter_poll */
        steps++;
    }
    assert_true(steps > 20 && steps < 500);
    assert_int_equal(o->v.m.seconds, sec0 + (uint32_t)steps);
    assert_int_equal(obj_read(&o->v.m, ap, METER_ACC_PUBLIC, &v1), METER_OK);
    /* 3 Wh a second; 1.8.0 at 0.01 kWh, started on a whole 10.80 kWh */
    assert_int_equal(v1.i * 10 - v0.i * 10, (3 * steps) / 10 * 10);
    assert_int_equal(o->cap.overruns, 0);
    /* its 1.8.0 line: a value between the two */
    struct iec21_dataset d;
    int k = iec21_dataset_parse((const char *)o->cap.buf + 1, o->cap.n - 1, &d);
    assert_true(k > 0);
    assert_string_equal(d.addr, "1.8.0");
    long shown = lround(strtod(d.value, NULL) * 100.0);
    assert_true(shown >= v0.i && shown <= v1.i);
    om_free(o);
}

/* Mode B through a small room: the line changes to 9600 Bd only once the
 * whole identification was handed over, and back after the readout. */
static void mode_b_switch_after_identification(void **state)
{
    struct om *o = om_new();
    set_mode(o, "B");
    o->cap.limit = 16;
    unsigned c0 = o->cap.configs;
    size_t t0 = o->cap.total;
    assert_int_equal(tx_str(o, "/?!\r\n"), 16);
    assert_int_equal(o->cap.configs, c0); /* two identification bytes still to go */
    assert_true(poll_until_telegram(o, 18, 1000) > 0);
    assert_int_equal(o->cap.configs, c0 + 1);
    assert_int_equal(o->cap.cfg_baud[c0], 9600);
    assert_int_equal(o->cap.cfg_at[c0], t0 + 18);
    assert_memory_equal(o->cap.buf, "/TRMEtrimeter382\r\n\x02", 19);
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS + 100);
    assert_int_equal(o->cap.configs, c0 + 2);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(o->cap.cfg_at[c0 + 1], o->cap.total); /* after the last byte */
    om_free(o);
}

/* ---- repeat requests, unsupported commands ------------------------------------ */

static void nak_repeats_last_message(void **state)
{
    struct om *o = om_with_energy();
    static uint8_t last[4096];
    size_t n;
    /* a NAK outside a session is noise */
    assert_int_equal(tx_str(o, "\x15"), 0);
    /* the identification (mode C, waiting for the option select) */
    n = tx_str(o, "/?!\r\n");
    assert_int_equal(tx_str(o, "\x15"), n);
    assert_memory_equal(o->cap.buf, "/TRM5trimeter382\r\n", n);
    /* the readout: made again, identical (nothing changed meanwhile) */
    n = tx_str(o, "\x06" "050\r\n");
    assert_true(n > 400 && n <= sizeof last);
    memcpy(last, o->cap.buf, n);
    for (int k = 0; k < (int)IEC21_REPEAT_MAX; k++) {
        om_advance_ms(o, 1000); /* within the window after each one */
        assert_int_equal(tx_str(o, "\x15"), n);
        assert_memory_equal(o->cap.buf, last, n);
        assert_int_equal(o->cap.baud, 9600);
    }
    assert_int_equal(tx_str(o, "\x15"), 0); /* bounded */
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS + 100);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(tx_str(o, "\x15"), 0); /* session over */
    /* programming mode: the last answer again, up to three times */
    enter_prog(o);
    tx_cmd(o, "P1", "(00000000)");
    n = tx_cmd(o, "R1", "1.8.0()");
    assert_true(reply_has(o, "1.8.0(10.80*kWh)"));
    memcpy(last, o->cap.buf, n);
    for (int k = 0; k < (int)IEC21_REPEAT_MAX; k++) {
        assert_int_equal(tx_str(o, "\x15"), n);
        assert_memory_equal(o->cap.buf, last, n);
    }
    assert_int_equal(tx_str(o, "\x15"), 0);
    /* a new command starts the count again; an error message repeats too */
    tx_cmd(o, "R1", "9.9.9()");
    assert_true(reply_has(o, "(ER01)"));
    assert_int_equal(tx_str(o, "\x15"), o->cap.n);
    assert_true(reply_has(o, "(ER01)"));
    /* the meter's own NAK (a block with a wrong BCC) is repeated as well */
    uint8_t bad[] = {0x01, 'R', '1', 0x02, '1', '.', '8', '.', '0', '(', ')', 0x03, 0x00};
    om_tx(o, bad, sizeof bad);
    assert_true(reply_is(o, "\x15"));
    tx_str(o, "\x15");
    assert_true(reply_is(o, "\x15"));
    tx_cmd(o, "B0", NULL);
    om_free(o);
}

/* While the meter is still sending (half-duplex) a NAK is not heard; after
 * the readout a sign-on ends the session at once and is answered. */
static void nak_while_sending_and_sign_on_after(void **state)
{
    struct om *o = om_with_energy();
    o->cap.limit = 16;
    tx_str(o, "/?!\r\n");
    om_advance_ms(o, 10);
    tx_str(o, "\x06" "050\r\n");
    om_advance_ms(o, 10);
    size_t before = o->cap.n;
    meter_port_rx(&o->v.m, 0, (const uint8_t *)"\x15", 1);
    assert_int_equal(o->cap.n, before); /* nothing restarted, nothing sent in the rx call */
    assert_true(poll_until_telegram(o, 0, 1000) > 0);
    assert_int_equal(o->cap.buf[0], 0x02);
    assert_int_equal(memchr(o->cap.buf + 1, 0x02, o->cap.n - 1), NULL); /* one telegram only */
    o->cap.limit = 0;
    assert_int_equal(tx_str(o, "/?!\r\n"), 18); /* within the repeat window */
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(port_session(&o->v.m, METER_LINE_OPTICAL)->st.iec.state, IEC21_WAIT_ACK);
    om_free(o);
}

static void unsupported_commands_refused(void **state)
{
    static const char *const cmds[] = {"E2", "R2", "R5", "W2", "W5", "P0", "P3", "X1"};
    struct om *o = om_new();
    enter_prog(o);
    for (int pw = 0; pw < 2; pw++) {
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
            size_t n = tx_cmd(o, cmds[i], "1.8.0()");
            assert_int_equal(o->cap.buf[0], 0x02);
            assert_true(reply_has(o, "(ER04)"));
            assert_int_equal(iec21_block_check(o->cap.buf, n), METER_OK);
        }
        /* execute without a data set */
        assert_true(tx_cmd(o, "E2", NULL) > 0);
        assert_true(reply_has(o, "(ER04)"));
        tx_cmd(o, "P2", "(22222222)");
        assert_true(reply_is(o, "\x06"));
    }
    /* the session goes on */
    tx_cmd(o, "R1", "1.8.0()");
    assert_true(reply_has(o, "1.8.0(0.00*kWh)"));
    om_free(o);
}

/* ---- configuration: persistence, secrecy ----------------------------------------- */

static void configuration_survives_power_cycle(void **state)
{
    struct om *o = om_new();
    enter_prog(o);
    tx_cmd(o, "P2", "(22222222)");
    tx_cmd(o, "W1", "96.128.22(Secret42)");
    assert_true(reply_is(o, "\x06"));
    tx_cmd(o, "W1", "96.128.20(2.8.0,1.8.0)");
    assert_true(reply_is(o, "\x06"));
    tx_cmd(o, "W1", "96.128.24(7)");
    assert_true(reply_is(o, "\x06"));
    tx_cmd(o, "B0", NULL);
    struct iec21_cfg before = o->v.m.proto.iec.cfg;
    om_reboot(o);
    assert_memory_equal(&o->v.m.proto.iec.cfg, &before, sizeof before);
    assert_int_equal(o->v.m.proto.iec.cfg.lock_tries, 7);
    /* the readout list */
    tx_str(o, "/?!\r\n");
    size_t n = tx_str(o, "\x06" "050\r\n");
    static const char want[] = "\x02" "2.8.0(0.00*kWh)\r\n1.8.0(0.00*kWh)\r\n!\r\n\x03";
    assert_int_equal(n, sizeof want);
    assert_memory_equal(o->cap.buf, want, sizeof want - 1);
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS + 100);
    /* the passwords: the new P1, not the factory one */
    enter_prog(o);
    tx_cmd(o, "P1", "(00000000)");
    assert_true(reply_is(o, "\x15"));
    tx_cmd(o, "P1", "(Secret42)");
    assert_true(reply_is(o, "\x06"));
    tx_cmd(o, "B0", NULL);
    /* an image whose optical part is not valid: factory optical settings,
     * the rest of the configuration kept */
    o->v.m.proto.iec.cfg.mode = 'X';
    o->v.m.cfg.demand_period_min = 30;
    assert_int_equal(config_save(&o->v.m), METER_OK);
    om_reboot(o);
    struct iec21_cfg fac;
    iec21_cfg_default(&fac);
    assert_memory_equal(&o->v.m.proto.iec.cfg, &fac, sizeof fac);
    assert_int_equal(o->v.m.cfg.demand_period_min, 30);
    om_free(o);
}

static bool has_text(const uint8_t *b, size_t n, const char *t)
{
    size_t k = strlen(t);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, t, k) == 0)
            return true;
    return false;
}

/* The passwords never leave the meter: not through the object table at
 * any level, IEC R1 at P1/P2 with the seal open or broken, the readout (even
 * when listed), KMP, or the audit record of their change. */
static void passwords_never_readable(void **state)
{
    struct om *o = om_new();
    const char *keys[] = {"iec_password_p1", "iec_password_p2"};
    const char *codes[] = {"96.128.22", "96.128.23"};
    struct obj_value v = {.type = OBJ_T_STRING};
    strcpy(v.s, "Secret42");
    v.len = 8;
    uint32_t pw_crc = crc32_ieee(0, (const uint8_t *)"Secret42", 8);
    for (int k = 0; k < 2; k++) {
        const struct obj_def *d = objtab_find_key(keys[k]);
        assert_non_null(d);
        assert_int_equal(d->kmp_id, 0); /* no KMP register */
        assert_int_equal(obj_write(&o->v.m, d, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_OK);
        struct evlog_iter it;
        struct evlog_rec r, lastr;
        memset(&it, 0, sizeof it);
        memset(&lastr, 0, sizeof lastr);
        while (evlog_next(&o->v.m, &it, &r) == 0)
            lastr = r;
        assert_int_equal(lastr.code, EV_PARAM_CHANGE);
        assert_true((uint32_t)lastr.a != pw_crc && (uint32_t)lastr.b != pw_crc);
        for (int acc = METER_ACC_PUBLIC; acc <= METER_ACC_CAL; acc++) {
            struct obj_value r2;
            if (obj_read(&o->v.m, d, (enum meter_access)acc, &r2) == METER_OK)
                assert_int_equal(r2.len, 0);
        }
    }
    /* a readout list naming them */
    const struct obj_def *l = objtab_find_key("readout_list");
    struct obj_value lv = {.type = OBJ_T_STRING};
    strcpy(lv.s, "96.128.22,96.128.23,1.8.0");
    lv.len = (uint8_t)strlen(lv.s);
    assert_int_equal(obj_write(&o->v.m, l, METER_ACC_MANAGER, &lv, METER_SRC_SIM), METER_OK);
    tx_str(o, "/?!\r\n");
    size_t n = tx_str(o, "\x06" "050\r\n");
    assert_true(has_text(o->cap.buf, n, "1.8.0("));
    assert_false(has_text(o->cap.buf, n, "Secret42"));
    om_advance_ms(o, IEC21_REPEAT_WAIT_MS + 100);
    /* R1 at P1 and at P2, seal intact and broken */
    for (int sw = 0; sw < 2; sw++) {
        o->v.hw.inputs = sw ? METER_IN_CAL_SWITCH : 0;
        for (int lvl = 1; lvl <= 2; lvl++) {
            enter_prog(o);
            tx_cmd(o, lvl == 1 ? "P1" : "P2", "(Secret42)");
            assert_true(reply_is(o, "\x06"));
            for (int k = 0; k < 2; k++) {
                char cmd[32];
                snprintf(cmd, sizeof cmd, "%s()", codes[k]);
                n = tx_cmd(o, "R1", cmd);
                assert_true(n > 0);
                assert_false(has_text(o->cap.buf, n, "Secret"));
                assert_true(reply_has(o, lvl == 1 ? "(ER02)" : "()"));
            }
            tx_cmd(o, "B0", NULL);
        }
    }
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
        cmocka_unit_test(lockout_count_survives_power_fail), cmocka_unit_test(bcc_equal_to_soh),
        cmocka_unit_test(clock_write),      cmocka_unit_test(billing_history),
        cmocka_unit_test(readout_small_tx_room), cmocka_unit_test(readout_while_blocks_arrive),
        cmocka_unit_test(mode_b_switch_after_identification), cmocka_unit_test(nak_repeats_last_message),
        cmocka_unit_test(nak_while_sending_and_sign_on_after), cmocka_unit_test(unsupported_commands_refused),
        cmocka_unit_test(configuration_survives_power_cycle), cmocka_unit_test(passwords_never_readable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
