/*
 * hal_adc.c — the sample path: on every tick of the sample clock (SysTick
 * at METER_SAMPLE_RATE, hal_rtc.c) read one sample set (board_adc_read:
 * adc_afe.c on a board, adc_synth.c in test images) and hand it to
 * meter_sample(), which never blocks. A board whose metering AFE paces
 * itself calls board_adc_tick() from the AFE's data-ready interrupt instead
 * and keeps SysTick for time only.
 *
 * An overrun (the next tick already pending when this one's work is done)
 * means the core needed longer than a sample period; it is counted so test
 * images can fail on it.
 */
#include "board.h"

#include "cmsdk.h"

#define SCB_ICSR_PENDSTSET (1u << 26)

static volatile bool adc_running;
static volatile uint32_t adc_count;
static volatile uint32_t adc_overruns;

void board_adc_start(void)
{
    adc_running = true;
}

void board_adc_stop(void)
{
    adc_running = false;
}

uint32_t board_adc_count(void)
{
    return adc_count;
}

uint32_t board_adc_overruns(void)
{
    return adc_overruns;
}

void board_adc_tick(void)
{
    if (!adc_running)
        return;
    int32_t s[METER_CHANNELS];
    board_adc_read(s);
    if (board_meter != NULL)
        meter_sample(board_meter, s);
    adc_count++;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET)
        adc_overruns++;
}
