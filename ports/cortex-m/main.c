/*
 * main.c — the PRODUCTION image (trimeter-fw.elf): no semihosting, no debug
 * text. The sample interrupt (SysTick, hal_adc.c) delivers sample sets to
 * meter_sample(); the main loop runs meter_poll() (registers, store,
 * protocols, watchdog kick) and sleeps until the next interrupt; received
 * bytes go to meter_port_rx().
 * The supply monitor's interrupt calls meter_power_fail(). These call paths
 * are what keeps the core in the image under --gc-sections, so its size is
 * the firmware's size.
 */
#include "board.h"

static struct meter meter;
static struct meter_hal hal;

int main(void)
{
    board_init();
    board_hal_bind(&hal);
    board_nvm_spi_bind(&hal);
    board_wdt_start(BOARD_WDT_TIMEOUT_MS);
    /* A failed store still gives a running meter (status bits say why). */
    (void)meter_init(&meter, &hal);
    board_attach(&meter);
    board_adc_start();
    for (;;) {
        board_serve_ports(&meter);
        (void)meter_poll(&meter);
        board_idle();
    }
}
