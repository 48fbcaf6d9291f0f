/*
 * dlms_drv.c — the DLMS application's entry in the driver table. It is no
 * line protocol (HDLC and the wrapper are; they call dlms.h): it claims
 * nothing and sits on no port's list, only in PROTO_DRIVERS_ALL, so that
 * its configuration section (the management client's keys, the reading
 * client's password) and its object-table rows are found like every
 * driver's.
 */
#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/dlms/dlms.h"
#include "proto/port.h"
#include "trimeter/meter.h"

/* Factory secrets of SIMULATOR.md (a real meter is personalised at the
 * factory: docs/PROTOCOLS.md). */
static const struct dlms_keys factory_keys = {
    .ek = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F},
    .ak = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF},
    .kek = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F},
    .lls = {'1', '2', '3', '4', '5', '6', '7', '8'},
    .lls_len = 8,
};

static void *dlms_cfg_ram(struct meter *m)
{
    return &m->proto.dlms.keys;
}

static void dlms_cfg_factory(struct meter *m)
{
    m->proto.dlms.keys = factory_keys;
    dlms_keys_personalised(m);
}

static int dlms_cfg_check(struct meter *m)
{
    const struct dlms_keys *k = &m->proto.dlms.keys;
    dlms_keys_personalised(m);
    return k->lls_len >= 1 && k->lls_len <= sizeof k->lls ? METER_OK : METER_EINVAL;
}

const struct cfg_section dlms_cfg_section = {
    .id = CFG_ID_DLMS,
    .version = 1,
    .size = sizeof(struct dlms_keys),
    .ram = dlms_cfg_ram,
    .factory = dlms_cfg_factory,
    .check = dlms_cfg_check,
};

static int get_ic_expected(const struct meter *m, const struct obj_def *o, struct obj_value *v)
{
    (void)o;
    v->type = OBJ_T_UINT;
    v->i = dlms_ic_expected(m);
    v->scaler = 0;
    return METER_OK;
}

static const struct obj_def dlms_rows[] = {
    /* Read by head-ends (and Gurux, dlms-cosem) through the public client
     * before they associate as the management client. */
    {.ln = OBIS(0, 0, 43, 1, 1, 255), .ic = IC_DATA, .unit = UNIT_NONE, .rd = METER_ACC_PUBLIC,
     .get = get_ic_expected, .name = "DLMS invocation counter: next expected from the management client"},
};

static enum proto_claim dlms_claim(const uint8_t *buf, size_t n)
{
    (void)buf;
    (void)n;
    return PROTO_NO;
}

const struct proto_driver dlms_app_driver = {
    .name = "dlms-app",
    .src = METER_SRC_DLMS_TCP,
    .claim = dlms_claim,
    .cfg = &dlms_cfg_section,
    .rows = dlms_rows,
    .nrows = (uint16_t)(sizeof dlms_rows / sizeof dlms_rows[0]),
};
