/*
 * The journaled store (design and memory map: docs/STORE.md).
 *
 * Slot formats (little endian):
 *   log record   [payload][zero pad to 4][crc32]
 *   blob record  [seq u32][len u16][0 u16][payload len][zero pad to 4][crc32]
 * crc32 = CRC-32/ISO-HDLC over (ring salt, slot index, stored bytes, lap
 * parity byte). The salt binds a record to its ring, geometry and epoch, so
 * records of another ring, layout or a cleared epoch never verify; the lap
 * parity (not stored) tells this lap's records from the previous lap's.
 */
#include "store/store.h"

#include <string.h>

#include "trimeter/err.h"
#include "util/crc.h"

#define ST_MAGIC 0x31534d54u /* "TMS1" */
#define ST_HDR 8u            /* blob header */
#define ST_STAGE 512u        /* stack staging buffer of one program operation */
#define ST_RDC 128u          /* read cache of the mount scan */
#define ST_LEGAL_SLOT 512u
#define ST_CONFIG_SLOT 2048u
#define ST_DUAL_SLOTS 2u     /* superblock and configuration slots per copy */
#define ST_SB_ENTRY 20u

_Static_assert(24u + ST_SB_ENTRY * STORE_MAX_LOGS == STORE_SUPER_PAYLOAD, "superblock entry size");

enum { ID_SUPER = 0x10, ID_LEGAL = 0x20, ID_CONFIG = 0x30, ID_LOG = 0x40 };
enum { REC_BAD = 0, REC_VALID = 1, REC_ERASED = 2 };

/* ---- little helpers ----------------------------------------------------- */

static uint32_t align4(uint32_t n)
{
    return (n + 3u) & ~3u;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static uint32_t pgsz(const struct store *s)
{
    return s->hal->nvm_page_size;
}

uint32_t store_blob_bytes(uint32_t payload)
{
    return align4(ST_HDR + payload) + 4u;
}

uint32_t store_slot_addr(const struct store *s, const struct store_ring *r, uint32_t idx)
{
    uint32_t pg = pgsz(s);
    uint32_t a = (uint32_t)r->base * pg;
    if (r->slot >= pg)
        return a + idx * r->slot;
    uint32_t spp = pg / r->slot;
    return a + (idx / spp) * pg + (idx % spp) * r->slot;
}

static uint32_t ring_salt(const struct store_ring *r)
{
    uint8_t b[20];
    put32(b, ST_MAGIC);
    b[4] = r->id;
    b[5] = 0;
    put16(b + 6, r->slot);
    put32(b + 8, r->epoch);
    put32(b + 12, r->nslots);
    put16(b + 16, r->base);
    put16(b + 18, r->pages);
    return crc32_ieee(0, b, sizeof b);
}

static uint32_t slot_crc0(uint32_t salt, uint32_t idx)
{
    uint8_t b[4];
    put32(b, idx);
    return crc32_ieee(salt, b, 4);
}

static uint32_t crc_par(uint32_t crc, uint8_t par)
{
    return crc32_ieee(crc, &par, 1);
}

/* Head slot (newest record) of a non-empty ring and its lap parity. */
static void ring_head(const struct store_ring *r, uint32_t *idx, uint8_t *par)
{
    if (r->next == 0) {
        *idx = r->nslots - 1u;
        *par = (uint8_t)(r->par ^ 1u);
    } else {
        *idx = r->next - 1u;
        *par = r->par;
    }
}

static void ring_advance(struct store_ring *r)
{
    if (++r->next >= r->nslots) {
        r->next = 0;
        r->par ^= 1u;
    }
    if (r->count < r->depth)
        r->count++;
}

static bool supply_failing(const struct store *s)
{
    const struct meter_hal *h = s->hal;
    return h->supply_ok != NULL && !h->supply_ok(h->ctx);
}

/* ---- single-bit correction ---------------------------------------------- */

/* Eight zero bits through the reflected CRC-32 register. */
static uint32_t crc_g(uint32_t r)
{
    for (int k = 0; k < 8; k++)
        r = (r >> 1) ^ (0xEDB88320u & (0u - (r & 1u)));
    return r;
}

/* The one flipped bit explaining syndrome syn (computed ^ stored CRC) of a
 * record with n stored bytes followed by `tail` unstored bytes: bit index
 * (byte * 8 + bit), -2 when the flip is in the stored CRC itself, -1 when
 * no single bit explains it. CRC-32 gives every single-bit error of these
 * lengths a distinct syndrome. */
static int32_t crc_locate(uint32_t syn, uint32_t n, uint32_t tail)
{
    if (syn == 0)
        return -1;
    if ((syn & (syn - 1u)) == 0)
        return -2;
    uint32_t d[8];
    for (unsigned b = 0; b < 8; b++) {
        d[b] = 1u << b;
        for (uint32_t k = 0; k <= tail; k++)
            d[b] = crc_g(d[b]);
    }
    for (uint32_t j = n; j-- > 0;) {
        for (unsigned b = 0; b < 8; b++) {
            if (d[b] == syn)
                return (int32_t)(j * 8u + b);
            d[b] = crc_g(d[b]);
        }
    }
    return -1;
}

/* ---- reading ------------------------------------------------------------ */

struct rd {
    uint32_t addr, len;
    uint8_t buf[ST_RDC];
};

static int rd_get(const struct store *s, struct rd *c, uint32_t addr, uint8_t *dst, uint32_t n)
{
    const struct meter_hal *h = s->hal;
    if (c == NULL)
        return h->nvm_read(h->ctx, addr, dst, n);
    while (n > 0) {
        if (addr < c->addr || addr >= c->addr + c->len) {
            uint32_t len = ST_RDC;
            if (addr >= h->nvm_size)
                return METER_EINVAL;
            if (len > h->nvm_size - addr)
                len = h->nvm_size - addr;
            int r = h->nvm_read(h->ctx, addr, c->buf, len);
            if (r < 0) {
                c->len = 0;
                return r;
            }
            c->addr = addr;
            c->len = len;
        }
        uint32_t k = c->addr + c->len - addr;
        if (k > n)
            k = n;
        memcpy(dst, c->buf + (addr - c->addr), k);
        dst += k;
        addr += k;
        n -= k;
    }
    return METER_OK;
}

/* Stream n bytes at addr through the CRC, copy bytes [off, off + len) of
 * them to dst, clear *ff unless every byte is 0xFF. */
static int stream(const struct store *s, struct rd *c, uint32_t addr, uint32_t n, uint32_t *crc,
                  uint8_t *dst, uint32_t off, uint32_t len, bool *ff)
{
    uint8_t b[64];
    for (uint32_t i = 0; i < n;) {
        uint32_t k = n - i > sizeof b ? (uint32_t)sizeof b : n - i;
        int r = rd_get(s, c, addr + i, b, k);
        if (r < 0)
            return r;
        *crc = crc32_ieee(*crc, b, k);
        if (ff != NULL && *ff)
            for (uint32_t j = 0; j < k; j++)
                if (b[j] != 0xFFu) {
                    *ff = false;
                    break;
                }
        if (dst != NULL) {
            uint32_t lo = i > off ? i : off, hi = i + k < off + len ? i + k : off + len;
            if (lo < hi)
                memcpy(dst + (lo - off), b + (lo - i), hi - lo);
        }
        i += k;
    }
    return METER_OK;
}

struct recinfo {
    uint8_t par;
    uint16_t len;   /* blob payload length */
    uint32_t seq;   /* blob sequence number */
    uint32_t n;     /* stored bytes before the CRC */
    uint32_t syn[2]; /* syndromes for parity 0 and 1 */
};

/* Verify slot idx. blob: read the header for the length (maxlen bounds it). */
static int slot_check(const struct store *s, struct rd *c, const struct store_ring *r, uint32_t salt,
                      uint32_t idx, bool blob, uint32_t maxlen, struct recinfo *ri)
{
    uint32_t a = store_slot_addr(s, r, idx);
    bool ff = true;
    memset(ri, 0, sizeof *ri);
    if (blob) {
        uint8_t h[ST_HDR];
        if (rd_get(s, c, a, h, ST_HDR) < 0)
            return REC_BAD;
        ri->seq = get32(h);
        ri->len = get16(h + 4);
        for (unsigned i = 0; i < ST_HDR; i++)
            ff = ff && h[i] == 0xFFu;
        if (ri->len > maxlen || store_blob_bytes(ri->len) > r->slot)
            return ff ? REC_ERASED : REC_BAD;
        ri->n = align4(ST_HDR + ri->len);
    } else {
        ri->n = (uint32_t)r->slot - 4u;
    }
    uint32_t crc = slot_crc0(salt, idx);
    uint8_t t[4];
    if (stream(s, c, a, ri->n, &crc, NULL, 0, 0, &ff) < 0 || rd_get(s, c, a + ri->n, t, 4) < 0)
        return REC_BAD;
    uint32_t stored = get32(t);
    ff = ff && stored == 0xFFFFFFFFu;
    ri->syn[0] = crc_par(crc, 0) ^ stored;
    ri->syn[1] = crc_par(crc, 1) ^ stored;
    if (ri->syn[0] == 0 || ri->syn[1] == 0) {
        ri->par = ri->syn[0] == 0 ? 0 : 1;
        return REC_VALID;
    }
    return ff ? REC_ERASED : REC_BAD;
}

/* Syndrome of slot idx read as a record of n stored bytes with parity par. */
static int slot_syndrome(const struct store *s, const struct store_ring *r, uint32_t idx, uint32_t n,
                         uint8_t par, uint32_t *syn)
{
    uint32_t a = store_slot_addr(s, r, idx), crc = slot_crc0(ring_salt(r), idx);
    uint8_t t[4];
    if (n + 4u > r->slot)
        return METER_EINVAL;
    int e = stream(s, NULL, a, n, &crc, NULL, 0, 0, NULL);
    if (e < 0 || (e = s->hal->nvm_read(s->hal->ctx, a + n, t, 4)) < 0)
        return e;
    *syn = crc_par(crc, par) ^ get32(t);
    return METER_OK;
}

/* A flipped bit in the stored bytes explains slot idx as a complete record
 * of n stored bytes with parity par. A torn write cannot look like that:
 * its CRC, written last, would be old. (One wrong bit in the CRC itself is
 * what a write cut inside the CRC can leave, so it does not count.) */
static bool slot_flipped(const struct store *s, const struct store_ring *r, uint32_t idx, uint32_t n, uint8_t par)
{
    uint32_t syn;
    if (slot_syndrome(s, r, idx, n, par, &syn) < 0 || syn == 0)
        return false;
    return crc_locate(syn, n, 1) >= 0;
}

/* Read and verify a blob record; copies min(len, dlen) payload bytes to dst
 * and zero-fills the rest of dst. */
static int blob_read(const struct store *s, const struct store_ring *r, uint32_t idx, uint8_t par,
                     uint32_t maxlen, uint32_t *seq, uint8_t *dst, uint32_t dlen, uint16_t *len_out)
{
    uint32_t a = store_slot_addr(s, r, idx);
    uint8_t h[ST_HDR], t[4];
    int e = s->hal->nvm_read(s->hal->ctx, a, h, ST_HDR);
    if (e < 0)
        return e;
    uint16_t len = get16(h + 4);
    if (len > maxlen || store_blob_bytes(len) > r->slot)
        return METER_ECORRUPT;
    uint32_t n = align4(ST_HDR + len), crc = slot_crc0(ring_salt(r), idx);
    uint32_t cp = len < dlen ? len : dlen;
    if ((e = stream(s, NULL, a, n, &crc, dst, ST_HDR, cp, NULL)) < 0)
        return e;
    if ((e = s->hal->nvm_read(s->hal->ctx, a + n, t, 4)) < 0)
        return e;
    if (crc_par(crc, par) != get32(t))
        return METER_ECORRUPT;
    if (dst != NULL && dlen > cp)
        memset(dst + cp, 0, dlen - cp);
    *seq = get32(h);
    if (len_out != NULL)
        *len_out = len;
    return METER_OK;
}

/* ---- writing ------------------------------------------------------------ */

/* Program a record into slot idx of r: n stored bytes made of hdr (hlen),
 * dlen data bytes (from RAM, or from NVM at src when ram is NULL) and zero
 * padding, then its CRC. Split at page boundaries and at the staging
 * buffer; one operation for every record that fits a page and the stage.
 * Non-urgent writes stop (METER_EBUSY) when the supply monitor warns. */
/* Copy m bytes at offset off of the data the pieces of iov make. */
static void iov_copy(const struct store_iov *iov, unsigned niov, uint32_t off, uint8_t *dst, uint32_t m)
{
    for (unsigned i = 0; i < niov && m > 0; i++) {
        if (off >= iov[i].n) {
            off -= iov[i].n;
            continue;
        }
        uint32_t k = iov[i].n - off < m ? iov[i].n - off : m;
        memcpy(dst, (const uint8_t *)iov[i].p + off, k);
        dst += k;
        m -= k;
        off = 0;
    }
    if (m > 0)
        memset(dst, 0, m); /* the pieces were shorter: zero, as padding */
}

static int rec_program(struct store *s, const struct store_ring *r, uint32_t idx, uint8_t par,
                       const uint8_t *hdr, uint32_t hlen, const struct store_iov *iov, unsigned niov,
                       uint32_t src, uint32_t dlen, uint32_t n, bool urgent)
{
    const struct meter_hal *h = s->hal;
    uint8_t st[ST_STAGE];
    uint32_t pg = pgsz(s), a = store_slot_addr(s, r, idx), total = n + 4u;
    uint32_t crc = slot_crc0(ring_salt(r), idx), fin = 0;
    if (total > r->slot || hlen + dlen > n)
        return METER_EINVAL;
    for (uint32_t i = 0; i < total;) {
        uint32_t room = pg - (a + i) % pg, k = total - i;
        if (k > ST_STAGE)
            k = ST_STAGE;
        if (k > room)
            k = room;
        for (uint32_t j = 0; j < k;) {
            uint32_t p = i + j, m;
            if (p < hlen) {
                m = hlen - p < k - j ? hlen - p : k - j;
                memcpy(st + j, hdr + p, m);
            } else if (p < hlen + dlen) {
                m = hlen + dlen - p < k - j ? hlen + dlen - p : k - j;
                if (iov != NULL) {
                    iov_copy(iov, niov, p - hlen, st + j, m);
                } else {
                    int e = h->nvm_read(h->ctx, src + (p - hlen), st + j, m);
                    if (e < 0)
                        return e;
                }
            } else if (p < n) {
                m = n - p < k - j ? n - p : k - j;
                memset(st + j, 0, m);
            } else {
                if (p == n)
                    fin = crc_par(crc, par);
                st[j] = (uint8_t)(fin >> (8u * (p - n)));
                j++;
                continue;
            }
            crc = crc32_ieee(crc, st + j, m);
            j += m;
        }
        if (!urgent && supply_failing(s))
            return METER_EBUSY;
        int e = h->nvm_program(h->ctx, a + i, st, k);
        if (e < 0)
            return e;
        i += k;
    }
    return METER_OK;
}

/* Append a blob record (seq, len bytes from the pieces of iov, or from NVM
 * at src when iov is NULL). */
static int blob_append_iov(struct store *s, struct store_ring *r, uint32_t *hseq, uint32_t seq,
                           const struct store_iov *iov, unsigned niov, uint32_t src, uint16_t len, bool urgent)
{
    uint8_t hdr[ST_HDR];
    put32(hdr, seq);
    put16(hdr + 4, len);
    put16(hdr + 6, 0);
    int e = rec_program(s, r, r->next, r->par, hdr, ST_HDR, iov, niov, src, len, align4(ST_HDR + len), urgent);
    if (e < 0)
        return e;
    ring_advance(r);
    *hseq = seq;
    return METER_OK;
}

/* The same from one RAM buffer (ram) or NVM at src (ram NULL). */
static int blob_append(struct store *s, struct store_ring *r, uint32_t *hseq, uint32_t seq,
                       const uint8_t *ram, uint32_t src, uint16_t len, bool urgent)
{
    struct store_iov one = {ram, len};
    return blob_append_iov(s, r, hseq, seq, ram != NULL ? &one : NULL, 1, src, len, urgent);
}

/* ---- geometry ----------------------------------------------------------- */

static void ring_set(struct store_ring *r, uint8_t id, uint32_t base, uint32_t pages, uint32_t slot,
                     uint32_t nslots, uint32_t depth, uint32_t rec, uint32_t epoch)
{
    memset(r, 0, sizeof *r);
    r->id = id;
    r->base = (uint16_t)base;
    r->pages = (uint16_t)pages;
    r->slot = (uint16_t)slot;
    r->nslots = nslots;
    r->depth = depth;
    r->rec = (uint16_t)rec;
    r->epoch = epoch;
}

/* Pages and slots of a dual (superblock / legal / configuration) ring. */
static void dual_geom(uint32_t pg, uint32_t slot_bytes, uint32_t want_slots, uint32_t *pages,
                      uint32_t *slot, uint32_t *nslots)
{
    if (slot_bytes <= pg) {
        uint32_t spp = pg / slot_bytes;
        *slot = slot_bytes;
        *pages = (want_slots + spp - 1u) / spp;
        *nslots = *pages * spp;
    } else {
        uint32_t pps = (slot_bytes + pg - 1u) / pg;
        *slot = pps * pg;
        *pages = want_slots * pps;
        *nslots = want_slots;
    }
}

/* Fixed areas (independent of the layout): superblock, legal and
 * configuration copies A from the bottom, B from the top; logs between. */
static int geom_fixed(struct store *s, uint32_t *log_first, uint32_t *log_end)
{
    const struct meter_hal *h = s->hal;
    uint32_t pg = h->nvm_page_size;
    if (pg < 64u || pg > 4096u || (pg & (pg - 1u)) != 0 || h->nvm_size % pg != 0)
        return METER_EINVAL;
    uint32_t np = h->nvm_size / pg;
    if (np > 65535u || np < 16u)
        return METER_EINVAL;
    uint32_t sp, ss, sn, lp, ls, ln, cp, cs, cn;
    dual_geom(pg, align4(store_blob_bytes(STORE_SUPER_PAYLOAD)), ST_DUAL_SLOTS, &sp, &ss, &sn);
    /* about 11/32 of the part for the legal copies: the lifetime budget
     * of docs/STORE.md (352 of 1024 pages on the M95M04) */
    uint32_t want = np * 11u / 64u;
    if (ST_LEGAL_SLOT <= pg) {
        dual_geom(pg, ST_LEGAL_SLOT, (want ? want : 1u) * (pg / ST_LEGAL_SLOT), &lp, &ls, &ln);
    } else {
        uint32_t pps = ST_LEGAL_SLOT / pg;
        dual_geom(pg, ST_LEGAL_SLOT, want / pps > 2u ? want / pps : 2u, &lp, &ls, &ln);
    }
    dual_geom(pg, ST_CONFIG_SLOT, ST_DUAL_SLOTS, &cp, &cs, &cn);
    uint32_t fixed = sp + lp + cp;
    if (2u * fixed + 1u > np)
        return METER_ENOSPC;
    ring_set(&s->super[0], ID_SUPER, 0, sp, ss, sn, 1, STORE_SUPER_PAYLOAD, 0);
    ring_set(&s->legal[0], ID_LEGAL, sp, lp, ls, ln, 1, STORE_LEGAL_MAX, 0);
    ring_set(&s->config[0], ID_CONFIG, sp + lp, cp, cs, cn, 1, STORE_CONFIG_MAX, 0);
    ring_set(&s->config[1], ID_CONFIG + 1, np - fixed, cp, cs, cn, 1, STORE_CONFIG_MAX, 0);
    ring_set(&s->legal[1], ID_LEGAL + 1, np - sp - lp, lp, ls, ln, 1, STORE_LEGAL_MAX, 0);
    ring_set(&s->super[1], ID_SUPER + 1, np - sp, sp, ss, sn, 1, STORE_SUPER_PAYLOAD, 0);
    *log_first = fixed;
    *log_end = np - fixed;
    return METER_OK;
}

static uint32_t log_slot(uint32_t rec)
{
    return align4(rec + STORE_REC_OVERHEAD);
}

/* Pages a log of rec bytes x depth needs (one slot of slack so an append
 * never overwrites one of the `depth` newest records). 0 = cannot. */
static uint32_t log_pages(uint32_t pg, uint32_t rec, uint32_t depth)
{
    uint32_t slot = log_slot(rec);
    if (rec == 0 || depth == 0 || slot > pg || depth > 0x7fffffffu)
        return 0;
    uint32_t spp = pg / slot;
    return (depth + 1u + spp - 1u) / spp;
}

static void log_ring(const struct store *s, unsigned i, uint32_t base, uint32_t pages, uint32_t rec,
                     uint32_t depth, uint32_t epoch, struct store_ring *r)
{
    uint32_t pg = pgsz(s), slot = log_slot(rec);
    uint32_t n = pages && rec && slot <= pg ? pages * (pg / slot) : 0;
    ring_set(r, (uint8_t)(ID_LOG + i), base, pages, n ? slot : 0, n, n ? depth : 0, rec, epoch);
}

/* ---- mounting a ring ---------------------------------------------------- */

/* Scan every slot: the newest lap's parity is that of the lowest valid
 * slot, the head the last valid slot of that parity before the first one
 * of the other parity. Counts bad records inside the readable window. */
static int ring_mount(struct store *s, struct store_ring *r, bool blob, uint32_t *head_seq, uint16_t *head_len)
{
    struct rd c;
    struct recinfo ri;
    uint32_t salt = ring_salt(r), head = 0, inv = 0, inv_head = 0, anomalies = 0;
    int first = -1;
    bool other = false, found = false;
    c.len = 0;
    c.addr = 0;
    *head_seq = 0;
    if (head_len != NULL)
        *head_len = 0;
    for (uint32_t i = 0; i < r->nslots; i++) {
        int st = slot_check(s, &c, r, salt, i, blob, r->rec, &ri);
        if (st != REC_VALID) {
            inv++;
            if (st == REC_BAD)
                s->garbage++; /* written once: the part is not blank */
            continue;
        }
        if (first < 0)
            first = ri.par;
        if (ri.par != (unsigned)first) {
            other = true;
        } else if (other) {
            anomalies++; /* this lap's parity after the previous lap's */
        } else {
            head = i;
            found = true;
            inv_head = inv;
            *head_seq = ri.seq;
            if (head_len != NULL)
                *head_len = ri.len;
        }
    }
    r->next = 0;
    r->par = 0;
    r->count = 0;
    if (!found)
        return METER_OK;
    r->par = (uint8_t)first;
    r->next = head + 1u;
    if (r->next >= r->nslots) {
        r->next = 0;
        r->par ^= 1u;
    }
    bool wrapped = first == 1 || other;
    uint32_t filled = wrapped ? r->nslots : head + 1u;
    r->count = filled < r->depth ? filled : r->depth;
    if (blob)
        return METER_OK; /* window of one: the head, valid by definition */
    /* bad records inside the window [head - count + 1, head] */
    uint32_t bad;
    if (!wrapped && r->count == head + 1u) {
        bad = inv_head;
    } else {
        /* count the bad slots outside the window and subtract */
        uint32_t from = wrapped ? head + 1u : 0, nout = wrapped ? r->nslots - r->count : head + 1u - r->count;
        uint32_t out = 0;
        c.len = 0;
        for (uint32_t k = 0; k < nout; k++) {
            uint32_t i = (from + k) % r->nslots;
            if (slot_check(s, &c, r, salt, i, blob, r->rec, &ri) != REC_VALID)
                out++;
        }
        bad = (wrapped ? inv : inv_head) - out;
    }
    s->corrupt += bad + anomalies;
    return METER_OK;
}

/* A log's newest record may be one bit off: the scan then ends one slot
 * early and the slot after the head verifies with this lap's parity once
 * one bit is flipped. Take it (reads correct it). A wrong bit in the
 * payload under a correct CRC is a flip (corruption); a wrong bit in the
 * CRC is also what a write cut inside the CRC leaves, with the payload
 * complete, so that one is taken silently. */
static void log_recover_head(struct store *s, struct store_ring *r)
{
    struct recinfo ri;
    uint8_t buf[ST_STAGE / 2]; /* log records up to 252 bytes are rewritten; larger ones only taken */
    if (r->nslots == 0)
        return;
    int st = slot_check(s, NULL, r, ring_salt(r), r->next, false, 0, &ri);
    if (st != REC_BAD)
        return;
    int32_t bit = crc_locate(ri.syn[r->par], ri.n, 1);
    if (bit == -1)
        return;
    if (bit >= 0)
        s->corrupt++;
    /* rewrite it whole, so later mounts do not meet a bad record inside
     * the window (a cut here just loses this newest record again) */
    if (ri.n <= sizeof buf && s->hal->nvm_read(s->hal->ctx, store_slot_addr(s, r, r->next), buf, ri.n) == METER_OK) {
        if (bit >= 0)
            buf[(uint32_t)bit / 8u] ^= (uint8_t)(1u << ((uint32_t)bit % 8u));
        struct store_iov one = {buf, (uint16_t)r->rec};
        if (rec_program(s, r, r->next, r->par, NULL, 0, &one, 1, 0, r->rec, ri.n, false) < 0)
            return;
        s->flags |= STORE_F_REPAIRED;
    }
    ring_advance(r);
}

/* A blob ring's newest record may be one bit off, as a log's: the scan
 * ends one slot early, and the slot after the head verifies as a record of
 * the head's length once one bit of its stored bytes is flipped. Correct
 * that bit in place (one byte written), take the record and report it:
 * docs/STORE.md promises it, and without it a flip in the newest legal
 * record A after an emergency save (A ahead of B by that record) fell back
 * to the older record silently. A cut while the byte is rewritten leaves
 * the record torn: the next mount falls back, this mount has reported. */
static void dual_recover_head(struct store *s, struct store_ring *r, uint32_t *hseq, uint16_t *len)
{
    if (r->count == 0 || r->nslots == 0 || *len == 0)
        return;
    uint32_t n = align4(ST_HDR + *len), syn;
    if (n + 4u > r->slot || slot_syndrome(s, r, r->next, n, r->par, &syn) < 0 || syn == 0)
        return;
    int32_t bit = crc_locate(syn, n, 1);
    if (bit < 0)
        return; /* not one flipped bit of the stored bytes (a cut, or nothing) */
    uint32_t a = store_slot_addr(s, r, r->next) + (uint32_t)bit / 8u;
    uint8_t b, h[ST_HDR];
    if (s->hal->nvm_read(s->hal->ctx, a, &b, 1) < 0)
        return;
    b ^= (uint8_t)(1u << ((uint32_t)bit % 8u));
    s->corrupt++;
    if (supply_failing(s) || s->hal->nvm_program(s->hal->ctx, a, &b, 1) < 0 ||
        s->hal->nvm_read(s->hal->ctx, store_slot_addr(s, r, r->next), h, ST_HDR) < 0 || get16(h + 4) != *len)
        return;
    s->flags |= STORE_F_REPAIRED;
    *hseq = get32(h);
    ring_advance(r);
}

/* Both copies of a dual area: find their heads, take a newest record that
 * took a flipped bit, classify a difference (a torn write of copy B is
 * normal, anything else is corruption) and bring the lagging copy up to
 * date. */
static int dual_mount(struct store *s, struct store_ring r[2], uint32_t hseq[2])
{
    uint16_t len[2];
    for (unsigned c = 0; c < 2; c++)
        ring_mount(s, &r[c], true, &hseq[c], &len[c]);
    for (unsigned c = 0; c < 2; c++)
        dual_recover_head(s, &r[c], &hseq[c], &len[c]);
    if (hseq[0] == hseq[1])
        return METER_OK;
    /* copy A is written first (and alone while the supply fails), so A
     * ahead is a cut or an emergency save; B ahead, or a record one bit
     * off where A's newest should be copied to, is damage */
    unsigned ahead = hseq[1] > hseq[0] ? 1u : 0u, lag = ahead ^ 1u;
    if (ahead == 1 || slot_flipped(s, &r[lag], r[lag].next, align4(ST_HDR + len[ahead]), r[lag].par))
        s->corrupt++;
    return METER_ESTATE; /* caller repairs */
}

/* Copy the newest record of the ahead copy into the lagging one. */
static int dual_repair(struct store *s, struct store_ring r[2], uint32_t hseq[2], bool urgent)
{
    if (hseq[0] == hseq[1])
        return METER_OK;
    unsigned ahead = hseq[1] > hseq[0] ? 1u : 0u, lag = ahead ^ 1u;
    uint32_t idx, seq;
    uint8_t par;
    uint16_t len;
    ring_head(&r[ahead], &idx, &par);
    int e = blob_read(s, &r[ahead], idx, par, r[ahead].rec, &seq, NULL, 0, &len);
    if (e < 0)
        return e;
    e = blob_append(s, &r[lag], &hseq[lag], seq, NULL, store_slot_addr(s, &r[ahead], idx) + ST_HDR, len, urgent);
    if (e == METER_OK)
        s->flags |= STORE_F_REPAIRED;
    return e;
}

/* ---- superblock --------------------------------------------------------- */

struct sb_log {
    uint16_t drec, crec, base, pages;
    uint32_t ddepth, cdepth, epoch;
};

struct sbv {
    uint16_t format, nlogs;
    uint32_t size, page;
    struct sb_log log[STORE_MAX_LOGS];
};

/* The superblock as RAM says it is now. */
static void sb_encode(const struct store *s, uint8_t *b)
{
    memset(b, 0, STORE_SUPER_PAYLOAD);
    put32(b, ST_MAGIC);
    put16(b + 4, STORE_FORMAT);
    put16(b + 6, s->layout.nlogs);
    put32(b + 8, s->hal->nvm_size);
    put32(b + 12, pgsz(s));
    put32(b + 16, ST_LEGAL_SLOT);
    put32(b + 20, ST_CONFIG_SLOT);
    for (unsigned i = 0; i < s->layout.nlogs; i++) {
        const struct store_ring *r = &s->logs[i];
        uint8_t *p = b + 24u + ST_SB_ENTRY * i;
        put16(p, s->layout.logs[i].rec_size);
        put32(p + 2, s->layout.logs[i].depth);
        put16(p + 6, r->rec);
        put32(p + 8, r->depth);
        put32(p + 12, r->epoch);
        put16(p + 16, r->base);
        put16(p + 18, r->pages);
    }
}

static bool sb_decode(struct sbv *v, const uint8_t *b)
{
    memset(v, 0, sizeof *v);
    if (get32(b) != ST_MAGIC)
        return false;
    v->format = get16(b + 4);
    v->nlogs = get16(b + 6);
    v->size = get32(b + 8);
    v->page = get32(b + 12);
    if (v->nlogs > STORE_MAX_LOGS || get32(b + 16) != ST_LEGAL_SLOT || get32(b + 20) != ST_CONFIG_SLOT)
        return false;
    for (unsigned i = 0; i < STORE_MAX_LOGS; i++) {
        struct sb_log *l = &v->log[i];
        const uint8_t *p = b + 24u + ST_SB_ENTRY * i;
        l->drec = get16(p);
        l->ddepth = get32(p + 2);
        l->crec = get16(p + 6);
        l->cdepth = get32(p + 8);
        l->epoch = get32(p + 12);
        l->base = get16(p + 16);
        l->pages = get16(p + 18);
    }
    return true;
}

/* Write the superblock (RAM state) to copy A, then B. Done once A holds it;
 * B lagging is repaired at the next mount. */
static int sb_write(struct store *s)
{
    uint8_t b[STORE_SUPER_PAYLOAD];
    sb_encode(s, b);
    uint32_t seq = s->sb_seq + 1u, h[2] = {0, 0};
    int e = blob_append(s, &s->super[0], &h[0], seq, b, 0, STORE_SUPER_PAYLOAD, false);
    if (e < 0)
        return e;
    s->sb_seq = seq;
    blob_append(s, &s->super[1], &h[1], seq, b, 0, STORE_SUPER_PAYLOAD, false);
    return METER_OK;
}

/* Read the newest superblock. 1 = found, 0 = none. */
static int sb_load(struct store *s, struct sbv *v, uint32_t hseq[2], bool *lagging)
{
    *lagging = dual_mount(s, s->super, hseq) == METER_ESTATE;
    unsigned c = hseq[1] > hseq[0] ? 1u : 0u;
    for (unsigned k = 0; k < 2; k++, c ^= 1u) {
        if (hseq[c] == 0 || s->super[c].count == 0)
            continue;
        uint8_t b[STORE_SUPER_PAYLOAD];
        uint32_t idx, seq;
        uint8_t par;
        uint16_t len;
        ring_head(&s->super[c], &idx, &par);
        if (blob_read(s, &s->super[c], idx, par, STORE_SUPER_PAYLOAD, &seq, b, sizeof b, &len) < 0 ||
            len != STORE_SUPER_PAYLOAD || !sb_decode(v, b))
            continue;
        s->sb_seq = hseq[0] > hseq[1] ? hseq[0] : hseq[1];
        if (k > 0)
            s->corrupt++;
        return 1;
    }
    s->sb_seq = hseq[0] > hseq[1] ? hseq[0] : hseq[1];
    return 0;
}

/* Fit the requested logs onto NVM: a log whose declaration and area are
 * unchanged keeps its current geometry and epoch, the rest start afresh.
 * Fills s->logs; true when the superblock must be rewritten. */
static bool sb_merge(struct store *s, const struct sbv *v, bool have, uint32_t first, uint32_t end)
{
    uint32_t pg = pgsz(s), at = first, epoch = s->sb_seq + 1u;
    bool changed = !have || v->nlogs != s->layout.nlogs;
    for (unsigned i = 0; i < s->layout.nlogs; i++) {
        const struct store_log_def *d = &s->layout.logs[i];
        uint32_t pages = log_pages(pg, d->rec_size, d->depth);
        if ((pages == 0 && d->rec_size != 0 && d->depth != 0) || at + pages > end) {
            pages = 0;
            s->flags |= STORE_F_NOSPACE;
        }
        const struct sb_log *o = &v->log[i];
        if (have && i < v->nlogs && o->drec == d->rec_size && o->ddepth == d->depth && o->base == at &&
            o->pages == pages && log_pages(pg, o->crec, o->cdepth) <= pages) {
            log_ring(s, i, at, pages, o->crec, o->cdepth, o->epoch, &s->logs[i]);
        } else {
            log_ring(s, i, at, pages, d->rec_size, d->depth, epoch, &s->logs[i]);
            changed = true;
            if (have && i < v->nlogs && pages != 0)
                s->cleared |= (uint16_t)(1u << i);
        }
        at += pages;
    }
    return changed;
}

/* ---- mount -------------------------------------------------------------- */

int store_mount(struct store *s, const struct meter_hal *hal, const struct store_layout *layout)
{
    memset(s, 0, sizeof *s);
    s->hal = hal;
    if (hal == NULL || layout == NULL || hal->nvm_read == NULL || hal->nvm_program == NULL ||
        layout->nlogs > STORE_MAX_LOGS || layout->legal_size > STORE_LEGAL_MAX ||
        layout->config_size > STORE_CONFIG_MAX) {
        s->flags = STORE_F_FAILED;
        return METER_EINVAL;
    }
    s->layout = *layout;
    uint32_t first, end;
    int e = geom_fixed(s, &first, &end);
    if (e < 0) {
        s->flags = STORE_F_FAILED;
        return e;
    }
    struct sbv v;
    uint32_t sb_h[2];
    bool sb_lag = false;
    int have = sb_load(s, &v, sb_h, &sb_lag);
    s->garbage = 0; /* a superblock write cut on a blank part is not foreign data */
    if (have && (v.format != STORE_FORMAT || v.size != hal->nvm_size || v.page != pgsz(s))) {
        if (v.format > STORE_FORMAT) {
            /* written by newer firmware: touch nothing */
            s->flags = STORE_F_FAILED;
            return METER_ENOTSUP;
        }
        have = 0; /* another geometry (or a future upgrade step): start afresh */
    }
    bool lag_legal = dual_mount(s, s->legal, &s->hseq[0]) == METER_ESTATE;
    bool lag_config = dual_mount(s, s->config, &s->hseq[2]) == METER_ESTATE;
    if (!have) {
        if (s->hseq[0] | s->hseq[1] | s->hseq[2] | s->hseq[3])
            s->corrupt++; /* data without a superblock: it was lost */
        else
            s->flags |= STORE_F_FORMATTED;
    }

    int err = 0;
    bool changed = sb_merge(s, &v, have != 0, first, end);
    /* a lagging copy is brought up first (same sequence number), so the
     * copies never differ by more than the one write in flight */
    if (sb_lag && have)
        dual_repair(s, s->super, sb_h, false);
    if (changed) {
        if (have)
            s->flags |= STORE_F_UPGRADED;
        e = sb_write(s);
        if (e < 0) {
            /* the logs are not where NVM says: leave them unusable */
            for (unsigned i = 0; i < STORE_MAX_LOGS; i++)
                s->logs[i].nslots = 0;
            err = e;
        }
    }
    for (unsigned i = 0; i < s->layout.nlogs; i++) {
        uint32_t seq;
        if (s->logs[i].nslots == 0)
            continue;
        ring_mount(s, &s->logs[i], false, &seq, NULL);
        log_recover_head(s, &s->logs[i]);
    }
    if (lag_legal)
        dual_repair(s, s->legal, s->hseq, true);
    if (lag_config)
        dual_repair(s, s->config, s->hseq + 2, false);
    if ((s->flags & STORE_F_FORMATTED) && s->garbage != 0) {
        /* a part that was written but holds nothing of ours (zeroed,
         * random, another device's data): formatted, and said so */
        s->flags |= STORE_F_FOREIGN;
        s->corrupt++;
    }
    s->flags |= STORE_F_MOUNTED;
    if (s->corrupt)
        s->flags |= STORE_F_CORRUPT;
    return err;
}

/* ---- legal snapshot and configuration ----------------------------------- */

static bool usable(const struct store *s)
{
    return (s->flags & (STORE_F_MOUNTED | STORE_F_FAILED)) == STORE_F_MOUNTED;
}

int store_legal_write(struct store *s, const void *data)
{
    if (!usable(s) || data == NULL || s->layout.legal_size == 0)
        return METER_EINVAL;
    uint16_t len = s->layout.legal_size;
    uint32_t crc = crc32_ieee(0, data, len);
    if (s->legal_synced && crc == s->legal_crc)
        return METER_OK; /* nothing new: spare the cells and the hold-up time */
    uint32_t seq = (s->hseq[0] > s->hseq[1] ? s->hseq[0] : s->hseq[1]) + 1u;
    int e0 = blob_append(s, &s->legal[0], &s->hseq[0], seq, data, 0, len, true);
    /* Under the supply monitor's warning the hold-up time is for copy A
     * only (one page write per save); the next mount brings B up to it. */
    int e1 = supply_failing(s) ? METER_EBUSY : blob_append(s, &s->legal[1], &s->hseq[1], seq, data, 0, len, true);
    s->legal_crc = crc;
    s->legal_synced = e0 == METER_OK && e1 == METER_OK;
    return e0 < 0 && e1 < 0 ? e0 : METER_OK;
}

/* Newest readable record of a dual area; prefers the copy with the newest
 * sequence number, falls back to the other (older) one. */
static int dual_read(const struct store *s, const struct store_ring r[2], const uint32_t hseq[2], void *data,
                     uint16_t dlen, uint16_t *len)
{
    if ((hseq[0] | hseq[1]) == 0)
        return METER_ENOENT;
    unsigned c = hseq[1] > hseq[0] ? 1u : 0u;
    int e = METER_ENOENT;
    for (unsigned k = 0; k < 2; k++, c ^= 1u) {
        uint32_t idx, seq;
        uint8_t par;
        if (r[c].count == 0)
            continue;
        ring_head(&r[c], &idx, &par);
        e = blob_read(s, &r[c], idx, par, r[c].rec, &seq, data, dlen, len);
        if (e == METER_OK && seq == hseq[c])
            return METER_OK;
        if (e == METER_OK)
            e = METER_ECORRUPT;
    }
    return e;
}

int store_legal_read(struct store *s, void *data)
{
    uint16_t len = 0;
    if (!usable(s) || data == NULL)
        return METER_EINVAL;
    int e = dual_read(s, s->legal, s->hseq, data, s->layout.legal_size, &len);
    s->legal_len = e == METER_OK ? len : 0;
    if (e == METER_OK && len == s->layout.legal_size && s->hseq[0] == s->hseq[1]) {
        s->legal_crc = crc32_ieee(0, data, len);
        s->legal_synced = 1;
    }
    return e;
}

int store_config_write(struct store *s, const void *data)
{
    if (!usable(s) || data == NULL || s->layout.config_size == 0)
        return METER_EINVAL;
    uint32_t seq = (s->hseq[2] > s->hseq[3] ? s->hseq[2] : s->hseq[3]) + 1u;
    int e = blob_append(s, &s->config[0], &s->hseq[2], seq, data, 0, s->layout.config_size, false);
    if (e < 0)
        return e;
    /* durable in copy A; a copy B cut short is repaired at the next mount */
    blob_append(s, &s->config[1], &s->hseq[3], seq, data, 0, s->layout.config_size, false);
    return METER_OK;
}

int store_config_read(struct store *s, void *data)
{
    if (!usable(s) || data == NULL)
        return METER_EINVAL;
    return dual_read(s, s->config, s->hseq + 2, data, s->layout.config_size, NULL);
}

int store_config_write_iov(struct store *s, const struct store_iov *iov, unsigned niov)
{
    if (!usable(s) || iov == NULL || s->layout.config_size == 0)
        return METER_EINVAL;
    uint32_t seq = (s->hseq[2] > s->hseq[3] ? s->hseq[2] : s->hseq[3]) + 1u;
    int e = blob_append_iov(s, &s->config[0], &s->hseq[2], seq, iov, niov, 0, s->layout.config_size, false);
    if (e < 0)
        return e;
    /* durable in copy A; a copy B cut short is repaired at the next mount */
    blob_append_iov(s, &s->config[1], &s->hseq[3], seq, iov, niov, 0, s->layout.config_size, false);
    return METER_OK;
}

int store_config_open(struct store *s, uint16_t *len)
{
    if (!usable(s))
        return METER_EINVAL;
    const uint32_t *hseq = s->hseq + 2;
    if ((hseq[0] | hseq[1]) == 0)
        return METER_ENOENT;
    unsigned c = hseq[1] > hseq[0] ? 1u : 0u;
    int e = METER_ENOENT;
    for (unsigned k = 0; k < 2; k++, c ^= 1u) {
        const struct store_ring *r = &s->config[c];
        uint32_t idx, seq;
        uint8_t par;
        uint16_t n = 0;
        if (r->count == 0)
            continue;
        ring_head(r, &idx, &par);
        e = blob_read(s, r, idx, par, r->rec, &seq, NULL, 0, &n); /* verified, not copied */
        if (e == METER_OK && seq == hseq[c]) {
            s->config_addr = store_slot_addr(s, r, idx) + ST_HDR;
            s->config_len = n;
            *len = n;
            return METER_OK;
        }
        if (e == METER_OK)
            e = METER_ECORRUPT;
    }
    return e;
}

int store_config_read_part(const struct store *s, uint32_t off, void *buf, uint32_t n)
{
    if (!usable(s) || buf == NULL || s->config_addr == 0)
        return METER_EINVAL;
    if (off >= s->config_len) {
        memset(buf, 0, n); /* beyond what was stored: zero (a shorter, older image) */
        return METER_OK;
    }
    uint32_t k = s->config_len - off < n ? s->config_len - off : n;
    int e = s->hal->nvm_read(s->hal->ctx, s->config_addr + off, buf, k);
    if (e == METER_OK && k < n)
        memset((uint8_t *)buf + k, 0, n - k);
    return e;
}

/* ---- logs --------------------------------------------------------------- */

static struct store_ring *log_of(struct store *s, unsigned log)
{
    return usable(s) && log < s->layout.nlogs ? &s->logs[log] : NULL;
}

int store_log_append(struct store *s, unsigned log, const void *rec)
{
    struct store_ring *r = log_of(s, log);
    if (r == NULL || rec == NULL)
        return METER_EINVAL;
    if (r->nslots == 0)
        return METER_ENOSPC;
    struct store_iov one = {rec, r->rec};
    int e = rec_program(s, r, r->next, r->par, NULL, 0, &one, 1, 0, r->rec, (uint32_t)r->slot - 4u, false);
    if (e < 0)
        return e;
    ring_advance(r);
    return METER_OK;
}

uint32_t store_log_count(const struct store *s, unsigned log)
{
    return usable(s) && log < s->layout.nlogs ? s->logs[log].count : 0;
}

int store_log_read(const struct store *s, unsigned log, uint32_t i, void *rec)
{
    if (!usable(s) || log >= s->layout.nlogs || rec == NULL)
        return METER_EINVAL;
    const struct store_ring *r = &s->logs[log];
    if (i >= r->count)
        return METER_ENOENT;
    const struct meter_hal *h = s->hal;
    uint32_t idx = (r->next + r->nslots - r->count + i) % r->nslots;
    uint8_t par = idx < r->next ? r->par : (uint8_t)(r->par ^ 1u);
    uint32_t a = store_slot_addr(s, r, idx), n = (uint32_t)r->slot - 4u, pad = n - r->rec;
    uint8_t t[8], *p = rec;
    int e = h->nvm_read(h->ctx, a, p, r->rec);
    if (e < 0 || (e = h->nvm_read(h->ctx, a + r->rec, t, pad + 4u)) < 0)
        return e;
    uint32_t crc = crc32_ieee(slot_crc0(ring_salt(r), idx), p, r->rec);
    crc = crc_par(crc32_ieee(crc, t, pad), par);
    uint32_t syn = crc ^ get32(t + pad);
    if (syn == 0)
        return METER_OK;
    int32_t bit = crc_locate(syn, n, 1);
    if (bit == -1)
        return METER_ECORRUPT;
    if (bit >= 0 && (uint32_t)bit / 8u < r->rec)
        p[(uint32_t)bit / 8u] ^= (uint8_t)(1u << ((uint32_t)bit % 8u));
    return METER_OK; /* one flipped bit, corrected */
}

/* Give log a new geometry and epoch (older records stop verifying) and
 * record it in the superblock; on failure nothing changes. */
static int log_reinit(struct store *s, unsigned log, uint16_t rec, uint32_t depth)
{
    struct store_ring *r = log_of(s, log);
    if (r == NULL)
        return METER_EINVAL;
    uint32_t pg = pgsz(s);
    if (r->pages == 0)
        return METER_ENOSPC;
    if (log_slot(rec) > pg || rec == 0 || depth == 0)
        return METER_EINVAL;
    if (log_pages(pg, rec, depth) > r->pages)
        return METER_ENOSPC;
    if (supply_failing(s))
        return METER_EBUSY;
    struct store_ring old = *r;
    log_ring(s, log, r->base, r->pages, rec, depth, s->sb_seq + 1u, r);
    int e = sb_write(s);
    if (e < 0)
        *r = old;
    return e;
}

int store_log_clear(struct store *s, unsigned log)
{
    struct store_ring *r = log_of(s, log);
    if (r == NULL)
        return METER_EINVAL;
    if (r->count == 0 && r->next == 0 && r->par == 0)
        return METER_OK; /* nothing written under this epoch */
    return log_reinit(s, log, r->rec, r->depth);
}

int store_log_resize(struct store *s, unsigned log, uint16_t rec_size, uint32_t depth)
{
    struct store_ring *r = log_of(s, log);
    if (r == NULL)
        return METER_EINVAL;
    if (r->rec == rec_size && r->depth == depth && r->nslots != 0)
        return METER_OK;
    return log_reinit(s, log, rec_size, depth);
}

uint16_t store_log_rec_size(const struct store *s, unsigned log)
{
    return log < s->layout.nlogs ? s->logs[log].rec : 0;
}

uint32_t store_log_depth(const struct store *s, unsigned log)
{
    return log < s->layout.nlogs ? s->logs[log].depth : 0;
}

/* ---- memory map --------------------------------------------------------- */

static void area_of(const struct store *s, const struct store_ring *r, uint8_t kind, uint8_t copy, uint8_t log,
                    struct store_area *a)
{
    a->kind = kind;
    a->copy = copy;
    a->log = log;
    a->addr = (uint32_t)r->base * pgsz(s);
    a->bytes = (uint32_t)r->pages * pgsz(s);
    a->slot = r->slot;
    a->nslots = r->nslots;
}

unsigned store_map(const struct store *s, struct store_area *out, unsigned max)
{
    struct store_area a[6 + STORE_MAX_LOGS];
    unsigned n = 0;
    if (s->hal == NULL || s->super[0].pages == 0)
        return 0;
    area_of(s, &s->super[0], STORE_AREA_SUPER, 0, 0, &a[n++]);
    area_of(s, &s->legal[0], STORE_AREA_LEGAL, 0, 0, &a[n++]);
    area_of(s, &s->config[0], STORE_AREA_CONFIG, 0, 0, &a[n++]);
    for (unsigned i = 0; i < s->layout.nlogs; i++)
        if (s->logs[i].pages != 0)
            area_of(s, &s->logs[i], STORE_AREA_LOG, 0, (uint8_t)i, &a[n++]);
    area_of(s, &s->config[1], STORE_AREA_CONFIG, 1, 0, &a[n++]);
    area_of(s, &s->legal[1], STORE_AREA_LEGAL, 1, 0, &a[n++]);
    area_of(s, &s->super[1], STORE_AREA_SUPER, 1, 0, &a[n++]);
    for (unsigned i = 0; i < n && i < max; i++)
        out[i] = a[i];
    return n;
}
