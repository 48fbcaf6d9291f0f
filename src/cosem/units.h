/*
 * units.h — DLMS/COSEM unit codes (IEC 62056-6-2 enum "unit") and their
 * text. Rows of the object table name their unit by this code.
 */
#ifndef TRIMETER_UNITS_H
#define TRIMETER_UNITS_H

#include <stdbool.h>

enum cosem_unit {
    UNIT_YEAR = 1,
    UNIT_MONTH = 2,
    UNIT_WEEK = 3,
    UNIT_DAY = 4,
    UNIT_HOUR = 5,
    UNIT_MINUTE = 6,
    UNIT_SECOND = 7,
    UNIT_DEGREE = 8,
    UNIT_W = 27,
    UNIT_VA = 28,
    UNIT_VAR = 29,
    UNIT_WH = 30,
    UNIT_VAH = 31,
    UNIT_VARH = 32,
    UNIT_A = 33,
    UNIT_V = 35,
    UNIT_HZ = 44,
    UNIT_OTHER = 254,
    UNIT_NONE = 255 /* count / dimensionless */
};

/* Base unit text ("Wh"); "" for none. */
const char *unit_text(unsigned unit);
/* True for units shown with a k prefix on the display and in readouts
 * (energy and power: kWh, kvarh, kW, kvar, kVA). */
bool unit_is_kilo(unsigned unit);
/* Text of the unit as shown (kWh, kW, V ...). */
const char *unit_display_text(unsigned unit);

#endif
