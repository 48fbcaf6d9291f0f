/*
 * hal.h — the hardware abstraction the core calls.
 *
 * A port (ports/host: the virtual meter, ports/cortex-m: the MCU) fills one
 * struct meter_hal with function pointers and hands it to meter_init(). The
 * core never touches hardware any other way. Every pointer may be NULL where
 * the hardware lacks the feature; the core checks before calling.
 *
 * Direction of calls: the core *calls* these to act and to read levels; the
 * port *calls into* the core (meter.h) to deliver samples, received bytes,
 * button presses and the power-fail warning.
 */
#ifndef TRIMETER_HAL_H
#define TRIMETER_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/meter_opts.h"

struct lcd_state; /* src/ui/lcd.h */

/* Level inputs, read with inputs_read() once per main-loop pass. */
enum meter_input {
    METER_IN_COVER_OPEN = 1u << 0, /* terminal cover switch open */
    METER_IN_MAGNET = 1u << 1,     /* magnetic-field sensor active */
    METER_IN_CAL_SWITCH = 1u << 2, /* sealed calibration switch closed */
    METER_IN_TARIFF0 = 1u << 3,    /* external tariff inputs (module), bit 0 */
    METER_IN_TARIFF1 = 1u << 4     /* external tariff inputs (module), bit 1 */
};

/* Relays the core drives. */
enum meter_relay {
    METER_RELAY_MAIN = 0, /* bistable disconnector */
    METER_RELAY_AUX1 = 1, /* load-control module relays */
    METER_RELAY_AUX2 = 2
};

/* Serial framing of a port (the optical head: IEC 62056-21 7E1, KMP 8N1). */
enum meter_framing {
    METER_FRAMING_8N1 = 0,
    METER_FRAMING_7E1 = 1,
    METER_FRAMING_8E1 = 2 /* M-Bus: 8 data bits, even parity, 11 bits a character */
};

/* Lines: every connection the core serves at once has a fixed number,
 * used by the port_* calls below and by meter_port_rx() and friends
 * (src/proto/port.h). A port a build leaves out keeps its number. */
enum meter_line {
    METER_LINE_OPTICAL = 0, /* optical head */
    METER_LINE_SERIAL = 1,  /* RS-485 / RS-232 module */
    METER_LINE_MBUS = 2,    /* wired M-Bus module */
    METER_LINE_HAN = 3,     /* HAN / consumer channel (push) */
    METER_LINE_WMBUS = 4,   /* wireless M-Bus radio (transmit) */
    METER_LINE_TCP = 5      /* TCP/IP module: client k on METER_LINE_TCP + k */
};
#define METER_LINES (METER_LINE_TCP + METER_TCP_SESSIONS)

struct meter_hal {
    void *ctx; /* passed back to every call */

    /* ---- serial EEPROM (src/store) ----------------------------------- */
    uint32_t nvm_size;      /* bytes */
    uint32_t nvm_page_size; /* program operations never cross a page */
    /* Read len bytes. Returns 0 or a negative meter_err. */
    int (*nvm_read)(void *ctx, uint32_t addr, void *buf, size_t len);
    /* Program len bytes inside one page and wait for the write cycle. */
    int (*nvm_program)(void *ctx, uint32_t addr, const void *buf, size_t len);

    /* ---- real-time clock (battery / supercap backed) ----------------- */
    /* UTC seconds since 1970. Returns METER_EIO when the RTC lost time. */
    int (*rtc_get)(void *ctx, int64_t *utc);
    int (*rtc_set)(void *ctx, int64_t utc);

    /* Monotonic milliseconds since boot, for protocol timeouts and UI. */
    uint32_t (*ms_now)(void *ctx);

    /* ---- outputs ------------------------------------------------------ */
    /* Drive a relay; closed = conducting. Returns 0 or negative error. */
    int (*relay_set)(void *ctx, enum meter_relay relay, bool closed);
    /* LED + S0 output level (both together). Called on edges only. */
    void (*pulse_set)(void *ctx, bool on);
    /* Show a new LCD state (called when it changes). */
    void (*lcd_show)(void *ctx, const struct lcd_state *lcd);

    /* ---- inputs ------------------------------------------------------- */
    /* Bitmask of enum meter_input. */
    uint32_t (*inputs_read)(void *ctx);

    /* ---- byte-stream lines (enum meter_line) ------------------------- */
    /* Queue bytes for sending; returns how many were taken. */
    size_t (*port_write)(void *ctx, unsigned port, const uint8_t *buf, size_t len);
    /* Bytes port_write takes right now without waiting (free space of the
     * TX queue). The core never writes more, so the main loop never waits
     * for the line; long answers go out from meter_poll(). NULL = no limit
     * (everything goes out at once). */
    size_t (*port_tx_room)(void *ctx, unsigned port);
    /* Change baud rate and framing, effective after the bytes already given
     * to port_write have left the transmitter (the core calls it in order
     * with the bytes). */
    int (*port_config)(void *ctx, unsigned port, uint32_t baud, enum meter_framing framing);
    /* Drop the line's connection (a TCP client that sent nothing valid for
     * METER_PORT_IDLE_MS). NULL = the line has no connections to drop. */
    void (*port_hangup)(void *ctx, unsigned port);

    /* ---- supply monitor and watchdog ---------------------------------- */
    /* false while the supply monitor signals an imminent power failure. */
    bool (*supply_ok)(void *ctx);
    /* Restart the watchdog; a hung core is reset without losing data. */
    void (*watchdog_kick)(void *ctx);

    /* ---- legal metrology (S-8.1) -------------------------------------- */
    /* The legally relevant code and constants as one byte range (Cortex-M:
     * the linker region of src/metrology, src/registers/energy*, legal constants;
     * host: what the port can name, see docs/BILLING.md). The core's CRC-32
     * over it is the firmware checksum 0.2.8. METER_ENOTSUP if unknown. */
    int (*legal_region)(void *ctx, const void **p, size_t *n);

    /* ---- AES-128 block engine (src/util/aes builds the modes on it) ---- */
    /* One 16-byte block under a 16-byte key, as a meter's AES peripheral
     * does it (host: mbed TLS; Cortex-M: ports/cortex-m/aes_soft.c). in and
     * out may be the same buffer. Returns 0 or a negative meter_err. NULL =
     * no engine: everything that needs AES answers METER_ENOTSUP. */
    int (*aes128_encrypt)(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
    int (*aes128_decrypt)(void *ctx, const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

    /* ---- temperature and the RTC's rate (metrology issue 18) ---------- */
    /* The die temperature sensor of the AFE/MCU, m deg C (read once a
     * second). NULL or METER_ENOTSUP: no compensation by temperature. */
    int (*temp_read)(void *ctx, int32_t *mdeg);
    /* Digital trimming of the RTC's seconds counter: make it run ppb parts
     * per billion faster (negative: slower) from now on; the port applies
     * the nearest step its hardware has (smooth calibration) and reports it
     * in *applied (the core carries the difference into the next request).
     * NULL: none. */
    int (*rtc_trim)(void *ctx, int32_t ppb, int32_t *applied);

    /* ---- firmware image slots (src/legal/fwimage, docs/FIRMWARE.md) ---- */
    /* Two slots for signed images (areas 0 and 1, fw_slot_size bytes each)
     * and a small control area (area 2, 128 bytes) where the boot decision
     * lives: the slot running, the one to try next, the anti-rollback
     * floor. Reads and programs of any length inside an area; erasing
     * flash sectors before they are programmed is the port's business.
     * fw_slot_size 0 or NULL functions: no image transfer (refused). */
    uint32_t fw_slot_size;
    int (*fw_read)(void *ctx, unsigned area, uint32_t off, void *buf, size_t len);
    int (*fw_write)(void *ctx, unsigned area, uint32_t off, const void *buf, size_t len);
    /* ECDSA P-256 check of a SHA-256 digest: pub = X || Y (64 bytes), sig =
     * r || s (64 bytes). 0 valid, METER_ECORRUPT invalid, METER_ENOTSUP
     * (host: mbed TLS; Cortex-M: not yet, docs/PORTING.md). */
    int (*ecdsa_p256_verify)(void *ctx, const uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[64]);
    /* Restart the meter so that the boot picks the activated image (an MCU
     * reset; the simulator re-creates the meter from its files). NULL: the
     * port restarts at its next power-up. */
    void (*restart)(void *ctx);

    /* ---- diagnostics (debug builds only, see METER_DEBUG_LOG) --------- */
    void (*log)(void *ctx, const char *msg);
};

#endif
