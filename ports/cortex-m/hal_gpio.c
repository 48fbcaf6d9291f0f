/*
 * hal_gpio.c — relays, LED/S0 pulse output and level inputs on CMSDK GPIO0.
 *
 * Pin map (a real board's schematic replaces it):
 *   out 0/1  main disconnector (bistable): SET coil (close) / RESET coil (open)
 *   out 2/3  AUX1 set/reset, out 4/5 AUX2 set/reset
 *   out 6    LED + S0 optocoupler (the meter constant's pulse)
 *   out 7    serial EEPROM chip select, active low (hal_nvm_spi.c)
 *   in  8    terminal cover switch (1 = open)
 *   in  9    magnetic-field sensor (1 = field)
 *   in  10   sealed calibration switch (1 = closed)
 *   in  11/12 external tariff inputs
 *   in  13   supply monitor comparator (1 = DC bus below threshold; hal_supply.c)
 * Bistable relays take a coil pulse of BOARD_RELAY_PULSE_MS, ended from the
 * SysTick handler so relay_set never blocks. QEMU 7.2 leaves the CMSDK GPIO
 * unimplemented (writes ignored, reads 0): inputs read "all quiet".
 */
#include "board.h"

#include "cmsdk.h"

#define PIN_PULSE BOARD_PIN_PULSE
#define PIN_IN_FIRST BOARD_PIN_IN_FIRST

static volatile uint32_t gpio_out;          /* shadow of DATAOUT */
static volatile uint32_t coil_ms_left[3];   /* per relay, 0 = coil idle */
static uint32_t pulse_edges;

/* Called from the main loop, from SysTick (coil timers) and from the sample
 * path (pulse output). */
void board_gpio_write(uint32_t set, uint32_t clear)
{
    uint32_t key = board_irq_save();
    gpio_out = (gpio_out | set) & ~clear;
    GPIO_DATAOUT(GPIO0_BASE) = gpio_out;
    board_irq_restore(key);
}

void board_gpio_init(void)
{
    gpio_out = 1u << BOARD_PIN_EE_CS; /* EEPROM deselected, coils and pulse off */
    GPIO_DATAOUT(GPIO0_BASE) = gpio_out;
    GPIO_OUTENSET(GPIO0_BASE) = 0xffu; /* pins 0..7 are outputs */
}

int board_relay_set(void *ctx, enum meter_relay relay, bool closed)
{
    (void)ctx;
    unsigned r = (unsigned)relay;
    if (r > 2u)
        return METER_EINVAL;
    uint32_t set_pin = 1u << (2u * r), reset_pin = 1u << (2u * r + 1u);
    board_gpio_write(closed ? set_pin : reset_pin, closed ? reset_pin : set_pin);
    coil_ms_left[r] = BOARD_RELAY_PULSE_MS;
    return METER_OK;
}

void board_gpio_tick_ms(void)
{
    for (unsigned r = 0; r < 3u; r++) {
        if (coil_ms_left[r] != 0 && --coil_ms_left[r] == 0)
            board_gpio_write(0, 3u << (2u * r)); /* both coils off: the relay latches */
    }
}

void board_pulse_set(void *ctx, bool on)
{
    (void)ctx;
    if (on && !(gpio_out & (1u << PIN_PULSE)))
        pulse_edges++;
    if (on)
        board_gpio_write(1u << PIN_PULSE, 0);
    else
        board_gpio_write(0, 1u << PIN_PULSE);
}

uint32_t board_pulse_count(void)
{
    return pulse_edges;
}

uint32_t board_inputs_read(void *ctx)
{
    (void)ctx;
    uint32_t pins = GPIO_DATA(GPIO0_BASE) >> PIN_IN_FIRST;
    return pins & (METER_IN_COVER_OPEN | METER_IN_MAGNET | METER_IN_CAL_SWITCH | METER_IN_TARIFF0 |
                   METER_IN_TARIFF1);
}
