/*
 * test_han_push.c — the meter's HAN push driver on METER_LINE_HAN: frames
 * decoded by the bridge's decoder give the object table's values (plain and
 * encrypted), frames made a piece at a time through a small TX room are the
 * same bytes, a value that changes length mid-frame spoils that frame only,
 * the schedule (period on the local clock, communication window,
 * randomisation), the Push setup rows (refusals, write-only keys, kept
 * across a power cycle), invocation counters never repeating across power
 * cycles, and no EEPROM record per push.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "han_aes.h"
#include "han_rx.h"
#include "proto/han/han.h"
#include "registers/evlog.h"
#include "vmeter.h"

/* 2026-03-28 22:59:30 UTC = 00:59:30 local (the factory zone: +02:00,
 * EU summer time from the next night at 01:00 UTC). */
#define T0 1774738770LL

/* ---- the HAN line: a sink that keeps what the meter sends ---------------- */

struct line {
    uint8_t buf[16384];
    size_t n;
    unsigned hangups;
    size_t room;      /* what the "UART" takes until the next poll */
    bool limited;
};

static size_t line_write(void *ctx, unsigned ln, const uint8_t *b, size_t len)
{
    struct line *l = ctx;
    assert_int_equal(ln, METER_LINE_HAN);
    if (l->limited)
        assert_true(len <= l->room); /* the driver never writes more than offered */
    assert_true(l->n + len <= sizeof l->buf);
    memcpy(l->buf + l->n, b, len);
    l->n += len;
    if (l->limited)
        l->room -= len;
    return len;
}

static size_t line_room(void *ctx, unsigned ln)
{
    struct line *l = ctx;
    (void)ln;
    return l->limited ? l->room : SIZE_MAX;
}

static void line_hangup(void *ctx, unsigned ln)
{
    struct line *l = ctx;
    (void)ln;
    l->hangups++;
}

static void boot(struct vmeter *v, uint8_t *nvm, struct line *l, int64_t t)
{
    assert_int_equal(vmeter_boot(v, nvm, VMETER_NVM_SIZE, t), 0);
    memset(l, 0, sizeof *l);
    v->hw.port[METER_LINE_HAN].ctx = l;
    v->hw.port[METER_LINE_HAN].write = line_write;
    v->hw.port[METER_LINE_HAN].room = line_room;
    v->hw.port[METER_LINE_HAN].hangup = line_hangup;
}

static uint8_t *fresh_nvm(void)
{
    static uint8_t nvm[VMETER_NVM_SIZE];
    memset(nvm, 0xFF, sizeof nvm);
    return nvm;
}

/* ---- the bridge's decoder ------------------------------------------------- */

struct got {
    unsigned lists, problems;
    int last_problem;
    struct han_list l[8];
};

static void got_list(void *ctx, const struct han_list *l)
{
    struct got *g = ctx;
    if (g->lists < 8)
        g->l[g->lists] = *l;
    g->lists++;
}

static void got_problem(void *ctx, enum han_problem p, const char *detail)
{
    struct got *g = ctx;
    (void)detail;
    g->problems++;
    g->last_problem = (int)p;
}

static struct han_rx rx;
static struct got g;

static void rx_start(const struct han_key *key)
{
    memset(&g, 0, sizeof g);
    struct han_rx_ops ops = {.ctx = &g, .list = got_list, .problem = got_problem};
    han_rx_init(&rx, &ops);
    han_rx_set_key(&rx, key);
}

/* Every value of a decoded list equals the object table's now. */
static unsigned check_values(const struct meter *m, const struct han_list *hl)
{
    unsigned checked = 0;
    for (unsigned i = 0; i < hl->n; i++) {
        const struct han_value *hv = &hl->v[i];
        struct obis ln = OBIS(hv->ln[0], 0, hv->ln[2], hv->ln[3], hv->ln[4], 255);
        const struct obj_def *o = objtab_find(&ln);
        assert_non_null(o);
        struct obj_value ov;
        assert_int_equal(obj_read(m, o, METER_ACC_PUBLIC, &ov), 0);
        if (ov.type == OBJ_T_STRING) {
            assert_int_equal(hv->len, ov.len);
            assert_memory_equal(hv->text, ov.s, ov.len);
        } else if (ov.type == OBJ_T_DATETIME) {
            assert_int_equal(hv->time - (-hv->deviation) * 60, ov.i); /* local - offset = UTC */
        } else {
            assert_int_equal(hv->raw, obj_value_at_scaler(&ov, hv->scaler));
        }
        checked++;
    }
    return checked;
}

static int write_row(struct meter *m, const char *key, const char *text, int64_t num, bool is_text)
{
    const struct obj_def *o = objtab_find_key(key);
    assert_non_null(o);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    if (is_text) {
        v.type = OBJ_T_STRING;
        v.len = (uint8_t)strlen(text);
        memcpy(v.s, text, v.len);
    } else {
        v.type = OBJ_T_UINT;
        v.i = num;
    }
    return obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_SIM);
}

static const char *read_row(const struct meter *m, const char *key, enum meter_access acc, int *err)
{
    static char out[OBJ_STR_MAX + 1];
    const struct obj_def *o = objtab_find_key(key);
    if (o == NULL)
        o = objtab_find_str(key); /* rows without a key: by OBIS code */
    assert_non_null(o);
    struct obj_value v;
    *err = obj_read(m, o, acc, &v);
    if (*err < 0)
        return NULL;
    if (v.type == OBJ_T_STRING) {
        memcpy(out, v.s, v.len);
        out[v.len] = '\0';
    } else {
        snprintf(out, sizeof out, "%lld", (long long)v.i);
    }
    return out;
}

/* ---- tests ------------------------------------------------------------------ */

/* The factory setups over 31 s from 00:59:30: 10-s lists at :40 :50 :00
 * and the hourly list at 01:00:00, each decoded when it went out to the
 * values the table has at that moment. */
static void test_factory_lists(void **state)
{
    (void)state;
    static struct vmeter v;
    static struct line l;
    boot(&v, fresh_nvm(), &l, T0);
    rx_start(NULL);
    struct meas_block blk = vmeter_block_kw(7.3);
    unsigned lists = 0, tens = 0, hours = 0;
    size_t fed = 0;
    for (int s = 0; s < 31; s++) {
        vmeter_step_block(&v, &blk);
        han_rx_feed(&rx, l.buf + fed, l.n - fed);
        fed = l.n;
        for (; lists < g.lists; lists++) {
            const struct han_list *hl = &g.l[lists];
            assert_string_equal(hl->id, "trimeter_V0001");
            assert_true(hl->known);
            assert_false(hl->ciphered);
            assert_int_equal(hl->invoke_id, lists);
            unsigned n = check_values(&v.m, hl);
            if (n == 2 + 10)
                tens++;
            else if (n == 2 + 10 + 5)
                hours++;
            else
                fail_msg("list of %u values", n);
        }
    }
    assert_int_equal(g.problems, 0);
    assert_int_equal(tens, 3); /* :40, :50, :00 (the first poll is at :31) */
    assert_int_equal(hours, 1);
    int err;
    assert_string_equal(read_row(&v.m, "han_push1_list", METER_ACC_PUBLIC, &err),
                        "0.2.129,96.1.0+,96.1.1+,1-1:1.7.0+,1-1:2.7.0+,1-1:3.7.0+,1-1:4.7.0+,1-1:31.7.0+,1-1:51.7.0+,"
                        "1-1:71.7.0+,1-1:32.7.0+,1-1:52.7.0+,1-1:72.7.0+");
}

/* Push both lists now, poll until the line is quiet; the line's TX room is
 * `room` bytes per poll (0: unlimited). */
static void push_both(struct vmeter *v, struct line *l, size_t room)
{
    l->limited = room != 0;
    assert_int_equal(han_push_now(&v->m, 0), 0);
    assert_int_equal(han_push_now(&v->m, 1), 0);
    size_t before = SIZE_MAX;
    for (int k = 0; k < 2000 && l->n != before; k++) {
        for (int q = 0; q < 3; q++) { /* a few quiet polls: both frames out */
            before = l->n;
            l->room = room;
            meter_poll(&v->m);
            if (l->n != before)
                q = -1;
        }
    }
    l->limited = false;
}

/* Made a piece at a time through a 7-byte room, the frames are the same
 * bytes as through an unlimited one (two meters in the same state). */
static void test_pieces(void **state)
{
    (void)state;
    static struct vmeter a, b;
    static struct line la, lb;
    static uint8_t nvm_b[VMETER_NVM_SIZE];
    uint8_t *nvm_a = fresh_nvm();
    memcpy(nvm_b, nvm_a, sizeof nvm_b);
    boot(&a, nvm_a, &la, T0 + 25);
    boot(&b, nvm_b, &lb, T0 + 25);
    struct meas_block blk = vmeter_block_kw(3.1);
    for (int s = 0; s < 3; s++) {
        vmeter_step_block(&a, &blk);
        vmeter_step_block(&b, &blk);
    }
    la.n = lb.n = 0;
    push_both(&a, &la, 0);
    push_both(&b, &lb, 7);
    assert_true(la.n > 400);
    assert_int_equal(la.n, lb.n);
    assert_memory_equal(la.buf, lb.buf, la.n);
    rx_start(NULL);
    han_rx_feed(&rx, lb.buf, lb.n);
    assert_int_equal(g.lists, 2);
    assert_int_equal(g.problems, 0);
    assert_int_equal(check_values(&b.m, &g.l[1]), 2 + 10 + 5);
}

/* A value whose encoding changes length between the count and its piece
 * (here the list identifier, rewritten mid-frame) spoils that frame: same
 * length, wrong FCS. The bridge drops it and reads the next one. */
static void test_spoilt_frame(void **state)
{
    (void)state;
    static struct vmeter v;
    static struct line l;
    boot(&v, fresh_nvm(), &l, T0 + 1);
    meter_poll(&v.m); /* the line's session opens */
    l.n = 0;
    uint32_t errors = v.m.proto.han.errors;
    l.limited = true;
    l.room = 20; /* a part of the header piece */
    assert_int_equal(han_push_now(&v.m, 0), 0);
    meter_poll(&v.m);
    assert_true(l.n > 0 && l.n <= 20);
    assert_int_equal(write_row(&v.m, "han_list_id", "Kamstrup_V1", 0, true), 0);
    push_both(&v, &l, 16); /* the rest, then both lists again */
    assert_int_equal(v.m.proto.han.errors, errors + 1);
    rx_start(NULL);
    han_rx_feed(&rx, l.buf, l.n);
    assert_int_equal(rx.bad_frames, 1);
    assert_int_equal(rx.garbage_bytes, 0); /* the length held: no resynchronisation */
    assert_int_equal(g.lists, 0);         /* the next two: a list id this decoder does not know */
    assert_int_equal(g.last_problem, HAN_P_LIST_UNKNOWN);
    assert_int_equal(rx.frames, 2);
}

/* Count the lists of each length the bridge decodes from a run. */
static void run(struct vmeter *v, struct line *l, int seconds, unsigned *n10, unsigned *nh, int64_t *first_h)
{
    struct meas_block blk = vmeter_block_kw(1.0);
    rx_start(NULL);
    *n10 = *nh = 0;
    *first_h = 0;
    for (int s = 0; s < seconds; s++) {
        l->n = 0;
        vmeter_step_block(v, &blk);
        unsigned before = g.lists;
        han_rx_feed(&rx, l->buf, l->n);
        if (g.lists != before) {
            unsigned n = g.l[0].n;
            g.lists = 0;
            if (n == 12)
                (*n10)++;
            else {
                (*nh)++;
                if (*first_h == 0)
                    *first_h = v->m.now;
            }
        }
        assert_int_equal(g.problems, 0);
    }
}

static void test_schedule(void **state)
{
    (void)state;
    static struct vmeter v;
    static struct line l;
    unsigned n10, nh;
    int64_t first;
    boot(&v, fresh_nvm(), &l, T0 + 31); /* 01:00:01 local */
    /* list 1 off; list 2 every 15 minutes, only 01:30-01:50 local, spread 0..59 s */
    assert_int_equal(write_row(&v.m, "han_push1_period_s", NULL, 0, false), 0);
    assert_int_equal(write_row(&v.m, "han_push2_period_s", NULL, 900, false), 0);
    assert_int_equal(write_row(&v.m, "han_push2_window", "01:30-01:50", 0, true), 0);
    assert_int_equal(write_row(&v.m, "han_push2_random_s", NULL, 59, false), 0);
    run(&v, &l, 3600, &n10, &nh, &first);
    assert_int_equal(n10, 0);
    assert_int_equal(nh, 2); /* 01:30 and 01:45; not 01:15 nor 02:00 */
    int64_t local = first + 7200; /* +02:00 */
    int64_t into = local % 900;
    assert_true(local % 86400 >= 90 * 60 && local % 86400 < 91 * 60);
    assert_true(into >= 0 && into <= 59); /* the spread */
    /* refusals: a period that does not divide a day, a spread not shorter
     * than the period, a window that is no time, a destination out of range */
    assert_int_equal(write_row(&v.m, "han_push2_period_s", NULL, 7, false), METER_ERANGE);
    assert_int_equal(write_row(&v.m, "han_push2_random_s", NULL, 900, false), METER_ERANGE);
    assert_int_equal(write_row(&v.m, "han_push2_window", "25:00-01:00", 0, true), METER_ERANGE);
    assert_int_equal(write_row(&v.m, "han_push2_window", "0030-0050", 0, true), METER_EINVAL);
    assert_int_equal(write_row(&v.m, "han_push2_destination", NULL, 128, false), METER_ERANGE);
    /* lists: an object the public client cannot read, one that is no
     * single value, one that does not exist */
    assert_int_equal(write_row(&v.m, "han_push2_list", "96.131.21", 0, true), METER_EACCES);
    assert_int_equal(write_row(&v.m, "han_push2_list", "99.1.0", 0, true), METER_EACCES);
    assert_int_equal(write_row(&v.m, "han_push2_list", "1.2.3.4.5", 0, true), METER_ENOENT);
    assert_int_equal(write_row(&v.m, "han_push2_list", "0.2.129,1-1:14.7.0+,0.0.0+", 0, true), 0);
    int err;
    assert_string_equal(read_row(&v.m, "han_push2_list", METER_ACC_PUBLIC, &err), "0.2.129,1-1:14.7.0+,0.0.0+");
    assert_string_equal(read_row(&v.m, "han_push2_window", METER_ACC_PUBLIC, &err), "01:30-01:50");
    /* the whole setup survives a power cycle (configuration section) */
    static struct vmeter v2;
    static struct line l2;
    boot(&v2, v.hw.nvm, &l2, T0 + 7200);
    assert_string_equal(read_row(&v2.m, "han_push2_list", METER_ACC_PUBLIC, &err), "0.2.129,1-1:14.7.0+,0.0.0+");
    assert_string_equal(read_row(&v2.m, "han_push2_period_s", METER_ACC_PUBLIC, &err), "900");
    assert_string_equal(read_row(&v2.m, "han_push1_period_s", METER_ACC_PUBLIC, &err), "0");
}

static const struct han_key *meter_key(struct han_key *k, struct meter_hal *hal)
{
    static const uint8_t ek[16] = {0x5A, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xA5};
    han_aes_hal(hal);
    k->hal = hal;
    memcpy(k->ek, ek, 16);
    for (unsigned i = 0; i < 16; i++)
        k->ak[i] = (uint8_t)(0xD0 + i);
    return k;
}

/* Encrypted with the HAN keys: the bridge with the keys reads the table's
 * values; without them or with another key nothing; a replayed frame is
 * refused; the keys are write-only; the invocation counter goes on after a
 * power cycle above every counter used before it. */
static void test_encrypted(void **state)
{
    (void)state;
    static struct vmeter v;
    static struct line l;
    struct han_key key;
    static struct meter_hal hal;
    boot(&v, fresh_nvm(), &l, T0 + 1);
    assert_int_equal(write_row(&v.m, "han_key", "5A112233445566778899AABBCCDDEEA5", 0, true), 0);
    assert_int_equal(write_row(&v.m, "han_auth_key", "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf", 0, true), 0);
    assert_int_equal(write_row(&v.m, "han_key", "5A1122", 0, true), METER_EINVAL);
    assert_int_equal(write_row(&v.m, "han_key", "5A112233445566778899AABBCCDDEEXX", 0, true), METER_EINVAL);
    assert_int_equal(write_row(&v.m, "han_encrypt", NULL, 2, false), METER_ERANGE);
    assert_int_equal(write_row(&v.m, "han_encrypt", NULL, 1, false), 0);
    int err;
    assert_string_equal(read_row(&v.m, "han_key", METER_ACC_MANAGER, &err), ""); /* write-only */
    assert_null(read_row(&v.m, "han_key", METER_ACC_PUBLIC, &err));
    assert_int_equal(err, METER_EACCES);
    l.n = 0;
    push_both(&v, &l, 16);
    /* no key: two reports, nothing decoded */
    rx_start(NULL);
    han_rx_feed(&rx, l.buf, l.n);
    assert_int_equal(g.lists, 0);
    assert_int_equal(g.problems, 2);
    assert_int_equal(g.last_problem, HAN_P_ENCRYPTED);
    /* another encryption key: does not verify */
    struct han_key other = *meter_key(&key, &hal);
    other.ek[3] ^= 0x10;
    rx_start(&other);
    han_rx_feed(&rx, l.buf, l.n);
    assert_int_equal(g.lists, 0);
    assert_int_equal(g.last_problem, HAN_P_KEY);
    /* the keys: both lists, the table's values, counters 0 and 1 */
    rx_start(meter_key(&key, &hal));
    han_rx_feed(&rx, l.buf, l.n);
    assert_int_equal(g.problems, 0);
    assert_int_equal(g.lists, 2);
    assert_true(g.l[0].ciphered && g.l[1].ciphered);
    assert_int_equal(g.l[0].ic, 0);
    assert_int_equal(g.l[1].ic, 1);
    uint8_t title[8];
    han_system_title(&v.m, title);
    assert_memory_equal(g.l[0].system_title, title, 8);
    assert_memory_equal(title, "TRM", 3);
    assert_int_equal(check_values(&v.m, &g.l[0]), 2 + 10);
    assert_int_equal(check_values(&v.m, &g.l[1]), 2 + 10 + 5);
    /* the same frames again: replays */
    han_rx_feed(&rx, l.buf, l.n);
    assert_int_equal(g.lists, 2);
    assert_int_equal(g.last_problem, HAN_P_REPLAY);
    /* a power cycle: counters go on above the reserved block */
    assert_string_equal(read_row(&v.m, "96.131.23", METER_ACC_PUBLIC, &err), "2");
    static struct vmeter v2;
    static struct line l2;
    boot(&v2, v.hw.nvm, &l2, T0 + 600);
    l2.n = 0;
    push_both(&v2, &l2, 0);
    han_rx_feed(&rx, l2.buf, l2.n);
    assert_int_equal(g.lists, 4);
    assert_int_equal(g.l[2].ic, HAN_IC_RESERVE);
    assert_int_equal(g.l[3].ic, HAN_IC_RESERVE + 1);
    assert_int_equal(check_values(&v2.m, &g.l[3]), 2 + 10 + 5);
}

/* Pushing writes nothing to the EEPROM's logs and counts no session (a
 * push session is never touched as a valid message would: no audit); bytes
 * sent to the HAN line are ignored; a
 * connected client that only listens is never hung up as idle. */
static void test_quiet(void **state)
{
    (void)state;
    static struct vmeter v;
    static struct line l;
    boot(&v, fresh_nvm(), &l, T0 + 1);
    struct meas_block blk = vmeter_block_kw(2.0);
    vmeter_step_block(&v, &blk);
    uint32_t records = evlog_available(&v.m);
    uint32_t sessions = v.m.legal.audit.sessions;
    static const uint8_t junk[] = {0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E, 0x2F, 0x3F, 0x21, 0x0D, 0x0A};
    l.n = 0;
    for (int s = 0; s < 120; s++) {
        assert_int_equal(meter_port_rx(&v.m, METER_LINE_HAN, junk, sizeof junk), 0);
        if (s % 30 == 0) {
            meter_port_close(&v.m, METER_LINE_HAN); /* a host client leaving and coming back */
            meter_port_open(&v.m, METER_LINE_HAN);
        }
        vmeter_step_block(&v, &blk);
    }
    assert_int_equal(evlog_available(&v.m), records);
    assert_int_equal(v.m.legal.audit.sessions, sessions); /* a push session is no client's session */
    assert_int_equal(l.hangups, 0); /* 30 s connected since the last reopen, nothing valid sent */
    rx_start(NULL);
    han_rx_feed(&rx, l.buf, l.n);
    assert_true(g.lists >= 11);
    assert_int_equal(g.problems, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_factory_lists), cmocka_unit_test(test_pieces),    cmocka_unit_test(test_spoilt_frame),
        cmocka_unit_test(test_schedule),      cmocka_unit_test(test_encrypted), cmocka_unit_test(test_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
