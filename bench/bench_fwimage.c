/*
 * bench_fwimage — what a firmware update costs the meter (docs/FIRMWARE.md):
 *   - verification of the largest image the host slots take: main-loop
 *     passes it is spread over (METER_FW_POLL_BYTES each), and the wall
 *     time of the whole check (core SHA-256 + the HAL's ECDSA);
 *   - one pass's hashing (what a main-loop pass costs while verifying);
 *   - one ECDSA P-256 verification through the host HAL (mbed TLS).
 */
#include <stdio.h>

#include "../tests/unit/fw_util.h"
#include "bench_util.h"
#include "util/sha256.h"

static uint8_t im[HOST_FW_SLOT];

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row(const char *what, double *t, int n, double scale, const char *unit)
{
    qsort(t, (size_t)n, sizeof t[0], cmp);
    printf("  %-48s %10.3f %10.3f %10.3f %s\n", what, t[0] * scale, t[n / 2] * scale, t[n - 1] * scale, unit);
}

int main(void)
{
    bench_header("firmware image verification (class 18)");
    int runs = bench_runs();
    uint32_t plen = METER_FW_BLOCKS_MAX * METER_FW_BLOCK_SIZE;
    if (plen > HOST_FW_SLOT)
        plen = HOST_FW_SLOT;
    plen -= FWIMG_HDR_SIZE;
    uint32_t len = fw_make(im, 0x000200u, "trimeter 0.2.0", plen, 3, FW_TEST_D);
    double tv[BENCH_RUNS_MAX], th[BENCH_RUNS_MAX], te[BENCH_RUNS_MAX];
    unsigned passes = 0;
    for (int r = 0; r < runs; r++) {
        struct fwm *f = fwm_new();
        if (fw_initiate(&f->v.m, "bench", len, METER_ACC_MANAGER) != 0 || fw_send(&f->v.m, im, len) != 0)
            return 1;
        double t0 = bench_cpu_s();
        int res = fw_simple(&f->v.m, 3, METER_ACC_MANAGER);
        passes = 1;
        while (res == 2) {
            fwimg_poll(&f->v.m); /* the verification's share of a main-loop pass */
            passes++;
            res = fw_simple(&f->v.m, 3, METER_ACC_MANAGER);
        }
        tv[r] = bench_cpu_s() - t0;
        if (res != 0)
            return 1;
        fwm_free(f);
        uint8_t d[32];
        t0 = bench_cpu_s();
        for (int k = 0; k < 1000; k++) {
            struct sha256 s;
            sha256_init(&s);
            sha256_update(&s, im + (k % 64) * METER_FW_POLL_BYTES, METER_FW_POLL_BYTES);
            sha256_final(&s, d);
        }
        th[r] = (bench_cpu_s() - t0) / 1000.0;
        struct meter_hal hal;
        struct host_hw hw;
        memset(&hw, 0, sizeof hw);
        host_hal_bind(&hal, &hw);
        sha256(im, FWIMG_SIGNED_BYTES, d);
        t0 = bench_cpu_s();
        for (int k = 0; k < 20; k++)
            if (hal.ecdsa_p256_verify(hal.ctx, fwimg_key(), d, im + FWIMG_O_SIG) != 0)
                return 1;
        te[r] = (bench_cpu_s() - t0) / 20.0;
    }
    printf("  image: %u bytes (%u blocks of %u), %u bytes hashed per main-loop pass\n", len,
           (len + METER_FW_BLOCK_SIZE - 1) / METER_FW_BLOCK_SIZE, METER_FW_BLOCK_SIZE, METER_FW_POLL_BYTES);
    printf("  verification spread over %u main-loop passes (one a second in the simulator: %u s)\n", passes, passes);
    printf("  %-48s %10s %10s %10s\n", "CPU time", "min", "median", "max");
    row("whole verification (SHA-256 + ECDSA)", tv, runs, 1e3, "ms");
    row("one pass: SHA-256 of METER_FW_POLL_BYTES", th, runs, 1e6, "us");
    row("ECDSA P-256 verify (host HAL, mbed TLS)", te, runs, 1e3, "ms");
    bench_footer();
    return 0;
}
