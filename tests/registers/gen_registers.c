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
    puts("the value as the object table and DLMS give it (value = integer x");
    puts("10^scaler unit: Wh with scaler 1 is a register in steps of 10 Wh; energy");
    puts("rows follow `energy_resolution`, scaler 1..3, factory 1), the unit and");
    puts("step the display and the readouts show it in (k-units for energy and");
    puts("power), flags (L legal: no change");
    puts("without the sealed calibration switch, registers never; P parameter,");
    puts("audit-logged; E energy with a high-resolution test view; I instantaneous;");
    puts("H historic), minimum access level to read / write / execute, the KMP");
    puts("register id (those of a Kamstrup 382 where one is known, trimeter's own");
    puts("block 0x2000.. for the rest, none for parameters and texts that KMP");
    puts("numbers cannot carry; docs/PROTOCOLS.md section 2), the M-Bus record sets");
    puts("that carry the row (T wired TRM, K wired 382 layout, R wireless TRM, O");
    puts("wireless OMNIPOWER layout; docs/PROTOCOLS.md), the billing snapshot slot (the value is kept per billing");
    puts("period and reads as `C.D.E*F`, F = 1 the last period), and the");
    puts("configuration key (scenario `config` key, docs/SCENARIOS.md).");
    puts("");
    puts("| OBIS | short | class | name | unit | scaler | shown as | flags | read | write | exec | KMP | M-Bus | bill | key |");
    puts("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
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
        char kmp[32] = "";
        if (o->kmp_id && o->kmp_hi)
            snprintf(kmp, sizeof kmp, "0x%04X, hi-res 0x%04X", o->kmp_id, o->kmp_hi);
        else if (o->kmp_id)
            snprintf(kmp, sizeof kmp, "0x%04X", o->kmp_id);
        char mb[8] = "";
        unsigned q = 0;
        static const char mbl[] = "TKRO"; /* enum obj_mbus bits */
        for (unsigned b = 0; b < 4; b++)
            if (o->mbus & (1u << b))
                mb[q++] = mbl[b];
        mb[q] = '\0';
        char bill[8] = "";
        if (o->bill)
            snprintf(bill, sizeof bill, "%u", o->bill);
        /* unit and scaler of the same quantity (the base unit); the
         * display form beside them, never mixed with them */
        char shown[32] = "";
        const char *du = unit_display_text(o->unit);
        /* energy: the register's own step (factory resolution) in k-units */
        unsigned dec = (o->flags & OBJ_F_ENERGY) ? (unsigned)(o->scaler < 3 ? 3 - o->scaler : 0) : o->decimals;
        if (du[0] != '\0' || dec != 0)
            snprintf(shown, sizeof shown, "%s%s%s%.*s%s", du, du[0] != '\0' && dec != 0 ? " " : "",
                     dec != 0 ? "0." : "", dec > 1 ? (int)dec - 1 : 0, "000000000", dec != 0 ? "1" : "");
        printf("| %s | %s | %u %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", full, shrt, o->ic,
               ic_name(o->ic), o->name ? o->name : "", unit_text(o->unit), o->scaler, shown, flags,
               acc_name(o->rd), o->set ? acc_name(o->wr) : "-", o->act ? acc_name(o->ex) : "-", kmp, mb, bill,
               o->key ? o->key : "");
    }
    printf("\n%zu objects.\n", objtab_count());
    /* The status word: the error register's low bits and the simulator's
     * JSON `status` (SIMULATOR.md points here). */
    static const struct {
        unsigned bit;
        const char *what;
    } st[] = {
        {METER_ST_NVM_CORRUPT, "NVM corruption found and repaired or skipped (error symbol)"},
        {METER_ST_NVM_FAIL, "NVM unusable, or a log does not fit the part (error symbol)"},
        {METER_ST_CLOCK_INVALID, "clock invalid: the RTC lost its time (error symbol)"},
        {METER_ST_SELFTEST_FAIL, "self-test failed (program, RAM or NVM; error symbol)"},
        {METER_ST_COVER_OPEN, "terminal cover open"},
        {METER_ST_MAGNET, "magnetic field"},
        {METER_ST_POWER_FAIL, "supply warning received, state saved"},
        {METER_ST_RESTORED, "legal snapshot lost: registers rebuilt from the evidence left, until the metrological log is cleared (error symbol)"},
        {METER_ST_LOG_FULL, "metrological log full: legally relevant changes refused until it is read out and cleared"},
        {METER_ST_UNPERSONALISED, "unpersonalised: a DLMS management key (EK, AK or master key) is still the factory test key; cleared by key_transfer (0-0:43.0.0 method 2); not in the simulator's JSON status"},
    };
    puts("");
    puts("## Status word");
    puts("");
    puts("0-0:97.97.0 reads the meter's status bits (below) with the self-test");
    puts("result bits from bit 16 up (program checksum 16, RAM 17, NVM 18, clock 19);");
    puts("the simulator's JSON `status` is the status word alone, without bit 9 (a notice: 0 = nothing to report).");
    puts("");
    puts("| bit | value | meaning |");
    puts("|---|---|---|");
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++) {
        unsigned b = 0;
        while ((1u << b) != st[k].bit)
            b++;
        printf("| %u | 0x%x | %s |\n", b, st[k].bit, st[k].what);
    }
    return 0;
}
