/* The M-Bus and wM-Bus drivers on their lines of a virtual meter: bytes in
 * pieces, stray bytes, stale half frames, baud changes in order with the
 * ACK, the session timeout, the primary address set by the master (audited,
 * persisted, bounded), the configured listening rate, and the radio's
 * telegrams every interval with a counter that survives power cycles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/mbus/mbus.h"
#include "proto/port.h"
#include "proto/wmbus/wmbus.h"

struct md {
    struct om *o;
    struct cap mb, wm; /* sinks of the M-Bus and wM-Bus lines */
};

static struct md *md_new(void)
{
    struct md *d = calloc(1, sizeof *d);
    d->o = om_new();
    d->o->v.m.serial = 12345678;
    struct host_hw *hw = &d->o->v.hw;
    hw->port[METER_LINE_MBUS].ctx = &d->mb;
    hw->port[METER_LINE_MBUS].write = cap_write;
    hw->port[METER_LINE_MBUS].config = cap_config;
    hw->port[METER_LINE_MBUS].room = cap_room;
    hw->port[METER_LINE_WMBUS].ctx = &d->wm;
    hw->port[METER_LINE_WMBUS].write = cap_write;
    meter_port_open(&d->o->v.m, METER_LINE_MBUS);
    return d;
}

static void md_free(struct md *d)
{
    om_free(d->o);
    free(d);
}

/* Bytes on the M-Bus line (one call each piece); the answer since. */
static size_t mb_tx(struct md *d, const uint8_t *b, size_t n)
{
    d->mb.n = 0;
    meter_port_rx(&d->o->v.m, METER_LINE_MBUS, b, n);
    return d->mb.n;
}

static size_t mb_short(struct md *d, uint8_t c, uint8_t a)
{
    uint8_t f[5] = {0x10, c, a, (uint8_t)(c + a), 0x16};
    return mb_tx(d, f, 5);
}

static size_t mb_long(struct md *d, uint8_t c, uint8_t a, uint8_t ci, const uint8_t *data, size_t n)
{
    uint8_t f[MBUS_FRAME_MAX];
    int k = mbus_frame_long(c, a, ci, data, n, f, sizeof f);
    assert_true(k > 0);
    return mb_tx(d, f, (size_t)k);
}

static void pieces_and_noise(void **state)
{
    (void)state;
    struct md *d = md_new();
    /* byte by byte, after stray bytes and a broken long header */
    const uint8_t junk[] = {0x00, 0xFF, 0x68, 0x05, 0x07, 0x68, 0x55};
    assert_int_equal(mb_tx(d, junk, sizeof junk), 0);
    const uint8_t nke[5] = {0x10, 0x40, 0x01, 0x41, 0x16};
    size_t got = 0;
    for (int i = 0; i < 5; i++)
        got += mb_tx(d, nke + i, 1);
    assert_int_equal(got, 1);
    assert_int_equal(d->mb.buf[0], 0xE5);
    /* a REQ_UD2 glued to garbage, in one piece */
    uint8_t two[12] = {0x33, 0x10, 0x7B, 0x01, 0x7C, 0x16};
    size_t n = mb_tx(d, two, 6);
    struct mbus_frame f;
    assert_true(n > 9);
    assert_int_equal(mbus_frame_parse(d->mb.buf, n, &f), 0);
    assert_int_equal(f.c, MBUS_C_RSP_UD);
    /* a half frame that went stale is dropped: its rest alone is no frame */
    assert_int_equal(mb_tx(d, nke, 3), 0);
    om_advance_ms(d->o, 1500);
    assert_int_equal(mb_tx(d, nke + 3, 2), 0);
    /* bad checksum, foreign address: silence */
    const uint8_t bad[5] = {0x10, 0x40, 0x01, 0x42, 0x16};
    assert_int_equal(mb_tx(d, bad, 5), 0);
    assert_int_equal(mb_short(d, 0x40, 9), 0);
    assert_int_equal(mb_short(d, 0x40, 1), 1);
    md_free(d);
}

/* A secondary scan is mostly selections that match nobody (no answer):
 * valid frames all the same, so neither the session (60 s) nor the
 * connection is ended as idle (libmbus's scan lost its TCP connection
 * after 60 s before). */
static void scan_keeps_the_connection(void **state)
{
    (void)state;
    struct md *d = md_new();
    const uint8_t other[8] = {0xFF, 0xFF, 0xFF, 0x9F, 0xFF, 0xFF, 0xFF, 0xFF};
    for (int i = 0; i < 70; i++) { /* past the session's 60 s and the idle time */
        assert_int_equal(mb_long(d, 0x53, 253, MBUS_CI_SELECT, other, 8), 0);
        om_advance_ms(d->o, 1000);
    }
    const struct session *se = port_session_c(&d->o->v.m, METER_LINE_MBUS);
    assert_true(se->flags & SESSION_F_CONNECTED);
    const uint8_t mine[8] = {0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(mb_long(d, 0x53, 253, MBUS_CI_SELECT, mine, 8), 1);
    /* broken frames alone do not keep it */
    const uint8_t bad[5] = {0x10, 0x40, 0x01, 0x42, 0x16};
    for (int i = 0; i < 70; i++) {
        mb_tx(d, bad, 5);
        om_advance_ms(d->o, 1000);
    }
    assert_false(se->flags & SESSION_F_CONNECTED);
    md_free(d);
}

static void baud_change_and_timeout(void **state)
{
    (void)state;
    struct md *d = md_new();
    unsigned c0 = d->mb.configs;
    const struct session *se = port_session_c(&d->o->v.m, METER_LINE_MBUS);
    assert_non_null(se);
    assert_int_equal(se->line_baud, 2400); /* listening at the factory rate (set at boot) */
    assert_int_equal(se->line_framing, METER_FRAMING_8E1);
    d->mb.total = 0;
    assert_int_equal(mb_long(d, 0x53, 1, 0xBB, NULL, 0), 1); /* B8 + 3 = 2400: no change */
    assert_int_equal(d->mb.configs, c0);
    assert_int_equal(mb_long(d, 0x53, 1, 0xBD, NULL, 0), 1); /* 9600 */
    assert_true(d->mb.configs > c0);
    assert_int_equal(d->mb.cfg_baud[(d->mb.configs - 1) % 16], 9600);
    assert_int_equal(d->mb.cfg_at[(d->mb.configs - 1) % 16], 2); /* after the second ACK */
    /* the session ends after 60 s without a valid frame: back to listening */
    om_advance_ms(d->o, 61000);
    assert_int_equal(d->mb.baud, 2400);
    md_free(d);
}

static void master_sets_address(void **state)
{
    (void)state;
    struct md *d = md_new();
    const uint8_t rec[3] = {0x01, 0x7A, 42};
    assert_true(mb_short(d, 0x7B, 1) > 9); /* a telegram kept for a repeat (FCB 1) */
    uint32_t a0 = ev_audit(d->o);
    assert_int_equal(mb_long(d, 0x53, 1, MBUS_CI_DATA_SEND, rec, 3), 1);
    assert_int_equal(d->o->v.m.proto.mbus.cfg.primary, 42);
    assert_true(ev_audit(d->o) > a0);
    assert_true(ev_newest(d->o, EV_PARAM_CHANGE, METER_SRC_MBUS));
    /* the same FCB at the new address: never the kept telegram with the
     * old address in it (found by fuzz_mbus) */
    size_t n = mb_short(d, 0x7B, 42);
    assert_true(n > 9);
    assert_int_equal(d->mb.buf[5], 42);
    assert_int_equal(mb_short(d, 0x40, 1), 0);
    assert_int_equal(mb_short(d, 0x40, 42), 1);
    /* persisted */
    om_reboot(d->o);
    assert_int_equal(d->o->v.m.proto.mbus.cfg.primary, 42);
    meter_port_open(&d->o->v.m, METER_LINE_MBUS);
    assert_int_equal(mb_short(d, 0x40, 42), 1);
    /* bounded: MBUS_ADDR_WRITES_MAX changes per power-up, then refused */
    unsigned ok = 0;
    uint8_t a = 42;
    for (unsigned i = 0; i < MBUS_ADDR_WRITES_MAX + 4; i++) {
        uint8_t r2[3] = {0x01, 0x7A, (uint8_t)(a == 42 ? 43 : 42)};
        if (mb_long(d, 0x53, a, MBUS_CI_DATA_SEND, r2, 3) == 1) {
            ok++;
            a = r2[2];
        }
    }
    assert_int_equal(ok, MBUS_ADDR_WRITES_MAX);
    /* the same address again: acknowledged, nothing written */
    uint32_t a1 = ev_audit(d->o);
    uint8_t same[3] = {0x01, 0x7A, a};
    assert_int_equal(mb_long(d, 0x53, a, MBUS_CI_DATA_SEND, same, 3), 1);
    assert_int_equal(ev_audit(d->o), a1);
    md_free(d);
}

static void configured_rate_and_layout(void **state)
{
    (void)state;
    struct md *d = md_new();
    const struct obj_def *o = objtab_find_key("mbus_baud");
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    v.i = 9600;
    /* nobody talking: the line listens at the new rate at once */
    assert_int_equal(obj_write(&d->o->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), 0);
    assert_int_equal(d->mb.baud, 9600);
    v.i = 1000;
    assert_int_equal(obj_write(&d->o->v.m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM), METER_ERANGE);
    /* read-only for the public */
    v.i = 300;
    assert_int_equal(obj_write(&d->o->v.m, o, METER_ACC_PUBLIC, &v, METER_SRC_SIM), METER_EACCES);
    /* the manufacturer setting changes the header */
    const struct obj_def *man = objtab_find_key("mbus_manufacturer");
    assert_non_null(man);
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_STRING;
    v.len = 3;
    memcpy(v.s, "KAM", 3);
    assert_int_equal(obj_write(&d->o->v.m, man, METER_ACC_MANAGER, &v, METER_SRC_SIM), 0);
    size_t n = mb_short(d, 0x7B, 1);
    assert_true(n > 9);
    assert_int_equal(d->mb.buf[11], 0x2D);
    assert_int_equal(d->mb.buf[12], 0x2C);
    /* the key is never readable */
    const struct obj_def *k = objtab_find_key("wmbus_key");
    assert_non_null(k);
    assert_int_equal(obj_read(&d->o->v.m, k, METER_ACC_READER, &v), METER_EACCES);
    assert_int_equal(obj_read(&d->o->v.m, k, METER_ACC_MANAGER, &v), 0);
    assert_int_equal(v.len, 0);
    md_free(d);
}

static void radio_interval_and_counter(void **state)
{
    (void)state;
    struct md *d = md_new();
    uint32_t last_sn = 0;
    unsigned frames = 0;
    for (int s = 0; s < 64; s++) {
        d->wm.n = 0;
        om_load(d->o, 1, 1000);
        if (d->wm.n == 0)
            continue;
        uint8_t t[WMBUS_TEL_MAX];
        int tn = wmbus_unframe_b(d->wm.buf, d->wm.n, t, sizeof t); /* C1: format B */
        assert_true(tn > 0);
        uint32_t sn = (uint32_t)t[13] | (uint32_t)t[14] << 8 | (uint32_t)t[15] << 16 | (uint32_t)t[16] << 24;
        assert_true(frames == 0 || sn > last_sn);
        last_sn = sn;
        frames++;
    }
    assert_int_equal(frames, 4); /* 64 s at 16 s */
    om_reboot(d->o);
    d->wm.n = 0;
    for (int s = 0; s < 2 && d->wm.n == 0; s++)
        om_load(d->o, 1, 1000);
    uint8_t t[WMBUS_TEL_MAX];
    int tn = wmbus_unframe_b(d->wm.buf, d->wm.n, t, sizeof t);
    assert_true(tn > 0);
    uint32_t sn = (uint32_t)t[13] | (uint32_t)t[14] << 8 | (uint32_t)t[15] << 16 | (uint32_t)t[16] << 24;
    assert_true(sn > last_sn); /* never repeats across the power cycle */
    md_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pieces_and_noise),       cmocka_unit_test(baud_change_and_timeout),
        cmocka_unit_test(scan_keeps_the_connection),
        cmocka_unit_test(master_sets_address),    cmocka_unit_test(configured_rate_and_layout),
        cmocka_unit_test(radio_interval_and_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
