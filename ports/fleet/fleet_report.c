/*
 * fleet_report.c — what the fleet tells: a summary line every N seconds,
 * the JSON summary at the end, per-meter register lines, Prometheus text.
 */
#include <stdlib.h>
#include <string.h>

#include "cosem/objtab.h"
#include "fleet.h"
#include "json_out.h"

void fleet_rss_kb(uint64_t *anon, uint64_t *file)
{
    *anon = *file = 0;
    FILE *fp = fopen("/proc/self/status", "r");
    if (fp == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, fp) != NULL) {
        unsigned long long v;
        if (sscanf(line, "RssAnon: %llu", &v) == 1)
            *anon = v;
        else if (sscanf(line, "RssFile: %llu", &v) == 1)
            *file = v;
    }
    fclose(fp);
}

static double loadavg1(void)
{
    double l = -1.0;
    FILE *fp = fopen("/proc/loadavg", "r");
    if (fp != NULL) {
        if (fscanf(fp, "%lf", &l) != 1)
            l = -1.0;
        fclose(fp);
    }
    return l;
}

static void fleet_time_text(const struct fleet *f, int64_t t_ms, char *buf, size_t n)
{
    if (scenario_format_local(&f->sc.zone, f->sc.start_utc + t_ms / 1000, buf, n) < 0)
        snprintf(buf, n, "?");
}

void fleet_summary_line(struct fleet *f, FILE *out)
{
    int64_t now = fleet_wall_ns();
    double dw = (double)(now - f->last_summary_ns) / 1e9;
    double ds = (double)(f->t_ms - f->last_summary_ms) / 1000.0;
    double cpu = fleet_cpu_s();
    double dcpu = cpu - (f->last_summary_cpu > 0 ? f->last_summary_cpu : f->cpu0_s);
    uint64_t dreq = f->net.requests - f->last_requests;
    uint64_t anon, file;
    fleet_rss_kb(&anon, &file);
    char t[40];
    fleet_time_text(f, f->t_ms, t, sizeof t);
    fprintf(out,
            "trimeter-fleet: %s meters %u on %u off %u booting %u | sessions %u requests %llu (%.1f/s) | sim/real %.2f "
            "| cpu %.0f%% rss %.0f MiB load %.2f\n",
            t, f->n, f->on, f->off, f->booting, f->net.open, (unsigned long long)f->net.requests,
            dw > 0 ? (double)dreq / dw : 0.0, dw > 0 ? ds / dw : 0.0, dw > 0 ? 100.0 * dcpu / dw : 0.0,
            (double)(anon + file) / 1024.0, loadavg1());
    fflush(out);
    f->last_summary_cpu = cpu;
    f->last_summary_ns = now;
    f->last_summary_ms = f->t_ms;
    f->last_requests = f->net.requests;
}

static double uwh_kwh(uint64_t v)
{
    return (double)v * 1e-9;
}

int fleet_json_summary(struct fleet *f, FILE *out)
{
    struct json_w w;
    double wall = (double)(fleet_wall_ns() - f->wall_start_ns) / 1e9;
    double run_wall = f->wall0_ns ? (double)(fleet_wall_ns() - f->wall0_ns) / 1e9 : 0.0;
    double cpu = fleet_cpu_s() - f->cpu0_s;
    double sim_s = (double)(f->sec * 1000 - f->t0_ms) / 1000.0;
    uint64_t anon, file;
    fleet_rss_kb(&anon, &file);
    char t[40];
    uint64_t sum[MEAS_QTY] = {0, 0, 0, 0};
    int64_t fed[MEAS_QTY] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < f->n; i++)
        for (int q = 0; q < MEAS_QTY; q++) {
            sum[q] += f->mt[i].m.energy.total[q];
            fed[q] += f->mt[i].fed_uwh[q];
        }
    jw_init(&w, out, 2);
    jw_obj_begin(&w);
    jw_key(&w, "meters");
    jw_uint(&w, f->n);
    jw_key(&w, "on");
    jw_uint(&w, f->on);
    jw_key(&w, "off");
    jw_uint(&w, f->off);
    jw_key(&w, "booting");
    jw_uint(&w, f->booting);
    jw_key(&w, "resumed");
    jw_bool(&w, f->st.existed);
    fleet_time_text(f, f->t0_ms, t, sizeof t);
    jw_key(&w, "start");
    jw_str(&w, t);
    fleet_time_text(f, f->sec * 1000, t, sizeof t);
    jw_key(&w, "time");
    jw_str(&w, t);
    jw_key(&w, "sim_seconds");
    jw_fixed(&w, sim_s, 0);
    jw_key(&w, "wall_seconds");
    jw_fixed(&w, wall, 3);
    jw_key(&w, "run_wall_seconds");
    jw_fixed(&w, run_wall, 3);
    jw_key(&w, "sim_real_ratio");
    jw_fixed(&w, run_wall > 0 ? sim_s / run_wall : 0.0, 3);
    jw_key(&w, "cpu_seconds");
    jw_fixed(&w, cpu, 3);
    jw_key(&w, "cpu_share");
    jw_fixed(&w, wall > 0 ? cpu / wall : 0.0, 3);
    jw_key(&w, "startup");
    jw_obj_begin(&w);
    jw_key(&w, "wall_seconds");
    jw_fixed(&w, f->stats.startup_wall_s, 3);
    jw_key(&w, "cpu_seconds");
    jw_fixed(&w, f->stats.boot_cpu_s, 3);
    jw_obj_end(&w);
    jw_key(&w, "load_average");
    jw_fixed(&w, loadavg1(), 2);
    jw_key(&w, "memory");
    jw_obj_begin(&w);
    jw_key(&w, "rss_anon_kb");
    jw_uint(&w, anon);
    jw_key(&w, "rss_file_kb");
    jw_uint(&w, file);
    jw_key(&w, "struct_meter_bytes");
    jw_uint(&w, sizeof(struct meter));
    jw_key(&w, "struct_fleet_meter_bytes");
    jw_uint(&w, sizeof(struct fleet_meter));
    jw_obj_end(&w);
    jw_key(&w, "disk_bytes");
    jw_uint(&w, fleet_store_disk_bytes(&f->st));
    jw_key(&w, "blocks");
    jw_uint(&w, f->stats.blocks);
    jw_key(&w, "boots");
    jw_uint(&w, f->stats.boots);
    jw_key(&w, "power_downs");
    jw_uint(&w, f->stats.power_downs);
    jw_key(&w, "events_applied");
    jw_uint(&w, f->stats.events_applied);
    jw_key(&w, "event_refusals");
    jw_uint(&w, f->stats.event_refusals);
    jw_key(&w, "sessions");
    jw_obj_begin(&w);
    jw_key(&w, "open");
    jw_uint(&w, f->net.open);
    jw_key(&w, "accepted");
    jw_uint(&w, f->net.accepted);
    jw_key(&w, "refused");
    jw_uint(&w, f->net.refused);
    jw_obj_end(&w);
    jw_key(&w, "requests");
    jw_uint(&w, f->net.requests);
    jw_key(&w, "bytes_in");
    jw_uint(&w, f->net.bytes_in);
    jw_key(&w, "bytes_out");
    jw_uint(&w, f->net.bytes_out);
    /* the fleet's energy: registers (since manufacture) and fed in this run */
    static const char *const codes[MEAS_QTY] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0"};
    jw_key(&w, "registers_kwh");
    jw_obj_begin(&w);
    for (int q = 0; q < MEAS_QTY; q++) {
        jw_key(&w, codes[q]);
        jw_fixed(&w, uwh_kwh(sum[q]), 6);
    }
    jw_obj_end(&w);
    jw_key(&w, "fed_kwh");
    jw_obj_begin(&w);
    for (int q = 0; q < MEAS_QTY; q++) {
        jw_key(&w, codes[q]);
        jw_fixed(&w, uwh_kwh((uint64_t)fed[q]), 6);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

int fleet_registers_out(struct fleet *f, const char *path)
{
    static const char *const codes[MEAS_QTY] = {"1.8.0", "2.8.0", "3.8.0", "4.8.0"};
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        return -1;
    for (uint32_t i = 0; i < f->n; i++) {
        const struct fleet_meter *fm = &f->mt[i];
        struct json_w w;
        char t[40], addr[48];
        jw_init(&w, fp, 1);
        jw_obj_begin(&w);
        jw_key(&w, "meter");
        jw_uint(&w, i);
        jw_key(&w, "serial");
        snprintf(t, sizeof t, "%08u", fm->m.serial);
        jw_str(&w, t);
        if (f->o.net_set) {
            fleet_net_address(f, i, addr, sizeof addr);
            jw_key(&w, "address");
            jw_str(&w, addr);
        }
        jw_key(&w, "state");
        jw_str(&w, fm->state == FM_ON ? "on" : fm->state == FM_BOOT ? "booting" : "off");
        jw_key(&w, "time");
        fleet_time_text(f, (fm->m.now - f->sc.start_utc) * 1000, t, sizeof t);
        jw_str(&w, t);
        jw_key(&w, "status");
        jw_uint(&w, fm->m.status & ~(uint32_t)METER_ST_UNPERSONALISED);
        for (int q = 0; q < MEAS_QTY; q++) {
            jw_key(&w, codes[q]);
            jw_fixed(&w, uwh_kwh(fm->m.energy.total[q]), 9);
        }
        jw_key(&w, "fed");
        jw_obj_begin(&w);
        for (int q = 0; q < MEAS_QTY; q++) {
            jw_key(&w, codes[q]);
            jw_fixed(&w, uwh_kwh((uint64_t)fm->fed_uwh[q]), 9);
        }
        jw_obj_end(&w);
        jw_key(&w, "power_ups");
        jw_uint(&w, fm->power_ups);
        jw_key(&w, "events");
        jw_obj_begin(&w);
        for (unsigned l = 0; l < EVLOG_COUNT; l++) {
            jw_key(&w, evlog_log_name((enum evlog_log)l));
            jw_uint(&w, fm->m.evlog.count[l]);
        }
        jw_obj_end(&w);
        jw_key(&w, "feed");
        jw_str(&w, fm->smp != NULL ? "samples" : "blocks");
        jw_obj_end(&w);
        fputc('\n', fp);
    }
    bool bad = ferror(fp) != 0;
    return fclose(fp) != 0 || bad ? -1 : 0;
}

size_t fleet_metrics_text(struct fleet *f, char *buf, size_t n)
{
    uint64_t anon, file;
    fleet_rss_kb(&anon, &file);
    int k = snprintf(
        buf, n,
        "# HELP trimeter_fleet_meters Meters of the fleet by power state.\n"
        "# TYPE trimeter_fleet_meters gauge\n"
        "trimeter_fleet_meters{state=\"on\"} %u\ntrimeter_fleet_meters{state=\"off\"} %u\n"
        "trimeter_fleet_meters{state=\"booting\"} %u\n"
        "# HELP trimeter_fleet_sessions Connections open now.\n# TYPE trimeter_fleet_sessions gauge\n"
        "trimeter_fleet_sessions %u\n"
        "# HELP trimeter_fleet_connections_total Connections accepted or refused (no supply, unreachable, no free line).\n"
        "# TYPE trimeter_fleet_connections_total counter\n"
        "trimeter_fleet_connections_total{result=\"accepted\"} %llu\n"
        "trimeter_fleet_connections_total{result=\"refused\"} %llu\n"
        "# HELP trimeter_fleet_requests_total Requests answered (first bytes of an answer after received bytes).\n"
        "# TYPE trimeter_fleet_requests_total counter\ntrimeter_fleet_requests_total %llu\n"
        "# HELP trimeter_fleet_bytes_total Bytes received and sent on meter connections.\n"
        "# TYPE trimeter_fleet_bytes_total counter\n"
        "trimeter_fleet_bytes_total{direction=\"in\"} %llu\ntrimeter_fleet_bytes_total{direction=\"out\"} %llu\n"
        "# HELP trimeter_fleet_sim_seconds Simulated seconds since the template's start.\n"
        "# TYPE trimeter_fleet_sim_seconds gauge\ntrimeter_fleet_sim_seconds %lld\n"
        "# HELP trimeter_fleet_blocks_total Meter-seconds fed.\n# TYPE trimeter_fleet_blocks_total counter\n"
        "trimeter_fleet_blocks_total %llu\n"
        "# HELP trimeter_fleet_boots_total Meter power-ups after outages.\n# TYPE trimeter_fleet_boots_total counter\n"
        "trimeter_fleet_boots_total %llu\n"
        "# HELP trimeter_fleet_power_downs_total Meter power-downs.\n# TYPE trimeter_fleet_power_downs_total counter\n"
        "trimeter_fleet_power_downs_total %llu\n"
        "# HELP trimeter_fleet_events_total Fleet events applied to meters.\n# TYPE trimeter_fleet_events_total counter\n"
        "trimeter_fleet_events_total %llu\n"
        "# HELP trimeter_fleet_cpu_seconds_total CPU time of the fleet process.\n"
        "# TYPE trimeter_fleet_cpu_seconds_total counter\ntrimeter_fleet_cpu_seconds_total %.3f\n"
        "# HELP trimeter_fleet_resident_bytes Resident memory of the process.\n"
        "# TYPE trimeter_fleet_resident_bytes gauge\n"
        "trimeter_fleet_resident_bytes{kind=\"anon\"} %llu\ntrimeter_fleet_resident_bytes{kind=\"file\"} %llu\n"
        "# HELP trimeter_fleet_disk_bytes Disk the EEPROM images occupy.\n# TYPE trimeter_fleet_disk_bytes gauge\n"
        "trimeter_fleet_disk_bytes %llu\n",
        f->on, f->off, f->booting, f->net.open, (unsigned long long)f->net.accepted,
        (unsigned long long)f->net.refused, (unsigned long long)f->net.requests, (unsigned long long)f->net.bytes_in,
        (unsigned long long)f->net.bytes_out, (long long)(f->t_ms / 1000), (unsigned long long)f->stats.blocks,
        (unsigned long long)f->stats.boots, (unsigned long long)f->stats.power_downs,
        (unsigned long long)f->stats.events_applied, fleet_cpu_s(), (unsigned long long)anon * 1024u,
        (unsigned long long)file * 1024u, (unsigned long long)fleet_store_disk_bytes(&f->st));
    return k < 0 ? 0 : (size_t)k >= n ? n - 1 : (size_t)k;
}
