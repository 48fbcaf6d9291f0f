/*
 * hal_wdt.c — the independent watchdog: CMSDK APB watchdog at 0x40008000,
 * clocked at 25 MHz on MPS2 and modelled by QEMU 7.2.
 *
 * It counts LOAD down to zero twice: the first expiry raises its interrupt
 * (wired to NMI on MPS2: an early warning that cannot be masked), the second
 * — with the interrupt still pending — resets the chip. meter_poll() kicks
 * it through hal->watchdog_kick once per main-loop pass; nothing else does,
 * so a hung main loop or an interrupt storm ends in a reset, after which
 * meter_init() restores the registers from the store (data survives).
 * The NMI latches the cause in .noinit RAM so the next boot can tell.
 */
#include "board.h"

#include "cmsdk.h"

#define WDT_CAUSE_MAGIC 0x57444f47u /* "WDOG" */

__attribute__((section(".noinit")))
static uint32_t wdt_cause; /* survives the watchdog reset, not power-up */
static bool wdt_was_cause;

void board_wdt_start(uint32_t timeout_ms)
{
    wdt_was_cause = wdt_cause == WDT_CAUSE_MAGIC;
    wdt_cause = 0;
    WDOG_LOCK = WDOG_UNLOCK_KEY;
    WDOG_LOAD = BOARD_SYSCLK_HZ / 1000u * timeout_ms / 2u; /* two expiries to reset */
    WDOG_CTRL = WDOG_CTRL_INTEN | WDOG_CTRL_RESEN;
    WDOG_LOCK = 0;
}

void board_wdt_kick(void *ctx)
{
    (void)ctx;
    WDOG_LOCK = WDOG_UNLOCK_KEY;
    WDOG_INTCLR = 1u; /* clears the warning and reloads the counter */
    WDOG_LOCK = 0;
}

bool board_wdt_caused_reset(void)
{
    return wdt_was_cause;
}

void board_wdt_nmi(void)
{
    wdt_cause = WDT_CAUSE_MAGIC;
    board_wdt_warning();
}
