/*
 * cosem_image.c — class 18 Image transfer over legal/fwimage (see
 * cosem_image.h and docs/FIRMWARE.md).
 */
#include "cosem/cosem_image.h"

#include <string.h>

#include "legal/audit.h"
#include "trimeter/meter.h"

/* DLMS data-access-result / action-result values (IEC 62056-5-3); the
 * cosem layer does not include the protocol's headers. */
enum {
    AR_SUCCESS = 0,
    AR_HARDWARE_FAULT = 1,
    AR_TEMPORARY_FAILURE = 2,
    AR_READ_WRITE_DENIED = 3,
    AR_OBJECT_UNAVAILABLE = 11,
    AR_TYPE_UNMATCHED = 12,
    AR_OTHER_REASON = 250
};

static int result_of(int err)
{
    switch (err) {
    case METER_OK: return AR_SUCCESS;
    case METER_EBUSY: return AR_TEMPORARY_FAILURE;
    case METER_EACCES: return AR_READ_WRITE_DENIED;
    case METER_EIO: return AR_HARDWARE_FAULT;
    case METER_ENOTSUP: return AR_OBJECT_UNAVAILABLE;
    default: return AR_OTHER_REASON; /* refused image, wrong state, no room in the log */
    }
}

int image_get_status(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    return obj_put_enum(v, m->fw.status);
}

int image_cosem_get(const struct meter *m, const struct obj_def *o, int attr, struct axdr_w *w)
{
    (void)o;
    const struct fwimg *f = &m->fw;
    switch (attr) {
    case 2: axdr_put_int(w, AXDR_U32, METER_FW_BLOCK_SIZE); return 1;
    case 3: axdr_put_bits(w, f->blocks, f->nblocks); return 1;
    case 4: axdr_put_int(w, AXDR_U32, f->first_missing); return 1;
    case 5: axdr_put_bool(w, f->enabled != 0); return 1;
    case 6: axdr_put_int(w, AXDR_ENUM, f->status); return 1;
    case 7: {
        /* The verified image waiting for activation (none otherwise). */
        bool ready = f->status == FWIMG_ST_VERIFIED || f->status == FWIMG_ST_ACTIVATING;
        axdr_put_array(w, ready ? 1 : 0);
        if (ready) {
            axdr_put_struct(w, 3);
            axdr_put_int(w, AXDR_U32, f->size);
            axdr_put_string(w, AXDR_OCTETS, f->id, f->id_len);
            axdr_put_string(w, AXDR_OCTETS, f->sig, sizeof f->sig);
        }
        return 1;
    }
    default: return METER_ENOENT;
    }
}

static bool manager(struct meter *m, const struct obj_def *o, enum meter_access acc, enum meter_src src)
{
    if (acc >= METER_ACC_MANAGER)
        return true;
    audit_refusal(m, src, obj_packed(o), AUDIT_ACCESS);
    return false;
}

int image_cosem_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                    enum meter_src src)
{
    if (attr != 5 || !manager(m, o, acc, src))
        return AR_READ_WRITE_DENIED;
    struct axdr_item it;
    if (axdr_get(r, &it) < 0 || it.tag != AXDR_BOOL || axdr_r_left(r) != 0)
        return AR_TYPE_UNMATCHED;
    if (it.u != 0 && !fwimg_supported(m))
        return AR_OBJECT_UNAVAILABLE; /* no slots or no ECDSA on this port */
    m->fw.enabled = it.u != 0;
    return AR_SUCCESS;
}

/* An octet-string (or visible-string: some clients send the identifier so). */
static const uint8_t *get_bytes(struct axdr_r *r, uint32_t *n)
{
    struct axdr_item it;
    if (axdr_get(r, &it) < 0 || (it.tag != AXDR_OCTETS && it.tag != AXDR_VISIBLE))
        return NULL;
    *n = it.n;
    return it.p != NULL ? it.p : (const uint8_t *)"";
}

int image_cosem_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                       enum meter_access acc, enum meter_src src)
{
    (void)ret;
    struct axdr_r none;
    if (params == NULL) {
        axdr_r_init(&none, "", 0);
        params = &none;
    }
    if (method < 1 || method > 4)
        return AR_OBJECT_UNAVAILABLE;
    if (!manager(m, o, acc, src))
        return AR_READ_WRITE_DENIED;
    uint32_t n = 0, len = 0;
    int64_t x = 0;
    const uint8_t *p = NULL;
    switch (method) {
    case 1: /* image_transfer_initiate: {image_identifier, image_size} */
    case 2: /* image_block_transfer: {image_block_number, image_block_value} */
        if (axdr_get_head(params, AXDR_STRUCT, &n) < 0 || n != 2)
            return AR_TYPE_UNMATCHED;
        if (method == 1) {
            p = get_bytes(params, &len);
            if (p == NULL || axdr_get_int(params, 0, UINT32_MAX, &x) < 0)
                return AR_TYPE_UNMATCHED;
        } else {
            if (axdr_get_int(params, 0, UINT32_MAX, &x) < 0 || (p = get_bytes(params, &len)) == NULL)
                return AR_TYPE_UNMATCHED;
        }
        break;
    default: /* image_verify, image_activate: data (integer 0) */
        if (axdr_r_left(params) > 0 && axdr_skip(params, 1) < 0)
            return AR_TYPE_UNMATCHED;
        break;
    }
    if (params->err || axdr_r_left(params) != 0)
        return AR_TYPE_UNMATCHED;
    switch (method) {
    case 1: return result_of(fwimg_initiate(m, p, len, (uint32_t)x, src));
    case 2: return result_of(fwimg_block(m, (uint32_t)x, p, len));
    case 3: return result_of(fwimg_verify(m, src));
    default: return result_of(fwimg_activate(m, src));
    }
}
