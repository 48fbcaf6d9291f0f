/*
 * adc.h — the ADC model of the virtual meter: physical volts and amperes in,
 * int32 ADC counts out, as the firmware's sample interrupt would see them.
 * The metrology issue makes it a full model (24-bit sigma-delta with its
 * decimation filter, 16-bit SAR option, gain/offset/noise/phase errors,
 * clipping); this first cut converts ideally at the first-cut metrology's
 * nominal scale (0.1 mV and 0.1 mA per count).
 */
#ifndef TRIMETER_ADC_H
#define TRIMETER_ADC_H

#include <stdint.h>

#include "trimeter/meter_opts.h"

struct adc_model {
    double lsb[METER_CHANNELS]; /* physical units per count */
};

void adc_init_ideal(struct adc_model *a);
/* Convert one sample set V1 I1 V2 I2 V3 I3 IN. */
void adc_convert(struct adc_model *a, const double phys[METER_CHANNELS], int32_t out[METER_CHANNELS]);

#endif
