/*
 * synth.c — integer three-phase sample generator (see synth.h).
 *
 * The sine is a Taylor polynomial to x^13 on the first quadrant in Q29,
 * mirrored to the other three: no tables, no libm, and the same bits on
 * every compiler that implements C11 integer arithmetic (right shifts of
 * negative values are arithmetic on every compiler we build with: GCC and
 * clang define them so).
 */
#include "synth.h"

#include <string.h>

#define Q29_ONE (1 << 29)
#define HALF_PI_Q29 843314857 /* round(pi/2 * 2^29) */
#define SQRT2_Q29 759250125   /* round(sqrt(2) * 2^29) */

/* Phase step per sample as an exact fraction: f_mhz * 2^32 / (fs * 1000). */
#define SYNTH_FS_MILLI ((uint64_t)METER_SAMPLE_RATE * 1000u)

int32_t synth_sin_q29(uint32_t phase)
{
    uint32_t quad = phase >> 30;
    uint32_t r = phase & 0x3fffffffu; /* position in the quadrant, Q30 */
    if (quad & 1u)
        r = 0x40000000u - r;        /* sin(pi/2 + a) = sin(pi/2 - a) */
    int32_t x = (int32_t)(((int64_t)r * HALF_PI_Q29) >> 30);    /* radians, Q29, <= pi/2 */
    int32_t x2 = (int32_t)(((int64_t)x * x) >> 29);             /* <= 2.47 in Q29: fits */
    /* sin x = x (1 - x^2/6 (1 - x^2/20 (1 - x^2/42 (1 - x^2/72 (1 - x^2/110 (1 - x^2/156)))))) */
    int32_t t = Q29_ONE - x2 / 156;
    t = Q29_ONE - (int32_t)(((int64_t)x2 * t) >> 29) / 110;
    t = Q29_ONE - (int32_t)(((int64_t)x2 * t) >> 29) / 72;
    t = Q29_ONE - (int32_t)(((int64_t)x2 * t) >> 29) / 42;
    t = Q29_ONE - (int32_t)(((int64_t)x2 * t) >> 29) / 20;
    t = Q29_ONE - (int32_t)(((int64_t)x2 * t) >> 29) / 6;
    int32_t y = (int32_t)(((int64_t)x * t) >> 29);
    return (quad & 2u) ? -y : y;
}

int32_t synth_peak_of_rms(int32_t rms_milli, int32_t lsb_pico)
{
    if (lsb_pico <= 0)
        return 0;
    /* rms in counts, Q8: milli-units * 1e9 / pico-units per count */
    int64_t rms_q8 = ((int64_t)rms_milli * 1000000000LL << 8) / lsb_pico;
    return (int32_t)((rms_q8 * SQRT2_Q29 + ((int64_t)Q29_ONE << 7)) >> 37);
}

void synth_set_freq(struct synth *s, uint32_t f_mhz)
{
    uint64_t num = (uint64_t)f_mhz << 32;
    s->step = (uint32_t)(num / SYNTH_FS_MILLI);
    s->step_frac = (uint32_t)(num % SYNTH_FS_MILLI);
    s->frac_acc = 0;
}

void synth_init(struct synth *s, uint32_t f_mhz)
{
    memset(s, 0, sizeof *s);
    s->lcg = 0x2545f491u;
    synth_set_freq(s, f_mhz);
}

void synth_set_phase(struct synth *s, unsigned p, int32_t urms_mv, int32_t irms_ma, int32_t u_deg,
                     int32_t phi_deg)
{
    if (p >= METER_PHASES)
        return;
    memset(&s->u[p], 0, sizeof s->u[p]);
    memset(&s->i[p], 0, sizeof s->i[p]);
    s->u[p].c[0].order = 1;
    s->u[p].c[0].peak = synth_peak_of_rms(urms_mv, METER_U_LSB_PV);
    s->u[p].c[0].phase = SYNTH_DEG(u_deg);
    s->i[p].c[0].order = 1;
    s->i[p].c[0].peak = synth_peak_of_rms(irms_ma, METER_I_LSB_PA);
    s->i[p].c[0].phase = SYNTH_DEG(u_deg - phi_deg);
}

static int32_t synth_eval(const struct synth_signal *sig, uint32_t theta)
{
    int64_t v = 0;
    for (unsigned k = 0; k < SYNTH_MAX_COMP; k++) {
        const struct synth_comp *c = &sig->c[k];
        if (c->order == 0)
            continue;
        v += (int64_t)c->peak * synth_sin_q29(c->order * theta + c->phase);
    }
    return sig->dc + (int32_t)((v + Q29_ONE / 2) >> 29);
}

static int32_t synth_noise(struct synth *s)
{
    if (s->noise <= 0)
        return 0;
    s->lcg = s->lcg * 1664525u + 1013904223u;
    uint32_t span = 2u * (uint32_t)s->noise + 1u;
    return (int32_t)((s->lcg >> 8) % span) - s->noise;
}

void synth_next(struct synth *s, int32_t out[METER_CHANNELS])
{
    int32_t in = 0;
    for (unsigned p = 0; p < METER_PHASES; p++) {
        int32_t u = synth_eval(&s->u[p], s->theta) + synth_noise(s);
        int32_t i = synth_eval(&s->i[p], s->theta) + synth_noise(s);
        out[2 * p] = u;
        out[2 * p + 1] = i;
        in -= i;
    }
    if (METER_CHANNELS > 2 * METER_PHASES)
        out[2 * METER_PHASES] = in;
    s->theta += s->step;
    s->frac_acc += s->step_frac;
    if (s->frac_acc >= SYNTH_FS_MILLI) {
        s->frac_acc -= (uint32_t)SYNTH_FS_MILLI;
        s->theta++;
    }
    s->n++;
}
