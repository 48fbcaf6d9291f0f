/* Optical port dispatcher: protocol detection, one session at a time,
 * garbage/half frames/oversize, timeouts, audit events; and legal
 * immutability through every write path of both protocols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registers/evlog.h"
#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/iec62056_21/iec21.h"
#include "proto/kmp/kmp.h"
#include "proto/port.h"

static const char kmp_get_a_plus[] = "80 3F 10 01 00 01 55 A1 0D";

static size_t tx_hex(struct om *o, const char *h)
{
    uint8_t b[512];
    size_t n = hex(h, b);
    return om_tx(o, b, n);
}


static void detection_and_sessions(void **state)
{
    struct om *o = om_new();
    /* KMP by its 0x80: a counted session (no record: legal/audit.h) */
    uint32_t a0 = au_sessions(o), r0 = ev_audit(o);
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    assert_int_equal(o->cap.buf[0], KMP_START_RSP);
    assert_int_equal(au_sessions(o), a0 + 1);
    assert_string_equal(port_session(&o->v.m, METER_LINE_OPTICAL)->drv->name, "kmp");
    /* a second frame in the same session is no new session */
    tx_hex(o, kmp_get_a_plus);
    assert_int_equal(au_sessions(o), a0 + 1);
    /* IEC by its '/' */
    tx_str(o, "/?!\r\n");
    assert_int_equal(o->cap.buf[0], '/');
    assert_int_equal(au_sessions(o), a0 + 2);
    assert_string_equal(port_session(&o->v.m, METER_LINE_OPTICAL)->drv->name, "iec62056-21");
    assert_int_equal(ev_audit(o), r0); /* sessions cost no EEPROM write */
    /* HDLC flag: reserved, silently dropped */
    assert_int_equal(tx_hex(o, "7E A0 07 03 21 93 0F 01 7E"), 0);
    om_free(o);
}

static void one_session_at_a_time(void **state)
{
    struct om *o = om_new();
    tx_str(o, "/?!\r\n");
    tx_str(o, "\x06"
              "051\r\n");
    assert_int_equal(o->cap.buf[0], 0x01);
    /* KMP during an IEC programming session: ignored */
    assert_int_equal(tx_hex(o, kmp_get_a_plus), 0);
    tx_cmd(o, "B0", NULL);
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    om_free(o);
}

static void half_frames_and_resync(void **state)
{
    struct om *o = om_new();
    /* half frame, then silence longer than the inter-character timeout */
    assert_int_equal(tx_hex(o, "80 3F 10 01"), 0);
    om_advance_ms(o, 2000);
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    /* half frame directly followed by a new frame: resynchronised on 0x80 */
    assert_true(tx_hex(o, "80 3F 10 80 3F 10 01 00 01 55 A1 0D") > 0);
    /* bytes split across calls */
    assert_int_equal(tx_hex(o, "80 3F 10 01"), 0);
    assert_true(tx_hex(o, "00 01 55 A1 0D") > 0);
    /* IEC sign-on split over calls */
    assert_int_equal(tx_str(o, "/?"), 0);
    assert_true(tx_str(o, "!\r\n") > 0);
    om_free(o);
}

static void oversized_and_corrupt(void **state)
{
    struct om *o = om_new();
    uint8_t big[600];
    big[0] = 0x80;
    for (size_t i = 1; i < sizeof big - 1; i++)
        big[i] = (uint8_t)(0x20 + i % 64);
    big[sizeof big - 1] = 0x0D;
    assert_int_equal(om_tx(o, big, sizeof big), 0);
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    /* wrong CRC */
    assert_int_equal(tx_hex(o, "80 3F 10 01 00 01 55 A2 0D"), 0);
    /* oversized IEC sign-on */
    char s[400];
    s[0] = '/';
    memset(s + 1, '?', sizeof s - 1);
    assert_int_equal(om_tx(o, s, sizeof s), 0);
    assert_int_equal(tx_str(o, "\r\n"), 0);
    assert_true(tx_str(o, "/?!\r\n") > 0);
    om_free(o);
}

static void timeouts(void **state)
{
    struct om *o = om_new();
    tx_str(o, "/?!\r\n");
    tx_str(o, "\x06"
              "051\r\n");
    assert_int_equal(o->cap.baud, 9600);
    om_advance_ms(o, 60000);
    assert_int_equal(o->cap.baud, 9600); /* still in programming mode */
    om_advance_ms(o, 61000);
    assert_int_equal(o->cap.baud, 300); /* inactivity: back to the sign-on line */
    assert_null(port_session(&o->v.m, METER_LINE_OPTICAL)->drv);
    assert_int_equal(tx_cmd(o, "P1", "(00000000)"), 0);
    /* mode C without the option select: the session ends after 5 s */
    tx_str(o, "/?!\r\n");
    om_advance_ms(o, 6000);
    assert_null(port_session(&o->v.m, METER_LINE_OPTICAL)->drv);
    assert_int_equal(tx_str(o, "\x06"
                               "050\r\n"),
                     0);
    /* KMP session ends after 10 s: the next frame opens a new counted one */
    tx_hex(o, kmp_get_a_plus);
    uint32_t a1 = au_sessions(o);
    tx_hex(o, kmp_get_a_plus);
    assert_int_equal(au_sessions(o), a1);
    om_advance_ms(o, 11000);
    assert_null(port_session(&o->v.m, METER_LINE_OPTICAL)->drv);
    tx_hex(o, kmp_get_a_plus);
    assert_int_equal(au_sessions(o), a1 + 1);
    assert_string_equal(port_session(&o->v.m, METER_LINE_OPTICAL)->drv->name, "kmp");
    om_free(o);
}

/* xorshift: reproducible noise */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void noise_changes_nothing(void **state)
{
    struct om *o = om_new();
    om_load(o, 100, 1000000);
    struct energy e0 = o->v.m.energy;
    struct iec21_cfg c0 = o->v.m.proto.iec.cfg;
    int64_t now0 = o->v.m.now;
    uint32_t s = 12345;
    uint8_t b[256];
    for (int round = 0; round < 2000; round++) {
        size_t n = rnd(&s) % sizeof b;
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)rnd(&s);
        meter_port_rx(&o->v.m, 0, b, n);
        if (round % 100 == 0)
            om_advance_ms(o, 3000);
    }
    assert_memory_equal(&o->v.m.energy, &e0, sizeof e0);
    assert_memory_equal(&o->v.m.proto.iec.cfg, &c0, sizeof c0);
    assert_int_equal(o->v.m.now, now0);
    assert_int_equal(ev_count(o, EV_PARAM_CHANGE, METER_SRC_OPTICAL_IEC), 0);
    assert_int_equal(ev_count(o, EV_PARAM_CHANGE, METER_SRC_OPTICAL_KMP), 0);
    /* the port still works afterwards */
    om_advance_ms(o, 20000);
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    assert_int_equal(meter_port_rx(&o->v.m, 200, b, 1), METER_ENOTSUP);
    om_free(o);
}

/* ---- legal immutability -------------------------------------------------------- */

struct legal_snap {
    struct obj_value v[64];
    const struct obj_def *o[64];
    size_t n;
};

static void snap_legal(struct om *o, struct legal_snap *s)
{
    s->n = 0;
    for (size_t i = 0; i < objtab_count() && s->n < 64; i++) {
        const struct obj_def *d = objtab_at(i);
        if (!(d->flags & OBJ_F_LEGAL))
            continue;
        s->o[s->n] = d;
        /* the raw getter: full internal resolution, not the billing view */
        memset(&s->v[s->n], 0, sizeof s->v[s->n]);
        assert_int_equal(d->get(&o->v.m, d, &s->v[s->n]), METER_OK);
        s->n++;
    }
}

static bool same(const struct obj_value *a, const struct obj_value *b)
{
    return a->type == b->type && a->i == b->i && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static void short_code(const struct obj_def *d, char *buf)
{
    sprintf(buf, "%u.%u.%u", d->ln.v[2], d->ln.v[3], d->ln.v[4]);
    if (d->ln.v[5] != 255)
        sprintf(buf + strlen(buf), "*%02u", d->ln.v[5]);
}

/* The refusal was counted (legal/audit.h: refusals are counters, not
 * records a client could push others out with), the newest from src. */
static bool audited_denial(const struct om *o, uint32_t before, unsigned src)
{
    return au_refused(o, before, src);
}

/* Every write path of both protocols on one legal row, at the highest
 * level each protocol grants. Returns how many attempts were refused. */
static unsigned attack_row(struct om *o, const struct obj_def *d)
{
    static const char *const values[] = {"0", "1", "12345678", "0.01", "-1", "99999999.99", "trimeter 9.9"};
    unsigned refused = 0;
    char code[24], data[64];
    short_code(d, code);
    /* IEC W1 at P2 */
    tx_str(o, "/?!\r\n");
    tx_str(o, "\x06"
              "051\r\n");
    tx_cmd(o, "P2", "(22222222)");
    assert_int_equal(o->cap.buf[0], 0x06);
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        sprintf(data, "%s(%s)", code, values[k]);
        uint32_t a0 = au_refusals(o);
        tx_cmd(o, "W1", data);
        if (o->cap.n > 0 && o->cap.buf[0] == 0x02 && audited_denial(o, a0, METER_SRC_OPTICAL_IEC))
            refused++;
    }
    tx_cmd(o, "B0", NULL);
    om_advance_ms(o, 11000); /* let any session end */
    /* KMP PutRegister in every unit code the meter uses */
    if (d->kmp_id != 0) {
        static const uint8_t units[] = {0x00, 0x02, 0x0E, 0x16, 0x1A, 0x21, 0x22, 0x2E, 0x2F, 0x30, 0x33};
        for (size_t u = 0; u < sizeof units; u++) {
            uint8_t dl[KMP_DL_MAX] = {0x3F, 0x11, 0x01, (uint8_t)(d->kmp_id >> 8), (uint8_t)d->kmp_id, units[u],
                                      0x04, 0x42, 0x00, 0x00, 0x30, 0x39};
            uint8_t phys[KMP_PHYS_MAX], rep[KMP_DL_MAX];
            int k = kmp_frame_encode(KMP_START_REQ, dl, 12, sizeof dl, phys, sizeof phys);
            uint32_t a0 = au_refusals(o);
            om_tx(o, phys, (size_t)k);
            int r = kmp_frame_decode(KMP_START_RSP, o->cap.buf, o->cap.n, rep, sizeof rep);
            if (r == 2 && audited_denial(o, a0, METER_SRC_OPTICAL_KMP)) /* answered without it: not written */
                refused++;
        }
    }
    return refused;
}

static void legal_rows_refuse_every_write_path(void **state)
{
    struct om *o = om_new();
    om_load(o, 600, 2000000);
    struct legal_snap before, after;
    snap_legal(o, &before);
    assert_true(before.n >= 13); /* energies, tariffs, firmware id at least */
    /* seal intact: every legal row; seal broken: every legal register
     * (no setter) — refused, audited, and no legal value moves at all */
    for (int sw = 0; sw < 2; sw++) {
        o->v.hw.inputs = sw ? METER_IN_CAL_SWITCH : 0;
        for (size_t i = 0; i < before.n; i++) {
            const struct obj_def *d = before.o[i];
            if (sw && d->set != NULL)
                continue;
            unsigned refused = attack_row(o, d);
            assert_int_equal(refused, 7u + (d->kmp_id ? 11u : 0u));
        }
        snap_legal(o, &after);
        for (size_t i = 0; i < before.n; i++)
            assert_true(same(&before.v[i], &after.v[i]));
    }
    assert_int_equal(ev_count(o, EV_LEGAL_PARAM_CHANGE, METER_SRC_OPTICAL_IEC) +
                         ev_count(o, EV_LEGAL_PARAM_CHANGE, METER_SRC_OPTICAL_KMP),
                     0);
    om_free(o);
}

/* With the seal broken a legal parameter that has a setter can change
 * through P2, and it is audited as a legal change; with the seal intact
 * the same write is refused. */
static void legal_parameter_needs_the_seal(void **state)
{
    struct om *o = om_new();
    const struct obj_def *d = NULL;
    for (size_t i = 0; i < objtab_count() && d == NULL; i++) {
        const struct obj_def *r = objtab_at(i);
        struct obj_value v;
        if ((r->flags & OBJ_F_LEGAL) && r->set != NULL && obj_read(&o->v.m, r, METER_ACC_CAL, &v) == 0 &&
            (v.type == OBJ_T_UINT || v.type == OBJ_T_INT) && r->wr <= METER_ACC_CAL)
            d = r;
    }
    if (d == NULL) {
        om_free(o);
        skip(); /* no legal parameter with a setter in this firmware */
    }
    struct obj_value v0, v1;
    assert_int_equal(obj_read(&o->v.m, d, METER_ACC_CAL, &v0), METER_OK);
    char code[24], data[64];
    short_code(d, code);
    sprintf(data, "%s(%lld)", code, (long long)v0.i + 1);
    for (int sw = 0; sw < 2; sw++) {
        o->v.hw.inputs = sw ? METER_IN_CAL_SWITCH : 0;
        tx_str(o, "/?!\r\n");
        tx_str(o, "\x06"
                  "051\r\n");
        tx_cmd(o, "P2", "(22222222)");
        uint32_t a0 = ev_metro(o);
        tx_cmd(o, "W1", data);
        assert_int_equal(obj_read(&o->v.m, d, METER_ACC_CAL, &v1), METER_OK);
        if (!sw) {
            assert_int_equal(o->cap.buf[0], 0x02); /* (ER02) */
            assert_int_equal(v1.i, v0.i);
        } else {
            assert_int_equal(o->cap.buf[0], 0x06);
            assert_int_equal(v1.i, v0.i + 1);
            assert_true(ev_metro(o) > a0); /* the metrological log */
            assert_true(ev_newest(o, EV_LEGAL_PARAM_CHANGE, METER_SRC_OPTICAL_IEC));
        }
        tx_cmd(o, "B0", NULL);
    }
    om_free(o);
}

/* With the calibration switch closed a P2 session acts at METER_ACC_CAL
 * (the only way a legal parameter with a setter could change); with it
 * open, at MANAGER. */
static void access_levels(void **state)
{
    struct om *o = om_new();
    struct session *s = port_session(&o->v.m, METER_LINE_OPTICAL);
    s->access = METER_ACC_MANAGER;
    assert_int_equal(session_access(&o->v.m, s), METER_ACC_MANAGER);
    s->access = METER_ACC_READER;
    assert_int_equal(session_access(&o->v.m, s), METER_ACC_READER);
    o->v.hw.inputs = METER_IN_CAL_SWITCH;
    s->access = METER_ACC_MANAGER;
    assert_int_equal(session_access(&o->v.m, s), METER_ACC_CAL);
    s->access = METER_ACC_READER;
    assert_int_equal(session_access(&o->v.m, s), METER_ACC_READER);
    om_free(o);
}

/* ---- transmission and listening ------------------------------------------------ */

/* A KMP answer through a port taking 16 bytes per pass: the same frame as
 * unlimited, handed over in steps; a request arriving meanwhile is not
 * heard (half-duplex), the next one is served. */
static void kmp_answer_small_room(void **state)
{
    static const char req8[] = "80 3F 10 08 00 01 00 02 00 03 00 04 04 1E 04 1F 04 20 03 E9";
    struct om *a = om_new(), *b = om_new();
    uint8_t f[64], ph[KMP_PHYS_MAX];
    size_t n = hex(req8, f);
    uint8_t dl[KMP_DL_MAX];
    memcpy(dl, f + 1, n - 1);
    int k = kmp_frame_encode(KMP_START_REQ, dl, n - 1, sizeof dl, ph, sizeof ph);
    assert_true(k > 0);
    size_t na = om_tx(a, ph, (size_t)k);
    assert_true(na > 40);
    b->cap.limit = 16;
    assert_int_equal(om_tx(b, ph, (size_t)k), 16);
    size_t before = b->cap.n;
    meter_port_rx(&b->v.m, 0, ph, (size_t)k); /* while answering: not heard */
    assert_int_equal(b->cap.n, before);
    for (int i = 0; i < 20 && b->cap.n < na; i++)
        om_advance_ms(b, 10);
    assert_int_equal(b->cap.n, na);
    assert_memory_equal(b->cap.buf, a->cap.buf, na);
    assert_int_equal(b->cap.overruns, 0);
    om_advance_ms(b, 10);
    assert_int_equal(b->cap.n, na); /* the dropped request got no answer */
    assert_int_equal(om_tx(b, ph, (size_t)k), 16);
    om_free(a);
    om_free(b);
}

/* Line errors between sessions switch the listening framing: IEC 300 7E1
 * <-> KMP 9600 8N1 (docs/PROTOCOLS.md, "How the Cortex-M UART listens"). */
static void line_errors_switch_listening(void **state)
{
    struct om *o = om_new();
    const struct session *d = port_session(&o->v.m, METER_LINE_OPTICAL);
    unsigned c = o->cap.configs;
    assert_int_equal(d->listen, 0); /* right after boot: the IEC framing */
    /* a KMP master at 9600 8N1: its frame arrives as errors at 300 7E1 */
    meter_port_line_error(&o->v.m, 0);
    assert_int_equal(o->cap.configs, c + 1);
    assert_int_equal(o->cap.baud, 9600);
    assert_int_equal(o->cap.framing, METER_FRAMING_8N1);
    meter_port_line_error(&o->v.m, 0); /* the same burst: no switch back */
    assert_int_equal(o->cap.configs, c + 1);
    /* its repeated request is served at 9600 8N1 */
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    assert_int_equal(o->cap.buf[0], KMP_START_RSP);
    om_advance_ms(o, 5000);
    assert_int_equal(o->cap.baud, 9600); /* the KMP session goes on */
    assert_true(tx_hex(o, kmp_get_a_plus) > 0);
    om_advance_ms(o, 10000 + 100);
    assert_null(port_session(&o->v.m, METER_LINE_OPTICAL)->drv); /* session over: the default framing */
    assert_int_equal(o->cap.configs, c + 2);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(o->cap.framing, METER_FRAMING_7E1);
    /* a false alarm: nobody speaks KMP, back after the KMP session time */
    om_advance_ms(o, 1000);
    meter_port_line_error(&o->v.m, 0);
    assert_int_equal(o->cap.baud, 9600);
    om_advance_ms(o, 10000 + 100);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(o->cap.configs, c + 4);
    /* an IEC sign-on at 300 Bd while listening at 9600: errors -> 300 7E1 */
    om_advance_ms(o, 1000);
    meter_port_line_error(&o->v.m, 0);
    om_advance_ms(o, 500 + 10);
    meter_port_line_error(&o->v.m, 0);
    assert_int_equal(o->cap.baud, 300);
    assert_int_equal(o->cap.framing, METER_FRAMING_7E1);
    assert_int_equal(o->cap.configs, c + 6);
    /* a sign-on heard in the KMP framing (bytes are bytes on the host): the
     * line goes to 300 7E1 before the identification */
    om_advance_ms(o, 1000);
    meter_port_line_error(&o->v.m, 0);
    assert_int_equal(o->cap.baud, 9600);
    size_t t0 = o->cap.total;
    assert_int_equal(tx_str(o, "/?!\r\n"), 18);
    assert_int_equal(o->cap.configs, c + 8);
    assert_int_equal(o->cap.cfg_baud[c + 7], 300);
    assert_int_equal(o->cap.cfg_at[c + 7], t0);
    assert_int_equal(o->cap.framing, METER_FRAMING_7E1);
    /* inside an IEC session errors are noise; other ports are not served */
    om_advance_ms(o, 1000);
    meter_port_line_error(&o->v.m, 0);
    meter_port_line_error(&o->v.m, 1);
    assert_int_equal(o->cap.configs, c + 8);
    assert_int_equal(tx_str(o, "\x06" "051\r\n") > 0, 1);
    assert_int_equal(o->cap.baud, 9600);
    assert_int_equal(o->cap.framing, METER_FRAMING_7E1);
    om_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detection_and_sessions),
        cmocka_unit_test(one_session_at_a_time),
        cmocka_unit_test(half_frames_and_resync),
        cmocka_unit_test(oversized_and_corrupt),
        cmocka_unit_test(timeouts),
        cmocka_unit_test(noise_changes_nothing),
        cmocka_unit_test(legal_rows_refuse_every_write_path),
        cmocka_unit_test(legal_parameter_needs_the_seal),
        cmocka_unit_test(access_levels),
        cmocka_unit_test(kmp_answer_small_room),
        cmocka_unit_test(line_errors_switch_listening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
