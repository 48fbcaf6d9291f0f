/*
 * hal_supply.c — supply monitor: the power-fail early warning.
 *
 * Real hardware: a comparator watches the meter's DC bus (the rectified
 * mains behind the switch-mode supply, or the input of the 3.3 V regulator)
 * against a reference set so that, when it trips, the bulk capacitor still
 * holds the MCU and the EEPROM up for well over the time one legal-snapshot
 * write takes (tens of ms: size the capacitor from the store's write time,
 * docs/PORTING.md). Its output goes to GPIO0 pin 13 (1 = failing) with an
 * edge interrupt of the highest priority; the handler only calls
 * meter_power_fail(), and the next meter_poll() saves the full-resolution
 * state. supply_ok reads the level so the core can tell a brown-out that
 * recovered from a real outage.
 *
 * QEMU: the GPIO block is not modelled (reads 0 = supply fine), so test
 * images call board_supply_inject_fail(), which sets the level in software
 * and pends the same interrupt.
 */
#include "board.h"

#include "cmsdk.h"

#define PIN_PFAIL BOARD_PIN_PFAIL

static volatile bool supply_injected_fail;

void board_supply_init(void)
{
    GPIO_INTTYPESET(GPIO0_BASE) = 1u << PIN_PFAIL; /* edge */
    GPIO_INTPOLSET(GPIO0_BASE) = 1u << PIN_PFAIL;  /* rising: supply going away */
    GPIO_INTENSET(GPIO0_BASE) = 1u << PIN_PFAIL;
    NVIC_IPR_BYTE(IRQ_GPIO0) = BOARD_PRIO_PFAIL; /* above the sample clock */
    NVIC_ISER(IRQ_GPIO0 / 32u) = 1u << (IRQ_GPIO0 % 32u);
}

bool board_supply_ok(void *ctx)
{
    (void)ctx;
    if (supply_injected_fail)
        return false;
    return !(GPIO_DATA(GPIO0_BASE) & (1u << PIN_PFAIL));
}

void GPIO0_IRQHandler(void)
{
    GPIO_INTCLEAR(GPIO0_BASE) = 1u << PIN_PFAIL;
    if (board_meter != NULL && !board_supply_ok(NULL))
        meter_power_fail(board_meter);
}

void board_supply_inject_fail(void)
{
    supply_injected_fail = true;
    NVIC_ISPR(IRQ_GPIO0 / 32u) = 1u << (IRQ_GPIO0 % 32u);
}
