/* libFuzzer harness: the DLMS decoders. The input is read as A-XDR data
 * (walked, skipped and checked for consistency), as ACSE APDUs (AARQ,
 * RLRQ) and an InitiateRequest, as selective-access parameters of the
 * load profile, the billing history and an event log, as a COSEM
 * date-time, and served as an xDLMS APDU in an open public association
 * and an open reading association. */
#include "cosem/cosem.h"
#include "fuzz_dlms.h"
#include "proto/dlms/apdu.h"
#include "util/axdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walk items one by one; a nested count never lets the walk read past. */
static void walk(const uint8_t *data, size_t size)
{
    struct axdr_r r;
    struct axdr_item it;
    axdr_r_init(&r, data, size);
    for (unsigned k = 0; k < 4096 && axdr_r_left(&r) > 0; k++) {
        size_t before = r.pos;
        if (axdr_get(&r, &it) < 0)
            break;
        if (r.pos <= before || r.pos > size)
            abort();
        if ((it.tag == AXDR_OCTETS || it.tag == AXDR_VISIBLE || it.tag == AXDR_UTF8) &&
            (it.p < data || it.p + it.n > data + size))
            abort();
    }
    axdr_r_init(&r, data, size);
    if (axdr_skip(&r, AXDR_DEPTH_MAX) == 0 && (r.pos == 0 || r.pos > size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);
    struct dlms_aarq q;
    if (dlms_aarq_parse(data, size, &q) == 0) {
        if (q.ui != NULL && (q.ui < data || q.ui + q.ui_len > data + size))
            abort();
        if (q.auth != NULL && (q.auth < data || q.auth + q.auth_len > data + size))
            abort();
    }
    struct dlms_rlrq rq;
    (void)dlms_rlrq_parse(data, size, &rq);
    struct dlms_initiate ini;
    (void)dlms_initiate_parse(data, size, &ini);

    struct meter *m = fd_meter();
    static const struct obis pgs[] = {OBIS(1, 0, 99, 1, 0, 255), OBIS(0, 0, 98, 1, 0, 255), OBIS(0, 0, 99, 98, 0, 255)};
    for (size_t i = 0; i < sizeof pgs / sizeof pgs[0]; i++) {
        struct cosem_sel sel;
        const struct obj_def *o = objtab_find(&pgs[i]);
        for (uint8_t s = 1; s <= 2; s++)
            if (cosem_sel_parse(m, o, 2, s, data, size, &sel) == 0 && sel.cols >> cosem_pg_columns(m, o) != 0)
                abort();
    }
    if (size >= 12) {
        int64_t t;
        (void)cosem_datetime_parse(m, data, &t);
    }
    if (size > 0 && data[0] != 0x60 && data[0] != 0x62) {
        struct dlms_ctx *pub = dlms_open(m, DLMS_CLIENT_PUBLIC, 1, METER_SRC_DLMS_TCP);
        struct dlms_ctx *rdr = dlms_open(m, DLMS_CLIENT_READER, 1, METER_SRC_DLMS_TCP);
        if (pub == NULL || rdr == NULL || fd_associate_plain(m, pub, 0xFFFF) < 0 ||
            fd_associate_plain(m, rdr, 256) < 0)
            abort();
        size_t rl;
        fd_serve(m, pub, data, size, &rl);
        fd_serve(m, rdr, data, size, &rl);
        dlms_close(m, pub);
        dlms_close(m, rdr);
    }
    fd_check();
    return 0;
}
