/*
 * xcheck_main.c — target half of the host/target cross-check
 * (trimeter-xcheck.elf): runs tests/xcheck/xcheck.c under QEMU and prints
 * its lines through semihosting. No interrupts deliver samples here: the
 * stream is fed in a loop, exactly as the host program does.
 */
#include "board.h"
#include "semihost.h"
#include "xcheck.h"

__attribute__((section(".bulk")))
static uint8_t xcheck_nvm[XCHECK_NVM_SIZE];
static struct xcheck xc;

int main(void)
{
    int r = xcheck_run(&xc, xcheck_nvm, semi_puts);
    semi_exit(r < 0 ? 1 : 0);
}
