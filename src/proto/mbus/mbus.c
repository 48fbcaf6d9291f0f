/*
 * mbus.c — the M-Bus slave: link-layer state and the RSP_UD telegram built
 * from the object table.
 */
#include "proto/mbus/mbus.h"

#include <string.h>

#include "cosem/objtab.h"
#include "registers/clock.h"
#include "trimeter/meter.h"

/* Records per row at most (value, stored value or time of a maximum). */
#define MBUS_ROW_RECS 2u

void mbus_cfg_factory(struct mbus_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->primary = MBUS_FACTORY_PRIMARY;
    c->layout = MBUS_LAYOUT_TRM;
    c->baud = MBUS_FACTORY_BAUD;
}

static bool mbus_baud_ok(uint32_t b)
{
    return b == 300 || b == 600 || b == 1200 || b == 2400 || b == 4800 || b == 9600;
}

bool mbus_cfg_valid(const struct mbus_cfg *c)
{
    return c->primary <= MBUS_ADDR_MAX_PRIMARY && c->layout <= MBUS_LAYOUT_KAM && mbus_baud_ok(c->baud);
}

int mbus_cfg_get(const struct mbus_cfg *c, unsigned field, struct obj_value *v)
{
    switch (field) {
    case MBUS_CFG_PRIMARY:
    case MBUS_CFG_BAUD:
        v->type = OBJ_T_UINT;
        v->scaler = 0;
        v->i = field == MBUS_CFG_PRIMARY ? c->primary : c->baud;
        return METER_OK;
    case MBUS_CFG_MANUFACTURER:
        v->type = OBJ_T_STRING;
        memcpy(v->s, c->layout == MBUS_LAYOUT_KAM ? "KAM" : "TRM", 3);
        v->len = 3;
        return METER_OK;
    default:
        return METER_ENOENT;
    }
}

int mbus_cfg_set(struct mbus_cfg *c, unsigned field, const struct obj_value *in)
{
    switch (field) {
    case MBUS_CFG_PRIMARY:
        if (in->type != OBJ_T_UINT && in->type != OBJ_T_INT)
            return METER_EINVAL;
        if (in->i < 0 || in->i > MBUS_ADDR_MAX_PRIMARY)
            return METER_ERANGE;
        c->primary = (uint8_t)in->i;
        return METER_OK;
    case MBUS_CFG_BAUD:
        if (in->type != OBJ_T_UINT && in->type != OBJ_T_INT)
            return METER_EINVAL;
        if (in->i < 0 || in->i > 9600 || !mbus_baud_ok((uint32_t)in->i))
            return METER_ERANGE;
        c->baud = (uint16_t)in->i;
        return METER_OK;
    case MBUS_CFG_MANUFACTURER:
        if (in->type != OBJ_T_STRING || in->len != 3)
            return METER_EINVAL;
        if (memcmp(in->s, "TRM", 3) == 0)
            c->layout = MBUS_LAYOUT_TRM;
        else if (memcmp(in->s, "KAM", 3) == 0)
            c->layout = MBUS_LAYOUT_KAM;
        else
            return METER_ERANGE;
        return METER_OK;
    default:
        return METER_ENOENT;
    }
}

void mbus_sess_reset(struct mbus_sess *s)
{
    memset(s, 0, sizeof *s);
}

void mbus_own_secaddr(const struct meter *m, const struct mbus_cfg *c, struct mbus_secaddr *out)
{
    uint16_t man = 0;
    (void)mbus_man_encode(c->layout == MBUS_LAYOUT_KAM ? "KAM" : "TRM", &man);
    mbus_bcd_id(m->serial % 100000000u, out->b);
    out->b[4] = (uint8_t)man;
    out->b[5] = (uint8_t)(man >> 8);
    out->b[6] = MBUS_VERSION_TRM; /* the 382 (6850-005) sends version 1 too */
    out->b[7] = MBUS_MEDIUM_ELECTRICITY;
}

/* ---- records from rows ------------------------------------------------------------ */

/* The row's value at scaler `want`, clamped into what the VIF range holds. */
static int8_t mbus_clamp(int8_t s, int8_t lo, int8_t hi)
{
    return s < lo ? lo : s > hi ? hi : s;
}

/* Phase (1..3) of an OBIS C of the per-phase blocks (21..40 L1, 41..60 L2,
 * 61..80 L3), 0 for totals. */
static uint8_t mbus_phase(uint8_t c)
{
    return (uint8_t)(c >= 21 && c <= 80 ? (c - 1) / 20 : 0);
}

/* Quantity of a direction pair (A-, R-, P-, Q-: "backward flow" VIFE 0x3C). */
static bool mbus_backward(uint8_t c)
{
    unsigned q = c > 20 ? (unsigned)(c - 1) % 20u + 1u : c;
    return q == 2 || q == 4;
}

/* No reactive VIF in EN 13757-3: a plain-text unit with the decimal
 * exponent as the multiplicative correction VIFE 0x70+n (10^(n-6)). */
static void mbus_plain(struct mbus_rec *r, const struct obj_value *v, const char *unit)
{
    int8_t s = mbus_clamp(v->scaler, -6, 1);
    r->vif = 0x7C;
    r->text = unit;
    r->vife[0] = (uint8_t)(0x70 + s + 6);
    r->value = obj_value_at_scaler(v, s);
}

/* Record j of a row (j < MBUS_ROW_RECS) in a set: 1 = r filled, 0 = none. */
static int mbus_row_rec(const struct meter *m, enum mbus_set set, const struct obj_def *o, unsigned j,
                        struct mbus_rec *r)
{
    struct obj_value v;
    const uint8_t *ln = o->ln.v;
    bool kam = set == MBUS_SET_KAM;
    memset(r, 0, sizeof *r);
    r->dlen = 4;
    /* Energy: current value, and in the wired TRM layout the value at the
     * end of the last billing period as storage number 1. */
    if (o->unit == UNIT_WH || o->unit == UNIT_VARH) {
        if (j > 1 || (j == 1 && (set != MBUS_SET_TRM || ln[4] != 0)))
            return 0;
        if ((j == 0 ? obj_read(m, o, METER_ACC_PUBLIC, &v) : obj_read_at(m, o, 1, METER_ACC_PUBLIC, &v)) < 0)
            return 0;
        r->storage = (uint8_t)j;
        r->tariff = ln[4] <= 4 ? ln[4] : 0;
        if (kam) {
            r->subunit = r->tariff != 0 ? 1 : 0; /* as the 382 sends its tariff registers */
            r->vif = 0x06;                       /* kWh */
            r->value = obj_value_at_scaler(&v, 3);
            return 1;
        }
        if (set == MBUS_SET_OMNI) {
            r->vif = 0x04; /* 10 Wh, as OMNIPOWER sends */
            r->value = obj_value_at_scaler(&v, 1);
        } else if (o->unit == UNIT_WH) {
            int8_t s = mbus_clamp(v.scaler, -3, 4);
            r->vif = (uint8_t)(0x00 + s + 3);
            r->value = obj_value_at_scaler(&v, s);
        } else {
            mbus_plain(r, &v, "varh");
        }
        if (mbus_backward(ln[2]))
            r->vife[r->vife[0] != 0 ? 1 : 0] = 0x3C;
        return 1;
    }
    if (j > 1 || obj_read(m, o, METER_ACC_PUBLIC, &v) < 0)
        return 0;
    if (o->ic == IC_EXT_REGISTER) {
        /* Maximum demand (function field "maximum") and, TRM, its time. */
        r->func = 1;
        if (j == 0) {
            int8_t s = set != MBUS_SET_TRM && set != MBUS_SET_RADIO ? 0 : mbus_clamp(v.scaler, -3, 4);
            r->vif = (uint8_t)(0x28 + s + 3);
            r->value = obj_value_at_scaler(&v, s);
            return 1;
        }
        if (set != MBUS_SET_TRM || v.capture == 0)
            return 0;
        r->vif = 0x6D;
        r->value = mbus_type_f(clock_civil_of(m, v.capture, true)); /* peak stamps in standard time, as IEC and KMP */
        return 1;
    }
    if (j != 0)
        return 0;
    r->subunit = mbus_phase(ln[2]);
    if (r->subunit > 3)
        return 0;
    switch (o->unit) {
    case UNIT_W: {
        int8_t s = kam || set == MBUS_SET_OMNI ? 0 : mbus_clamp(v.scaler, -3, 4);
        r->vif = (uint8_t)(0x28 + s + 3);
        r->value = obj_value_at_scaler(&v, s);
        break;
    }
    case UNIT_VAR:
        mbus_plain(r, &v, "var");
        break;
    case UNIT_V: {
        int8_t s = mbus_clamp(v.scaler, -9, 6);
        r->vif = 0xFD;
        r->vife[0] = (uint8_t)(0x40 + s + 9);
        r->value = obj_value_at_scaler(&v, s);
        return 1; /* the phase is the subunit; no direction */
    }
    case UNIT_A: {
        int8_t s = mbus_clamp(v.scaler, -12, 3);
        r->vif = 0xFD;
        r->vife[0] = (uint8_t)(0x50 + s + 12);
        r->value = obj_value_at_scaler(&v, s);
        return 1;
    }
    case UNIT_HOUR:
        r->vif = 0x22; /* on time, hours */
        r->value = obj_value_at_scaler(&v, 0);
        return 1;
    default:
        if (o->ic == IC_CLOCK) {
            r->vif = 0x6D; /* type F, local time */
            r->value = mbus_type_f(clock_civil_of(m, v.i, false));
            return 1;
        }
        if (v.type == OBJ_T_UINT || v.type == OBJ_T_INT) {
            r->vif = 0xFD;
            r->vife[0] = 0x17; /* error flags (status register) */
            r->value = v.i;
            return 1;
        }
        return 0;
    }
    if (mbus_backward(ln[2]))
        r->vife[r->vife[0] != 0 ? 1 : 0] = 0x3C;
    return 1;
}

/* EN 13757-3 status byte from the meter's status bits: application error
 * and permanent error for a failed store or self-test, temporary error for
 * repaired corruption or a lost clock. */
static uint8_t mbus_status(const struct meter *m)
{
    uint8_t st = 0;
    if (m->status & (METER_ST_NVM_FAIL | METER_ST_SELFTEST_FAIL))
        st |= 0x02u | 0x08u;
    if (m->status & (METER_ST_NVM_CORRUPT | METER_ST_CLOCK_INVALID))
        st |= 0x10u;
    return st;
}

unsigned mbus_records(const struct meter *m, enum mbus_set set, unsigned first, uint8_t *out, size_t *pos,
                      size_t cap)
{
    unsigned idx = 0;
    for (size_t i = 0, nrows = objtab_count(); i < nrows; i++) {
        const struct obj_def *o = objtab_at(i);
        if ((o->mbus & (1u << set)) == 0)
            continue;
        for (unsigned j = 0; j < MBUS_ROW_RECS; j++) {
            struct mbus_rec r;
            if (mbus_row_rec(m, set, o, j, &r) != 1)
                continue;
            if (idx++ < first || out == NULL)
                continue;
            if (mbus_rec_put(&r, out, pos, cap) != METER_OK && idx - 1 != first)
                return idx - 1; /* (a record that fits no telegram is left out, not looped on) */
        }
    }
    return idx;
}

size_t mbus_rsp_data(const struct meter *m, const struct mbus_cfg *c, uint8_t access, unsigned first,
                     unsigned *next, uint8_t *out, size_t cap)
{
    struct mbus_secaddr own;
    size_t pos = 12;
    *next = 0;
    if (cap < 13)
        return 0;
    mbus_own_secaddr(m, c, &own);
    memcpy(out, own.b, 8);
    out[8] = access;
    out[9] = mbus_status(m);
    out[10] = out[11] = 0; /* signature: no encryption */
    /* One byte stays free for DIF 0x1F ("more records follow"). */
    enum mbus_set set = c->layout == MBUS_LAYOUT_KAM ? MBUS_SET_KAM : MBUS_SET_TRM;
    unsigned end = mbus_records(m, set, first, out, &pos, cap - 1);
    if (end < mbus_records(m, set, 0, NULL, NULL, 0)) {
        out[pos++] = 0x1F;
        *next = end;
    }
    return pos;
}

/* ---- link layer ---------------------------------------------------------------------- */

static const uint8_t mbus_ack_byte = MBUS_ACK;

static size_t mbus_ack(const uint8_t **out)
{
    *out = &mbus_ack_byte;
    return 1;
}

/* A new RSP_UD (next part of a multi-telegram readout), kept for a repeat. */
static size_t mbus_rsp_new(const struct meter *m, const struct mbus_cfg *c, struct mbus_sess *s)
{
    unsigned next = 0;
    uint8_t *d = s->last + 7;
    s->access++;
    size_t n = mbus_rsp_data(m, c, s->access, s->next, &next, d, MBUS_DATA_MAX);
    int k = mbus_frame_long(MBUS_C_RSP_UD, c->primary, MBUS_CI_RSP_LONG, d, n, s->last, sizeof s->last);
    s->last_first = s->next;
    s->next = (uint8_t)next;
    s->last_len = k > 0 ? (uint16_t)k : 0;
    return s->last_len;
}

/* SND_UD with CI 0x51: the records this slave takes (primary address,
 * DIF 0x01 VIF 0x7A). All or nothing: anything else is refused (no ACK). */
static bool mbus_data_send(struct meter *m, struct mbus_meter *mm, const uint8_t *p, size_t n)
{
    struct mbus_cfg *c = &mm->cfg;
    if (n == 3 && p[0] == 0x01 && p[1] == 0x7A) {
        const struct obj_def *o = objtab_find_key("mbus_primary_address");
        struct obj_value v;
        if (p[2] > MBUS_ADDR_MAX_PRIMARY || o == NULL)
            return false;
        if (p[2] == c->primary)
            return true; /* nothing to change: no write */
        if (mm->addr_writes >= MBUS_ADDR_WRITES_MAX)
            return false; /* bounded EEPROM writes: refused until the next power-up */
        mm->addr_writes++;
        memset(&v, 0, sizeof v);
        v.type = OBJ_T_UINT;
        v.i = p[2];
        /* The M-Bus master may set the address (as the standard lets it);
         * audited through obj_write like every other change. */
        return obj_write(m, o, METER_ACC_MANAGER, &v, METER_SRC_MBUS) == METER_OK && c->primary == p[2];
    }
    return false;
}

size_t mbus_serve(struct meter *m, struct mbus_meter *mm, struct mbus_sess *s, const uint8_t *frame, size_t n,
                  const uint8_t **out)
{
    struct mbus_cfg *c = &mm->cfg;
    struct mbus_frame f;
    *out = NULL;
    if (mbus_frame_parse(frame, n, &f) != METER_OK || f.kind == MBUS_F_ACK)
        return 0;
    /* Only master-to-slave frames (bit 6 PRM set). */
    if ((f.c & 0x40u) == 0)
        return 0;
    bool bcast = f.a == MBUS_ADDR_BROADCAST;
    bool sel = f.kind == MBUS_F_LONG && (f.c & 0x4Fu) == 0x43u && f.ci == MBUS_CI_SELECT &&
               (f.a == MBUS_ADDR_SECONDARY || bcast);
    bool ours = f.a == c->primary || f.a == MBUS_ADDR_TEST || bcast || (f.a == MBUS_ADDR_SECONDARY && s->selected);
    if (!ours && !sel)
        return 0;
    size_t ans = 0;
    unsigned fn = f.c & 0x4Fu;
    if (f.kind == MBUS_F_SHORT) {
        if (fn == MBUS_C_SND_NKE) {
            s->fcb_valid = false;
            s->next = 0;
            if (f.a == MBUS_ADDR_SECONDARY)
                s->selected = false; /* SND_NKE to 253 ends the selection */
            ans = mbus_ack(out);
        } else if (fn == (MBUS_C_REQ_UD2 & 0x4Fu) && !bcast) { /* nobody may answer a broadcast */
            bool fcv = (f.c & MBUS_C_FCV) != 0, fcb = (f.c & MBUS_C_FCB) != 0;
            if (fcv && s->fcb_valid && s->fcb == fcb && s->last_len > 0) {
                /* The master did not get the last answer: the same telegram. */
                ans = s->last_len;
            } else {
                if (fcv) {
                    s->fcb_valid = true;
                    s->fcb = fcb;
                }
                ans = mbus_rsp_new(m, c, s);
            }
            *out = s->last;
        } else if (fn == (MBUS_C_REQ_UD1 & 0x4Fu)) {
            ans = mbus_ack(out); /* no class 1 (alarm) data */
        }
    } else if (f.kind == MBUS_F_LONG && fn == (MBUS_C_SND_UD & 0x4Fu)) {
        if (f.ci == MBUS_CI_SELECT) {
            struct mbus_secaddr own;
            mbus_own_secaddr(m, c, &own);
            s->selected = f.n >= 8 && mbus_sec_match(f.data, &own);
            ans = s->selected ? mbus_ack(out) : 0;
        } else if (f.ci == MBUS_CI_APP_RESET) {
            s->next = 0; /* application reset / select: the readout starts over */
            ans = mbus_ack(out);
        } else if (f.ci == MBUS_CI_DATA_SEND) {
            uint8_t before = c->primary;
            ans = mbus_data_send(m, mm, f.data, f.n) ? mbus_ack(out) : 0;
            if (c->primary != before) {
                /* the kept telegram carries the old address: never repeat it */
                s->last_len = 0;
                s->fcb_valid = false;
            }
        }
    } else if (f.kind == MBUS_F_CONTROL && fn == (MBUS_C_SND_UD & 0x4Fu)) {
        if (f.ci >= MBUS_CI_BAUD_300 && f.ci <= MBUS_CI_BAUD_300 + 5u) {
            s->baud_req = 300u << (f.ci - MBUS_CI_BAUD_300);
            ans = mbus_ack(out);
        } else if (f.ci == MBUS_CI_APP_RESET) {
            s->next = 0;
            ans = mbus_ack(out);
        }
    }
    if (bcast || ans == 0) {
        *out = NULL;
        return 0;
    }
    return ans;
}
