/*
 * nvmdev.h — a bare EEPROM device for exercising the store outside a
 * meter (unit tests, the power-loss suite, the store bench and fuzzer): an
 * image of any geometry on the heap, the EEPROM model on it and a HAL whose
 * NVM and supply-monitor calls go to them.
 */
#ifndef TRIMETER_NVMDEV_H
#define TRIMETER_NVMDEV_H

#include <stdint.h>

#include "hal_host.h"

struct nvmdev {
    struct host_hw hw;      /* hw.eeprom is the model, hw.nvm the image */
    struct meter_hal hal;
    uint8_t *img;
    uint32_t size;
};

/* Image of size bytes (erased, 0xFF) with pages of page bytes, on the
 * M95M04's timing. Returns 0 or METER_EINVAL / METER_ENOSPC (no memory). */
int nvmdev_open(struct nvmdev *d, uint32_t size, uint32_t page);
void nvmdev_close(struct nvmdev *d);

#endif
