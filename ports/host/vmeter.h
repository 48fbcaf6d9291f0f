/*
 * vmeter.h — one virtual meter: the firmware core plus the host hardware it
 * runs on. The simulator, the tests and the benches all build meters with
 * this, so they exercise the same wiring.
 */
#ifndef TRIMETER_VMETER_H
#define TRIMETER_VMETER_H

#include <stddef.h>
#include <stdint.h>

#include "hal_host.h"
#include "trimeter/meter.h"

/* EEPROM geometry: ST M95M04-DR, 4 Mbit, 512-byte pages (docs/STORE.md;
 * ports/host/eeprom.h models it). */
#define VMETER_NVM_SIZE (512u * 1024u)
#define VMETER_NVM_PAGE 512u

struct vmeter {
    struct host_hw hw;
    struct meter_hal hal;
    struct meter m;
};

/* Power a meter up on an EEPROM image the caller owns (nvm_size bytes, all
 * 0xFF for a factory-fresh part) with the RTC set to start_utc. */
int vmeter_boot(struct vmeter *v, uint8_t *nvm, uint32_t nvm_size, int64_t start_utc);
/* The hardware part of vmeter_boot() alone (no meter_init): change v->hw
 * (inputs found at power-up, a dead RTC ...) before powering up yourself. */
void vmeter_wire(struct vmeter *v, uint8_t *nvm, uint32_t nvm_size, int64_t start_utc);

/* Advance simulated time by one second of exact blocks (blocks feed). */
int vmeter_step_block(struct vmeter *v, const struct meas_block *b);

/* Advance by one sample set (samples feed); runs meter_poll when a block
 * completes. */
int vmeter_step_sample(struct vmeter *v, const int32_t s[METER_CHANNELS]);

/* One second of a balanced resistive import of kw on three phases at
 * 230 V (exact block, for benches and tests that need a steady load). */
struct meas_block vmeter_block_kw(double kw);

#endif
