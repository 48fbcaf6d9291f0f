/* Metrology through the whole virtual meter: calibration goes through the
 * legal object rows (sealed switch), and the LED/S0 pulse count equals the
 * registered active energy within one pulse, every pulse 30 ms wide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adc.h"
#include "calib.h"
#include "cosem/objtab.h"
#include "vmeter.h"
#include "wave.h"

static struct vmeter *boot(uint8_t **nvm)
{
    *nvm = malloc(VMETER_NVM_SIZE);
    memset(*nvm, 0xff, VMETER_NVM_SIZE);
    struct vmeter *v = calloc(1, sizeof *v);
    vmeter_boot(v, *nvm, VMETER_NVM_SIZE, 1774735200);
    return v;
}

static void calibration_needs_the_switch(void **state)
{
    (void)state;
    uint8_t *nvm;
    struct vmeter *v = boot(&nvm);
    const struct obj_def *o = objtab_find_key("cal_i_gain_l2");
    assert_non_null(o);
    struct obj_value val = {.type = OBJ_T_INT, .i = METER_I_LSB_PA + 1000};
    assert_int_equal(obj_write(&v->m, o, METER_ACC_MANAGER, &val, METER_SRC_OPTICAL_IEC), METER_EACCES);
    assert_int_equal(v->m.metro.cal.i_gain_pa[1], METER_I_LSB_PA);
    struct adc_model adc;
    adc_init_default(&adc, 3);
    struct metro_cal cal;
    assert_int_equal(calib_measure(&adc, 3, &cal), 0);
    assert_int_equal(calib_write(v, &cal), 0);
    assert_memory_equal(&v->m.metro.cal, &cal, sizeof cal);
    /* out of range is refused even with the switch */
    v->hw.inputs |= METER_IN_CAL_SWITCH;
    val.i = 5;
    assert_int_not_equal(obj_write(&v->m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY), 0);
    free(v);
    free(nvm);
}

/* One sample set of g through the ADC into the meter; widths[] counts
 * the LED pulses by width in samples (on edge to off edge). */
static void step(struct vmeter *v, struct wave_gen *g, struct adc_model *adc, uint64_t n, uint64_t *on_at,
                 unsigned *ok_width, unsigned *bad_width)
{
    double x[METER_CHANNELS];
    int32_t c[METER_CHANNELS];
    wave_gen_next(g, x);
    adc_quantise(adc, x, c);
    bool was = v->hw.pulse_on;
    vmeter_step_sample(v, c);
    if (!was && v->hw.pulse_on)
        *on_at = n;
    if (was && !v->hw.pulse_on) {
        if (n - *on_at == METER_PULSE_MS * (METER_SAMPLE_RATE / 1000))
            ++*ok_width;
        else
            ++*bad_width;
    }
}

static void pulses_follow_energy(void **state)
{
    (void)state;
    uint8_t *nvm;
    struct vmeter *v = boot(&nvm);
    struct wave_phase_params pp[3];
    memset(pp, 0, sizeof pp);
    for (int k = 0; k < 3; k++) {
        pp[k].u = 230;
        pp[k].i = 30;
        pp[k].phi_deg = 20;
        pp[k].angle_deg = k * 120.0;
    }
    struct wave_set *ws = malloc(sizeof *ws);
    char err[80];
    assert_int_equal(wave_build(ws, pp, err, sizeof err), 0);
    struct adc_model adc;
    adc_init_ideal(&adc);
    struct wave_gen *g = malloc(sizeof *g);
    wave_gen_init(g, METER_SAMPLE_RATE, &adc);
    wave_gen_load(g, ws, 50, 0);
    uint64_t n = 0, on_at = 0;
    unsigned ok = 0, bad = 0;
    for (; n < 20 * METER_SAMPLE_RATE; n++)
        step(v, g, &adc, n, &on_at, &ok, &bad);
    /* two more seconds of zero load let the last block's pulses out (they
     * start 100 ms into the block after it, metro_poll finishes blocks) */
    pp[0].i = pp[1].i = pp[2].i = 0;
    assert_int_equal(wave_build(ws, pp, err, sizeof err), 0);
    wave_gen_load(g, ws, 50, 0);
    for (; n < 22 * METER_SAMPLE_RATE; n++)
        step(v, g, &adc, n, &on_at, &ok, &bad);
    uint64_t wh = (v->m.energy.total[MEAS_AP] + v->m.energy.total[MEAS_AN]) / 1000000u;
    assert_true(wh > 100);
    assert_true(v->hw.pulses <= wh && v->hw.pulses + 1 >= wh);
    assert_false(v->hw.pulse_on);
    /* every pulse exactly 30 ms wide, counted in samples */
    assert_int_equal(ok, v->hw.pulses);
    assert_int_equal(bad, 0);
    free(g);
    free(ws);
    free(v);
    free(nvm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calibration_needs_the_switch),
        cmocka_unit_test(pulses_follow_energy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
