/*
 * fwimage.c — signed firmware images (fwimage.h, docs/FIRMWARE.md).
 *
 * States follow class 18's image_transfer_status. Blocks go straight to
 * the receiving slot (one HAL program per request); the verification
 * hashes METER_FW_POLL_BYTES per main-loop pass, so metering and every
 * register go on while an image is checked; only the final ECDSA check is
 * one HAL call. The slot that runs is never written.
 */
#include "legal/fwimage.h"

#include <string.h>

#include "trimeter/meter.h"
#include "util/crc.h"

#define CTL_MAGIC 0x54524643u /* "TRFC" */
#define CTL_BYTES 64u
#define AREA_CTL 2u

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* strnlen is POSIX, not C11. */
static uint32_t text_len(const char *s, uint32_t max)
{
    uint32_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

static bool have_slots(const struct meter *m)
{
    const struct meter_hal *h = m->hal;
    return h != NULL && h->fw_slot_size > FWIMG_HDR_SIZE && h->fw_read != NULL && h->fw_write != NULL;
}

bool fwimg_supported(const struct meter *m)
{
    return have_slots(m) && m->hal->ecdsa_p256_verify != NULL;
}

/* ---- boot control: two copies in area 2, the newest valid one wins ----- */

static void ctl_builtin(struct fwimg_ctl *c)
{
    static const char id[] = METER_FW_NAME " " METER_FW_VERSION;
    memset(c, 0, sizeof *c);
    c->active = FWIMG_BUILTIN;
    c->pending = FWIMG_BUILTIN;
    c->version = FWIMG_BUILTIN_VERSION;
    memcpy(c->ident, id, sizeof id);
}

static bool ctl_decode(const uint8_t *b, struct fwimg_ctl *c)
{
    if (get32(b) != CTL_MAGIC || get32(b + CTL_BYTES - 4) != crc32_ieee(0, b, CTL_BYTES - 4))
        return false;
    memset(c, 0, sizeof *c);
    c->seq = get32(b + 4);
    c->state = b[8];
    c->active = b[9];
    c->pending = b[10];
    c->version = get32(b + 12);
    memcpy(c->ident, b + 16, FWIMG_IDENT_MAX);
    c->ident[FWIMG_IDENT_MAX] = '\0';
    bool slot_ok = (c->active < 2 || c->active == FWIMG_BUILTIN) && (c->pending < 2 || c->pending == FWIMG_BUILTIN);
    return c->state <= 2 && slot_ok && c->ident[0] != '\0';
}

static void ctl_load(struct meter *m)
{
    const struct meter_hal *h = m->hal;
    struct fwimg_ctl best, c;
    bool found = false;
    ctl_builtin(&best);
    for (uint32_t k = 0; k < 2 && have_slots(m); k++) {
        uint8_t b[CTL_BYTES];
        if (h->fw_read(h->ctx, AREA_CTL, k * CTL_BYTES, b, sizeof b) == METER_OK && ctl_decode(b, &c) &&
            (!found || (int32_t)(c.seq - best.seq) > 0)) {
            best = c;
            found = true;
        }
    }
    m->fw.ctl = best;
}

/* Write the next generation over the older copy: a cut in the middle
 * leaves the other one, which still decides the boot. */
static int ctl_save(struct meter *m)
{
    const struct meter_hal *h = m->hal;
    struct fwimg_ctl *c = &m->fw.ctl;
    uint8_t b[CTL_BYTES];
    memset(b, 0, sizeof b);
    c->seq++;
    put32(b, CTL_MAGIC);
    put32(b + 4, c->seq);
    b[8] = c->state;
    b[9] = c->active;
    b[10] = c->pending;
    put32(b + 12, c->version);
    memcpy(b + 16, c->ident, text_len(c->ident, FWIMG_IDENT_MAX));
    put32(b + CTL_BYTES - 4, crc32_ieee(0, b, CTL_BYTES - 4));
    return h->fw_write(h->ctx, AREA_CTL, (c->seq & 1u) * CTL_BYTES, b, sizeof b);
}

const char *fwimg_ident(const struct meter *m, uint32_t *len)
{
    *len = text_len(m->fw.ctl.ident, FWIMG_IDENT_MAX);
    return m->fw.ctl.ident;
}

/* ---- image checks ------------------------------------------------------- */

int fwimg_hdr_check(const uint8_t hdr[FWIMG_HDR_SIZE], uint32_t size, uint32_t running_version)
{
    if (get32(hdr + FWIMG_O_MAGIC) != FWIMG_MAGIC || hdr[FWIMG_O_FORMAT] != FWIMG_FORMAT ||
        hdr[FWIMG_O_FORMAT + 1] != 0 || (hdr[FWIMG_O_FORMAT + 2] << 8 | hdr[FWIMG_O_FORMAT + 3]) != FWIMG_HDR_SIZE)
        return FWIMG_W_FORMAT;
    /* identification: printable, at least one character, NUL-padded */
    unsigned n = 0;
    while (n < FWIMG_IDENT_MAX && hdr[FWIMG_O_IDENT + n] != 0)
        n++;
    if (n == 0)
        return FWIMG_W_FORMAT;
    for (unsigned k = 0; k < FWIMG_IDENT_MAX; k++) {
        uint8_t ch = hdr[FWIMG_O_IDENT + k];
        if (k < n ? (ch < 0x20 || ch > 0x7e) : ch != 0)
            return FWIMG_W_FORMAT;
    }
    for (unsigned k = FWIMG_O_RSVD; k < FWIMG_O_SIG; k++)
        if (hdr[k] != 0)
            return FWIMG_W_FORMAT;
    uint32_t len = get32(hdr + FWIMG_O_LENGTH);
    if (len > UINT32_MAX - FWIMG_HDR_SIZE || len + FWIMG_HDR_SIZE != size)
        return FWIMG_W_LENGTH;
    if (get32(hdr + FWIMG_O_VERSION) <= running_version)
        return FWIMG_W_ROLLBACK;
    return FWIMG_OK;
}

/* The signature over the header's first 96 bytes (which hold the payload
 * hash) under the legal key. */
static int sig_check(const struct meter *m, const uint8_t hdr[FWIMG_HDR_SIZE])
{
    const struct meter_hal *h = m->hal;
    const uint8_t *key = fwimg_key();
    if (key == NULL)
        return FWIMG_W_KEY;
    if (h->ecdsa_p256_verify == NULL)
        return FWIMG_W_NOTSUP;
    uint8_t d[32];
    sha256(hdr, FWIMG_SIGNED_BYTES, d);
    int r = h->ecdsa_p256_verify(h->ctx, key, d, hdr + FWIMG_O_SIG);
    return r == METER_OK ? FWIMG_OK : r == METER_ENOTSUP ? FWIMG_W_NOTSUP : FWIMG_W_SIGNATURE;
}

/* Hash up to `budget` payload bytes of slot `slot` from *pos on. */
static int hash_some(const struct meter *m, unsigned slot, struct sha256 *s, uint32_t *pos, uint32_t len,
                     uint32_t budget)
{
    const struct meter_hal *h = m->hal;
    uint8_t buf[128];
    while (*pos < len && budget > 0) {
        uint32_t n = len - *pos;
        if (n > sizeof buf)
            n = sizeof buf;
        if (n > budget)
            n = budget;
        if (h->fw_read(h->ctx, slot, FWIMG_HDR_SIZE + *pos, buf, n) != METER_OK)
            return FWIMG_W_IO;
        sha256_update(s, buf, n);
        *pos += n;
        budget -= n;
    }
    return FWIMG_OK;
}

static int read_hdr(const struct meter *m, unsigned slot, uint8_t hdr[FWIMG_HDR_SIZE])
{
    const struct meter_hal *h = m->hal;
    return h->fw_read(h->ctx, slot, 0, hdr, FWIMG_HDR_SIZE) == METER_OK ? FWIMG_OK : FWIMG_W_IO;
}

/* The boot self-test of an image in a slot, unbounded (boot time). */
static int slot_check(const struct meter *m, unsigned slot, uint32_t floor, uint8_t hdr[FWIMG_HDR_SIZE])
{
    int w = read_hdr(m, slot, hdr);
    if (w != FWIMG_OK)
        return w;
    uint32_t len = get32(hdr + FWIMG_O_LENGTH);
    if (len > m->hal->fw_slot_size - FWIMG_HDR_SIZE)
        return FWIMG_W_LENGTH;
    w = fwimg_hdr_check(hdr, len + FWIMG_HDR_SIZE, floor);
    if (w != FWIMG_OK)
        return w;
    struct sha256 s;
    uint32_t pos = 0;
    uint8_t d[32];
    sha256_init(&s);
    w = hash_some(m, slot, &s, &pos, len, len);
    if (w != FWIMG_OK)
        return w;
    sha256_final(&s, d);
    if (memcmp(d, hdr + FWIMG_O_HASH, 32) != 0)
        return FWIMG_W_HASH;
    return sig_check(m, hdr);
}

/* ---- boot ----------------------------------------------------------------- */

void fwimg_boot(struct meter *m)
{
    struct fwimg *f = &m->fw;
    struct fwimg_ctl *c = &f->ctl;
    memset(f, 0, sizeof *f);
    ctl_load(m);
    f->enabled = fwimg_supported(m);
    if (!have_slots(m) || c->state == 0)
        return;
    uint8_t hdr[FWIMG_HDR_SIZE];
    int why = FWIMG_W_INTERRUPTED;
    if (c->state == 1 && c->pending < 2) {
        /* Trial: a cut from here until the outcome is saved reverts. */
        c->state = 2;
        if (ctl_save(m) != METER_OK) {
            /* Control area unwritable (the supply went while it was
             * programmed): the old image runs; what the area holds decides
             * the next boot. */
            c->state = 0;
            c->pending = FWIMG_BUILTIN;
            return;
        }
        why = slot_check(m, c->pending, c->version, hdr);
    }
    if (why == FWIMG_OK) {
        c->active = c->pending;
        c->version = get32(hdr + FWIMG_O_VERSION);
        memset(c->ident, 0, sizeof c->ident);
        memcpy(c->ident, hdr + FWIMG_O_IDENT, FWIMG_IDENT_MAX);
        f->status = FWIMG_ST_ACTIVATED;
    } else {
        f->status = FWIMG_ST_ACTIVATE_FAILED;
    }
    c->state = 0;
    c->pending = FWIMG_BUILTIN;
    (void)ctl_save(m);
    f->why = (uint8_t)why;
    evlog_add(m, EV_FW_BOOT, METER_SRC_INTERNAL, why, (int32_t)c->version);
}

/* ---- the transfer ------------------------------------------------------- */

static bool block_done(const struct fwimg *f, uint32_t n)
{
    return ((unsigned)f->blocks[n >> 3] >> (7u - (n & 7u))) & 1u;
}

int fwimg_initiate(struct meter *m, const uint8_t *id, uint32_t id_len, uint32_t size, enum meter_src src)
{
    struct fwimg *f = &m->fw;
    if (!fwimg_supported(m) || !f->enabled)
        return METER_ENOTSUP;
    if (f->status == FWIMG_ST_ACTIVATING || f->status == FWIMG_ST_VERIFYING)
        return METER_ESTATE;
    uint32_t max = m->hal->fw_slot_size;
    if (max > METER_FW_BLOCKS_MAX * METER_FW_BLOCK_SIZE)
        max = METER_FW_BLOCKS_MAX * METER_FW_BLOCK_SIZE;
    if (id_len == 0 || id_len > FWIMG_ID_MAX || size <= FWIMG_HDR_SIZE || size > max)
        return METER_EINVAL;
    /* The same image again while it is being transferred or was checked:
     * carry on with the blocks already there, nothing logged twice. */
    bool same = f->size == size && f->id_len == id_len && memcmp(f->id, id, id_len) == 0;
    if (same && (f->status == FWIMG_ST_INITIATED || f->status == FWIMG_ST_VERIFIED ||
                 f->status == FWIMG_ST_VERIFY_FAILED))
        return METER_OK;
    if (evlog_depth(EVLOG_METRO) - evlog_count(m, EVLOG_METRO) < FWIMG_LOG_RESERVE) {
        audit_refusal(m, src, 0, AUDIT_LOG_FULL);
        return METER_ENOSPC;
    }
    uint8_t enabled = f->enabled;
    struct fwimg_ctl c = f->ctl;
    memset(f, 0, sizeof *f);
    f->ctl = c;
    f->enabled = enabled;
    f->slot = c.active == 0 ? 1 : 0; /* never the one running */
    f->size = size;
    f->nblocks = (size + METER_FW_BLOCK_SIZE - 1u) / METER_FW_BLOCK_SIZE;
    f->id_len = (uint8_t)id_len;
    memcpy(f->id, id, id_len);
    f->status = FWIMG_ST_INITIATED;
    f->logged = 1;
    evlog_add(m, EV_FW_INITIATE, src, (int32_t)size, f->slot);
    return METER_OK;
}

int fwimg_block(struct meter *m, uint32_t n, const uint8_t *data, uint32_t len)
{
    struct fwimg *f = &m->fw;
    switch (f->status) {
    case FWIMG_ST_INITIATED:
    case FWIMG_ST_VERIFIED:       /* a block changes a verified image: verify again */
    case FWIMG_ST_VERIFY_FAILED:
        break;
    default:
        return METER_ESTATE;
    }
    if (n >= f->nblocks)
        return METER_EINVAL;
    uint32_t want = n + 1u < f->nblocks ? METER_FW_BLOCK_SIZE : f->size - n * METER_FW_BLOCK_SIZE;
    if (len != want)
        return METER_EINVAL;
    const struct meter_hal *h = m->hal;
    if (h->fw_write(h->ctx, f->slot, n * METER_FW_BLOCK_SIZE, data, len) != METER_OK)
        return METER_EIO;
    f->blocks[n >> 3] |= (uint8_t)(0x80u >> (n & 7u));
    f->status = FWIMG_ST_INITIATED;
    while (f->first_missing < f->nblocks && block_done(f, f->first_missing))
        f->first_missing++;
    return METER_OK;
}

/* An outcome of this transfer's verification, recorded once. */
static void verified(struct meter *m, int why, enum meter_src src)
{
    struct fwimg *f = &m->fw;
    f->why = (uint8_t)why;
    f->status = why == FWIMG_OK ? FWIMG_ST_VERIFIED : FWIMG_ST_VERIFY_FAILED;
    if (!(f->logged & 2u)) {
        f->logged |= 2u;
        evlog_add(m, EV_FW_VERIFY, src, why, (int32_t)f->version);
    }
}

/* One bounded piece of the verification. */
static void verify_step(struct meter *m)
{
    struct fwimg *f = &m->fw;
    uint32_t len = f->size - FWIMG_HDR_SIZE;
    int w = hash_some(m, f->slot, &f->sha, &f->vpos, len, METER_FW_POLL_BYTES);
    if (w == FWIMG_OK && f->vpos < len)
        return;
    uint8_t hdr[FWIMG_HDR_SIZE];
    if (w == FWIMG_OK)
        w = read_hdr(m, f->slot, hdr);
    if (w == FWIMG_OK) {
        uint8_t d[32];
        sha256_final(&f->sha, d);
        w = memcmp(d, hdr + FWIMG_O_HASH, 32) != 0 ? FWIMG_W_HASH : sig_check(m, hdr);
    }
    if (w == FWIMG_OK)
        memcpy(f->sig, hdr + FWIMG_O_SIG, sizeof f->sig);
    verified(m, w, METER_SRC_INTERNAL);
}

int fwimg_verify(struct meter *m, enum meter_src src)
{
    struct fwimg *f = &m->fw;
    switch (f->status) {
    case FWIMG_ST_VERIFIED: return METER_OK;
    case FWIMG_ST_VERIFY_FAILED: return METER_ECORRUPT;
    case FWIMG_ST_VERIFYING: return METER_EBUSY;
    case FWIMG_ST_INITIATED: break;
    default: return METER_ESTATE;
    }
    if (f->first_missing < f->nblocks)
        return METER_ESTATE; /* blocks missing: nothing to verify yet, nothing logged */
    uint8_t hdr[FWIMG_HDR_SIZE];
    int w = read_hdr(m, f->slot, hdr);
    if (w == FWIMG_OK)
        w = fwimg_hdr_check(hdr, f->size, f->ctl.version);
    f->version = get32(hdr + FWIMG_O_VERSION);
    if (w != FWIMG_OK) {
        verified(m, w, src);
        return METER_ECORRUPT;
    }
    f->status = FWIMG_ST_VERIFYING;
    f->vpos = 0;
    sha256_init(&f->sha);
    verify_step(m);
    return f->status == FWIMG_ST_VERIFIED ? METER_OK : f->status == FWIMG_ST_VERIFYING ? METER_EBUSY : METER_ECORRUPT;
}

int fwimg_activate(struct meter *m, enum meter_src src)
{
    struct fwimg *f = &m->fw;
    if (f->status == FWIMG_ST_INITIATED || f->status == FWIMG_ST_VERIFYING) {
        /* not verified yet: verify first (the client asks again) */
        int r = fwimg_verify(m, src);
        if (r != METER_OK)
            return r == METER_EBUSY ? METER_EBUSY : r;
    }
    if (f->status == FWIMG_ST_ACTIVATING)
        return METER_OK;
    if (f->status != FWIMG_ST_VERIFIED)
        return METER_ESTATE;
    struct fwimg_ctl *c = &f->ctl;
    c->state = 1;
    c->pending = f->slot;
    if (ctl_save(m) != METER_OK) {
        c->state = 0;
        c->pending = FWIMG_BUILTIN;
        return METER_EIO;
    }
    f->status = FWIMG_ST_ACTIVATING;
    f->restart_ms = meter_ms(m);
    evlog_add(m, EV_FW_ACTIVATE, src, (int32_t)f->version, f->slot);
    legal_save(m); /* the log's counts are in the snapshot: before the restart */
    return METER_OK;
}

void fwimg_poll(struct meter *m)
{
    struct fwimg *f = &m->fw;
    if (f->status == FWIMG_ST_VERIFYING) {
        verify_step(m);
    } else if (f->status == FWIMG_ST_ACTIVATING && m->hal->restart != NULL &&
               meter_ms(m) - f->restart_ms >= FWIMG_RESTART_MS) {
        legal_save(m);
        f->restart_ms = meter_ms(m); /* a port whose restart returns is asked again later */
        m->hal->restart(m->hal->ctx);
    }
}
