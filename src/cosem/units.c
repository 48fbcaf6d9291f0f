#include "cosem/units.h"

const char *unit_text(unsigned unit)
{
    switch (unit) {
    case UNIT_YEAR: return "a";
    case UNIT_MONTH: return "mo";
    case UNIT_WEEK: return "wk";
    case UNIT_DAY: return "d";
    case UNIT_HOUR: return "h";
    case UNIT_MINUTE: return "min";
    case UNIT_SECOND: return "s";
    case UNIT_DEGREE: return "deg";
    case UNIT_W: return "W";
    case UNIT_VA: return "VA";
    case UNIT_VAR: return "var";
    case UNIT_WH: return "Wh";
    case UNIT_VAH: return "VAh";
    case UNIT_VARH: return "varh";
    case UNIT_A: return "A";
    case UNIT_V: return "V";
    case UNIT_HZ: return "Hz";
    default: return "";
    }
}

bool unit_is_kilo(unsigned unit)
{
    switch (unit) {
    case UNIT_W:
    case UNIT_VA:
    case UNIT_VAR:
    case UNIT_WH:
    case UNIT_VAH:
    case UNIT_VARH:
        return true;
    default:
        return false;
    }
}

const char *unit_display_text(unsigned unit)
{
    switch (unit) {
    case UNIT_W: return "kW";
    case UNIT_VA: return "kVA";
    case UNIT_VAR: return "kvar";
    case UNIT_WH: return "kWh";
    case UNIT_VAH: return "kVAh";
    case UNIT_VARH: return "kvarh";
    default: return unit_text(unit);
    }
}
