/*
 * dlms_obj.h — the COSEM objects the DLMS server provides itself (they
 * describe the server, not the meter's registers): association LN
 * 0-0:40.0.0.255 (class 15), SAP assignment 0-0:41.0.0.255 (17), security
 * setup 0-0:43.0.0.255 (64), IEC HDLC setup 0-0:22.0.0.255 (23), TCP-UDP setup
 * 0-0:25.0.0.255 (41). Together with the rows of the object table they
 * make the association view; how a GET finds either is dlms_target_find().
 */
#ifndef TRIMETER_DLMS_OBJ_H
#define TRIMETER_DLMS_OBJ_H

#include "proto/dlms/dlms.h"

enum dlms_xkind {
    DLMS_X_ASSOCIATION,
    DLMS_X_SAP,
    DLMS_X_SECURITY,
    DLMS_X_HDLC,
    DLMS_X_TCP
};

struct dlms_xobj {
    struct obis ln;
    uint16_t ic;
    uint8_t version;
    uint8_t nattr;
    uint8_t nmeth;
    uint8_t rd;          /* enum meter_access to see it */
    uint8_t kind;        /* enum dlms_xkind */
    uint16_t readable;   /* bit a = attribute a readable */
    const char *name;
};

size_t dlms_xobj_count(void);
const struct dlms_xobj *dlms_xobj_at(size_t i);

/* What a reference names: a row (f: billing period, 0 = current) or one of
 * the server's objects. */
struct dlms_target {
    const struct obj_def *row;
    const struct dlms_xobj *x;
    uint8_t f;
};

/* Resolve a reference for an association at level acc: 0, or the
 * data-access-result that refuses it (object-undefined, class
 * inconsistent, read-write-denied, scope). */
int dlms_target_find(const struct meter *m, const struct dlms_ref *ref, enum meter_access acc,
                     struct dlms_target *t);

/* Attribute attr of a target: as cosem_get (1 done, 0 window full,
 * negative meter_err). */
int dlms_target_get(const struct meter *m, const struct dlms_ctx *c, const struct dlms_target *t, int attr,
                    const struct cosem_sel *sel, struct axdr_w *w, struct cosem_pos *pos);

#endif
