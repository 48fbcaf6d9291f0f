/*
 * bench_fleet — a head-end's view of trimeter-fleet (docs/FLEET.md):
 *   - start-up of an N-meter fleet (default 10 000) on its own loopback
 *     addresses (127.20.0.1 + i, one wildcard listener), real time;
 *   - the fleet's CPU per meter and simulated second while idle;
 *   - the sweep: the project's DLMS client (tests/dlms/dlms_client.js, via
 *     tests/fleet/fleet_read.js) reads 1-0:1.8.0.255 and the serial from
 *     every meter over the IEC 62056-47 wrapper with 64 associations at a
 *     time, three times: meters per second (min/median/max), the CPU share
 *     of the fleet process and of the client meanwhile; every answer must
 *     carry the meter's own serial;
 *   - a feeder outage of every meter (the fleet file: 2 minutes in, for
 *     1 minute): the time until all are back, a sweep after it (every
 *     meter answers again) and, at the end, every meter's event log holds
 *     the outage and no register went backwards.
 * The fleet runs as its own process (build-release/trimeter-fleet), the
 * client as another (node), so each CPU figure is one program's.
 * Usage: bench_fleet [meters]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#define CONNS 64
#define SWEEPS 3
#define ADDR0 0x7F140001u /* 127.20.0.1 */
#define SERIAL0 10000000u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of process pid (user + system). */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1.0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1.0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void loadavg(char *out, size_t n)
{
    FILE *f = fopen("/proc/loadavg", "r");
    out[0] = '\0';
    if (f != NULL) {
        if (fgets(out, (int)n, f) == NULL)
            out[0] = '\0';
        fclose(f);
    }
    out[strcspn(out, "\n")] = '\0';
}

/* ---- the metrics page ------------------------------------------------------------ */

static double metric(uint16_t port, const char *name)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7F000001u)};
    static char buf[32768];
    double v = -1.0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        goto out;
    const char *req = "GET /metrics HTTP/1.0\r\n\r\n";
    if (write(fd, req, strlen(req)) < 0)
        goto out;
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf - 1 && (k = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    char *p = strstr(buf, key);
    if (p != NULL)
        v = strtod(p + strlen(key), NULL);
out:
    if (fd >= 0)
        close(fd);
    return v;
}

/* ---- the sweep: the project's DLMS client, CONNS associations at a time ---------------- */

struct sweep {
    unsigned ok, bad_serial, failed;
    double seconds;     /* the client's own measure: first connect to last close */
    double client_cpu;  /* CPU seconds of the client process */
};

/* Read 1.8.0 and the serial of meters [0, n) with tests/fleet/fleet_read.js
 * (node, tests/dlms/dlms_client.js). Returns 0 when the client ran. */
static int sweep(struct sweep *s, uint16_t port, uint32_t n, const char *dir)
{
    char out[300], range[32], ports[16], conns[8];
    memset(s, 0, sizeof *s);
    snprintf(out, sizeof out, "%s/sweep.jsonl", dir);
    snprintf(range, sizeof range, "0-%u", n - 1u);
    snprintf(ports, sizeof ports, "%u", port);
    snprintf(conns, sizeof conns, "%d", CONNS);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        execlp("node", "node", TRIMETER_SOURCE_DIR "/tests/fleet/fleet_read.js", "--base", "127.20.0.1", "--port",
               ports, "--meters", range, "--conns", conns, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    s->client_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                    (double)ru.ru_stime.tv_usec / 1e6;
    FILE *f = fopen(out, "r");
    static char line[4096];
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        char *p;
        if ((p = strstr(line, "\"seconds\":")) != NULL && strstr(line, "\"summary\"") != NULL) {
            s->seconds = strtod(p + 10, NULL);
            continue;
        }
        unsigned meter = 0, serial = 0;
        if (sscanf(line, "{\"meter\":%u,", &meter) != 1)
            continue;
        if (strstr(line, "\"ok\":true") == NULL) {
            s->failed++;
            continue;
        }
        if ((p = strstr(line, "\"serial\":\"")) != NULL)
            serial = (unsigned)strtoul(p + 10, NULL, 10);
        if (serial == SERIAL0 + meter)
            s->ok++;
        else
            s->bad_serial++;
    }
    if (f != NULL)
        fclose(f);
    return s->seconds > 0 ? 0 : -1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000u;
    if (n < 100 || n > 1000000)
        n = 10000;
    char dir[] = "/tmp/bench_fleet.XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    char plan[300], regs[300], state[300], err_path[300];
    snprintf(plan, sizeof plan, "%s/plan.json", dir);
    snprintf(regs, sizeof regs, "%s/regs.jsonl", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(err_path, sizeof err_path, "%s/fleet.err", dir);
    FILE *pf = fopen(plan, "w");
    if (pf == NULL)
        return 1;
    /* every meter on one feeder: the whole fleet goes dark and comes back */
    fprintf(pf, "{\"feeder_size\": %u, \"events\": [{\"at\": \"2m\", \"type\": \"outage\", \"feeders\": \"0\", "
                "\"duration\": \"1m\"}]}\n", n);
    fclose(pf);

    char meters[16], addr[32];
    snprintf(meters, sizeof meters, "%u", n);
    snprintf(addr, sizeof addr, "127.20.0.1:0");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        execl(TRIMETER_BINARY_DIR "/trimeter-fleet", "trimeter-fleet", "--meters", meters, "--scenario",
              TRIMETER_SOURCE_DIR "/scenarios/household.json", "--fleet", plan, "--vary", "1", "--dlms", addr,
              "--metrics", "127.0.0.1:0", "--state-dir", state, "--until", "1000d", "--summary-every", "0",
              "--registers-out", regs, (char *)NULL);
        _exit(127);
    }
    /* the ports it chose, and its start-up */
    uint16_t port = 0, mport = 0;
    double up_wall = 0, up_cpu = 0;
    for (int k = 0; k < 36000 && (port == 0 || mport == 0); k++) {
        usleep(50000);
        FILE *e = fopen(err_path, "r");
        char line[512];
        while (e != NULL && fgets(line, sizeof line, e) != NULL) {
            char *p;
            if ((p = strstr(line, "meters up in ")) != NULL)
                sscanf(p, "meters up in %lf s (%lf s CPU", &up_wall, &up_cpu);
            if ((p = strstr(line, "served at ")) != NULL && (p = strchr(p, ':')) != NULL)
                port = (uint16_t)atoi(p + 1);
            if ((p = strstr(line, "metrics at http://127.0.0.1:")) != NULL)
                mport = (uint16_t)atoi(p + strlen("metrics at http://127.0.0.1:"));
        }
        if (e != NULL)
            fclose(e);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "bench_fleet: trimeter-fleet ended early (see %s)\n", err_path);
            return 1;
        }
    }
    char la[128];
    printf("%-58s %14s\n", "measure", "value");
    const char *bdir = strrchr(TRIMETER_BINARY_DIR, '/');
    printf("%-58s %14s\n", "build (blocks feed)", bdir != NULL ? bdir + 1 : TRIMETER_BINARY_DIR);
    printf("%-58s %14u\n", "meters (127.20.0.1 + i, one listener)", n);
    printf("%-58s %14s\n", "client", "dlms_client.js");
    printf("%-58s %14.1f\n", "start-up wall (s), fresh state", up_wall);
    printf("%-58s %14.1f\n", "start-up CPU (s, all threads)", up_cpu);
    printf("%-58s %14.2f\n", "start-up CPU per meter (ms)", up_cpu * 1000.0 / n);

    /* idle: the fleet's own cost of real time */
    double c0 = proc_cpu(pid), t0 = now_s();
    sleep(10);
    double idle = (proc_cpu(pid) - c0) / (now_s() - t0);
    printf("%-58s %14.3f\n", "idle CPU share (cores), real time", idle);
    printf("%-58s %14.3f\n", "idle CPU per meter-second (us)", idle * 1e6 / n);

    /* the sweeps */
    static struct sweep s;
    double rate[SWEEPS], cpu[SWEEPS], ccpu[SWEEPS];
    bool all_ok = true;
    for (int k = 0; k < SWEEPS; k++) {
        c0 = proc_cpu(pid);
        if (sweep(&s, port, n, dir) != 0) {
            fprintf(stderr, "bench_fleet: the DLMS client failed (node installed? scripts/deps.sh)\n");
            kill(pid, SIGTERM);
            return 1;
        }
        rate[k] = n / s.seconds;
        cpu[k] = (proc_cpu(pid) - c0) / s.seconds;
        ccpu[k] = s.client_cpu / s.seconds;
        if (s.ok != n) {
            all_ok = false;
            printf("  sweep %d: %u ok, %u wrong serial, %u failed\n", k + 1, s.ok, s.bad_serial, s.failed);
        }
    }
    qsort(rate, SWEEPS, sizeof rate[0], cmp_d);
    qsort(cpu, SWEEPS, sizeof cpu[0], cmp_d);
    qsort(ccpu, SWEEPS, sizeof ccpu[0], cmp_d);
    printf("%-58s %4.0f/%4.0f/%4.0f\n", "sweep 1.8.0, 64 connections: meters/s (min/median/max)", rate[0], rate[1],
           rate[2]);
    printf("%-58s %4.2f/%4.2f/%4.2f\n", "fleet CPU share during the sweep (cores, min/med/max)", cpu[0], cpu[1], cpu[2]);
    printf("%-58s %4.2f/%4.2f/%4.2f\n", "client CPU share during the sweep (cores, min/med/max)", ccpu[0], ccpu[1],
           ccpu[2]);
    printf("%-58s %14s\n", "every meter answered with its own serial", all_ok ? "yes" : "NO");

    /* the outage of every meter, 2 minutes after the start */
    double ok_wait = now_s();
    while (metric(mport, "trimeter_fleet_meters{state=\"off\"}") < n && now_s() - ok_wait < 600)
        usleep(100000);
    double t_off = now_s();
    while (metric(mport, "trimeter_fleet_boots_total") < n && now_s() - t_off < 1200)
        usleep(100000);
    double t_back = now_s();
    int sr = sweep(&s, port, n, dir);
    printf("%-58s %14.1f\n", "outage of every meter (60 s): power back to all up (s)", t_back - t_off - 60.0);
    printf("%-58s %14u\n", "meters answering after the restore (sweep)", sr == 0 ? s.ok : 0u);
    printf("%-58s %14.0f\n", "  sweep after the restore: meters/s", sr == 0 ? n / s.seconds : 0.0);

    /* stop (every meter saves) and check the registers it wrote */
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    FILE *rf = fopen(regs, "r");
    unsigned logged = 0, lines = 0, kept = 0;
    char line[2048];
    while (rf != NULL && fgets(line, sizeof line, rf) != NULL) {
        lines++;
        char *q = strstr(line, "\"quality\": ");
        char *u = strstr(line, "\"power_ups\": ");
        if (q != NULL && u != NULL && atoi(q + 11) >= 1 && atoi(u + 13) == 1)
            logged++;
        /* 1.8.0 as the meter holds it, then what was fed to it: nothing lost */
        char *r = strstr(line, "\"1.8.0\": ");
        char *fd = r != NULL ? strstr(r + 1, "\"1.8.0\": ") : NULL;
        if (r != NULL && fd != NULL && strtod(r + 9, NULL) >= strtod(fd + 9, NULL) - 1e-9)
            kept++;
    }
    if (rf != NULL)
        fclose(rf);
    printf("%-58s %8u of %u\n", "meters that logged the outage (quality log, power-ups)", logged, lines);
    printf("%-58s %8u of %u\n", "meters whose 1.8.0 holds every uWh fed (none lost)", kept, lines);
    loadavg(la, sizeof la);
    printf("%-58s %14s\n", "load average at the end (1, 5, 15 min; run/total)", la);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return all_ok && s.ok == n && logged == n && kept == n ? 0 : 1;
}
