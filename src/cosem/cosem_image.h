/*
 * cosem_image.h — class 18 Image transfer (0-0:44.0.0.255) over the
 * firmware-image module (legal/fwimage.h): the attributes for GET, SET of
 * image_transfer_enabled, and the four methods. The DLMS server's SET and
 * ACTION adapters (cosem_set / cosem_action) call these for o->ic == 18.
 *
 * Attributes: 2 image_block_size, 3 image_transferred_blocks_status,
 * 4 image_first_not_transferred_block_number, 5 image_transfer_enabled,
 * 6 image_transfer_status, 7 image_to_activate_info. Methods:
 * 1 image_transfer_initiate, 2 image_block_transfer, 3 image_verify,
 * 4 image_activate. Everything but reading needs the management client.
 */
#ifndef TRIMETER_COSEM_IMAGE_H
#define TRIMETER_COSEM_IMAGE_H

#include "cosem/objtab.h"
#include "trimeter/types.h"
#include "util/axdr.h"

/* GET of attribute 2..7: 1 (encoded) or METER_ENOENT. The caller checked
 * the row's read level. */
int image_cosem_get(const struct meter *m, const struct obj_def *o, int attr, struct axdr_w *w);
/* SET: a DLMS data-access-result, 0 = success. */
int image_cosem_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                    enum meter_src src);
/* ACTION: a DLMS action-result, 0 = success (no return parameters; ret
 * untouched). 2 (temporary-failure) while a verification is under way:
 * ask again or read attribute 6. */
int image_cosem_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                       enum meter_access acc, enum meter_src src);
/* Object-table getter of the row: image_transfer_status. */
int image_get_status(const struct meter *m, const struct obj_def *o, struct obj_value *v);

#endif
