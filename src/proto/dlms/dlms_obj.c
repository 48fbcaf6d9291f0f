/*
 * dlms_obj.c — the server's own COSEM objects and the association view
 * (object_list) generated from the object table with per-association rights.
 */
#include "proto/dlms/dlms_obj.h"

#include <string.h>

#include "cosem/cosem_ctl.h"
#include "proto/hdlc/hdlc_link.h"
#include "proto/wrapper/wrapper_drv.h"
#include "trimeter/meter.h"

#define PUB METER_ACC_PUBLIC
#define BITS(lo, hi) ((uint16_t)(((1u << ((hi) + 1u)) - 1u) & ~((1u << (lo)) - 1u)))

static const struct dlms_xobj xobjs[] = {
    {OBIS(0, 0, 40, 0, 0, 255), 15, 1, 9, 4, PUB, DLMS_X_ASSOCIATION, BITS(1, 6) | BITS(8, 9),
     "Association LN (current association)"},
    {OBIS(0, 0, 41, 0, 0, 255), 17, 0, 2, 0, PUB, DLMS_X_SAP, BITS(1, 2), "SAP assignment"},
    {OBIS(0, 0, 43, 0, 0, 255), 64, 0, 5, 2, PUB, DLMS_X_SECURITY, BITS(1, 5),
     "Security setup of the management client"},
    {OBIS(0, 0, 22, 0, 0, 255), 23, 1, 9, 0, PUB, DLMS_X_HDLC, BITS(1, 9), "IEC HDLC setup"},
#if METER_TCP_SESSIONS > 0
    {OBIS(0, 0, 25, 0, 0, 255), 41, 0, 6, 0, PUB, DLMS_X_TCP, BITS(1, 6), "TCP-UDP setup (wrapper)"},
#endif
};

#define NX (sizeof xobjs / sizeof xobjs[0])

size_t dlms_xobj_count(void)
{
    return NX;
}

const struct dlms_xobj *dlms_xobj_at(size_t i)
{
    return i < NX ? &xobjs[i] : NULL;
}

int dlms_target_find(const struct meter *m, const struct dlms_ref *ref, enum meter_access acc,
                     struct dlms_target *t)
{
    (void)m;
    memset(t, 0, sizeof t[0]);
    struct obis ln;
    memcpy(ln.v, ref->ln, 6);
    for (size_t i = 0; i < NX; i++) {
        if (memcmp(xobjs[i].ln.v, ln.v, 6) != 0)
            continue;
        if (xobjs[i].ic != ref->ic)
            return DLMS_DAR_CLASS_INCONSISTENT;
        if (acc < xobjs[i].rd)
            return DLMS_DAR_READ_WRITE_DENIED;
        t->x = &xobjs[i];
        return DLMS_DAR_SUCCESS;
    }
    const struct obj_def *o = objtab_find(&ln);
    uint8_t f = 0;
    if (o == NULL && ln.v[5] >= 1 && ln.v[5] <= BILLING_DEPTH) {
        /* A.B:C.D.E*F, F = billing period: the row's value F periods ago */
        f = ln.v[5];
        ln.v[5] = 255;
        o = objtab_find(&ln);
        if (o != NULL && o->bill == 0)
            o = NULL;
    }
    if (o == NULL)
        return DLMS_DAR_OBJECT_UNDEFINED;
    if (o->ic != ref->ic)
        return DLMS_DAR_CLASS_INCONSISTENT;
    if (acc < o->rd)
        return DLMS_DAR_READ_WRITE_DENIED;
    t->row = o;
    t->f = f;
    return DLMS_DAR_SUCCESS;
}

/* ---- the association view -------------------------------------------------- */

static bool xobj_readable(const struct dlms_xobj *x, int attr, enum meter_access acc)
{
    return acc >= x->rd && attr >= 1 && attr <= 15 && (((unsigned)x->readable >> attr) & 1u);
}

/* Object i of the view (rows first, then the server's objects), or NULL
 * when it is not visible at acc; *end set past the last. */
static bool view_at(size_t i, size_t nrows, enum meter_access acc, struct dlms_target *t)
{
    memset(t, 0, sizeof *t);
    if (i < nrows) {
        const struct obj_def *o = objtab_at(i);
        if (acc < o->rd)
            return false;
        t->row = o;
        return true;
    }
    i -= nrows;
    if (i >= NX || acc < xobjs[i].rd)
        return false;
    t->x = &xobjs[i];
    return true;
}

static uint32_t view_count(size_t nrows, enum meter_access acc)
{
    uint32_t n = 0;
    struct dlms_target t;
    for (size_t i = 0; i < nrows + NX; i++)
        if (view_at(i, nrows, acc, &t))
            n++;
    return n;
}

static void put_list_element(const struct dlms_ctx *c, const struct dlms_target *t, struct axdr_w *w)
{
    enum meter_access acc = (enum meter_access)c->acc;
    uint16_t ic = t->row != NULL ? t->row->ic : t->x->ic;
    uint8_t ver = t->row != NULL ? cosem_class_version(ic) : t->x->version;
    uint8_t na = t->row != NULL ? cosem_attr_count(ic) : t->x->nattr;
    uint8_t nm = t->row != NULL ? cosem_method_count(ic) : t->x->nmeth;
    const struct obis *ln = t->row != NULL ? &t->row->ln : &t->x->ln;
    axdr_put_struct(w, 4);
    axdr_put_int(w, AXDR_U16, ic);
    axdr_put_int(w, AXDR_U8, ver);
    axdr_put_octets_fixed(w, ln->v, 6);
    axdr_put_struct(w, 2);
    axdr_put_array(w, na);
    for (int a = 1; a <= na; a++) {
        bool rd = t->row != NULL ? cosem_attr_readable(t->row, a, acc) : xobj_readable(t->x, a, acc);
        uint8_t sels = t->row != NULL ? cosem_attr_selectors(t->row, a) : 0;
        axdr_put_struct(w, 3);
        axdr_put_int(w, AXDR_I8, a);
        /* no-access 0, read-only 1, write-only 2, read-and-write 3 (what cosem_set takes) */
        bool wr = t->row != NULL && acc >= METER_ACC_READER && cosem_attr_writable(t->row, a, acc);
        axdr_put_int(w, AXDR_ENUM, (rd ? 1 : 0) | (wr ? 2 : 0));
        if (sels == 0) {
            axdr_put_null(w);
        } else {
            uint32_t k = 0;
            for (unsigned s = 0; s < 8; s++)
                k += ((unsigned)sels >> s) & 1u;
            axdr_put_array(w, k);
            for (unsigned s = 0; s < 8; s++)
                if (((unsigned)sels >> s) & 1u)
                    axdr_put_int(w, AXDR_I8, (int64_t)s);
        }
    }
    axdr_put_array(w, nm);
    for (int k = 1; k <= nm; k++) {
        /* the server's own: reply_to_HLS_authentication, the security setup's methods; rows: what cosem_action takes */
        bool ok = t->x != NULL ? (t->x->kind == DLMS_X_ASSOCIATION && k == 1 && c->mech == DLMS_MECH_HLS_GMAC) ||
                                     (t->x->kind == DLMS_X_SECURITY && cosem_sec_method_allowed(k, acc))
                               : acc >= METER_ACC_READER && cosem_method_allowed(t->row, k, acc);
        axdr_put_struct(w, 2);
        axdr_put_int(w, AXDR_I8, k);
        axdr_put_int(w, AXDR_ENUM, ok ? 1 : 0);
    }
}

/* object_list: one element per visible object; resumable per element
 * (pos.view = the next view index to examine). */
static int put_object_list(const struct dlms_ctx *c, struct axdr_w *w, struct cosem_pos *pos)
{
    struct cosem_pos scratch;
    enum meter_access acc = (enum meter_access)c->acc;
    size_t nrows = objtab_count(); /* once: counting walks the table's segments */
    if (pos == NULL) {
        memset(&scratch, 0, sizeof scratch);
        pos = &scratch;
    }
    if (!pos->started) {
        memset(pos, 0, sizeof *pos);
        pos->total = view_count(nrows, acc);
        axdr_put_array(w, pos->total);
        pos->started = 1;
        pos->at = w->pos;
    } else {
        w->pos = pos->at;
    }
    struct cosem_pos cp = *pos;
    uint32_t end = w->skip + w->cap;
    while (cp.item < cp.total) {
        if (w->pos <= end) {
            cp.at = w->pos;
            *pos = cp;
        }
        if (w->pos >= end)
            return 0;
        struct dlms_target t;
        while (cp.view < nrows + NX && !view_at(cp.view, nrows, acc, &t))
            cp.view++;
        if (cp.view >= nrows + NX)
            return METER_EIO;
        cp.view++;
        put_list_element(c, &t, w);
        cp.item++;
    }
    if (w->pos <= end) {
        cp.at = w->pos;
        *pos = cp;
    }
    return 1;
}

/* An OID of 2.16.756.5.8 as the 7 BER content bytes (class 15 v1). */
static void put_oid(struct axdr_w *w, uint8_t arc, uint8_t last)
{
    const uint8_t b[7] = {0x60, 0x85, 0x74, 0x05, 0x08, arc, last};
    axdr_put_octets_fixed(w, b, sizeof b);
}

static int get_association(const struct dlms_ctx *c, int attr, struct axdr_w *w, struct cosem_pos *pos)
{
    static const uint8_t sec_ln[6] = {0, 0, 43, 0, 0, 255};
    switch (attr) {
    case 2: return put_object_list(c, w, pos);
    case 3:
        axdr_put_struct(w, 2);
        axdr_put_int(w, AXDR_I8, c->client_sap);
        axdr_put_int(w, AXDR_U16, c->server_logical);
        return 1;
    case 4: put_oid(w, 1, c->context); return 1;
    case 5: {
        uint8_t conf[3] = {(uint8_t)(c->conformance >> 16), (uint8_t)(c->conformance >> 8), (uint8_t)c->conformance};
        axdr_put_struct(w, 6);
        axdr_put_bits(w, conf, 24);
        axdr_put_int(w, AXDR_U16, METER_DLMS_PDU_MAX);
        axdr_put_int(w, AXDR_U16, c->max_rsp);
        axdr_put_int(w, AXDR_U8, DLMS_VERSION);
        axdr_put_int(w, AXDR_I8, 0);
        axdr_put_string(w, AXDR_OCTETS, NULL, 0);
        return 1;
    }
    case 6: put_oid(w, 2, c->mech); return 1;
    case 8: axdr_put_int(w, AXDR_ENUM, c->state == DLMS_ASSOCIATED ? 2 : c->state == DLMS_PENDING ? 1 : 0); return 1;
    case 9: axdr_put_octets_fixed(w, sec_ln, 6); return 1;
    default: return METER_ENOENT;
    }
}

static int get_xobj(const struct meter *m, const struct dlms_ctx *c, const struct dlms_xobj *x, int attr,
                    struct axdr_w *w, struct cosem_pos *pos)
{
    if (!xobj_readable(x, attr, (enum meter_access)c->acc))
        return METER_ENOENT;
    if (attr == 1) {
        axdr_put_octets_fixed(w, x->ln.v, 6);
        return 1;
    }
    switch (x->kind) {
    case DLMS_X_ASSOCIATION:
        return get_association(c, attr, w, pos);
    case DLMS_X_SAP: {
        /* one logical device: SAP 1 with the logical device name */
        static const struct obis ldn_ln = OBIS(0, 0, 42, 0, 0, 255);
        struct obj_value v;
        const struct obj_def *o = objtab_find(&ldn_ln);
        if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) < 0)
            return METER_EIO;
        axdr_put_array(w, 1);
        axdr_put_struct(w, 2);
        axdr_put_int(w, AXDR_U16, DLMS_SERVER_LOGICAL);
        axdr_put_string(w, AXDR_OCTETS, v.s, v.len);
        return 1;
    }
    case DLMS_X_SECURITY: {
        uint8_t t[DLMS_TITLE_LEN];
        switch (attr) {
        case 2: axdr_put_int(w, AXDR_ENUM, 3); return 1; /* authenticated and encrypted */
        case 3: axdr_put_int(w, AXDR_ENUM, 0); return 1; /* suite 0: AES-GCM-128 */
        case 4:
            if (c->client_sap == DLMS_CLIENT_MANAGEMENT && c->state != DLMS_IDLE)
                axdr_put_octets_fixed(w, c->client_title, DLMS_TITLE_LEN);
            else
                axdr_put_string(w, AXDR_OCTETS, NULL, 0);
            return 1;
        default:
            dlms_system_title(m, t);
            axdr_put_octets_fixed(w, t, DLMS_TITLE_LEN);
            return 1;
        }
    }
    case DLMS_X_HDLC: {
        /* the HDLC driver's configuration section (both ports) */
        const struct hdlc_cfg *h = &m->proto.hdlc.cfg;
        switch (attr) {
        case 2: axdr_put_int(w, AXDR_ENUM, 5); return 1; /* 9600 Bd: HDLC's own rate (after mode E too) */
        case 3:
        case 4: axdr_put_int(w, AXDR_U8, h->window); return 1;
        case 5:
        case 6: axdr_put_int(w, AXDR_U16, h->info_max); return 1;
        case 7: axdr_put_int(w, AXDR_U16, h->inter_octet_ms); return 1;
        case 8: axdr_put_int(w, AXDR_U16, h->inactivity_s); return 1;
        default: axdr_put_int(w, AXDR_U16, h->phys); return 1;
        }
    }
    case DLMS_X_TCP: {
        static const uint8_t ip_ln[6] = {0, 0, 25, 1, 0, 255};
        switch (attr) {
        case 2: axdr_put_int(w, AXDR_U16, 4059); return 1;
        case 3: axdr_put_octets_fixed(w, ip_ln, 6); return 1;
        case 4: axdr_put_int(w, AXDR_U16, 576); return 1;
        case 5: /* each client its own line and association */
            axdr_put_int(w, AXDR_U8, METER_TCP_SESSIONS < METER_DLMS_ASSOCIATIONS ? METER_TCP_SESSIONS
                                                                                     : METER_DLMS_ASSOCIATIONS);
            return 1;
        default: axdr_put_int(w, AXDR_U16, WRAPPER_INACTIVITY_S); return 1;
        }
    }
    default:
        return METER_ENOENT;
    }
}

int dlms_target_get(const struct meter *m, const struct dlms_ctx *c, const struct dlms_target *t, int attr,
                    const struct cosem_sel *sel, struct axdr_w *w, struct cosem_pos *pos)
{
    if (t->x != NULL) {
        if (sel != NULL && sel->selector != COSEM_SEL_NONE)
            return METER_EINVAL;
        return get_xobj(m, c, t->x, attr, w, pos);
    }
    return cosem_get(m, t->row, t->f, attr, sel, (enum meter_access)c->acc, w, pos);
}
