/* bench_year — one simulated year in blocks mode through the whole core
 * (energy and tariff registers, demand, billing, load profile, analysis
 * logger, event logs, legal snapshots and every store write), on one core.
 * Target (issue "billing"): under 60 s. The trimeter-sim run adds its own
 * block generation and pulse model on top (tests/scenario). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "vmeter.h"

/* A household day: base load, evening peak, midday export. */
static void block_at(struct meas_block *b, int64_t sec_of_day)
{
    memset(b, 0, sizeof *b);
    int32_t p = 600000;                       /* mW */
    if (sec_of_day >= 17 * 3600 && sec_of_day < 21 * 3600)
        p = 7500000;
    else if (sec_of_day >= 11 * 3600 && sec_of_day < 14 * 3600)
        p = -3000000;
    b->p_mw = p;
    b->q_mvar = 250000;
    b->s_mva = abs(p) + 100000;
    b->e[p >= 0 ? MEAS_AP : MEAS_AN] = (int64_t)abs(p) * 1000 / 3600;
    b->e[MEAS_RP] = 250000LL * 1000 / 3600;
    for (int ph = 0; ph < METER_PHASES; ph++) {
        b->ph[ph].u_mv = 231000;
        b->ph[ph].i_ua = abs(p) / 3 / 231 * 1000;
        b->ph[ph].p_mw = p / 3;
    }
    b->f_mhz = 50000;
}

/* Optional argument: simulated days (default 365; profiling runs use fewer).
 * The year runs bench_runs() times, each on a fresh meter. */
int main(int argc, char **argv)
{
    static struct vmeter v;
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    if (nvm == NULL)
        return 1;
    int64_t start = 1767218400; /* 2026-01-01T00:00:00+02:00 */
    struct meas_block day[24 * 4];
    for (int k = 0; k < 96; k++)
        block_at(&day[k], (int64_t)k * 900);
    long days = argc > 1 ? strtol(argv[1], NULL, 10) : 365;
    if (days < 1 || days > 3650)
        days = 365;
    const int64_t secs = days * 86400LL;
    const double year = 365.0 * 86400.0 / (double)secs;
    int runs = bench_runs();
    double cpu[BENCH_RUNS_MAX], wall[BENCH_RUNS_MAX], per[BENCH_RUNS_MAX];
    bench_header("bench_year: one simulated year, blocks mode, the whole core and the store, one core");
    for (int r = 0; r < runs; r++) {
        memset(nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&v, nvm, VMETER_NVM_SIZE, start);
        double t0 = bench_wall_s(), c0 = bench_cpu_s();
        for (int64_t s = 0; s < secs; s++)
            vmeter_step_block(&v, &day[(s % 86400) / 900]);
        cpu[r] = (bench_cpu_s() - c0) * year;
        wall[r] = (bench_wall_s() - t0) * year;
        per[r] = cpu[r] * 1e6 / (365.0 * 86400.0);
    }
    printf("%-44s %24s\n", "measure", "min / median / max");
    printf("%-44s %24.2f\n", "simulated days per run", (double)secs / 86400.0);
    bench_print("CPU time for 1 year, blocks mode (s)", cpu, runs, 44, 2);
    bench_print("wall time for 1 year, blocks mode (s)", wall, runs, 44, 2);
    bench_print("CPU per simulated second (us)", per, runs, 44, 3);
    printf("%-44s %24s\n", "target (s)", "< 60");
    printf("%-44s %24u\n", "billing periods closed", v.m.billing.count);
    printf("%-44s %24llu\n", "EEPROM program operations", (unsigned long long)v.hw.eeprom.ops);
    printf("%-44s %24llu\n", "EEPROM bytes programmed", (unsigned long long)v.hw.eeprom.bytes_prog);
    printf("%-44s %24u\n", "load profile entries", profile_count(&v.m));
    printf("%-44s %24u\n", "analysis logger records", logger_count(&v.m));
    printf("%-44s %24u\n", "events logged", v.m.evlog.head);
    printf("%-44s %24zu\n", "sizeof(struct meter) (host, B)", sizeof(struct meter));
    bench_footer();
    free(nvm);
    return 0;
}
