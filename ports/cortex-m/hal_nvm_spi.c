/*
 * hal_nvm_spi.c — the production NVM backend: a 25xx-series SPI EEPROM
 * (ST M95M04: 4 Mbit, 24-bit addresses, 512-byte pages, as docs/STORE.md
 * and the host's virtual EEPROM) on the PL022 SSP0, chip select on GPIO0
 * pin 7 (active low).
 *
 * Protocol: WREN, then WRITE addr + up to one page, then poll RDSR until
 * the write-in-progress bit clears (t_WC <= 5 ms, bounded at 10 ms). Reads
 * are one READ command of any length. Every wait is bounded: a dead part is
 * METER_EIO, never a hang (the store then reports NVM failure).
 *
 * Written to the datasheet protocol; QEMU's MPS2 has the PL022 but no
 * EEPROM behind it, so this backend is built into the production image for
 * its size and not exercised in the smoke test (which uses the RAM stub).
 */
#include "board.h"

#include "cmsdk.h"

#define EE_SIZE (512u * 1024u)
#define EE_PAGE 512u
#define EE_WREN 0x06u
#define EE_RDSR 0x05u
#define EE_READ 0x03u
#define EE_WRITE 0x02u
#define EE_SR_WIP 0x01u
#define EE_WRITE_TIMEOUT_MS 10u
#define PIN_EE_CS BOARD_PIN_EE_CS
#define SSP_SPIN_LIMIT 10000u

static int ssp_xfer(uint8_t out, uint8_t *in)
{
    uint32_t n = 0;
    while (!(SSP_SR(SSP0_BASE) & SSP_SR_TNF))
        if (++n > SSP_SPIN_LIMIT)
            return METER_EIO;
    SSP_DR(SSP0_BASE) = out;
    while (!(SSP_SR(SSP0_BASE) & SSP_SR_RNE))
        if (++n > SSP_SPIN_LIMIT)
            return METER_EIO;
    uint8_t b = (uint8_t)SSP_DR(SSP0_BASE);
    if (in != NULL)
        *in = b;
    return METER_OK;
}

static void ee_select(bool on)
{
    if (on)
        board_gpio_write(0, 1u << PIN_EE_CS);
    else
        board_gpio_write(1u << PIN_EE_CS, 0);
}

/* Command + optional 24-bit address; leaves the chip selected on success. */
static int ee_begin(uint8_t cmd, bool with_addr, uint32_t addr)
{
    ee_select(true);
    int r = ssp_xfer(cmd, NULL);
    if (with_addr) {
        for (int shift = 16; r == METER_OK && shift >= 0; shift -= 8)
            r = ssp_xfer((uint8_t)(addr >> shift), NULL);
    }
    if (r != METER_OK)
        ee_select(false);
    return r;
}

static int ee_wait_ready(void)
{
    uint32_t t0 = board_ms_now(NULL);
    for (;;) {
        uint8_t sr = 0xff;
        int r = ee_begin(EE_RDSR, false, 0);
        if (r == METER_OK)
            r = ssp_xfer(0xff, &sr);
        ee_select(false);
        if (r != METER_OK)
            return r;
        if (!(sr & EE_SR_WIP))
            return METER_OK;
        if (board_ms_now(NULL) - t0 > EE_WRITE_TIMEOUT_MS)
            return METER_EIO;
    }
}

static int spi_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx;
    if (buf == NULL || addr > EE_SIZE || len > EE_SIZE - addr)
        return METER_EINVAL;
    int r = ee_begin(EE_READ, true, addr);
    uint8_t *p = buf;
    for (size_t k = 0; r == METER_OK && k < len; k++)
        r = ssp_xfer(0xff, &p[k]);
    ee_select(false);
    return r;
}

static int spi_nvm_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    (void)ctx;
    if (buf == NULL || addr > EE_SIZE || len > EE_SIZE - addr)
        return METER_EINVAL;
    if (len == 0)
        return METER_OK;
    if (addr / EE_PAGE != (addr + (uint32_t)len - 1u) / EE_PAGE)
        return METER_EINVAL;
    int r = ee_begin(EE_WREN, false, 0);
    ee_select(false);
    if (r == METER_OK)
        r = ee_begin(EE_WRITE, true, addr);
    const uint8_t *p = buf;
    for (size_t k = 0; r == METER_OK && k < len; k++)
        r = ssp_xfer(p[k], NULL);
    ee_select(false);
    return r == METER_OK ? ee_wait_ready() : r;
}

void board_nvm_spi_bind(struct meter_hal *hal)
{
    board_gpio_write(1u << PIN_EE_CS, 0); /* deselected */
    SSP_CR1(SSP0_BASE) = 0;
    SSP_CR0(SSP0_BASE) = 0x7u; /* 8-bit frames, Motorola SPI mode 0 */
    SSP_CPSR(SSP0_BASE) = 2u;  /* 25 MHz / 2 = 12.5 MHz (25xx parts: <= 16 MHz at 3.3 V) */
    SSP_CR1(SSP0_BASE) = SSP_CR1_SSE;
    hal->nvm_size = EE_SIZE;
    hal->nvm_page_size = EE_PAGE;
    hal->nvm_read = spi_nvm_read;
    hal->nvm_program = spi_nvm_program;
}
