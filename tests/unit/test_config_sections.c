/* Configuration sections (src/legal/config.c): the image written by
 * firmware 0.1.0 (tests/fixtures/config_v1.hex, made by gen_config_v1.c at
 * commit 702e27c) loads with every setting kept; a section of another
 * version falls back to its factory defaults alone, audited; a legal
 * section that cannot be used is reported; the image fits the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "legal/config.h"
#include "vmeter.h"

/* 2026-03-30 00:00 UTC: a day after the fixture was written */
#define T1 1774828800LL

static uint8_t *load_fixture(void)
{
    uint8_t *nvm = malloc(VMETER_NVM_SIZE);
    memset(nvm, 0xff, VMETER_NVM_SIZE);
    FILE *f = fopen(TRIMETER_SOURCE_DIR "/tests/fixtures/config_v1.hex", "r");
    assert_non_null(f);
    unsigned page;
    static char hex[2 * 512 + 8];
    unsigned pages = 0;
    while (fscanf(f, "%u %1030s", &page, hex) == 2) {
        assert_true(page < VMETER_NVM_SIZE / 512u);
        assert_int_equal(strlen(hex), 1024);
        for (unsigned i = 0; i < 512u; i++) {
            unsigned b;
            sscanf(hex + 2 * i, "%2x", &b);
            nvm[page * 512u + i] = (uint8_t)b;
        }
        pages++;
    }
    fclose(f);
    assert_true(pages > 10);
    return nvm;
}

static int64_t num(struct vmeter *v, const char *key)
{
    struct obj_value x;
    assert_int_equal(obj_read(&v->m, objtab_find_key(key), METER_ACC_CAL, &x), METER_OK);
    return x.i;
}

static void text_is(struct vmeter *v, const char *key, const char *want)
{
    struct obj_value x;
    assert_int_equal(obj_read(&v->m, objtab_find_key(key), METER_ACC_CAL, &x), METER_OK);
    assert_int_equal(x.type, OBJ_T_STRING);
    x.s[x.len] = '\0';
    assert_string_equal(x.s, want);
}

static unsigned events(struct vmeter *v, enum evlog_code code)
{
    unsigned n = 0;
    struct evlog_iter it;
    struct evlog_rec e;
    memset(&it, 0, sizeof it);
    while (evlog_next(&v->m, &it, &e) == METER_OK)
        n += e.code == code;
    return n;
}

/* Every setting gen_config_v1.c changed, as it set it. */
static void settings_kept(struct vmeter *v)
{
    assert_int_equal(num(v, "cal_u_gain_l1"), 71530000);
    assert_int_equal(num(v, "cal_i_gain_l2"), 23850000);
    assert_int_equal(num(v, "cal_i_lead_l3"), 1234);
    text_is(v, "tariff_calendar",
            "d1=00:00/2,06:30/1,21:00/3;d2=00:00/4;s1=03-01/1111122;s2=10-15/2222222;x=12-24/2,2027-01-06/2");
    assert_int_equal(num(v, "demand_period_min"), 30);
    text_is(v, "display_auto", "1.8.0,0.9.1");
    text_is(v, "display_battery", "1.8.0,2.8.0,0.9.1");
    text_is(v, "readout_list", "1.8.0,2.8.0,0.9.1");
    text_is(v, "iec_mode", "B");
    assert_string_equal(v->m.proto.iec.cfg.pw[0], "Reader77"); /* write-only row: the RAM copy */
    assert_int_equal(num(v, "iec_lockout_tries"), 5);
    assert_int_equal(num(v, "limiter_delay_s"), 90);
    text_is(v, "prepay_window", "1-4 10:00-14:00");
}

static void image_of_firmware_0_1_0_loads(void **state)
{
    (void)state;
    uint8_t *nvm = load_fixture();
    struct vmeter *v = calloc(1, sizeof *v);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, T1);
    settings_kept(v);
    assert_int_equal(events(v, EV_CFG_DEFAULT), 0);
    assert_int_equal(v->m.status & METER_ST_SELFTEST_FAIL, 0);
    /* its legal snapshot (format 1) is converted, not taken for lost */
    assert_int_equal(v->m.status & (METER_ST_RESTORED | METER_ST_NVM_CORRUPT), 0);
    assert_int_equal(events(v, EV_LEGAL_RESTORED), 0);
    printf("  registers of the 0.1.0 image: A+ %llu uWh, %u events\n", (unsigned long long)v->m.energy.total[0],
           v->m.evlog.head);
    /* rewritten in format 2: the next power-up reads that, the same */
    uint8_t head[4];
    uint16_t len;
    assert_int_equal(store_config_open(&v->m.store, &len), METER_OK);
    assert_int_equal(store_config_read_part(&v->m.store, 0, head, 4), METER_OK);
    assert_int_equal(head[0], 0xC5);
    assert_int_equal(head[1], 2);
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    settings_kept(v);
    assert_int_equal(events(v, EV_CFG_DEFAULT), 0);
    free(v);
    free(nvm);
}

/* The stored image's header of section id, found by walking it. */
static uint8_t *section_header(uint8_t *img, size_t len, uint8_t id)
{
    size_t at = 4;
    while (at + 4 <= len && img[at] != 0) {
        if (img[at] == id)
            return img + at;
        at += 4u + (size_t)(img[at + 2] | img[at + 3] << 8);
    }
    return NULL;
}

/* Rewrite the stored image with section id's version changed: what a
 * firmware whose section changed finds. */
static void change_version(struct vmeter *v, uint8_t id, uint8_t version)
{
    static uint8_t img[STORE_CONFIG_MAX];
    memset(img, 0, sizeof img);
    assert_int_equal(store_config_read(&v->m.store, img), METER_OK);
    uint8_t *h = section_header(img, v->m.store.layout.config_size, id);
    assert_non_null(h);
    h[1] = version;
    assert_int_equal(store_config_write(&v->m.store, img), METER_OK);
}

static void changed_section_alone_falls_back(void **state)
{
    (void)state;
    uint8_t *nvm = load_fixture();
    struct vmeter *v = calloc(1, sizeof *v);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, T1);
    change_version(v, CFG_ID_DISPLAY, 7);
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    /* the display lists are factory again ... */
    struct display_cfg fac;
    display_cfg_default(&fac);
    assert_memory_equal(&v->m.ui.cfg, &fac, sizeof fac);
    /* ... with an audit record naming the section and the stored version */
    assert_int_equal(events(v, EV_CFG_DEFAULT), 1);
    struct evlog_iter it;
    struct evlog_rec e, last;
    memset(&it, 0, sizeof it);
    memset(&last, 0, sizeof last);
    while (evlog_next(&v->m, &it, &e) == METER_OK)
        if (e.code == EV_CFG_DEFAULT)
            last = e;
    assert_int_equal(last.a, CFG_ID_DISPLAY);
    assert_int_equal(last.b, 7);
    /* ... and every other section kept */
    assert_int_equal(num(v, "cal_u_gain_l1"), 71530000);
    assert_int_equal(num(v, "demand_period_min"), 30);
    text_is(v, "readout_list", "1.8.0,2.8.0,0.9.1");
    assert_int_equal(num(v, "limiter_delay_s"), 90);
    assert_int_equal(v->m.status & METER_ST_SELFTEST_FAIL, 0); /* a setting, not a fault */
    free(v);
    free(nvm);
}

/* A calibration of an unknown version (no migration from it): the meter
 * reports a fault instead of measuring quietly with nominal constants. */
static void unusable_calibration_is_a_fault(void **state)
{
    (void)state;
    uint8_t *nvm = load_fixture();
    struct vmeter *v = calloc(1, sizeof *v);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, T1);
    change_version(v, CFG_ID_CALIBRATION, 200);
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    assert_true(v->m.status & METER_ST_SELFTEST_FAIL);
    assert_int_equal(events(v, EV_CFG_DEFAULT), 1);
    assert_int_equal(num(v, "demand_period_min"), 30);
    free(v);
    free(nvm);
}

/* The calibration section before its extension (version 1: struct
 * metro_cal alone), in a format-2 image as the firmware of the section API
 * wrote it: migrated, the calibration kept, the extension uncompensated and
 * 4-wire; the extension written afterwards survives a power-up. */
static void calibration_v1_section_migrates(void **state)
{
    (void)state;
    uint8_t *nvm = load_fixture();
    struct vmeter *v = calloc(1, sizeof *v);
    vmeter_boot(v, nvm, VMETER_NVM_SIZE, T1);
    static uint8_t img[STORE_CONFIG_MAX], out[STORE_CONFIG_MAX];
    memset(img, 0, sizeof img);
    memset(out, 0, sizeof out);
    assert_int_equal(store_config_read(&v->m.store, img), METER_OK);
    size_t len = (size_t)(img[2] | img[3] << 8);
    uint8_t *h = section_header(img, len, CFG_ID_CALIBRATION);
    assert_non_null(h);
    size_t old = (size_t)(h[2] | h[3] << 8), v1 = sizeof(struct metro_cal);
    assert_int_equal(old, v1 + sizeof(struct metro_cal_ext));
    /* the same image with the section cut back to version 1 */
    size_t at = (size_t)(h - img);
    memcpy(out, img, at + 4 + v1);
    out[at + 1] = 1;
    out[at + 2] = (uint8_t)v1;
    out[at + 3] = (uint8_t)(v1 >> 8);
    memcpy(out + at + 4 + v1, h + 4 + old, len - at - 4 - old);
    size_t nlen = len - (old - v1);
    out[2] = (uint8_t)nlen;
    out[3] = (uint8_t)(nlen >> 8);
    assert_int_equal(store_config_write(&v->m.store, out), METER_OK);
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    settings_kept(v);
    struct metro_cal_ext zero;
    metro_calx_default(&zero);
    assert_memory_equal(&v->m.metro.calx, &zero, sizeof zero);
    assert_int_equal(events(v, EV_CFG_DEFAULT), 0);
    assert_int_equal(v->m.status & METER_ST_SELFTEST_FAIL, 0);
    /* the extension, sealed like the calibration: refused with the switch open ... */
    struct obj_value x;
    memset(&x, 0, sizeof x);
    x.type = OBJ_T_INT;
    x.i = 3;
    const struct obj_def *w = objtab_find_key("metro_wiring");
    assert_non_null(w);
    assert_int_equal(obj_write(&v->m, w, METER_ACC_MANAGER, &x, METER_SRC_FACTORY), METER_EACCES);
    /* ... written with it closed, kept across a power-up */
    v->hw.inputs |= METER_IN_CAL_SWITCH;
    assert_int_equal(obj_write(&v->m, w, METER_ACC_MANAGER, &x, METER_SRC_FACTORY), METER_OK);
    x.i = -34000;
    assert_int_equal(obj_write(&v->m, objtab_find_key("cal_rtc_k"), METER_ACC_MANAGER, &x, METER_SRC_FACTORY), METER_OK);
    x.i = 4;
    assert_true(obj_write(&v->m, w, METER_ACC_MANAGER, &x, METER_SRC_FACTORY) < 0); /* no such wiring */
    v->hw.inputs &= ~(uint32_t)METER_IN_CAL_SWITCH;
    memset(&v->m, 0, sizeof v->m);
    meter_init(&v->m, &v->hal);
    assert_int_equal(num(v, "metro_wiring"), 3);
    assert_int_equal(num(v, "cal_rtc_k"), -34000);
    settings_kept(v);
    free(v);
    free(nvm);
}

static void image_fits_the_store(void **state)
{
    (void)state;
    size_t n = 0, bytes = 5;
    const struct cfg_section *c;
    uint32_t ids = 0;
    while ((c = config_section_at(n)) != NULL) {
        assert_true(c->id > 0 && c->id < 32);
        assert_int_equal(ids & (1u << c->id), 0); /* ids are unique */
        ids |= 1u << c->id;
        assert_non_null(c->ram);
        assert_non_null(c->factory);
        bytes += 4u + c->size;
        n++;
    }
    assert_true(n <= 24); /* CONFIG_SECTIONS_MAX of config.c */
    assert_true(bytes <= STORE_CONFIG_MAX);
    assert_int_equal(config_image_size(), bytes);
    printf("configuration image: %zu sections, %zu of %u bytes\n", n, bytes, (unsigned)STORE_CONFIG_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_of_firmware_0_1_0_loads),
        cmocka_unit_test(changed_section_alone_falls_back),
        cmocka_unit_test(unusable_calibration_is_a_fault),
        cmocka_unit_test(calibration_v1_section_migrates),
        cmocka_unit_test(image_fits_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
