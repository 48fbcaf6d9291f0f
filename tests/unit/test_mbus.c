/* Wired M-Bus: the codec against libmbus's captured frames (vectors/mbus),
 * and the slave (link layer, addressing, selection, FCB, multi-telegram,
 * records vs the object table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "optical_util.h"
#include "proto/mbus/mbus.h"
#include "registers/clock.h"

/* The frames of vectors/mbus/ *.hex files (libmbus test/test-frames, BSD-3-Clause;
 * see ../shared/vectors/mbus.md), as captured. */
struct vec { const char *name, *hex; };
static const struct vec vecs[] = {
    {"kamstrup_382_005.hex",
     "68 46 46 68 08 78 72 20 91 83 14 2D 2C 01 02 04 00 00 00 04 06 00 00 00 00 04 22 09 00 00 00 04 "
     "2B 00 00 00 00 14 2B 00 00 00 00 84 50 06 00 00 00 00 84 60 06 00 00 00 00 0F 00 00 00 00 00 00 "
     "00 00 00 00 00 00 00 00 00 10 24 16"
    },
    {"kamstrup_multical_601.hex",
     "68 F7 F7 68 08 11 72 17 58 85 06 2D 2C 08 04 04 00 00 00 0C 78 17 58 85 06 04 06 E7 91 00 00 04 "
     "14 2C DB 00 00 04 22 D9 03 00 00 04 59 B9 27 00 00 04 5D 08 12 00 00 04 61 B1 15 00 00 04 2D 5B "
     "01 00 00 14 2D C0 01 00 00 04 3B 1F 02 00 00 14 3B 74 02 00 00 84 10 06 00 00 00 00 84 20 06 00 "
     "00 00 00 84 40 14 00 00 00 00 84 80 40 14 00 00 00 00 84 C0 40 06 00 00 00 00 04 6D 1A 2F 65 11 "
     "44 06 51 82 00 00 44 14 B2 C3 00 00 54 2D 26 02 00 00 54 3B 03 04 00 00 C4 10 06 00 00 00 00 C4 "
     "20 06 00 00 00 00 C4 40 14 00 00 00 00 C4 80 40 14 00 00 00 00 C4 C0 40 06 00 00 00 00 42 6C 5F "
     "1C 0F 00 00 00 00 E7 E4 00 00 63 66 00 00 00 00 00 00 00 00 00 00 00 00 00 00 5B C9 A5 02 34 53 "
     "00 00 E0 B2 03 00 89 9C 68 00 00 00 00 00 01 00 01 07 07 09 01 03 00 00 00 00 00 98 16"
    },
    {"abb_delta.hex",
     "68 98 98 68 08 01 72 12 34 56 78 42 04 02 02 45 00 00 00 0E 84 00 00 00 00 00 00 00 8E 10 84 00 "
     "00 00 00 00 00 00 8E 20 84 00 00 00 00 00 00 00 8E B0 00 84 00 00 00 00 00 00 00 8E 80 10 84 00 "
     "00 00 00 00 00 00 8E 80 40 84 00 00 00 00 00 00 00 8E 90 40 84 00 00 00 00 00 00 00 8E A0 40 84 "
     "00 00 00 00 00 00 00 8E B0 40 84 00 00 00 00 00 00 00 8E 80 50 84 00 00 00 00 00 00 00 01 FF 93 "
     "00 00 0C FF 92 00 00 00 00 01 07 FD 97 00 00 00 00 00 00 00 00 00 01 FF 98 00 00 1F 75 16"
    },
    {"eastron_sdm630.hex",
     "68 90 90 68 08 0A 72 78 65 34 21 24 40 01 02 55 00 00 00 0B FD 47 56 34 12 0B FD 47 56 34 12 0B "
     "FD 47 56 34 12 0B FD 47 56 34 12 0B FD 47 56 34 12 0B FD 47 56 34 12 0B FD 59 56 34 12 0B FD 59 "
     "56 34 12 0B FD 59 56 34 12 0B FD 59 56 34 12 0B 2A 56 34 12 0B 2A 56 34 12 0B 2A 56 34 12 0B 2A "
     "56 34 12 0B FD 3A 56 34 12 0B FD 3A 56 34 12 0B FD 3A 56 34 12 0B FD 3A 56 34 12 0A FD 3A 00 05 "
     "0A FD 3A 05 00 0A FD 3A 05 00 0A FD 3A 05 00 0A FD 3A 50 00 4D 16"
    },
};

static size_t vec_hex(const char *name, uint8_t *out, size_t cap)
{
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        if (strcmp(vecs[i].name, name) == 0) {
            assert_true(strlen(vecs[i].hex) / 3 + 1 <= cap);
            return hex(vecs[i].hex, out);
        }
    fail_msg("no vector %s", name);
    return 0;
}

static const char *const vec_frames[] = {"kamstrup_382_005.hex", "kamstrup_multical_601.hex", "abb_delta.hex",
                                         "eastron_sdm630.hex"};

static void vectors_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vec_frames / sizeof vec_frames[0]; i++) {
        uint8_t b[400];
        size_t n = vec_hex(vec_frames[i], b, sizeof b);
        assert_int_equal(mbus_frame_need(b, 1), MBUS_NEED_MORE);
        assert_int_equal(mbus_frame_need(b, n), n);
        struct mbus_frame f;
        assert_int_equal(mbus_frame_parse(b, n, &f), 0);
        assert_int_equal(f.kind, MBUS_F_LONG);
        assert_int_equal(f.c, MBUS_C_RSP_UD);
        assert_int_equal(f.ci, MBUS_CI_RSP_LONG);
        assert_int_equal(f.n, n - 9);
        /* every record up to the manufacturer data walks cleanly */
        size_t p = 12;
        int r;
        while (p < f.n && (r = mbus_rec_len(f.data + p, f.n - p)) > 0)
            p += (size_t)r;
        assert_true(p <= f.n);
        /* a changed data byte breaks the checksum, a changed stop byte the frame */
        b[10] ^= 0x01;
        assert_int_equal(mbus_frame_parse(b, n, &f), METER_ECORRUPT);
        b[10] ^= 0x01;
        b[n - 1] = 0x17;
        assert_int_equal(mbus_frame_parse(b, n, &f), METER_EINVAL);
        /* wrong length: one byte short or long */
        assert_int_equal(mbus_frame_parse(b, n - 1, &f), METER_EINVAL);
    }
}

static void vectors_identification(void **state)
{
    (void)state;
    uint8_t b[400];
    size_t n = vec_hex("kamstrup_382_005.hex", b, sizeof b);
    assert_int_equal(n, 76);
    uint16_t man;
    assert_int_equal(mbus_man_encode("KAM", &man), 0);
    assert_int_equal(man, 0x2C2D);
    assert_int_equal(b[11] | b[12] << 8, man);
    uint8_t id[4];
    mbus_bcd_id(14839120, id);
    assert_memory_equal(id, b + 7, 4);
    char s[4];
    n = vec_hex("abb_delta.hex", b, sizeof b);
    mbus_man_decode((uint16_t)(b[11] | b[12] << 8), s);
    assert_string_equal(s, "ABB");
    mbus_bcd_id(78563412, id);
    assert_memory_equal(id, b + 7, 4);
    n = vec_hex("eastron_sdm630.hex", b, sizeof b);
    mbus_man_decode((uint16_t)(b[11] | b[12] << 8), s);
    assert_string_equal(s, "PAD");
    assert_int_equal(mbus_man_encode("kam", &man), METER_EINVAL);
    assert_int_equal(mbus_man_encode("KAMS", &man), METER_EINVAL);
    assert_int_equal(mbus_man_encode("TRM", &man), 0);
    mbus_man_decode(man, s);
    assert_string_equal(s, "TRM");
}

/* The 382's records written by our record encoder: byte for byte. */
static void vectors_records(void **state)
{
    (void)state;
    uint8_t b[400], out[64];
    size_t n = vec_hex("kamstrup_382_005.hex", b, sizeof b);
    (void)n;
    struct mbus_rec r[] = {
        {.vif = 0x06, .dlen = 4, .value = 0},
        {.vif = 0x22, .dlen = 4, .value = 9},
        {.vif = 0x2B, .dlen = 4, .value = 0},
        {.func = 1, .vif = 0x2B, .dlen = 4, .value = 0},
        {.tariff = 1, .subunit = 1, .vif = 0x06, .dlen = 4, .value = 0},
        {.tariff = 2, .subunit = 1, .vif = 0x06, .dlen = 4, .value = 0},
    };
    size_t pos = 0;
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        assert_int_equal(mbus_rec_put(&r[i], out, &pos, sizeof out), 0);
    assert_int_equal(pos, 38);
    assert_memory_equal(out, b + 19, pos);
    /* storage number, tariff 4 (second DIFE), subunit 3, backward VIFE */
    struct mbus_rec x = {.storage = 3, .tariff = 4, .subunit = 3, .vif = 0x03, .vife = {0x3C}, .dlen = 2, .value = 0x1234};
    pos = 0;
    assert_int_equal(mbus_rec_put(&x, out, &pos, sizeof out), 0);
    const uint8_t want[] = {0xC2, 0xC1, 0x50, 0x83, 0x3C, 0x34, 0x12};
    assert_int_equal(pos, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(mbus_rec_len(out, pos), (int)pos);
    /* plain-text unit, reversed after the VIF */
    struct mbus_rec t = {.vif = 0x7C, .text = "varh", .dlen = 6, .value = 5}; /* (no VIFE) */
    pos = 0;
    assert_int_equal(mbus_rec_put(&t, out, &pos, sizeof out), 0);
    const uint8_t want_t[] = {0x06, 0x7C, 0x04, 'h', 'r', 'a', 'v', 5, 0, 0, 0, 0, 0};
    assert_memory_equal(out, want_t, sizeof want_t);
    assert_int_equal(mbus_rec_len(out, pos), (int)pos);
    /* no room: nothing written */
    pos = 60;
    assert_int_equal(mbus_rec_put(&t, out, &pos, sizeof out), METER_ENOSPC);
    assert_int_equal(pos, 60);
}

static void short_frames(void **state)
{
    (void)state;
    uint8_t b[8];
    struct mbus_frame f;
    assert_int_equal(hex("10 40 01 41 16", b), 5);
    assert_int_equal(mbus_frame_parse(b, 5, &f), 0);
    assert_int_equal(f.c, 0x40);
    assert_int_equal(f.a, 1);
    hex("10 7B 01 7C 16", b);
    assert_int_equal(mbus_frame_parse(b, 5, &f), 0);
    assert_int_equal(f.c, 0x7B);
    hex("10 40 FE 3E 16", b);
    assert_int_equal(mbus_frame_parse(b, 5, &f), 0);
    assert_int_equal(f.a, 0xFE);
    hex("10 40 FE 3F 16", b);
    assert_int_equal(mbus_frame_parse(b, 5, &f), METER_ECORRUPT);
    b[0] = 0xE5;
    assert_int_equal(mbus_frame_need(b, 1), 1);
    /* stray bytes and broken long headers are refused at once */
    b[0] = 0x00;
    assert_int_equal(mbus_frame_need(b, 1), 0);
    hex("68 05 06 68", b);
    assert_int_equal(mbus_frame_need(b, 3), 0);
    hex("68 02 02 68", b);
    assert_int_equal(mbus_frame_need(b, 2), 0);
    hex("68 05 05 67", b);
    assert_int_equal(mbus_frame_need(b, 4), 0);
}

static void secondary_match(void **state)
{
    (void)state;
    struct mbus_secaddr own = {{0x78, 0x56, 0x34, 0x12, 0x92, 0x52, 0x01, 0x02}};
    uint8_t sel[8] = {0x78, 0x56, 0x34, 0x12, 0x92, 0x52, 0x01, 0x02};
    assert_true(mbus_sec_match(sel, &own));
    uint8_t all[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_true(mbus_sec_match(all, &own));
    uint8_t first[8] = {0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF}; /* id 1xxxxxxx */
    assert_true(mbus_sec_match(first, &own));
    first[3] = 0x2F;
    assert_false(mbus_sec_match(first, &own));
    uint8_t nib[8] = {0x7F, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_true(mbus_sec_match(nib, &own));
    nib[1] = 0xF5;
    assert_false(mbus_sec_match(nib, &own));
    uint8_t man[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0x2D, 0x2C, 0xFF, 0xFF};
    assert_false(mbus_sec_match(man, &own));
    uint8_t half[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0x92, 0xFF, 0xFF, 0xFF}; /* no byte wildcard for half the code */
    assert_false(mbus_sec_match(half, &own));
    uint8_t med[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x07};
    assert_false(mbus_sec_match(med, &own));
    uint8_t ver[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0xFF};
    assert_false(mbus_sec_match(ver, &own));
}

/* ---- the slave ------------------------------------------------------------------------ */

struct mb {
    struct om *o;
    struct mbus_meter mm;
    struct mbus_sess s;
    uint8_t out[MBUS_FRAME_MAX];
};

/* Serve a frame; the answer copied into b->out. */
static size_t mb_serve(struct mb *b, const uint8_t *f, size_t n)
{
    const uint8_t *ans = NULL;
    size_t k = mbus_serve(&b->o->v.m, &b->mm, &b->s, f, n, &ans);
    assert_true(k <= sizeof b->out);
    if (k > 0) {
        assert_non_null(ans);
        memcpy(b->out, ans, k);
    }
    return k;
}

static struct mb *mb_new(void)
{
    struct mb *b = calloc(1, sizeof *b);
    b->o = om_new();
    b->o->v.m.serial = 12345678; /* the simulator's default */
    mbus_cfg_factory(&b->mm.cfg);
    mbus_sess_reset(&b->s);
    return b;
}

static void mb_free(struct mb *b)
{
    om_free(b->o);
    free(b);
}

static size_t mb_short(struct mb *b, uint8_t c, uint8_t a)
{
    uint8_t f[5] = {0x10, c, a, (uint8_t)(c + a), 0x16};
    return mb_serve(b, f, 5);
}

static size_t mb_long(struct mb *b, uint8_t c, uint8_t a, uint8_t ci, const uint8_t *d, size_t n)
{
    uint8_t f[MBUS_FRAME_MAX];
    int k = mbus_frame_long(c, a, ci, d, n, f, sizeof f);
    assert_true(k > 0);
    return mb_serve(b, f, (size_t)k);
}

/* An independent reading of one record (the subset this meter writes):
 * storage, tariff, subunit, function, the unit's decimal exponent, and the
 * value; kind names the quantity. */
struct dec {
    unsigned storage, tariff, subunit, func;
    int exp;
    bool backward;
    char kind[8]; /* "Wh" "W" "V" "A" "h" "datetime" "flags" "varh" "var" */
    int64_t value;
    size_t len;
};

static bool dec_rec(const uint8_t *p, size_t n, struct dec *d)
{
    memset(d, 0, sizeof *d);
    size_t k = 0;
    uint8_t dif = p[k++];
    static const uint8_t dl[8] = {0, 1, 2, 3, 4, 4, 6, 8};
    if ((dif & 0x0F) >= 8)
        return false;
    unsigned len = dl[dif & 7];
    d->func = (dif >> 4) & 3;
    d->storage = (dif >> 6) & 1;
    unsigned sh = 1, th = 0, uh = 0;
    uint8_t e = dif;
    while (e & 0x80) {
        e = p[k++];
        d->storage |= (e & 0x0Fu) << sh;
        d->tariff |= ((e >> 4) & 3u) << th;
        d->subunit |= ((e >> 6) & 1u) << uh;
        sh += 4;
        th += 2;
        uh += 1;
    }
    uint8_t vif = p[k++];
    uint8_t v7 = vif & 0x7F;
    if (v7 <= 0x07) {
        strcpy(d->kind, "Wh");
        d->exp = v7 - 3;
    } else if (v7 >= 0x28 && v7 <= 0x2F) {
        strcpy(d->kind, "W");
        d->exp = (v7 & 7) - 3;
    } else if (v7 == 0x22) {
        strcpy(d->kind, "h");
    } else if (v7 == 0x6D) {
        strcpy(d->kind, "datetime");
    } else if (v7 == 0x7C) {
        unsigned tl = p[k++];
        for (unsigned i = 0; i < tl && i < 7; i++)
            d->kind[i] = (char)p[k + tl - 1 - i];
        k += tl;
        /* a multiplicative correction VIFE 0x70+n: 10^(n-6) */
        if ((vif & 0x80) && (p[k] & 0x78) == 0x70)
            d->exp = (p[k] & 7) - 6;
    } else if (vif == 0xFD) {
        uint8_t x = p[k++];
        if ((x & 0x70) == 0x40) {
            strcpy(d->kind, "V");
            d->exp = (x & 0x0F) - 9;
        } else if ((x & 0x70) == 0x50) {
            strcpy(d->kind, "A");
            d->exp = (x & 0x0F) - 12;
        } else if ((x & 0x7F) == 0x17) {
            strcpy(d->kind, "flags");
        } else
            return false;
        vif = x;
    } else
        return false;
    while (vif & 0x80) {
        vif = p[k++];
        if ((vif & 0x7F) == 0x3C)
            d->backward = true;
    }
    int64_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (int64_t)p[k + i] << (8 * i);
    if (len < 8 && (v >> (8 * len - 1)) & 1)
        v -= (int64_t)1 << (8 * len);
    d->value = v;
    k += len;
    d->len = k;
    return k <= n;
}

static int64_t pow10s(int e)
{
    int64_t p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

/* The value of row `code` in unit 10^exp, truncated, via obj_read. */
static int64_t row_at(struct om *o, const char *code, int exp)
{
    const struct obj_def *d = objtab_find_str(code);
    assert_non_null(d);
    struct obj_value v;
    assert_int_equal(obj_read(&o->v.m, d, METER_ACC_PUBLIC, &v), 0);
    return obj_value_at_scaler(&v, (int8_t)exp);
}

/* Read the whole readout (all telegrams) and check each record against
 * the table. Returns the number of telegrams. */
static unsigned read_all(struct mb *b, unsigned *nrec, size_t *bytes)
{
    unsigned tel = 0, recs = 0;
    bool fcb = true;
    *bytes = 0;
    for (;;) {
        size_t n = mb_short(b, (uint8_t)(0x5B | (fcb ? 0x20 : 0)), 1);
        fcb = !fcb;
        assert_true(n > 9);
        *bytes += n;
        struct mbus_frame f;
        assert_int_equal(mbus_frame_parse(b->out, n, &f), 0);
        assert_int_equal(f.a, 1);
        tel++;
        size_t p = 12;
        bool more = false;
        while (p < f.n) {
            if (f.data[p] == 0x1F) {
                more = true;
                assert_int_equal(p + 1, f.n);
                break;
            }
            struct dec d;
            assert_true(dec_rec(f.data + p, f.n - p, &d));
            p += d.len;
            recs++;
            if (d.storage != 0 || d.func != 0)
                continue;
            if (strcmp(d.kind, "Wh") == 0) {
                char code[16];
                snprintf(code, sizeof code, "%d.8.%u", d.backward ? 2 : 1, d.tariff);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "V") == 0) {
                char code[16];
                snprintf(code, sizeof code, "%u.7.0", 12 + 20 * d.subunit);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "A") == 0) {
                char code[16];
                snprintf(code, sizeof code, "%u.7.0", 11 + 20 * d.subunit);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "W") == 0) {
                char code[16];
                unsigned c = (d.backward ? 2u : 1u) + (d.subunit ? 20u * d.subunit : 0u);
                snprintf(code, sizeof code, "%u.7.0", c);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "varh") == 0) {
                char code[16];
                snprintf(code, sizeof code, "%d.8.%u", d.backward ? 4 : 3, d.tariff);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "var") == 0) {
                char code[16];
                snprintf(code, sizeof code, "%d.7.0", d.backward ? 4 : 3);
                assert_int_equal(d.value, row_at(b->o, code, d.exp));
            } else if (strcmp(d.kind, "h") == 0) {
                assert_int_equal(d.value, row_at(b->o, "0-0:96.8.0", 0));
            }
        }
        if (!more)
            break;
        assert_true(tel < 5);
    }
    *nrec = recs;
    return tel;
}

static void slave_readout(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    om_load(b->o, 3600, 2000000); /* 3 x 7.2 kW for an hour */
    assert_int_equal(mb_short(b, 0x40, 1), 1);
    assert_int_equal(b->out[0], MBUS_ACK);
    unsigned nrec;
    size_t bytes;
    unsigned tel = read_all(b, &nrec, &bytes);
    assert_int_equal(tel, 2); /* multi-telegram */
    assert_true(nrec > 30);
    /* header: serial 12345678 BCD, TRM, version, electricity */
    struct mbus_frame f;
    mb_short(b, 0x40, 1);
    size_t n = mb_short(b, 0x7B, 1);
    assert_int_equal(mbus_frame_parse(b->out, n, &f), 0);
    const uint8_t hdr[] = {0x78, 0x56, 0x34, 0x12, 0x4D, 0x52, MBUS_VERSION_TRM, 0x02};
    assert_memory_equal(f.data, hdr, 8);
    /* A+ is the first record: 3 x 2 Wh/s x 3600 s = 21.6 kWh */
    struct dec d;
    assert_true(dec_rec(f.data + 12, f.n - 12, &d));
    assert_string_equal(d.kind, "Wh");
    assert_int_equal(d.value * pow10s(d.exp), 21600);
    mb_free(b);
}

static void slave_fcb_repeat(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    uint8_t first[MBUS_FRAME_MAX];
    size_t n = mb_short(b, 0x7B, 1);
    assert_true(n > 9);
    memcpy(first, b->out, n);
    uint8_t acc = b->out[15];
    om_load(b->o, 10, 1000); /* values change meanwhile */
    /* same FCB: the answer was lost, the same telegram comes again */
    assert_int_equal(mb_short(b, 0x7B, 1), n);
    assert_memory_equal(b->out, first, n);
    /* toggled: the next one (second telegram), a new access number */
    size_t n2 = mb_short(b, 0x5B, 1);
    assert_true(n2 > 9);
    assert_int_equal(b->out[15], (uint8_t)(acc + 1));
    assert_true(n2 != n || memcmp(b->out, first, n) != 0);
    /* past the last telegram the readout starts over with fresh values */
    size_t n3 = mb_short(b, 0x7B, 1);
    assert_int_equal(n3, n);
    assert_true(memcmp(b->out, first, n) != 0);
    /* SND_NKE: the FCB state is forgotten, the same FCB gives a new telegram */
    assert_int_equal(mb_short(b, 0x40, 1), 1);
    uint8_t a2 = b->out[0];
    (void)a2;
    size_t n4 = mb_short(b, 0x7B, 1);
    assert_int_equal(n4, n);
    assert_int_equal(b->out[15], (uint8_t)(acc + 3));
    mb_free(b);
}

static void slave_addressing(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    assert_int_equal(mb_short(b, 0x40, 2), 0);   /* another meter */
    assert_int_equal(mb_short(b, 0x5B, 2), 0);
    assert_int_equal(mb_short(b, 0x40, 255), 0); /* broadcast: acts, no answer */
    assert_int_equal(mb_short(b, 0x5B, 255), 0);
    assert_int_equal(mb_short(b, 0x40, 254), 1); /* test address */
    assert_true(mb_short(b, 0x5B, 254) > 9);
    assert_int_equal(b->out[5], 1);              /* answers with its own address */
    assert_int_equal(mb_short(b, 0x5B, 253), 0); /* not selected */
    /* slave-to-master frames (PRM clear) and ACKs are ignored */
    assert_int_equal(mb_short(b, 0x08, 1), 0);
    uint8_t e5 = 0xE5;
    assert_int_equal(mb_serve(b, &e5, 1), 0);
    /* bad checksum */
    uint8_t bad[5] = {0x10, 0x5B, 0x01, 0x5D, 0x16};
    assert_int_equal(mb_serve(b, bad, 5), 0);
    /* a long frame for another address */
    assert_int_equal(mb_long(b, 0x53, 7, MBUS_CI_APP_RESET, NULL, 0), 0);
    assert_int_equal(mb_long(b, 0x53, 1, MBUS_CI_APP_RESET, NULL, 0), 1);
    /* unknown CI: silence */
    assert_int_equal(mb_long(b, 0x53, 1, 0x99, (const uint8_t *)"\x01", 1), 0);
    mb_free(b);
}

static void slave_secondary(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    const uint8_t wild[8] = {0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(mb_long(b, 0x53, 253, MBUS_CI_SELECT, wild, 8), 1);
    assert_true(b->s.selected);
    size_t n = mb_short(b, 0x7B, 253);
    assert_true(n > 9);
    const uint8_t other[8] = {0xFF, 0xFF, 0xFF, 0x2F, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(mb_long(b, 0x53, 253, MBUS_CI_SELECT, other, 8), 0);
    assert_false(b->s.selected); /* a selection of someone else deselects */
    assert_int_equal(mb_short(b, 0x5B, 253), 0);
    const uint8_t exact[8] = {0x78, 0x56, 0x34, 0x12, 0x4D, 0x52, 0x01, 0x02};
    assert_int_equal(mb_long(b, 0x53, 253, MBUS_CI_SELECT, exact, 8), 1);
    assert_int_equal(mb_short(b, 0x40, 253), 1); /* SND_NKE to 253 ends it */
    assert_false(b->s.selected);
    assert_int_equal(mb_long(b, 0x53, 253, MBUS_CI_SELECT, exact, 7), 0); /* short selection */
    /* KAM layout: the 382's id */
    b->mm.cfg.layout = MBUS_LAYOUT_KAM;
    const uint8_t kam[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0x2D, 0x2C, 0xFF, 0x02};
    assert_int_equal(mb_long(b, 0x53, 253, MBUS_CI_SELECT, kam, 8), 1);
    mb_free(b);
}

static void slave_baud_and_address(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    assert_int_equal(mb_long(b, 0x53, 1, 0xBD, NULL, 0), 1);
    assert_int_equal(b->s.baud_req, 9600);
    assert_int_equal(mb_long(b, 0x53, 1, 0xB8, NULL, 0), 1);
    assert_int_equal(b->s.baud_req, 300);
    b->s.baud_req = 0;
    assert_int_equal(mb_long(b, 0x53, 1, 0xBE, NULL, 0), 0); /* 19200: not offered */
    assert_int_equal(b->s.baud_req, 0);
    /* unknown data records: refused */
    const uint8_t junk[] = {0x01, 0x7B, 0x05};
    assert_int_equal(mb_long(b, 0x53, 1, MBUS_CI_DATA_SEND, junk, 3), 0);
    const uint8_t far[] = {0x01, 0x7A, 251};
    assert_int_equal(mb_long(b, 0x53, 1, MBUS_CI_DATA_SEND, far, 3), 0);
    mb_free(b);
}

static void kam_layout(void **state)
{
    (void)state;
    struct mb *b = mb_new();
    b->mm.cfg.layout = MBUS_LAYOUT_KAM;
    om_load(b->o, 3600, 2000000);
    size_t n = mb_short(b, 0x7B, 1);
    struct mbus_frame f;
    assert_int_equal(mbus_frame_parse(b->out, n, &f), 0);
    uint8_t v[400];
    size_t vn = vec_hex("kamstrup_382_005.hex", v, sizeof v);
    (void)vn;
    /* same manufacturer, version, medium; same DIF/VIF set as the 382 */
    assert_memory_equal(f.data + 4, v + 11, 4);
    size_t p = 12;
    unsigned seen = 0;
    while (p < f.n) {
        struct dec d;
        assert_true(dec_rec(f.data + p, f.n - p, &d));
        bool found = false;
        for (size_t q = 19; q < 57;) {
            int l = mbus_rec_len(v + q, 57 - q);
            assert_true(l > 0);
            if ((size_t)l == d.len && memcmp(v + q, f.data + p, d.len - 4) == 0)
                found = true;
            q += (size_t)l;
        }
        assert_true(found);
        p += d.len;
        seen++;
    }
    assert_int_equal(seen, 6);
    mb_free(b);
}

static void config_values(void **state)
{
    (void)state;
    struct mbus_cfg c;
    mbus_cfg_factory(&c);
    assert_true(mbus_cfg_valid(&c));
    struct obj_value v;
    memset(&v, 0, sizeof v);
    v.type = OBJ_T_UINT;
    v.i = 251;
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_PRIMARY, &v), METER_ERANGE);
    v.i = 250;
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_PRIMARY, &v), 0);
    v.i = 19200;
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_BAUD, &v), METER_ERANGE);
    v.i = 300;
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_BAUD, &v), 0);
    struct obj_value t;
    memset(&t, 0, sizeof t);
    t.type = OBJ_T_STRING;
    t.len = 3;
    memcpy(t.s, "ABB", 3);
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_MANUFACTURER, &t), METER_ERANGE);
    memcpy(t.s, "KAM", 3);
    assert_int_equal(mbus_cfg_set(&c, MBUS_CFG_MANUFACTURER, &t), 0);
    assert_int_equal(mbus_cfg_get(&c, MBUS_CFG_MANUFACTURER, &v), 0);
    assert_memory_equal(v.s, "KAM", 3);
    assert_true(mbus_cfg_valid(&c));
    assert_int_equal(c.primary, 250);
    assert_int_equal(c.baud, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vectors_frames),        cmocka_unit_test(vectors_identification),
        cmocka_unit_test(vectors_records),       cmocka_unit_test(short_frames),
        cmocka_unit_test(secondary_match),       cmocka_unit_test(slave_readout),
        cmocka_unit_test(slave_fcb_repeat),      cmocka_unit_test(slave_addressing),
        cmocka_unit_test(slave_secondary),       cmocka_unit_test(slave_baud_and_address),
        cmocka_unit_test(kam_layout),            cmocka_unit_test(config_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
