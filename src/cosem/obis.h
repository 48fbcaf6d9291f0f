/*
 * obis.h — OBIS codes (IEC 62056-61): six value groups A-B:C.D.E*F.
 * Parsing accepts the full form and the short C.D.E form used on displays,
 * in IEC 62056-21 readouts and in the simulator's JSON.
 */
#ifndef TRIMETER_OBIS_H
#define TRIMETER_OBIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obis {
    uint8_t v[6]; /* A B C D E F */
};

#define OBIS(a, b, c, d, e, f) {{(a), (b), (c), (d), (e), (f)}}

/* Parse "1-0:1.8.0*255", "1-0:1.8.0", "1.8.0", "1.8.0*1" (F = billing
 * period: *1 = last). Short forms get A=1 (or 0 for abstract C=0/96),
 * B=0, F=255. Returns 0 or METER_EINVAL. */
int obis_parse(const char *s, struct obis *out);

/* "C.D.E" (the display/JSON key; "*F" appended when F != 255). */
int obis_format_short(const struct obis *o, char *buf, size_t n);
/* "A-B:C.D.E*F" */
int obis_format_full(const struct obis *o, char *buf, size_t n);

bool obis_equal(const struct obis *a, const struct obis *b);

#endif
