/*
 * hal_host.h — the virtual meter's hardware: one struct host_hw per meter
 * holds everything the firmware would see as hardware (simulated clock,
 * RTC, EEPROM, inputs, relays, pulse output, LCD, port buffers), and
 * host_hal_bind() fills a struct meter_hal pointing at it.
 */
#ifndef TRIMETER_HAL_HOST_H
#define TRIMETER_HAL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eeprom.h"
#include "trimeter/hal.h"
#include "trimeter/meter_opts.h"

struct host_hw {
    uint64_t sim_ms;        /* simulated milliseconds since the start of the run */
    int64_t rtc_utc;        /* RTC value at sim_ms == rtc_base_ms */
    uint64_t rtc_base_ms;
    bool rtc_valid;
    /* RTC model (S-2.5): rate error in parts per billion (+ = fast; a real
     * 382M: typically +-5000 at 23 C; 0 keeps simulations exact), and its
     * backup through outages: a supercap for rtc_backup_s (4 days) and, if
     * fitted, a battery that outlasts any outage. */
    int32_t rtc_drift_ppb;
    uint32_t rtc_backup_s;
    bool rtc_battery;
    /* The crystal's rate error at its temperature (the simulator sets it
     * from the front-end model, host_rtc_rate), the firmware's trim as the
     * hardware applies it (steps of HOST_RTC_TRIM_PPB, like a smooth
     * calibration register), and the error accumulated since the last set
     * (fractions of a second included: clock_error_s). */
    double rtc_xtal_ppm;
    int32_t rtc_trim_ppb;
    double rtc_err_s;
    uint64_t rtc_int_ms;    /* sim_ms up to which rtc_err_s is integrated */
    /* The die temperature sensor (hal->temp_read), set by the simulator. */
    bool temp_present;
    int32_t temp_mdeg;
    uint8_t *nvm;           /* EEPROM image (nvm_size bytes) */
    uint32_t nvm_size;
    uint32_t nvm_page;
    /* The EEPROM part on the image (ports/host/eeprom.h): page rules, wear,
     * write time, power-cut and bit-flip injection. Bound to nvm on the
     * first access when the caller did not eeprom_init() it. */
    struct eeprom eeprom;
    uint32_t inputs;        /* enum meter_input */
    bool relay[3];
    bool pulse_on;
    uint64_t pulses;        /* rising edges on LED/S0 */
    uint64_t pulse_on_ms, pulse_off_ms; /* sim_ms of the last rising / falling edge */
    bool supply_ok;
    uint32_t watchdog_kicks;
    /* Byte-stream lines (enum meter_line): where the core's replies, line
     * changes and hang-ups go (ports/host/port_serve.c, or a test); each
     * line has its own sink, and `line` tells a shared ctx which one. NULL
     * write = replies are dropped; NULL room = no limit on what the core
     * may write at once (hal->port_tx_room). */
    struct host_port_sink {
        void *ctx;
        size_t (*write)(void *ctx, unsigned line, const uint8_t *buf, size_t len);
        int (*config)(void *ctx, unsigned line, uint32_t baud, enum meter_framing framing);
        size_t (*room)(void *ctx, unsigned line);
        void (*hangup)(void *ctx, unsigned line);
    } port[METER_LINES];
    /* What the core last set each line to (hal->port_config), as a UART
     * keeps its setting: a sink installed later starts from it (the core
     * sets its lines at boot, before the simulator serves them). */
    struct host_line_cfg {
        uint32_t baud; /* 0: never set */
        enum meter_framing framing;
    } line_cfg[METER_LINES];
    /* Firmware image slots (hal->fw_*): fw_mem is caller-owned memory of
     * HOST_FW_BYTES (slot 0, slot 1, the control area), 0xFF when erased;
     * NULL = reads see an erased part and programs fail. The simulator maps
     * it from the file beside its state file (`m.slots` beside `m.eeprom`, sim_slots_path()). restart: what
     * hal->restart does (the simulator re-creates the meter); restarts
     * counts the requests. */
    uint8_t *fw_mem;
    /* Power-cut injection (tests): > 0, the fw_cut-th program from now is
     * torn (its first half written) and every later one fails. */
    uint32_t fw_cut;
    uint32_t fw_writes;     /* programs so far */
    void (*restart)(void *ctx);
    void *restart_ctx;
    uint32_t restarts;
};

/* Image slots of the virtual meter: two of HOST_FW_SLOT bytes and the
 * boot-control area (docs/FIRMWARE.md). */
#define HOST_FW_SLOT (128u * 1024u)
#define HOST_FW_CTL 128u
#define HOST_FW_BYTES (2u * HOST_FW_SLOT + HOST_FW_CTL)

/* The mains was off for off_ms: the RTC keeps time on its backup unless
 * the supercap ran out (no battery), then it reports lost time. */
void host_rtc_outage(struct host_hw *hw, uint64_t off_ms);

/* One step of the RTC's digital trimming: 2^-20 (0.954 ppm), +-511 steps. */
#define HOST_RTC_TRIM_PPB 954
/* The crystal's rate error changes (its temperature): from sim_ms on. */
void host_rtc_rate(struct host_hw *hw, double xtal_ppm);
/* The RTC's time now, UTC seconds with the fraction (what it counts). */
double host_rtc_time(const struct host_hw *hw);

/* Bind a HAL to hw. The caller owns both. */
void host_hal_bind(struct meter_hal *hal, struct host_hw *hw);

#endif
