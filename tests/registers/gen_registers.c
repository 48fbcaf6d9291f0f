/* gen_registers — prints docs/REGISTERS.md from the object table, the single
 * source of truth. Run: build/tests/registers/gen_registers > docs/REGISTERS.md
 * (the ctest registers.doc_current fails when the committed file differs). */
#include <stdio.h>

#include "cosem/objtab.h"
#include "trimeter/meter.h"

static const char *acc_name(unsigned a)
{
    switch (a) {
    case METER_ACC_PUBLIC: return "public";
    case METER_ACC_READER: return "reader";
    case METER_ACC_MANAGER: return "manager";
    case METER_ACC_CAL: return "cal-switch";
    default: return "-";
    }
}

static const char *ic_name(unsigned ic)
{
    switch (ic) {
    case IC_DATA: return "Data";
    case IC_REGISTER: return "Register";
    case IC_EXT_REGISTER: return "Extended register";
    case IC_DEMAND_REGISTER: return "Demand register";
    case IC_PROFILE_GENERIC: return "Profile generic";
    case IC_CLOCK: return "Clock";
    case IC_SCRIPT_TABLE: return "Script table";
    case IC_SCHEDULE: return "Schedule";
    case IC_SPECIAL_DAYS: return "Special days table";
    case IC_ACTIVITY_CALENDAR: return "Activity calendar";
    case IC_PUSH_SETUP: return "Push setup";
    case IC_REGISTER_MONITOR: return "Register monitor";
    case IC_SINGLE_ACTION_SCHEDULE: return "Single action schedule";
    case IC_DISCONNECT_CONTROL: return "Disconnect control";
    case IC_LIMITER: return "Limiter";
    default: return "?";
    }
}

int main(void)
{
    puts("# Register table");
    puts("");
    puts("Generated from the object table (`src/cosem/objtab.c`) by");
    puts("`tests/registers/gen_registers.c`; do not edit by hand. Regenerate with");
    puts("`build/tests/registers/gen_registers > docs/REGISTERS.md` (ctest");
    puts("`registers.doc_current` fails while this file is stale).");
    puts("");
    puts("Columns: logical name (OBIS), COSEM interface class, unit and scaler of");
    puts("the value (value = integer x 10^scaler unit; the display shows energy and");
    puts("power in k-units with the given decimals), flags (L legal: no change");
    puts("without the sealed calibration switch, registers never; P parameter,");
    puts("audit-logged; E energy with a high-resolution test view; I instantaneous;");
    puts("H historic), minimum access level to read / write / execute, the KMP");
    puts("register id, the billing snapshot slot (the value is kept per billing");
    puts("period and reads as `C.D.E*F`, F = 1 the last period), and the");
    puts("configuration key (scenario `config` key, docs/SCENARIOS.md).");
    puts("");
    puts("| OBIS | short | class | name | unit | scaler | dec | flags | read | write | exec | KMP | bill | key |");
    puts("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (size_t i = 0; i < objtab_count(); i++) {
        const struct obj_def *o = objtab_at(i);
        char full[32], shrt[24], flags[8];
        unsigned k = 0;
        obis_format_full(&o->ln, full, sizeof full);
        obis_format_short(&o->ln, shrt, sizeof shrt);
        if (o->flags & OBJ_F_LEGAL)
            flags[k++] = 'L';
        if (o->flags & OBJ_F_PARAM)
            flags[k++] = 'P';
        if (o->flags & OBJ_F_ENERGY)
            flags[k++] = 'E';
        if (o->flags & OBJ_F_INSTANT)
            flags[k++] = 'I';
        if (o->flags & OBJ_F_HISTORIC)
            flags[k++] = 'H';
        flags[k] = '\0';
        char kmp[8] = "";
        if (o->kmp_id)
            snprintf(kmp, sizeof kmp, "0x%04X", o->kmp_id);
        char bill[8] = "";
        if (o->bill)
            snprintf(bill, sizeof bill, "%u", o->bill);
        printf("| %s | %s | %u %s | %s | %s | %d | %u | %s | %s | %s | %s | %s | %s | %s |\n", full, shrt, o->ic,
               ic_name(o->ic), o->name ? o->name : "", unit_display_text(o->unit), o->scaler, o->decimals, flags,
               acc_name(o->rd), o->set ? acc_name(o->wr) : "-", o->act ? acc_name(o->ex) : "-", kmp, bill,
               o->key ? o->key : "");
    }
    printf("\n%zu objects.\n", objtab_count());
    return 0;
}
