/*
 * bench_metro — performance of the measuring chain (make bench):
 *  - instructions per three-phase sample set of metro_sample (the per-sample
 *    path, and with the once-a-second block work amortised), counted by
 *    valgrind --tool=callgrind on this program's --loop mode;
 *  - the Cortex-M cycle figure, when the cm engineer's measurement file
 *    (build-cortex-m/metro_cycles.txt) exists;
 *  - the simulator speed in sample-accurate mode (synthesiser + ADC model
 *    + the whole virtual meter) as a multiple of real time, one core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adc.h"
#include "metrology/metro.h"
#include "vmeter.h"
#include "wave.h"

#define LOOP_BLOCKS 20

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

/* One second of ADC samples of a household load. */
static int32_t (*make_samples(void))[METER_CHANNELS]
{
    int32_t(*buf)[METER_CHANNELS] = malloc(sizeof(int32_t[METRO_N][METER_CHANNELS]));
    struct adc_model adc;
    adc_init_default(&adc, 1);
    struct wave_gen *g = malloc(sizeof *g);
    struct wave_set *ws = household();
    wave_gen_init(g, METER_SAMPLE_RATE, &adc);
    wave_gen_load(g, ws, 50, 0);
    for (int n = 0; n < METRO_N; n++) {
        double x[METER_CHANNELS];
        wave_gen_next(g, x);
        adc_quantise(&adc, x, buf[n]);
    }
    free(g);
    free(ws);
    return buf;
}

static int loop_mode(void)
{
    int32_t(*buf)[METER_CHANNELS] = make_samples();
    struct metro *mt = malloc(sizeof *mt);
    metro_init(mt);
    unsigned acc = 0;
    for (int b = 0; b < LOOP_BLOCKS; b++)
        for (int n = 0; n < METRO_N; n++)
            acc += metro_sample(mt, buf[n]);
    printf("%u\n", acc);
    free(mt);
    free(buf);
    return 0;
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

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--loop"))
        return loop_mode();

    printf("%-58s %14s\n", "measuring chain (src/metrology)", "value");
    /* instructions per sample set, callgrind on --loop */
    char cmd[1024];
    const char *out = "/tmp/bench_metro.callgrind";
    snprintf(cmd, sizeof cmd, "valgrind --tool=callgrind --callgrind-out-file=%s %s --loop >/dev/null 2>&1", out,
             argv[0]);
    double self = -1, incl = -1;
    if (getenv("BENCH_NO_CALLGRIND") == NULL && system(cmd) == 0) {
        self = callgrind_fn(out, "metro_sample", 0);
        incl = callgrind_fn(out, "metro_sample", 1);
        remove(out);
    }
    double sets = (double)LOOP_BLOCKS * METRO_N;
    if (self > 0) {
        printf("%-58s %14.1f\n", "host instr. per 3-phase sample set, per-sample path (-O2)", self / sets);
        printf("%-58s %14.1f\n", "  same incl. the 1 s block work, amortised", incl / sets);
        printf("%-58s %14s\n", "  target", "<= 150");
    } else {
        printf("%-58s %14s\n", "host instr. per sample set", "valgrind n/a");
    }
    FILE *f = fopen(TRIMETER_SOURCE_DIR "/build-cortex-m/metro_cycles.txt", "r");
    double cyc = -1;
    if (f != NULL) {
        if (fscanf(f, "%lf", &cyc) != 1)
            cyc = -1;
        fclose(f);
    }
    if (cyc > 0)
        printf("%-58s %14.0f\n", "Cortex-M cycles per sample set (QEMU icount, cm build)", cyc);
    else
        printf("%-58s %14s\n", "Cortex-M cycles per sample set", "not measured");

    /* simulator speed: synthesiser + ADC model + the whole virtual meter */
    struct adc_model adc;
    adc_init_default(&adc, 1);
    struct wave_gen *g = malloc(sizeof *g);
    struct wave_set *ws = household();
    wave_gen_init(g, METER_SAMPLE_RATE, &adc);
    wave_gen_load(g, ws, 50, 0);
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    memset(nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, 1774735200);
    const int secs = 60;
    double t0 = now_s();
    for (int s = 0; s < secs; s++)
        for (int n = 0; n < METRO_N; n++) {
            double x[METER_CHANNELS];
            int32_t c[METER_CHANNELS];
            wave_gen_next(g, x);
            adc_quantise(&adc, x, c);
            vmeter_step_sample(v, c);
        }
    double dt = now_s() - t0;
    printf("%-58s %14.0f\n", "simulator speed, samples feed, x real time (one core)", secs / dt);
    printf("%-58s %14s\n", "  target", ">= 500");
    printf("%-58s %14.1f\n", "  ns per sample set (synth + ADC + meter)", dt / secs / METRO_N * 1e9);
    printf("%-58s %14zu\n", "struct metro RAM (bytes)", sizeof(struct metro));
    free(g);
    free(ws);
    free(v);
    free(nvm);
    return 0;
}
