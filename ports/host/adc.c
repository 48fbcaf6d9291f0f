#include "adc.h"

#include <math.h>

void adc_init_ideal(struct adc_model *a)
{
    for (int c = 0; c < METER_CHANNELS; c++)
        a->lsb[c] = 1e-4;
}

void adc_convert(struct adc_model *a, const double phys[METER_CHANNELS], int32_t out[METER_CHANNELS])
{
    for (int c = 0; c < METER_CHANNELS; c++) {
        double v = nearbyint(phys[c] / a->lsb[c]);
        if (v > 8388607.0)
            v = 8388607.0;
        if (v < -8388608.0)
            v = -8388608.0;
        out[c] = (int32_t)v;
    }
}
