/*
 * test_registers_doc — docs/REGISTERS.md states unit and scaler of the same
 * quantity (issue 12 item 14: "kWh, scaler 1" read as 10 kWh steps when the
 * value is Wh x 10^1). Every row of the committed table names the object's
 * COSEM base unit beside its scaler, as DLMS transmits them, and every row
 * of the object table is in the document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"

#define MAX_COLS 20

/* Split one markdown table line into trimmed cells; returns their count. */
static int cells_of(char *line, char *cell[MAX_COLS])
{
    int n = 0;
    char *p = strchr(line, '|');
    while (p != NULL && n < MAX_COLS) {
        char *q = strchr(p + 1, '|');
        if (q == NULL)
            break;
        *q = '\0';
        char *a = p + 1;
        while (*a == ' ')
            a++;
        char *e = a + strlen(a);
        while (e > a && e[-1] == ' ')
            *--e = '\0';
        cell[n++] = a;
        p = q;
    }
    return n;
}

static void unit_and_scaler_of_one_quantity(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/docs/REGISTERS.md", TRIMETER_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    int c_obis = -1, c_unit = -1, c_scaler = -1;
    size_t rows = 0, found = 0;
    bool *seen = calloc(objtab_count(), sizeof *seen);
    assert_non_null(seen);
    while (fgets(line, sizeof line, f) != NULL) {
        char *cell[MAX_COLS];
        line[strcspn(line, "\n")] = '\0';
        int n = cells_of(line, cell);
        if (n < 3)
            continue;
        if (c_unit < 0) {
            for (int k = 0; k < n; k++) {
                if (strcmp(cell[k], "OBIS") == 0)
                    c_obis = k;
                else if (strcmp(cell[k], "unit") == 0)
                    c_unit = k;
                else if (strcmp(cell[k], "scaler") == 0)
                    c_scaler = k;
            }
            continue;
        }
        if (c_obis < 0 || c_scaler < 0 || n <= c_scaler || cell[c_obis][0] == '-')
            continue;
        const struct obj_def *o = objtab_find_str(cell[c_obis]);
        if (o == NULL)
            fail_msg("%s: %s is not in the object table", path, cell[c_obis]);
        rows++;
        for (size_t i = 0; i < objtab_count(); i++) /* rows live in several segments */
            if (objtab_at(i) == o)
                seen[i] = true;
        if (strcmp(cell[c_unit], unit_text(o->unit)) != 0 || atoi(cell[c_scaler]) != o->scaler)
            fail_msg("%s: %s: unit \"%s\" scaler %s, the value is %s x 10^%d", path, cell[c_obis], cell[c_unit],
                     cell[c_scaler], unit_text(o->unit), o->scaler);
        if (unit_is_kilo(o->unit) && strstr(cell[c_unit], "k") == cell[c_unit])
            fail_msg("%s: %s shows a k-unit in the unit column", path, cell[c_obis]);
    }
    fclose(f);
    assert_true(c_unit >= 0 && c_scaler >= 0);
    for (size_t i = 0; i < objtab_count(); i++)
        found += seen[i];
    free(seen);
    assert_int_equal(rows, objtab_count());
    assert_int_equal(found, objtab_count());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unit_and_scaler_of_one_quantity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
