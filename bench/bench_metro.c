/*
 * bench_metro — performance of the measuring chain (make bench):
 *  - instructions per three-phase sample set of metro_sample (the per-sample
 *    path, and with the once-a-second block work amortised), counted by
 *    valgrind --tool=callgrind on metro_loop (the metrology alone, -O2) fed
 *    one second of a household load through the ADC model;
 *  - the Cortex-M figure comes from scripts/bench_cm.sh (QEMU icount), which
 *    `make bench` runs after this table;
 *  - the simulator speed in sample-accurate mode as a multiple of real time,
 *    one core: trimeter-sim --fast --feed samples on the household scenario
 *    (wall and CPU time), and the chain alone (synthesiser + ADC model +
 *    whole virtual meter) in this process; with the load average, since a
 *    shared machine slows the wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "adc.h"
#include "bench_util.h"
#include "metrology/metro.h"
#include "vmeter.h"
#include "wave.h"

#define LOOP_BLOCKS 20 /* as metro_loop.c */

static struct wave_set *household(void)
{
    struct wave_phase_params pp[3];
    memset(pp, 0, sizeof pp);
    for (int k = 0; k < 3; k++) {
        pp[k].u = 230;
        pp[k].i = 5 + 3 * k;
        pp[k].phi_deg = 20;
        pp[k].angle_deg = k == 0 ? 0 : k == 1 ? -120 : 120;
        pp[k].n_ih = 2;
        pp[k].ih[0] = (struct wave_harm){3, 20, 0};
        pp[k].ih[1] = (struct wave_harm){5, 10, 0};
    }
    struct wave_set *ws = malloc(sizeof *ws);
    char err[80];
    if (ws == NULL || wave_build(ws, pp, err, sizeof err) != 0)
        exit(1);
    return ws;
}

/* A seeded default ADC and a synthesiser playing the household load at
 * 50 Hz (the generator keeps its own copy of the spectral set). */
static struct wave_gen *household_gen(struct adc_model *adc)
{
    adc_init_default(adc, 1);
    struct wave_gen *g = malloc(sizeof *g);
    struct wave_set *ws = household();
    if (g == NULL)
        exit(1);
    wave_gen_init(g, METER_SAMPLE_RATE, adc);
    wave_gen_load(g, ws, 50, 0);
    free(ws);
    return g;
}

/* One second of ADC samples of a household load. */
static int32_t (*make_samples(void))[METER_CHANNELS]
{
    int32_t(*buf)[METER_CHANNELS] = malloc(sizeof(int32_t[METRO_N][METER_CHANNELS]));
    struct adc_model adc;
    struct wave_gen *g = household_gen(&adc);
    for (int n = 0; n < METRO_N; n++) {
        double x[METER_CHANNELS];
        wave_gen_next(g, x);
        adc_quantise(&adc, x, buf[n]);
    }
    free(g);
    return buf;
}

/* Inclusive instructions of fn from a callgrind output file. */
static double callgrind_fn(const char *file, const char *fn, int inclusive)
{
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd, "callgrind_annotate %s %s 2>/dev/null", inclusive ? "--inclusive=yes" : "", file);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    double v = -1;
    while (fgets(line, sizeof line, p) != NULL) {
        if (strstr(line, fn) == NULL || strstr(line, "???:") == NULL)
            continue;
        char num[64];
        int k = 0;
        for (const char *c = line; *c && k < 63; c++)
            if (*c >= '0' && *c <= '9')
                num[k++] = *c;
            else if (*c == ' ' && k > 0)
                break;
        num[k] = 0;
        v = atof(num);
        break;
    }
    pclose(p);
    return v;
}

static double cpu_children_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

int main(void)
{
    int runs = bench_runs();
    bench_header("bench_metro: the measuring chain and the simulator in samples mode");
    printf("%-58s %24s\n", "measuring chain (src/metrology)", "value");
    /* instructions per sample set: callgrind on metro_loop */
    char file[] = "/tmp/bench_metro.XXXXXX", cg[64], cmd[1024];
    int fd = mkstemp(file);
    int32_t(*buf)[METER_CHANNELS] = make_samples();
    double self = -1, incl = -1;
    if (fd >= 0 && write(fd, buf, sizeof(int32_t[METRO_N][METER_CHANNELS])) ==
                       (ssize_t)sizeof(int32_t[METRO_N][METER_CHANNELS])) {
        snprintf(cg, sizeof cg, "%s.cg", file);
        snprintf(cmd, sizeof cmd,
                 "valgrind --tool=callgrind --callgrind-out-file=%s %s/bench/metro_loop %s >/dev/null 2>&1", cg,
                 TRIMETER_BINARY_DIR, file);
        if (system(cmd) == 0) {
            self = callgrind_fn(cg, "metro_sample", 0);
            incl = callgrind_fn(cg, "metro_sample", 1) + callgrind_fn(cg, "metro_poll", 1);
        }
        remove(cg);
    }
    if (fd >= 0) {
        close(fd);
        remove(file);
    }
    free(buf);
    double sets = (double)LOOP_BLOCKS * METRO_N;
    if (self > 0) {
        printf("%-58s %24.1f\n", "host instr. per 3-phase sample set, per-sample path (-O2)", self / sets);
        printf("%-58s %24s\n", "  target", "<= 150");
        printf("%-58s %24.1f\n", "  same incl. the 1 s block work (metro_poll), amortised", incl / sets);
        printf("%-58s %24s\n", "  target (harmonic frame and its analysis included)", "<= 160");
    } else {
        printf("%-58s %24s\n", "host instr. per sample set", "valgrind n/a");
    }
    printf("%-58s %24s\n", "Cortex-M3 instructions/cycles per sample set", "bench_cm below");

    /* the simulator itself: one hour of the household scenario */
    snprintf(cmd, sizeof cmd,
             "%s/trimeter-sim --scenario %s/scenarios/household.json --fast --feed samples --until 1h --seed 1 "
             ">/dev/null 2>&1",
             TRIMETER_BINARY_DIR, TRIMETER_SOURCE_DIR);
    double xw[BENCH_RUNS_MAX], xc[BENCH_RUNS_MAX];
    int ok = 1;
    for (int r = 0; r < runs && ok; r++) {
        double c0 = cpu_children_s(), w0 = bench_wall_s();
        ok = system(cmd) == 0;
        xw[r] = 3600.0 / (bench_wall_s() - w0);
        xc[r] = 3600.0 / (cpu_children_s() - c0);
    }
    if (ok) {
        bench_print("trimeter-sim --feed samples, x real time (wall)", xw, runs, 58, 0);
        bench_print("  same, x real time of its CPU time (one core)", xc, runs, 58, 0);
    } else {
        printf("%-58s %24s\n", "trimeter-sim --feed samples", "failed");
    }
    printf("%-58s %24s\n", "  target", ">= 500");

    /* simulator speed: synthesiser + ADC model + the whole virtual meter */
    double xr[BENCH_RUNS_MAX], ns[BENCH_RUNS_MAX];
    for (int r = 0; r < runs; r++) {
        struct adc_model adc;
        struct wave_gen *g = household_gen(&adc);
        uint8_t *nvm = malloc(VMETER_NVM_SIZE);
        struct vmeter *v = calloc(1, sizeof *v);
        memset(nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(v, nvm, VMETER_NVM_SIZE, 1774735200);
        const int secs = 60;
        double t0 = bench_wall_s();
        for (int s = 0; s < secs; s++)
            for (int n = 0; n < METRO_N; n++) {
                double x[METER_CHANNELS];
                int32_t c[METER_CHANNELS];
                wave_gen_next(g, x);
                adc_quantise(&adc, x, c);
                vmeter_step_sample(v, c);
            }
        double dt = bench_wall_s() - t0;
        xr[r] = secs / dt;
        ns[r] = dt / secs / METRO_N * 1e9;
        free(g);
        free(v);
        free(nvm);
    }
    bench_print("chain alone in this process, x real time (wall)", xr, runs, 58, 0);
    bench_print("  ns per sample set (synth + ADC + meter)", ns, runs, 58, 1);
    printf("%-58s %24zu\n", "struct metro RAM (bytes)", sizeof(struct metro));
    bench_footer();
    return 0;
}
