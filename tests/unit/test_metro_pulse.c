/* The LED/S0 pulse engine (src/metrology/pulse.c): edges are scheduled, so
 * jumping over a whole second gives exactly the edges a 1-ms tick gives;
 * pulses are 30 ms wide, start at least 40 ms apart, and the count equals
 * the registered active energy within one pulse in the blocks feed (edges
 * per block, no per-millisecond loop). The samples feed: test_metro.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrology/pulse.h"
#include "vmeter.h"

#define MAX_EDGES 20000

struct edges {
    uint64_t t[MAX_EDGES];
    bool level[MAX_EDGES];
    unsigned n;
};

static void record(struct edges *e, uint64_t t, bool level)
{
    assert_true(e->n < MAX_EDGES);
    e->t[e->n] = t;
    e->level[e->n++] = level;
}

/* uWh per block for second s: bursts, pauses, fractions of a pulse, and
 * more than 25 pulses (the spacing limit) in one block. */
static int64_t energy_at(unsigned s)
{
    static const int64_t pat[] = {0, 999, 1, 2500000, 19166666, 0, 0, 333333, 30000000, 7000, 0, 1000000, 0, 0, 0};
    return pat[s % (sizeof pat / sizeof pat[0])];
}

/* Width, spacing and count rules on an edge list. */
static void check_edges(const struct edges *e, uint64_t expect_pulses)
{
    uint64_t starts = 0, last_start = 0;
    for (unsigned k = 0; k < e->n; k++) {
        assert_int_equal(e->level[k], k % 2 == 0); /* alternate, starting with on */
        if (e->level[k]) {
            if (starts > 0)
                assert_true(e->t[k] - last_start >= METER_PULSE_MS + 10);
            last_start = e->t[k];
            starts++;
        } else {
            assert_int_equal(e->t[k] - e->t[k - 1], METER_PULSE_MS);
        }
    }
    assert_int_equal(starts, expect_pulses);
}

static void scheduled_equals_ticked(void **state)
{
    (void)state;
    static struct edges a, b;
    struct pulse_out pa, pb;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    pulse_init(&pa);
    pulse_init(&pb);
    int64_t total = 0;
    const unsigned secs = 120;
    for (unsigned s = 0; s < secs + 3; s++) {
        int64_t e = s < secs ? energy_at(s) : 0;
        total += e;
        pulse_add(&pa, e, 1);
        pulse_add(&pb, e, 1);
        /* a: one millisecond at a time */
        for (unsigned ms = 0; ms < 1000; ms++) {
            uint32_t one = 1;
            uint64_t t = (uint64_t)s * 1000 + ms + 1;
            while (pulse_elapse(&pa, &one, 1))
                record(&a, t - one, pa.on);
        }
        /* b: the whole second at once */
        uint32_t dt = 1000;
        while (pulse_elapse(&pb, &dt, 1))
            record(&b, (uint64_t)s * 1000 + 1000 - dt, pb.on);
    }
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.t, b.t, sizeof a.t[0] * a.n);
    assert_memory_equal(a.level, b.level, sizeof a.level[0] * a.n);
    check_edges(&b, (uint64_t)total / 1000000); /* 1 Wh per pulse */
    assert_false(pb.on);
    assert_int_equal(pb.due, 0);
    assert_int_equal(pb.pending, 0);
}

static void ticks_per_ms(void **state)
{
    (void)state;
    /* the samples feed counts samples: 4 ticks per ms gives the same
     * edges in samples as 1 tick per ms gives in ms */
    struct pulse_out p1, p4;
    pulse_init(&p1);
    pulse_init(&p4);
    pulse_add(&p1, 5000000, 1);
    pulse_add(&p4, 5000000, 4);
    for (int k = 0; k < 12; k++) {
        uint32_t t1 = 1000, t4 = 4000;
        bool c1 = pulse_elapse(&p1, &t1, 1), c4 = pulse_elapse(&p4, &t4, 4);
        assert_int_equal(c1, c4);
        assert_int_equal(t1 * 4, t4);
        assert_int_equal(p1.on, p4.on);
    }
}

static struct vmeter *boot(uint8_t **nvm)
{
    *nvm = malloc(VMETER_NVM_SIZE);
    assert_non_null(*nvm);
    memset(*nvm, 0xff, VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    assert_non_null(v);
    assert_int_equal(vmeter_boot(v, *nvm, VMETER_NVM_SIZE, 1774735200), 0);
    return v;
}

static uint64_t active_wh(const struct vmeter *v)
{
    return (v->m.energy.total[MEAS_AP] + v->m.energy.total[MEAS_AN]) / 1000000u;
}

/* Blocks feed, polled every 10 ms (the simulator's samples/real-time
 * cadence) and once per block (--fast --feed blocks). */
static void blocks_feed(bool fine)
{
    uint8_t *nvm;
    struct vmeter *v = boot(&nvm);
    uint64_t widths = 0, wrong = 0, last_off = 0;
    for (unsigned s = 0; s < 900; s++) {
        struct meas_block b;
        memset(&b, 0, sizeof b);
        /* up to 69 kW (Imax on three phases), import and export */
        int64_t p_mw = (int64_t)((s * 7919u) % 69000u) * 1000 * (s % 5 == 0 ? -1 : 1);
        if (s % 17 == 3)
            p_mw = 0;
        int64_t e = (p_mw < 0 ? -p_mw : p_mw) * 1000 / 3600; /* uWh in one second */
        b.e[p_mw < 0 ? MEAS_AN : MEAS_AP] = e;
        b.ph[0].e[p_mw < 0 ? MEAS_AN : MEAS_AP] = e;
        b.p_mw = (int32_t)p_mw;
        b.f_mhz = 50000;
        for (int ph = 0; ph < 3; ph++)
            b.ph[ph].u_mv = 230000;
        uint64_t base = v->hw.sim_ms;
        for (int ms = 10; fine && ms < 1000; ms += 10) {
            v->hw.sim_ms = base + (uint64_t)ms;
            meter_poll(&v->m);
            if (v->hw.pulse_off_ms != last_off) {
                last_off = v->hw.pulse_off_ms;
                widths++;
                wrong += v->hw.pulse_off_ms - v->hw.pulse_on_ms != METER_PULSE_MS;
            }
        }
        v->hw.sim_ms = base + 1000u;
        meter_feed_block(&v->m, &b);
        assert_int_equal(meter_poll(&v->m), 0);
    }
    /* two quiet seconds let the last block's pulses out */
    struct meas_block z;
    memset(&z, 0, sizeof z);
    z.f_mhz = 50000;
    vmeter_step_block(v, &z);
    vmeter_step_block(v, &z);
    uint64_t wh = active_wh(v);
    assert_true(wh > 1000);
    assert_true(v->hw.pulses <= wh && v->hw.pulses + 1 >= wh);
    assert_false(v->hw.pulse_on);
    if (fine) {
        /* 10-ms polls see every pulse 30 ms wide */
        assert_true(widths > 0);
        assert_int_equal(wrong, 0);
    }
    free(v);
    free(nvm);
}

static void blocks_feed_per_block_polls(void **state)
{
    (void)state;
    blocks_feed(false);
}

static void blocks_feed_10ms_polls(void **state)
{
    (void)state;
    blocks_feed(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scheduled_equals_ticked),
        cmocka_unit_test(ticks_per_ms),
        cmocka_unit_test(blocks_feed_per_block_polls),
        cmocka_unit_test(blocks_feed_10ms_polls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
