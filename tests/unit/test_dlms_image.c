/* Class 18 through the DLMS server (SET/ACTION service, cosem_set.c): the
 * management client transfers, verifies and activates an image signed
 * with the test key; the reading client is refused every method and the
 * SET of image_transfer_enabled; the view shows the rights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calib.h"
#include "dlms_util.h"
#include "fw_util.h"

#define T0 1776211200LL

static const uint8_t ln_img[6] = {0, 0, 44, 0, 0, 255};
static uint8_t img[FWIMG_HDR_SIZE + 3000];
static uint8_t slots[HOST_FW_BYTES];

/* ACTION-Request-Normal on 0-0:44.0.0.255 with parameters p (n bytes). */
static int act(struct tclient *t, uint8_t method, const uint8_t *p, size_t n)
{
    uint8_t q[512] = {0xC3, 0x01, 0xC1, 0x00, 18};
    memcpy(q + 5, ln_img, 6);
    q[11] = method;
    q[12] = 1;
    memcpy(q + 13, p, n);
    tc_request(t, q, 13 + n);
    assert_true(t->rsp_len >= 5);
    assert_int_equal(t->rsp[0], 0xC7);
    return t->rsp[3];
}

static int initiate(struct tclient *t, uint32_t size)
{
    uint8_t p[16] = {0x02, 0x02, 0x09, 0x03, 'd', 'l', 'm', 0x06};
    fw_put32(p + 8, size);
    return act(t, 1, p, 12);
}

static int block(struct tclient *t, uint32_t k, uint32_t len)
{
    uint8_t p[16 + METER_FW_BLOCK_SIZE] = {0x02, 0x02, 0x06};
    fw_put32(p + 3, k);
    uint32_t rest = len - k * METER_FW_BLOCK_SIZE, n = rest < METER_FW_BLOCK_SIZE ? rest : METER_FW_BLOCK_SIZE;
    p[7] = 0x09, p[8] = 0x81, p[9] = (uint8_t)n;
    memcpy(p + 10, img + k * METER_FW_BLOCK_SIZE, n);
    return act(t, 2, p, 10 + n);
}

static const uint8_t zero[2] = {0x0f, 0x00};

static void management_client_updates(void **state)
{
    (void)state;
    struct rig *r = rig_new(T0);
    assert_int_equal(calib_write_serial(&r->v, 12345678), METER_OK); /* the reading client's password */
    memset(slots, 0xff, sizeof slots);
    r->v.hw.fw_mem = slots;
    struct meter *m = &r->v.m;
    uint32_t len = fw_make(img, 0x000200u, "trimeter 0.2.0", 3000, 5, FW_TEST_D);
    struct tclient t;

    /* the reading client: refused, nothing starts */
    tc_init(&t, m, DLMS_CLIENT_READER);
    assert_int_equal(tc_associate(&t, "12345678"), 0);
    assert_int_equal(initiate(&t, len), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(act(&t, 3, zero, 2), DLMS_DAR_READ_WRITE_DENIED);
    assert_int_equal(m->fw.status, FWIMG_ST_IDLE);
    tc_close(&t);

    tc_init(&t, m, DLMS_CLIENT_MANAGEMENT);
    assert_int_equal(tc_associate_hls(&t), 0);
    assert_int_equal(initiate(&t, len), 0);
    for (uint32_t k = 0; k * METER_FW_BLOCK_SIZE < len; k++)
        assert_int_equal(block(&t, k, len), 0);
    int res = act(&t, 3, zero, 2);
    struct meas_block b = vmeter_block_kw(1.0);
    for (int s = 0; res == DLMS_DAR_TEMPORARY_FAILURE && s < 100; s++) {
        vmeter_step_block(&r->v, &b);
        res = act(&t, 3, zero, 2);
    }
    assert_int_equal(res, 0);
    /* image_transfer_status over GET: verification successful */
    uint8_t out[16];
    int dar = -1;
    long n = tc_get(&t, 18, ln_img, 6, NULL, 0, out, sizeof out, &dar, NULL);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], AXDR_ENUM);
    assert_int_equal(out[1], FWIMG_ST_VERIFIED);
    assert_int_equal(act(&t, 4, zero, 2), 0);
    tc_close(&t);
    /* the restart: the meter comes up on the new image */
    memset(&r->v.m, 0, sizeof r->v.m);
    meter_init(&r->v.m, &r->v.hal);
    uint32_t idn;
    const char *id = fwimg_ident(&r->v.m, &idn);
    assert_int_equal(idn, 14);
    assert_memory_equal(id, "trimeter 0.2.0", 14);
    assert_int_equal(r->v.m.fw.status, FWIMG_ST_ACTIVATED);
    rig_free(r);
}

static void view_rights(void **state)
{
    (void)state;
    static const struct obis ln = OBIS(0, 0, 44, 0, 0, 255);
    const struct obj_def *o = objtab_find(&ln);
    assert_non_null(o);
    assert_true(cosem_attr_writable(o, 5, METER_ACC_MANAGER));
    assert_false(cosem_attr_writable(o, 5, METER_ACC_READER));
    assert_false(cosem_attr_writable(o, 6, METER_ACC_MANAGER));
    for (int k = 1; k <= 4; k++) {
        assert_true(cosem_method_allowed(o, k, METER_ACC_MANAGER));
        assert_false(cosem_method_allowed(o, k, METER_ACC_READER));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(management_client_updates),
        cmocka_unit_test(view_rights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
