/*
 * wmbus.c — wireless M-Bus telegrams: framing, ELL/OMS security, compact
 * frames, and the counter that never repeats under one key.
 */
#include "proto/wmbus/wmbus.h"

#include "legal/nvcount.h"

#include <string.h>

#include "cosem/objtab.h"
#include "proto/mbus/mbus.h"
#include "trimeter/meter.h"
#include "util/aes.h"
#include "util/crc.h"

/* Factory key of SIMULATOR.md (a key of this meter's own; changed by the
 * management client only). */
static const uint8_t wmbus_factory_key[16] = {0x2B, 0x7E, 0x15, 0x16, 0x28, 0xAE, 0xD2, 0xA6,
                                              0xAB, 0xF7, 0x15, 0x88, 0x09, 0xCF, 0x4F, 0x3C};

void wmbus_cfg_factory(struct wmbus_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->mode = WMBUS_MODE_C1;
    c->security = WMBUS_SEC_KAMSTRUP_CTR;
    c->compact = 1;
    c->interval_s = WMBUS_FACTORY_INTERVAL_S;
    memcpy(c->key, wmbus_factory_key, sizeof c->key);
}

bool wmbus_cfg_valid(const struct wmbus_cfg *c)
{
    return c->mode <= WMBUS_MODE_T1 && c->security < WMBUS_SEC_COUNT && c->compact <= 1 && c->interval_s >= 2 &&
           c->interval_s <= 3600;
}

static const char *const wmbus_sec_names[WMBUS_SEC_COUNT] = {"kamstrup_ctr", "oms_mode5", "none", "oms_mode7"};

int wmbus_cfg_get(const struct wmbus_cfg *c, unsigned field, struct obj_value *v)
{
    switch (field) {
    case WMBUS_CFG_MODE:
        v->type = OBJ_T_STRING;
        memcpy(v->s, c->mode == WMBUS_MODE_T1 ? "T1" : "C1", 2);
        v->len = 2;
        return METER_OK;
    case WMBUS_CFG_INTERVAL:
    case WMBUS_CFG_COMPACT:
        v->type = OBJ_T_UINT;
        v->scaler = 0;
        v->i = field == WMBUS_CFG_INTERVAL ? c->interval_s : c->compact;
        return METER_OK;
    case WMBUS_CFG_SECURITY: {
        const char *n = wmbus_sec_names[c->security < WMBUS_SEC_COUNT ? c->security : 0];
        v->type = OBJ_T_STRING;
        v->len = (uint8_t)strlen(n);
        memcpy(v->s, n, v->len);
        return METER_OK;
    }
    case WMBUS_CFG_KEY:
        v->type = OBJ_T_STRING; /* a secret is never readable */
        v->len = 0;
        return METER_OK;
    default:
        return METER_ENOENT;
    }
}

static int wmbus_hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int wmbus_cfg_set(struct wmbus_cfg *c, unsigned field, const struct obj_value *in, enum meter_src src)
{
    bool text = in->type == OBJ_T_STRING;
    bool num = in->type == OBJ_T_UINT || in->type == OBJ_T_INT;
    switch (field) {
    case WMBUS_CFG_MODE:
        if (!text || in->len != 2 || (in->s[0] != 'C' && in->s[0] != 'T') || in->s[1] != '1')
            return METER_EINVAL;
        c->mode = in->s[0] == 'T' ? WMBUS_MODE_T1 : WMBUS_MODE_C1;
        return METER_OK;
    case WMBUS_CFG_INTERVAL:
        if (!num)
            return METER_EINVAL;
        if (in->i < 2 || in->i > 3600)
            return METER_ERANGE;
        c->interval_s = (uint16_t)in->i;
        return METER_OK;
    case WMBUS_CFG_COMPACT:
        if (!num)
            return METER_EINVAL;
        if (in->i < 0 || in->i > 1)
            return METER_ERANGE;
        c->compact = (uint8_t)in->i;
        return METER_OK;
    case WMBUS_CFG_SECURITY:
        if (!text)
            return METER_EINVAL;
        for (unsigned k = 0; k < WMBUS_SEC_COUNT; k++)
            if (in->len == strlen(wmbus_sec_names[k]) && memcmp(in->s, wmbus_sec_names[k], in->len) == 0) {
                if (k == WMBUS_SEC_NONE && src != METER_SRC_FACTORY && src != METER_SRC_SIM)
                    return METER_EACCES; /* plain text only from the factory */
                c->security = (uint8_t)k;
                return METER_OK;
            }
        return METER_ERANGE;
    case WMBUS_CFG_KEY: {
        uint8_t k[16];
        if (!text || in->len != 32)
            return METER_EINVAL;
        for (unsigned i = 0; i < 16; i++) {
            int hi = wmbus_hexval(in->s[2 * i]), lo = wmbus_hexval(in->s[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                aes_wipe(k, sizeof k);
                return METER_EINVAL;
            }
            k[i] = (uint8_t)(hi << 4 | lo);
        }
        memcpy(c->key, k, sizeof k);
        aes_wipe(k, sizeof k);
        return METER_OK;
    }
    default:
        return METER_ENOENT;
    }
}

/* ---- framing ------------------------------------------------------------------------ */

static void wmbus_put_crc(uint8_t *p, const uint8_t *from, size_t n)
{
    uint16_t c = crc16_en13757(from, n);
    p[0] = (uint8_t)(c >> 8);
    p[1] = (uint8_t)c;
}

int wmbus_frame_a(const uint8_t *tel, size_t n, uint8_t *out, size_t cap)
{
    if (n < 10 || n > 256u || tel[0] != n - 1)
        return METER_EINVAL;
    size_t blocks = 1 + (n - 10 + 15) / 16;
    if (cap < n + 2 * blocks)
        return METER_ENOSPC;
    size_t k = 0;
    memcpy(out, tel, 10);
    wmbus_put_crc(out + 10, tel, 10);
    k = 12;
    for (size_t i = 10; i < n; i += 16) {
        size_t b = n - i < 16 ? n - i : 16;
        memcpy(out + k, tel + i, b);
        wmbus_put_crc(out + k + b, tel + i, b);
        k += b + 2;
    }
    return (int)k;
}

int wmbus_frame_b(const uint8_t *tel, size_t n, uint8_t *out, size_t cap)
{
    if (n < 10 || n > WMBUS_TEL_MAX || tel[0] != n - 1)
        return METER_EINVAL;
    if (cap < n + 2)
        return METER_ENOSPC;
    memcpy(out, tel, n);
    out[0] = (uint8_t)(n + 1); /* L counts the CRC in format B */
    wmbus_put_crc(out + n, out, n);
    return (int)(n + 2);
}

static bool wmbus_crc_ok(const uint8_t *p, size_t n, const uint8_t *crc)
{
    uint16_t c = crc16_en13757(p, n);
    return crc[0] == (uint8_t)(c >> 8) && crc[1] == (uint8_t)c;
}

int wmbus_unframe_a(const uint8_t *fr, size_t n, uint8_t *out, size_t cap)
{
    if (n < 12)
        return METER_EINVAL;
    size_t tl = (size_t)fr[0] + 1u; /* telegram bytes without CRCs */
    if (tl < 10)
        return METER_EINVAL;
    size_t blocks = 1 + (tl - 10 + 15) / 16;
    if (n != tl + 2 * blocks)
        return METER_EINVAL;
    if (cap < tl)
        return METER_ENOSPC;
    if (!wmbus_crc_ok(fr, 10, fr + 10))
        return METER_ECORRUPT;
    memcpy(out, fr, 10);
    size_t k = 10, i = 12;
    while (k < tl) {
        size_t b = tl - k < 16 ? tl - k : 16;
        if (!wmbus_crc_ok(fr + i, b, fr + i + b))
            return METER_ECORRUPT;
        memcpy(out + k, fr + i, b);
        k += b;
        i += b + 2;
    }
    return (int)tl;
}

int wmbus_unframe_b(const uint8_t *fr, size_t n, uint8_t *out, size_t cap)
{
    if (n < 12 || n > WMBUS_TEL_MAX + 2u || (size_t)fr[0] + 1u != n)
        return METER_EINVAL;
    if (cap < n - 2)
        return METER_ENOSPC;
    if (!wmbus_crc_ok(fr, n - 2, fr + n - 2))
        return METER_ECORRUPT;
    memcpy(out, fr, n - 2);
    out[0] = (uint8_t)(n - 3);
    return (int)(n - 2);
}

/* ---- telegrams ---------------------------------------------------------------------- */

void wmbus_addr(const struct meter *m, unsigned layout, uint8_t out[8])
{
    struct mbus_cfg mc;
    struct mbus_secaddr sa;
    mbus_cfg_factory(&mc);
    mc.layout = (uint8_t)layout;
    mbus_own_secaddr(m, &mc, &sa);
    out[0] = sa.b[4];
    out[1] = sa.b[5];
    memcpy(out + 2, sa.b, 4);
    out[6] = layout == MBUS_LAYOUT_KAM ? WMBUS_VERSION_OMNI : sa.b[6];
    out[7] = sa.b[7];
}

/* Is dif..the VIB of a record written by mbus_rec_put: the DIB+VIB length. */
static int wmbus_dvlen(const uint8_t *p, size_t n)
{
    int r = mbus_rec_len(p, n);
    if (r <= 0)
        return METER_EINVAL;
    static const uint8_t dl[8] = {0, 1, 2, 3, 4, 4, 6, 8};
    unsigned d = p[0] & 0x0Fu;
    if (d >= 8)
        return METER_EINVAL;
    return r - dl[d];
}

int wmbus_compact_of(const uint8_t *recs, size_t n, uint16_t *sig, uint16_t *full_crc, uint8_t *data, size_t cap)
{
    uint8_t dv[WMBUS_TEL_MAX];
    size_t ndv = 0, nd = 0;
    for (size_t p = 0; p < n;) {
        int r = mbus_rec_len(recs + p, n - p);
        int h = wmbus_dvlen(recs + p, n - p);
        if (r <= 0 || h <= 0 || ndv + (size_t)h > sizeof dv)
            return METER_EINVAL;
        memcpy(dv + ndv, recs + p, (size_t)h);
        ndv += (size_t)h;
        size_t dlen = (size_t)(r - h);
        if (data != NULL) {
            if (nd + dlen > cap)
                return METER_ENOSPC;
            memcpy(data + nd, recs + p + h, dlen);
        }
        nd += dlen;
        p += (size_t)r;
    }
    *sig = crc16_en13757(dv, ndv);
    *full_crc = crc16_en13757(recs, n);
    return (int)nd;
}

static void wmbus_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* OMS mode 7 key derivation (KDF-A): CMAC(K, DC || MCR || ID || 07 x 7),
 * DC 00 = encryption key from the meter, 01 = MAC key from the meter. */
static int wmbus_oms7_kdf(const struct meter_hal *hal, const uint8_t key[16], uint8_t dc, const uint8_t mcr[4],
                          const uint8_t id[4], uint8_t out[16])
{
    uint8_t in[16];
    in[0] = dc;
    memcpy(in + 1, mcr, 4);
    memcpy(in + 5, id, 4);
    memset(in + 9, 0x07, 7);
    return aes_cmac(hal, key, in, sizeof in, out);
}

/* AFL + TPL of OMS mode 7 after the link-layer header out[0..*k): AFL
 * (CI 90, length 0F, FC 2C00: MCL, MCR and MAC present; MCL 25: counter
 * present, AES-CMAC truncated to 8 bytes; MCR = ctr), then CI 7A, ACC, ST,
 * CW (blocks, mode 7), CFG-EXT 10 (KDF selection 1), 2F 2F + records + 2F
 * fill encrypted with Kenc in CBC with IV 0; MAC = CMAC(Kmac, MCL || MCR ||
 * CI 7A .. last byte). */
static int wmbus_oms7_seal(const struct meter_hal *hal, const uint8_t key[16], uint8_t *out, size_t *kp, size_t cap,
                           uint32_t ctr, bool error, const uint8_t *recs, size_t nrec)
{
    size_t k = *kp;
    uint8_t kenc[16], kmac[16], mac[16], mcr[4];
    for (int i = 0; i < 4; i++)
        mcr[i] = (uint8_t)(ctr >> (8 * i));
    if (k + 17 + 6 + 2 + nrec + 15 > cap)
        return METER_ENOSPC;
    size_t afl = k;
    out[k++] = WMBUS_CI_AFL;
    out[k++] = 0x0F;
    out[k++] = 0x00;
    out[k++] = 0x2C;
    out[k++] = 0x25;
    memcpy(out + k, mcr, 4);
    k += 4;
    size_t macpos = k;
    k += 8;
    size_t tpl = k;
    out[k++] = WMBUS_CI_TPL_SHORT;
    out[k++] = (uint8_t)ctr;
    out[k++] = (uint8_t)(error ? 0x10u : 0u);
    size_t cw = k;
    k += 2;
    out[k++] = 0x10; /* CFG-EXT: KDF selection 1 */
    size_t start = k;
    out[k++] = 0x2F;
    out[k++] = 0x2F;
    memcpy(out + k, recs, nrec);
    k += nrec;
    while ((k - start) % 16u != 0)
        out[k++] = 0x2F;
    out[cw] = (uint8_t)(((k - start) / 16u) << 4);
    out[cw + 1] = 0x07; /* security mode 7 */
    int r = wmbus_oms7_kdf(hal, key, 0x00, mcr, out + 4, kenc);
    if (r == 0)
        r = wmbus_oms7_kdf(hal, key, 0x01, mcr, out + 4, kmac);
    static const uint8_t zero_iv[16] = {0};
    if (r == 0)
        r = aes_cbc_encrypt(hal, kenc, zero_iv, out + start, out + start, k - start);
    if (r == 0) {
        /* MAC input: MCL, MCR, then the TPL from its CI to the end */
        uint8_t in[WMBUS_TEL_MAX];
        size_t n = 0;
        in[n++] = out[afl + 4];
        memcpy(in + n, mcr, 4);
        n += 4;
        memcpy(in + n, out + tpl, k - tpl);
        n += k - tpl;
        r = aes_cmac(hal, kmac, in, n, mac);
        memcpy(out + macpos, mac, 8);
    }
    aes_wipe(kenc, sizeof kenc);
    aes_wipe(kmac, sizeof kmac);
    *kp = k;
    return r;
}

int wmbus_oms7_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n)
{
    if (n < 10 + 17 + 6 + 16 || (size_t)tel[0] + 1u != n || tel[10] != WMBUS_CI_AFL || tel[11] != 0x0F ||
        tel[12] != 0x00 || tel[13] != 0x2C || tel[14] != 0x25 || tel[27] != WMBUS_CI_TPL_SHORT ||
        (tel[31] & 0x1Fu) != 0x07 || tel[32] != 0x10)
        return METER_EINVAL;
    size_t nb = tel[30] >> 4;
    if (nb == 0 || 33 + 16 * nb != n)
        return METER_EINVAL;
    uint8_t kenc[16], kmac[16], mac[16], in[WMBUS_TEL_MAX];
    int r = wmbus_oms7_kdf(hal, key, 0x00, tel + 15, tel + 4, kenc);
    if (r == 0)
        r = wmbus_oms7_kdf(hal, key, 0x01, tel + 15, tel + 4, kmac);
    size_t k = 0;
    in[k++] = tel[14];
    memcpy(in + k, tel + 15, 4);
    k += 4;
    memcpy(in + k, tel + 27, n - 27);
    k += n - 27;
    if (r == 0)
        r = aes_cmac(hal, kmac, in, k, mac);
    if (r == 0 && !aes_equal_ct(mac, tel + 19, 8))
        r = METER_ECORRUPT;
    static const uint8_t zero_iv[16] = {0};
    if (r == 0)
        r = aes_cbc_decrypt(hal, kenc, zero_iv, tel + 33, tel + 33, 16 * nb);
    aes_wipe(kenc, sizeof kenc);
    aes_wipe(kmac, sizeof kmac);
    if (r < 0)
        return r;
    if (tel[33] != 0x2F || tel[34] != 0x2F)
        return METER_ECORRUPT;
    return 35;
}

int wmbus_build(const struct meter *m, const struct wmbus_cfg *c, unsigned layout, uint32_t ctr, bool compact,
                uint8_t *out, size_t cap)
{
    uint8_t recs[WMBUS_TEL_MAX];
    size_t nrec = 0;
    enum mbus_set set = layout == MBUS_LAYOUT_KAM ? MBUS_SET_OMNI : MBUS_SET_RADIO;
    if (cap < WMBUS_TEL_MAX)
        return METER_ENOSPC;
    /* Room for the largest header (10 + ELL 7 + PCRC 2 + CI 5). */
    mbus_records(m, set, 0, recs, &nrec, WMBUS_TEL_MAX - 24u);
    uint8_t a[8];
    wmbus_addr(m, layout, a);
    out[1] = WMBUS_C_SND_NR;
    memcpy(out + 2, a, 8);
    size_t k = 10;
    uint8_t acc = (uint8_t)ctr;
    const struct meter_hal *hal = m->hal;
    if (c->security == WMBUS_SEC_KAMSTRUP_CTR) {
        uint32_t sn = 0x20000000u | (ctr & 0x1FFFFFFFu); /* ENC = 1: AES-CTR */
        out[k++] = WMBUS_CI_ELL_SN;
        out[k++] = WMBUS_ELL_CC;
        out[k++] = acc;
        for (int i = 0; i < 4; i++)
            out[k++] = (uint8_t)(sn >> (8 * i));
        size_t pcrc = k;
        k += 2;
        if (compact) {
            uint16_t sig, fc;
            out[k++] = WMBUS_CI_COMPACT;
            int nd = wmbus_compact_of(recs, nrec, &sig, &fc, out + k + 4, cap - k - 4);
            if (nd < 0)
                return nd;
            wmbus_le16(out + k, sig);
            wmbus_le16(out + k + 2, fc);
            k += 4 + (size_t)nd;
        } else {
            out[k++] = WMBUS_CI_APL;
            memcpy(out + k, recs, nrec);
            k += nrec;
        }
        wmbus_le16(out + pcrc, crc16_en13757(out + pcrc + 2, k - pcrc - 2));
        /* Counter block: M A(6) CC SN(4) FN(2)=0 BC=0. */
        uint8_t iv[16] = {0};
        memcpy(iv, out + 2, 8);
        iv[8] = WMBUS_ELL_CC;
        memcpy(iv + 9, out + 13, 4);
        int r = aes_ctr_xor(hal, c->key, iv, out + pcrc, out + pcrc, k - pcrc);
        aes_wipe(iv, sizeof iv);
        if (r < 0)
            return r;
    } else if (c->security == WMBUS_SEC_OMS5) {
        out[k++] = WMBUS_CI_TPL_SHORT;
        out[k++] = acc;
        out[k++] = (uint8_t)((m->status & ~(uint32_t)METER_ST_UNPERSONALISED) != 0 ? 0x10u : 0u); /* temporary error */
        size_t cw = k;
        k += 2;
        size_t start = k;
        out[k++] = 0x2F;
        out[k++] = 0x2F;
        memcpy(out + k, recs, nrec);
        k += nrec;
        while ((k - start) % 16u != 0)
            out[k++] = 0x2F; /* idle fillers up to whole blocks */
        if (k > cap)
            return METER_ENOSPC;
        size_t nb = (k - start) / 16u;
        out[cw] = (uint8_t)(nb << 4);
        out[cw + 1] = 0x05; /* security mode 5 */
        uint8_t iv[16];
        memcpy(iv, out + 2, 8);
        memset(iv + 8, acc, 8);
        int r = aes_cbc_encrypt(hal, c->key, iv, out + start, out + start, k - start);
        if (r < 0)
            return r;
    } else if (c->security == WMBUS_SEC_OMS7) {
        int r = wmbus_oms7_seal(hal, c->key, out, &k, cap, ctr, (m->status & ~(uint32_t)METER_ST_UNPERSONALISED) != 0, recs, nrec);
        if (r < 0)
            return r;
    } else {
        out[k++] = WMBUS_CI_APL;
        memcpy(out + k, recs, nrec);
        k += nrec;
    }
    if (k > WMBUS_TEL_MAX)
        return METER_ENOSPC;
    out[0] = (uint8_t)(k - 1);
    return (int)k;
}

int wmbus_ell_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n)
{
    if (n < 20 || tel[10] != WMBUS_CI_ELL_SN || (size_t)tel[0] + 1u != n)
        return METER_EINVAL;
    uint8_t iv[16] = {0};
    memcpy(iv, tel + 2, 8);
    iv[8] = tel[11];
    memcpy(iv + 9, tel + 13, 4);
    int r = aes_ctr_xor(hal, key, iv, tel + 17, tel + 17, n - 17);
    if (r < 0)
        return r;
    uint16_t c = crc16_en13757(tel + 19, n - 19);
    if (tel[17] != (uint8_t)c || tel[18] != (uint8_t)(c >> 8))
        return METER_ECORRUPT;
    return 19;
}

int wmbus_oms5_open(const struct meter_hal *hal, const uint8_t key[16], uint8_t *tel, size_t n)
{
    if (n < 31 || tel[10] != WMBUS_CI_TPL_SHORT || (size_t)tel[0] + 1u != n || (tel[14] & 0x1Fu) != 0x05)
        return METER_EINVAL;
    size_t nb = tel[13] >> 4;
    if (nb == 0 || 15 + 16 * nb > n)
        return METER_EINVAL;
    uint8_t iv[16];
    memcpy(iv, tel + 2, 8);
    memset(iv + 8, tel[11], 8);
    int r = aes_cbc_decrypt(hal, key, iv, tel + 15, tel + 15, 16 * nb);
    if (r < 0)
        return r;
    if (tel[15] != 0x2F || tel[16] != 0x2F)
        return METER_ECORRUPT;
    return 17;
}

/* ---- counter ---------------------------------------------------------------------------- */

/* A floor from the clock, so that even a store that lost its reservations
 * (reformatted) does not start over at 0: at most one telegram per 2 s
 * since 2020-01-01 (the shortest interval). A clock set backwards lowers
 * only this floor, never the stored block. */
static uint32_t wmbus_ctr_floor(const struct meter *m)
{
    int64_t t = m->now - 1577836800LL;
    return t > 0 ? (uint32_t)(t / 2) : 0u;
}

int wmbus_ctr_next(struct meter *m, struct wmbus_state *st, uint32_t *out)
{
    if (!st->reserved) {
        /* the reservations (src/legal/nvcount): the newest limit is the end
         * of the block in use, whose rest may have been used: skip it */
        uint32_t v[NVCOUNT_N];
        (void)nvcount_load(m, v);
        st->ctr = v[NVCOUNT_WMBUS];
        st->limit = st->ctr;
        st->reserved = true;
    }
    uint32_t floor = wmbus_ctr_floor(m);
    if (st->ctr < floor) {
        st->ctr = floor;
        if (st->limit < floor)
            st->limit = floor;
    }
    if (st->ctr >= st->limit) {
        uint32_t limit = st->ctr + WMBUS_CTR_BLOCK;
        if (limit < st->ctr || nvcount_reserve(m, NVCOUNT_WMBUS, limit) < 0)
            return METER_EIO; /* exhausted or not persisted: send nothing */
        st->limit = limit;
    }
    *out = st->ctr++;
    return METER_OK;
}

int wmbus_next_frame(struct meter *m, const struct wmbus_cfg *c, unsigned layout, struct wmbus_state *st)
{
    uint8_t tel[WMBUS_TEL_MAX];
    uint32_t ctr;
    int r = wmbus_ctr_next(m, st, &ctr);
    if (r < 0)
        return r;
    /* the first telegram after power-up is full (a collector learns the
     * format from it), then every WMBUS_FULL_EVERY-th */
    bool compact = c->compact && c->security == WMBUS_SEC_KAMSTRUP_CTR && st->sent % WMBUS_FULL_EVERY != 0;
    st->sent++;
    r = wmbus_build(m, c, layout, ctr, compact, tel, sizeof tel);
    if (r < 0)
        return r;
    r = c->mode == WMBUS_MODE_T1 ? wmbus_frame_a(tel, (size_t)r, st->buf, sizeof st->buf)
                                 : wmbus_frame_b(tel, (size_t)r, st->buf, sizeof st->buf);
    aes_wipe(tel, sizeof tel);
    st->len = r > 0 ? (uint16_t)r : 0;
    return r;
}
