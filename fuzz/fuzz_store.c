/*
 * fuzz_store — mounts arbitrary EEPROM images. The store must never crash,
 * hang or read/write outside the part, whatever it finds, and must keep
 * working (writes, reads, remount) afterwards.
 *
 * Input: byte 0 = mode, byte 1 = layout variant, then
 *   mode even: the image itself (16 KiB part, 64-byte pages; missing bytes
 *              are erased 0xFF)
 *   mode odd:  patches over a valid image (64 KiB part, 512-byte pages,
 *              built once by a fixed workload): repeated
 *              [offset u16 LE, in 16-byte units][len u8][len bytes]
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvmdev.h"
#include "store/store.h"

#define RAW_SIZE (16u * 1024u)
#define RAW_PAGE 64u
#define BASE_SIZE (64u * 1024u)
#define BASE_PAGE 512u

static void layout_of(unsigned variant, struct store_layout *l)
{
    memset(l, 0, sizeof *l);
    l->legal_size = (uint16_t)(variant & 1 ? 200 : 136);
    l->config_size = (uint16_t)(variant & 2 ? 600 : 300);
    l->nlogs = (uint8_t)(variant & 4 ? 4 : 3);
    l->logs[0] = (struct store_log_def){.rec_size = 64, .depth = 4};
    l->logs[1] = (struct store_log_def){.rec_size = 4, .depth = (variant & 8) ? 40 : 24};
    l->logs[2] = (struct store_log_def){.rec_size = 16, .depth = 12};
    l->logs[3] = (struct store_log_def){.rec_size = 24, .depth = 6};
}

/* Everything an application does after a mount, all results ignored. */
static void exercise(struct store *s, const struct nvmdev *d, const struct store_layout *l)
{
    uint8_t buf[STORE_CONFIG_MAX];
    store_legal_read(s, buf);
    store_config_read(s, buf);
    for (unsigned i = 0; i < l->nlogs; i++) {
        uint32_t n = store_log_count(s, i);
        for (uint32_t k = 0; k < n && k < 64; k++)
            store_log_read(s, i, k, buf);
        store_log_read(s, i, n, buf);
    }
    struct store_area map[32];
    store_map(s, map, 32);
    memset(buf, 0x42, sizeof buf);
    store_legal_write(s, buf);
    store_config_write(s, buf);
    for (unsigned i = 0; i < l->nlogs; i++)
        store_log_append(s, i, buf);
    store_log_resize(s, 1, 8, 10);
    store_log_clear(s, 2);
    store_mount(s, &d->hal, l);
    store_legal_read(s, buf);
    store_config_read(s, buf);
    for (unsigned i = 0; i < l->nlogs; i++)
        if (store_log_count(s, i) > 0)
            store_log_read(s, i, store_log_count(s, i) - 1, buf);
}

static uint8_t *base_image(void)
{
    static uint8_t *img;
    if (img != NULL)
        return img;
    struct nvmdev d;
    static struct store s;
    struct store_layout l;
    if (nvmdev_open(&d, BASE_SIZE, BASE_PAGE) < 0)
        return NULL;
    layout_of(0, &l);
    store_mount(&s, &d.hal, &l);
    uint8_t r[STORE_CONFIG_MAX];
    for (unsigned k = 0; k < 200; k++) {
        memset(r, (int)k, sizeof r);
        store_legal_write(&s, r);
        store_log_append(&s, k % 3u, r);
        if (k % 50 == 0)
            store_config_write(&s, r);
    }
    img = d.img; /* kept for the life of the process */
    return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct store s;
    struct nvmdev d;
    struct store_layout l;
    if (size < 2)
        return 0;
    unsigned mode = data[0], variant = data[1];
    data += 2;
    size -= 2;
    layout_of(variant, &l);
    if (mode % 2 == 0) {
        if (nvmdev_open(&d, RAW_SIZE, RAW_PAGE) < 0)
            return 0;
        memcpy(d.img, data, size < RAW_SIZE ? size : RAW_SIZE);
    } else {
        const uint8_t *base = base_image();
        if (base == NULL || nvmdev_open(&d, BASE_SIZE, BASE_PAGE) < 0)
            return 0;
        memcpy(d.img, base, BASE_SIZE);
        size_t i = 0;
        while (i + 3 <= size) {
            uint32_t off = (uint32_t)(data[i] | data[i + 1] << 8) * 16u % BASE_SIZE;
            size_t n = data[i + 2];
            i += 3;
            if (n > size - i)
                n = size - i;
            if (n > BASE_SIZE - off)
                n = BASE_SIZE - off;
            memcpy(d.img + off, data + i, n);
            i += n;
        }
    }
    if ((variant & 0x80) && d.hal.nvm_page_size > 64) {
        /* the image on another geometry than it was written for */
        d.hal.nvm_page_size /= 2;
    }
    store_mount(&s, &d.hal, &l);
    exercise(&s, &d, &l);
    nvmdev_close(&d);
    return 0;
}
