/*
 * nvm_ram.h — a serial EEPROM stood in for by a RAM buffer: the NVM backend
 * of the Cortex-M test images (QEMU) and of the host half of the
 * host/target cross-check. Same rules as the part: reads anywhere, a
 * program operation stays inside one page. Erased state is 0xFF.
 * Not for production: a real board keeps its EEPROM on SPI (hal_nvm_spi.c).
 */
#ifndef TRIMETER_NVM_RAM_H
#define TRIMETER_NVM_RAM_H

#include <stddef.h>
#include <stdint.h>

#include "trimeter/hal.h"

struct nvm_ram {
    uint8_t *mem;
    uint32_t size, page;
    uint32_t programs;       /* program operations so far */
    uint32_t bytes_written;
};

/* Erase mem (all 0xFF) and point the HAL's nvm_* at it; hal->ctx = nv. */
void nvm_ram_bind(struct meter_hal *hal, struct nvm_ram *nv, uint8_t *mem, uint32_t size, uint32_t page);
int nvm_ram_read(void *ctx, uint32_t addr, void *buf, size_t len);
int nvm_ram_program(void *ctx, uint32_t addr, const void *buf, size_t len);

#endif
