/*
 * cosem_lim.c — class 71 Limiter (0-0:17.0.0.255) over Smart Disconnect
 * (src/control/limiter.h), read and written through its object-table rows
 * (limiter_basis, limiter_threshold1/2, limiter_time1_s, limiter_delay_s):
 *
 *   2 monitored_value             basis: 1-0:11.7.0 current (highest phase),
 *                                 1-0:1.7.0 imported power; class 0 = off
 *   3 threshold_active            step 1 threshold (read-only)
 *   4 threshold_normal            step 1 threshold, whole A or W
 *   5 threshold_emergency         step 2 threshold (no emergency profile: the
 *                                 meter's second, higher step)
 *   6 min_over_threshold_duration step 1 time, s
 *   7 min_under_threshold_duration reconnect delay, s
 *   8..10 emergency profile       none (read-only: id 0, not specified, 0 s;
 *                                 empty group list; not active)
 *   11 actions                    disconnect / reconnect (0-0:10.0.106.255
 *                                 scripts 1 / 2; read-only)
 * Thresholds are whole A (current) or W (power), scaler 0.
 */
#include <string.h>

#include "cosem/cosem_ctl.h"
#include "trimeter/meter.h"

static const uint8_t ln_current[6] = {1, 0, 11, 7, 0, 255};
static const uint8_t ln_power[6] = {1, 0, 1, 7, 0, 255};
static const uint8_t ln_script[6] = {0, 0, 10, 0, 106, 255};

static int lim_read(const struct meter *m, const char *key, enum meter_access acc, struct obj_value *v)
{
    const struct obj_def *o = objtab_find_key(key);
    return o != NULL ? obj_read(m, o, acc, v) : METER_ENOENT;
}

int cosem_lim_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w)
{
    struct obj_value v;
    int r;
    static const char *const keys[8] = {NULL, NULL, NULL, "limiter_threshold1", "limiter_threshold1",
                                        "limiter_threshold2", "limiter_time1_s", "limiter_delay_s"};
    switch (attr) {
    case 2: {
        if ((r = obj_read(m, o, acc, &v)) < 0)
            return r;
        bool cur = obj_text_is(&v, "current"), pow = obj_text_is(&v, "power");
        static const uint8_t none[6] = {0, 0, 0, 0, 0, 0};
        axdr_put_struct(w, 3);
        axdr_put_int(w, AXDR_U16, cur || pow ? IC_REGISTER : 0);
        axdr_put_octets_fixed(w, cur ? ln_current : pow ? ln_power : none, 6);
        axdr_put_int(w, AXDR_I8, cur || pow ? 2 : 0);
        return 1;
    }
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
        if ((r = lim_read(m, keys[attr], acc, &v)) < 0)
            return r;
        axdr_put_int(w, AXDR_U32, v.i > 0 ? v.i : 0);
        return 1;
    case 8: {
        uint8_t dt[12];
        cosem_datetime(m, 0, dt);
        axdr_put_struct(w, 3);
        axdr_put_int(w, AXDR_U16, 0);
        axdr_put_octets_fixed(w, dt, sizeof dt);
        axdr_put_int(w, AXDR_U32, 0);
        return 1;
    }
    case 9: axdr_put_array(w, 0); return 1;
    case 10: axdr_put_bool(w, false); return 1;
    case 11:
        axdr_put_struct(w, 2);
        for (unsigned k = 1; k <= 2; k++) {
            axdr_put_struct(w, 2);
            axdr_put_octets_fixed(w, ln_script, 6);
            axdr_put_int(w, AXDR_U16, k);
        }
        return 1;
    default: return METER_ENOENT;
    }
}

static int lim_write(struct meter *m, const char *key, enum meter_access acc, const struct obj_value *v,
                     enum meter_src src)
{
    const struct obj_def *o = objtab_find_key(key);
    return o != NULL ? obj_write(m, o, acc, v, src) : METER_ENOENT;
}

int cosem_lim_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src)
{
    struct obj_value v;
    memset(&v, 0, sizeof v);
    int64_t x;
    switch (attr) {
    case 2: {
        uint32_t n;
        int64_t ic, a;
        const uint8_t *ln;
        if (axdr_get_head(r, AXDR_STRUCT, &n) < 0 || n != 3 || axdr_get_int(r, 0, 0xFFFF, &ic) < 0 ||
            (ln = axdr_get_octets(r, 6, NULL)) == NULL || axdr_get_int(r, -128, 127, &a) < 0 || axdr_r_left(r) != 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        static const uint8_t zero[6];
        const char *basis;
        bool phase_current = ln[0] == 1 && ln[1] == 0 && (ln[2] == 31 || ln[2] == 51 || ln[2] == 71) &&
                             ln[3] == 7 && ln[4] == 0 && ln[5] == 255;
        if (ic == 0 && memcmp(ln, zero, 6) == 0)
            basis = "off";
        else if (ic == IC_REGISTER && a == 2 && (memcmp(ln, ln_current, 6) == 0 || phase_current))
            basis = "current";
        else if (ic == IC_REGISTER && a == 2 && memcmp(ln, ln_power, 6) == 0)
            basis = "power";
        else
            return cosem_ctl_refuse(m, o, src, METER_EINVAL); /* the limiter watches nothing else */
        if (obj_put_text(&v, basis) < 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        return cosem_ctl_dar(obj_write(m, o, acc, &v, src));
    }
    case 4:
    case 5:
    case 6:
    case 7: {
        static const char *const keys[4] = {"limiter_threshold1", "limiter_threshold2", "limiter_time1_s",
                                            "limiter_delay_s"};
        if (axdr_get_int(r, 0, attr <= 5 ? 1000000 : 65535, &x) < 0 || axdr_r_left(r) != 0)
            return cosem_ctl_refuse(m, o, src, METER_EINVAL);
        obj_put_uint(&v, x, 0);
        return cosem_ctl_dar(lim_write(m, keys[attr - 4], acc, &v, src));
    }
    case 1:
    case 3:
    case 8:
    case 9:
    case 10:
    case 11: return cosem_ctl_refuse(m, o, src, METER_EACCES);
    default: return cosem_ctl_refuse(m, o, src, METER_ENOENT);
    }
}

int cosem_lim_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src)
{
    (void)method;
    (void)params;
    (void)ret;
    (void)acc;
    return cosem_ctl_refuse(m, o, src, METER_ENOENT); /* class 71 has no methods */
}
