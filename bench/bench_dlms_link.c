/*
 * bench_dlms_link — the DLMS link layers' figures:
 *   - the full load profile (A+ A- R+ R- every 15 min, full depth of the
 *     store's profile area) read with GET and block transfer over HDLC:
 *     the encoded buffer bytes (attribute 2), the bytes on the line both
 *     ways, the line time at 9600 Bd (10 bits per byte) and the direction
 *     changes, for windows 1 and 7 and information fields of 128 and the
 *     meter's maximum, against the line time of the encoded bytes alone;
 *   - instructions of the HDLC link layer per byte of the profile
 *     (callgrind on this program's own transfer, when valgrind is there);
 *   - the wrapper round trip on TCP loopback (a GET request and its
 *     answer through the kernel and src/proto/wrapper), min/median/max.
 * The link layer is the real one (src/proto/hdlc); the client is the
 * bench's own HDLC primary. The APDUs are modelled here from the
 * profile's A-XDR layout until the application's GET is on main (then the
 * encoded bytes come from dlms_serve on a virtual meter with a full
 * profile): entry = structure(6) { clock octet-string(12), status
 * unsigned, 4 x double-long-unsigned } = 38 bytes; blocks are
 * GET-Response-With-Datablock of the negotiated PDU size.
 * Usage: bench_dlms_link [--cg]   (--cg: one transfer, for callgrind)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/hdlc/hdlc_frame.h"
#include "proto/hdlc/hdlc_link.h"
#include "proto/wrapper/wrapper.h"
#include "registers/profile.h"
#include "vmeter.h"

#define BAUD 9600.0
#define ENTRY_BYTES 38u

/* ---- the modelled application: attribute 2 of the profile in blocks ---- */

struct app {
    size_t entries;      /* profile entries */
    size_t total;        /* encoded attribute bytes */
    size_t pdu;          /* negotiated max PDU */
    size_t sent;         /* raw-data bytes sent so far */
    uint32_t block;
    uint8_t rsp[2100];
    uint8_t rq[2100];
};

static size_t axdr_len(uint8_t *p, size_t n)
{
    if (n < 0x80u) {
        p[0] = (uint8_t)n;
        return 1;
    }
    if (n < 0x100u) {
        p[0] = 0x81;
        p[1] = (uint8_t)n;
        return 2;
    }
    p[0] = 0x82;
    p[1] = (uint8_t)(n >> 8);
    p[2] = (uint8_t)n;
    return 3;
}

/* The encoded attribute: array header then the entries. Contents do not
 * matter to the link layer; the lengths are exact. */
static size_t encoded_bytes(size_t entries)
{
    uint8_t h[4];
    return 1 + axdr_len(h, entries) + entries * ENTRY_BYTES;
}

/* Answer a GET-Request-Normal or -Next with the next data block. */
static size_t app_serve(struct app *a, size_t n)
{
    if (n >= 3 && a->rq[0] == 0xC0 && a->rq[1] == 0x01) {
        a->sent = 0;
        a->block = 0;
    }
    size_t room = a->pdu - 12; /* C4 02 id last block(4) 00 len(3) */
    size_t d = a->total - a->sent < room ? a->total - a->sent : room;
    uint8_t *p = a->rsp;
    *p++ = 0xC4;
    *p++ = 0x02;
    *p++ = 0xC1;
    *p++ = a->sent + d == a->total;
    a->block++;
    *p++ = (uint8_t)(a->block >> 24);
    *p++ = (uint8_t)(a->block >> 16);
    *p++ = (uint8_t)(a->block >> 8);
    *p++ = (uint8_t)a->block;
    *p++ = 0x00;
    p += axdr_len(p, d);
    memset(p, 0x06, d);
    p += d;
    a->sent += d;
    return (size_t)(p - a->rsp);
}

/* ---- the bench's HDLC client ------------------------------------------- */

struct line {
    struct hdlc_link l;
    struct app *app;
    uint64_t up, down;   /* bytes client -> meter, meter -> client */
    uint64_t turns;      /* direction changes */
    int last_dir;
    uint8_t out[16 * 2100];
    size_t out_len;
    uint8_t ns, nr;
};

static void line_dir(struct line *ln, int dir)
{
    if (ln->last_dir != dir)
        ln->turns++;
    ln->last_dir = dir;
}

static void meter_drain(struct line *ln)
{
    const uint8_t *p;
    size_t k;
    while ((k = hdlc_link_tx(&ln->l, &p)) > 0) {
        memcpy(ln->out + ln->out_len, p, k);
        ln->out_len += k;
        ln->down += k;
        line_dir(ln, 1);
    }
}

static void meter_rx(struct line *ln, const uint8_t *b, size_t n)
{
    size_t k = 0;
    ln->up += n;
    line_dir(ln, 0);
    while (k < n) {
        struct hdlc_ev ev;
        k += hdlc_link_rx(&ln->l, b + k, n - k, 0, &ev);
        if (ev.type == HDLC_EV_CONNECT)
            hdlc_link_accept(&ln->l, ln->app->rq, sizeof ln->app->rq);
        else if (ev.type == HDLC_EV_APDU)
            hdlc_link_respond(&ln->l, ln->app->rsp, app_serve(ln->app, ev.len));
        meter_drain(ln);
    }
}

static const struct hdlc_addr SRV = {1, 17, 2}, CL = {16, 0, 1};

static void cl_send(struct line *ln, bool seg, uint8_t ctl, const uint8_t *info, size_t n)
{
    uint8_t f[2100];
    size_t k = hdlc_frame_encode(f, sizeof f, seg, &SRV, &CL, ctl, info, n);
    meter_rx(ln, f, k);
}

static bool cl_frame(struct line *ln, struct hdlc_frame *f, uint8_t *info)
{
    int k = hdlc_frame_parse(ln->out, ln->out_len, f);
    if (k <= 0)
        return false;
    if (f->info_len > 0)
        memcpy(info, f->info, f->info_len);
    memmove(ln->out, ln->out + k, ln->out_len - (size_t)k);
    ln->out_len -= (size_t)k;
    return true;
}

/* One request APDU (fits a frame), then the whole response. Returns the
 * response APDU's length, 0 on a protocol failure. */
static size_t cl_exchange(struct line *ln, const uint8_t *apdu, size_t n, uint8_t *rsp)
{
    uint8_t info[2100];
    memcpy(info, "\xE6\xE6\x00", 3);
    memcpy(info + 3, apdu, n);
    cl_send(ln, false, hdlc_ctl_i(ln->ns, ln->nr, true), info, n + 3);
    ln->ns = (uint8_t)((ln->ns + 1) & 7);
    size_t len = 0;
    bool first = true;
    for (;;) {
        struct hdlc_frame f;
        if (!cl_frame(ln, &f, info) || !hdlc_ctl_is_i(f.ctl) || hdlc_ctl_ns(f.ctl) != ln->nr)
            return 0;
        ln->nr = (uint8_t)((ln->nr + 1) & 7);
        size_t skip = first ? 3 : 0;
        first = false;
        memcpy(rsp + len, info + skip, f.info_len - skip);
        len += f.info_len - skip;
        if (!f.seg)
            return len;
        if (f.ctl & HDLC_PF)
            cl_send(ln, false, hdlc_ctl_s(HDLC_CTL_RR, ln->nr, true), NULL, 0);
    }
}

struct result {
    uint64_t up, down, turns, blocks;
    size_t encoded;
    int ok;
};

static struct result transfer(size_t entries, size_t pdu, uint16_t info, uint8_t win)
{
    static struct line ln;
    static struct app app;
    struct result r = {0};
    memset(&ln, 0, sizeof ln);
    memset(&app, 0, sizeof app);
    app.entries = entries;
    app.total = encoded_bytes(entries);
    app.pdu = pdu;
    ln.app = &app;
    ln.last_dir = -1;
    struct hdlc_cfg cfg;
    hdlc_cfg_default(&cfg);
    hdlc_link_init(&ln.l, &cfg);
    ln.l.inter_octet_ms = 0xFFFF;
    uint8_t par[HDLC_PARAMS_MAX];
    struct hdlc_params p = {info, info, win, win};
    size_t pn = hdlc_params_encode(par, &p);
    cl_send(&ln, false, HDLC_CTL_SNRM | HDLC_PF, par, pn);
    struct hdlc_frame f;
    uint8_t tmp[2100];
    if (!cl_frame(&ln, &f, tmp) || f.ctl != 0x73)
        return r;
    /* (AARQ/AARE and the release are the same few hundred bytes for
     * every variant and left out) */
    static uint8_t rsp[2100];
    static const uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x07, 1, 0, 99, 1, 0, 255, 0x02, 0x00};
    size_t n = cl_exchange(&ln, get, sizeof get, rsp);
    r.blocks = 1;
    while (n > 0 && rsp[3] == 0) {
        uint8_t next[7] = {0xC0, 0x02, 0xC1, rsp[4], rsp[5], rsp[6], rsp[7]};
        n = cl_exchange(&ln, next, sizeof next, rsp);
        r.blocks++;
    }
    r.ok = n > 0 && app.sent == app.total;
    r.up = ln.up;
    r.down = ln.down;
    r.turns = ln.turns;
    r.encoded = app.total;
    return r;
}

/* ---- wrapper round trip on loopback --------------------------------------- */

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int wrapper_loopback(double *mn, double *md, double *mx)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        return -1;
    int cs = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(cs, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    int ss = accept(ls, NULL, NULL);
    int one = 1;
    setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(ss, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    static struct wrapper w;
    wrapper_init(&w);
    static uint8_t rq[1024];
    /* GET 1-0:1.8.0.255 attribute 2, answered with a double-long-unsigned */
    static const uint8_t req[] = {0, 1, 0, 16, 0, 1, 0, 13, 0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 0x02, 0x00};
    static const uint8_t ans[] = {0xC4, 0x01, 0xC1, 0x00, 0x06, 0x00, 0x00, 0x13, 0x91};
    enum { RUNS = 2000 };
    static double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_us();
        if (write(cs, req, sizeof req) != (ssize_t)sizeof req)
            return -1;
        uint8_t b[64];
        size_t got = 0;
        bool done = false;
        while (!done) {
            ssize_t k = read(ss, b, sizeof b);
            if (k <= 0)
                return -1;
            size_t off = 0;
            while (off < (size_t)k) {
                struct wrapper_ev ev;
                off += wrapper_rx(&w, b + off, (size_t)k - off, &ev);
                if (ev.type == WRAPPER_EV_OPEN)
                    wrapper_accept(&w, rq, sizeof rq);
                if (ev.type == WRAPPER_EV_APDU) {
                    wrapper_respond(&w, ans, sizeof ans);
                    const uint8_t *p;
                    size_t n;
                    while ((n = wrapper_tx(&w, &p)) > 0)
                        if (write(ss, p, n) != (ssize_t)n)
                            return -1;
                    done = true;
                }
            }
        }
        while (got < 8 + sizeof ans) {
            ssize_t k = read(cs, b, sizeof b);
            if (k <= 0)
                return -1;
            got += (size_t)k;
        }
        t[i] = now_us() - t0;
    }
    qsort(t, RUNS, sizeof t[0], cmp_d);
    *mn = t[0];
    *md = t[RUNS / 2];
    *mx = t[RUNS - 1];
    close(cs);
    close(ss);
    close(ls);
    return RUNS;
}

/* Inclusive instructions of fn from a callgrind output file. */
static double callgrind_fn(const char *file, const char *fn)
{
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd, "callgrind_annotate --inclusive=yes %s 2>/dev/null", file);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    double v = -1;
    while (fgets(line, sizeof line, p) != NULL) {
        char *s = strstr(line, fn);
        if (s == NULL || (s[strlen(fn)] != ' ' && s[strlen(fn)] != '\n' && s[strlen(fn)] != '['))
            continue;
        char num[64];
        size_t j = 0;
        for (char *q = line; *q && q < s && j + 1 < sizeof num; q++)
            if ((*q >= '0' && *q <= '9'))
                num[j++] = *q;
            else if (*q == ' ' && j > 0)
                break;
        num[j] = 0;
        v = atof(num);
        break;
    }
    pclose(p);
    return v;
}

int main(int argc, char **argv)
{
    /* full depth: what the factory meter's profile ring (4 channels) holds */
    static struct vmeter v;
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    if (nvm == NULL)
        return 1;
    memset(nvm, 0xFF, VMETER_NVM_SIZE);
    if (vmeter_boot(&v, nvm, VMETER_NVM_SIZE, 1774742400) != 0)
        return 1;
    size_t entries = profile_capacity(&v.m, 0);
    free(nvm);
    if (argc > 1 && strcmp(argv[1], "--cg") == 0) {
        struct result r = transfer(entries, 1024, HDLC_INFO_MAX, 7);
        return r.ok ? 0 : 1;
    }
    double la[3] = {0};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf != NULL) {
        if (fscanf(lf, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3)
            la[0] = -1;
        fclose(lf);
    }
    printf("DLMS link layers (build: %s, load average %.2f)\n\n", TRIMETER_BINARY_DIR, la[0]);
    size_t enc = encoded_bytes(entries);
    double t_enc = (double)enc * 10.0 / BAUD;
    printf("Full load profile, A+ A- R+ R- at 15 min, full depth: %zu entries (%u days), "
           "encoded attribute 2: %zu bytes (modelled: %u bytes per entry)\n",
           entries, (unsigned)(entries / 96), enc, ENTRY_BYTES);
    printf("Line time of the encoded bytes alone at 9600 Bd: %.1f s\n\n", t_enc);
    printf("| PDU | info field | window | blocks | bytes meter->client | client->meter | line time (s) | "
           "vs encoded | turnarounds |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    static const size_t pdus[] = {1024, 512};
    static const uint16_t infos[] = {128, HDLC_INFO_MAX};
    static const uint8_t wins[] = {1, 7};
    for (size_t pi = 0; pi < 2; pi++)
        for (size_t ii = 0; ii < 2; ii++)
            for (size_t wi = 0; wi < 2; wi++) {
                struct result r = transfer(entries, pdus[pi], infos[ii], wins[wi]);
                if (!r.ok) {
                    printf("| %zu | %u | %u | transfer failed |\n", pdus[pi], infos[ii], wins[wi]);
                    continue;
                }
                double t = (double)(r.up + r.down) * 10.0 / BAUD;
                printf("| %zu | %u | %u | %llu | %llu | %llu | %.1f | %+.1f %% | %llu |\n", pdus[pi], infos[ii],
                       wins[wi], (unsigned long long)r.blocks, (unsigned long long)r.down,
                       (unsigned long long)r.up, t, (t / t_enc - 1.0) * 100.0, (unsigned long long)r.turns);
            }
    printf("\n(line time: every byte both ways at 10 bits; the client's and the meter's reaction times "
           "come on top, once per turnaround)\n\n");

    /* instructions of the link layer: callgrind on --cg */
    char cg[] = "/tmp/bench_dlms_link.cg.XXXXXX";
    int fd = mkstemp(cg);
    if (fd >= 0) {
        close(fd);
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "valgrind --tool=callgrind --callgrind-out-file=%s %s --cg >/dev/null 2>&1", cg, argv[0]);
        if (system(cmd) == 0) {
            double rx = callgrind_fn(cg, "hdlc_link_rx"), tx = callgrind_fn(cg, "hdlc_link_tx");
            printf("HDLC link layer, profile at PDU 1024 / info %u / window 7 (callgrind, this build): "
                   "hdlc_link_rx %.0f + hdlc_link_tx %.0f instructions = %.2f per encoded byte\n\n",
                   HDLC_INFO_MAX, rx, tx, (rx + tx) / (double)enc);
        } else {
            printf("HDLC link layer instructions: valgrind not available\n\n");
        }
        remove(cg);
    }

    double mn, md, mx;
    int runs = wrapper_loopback(&mn, &md, &mx);
    if (runs > 0)
        printf("Wrapper round trip on TCP loopback (GET 1-0:1.8.0.255 request 21 bytes, answer 17 bytes, "
               "src/proto/wrapper + kernel, %d runs): min %.1f us, median %.1f us, max %.1f us\n",
               runs, mn, md, mx);
    else
        printf("Wrapper round trip: loopback socket failed\n");
    return 0;
}
