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
 * undefined, 12 type-unmatched (malformed or out of range), 11 object
 * unavailable (the method or attribute does not exist), 250 other reason
 * (the value is consistent but the meter cannot take it: store failure,
 * table full).
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

/* A meter_err of obj_write/obj_action as a data-access-result. */
int cosem_ctl_dar(int err);

#endif
