#include "nvmdev.h"

#include <stdlib.h>
#include <string.h>

#include "trimeter/err.h"

int nvmdev_open(struct nvmdev *d, uint32_t size, uint32_t page)
{
    memset(d, 0, sizeof *d);
    d->img = malloc(size ? size : 1u);
    if (d->img == NULL)
        return METER_ENOSPC;
    memset(d->img, 0xff, size);
    d->size = size;
    struct eeprom_part p = eeprom_m95m04;
    p.size = size;
    p.page = page;
    int e = eeprom_init(&d->hw.eeprom, &p, d->img);
    if (e < 0) {
        free(d->img);
        d->img = NULL;
        return e;
    }
    d->hw.nvm = d->img;
    d->hw.nvm_size = size;
    d->hw.nvm_page = page;
    d->hw.supply_ok = true;
    host_hal_bind(&d->hal, &d->hw);
    return METER_OK;
}

void nvmdev_close(struct nvmdev *d)
{
    free(d->img);
    d->img = NULL;
}
