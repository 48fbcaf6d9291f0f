/*
 * metro.c — the measuring chain: per-sample sums, per-block results.
 *
 * Method (docs/METROLOGY.md has the derivations and measured errors):
 *  - DC removal: per block, algebraically on the sums, with the DC estimated
 *    as the window-weighted mean (the window's sidelobes keep the
 *    fundamental out of it even when the block is not a whole number of
 *    cycles). Equivalent to subtracting that DC from every sample.
 *  - Phase compensation: i_c[n] = i[n] + k (i[n] - i[n-1]) (a fractional
 *    delay), applied on the sums: sum u*i_c = (1+k) sum u*i - k sum u*i[n-1];
 *    its small gain at the measured frequency is divided out per block.
 *  - Fundamental reactive power: a windowed single-bin DFT of u and i at the
 *    tracked frequency (NCO); Q1 = 2 Im(U1 conj(I1)) / W0^2. The window
 *    w = (n (N-n))^2 comes from an exact integer recurrence; its sidelobes
 *    (1/k^3) kill the -f image, DC and harmonics.
 *  - Frequency: rising zero crossings of one voltage for acquisition, then
 *    the phase advance of U1 between blocks (exact for a steady frequency),
 *    with a ramp predictor for drifting frequency.
 *  - Energies: uW*s per block, carried remainders per phase, quantity and
 *    total, so nothing is lost in rounding (S-1.7).
 */
#include "metrology/metro.h"

#include <string.h>

#include "metrology/fixmath.h"
#include "trimeter/err.h"

#if METRO_N <= 4096
#define METRO_WIN_SHIFT 29
#elif METRO_N <= 8192
#define METRO_WIN_SHIFT 33
#elif METRO_N <= 16384
#define METRO_WIN_SHIFT 37
#else
#error "METER_SAMPLE_RATE above 16384 needs another window scaling"
#endif

#define PI_Q30 3373259426LL           /* pi * 2^30 */
#define SQRT2_Q30 1518500250LL        /* sqrt(2) * 2^30 */
#define U_PRESENT_MV 160000           /* voltage presence (meas.h) */
#define U_FREQ_MV 40000               /* enough voltage to lock the frequency to */
#define F_NOMINAL_INC ((uint32_t)(((uint64_t)50 << 32) / METRO_N))
#define F_MIN_INC ((uint32_t)(((uint64_t)40 << 32) / METRO_N))
#define F_MAX_INC ((uint32_t)(((uint64_t)70 << 32) / METRO_N))
#define Q16(x) ((int64_t)(x) * 65536)
#define METRO_TPM (METRO_N / 1000)    /* pulse ticks (samples) per millisecond */
#define METRO_PULSE_PICKUP (METRO_N / 10) /* 100 ms into a block: the last block's pulses */
#define F_CAL_Q16 Q16(((uint64_t)METER_CAL_HZ << 32) / METRO_N) /* calibration frequency, NCO units */
#define METRO_CLIP_RMS8 ((uint32_t)(8388607.0 / 1.41421356 * 256 * 0.995)) /* rms, counts Q8 */

/* ---- calibration -------------------------------------------------------- */

void metro_cal_default(struct metro_cal *cal)
{
    memset(cal, 0, sizeof *cal);
    for (int p = 0; p < METER_PHASES; p++) {
        cal->u_gain_pv[p] = METER_U_LSB_PV;
        cal->i_gain_pa[p] = METER_I_LSB_PA;
    }
    cal->creep_ua = 10000; /* half the 20 mA starting current */
    cal->summation = METRO_SUM_NET;
}

static bool cal_valid(const struct metro_cal *c)
{
    for (int p = 0; p < METER_PHASES; p++) {
        if (c->u_gain_pv[p] < METER_U_LSB_PV / 4 || c->u_gain_pv[p] > METER_U_LSB_PV / 4 * 16)
            return false;
        if (c->i_gain_pa[p] < METER_I_LSB_PA / 4 || c->i_gain_pa[p] > METER_I_LSB_PA / 4 * 16)
            return false;
        /* at most half a sample period either way */
        if (c->i_lead_ps[p] < -(int32_t)(500000000000LL / METRO_N) ||
            c->i_lead_ps[p] > (int32_t)(500000000000LL / METRO_N))
            return false;
        if (c->u_rmsos[p] < 0 || c->i_rmsos[p] < 0)
            return false;
    }
    if (c->creep_ua < 0 || c->creep_ua > 1000000)
        return false;
    if (c->fresp_ppm < -20000 || c->fresp_ppm > 20000)
        return false;
    return c->summation == METRO_SUM_NET || c->summation == METRO_SUM_ARITH;
}

static void metro_derive(struct metro *mt)
{
    for (int p = 0; p < METER_PHASES; p++) {
        int64_t g = (int64_t)mt->cal.u_gain_pv[p] * mt->cal.i_gain_pa[p]; /* 1e-24 W per count^2 */
        int64_t x = fix_mul_div(g, (int64_t)1 << 40, 1000000000000000LL); /* 1e-9 W, Q40 */
        mt->d.kp[p] = fix_mul_div(x, (int64_t)1 << 20, 1000LL * METRO_N); /* uW per N*count^2, Q60 */
        mt->d.kq[p] = fix_mul_div(x, (int64_t)1 << 4, 1000);             /* uvar per count^2 Q16, Q60 */
        mt->d.k_q30[p] = -fix_mul_div(mt->cal.i_lead_ps[p], (int64_t)METRO_N << 30, 1000000000000LL);
        mt->d.gu_q30[p] = mt->d.gi_q30[p] = (int64_t)1 << 30; /* metro_poll: at the die temperature */
    }
}

int metro_cal_load(struct metro *mt, const struct metro_cal *cal)
{
    if (!cal_valid(cal))
        return METER_ERANGE;
    mt->cal = *cal;
    metro_derive(mt);
    return METER_OK;
}

void metro_calx_default(struct metro_cal_ext *x)
{
    memset(x, 0, sizeof *x);
}

/* Plausible ranges: about ten times what a real unit needs, and small
 * enough that the block arithmetic cannot overflow. */
static bool calx_valid(const struct metro_cal_ext *x)
{
#define IN(v, lim) ((v) >= -(lim) && (v) <= (lim))
    if (!IN(x->t_ref_mdeg, 150000) || x->sh_tau_s < 0 || x->sh_tau_s > 100000)
        return false;
    for (int p = 0; p < METER_PHASES; p++) {
        if (!IN(x->u_tc1[p], 2000000) || !IN(x->i_tc1[p], 2000000) || !IN(x->u_tc2[p], 100000) ||
            !IN(x->i_tc2[p], 100000) || !IN(x->lead_tc1[p], 100000000) || !IN(x->lead_tc2[p], 10000000) ||
            !IN(x->sh_ppb[p], 50000000) || !IN(x->sh_tc[p], 2000000) || !IN(x->xt_p_uw[p], 100000000) ||
            !IN(x->xt_q_uvar[p], 100000000) || !IN(x->hr_a1[p], 20000000) || !IN(x->hr_a2[p], 20000000) ||
            !IN(x->hr_a3[p], 20000000))
            return false;
    }
    if (!IN(x->rtc_ppb, 1000000) || !IN(x->rtc_k, 1000000) || !IN(x->rtc_t0_mdeg, 100000))
        return false;
#undef IN
    return x->wiring >= METRO_WIRE_4W && x->wiring <= METRO_WIRE_ARON;
}

int metro_calx_load(struct metro *mt, const struct metro_cal_ext *x)
{
    if (!calx_valid(x))
        return METER_ERANGE;
    mt->calx = *x;
    metro_derive(mt);
    return METER_OK;
}

static int32_t *calx_field(struct metro_cal_ext *x, enum metro_cal_field f, unsigned ph)
{
    switch (f) {
    case METRO_CALX_T_REF: return &x->t_ref_mdeg;
    case METRO_CALX_U_TC1: return &x->u_tc1[ph];
    case METRO_CALX_U_TC2: return &x->u_tc2[ph];
    case METRO_CALX_I_TC1: return &x->i_tc1[ph];
    case METRO_CALX_I_TC2: return &x->i_tc2[ph];
    case METRO_CALX_LEAD_TC1: return &x->lead_tc1[ph];
    case METRO_CALX_LEAD_TC2: return &x->lead_tc2[ph];
    case METRO_CALX_SH: return &x->sh_ppb[ph];
    case METRO_CALX_SH_TC: return &x->sh_tc[ph];
    case METRO_CALX_SH_TAU: return &x->sh_tau_s;
    case METRO_CALX_XT_P: return &x->xt_p_uw[ph];
    case METRO_CALX_XT_Q: return &x->xt_q_uvar[ph];
    case METRO_CALX_HR_A1: return &x->hr_a1[ph];
    case METRO_CALX_HR_A2: return &x->hr_a2[ph];
    case METRO_CALX_HR_A3: return &x->hr_a3[ph];
    case METRO_CALX_RTC_PPB: return &x->rtc_ppb;
    case METRO_CALX_RTC_K: return &x->rtc_k;
    case METRO_CALX_RTC_T0: return &x->rtc_t0_mdeg;
    case METRO_CALX_WIRING: return &x->wiring;
    default: return NULL;
    }
}

static int32_t *cal_field(struct metro_cal *c, enum metro_cal_field f, unsigned ph)
{
    if (ph >= METER_PHASES)
        return NULL;
    switch (f) {
    case METRO_CAL_U_GAIN: return &c->u_gain_pv[ph];
    case METRO_CAL_I_GAIN: return &c->i_gain_pa[ph];
    case METRO_CAL_I_LEAD: return &c->i_lead_ps[ph];
    case METRO_CAL_U_RMSOS: return &c->u_rmsos[ph];
    case METRO_CAL_I_RMSOS: return &c->i_rmsos[ph];
    case METRO_CAL_CREEP: return &c->creep_ua;
    case METRO_CAL_SUMMATION: return &c->summation;
    case METRO_CAL_FRESP: return &c->fresp_ppm;
    default: return NULL;
    }
}

int metro_cal_get(const struct metro *mt, enum metro_cal_field f, unsigned ph, int64_t *v)
{
    struct metro_cal c = mt->cal;
    struct metro_cal_ext x = mt->calx;
    int32_t *p = f >= METRO_CALX_T_REF ? (ph < METER_PHASES ? calx_field(&x, f, ph) : NULL) : cal_field(&c, f, ph);
    if (p == NULL)
        return METER_ENOENT;
    *v = *p;
    return METER_OK;
}

int metro_cal_set(struct metro *mt, enum metro_cal_field f, unsigned ph, int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX)
        return METER_ERANGE;
    if (f >= METRO_CALX_T_REF) {
        struct metro_cal_ext x = mt->calx;
        int32_t *p = ph < METER_PHASES ? calx_field(&x, f, ph) : NULL;
        if (p == NULL)
            return METER_ENOENT;
        *p = (int32_t)v;
        return metro_calx_load(mt, &x);
    }
    struct metro_cal c = mt->cal;
    int32_t *p = cal_field(&c, f, ph);
    if (p == NULL)
        return METER_ENOENT;
    *p = (int32_t)v;
    return metro_cal_load(mt, &c);
}

/* ---- init --------------------------------------------------------------- */

static int64_t metro_w0(void)
{
    int64_t m = 0, d = METRO_N - 1, w0 = 0;
    for (int n = 0; n < METRO_N; n++) {
        w0 += (m * m) >> METRO_WIN_SHIFT;
        m += d;
        d -= 2;
    }
    return w0;
}

static void metro_block_reset(struct metro *mt)
{
    memset(mt->acc, 0, sizeof mt->acc);
    mt->n = 0;
    mt->n_last = 0;
    mt->win_m = 0;
    mt->win_d = METRO_N - 1;
    mt->zc_count = 0;
}

void metro_init(struct metro *mt)
{
    memset(mt, 0, sizeof *mt);
    metro_cal_default(&mt->cal);
    metro_derive(mt);
    mt->w0 = metro_w0();
    /* the oscillator's amplitude is 32767/32768 */
    mt->w0lo = fix_mul_div(mt->w0, 32767, 32768);
    mt->nco_inc = F_NOMINAL_INC;
    mt->nco_inc_prev = F_NOMINAL_INC;
    mt->f_inc_q16_prev = mt->f_inc_q16_prev2 = Q16(F_NOMINAL_INC);
    mt->f_bend_q16 = INT64_MAX;
    pulse_init(&mt->pulse);
    metro_block_reset(mt);
    mt->n_next = mt->n_ev = METRO_PULSE_PICKUP;
    mt->hf_age = UINT8_MAX; /* no harmonic frame yet */
}

/* ---- block -------------------------------------------------------------- */

/* Energy of one block into a carried remainder: uW*s in, whole uWh out. */
static int64_t carry(int64_t *rem, int64_t uws)
{
    *rem += uws;
    int64_t e = *rem / 3600;
    *rem -= e * 3600;
    return e;
}

/* Split signed per-block powers into the four quantities, with remainders. */
static void metro_energy(int64_t rem[MEAS_QTY], int64_t p_uw, int64_t q_uvar, int64_t e[MEAS_QTY])
{
    e[MEAS_AP] = p_uw > 0 ? carry(&rem[MEAS_AP], p_uw) : 0;
    e[MEAS_AN] = p_uw < 0 ? carry(&rem[MEAS_AN], -p_uw) : 0;
    e[MEAS_RP] = q_uvar > 0 ? carry(&rem[MEAS_RP], q_uvar) : 0;
    e[MEAS_RN] = q_uvar < 0 ? carry(&rem[MEAS_RN], -q_uvar) : 0;
}

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* sin x and 1 - cos x for |x| < 0.2 rad, Q30 (Taylor, error < 1e-10). */
static void small_sincos(int64_t x, int64_t *s, int64_t *c1)
{
    int64_t x2 = fix_mul_shr(x, x, 30), x3 = fix_mul_shr(x2, x, 30), x4 = fix_mul_shr(x2, x2, 30);
    int64_t x5 = fix_mul_shr(x4, x, 30), x6 = fix_mul_shr(x4, x2, 30);
    *s = x - x3 / 6 + x5 / 120;
    *c1 = x2 / 2 - x4 / 24 + x6 / 720;
}

/* Frequency of this block (NCO units, Q16) from zero crossings and the
 * phase advance of the reference voltage; sets the NCO for the next block.
 * Returns the frequency at the block centre, or -1 without a voltage. */
static int64_t metro_frequency(struct metro *mt, bool ref_ok, int32_t psi)
{
    int64_t inc_avg_q16 = ((int64_t)mt->nco_inc_prev + mt->nco_inc) << 15;
    int64_t f_zc = -1;
    if (ref_ok && mt->zc_count >= 3 && mt->zc_last > mt->zc_first)
        f_zc = fix_mul_div((int64_t)(mt->zc_count - 1) << 32, (int64_t)1 << 32, mt->zc_last - mt->zc_first);
    int64_t f, slope = 0;
    /* acquisition: the phase advance is unambiguous only within +-0.5 Hz,
     * and needs two blocks demodulated near the true frequency */
    int64_t lock_win = Q16(((uint64_t)3 << 32) / 10 / METRO_N); /* 0.3 Hz */
    int64_t jump = Q16(mt->nco_inc) - Q16(mt->nco_inc_prev);
    bool phase_ok = ref_ok && mt->ref_valid && mt->f_locked && jump < lock_win && -jump < lock_win;
    if (phase_ok && f_zc >= 0 && (f_zc - inc_avg_q16 > lock_win || inc_avg_q16 - f_zc > lock_win))
        phase_ok = false;
    if (phase_ok) {
        int32_t dpsi = (int32_t)((uint32_t)psi - (uint32_t)mt->psi_prev);
        f = inc_avg_q16 + ((int64_t)dpsi * 65536) / METRO_N;
        if (mt->f_locked == 2) {
            /* steady or ramping: predict the next block centre */
            slope = f - mt->f_inc_q16_prev;
            int64_t lim = Q16(((uint64_t)1 << 32) / 2 / METRO_N); /* 0.5 Hz/s */
            if (slope > lim)
                slope = lim;
            if (slope < -lim)
                slope = -lim;
        }
        mt->f_locked = 2;
        /* the phase advance spans two block centres; a frequency step (a
         * change faster than the predictor follows) shows as a block
         * average, from the crossings, that differs from its estimate: the
         * crossings are right then (steady: both agree within 1e-4 Hz) */
        int64_t step_win = Q16(((uint64_t)1 << 32) / 100 / METRO_N); /* 0.01 Hz */
        int64_t dc = f + slope / 2 - f_zc;
        if (f_zc >= 0 && (dc > step_win || -dc > step_win)) {
            f = f_zc;
            slope = 0;
            mt->f_locked = 1;
        }
    } else if (f_zc >= 0) {
        f = f_zc;
        mt->f_locked = 1;
    } else {
        mt->f_locked = 0;
        mt->nco_inc_prev = mt->nco_inc;
        return -1;
    }
    /* how far this estimate is off the straight line of the last two: a
     * step or a jolt the predictor did not follow (harm.c: the next
     * harmonic frame needs the oscillator on the true frequency) */
    int64_t bend = f - 2 * mt->f_inc_q16_prev + mt->f_inc_q16_prev2;
    mt->f_bend_q16 = bend < 0 ? -bend : bend;
    mt->f_inc_q16_prev2 = mt->f_inc_q16_prev;
    mt->f_inc_q16_prev = f;
    int64_t next = (f + slope + slope / 2) >> 16;
    if (next < F_MIN_INC)
        next = F_MIN_INC;
    if (next > F_MAX_INC)
        next = F_MAX_INC;
    mt->nco_inc_prev = mt->nco_inc;
    mt->nco_inc = (uint32_t)next;
    return f + slope / 2;
}

/* Mean-square of u of phase p's sums, DC removed (counts^2, Q16), and
 * that voltage's rms in mV (calibrated gain, no rms offset). */
static int64_t block_u_mv(const struct metro *mt, const struct metro_acc *a, int p)
{
    const int64_t N = METRO_N;
    int64_t du8 = fix_mul_div(a->swu, 256, mt->w0);
    int64_t nuu = a->suu - fix_mul_shr(N * du8, du8, 16);
    int64_t ms = nuu > 0 ? nuu / N : 0;
    return fix_mul_div(fix_isqrt64((uint64_t)ms), mt->cal.u_gain_pv[p], 1000000000LL);
}

/* The end of a block, in the sample interrupt: only what the next block
 * needs at once (its oscillator frequency, the reference phase) and a copy
 * of the sums; metro_poll() does the rest in the main loop, so the
 * interrupt never runs long (real-time: the sample period is 250 us).
 * Not static: keeps this work out of metro_sample's frame. */
void metro_block_end(struct metro *mt)
{
    struct metro_blk *bk = &mt->blk;
    uint32_t block_inc = mt->nco_inc;
    /* frequency first: it sets the oscillator of the next block. The
     * reference voltage must be there (its rms, not its DFT bin, which is
     * empty while the NCO is off frequency). */
    int ref = mt->ref_ph;
    const struct metro_acc *ra = &mt->acc[ref];
    int32_t psi = fix_atan2(fix_mul_div(ra->us, 256, mt->w0lo), fix_mul_div(ra->uc, 256, mt->w0lo));
    bool ref_ok = block_u_mv(mt, ra, ref) > U_FREQ_MV;
    int64_t f_q16 = metro_frequency(mt, ref_ok, psi);
    mt->psi_prev = psi;
    mt->ref_valid = ref_ok;
    bk->no_freq = f_q16 < 0;
    bk->f_q16 = f_q16 < 0 ? Q16(block_inc) : f_q16;
    bk->inc = block_inc;

    /* the next block locks to the first phase with voltage */
    int next_ref = ref;
    if (!ref_ok)
        for (int p = 0; p < METER_PHASES; p++)
            if (block_u_mv(mt, &mt->acc[p], p) > U_FREQ_MV) {
                next_ref = p;
                break;
            }
    if (next_ref != ref) {
        mt->ref_ph = (uint8_t)next_ref;
        mt->zc_ch = (uint8_t)(2 * next_ref);
        mt->ref_valid = 0;
        mt->zc_prev = 0;
    }

    /* hand the sums over */
    memcpy(bk->acc, mt->acc, sizeof bk->acc);
    for (int p = 0; p < METER_PHASES; p++) {
        bk->sij[p] = mt->acc[p].si - mt->i_prev[p] + mt->i_last[p]; /* sum of i[n-1] */
        mt->i_last[p] = mt->i_prev[p];
    }
    bk->ready = true;
    metro_hf_arm(mt); /* the next block's harmonic frame, at the new NCO frequency */

    mt->fed_samples = true;
    metro_block_reset(mt);
}

/* Per-block constants of the temperature compensation: gain corrections
 * of the channels (Q30, 1 / the gain change since calibration) and the
 * interpolator of the current lead at the die temperature. */
static void metro_derive_temp(struct metro *mt)
{
    const struct metro_cal_ext *x = &mt->calx;
    int64_t dt = mt->t_valid ? (int64_t)mt->t_mdeg - x->t_ref_mdeg : 0; /* mK */
    int64_t dt2 = dt * dt;
    for (int p = 0; p < METER_PHASES; p++) {
        int64_t gu = (int64_t)x->u_tc1[p] * dt / 1000 + (int64_t)x->u_tc2[p] * dt2 / 1000000; /* ppb */
        int64_t gi = (int64_t)x->i_tc1[p] * dt / 1000 + (int64_t)x->i_tc2[p] * dt2 / 1000000;
        /* the shunt's own heating: gain change at Imax times the low-passed (I/Imax)^2 */
        int64_t sh = (int64_t)x->sh_ppb[p] + (int64_t)x->sh_tc[p] * dt / 1000;
        gi += (sh * mt->sh_x[p]) >> 30;
        mt->d.gu_q30[p] = fix_mul_div((int64_t)1 << 30, 1000000000, 1000000000 + gu);
        mt->d.gi_q30[p] = fix_mul_div((int64_t)1 << 30, 1000000000, 1000000000 + gi);
        int64_t lead_fs = (int64_t)mt->cal.i_lead_ps[p] * 1000 + (int64_t)x->lead_tc1[p] * dt / 1000 +
                          (int64_t)x->lead_tc2[p] * dt2 / 1000000;
        mt->d.k_q30[p] = -fix_mul_div(lead_fs, (int64_t)METRO_N << 30, 1000000000000000LL);
    }
}

void metro_set_temp(struct metro *mt, int32_t mdeg)
{
    mt->t_mdeg = mdeg;
    mt->t_valid = true;
}

int32_t metro_rtc_ppb(const struct metro *mt)
{
    const struct metro_cal_ext *x = &mt->calx;
    int64_t t = mt->t_valid ? mt->t_mdeg : x->t_ref_mdeg;
    int64_t a = t - x->rtc_t0_mdeg, b = (int64_t)x->t_ref_mdeg - x->rtc_t0_mdeg; /* mK */
    int64_t v = x->rtc_ppb + (int64_t)x->rtc_k * ((a * a - b * b) / 1000) / 1000000; /* mK^2 / 1000 * 0.001 ppb/K^2 */
    return clamp32(v);
}

/* The Aron meter (two elements: U12 with I1, U32 with I3): the block's
 * phase 2 carries the third line voltage U31 = U32 - U12 and the L2 line
 * current -(I1 + I3) (fundamentals, no power of its own); a line is present
 * when both line voltages it belongs to are; the sequence is reversed when
 * U32 lags U12 (it leads by 60 deg in L1-L2-L3). Phasors in uV / uA, half
 * peak. */
static void metro_aron(struct meas_block *b, const int64_t vx[METER_PHASES], const int64_t vy[METER_PHASES],
                       const int64_t cx[METER_PHASES], const int64_t cy[METER_PHASES])
{
    int64_t x31 = vx[2] - vx[0], y31 = vy[2] - vy[0];
    int64_t ix = -(cx[0] + cx[2]), iy = -(cy[0] + cy[2]);
    struct meas_phase *m = &b->ph[1];
    memset(m, 0, sizeof *m);
    m->u_mv = clamp32(fix_mul_div(fix_isqrt64((uint64_t)(x31 * x31 + y31 * y31)), SQRT2_Q30, (int64_t)1000 << 30));
    m->i_ua = clamp32(fix_mul_shr(fix_isqrt64((uint64_t)(ix * ix + iy * iy)), SQRT2_Q30, 30));
    m->u_angle_mdeg = fix_bam_to_mdeg((int32_t)((uint32_t)fix_atan2(y31, x31) - (uint32_t)fix_atan2(vy[0], vx[0])));
    bool u12 = b->ph[0].u_mv >= U_PRESENT_MV, u31 = m->u_mv >= U_PRESENT_MV, u32 = b->ph[2].u_mv >= U_PRESENT_MV;
    b->flags &= ~(uint32_t)(MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2 | MEAS_F_NO_VOLTAGE_L3);
    if (!(u12 && u31))
        b->flags |= MEAS_F_NO_VOLTAGE_L1;
    if (!(u12 && u32))
        b->flags |= MEAS_F_NO_VOLTAGE_L2;
    if (!(u32 && u31))
        b->flags |= MEAS_F_NO_VOLTAGE_L3;
    if (u12 && u32 && b->ph[2].u_angle_mdeg < 0)
        b->flags |= MEAS_F_REVERSE_SEQ;
}

bool metro_poll(struct metro *mt)
{
    struct metro_blk *bk = &mt->blk;
    metro_hf_analyse(mt); /* a harmonic frame taken since the last call */
    if (!bk->ready)
        return false;
    metro_derive_temp(mt);
    struct meas_block *b = &mt->out;
    const int64_t N = METRO_N;
    uint32_t block_inc = bk->inc;
    int64_t f_q16 = bk->f_q16;
    memset(b, 0, sizeof *b);
    b->flags = MEAS_F_SAMPLES;
    if (bk->no_freq)
        b->flags |= MEAS_F_NO_FREQ;

    /* phasors of the fundamental (half peak, counts Q8) */
    int64_t ur[METER_PHASES], ui[METER_PHASES], ir[METER_PHASES], ii[METER_PHASES];
    for (int p = 0; p < METER_PHASES; p++) {
        const struct metro_acc *a = &bk->acc[p];
        ur[p] = fix_mul_div(a->uc, 256, mt->w0lo);
        ui[p] = fix_mul_div(a->us, 256, mt->w0lo);
        ir[p] = fix_mul_div(a->ic, 256, mt->w0lo);
        ii[p] = fix_mul_div(a->is, 256, mt->w0lo);
    }
    b->f_mhz = (uint32_t)fix_mul_shr(f_q16, (int64_t)METRO_N * 1000, 48);
    /* window gain at the frequency offset d = f - f_nco (bins = Hz):
     * g = 1 - y^2/56 + y^4/8064, y = 2 pi d (window (x(1-x))^2) */
    int64_t g_q30 = (int64_t)1 << 30;
    {
        int64_t dq = f_q16 - Q16(block_inc);
        int64_t y = fix_mul_shr(dq * METRO_N, PI_Q30, 47); /* 2 pi dq fs / 2^48 */
        if (y > -PI_Q30 && y < PI_Q30) {
            int64_t y2 = fix_mul_shr(y, y, 30), y4 = fix_mul_shr(y2, y2, 30);
            g_q30 = g_q30 - y2 / 56 + y4 / 8064;
        }
    }
    int64_t g2_q30 = fix_mul_shr(g_q30, g_q30, 30);

    /* the front end's droop at this frequency relative to the calibration
     * frequency, for the fundamental: amplitude 1 + ea, power 1 + ep */
    int64_t ep_q30 = 0;
    if (mt->cal.fresp_ppm != 0) {
        int64_t t = fix_mul_div(f_q16, (int64_t)1 << 30, F_CAL_Q16);           /* f / f_cal */
        int64_t ea = fix_mul_div(fix_mul_shr(t, t, 30) - ((int64_t)1 << 30), mt->cal.fresp_ppm, 1000000);
        ep_q30 = 2 * ea + fix_mul_shr(ea, ea, 30);
    }

    /* interpolator response at the block frequency: H = 1 + k(1-cos x) + j k sin x */
    int64_t sx, c1x;
    small_sincos(fix_mul_shr(block_inc, PI_Q30, 31), &sx, &c1x);

    int64_t p_uw[METER_PHASES], q_uvar[METER_PHASES];
    int32_t ang_u[METER_PHASES];
    bool any_load = false, clip = false;
    int64_t u0x = 0, u0y = 0;
    /* wiring (struct metro_cal_ext): the elements this meter has */
    const int32_t wiring = mt->calx.wiring;
    const bool used[METER_PHASES] = {true, wiring == METRO_WIRE_4W || wiring == METRO_WIRE_2P,
                                     wiring == METRO_WIRE_4W || wiring == METRO_WIRE_ARON};
    int64_t vx[METER_PHASES], vy[METER_PHASES], cx[METER_PHASES], cy[METER_PHASES]; /* uV, uA half peak */
    for (int p = 0; p < METER_PHASES; p++) {
        const struct metro_acc *a = &bk->acc[p];
        struct meas_phase *ph = &b->ph[p];
        /* DC: the voltage's from the window-weighted mean (no leakage of the
         * fundamental), removed from u only in the products: a DC current
         * times an AC voltage is real (oscillating) energy over a block */
        int64_t du8 = fix_mul_div(a->swu, 256, mt->w0);
        int64_t sij = bk->sij[p];
        int64_t nuu = a->suu - fix_mul_shr(N * du8, du8, 16);
        int64_t nii = a->sii - fix_mul_div(a->si, a->si, N);
        int64_t nui = a->sui - fix_mul_shr(du8, a->si, 8);
        int64_t nuj = a->suj - fix_mul_shr(du8, sij, 8);

        /* rms */
        int64_t uu = fix_mul_div(nuu, 65536, N), iq = fix_mul_div(nii, 65536, N);
        mt->raw[p].uu_ms = uu;
        mt->raw[p].ii_ms = iq;
        if (ep_q30 != 0) {
            /* the fundamental's share of the mean squares (counts^2 Q16) */
            int64_t u1 = fix_mul_div(2 * (ur[p] * ur[p] + ui[p] * ui[p]), (int64_t)1 << 30, g2_q30);
            int64_t i1 = fix_mul_div(2 * (ir[p] * ir[p] + ii[p] * ii[p]), (int64_t)1 << 30, g2_q30);
            uu += fix_mul_shr(u1, ep_q30, 30);
            iq += fix_mul_shr(i1, ep_q30, 30);
        }
        uu -= Q16(mt->cal.u_rmsos[p]);
        iq -= Q16(mt->cal.i_rmsos[p]);
        /* temperature and self-heating (gains relative to the calibration) */
        const int64_t gu = mt->d.gu_q30[p], gi = mt->d.gi_q30[p];
        uu = fix_mul_shr(fix_mul_shr(uu, gu, 30), gu, 30);
        iq = fix_mul_shr(fix_mul_shr(iq, gi, 30), gi, 30);
        uint32_t urms8 = fix_isqrt64((uint64_t)(uu > 0 ? uu : 0));
        uint32_t irms8 = fix_isqrt64((uint64_t)(iq > 0 ? iq : 0));
        /* near full scale: a sine at this rms reaches the clip level (the
         * per-sample path has no room for a peak detector) */
        if (urms8 > METRO_CLIP_RMS8 || irms8 > METRO_CLIP_RMS8)
            clip = true;
        int64_t u_mv = fix_mul_div(urms8, mt->cal.u_gain_pv[p], 256000000000LL);
        int64_t i_ua = fix_mul_div(irms8, mt->cal.i_gain_pa[p], 256000000LL);
        ph->u_mv = clamp32(u_mv);
        ph->i_ua = clamp32(i_ua);
        ph->s_mva = clamp32(u_mv * i_ua / 1000000);

        /* phase-compensated active power */
        int64_t k = mt->d.k_q30[p];
        int64_t hr = ((int64_t)1 << 30) + fix_mul_shr(k, c1x, 30), hi = fix_mul_shr(k, sx, 30);
        int64_t hmag = fix_isqrt64((uint64_t)(fix_mul_shr(hr, hr, 0) + fix_mul_shr(hi, hi, 0)));
        int64_t hinv = ((int64_t)1 << 60) / (hmag > 0 ? hmag : 1);
        int64_t pc = nui + fix_mul_shr(nui - nuj, k, 30);
        pc = fix_mul_shr(pc, hinv, 30);
        if (mt->hf_age <= METRO_HF_EVERY + 1)
            pc += fix_mul_shr(N, mt->hf_dp[p], 16); /* the harmonics' response (harm.c) */
        p_uw[p] = fix_mul_shr(pc, mt->d.kp[p], 60);

        /* fundamental reactive power from the compensated phasors */
        int64_t icr = fix_mul_shr(fix_mul_shr(ir[p], hr, 30) - fix_mul_shr(ii[p], hi, 30), hinv, 30);
        int64_t ici = fix_mul_shr(fix_mul_shr(ir[p], hi, 30) + fix_mul_shr(ii[p], hr, 30), hinv, 30);
        int64_t q16 = 2 * (ui[p] * icr - ur[p] * ici);
        q16 = fix_mul_div(q16, (int64_t)1 << 30, g2_q30);
        if (ep_q30 != 0) {
            /* droop: the fundamental's active power is added the correction
             * (harmonics keep theirs: docs/METROLOGY.md) */
            int64_t p16 = fix_mul_div(2 * (ur[p] * icr + ui[p] * ici), (int64_t)1 << 30, g2_q30);
            p_uw[p] += fix_mul_shr(fix_mul_shr(p16, mt->d.kq[p], 60), ep_q30, 30);
            q16 += fix_mul_shr(q16, ep_q30, 30);
        }
        q_uvar[p] = fix_mul_shr(q16, mt->d.kq[p], 60);
        {
            int64_t g = fix_mul_shr(gu, gi, 30);
            p_uw[p] = fix_mul_shr(p_uw[p], g, 30);
            q_uvar[p] = fix_mul_shr(q_uvar[p], g, 30);
            mt->raw[p].p_uw = p_uw[p];
            mt->raw[p].q_uvar = q_uvar[p];
            /* crosstalk of the voltage into the current channel (measured at
             * calibration with no current; it grows with U^2) */
            int64_t u2 = u_mv * u_mv;
            p_uw[p] -= fix_mul_div(mt->calx.xt_p_uw[p], u2, 230000LL * 230000);
            q_uvar[p] -= fix_mul_div(mt->calx.xt_q_uvar[p], u2, 230000LL * 230000);
            /* the shunt's heating follows (I / Imax)^2 with the calibrated time constant */
            if (mt->calx.sh_tau_s > 0) {
                int64_t r = fix_mul_div(i_ua * i_ua, (int64_t)1 << 30, (int64_t)METRO_SH_IMAX_A * METRO_SH_IMAX_A * 1000000000000LL);
                mt->sh_x[p] += (r - mt->sh_x[p]) * 2 / (2 * (int64_t)mt->calx.sh_tau_s + 1);
            }
        }

        ang_u[p] = fix_atan2(ui[p], ur[p]);
        int32_t ang_i = fix_atan2(ici, icr);
        mt->raw[p].phi_bam = (int32_t)((uint32_t)ang_u[p] - (uint32_t)fix_atan2(ii[p], ir[p]));
        mt->raw[p].phic_bam = (int32_t)((uint32_t)ang_u[p] - (uint32_t)ang_i);
        bool u_on = u_mv >= U_PRESENT_MV;
        if (!u_on)
            b->flags |= (uint32_t)MEAS_F_NO_VOLTAGE_L1 << p;
        ph->u_angle_mdeg = fix_bam_to_mdeg((int32_t)((uint32_t)ang_u[p] - (uint32_t)ang_u[0]));
        if (u_mv > U_FREQ_MV && i_ua >= mt->cal.creep_ua)
            ph->phi_mdeg = fix_bam_to_mdeg((int32_t)((uint32_t)ang_u[p] - (uint32_t)ang_i));

        /* calibrated fundamental phasors (uV, uA half peak): the neutral-point
         * shift, and the Aron meter's third line voltage and current */
        vx[p] = fix_mul_shr(fix_mul_div(ur[p], mt->cal.u_gain_pv[p], 256000000LL), gu, 30);
        vy[p] = fix_mul_shr(fix_mul_div(ui[p], mt->cal.u_gain_pv[p], 256000000LL), gu, 30);
        cx[p] = fix_mul_shr(fix_mul_div(icr, mt->cal.i_gain_pa[p], 256000000LL), gi, 30);
        cy[p] = fix_mul_shr(fix_mul_div(ici, mt->cal.i_gain_pa[p], 256000000LL), gi, 30);
        u0x += vx[p];
        u0y += vy[p];

        if (!used[p]) {
            /* no element on this phase (1- or 2-phase meter, Aron's L2):
             * its channels read nothing the meter may register */
            memset(ph, 0, sizeof *ph);
            b->flags |= (uint32_t)MEAS_F_NO_VOLTAGE_L1 << p;
            p_uw[p] = q_uvar[p] = 0;
            continue;
        }
        /* no-load: nothing below the creep threshold */
        if (i_ua < mt->cal.creep_ua) {
            p_uw[p] = 0;
            q_uvar[p] = 0;
        } else {
            any_load = true;
        }
        metro_energy(mt->rem_ph[p], p_uw[p], q_uvar[p], ph->e);
        ph->p_mw = clamp32(p_uw[p] / 1000);
        ph->q_mvar = clamp32(q_uvar[p] / 1000);
    }

    /* totals */
    int64_t pt = 0, qt = 0;
    for (int p = 0; p < METER_PHASES; p++) {
        pt += p_uw[p];
        qt += q_uvar[p];
        b->s_mva += b->ph[p].s_mva;
    }
    if (mt->cal.summation == METRO_SUM_ARITH) {
        for (int p = 0; p < METER_PHASES; p++)
            for (int q = 0; q < MEAS_QTY; q++)
                b->e[q] += b->ph[p].e[q];
    } else {
        metro_energy(mt->rem_tot, pt, qt, b->e);
    }
    b->p_mw = clamp32(pt / 1000);
    b->q_mvar = clamp32(qt / 1000);
    if (!any_load) {
        b->flags |= MEAS_F_CREEP;
        b->quadrant = 0;
    } else if (pt >= 0) {
        b->quadrant = qt >= 0 ? 1 : 4;
    } else {
        b->quadrant = qt >= 0 ? 2 : 3;
    }
    if (wiring == METRO_WIRE_4W) {
        uint32_t m0 = fix_isqrt64((uint64_t)(u0x * u0x + u0y * u0y));
        b->u0_mv = clamp32(fix_mul_div(m0, SQRT2_Q30, (int64_t)3000 << 30));
    } /* else no neutral-point shift: one or two phases, or no neutral (missing-neutral detection off) */
    if (wiring == METRO_WIRE_ARON) {
        metro_aron(b, vx, vy, cx, cy);
    } else if (!(b->flags & (MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2)) && b->ph[1].u_angle_mdeg > 0) {
        /* phase sequence: L2 leads L1 (angle in (0, 180) deg) when reversed */
        b->flags |= MEAS_F_REVERSE_SEQ;
    } else if ((b->flags & MEAS_F_NO_VOLTAGE_L2) && !(b->flags & (MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L3)) &&
               b->ph[2].u_angle_mdeg < 0) {
        b->flags |= MEAS_F_REVERSE_SEQ;
    }
    if (clip)
        b->flags |= MEAS_F_CLIPPED;

    /* its pulses: the interrupt takes them METRO_PULSE_PICKUP samples into
     * the next block (or at its next event after that, if this was late) */
    if (mt->hf_age < UINT8_MAX)
        mt->hf_age++;
    mt->pulse_uwh = (mt->pulse_ready ? mt->pulse_uwh : 0) + b->e[MEAS_AP] + b->e[MEAS_AN];
    mt->pulse_ready = true;
    bk->ready = false;
    return true;
}

/* ---- per sample --------------------------------------------------------- */

/* A rising zero crossing of the reference voltage between the last sample
 * (negative) and z (>= 0): its time in samples, Q16, by interpolation. */
static void metro_zc(struct metro *mt, int32_t z)
{
    int64_t t = ((int64_t)mt->n << 16) - ((int64_t)z << 16) / ((int64_t)z - mt->zc_prev);
    if (mt->zc_count == 0)
        mt->zc_first = t;
    mt->zc_last = t;
    mt->zc_count++;
}

/* One phase of one sample set (x: its u, i): ten multiply-accumulates. */
static inline void metro_phase(struct metro_acc *a, int32_t *i_prev, const int32_t *x, int64_t w, int64_t wc,
                               int64_t ws)
{
    int64_t u = x[0], i = x[1];
    a->si += i;
    a->swu += w * u;
    a->suu += u * u;
    a->sii += i * i;
    a->sui += u * i;
    a->suj += u * *i_prev;
    *i_prev = (int32_t)i;
    a->uc += wc * u;
    a->us += ws * u;
    a->ic += wc * i;
    a->is += ws * i;
}

/* The sample at which metro_sample has more to do than accumulate: the
 * block's end or the pulse output's next edge (one test per sample). */
static unsigned metro_event(struct metro *mt, const int32_t s[METER_CHANNELS], uint32_t ph, uint32_t nph)
{
    unsigned ev = 0;
    /* the harmonic frame's samples come here one by one (harm.c), so the
     * sample path pays nothing for it outside the frame */
    if (mt->hf.on)
        metro_hf_stack(mt, s, ph, nph);
    if (mt->n == mt->n_ev) {
        uint32_t elapsed = mt->n - mt->n_last;
        mt->n_last = mt->n;
        if (mt->pulse.due != 0) {
            mt->pulse.due -= elapsed; /* n_ev never passes the edge */
            if (mt->pulse.due == 0 && pulse_edge(&mt->pulse, METRO_TPM))
                ev |= METRO_EV_PULSE;
        }
        if (mt->pulse_ready) {
            /* the energy of the block metro_poll finished */
            pulse_add(&mt->pulse, mt->pulse_uwh, METRO_TPM);
            mt->pulse_ready = false;
        }
        if (mt->n == METRO_N) {
            metro_block_end(mt); /* restarts n and n_last at 0, arms the next frame */
            ev |= METRO_EV_BLOCK;
        }
        uint32_t next = mt->n < METRO_PULSE_PICKUP ? METRO_PULSE_PICKUP : METRO_N;
        if (mt->pulse.due != 0 && mt->pulse.due < next - mt->n)
            next = mt->n + mt->pulse.due;
        mt->n_ev = next;
    }
    mt->n_next = mt->hf.on ? mt->n + 1 : mt->n_ev;
    return ev;
}

unsigned metro_sample(struct metro *mt, const int32_t s[METER_CHANNELS])
{
    int32_t z = s[mt->zc_ch];
    /* shared by the three phases: window and local oscillator */
    int64_t m = mt->win_m;
    int32_t w = (int32_t)((m * m) >> METRO_WIN_SHIFT);
    mt->win_m = m + mt->win_d;
    mt->win_d -= 2;
    uint32_t ph = mt->nco_ph, nph = ph + mt->nco_inc;
    mt->nco_ph = nph;
    int32_t wc = (w * fix_sin_tab[((ph >> 22) + 256u) & 1023u]) >> 15;
    int32_t ws = -((w * fix_sin_tab[ph >> 22]) >> 15);

    metro_phase(&mt->acc[0], &mt->i_prev[0], &s[0], w, wc, ws);
    metro_phase(&mt->acc[1], &mt->i_prev[1], &s[2], w, wc, ws);
    metro_phase(&mt->acc[2], &mt->i_prev[2], &s[4], w, wc, ws);


    if ((mt->zc_prev & ~z) < 0) /* last < 0 <= z: a rising crossing */
        metro_zc(mt, z);
    mt->zc_prev = z;

    /* block end and pulse edges share one countdown */
    return ++mt->n == mt->n_next ? metro_event(mt, s, ph, nph) : 0;
}

/* ---- blocks feed -------------------------------------------------------- */

void metro_feed_block(struct metro *mt, const struct meas_block *b)
{
    mt->out = *b;
    mt->fed_samples = false;
    pulse_add(&mt->pulse, b->e[MEAS_AP] + b->e[MEAS_AN], 1);
}

unsigned metro_pulse_elapse(struct metro *mt, uint32_t *dt_ms)
{
    return pulse_elapse(&mt->pulse, dt_ms, 1) ? METRO_EV_PULSE : 0;
}
