/*
 * fleet_store.c — the fleet's EEPROM images: one sparse file, a 4 KiB
 * header and a 512 KiB slot per meter (slot i at 4096 + i * 512 KiB).
 *
 * A slot holds the image inverted (file byte = ~EEPROM byte): a hole reads
 * as zeros, i.e. as an erased EEPROM (0xFF), so a fresh fleet costs no
 * disk and a meter takes disk only for the 4 KiB blocks it has written.
 * Program operations go to the file with pwrite (they reach the page cache
 * at once: killing the process is a power cut, as with trimeter-sim's
 * --state); reads come from a read-only shared mapping, and a per-meter
 * bitmap of the blocks holding data (built with SEEK_DATA at start-up)
 * answers reads of never-written blocks without touching it, so a mount
 * maps in only what the meter has written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"
#include "trimeter/err.h"

#define FLEET_STORE_MAGIC "TRMFLEET"
#define FLEET_STORE_VERSION 1u

static off_t slot_off(uint32_t i)
{
    return (off_t)FLEET_HDR_BYTES + (off_t)i * (off_t)FLEET_SLOT_BYTES;
}

static int hdr_write(struct fleet_store *s)
{
    uint8_t buf[FLEET_HDR_BYTES];
    memset(buf, 0, sizeof buf);
    memcpy(buf, &s->hdr, sizeof s->hdr);
    return pwrite(s->fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf ? 0 : -1;
}

int fleet_store_open(struct fleet_store *s, const char *dir, uint32_t nslots, char *err, size_t n)
{
    struct fleet_store_hdr want = s->hdr; /* serial_base, start_utc: the caller's */
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0')
            tmp = "/tmp";
        snprintf(s->path, sizeof s->path, "%s", tmp);
        s->fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        s->temp = true;
    } else {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            snprintf(err, n, "%s: cannot create the state directory: %s", dir, strerror(errno));
            return -1;
        }
        snprintf(s->path, sizeof s->path, "%s/fleet.eeprom", dir);
        s->fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    }
    if (s->fd < 0) {
        snprintf(err, n, "%s: cannot open: %s", s->path, strerror(errno));
        return -1;
    }
    if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, n, "%s: in use by another trimeter-fleet", s->path);
        goto fail;
    }
    struct stat st;
    if (fstat(s->fd, &st) != 0) {
        snprintf(err, n, "%s: %s", s->path, strerror(errno));
        goto fail;
    }
    if (st.st_size == 0) {
        memcpy(s->hdr.magic, FLEET_STORE_MAGIC, 8);
        s->hdr.version = FLEET_STORE_VERSION;
        s->hdr.hdr_bytes = FLEET_HDR_BYTES;
        s->hdr.slot_bytes = FLEET_SLOT_BYTES;
        s->hdr.nslots = nslots;
        s->hdr.serial_base = want.serial_base;
        s->hdr.start_utc = want.start_utc;
        s->hdr.sim_ms = want.sim_ms;
        if (ftruncate(s->fd, slot_off(nslots)) != 0 || hdr_write(s) != 0) {
            snprintf(err, n, "%s: cannot size the state file: %s", s->path, strerror(errno));
            goto fail;
        }
    } else {
        if (pread(s->fd, &s->hdr, sizeof s->hdr, 0) != (ssize_t)sizeof s->hdr ||
            memcmp(s->hdr.magic, FLEET_STORE_MAGIC, 8) != 0 || s->hdr.version != FLEET_STORE_VERSION ||
            s->hdr.hdr_bytes != FLEET_HDR_BYTES || s->hdr.slot_bytes != FLEET_SLOT_BYTES ||
            st.st_size != slot_off(s->hdr.nslots)) {
            snprintf(err, n, "%s: not a trimeter-fleet state file of this version", s->path);
            goto fail;
        }
        s->existed = true;
        if (s->hdr.nslots < nslots) {
            /* a larger fleet on the same state: new meters start erased */
            s->hdr.nslots = nslots;
            if (ftruncate(s->fd, slot_off(nslots)) != 0 || hdr_write(s) != 0) {
                snprintf(err, n, "%s: cannot grow the state file: %s", s->path, strerror(errno));
                goto fail;
            }
        }
    }
    s->nslots = nslots;
    s->map_len = (size_t)nslots * FLEET_SLOT_BYTES;
    void *m = mmap(NULL, s->map_len, PROT_READ, MAP_SHARED, s->fd, (off_t)FLEET_HDR_BYTES);
    if (m == MAP_FAILED) {
        snprintf(err, n, "%s: cannot map: %s", s->path, strerror(errno));
        goto fail;
    }
    s->map = m;
    /* a mount reads slot by slot: read-ahead would only map in neighbours */
    madvise(m, s->map_len, MADV_RANDOM);
    return 0;
fail:
    close(s->fd);
    s->fd = -1;
    return -1;
}

void fleet_store_scan(const struct fleet_store *s, uint32_t i, uint64_t written[2])
{
    written[0] = written[1] = 0;
    if (!s->existed)
        return;
    off_t base = slot_off(i), end = base + (off_t)FLEET_SLOT_BYTES, pos = base;
    while (pos < end) {
        off_t d = lseek(s->fd, pos, SEEK_DATA);
        if (d < 0 || d >= end)
            break;
        off_t h = lseek(s->fd, d, SEEK_HOLE);
        if (h < 0 || h > end)
            h = end;
        for (off_t b = (d - base) / FLEET_BLK; b * (off_t)FLEET_BLK < h - base; b++)
            written[b / 64] |= 1ull << (b % 64);
        pos = h;
    }
}

static bool blk_written(const uint64_t written[2], uint32_t b)
{
    return (written[b / 64u] >> (b % 64u)) & 1u;
}

int fleet_store_read(const struct fleet_store *s, uint32_t i, const uint64_t written[2], uint32_t addr, void *buf,
                     size_t len)
{
    if (i >= s->nslots || addr > FLEET_SLOT_BYTES || len > FLEET_SLOT_BYTES - addr)
        return METER_EINVAL;
    uint8_t *out = buf;
    const uint8_t *img = s->map + (size_t)i * FLEET_SLOT_BYTES;
    while (len > 0) {
        uint32_t b = addr / FLEET_BLK;
        size_t k = FLEET_BLK - addr % FLEET_BLK;
        if (k > len)
            k = len;
        if (blk_written(written, b)) {
            for (size_t j = 0; j < k; j++)
                out[j] = (uint8_t)~img[addr + j];
        } else {
            memset(out, 0xff, k);
        }
        out += k;
        addr += (uint32_t)k;
        len -= k;
    }
    return METER_OK;
}

int fleet_store_program(const struct fleet_store *s, uint32_t i, uint64_t written[2], uint32_t addr,
                        const void *buf, size_t len)
{
    if (i >= s->nslots || addr > FLEET_SLOT_BYTES || len > FLEET_SLOT_BYTES - addr)
        return METER_EINVAL;
    if (len == 0)
        return METER_OK;
    if (addr / FLEET_NVM_PAGE != (addr + (uint32_t)len - 1u) / FLEET_NVM_PAGE || len > FLEET_NVM_PAGE)
        return METER_EINVAL; /* the part's page buffer would wrap: the store never asks */
    uint8_t inv[FLEET_NVM_PAGE];
    const uint8_t *in = buf;
    for (size_t j = 0; j < len; j++)
        inv[j] = (uint8_t)~in[j];
    if (pwrite(s->fd, inv, len, slot_off(i) + (off_t)addr) != (ssize_t)len)
        return METER_EIO;
    /* a page never crosses a 4 KiB block (512 divides 4096) */
    uint32_t b = addr / FLEET_BLK;
    written[b / 64u] |= 1ull << (b % 64u);
    return METER_OK;
}

void fleet_store_release(const struct fleet_store *s, uint32_t i)
{
    if (s->map != NULL && i < s->nslots)
        madvise((void *)(s->map + (size_t)i * FLEET_SLOT_BYTES), FLEET_SLOT_BYTES, MADV_DONTNEED);
}

int fleet_store_set_time(struct fleet_store *s, int64_t sim_ms)
{
    s->hdr.sim_ms = sim_ms;
    return pwrite(s->fd, &s->hdr.sim_ms, sizeof s->hdr.sim_ms, (off_t)offsetof(struct fleet_store_hdr, sim_ms)) ==
                   (ssize_t)sizeof s->hdr.sim_ms
               ? 0
               : -1;
}

uint64_t fleet_store_disk_bytes(const struct fleet_store *s)
{
    struct stat st;
    if (s->fd < 0 || fstat(s->fd, &st) != 0)
        return 0;
    return (uint64_t)st.st_blocks * 512u;
}

void fleet_store_close(struct fleet_store *s)
{
    if (s->map != NULL)
        munmap((void *)s->map, s->map_len);
    s->map = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int fleet_store_peek(const char *dir, struct fleet_store_hdr *hdr, bool *exists, char *err, size_t n)
{
    char path[PATH_MAX];
    struct stat st;
    *exists = false;
    snprintf(path, sizeof path, "%s/fleet.eeprom", dir);
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(err, n, "%s: not a directory", dir);
        return -1;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, n, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    ssize_t r = pread(fd, hdr, sizeof *hdr, 0);
    close(fd);
    if (r != (ssize_t)sizeof *hdr || memcmp(hdr->magic, FLEET_STORE_MAGIC, 8) != 0 ||
        hdr->version != FLEET_STORE_VERSION || hdr->hdr_bytes != FLEET_HDR_BYTES ||
        hdr->slot_bytes != FLEET_SLOT_BYTES || st.st_size != slot_off(hdr->nslots)) {
        snprintf(err, n, "%s: not a trimeter-fleet state file of this version", path);
        return -1;
    }
    *exists = true;
    return 0;
}
