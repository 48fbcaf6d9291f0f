/*
 * kmp.c — the meter's side of KMP: commands served from the object table.
 */
#include "proto/kmp/kmp.h"

#include <string.h>

#include "registers/clock.h"
#include "cosem/objtab.h"
#include "proto/port.h"
#include "trimeter/meter.h"

/* GetType answer: the meter type code of trimeter (its own, documented in
 * docs/PROTOCOLS.md) and the software revision letter/number. */
#define KMP_METER_TYPE 0x0382u

/* Registers the commands themselves need (columns of their rows). */
#define KMP_REG_SERIAL 0x03E9u /* 1001 "Fabrication No" */

/* KMP unit and decimal offset of a row's COSEM unit: the value in the
 * KMP unit is i * 10^(scaler + off). */
struct kmp_unit_map {
    uint8_t cosem;
    uint8_t kmp;
    int8_t off;
};

static const struct kmp_unit_map kmp_units[] = {
    {UNIT_WH, KMP_U_KWH, -3},   {UNIT_VARH, KMP_U_KVARH, -3}, {UNIT_VAH, KMP_U_KVAH, -3},
    {UNIT_W, KMP_U_KW, -3},     {UNIT_VAR, KMP_U_KVAR, -3},   {UNIT_VA, KMP_U_KVA, -3},
    {UNIT_V, KMP_U_V, 0},       {UNIT_A, KMP_U_A, 0},         {UNIT_HOUR, KMP_U_H, 0},
    {UNIT_MINUTE, KMP_U_MIN, 0}, {UNIT_SECOND, KMP_U_S, 0},   {UNIT_DAY, KMP_U_DAYS, 0},
};

static const struct kmp_unit_map *kmp_unit_of(unsigned cosem)
{
    for (size_t i = 0; i < sizeof kmp_units / sizeof kmp_units[0]; i++)
        if (kmp_units[i].cosem == cosem)
            return &kmp_units[i];
    return NULL;
}

static uint64_t kmp_pow10(unsigned n)
{
    uint64_t p = 1;
    while (n-- > 0)
        p *= 10u;
    return p;
}

/* Decimal digits of a string value as a number ("00012345" -> 12345). */
static int kmp_digits(const struct obj_value *v, uint64_t *out)
{
    uint64_t x = 0;
    if (v->len == 0 || v->len > 19)
        return METER_ERANGE;
    for (unsigned i = 0; i < v->len; i++) {
        if (v->s[i] < '0' || v->s[i] > '9')
            return METER_ERANGE;
        x = x * 10u + (uint64_t)(v->s[i] - '0');
    }
    *out = x;
    return METER_OK;
}

/* A row's value as KMP unit + number. */
static int kmp_value_of(const struct meter *m, const struct obj_def *o, const struct obj_value *v,
                        uint8_t *unit, struct kmp_num *num)
{
    struct clock_dt dt;
    memset(num, 0, sizeof *num);
    *unit = KMP_U_NONE;
    switch (v->type) {
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM: {
        const struct kmp_unit_map *u = kmp_unit_of(o->unit);
        int e = v->scaler + (u != NULL ? u->off : 0);
        if (u != NULL)
            *unit = u->kmp;
        num->neg = v->i < 0;
        num->mant = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
        if (e > 63 || e < -63)
            return METER_ERANGE;
        num->exp = (int8_t)e;
        return METER_OK;
    }
    case OBJ_T_TIME:
        *unit = KMP_U_HHMMSS;
        num->mant = (uint64_t)(v->i / 3600) * 10000u + (uint64_t)(v->i / 60 % 60) * 100u + (uint64_t)(v->i % 60);
        return METER_OK;
    case OBJ_T_DATE:
        *unit = KMP_U_YYMMDD;
        clock_split(clock_civil_of(m, v->i, false), &dt);
        num->mant = (uint64_t)(dt.year % 100) * 10000u + dt.mon * 100u + dt.day;
        return METER_OK;
    case OBJ_T_STRING:
        return kmp_digits(v, &num->mant);
    default:
        return METER_ENOTSUP;
    }
}

/* The inverse for PutRegister: a KMP number in the row's own unit and
 * scaler, exact or refused (a register value is never rounded). */
static int kmp_value_to(const struct obj_def *o, const struct obj_value *cur, uint8_t unit,
                        const struct kmp_num *num, struct obj_value *in)
{
    memset(in, 0, sizeof *in);
    in->type = cur->type;
    in->unit = o->unit;
    in->scaler = cur->scaler;
    switch (cur->type) {
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM: {
        const struct kmp_unit_map *u = kmp_unit_of(o->unit);
        if (unit != (u != NULL ? u->kmp : KMP_U_NONE) && !(u == NULL && unit == 0x33u))
            return METER_EINVAL;
        int shift = num->exp - (cur->scaler + (u != NULL ? u->off : 0));
        uint64_t x = num->mant;
        if (shift > 0) {
            if (shift > 18 || x > UINT64_MAX / kmp_pow10((unsigned)shift))
                return METER_ERANGE;
            x *= kmp_pow10((unsigned)shift);
        } else if (shift < 0) {
            if (shift < -18 || x % kmp_pow10((unsigned)-shift) != 0)
                return METER_ERANGE;
            x /= kmp_pow10((unsigned)-shift);
        }
        if (x > (uint64_t)INT64_MAX || (num->neg && cur->type != OBJ_T_INT && x != 0))
            return METER_ERANGE;
        in->i = num->neg ? -(int64_t)x : (int64_t)x;
        return METER_OK;
    }
    case OBJ_T_TIME: {
        uint64_t x = num->mant;
        if (unit != KMP_U_HHMMSS || num->exp != 0 || num->neg || x / 10000u > 23 || x / 100u % 100u > 59 ||
            x % 100u > 59)
            return METER_EINVAL;
        in->i = (int64_t)(x / 10000u * 3600u + x / 100u % 100u * 60u + x % 100u);
        return METER_OK;
    }
    case OBJ_T_STRING: {
        /* identifiers written as numbers: decimal digits, at least 8 */
        if (num->exp != 0 || num->neg)
            return METER_EINVAL;
        char tmp[21];
        unsigned n = 0;
        uint64_t x = num->mant;
        do {
            tmp[n++] = (char)('0' + x % 10u);
            x /= 10u;
        } while (x != 0 && n < sizeof tmp);
        while (n < 8)
            tmp[n++] = '0';
        for (unsigned k = 0; k < n; k++)
            in->s[k] = tmp[n - 1 - k];
        in->len = (uint8_t)n;
        return METER_OK;
    }
    default:
        return METER_ENOTSUP;
    }
}

/* Append <id> <unit> <number> of one register; 0 or an error. */
static int kmp_put_reg(const struct meter *m, const struct obj_def *o, uint8_t *dl, size_t *k, size_t cap)
{
    struct obj_value v;
    uint8_t unit;
    struct kmp_num num;
    if (obj_read(m, o, METER_ACC_READER, &v) < 0 || kmp_value_of(m, o, &v, &unit, &num) < 0)
        return METER_ENOENT;
    if (*k + 3 > cap)
        return METER_ENOSPC;
    size_t k0 = *k;
    dl[*k] = (uint8_t)(o->kmp_id >> 8);
    dl[*k + 1] = (uint8_t)o->kmp_id;
    dl[*k + 2] = unit;
    int r = kmp_num_encode(&num, dl + *k + 3, cap - *k - 3);
    if (r < 0) {
        *k = k0;
        return r;
    }
    *k += 3u + (size_t)r;
    return METER_OK;
}

static size_t kmp_get_type(uint8_t *dl, size_t k)
{
    /* revision: letter = major + 1 ('A' for 0.x), number = minor */
    static const char ver[] = METER_FW_VERSION;
    unsigned major = 0, minor = 0, i = 0;
    while (ver[i] >= '0' && ver[i] <= '9')
        major = major * 10u + (unsigned)(ver[i++] - '0');
    if (ver[i] == '.')
        i++;
    while (ver[i] >= '0' && ver[i] <= '9')
        minor = minor * 10u + (unsigned)(ver[i++] - '0');
    dl[k++] = (uint8_t)(KMP_METER_TYPE >> 8);
    dl[k++] = (uint8_t)KMP_METER_TYPE;
    dl[k++] = (uint8_t)(major + 1u);
    dl[k++] = (uint8_t)minor;
    return k;
}

static int kmp_get_serial(const struct meter *m, uint8_t *dl, size_t k)
{
    struct obj_value v;
    uint64_t sn;
    const struct obj_def *o = objtab_find_kmp(KMP_REG_SERIAL);
    if (o == NULL)
        o = objtab_find_str("0.0.0");
    if (o == NULL || obj_read(m, o, METER_ACC_READER, &v) < 0 || kmp_digits(&v, &sn) < 0 || sn > UINT32_MAX)
        return METER_ENOENT;
    dl[k++] = (uint8_t)(sn >> 24);
    dl[k++] = (uint8_t)(sn >> 16);
    dl[k++] = (uint8_t)(sn >> 8);
    dl[k++] = (uint8_t)sn;
    return (int)k;
}

/* <n 1..8> <id hi lo> x n; unknown or unreadable ids are left out of the
 * answer (the master sees which ones came back). */
static int kmp_get_register(const struct meter *m, const uint8_t *d, size_t n, uint8_t *dl, size_t k, size_t cap)
{
    if (n < 1 || d[0] == 0 || d[0] > KMP_REGS_MAX || n != 1u + 2u * d[0])
        return METER_EINVAL;
    for (unsigned i = 0; i < d[0]; i++) {
        uint16_t id = (uint16_t)(d[1 + 2 * i] << 8 | d[2 + 2 * i]);
        const struct obj_def *o = objtab_find_kmp(id);
        if (o != NULL && kmp_put_reg(m, o, dl, &k, cap) == METER_ENOSPC)
            return METER_ENOSPC;
    }
    return (int)k;
}

/* Audit a write refused before it reached obj_write (malformed value). */
static void kmp_refuse(struct meter *m, const struct obj_def *o, uint16_t id)
{
    int32_t what = o != NULL ? (int32_t)((uint32_t)o->ln.v[2] << 16 | (uint32_t)o->ln.v[3] << 8 | o->ln.v[4])
                             : (int32_t)id;
    evlog_add(m, EV_ACCESS_DENIED, METER_SRC_OPTICAL_KMP, what, 2);
}

/* <n 1..8> { <id hi lo> <unit> <number> } x n. Each register goes through
 * obj_write; the answer lists the registers written, with the value read
 * back; refused ones are absent. */
static int kmp_put_register(struct meter *m, enum meter_access acc, const uint8_t *d, size_t n, uint8_t *dl,
                            size_t k, size_t cap)
{
    if (n < 1 || d[0] == 0 || d[0] > KMP_REGS_MAX)
        return METER_EINVAL;
    /* Validate the whole request before the first write. */
    size_t p = 1;
    for (unsigned i = 0; i < d[0]; i++) {
        struct kmp_num num;
        if (p + 3 > n)
            return METER_EINVAL;
        int r = kmp_num_decode(d + p + 3, n - p - 3, &num);
        if (r < 0)
            return METER_EINVAL;
        p += 3u + (size_t)r;
    }
    if (p != n)
        return METER_EINVAL;
    p = 1;
    for (unsigned i = 0; i < d[0]; i++) {
        struct kmp_num num;
        struct obj_value cur, in;
        uint16_t id = (uint16_t)(d[p] << 8 | d[p + 1]);
        uint8_t unit = d[p + 2];
        int r = kmp_num_decode(d + p + 3, n - p - 3, &num);
        p += 3u + (size_t)r;
        const struct obj_def *o = objtab_find_kmp(id);
        /* the current value (any level: only its type and scaler are used) */
        if (o == NULL || obj_read(m, o, METER_ACC_CAL, &cur) < 0 || kmp_value_to(o, &cur, unit, &num, &in) < 0) {
            kmp_refuse(m, o, id);
            continue;
        }
        if (obj_write(m, o, acc, &in, METER_SRC_OPTICAL_KMP) == METER_OK &&
            kmp_put_reg(m, o, dl, &k, cap) == METER_ENOSPC)
            return METER_ENOSPC;
    }
    return (int)k;
}

/* <YY MM DD hh mm ss> local time, binary. ACK when set, silence when not. */
static int kmp_set_clock(struct meter *m, enum meter_access acc, const uint8_t *d, size_t n)
{
    const struct obj_def *o = objtab_find_key("clock");
    if (n != 6 || d[1] < 1 || d[1] > 12 || d[2] < 1 || d[2] > clock_month_days(2000 + d[0], d[1]) || d[3] > 23 ||
        d[4] > 59 || d[5] > 59 || o == NULL) {
        kmp_refuse(m, o, 0);
        return METER_EINVAL;
    }
    struct obj_value in;
    memset(&in, 0, sizeof in);
    in.type = OBJ_T_DATETIME;
    in.i = clock_utc_of(m, clock_join(2000 + d[0], d[1], d[2], d[3], d[4], d[5]));
    return obj_write(m, o, acc, &in, METER_SRC_OPTICAL_KMP);
}

/* A time stamp as <YY MM DD hh mm [ss]> binary, local or standard time;
 * returns the bytes written (5 or 6). */
static size_t kmp_put_time(const struct meter *m, int64_t utc, bool standard, bool secs, uint8_t *p)
{
    struct clock_dt dt;
    clock_split(clock_civil_of(m, utc, standard), &dt);
    p[0] = (uint8_t)(dt.year % 100);
    p[1] = dt.mon;
    p[2] = dt.day;
    p[3] = dt.hour;
    p[4] = dt.min;
    if (!secs)
        return 5;
    p[5] = dt.sec;
    return 6;
}

/* <log (0xFF = all)> <skip newest, 2 bytes> <max records>. Answer: <log>
 * <count> then per record <YY MM DD hh mm ss (standard time)> <code>
 * <log> <src> <a 4> <b 4> (17 bytes), newest first. */
static int kmp_get_log(const struct meter *m, const uint8_t *d, size_t n, uint8_t *dl, size_t k, size_t cap)
{
    if (n != 4)
        return METER_EINVAL;
    unsigned want = d[3], skip = (unsigned)(d[1] << 8 | d[2]), got = 0;
    dl[k++] = d[0];
    size_t kcount = k++;
    /* the event log's row (0-0:99.98.<log>; 0xFF: all logs merged, 0-0:99.98.128) */
    struct obis ln = {{0, 0, 99, 98, d[0] == 0xFFu ? 128u : d[0], 255}};
    const struct obj_def *o = d[0] == 0xFFu || d[0] < 128u ? objtab_find(&ln) : NULL;
    uint32_t avail = 0;
    if (o == NULL || obj_log_count(m, o, METER_ACC_READER, &avail) < 0)
        avail = 0; /* no such log: no records */
    for (uint32_t j = avail; j-- > 0 && got < want && k + 17 <= cap;) {
        struct obj_entry e;
        if (obj_log_at(m, o, METER_ACC_READER, j, &e) < 0)
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        k += kmp_put_time(m, e.time, true, true, dl + k);
        dl[k++] = (uint8_t)e.v[0]; /* code */
        dl[k++] = e.status;        /* log */
        dl[k++] = (uint8_t)e.v[1]; /* source */
        for (int sh = 24; sh >= 0; sh -= 8)
            dl[k++] = (uint8_t)((uint32_t)e.v[2] >> sh);
        for (int sh = 24; sh >= 0; sh -= 8)
            dl[k++] = (uint8_t)((uint32_t)e.v[3] >> sh);
        got++;
    }
    dl[kcount] = (uint8_t)got;
    return (int)k;
}

/* <YY MM DD hh mm ss local> <max records>: load-profile records whose
 * period ends at or after that time, oldest first. Answer: <channel mask>
 * <count> then per record <YY MM DD hh mm (local end of period)> <status>
 * and one number per channel (A+ A- R+ R- order, kWh / kvarh). */
static int kmp_get_profile(const struct meter *m, const uint8_t *d, size_t n, uint8_t *dl, size_t k, size_t cap)
{
    if (n != 7 || d[1] < 1 || d[1] > 12 || d[2] < 1 || d[2] > 31 || d[3] > 23 || d[4] > 59 || d[5] > 59)
        return METER_EINVAL;
    int64_t from = clock_utc_of(m, clock_join(2000 + d[0], d[1], d[2], d[3], d[4], d[5]));
    /* The load profile's row (1-0:99.1.0): its columns name the channels,
     * one pass of a cursor from the oldest entry reads the entries (entries
     * without a known time, time 0, are before any `from`). */
    const struct obj_def *o = objtab_find_str("1-0:99.1.0");
    struct obj_col cols[MEAS_QTY];
    unsigned ncol = o != NULL && o->log != NULL ? o->log->columns(m, o, cols, MEAS_QTY) : 0;
    uint8_t mask = 0;
    for (unsigned c = 0; c < ncol; c++)
        if (cols[c].ln.v[2] >= 1 && cols[c].ln.v[2] <= MEAS_QTY)
            mask |= (uint8_t)(1u << (cols[c].ln.v[2] - 1u));
    struct obj_cursor cur;
    struct obj_entry e;
    memset(&cur, 0, sizeof cur);
    size_t kmask = k++, kcount = k++;
    unsigned got = 0;
    dl[kmask] = 0;
    while (got < d[6] && o != NULL && obj_log_next(m, o, METER_ACC_READER, &cur, &e) == METER_OK) {
        uint8_t rec[6 + MEAS_QTY * 10];
        if (e.time < from)
            continue;
        if (e.n != ncol)
            break; /* an entry of another channel set: the master asks again */
        size_t r = kmp_put_time(m, e.time, false, false, rec);
        rec[r++] = e.status;
        for (unsigned c = 0; c < e.n && c < MEAS_QTY; c++) {
            struct kmp_num num = {.mant = e.v[c] < 0 ? 0 : (uint64_t)e.v[c], .exp = -2, .neg = false};
            int w = kmp_num_encode(&num, rec + r, sizeof rec - r);
            if (w < 0)
                return w;
            r += (size_t)w;
        }
        if (k + r > cap)
            break;
        memcpy(dl + k, rec, r);
        k += r;
        dl[kmask] = mask;
        got++;
    }
    dl[kcount] = (uint8_t)got;
    return (int)k;
}

int kmp_serve(struct meter *m, enum meter_access acc, const uint8_t *frame, size_t n, uint8_t *out, size_t cap)
{
    uint8_t req[KMP_DL_MAX];
    uint8_t dl[KMP_DL_MAX];
    int len = kmp_frame_decode(KMP_START_REQ, frame, n, req, sizeof req);
    if (len < 2 || req[0] != KMP_ADDR_METER)
        return METER_EINVAL; /* broken, corrupt or not for us: a master retries on silence */
    const uint8_t *d = req + 2;
    size_t dn = (size_t)len - 2;
    size_t k = 0;
    int r;
    dl[k++] = KMP_ADDR_METER;
    dl[k++] = req[1];
    const size_t dl_room = sizeof dl - 2; /* keep two bytes for the CRC */
    switch (req[1]) {
    case KMP_CID_GET_TYPE:
        r = dn == 0 ? (int)kmp_get_type(dl, k) : METER_EINVAL;
        break;
    case KMP_CID_GET_SERIAL:
        r = dn == 0 ? kmp_get_serial(m, dl, k) : METER_EINVAL;
        break;
    case KMP_CID_GET_REGISTER:
        r = kmp_get_register(m, d, dn, dl, k, dl_room);
        break;
    case KMP_CID_PUT_REGISTER:
        r = kmp_put_register(m, acc, d, dn, dl, k, dl_room);
        break;
    case KMP_CID_SET_CLOCK:
        if (kmp_set_clock(m, acc, d, dn) < 0 || cap < 1)
            return 0;
        out[0] = KMP_ACK;
        return 1;
    case KMP_CID_GET_LOG:
        r = kmp_get_log(m, d, dn, dl, k, dl_room);
        break;
    case KMP_CID_GET_PROFILE:
        r = kmp_get_profile(m, d, dn, dl, k, dl_room);
        break;
    default:
        return 0; /* unknown command: silence */
    }
    if (r < 0)
        return 0;
    r = kmp_frame_encode(KMP_START_RSP, dl, (size_t)r, sizeof dl, out, cap);
    return r < 0 ? 0 : r;
}

/* ---- the driver ---------------------------------------------------------------- */

/* KMP session: the inactivity after which the next frame opens a new
 * (audited) session. */
#define KMP_SESSION_MS 10000u
/* A half frame older than this is dropped (as IEC 62056-21 t_a). */
#define KMP_CHAR_TIMEOUT_MS 1500u

static enum proto_claim kmp_claim(const uint8_t *buf, size_t n)
{
    (void)n;
    return buf[0] == KMP_START_REQ ? PROTO_YES : PROTO_NO;
}

static void kmp_open(struct meter *m, struct session *s)
{
    (void)m;
    /* KMP has no authentication: its writes act as the head-end's
     * (docs/PROTOCOLS.md); legal objects stay refused by obj_write. */
    s->access = METER_ACC_MANAGER;
}

static void kmp_frame(struct meter *m, struct session *s)
{
    struct kmp_session *k = &s->st.kmp;
    uint8_t dl[KMP_DL_MAX];
    int len = kmp_frame_decode(KMP_START_REQ, k->buf, k->len, dl, sizeof dl);
    if (len < 2 || dl[0] != KMP_ADDR_METER) {
        k->len = 0;
        return; /* not a valid frame for us: no session activity, silence */
    }
    session_touch(m, s); /* before serving: the session start precedes what it does in the log */
    /* the answer replaces the request in the buffer (kmp_serve decodes first) */
    int r = kmp_serve(m, session_access(m, s), k->buf, k->len, k->buf, sizeof k->buf);
    k->len = 0;
    if (r > 0)
        session_send(m, s, k->buf, (size_t)r);
}

static size_t kmp_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    struct kmp_session *k = &s->st.kmp;
    uint32_t now = meter_ms(m);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = buf[i];
        if (k->len > 0 && now - k->last_rx_ms > KMP_CHAR_TIMEOUT_MS)
            k->len = 0; /* a half frame went stale */
        k->last_rx_ms = now;
        if (session_tx_busy(s))
            continue; /* the answer still occupies the buffer: the master waits for it */
        if (b == KMP_START_REQ) { /* 0x80 never occurs inside a frame: a new one starts */
            k->skip = false;
            k->len = 0;
            k->buf[k->len++] = b;
            continue;
        }
        if (k->skip) {
            if (b == KMP_STOP)
                k->skip = false;
            continue;
        }
        if (k->len == 0)
            return i; /* between frames: not a start of ours */
        if (k->len >= sizeof k->buf) {
            k->len = 0;
            k->skip = b != KMP_STOP; /* oversized: drop up to its stop byte */
            continue;
        }
        k->buf[k->len++] = b;
        if (b == KMP_STOP)
            kmp_frame(m, s);
    }
    return n;
}

static uint32_t kmp_timeout_ms(const struct meter *m, const struct session *s)
{
    (void)m;
    (void)s;
    return KMP_SESSION_MS;
}

const struct proto_driver kmp_driver = {
    .name = "kmp",
    .src = METER_SRC_OPTICAL_KMP,
    .baud = 9600,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .claim = kmp_claim,
    .open = kmp_open,
    .feed = kmp_feed,
    .timeout_ms = kmp_timeout_ms,
};
