/*
 * objtab.c — the rows of the object table and the one access/audit path.
 * Getters read the owning module's state; they never cache values.
 */
#include "cosem/objtab.h"

#include <string.h>

#include "legal/access.h"
#include "legal/audit.h"
#include "legal/params.h"
#include "registers/tariff_passive.h"
#include "control/control.h"
#include "cosem/cosem_image.h"
#include "trimeter/meter.h"
#include "util/crc.h"
#include "util/fmt.h"

/* ---- getters ------------------------------------------------------------ */

static int get_energy_total(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    v->type = OBJ_T_UINT;
    v->i = (int64_t)m->energy.total[o->arg];
    v->scaler = -6; /* uWh; obj_read truncates to the register resolution */
    return METER_OK;
}

static int get_energy_tariff(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    unsigned qty = o->arg >> 8, t = o->arg & 0xffu;
    if (t >= METER_TARIFFS)
        return METER_ENOENT;
    return obj_put_uint(v, (int64_t)(qty == MEAS_AP ? m->energy.tariff_ap[t] : m->energy.tariff_rp[t]), -6);
}

/* Instantaneous power of one direction: arg = qty (low byte), phase+1 in
 * the high byte (0 = total). Values below zero belong to the other quantity. */
static int get_power(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    unsigned qty = o->arg & 0xffu, ph = o->arg >> 8;
    int32_t p, q;
    if (ph == 0) {
        p = m->block.p_mw;
        q = m->block.q_mvar;
    } else {
        p = m->block.ph[ph - 1].p_mw;
        q = m->block.ph[ph - 1].q_mvar;
    }
    int32_t x = (qty == MEAS_AP || qty == MEAS_AN) ? p : q;
    if (qty == MEAS_AN || qty == MEAS_RN)
        x = -x;
    return obj_put_uint(v, x > 0 ? x : 0, -3);
}

/* Metrology calibration and legal settings (src/metrology/metro.h):
 * arg = enum metro_cal_field << 8 | phase index. */
static int get_metro_cal(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    v->type = OBJ_T_INT;
    return metro_cal_get(&m->metro, (enum metro_cal_field)(o->arg >> 8), o->arg & 0xffu, &v->i);
}

static int set_metro_cal(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    if (in->type != OBJ_T_INT && in->type != OBJ_T_UINT)
        return METER_EINVAL;
    return metro_cal_set(&m->metro, (enum metro_cal_field)(o->arg >> 8), o->arg & 0xffu, in->i);
}

static int get_voltage(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return obj_put_uint(v, m->block.ph[o->arg].u_mv, -3);
}

static int get_current(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    return obj_put_uint(v, m->block.ph[o->arg].i_ua, -6);
}

static int get_frequency(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_uint(v, m->block.f_mhz, -3);
}

/* Total power factor |P|/S, in thousandths; 1.000 with no load. */
static int get_power_factor(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    int64_t p = m->block.p_mw < 0 ? -(int64_t)m->block.p_mw : m->block.p_mw;
    int64_t s = m->block.s_mva;
    v->type = OBJ_T_UINT;
    v->i = s > 0 ? (p * 1000 + s / 2) / s : 1000;
    if (v->i > 1000)
        v->i = 1000;
    v->scaler = -3;
    return METER_OK;
}

static int get_serial(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    struct fmt_buf f;
    v->type = OBJ_T_STRING;
    fmt_init(&f, v->s, sizeof v->s);
    fmt_uint(&f, m->serial, 8);
    int n = fmt_end(&f);
    v->len = (uint8_t)(n > 0 ? n : 0);
    return n < 0 ? n : METER_OK;
}

/* COSEM logical device name (0-0:42.0.0): the manufacturer's three
 * letters and the serial number in 13 digits, 16 characters in all. */
static int get_ldn(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    struct fmt_buf f;
    v->type = OBJ_T_STRING;
    fmt_init(&f, v->s, sizeof v->s);
    fmt_str(&f, "TRM");
    fmt_uint(&f, m->serial, 13);
    int n = fmt_end(&f);
    v->len = (uint8_t)(n > 0 ? n : 0);
    return n < 0 ? n : METER_OK;
}

/* The meter type (0-0:96.1.1, COSEM device ID 2): Kamstrup's HAN lists
 * carry the type number there. */
static int get_meter_type(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)m;
    (void)o;
    static const char type[] = METER_FW_NAME " 3x230-400V";
    memcpy(v->s, type, sizeof type - 1);
    return obj_text_value(v, (int)(sizeof type - 1));
}

static int get_fw_id(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    uint32_t n;
    const char *id = fwimg_ident(m, &n); /* the image running: changes on activation */
    v->type = OBJ_T_STRING;
    memcpy(v->s, id, n);
    v->len = (uint8_t)n;
    return METER_OK;
}

/* ---- the table ---------------------------------------------------------- */

#define E(c, d, e) OBIS(1, 0, c, d, e, 255)
#define A(c, d, e) OBIS(0, 0, c, d, e, 255)
#define PUB METER_ACC_PUBLIC
/* KMP ids: those a Kamstrup 382 uses where one is known (PyKamstrup's
 * table, ../shared/vectors/kmp.md); the rest in trimeter's own block
 * 0x2000.. that no 382 id is known to use (docs/PROTOCOLS.md). */
#define ENERGY_ROW(c, e_, qty, u, kmp, kmphi, nm) \
    {.ln = E(c, 8, e_), .ic = IC_REGISTER, .unit = u, .scaler = 1, .decimals = 2, \
     .flags = OBJ_F_LEGAL | OBJ_F_ENERGY, .rd = PUB, .kmp_id = kmp, .kmp_hi = kmphi, .arg = qty, \
     .mbus = (qty) == MEAS_AP ? OBJ_MBUS_ALL : (qty) == MEAS_AN ? OBJ_MBUS_TRM | OBJ_MBUS_RADIO | OBJ_MBUS_OMNI \
                                                   : OBJ_MBUS_TRM, \
     .get = get_energy_total, .bill = (qty) + 1, .name = nm}
#define TARIFF_ROW(c, t, qty, u, kmp, nm) \
    {.ln = E(c, 8, t), .ic = IC_REGISTER, .unit = u, .scaler = 1, .decimals = 2, \
     .flags = OBJ_F_LEGAL | OBJ_F_ENERGY, .rd = PUB, .kmp_id = kmp, .arg = (uint16_t)(((qty) << 8) | ((t) - 1)), \
     .mbus = (qty) == MEAS_AP && (t) <= 2 ? OBJ_MBUS_BOTH | OBJ_MBUS_RADIO : OBJ_MBUS_TRM, \
     .get = get_energy_tariff, .bill = (qty) == MEAS_AP ? 4 + (t) : 8 + (t), .name = nm}
#define POWER_ROW(c, qty, ph, kmp, nm) \
    {.ln = E(c, 7, 0), .ic = IC_REGISTER, .unit = (qty) < 2 ? UNIT_W : UNIT_VAR, .scaler = -3, .decimals = 3, \
     .flags = OBJ_F_INSTANT, .rd = PUB, .kmp_id = kmp, .arg = (uint16_t)(((ph) << 8) | (qty)), .get = get_power, \
     .mbus = (ph) != 0 ? OBJ_MBUS_TRM : (qty) == MEAS_AP ? OBJ_MBUS_ALL \
             : (qty) == MEAS_AN ? OBJ_MBUS_TRM | OBJ_MBUS_RADIO | OBJ_MBUS_OMNI : OBJ_MBUS_TRM, \
     .name = nm}
#define INST_ROW(c, u, sc, dec, kmp, a, fn, nm) \
    {.ln = E(c, 7, 0), .ic = IC_REGISTER, .unit = u, .scaler = sc, .decimals = dec, .flags = OBJ_F_INSTANT, \
     .rd = PUB, .kmp_id = kmp, .mbus = (u) == UNIT_V || (u) == UNIT_A ? OBJ_MBUS_TRM : 0, .arg = a, .get = fn, \
     .name = nm}
#define DATA_ROW(c, d, e_, fl, fn, nm) \
    {.ln = A(c, d, e_), .ic = IC_DATA, .unit = UNIT_NONE, .flags = fl, .rd = PUB, .get = fn, .name = nm}
#define DATA_ROW_KMP(c, d, e_, fl, fn, kmp, nm) \
    {.ln = A(c, d, e_), .ic = IC_DATA, .unit = UNIT_NONE, .flags = fl, .rd = PUB, .kmp_id = kmp, .get = fn, .name = nm}
/* Billing core (src/legal/params.c). Demand rows: arg = enum demand_slot. */
#define DEMAND_ROW(d, e_, ic_, fl, fn, a, b, kmp, nm) \
    {.ln = E(1, d, e_), .ic = ic_, .unit = UNIT_W, .scaler = 0, .decimals = 3, .flags = fl, .rd = PUB, \
     .kmp_id = kmp, .mbus = (d) == 6 && (e_) == 0 ? OBJ_MBUS_BOTH : 0, .arg = a, .get = fn, .bill = b, .name = nm}
#define COUNT_ROW(a_, c, d, e_, ic_, u, fl, fn, a, b, nm) \
    {.ln = OBIS(a_, 0, c, d, e_, 255), .ic = ic_, .unit = u, .flags = fl, .rd = PUB, .arg = a, .get = fn, \
     .bill = b, .name = nm}
#define COUNT_ROW_KMP(a_, c, d, e_, ic_, u, fl, fn, a, b, kmp, nm) \
    {.ln = OBIS(a_, 0, c, d, e_, 255), .ic = ic_, .unit = u, .flags = fl, .rd = PUB, .kmp_id = kmp, .arg = a, \
     .get = fn, .bill = b, .name = nm}
#define CFG_ROW(a_, c, d, e_, ic_, u, a, k, nm) \
    {.ln = OBIS(a_, 0, c, d, e_, 255), .ic = ic_, .unit = u, .flags = OBJ_F_PARAM, .rd = PUB, \
     .wr = METER_ACC_MANAGER, .arg = a, .get = par_get_cfg, .set = par_set_cfg, .key = k, .name = nm}
#define LOG_ROW(a_, c, d, e_, ring, nm) \
    {.ln = OBIS(a_, 0, c, d, e_, 255), .ic = IC_PROFILE_GENERIC, .unit = UNIT_NONE, .rd = PUB, .arg = ring, \
     .get = par_get_entries, .name = nm, .log = &obj_log_rings}
/* The calendar's exception dates in pages, read-only (the calendar text holds
 * what fits; writes go through tariff_calendar "+x=..."). */
#define EXC_ROW(pg, nm) \
    {.ln = A(96, 129, 20 + (pg)), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB, \
     .arg = (uint16_t)(PAR_TARIFF_EXC | (pg) << 8), .get = par_get_cfg, .name = nm}
#define EVCOUNT_ROW(log, nm) COUNT_ROW(0, 96, 129, 10 + (log), IC_DATA, UNIT_NONE, 0, par_get_ev_total, log, 0, nm)

/* Control (src/control/control_obj.c): manufacturer block 0-0:96.130.E
 * and the standard disconnect control / limiter objects (docs/CONTROL.md).
 * CTL_PAR: configuration (audit-logged, saved); CTL_VAL: a reading;
 * CTL_CMD: a reading with methods. */
#define CTL_PAR(c, d, e_, ic_, u, sc, a, k, nm) \
    {.ln = OBIS(0, 0, c, d, e_, 255), .ic = ic_, .unit = u, .scaler = sc, .flags = OBJ_F_PARAM, .rd = PUB, \
     .wr = METER_ACC_MANAGER, .arg = a, .get = control_obj_get, .set = control_obj_set, .key = k, .name = nm}
#define CTL_VAL(c, d, e_, ic_, u, sc, dec, a, nm) \
    {.ln = OBIS(0, 0, c, d, e_, 255), .ic = ic_, .unit = u, .scaler = sc, .decimals = dec, .rd = PUB, .arg = a, \
     .get = control_obj_get, .name = nm}
#define CTL_CMD(c, d, e_, ic_, u, sc, dec, a, k, nm) \
    {.ln = OBIS(0, 0, c, d, e_, 255), .ic = ic_, .unit = u, .scaler = sc, .decimals = dec, .rd = PUB, .arg = a, \
     .get = control_obj_get, .act = control_obj_act, .ex = METER_ACC_MANAGER, .key = k, .name = nm}
#define CTL_ROW(e_, a, nm) CTL_VAL(96, 130, e_, IC_DATA, UNIT_NONE, 0, 0, a, nm)
/* A load relay: writing 0/1 switches it (a command, not configuration). */
#define CTL_SWITCH(e_, a, k, nm) \
    {.ln = OBIS(0, 0, 96, 130, e_, 255), .ic = IC_DISCONNECT_CONTROL, .unit = UNIT_NONE, .rd = PUB, \
     .wr = METER_ACC_MANAGER, .arg = a, .get = control_obj_get, .set = control_obj_set, .act = control_obj_act, \
     .ex = METER_ACC_MANAGER, .key = k, .name = nm}
/* Metrology calibration: manufacturer block 1-0:128.<10+field>.<phase 1..3, 0>. */
#define CAL_ROW(f, ph, e_, k, nm) \
    {.ln = OBIS(1, 0, 128, 10 + (f), e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_LEGAL | OBJ_F_PARAM, \
     .rd = METER_ACC_READER, .wr = METER_ACC_MANAGER, .arg = (uint16_t)(((f) << 8) | (ph)), .get = get_metro_cal, \
     .set = set_metro_cal, .key = k, .name = nm}
#define CAL_ROWS3(f, k, nm) \
    CAL_ROW(f, 0, 1, k "1", nm " L1"), CAL_ROW(f, 1, 2, k "2", nm " L2"), CAL_ROW(f, 2, 3, k "3", nm " L3")

static const struct obj_def core_rows[] = {
    ENERGY_ROW(1, 0, MEAS_AP, UNIT_WH, 0x0001, 0x000D, "Active energy A+ total"),
    ENERGY_ROW(2, 0, MEAS_AN, UNIT_WH, 0x0002, 0x000E, "Active energy A- total"),
    ENERGY_ROW(3, 0, MEAS_RP, UNIT_VARH, 0x0003, 0, "Reactive energy R+ total"),
    ENERGY_ROW(4, 0, MEAS_RN, UNIT_VARH, 0x0004, 0, "Reactive energy R- total"),
    TARIFF_ROW(1, 1, MEAS_AP, UNIT_WH, 0x2001, "Active energy A+ tariff 1"),
    TARIFF_ROW(1, 2, MEAS_AP, UNIT_WH, 0x2002, "Active energy A+ tariff 2"),
    TARIFF_ROW(1, 3, MEAS_AP, UNIT_WH, 0x2003, "Active energy A+ tariff 3"),
    TARIFF_ROW(1, 4, MEAS_AP, UNIT_WH, 0x2004, "Active energy A+ tariff 4"),
    TARIFF_ROW(3, 1, MEAS_RP, UNIT_VARH, 0x2005, "Reactive energy R+ tariff 1"),
    TARIFF_ROW(3, 2, MEAS_RP, UNIT_VARH, 0x2006, "Reactive energy R+ tariff 2"),
    TARIFF_ROW(3, 3, MEAS_RP, UNIT_VARH, 0x2007, "Reactive energy R+ tariff 3"),
    TARIFF_ROW(3, 4, MEAS_RP, UNIT_VARH, 0x2008, "Reactive energy R+ tariff 4"),
    POWER_ROW(1, MEAS_AP, 0, 0x03FF, "Instantaneous active power P+ total"),
    POWER_ROW(2, MEAS_AN, 0, 0x0400, "Instantaneous active power P- total"),
    POWER_ROW(3, MEAS_RP, 0, 0x2020, "Instantaneous reactive power Q+ total"),
    POWER_ROW(4, MEAS_RN, 0, 0x2021, "Instantaneous reactive power Q- total"),
    POWER_ROW(21, MEAS_AP, 1, 0x0438, "Instantaneous active power P+ L1"),
    POWER_ROW(41, MEAS_AP, 2, 0x0439, "Instantaneous active power P+ L2"),
    POWER_ROW(61, MEAS_AP, 3, 0x043A, "Instantaneous active power P+ L3"),
    POWER_ROW(22, MEAS_AN, 1, 0x0540, "Instantaneous active power P- L1"),
    POWER_ROW(42, MEAS_AN, 2, 0x0541, "Instantaneous active power P- L2"),
    POWER_ROW(62, MEAS_AN, 3, 0x0542, "Instantaneous active power P- L3"),
    INST_ROW(32, UNIT_V, -3, 1, 0x041E, 0, get_voltage, "Voltage L1"),
    INST_ROW(52, UNIT_V, -3, 1, 0x041F, 1, get_voltage, "Voltage L2"),
    INST_ROW(72, UNIT_V, -3, 1, 0x0420, 2, get_voltage, "Voltage L3"),
    INST_ROW(31, UNIT_A, -6, 2, 0x0434, 0, get_current, "Current L1"),
    INST_ROW(51, UNIT_A, -6, 2, 0x0435, 1, get_current, "Current L2"),
    INST_ROW(71, UNIT_A, -6, 2, 0x0436, 2, get_current, "Current L3"),
    INST_ROW(14, UNIT_HZ, -3, 2, 0x2022, 0, get_frequency, "Frequency"),
    INST_ROW(13, UNIT_NONE, -3, 3, 0x2023, 0, get_power_factor, "Power factor total"),
    DATA_ROW_KMP(0, 9, 1, 0, par_get_time, 0x03EA, "Meter time (local)"),
    DATA_ROW_KMP(0, 9, 2, 0, par_get_date, 0x03EB, "Meter date (local)"),
    /* The meter's identity: set at the factory, sealed like calibration (legal). */
    {.ln = A(0, 0, 0), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_LEGAL | OBJ_F_PARAM, .rd = PUB,
     .wr = METER_ACC_MANAGER, .kmp_id = 0x03E9, .arg = PAR_SERIAL, .get = get_serial, .set = par_set_cfg,
     .key = "serial", .name = "Serial number (factory; sealed)"},
    DATA_ROW(96, 1, 0, 0, get_serial, "Serial number (COSEM device ID 1, manufacturing number)"),
    DATA_ROW(42, 0, 0, 0, get_ldn, "COSEM logical device name"),
    DATA_ROW(0, 2, 0, OBJ_F_LEGAL, get_fw_id, "Firmware identification"),
    DATA_ROW(0, 2, 8, OBJ_F_LEGAL, par_get_fw_crc, "Firmware checksum (CRC-32 of the legal code and constants)"),
    /* Firmware update (class 18; legal/fwimage.h, docs/FIRMWARE.md): methods through the class adapter. */
    {.ln = A(44, 0, 0), .ic = IC_IMAGE_TRANSFER, .unit = UNIT_NONE, .rd = METER_ACC_READER, .ex = METER_ACC_MANAGER,
     .get = image_get_status, .name = "Image transfer (firmware update; value: image_transfer_status)"},
    DATA_ROW(96, 1, 1, 0, get_meter_type, "Meter type (COSEM device ID 2; the HAN lists send it)"),
    /* ---- billing core: demand, counters, clock, calendar, logs ---- */
    DEMAND_ROW(6, 1, IC_EXT_REGISTER, OBJ_F_LEGAL, par_get_demand_max, DEMAND_T1, 13, 0x2011, "Maximum demand P+ tariff 1"),
    DEMAND_ROW(6, 2, IC_EXT_REGISTER, OBJ_F_LEGAL, par_get_demand_max, DEMAND_T2, 14, 0x2012, "Maximum demand P+ tariff 2"),
    DEMAND_ROW(6, 0, IC_EXT_REGISTER, OBJ_F_LEGAL, par_get_demand_max, DEMAND_ALL, 15, 0x2010, "Maximum demand P+"),
    DEMAND_ROW(2, 0, IC_REGISTER, OBJ_F_LEGAL, par_get_demand_cum, 0, 16, 0x2013, "Cumulative maximum demand P+"),
    DEMAND_ROW(4, 0, IC_DEMAND_REGISTER, OBJ_F_INSTANT, par_get_demand_last, 0, 0, 0x2014,
               "Average demand P+ of the last completed period"),
    {.ln = OBIS(0, 0, 96, 8, 0, 255), .ic = IC_REGISTER, .unit = UNIT_HOUR, .rd = PUB, .kmp_id = 0x03EC,
     .mbus = OBJ_MBUS_BOTH,
     .get = par_get_hours, .bill = 17, .name = "Operating hour counter (C.8.0)"}, /* COUNT_ROW + KMP 1004 */
    COUNT_ROW_KMP(0, 0, 1, 0, IC_DATA, UNIT_NONE, OBJ_F_LEGAL, par_get_billing_count, 0, 0, 0x2030, "Billing period counter"),
    COUNT_ROW(0, 96, 14, 0, IC_DATA, UNIT_NONE, 0, par_get_tariff, 0, 0, "Active tariff"),
    COUNT_ROW(0, 96, 2, 0, IC_DATA, UNIT_NONE, OBJ_F_LEGAL, par_get_legal_changes, 0, 0,
              "Legally relevant parameter changes"),
    {.ln = A(97, 97, 0), .ic = IC_DATA, .unit = UNIT_NONE, .rd = PUB, .mbus = OBJ_MBUS_TRM, .get = par_get_status,
     .name = "Error register (status, self-test)"}, /* COUNT_ROW + M-Bus error flags */
    /* Anyone may synchronise it (+-clock_sync_window_s once per interval); a
     * management client may set it (legal/access.h). Not a parameter: no
     * configuration save, the clock module logs the change. */
    {.ln = A(1, 0, 0), .ic = IC_CLOCK, .unit = UNIT_NONE, .flags = OBJ_F_SYNC, .rd = PUB, .wr = METER_ACC_MANAGER,
     .mbus = OBJ_MBUS_TRM, .get = par_get_clock, .set = par_set_clock, .key = "clock",
     .name = "Clock (UTC; set = clock set event; public: synchronisation only)"},
    {.ln = A(96, 129, 8), .ic = IC_DATA, .unit = UNIT_SECOND, .flags = OBJ_F_LEGAL | OBJ_F_PARAM, .rd = PUB,
     .wr = METER_ACC_MANAGER, .arg = PAR_SYNC_WINDOW, .get = par_get_cfg, .set = par_set_cfg,
     .key = "clock_sync_window_s", .name = "Clock: largest change without authentication (sealed)"},
    {.ln = A(96, 129, 9), .ic = IC_DATA, .unit = UNIT_HOUR, .flags = OBJ_F_LEGAL | OBJ_F_PARAM, .rd = PUB,
     .wr = METER_ACC_MANAGER, .arg = PAR_SYNC_INTERVAL, .get = par_get_cfg, .set = par_set_cfg,
     .key = "clock_sync_interval_h", .name = "Clock: one unauthenticated synchronisation per (h of operation; sealed)"},
    {.ln = A(10, 0, 1), .ic = IC_SCRIPT_TABLE, .unit = UNIT_NONE, .rd = PUB, .get = par_get_billing_count,
     .act = par_act_billing, .ex = METER_ACC_MANAGER, .key = "end_of_billing",
     .name = "End of billing period (method 1: now)"},
    /* The disconnector's scripts (DLMS execute(1) = remote_disconnect, execute(2) = remote_reconnect). */
    {.ln = A(10, 0, 106), .ic = IC_SCRIPT_TABLE, .unit = UNIT_NONE, .rd = PUB, .arg = CTL_DISCONNECTOR,
     .get = control_obj_get, .act = control_obj_act, .ex = METER_ACC_MANAGER, .key = "disconnect_scripts",
     .name = "Disconnector scripts (1 remote_disconnect, 2 remote_reconnect of 0-0:96.3.10)"},
    CFG_ROW(0, 96, 129, 1, IC_DATA, UNIT_NONE, PAR_TIMEZONE, "timezone", "Daylight saving: EU, table, none"),
    CFG_ROW(0, 96, 129, 2, IC_DATA, UNIT_MINUTE, PAR_UTC_OFFSET, "utc_offset_min", "Standard-time offset from UTC"),
    CFG_ROW(0, 96, 129, 3, IC_DATA, UNIT_NONE, PAR_DST_TABLE, "dst_table", "Daylight-saving table (UTC spans)"),
    CFG_ROW(0, 96, 129, 0, IC_DATA, UNIT_NONE, PAR_ENERGY_RES, "energy_resolution",
            "Energy register resolution (kWh)"),
    CFG_ROW(1, 0, 8, 0, IC_DATA, UNIT_MINUTE, PAR_DEMAND_PERIOD, "demand_period_min", "Demand integration period"),
    CFG_ROW(1, 0, 8, 4, IC_DATA, UNIT_MINUTE, PAR_PROFILE_PERIOD, "profile_period_min", "Load profile period"),
    CFG_ROW(0, 96, 129, 4, IC_DATA, UNIT_NONE, PAR_PROFILE_CHANNELS, "profile_channels",
            "Load profile channels (A+,A-,R+,R-)"),
    CFG_ROW(0, 96, 129, 5, IC_DATA, UNIT_NONE, PAR_PROFILE_MODE, "profile_mode", "Load profile: absolute or delta"),
    CFG_ROW(1, 0, 8, 5, IC_DATA, UNIT_MINUTE, PAR_LOGGER_INTERVAL, "logger_interval_min",
            "Analysis logger interval"),
    CFG_ROW(0, 96, 129, 7, IC_DATA, UNIT_NONE, PAR_LOGGER_CHANNELS, "logger_channels",
            "Analysis logger registers (OBIS list)"),
    CFG_ROW(0, 15, 0, 0, IC_SINGLE_ACTION_SCHEDULE, UNIT_NONE, PAR_BILLING_DAY, "billing_day",
            "End of billing: day of month at 00:00 (0 = none)"),
    {.ln = A(13, 0, 0), .ic = IC_ACTIVITY_CALENDAR, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB,
     .wr = METER_ACC_MANAGER, .arg = PAR_TARIFF_CALENDAR, .get = par_get_cfg, .set = par_set_cfg,
     .act = tariff_passive_act, .ex = METER_ACC_MANAGER, .key = "tariff_calendar",
     .name = "Tariff calendar, active (docs/BILLING.md syntax); method 1 activate the passive calendar"},
    {.ln = A(96, 129, 40), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB, .wr = METER_ACC_MANAGER,
     .arg = 0, .get = tariff_passive_get, .set = tariff_passive_set, .key = "tariff_calendar_passive",
     .name = "Tariff calendar, passive: day profiles and seasons (docs/BILLING.md syntax, no x=)"},
    {.ln = A(96, 129, 41), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB, .wr = METER_ACC_MANAGER,
     .arg = 1, .get = tariff_passive_get, .set = tariff_passive_set, .key = "tariff_calendar_activation",
     .name = "Tariff calendar, passive: activation time (UTC; 0 = none)"},
    {.ln = A(11, 0, 0), .ic = IC_SPECIAL_DAYS, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = PUB,
     .get = tariff_special_get, .act = tariff_special_act, .ex = METER_ACC_MANAGER, .key = "special_days",
     .name = "Special days (tariff exception dates): count; method 1 insert, 2 delete"},
    CFG_ROW(0, 96, 129, 6, IC_DATA, UNIT_NONE, PAR_TARIFF_INPUT, "tariff_input",
            "External tariff inputs override the calendar (0/1)"),
    EXC_ROW(0, "Tariff calendar: exception dates 1-18"),
    EXC_ROW(1, "Tariff calendar: exception dates 19-36"),
    EXC_ROW(2, "Tariff calendar: exception dates 37-54"),
    EXC_ROW(3, "Tariff calendar: exception dates 55-72"),
    EXC_ROW(4, "Tariff calendar: exception dates 73-90"),
    EXC_ROW(5, "Tariff calendar: exception dates 91-100"),
    LOG_ROW(0, 98, 1, 0, RING_BILLING, "Billing snapshots (entries)"),
    /* ---- metrology calibration (legal; sealed calibration switch) ---- */
    CAL_ROWS3(METRO_CAL_U_GAIN, "cal_u_gain_l", "Calibration: voltage gain (pV per count)"),
    CAL_ROWS3(METRO_CAL_I_GAIN, "cal_i_gain_l", "Calibration: current gain (pA per count)"),
    CAL_ROWS3(METRO_CAL_I_LEAD, "cal_i_lead_l", "Calibration: current channel lead (ps)"),
    CAL_ROWS3(METRO_CAL_U_RMSOS, "cal_u_rmsos_l", "Calibration: voltage rms offset (counts^2)"),
    CAL_ROWS3(METRO_CAL_I_RMSOS, "cal_i_rmsos_l", "Calibration: current rms offset (counts^2)"),
    CAL_ROW(METRO_CAL_CREEP, 0, 0, "metro_creep_ua", "No-load threshold per phase (uA)"),
    CAL_ROW(METRO_CAL_SUMMATION, 0, 0, "metro_summation", "Phase summation: 0 net (vector), 1 arithmetic"),
    CAL_ROW(METRO_CAL_FRESP, 0, 0, "cal_fresp_ppm", "Calibration: front-end droop, ppm of amplitude per (f/fcal)^2-1"),
    /* extended calibration (struct metro_cal_ext): temperature, self-heating,
     * crosstalk, harmonic response, RTC crystal, wiring (docs/METROLOGY.md) */
    CAL_ROW(METRO_CALX_T_REF, 0, 0, "cal_t_ref_mdeg", "Calibration: die temperature of the base calibration (m degC)"),
    CAL_ROWS3(METRO_CALX_U_TC1, "cal_u_tc1_l", "Calibration: voltage gain change per K (ppb/K)"),
    CAL_ROWS3(METRO_CALX_U_TC2, "cal_u_tc2_l", "Calibration: voltage gain change per K^2 (ppb/K^2)"),
    CAL_ROWS3(METRO_CALX_I_TC1, "cal_i_tc1_l", "Calibration: current gain change per K (ppb/K)"),
    CAL_ROWS3(METRO_CALX_I_TC2, "cal_i_tc2_l", "Calibration: current gain change per K^2 (ppb/K^2)"),
    CAL_ROWS3(METRO_CALX_LEAD_TC1, "cal_lead_tc1_l", "Calibration: current lead change per K (fs/K)"),
    CAL_ROWS3(METRO_CALX_LEAD_TC2, "cal_lead_tc2_l", "Calibration: current lead change per K^2 (fs/K^2)"),
    CAL_ROWS3(METRO_CALX_SH, "cal_sh_ppb_l", "Calibration: shunt self-heating, current gain change at Imax (ppb)"),
    CAL_ROWS3(METRO_CALX_SH_TC, "cal_sh_tc_l", "Calibration: self-heating change per K (ppb/K)"),
    CAL_ROW(METRO_CALX_SH_TAU, 0, 0, "cal_sh_tau_s", "Calibration: shunt thermal time constant (s)"),
    CAL_ROWS3(METRO_CALX_XT_P, "cal_xt_p_uw_l", "Calibration: crosstalk U->I, active power at Un (uW)"),
    CAL_ROWS3(METRO_CALX_XT_Q, "cal_xt_q_uvar_l", "Calibration: crosstalk U->I, reactive power at Un (uvar)"),
    CAL_ROWS3(METRO_CALX_HR_A1, "cal_hr_a1_l", "Calibration: harmonic response, ln amplitude per kHz^2 (ppm)"),
    CAL_ROWS3(METRO_CALX_HR_A2, "cal_hr_a2_l", "Calibration: harmonic response, per kHz^4 (ppm)"),
    CAL_ROWS3(METRO_CALX_HR_A3, "cal_hr_a3_l", "Calibration: harmonic response, per kHz^6 (ppm)"),
    CAL_ROW(METRO_CALX_RTC_PPB, 0, 0, "cal_rtc_ppb", "Calibration: RTC crystal rate error at the reference temperature (ppb)"),
    CAL_ROW(METRO_CALX_RTC_K, 0, 0, "cal_rtc_k", "Calibration: RTC crystal parabola (0.001 ppb/K^2)"),
    CAL_ROW(METRO_CALX_RTC_T0, 0, 0, "cal_rtc_t0_mdeg", "Calibration: RTC crystal turnover temperature (m degC)"),
    CAL_ROW(METRO_CALX_WIRING, 0, 0, "metro_wiring", "Wiring: 0 4-wire, 1 1-phase, 2 2-phase, 3 Aron (3 wires, two elements)"),
    LOG_ROW(1, 99, 1, 0, RING_PROFILE, "Load profile (entries)"),
    LOG_ROW(1, 99, 2, 0, RING_LOGGER, "Analysis logger (entries)"),
    LOG_ROW(0, 99, 98, 0, RING_EVLOG + EVLOG_STATUS, "Event log: status"),
    LOG_ROW(0, 99, 98, 1, RING_EVLOG + EVLOG_QUALITY, "Event log: voltage quality"),
    LOG_ROW(0, 99, 98, 2, RING_EVLOG + EVLOG_DISCONNECT, "Event log: disconnector"),
    LOG_ROW(0, 99, 98, 3, RING_EVLOG + EVLOG_NEUTRAL, "Event log: neutral fault"),
    LOG_ROW(0, 99, 98, 4, RING_EVLOG + EVLOG_CLOCK, "Event log: clock"),
    LOG_ROW(0, 99, 98, 5, RING_EVLOG + EVLOG_AUDIT, "Event log: audit (parameter changes)"),
    LOG_ROW(0, 99, 98, 6, RING_EVLOG + EVLOG_TAMPER, "Event log: tamper"),
    LOG_ROW(0, 99, 98, 7, RING_EVLOG + EVLOG_POWERLIMIT, "Event log: power limit"),
    {.ln = A(99, 98, 8), .ic = IC_PROFILE_GENERIC, .unit = UNIT_NONE, .rd = PUB, .arg = RING_EVLOG + EVLOG_METRO,
     .get = par_get_entries, .act = audit_act_metro, .ex = METER_ACC_CAL, .key = "metrological_log",
     .name = "Metrological log: legally relevant changes, never overwritten (method 1: clear after read-out, seal)",
     .log = &obj_log_rings},
    LOG_ROW(0, 99, 98, 128, RING_EVLOG + EVLOG_COUNT, "Event logs, all merged (oldest first)"),
    EVCOUNT_ROW(EVLOG_STATUS, "Events since manufacture: status"),
    EVCOUNT_ROW(EVLOG_QUALITY, "Events since manufacture: voltage quality"),
    EVCOUNT_ROW(EVLOG_DISCONNECT, "Events since manufacture: disconnector"),
    EVCOUNT_ROW(EVLOG_NEUTRAL, "Events since manufacture: neutral fault"),
    EVCOUNT_ROW(EVLOG_CLOCK, "Events since manufacture: clock"),
    EVCOUNT_ROW(EVLOG_AUDIT, "Events since manufacture: audit"),
    EVCOUNT_ROW(EVLOG_TAMPER, "Events since manufacture: tamper"),
    EVCOUNT_ROW(EVLOG_POWERLIMIT, "Events since manufacture: power limit"),
    EVCOUNT_ROW(EVLOG_METRO, "Events since manufacture: metrological (legally relevant changes)"),
    COUNT_ROW(0, 96, 129, 30, IC_DATA, UNIT_NONE, 0, audit_get, AUDIT_C_SESSIONS, 0,
              "Communication sessions since manufacture"),
    COUNT_ROW(0, 96, 129, 31, IC_DATA, UNIT_NONE, 0, audit_get, AUDIT_C_LOGINS, 0,
              "Sessions granted more than public access (passwords, authentication)"),
    COUNT_ROW(0, 96, 129, 32, IC_DATA, UNIT_NONE, 0, audit_get, AUDIT_C_REFUSALS, 0, "Requests refused"),
    COUNT_ROW(0, 96, 129, 33, IC_DATA, UNIT_NONE, 0, audit_get, AUDIT_C_BAD_SECRETS, 0,
              "Wrong passwords / failed authentications"),
    COUNT_ROW(0, 96, 129, 34, IC_DATA, UNIT_NONE, 0, audit_get, AUDIT_C_LAST, 0,
              "Newest refusal: UTC time, source, object C.D.E, reason (legal/audit.h)"),
    /* ---- display and control (src/ui) ---- */
    CTL_CMD(96, 3, 10, IC_DISCONNECT_CONTROL, UNIT_NONE, 0, 0, CTL_DISCONNECTOR, "disconnector",
           "Disconnector (IC 70): output state; method 1 remote_disconnect, 2 remote_reconnect"),
    CTL_ROW(0, CTL_DISC_STATE, "Disconnector control state (0 disconnected, 1 connected, 2 ready)"),
    CTL_CMD(96, 130, 1, IC_DATA, UNIT_NONE, 0, 0, CTL_DISC_RELEASE, "disconnector_release",
           "Disconnector release for the button (method 1); value 1 = ready"),
    CTL_PAR(96, 130, 2, IC_DATA, UNIT_NONE, 0, CTL_DISC_SOFT, "disconnector_soft_reconnect",
           "Soft reconnect: button reconnects a remote disconnection only after a release (0/1)"),
    CTL_ROW(3, CTL_DISC_CAUSE, "Disconnector: cause of the last operation"),
    CTL_PAR(17, 0, 0, IC_LIMITER, UNIT_NONE, 0, CTL_LIM_BASIS, "limiter_basis",
           "Smart Disconnect basis: off, current, power"),
    CTL_PAR(96, 130, 10, IC_DATA, UNIT_NONE, 0, CTL_LIM_THR1, "limiter_threshold1", "Smart Disconnect step 1 threshold (A or W)"),
    CTL_PAR(96, 130, 11, IC_DATA, UNIT_NONE, 0, CTL_LIM_THR2, "limiter_threshold2", "Smart Disconnect step 2 threshold (A or W)"),
    CTL_PAR(96, 130, 12, IC_DATA, UNIT_NONE, 0, CTL_LIM_THR3, "limiter_threshold3", "Smart Disconnect step 3 threshold (A or W)"),
    CTL_PAR(96, 130, 13, IC_DATA, UNIT_SECOND, 0, CTL_LIM_TIME1, "limiter_time1_s", "Smart Disconnect step 1 time"),
    CTL_PAR(96, 130, 14, IC_DATA, UNIT_SECOND, 0, CTL_LIM_TIME2, "limiter_time2_s", "Smart Disconnect step 2 time"),
    CTL_PAR(96, 130, 15, IC_DATA, UNIT_SECOND, 0, CTL_LIM_TIME3, "limiter_time3_s", "Smart Disconnect step 3 time"),
    CTL_PAR(96, 130, 16, IC_DATA, UNIT_SECOND, 0, CTL_LIM_DELAY, "limiter_delay_s", "Smart Disconnect reconnect delay"),
    CTL_PAR(96, 130, 17, IC_DATA, UNIT_NONE, 0, CTL_LIM_RECONNECT, "limiter_reconnect",
           "Smart Disconnect reconnect: auto or manual (button)"),
    CTL_PAR(96, 130, 18, IC_DATA, UNIT_SECOND, 0, CTL_LIM_SHED, "limiter_shed_s",
           "Smart Disconnect first stage: load relays in mode limiter shed after"),
    CTL_ROW(20, CTL_LIM_COUNT, "Power-limit counter (Smart Disconnect exceedances)"),
    CTL_CMD(96, 130, 30, IC_REGISTER, UNIT_WH, 1, 2, CTL_PP_CREDIT, "prepay_credit",
           "Prepayment credit; method 1 top-up (argument Wh)"),
    CTL_PAR(96, 130, 31, IC_DATA, UNIT_NONE, 0, CTL_PP_ENABLE, "prepay_enable", "Prepayment on (0/1)"),
    CTL_PAR(96, 130, 32, IC_DATA, UNIT_WH, 0, CTL_PP_LOW, "prepay_low_wh", "Prepayment low-credit warning level"),
    CTL_PAR(96, 130, 33, IC_DATA, UNIT_NONE, 0, CTL_PP_WINDOW, "prepay_window",
           "Prepayment disconnection window: ISO weekdays and local hours, \"1-5 09:00-15:00\""),
    CTL_PAR(96, 130, 34, IC_DATA, UNIT_NONE, 0, CTL_PP_RECONNECT, "prepay_reconnect",
           "Prepayment reconnect after a top-up: auto or manual (button)"),
    CTL_PAR(96, 130, 40, IC_DATA, UNIT_V, 0, CTL_N_UHIGH, "neutral_u_high_v", "Missing neutral: phase voltage limit"),
    CTL_PAR(96, 130, 41, IC_DATA, UNIT_V, 0, CTL_N_SHIFT, "neutral_shift_v", "Missing neutral: neutral-point shift limit"),
    CTL_PAR(96, 130, 42, IC_DATA, UNIT_SECOND, 0, CTL_N_TIME, "neutral_time_s", "Missing neutral: detection and clearing time"),
    CTL_PAR(96, 130, 43, IC_DATA, UNIT_NONE, 0, CTL_N_DISCONNECT, "neutral_disconnect",
           "Missing neutral: open the disconnector during a fault (0/1)"),
    CTL_PAR(96, 130, 44, IC_DATA, UNIT_NONE, 0, CTL_N_RECONNECT, "neutral_reconnect",
           "Missing neutral: reconnect when cleared, auto or manual (button)"),
    CTL_ROW(45, CTL_N_FAULT, "Missing neutral: fault now (0/1)"),
    CTL_SWITCH(60, CTL_LC1, "loadctl1", "Load relay 1: closed (0/1; writing switches it); method 1 open, 2 close"),
    CTL_SWITCH(61, CTL_LC2, "loadctl2", "Load relay 2: closed (0/1; writing switches it); method 1 open, 2 close"),
    CTL_PAR(96, 130, 62, IC_DATA, UNIT_NONE, 0, CTL_LC1_MODE, "loadctl1_mode", "Load relay 1 source: remote, tariff, program, limiter"),
    CTL_PAR(96, 130, 63, IC_DATA, UNIT_NONE, 0, CTL_LC2_MODE, "loadctl2_mode", "Load relay 2 source: remote, tariff, program, limiter"),
    CTL_PAR(96, 130, 64, IC_DATA, UNIT_NONE, 0, CTL_LC1_TARIFFS, "loadctl1_tariffs", "Load relay 1 closed at tariffs \"1,2\""),
    CTL_PAR(96, 130, 65, IC_DATA, UNIT_NONE, 0, CTL_LC2_TARIFFS, "loadctl2_tariffs", "Load relay 2 closed at tariffs \"1,2\""),
    CTL_PAR(96, 130, 66, IC_DATA, UNIT_NONE, 0, CTL_LC1_PROGRAM, "loadctl1_program",
           "Load relay 1 daily program \"06:00-08:00,22:00-23:30\" (local)"),
    CTL_PAR(96, 130, 67, IC_DATA, UNIT_NONE, 0, CTL_LC2_PROGRAM, "loadctl2_program",
           "Load relay 2 daily program \"06:00-08:00,22:00-23:30\" (local)"),
    CTL_ROW(70, CTL_PULSE_COUNT, "Pulse input counter (units of the external meter)"),
    CTL_PAR(96, 130, 71, IC_DATA, UNIT_NONE, 0, CTL_PULSE_DIVIDER, "pulsein_divider", "Pulse input divider (pulses per unit)"),
    {.ln = OBIS(0, 0, 96, 130, 80, 255), .ic = IC_DATA, .unit = UNIT_NONE, .rd = PUB, .wr = METER_ACC_MANAGER,
     .arg = CTL_TAMPER, .get = control_obj_get, .set = control_obj_set, .key = "tamper_alarm",
     .name = "Tamper: 1 cover open, 2 magnet, 4 cover alarm, 8 magnet alarm (write 0: clear alarms)"},
};

#define CORE_LEN (sizeof core_rows / sizeof core_rows[0])

/* Row i of the whole table: the core's rows, then each segment of rows the
 * firmware adds (objtab_segment: the protocol drivers' parameters). */
const struct obj_def *objtab_at(size_t i)
{
    if (i < CORE_LEN)
        return &core_rows[i];
    i -= CORE_LEN;
    size_t n;
    const struct obj_def *seg;
    for (size_t k = 0; (seg = objtab_segment(k, &n)) != NULL; k++) {
        if (i < n)
            return &seg[i];
        i -= n;
    }
    return NULL;
}

size_t objtab_count(void)
{
    size_t total = CORE_LEN, n;
    const struct obj_def *seg;
    for (size_t k = 0; (seg = objtab_segment(k, &n)) != NULL; k++)
        total += n;
    return total;
}

/* First row that matches. */
static const struct obj_def *objtab_first(bool (*match)(const struct obj_def *, const void *), const void *arg)
{
    /* Segment by segment: objtab_at(i) walks the segments (and those the
     * driver lists) for every i, which made a search quadratic. */
    for (size_t i = 0; i < CORE_LEN; i++)
        if (match(&core_rows[i], arg))
            return &core_rows[i];
    size_t n;
    const struct obj_def *seg;
    for (size_t k = 0; (seg = objtab_segment(k, &n)) != NULL; k++)
        for (size_t i = 0; i < n; i++)
            if (match(&seg[i], arg))
                return &seg[i];
    return NULL;
}

static bool match_ln(const struct obj_def *o, const void *arg)
{
    return obis_equal(&o->ln, arg);
}

static bool match_cdef(const struct obj_def *o, const void *arg)
{
    return memcmp(&o->ln.v[2], &((const struct obis *)arg)->v[2], 4) == 0;
}

static bool match_kmp(const struct obj_def *o, const void *arg)
{
    return o->kmp_id == *(const uint16_t *)arg;
}

static bool match_key(const struct obj_def *o, const void *arg)
{
    return o->key != NULL && strcmp(o->key, arg) == 0;
}

const struct obj_def *objtab_find(const struct obis *ln)
{
    return objtab_first(match_ln, ln);
}

const struct obj_def *objtab_find_str(const char *code)
{
    struct obis ln;
    if (obis_parse(code, &ln) != METER_OK)
        return NULL;
    const struct obj_def *o = objtab_find(&ln);
    if (o == NULL && strchr(code, ':') == NULL)
        o = objtab_first(match_cdef, &ln); /* short form: the A group is a guess, match on C.D.E*F */
    return o;
}

const struct obj_def *objtab_find_kmp(uint16_t kmp_id)
{
    return kmp_id == 0 ? NULL : objtab_first(match_kmp, &kmp_id);
}

static bool match_kmp_hi(const struct obj_def *o, const void *arg)
{
    return o->kmp_hi == *(const uint16_t *)arg;
}

const struct obj_def *objtab_find_kmp_hires(uint16_t kmp_id)
{
    return kmp_id == 0 ? NULL : objtab_first(match_kmp_hi, &kmp_id);
}

const struct obj_def *objtab_find_key(const char *key)
{
    return key == NULL ? NULL : objtab_first(match_key, key);
}

/* ---- access ------------------------------------------------------------- */

static int64_t pow10_i64(unsigned n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* Scaler of an energy register at the configured resolution. */
static int8_t energy_scaler(const struct meter *m)
{
    return m->cfg.energy_res;
}

int obj_read(const struct meter *m, const struct obj_def *o, enum meter_access acc,
             struct obj_value *out)
{
    if (o == NULL || out == NULL)
        return METER_EINVAL;
    if (acc < o->rd)
        return METER_EACCES;
    memset(out, 0, sizeof *out);
    out->unit = o->unit;
    out->scaler = o->scaler;
    int r = o->get(m, o, out);
    if (r < 0)
        return r;
    /* Registers never round up: truncate to the row's resolution. */
    int8_t res = (o->flags & OBJ_F_ENERGY) ? energy_scaler(m) : o->scaler;
    if ((out->type == OBJ_T_INT || out->type == OBJ_T_UINT) && out->scaler < res) {
        out->i = obj_value_at_scaler(out, res);
        out->scaler = res;
    }
    return METER_OK;
}

int obj_read_hires(const struct meter *m, const struct obj_def *o, enum meter_access acc, struct obj_value *out)
{
    if (o == NULL || out == NULL)
        return METER_EINVAL;
    if (!(o->flags & OBJ_F_ENERGY))
        return METER_ENOENT;
    if (acc < o->rd)
        return METER_EACCES;
    memset(out, 0, sizeof *out);
    out->unit = o->unit;
    out->scaler = o->scaler;
    return o->get(m, o, out); /* no truncation: the test view */
}

int obj_put_int(struct obj_value *v, int64_t x, int8_t scaler)
{
    v->type = OBJ_T_INT;
    v->i = x;
    v->scaler = scaler;
    return METER_OK;
}

int obj_put_uint(struct obj_value *v, int64_t x, int8_t scaler)
{
    v->type = OBJ_T_UINT;
    v->i = x;
    v->scaler = scaler;
    return METER_OK;
}

int obj_put_enum(struct obj_value *v, int64_t x)
{
    v->type = OBJ_T_ENUM;
    v->i = x;
    v->scaler = 0; /* a value built for obj_write may start uninitialised */
    return METER_OK;
}

int obj_put_bool(struct obj_value *v, bool x)
{
    v->type = OBJ_T_BOOL;
    v->i = x ? 1 : 0;
    v->scaler = 0;
    return METER_OK;
}

int obj_put_text(struct obj_value *v, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof v->s)
        return METER_ENOSPC;
    memcpy(v->s, s, n);
    return obj_text_value(v, (int)n);
}

int obj_int_of(const struct obj_value *in, int8_t row_scaler, int64_t *x)
{
    if (in->type != OBJ_T_INT && in->type != OBJ_T_UINT && in->type != OBJ_T_ENUM && in->type != OBJ_T_BOOL)
        return METER_EINVAL;
    int64_t r = in->i;
    for (int k = in->scaler; k > row_scaler; k--) {
        if (r > INT64_MAX / 10 || r < INT64_MIN / 10)
            return METER_ERANGE;
        r *= 10;
    }
    for (int k = in->scaler; k < row_scaler; k++) {
        if (r % 10 != 0)
            return METER_EINVAL; /* finer than the row's resolution */
        r /= 10;
    }
    *x = r;
    return METER_OK;
}

int obj_range_of(const struct obj_value *in, int8_t row_scaler, int64_t lo, int64_t hi, int64_t *x)
{
    int r = obj_int_of(in, row_scaler, x);
    if (r < 0)
        return r;
    return (*x < lo || *x > hi) ? METER_ERANGE : METER_OK;
}

bool obj_text_is(const struct obj_value *in, const char *lit)
{
    size_t n = strlen(lit);
    return in->type == OBJ_T_STRING && in->len == n && memcmp(in->s, lit, n) == 0;
}

int obj_text_value(struct obj_value *v, int n)
{
    if (n < 0)
        return n;
    v->type = OBJ_T_STRING;
    v->len = (uint8_t)n;
    v->i = crc32_ieee(0, (const uint8_t *)v->s, (size_t)n);
    return METER_OK;
}

int64_t obj_value_at_scaler(const struct obj_value *v, int8_t scaler)
{
    if (v->scaler < scaler)
        return v->i / pow10_i64((unsigned)(scaler - v->scaler));
    return v->i * pow10_i64((unsigned)(v->scaler - scaler));
}

int obj_read_at(const struct meter *m, const struct obj_def *o, unsigned f, enum meter_access acc,
                struct obj_value *out)
{
    struct billing_rec r;
    if (f == 0 || f == 255)
        return obj_read(m, o, acc, out);
    if (o == NULL || out == NULL)
        return METER_EINVAL;
    if (acc < o->rd)
        return METER_EACCES;
    if (o->bill == 0 || o->bill > BILLING_SLOTS)
        return METER_ENOENT;
    int e = billing_snapshot_read(m, f, &r);
    if (e < 0)
        return e;
    memset(out, 0, sizeof *out);
    out->type = OBJ_T_UINT;
    out->unit = o->unit;
    out->scaler = o->scaler;
    out->i = r.v[o->bill - 1];
    if (o->ic == IC_EXT_REGISTER && o->arg < BILLING_CAPS)
        out->capture = r.cap[o->arg];
    int8_t res = (o->flags & OBJ_F_ENERGY) ? energy_scaler(m) : o->scaler;
    if (out->scaler < res) {
        out->i = obj_value_at_scaler(out, res);
        out->scaler = res;
    }
    return METER_OK;
}

uint32_t obj_packed(const struct obj_def *o)
{
    return (uint32_t)o->ln.v[0] << 24 | (uint32_t)o->ln.v[2] << 16 | (uint32_t)o->ln.v[3] << 8 | o->ln.v[4];
}

/* The one gate for every change through any interface: the access level,
 * for legal objects the sealed calibration switch (S-2.6) and room in the
 * metrological log. Refusals are counted, never written (legal/audit.h). */
static int obj_check_change(struct meter *m, const struct obj_def *o, bool allowed, enum meter_access acc,
                            uint8_t need, enum meter_src src)
{
    if (!allowed || need == METER_ACC_NONE || acc < need) {
        audit_refusal(m, src, obj_packed(o), AUDIT_ACCESS);
        return METER_EACCES;
    }
    if (o->flags & OBJ_F_LEGAL) {
        uint32_t in_bits = m->hal->inputs_read ? m->hal->inputs_read(m->hal->ctx) : 0;
        if (!(in_bits & METER_IN_CAL_SWITCH)) {
            audit_refusal(m, src, obj_packed(o), AUDIT_SEAL);
            return METER_EACCES;
        }
        if (!audit_metro_room(m)) {
            audit_refusal(m, src, obj_packed(o), AUDIT_LOG_FULL);
            return METER_ENOSPC;
        }
    }
    return METER_OK;
}

/* The clock (OBJ_F_SYNC): anyone may try, access.h decides. */
static int obj_write_clock(struct meter *m, const struct obj_def *o, enum meter_access acc,
                           const struct obj_value *in, enum meter_src src)
{
    int64_t t;
    if (par_clock_value(in, &t) < 0) {
        audit_refusal(m, src, obj_packed(o), AUDIT_VALUE);
        return METER_EINVAL;
    }
    int64_t before = m->now;
    int r = access_clock_check(m, o, acc, t, src);
    if (r < 0)
        return r;
    r = o->set(m, o, in, src);
    if (r < 0) {
        audit_refusal(m, src, obj_packed(o), AUDIT_VALUE);
        return r;
    }
    access_clock_done(m, o, acc, t - before);
    return METER_OK;
}

int obj_action(struct meter *m, const struct obj_def *o, enum meter_access acc, unsigned method,
               const struct obj_value *arg, enum meter_src src)
{
    if (o == NULL)
        return METER_EINVAL;
    int r = obj_check_change(m, o, o->act != NULL, acc, o->ex, src);
    if (r < 0)
        return r;
    r = o->act(m, o, method, arg, src);
    if (r < 0)
        return r;
    evlog_add_obj(m, EV_PARAM_CHANGE, src, obj_packed(o), 0, (int32_t)method);
    return METER_OK;
}

/* A row's value for the audit log: the number, or the CRC-32 of a text
 * (whether or not the getter filled v->i). */
static int64_t audit_read(const struct meter *m, const struct obj_def *o, struct obj_value *v, int64_t dflt)
{
    memset(v, 0, sizeof *v);
    if (o->get(m, o, v) != METER_OK)
        return dflt;
    if (v->type == OBJ_T_STRING)
        return crc32_ieee(0, (const uint8_t *)v->s, v->len < OBJ_STR_MAX ? v->len : OBJ_STR_MAX);
    return v->i;
}

int obj_write(struct meter *m, const struct obj_def *o, enum meter_access acc,
              const struct obj_value *in, enum meter_src src)
{
    if (o == NULL || in == NULL)
        return METER_EINVAL;
    if ((o->flags & OBJ_F_SYNC) && o->set != NULL && acc >= o->rd)
        return obj_write_clock(m, o, acc, in, src);
    int r = obj_check_change(m, o, o->set != NULL, acc, o->wr, src);
    if (r < 0)
        return r;
    /* Audit: old and new as the row reads them (text rows give a CRC-32). */
    struct obj_value v;
    int64_t old = audit_read(m, o, &v, 0);
    r = o->set(m, o, in, src);
    if (r < 0)
        return r;
    int64_t now = audit_read(m, o, &v, in->i);
    evlog_add_obj(m, (o->flags & OBJ_F_LEGAL) ? EV_LEGAL_PARAM_CHANGE : EV_PARAM_CHANGE, src, obj_packed(o),
                  (int32_t)old, (int32_t)now);
    if (o->flags & OBJ_F_PARAM)
        config_save(m);
    if (o->flags & OBJ_F_LEGAL) {
        m->legal.changes++; /* S-8.2 */
        legal_save(m);
    }
    return METER_OK;
}

int obj_format_value(const struct obj_def *o, const struct obj_value *v, char *buf, size_t n)
{
    struct fmt_buf f;
    fmt_init(&f, buf, n);
    switch (v->type) {
    case OBJ_T_INT:
    case OBJ_T_UINT: {
        int shown = unit_is_kilo(o->unit) ? v->scaler - 3 : v->scaler;
        unsigned dec = (o->flags & OBJ_F_ENERGY) ? (unsigned)(shown < 0 ? -shown : 0) : o->decimals;
        fmt_fixed(&f, v->i, shown, dec);
        break;
    }
    case OBJ_T_BOOL:
    case OBJ_T_ENUM:
        fmt_int(&f, v->i);
        break;
    case OBJ_T_STRING:
        for (unsigned k = 0; k < v->len && k < OBJ_STR_MAX; k++)
            fmt_char(&f, v->s[k]);
        break;
    default:
        return METER_ENOTSUP;
    }
    return fmt_end(&f);
}

const char *obj_unit_text(const struct obj_def *o)
{
    return unit_display_text(o->unit);
}
