/*
 * board.h — the Cortex-M port's board layer (MPS2 AN385 under QEMU, and the
 * template for a real meter board; docs/PORTING.md).
 *
 * The port owns the hardware: vector table and start-up (startup.c),
 * interrupts, and one struct meter_hal (board_hal_bind) that hands the core
 * NVM, RTC, relays, pulse output, inputs, serial ports, supply monitor and
 * watchdog. Interrupt handlers call into the core through meter.h only
 * (meter_sample from the sample interrupt, meter_power_fail from the supply
 * monitor). Nothing here is part of the portable core; port code may keep
 * its state in file-static variables.
 *
 * The images (production main.c, smoke.c, xcheck_main.c, bench_main.c) pick
 * an ADC source (adc_afe.c or adc_synth.c), an NVM backend (hal_nvm_spi.c
 * or the RAM stub) and an output flavour (fault_reset.c or semihost.c).
 */
#ifndef TRIMETER_CM_BOARD_H
#define TRIMETER_CM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trimeter/meter.h"

/* Board start-up defaults (a real board reads the RTC's backup domain). */
#define BOARD_RTC_START_UTC 1774735200 /* 2026-03-28 22:00 UTC; RTC stub epoch */
#define BOARD_WDT_TIMEOUT_MS 1000u     /* reset after 2 x this without a kick */
#define BOARD_RELAY_PULSE_MS 80u       /* bistable relay coil pulse */
#define BOARD_PORTS 4u                 /* UART0 = optical head, UART1..3 = modules */

/* Interrupt priorities (lower = more urgent; MPS2's M3 keeps the top bits). */
#define BOARD_PRIO_PFAIL 0x00u  /* supply monitor: nothing may delay the warning */
#define BOARD_PRIO_SAMPLE 0x40u /* sample clock (SysTick) */
#define BOARD_PRIO_UART 0x80u

/* GPIO0 pins (hal_gpio.c has the whole map). */
#define BOARD_PIN_PULSE 6u
#define BOARD_PIN_EE_CS 7u   /* serial EEPROM chip select, active low */
#define BOARD_PIN_IN_FIRST 8u
#define BOARD_PIN_PFAIL 13u  /* supply monitor comparator, 1 = failing */

/* ---- exception and interrupt handlers (the vector table in startup.c;
 * device handlers live with their drivers) --------------------------------- */
void Reset_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);     /* hal_rtc.c: sample clock + time base */
void GPIO0_IRQHandler(void);    /* hal_supply.c: power-fail warning */
void UART0_RX_IRQHandler(void); /* hal_uart.c */
void UART1_RX_IRQHandler(void);
void UART2_RX_IRQHandler(void);
void UART3_RX_IRQHandler(void);
void UART0_TX_IRQHandler(void);
void UART1_TX_IRQHandler(void);
void UART2_TX_IRQHandler(void);
void UART3_TX_IRQHandler(void);

/* ---- start-up hooks (startup.c calls them) -------------------------------- */
/* Before .data/.bss exist nothing may be touched; board_pre_main runs after
 * they are initialised and before main (semihosting images open their
 * monitor handles here). */
void board_pre_main(void);
/* Fatal fault: production resets, test images report and exit. */
void board_fault(const char *what, uint32_t pc);

/* Stack reserved by the linker script, and bytes of it ever used since reset
 * (the reset handler paints it). */
uint32_t board_stack_size(void);
uint32_t board_stack_used(void);

/* ---- board bring-up ------------------------------------------------------- */
void board_init(void);                       /* clocks, SysTick, GPIO, UARTs, faults */
void board_hal_bind(struct meter_hal *hal);  /* fill the HAL (NVM backend per image) */
void board_attach(struct meter *m);          /* the meter ISRs deliver to */
void board_idle(void);                       /* sleep until the next interrupt */
void board_reset(void);                      /* software reset (never returns) */
/* hal->legal_region: the linker's .legal section (src/metrology, energy). */
int board_legal_region(void *ctx, const void **p, size_t *n);

/* Critical sections for state shared between handlers and the main loop. */
static inline uint32_t board_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void board_irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* The meter the interrupt handlers deliver to (board_attach). */
extern struct meter *board_meter;

/* ---- time (hal_rtc.c): SysTick at METER_SAMPLE_RATE -> samples, ms, RTC --- */
void board_rtc_init(void);
uint32_t board_ms_now(void *ctx);
int board_rtc_get(void *ctx, int64_t *utc);
int board_rtc_set(void *ctx, int64_t utc);

/* ---- sample path (hal_adc.c) ------------------------------------------------ */
/* Start/stop delivering sample sets to board_attach()'s meter, one per tick
 * of the sample clock; board_adc_tick() is that tick (sample interrupt). */
void board_adc_start(void);
void board_adc_stop(void);
void board_adc_tick(void);
/* Sample sets delivered, and sample interrupts that came before the previous
 * one finished (the core could not keep up). */
uint32_t board_adc_count(void);
uint32_t board_adc_overruns(void);
/* The ADC front end of the image: adc_afe.c (production) or adc_synth.c. */
void board_adc_read(int32_t s[METER_CHANNELS]);

/* ---- watchdog (hal_wdt.c) -------------------------------------------------- */
void board_wdt_start(uint32_t timeout_ms);
void board_wdt_kick(void *ctx);
/* Reset cause latched from the previous run (true: watchdog bit us). */
bool board_wdt_caused_reset(void);
/* NMI (the watchdog's first expiry on MPS2): latch the cause, then the
 * image's board_wdt_warning() (fault_reset.c: wait for the reset;
 * semihost.c: report it). */
void board_wdt_nmi(void);
void board_wdt_warning(void);

/* ---- supply monitor (hal_supply.c) ---------------------------------------- */
void board_supply_init(void);
bool board_supply_ok(void *ctx);
/* Test images: make the supply monitor report a failing supply now. */
void board_supply_inject_fail(void);

/* ---- GPIO: relays, pulse output, inputs (hal_gpio.c) ---------------------- */
void board_gpio_init(void);
void board_gpio_write(uint32_t set, uint32_t clear); /* output pins, interrupt safe */
int board_relay_set(void *ctx, enum meter_relay relay, bool closed);
void board_pulse_set(void *ctx, bool on);
uint32_t board_inputs_read(void *ctx);
void board_gpio_tick_ms(void); /* from SysTick: ends relay coil pulses */
uint32_t board_pulse_count(void);

/* ---- serial ports (hal_uart.c) -------------------------------------------- */
void board_uart_init(void);
size_t board_port_write(void *ctx, unsigned port, const uint8_t *buf, size_t len);
/* hal->port_tx_room: free bytes of the TX ring. */
size_t board_port_tx_room(void *ctx, unsigned port);
/* Queued in order with the bytes: applies once the bytes before it left. */
int board_port_config(void *ctx, unsigned port, uint32_t baud, enum meter_framing framing);
/* Bytes received on a port since the last call (from the RX interrupt ring). */
size_t board_port_read(unsigned port, uint8_t *buf, size_t n);
/* Receive line errors (parity/framing) since the last call; the receiver
 * pauses at one until board_port_rx_resume(). */
uint32_t board_port_line_errors(unsigned port);
void board_port_rx_resume(unsigned port);
/* Main loop: apply line changes that became due. */
void board_port_service(unsigned port);
/* Main loop: hand every received byte to the core (meter_port_rx), report
 * line errors (meter_port_line_error), apply due line changes. */
void board_serve_ports(struct meter *m);
/* Wait until a port's queued bytes have left (test images only). */
void board_port_flush(unsigned port);

/* ---- NVM backends ---------------------------------------------------------- */
/* hal_nvm_spi.c: 25xx-series SPI EEPROM on the PL022 (production). */
void board_nvm_spi_bind(struct meter_hal *hal);
/* RAM-backed EEPROM stub (test images; ports/common/nvm_ram.c). Sets
 * hal->ctx to the stub (the board's own drivers ignore ctx). */
void board_nvm_ram_bind(struct meter_hal *hal);
uint32_t board_nvm_ram_programs(void);

#endif
