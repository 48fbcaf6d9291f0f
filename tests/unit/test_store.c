/* The store: mount/format, legal snapshot and configuration (two copies,
 * torn writes, flipped bits, repair), log rings (wrap, read-back, clear,
 * resize, correction), layout upgrades, the supply-fail rule, memory map,
 * RAM size. The exhaustive power-loss proof is tests/powerloss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nvmdev.h"
#include "store/store.h"
#include "trimeter/err.h"
#include "util/crc.h"

#define SZ (64u * 1024u)
#define PG 256u

static struct nvmdev dev;
static struct store st;

static struct store_layout layout(void)
{
    struct store_layout l;
    memset(&l, 0, sizeof l);
    l.legal_size = 120;
    l.config_size = 300;
    l.nlogs = 3;
    l.logs[0] = (struct store_log_def){.rec_size = 40, .depth = 12};
    l.logs[1] = (struct store_log_def){.rec_size = 4, .depth = 500};
    l.logs[2] = (struct store_log_def){.rec_size = 20, .depth = 30};
    return l;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(nvmdev_open(&dev, SZ, PG), METER_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nvmdev_close(&dev);
    return 0;
}

static int mount(const struct store_layout *l)
{
    memset(&st, 0xa5, sizeof st); /* RAM is garbage after a reset */
    return store_mount(&st, &dev.hal, l);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 31u + i * 7u + (seed >> 3));
}

/* Address of the newest record of a dual ring. */
static uint32_t head_addr(const struct store_ring *r)
{
    uint32_t idx = r->next == 0 ? r->nslots - 1 : r->next - 1;
    return store_slot_addr(&st, r, idx);
}

static void fresh_device_formats(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t buf[300];
    assert_int_equal(mount(&l), METER_OK);
    assert_true(st.flags & STORE_F_MOUNTED);
    assert_true(st.flags & STORE_F_FORMATTED);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, buf), METER_ENOENT);
    assert_int_equal(store_config_read(&st, buf), METER_ENOENT);
    assert_int_equal(store_log_count(&st, 0), 0);
    /* a second mount finds the superblock */
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & (STORE_F_FORMATTED | STORE_F_CORRUPT | STORE_F_UPGRADED));
}

static void legal_round_trip_and_skip(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[120], b[120];
    assert_int_equal(mount(&l), METER_OK);
    for (uint32_t k = 1; k <= 1000; k++) {
        fill(a, sizeof a, k);
        assert_int_equal(store_legal_write(&st, a), METER_OK);
    }
    uint64_t ops = dev.hw.eeprom.ops;
    assert_int_equal(store_legal_write(&st, a), METER_OK); /* identical: no write */
    assert_int_equal(dev.hw.eeprom.ops, ops);
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, b), METER_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(st.hseq[0], 1000);
    assert_int_equal(st.hseq[1], 1000);
    /* after a read the store knows both copies hold it: identical write skipped */
    ops = dev.hw.eeprom.ops;
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    assert_int_equal(dev.hw.eeprom.ops, ops);
    /* one commit = STORE_LEGAL_WRITE_OPS program operations */
    fill(a, sizeof a, 5000);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    assert_int_equal(dev.hw.eeprom.ops, ops + STORE_LEGAL_WRITE_OPS);
}

static void legal_torn_writes(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[120], b[120], c[120];
    assert_int_equal(mount(&l), METER_OK);
    fill(a, sizeof a, 1);
    fill(b, sizeof b, 2);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    /* cut in copy A: the old value, no corruption reported */
    eeprom_cut_after(&dev.hw.eeprom, 50, EEPROM_TEAR_WORD, 9);
    assert_int_not_equal(store_legal_write(&st, b), METER_OK);
    eeprom_power_on(&dev.hw.eeprom);
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(c, a, sizeof a);
    /* cut in copy B: the new value, B repaired at mount, no corruption */
    uint32_t alen = store_blob_bytes(120);
    eeprom_cut_after(&dev.hw.eeprom, alen + 30, EEPROM_TEAR_CYCLE, 9);
    assert_int_equal(store_legal_write(&st, b), METER_OK); /* A made it */
    eeprom_power_on(&dev.hw.eeprom);
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_true(st.flags & STORE_F_REPAIRED);
    assert_int_equal(st.hseq[0], st.hseq[1]);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(c, b, sizeof b);
}

static void legal_flips_and_bad_page(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[120], c[120];
    assert_int_equal(mount(&l), METER_OK);
    for (uint32_t k = 1; k <= 7; k++) {
        fill(a, sizeof a, k);
        assert_int_equal(store_legal_write(&st, a), METER_OK);
    }
    for (unsigned copy = 0; copy < 2; copy++) {
        /* a flipped bit in either copy of the newest record: exact value,
         * reported, and the copy rewritten (so the next mount is clean) */
        eeprom_flip(&dev.hw.eeprom, head_addr(&st.legal[copy]) + 40, 0x04);
        assert_int_equal(mount(&l), METER_OK);
        assert_true(st.flags & STORE_F_CORRUPT);
        assert_true(st.flags & STORE_F_REPAIRED);
        assert_int_equal(store_legal_read(&st, c), METER_OK);
        assert_memory_equal(c, a, sizeof a);
        assert_int_equal(mount(&l), METER_OK);
        assert_false(st.flags & STORE_F_CORRUPT);
    }
    /* the whole page holding copy A's newest record goes bad */
    assert_int_equal(mount(&l), METER_OK);
    uint32_t pa = head_addr(&st.legal[0]) / PG * PG;
    for (uint32_t i = 0; i < PG; i++)
        dev.img[pa + i] = (uint8_t)(i * 13u + 7u);
    assert_int_equal(mount(&l), METER_OK);
    assert_true(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(c, a, sizeof a);
    /* and the store carries on from there */
    fill(a, sizeof a, 99);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(c, a, sizeof a);
}

static void config_old_or_new(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[300], b[300], c[300];
    fill(a, sizeof a, 3);
    fill(b, sizeof b, 4);
    assert_int_equal(mount(&l), METER_OK);
    assert_int_equal(store_config_write(&st, a), METER_OK);
    /* torn in the middle of copy A (the record spans two pages) */
    eeprom_cut_after(&dev.hw.eeprom, 280, EEPROM_TEAR_PREFIX, 1);
    assert_int_not_equal(store_config_write(&st, b), METER_OK);
    eeprom_power_on(&dev.hw.eeprom);
    assert_int_equal(mount(&l), METER_OK);
    assert_int_equal(store_config_read(&st, c), METER_OK);
    assert_memory_equal(c, a, sizeof a);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_config_write(&st, b), METER_OK);
    assert_int_equal(mount(&l), METER_OK);
    assert_int_equal(store_config_read(&st, c), METER_OK);
    assert_memory_equal(c, b, sizeof b);
}

static void logs_wrap_and_read_back(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t r[40], x[40];
    assert_int_equal(mount(&l), METER_OK);
    uint32_t nslots = st.logs[0].nslots;
    assert_true(nslots > 12);
    for (uint32_t k = 0; k < 5 * nslots + 3; k++) {
        fill(r, sizeof r, k);
        assert_int_equal(store_log_append(&st, 0, r), METER_OK);
        if (k % 7 == 0) {
            assert_int_equal(mount(&l), METER_OK);
            assert_false(st.flags & STORE_F_CORRUPT);
        }
        uint32_t n = store_log_count(&st, 0);
        assert_int_equal(n, k + 1 < 12 ? k + 1 : 12);
        for (uint32_t i = 0; i < n; i++) {
            assert_int_equal(store_log_read(&st, 0, i, x), METER_OK);
            fill(r, sizeof r, k + 1 - n + i);
            assert_memory_equal(x, r, sizeof r);
        }
    }
    assert_int_equal(store_log_read(&st, 0, 12, x), METER_ENOENT);
    assert_int_equal(store_log_append(&st, 3, r), METER_EINVAL);
}

static void log_flips_corrected(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t r[20], x[20];
    assert_int_equal(mount(&l), METER_OK);
    for (uint32_t k = 0; k < 45; k++) {
        fill(r, sizeof r, k);
        assert_int_equal(store_log_append(&st, 2, r), METER_OK);
    }
    const struct store_ring *g = &st.logs[2];
    /* an old record and the newest one take a flipped bit each (in turn) */
    uint32_t old = (g->next + g->nslots - g->count + 3) % g->nslots;
    uint32_t newest = (g->next + g->nslots - 1) % g->nslots;
    uint32_t slots[2] = {old, newest};
    for (unsigned t = 0; t < 2; t++) {
        uint32_t at = store_slot_addr(&st, g, slots[t]) + 5;
        eeprom_flip(&dev.hw.eeprom, at, 0x80);
        assert_int_equal(mount(&l), METER_OK);
        assert_true(st.flags & STORE_F_CORRUPT);
        assert_int_equal(store_log_count(&st, 2), 30);
        for (uint32_t i = 0; i < 30; i++) {
            assert_int_equal(store_log_read(&st, 2, i, x), METER_OK);
            fill(r, sizeof r, 15 + i);
            assert_memory_equal(x, r, sizeof r);
        }
        eeprom_flip(&dev.hw.eeprom, at, 0x80);
    }
    /* two flipped bits in one record: detected, not miscorrected */
    uint32_t at = store_slot_addr(&st, g, old);
    eeprom_flip(&dev.hw.eeprom, at + 1, 0x01);
    eeprom_flip(&dev.hw.eeprom, at + 9, 0x20);
    assert_int_equal(mount(&l), METER_OK);
    assert_true(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_log_read(&st, 2, 3, x), METER_ECORRUPT);
    assert_int_equal(store_log_read(&st, 2, 4, x), METER_OK);
}

static void clear_and_resize(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t r[8] = {1, 2, 3, 4, 5, 6, 7, 8}, x[8];
    assert_int_equal(mount(&l), METER_OK);
    for (int k = 0; k < 100; k++)
        assert_int_equal(store_log_append(&st, 1, r), METER_OK);
    assert_int_equal(store_log_clear(&st, 1), METER_OK);
    assert_int_equal(store_log_count(&st, 1), 0);
    assert_int_equal(mount(&l), METER_OK);
    assert_int_equal(store_log_count(&st, 1), 0);
    assert_false(st.flags & STORE_F_CORRUPT);
    /* resize within the area (500 x 4 B): 8-byte records, depth 250 */
    assert_int_equal(store_log_resize(&st, 1, 8, 400), METER_ENOSPC);
    assert_int_equal(store_log_resize(&st, 1, 8, 250), METER_OK);
    for (int k = 0; k < 300; k++) {
        r[0] = (uint8_t)k;
        assert_int_equal(store_log_append(&st, 1, r), METER_OK);
    }
    /* the next boot mounts the declared layout, then asks for the same size: kept */
    assert_int_equal(mount(&l), METER_OK);
    assert_int_equal(store_log_rec_size(&st, 1), 8);
    assert_int_equal(store_log_depth(&st, 1), 250);
    assert_int_equal(store_log_resize(&st, 1, 8, 250), METER_OK);
    assert_int_equal(store_log_count(&st, 1), 250);
    assert_int_equal(store_log_read(&st, 1, 249, x), METER_OK);
    assert_int_equal(x[0], (uint8_t)299);
    /* another size clears it */
    assert_int_equal(store_log_resize(&st, 1, 4, 500), METER_OK);
    assert_int_equal(store_log_count(&st, 1), 0);
    assert_int_equal(store_log_count(&st, 0), 0);
}

static void layout_upgrade(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[200], c[200], r[40], x[40];
    assert_int_equal(mount(&l), METER_OK);
    fill(a, 120, 11);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    for (uint32_t k = 0; k < 20; k++) {
        fill(r, sizeof r, k);
        assert_int_equal(store_log_append(&st, 0, r), METER_OK);
        assert_int_equal(store_log_append(&st, 2, r), METER_OK);
    }
    /* new firmware: a bigger snapshot, log 2 deeper, one more log */
    struct store_layout n = l;
    n.legal_size = 200;
    n.logs[2].depth = 40;
    n.nlogs = 4;
    n.logs[3] = (struct store_log_def){.rec_size = 12, .depth = 10};
    assert_int_equal(mount(&n), METER_OK);
    assert_true(st.flags & STORE_F_UPGRADED);
    assert_int_equal(st.cleared, 1u << 2);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_int_equal(store_legal_read(&st, c), METER_OK); /* zero-extended */
    assert_memory_equal(c, a, 120);
    for (unsigned i = 120; i < 200; i++)
        assert_int_equal(c[i], 0);
    assert_int_equal(store_log_count(&st, 0), 12);
    assert_int_equal(store_log_read(&st, 0, 11, x), METER_OK);
    fill(r, sizeof r, 19);
    assert_memory_equal(x, r, sizeof r);
    assert_int_equal(store_log_count(&st, 2), 0);
    assert_int_equal(store_log_count(&st, 3), 0);
    /* mounting the new layout again changes nothing */
    assert_int_equal(mount(&n), METER_OK);
    assert_false(st.flags & (STORE_F_UPGRADED | STORE_F_CORRUPT));
    assert_int_equal(store_log_count(&st, 0), 12);
}

static bool supply;
static bool supply_ok(void *ctx)
{
    (void)ctx;
    return supply;
}

static void supply_warning_keeps_the_bus_for_legal(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t a[300];
    fill(a, sizeof a, 1);
    assert_int_equal(mount(&l), METER_OK);
    dev.hal.supply_ok = supply_ok;
    supply = false;
    uint64_t ops = dev.hw.eeprom.ops;
    assert_int_equal(store_log_append(&st, 0, a), METER_EBUSY);
    assert_int_equal(store_config_write(&st, a), METER_EBUSY);
    assert_int_equal(store_log_clear(&st, 0), METER_OK); /* empty: nothing to do */
    assert_int_equal(dev.hw.eeprom.ops, ops);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    assert_int_equal(dev.hw.eeprom.ops, ops + STORE_LEGAL_SAVE_OPS);
    fill(a, sizeof a, 2);
    assert_int_equal(store_legal_write(&st, a), METER_OK); /* a second save: still one page each */
    assert_int_equal(dev.hw.eeprom.ops, ops + 2 * STORE_LEGAL_SAVE_OPS);
    supply = true;
    /* the next boot: the newest save, copy B brought up, nothing reported */
    uint8_t c[300];
    assert_int_equal(mount(&l), METER_OK);
    assert_false(st.flags & STORE_F_CORRUPT);
    assert_true(st.flags & STORE_F_REPAIRED);
    assert_int_equal(st.hseq[0], st.hseq[1]);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(c, a, 120);
    assert_int_equal(store_log_append(&st, 0, a), METER_OK);
    dev.hal.supply_ok = NULL;
}

/* Encode a blob record the way docs/STORE.md describes it (an independent
 * implementation of the format: salt, slot index, stored bytes, parity). */
static void forge_blob(const struct store_ring *r, uint32_t idx, uint8_t par, uint32_t seq,
                       const uint8_t *payload, uint16_t len)
{
    uint8_t salt[20] = {'T', 'M', 'S', '1', r->id, 0, (uint8_t)r->slot, (uint8_t)(r->slot >> 8),
                        (uint8_t)r->epoch, (uint8_t)(r->epoch >> 8), (uint8_t)(r->epoch >> 16),
                        (uint8_t)(r->epoch >> 24), (uint8_t)r->nslots, (uint8_t)(r->nslots >> 8),
                        (uint8_t)(r->nslots >> 16), (uint8_t)(r->nslots >> 24), (uint8_t)r->base,
                        (uint8_t)(r->base >> 8), (uint8_t)r->pages, (uint8_t)(r->pages >> 8)};
    uint8_t rec[512];
    uint32_t n = (8u + len + 3u) & ~3u;
    memset(rec, 0, sizeof rec);
    rec[0] = (uint8_t)seq;
    rec[1] = (uint8_t)(seq >> 8);
    rec[2] = (uint8_t)(seq >> 16);
    rec[3] = (uint8_t)(seq >> 24);
    rec[4] = (uint8_t)len;
    rec[5] = (uint8_t)(len >> 8);
    memcpy(rec + 8, payload, len);
    uint8_t ix[4] = {(uint8_t)idx, (uint8_t)(idx >> 8), (uint8_t)(idx >> 16), (uint8_t)(idx >> 24)};
    uint32_t crc = crc32_ieee(crc32_ieee(crc32_ieee(0, salt, 20), ix, 4), rec, n);
    crc = crc32_ieee(crc, &par, 1);
    for (int k = 0; k < 4; k++)
        rec[n + (uint32_t)k] = (uint8_t)(crc >> (8 * k));
    memcpy(dev.img + store_slot_addr(&st, r, idx), rec, n + 4);
}

static void newer_format_untouched(void **state)
{
    (void)state;
    struct store_layout l = layout();
    uint8_t sb[STORE_SUPER_PAYLOAD], a[120];
    assert_int_equal(mount(&l), METER_OK);
    /* our own encoder reproduces what the store wrote */
    struct store_ring r = st.super[0];
    uint32_t idx = r.next == 0 ? r.nslots - 1 : r.next - 1;
    uint8_t par = r.next == 0 ? (uint8_t)(r.par ^ 1) : r.par;
    uint32_t at = store_slot_addr(&st, &r, idx);
    uint8_t before[STORE_SUPER_PAYLOAD + 12];
    memcpy(before, dev.img + at, sizeof before);
    memcpy(sb, dev.img + at + 8, sizeof sb);
    forge_blob(&r, idx, par, st.sb_seq, sb, STORE_SUPER_PAYLOAD);
    assert_memory_equal(dev.img + at, before, sizeof before);
    /* firmware of format 2 wrote the superblock: we refuse and write nothing */
    sb[4] = 2;
    for (unsigned c = 0; c < 2; c++) {
        r = st.super[c];
        forge_blob(&r, r.next, r.par, st.sb_seq + 1, sb, STORE_SUPER_PAYLOAD);
    }
    uint8_t *copy = malloc(SZ);
    assert_non_null(copy);
    memcpy(copy, dev.img, SZ);
    assert_int_equal(mount(&l), METER_ENOTSUP);
    assert_true(st.flags & STORE_F_FAILED);
    assert_int_equal(store_legal_write(&st, a), METER_EINVAL);
    assert_memory_equal(dev.img, copy, SZ);
    free(copy);
    /* a foreign image (random bytes) formats without crashing */
    for (uint32_t i = 0; i < SZ; i++)
        dev.img[i] = (uint8_t)(i * 2654435761u >> 24);
    assert_int_equal(mount(&l), METER_OK);
    assert_true(st.flags & STORE_F_FORMATTED);
    assert_int_equal(store_legal_read(&st, a), METER_ENOENT);
}

static void too_big_layout(void **state)
{
    (void)state;
    struct store_layout l = layout();
    l.logs[1].depth = 100000;
    uint8_t a[120], c[120];
    fill(a, sizeof a, 8);
    assert_int_equal(mount(&l), METER_OK);
    assert_true(st.flags & STORE_F_MOUNTED);
    assert_true(st.flags & STORE_F_NOSPACE);
    assert_int_equal(store_log_append(&st, 1, a), METER_ENOSPC);
    assert_int_equal(store_log_append(&st, 2, a), METER_OK);
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    assert_int_equal(store_legal_read(&st, c), METER_OK);
    assert_memory_equal(a, c, sizeof a);
    l.legal_size = STORE_LEGAL_MAX + 1;
    assert_int_equal(mount(&l), METER_EINVAL);
    assert_true(st.flags & STORE_F_FAILED);
    assert_int_equal(store_legal_write(&st, a), METER_EINVAL);
}

static void memory_map_and_ram(void **state)
{
    (void)state;
    struct store_layout l = layout();
    struct store_area a[32];
    assert_int_equal(mount(&l), METER_OK);
    unsigned n = store_map(&st, a, 32);
    assert_int_equal(n, 6 + 3);
    uint32_t end = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(a[i].addr >= end); /* ascending, no overlap */
        assert_true(a[i].addr % PG == 0);
        end = a[i].addr + a[i].bytes;
    }
    assert_true(end <= SZ);
    assert_int_equal(a[0].kind, STORE_AREA_SUPER);
    assert_int_equal(a[1].kind, STORE_AREA_LEGAL);
    assert_int_equal(a[n - 2].kind, STORE_AREA_LEGAL);
    assert_int_equal(a[n - 2].copy, 1);
    /* the RAM budget of the brief */
    assert_true(sizeof(struct store) < 1024);
}

static void real_part_geometry(void **state)
{
    (void)state;
    /* the M95M04 with the legal area sized for the lifetime targets */
    struct nvmdev big;
    assert_int_equal(nvmdev_open(&big, 512u * 1024u, 512u), METER_OK);
    struct store_layout l = layout();
    assert_int_equal(store_mount(&st, &big.hal, &l), METER_OK);
    assert_int_equal(st.legal[0].pages, 176);
    assert_int_equal(st.legal[0].nslots, 176);
    assert_int_equal(st.legal[1].base, 1024 - 2 - 176); /* 2 superblock pages on top */
    uint8_t a[120];
    fill(a, sizeof a, 1);
    uint64_t us = big.hw.eeprom.busy_us;
    assert_int_equal(store_legal_write(&st, a), METER_OK);
    /* the emergency save: two page writes, well inside 20 ms */
    assert_true(big.hw.eeprom.busy_us - us <= 2 * eeprom_program_us(&big.hw.eeprom.part, 512));
    nvmdev_close(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fresh_device_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(legal_round_trip_and_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(legal_torn_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(legal_flips_and_bad_page, setup, teardown),
        cmocka_unit_test_setup_teardown(config_old_or_new, setup, teardown),
        cmocka_unit_test_setup_teardown(logs_wrap_and_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(log_flips_corrected, setup, teardown),
        cmocka_unit_test_setup_teardown(clear_and_resize, setup, teardown),
        cmocka_unit_test_setup_teardown(layout_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(supply_warning_keeps_the_bus_for_legal, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_format_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(too_big_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_map_and_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(real_part_geometry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
