/*
 * smoke.c — the QEMU smoke image (trimeter-smoke.elf): boots like the
 * production image (same board bring-up, same sample interrupt path, same
 * main loop) with the synthesiser as ADC and semihosting for the report.
 *
 * Load (50.000 Hz, exactly 80 samples per cycle, 230 V on every phase):
 *   L1 40 A at phi = 0, L2 20 A lagging 60 deg, L3 10 A leading 30 deg,
 * i.e. P = 230*(40*1 + 20*0.5 + 10*0.866) = 13 491.9 W. The image prints
 * the synthesiser's integer peaks and angles; ports/cortex-m/test/
 * check_smoke.sh computes the expected energy from them analytically
 * (U*I*cos(phi)*t) and compares what the meter measured.
 *
 * Meanwhile it serves the optical port like production: the test feeds an
 * IEC 62056-21 sign-on into UART0 and expects the identification back.
 * After SMOKE_SECONDS it reports registers through the object table
 * (obj_read + obj_format_value, as the display does), then exercises the
 * supply monitor (power-fail warning -> state saved) and finally stops
 * kicking the watchdog and exits from its early-warning NMI.
 */
#include <string.h>

#include "board.h"
#include "cosem/objtab.h"
#include "semihost.h"
#include "synth.h"
#include "util/aes.h"
#include "util/fmt.h"

#define SMOKE_SECONDS 8u
#define SMOKE_F_MHZ 50000u

extern struct synth board_synth; /* adc_synth.c */

static struct meter meter;
static struct meter_hal hal;

static const struct {
    int32_t urms_mv, irms_ma, u_deg, phi_deg;
} smoke_load[METER_PHASES] = {
    {230000, 40000, 0, 0},
    {230000, 20000, -120, 60},
    {230000, 10000, 120, -30},
};

static void smoke_fail(const char *why, int status)
{
    semi_puts("smoke: FAIL ");
    semi_puts(why);
    semi_puts("\n");
    semi_exit(status);
}

/* "reg <code> <value> <unit>" through the object table, as a client sees it. */
static void smoke_print_reg(const char *code)
{
    const struct obj_def *o = objtab_find_str(code);
    struct obj_value v;
    char val[32], line[96];
    if (o == NULL || obj_read(&meter, o, METER_ACC_PUBLIC, &v) < 0 ||
        obj_format_value(o, &v, val, sizeof val) < 0)
        smoke_fail("object table read", 7);
    struct fmt_buf f;
    fmt_init(&f, line, sizeof line);
    fmt_str(&f, "reg ");
    fmt_str(&f, code);
    fmt_char(&f, ' ');
    fmt_str(&f, val);
    fmt_char(&f, ' ');
    fmt_str(&f, obj_unit_text(o));
    fmt_char(&f, '\n');
    if (fmt_end(&f) > 0)
        semi_puts(line);
}

/* The energy register's full-resolution test view (uWh), not truncated. */
static int64_t smoke_hires(const char *code)
{
    const struct obj_def *o = objtab_find_str(code);
    struct obj_value v;
    memset(&v, 0, sizeof v);
    if (o == NULL || o->get(&meter, o, &v) < 0 || v.scaler != -6)
        smoke_fail("hires register view", 7);
    return v.i;
}

/* The board's AES engine and the core's GCM on the target's own code:
 * FIPS-197 C.1 both ways and the DLMS Green Book GET request (vectors/
 * dlms.md 1.1: ciphertext || 12-byte tag). The host test checks the same
 * code against mbed TLS; this catches what only the cross compiler does. */
static void smoke_aes(const struct meter_hal *h)
{
    static const uint8_t c1[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                   0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    static const uint8_t iv[12] = {0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E,
                                   0x01, 0x23, 0x45, 0x67};
    static const uint8_t apdu[13] = {0xC0, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00,
                                     0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
    static const uint8_t want[25] = {0x41, 0x13, 0x12, 0xFF, 0x93, 0x5A, 0x47, 0x56, 0x68,
                                     0x27, 0xC4, 0x67, 0xBC, 0x7D, 0x82, 0x5C, 0x3B, 0xE4,
                                     0xA7, 0x7C, 0x3F, 0xCC, 0x05, 0x6B, 0x6B};
    uint8_t k[16], p[16], b[25], aad[17];
    for (unsigned i = 0; i < 16; i++) {
        k[i] = (uint8_t)i;
        p[i] = (uint8_t)(0x11u * i);
        aad[1 + i] = (uint8_t)(0xD0u + i); /* security control 30 || AK */
    }
    aad[0] = 0x30;
    if (h->aes128_encrypt == NULL || h->aes128_encrypt(h->ctx, k, p, b) != 0 ||
        memcmp(b, c1, 16) != 0 || h->aes128_decrypt(h->ctx, k, b, b) != 0 || memcmp(b, p, 16) != 0)
        smoke_fail("aes block engine", 9);
    if (aes_gcm_encrypt(h, k, iv, aad, sizeof aad, apdu, b, sizeof apdu, b + 13, 12) != 0 ||
        memcmp(b, want, sizeof want) != 0)
        smoke_fail("aes-gcm", 9);
    semi_puts("smoke: aes ok\n");
}

int main(void)
{
    board_init();
    static const uint8_t banner[] = "trimeter smoke: uart0 ok\r\n";
    if (board_port_write(NULL, 0, banner, sizeof banner - 1) != sizeof banner - 1)
        smoke_fail("uart0 queue", 8);
    board_port_flush(0);
    semi_puts("smoke: boot\n");

    synth_init(&board_synth, SMOKE_F_MHZ);
    for (unsigned p = 0; p < METER_PHASES; p++) {
        synth_set_phase(&board_synth, p, smoke_load[p].urms_mv, smoke_load[p].irms_ma,
                        smoke_load[p].u_deg, smoke_load[p].phi_deg);
        semi_put_int("load_u_peak", board_synth.u[p].c[0].peak);
        semi_put_int("load_i_peak", board_synth.i[p].c[0].peak);
        semi_put_int("load_phi_deg", smoke_load[p].phi_deg);
    }
    semi_put_int("u_lsb_pv", METER_U_LSB_PV);
    semi_put_int("i_lsb_pa", METER_I_LSB_PA);

    board_hal_bind(&hal);
    board_nvm_ram_bind(&hal);
    smoke_aes(&hal);
    board_wdt_start(BOARD_WDT_TIMEOUT_MS);
    int r = meter_init(&meter, &hal);
    semi_put_int("meter_init", r);
    board_attach(&meter);
    board_adc_start();

    uint32_t t0 = board_ms_now(NULL);
    while (meter.seconds < SMOKE_SECONDS) {
        board_serve_ports(&meter);
        (void)meter_poll(&meter);
        if (board_ms_now(NULL) - t0 > (SMOKE_SECONDS + 5u) * 1000u) {
            semi_put_int("seconds", meter.seconds);
            semi_put_int("samples", board_adc_count());
            smoke_fail("blocks did not arrive in time", 5);
        }
        board_idle();
    }
    board_adc_stop();
    (void)meter_poll(&meter);

    semi_put_int("seconds", meter.seconds);
    semi_put_int("samples", board_adc_count());
    semi_put_int("adc_overruns", board_adc_overruns());
    semi_put_int("ms_elapsed", (int64_t)(board_ms_now(NULL) - t0));
    semi_put_int("ap_uwh", smoke_hires("1.8.0"));
    semi_put_int("an_uwh", smoke_hires("2.8.0"));
    smoke_print_reg("1.8.0");
    smoke_print_reg("2.8.0");
    smoke_print_reg("1.7.0");
    smoke_print_reg("32.7.0");
    smoke_print_reg("52.7.0");
    smoke_print_reg("72.7.0");
    smoke_print_reg("31.7.0");
    smoke_print_reg("51.7.0");
    smoke_print_reg("71.7.0");
    semi_put_int("status", meter.status);

    /* Supply monitor: the early warning must reach the core and be acted on
     * by the next main-loop pass. */
    uint32_t programs = board_nvm_ram_programs();
    board_supply_inject_fail();
    (void)meter_poll(&meter);
    semi_put_int("power_fail_latched", (meter.status & METER_ST_POWER_FAIL) ? 1 : 0);
    semi_put_int("power_fail_nvm_programs", board_nvm_ram_programs() - programs);
    semi_put_int("stack_used", board_stack_used());
    semi_put_int("stack_size", board_stack_size());
    semi_put_int("sizeof_meter", (int64_t)sizeof(struct meter));

    /* Watchdog: stop kicking; its early-warning NMI ends the run (exit 0).
     * Interrupts (SysTick) keep running, so only the missing kick can fire it. */
    semi_puts("smoke: watchdog test\n");
    semi_expect_watchdog(true);
    uint32_t t1 = board_ms_now(NULL);
    while (board_ms_now(NULL) - t1 < 3u * BOARD_WDT_TIMEOUT_MS)
        board_idle();
    smoke_fail("watchdog did not fire", 6);
    return 0;
}
