/*
 * bench_main.c — instruction counts of the sample path on the Cortex-M3
 * build (trimeter-bench.elf), for the metrology budget.
 *
 * Run under `qemu-system-arm -icount shift=0` (scripts/bench_cm.sh): every
 * guest instruction then advances virtual time by exactly 1 ns, and the
 * dual timer, clocked at 25 MHz, ticks once per 40 instructions. Timing
 * 4000-sample-set runs and subtracting the loop's own cost gives
 * instructions per sample set to a fraction of an instruction. Cycles on
 * silicon are instructions x CPI (about 1.2-1.5 on a Cortex-M3 with
 * zero-wait-state flash; 64-bit multiply-accumulates take 3-7 cycles).
 *
 * Prints "bench <name> <value>" lines; the script formats the table.
 */
#include <string.h>

#include "board.h"
#include "cmsdk.h"
#include "semihost.h"
#include "synth.h"

#define BENCH_SETS METER_SAMPLE_RATE /* one block */
#define BENCH_ROUNDS 4u
#define INSNS_PER_TICK (1000000000u / BOARD_SYSCLK_HZ) /* icount shift=0: 1 ns per instruction */

__attribute__((section(".bulk")))
static int32_t bench_samples[BENCH_SETS][METER_CHANNELS];
static struct meter meter;
static struct meter_hal hal;
static struct synth syn;

typedef void (*sample_fn)(struct meter *m, const int32_t s[METER_CHANNELS]);

static void bench_noop(struct meter *m, const int32_t s[METER_CHANNELS])
{
    (void)m;
    (void)s;
}

static uint32_t bench_now(void)
{
    return DUALTIMER1_VALUE; /* counts down */
}

/* Ticks for sample sets [from, to) of the buffer; worst single call in *worst. */
static uint32_t bench_pass(volatile sample_fn fn, unsigned from, unsigned to, uint32_t *worst)
{
    uint32_t start = bench_now(), w = 0;
    for (unsigned k = from; k < to; k++) {
        uint32_t t = bench_now();
        fn(&meter, bench_samples[k]);
        uint32_t d = t - bench_now();
        if (d > w)
            w = d;
    }
    if (worst != NULL)
        *worst = w;
    return start - bench_now();
}

int main(void)
{
    board_init();
    DUALTIMER1_LOAD = 0xffffffffu;
    DUALTIMER1_CTRL = DUALTIMER_CTRL_EN | DUALTIMER_CTRL_32BIT; /* free-running, no interrupt */

    /* A busy household: three phases with harmonics, 50 Hz. */
    synth_init(&syn, 50000);
    synth_set_phase(&syn, 0, 230000, 12000, 0, 20);
    synth_set_phase(&syn, 1, 231000, 7000, -120, -15);
    synth_set_phase(&syn, 2, 229000, 3000, 120, 45);
    syn.i[0].c[1] = (struct synth_comp){3, syn.i[0].c[0].peak / 4, SYNTH_DEG(180)};
    syn.noise = 20;
    for (unsigned k = 0; k < BENCH_SETS; k++)
        synth_next(&syn, bench_samples[k]);

    board_hal_bind(&hal);
    board_nvm_ram_bind(&hal);
    (void)meter_init(&meter, &hal);

    /* A pass is a block in two halves with an idle meter_poll between
     * them, as the main loop polls every few ms: the harmonic frame (the
     * first 10 cycles of every second block) is analysed there. */
    const unsigned half = BENCH_SETS / 2;
    uint32_t overhead = bench_pass(bench_noop, 0, half, NULL) + bench_pass(bench_noop, half, BENCH_SETS, NULL);
    uint32_t best = 0xffffffffu, best_w = 0, worst_call = 0, poll_ticks = 0, mid_ticks = 0;
    uint64_t all = 0, all_poll = 0, all_mid = 0;
    for (unsigned r = 0; r < BENCH_ROUNDS; r++) {
        uint32_t w, w2;
        uint32_t t = bench_pass(meter_sample, 0, half, &w);
        uint32_t m0 = bench_now();
        (void)meter_poll(&meter);
        uint32_t md = m0 - bench_now();
        all_mid += md;
        if (md > mid_ticks)
            mid_ticks = md;
        t += bench_pass(meter_sample, half, BENCH_SETS, &w2);
        if (w2 > w)
            w = w2;
        all += t;
        if (t < best) {
            best = t;
            best_w = w;
        }
        if (w > worst_call)
            worst_call = w;
        uint32_t t0 = bench_now();
        (void)meter_poll(&meter);
        uint32_t d = t0 - bench_now();
        all_poll += d;
        if (d > poll_ticks)
            poll_ticks = d;
    }
    uint32_t idle0 = bench_now();
    (void)meter_poll(&meter);
    uint32_t idle_poll = idle0 - bench_now();

    /* Hundredths of an instruction per sample set. */
    uint64_t per_set_x100 = ((uint64_t)(best - overhead) * INSNS_PER_TICK * 100u) / BENCH_SETS;
    semi_put_int("bench sets_per_pass", BENCH_SETS);
    semi_put_int("bench sample_insns_x100", (int64_t)per_set_x100);
    /* The same without the one block-completing call of the pass. */
    uint64_t plain_x100 = ((uint64_t)(best - best_w - overhead + overhead / BENCH_SETS) * INSNS_PER_TICK * 100u) /
                          (BENCH_SETS - 1u);
    semi_put_int("bench sample_plain_insns_x100", (int64_t)plain_x100);
    semi_put_int("bench sample_worst_call_insns", (int64_t)worst_call * INSNS_PER_TICK);
    semi_put_int("bench poll_block_insns", (int64_t)poll_ticks * INSNS_PER_TICK);
    /* the mean over every pass and poll: the harmonic frame (every second
     * block) and its analysis included */
    semi_put_int("bench sample_mean_insns_x100",
                 (int64_t)(((all / BENCH_ROUNDS - overhead) * INSNS_PER_TICK * 100u) / BENCH_SETS));
    semi_put_int("bench poll_mean_insns", (int64_t)(all_poll / BENCH_ROUNDS * INSNS_PER_TICK));
    semi_put_int("bench poll_mid_insns", (int64_t)mid_ticks * INSNS_PER_TICK);
    semi_put_int("bench poll_mid_mean_insns", (int64_t)(all_mid / BENCH_ROUNDS * INSNS_PER_TICK));
    semi_put_int("bench poll_idle_insns", (int64_t)idle_poll * INSNS_PER_TICK);
    semi_put_int("bench loop_overhead_insns_x100", (int64_t)overhead * INSNS_PER_TICK * 100 / BENCH_SETS);
    semi_put_int("bench seconds", meter.seconds);
    semi_exit(0);
}
