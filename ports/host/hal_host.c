#include "hal_host.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/ecdsa.h>

#include "trimeter/err.h"

/* The model on hw->nvm; bound lazily so hand-built host_hw still works. */
static struct eeprom *h_eeprom(struct host_hw *hw)
{
    struct eeprom *e = &hw->eeprom;
    if (hw->nvm == NULL)
        return NULL;
    if (e->img != hw->nvm) {
        struct eeprom_part p = eeprom_m95m04;
        p.size = hw->nvm_size;
        p.page = hw->nvm_page;
        if (eeprom_init(e, &p, hw->nvm) < 0)
            return NULL;
    }
    return e;
}

static int h_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct eeprom *e = h_eeprom(ctx);
    return e != NULL ? eeprom_read(e, addr, buf, len) : METER_EINVAL;
}

static int h_nvm_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct eeprom *e = h_eeprom(ctx);
    return e != NULL ? eeprom_program(e, addr, buf, len) : METER_EINVAL;
}

/* The RTC's error accumulates at its rate error (the crystal at its
 * temperature, a fixed drift, the trim) since the last integration. */
static void rtc_integrate(struct host_hw *hw)
{
    if (hw->sim_ms > hw->rtc_int_ms) {
        double rate = hw->rtc_xtal_ppm * 1e-6 + (hw->rtc_drift_ppb + hw->rtc_trim_ppb) * 1e-9;
        hw->rtc_err_s += (double)(hw->sim_ms - hw->rtc_int_ms) * 1e-3 * rate;
    }
    hw->rtc_int_ms = hw->sim_ms;
}

double host_rtc_time(const struct host_hw *hw)
{
    struct host_hw h = *hw; /* integrated on a copy: reading changes nothing */
    rtc_integrate(&h);
    return (double)h.rtc_utc + (double)(h.sim_ms - h.rtc_base_ms) * 1e-3 + h.rtc_err_s;
}

void host_rtc_rate(struct host_hw *hw, double xtal_ppm)
{
    rtc_integrate(hw);
    hw->rtc_xtal_ppm = xtal_ppm;
}

static int h_rtc_get(void *ctx, int64_t *utc)
{
    struct host_hw *hw = ctx;
    if (!hw->rtc_valid)
        return METER_EIO;
    rtc_integrate(hw);
    /* whole seconds the counter has reached (its error included). Its
     * seconds tick half a second before the measurement blocks end (in a
     * meter the two are unrelated; fixing the phase at half a second makes
     * a clock within +-0.5 s read the same second at every block end) */
    int64_t ms = (int64_t)(hw->sim_ms - hw->rtc_base_ms) + 500 + (int64_t)floor(hw->rtc_err_s * 1000.0);
    *utc = hw->rtc_utc + (ms >= 0 ? ms / 1000 : -((999 - ms) / 1000));
    return METER_OK;
}

static int h_rtc_trim(void *ctx, int32_t ppb, int32_t *applied)
{
    struct host_hw *hw = ctx;
    rtc_integrate(hw);
    int32_t steps = (int32_t)lround((double)ppb / HOST_RTC_TRIM_PPB);
    if (steps > 511)
        steps = 511;
    if (steps < -511)
        steps = -511;
    hw->rtc_trim_ppb = steps * HOST_RTC_TRIM_PPB;
    *applied = hw->rtc_trim_ppb;
    return METER_OK;
}

static int h_temp_read(void *ctx, int32_t *mdeg)
{
    struct host_hw *hw = ctx;
    if (!hw->temp_present)
        return METER_ENOTSUP;
    *mdeg = hw->temp_mdeg;
    return METER_OK;
}

void host_rtc_outage(struct host_hw *hw, uint64_t off_ms)
{
    if (!hw->rtc_battery && off_ms / 1000u > hw->rtc_backup_s)
        hw->rtc_valid = false;
}

/* The host cannot name the legal modules' code alone: the CRC covers the
 * whole text segment of the running program (which contains them), so any
 * change of the code changes 0.2.8 (docs/BILLING.md). */
extern const char __executable_start[];
extern const char etext[];

static int h_legal_region(void *ctx, const void **p, size_t *n)
{
    (void)ctx;
    *p = __executable_start;
    *n = (size_t)(etext - __executable_start);
    return METER_OK;
}

static int h_rtc_set(void *ctx, int64_t utc)
{
    struct host_hw *hw = ctx;
    rtc_integrate(hw);
    hw->rtc_utc = utc;
    hw->rtc_base_ms = hw->sim_ms - hw->sim_ms % 1000u;
    hw->rtc_err_s = 0;
    hw->rtc_valid = true;
    return METER_OK;
}

static uint32_t h_ms_now(void *ctx)
{
    return (uint32_t)((struct host_hw *)ctx)->sim_ms;
}

static int h_relay_set(void *ctx, enum meter_relay relay, bool closed)
{
    struct host_hw *hw = ctx;
    if ((unsigned)relay >= 3)
        return METER_EINVAL;
    hw->relay[relay] = closed;
    return METER_OK;
}

static void h_pulse_set(void *ctx, bool on)
{
    struct host_hw *hw = ctx;
    if (on && !hw->pulse_on) {
        hw->pulses++;
        hw->pulse_on_ms = hw->sim_ms;
    } else if (!on && hw->pulse_on) {
        hw->pulse_off_ms = hw->sim_ms;
    }
    hw->pulse_on = on;
}

static uint32_t h_inputs_read(void *ctx)
{
    return ((struct host_hw *)ctx)->inputs;
}

static bool h_supply_ok(void *ctx)
{
    return ((struct host_hw *)ctx)->supply_ok;
}

static void h_watchdog_kick(void *ctx)
{
    ((struct host_hw *)ctx)->watchdog_kicks++;
}

static size_t h_port_write(void *ctx, unsigned line, const uint8_t *buf, size_t len)
{
    struct host_hw *hw = ctx;
    if (line >= METER_LINES || hw->port[line].write == NULL)
        return len; /* nobody listening: the bytes leave into the void */
    return hw->port[line].write(hw->port[line].ctx, line, buf, len);
}

static size_t h_port_tx_room(void *ctx, unsigned line)
{
    struct host_hw *hw = ctx;
    if (line >= METER_LINES)
        return 0;
    return hw->port[line].room != NULL ? hw->port[line].room(hw->port[line].ctx, line) : SIZE_MAX;
}

static int h_port_config(void *ctx, unsigned line, uint32_t baud, enum meter_framing framing)
{
    struct host_hw *hw = ctx;
    if (line >= METER_LINES)
        return METER_EINVAL;
    hw->line_cfg[line].baud = baud;
    hw->line_cfg[line].framing = framing;
    if (hw->port[line].config == NULL)
        return METER_OK;
    return hw->port[line].config(hw->port[line].ctx, line, baud, framing);
}

static void h_port_hangup(void *ctx, unsigned line)
{
    struct host_hw *hw = ctx;
    if (line < METER_LINES && hw->port[line].hangup != NULL)
        hw->port[line].hangup(hw->port[line].ctx, line);
}

/* The AES engine: mbed TLS, one block per call like a peripheral (the key
 * schedule is rebuilt each time; the host has cycles to spare). */
static int h_aes128(const uint8_t key[16], const uint8_t in[16], uint8_t out[16], int mode)
{
    mbedtls_aes_context c;
    mbedtls_aes_init(&c);
    int r = mode == MBEDTLS_AES_ENCRYPT ? mbedtls_aes_setkey_enc(&c, key, 128)
                                        : mbedtls_aes_setkey_dec(&c, key, 128);
    if (r == 0)
        r = mbedtls_aes_crypt_ecb(&c, mode, in, out);
    mbedtls_aes_free(&c); /* zeroes the key schedule */
    return r == 0 ? METER_OK : METER_EIO;
}

static int h_aes128_encrypt(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    (void)ctx;
    return h_aes128(key, in, out, MBEDTLS_AES_ENCRYPT);
}

static int h_aes128_decrypt(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    (void)ctx;
    return h_aes128(key, in, out, MBEDTLS_AES_DECRYPT);
}

/* Image slots: areas 0 and 1, then the control area, in hw->fw_mem. */
static int h_fw_span(unsigned area, uint32_t off, size_t len, uint32_t *at)
{
    uint32_t size = area < 2 ? HOST_FW_SLOT : area == 2 ? HOST_FW_CTL : 0;
    if (off > size || len > size - off)
        return METER_EINVAL;
    *at = area * HOST_FW_SLOT + off;
    return METER_OK;
}

static int h_fw_read(void *ctx, unsigned area, uint32_t off, void *buf, size_t len)
{
    struct host_hw *hw = ctx;
    uint32_t at;
    if (h_fw_span(area, off, len, &at) != METER_OK)
        return METER_EINVAL;
    if (hw->fw_mem == NULL)
        memset(buf, 0xff, len);
    else
        memcpy(buf, hw->fw_mem + at, len);
    return METER_OK;
}

static int h_fw_write(void *ctx, unsigned area, uint32_t off, const void *buf, size_t len)
{
    struct host_hw *hw = ctx;
    uint32_t at;
    if (hw->fw_mem == NULL || h_fw_span(area, off, len, &at) != METER_OK)
        return METER_EIO;
    hw->fw_writes++;
    if (hw->fw_cut == 1) {
        memcpy(hw->fw_mem + at, buf, len / 2); /* power went in the middle */
        hw->fw_cut = UINT32_MAX;
    }
    if (hw->fw_cut == UINT32_MAX)
        return METER_EIO;
    if (hw->fw_cut > 1)
        hw->fw_cut--;
    memcpy(hw->fw_mem + at, buf, len);
    return METER_OK;
}

/* ECDSA P-256 with mbed TLS (2.28 API). */
static int h_ecdsa_p256_verify(void *ctx, const uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[64])
{
    (void)ctx;
    mbedtls_ecp_group g;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    uint8_t pt[65];
    pt[0] = 0x04; /* uncompressed point */
    memcpy(pt + 1, pub, 64);
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int e = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_SECP256R1);
    if (e == 0)
        e = mbedtls_ecp_point_read_binary(&g, &q, pt, sizeof pt);
    if (e == 0)
        e = mbedtls_ecp_check_pubkey(&g, &q);
    if (e == 0)
        e = mbedtls_mpi_read_binary(&r, sig, 32);
    if (e == 0)
        e = mbedtls_mpi_read_binary(&s, sig + 32, 32);
    if (e == 0)
        e = mbedtls_ecdsa_verify(&g, hash, 32, &q, &r, &s);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&g);
    return e == 0 ? METER_OK : METER_ECORRUPT;
}

static void h_restart(void *ctx)
{
    struct host_hw *hw = ctx;
    hw->restarts++;
    if (hw->restart != NULL)
        hw->restart(hw->restart_ctx);
}

void host_hal_bind(struct meter_hal *hal, struct host_hw *hw)
{
    memset(hal, 0, sizeof *hal);
    hal->ctx = hw;
    hal->nvm_size = hw->nvm_size;
    hal->nvm_page_size = hw->nvm_page;
    hal->nvm_read = h_nvm_read;
    hal->nvm_program = h_nvm_program;
    hal->rtc_get = h_rtc_get;
    hal->rtc_set = h_rtc_set;
    hal->rtc_trim = h_rtc_trim;
    hal->temp_read = h_temp_read;
    hal->ms_now = h_ms_now;
    hal->relay_set = h_relay_set;
    hal->pulse_set = h_pulse_set;
    hal->inputs_read = h_inputs_read;
    hal->supply_ok = h_supply_ok;
    hal->watchdog_kick = h_watchdog_kick;
    hal->legal_region = h_legal_region;
    hal->port_write = h_port_write;
    hal->port_tx_room = h_port_tx_room;
    hal->port_config = h_port_config;
    hal->port_hangup = h_port_hangup;
    hal->aes128_encrypt = h_aes128_encrypt;
    hal->aes128_decrypt = h_aes128_decrypt;
    hal->fw_slot_size = HOST_FW_SLOT;
    hal->fw_read = h_fw_read;
    hal->fw_write = h_fw_write;
    hal->ecdsa_p256_verify = h_ecdsa_p256_verify;
    hal->restart = h_restart;
}
