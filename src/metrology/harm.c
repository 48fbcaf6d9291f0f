/*
 * harm.c — the harmonic frame: a flat response for active power from the
 * fundamental up to METRO_HF_F_TOP (docs/METROLOGY.md, "Flat response").
 *
 * The front end (sinc^3 decimation, anti-alias filters, the shunt's
 * inductance, the channels' delays) weights every harmonic's power by its
 * own response; calibration makes the fundamental right, the interpolator
 * of the phase compensation adds its own error above it. Correcting the
 * samples would take an inverse FIR per channel on the sample path (several
 * MACs per phase, over the budget). Instead, at the start of every block
 * the sample interrupt stacks METRO_HF_CYCLES whole cycles sample by sample
 * (slot k = the sum of the cycles' k-th samples: six adds per sample set
 * for 10 of the 50 cycles, and one test on the others), and the main loop
 * turns the stack into each channel's harmonics and corrects the block's
 * active power by what the front end and the interpolator took from each
 * harmonic:
 *
 *     dP = sum_h Re( Uh conj(Ih) [ 1/rho(f_h) - conj(H_lc(w_h)) / |H_lc(w_1)| ] ) / 2
 *
 * rho(f) = exp(lambda(f)) exp(-j 2 pi f lead) is the phase's u x i
 * cross-response (lambda from the calibration's hr_a* constants, the lead
 * the calibrated one at the die temperature), H_lc the interpolator of
 * metro.c. dP is a small correction (the harmonics' power times the
 * response error), so the stack's own small errors barely show.
 *
 * Exactness of the stack: every cycle's samples sit at NCO phases
 * d_c + k inc (d_c the phase of its first sample), so harmonic h of the
 * stacked cycle is the true one times D_h = mean_c exp(j h d_c), the same
 * for every channel: U_h conj(I_h) is measured times |D_h|^2, which is
 * divided out. The transform takes K = round(2^32 / inc) slots (the last
 * one scaled up when not every cycle reached it, metro_hf_slots): when a
 * cycle is not a whole number of samples they cover a little less or a
 * little more than a period, the fundamental's leakage from that is removed
 * by subtracting the fitted fundamental before the harmonic transform, and
 * what is left between harmonics stays below 0.6 % of their power.
 */
#include "metrology/metro.h"

#include <string.h>

#include "metrology/fixmath.h"

/* sin(2 pi k / 1024) * 4095 for k = 0 .. 1279 (a turn and a quarter: cos(k) is
 * entry k + 256, no wrap): the transform's Q12 twiddles. */
static const int16_t hf_tab[1280] = {
    0, 25, 50, 75, 100, 126, 151, 176, 201, 226, 251, 276, 301, 326, 351, 376,
    401, 426, 451, 476, 501, 526, 551, 576, 601, 626, 651, 675, 700, 725, 750, 774,
    799, 824, 848, 873, 897, 922, 946, 971, 995, 1019, 1044, 1068, 1092, 1116, 1141, 1165,
    1189, 1213, 1237, 1261, 1285, 1308, 1332, 1356, 1380, 1403, 1427, 1450, 1474, 1497, 1521, 1544,
    1567, 1590, 1613, 1636, 1659, 1682, 1705, 1728, 1751, 1774, 1796, 1819, 1841, 1864, 1886, 1908,
    1930, 1952, 1975, 1997, 2018, 2040, 2062, 2084, 2105, 2127, 2148, 2170, 2191, 2212, 2233, 2254,
    2275, 2296, 2317, 2337, 2358, 2378, 2399, 2419, 2439, 2460, 2480, 2500, 2519, 2539, 2559, 2578,
    2598, 2617, 2636, 2656, 2675, 2694, 2713, 2731, 2750, 2769, 2787, 2805, 2824, 2842, 2860, 2878,
    2896, 2913, 2931, 2948, 2966, 2983, 3000, 3017, 3034, 3051, 3068, 3084, 3101, 3117, 3133, 3149,
    3165, 3181, 3197, 3213, 3228, 3244, 3259, 3274, 3289, 3304, 3319, 3333, 3348, 3362, 3377, 3391,
    3405, 3419, 3433, 3446, 3460, 3473, 3486, 3499, 3512, 3525, 3538, 3551, 3563, 3575, 3588, 3600,
    3611, 3623, 3635, 3646, 3658, 3669, 3680, 3691, 3702, 3713, 3723, 3733, 3744, 3754, 3764, 3774,
    3783, 3793, 3802, 3811, 3821, 3830, 3838, 3847, 3856, 3864, 3872, 3880, 3888, 3896, 3904, 3911,
    3919, 3926, 3933, 3940, 3947, 3953, 3960, 3966, 3972, 3978, 3984, 3990, 3996, 4001, 4006, 4011,
    4016, 4021, 4026, 4030, 4035, 4039, 4043, 4047, 4051, 4054, 4058, 4061, 4064, 4067, 4070, 4073,
    4075, 4078, 4080, 4082, 4084, 4086, 4087, 4089, 4090, 4091, 4092, 4093, 4094, 4094, 4095, 4095,
    4095, 4095, 4095, 4094, 4094, 4093, 4092, 4091, 4090, 4089, 4087, 4086, 4084, 4082, 4080, 4078,
    4075, 4073, 4070, 4067, 4064, 4061, 4058, 4054, 4051, 4047, 4043, 4039, 4035, 4030, 4026, 4021,
    4016, 4011, 4006, 4001, 3996, 3990, 3984, 3978, 3972, 3966, 3960, 3953, 3947, 3940, 3933, 3926,
    3919, 3911, 3904, 3896, 3888, 3880, 3872, 3864, 3856, 3847, 3838, 3830, 3821, 3811, 3802, 3793,
    3783, 3774, 3764, 3754, 3744, 3733, 3723, 3713, 3702, 3691, 3680, 3669, 3658, 3646, 3635, 3623,
    3611, 3600, 3588, 3575, 3563, 3551, 3538, 3525, 3512, 3499, 3486, 3473, 3460, 3446, 3433, 3419,
    3405, 3391, 3377, 3362, 3348, 3333, 3319, 3304, 3289, 3274, 3259, 3244, 3228, 3213, 3197, 3181,
    3165, 3149, 3133, 3117, 3101, 3084, 3068, 3051, 3034, 3017, 3000, 2983, 2966, 2948, 2931, 2913,
    2896, 2878, 2860, 2842, 2824, 2805, 2787, 2769, 2750, 2731, 2713, 2694, 2675, 2656, 2636, 2617,
    2598, 2578, 2559, 2539, 2519, 2500, 2480, 2460, 2439, 2419, 2399, 2378, 2358, 2337, 2317, 2296,
    2275, 2254, 2233, 2212, 2191, 2170, 2148, 2127, 2105, 2084, 2062, 2040, 2018, 1997, 1975, 1952,
    1930, 1908, 1886, 1864, 1841, 1819, 1796, 1774, 1751, 1728, 1705, 1682, 1659, 1636, 1613, 1590,
    1567, 1544, 1521, 1497, 1474, 1450, 1427, 1403, 1380, 1356, 1332, 1308, 1285, 1261, 1237, 1213,
    1189, 1165, 1141, 1116, 1092, 1068, 1044, 1019, 995, 971, 946, 922, 897, 873, 848, 824,
    799, 774, 750, 725, 700, 675, 651, 626, 601, 576, 551, 526, 501, 476, 451, 426,
    401, 376, 351, 326, 301, 276, 251, 226, 201, 176, 151, 126, 100, 75, 50, 25,
    0, -25, -50, -75, -100, -126, -151, -176, -201, -226, -251, -276, -301, -326, -351, -376,
    -401, -426, -451, -476, -501, -526, -551, -576, -601, -626, -651, -675, -700, -725, -750, -774,
    -799, -824, -848, -873, -897, -922, -946, -971, -995, -1019, -1044, -1068, -1092, -1116, -1141, -1165,
    -1189, -1213, -1237, -1261, -1285, -1308, -1332, -1356, -1380, -1403, -1427, -1450, -1474, -1497, -1521, -1544,
    -1567, -1590, -1613, -1636, -1659, -1682, -1705, -1728, -1751, -1774, -1796, -1819, -1841, -1864, -1886, -1908,
    -1930, -1952, -1975, -1997, -2018, -2040, -2062, -2084, -2105, -2127, -2148, -2170, -2191, -2212, -2233, -2254,
    -2275, -2296, -2317, -2337, -2358, -2378, -2399, -2419, -2439, -2460, -2480, -2500, -2519, -2539, -2559, -2578,
    -2598, -2617, -2636, -2656, -2675, -2694, -2713, -2731, -2750, -2769, -2787, -2805, -2824, -2842, -2860, -2878,
    -2896, -2913, -2931, -2948, -2966, -2983, -3000, -3017, -3034, -3051, -3068, -3084, -3101, -3117, -3133, -3149,
    -3165, -3181, -3197, -3213, -3228, -3244, -3259, -3274, -3289, -3304, -3319, -3333, -3348, -3362, -3377, -3391,
    -3405, -3419, -3433, -3446, -3460, -3473, -3486, -3499, -3512, -3525, -3538, -3551, -3563, -3575, -3588, -3600,
    -3611, -3623, -3635, -3646, -3658, -3669, -3680, -3691, -3702, -3713, -3723, -3733, -3744, -3754, -3764, -3774,
    -3783, -3793, -3802, -3811, -3821, -3830, -3838, -3847, -3856, -3864, -3872, -3880, -3888, -3896, -3904, -3911,
    -3919, -3926, -3933, -3940, -3947, -3953, -3960, -3966, -3972, -3978, -3984, -3990, -3996, -4001, -4006, -4011,
    -4016, -4021, -4026, -4030, -4035, -4039, -4043, -4047, -4051, -4054, -4058, -4061, -4064, -4067, -4070, -4073,
    -4075, -4078, -4080, -4082, -4084, -4086, -4087, -4089, -4090, -4091, -4092, -4093, -4094, -4094, -4095, -4095,
    -4095, -4095, -4095, -4094, -4094, -4093, -4092, -4091, -4090, -4089, -4087, -4086, -4084, -4082, -4080, -4078,
    -4075, -4073, -4070, -4067, -4064, -4061, -4058, -4054, -4051, -4047, -4043, -4039, -4035, -4030, -4026, -4021,
    -4016, -4011, -4006, -4001, -3996, -3990, -3984, -3978, -3972, -3966, -3960, -3953, -3947, -3940, -3933, -3926,
    -3919, -3911, -3904, -3896, -3888, -3880, -3872, -3864, -3856, -3847, -3838, -3830, -3821, -3811, -3802, -3793,
    -3783, -3774, -3764, -3754, -3744, -3733, -3723, -3713, -3702, -3691, -3680, -3669, -3658, -3646, -3635, -3623,
    -3611, -3600, -3588, -3575, -3563, -3551, -3538, -3525, -3512, -3499, -3486, -3473, -3460, -3446, -3433, -3419,
    -3405, -3391, -3377, -3362, -3348, -3333, -3319, -3304, -3289, -3274, -3259, -3244, -3228, -3213, -3197, -3181,
    -3165, -3149, -3133, -3117, -3101, -3084, -3068, -3051, -3034, -3017, -3000, -2983, -2966, -2948, -2931, -2913,
    -2896, -2878, -2860, -2842, -2824, -2805, -2787, -2769, -2750, -2731, -2713, -2694, -2675, -2656, -2636, -2617,
    -2598, -2578, -2559, -2539, -2519, -2500, -2480, -2460, -2439, -2419, -2399, -2378, -2358, -2337, -2317, -2296,
    -2275, -2254, -2233, -2212, -2191, -2170, -2148, -2127, -2105, -2084, -2062, -2040, -2018, -1997, -1975, -1952,
    -1930, -1908, -1886, -1864, -1841, -1819, -1796, -1774, -1751, -1728, -1705, -1682, -1659, -1636, -1613, -1590,
    -1567, -1544, -1521, -1497, -1474, -1450, -1427, -1403, -1380, -1356, -1332, -1308, -1285, -1261, -1237, -1213,
    -1189, -1165, -1141, -1116, -1092, -1068, -1044, -1019, -995, -971, -946, -922, -897, -873, -848, -824,
    -799, -774, -750, -725, -700, -675, -651, -626, -601, -576, -551, -526, -501, -476, -451, -426,
    -401, -376, -351, -326, -301, -276, -251, -226, -201, -176, -151, -126, -100, -75, -50, -25,
    0, 25, 50, 75, 100, 126, 151, 176, 201, 226, 251, 276, 301, 326, 351, 376,
    401, 426, 451, 476, 501, 526, 551, 576, 601, 626, 651, 675, 700, 725, 750, 774,
    799, 824, 848, 873, 897, 922, 946, 971, 995, 1019, 1044, 1068, 1092, 1116, 1141, 1165,
    1189, 1213, 1237, 1261, 1285, 1308, 1332, 1356, 1380, 1403, 1427, 1450, 1474, 1497, 1521, 1544,
    1567, 1590, 1613, 1636, 1659, 1682, 1705, 1728, 1751, 1774, 1796, 1819, 1841, 1864, 1886, 1908,
    1930, 1952, 1975, 1997, 2018, 2040, 2062, 2084, 2105, 2127, 2148, 2170, 2191, 2212, 2233, 2254,
    2275, 2296, 2317, 2337, 2358, 2378, 2399, 2419, 2439, 2460, 2480, 2500, 2519, 2539, 2559, 2578,
    2598, 2617, 2636, 2656, 2675, 2694, 2713, 2731, 2750, 2769, 2787, 2805, 2824, 2842, 2860, 2878,
    2896, 2913, 2931, 2948, 2966, 2983, 3000, 3017, 3034, 3051, 3068, 3084, 3101, 3117, 3133, 3149,
    3165, 3181, 3197, 3213, 3228, 3244, 3259, 3274, 3289, 3304, 3319, 3333, 3348, 3362, 3377, 3391,
    3405, 3419, 3433, 3446, 3460, 3473, 3486, 3499, 3512, 3525, 3538, 3551, 3563, 3575, 3588, 3600,
    3611, 3623, 3635, 3646, 3658, 3669, 3680, 3691, 3702, 3713, 3723, 3733, 3744, 3754, 3764, 3774,
    3783, 3793, 3802, 3811, 3821, 3830, 3838, 3847, 3856, 3864, 3872, 3880, 3888, 3896, 3904, 3911,
    3919, 3926, 3933, 3940, 3947, 3953, 3960, 3966, 3972, 3978, 3984, 3990, 3996, 4001, 4006, 4011,
    4016, 4021, 4026, 4030, 4035, 4039, 4043, 4047, 4051, 4054, 4058, 4061, 4064, 4067, 4070, 4073,
    4075, 4078, 4080, 4082, 4084, 4086, 4087, 4089, 4090, 4091, 4092, 4093, 4094, 4094, 4095, 4095,
};

/* 1 mHz in NCO units, Q16. */
#define HF_BEND_MAX ((int64_t)((((uint64_t)1 << 32) / 1000 / METRO_N) << 16))

/* Lowest NCO increment that takes a frame: METRO_HF_F_MIN Hz. */
#define HF_INC_MIN ((uint32_t)((((uint64_t)METRO_HF_F_MIN) << 32) / METRO_N) + 1u)

void metro_hf_arm(struct metro *mt)
{
    struct metro_hf *h = &mt->hf;
    /* every METRO_HF_EVERY blocks; the next block at once after a frame
     * that was not valid (start-up, frequency lock regained) */
    if (h->on || mt->nco_inc < HF_INC_MIN || (h->skip > 0 && h->valid)) {
        if (h->skip > 0)
            h->skip--;
        return;
    }
    h->skip = METRO_HF_EVERY - 1;
    h->step = 0;
    h->k = METRO_HF_SCRATCH;
    /* valid only with the oscillator on the frequency: locked, the last
     * estimates on a straight line within 1 mHz, and no ramp to predict
     * (a frame 10 cycles long at 1 mHz off turns the 31st harmonic by
     * 2.2 deg; a 0.1 Hz/s ramp smears it by 14 deg) */
    int64_t ahead = ((int64_t)mt->nco_inc << 16) - mt->f_inc_q16_prev; /* the predictor's step */
    h->valid = mt->f_locked == 2 && mt->f_bend_q16 < HF_BEND_MAX && ahead < HF_BEND_MAX && -ahead < HF_BEND_MAX;
    h->on = 1;
}

/* A cycle ends at this sample; the next starts at NCO phase nph. */
static void hf_cycle(struct metro *mt, uint32_t nph)
{
    struct metro_hf *h = &mt->hf;
    if (h->step == 0) {
        /* waiting for a cycle start: take this one if the last frame was
         * analysed and the rest of the block holds the frame (the NCO
         * increment must not change inside it) */
        uint32_t per = (uint32_t)(((uint64_t)1 << 32) / mt->nco_inc) + 1u;
        uint32_t left = METRO_N - 1u - mt->n;
        if (left < METRO_HF_CYCLES * per)
            h->on = 0; /* too late in this block: a later one arms again */
        else if (!h->ready) {
            h->step = 1;
            h->k = 0;
            h->cycles = 0;
            h->d[0] = nph;
            h->inc = mt->nco_inc;
        }
        return;
    }
    h->k = 0;
    if (++h->cycles == METRO_HF_CYCLES) {
        h->on = 0;
        h->step = 0;
        h->ready = 1;
        return;
    }
    h->d[h->cycles] = nph;
}

void metro_hf_stack(struct metro *mt, const int32_t s[METER_CHANNELS], uint32_t ph, uint32_t nph)
{
    struct metro_hf *h = &mt->hf;
    int32_t *b = h->s.slot[h->k];
    b[0] += s[0];
    b[1] += s[1];
    b[2] += s[2];
    b[3] += s[3];
    b[4] += s[4];
    b[5] += s[5];
    h->k = (uint8_t)(h->k + h->step);
    if (nph < ph) /* the NCO wraps: the next sample starts a cycle */
        hf_cycle(mt, nph);
}

/* exp(-x) for x in Q30, clamped to [-3, 1] (the response of any sound
 * front end is inside): Q24. (e^(-x/8))^8, the
 * eighth by its Taylor series (error < 2e-6). */
static int64_t exp_neg_q24(int64_t x)
{
    const int64_t one = (int64_t)1 << 30;
    if (x < -3 * one)
        x = -3 * one;
    if (x > one)
        x = one;
    int64_t y = -x / 8, t = one, e = t;
    for (int n = 1; n <= 6; n++) {
        t = ((t * (y / 64)) >> 24) / n; /* Q30; y scaled to keep the product in range */
        e += t;
    }
    e /= 64; /* Q24 */
    for (int n = 0; n < 3; n++)
        e = (e * e) >> 24;
    return e;
}

/* The harmonics the correction covers: every one up to the 5th (even ones
 * too: a half-wave load's 2nd and 4th meet the voltage's), then the odd
 * ones, up to METRO_HF_F_TOP. Even harmonics above the 4th carry
 * negligible power (voltage levels of IEC 61000-2-2 times the response
 * error): docs/METROLOGY.md. */
static unsigned hf_next(unsigned h)
{
    return h < 5 ? h + 1 : h + 2;
}

/* The signed low 32-bit lane of a packed sum. */
static int64_t lane_lo(int64_t v)
{
    int64_t lo = (int64_t)((uint64_t)v & 0xffffffffu);
    return lo >= ((int64_t)1 << 31) ? lo - ((int64_t)1 << 32) : lo;
}

/* Residual amplitude (after DC and fundamental) that keeps a packed lane
 * of the transform below 2^31: K <= 89 terms of |v| * 4095. */
#define HF_LANE_MAX 4095

unsigned metro_hf_slots(struct metro_hf *h)
{
    /* Cycles hold floor(M) or floor(M) + 1 samples (M = 2^32 / inc). The
     * slots used are round(M): a stack a little short of a period or a
     * little past it, never by more than half a sample (the leakage between
     * harmonics it leaves is below 0.6 %, none at a whole M). A last slot
     * that not every cycle reached is scaled up to the full count. */
    const uint64_t turn = (uint64_t)1 << 32;
    unsigned K = (unsigned)((turn + h->inc / 2) / h->inc);
    if (K < 2 || K >= METRO_HF_SLOTS - 1)
        return 0;
    unsigned n = 0;
    for (unsigned c = 0; c < METRO_HF_CYCLES; c++)
        n += (uint64_t)h->d[c] + (uint64_t)(K - 1) * h->inc < turn;
    if (n == 0)
        return K - 1;
    if (n < METRO_HF_CYCLES)
        for (unsigned c = 0; c < 2 * METER_PHASES; c++)
            h->s.slot[K - 1][c] = (int32_t)((int64_t)h->s.slot[K - 1][c] * METRO_HF_CYCLES / (int64_t)n);
    return K;
}

void metro_hf_analyse(struct metro *mt)
{
    struct metro_hf *h = &mt->hf;
    if (!h->ready)
        return;
    const uint32_t inc = h->inc;
    unsigned K = metro_hf_slots(h);
    int32_t(*x)[2 * METER_PHASES] = h->s.slot;
    int64_t dp[METER_PHASES] = {0, 0, 0};

    if (h->valid && K >= 8 && K < METRO_HF_SLOTS - 1) {
        /* 1. DC and the fundamental out of every channel: a fit over the K
         * slots (the rotating phasor keeps the residue far below the
         * harmonics) */
        int64_t dc[2 * METER_PHASES], fr[2 * METER_PHASES], fi[2 * METER_PHASES];
        int32_t sc[2 * METER_PHASES];
        for (unsigned c = 0; c < 2 * METER_PHASES; c++) {
            int64_t s = 0;
            for (unsigned k = 0; k < K; k++)
                s += x[k][c];
            dc[c] = s / (int64_t)K;
            fr[c] = fi[c] = 0;
        }
        int64_t wc, ws, zr = (int64_t)1 << 30, zi = 0;
        fix_sincos(inc, &wc, &ws);
        for (unsigned k = 0; k < K; k++) {
            for (unsigned c = 0; c < 2 * METER_PHASES; c++) {
                int64_t v = x[k][c] - dc[c];
                fr[c] += (v * zr) >> 14; /* Q16 */
                fi[c] -= (v * zi) >> 14;
            }
            int64_t t = (zr * wc - zi * ws) >> 30;
            zi = (zr * ws + zi * wc) >> 30;
            zr = t;
        }
        for (unsigned c = 0; c < 2 * METER_PHASES; c++) {
            /* the fundamental's amplitude in slot units */
            fr[c] = fr[c] * 2 / (int64_t)K / 65536;
            fi[c] = fi[c] * 2 / (int64_t)K / 65536;
            sc[c] = 0;
        }
        zr = (int64_t)1 << 30;
        zi = 0;
        int64_t vmax[2 * METER_PHASES] = {0};
        for (unsigned k = 0; k < K; k++) {
            for (unsigned c = 0; c < 2 * METER_PHASES; c++) {
                /* Re(F e^{j k w}) = fr cos - fi sin */
                int64_t v = x[k][c] - dc[c] - ((fr[c] * zr - fi[c] * zi) >> 30);
                x[k][c] = (int32_t)v;
                if (v < 0)
                    v = -v;
                if (v > vmax[c])
                    vmax[c] = v;
            }
            int64_t t = (zr * wc - zi * ws) >> 30;
            zi = (zr * ws + zi * wc) >> 30;
            zr = t;
        }
        /* 2. each phase's u and i in one word (block floating point: the
         * largest residual of a channel fits HF_LANE_MAX), u in the high half */
        for (unsigned c = 0; c < 2 * METER_PHASES; c++)
            while ((vmax[c] >> sc[c]) > HF_LANE_MAX)
                sc[c]++;
        for (unsigned k = 0; k < K; k++) {
            int64_t u[METER_PHASES], i[METER_PHASES];
            for (int p = 0; p < METER_PHASES; p++) {
                u[p] = x[k][2 * p] >> sc[2 * p];
                i[p] = x[k][2 * p + 1] >> sc[2 * p + 1];
            }
            for (int p = 0; p < METER_PHASES; p++)
                h->s.pk[k][p] = u[p] * ((int64_t)1 << 32) + i[p];
        }

        /* the frame's interpolator at the fundamental: |H_lc(w_1)|, and the
         * lead's phase per unit of harmonic order */
        int64_t hinv[METER_PHASES];
        int64_t ephr[METER_PHASES], ephi[METER_PHASES], estr[METER_PHASES], esti[METER_PHASES];
        int64_t e2r[METER_PHASES], e2i[METER_PHASES];
        for (int p = 0; p < METER_PHASES; p++) {
            int64_t k = mt->d.k_q30[p];
            int64_t hr = ((int64_t)1 << 30) + ((k * (((int64_t)1 << 30) - wc)) >> 30), hi = (k * ws) >> 30;
            int64_t hm = fix_isqrt64((uint64_t)(hr * hr + hi * hi));
            hinv[p] = ((int64_t)1 << 60) / (hm > 0 ? hm : 1);
            /* the lead's phase at the fundamental, 2 pi f lead, as a binary
             * angle: inc * (-k) (k = -lead fs); harmonic h has h times it */
            uint32_t phi1 = (uint32_t)(int64_t)fix_mul_shr(inc, -k, 30);
            fix_sincos(phi1, &estr[p], &esti[p]);
            fix_sincos(2 * phi1, &e2r[p], &e2i[p]);
            fix_sincos(phi1, &ephr[p], &ephi[p]); /* h = 1; the loop steps it to 2 first */
        }
        const int64_t fc2 = ((int64_t)METER_CAL_HZ * METER_CAL_HZ << 30) / 1000000;
        const int64_t fc4 = (fc2 * fc2) >> 30, fc6 = (fc4 * fc2) >> 30;
        /* lane -> Q8 peak counts: X = lane 2^sc 2 256 / (K C 4096) */
        const int64_t rcp = ((int64_t)1 << 40) / ((int64_t)K * METRO_HF_CYCLES * 4096);

        for (unsigned hn = 2; (uint64_t)hn * inc * METRO_N <= ((uint64_t)METRO_HF_F_TOP << 32); hn = hf_next(hn)) {
            /* e^{j hn phi1} of the lead, carried from the last harmonic */
            for (int p = 0; p < METER_PHASES; p++) {
                int64_t tr = (ephr[p] * estr[p] - ephi[p] * esti[p]) >> 30;
                ephi[p] = (ephr[p] * esti[p] + ephi[p] * estr[p]) >> 30;
                ephr[p] = tr;
                if (hn >= 5) { /* from here on odd orders only: two steps */
                    estr[p] = e2r[p];
                    esti[p] = e2i[p];
                }
            }
            /* 3. harmonic hn of every channel */
            int64_t r0 = 0, i0 = 0, r1 = 0, i1 = 0, r2 = 0, i2 = 0;
            const uint32_t step = hn * inc;
            uint32_t a = 0;
            int64_t(*q)[METER_PHASES] = h->s.pk;
            for (unsigned k = 0; k < K; k++, a += step) {
                const int16_t *t = hf_tab + (a >> 22);
                const int64_t co = t[256], si = t[0];
                r0 += q[k][0] * co;
                i0 -= q[k][0] * si;
                r1 += q[k][1] * co;
                i1 -= q[k][1] * si;
                r2 += q[k][2] * co;
                i2 -= q[k][2] * si;
            }
            const int64_t acc_r[METER_PHASES] = {r0, r1, r2}, acc_i[METER_PHASES] = {i0, i1, i2};
            /* |D_h|^2: the stack's smear of harmonic hn, Q30 */
            int64_t dr = 0, di = 0;
            for (unsigned cy = 0; cy < METRO_HF_CYCLES; cy++) {
                uint32_t b = hn * h->d[cy];
                dr += fix_sin_tab[((b >> 22) + 256u) & 1023u];
                di += fix_sin_tab[b >> 22];
            }
            int64_t d2 = (dr * dr + di * di) / (METRO_HF_CYCLES * METRO_HF_CYCLES); /* Q30 */
            if (d2 < ((int64_t)1 << 26))
                continue; /* smeared out (not with whole-sample phases) */
            const int64_t dinv = ((int64_t)1 << 44) / d2; /* 1 / |D|^2, Q14 */

            /* the harmonic's frequency in kHz, Q30, and the interpolator there */
            const int64_t F = ((int64_t)hn * inc * METRO_N) / 4000;
            /* F^6 at 1.6 kHz is 17 in Q30: its product needs 128 bits */
            const int64_t F2 = (F * F) >> 30, F4 = fix_mul_shr(F2, F2, 30), F6 = fix_mul_shr(F4, F2, 30);
            int64_t ch, sh;
            fix_sincos(step, &ch, &sh);
            for (int p = 0; p < METER_PHASES; p++) {
                int64_t ulo = acc_r[p] - lane_lo(acc_r[p]), uli = acc_i[p] - lane_lo(acc_i[p]);
                int64_t ur = ((ulo / ((int64_t)1 << 32)) * rcp) >> (31 - sc[2 * p]);
                int64_t ui = ((uli / ((int64_t)1 << 32)) * rcp) >> (31 - sc[2 * p]);
                int64_t ir = (lane_lo(acc_r[p]) * rcp) >> (31 - sc[2 * p + 1]);
                int64_t ii = (lane_lo(acc_i[p]) * rcp) >> (31 - sc[2 * p + 1]);
                if ((ur == 0 && ui == 0) || (ir == 0 && ii == 0))
                    continue;
                const struct metro_cal_ext *e = &mt->calx;
                int64_t lam = (e->hr_a1[p] * (F2 - fc2) + e->hr_a2[p] * (F4 - fc4) + e->hr_a3[p] * (F6 - fc6)) /
                              1000000; /* ln of the response, Q30 */
                int64_t g = exp_neg_q24(lam);
                int64_t k = mt->d.k_q30[p];
                int64_t hr = ((int64_t)1 << 30) + ((k * (((int64_t)1 << 30) - ch)) >> 30), hi = (k * sh) >> 30;
                /* W = g e^{j phi} - conj(H_lc) hinv, Q26 */
                int64_t wr = ((g * (ephr[p] >> 4)) >> 24) - ((hr * (hinv[p] >> 4)) >> 30);
                int64_t wi = ((g * (ephi[p] >> 4)) >> 24) + ((hi * (hinv[p] >> 4)) >> 30);
                /* Re(U conj(I) W) = Re(U conj(V)), V = I conj(W) (counts) */
                int64_t vr = (ir * wr + ii * wi) >> 34, vi = (ii * wr - ir * wi) >> 34;
                int64_t t = ur * vr + ui * vi; /* Q8 */
                dp[p] += fix_mul_shr(t, dinv, 7); /* t / 2 / |D|^2, Q16 */
            }
        }
    }
    if (h->valid) { /* an invalid frame leaves the last valid correction ageing */
        for (int p = 0; p < METER_PHASES; p++)
            mt->hf_dp[p] = dp[p];
        mt->hf_age = 0;
    }
    memset(&h->s, 0, sizeof h->s);
    h->ready = 0; /* last: the interrupt may stack the next frame now */
}
