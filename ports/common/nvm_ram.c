/* RAM-backed EEPROM stand-in (see nvm_ram.h). */
#include "nvm_ram.h"

#include <string.h>

#include "trimeter/err.h"

void nvm_ram_bind(struct meter_hal *hal, struct nvm_ram *nv, uint8_t *mem, uint32_t size, uint32_t page)
{
    nv->mem = mem;
    nv->size = size;
    nv->page = page;
    nv->programs = 0;
    nv->bytes_written = 0;
    memset(mem, 0xff, size);
    hal->ctx = nv;
    hal->nvm_size = size;
    hal->nvm_page_size = page;
    hal->nvm_read = nvm_ram_read;
    hal->nvm_program = nvm_ram_program;
}

int nvm_ram_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    const struct nvm_ram *nv = ctx;
    if (buf == NULL || addr > nv->size || len > nv->size - addr)
        return METER_EINVAL;
    memcpy(buf, nv->mem + addr, len);
    return METER_OK;
}

int nvm_ram_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct nvm_ram *nv = ctx;
    if (buf == NULL || addr > nv->size || len > nv->size - addr)
        return METER_EINVAL;
    if (len > 0 && addr / nv->page != (addr + (uint32_t)len - 1u) / nv->page)
        return METER_EINVAL; /* never across a page boundary */
    memcpy(nv->mem + addr, buf, len);
    nv->programs++;
    nv->bytes_written += (uint32_t)len;
    return METER_OK;
}
