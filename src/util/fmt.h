/*
 * fmt.h — tiny text formatting for the core (no printf on the target: it
 * would cost more flash than the rest of the firmware's text output).
 * All functions write a NUL-terminated string and return its length, or
 * METER_ENOSPC when it does not fit (buf then holds "").
 */
#ifndef TRIMETER_FMT_H
#define TRIMETER_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Append-style builder over a fixed buffer. */
struct fmt_buf {
    char *p;
    size_t n;    /* capacity including the NUL */
    size_t len;
    int err;     /* METER_ENOSPC once anything did not fit */
};

void fmt_init(struct fmt_buf *f, char *buf, size_t n);
void fmt_str(struct fmt_buf *f, const char *s);
void fmt_char(struct fmt_buf *f, char c);
/* Unsigned decimal, zero-padded to at least width digits. */
void fmt_uint(struct fmt_buf *f, uint64_t v, unsigned width);
void fmt_int(struct fmt_buf *f, int64_t v);
/* v * 10^scaler printed with exactly `decimals` decimals, truncated toward
 * zero (meters never round a register up). */
void fmt_fixed(struct fmt_buf *f, int64_t v, int scaler, unsigned decimals);
/* Finish: returns length or METER_ENOSPC. */
int fmt_end(struct fmt_buf *f);

/* "hh:mm" <-> minutes of the day (time windows and programs). The parser
 * accepts 00:00..24:00, reports the characters used (5) and returns 0 or
 * METER_EINVAL. */
void fmt_hhmm(struct fmt_buf *f, unsigned minutes);
int fmt_parse_hhmm(const char *s, size_t len, size_t *used, uint16_t *minutes);

#endif
