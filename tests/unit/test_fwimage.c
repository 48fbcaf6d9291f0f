/* Firmware update (class 18, legal/fwimage.h): a test-key image is
 * transferred, verified and activated; wrongly signed, truncated,
 * tampered and older images are refused with the old image running; the
 * new image falls back when it fails its boot self-test; a power cut at
 * every program of the slots and the boot control leaves a meter that
 * boots on one consistent image; the metrological log gets a bounded
 * number of records whatever the client does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fw_util.h"
#include "legal/audit.h"
#include "legal/params.h"
#include "util/sha256.h"

#define V(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
#define PLEN 9000u
static uint8_t img[FWIMG_HDR_SIZE + 64u * 1024u];

static const char *fw_id_row(struct meter *m, char *buf)
{
    static const struct obis ln = OBIS(0, 0, 0, 2, 0, 255);
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find(&ln), METER_ACC_PUBLIC, &v), METER_OK);
    memcpy(buf, v.s, v.len);
    buf[v.len] = 0;
    return buf;
}

static uint32_t fw_crc_row(struct meter *m)
{
    static const struct obis ln = OBIS(0, 0, 0, 2, 8, 255);
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find(&ln), METER_ACC_PUBLIC, &v), METER_OK);
    return (uint32_t)v.i;
}

/* The codes of the metrological log from record `from` on. */
static unsigned metro_codes(struct meter *m, uint32_t from, uint16_t *codes, int32_t *a, unsigned max)
{
    unsigned n = 0;
    for (uint32_t i = from; i < evlog_count(m, EVLOG_METRO) && n < max; i++) {
        struct evlog_rec e;
        assert_int_equal(evlog_read(m, EVLOG_METRO, i, &e), METER_OK);
        codes[n] = e.code;
        a[n++] = e.a;
    }
    return n;
}

static int64_t energy_ap(struct meter *m)
{
    struct obj_value v;
    assert_int_equal(obj_read(m, objtab_find_str("1.8.0"), METER_ACC_PUBLIC, &v), METER_OK);
    return v.i;
}

static void get_attr(struct meter *m, int attr, uint8_t *out, size_t *n)
{
    struct axdr_w w;
    axdr_w_init(&w, out, 300);
    assert_int_equal(image_cosem_get(m, fw_row(), attr, &w), 1);
    *n = axdr_w_len(&w);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    /* FIPS 180-4 examples, and mbed TLS over lengths around the block edges */
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t d[32], ref[32];
    sha256("abc", 3, d);
    assert_memory_equal(d, abc, 32);
    for (uint32_t n = 0; n < 300; n++) {
        fw_make(img, 1, "x", n, n, FW_TEST_D);
        struct sha256 s;
        sha256_init(&s);
        for (uint32_t k = 0; k < n; k += 7)
            sha256_update(&s, img + FWIMG_HDR_SIZE + k, n - k < 7 ? n - k : 7);
        sha256_final(&s, d);
        mbedtls_sha256_ret(img + FWIMG_HDR_SIZE, n, ref, 0);
        assert_memory_equal(d, ref, 32);
    }
}

static void test_transfer_verify_activate(void **state)
{
    (void)state;
    struct fwm *f = fwm_new();
    struct meter *m = &f->v.m;
    char id[64];
    assert_string_equal(fw_id_row(m, id), METER_FW_NAME " " METER_FW_VERSION);
    uint32_t crc0 = fw_crc_row(m);
    uint32_t metro0 = evlog_count(m, EVLOG_METRO);
    uint32_t len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", PLEN, 7, FW_TEST_D);
    struct meas_block b = vmeter_block_kw(3.0);
    vmeter_step_block(&f->v, &b);
    int64_t e0 = energy_ap(m);

    assert_int_equal(fw_initiate(m, "trimeter-0.2.0", len, METER_ACC_MANAGER), 0);
    assert_int_equal(m->fw.status, FWIMG_ST_INITIATED);
    /* half of the blocks, metering in between; the bitmap shows them */
    uint32_t nb = (len + METER_FW_BLOCK_SIZE - 1) / METER_FW_BLOCK_SIZE;
    for (uint32_t k = 0; k < nb; k += 2) {
        uint32_t n = len - k * METER_FW_BLOCK_SIZE;
        assert_int_equal(fw_block(m, k, img + k * METER_FW_BLOCK_SIZE, n > METER_FW_BLOCK_SIZE ? METER_FW_BLOCK_SIZE : n,
                                  METER_ACC_MANAGER), 0);
        vmeter_step_block(&f->v, &b);
    }
    uint8_t out[300];
    size_t n;
    get_attr(m, 4, out, &n);
    assert_int_equal(n, 5);
    assert_int_equal(out[4], 1); /* block 1 missing */
    get_attr(m, 3, out, &n);
    assert_int_equal(out[0], AXDR_BITS);
    assert_int_equal(out[3], 0xAA); /* blocks 0, 2, 4, 6 of the first eight */
    /* not all blocks: verify refuses, nothing logged */
    assert_int_equal(fw_simple(m, 3, METER_ACC_MANAGER), 250);
    assert_int_equal(fw_send(m, img, len), 0);
    get_attr(m, 4, out, &n);
    assert_int_equal(((uint32_t)out[3] << 8 | out[4]), nb);
    unsigned secs;
    assert_int_equal(fw_verify(f, &secs), 0);
    /* bounded per pass: the 9 kB image took several main-loop passes */
    assert_true(secs >= PLEN / METER_FW_POLL_BYTES);
    assert_int_equal(m->fw.status, FWIMG_ST_VERIFIED);
    get_attr(m, 7, out, &n);
    assert_int_equal(out[0], AXDR_ARRAY);
    assert_int_equal(out[1], 1);
    assert_int_equal(n, 2 + 2 + 5 + 2 + 14 + 2 + 64);
    int64_t e1 = energy_ap(m);
    assert_true(e1 > e0); /* metering went on during the download */
    assert_string_equal(fw_id_row(m, id), METER_FW_NAME " " METER_FW_VERSION);

    assert_int_equal(fw_simple(m, 4, METER_ACC_MANAGER), 0);
    assert_int_equal(m->fw.status, FWIMG_ST_ACTIVATING);
    assert_int_equal(f->v.hw.restarts, 0);
    for (int s = 0; s < 3; s++)
        vmeter_step_block(&f->v, &b);
    assert_int_equal(f->v.hw.restarts, 1); /* the answer went first, then the restart */
    fwm_cut(f);
    m = &f->v.m;
    assert_int_equal(m->fw.status, FWIMG_ST_ACTIVATED);
    assert_string_equal(fw_id_row(m, id), "trimeter 0.2.0");
    assert_int_not_equal(fw_crc_row(m), crc0);
    assert_int_equal(m->fw.ctl.version, V(0, 2, 0));
    assert_true(energy_ap(m) >= e1);
    uint16_t codes[16];
    int32_t a[16];
    unsigned k = metro_codes(m, metro0, codes, a, 16);
    assert_int_equal(k, 5);
    assert_int_equal(codes[0], EV_FW_INITIATE);
    assert_int_equal(codes[1], EV_FW_VERIFY);
    assert_int_equal(a[1], FWIMG_OK);
    assert_int_equal(codes[2], EV_FW_ACTIVATE);
    assert_int_equal(codes[3], EV_FW_BOOT);
    assert_int_equal(a[3], FWIMG_OK);
    assert_int_equal(codes[4], EV_FW_CHANGED);
    /* another power cycle: still the new image, nothing more logged */
    fwm_cut(f);
    m = &f->v.m;
    assert_string_equal(fw_id_row(m, id), "trimeter 0.2.0");
    assert_int_equal(m->fw.status, FWIMG_ST_IDLE);
    assert_int_equal(evlog_count(m, EVLOG_METRO), metro0 + 5);

    /* the next one goes to the other slot, and 0.2.8 follows again */
    uint32_t crc1 = fw_crc_row(m);
    len = fw_make(img, V(0, 2, 8), "trimeter 0.2.8", 500, 9, FW_TEST_D);
    assert_int_equal(fw_initiate(m, "b", len, METER_ACC_MANAGER), 0);
    assert_int_equal(m->fw.slot, 1 - m->fw.ctl.active);
    assert_int_equal(fw_send(m, img, len), 0);
    assert_int_equal(fw_verify(f, NULL), 0);
    assert_int_equal(fw_simple(m, 4, METER_ACC_MANAGER), 0);
    fwm_cut(f);
    m = &f->v.m;
    assert_string_equal(fw_id_row(m, id), "trimeter 0.2.8");
    assert_int_not_equal(fw_crc_row(m), crc1);
    fwm_free(f);
}

/* A refused image: verification fails with `why`, activation is refused,
 * the old image runs, also after a power cycle. */
static void refused(struct fwm *f, uint32_t size, const uint8_t *data, uint32_t len, int why)
{
    struct meter *m = &f->v.m;
    char id[64], before[64];
    fw_id_row(m, before);
    assert_int_equal(fw_initiate(m, "bad", size, METER_ACC_MANAGER), 0);
    assert_int_equal(fw_send(m, data, len), 0);
    assert_int_equal(fw_verify(f, NULL), 250);
    assert_int_equal(m->fw.status, FWIMG_ST_VERIFY_FAILED);
    assert_int_equal(m->fw.why, why);
    assert_int_equal(fw_simple(m, 4, METER_ACC_MANAGER), 250);
    assert_int_equal(m->fw.ctl.state, 0);
    uint8_t out[8];
    size_t n;
    get_attr(m, 7, out, &n);
    assert_int_equal(out[1], 0); /* nothing to activate */
    struct evlog_rec e;
    assert_int_equal(evlog_read(m, EVLOG_METRO, evlog_count(m, EVLOG_METRO) - 1, &e), METER_OK);
    assert_int_equal(e.code, EV_FW_VERIFY);
    assert_int_equal(e.a, why);
    fwm_cut(f);
    assert_string_equal(fw_id_row(&f->v.m, id), before);
}

static void test_refused_images(void **state)
{
    (void)state;
    struct fwm *f = fwm_new();
    uint32_t len;
    /* signed with another key */
    len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", PLEN, 1, FW_OTHER_D);
    refused(f, len, img, len, FWIMG_W_SIGNATURE);
    /* truncated: the transfer is shorter than the header says */
    len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", PLEN, 1, FW_TEST_D);
    refused(f, len - 100, img, len - 100, FWIMG_W_LENGTH);
    /* one payload byte changed after signing */
    img[FWIMG_HDR_SIZE + 4000] ^= 0x01;
    refused(f, len, img, len, FWIMG_W_HASH);
    img[FWIMG_HDR_SIZE + 4000] ^= 0x01;
    /* the header changed after signing (a higher version claimed) */
    img[FWIMG_O_VERSION + 1] = 9;
    refused(f, len, img, len, FWIMG_W_SIGNATURE);
    /* older than the built-in 0.1.0, and equal to it */
    len = fw_make(img, V(0, 0, 9), "trimeter 0.0.9", 300, 1, FW_TEST_D);
    refused(f, len, img, len, FWIMG_W_ROLLBACK);
    len = fw_make(img, FWIMG_BUILTIN_VERSION, "trimeter 0.1.0", 300, 1, FW_TEST_D);
    refused(f, len, img, len, FWIMG_W_ROLLBACK);
    /* not an image */
    memset(img, 0x5a, 400);
    refused(f, 400, img, 400, FWIMG_W_FORMAT);
    /* after 0.3.0 runs, 0.2.9 is older */
    struct meter *m = &f->v.m;
    len = fw_make(img, V(0, 3, 0), "trimeter 0.3.0", 300, 2, FW_TEST_D);
    assert_int_equal(fw_initiate(m, "ok", len, METER_ACC_MANAGER), 0);
    assert_int_equal(fw_send(m, img, len), 0);
    assert_int_equal(fw_verify(f, NULL), 0);
    assert_int_equal(fw_simple(m, 4, METER_ACC_MANAGER), 0);
    fwm_cut(f);
    char id[64];
    assert_string_equal(fw_id_row(&f->v.m, id), "trimeter 0.3.0");
    len = fw_make(img, V(0, 2, 9), "trimeter 0.2.9", 300, 3, FW_TEST_D);
    refused(f, len, img, len, FWIMG_W_ROLLBACK);
    fwm_free(f);
}

/* The activated image fails its boot self-test (the slot changed after
 * verification: a flash fault): the old image runs on, recorded. */
static void test_boot_fallback(void **state)
{
    (void)state;
    struct fwm *f = fwm_new();
    struct meter *m = &f->v.m;
    char id[64];
    uint32_t len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", PLEN, 4, FW_TEST_D);
    assert_int_equal(fw_initiate(m, "x", len, METER_ACC_MANAGER), 0);
    assert_int_equal(fw_send(m, img, len), 0);
    assert_int_equal(fw_verify(f, NULL), 0);
    assert_int_equal(fw_simple(m, 4, METER_ACC_MANAGER), 0);
    unsigned slot = m->fw.slot;
    f->fw[slot * HOST_FW_SLOT + FWIMG_HDR_SIZE + 77] ^= 0x40;
    fwm_cut(f);
    m = &f->v.m;
    assert_int_equal(m->fw.status, FWIMG_ST_ACTIVATE_FAILED);
    assert_int_equal(m->fw.why, FWIMG_W_HASH);
    assert_string_equal(fw_id_row(m, id), METER_FW_NAME " " METER_FW_VERSION);
    assert_int_equal(m->fw.ctl.active, FWIMG_BUILTIN);
    struct evlog_rec e;
    assert_int_equal(evlog_read(m, EVLOG_METRO, evlog_count(m, EVLOG_METRO) - 1, &e), METER_OK);
    assert_int_equal(e.code, EV_FW_BOOT);
    assert_int_equal(e.a, FWIMG_W_HASH);
    /* and it stays so */
    fwm_cut(f);
    assert_string_equal(fw_id_row(&f->v.m, id), METER_FW_NAME " " METER_FW_VERSION);
    fwm_free(f);
}

/* Only the management client: everything else refused, counted, nothing changed. */
static void test_access(void **state)
{
    (void)state;
    struct fwm *f = fwm_new();
    struct meter *m = &f->v.m;
    uint32_t len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", 300, 4, FW_TEST_D);
    uint32_t refusals = m->legal.audit.refusals, metro = evlog_count(m, EVLOG_METRO);
    for (int acc = METER_ACC_NONE; acc < METER_ACC_MANAGER; acc++) {
        assert_int_equal(fw_initiate(m, "x", len, (enum meter_access)acc), 3);
        assert_int_equal(fw_block(m, 0, img, METER_FW_BLOCK_SIZE, (enum meter_access)acc), 3);
        assert_int_equal(fw_simple(m, 3, (enum meter_access)acc), 3);
        assert_int_equal(fw_simple(m, 4, (enum meter_access)acc), 3);
        static const uint8_t off[2] = {0x03, 0x00};
        struct axdr_r r;
        axdr_r_init(&r, off, 2);
        assert_int_equal(image_cosem_set(m, fw_row(), 5, &r, (enum meter_access)acc, METER_SRC_DLMS_TCP), 3);
    }
    assert_int_equal(m->legal.audit.refusals, refusals + 15);
    assert_int_equal(m->fw.status, FWIMG_ST_IDLE);
    assert_int_equal(m->fw.enabled, 1);
    assert_int_equal(evlog_count(m, EVLOG_METRO), metro);
    /* the reading client sees the state; the public client does not */
    uint8_t out[8];
    struct axdr_w w;
    axdr_w_init(&w, out, sizeof out);
    struct cosem_pos pos;
    memset(&pos, 0, sizeof pos);
    assert_int_equal(cosem_get(m, fw_row(), 0, 6, NULL, METER_ACC_READER, &w, &pos), 1);
    assert_int_equal(cosem_get(m, fw_row(), 0, 6, NULL, METER_ACC_PUBLIC, &w, &pos), METER_EACCES);
    /* disabled by the management client: initiate refused */
    static const uint8_t off[2] = {0x03, 0x00};
    struct axdr_r r;
    axdr_r_init(&r, off, 2);
    assert_int_equal(image_cosem_set(m, fw_row(), 5, &r, METER_ACC_MANAGER, METER_SRC_DLMS_TCP), 0);
    assert_int_equal(fw_initiate(m, "x", len, METER_ACC_MANAGER), 11);
    /* malformed parameters */
    static const uint8_t junk[3] = {0x02, 0x01, 0x00};
    assert_int_equal(fw_act(m, 1, junk, sizeof junk, METER_ACC_MANAGER), 12);
    assert_int_equal(fw_act(m, 9, junk, sizeof junk, METER_ACC_MANAGER), 11);
    fwm_free(f);
}

/* The metrological log: at most four records a transfer however many
 * blocks, retries and verifications; no initiate without room for them. */
static void test_log_bounded(void **state)
{
    (void)state;
    struct fwm *f = fwm_new();
    struct meter *m = &f->v.m;
    uint32_t len = fw_make(img, V(0, 2, 0), "trimeter 0.2.0", 3000, 4, FW_OTHER_D);
    uint32_t metro = evlog_count(m, EVLOG_METRO);
    assert_int_equal(fw_initiate(m, "x", len, METER_ACC_MANAGER), 0);
    for (int k = 0; k < 50; k++) {
        assert_int_equal(fw_initiate(m, "x", len, METER_ACC_MANAGER), 0); /* same image: resumes */
        assert_int_equal(fw_send(m, img, len), 0);
        assert_int_equal(fw_verify(f, NULL), 250);
    }
    assert_int_equal(evlog_count(m, EVLOG_METRO), metro + 2);
    /* fill the log to three records short of full: no initiate */
    while (evlog_depth(EVLOG_METRO) - evlog_count(m, EVLOG_METRO) >= FWIMG_LOG_RESERVE)
        evlog_add(m, EV_LEGAL_PARAM_CHANGE, METER_SRC_FACTORY, 0, 0);
    uint32_t full = evlog_count(m, EVLOG_METRO);
    assert_int_equal(fw_initiate(m, "y", len, METER_ACC_MANAGER), 250);
    assert_int_equal(evlog_count(m, EVLOG_METRO), full);
    assert_int_equal(m->legal.audit.last_why, AUDIT_LOG_FULL);
    fwm_free(f);
}

static void test_key_rules(void **state)
{
    (void)state;
    const uint8_t *k = fwimg_key();
    assert_non_null(k); /* development build: the test key */
    assert_true(fwimg_key_is_test(k));
    assert_true(fwimg_key_allowed(k, false));
    assert_false(fwimg_key_allowed(k, true)); /* a production build refuses it */
    uint8_t other[64];
    memcpy(other, k, 64);
    other[5] ^= 1;
    assert_true(fwimg_key_allowed(other, true));
}

/* One transfer, step by step; after each step the caller may cut. */
static unsigned steps_run(struct fwm *f, const uint8_t *im, uint32_t len, unsigned upto)
{
    struct meas_block b = vmeter_block_kw(1.0);
    unsigned step = 0;
    uint32_t nb = (len + METER_FW_BLOCK_SIZE - 1) / METER_FW_BLOCK_SIZE;
    if (step++ == upto) return step;
    fw_initiate(&f->v.m, "pc", len, METER_ACC_MANAGER);
    for (uint32_t k = 0; k < nb; k++) {
        if (step++ == upto) return step;
        uint32_t n = len - k * METER_FW_BLOCK_SIZE;
        fw_block(&f->v.m, k, im + k * METER_FW_BLOCK_SIZE, n > METER_FW_BLOCK_SIZE ? METER_FW_BLOCK_SIZE : n,
                 METER_ACC_MANAGER);
    }
    if (step++ == upto) return step;
    int r = fw_simple(&f->v.m, 3, METER_ACC_MANAGER);
    while (r == 2) {
        if (step++ == upto) return step;
        vmeter_step_block(&f->v, &b);
        r = fw_simple(&f->v.m, 3, METER_ACC_MANAGER);
    }
    if (step++ == upto) return step;
    fw_simple(&f->v.m, 4, METER_ACC_MANAGER);
    for (int s = 0; s < 3; s++) {
        if (step++ == upto) return step;
        vmeter_step_block(&f->v, &b);
    }
    return 0; /* ran to the end */
}

/* What a meter must look like after any power cut. */
static void consistent(struct fwm *f, const char *old, const char *new_id)
{
    struct meter *m = &f->v.m;
    char id[64];
    fw_id_row(m, id);
    assert_true(strcmp(id, old) == 0 || strcmp(id, new_id) == 0);
    assert_int_equal(m->fw.ctl.state, 0);
    assert_true(m->fw.status == FWIMG_ST_IDLE || m->fw.status == FWIMG_ST_ACTIVATED ||
                m->fw.status == FWIMG_ST_ACTIVATE_FAILED);
    assert_int_equal(m->status & (METER_ST_SELFTEST_FAIL | METER_ST_NVM_FAIL), 0);
    if (strcmp(id, new_id) == 0) {
        assert_true(m->fw.ctl.active < 2);
        assert_int_equal(m->fw.ctl.version, V(0, 2, 0));
    } else {
        assert_int_equal(m->fw.ctl.active, FWIMG_BUILTIN);
    }
}

/* After the cut the meter still takes an image. */
static void still_updates(struct fwm *f, uint32_t version, const char *ident)
{
    static uint8_t im2[FWIMG_HDR_SIZE + 800];
    uint32_t len = fw_make(im2, version, ident, 800, 11, FW_TEST_D);
    assert_int_equal(fw_initiate(&f->v.m, "again", len, METER_ACC_MANAGER), 0);
    assert_int_equal(fw_send(&f->v.m, im2, len), 0);
    assert_int_equal(fw_verify(f, NULL), 0);
    assert_int_equal(fw_simple(&f->v.m, 4, METER_ACC_MANAGER), 0);
    fwm_cut(f);
    char id[64];
    assert_string_equal(fw_id_row(&f->v.m, id), ident);
}

static void test_power_cut_every_step(void **state)
{
    (void)state;
    static const char *old = METER_FW_NAME " " METER_FW_VERSION;
    static uint8_t im[FWIMG_HDR_SIZE + 2500];
    uint32_t len = fw_make(im, V(0, 2, 0), "trimeter 0.2.0", 2500, 5, FW_TEST_D);
    unsigned cuts = 0, news = 0;
    /* between any two steps of the transfer */
    for (unsigned upto = 0;; upto++) {
        struct fwm *f = fwm_new();
        unsigned r = steps_run(f, im, len, upto);
        fwm_cut(f);
        consistent(f, old, "trimeter 0.2.0");
        char id[64];
        bool activated = strcmp(fw_id_row(&f->v.m, id), "trimeter 0.2.0") == 0;
        news += activated;
        /* the second cut changes nothing */
        fwm_cut(f);
        assert_string_equal(fw_id_row(&f->v.m, id), activated ? "trimeter 0.2.0" : old);
        still_updates(f, V(0, 4, 0), "trimeter 0.4.0");
        fwm_free(f);
        cuts++;
        if (r == 0)
            break;
    }
    assert_true(cuts > 20);
    assert_true(news >= 4); /* a cut after the activation boots the new image */
    /* in the middle of every program of the slots and the boot control,
     * the boot's own included */
    struct fwm *probe = fwm_new();
    steps_run(probe, im, len, 100000);
    uint32_t writes = probe->v.hw.fw_writes;
    fwm_cut(probe);
    uint32_t boot_writes = probe->v.hw.fw_writes;
    fwm_free(probe);
    assert_true(writes > 10);
    assert_int_equal(boot_writes, 2); /* trial, outcome */
    for (uint32_t w = 1; w <= writes + boot_writes; w++) {
        struct fwm *f = fwm_new();
        if (w <= writes)
            f->v.hw.fw_cut = w;
        steps_run(f, im, len, 100000);
        if (w <= writes) {
            fwm_cut(f);
        } else { /* the boot's own programs */
            int64_t t = f->v.m.now + 5;
            memset(&f->v, 0, sizeof f->v);
            vmeter_wire(&f->v, f->nvm, VMETER_NVM_SIZE, t);
            f->v.hw.fw_mem = f->fw;
            f->v.hw.fw_cut = w - writes;
            meter_init(&f->v.m, &f->v.hal);
            fwm_cut(f);
        }
        consistent(f, old, "trimeter 0.2.0");
        still_updates(f, V(0, 4, 0), "trimeter 0.4.0");
        fwm_free(f);
    }
}

/* A cut inside the boot's own programs: the trial record written, the
 * outcome not: the next boot reverts (the trial did not finish). */
static void test_power_cut_in_trial(void **state)
{
    (void)state;
    static uint8_t im[FWIMG_HDR_SIZE + 1000];
    uint32_t len = fw_make(im, V(0, 2, 0), "trimeter 0.2.0", 1000, 5, FW_TEST_D);
    struct fwm *f = fwm_new();
    assert_int_equal(fw_initiate(&f->v.m, "t", len, METER_ACC_MANAGER), 0);
    assert_int_equal(fw_send(&f->v.m, im, len), 0);
    assert_int_equal(fw_verify(f, NULL), 0);
    assert_int_equal(fw_simple(&f->v.m, 4, METER_ACC_MANAGER), 0);
    /* boot with the second program (the outcome) failing half-way */
    int64_t t = f->v.m.now + 5;
    memset(&f->v, 0, sizeof f->v);
    vmeter_wire(&f->v, f->nvm, VMETER_NVM_SIZE, t);
    f->v.hw.fw_mem = f->fw;
    f->v.hw.fw_cut = 2;
    meter_init(&f->v.m, &f->v.hal);
    fwm_cut(f);
    struct meter *m = &f->v.m;
    char id[64];
    assert_int_equal(m->fw.status, FWIMG_ST_ACTIVATE_FAILED);
    assert_int_equal(m->fw.why, FWIMG_W_INTERRUPTED);
    assert_string_equal(fw_id_row(m, id), METER_FW_NAME " " METER_FW_VERSION);
    still_updates(f, V(0, 2, 1), "trimeter 0.2.1");
    fwm_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_transfer_verify_activate),
        cmocka_unit_test(test_refused_images),
        cmocka_unit_test(test_boot_fallback),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_log_bounded),
        cmocka_unit_test(test_key_rules),
        cmocka_unit_test(test_power_cut_every_step),
        cmocka_unit_test(test_power_cut_in_trial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
