/*
 * board.c — bring-up of the MPS2 AN385 board and the struct meter_hal that
 * points the core at the drivers (hal_*.c).
 */
#include "board.h"

#include <string.h>

#include "aes_soft.h"
#include "cmsdk.h"

struct meter *board_meter; /* the meter the interrupt handlers deliver to */

void board_init(void)
{
    /* Separate fault handlers instead of everything escalating to HardFault;
     * trap integer division by zero (the core must never divide by zero). */
    SCB_SHCSR |= SCB_SHCSR_FAULTS_EN;
    SCB_CCR |= SCB_CCR_DIV0_TRP;
    board_rtc_init();
    board_gpio_init();
    board_uart_init();
    board_supply_init();
}

void board_attach(struct meter *m)
{
    board_meter = m;
}

void board_hal_bind(struct meter_hal *hal)
{
    memset(hal, 0, sizeof *hal);
    hal->ctx = NULL; /* one board, one meter: drivers keep file-static state */
    hal->rtc_get = board_rtc_get;
    hal->rtc_set = board_rtc_set;
    hal->ms_now = board_ms_now;
    hal->relay_set = board_relay_set;
    hal->pulse_set = board_pulse_set;
    hal->lcd_show = NULL; /* no segment LCD on MPS2; a real board drives its LCD controller here */
    hal->inputs_read = board_inputs_read;
    hal->port_write = board_port_write;
    hal->port_tx_room = board_port_tx_room;
    hal->port_config = board_port_config;
    hal->supply_ok = board_supply_ok;
    hal->legal_region = board_legal_region;
    hal->watchdog_kick = board_wdt_kick;
    hal->aes128_encrypt = aes_soft_encrypt; /* no AES peripheral on MPS2 */
    hal->aes128_decrypt = aes_soft_decrypt;
    hal->log = NULL; /* METER_DEBUG_LOG is 0 in every image */
}

/* The legally relevant code and constants: the linker script's .legal
 * output section (ld/flash.ld), which the core's CRC-32 (0.2.8) covers. */
extern const uint8_t __legal_start[], __legal_end[];

int board_legal_region(void *ctx, const void **p, size_t *n)
{
    (void)ctx;
    *p = __legal_start;
    *n = (size_t)(__legal_end - __legal_start);
    return METER_OK;
}

void board_serve_ports(struct meter *m)
{
    uint8_t buf[16];
    for (unsigned port = 0; port < BOARD_PORTS; port++) {
        size_t n;
        board_port_service(port);
        while ((n = board_port_read(port, buf, sizeof buf)) > 0)
            (void)meter_port_rx(m, port, buf, n); /* METER_ENOTSUP: nobody serves it, bytes drop */
        if (board_port_line_errors(port) > 0) {
            /* the bytes before the error are in; the core may switch the
             * framing before the receiver hears the rest */
            meter_port_line_error(m, port);
            board_port_rx_resume(port);
        }
    }
}

void board_idle(void)
{
    /* WFI wakes on any enabled interrupt (SysTick at least every 1 ms). */
    __asm__ volatile("dsb\n\twfi" ::: "memory");
}

void board_reset(void)
{
    __asm__ volatile("dsb" ::: "memory");
    SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
    }
}
