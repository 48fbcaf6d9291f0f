/* The extended calibration in the firmware (src/metrology, struct
 * metro_cal_ext): its rows and ranges; the temperature and self-heating
 * corrections at block level against hand-made constants; the Aron
 * meter's block against the simulator's exact one; the RTC's trimming
 * through the HAL (steps carried) over a day. */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adc.h"
#include "blocks.h"
#include "metrology/metro.h"
#include "vmeter.h"
#include "wave.h"

static void fields_and_ranges(void **state)
{
    (void)state;
    static struct metro mt;
    metro_init(&mt);
    struct metro_cal_ext zero;
    metro_calx_default(&zero);
    assert_memory_equal(&mt.calx, &zero, sizeof zero); /* uncompensated, 4-wire */
    int64_t v;
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_I_TC1, 2, -12345), METER_OK);
    assert_int_equal(metro_cal_get(&mt, METRO_CALX_I_TC1, 2, &v), METER_OK);
    assert_int_equal(v, -12345);
    assert_int_equal(mt.calx.i_tc1[2], -12345);
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_WIRING, 0, METRO_WIRE_ARON), METER_OK);
    /* implausible values change nothing */
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_WIRING, 0, 4), METER_ERANGE);
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_U_TC1, 0, 3000000), METER_ERANGE);
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_SH_TAU, 0, -1), METER_ERANGE);
    assert_int_equal(metro_cal_set(&mt, METRO_CALX_HR_A1, 1, INT32_MAX), METER_ERANGE);
    assert_int_equal(mt.calx.wiring, METRO_WIRE_ARON);
    assert_int_equal(mt.calx.u_tc1[0], 0);
    assert_int_equal(metro_cal_get(&mt, METRO_CALX_U_TC1, 3, &v), METER_ENOENT);
}

/* The crystal's rate at the die temperature: the calibrated parabola. */
static void rtc_parabola(void **state)
{
    (void)state;
    static struct metro mt;
    metro_init(&mt);
    assert_int_equal(metro_rtc_ppb(&mt), 0);
    struct metro_cal_ext x;
    metro_calx_default(&x);
    x.t_ref_mdeg = 26000;
    x.rtc_ppb = 3000;       /* +3 ppm at 26 degC */
    x.rtc_k = -34000;       /* -0.034 ppm/K^2 */
    x.rtc_t0_mdeg = 25000;
    assert_int_equal(metro_calx_load(&mt, &x), METER_OK);
    assert_int_equal(metro_rtc_ppb(&mt), 3000); /* no sensor: the reference */
    metro_set_temp(&mt, -40000);
    /* 3 ppm - 0.034 ((-65)^2 - 1^2) ppm */
    assert_true(abs(metro_rtc_ppb(&mt) - (int32_t)lround(3000 - 34.0 * (65.0 * 65.0 - 1))) <= 1);
}

struct rig {
    struct adc_model adc;
    struct wave_gen g;
    struct wave_set ws, meter;
    struct metro mt;
};

/* Ideal samples of a balanced load (or ws as given) through mt for
 * `blocks` seconds; the last block in mt.out. */
static void run(struct rig *r, int blocks, int32_t t_mdeg)
{
    for (int b = 0; b < blocks; b++) {
        for (int n = 0; n < METRO_N; n++) {
            double x[METER_CHANNELS];
            int32_t s[METER_CHANNELS];
            wave_gen_next(&r->g, x);
            adc_quantise(&r->adc, x, s);
            metro_sample(&r->mt, s);
        }
        metro_set_temp(&r->mt, t_mdeg);
        metro_poll(&r->mt);
    }
}

static struct rig *rig_new(double u, double i, double phi)
{
    struct rig *r = calloc(1, sizeof *r);
    adc_init_ideal(&r->adc);
    struct wave_phase_params pp[3];
    memset(pp, 0, sizeof pp);
    for (int k = 0; k < 3; k++) {
        pp[k].u = u;
        pp[k].i = i;
        pp[k].phi_deg = phi;
        pp[k].angle_deg = k == 0 ? 0 : k == 1 ? -120 : 120;
    }
    char err[80];
    assert_int_equal(wave_build(&r->ws, pp, err, sizeof err), 0);
    wave_gen_init(&r->g, METER_SAMPLE_RATE, &r->adc);
    wave_gen_load(&r->g, &r->ws, 50, 0);
    metro_init(&r->mt);
    return r;
}

/* Gains measured as g = 1 + tc1 dT + tc2 dT^2 are divided out at the die
 * temperature; the lead's change turns the current; the self-heating
 * estimate follows (I/Imax)^2 with its time constant. */
static void temperature_and_self_heating(void **state)
{
    (void)state;
    struct rig *r = rig_new(230, 100, 60);
    struct metro_cal_ext x;
    metro_calx_default(&x);
    x.t_ref_mdeg = 25000;
    x.u_tc1[0] = 1000000; /* +0.1 %/K */
    x.u_tc2[0] = 10000;   /* +0.001 %/K^2 */
    x.i_tc1[0] = -500000; /* -0.05 %/K */
    assert_int_equal(metro_calx_load(&r->mt, &x), METER_OK);
    run(r, 3, 25000);
    struct meas_phase ref = r->mt.out.ph[0];
    run(r, 1, 35000); /* +10 K: U read 1 / (1 + 0.01 + 0.001) of it, I 1 / (1 - 0.005) */
    double gu = (double)r->mt.out.ph[0].u_mv / ref.u_mv, gi = (double)r->mt.out.ph[0].i_ua / ref.i_ua;
    if (fabs(gu * 1.011 - 1) > 6e-6 || fabs(gi * 0.995 - 1) > 6e-6) /* 1 mV of 230 V, 1 uA of 100 A */
        fail_msg("U x%.7f (want %.7f), I x%.7f (want %.7f)", gu, 1 / 1.011, gi, 1 / 0.995);
    /* the lead: 100 ps/K over 10 K = 1 ns more lead; the interpolator
     * delays the current that much more: k = -lead fs */
    x.lead_tc1[0] = 100000000;
    assert_int_equal(metro_calx_load(&r->mt, &x), METER_OK);
    run(r, 1, 35000);
    int64_t lead_fs = (int64_t)r->mt.cal.i_lead_ps[0] * 1000 + 1000000000;
    int64_t want_k = llround(-(double)lead_fs * 1e-15 * METRO_N * 1073741824.0);
    if (want_k == 0 || llabs(r->mt.d.k_q30[0] - want_k) > 2)
        fail_msg("k %lld, want %lld", (long long)r->mt.d.k_q30[0], (long long)want_k);
    /* self-heating: 0.2 % at Imax in equilibrium, 10 s time constant; the
     * estimate from the measured current reaches 1 - e^-3 of it in 30 s */
    metro_calx_default(&x);
    x.sh_ppb[0] = 2000000;
    x.sh_tau_s = 10;
    assert_int_equal(metro_calx_load(&r->mt, &x), METER_OK);
    memset(r->mt.sh_x, 0, sizeof r->mt.sh_x);
    run(r, 1, 25000);
    int32_t i_cold = r->mt.out.ph[0].i_ua;
    run(r, 30, 25000);
    double drop = 1 - (double)r->mt.out.ph[0].i_ua / i_cold;
    double want = 0.002 * (1 - exp(-30.0 / 10.25)); /* per-block step 2 / (2 tau + 1) */
    if (fabs(drop - want) > 1e-4)
        fail_msg("self-heating estimate: current %.5f %% lower, expected %.5f %%", drop * 100, want * 100);
    assert_true(r->mt.out.ph[1].i_ua == ref.i_ua || abs(r->mt.out.ph[1].i_ua - ref.i_ua) < 20); /* L2 untouched */
    free(r);
}

/* The Aron meter: what metrology makes of a 3-wire network's samples is
 * what the simulator's exact block says (blocks_prepare_wired), and the
 * energy is the network's for any balance; reversed sequence flagged. */
static void aron_block(void **state)
{
    (void)state;
    for (int rev = 0; rev < 2; rev++) {
        struct rig *r = rig_new(230 / sqrt(3.0), 0, 0);
        struct wave_phase_params pp[3];
        memset(pp, 0, sizeof pp);
        double complex i1 = 12 * cexp(-I * 0.4), i3 = 30 * cexp(I * 1.9);
        double ang[3] = {0, rev ? 120 : -120, rev ? -120 : 120};
        double complex ic[3] = {i1, -(i1 + i3), i3};
        for (int k = 0; k < 3; k++) {
            pp[k].u = 230 / sqrt(3.0);
            pp[k].angle_deg = ang[k];
            pp[k].i = cabs(ic[k]);
            pp[k].phi_deg = ang[k] - carg(ic[k]) * 180 / M_PI;
        }
        char err[80];
        assert_int_equal(wave_build(&r->ws, pp, err, sizeof err), 0);
        double mult, left;
        assert_true(wave_currents_balance(&r->ws, &mult, &left));
        r->meter = r->ws;
        wave_wire(&r->meter, METRO_WIRE_ARON);
        wave_gen_load(&r->g, &r->meter, 50, 0);
        assert_int_equal(metro_cal_set(&r->mt, METRO_CALX_WIRING, 0, METRO_WIRE_ARON), METER_OK);
        run(r, 3, 0);
        struct blocks_seg bs;
        blocks_prepare_wired(&bs, &r->meter, 50, METRO_WIRE_ARON);
        const struct meas_block *m = &r->mt.out, *e = &bs.tmpl;
        double p_star = 0;
        for (int k = 0; k < 3; k++) {
            struct wave_ref wr;
            wave_reference(&r->ws.ph[k], &wr);
            p_star += wr.p;
        }
        /* the two elements' power is the network's */
        assert_true(fabs(m->p_mw / 1000.0 - p_star) < 1e-4 * fabs(p_star) + 0.01);
        assert_true(fabs(e->p_mw / 1000.0 - p_star) < 0.002);
        for (int k = 0; k < 3; k++) {
            assert_true(abs(m->ph[k].u_mv - e->ph[k].u_mv) <= 5);
            assert_true(abs(m->ph[k].i_ua - e->ph[k].i_ua) <= 50 + e->ph[k].i_ua / 10000);
            assert_true(abs(m->ph[k].u_angle_mdeg - e->ph[k].u_angle_mdeg) <= 20);
        }
        assert_int_equal(m->ph[1].p_mw, 0);
        assert_true(abs(m->ph[1].u_mv - 230000) < 30); /* U31 */
        assert_int_equal(m->flags & (MEAS_F_REVERSE_SEQ | MEAS_F_NO_VOLTAGE_L1 | MEAS_F_NO_VOLTAGE_L2 | MEAS_F_NO_VOLTAGE_L3),
                         rev ? MEAS_F_REVERSE_SEQ : 0);
        assert_int_equal(m->flags & MEAS_F_REVERSE_SEQ, e->flags & MEAS_F_REVERSE_SEQ);
        assert_int_equal(m->u0_mv, 0); /* no neutral: missing-neutral detection has nothing */
        free(r);
    }
}

/* The RTC over a day at -40 degC: the crystal runs 127 ppm slow; the
 * firmware trims it in the hardware's 0.954 ppm steps, carrying what a step
 * leaves; without the trim the clock loses 11 s. */
static void rtc_trimmed_over_a_day(void **state)
{
    (void)state;
    for (int trim = 1; trim >= 0; trim--) {
        uint8_t *nvm = malloc(VMETER_NVM_SIZE);
        memset(nvm, 0xff, VMETER_NVM_SIZE);
        struct vmeter *v = calloc(1, sizeof *v);
        vmeter_boot(v, nvm, VMETER_NVM_SIZE, 1774735200);
        if (!trim)
            v->hal.rtc_trim = NULL;
        struct metro_cal_ext x;
        metro_calx_default(&x);
        x.t_ref_mdeg = 26000;
        x.rtc_ppb = 3000;
        x.rtc_k = -34000;
        x.rtc_t0_mdeg = 25000;
        assert_int_equal(metro_calx_load(&v->m.metro, &x), METER_OK);
        v->hw.temp_present = true;
        v->hw.temp_mdeg = -37000;
        double ppm = 3.0 - 0.034 * (62.0 * 62.0 - 1.0); /* the crystal, as calibrated */
        host_rtc_rate(&v->hw, ppm);
        struct meas_block b = vmeter_block_kw(1.0);
        for (int s = 0; s < 86400; s++)
            vmeter_step_block(v, &b);
        double err = host_rtc_time(&v->hw) - (1774735200.0 + 86400.0);
        if (trim) {
            if (fabs(err) > 0.01)
                fail_msg("trimmed clock %+.4f s after a day", err);
            assert_true(v->hw.rtc_trim_ppb % HOST_RTC_TRIM_PPB == 0); /* whole steps only */
        } else {
            assert_true(fabs(err - ppm * 0.0864) < 0.01);
        }
        free(v);
        free(nvm);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_ranges),
        cmocka_unit_test(rtc_parabola),
        cmocka_unit_test(temperature_and_self_heating),
        cmocka_unit_test(aron_block),
        cmocka_unit_test(rtc_trimmed_over_a_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
