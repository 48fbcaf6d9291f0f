/*
 * bench_dlms — the DLMS application layer's cost:
 *   - host instructions for one GET of 1-0:1.8.0.255 attribute 2, request
 *     in to response out (callgrind, inclusive count of dlms_serve over
 *     N requests), for the public client (plain) and the management
 *     client (the request deciphered and the answer ciphered, AES-GCM on
 *     the host HAL's engine);
 *   - wall time per GET (min/median/max of 3 runs);
 *   - the encoded size of a load-profile entry (A+, A-, R+, R-) and of the
 *     whole buffer at the profile's full depth, which the link bench
 *     (bench_dlms_link) turns into line time.
 * Usage: bench_dlms            the table
 *        bench_dlms --loop public|mgmt N   the callgrind subject
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cosem/cosem.h"
#include "proto/dlms/dlms.h"
#include "proto/dlms/sec.h"
#include "vmeter.h"

static const uint8_t ek[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                               0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t title[8] = {'B', 'E', 'N', 'C', 'H', 0, 0, 1};

static const uint8_t get_ap[13] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 2, 0};

struct bench {
    struct vmeter v;
    uint8_t *nvm;
    struct dlms_ctx *c;
    uint32_t ic;
    bool cipher;
};

static size_t serve(struct bench *b, const uint8_t *p, size_t n, const uint8_t **rsp)
{
    size_t cap, rl;
    uint8_t *q = dlms_req_buf(b->c, &cap);
    memcpy(q, p, n);
    dlms_serve(&b->v.m, b->c, n, rsp, &rl);
    return rl;
}

/* glo-get-request around a GET (the client's side of the work, outside dlms_serve) */
static size_t cipher(struct bench *b, const uint8_t *apdu, size_t n, uint8_t *out)
{
    out[0] = apdu[0] == 0xC0 ? 0xC8 : 0xCB;
    out[1] = (uint8_t)(n + 17);
    memcpy(out + 7, apdu, n);
    dlms_sec_seal(b->v.m.hal, ek, ak, title, b->ic++, out + 2, n);
    return n + 19;
}

static int setup(struct bench *b, bool mgmt)
{
    memset(b, 0, sizeof *b);
    b->nvm = malloc(VMETER_NVM_SIZE);
    memset(b->nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(&b->v, b->nvm, VMETER_NVM_SIZE, 1776211200);
    struct meas_block blk = vmeter_block_kw(3.0);
    for (int s = 0; s < 600; s++)
        vmeter_step_block(&b->v, &blk);
    struct meter *m = &b->v.m;
    const uint8_t *rsp;
    b->c = dlms_open(m, mgmt ? DLMS_CLIENT_MANAGEMENT : DLMS_CLIENT_PUBLIC, 1, METER_SRC_DLMS_TCP);
    if (!mgmt) {
        static const uint8_t aarq[] = {0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08,
                                       0x01, 0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06,
                                       0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0};
        serve(b, aarq, sizeof aarq, &rsp);
        return b->c->state == DLMS_ASSOCIATED ? 0 : -1;
    }
    uint8_t a[160] = {0x60, 0, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03, 0xA6, 0x0A, 0x04, 0x08};
    size_t n = 17;
    memcpy(a + n, title, 8);
    n += 8;
    static const uint8_t hls[] = {0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x05,
                                  0xAC, 0x0A, 0x80, 0x08, 'c',  'h',  'a',  'l',  'l',  'e',  'n',  'g'};
    memcpy(a + n, hls, sizeof hls);
    n += sizeof hls;
    static const uint8_t ir[] = {0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x7E, 0x1F, 0x04, 0xB0};
    a[n++] = 0xBE;
    a[n++] = (uint8_t)(sizeof ir + 21);
    a[n++] = 0x04;
    a[n++] = (uint8_t)(sizeof ir + 19);
    a[n++] = 0x21;
    a[n++] = (uint8_t)(sizeof ir + 17);
    memcpy(a + n + 5, ir, sizeof ir);
    dlms_sec_seal(m->hal, ek, ak, title, b->ic++, a + n, sizeof ir);
    n += sizeof ir + 17;
    a[1] = (uint8_t)(n - 2);
    serve(b, a, n, &rsp);
    uint8_t act[32] = {0xC3, 0x01, 0x41, 0x00, 0x0F, 0, 0, 40, 0, 0, 255, 0x01, 0x01, 0x09, 0x11, 0x10};
    act[16] = (uint8_t)(b->ic >> 24);
    act[17] = (uint8_t)(b->ic >> 16);
    act[18] = (uint8_t)(b->ic >> 8);
    act[19] = (uint8_t)b->ic;
    dlms_sec_gmac(m->hal, ek, ak, title, b->ic, b->c->stoc, sizeof b->c->stoc, act + 20);
    uint8_t w[64];
    size_t wn = cipher(b, act, 32, w);
    serve(b, w, wn, &rsp);
    b->cipher = true;
    return b->c->state == DLMS_ASSOCIATED ? 0 : -1;
}

/* N GETs; the requests are prepared outside dlms_serve (the client's work). */
static int loop(bool mgmt, long n)
{
    struct bench b;
    if (setup(&b, mgmt) < 0)
        return 1;
    const uint8_t *rsp;
    size_t rl = 0, sum = 0;
    for (long k = 0; k < n; k++) {
        uint8_t w[64];
        if (mgmt) {
            size_t wn = cipher(&b, get_ap, sizeof get_ap, w);
            rl = serve(&b, w, wn, &rsp);
        } else {
            rl = serve(&b, get_ap, sizeof get_ap, &rsp);
        }
        sum += rl;
    }
    printf("%zu %zu\n", rl, sum);
    return 0;
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
        char *at = strstr(line, fn);
        if (at == NULL || at[strlen(fn)] != ' ')
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

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row3(const char *what, double v[3], const char *fmt)
{
    char s[64];
    qsort(v, 3, sizeof v[0], cmp_d);
    snprintf(s, sizeof s, fmt, v[0], v[1], v[2]);
    printf("%-58s %20s\n", what, s);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--loop") == 0)
        return loop(strcmp(argv[2], "mgmt") == 0, atol(argv[3]));
    char line[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fgets(line, sizeof line, f) == NULL)
            line[0] = 0;
        fclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    printf("%-58s %20s\n", "DLMS application layer (src/proto/dlms, src/cosem)", "min / median / max");
#ifdef NDEBUG
    printf("%-58s %20s\n", "  build", "release (-O2)");
#else
    printf("%-58s %20s\n", "  build", "debug");
#endif
    printf("%-58s %20s\n", "  load average (1, 5, 15 min; runnable/total)", line);
    static const char *kind[2] = {"public", "mgmt"};
    static const char *label[2] = {"GET 1-0:1.8.0.255 a2, public client: instr./request",
                                   "GET 1-0:1.8.0.255 a2, HLS-GMAC ciphered: instr./request"};
    const long N = 1000;
    for (int k = 0; k < 2; k++) {
        double v[3];
        bool ok = true;
        for (int run = 0; run < 3; run++) {
            char cg[64], cmd[512];
            snprintf(cg, sizeof cg, "/tmp/bench_dlms.%d.%d.cg", (int)getpid(), run);
            snprintf(cmd, sizeof cmd,
                     "valgrind --tool=callgrind --callgrind-out-file=%s %s --loop %s %ld >/dev/null 2>&1", cg,
                     argv[0], kind[k], N);
            double incl = system(cmd) == 0 ? callgrind_fn(cg, "dlms_serve") : -1;
            remove(cg);
            if (incl <= 0) {
                ok = false;
                break;
            }
            /* the association's own requests are in the count too: 1 (public) or 2 (HLS) */
            v[run] = incl / (double)(N + (k == 0 ? 1 : 2));
        }
        if (ok)
            row3(label[k], v, "%.0f / %.0f / %.0f");
        else
            printf("%-58s %20s\n", label[k], "valgrind n/a");
    }
    for (int k = 0; k < 2; k++) {
        double v[3];
        struct bench b;
        if (setup(&b, k == 1) < 0)
            return 1;
        for (int run = 0; run < 3; run++) {
            const long n = 20000;
            const uint8_t *rsp;
            double t0 = now_s();
            for (long i = 0; i < n; i++) {
                uint8_t w[64];
                if (k == 1)
                    serve(&b, w, cipher(&b, get_ap, sizeof get_ap, w), &rsp);
                else
                    serve(&b, get_ap, sizeof get_ap, &rsp);
            }
            v[run] = (now_s() - t0) / (double)n * 1e6;
        }
        row3(k == 0 ? "  wall time per GET, public (us, incl. nothing else)" : "  wall time per GET, ciphered (us, incl. client sealing)",
             v, "%.2f / %.2f / %.2f");
        dlms_close(&b.v.m, b.c);
        free(b.nvm);
    }
    /* encoded size of the load profile (A+ A- R+ R-, 15 min): one day, per entry */
    {
        struct vmeter *v = calloc(1, sizeof *v);
        uint8_t *nvm = malloc(VMETER_NVM_SIZE);
        memset(nvm, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(v, nvm, VMETER_NVM_SIZE, 1776211200);
        struct obj_value x;
        memset(&x, 0, sizeof x);
        x.type = OBJ_T_INT;
        x.i = 15;
        obj_write(&v->m, objtab_find_key("profile_period_min"), METER_ACC_MANAGER, &x, METER_SRC_SIM);
        x.type = OBJ_T_STRING;
        strcpy(x.s, "A+,A-,R+,R-");
        x.len = (uint8_t)strlen(x.s);
        obj_write(&v->m, objtab_find_key("profile_channels"), METER_ACC_MANAGER, &x, METER_SRC_SIM);
        struct meas_block blk = vmeter_block_kw(2.0);
        for (int s = 0; s < 86400; s++)
            vmeter_step_block(v, &blk);
        static const struct obis lp = OBIS(1, 0, 99, 1, 0, 255);
        const struct obj_def *o = objtab_find(&lp);
        struct axdr_w w;
        struct cosem_pos pos;
        static uint8_t buf[1 << 16];
        memset(&pos, 0, sizeof pos);
        axdr_w_init(&w, buf, sizeof buf);
        cosem_get(&v->m, o, 0, 2, NULL, METER_ACC_PUBLIC, &w, &pos);
        uint32_t n = profile_count(&v->m), depth = profile_capacity(&v->m, 0);
        double per = (double)(axdr_w_len(&w) - 3) / n;
        printf("%-58s %20.1f\n", "load profile (A+ A- R+ R-): A-XDR bytes per entry", per);
        printf("%-58s %20u\n", "  entries at full depth (profile_capacity)", depth);
        printf("%-58s %20.0f\n", "  encoded buffer at full depth, bytes (array header incl.)", per * depth + 4);
        free(nvm);
        free(v);
    }
    return 0;
}
