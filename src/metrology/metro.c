/*
 * metro.c — first-cut metrology: active power, Urms, Irms per phase with
 * remainder-carrying energy integration. The full DSP (DC removal, phase
 * compensation, fundamental reactive power, frequency) replaces this.
 */
#include "metrology/metro.h"

#include <string.h>

/* Integer square root of a 64-bit value (floor). */
static uint32_t isqrt64(uint64_t v)
{
    uint64_t r = 0;
    uint64_t bit = (uint64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit != 0) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)r;
}

void metro_init(struct metro *mt)
{
    memset(mt, 0, sizeof *mt);
    for (int p = 0; p < METER_PHASES; p++) {
        mt->cal.u_gain_nv[p] = 100000; /* 0.1 mV per count */
        mt->cal.i_gain_na[p] = 100000; /* 0.1 mA per count */
    }
}

static void metro_finish_block(struct metro *mt)
{
    struct meas_block *b = &mt->out;
    memset(b, 0, sizeof *b);
    b->flags = MEAS_F_SAMPLES;
    for (int p = 0; p < METER_PHASES; p++) {
        const struct metro_phase_acc *a = &mt->acc[p];
        struct meas_phase *ph = &b->ph[p];
        /* energy in uWh: sum(u*i) * ug[nV] * ig[nA] * 1e-18 W / fs s / 3600 s/h * 1e6 uW.
         * Keep the division remainder so no energy is lost in rounding. */
        int64_t scale = (int64_t)mt->cal.u_gain_nv[p] / 1000 * (mt->cal.i_gain_na[p] / 1000); /* pW per count^2 */
        int64_t num = a->p / 1000 * scale + mt->e_rem[p];          /* 1e-9 W*samples */
        int64_t den = (int64_t)METER_SAMPLE_RATE * 3600 * 1000;     /* -> uWh */
        int64_t e = num / den;
        mt->e_rem[p] = num - e * den;
        if (e >= 0)
            ph->e[MEAS_AP] = e;
        else
            ph->e[MEAS_AN] = -e;
        ph->p_mw = (int32_t)(a->p / METER_SAMPLE_RATE / 1000 * scale / 1000000);
        ph->u_mv = (int32_t)((int64_t)isqrt64((uint64_t)(a->uu / METER_SAMPLE_RATE)) * mt->cal.u_gain_nv[p] / 1000000);
        ph->i_ua = (int32_t)((int64_t)isqrt64((uint64_t)(a->ii / METER_SAMPLE_RATE)) * mt->cal.i_gain_na[p] / 1000);
        ph->s_mva = (int32_t)((int64_t)ph->u_mv * ph->i_ua / 1000000);
        for (int q = 0; q < MEAS_QTY; q++)
            b->e[q] += ph->e[q];
        b->p_mw += ph->p_mw;
        b->s_mva += ph->s_mva;
    }
    memset(mt->acc, 0, sizeof mt->acc);
    mt->n = 0;
}

bool metro_sample(struct metro *mt, const int32_t s[METER_CHANNELS])
{
    for (int p = 0; p < METER_PHASES; p++) {
        int64_t u = s[2 * p] - mt->cal.u_offset[p];
        int64_t i = s[2 * p + 1] - mt->cal.i_offset[p];
        mt->acc[p].p += u * i;
        mt->acc[p].uu += u * u;
        mt->acc[p].ii += i * i;
    }
    if (++mt->n < METER_SAMPLE_RATE)
        return false;
    metro_finish_block(mt);
    return true;
}
