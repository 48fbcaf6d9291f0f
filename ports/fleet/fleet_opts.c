/*
 * fleet_opts.c — trimeter-fleet's command line (../shared/SIMULATOR.md,
 * docs/FLEET.md): an option is one row of fleet_options[].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

/* "A.B.C.D:PORT" (PORT 1..65535; 0 = any free port where allowed). */
static int parse_addr_port(const char *a, uint32_t *addr, uint16_t *port, bool any_ok, char *err, size_t n)
{
    const char *colon = strrchr(a, ':');
    char host[64];
    uint64_t p;
    if (colon == NULL || (size_t)(colon - a) >= sizeof host || colon == a) {
        snprintf(err, n, "expected ADDR:PORT (e.g. 127.2.0.1:4059), not \"%s\"", a);
        return -1;
    }
    memcpy(host, a, (size_t)(colon - a));
    host[colon - a] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, host, &in) != 1) {
        snprintf(err, n, "not an IPv4 address: \"%s\"", host);
        return -1;
    }
    if (cli_u64(colon + 1, any_ok ? 0 : 1, 65535, &p, err, n) < 0)
        return -1;
    *addr = ntohl(in.s_addr);
    *port = (uint16_t)p;
    return 0;
}

static int opt_meters(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    uint64_t v;
    if (cli_u64(a, 1, FLEET_METERS_MAX, &v, err, n) < 0)
        return -1;
    o->meters = (uint32_t)v;
    return 0;
}

static int opt_scenario(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    (void)err, (void)n;
    o->scenario = a;
    return 0;
}

static int opt_plan(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    (void)err, (void)n;
    o->plan = a;
    return 0;
}

static int opt_state_dir(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (a[0] == '\0') {
        snprintf(err, n, "empty directory name");
        return -1;
    }
    o->state_dir = a;
    return 0;
}

static int opt_vary(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (cli_u64(a, 0, UINT64_MAX, &o->vary_seed, err, n) < 0)
        return -1;
    o->vary_set = true;
    return 0;
}

static int opt_serial_base(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    return cli_u64(a, 1, FLEET_SERIAL_MAX, &o->serial_base, err, n);
}

static int opt_dlms(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (parse_addr_port(a, &o->net_addr, &o->net_port, true, err, n) < 0)
        return -1;
    o->net_set = true;
    o->net_ports = false;
    return 0;
}

static int opt_dlms_ports(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (parse_addr_port(a, &o->net_addr, &o->net_port, false, err, n) < 0)
        return -1;
    o->net_set = true;
    o->net_ports = true;
    return 0;
}

static int opt_fast(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->fast = true;
    return 0;
}

static int opt_until(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    o->until_set = true;
    return cli_until(a, &o->until, &o->until_abs, err, n);
}

static int opt_json_summary(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->json_summary = true;
    return 0;
}

static int opt_summary_every(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    char *end;
    errno = 0;
    double v = strtod(a, &end);
    if (*end != '\0' || errno != 0 || !(v >= 0.0) || v > 86400.0) {
        snprintf(err, n, "expected seconds 0..86400 (0 = no summary lines), not \"%s\"", a);
        return -1;
    }
    o->summary_every = v;
    return 0;
}

static int opt_metrics(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (parse_addr_port(a, &o->metrics_addr, &o->metrics_port, true, err, n) < 0)
        return -1;
    o->metrics_set = true;
    return 0;
}

static int opt_samples(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    const char *p = a;
    o->nsamples = 0;
    while (*p != '\0') {
        char num[16];
        size_t k = strcspn(p, ",");
        if (k == 0 || k >= sizeof num) {
            snprintf(err, n, "expected meter numbers separated by commas (e.g. 0,17,42), not \"%s\"", a);
            return -1;
        }
        memcpy(num, p, k);
        num[k] = '\0';
        uint64_t v;
        if (cli_u64(num, 0, FLEET_METERS_MAX - 1, &v, err, n) < 0)
            return -1;
        if (o->nsamples == FLEET_SAMPLES_MAX) {
            snprintf(err, n, "at most %u meters in the samples feed", FLEET_SAMPLES_MAX);
            return -1;
        }
        for (unsigned j = 0; j < o->nsamples; j++)
            if (o->samples[j] == v) {
                snprintf(err, n, "meter %llu listed twice", (unsigned long long)v);
                return -1;
            }
        o->samples[o->nsamples++] = (uint32_t)v;
        p += k;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int opt_registers_out(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    if (a[0] == '\0') {
        snprintf(err, n, "empty file name");
        return -1;
    }
    o->registers_out = a;
    return 0;
}

static int opt_threads(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    uint64_t v;
    if (cli_u64(a, 0, 64, &v, err, n) < 0)
        return -1;
    o->threads = (unsigned)v;
    return 0;
}

static int opt_help(void *opts, const char *a, char *err, size_t n)
{
    struct fleet_opts *o = opts;
    (void)a, (void)err, (void)n;
    o->help = true;
    return 0;
}

const struct cli_option fleet_options[] = {
    {"--meters", "N", opt_meters, "number of meters (1.." "1000000" ", default 1)"},
    {"--scenario", "FILE", opt_scenario, "template scenario every meter runs (default: the fleet file's, else " FLEET_DEFAULT_SCENARIO ")"},
    {"--fleet", "FILE", opt_plan, "fleet scenario: variation, network shares, events for groups (docs/FLEET.md)"},
    {"--vary", "SEED", opt_vary, "seeded per-meter variation: load scale, time shift, phase imbalance, tagged segments, clock drift"},
    {"--serial-base", "N", opt_serial_base, "meter i has serial N + i (default 10000000)"},
    {"--dlms", "ADDR:PORT", opt_dlms, "meter i serves on address ADDR + i, port PORT (one wildcard listener; PORT 0: any free port, printed)"},
    {"--dlms-ports", "ADDR:PORT", opt_dlms_ports, "meter i serves on ADDR, port PORT + i (one listener per meter)"},
    {"--state-dir", "DIR", opt_state_dir, "keep the meters' EEPROM images in DIR/fleet.eeprom; resumed when present"},
    {"--fast", NULL, opt_fast, "as fast as possible (default: real time)"},
    {"--until", "DURATION|ISO-TIME", opt_until, "run for a duration (1h30m) or up to a time (with offset)"},
    {"--json-summary", NULL, opt_json_summary, "print one JSON object with the run's figures at the end"},
    {"--summary-every", "SECONDS", opt_summary_every, "a summary line on stderr every SECONDS of wall time (default 10, 0 = none)"},
    {"--metrics", "ADDR:PORT", opt_metrics, "Prometheus text metrics over HTTP on ADDR:PORT (GET /metrics; PORT 0: any, printed)"},
    {"--samples", "I,J,...", opt_samples, "run these meters in the samples feed (waveforms, ADC model, DSP)"},
    {"--registers-out", "FILE", opt_registers_out, "at the end, one JSON line per meter: serial, time, registers, event counts"},
    {"--threads", "N", opt_threads, "threads for the start-up power-up of the meters (default: one per CPU)"},
    {"--help", NULL, opt_help, "this text"},
    {NULL, NULL, NULL, NULL},
};

void fleet_usage(FILE *f)
{
    fputs("usage: trimeter-fleet --meters N [options]\n"
          "Many virtual trimeter meters in one process, each on its own address (docs/FLEET.md).\n\n",
          f);
    cli_usage(fleet_options, f, 28);
    fputs("\nExit status: 0 success, 2 bad input (command line, scenario, fleet file), 1 other failure.\n", f);
}

int fleet_parse_args(int argc, char **argv, struct fleet_opts *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->meters = 1;
    o->serial_base = FLEET_DEFAULT_SERIAL_BASE;
    o->summary_every = 10.0;
    if (cli_parse(fleet_options, argc, argv, o, err, n) < 0)
        return -1;
    /* checks across options */
    if (o->serial_base + o->meters - 1u > FLEET_SERIAL_MAX) {
        snprintf(err, n, "command line: --serial-base %llu + %u meters passes %u (serials have 8 digits)",
                 (unsigned long long)o->serial_base, o->meters, FLEET_SERIAL_MAX);
        return -1;
    }
    if (o->net_set && !o->net_ports && (uint64_t)o->net_addr + o->meters - 1u > 0xffffffffull) {
        snprintf(err, n, "command line: --dlms: %u addresses from there pass 255.255.255.255", o->meters);
        return -1;
    }
    if (o->net_set && o->net_ports && (uint64_t)o->net_port + o->meters - 1u > 65535u) {
        snprintf(err, n, "command line: --dlms-ports: %u ports from %u pass 65535", o->meters, o->net_port);
        return -1;
    }
    for (unsigned j = 0; j < o->nsamples; j++)
        if (o->samples[j] >= o->meters) {
            snprintf(err, n, "command line: --samples: meter %u does not exist (--meters %u)", o->samples[j], o->meters);
            return -1;
        }
    return 0;
}
