/*
 * fault_reset.c — the production image's answers to faults: no output
 * anywhere (no semihosting, no debug text), just a clean reset. The energy
 * registers survive in the store (at most the last displayed digit's worth
 * since the previous snapshot); meter_init() restores them.
 */
#include "board.h"

void board_pre_main(void)
{
}

void board_fault(const char *what, uint32_t info)
{
    (void)what;
    (void)info;
    board_reset();
}

/* First watchdog expiry: the main loop missed its kick. Nothing is trusted
 * any more; the second expiry resets the chip (the cause is latched). */
void board_wdt_warning(void)
{
}
