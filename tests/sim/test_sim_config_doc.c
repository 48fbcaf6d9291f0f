/* docs/SCENARIOS.md lists exactly the configuration keys the object table
 * has (objtab_find_key), so the scenario documentation cannot go stale.
 * Refresh the table with tests/sim/update_config_doc.sh build/trimeter-sim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"

static char *read_doc(void)
{
    FILE *f = fopen(TRIMETER_SOURCE_DIR "/docs/SCENARIOS.md", "rb");
    assert_non_null(f);
    static char buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void doc_lists_every_key(void **state)
{
    (void)state;
    char *doc = read_doc();
    char *b = strstr(doc, "<!-- config-keys:begin -->");
    char *e = strstr(doc, "<!-- config-keys:end -->");
    assert_non_null(b);
    assert_non_null(e);
    *e = '\0';
    int stale = 0;
    unsigned listed = 0;
    /* every documented key exists */
    for (char *p = strstr(b, "\n| `"); p != NULL; p = strstr(p + 1, "\n| `")) {
        char key[64];
        if (sscanf(p, "\n| `%63[^`]`", key) != 1)
            continue;
        listed++;
        if (objtab_find_key(key) == NULL) {
            printf("docs/SCENARIOS.md lists \"%s\", which the object table does not have\n", key);
            stale++;
        }
    }
    /* every key of the table is documented */
    unsigned keys = 0;
    for (size_t k = 0; k < objtab_count(); k++) {
        const struct obj_def *o = objtab_at(k);
        if (o->key == NULL)
            continue;
        keys++;
        char needle[80];
        snprintf(needle, sizeof needle, "\n| `%s` |", o->key);
        if (strstr(b, needle) == NULL) {
            printf("object table key \"%s\" is missing in docs/SCENARIOS.md\n", o->key);
            stale++;
        }
    }
    if (stale)
        fail_msg("%d stale entries: run tests/sim/update_config_doc.sh build/trimeter-sim", stale);
    assert_int_equal(listed, keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(doc_lists_every_key)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
