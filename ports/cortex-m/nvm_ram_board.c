/*
 * nvm_ram_board.c — the test images' EEPROM: ports/common/nvm_ram over a
 * buffer in the board's PSRAM (.bulk), outside the RAM the firmware budget
 * counts. Same geometry as the host's virtual meter (4 Mbit, 512-byte
 * program pages) so the store lays itself out the same way on both.
 */
#include "board.h"

#include "nvm_ram.h"

#define NVM_RAM_SIZE (512u * 1024u)
#define NVM_RAM_PAGE 512u

__attribute__((section(".bulk")))
static uint8_t nvm_ram_mem[NVM_RAM_SIZE];
static struct nvm_ram nvm_ram_dev;

void board_nvm_ram_bind(struct meter_hal *hal)
{
    nvm_ram_bind(hal, &nvm_ram_dev, nvm_ram_mem, NVM_RAM_SIZE, NVM_RAM_PAGE);
}

uint32_t board_nvm_ram_programs(void)
{
    return nvm_ram_dev.programs;
}
