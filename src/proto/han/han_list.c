/* han_list.c — the quantities of the HAN list format (han_list.h). */
#include "proto/han/han_list.h"

#include <string.h>

#define Q(c, d, e, k, t, s, key, nm) {c, d, e, k, t, s, key, nm}

/* Keys follow the names amshan gives the same values, so users of either
 * find the same topics (energy keys are clearer than amshan's
 * "active_power_import_total"). */
static const struct han_quantity quantities[] = {
    Q(0, 2, 129, HAN_K_LIST_ID, AXDR_VISIBLE, 0, "list_ver_id", "List version identifier"),
    Q(0, 0, 5, HAN_K_METER_ID, AXDR_VISIBLE, 0, "meter_id", "Meter id"),
    Q(96, 1, 0, HAN_K_METER_ID, AXDR_VISIBLE, 0, "meter_id", "Meter id"),
    Q(96, 1, 1, HAN_K_METER_TYPE, AXDR_VISIBLE, 0, "meter_type", "Meter type"),
    Q(96, 1, 7, HAN_K_METER_TYPE, AXDR_VISIBLE, 0, "meter_type", "Meter type"),
    Q(0, 2, 0, HAN_K_FIRMWARE, AXDR_VISIBLE, 0, "firmware", "Firmware"),
    Q(1, 0, 0, HAN_K_CLOCK, AXDR_OCTETS, 0, "meter_datetime", "Meter clock"),
    Q(1, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_import", "Active power import"),
    Q(2, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_export", "Active power export"),
    Q(3, 7, 0, HAN_K_RPOWER, AXDR_U32, 0, "reactive_power_import", "Reactive power import"),
    Q(4, 7, 0, HAN_K_RPOWER, AXDR_U32, 0, "reactive_power_export", "Reactive power export"),
    Q(21, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_import_l1", "Active power import L1"),
    Q(41, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_import_l2", "Active power import L2"),
    Q(61, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_import_l3", "Active power import L3"),
    Q(22, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_export_l1", "Active power export L1"),
    Q(42, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_export_l2", "Active power export L2"),
    Q(62, 7, 0, HAN_K_POWER, AXDR_U32, 0, "active_power_export_l3", "Active power export L3"),
    Q(31, 7, 0, HAN_K_CURRENT, AXDR_U32, -2, "current_l1", "Current L1"),
    Q(51, 7, 0, HAN_K_CURRENT, AXDR_U32, -2, "current_l2", "Current L2"),
    Q(71, 7, 0, HAN_K_CURRENT, AXDR_U32, -2, "current_l3", "Current L3"),
    Q(32, 7, 0, HAN_K_VOLTAGE, AXDR_U16, 0, "voltage_l1", "Voltage L1"),
    Q(52, 7, 0, HAN_K_VOLTAGE, AXDR_U16, 0, "voltage_l2", "Voltage L2"),
    Q(72, 7, 0, HAN_K_VOLTAGE, AXDR_U16, 0, "voltage_l3", "Voltage L3"),
    Q(1, 8, 0, HAN_K_ENERGY, AXDR_U32, 1, "active_energy_import", "Active energy import"),
    Q(2, 8, 0, HAN_K_ENERGY, AXDR_U32, 1, "active_energy_export", "Active energy export"),
    Q(3, 8, 0, HAN_K_RENERGY, AXDR_U32, 1, "reactive_energy_import", "Reactive energy import"),
    Q(4, 8, 0, HAN_K_RENERGY, AXDR_U32, 1, "reactive_energy_export", "Reactive energy export"),
    Q(14, 7, 0, HAN_K_FREQUENCY, AXDR_U16, -2, "frequency", "Frequency"),
    Q(13, 7, 0, HAN_K_PF, AXDR_U16, -3, "power_factor", "Power factor"),
};

#define NQ (sizeof quantities / sizeof quantities[0])

const struct han_quantity *han_quantity_find(uint8_t c, uint8_t d, uint8_t e)
{
    for (size_t i = 0; i < NQ; i++)
        if (quantities[i].c == c && quantities[i].d == d && quantities[i].e == e)
            return &quantities[i];
    return NULL;
}

size_t han_quantity_count(void)
{
    return NQ;
}

const struct han_quantity *han_quantity_at(size_t i)
{
    return i < NQ ? &quantities[i] : NULL;
}

int8_t han_quantity_scaler(const struct han_quantity *q, const char *meter_type, size_t type_len)
{
    /* Kamstrup current transformer meters (type 685...) count mA. */
    if (q->kind == HAN_K_CURRENT && meter_type != NULL && type_len >= 3 && memcmp(meter_type, "685", 3) == 0)
        return -3;
    return q->scaler;
}
