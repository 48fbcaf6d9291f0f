/*
 * axdr.h — A-XDR (IEC 61334-6) encoding of COSEM "Data" (IEC 62056-6-2):
 * the one codec of the project for DLMS values. The DLMS server, its
 * interface-class adapters (src/cosem), the HAN push and the HAN → MQTT
 * bridge all use it.
 *
 * Writer: a window over a virtual byte stream. Bytes at virtual positions
 * [skip, skip + cap) land in buf, everything else is only counted, so an
 * encoder can be run again from the start (or from a checkpoint) to
 * produce the next block of a long value without buffering it: DLMS block
 * transfer regenerates each block from the object table. Encoders never
 * fail on a short buffer; they go on counting and the caller checks
 * axdr_w_over().
 *
 * Reader: a pull parser over a byte range. axdr_get() returns one item at
 * a time (a scalar with its value, a string with a pointer into the input,
 * or the header of an array/structure whose elements follow); every read is
 * bounds-checked and sets r->err instead of reading past the end. Nothing
 * here allocates.
 */
#ifndef TRIMETER_AXDR_H
#define TRIMETER_AXDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Data type tags (the CHOICE of "Data"). */
enum axdr_tag {
    AXDR_NULL = 0,
    AXDR_ARRAY = 1,
    AXDR_STRUCT = 2,
    AXDR_BOOL = 3,
    AXDR_BITS = 4,      /* bit-string */
    AXDR_I32 = 5,       /* double-long */
    AXDR_U32 = 6,       /* double-long-unsigned */
    AXDR_OCTETS = 9,    /* octet-string */
    AXDR_VISIBLE = 10,  /* visible-string */
    AXDR_UTF8 = 12,     /* utf8-string */
    AXDR_BCD = 13,
    AXDR_I8 = 15,       /* integer */
    AXDR_I16 = 16,      /* long */
    AXDR_U8 = 17,       /* unsigned */
    AXDR_U16 = 18,      /* long-unsigned */
    AXDR_COMPACT = 19,  /* compact-array */
    AXDR_I64 = 20,      /* long64 */
    AXDR_U64 = 21,      /* long64-unsigned */
    AXDR_ENUM = 22,
    AXDR_F32 = 23,      /* float32 */
    AXDR_F64 = 24,      /* float64 */
    AXDR_DATETIME = 25, /* date-time, 12 bytes */
    AXDR_DATE = 26,     /* 5 bytes */
    AXDR_TIME = 27,     /* 4 bytes */
    AXDR_DONT_CARE = 255
};

/* Nesting the reader follows (arrays/structures in structures ...). */
#define AXDR_DEPTH_MAX 8u

/* ---- writer -------------------------------------------------------------- */

struct axdr_w {
    uint8_t *buf;
    uint32_t cap;  /* bytes of the window */
    uint32_t skip; /* virtual position of buf[0] */
    uint32_t pos;  /* virtual position of the next byte */
};

/* A plain writer: the window starts at virtual position 0. */
void axdr_w_init(struct axdr_w *w, uint8_t *buf, size_t cap);
/* A window [skip, skip + cap) of the virtual stream. */
void axdr_w_window(struct axdr_w *w, uint8_t *buf, size_t cap, uint32_t skip);
/* More was written than the window holds (bytes after it were dropped). */
bool axdr_w_over(const struct axdr_w *w);
/* Bytes stored in buf. */
size_t axdr_w_len(const struct axdr_w *w);

void axdr_put_raw(struct axdr_w *w, const void *p, size_t n);
void axdr_put_byte(struct axdr_w *w, uint8_t b);
/* Big-endian fixed width (1, 2, 4 or 8 bytes). */
void axdr_put_be(struct axdr_w *w, uint64_t v, unsigned bytes);
/* Length in the BER/A-XDR form: < 128 in one byte, else 0x8n + n bytes. */
void axdr_put_len(struct axdr_w *w, uint32_t n);

/* Tagged data. */
void axdr_put_null(struct axdr_w *w);
void axdr_put_bool(struct axdr_w *w, bool v);
/* Any integer type (I8..U64, ENUM): the value is cut to the type's width. */
void axdr_put_int(struct axdr_w *w, enum axdr_tag tag, int64_t v);
/* The smallest of U32 / U64 (unsigned) or I32 / I64 that holds v. */
void axdr_put_uint_fit(struct axdr_w *w, uint64_t v);
void axdr_put_sint_fit(struct axdr_w *w, int64_t v);
/* OCTETS, VISIBLE, UTF8, BCD: length + bytes. */
void axdr_put_string(struct axdr_w *w, enum axdr_tag tag, const void *p, size_t n);
/* DATETIME / DATE / TIME as a fixed-length octet-string (tag 9): the form
 * COSEM attributes use. */
void axdr_put_octets_fixed(struct axdr_w *w, const void *p, size_t n);
void axdr_put_bits(struct axdr_w *w, const uint8_t *bits, uint32_t nbits);
void axdr_put_array(struct axdr_w *w, uint32_t n);
void axdr_put_struct(struct axdr_w *w, uint32_t n);
void axdr_put_f32(struct axdr_w *w, float v);
void axdr_put_f64(struct axdr_w *w, double v);

/* ---- reader -------------------------------------------------------------- */

struct axdr_r {
    const uint8_t *p;
    size_t n;
    size_t pos;
    bool err; /* a read went past the end or met a malformed item */
};

/* One item. For ARRAY/STRUCT: n = element count (elements follow). For
 * strings (OCTETS, VISIBLE, UTF8, BCD): p/n = the bytes. BITS: p = bytes,
 * n = bits. DATETIME/DATE/TIME (tagged forms): p/n = 12/5/4 bytes.
 * COMPACT: p/n = the contents, desc/ndesc = the type description. Integers
 * and ENUM/BOOL: i (signed types) or u (unsigned types, BOOL, ENUM), and
 * both hold the value when it fits. F32/F64: f. */
struct axdr_item {
    uint8_t tag;
    uint32_t n;
    const uint8_t *p;
    const uint8_t *desc;
    uint32_t ndesc;
    int64_t i;
    uint64_t u;
    double f;
};

void axdr_r_init(struct axdr_r *r, const void *p, size_t n);
size_t axdr_r_left(const struct axdr_r *r);

uint8_t axdr_get_byte(struct axdr_r *r);
uint64_t axdr_get_be(struct axdr_r *r, unsigned bytes);
/* n raw bytes (pointer into the input), NULL and r->err if short. */
const uint8_t *axdr_get_raw(struct axdr_r *r, size_t n);
/* A BER/A-XDR length (at most 4 length bytes). */
uint32_t axdr_get_len(struct axdr_r *r);

/* The next tagged item. 0, or -1 with r->err set (unknown tag, short). */
int axdr_get(struct axdr_r *r, struct axdr_item *it);
/* Skip one whole tagged value, nested to at most depth levels. 0 or -1. */
int axdr_skip(struct axdr_r *r, unsigned depth);
/* Integer value of an item of any integer/enum/bool type; false otherwise. */
bool axdr_item_int(const struct axdr_item *it, int64_t *v);
/* Expect one tagged integer (any integer type) in [lo, hi]. */
int axdr_get_int(struct axdr_r *r, int64_t lo, int64_t hi, int64_t *v);
/* Expect a header of the given tag (ARRAY / STRUCT); returns the count. */
int axdr_get_head(struct axdr_r *r, enum axdr_tag tag, uint32_t *n);
/* Expect an octet-string (tag 9) of exactly n bytes (n = 0: any length,
 * *got set). Returns a pointer into the input or NULL (r->err set). */
const uint8_t *axdr_get_octets(struct axdr_r *r, uint32_t n, uint32_t *got);

/* Fixed size of a scalar type's value in bytes, 0 for variable/compound
 * types, -1 for an unknown tag. */
int axdr_fixed_size(uint8_t tag);

#endif
