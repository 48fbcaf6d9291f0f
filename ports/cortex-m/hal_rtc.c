/*
 * hal_rtc.c — the board's one time base: SysTick at METER_SAMPLE_RATE.
 *
 * Each tick is a sample clock for the ADC (hal_adc.c; on MPS2 the ADC is
 * "converted" on the tick), and every METER_SAMPLE_RATE/1000 ticks advance
 * the monotonic millisecond counter (hal->ms_now), the RTC stub and the
 * relay coil timers. One interrupt source keeps sampling and time exactly
 * locked, costs one handler, and stays deterministic under QEMU -icount
 * (where the CMSDK timers lose interrupts when the CPU sleeps in WFI).
 *
 * RTC stub: seconds since boot on top of a base that rtc_set moves; it
 * starts valid at BOARD_RTC_START_UTC. A real meter has a battery/supercap
 * backed RTC (32.768 kHz crystal, calibrated) in the MCU's backup domain:
 * rtc_get reads it and returns METER_EIO when the backup domain reports a
 * loss of time; nothing else in the port changes.
 */
#include "board.h"

#include "cmsdk.h"

#define TICKS_PER_MS (METER_SAMPLE_RATE / 1000u)

static volatile uint32_t tick_sub;     /* ticks into the current ms */
static volatile uint32_t rtc_ms;       /* ms since boot (wraps after 49 days: ms_now is modular) */
static volatile uint32_t rtc_sec;      /* whole seconds since boot */
static volatile uint32_t rtc_sub_ms;   /* ms into the current second */
static int64_t rtc_base = BOARD_RTC_START_UTC; /* UTC at rtc_sec == 0; main context only */
static bool rtc_valid = true;

void board_rtc_init(void)
{
    /* Same priority as a sample interrupt: below the supply monitor, above UARTs. */
    SCB_SHPR3 = (SCB_SHPR3 & 0x00ffffffu) | ((uint32_t)BOARD_PRIO_SAMPLE << 24);
    SYST_RVR = BOARD_SYSCLK_HZ / METER_SAMPLE_RATE - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

void SysTick_Handler(void)
{
    board_adc_tick();
    if (++tick_sub < TICKS_PER_MS)
        return;
    tick_sub = 0;
    rtc_ms++;
    if (++rtc_sub_ms >= 1000u) {
        rtc_sub_ms = 0;
        rtc_sec++;
    }
    board_gpio_tick_ms();
}

uint32_t board_ms_now(void *ctx)
{
    (void)ctx;
    return rtc_ms;
}

int board_rtc_get(void *ctx, int64_t *utc)
{
    (void)ctx;
    if (!rtc_valid)
        return METER_EIO;
    *utc = rtc_base + rtc_sec; /* rtc_sec is one aligned word: read atomically */
    return METER_OK;
}

int board_rtc_set(void *ctx, int64_t utc)
{
    (void)ctx;
    rtc_base = utc - rtc_sec;
    rtc_valid = true;
    return METER_OK;
}
