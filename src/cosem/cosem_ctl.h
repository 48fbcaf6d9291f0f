/*
 * cosem_ctl.h — interface-class adapters for control and configuration
 * (DLMS part 2, issue 14 item 2): GET encoders for cosem_get, and SET /
 * ACTION entry points with the signature of cosem_set()/cosem_action() (the
 * DLMS SET/ACTION service switches on the class and calls these):
 *
 *   class 20 Activity calendar 0-0:13.0.0.255   cosem_cal_set / cosem_cal_action
 *   class 11 Special days table 0-0:11.0.0.255  cosem_sd_set / cosem_sd_action
 *   class 71 Limiter 0-0:17.0.0.255             cosem_lim_set / cosem_lim_action
 *   class 40 Push setup 0-x:25.9.0.255          cosem_push_set / cosem_push_action (src/proto/han)
 *   class 64 Security setup 0-0:43.0.0.255      cosem_sec_set / cosem_sec_action (src/proto/dlms;
 *                                               a server object: o may be NULL)
 *
 * SET: r is positioned at the attribute's Data; the whole value is decoded
 * and checked before anything changes, and then written through the object
 * table (obj_write / obj_action: rights, audit, one configuration save), so
 * a malformed or refused value changes nothing. Return: a DLMS
 * data-access-result (SET) or action-result (ACTION), 0 = success:
 * 3 read-write-denied (no right; an attribute that is read-only), 4 object
 * undefined, 12 type-unmatched (malformed, out of range, or bytes after the
 * value), 11 object unavailable (the method or attribute does not exist),
 * 2 temporary-failure (table full, an activation whose links are incomplete,
 * the key-transfer bound), 250 other reason (a wrong key wrap, a lower
 * security policy). Refusals are counted (legal/audit.h).
 */
#ifndef TRIMETER_COSEM_CTL_H
#define TRIMETER_COSEM_CTL_H

#include "cosem/cosem.h"
#include "cosem/objtab.h"
#include "trimeter/types.h"
#include "util/axdr.h"

struct meter;

/* GET encoders (as cosem_get: 1 done, negative meter_err). */
int cosem_cal_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w);
int cosem_sd_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w);
int cosem_lim_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w);
int cosem_push_get(const struct meter *m, const struct obj_def *o, int attr, enum meter_access acc, struct axdr_w *w);

int cosem_cal_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src);
int cosem_cal_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src);
int cosem_sd_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                 enum meter_src src);
int cosem_sd_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                    enum meter_access acc, enum meter_src src);
int cosem_lim_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src);
int cosem_lim_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src);
int cosem_push_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                   enum meter_src src);
int cosem_push_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params,
                      struct axdr_w *ret, enum meter_access acc, enum meter_src src);
int cosem_sec_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src);
int cosem_sec_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src);

/* A meter_err as a data-access-/action-result (the mapping of the SET/ACTION
 * service's cosem_result_of: ENOENT 11, ENOSPC/EBUSY/ESTATE 2, ENOTSUP 13). */
int cosem_ctl_dar(int err);
/* A refusal made here, before the object table was asked (malformed value,
 * read-only attribute, no such method): counted like the table's own
 * (legal/audit.h; o NULL = the security setup 0-0:43.0.0), then as above. */
#define COSEM_CTL_SEC_OBJ 0x002B0000u
int cosem_ctl_refuse(struct meter *m, const struct obj_def *o, enum meter_src src, int err);

/* For the association view (attribute_access_mode write bit,
 * method_access_mode): whether these functions would take the attribute /
 * method at level acc (rows of classes 11, 20, 40, 71), and the security
 * setup's methods (management client). */
bool cosem_ctl_attr_writable(const struct obj_def *o, int attr, enum meter_access acc);
bool cosem_ctl_method_allowed(const struct obj_def *o, int method, enum meter_access acc);
bool cosem_sec_method_allowed(int method, enum meter_access acc);

#endif
