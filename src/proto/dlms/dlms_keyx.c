/*
 * dlms_keyx.c — class 64 Security setup (0-0:43.0.0.255, version 0) methods
 * for the management client, and the "unpersonalised" status bit:
 *
 *   method 1 security_activate(enum policy): the management association's
 *            policy is 3 (authenticated and encrypted) and cannot be
 *            lowered: 3 succeeds (nothing to change), 0..2 are refused.
 *   method 2 global_key_transfer(array of {enum key_id, octet-string
 *            wrapped_key}): each key wrapped with the master key (KEK) by
 *            AES key wrap (RFC 3394, src/util/aes.h). key_id 0 global
 *            unicast encryption key, 2 authentication key, 3 master key;
 *            1 (broadcast key) is not used by this meter and refused. Every
 *            entry is unwrapped and checked before any key changes: one wrong
 *            wrap refuses the whole transfer (action-result 250 other-reason,
 *            nothing changed, the refusal counted). The keys go to the DLMS
 *            configuration section (CFG_ID_DLMS) in one configuration save
 *            and are in force from the next APDU on (this ACTION's answer is
 *            already ciphered with the new key, as a Gurux server does).
 *            A new master key unwraps the keys of later transfers.
 *
 * EEPROM: at most DLMS_KEY_TRANSFERS_MAX transfers are stored per power-up
 * (further ones: temporary-failure), so no client can wear the store out
 * through this method. Each is in the audit log (key id, never the key).
 *
 * METER_ST_UNPERSONALISED (meter.h, error register 0-0:97.97.0 bit 9) is set
 * while any of the management client's three keys still is the factory test
 * key of SIMULATOR.md.
 */
#include <string.h>

#include "cosem/cosem_ctl.h"
#include "legal/audit.h"
#include "proto/dlms/dlms.h"
#include "trimeter/meter.h"
#include "util/aes.h"

#define DLMS_KEY_TRANSFERS_MAX 8u
#define SEC_OBJ COSEM_CTL_SEC_OBJ /* 0-0:43.0.0 packed as audit records name objects */

/* The factory test keys (SIMULATOR.md; dlms_drv.c has them as the section's
 * defaults). */
static const uint8_t test_ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                    0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t test_ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                    0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t test_kek[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                     0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};

void dlms_keys_personalised(struct meter *m)
{
    const struct dlms_keys *k = &m->proto.dlms.keys;
    if (memcmp(k->ek, test_ek, 16) == 0 || memcmp(k->ak, test_ak, 16) == 0 || memcmp(k->kek, test_kek, 16) == 0)
        m->status |= METER_ST_UNPERSONALISED;
    else
        m->status &= ~(uint32_t)METER_ST_UNPERSONALISED;
}

int cosem_sec_set(struct meter *m, const struct obj_def *o, int attr, struct axdr_r *r, enum meter_access acc,
                  enum meter_src src)
{
    (void)o;
    (void)r;
    (void)acc;
    /* security_policy and suite change through the methods only; the
     * system titles are not the client's to set */
    return cosem_ctl_refuse(m, NULL, src, attr >= 1 && attr <= 5 ? METER_EACCES : METER_ENOENT);
}

bool cosem_sec_method_allowed(int method, enum meter_access acc)
{
    return (method == 1 || method == 2) && acc >= METER_ACC_MANAGER;
}

static int key_transfer(struct meter *m, struct axdr_r *p, enum meter_src src)
{
    struct dlms_keys k = m->proto.dlms.keys;
    uint32_t n;
    unsigned done = 0;
    uint8_t ids[4] = {0};
    if (axdr_get_head(p, AXDR_ARRAY, &n) < 0 || n < 1 || n > 3 || axdr_r_left(p) < n * 30u) {
        audit_refusal(m, src, SEC_OBJ, AUDIT_VALUE);
        return METER_EINVAL;
    }
    int e = METER_OK;
    for (uint32_t i = 0; i < n && e == METER_OK; i++) {
        uint32_t f;
        int64_t id;
        const uint8_t *wrapped;
        uint8_t key[16];
        if (axdr_get_head(p, AXDR_STRUCT, &f) < 0 || f != 2 || axdr_get_int(p, 0, 3, &id) < 0 ||
            (wrapped = axdr_get_octets(p, 24, NULL)) == NULL || id == 1 || ids[(unsigned)id]) {
            e = METER_EINVAL;
            break;
        }
        ids[(unsigned)id] = 1;
        /* always with the master key in force when the transfer started */
        if (aes_unwrap_key(m->hal, m->proto.dlms.keys.kek, wrapped, 24, key) < 0) {
            e = METER_ECORRUPT;
            break;
        }
        memcpy(id == 0 ? k.ek : id == 2 ? k.ak : k.kek, key, 16);
        aes_wipe(key, sizeof key);
        done++;
    }
    if (e == METER_OK && axdr_r_left(p) != 0)
        e = METER_EINVAL; /* bytes after the key list */
    if (e < 0) {
        aes_wipe(&k, sizeof k);
        audit_refusal(m, src, SEC_OBJ, e == METER_ECORRUPT ? AUDIT_SECRET : AUDIT_VALUE);
        return e;
    }
    if (m->proto.dlms.key_transfers >= DLMS_KEY_TRANSFERS_MAX) {
        aes_wipe(&k, sizeof k);
        audit_refusal(m, src, SEC_OBJ, AUDIT_RATE);
        return METER_EBUSY;
    }
    m->proto.dlms.key_transfers++;
    m->proto.dlms.keys = k;
    aes_wipe(&k, sizeof k);
    dlms_keys_personalised(m);
    for (unsigned id = 0; id < 4; id++)
        if (ids[(unsigned)id])
            evlog_add_obj(m, EV_PARAM_CHANGE, src, SEC_OBJ, (int32_t)id, 2);
    (void)done;
    return config_save(m) < 0 ? METER_EIO : METER_OK;
}

int cosem_sec_action(struct meter *m, const struct obj_def *o, int method, struct axdr_r *params, struct axdr_w *ret,
                     enum meter_access acc, enum meter_src src)
{
    (void)o;
    (void)ret;
    if (method != 1 && method != 2)
        return cosem_ctl_refuse(m, NULL, src, METER_ENOENT);
    if (acc < METER_ACC_MANAGER)
        return cosem_ctl_refuse(m, NULL, src, METER_EACCES);
    if (params == NULL)
        return cosem_ctl_refuse(m, NULL, src, METER_EINVAL);
    if (method == 1) {
        int64_t policy;
        if (axdr_get_int(params, 0, 255, &policy) < 0 || axdr_r_left(params) != 0)
            return cosem_ctl_refuse(m, NULL, src, METER_EINVAL);
        if (policy != 3) {
            audit_refusal(m, src, SEC_OBJ, AUDIT_VALUE);
            return 250; /* other-reason: the policy is never lowered */
        }
        evlog_add_obj(m, EV_PARAM_CHANGE, src, SEC_OBJ, 3, 1);
        return 0;
    }
    int e = key_transfer(m, params, src);
    return e == METER_ECORRUPT ? 250 : cosem_ctl_dar(e); /* a wrong wrap: other-reason */
}
