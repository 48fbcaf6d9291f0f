/*
 * adc_afe.c — ADC front end of the production image (stub).
 *
 * A real meter reads its metering AFE here: a 7-channel sigma-delta
 * converter (V1 I1 V2 I2 V3 I3 IN) whose data-ready line is the sample
 * interrupt, its results fetched by SPI+DMA into a small buffer that this
 * function copies. MPS2 has no such part, so the stub reads seven words
 * from a placeholder result window in unmodelled address space (QEMU reads
 * 0). The reads are volatile, so the whole sample path — meter_sample() and
 * the metrology behind it — stays in the production image and its size.
 */
#include "board.h"

#include "cmsdk.h"

#define AFE_RESULT_BASE 0x40030000u /* placeholder: the AFE's result registers */

void board_adc_read(int32_t s[METER_CHANNELS])
{
    for (unsigned k = 0; k < METER_CHANNELS; k++)
        s[k] = (int32_t)CM_REG(AFE_RESULT_BASE + 4u * k);
}
