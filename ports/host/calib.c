/*
 * calib.c — see calib.h.
 */
#include "calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosem/objtab.h"
#include "vmeter.h"
#include "wave.h"

#define CAL_U 230.0
#define CAL_I 5.0
#define CAL_F ((double)METER_CAL_HZ)
#define CAL_F2 (1.2 * CAL_F) /* second frequency: the front end's droop */
#define CAL_BLOCKS 4 /* averaged after one settling block */

struct cal_avg {
    double uu[3], ii[3], phi[3], phic[3];
};

/* Feed settle + CAL_BLOCKS blocks of a balanced signal and average the raw values. */
static void cal_run(struct metro *mt, struct adc_model *adc, struct wave_gen *g, double f, double u, double i,
                    double phi_deg, struct cal_avg *avg)
{
    struct wave_phase_params pp[3];
    memset(pp, 0, sizeof pp);
    for (int p = 0; p < 3; p++) {
        pp[p].u = u;
        pp[p].i = i;
        pp[p].phi_deg = phi_deg;
        pp[p].angle_deg = p == 0 ? 0 : p == 1 ? -120 : 120;
    }
    struct wave_set *ws = malloc(sizeof *ws);
    char err[80];
    if (ws == NULL || wave_build(ws, pp, err, sizeof err) != 0) {
        free(ws);
        return;
    }
    wave_gen_load(g, ws, f, 0);
    free(ws);
    memset(avg, 0, sizeof *avg);
    double x[METER_CHANNELS];
    int32_t s[METER_CHANNELS];
    for (int b = 0; b < 2 + CAL_BLOCKS; b++) {
        for (int n = 0; n < METRO_N; n++) {
            wave_gen_next(g, x);
            adc_quantise(adc, x, s);
            metro_sample(mt, s);
        }
        metro_poll(mt);
        if (b < 2)
            continue;
        for (int p = 0; p < 3; p++) {
            avg->uu[p] += (double)mt->raw[p].uu_ms / 65536.0 / CAL_BLOCKS;
            avg->ii[p] += (double)mt->raw[p].ii_ms / 65536.0 / CAL_BLOCKS;
            avg->phi[p] += mt->raw[p].phi_bam * (360.0 / 4294967296.0) / CAL_BLOCKS;
            avg->phic[p] += mt->raw[p].phic_bam * (360.0 / 4294967296.0) / CAL_BLOCKS;
        }
    }
}

int calib_measure(const struct adc_model *adc_in, uint64_t seed, struct metro_cal *cal)
{
    struct adc_model *adc = malloc(sizeof *adc);
    struct wave_gen *g = malloc(sizeof *g);
    struct metro *mt = malloc(sizeof *mt);
    int rc = -1;
    if (adc == NULL || g == NULL || mt == NULL)
        goto out;
    *adc = *adc_in;
    adc_seed(adc, seed ^ 0xca11b4a7e5ull);
    wave_gen_init(g, METER_SAMPLE_RATE, adc);
    metro_init(mt);
    struct metro_cal c;
    metro_cal_default(&c);
    struct cal_avg a;

    cal_run(mt, adc, g, CAL_F, CAL_U, 0, 0, &a);
    for (int p = 0; p < 3; p++)
        c.i_rmsos[p] = (int32_t)lround(a.ii[p]);
    /* the voltage noise floor (a few LSB against 2^21 counts) is far below
     * anything that matters: u_rmsos stays 0 */
    if (metro_cal_load(mt, &c) != 0)
        goto out;

    cal_run(mt, adc, g, CAL_F, CAL_U, CAL_I, 0, &a);
    struct cal_avg at50 = a;
    for (int p = 0; p < 3; p++) {
        double ur = sqrt(a.uu[p] - c.u_rmsos[p]), ir = sqrt(a.ii[p] - c.i_rmsos[p]);
        c.u_gain_pv[p] = (int32_t)lround(CAL_U * 1e12 / ur);
        c.i_gain_pa[p] = (int32_t)lround(CAL_I * 1e12 / ir);
    }
    if (metro_cal_load(mt, &c) != 0)
        goto out;

    /* phase: the lead seen at PF 0.5, then a second pass on the residue of
     * the compensation (the interpolator's angle is not exactly linear) */
    for (int pass = 0; pass < 2; pass++) {
        cal_run(mt, adc, g, CAL_F, CAL_U, CAL_I, 60.0, &a);
        for (int p = 0; p < 3; p++) {
            double lead_deg = 60.0 - a.phic[p];
            c.i_lead_ps[p] += (int32_t)lround(lead_deg / 360.0 / CAL_F * 1e12);
        }
        if (metro_cal_load(mt, &c) != 0)
            goto out;
    }
    /* the front end's droop: the same signal at 1.2 f_cal; the raw mean
     * squares fall as (1 - fresp ((f/f_cal)^2 - 1))^2 on every channel */
    cal_run(mt, adc, g, CAL_F2, CAL_U, CAL_I, 0, &a);
    double k2 = (CAL_F2 / CAL_F) * (CAL_F2 / CAL_F) - 1, fr = 0;
    for (int p = 0; p < 3; p++) {
        fr += (1 - sqrt((a.uu[p] - c.u_rmsos[p]) / (at50.uu[p] - c.u_rmsos[p]))) / k2;
        fr += (1 - sqrt((a.ii[p] - c.i_rmsos[p]) / (at50.ii[p] - c.i_rmsos[p]))) / k2;
    }
    c.fresp_ppm = (int32_t)lround(fr / 6 * 1e6);
    if (metro_cal_load(mt, &c) != 0)
        goto out;
    *cal = c;
    rc = 0;
out:
    free(adc);
    free(g);
    free(mt);
    return rc;
}

/* Row keys of the calibration constants (objtab.c). */
static const char *const cal_keys[5] = {"cal_u_gain_l", "cal_i_gain_l", "cal_i_lead_l", "cal_u_rmsos_l",
                                        "cal_i_rmsos_l"};

int calib_write_meter(struct meter *m, uint32_t *inputs, const struct metro_cal *cal)
{
    const int32_t *vals[5] = {cal->u_gain_pv, cal->i_gain_pa, cal->i_lead_ps, cal->u_rmsos, cal->i_rmsos};
    uint32_t saved = *inputs;
    *inputs |= METER_IN_CAL_SWITCH;
    int rc = 0;
    for (int f = 0; f < 5 && rc == 0; f++)
        for (int p = 0; p < 3 && rc == 0; p++) {
            char key[32];
            snprintf(key, sizeof key, "%s%d", cal_keys[f], p + 1);
            const struct obj_def *o = objtab_find_key(key);
            if (o == NULL) {
                rc = METER_ENOENT;
                break;
            }
            struct obj_value val;
            memset(&val, 0, sizeof val);
            val.type = OBJ_T_INT;
            val.i = vals[f][p];
            rc = obj_write(m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY);
        }
    if (rc == 0) {
        const struct obj_def *o = objtab_find_key("cal_fresp_ppm");
        struct obj_value val;
        memset(&val, 0, sizeof val);
        val.type = OBJ_T_INT;
        val.i = cal->fresp_ppm;
        rc = o != NULL ? obj_write(m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY) : METER_ENOENT;
    }
    *inputs = saved;
    return rc;
}

int calib_write(struct vmeter *v, const struct metro_cal *cal)
{
    return calib_write_meter(&v->m, &v->hw.inputs, cal);
}

int calib_write_serial(struct vmeter *v, uint32_t serial)
{
    const struct obj_def *o = objtab_find_key("serial");
    if (o == NULL)
        return METER_ENOENT;
    if (serial > 99999999u)
        return METER_ERANGE;
    struct obj_value val;
    memset(&val, 0, sizeof val);
    val.type = OBJ_T_STRING;
    val.len = (uint8_t)snprintf(val.s, sizeof val.s, "%08u", (unsigned)serial);
    uint32_t saved = v->hw.inputs;
    v->hw.inputs |= METER_IN_CAL_SWITCH;
    int rc = obj_write(&v->m, o, METER_ACC_MANAGER, &val, METER_SRC_FACTORY);
    v->hw.inputs = saved;
    return rc;
}
