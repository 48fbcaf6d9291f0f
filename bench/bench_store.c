/*
 * bench_store — the store's figures on the real part (ST M95M04-DR):
 *   - the EEPROM memory map of the meter's layout;
 *   - lifetime: the firmware (a virtual meter, blocks feed) runs a few
 *     simulated days at 25 kW and at Imax on all three phases (69 kW), the
 *     EEPROM model counts program operations per page, and the wear rate of
 *     the most-worn page gives the years until it reaches the rated
 *     endurance (4 M cycles at 25 degC; 1.2 M at 85 degC for reference),
 *     next to the bound for one commit per 0.01 kWh step;
 *   - write amplification: bytes programmed per byte of payload;
 *   - commit latency and the power-fail budget against the hold-up time;
 *   - mount time of a full device at the part's SPI clock.
 * Usage: bench_store [days]   (default 3 simulated days per load)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmdev.h"
#include "vmeter.h"

#define HOLDUP_MS 20.0
#define HOURS_PER_YEAR 8766.0

/* Program operations and bytes per area, from the HAL's address. */
struct acct {
    struct meter_hal orig;
    const struct store *st;
    struct store_area map[32];
    unsigned n;
    uint64_t bytes[32], ops[32], payload[32];
};

static struct acct A;

static int area_of(uint32_t addr)
{
    for (unsigned i = 0; i < A.n; i++)
        if (addr >= A.map[i].addr && addr < A.map[i].addr + A.map[i].bytes)
            return (int)i;
    return -1;
}

static int acct_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    int i = area_of(addr);
    if (i >= 0) {
        const struct store_area *a = &A.map[i];
        A.ops[i]++;
        A.bytes[i] += len;
        /* a record starts at a slot boundary; its payload is what the
         * application handed over (copy B and the superblock carry none) */
        uint32_t off = addr - a->addr;
        uint32_t pg = A.st->hal->nvm_page_size;
        bool start = a->slot >= pg ? off % a->slot == 0 : (off % pg) % a->slot == 0;
        if (start && a->copy == 0) {
            if (a->kind == STORE_AREA_LEGAL)
                A.payload[i] += A.st->layout.legal_size;
            else if (a->kind == STORE_AREA_CONFIG)
                A.payload[i] += A.st->layout.config_size;
            else if (a->kind == STORE_AREA_LOG)
                A.payload[i] += A.st->logs[a->log].rec;
        }
    }
    return A.orig.nvm_program(ctx, addr, buf, len);
}

static void acct_start(struct vmeter *v)
{
    memset(&A, 0, sizeof A);
    A.st = &v->m.store;
    A.n = store_map(&v->m.store, A.map, 32);
    A.orig = v->hal;
    v->hal.nvm_program = acct_program;
}

static const char *kind_name(const struct store_area *a, char *buf, size_t n)
{
    static const char *const k[] = {"superblock", "legal", "config", "log"};
    if (a->kind == STORE_AREA_LOG)
        snprintf(buf, n, "log %u", a->log);
    else
        snprintf(buf, n, "%s %c", k[a->kind], a->copy ? 'B' : 'A');
    return buf;
}


static void print_map(const struct store *st)
{
    struct store_area a[32];
    unsigned n = store_map(st, a, 32);
    uint32_t pg = st->hal->nvm_page_size;
    printf("EEPROM memory map (meter layout, %u KiB, %u-byte pages)\n", (unsigned)(st->hal->nvm_size / 1024u),
           (unsigned)pg);
    printf("  %-13s %-17s %6s %6s %7s %7s %s\n", "area", "bytes", "pages", "slot", "slots", "rec", "depth");
    uint32_t used = 0;
    for (unsigned i = 0; i < n; i++) {
        char nm[24];
        char rng[24];
        snprintf(rng, sizeof rng, "0x%05x-0x%05x", (unsigned)a[i].addr, (unsigned)(a[i].addr + a[i].bytes - 1));
        unsigned rec = 0, depth = 0;
        if (a[i].kind == STORE_AREA_LOG) {
            rec = st->logs[a[i].log].rec;
            depth = st->logs[a[i].log].depth;
        } else if (a[i].kind == STORE_AREA_LEGAL) {
            rec = st->layout.legal_size;
            depth = 1;
        } else if (a[i].kind == STORE_AREA_CONFIG) {
            rec = st->layout.config_size;
            depth = 1;
        } else {
            rec = STORE_SUPER_PAYLOAD;
            depth = 1;
        }
        printf("  %-13s %-17s %6u %6u %7u %7u %u\n", kind_name(&a[i], nm, sizeof nm), rng,
               (unsigned)(a[i].bytes / pg), (unsigned)a[i].slot, (unsigned)a[i].nslots, rec, depth);
        used += a[i].bytes;
    }
    for (unsigned i = 0; i < st->layout.nlogs; i++)
        if (st->logs[i].pages == 0)
            printf("  log %-9u (does not fit: %u B x %u declared)\n", i, st->layout.logs[i].rec_size,
                   (unsigned)st->layout.logs[i].depth);
    printf("  in use %u of %u bytes; struct store RAM %zu bytes\n\n", (unsigned)used, (unsigned)st->hal->nvm_size,
           sizeof(struct store));
}

struct life {
    double years, years_hot, wa, commits_h;
    uint64_t worst;
    char where[24];
};

static struct life lifetime(double kw, double days, uint8_t *img)
{
    static struct vmeter v;
    struct life L;
    memset(&L, 0, sizeof L);
    memset(img, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(&v, img, VMETER_NVM_SIZE, 1774735200);
    struct meas_block b = vmeter_block_kw(kw);
    for (int s = 0; s < 3600; s++) /* settle: first hour not counted */
        vmeter_step_block(&v, &b);
    acct_start(&v);
    uint32_t before[EEPROM_MAX_PAGES];
    memcpy(before, v.hw.eeprom.wear, sizeof before);
    uint64_t secs = (uint64_t)(days * 86400.0);
    for (uint64_t s = 0; s < secs; s++)
        vmeter_step_block(&v, &b);
    uint32_t np = VMETER_NVM_SIZE / VMETER_NVM_PAGE, worst_pg = 0;
    for (uint32_t p = 0; p < np; p++)
        if (v.hw.eeprom.wear[p] - before[p] > L.worst) {
            L.worst = v.hw.eeprom.wear[p] - before[p];
            worst_pg = p;
        }
    double hours = (double)secs / 3600.0, rate = (double)L.worst / hours;
    L.years = rate > 0 ? eeprom_m95m04.endurance / rate / HOURS_PER_YEAR : 1e9;
    L.years_hot = rate > 0 ? eeprom_m95m04.endurance_hot / rate / HOURS_PER_YEAR : 1e9;
    int ai = area_of(worst_pg * VMETER_NVM_PAGE);
    if (ai >= 0)
        kind_name(&A.map[ai], L.where, sizeof L.where);
    uint64_t by = 0, pay = 0, legal_ops = 0;
    for (unsigned i = 0; i < A.n; i++) {
        by += A.bytes[i];
        pay += A.payload[i];
        if (A.map[i].kind == STORE_AREA_LEGAL && A.map[i].copy == 0)
            legal_ops += A.ops[i];
    }
    L.wa = pay ? (double)by / (double)pay : 0;
    L.commits_h = (double)legal_ops / hours;
    v.hal = A.orig;
    return L;
}

/* Mount time of a device whose every ring is full. */
static void mount_time(void)
{
    struct nvmdev d;
    static struct vmeter v;
    if (nvmdev_open(&d, VMETER_NVM_SIZE, VMETER_NVM_PAGE) < 0)
        return;
    vmeter_boot(&v, d.img, VMETER_NVM_SIZE, 1774735200); /* formats with the meter's layout */
    struct store *st = &v.m.store;
    struct store_layout lay = st->layout;
    uint8_t rec[512];
    memset(rec, 0x5a, sizeof rec);
    for (unsigned i = 0; i < lay.nlogs; i++)
        for (uint32_t k = 0; k < st->logs[i].nslots + 1u; k++)
            store_log_append(st, i, rec);
    struct store s2;
    uint64_t r0 = v.hw.eeprom.bytes_read, n0 = v.hw.eeprom.reads, t0 = v.hw.eeprom.busy_us;
    store_mount(&s2, &v.hal, &lay);
    uint64_t bytes = v.hw.eeprom.bytes_read - r0, reads = v.hw.eeprom.reads - n0;
    double bus_ms = (double)(v.hw.eeprom.busy_us - t0) / 1000.0;
    /* CRC-32 with the byte table: about 7 cycles a byte on a Cortex-M3 */
    double crc_ms = (double)bytes * 7.0 / 48e6 * 1000.0;
    printf("mount of a full device: %llu bytes in %llu reads = %.0f ms of SPI at %u MHz, + ~%.0f ms CRC at 48 MHz "
           "(Cortex-M3, 7 cycles/byte)\n\n",
           (unsigned long long)bytes, (unsigned long long)reads, bus_ms, (unsigned)(eeprom_m95m04.spi_hz / 1000000u),
           crc_ms);
    nvmdev_close(&d);
}

int main(int argc, char **argv)
{
    double days = argc > 1 ? atof(argv[1]) : 3.0;
    const struct eeprom_part *p = &eeprom_m95m04;
    uint8_t *img = malloc(VMETER_NVM_SIZE);
    if (img == NULL)
        return 0;
    printf("Part: %s, %u KiB, %u-byte pages, write cycle %u ms, SPI %u MHz, endurance %u cycles (25 degC) / "
           "%u (85 degC) per 4-byte ECC word, retention %u years\n\n",
           p->name, (unsigned)(p->size / 1024u), (unsigned)p->page, (unsigned)(p->t_write_us / 1000u),
           (unsigned)(p->spi_hz / 1000000u), (unsigned)p->endurance, (unsigned)p->endurance_hot,
           (unsigned)p->retention_y);
    {
        static struct vmeter v;
        memset(img, 0xff, VMETER_NVM_SIZE);
        vmeter_boot(&v, img, VMETER_NVM_SIZE, 1774735200);
        print_map(&v.m.store);
    }
    static const double loads[2] = {25.0, 69.0};
    static const double target[2] = {20.0, 10.0};
    printf("Lifetime at the default 0.01 kWh resolution (firmware on the virtual meter, %.1f simulated days per "
           "load, most-worn page counted per program operation)\n",
           days);
    printf("  %-6s %10s %12s %14s %12s %10s %12s %7s %s\n", "load", "commits/h", "worst page", "cycles/year",
           "years@4M", "years@1.2M", "1/step bound", "WA", "target");
    for (int l = 0; l < 2; l++) {
        struct life L = lifetime(loads[l], days, img);
        double steps_h = loads[l] * 100.0; /* 0.01 kWh steps per hour */
        /* one commit per step, each a page write in both legal rings */
        uint32_t lp = 0;
        {
            static struct vmeter v;
            memset(img, 0xff, VMETER_NVM_SIZE);
            vmeter_boot(&v, img, VMETER_NVM_SIZE, 0);
            lp = v.m.store.legal[0].pages;
        }
        double bound = (double)p->endurance * lp / (steps_h * HOURS_PER_YEAR);
        printf("  %3.0f kW %10.0f %12s %14.0f %12.1f %10.1f %12.1f %7.2f >= %.0f y: %s\n", loads[l], L.commits_h,
               L.where, (double)L.worst / (days * 24.0) * HOURS_PER_YEAR, L.years, L.years_hot, bound, L.wa,
               target[l], L.years >= target[l] && bound >= target[l] ? "met" : "NOT MET");
    }
    printf("  (1/step bound: one legal commit per 0.01 kWh step, each one page write in each of the two %s-page "
           "legal rings)\n\n",
           "176");
    /* the legal record as the store writes it: header, snapshot, padding, CRC */
    uint32_t rec = store_blob_bytes(legal_snapshot_size());
    double op_ms = (double)eeprom_program_us(p, rec) / 1000.0;
    printf("Commit latency (%u-byte legal record incl. header and CRC): %u page writes = %.2f ms; "
           "emergency save under the supply warning: %u page write = %.2f ms\n",
           (unsigned)rec, STORE_LEGAL_WRITE_OPS, STORE_LEGAL_WRITE_OPS * op_ms, STORE_LEGAL_SAVE_OPS, op_ms);
    printf("Power-fail budget: a page write already running when the warning comes (<= %.2f ms; copy B of a "
           "commit is then skipped) + the one emergency save (%.2f ms) = %.2f ms <= %.0f ms hold-up "
           "(tests/powerloss/powerfail measures it at every point of the main loop)\n\n",
           op_ms, op_ms, 2 * op_ms, HOLDUP_MS);
    mount_time();
    free(img);
    return 0;
}
