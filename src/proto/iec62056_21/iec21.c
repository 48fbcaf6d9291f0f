/*
 * iec21.c — the meter's side of IEC 62056-21: session state machine,
 * readout, programming mode, passwords and lockout, configuration rows.
 */
#include "proto/iec62056_21/iec21.h"

#include <string.h>

#include "registers/clock.h"
#include "registers/evlog.h"
#include "cosem/objtab.h"
#include "legal/config.h"
#include "proto/port.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

/* Highest baud rate the meter offers in mode C ('5' = 9600 Bd). */
#define IEC21_MAX_BAUD_CHAR '5'
#define IEC21_MODE_B_CHAR 'E'
/* Mode A: a character that names no baud rate (as the 382C sends). */
#define IEC21_MODE_A_CHAR ' '

/* Error codes in the "(ERnn)" data set (docs/PROTOCOLS.md). */
enum iec21_error {
    IEC21_ER_UNKNOWN = 1, /* no such object */
    IEC21_ER_ACCESS = 2,  /* access denied (level, legal object) */
    IEC21_ER_VALUE = 3,   /* value malformed or out of range */
    IEC21_ER_SYNTAX = 4,  /* command not supported or malformed */
    IEC21_ER_LOCKED = 5   /* password entry locked out */
};

void iec21_cfg_default(struct iec21_cfg *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->pw[0], "00000000", 9);
    memcpy(c->pw[1], "22222222", 9);
    c->mode = 'C';
    c->lock_tries = 3;
    c->lock_min = 15;
    c->history = 2;
}

static bool iec21_pw_char_ok(char c)
{
    return c > 0x20 && c <= 0x7E && c != '(' && c != ')' && c != '*' && c != '!' && c != '/';
}

bool iec21_cfg_valid(const struct iec21_cfg *c)
{
    for (unsigned k = 0; k < 2; k++) {
        size_t n = 0;
        while (n <= IEC21_PW_MAX && c->pw[k][n] != '\0') {
            if (!iec21_pw_char_ok(c->pw[k][n]))
                return false;
            n++;
        }
        if (n == 0 || n > IEC21_PW_MAX)
            return false;
    }
    return (c->mode == 'A' || c->mode == 'B' || c->mode == 'C') && c->lock_tries >= 1 && c->lock_min >= 1 &&
           c->lock_min <= 1440 && c->history <= 24 && c->nlist <= IEC21_LIST_MAX;
}

/* ---- output ----------------------------------------------------------------- */

/* A block "SOH|STX ... ETX BCC" composed in the dispatcher's buffer (which
 * may still hold the request: compose only after reading it). The BCC runs
 * over everything after the leading SOH/STX. Two bytes stay free for
 * ETX and BCC. */
struct iec21_msg {
    uint8_t *b;
    size_t n;
};

static void msg_begin(struct iec21_msg *o, struct session *x, uint8_t start)
{
    o->b = x->st.iec.buf;
    o->b[0] = start;
    o->n = 1;
}

static void msg_byte(struct iec21_msg *o, uint8_t c)
{
    if (o->n < IEC21_BUF - 2u)
        o->b[o->n++] = c;
}

static void msg_str(struct iec21_msg *o, const char *t)
{
    while (*t != '\0')
        msg_byte(o, (uint8_t)*t++);
}

/* A formatter over the free part of the message; msg_fmt_end() keeps what
 * it wrote (nothing when it did not fit). */
static void msg_fmt(struct iec21_msg *o, struct fmt_buf *f)
{
    fmt_init(f, (char *)o->b + o->n, IEC21_BUF - 2u - o->n);
}

static bool msg_fmt_end(struct iec21_msg *o, struct fmt_buf *f)
{
    int k = fmt_end(f);
    if (k < 0)
        return false;
    o->n += (size_t)k;
    return true;
}

/* Queue buf[0..n) of the session as its answer, kept for a repeat request. */
static void iec21_send(struct meter *m, struct session *x, size_t n)
{
    x->st.iec.kept = (uint16_t)n;
    session_send(m, x, x->st.iec.buf, n);
}

static void msg_end(struct iec21_msg *o, struct meter *m, struct session *x)
{
    o->b[o->n++] = IEC21_ETX;
    o->b[o->n] = iec21_bcc(o->b + 1, o->n - 1);
    o->n++;
    iec21_send(m, x, o->n);
}

static void iec21_send_byte(struct meter *m, struct session *x, uint8_t c)
{
    x->st.iec.buf[0] = c;
    iec21_send(m, x, 1);
}

static void iec21_send_error(struct meter *m, struct session *x, enum iec21_error e)
{
    struct iec21_msg o;
    struct fmt_buf f;
    msg_begin(&o, x, IEC21_STX);
    msg_fmt(&o, &f);
    fmt_str(&f, "(ER");
    fmt_uint(&f, (uint64_t)e, 2);
    fmt_char(&f, ')');
    msg_fmt_end(&o, &f);
    msg_end(&o, m, x);
}

/* ---- values as text ------------------------------------------------------------ */

static void fmt_2d(struct fmt_buf *f, unsigned v)
{
    fmt_uint(f, v, 2);
}

/* "YY-MM-DD" and/or "hh:mm[:ss]" of civil seconds. */
static void fmt_civil(struct fmt_buf *f, int64_t civil, bool date, bool time, bool secs)
{
    struct clock_dt dt;
    clock_split(civil, &dt);
    if (date) {
        fmt_2d(f, (unsigned)(dt.year % 100));
        fmt_char(f, '-');
        fmt_2d(f, dt.mon);
        fmt_char(f, '-');
        fmt_2d(f, dt.day);
        if (time)
            fmt_char(f, ' ');
    }
    if (time) {
        fmt_2d(f, dt.hour);
        fmt_char(f, ':');
        fmt_2d(f, dt.min);
        if (secs) {
            fmt_char(f, ':');
            fmt_2d(f, dt.sec);
        }
    }
}

/* The address of a row as the readout shows it: C.D.E, "*NN" for the
 * value of the NN-th last billing period. */
static void fmt_addr(struct fmt_buf *f, const struct obj_def *o, unsigned period)
{
    fmt_uint(f, o->ln.v[2], 1);
    fmt_char(f, '.');
    fmt_uint(f, o->ln.v[3], 1);
    fmt_char(f, '.');
    fmt_uint(f, o->ln.v[4], 1);
    if (period != 255) {
        fmt_char(f, '*');
        fmt_uint(f, period, 2);
    }
}

/* "(value*unit)" plus "(YY-MM-DD hh:mm)" for a captured peak. Characters
 * that would break the framing never leave the meter inside a value. */
static int fmt_value(const struct meter *m, struct fmt_buf *f, const struct obj_def *o, const struct obj_value *v)
{
    char t[48];
    fmt_char(f, '(');
    switch (v->type) {
    case OBJ_T_TIME:
        fmt_civil(f, v->i, false, true, true);
        break;
    case OBJ_T_DATE:
        fmt_civil(f, clock_civil_of(m, v->i, false), true, false, false);
        break;
    case OBJ_T_DATETIME:
        fmt_civil(f, clock_civil_of(m, v->i, false), true, true, true);
        break;
    case OBJ_T_STRING:
        for (unsigned k = 0; k < v->len && k < OBJ_STR_MAX; k++) {
            char c = v->s[k];
            bool bad = c == '(' || c == ')' || c == '*' || c == '!' || c == '/' || (unsigned char)c < 0x20u ||
                       (unsigned char)c > 0x7Eu;
            fmt_char(f, bad ? '_' : c);
        }
        break;
    default: {
        int r = obj_format_value(o, v, t, sizeof t);
        if (r < 0)
            return r;
        fmt_str(f, t);
        const char *u = obj_unit_text(o);
        if (u[0] != '\0') {
            fmt_char(f, '*');
            fmt_str(f, u);
        }
        break;
    }
    }
    fmt_char(f, ')');
    if (v->capture != 0) {
        fmt_char(f, '(');
        fmt_civil(f, clock_civil_of(m, v->capture, true), true, true, false);
        fmt_char(f, ')');
    }
    return METER_OK;
}

/* One data line "addr(value...)"; METER_ENOENT when it cannot be read. */
static int fmt_line(const struct meter *m, const struct obj_def *o, unsigned period, enum meter_access acc,
                    char *buf, size_t n)
{
    struct obj_value v;
    struct fmt_buf f;
    if ((period == 255 ? obj_read(m, o, acc, &v) : obj_read_at(m, o, period, acc, &v)) < 0)
        return METER_ENOENT;
    fmt_init(&f, buf, n);
    fmt_addr(&f, o, period);
    if (fmt_value(m, &f, o, &v) < 0)
        return METER_ENOENT;
    return fmt_end(&f);
}

/* ---- readout list -------------------------------------------------------------- */

/* Default readout: every publicly readable register that is not an
 * instantaneous value, a command, the clock object or a parameter; the
 * meter's identification numbers (0.0.x, 96.1.x) even when configurable. */
static bool iec21_default_entry(const struct obj_def *o)
{
    if (o->rd > METER_ACC_PUBLIC || (o->flags & OBJ_F_INSTANT) || o->act != NULL || o->ic == IC_CLOCK ||
        o->ic == IC_PROFILE_GENERIC)
        return false;
    bool ident = (o->ln.v[2] == 0 && o->ln.v[3] == 0) || (o->ln.v[2] == 96 && o->ln.v[3] == 1);
    return ((o->flags & OBJ_F_PARAM) == 0 && o->key == NULL) || ident;
}

/* The row of C.D.E*F and the billing period to read it at (255 = now):
 * a row of its own, or a billed row's stored value (C.D.E*NN). */
static const struct obj_def *iec21_find_cdef(const uint8_t e[4], unsigned *period)
{
    const struct obj_def *billed = NULL;
    for (size_t i = 0, nrows = objtab_count(); i < nrows; i++) {
        const struct obj_def *o = objtab_at(i);
        if (memcmp(&o->ln.v[2], e, 4) == 0) {
            *period = 255;
            return o;
        }
        if (e[3] != 255 && e[3] != 0 && o->bill != 0 && o->ln.v[5] == 255 && memcmp(&o->ln.v[2], e, 3) == 0)
            billed = o;
    }
    *period = e[3];
    return billed;
}

/* An address from the master ("1.8.0", "1.8.0*01", "1-0:1.8.0*255"). */
static const struct obj_def *iec21_find(const char *code, unsigned *period)
{
    struct obis ln;
    *period = 255;
    if (obis_parse(code, &ln) < 0)
        return NULL;
    const struct obj_def *o = objtab_find(&ln);
    return o != NULL ? o : iec21_find_cdef(&ln.v[2], period);
}

/* The readout's data message (STX, lines, "!" CR LF, ETX, BCC) is made a
 * line at a time as the port takes it: iec21_tx_more() puts the next line
 * in the dispatcher's buffer when the last one was handed over. */
static void iec21_readout_start(struct meter *m, struct session *x)
{
    struct iec21_session *s = &x->st.iec;
    s->state = IEC21_READOUT;
    s->step = IEC21_STEP_LINES;
    s->period = 0;
    s->row = 0;
    s->any = false;
    s->bcc = 0;
    s->buf[0] = IEC21_STX;
    session_send(m, x, s->buf, 1);
    session_more(x);
}

/* The next data line "addr(value...)" CR LF into b; its length, 0 when
 * the list is done. Configured list: its entries in order. Default: the
 * registers now, then the billed ones of each of the last periods while
 * such a period is stored. */
static size_t iec21_readout_line(const struct meter *m, struct iec21_session *s, char *b, size_t cap)
{
    const struct iec21_cfg *c = &m->proto.iec.cfg;
    for (;;) {
        const struct obj_def *d;
        unsigned period;
        if (c->nlist > 0) {
            if (s->row >= c->nlist)
                return 0;
            d = iec21_find_cdef(c->list[s->row++], &period);
            if (d == NULL)
                continue;
        } else {
            if (s->row >= objtab_count()) {
                if (!s->any || s->period >= c->history)
                    return 0; /* no such period stored (yet), or enough */
                s->period++;
                s->row = 0;
                s->any = false;
                continue;
            }
            d = objtab_at(s->row++);
            if (!iec21_default_entry(d) || (s->period > 0 && d->bill == 0))
                continue;
            period = s->period == 0 ? 255u : s->period;
        }
        int n = fmt_line(m, d, period, METER_ACC_PUBLIC, b, cap - 2u);
        if (n < 0)
            continue; /* not readable publicly (or not at that period) */
        s->any = true;
        b[n] = '\r';
        b[n + 1] = '\n';
        return (size_t)n + 2u;
    }
}

static bool iec21_tx_more(struct meter *m, struct session *x)
{
    struct iec21_session *s = &x->st.iec;
    switch (s->step) {
    case IEC21_STEP_SWITCH:
        if (s->baud_char != '0') /* after the identification left */
            session_line(m, x, iec21_baud(s->baud_char), METER_FRAMING_7E1);
        iec21_readout_start(m, x);
        return true;
    case IEC21_STEP_LINES: {
        uint8_t *b = s->buf;
        size_t n = iec21_readout_line(m, s, (char *)b, IEC21_BUF);
        if (n == 0) {
            memcpy(b, "!\r\n\x03", 4);
            s->bcc ^= iec21_bcc(b, 4);
            b[4] = s->bcc;
            n = 5;
            s->step = IEC21_STEP_END;
        } else {
            s->bcc ^= iec21_bcc(b, n);
        }
        s->kept = 0; /* a repeat request regenerates the readout */
        session_send(m, x, b, n);
        return true;
    }
    case IEC21_STEP_END:
        s->step = IEC21_STEP_NONE;
        s->state = IEC21_DONE; /* a repeat request may follow; then the session ends */
        return false;
    case IEC21_STEP_MODE_E:
        /* the switch confirm is handed over: binary from here on */
        s->step = IEC21_STEP_NONE;
        session_line(m, x, iec21_baud(s->baud_char), METER_FRAMING_8N1);
        if (session_handover(m, x, IEC21_MODE_E_DRIVER) != METER_OK)
            session_end(m, x);
        return false;
    default:
        return false;
    }
}

/* The master's repeat request (NAK): the last message again. */
static void iec21_repeat(struct meter *m, struct session *x)
{
    struct iec21_session *s = &x->st.iec;
    if (s->repeats >= IEC21_REPEAT_MAX)
        return; /* the master gives up or breaks */
    if (s->state == IEC21_DONE) {
        s->repeats++;
        iec21_readout_start(m, x); /* made again from the table: the values of now */
        return;
    }
    if (s->kept > 0) {
        s->repeats++;
        session_send(m, x, s->buf, s->kept);
    }
}

static uint32_t iec21_timeout_ms(const struct meter *m, const struct session *x)
{
    (void)m;
    const struct iec21_session *s = &x->st.iec;
    switch (s->state) {
    case IEC21_PROG:
        return IEC21_PROG_TIMEOUT_MS;
    case IEC21_DONE: {
        /* from the last byte handed over: the HAL's queue still drains */
        uint32_t baud = iec21_baud(s->baud_char);
        return IEC21_REPEAT_WAIT_MS + session_drain_ms(x, baud != 0 ? baud : 300u);
    }
    default:
        return IEC21_SESSION_TIMEOUT_MS;
    }
}

/* ---- session ------------------------------------------------------------------ */

/* Device address of a sign-on: empty, or the serial number (leading
 * zeros ignored on both sides). */
static bool iec21_address_ok(const struct meter *m, const uint8_t *a, size_t n)
{
    if (n == 0)
        return true;
    const struct obj_def *o = objtab_find_str("0.0.0");
    struct obj_value v;
    if (o == NULL || obj_read(m, o, METER_ACC_PUBLIC, &v) < 0 || v.type != OBJ_T_STRING)
        return false;
    size_t i = 0, j = 0;
    while (i < n && a[i] == '0')
        i++;
    while (j < v.len && v.s[j] == '0')
        j++;
    return n - i == (size_t)v.len - j && memcmp(a + i, v.s + j, n - i) == 0;
}

static void iec21_sign_on(struct meter *m, struct session *x, const uint8_t *msg, size_t n)
{
    struct iec21_session *s = &x->st.iec;
    /* "/?" [address] "!" CR LF */
    if (n < 5 || msg[1] != '?' || msg[n - 3] != '!' || msg[n - 2] != '\r' || msg[n - 1] != '\n' ||
        !iec21_address_ok(m, msg + 2, n - 5)) {
        session_end(m, x);
        return;
    }
    const struct iec21_cfg *c = &m->proto.iec.cfg;
    session_touch(m, x);
    /* a sign-on in a session starts it again: nothing of the old one stays */
    s->state = IEC21_IDLE;
    s->step = IEC21_STEP_NONE;
    x->access = METER_ACC_NONE;
    if (s->baud_char != '0')
        session_line(m, x, 300, METER_FRAMING_7E1);
    s->baud_char = '0';
    uint8_t z = c->mode == 'A' ? IEC21_MODE_A_CHAR : c->mode == 'B' ? IEC21_MODE_B_CHAR : IEC21_MAX_BAUD_CHAR;
    /* the identification replaces the request in the buffer */
    char *id = (char *)s->buf;
    struct fmt_buf f;
    fmt_init(&f, id, IEC21_BUF);
    fmt_char(&f, '/');
    fmt_str(&f, IEC21_FLAG_ID);
    fmt_char(&f, (char)z);
    fmt_str(&f, IEC21_IDENT);
    fmt_str(&f, "\r\n");
    int len = fmt_end(&f);
    iec21_send(m, x, len > 0 ? (size_t)len : 0);
    if (c->mode == 'C') {
        s->state = IEC21_WAIT_ACK;
        return;
    }
    /* modes A and B: the readout follows the identification (mode B at
     * 9600 Bd, switched once the identification has been handed over) */
    s->baud_char = c->mode == 'B' ? IEC21_MODE_B_CHAR : (uint8_t)'0';
    s->state = IEC21_READOUT;
    s->step = IEC21_STEP_SWITCH;
    session_more(x);
}

/* Does the port of this session speak HDLC (mode E)? */
static bool iec21_port_has(const struct session *x, const char *name)
{
    const struct proto_driver *const *list;
    size_t n = port_drivers(x->line, &list);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return true;
    return false;
}

static void iec21_option_select(struct meter *m, struct session *x, const uint8_t *msg, size_t n)
{
    struct iec21_session *s = &x->st.iec;
    /* ACK V Z Y CR LF: V '0' normal protocol, Z baud, Y '0' readout / '1'
     * programming; V '2' Y '2': mode E, binary (HDLC) */
    bool mode_e = n == 6 && msg[1] == '2' && msg[3] == '2' && iec21_port_has(x, IEC21_MODE_E_DRIVER);
    if (s->state != IEC21_WAIT_ACK || n != 6 || (msg[1] != '0' && !mode_e) || msg[2] < '0' ||
        msg[2] > IEC21_MAX_BAUD_CHAR || (!mode_e && msg[3] != '0' && msg[3] != '1') || msg[4] != '\r' ||
        msg[5] != '\n') {
        session_end(m, x);
        return;
    }
    session_touch(m, x);
    s->baud_char = msg[2];
    if (mode_e) {
        /* The switch to baud Z comes where mode C has it; the switch
         * confirm (the same message back) goes out at the new rate, still
         * 7E1; then 8N1 and the session is HDLC's (IEC 62056-21 annex E). */
        session_line(m, x, iec21_baud(msg[2]), METER_FRAMING_7E1);
        memcpy(s->buf, msg, 6);
        s->kept = 6;
        session_send(m, x, s->buf, 6);
        s->step = IEC21_STEP_MODE_E;
        session_more(x);
        return;
    }
    if (msg[3] == '0') {
        s->state = IEC21_READOUT;
        s->step = IEC21_STEP_SWITCH; /* the port runs it: nothing is queued before */
        session_more(x);
        return;
    }
    session_line(m, x, iec21_baud(msg[2]), METER_FRAMING_7E1);
    /* programming mode: the password request carries the serial number */
    const struct obj_def *sn = objtab_find_str("0.0.0");
    struct obj_value v;
    struct iec21_msg o;
    struct fmt_buf f;
    msg_begin(&o, x, IEC21_SOH);
    msg_str(&o, "P0");
    msg_byte(&o, IEC21_STX);
    msg_fmt(&o, &f);
    if (sn == NULL || obj_read(m, sn, METER_ACC_PUBLIC, &v) != METER_OK || fmt_value(m, &f, sn, &v) != METER_OK ||
        !msg_fmt_end(&o, &f))
        msg_str(&o, "()");
    msg_end(&o, m, x);
    s->state = IEC21_PROG;
    x->access = METER_ACC_NONE;
}

/* P1/P2: the lockout and its persistence are the shared module's
 * (legal/access.h), so the DLMS clients lock out the same way. */
static void iec21_password(struct meter *m, struct session *x, unsigned lvl, const struct iec21_dataset *d)
{
    struct iec21_meter *s = &m->proto.iec;
    if (access_lock_check(m, ACCESS_LOCK_IEC21) < 0) {
        audit_refusal(m, METER_SRC_OPTICAL_IEC, 0, AUDIT_LOCKED); /* not even compared */
        iec21_send_error(m, x, IEC21_ER_LOCKED);
        return;
    }
    const char *want = s->cfg.pw[lvl - 1]; /* s: the meter's IEC state (configuration) */
    if (d->addr[0] == '\0' && d->unit[0] == '\0' && strcmp(d->value, want) == 0) {
        access_lock_pass(m, ACCESS_LOCK_IEC21);
        x->access = lvl == 1 ? METER_ACC_READER : METER_ACC_MANAGER;
        audit_login(m, METER_SRC_OPTICAL_IEC, (enum meter_access)x->access);
        iec21_send_byte(m, x, IEC21_ACK);
        return;
    }
    access_lock_fail(m, ACCESS_LOCK_IEC21, s->cfg.lock_tries, (uint32_t)s->cfg.lock_min * 60u, METER_SRC_OPTICAL_IEC);
    iec21_send_byte(m, x, IEC21_NAK);
}

static void iec21_read(struct meter *m, struct session *x, const struct iec21_dataset *d)
{
    unsigned period;
    const struct obj_def *o = iec21_find(d->addr, &period);
    if (o == NULL) {
        iec21_send_error(m, x, IEC21_ER_UNKNOWN);
        return;
    }
    struct iec21_msg out;
    msg_begin(&out, x, IEC21_STX);
    int n = fmt_line(m, o, period, (enum meter_access)x->access, (char *)out.b + 1, IEC21_BUF - 3u);
    if (n < 0) {
        iec21_send_error(m, x, IEC21_ER_ACCESS);
        return;
    }
    out.n += (size_t)n;
    msg_end(&out, m, x);
}

/* Parse a decimal "[-]digits[.digits]" into an integer at 10^scaler of the
 * row's display unit; exact or METER_ERANGE. */
static int iec21_parse_number(const char *t, int scaler, int64_t *out)
{
    bool neg = false;
    int64_t x = 0;
    int frac = 0;
    bool dot = false, any = false;
    if (*t == '-') {
        neg = true;
        t++;
    }
    for (; *t != '\0'; t++) {
        if (*t == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*t < '0' || *t > '9' || x > (INT64_MAX - 9) / 10)
            return METER_EINVAL;
        x = x * 10 + (*t - '0');
        any = true;
        if (dot)
            frac++;
    }
    if (!any)
        return METER_EINVAL;
    /* x * 10^-frac == out * 10^scaler */
    int shift = -frac - scaler;
    for (; shift > 0; shift--) {
        if (x > INT64_MAX / 10)
            return METER_ERANGE;
        x *= 10;
    }
    for (; shift < 0; shift++) {
        if (x % 10 != 0)
            return METER_ERANGE;
        x /= 10;
    }
    *out = neg ? -x : x;
    return METER_OK;
}

static unsigned iec21_num2(const char *p)
{
    return (unsigned)(p[0] - '0') * 10u + (unsigned)(p[1] - '0');
}

static bool iec21_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* "hh:mm:ss" -> seconds of the day. */
static int iec21_parse_time(const char *t, int64_t *out)
{
    if (strlen(t) != 8 || t[2] != ':' || t[5] != ':' || !iec21_digits(t, 2) || !iec21_digits(t + 3, 2) ||
        !iec21_digits(t + 6, 2))
        return METER_EINVAL;
    unsigned h = iec21_num2(t), mi = iec21_num2(t + 3), se = iec21_num2(t + 6);
    if (h > 23 || mi > 59 || se > 59)
        return METER_EINVAL;
    *out = (int64_t)(h * 3600u + mi * 60u + se);
    return METER_OK;
}

/* "YY-MM-DD" -> local civil seconds of midnight. */
static int iec21_parse_date(const char *t, int64_t *out)
{
    if (strlen(t) < 8 || t[2] != '-' || t[5] != '-' || !iec21_digits(t, 2) || !iec21_digits(t + 3, 2) ||
        !iec21_digits(t + 6, 2))
        return METER_EINVAL;
    unsigned y = 2000u + iec21_num2(t), mo = iec21_num2(t + 3), d = iec21_num2(t + 6);
    if (mo < 1 || mo > 12 || d < 1 || d > clock_month_days((int)y, mo))
        return METER_EINVAL;
    *out = clock_join((int)y, mo, d, 0, 0, 0);
    return METER_OK;
}

/* Text of a W1 data set -> value of row o (type of its current value). */
static int iec21_value_to(struct meter *m, const struct obj_def *o, const struct iec21_dataset *d,
                          struct obj_value *in)
{
    struct obj_value cur;
    if (obj_read(m, o, METER_ACC_CAL, &cur) < 0) /* only its type and scaler are used */
        return METER_EINVAL;
    memset(in, 0, sizeof *in);
    in->type = cur.type;
    in->unit = o->unit;
    in->scaler = cur.scaler;
    switch (cur.type) {
    case OBJ_T_INT:
    case OBJ_T_UINT:
    case OBJ_T_BOOL:
    case OBJ_T_ENUM: {
        const char *u = obj_unit_text(o);
        if (d->unit[0] != '\0' && strcmp(d->unit, u) != 0)
            return METER_EINVAL;
        int shown = unit_is_kilo(o->unit) ? cur.scaler - 3 : cur.scaler;
        int r = iec21_parse_number(d->value, shown, &in->i);
        if (r < 0)
            return r;
        return (cur.type != OBJ_T_INT && in->i < 0) ? METER_ERANGE : METER_OK;
    }
    case OBJ_T_STRING: {
        size_t n = strlen(d->value);
        if (n > OBJ_STR_MAX)
            return METER_ERANGE;
        memcpy(in->s, d->value, n);
        in->len = (uint8_t)n;
        return METER_OK;
    }
    case OBJ_T_TIME:
        return iec21_parse_time(d->value, &in->i);
    case OBJ_T_DATE: {
        int64_t civil;
        int r = iec21_parse_date(d->value, &civil);
        if (r == METER_OK)
            in->i = clock_utc_of(m, civil);
        return r;
    }
    case OBJ_T_DATETIME: {
        int64_t civil, tod;
        if (strlen(d->value) != 17 || d->value[8] != ' ' || iec21_parse_date(d->value, &civil) < 0 ||
            iec21_parse_time(d->value + 9, &tod) < 0)
            return METER_EINVAL;
        in->i = clock_utc_of(m, civil + tod);
        return METER_OK;
    }
    default:
        return METER_ENOTSUP;
    }
}

/* 0.9.1 / 0.9.2 are views of the clock: writing one sets the clock
 * object (key `clock`) with the other half kept. */
static const struct obj_def *iec21_clock_view(struct meter *m, const struct obj_def *o, struct obj_value *in)
{
    const struct obj_def *clk = objtab_find_key("clock");
    if (clk == NULL || o->set != NULL || (in->type != OBJ_T_TIME && in->type != OBJ_T_DATE))
        return o;
    int64_t local = clock_civil_of(m, m->now, false);
    int64_t day = local - clock_floor(local, 86400);
    int64_t civil = in->type == OBJ_T_TIME ? clock_floor(local, 86400) + in->i
                                           : clock_civil_of(m, in->i, false) + day;
    in->type = OBJ_T_DATETIME;
    in->unit = clk->unit;
    in->scaler = clk->scaler;
    in->i = clock_utc_of(m, civil);
    return clk;
}

static void iec21_write(struct meter *m, struct session *x, const struct iec21_dataset *d)
{
    unsigned period;
    const struct obj_def *o = iec21_find(d->addr, &period);
    if (o != NULL && period != 255) {
        iec21_send_error(m, x, IEC21_ER_ACCESS); /* history is never written */
        return;
    }
    struct obj_value in;
    if (o == NULL) {
        iec21_send_error(m, x, IEC21_ER_UNKNOWN);
        return;
    }
    if (iec21_value_to(m, o, d, &in) < 0) {
        audit_refusal(m, METER_SRC_OPTICAL_IEC, obj_packed(o), AUDIT_VALUE);
        iec21_send_error(m, x, IEC21_ER_VALUE);
        return;
    }
    o = iec21_clock_view(m, o, &in);
    int r = obj_write(m, o, session_access(m, x), &in, METER_SRC_OPTICAL_IEC);
    if (r == METER_OK)
        iec21_send_byte(m, x, IEC21_ACK);
    else
        iec21_send_error(m, x, r == METER_EACCES ? IEC21_ER_ACCESS : IEC21_ER_VALUE);
}

/* SOH C D [STX data] ETX BCC in programming mode. */
static void iec21_command(struct meter *m, struct session *x, const uint8_t *msg, size_t n)
{
    struct iec21_session *s = &x->st.iec;
    if (s->state != IEC21_PROG)
        return; /* commands outside programming mode are ignored */
    int r = iec21_block_check(msg, n);
    if (r == METER_ECORRUPT) {
        iec21_send_byte(m, x, IEC21_NAK); /* the master repeats the block */
        return;
    }
    if (r < 0 || n < 5 || msg[0] != IEC21_SOH)
        return;
    session_touch(m, x); /* a valid block: programming mode goes on */
    uint8_t c = msg[1], t = msg[2];
    if (c == 'B' && t == '0') {
        session_end(m, x);
        return;
    }
    /* Supported: P1/P2, R1, W1, B0. Execute (E2), formatted and partial
     * block reads/writes (R2..R6, W2..W5): the standard's error message. */
    if (!((c == 'P' && (t == '1' || t == '2')) || (c == 'R' && t == '1') || (c == 'W' && t == '1'))) {
        iec21_send_error(m, x, IEC21_ER_SYNTAX);
        return;
    }
    struct iec21_dataset d;
    if (msg[3] != IEC21_STX || iec21_dataset_parse((const char *)msg + 4, n - 6, &d) != (int)(n - 6)) {
        iec21_send_error(m, x, IEC21_ER_SYNTAX);
        return;
    }
    if (c == 'P' && (t == '1' || t == '2')) {
        iec21_password(m, x, (unsigned)(t - '0'), &d);
        return;
    }
    if (x->access < METER_ACC_READER) {
        audit_refusal(m, METER_SRC_OPTICAL_IEC, 0, AUDIT_ACCESS);
        iec21_send_error(m, x, IEC21_ER_ACCESS);
        return;
    }
    if (c == 'R')
        iec21_read(m, x, &d);
    else
        iec21_write(m, x, &d);
}

/* One whole message of the session (sign-on, option select, command block
 * with its BCC). */
static void iec21_handle(struct meter *m, struct session *x, const uint8_t *msg, size_t n)
{
    x->st.iec.repeats = 0; /* a new message: the count of repeats starts again */
    switch (msg[0]) {
    case '/':
        iec21_sign_on(m, x, msg, n);
        break;
    case IEC21_ACK:
        iec21_option_select(m, x, msg, n);
        break;
    case IEC21_SOH:
        iec21_command(m, x, msg, n);
        break;
    default:
        break;
    }
}

/* ---- the driver ----------------------------------------------------------------- */

enum iec21_rx { IEC21_RX_NONE = 0, IEC21_RX_MSG = 1, IEC21_RX_SKIP = 2 };

static enum proto_claim iec21_claim(const uint8_t *buf, size_t n)
{
    (void)n;
    return buf[0] == '/' ? PROTO_YES : PROTO_NO;
}

static void iec21_open(struct meter *m, struct session *x)
{
    (void)m;
    x->st.iec.baud_char = '0';
}

static void iec21_skip(struct iec21_session *s, uint8_t end)
{
    s->rx = IEC21_RX_SKIP;
    s->skip_end = end;
    s->len = 0;
}

/* Start a message with byte b (noise between messages is dropped). false:
 * the session ended, b is for whoever comes next. */
static bool iec21_start(struct meter *m, struct session *x, uint8_t b)
{
    struct iec21_session *s = &x->st.iec;
    s->len = 0;
    s->bcc_next = false;
    if (s->state == IEC21_DONE) {
        session_end(m, x); /* the readout arrived: what comes next ends that session */
        return false;
    }
    if (b != '/' && b != IEC21_ACK && b != IEC21_SOH)
        return true; /* one session at a time: other bytes in it are noise */
    s->kept = 0; /* the message overwrites the last answer */
    s->rx = IEC21_RX_MSG;
    s->buf[s->len++] = b;
    return true;
}

static size_t iec21_feed(struct meter *m, struct session *x, const uint8_t *buf, size_t n)
{
    struct iec21_session *s = &x->st.iec;
    uint32_t now = meter_ms(m);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = buf[i];
        if (s->rx != IEC21_RX_NONE && now - s->last_rx_ms > IEC21_CHAR_TIMEOUT_MS)
            s->rx = IEC21_RX_NONE; /* a half message went stale */
        s->last_rx_ms = now;
        switch (s->rx) {
        case IEC21_RX_NONE:
            if (b == IEC21_NAK) {
                iec21_repeat(m, x); /* repeat request: the last answer is still in buf */
                continue;
            }
            if (!iec21_start(m, x, b))
                return i; /* the session ended: the port offers the byte on */
            continue;
        case IEC21_RX_SKIP:
            if (b == s->skip_end)
                s->rx = IEC21_RX_NONE;
            continue;
        default:
            break;
        }
        uint8_t first = s->buf[0];
        if (!s->bcc_next && (b == IEC21_SOH || (b == '/' && first != IEC21_SOH))) {
            /* never inside a message: a new one starts (but the BCC may be
             * any byte, SOH too: "P2(wrong)" has BCC 0x01) */
            iec21_start(m, x, b);
            if (x->drv == NULL)
                return i;
            continue;
        }
        if (s->len >= IEC21_BUF) {
            iec21_skip(s, first == IEC21_SOH ? IEC21_ETX : (uint8_t)'\n');
            continue;
        }
        s->buf[s->len++] = b;
        bool done;
        if (first == IEC21_SOH) {
            done = s->bcc_next;
            if (b == IEC21_ETX || b == IEC21_EOT)
                s->bcc_next = true;
        } else {
            done = b == '\n';
        }
        if (done) {
            s->rx = IEC21_RX_NONE;
            iec21_handle(m, x, s->buf, s->len);
            if (x->drv == NULL)
                return i + 1; /* the message ended the session */
        }
    }
    return n;
}


/* ---- configuration rows --------------------------------------------------------- */

static int iec21_list_text(const struct iec21_cfg *c, struct obj_value *v)
{
    struct fmt_buf f;
    fmt_init(&f, v->s, sizeof v->s);
    if (c->nlist == 0)
        fmt_str(&f, "default");
    for (unsigned i = 0; i < c->nlist; i++) {
        if (i > 0)
            fmt_char(&f, ',');
        fmt_uint(&f, c->list[i][0], 1);
        fmt_char(&f, '.');
        fmt_uint(&f, c->list[i][1], 1);
        fmt_char(&f, '.');
        fmt_uint(&f, c->list[i][2], 1);
        if (c->list[i][3] != 255) {
            fmt_char(&f, '*');
            fmt_uint(&f, c->list[i][3], 2);
        }
    }
    int n = fmt_end(&f);
    if (n < 0)
        return n;
    v->len = (uint8_t)n;
    return METER_OK;
}

int iec21_get_cfg(const struct meter *m, const struct obj_def *o, struct obj_value *out)
{
    const struct iec21_cfg *c = &m->proto.iec.cfg;
    switch (o->arg) {
    case IEC21_CFG_LIST:
        out->type = OBJ_T_STRING;
        return iec21_list_text(c, out);
    case IEC21_CFG_MODE:
        out->type = OBJ_T_STRING;
        out->s[0] = (char)c->mode;
        out->len = 1;
        return METER_OK;
    case IEC21_CFG_PW1:
    case IEC21_CFG_PW2:
        out->type = OBJ_T_STRING; /* secrets are write-only */
        out->len = 0;
        return METER_OK;
    case IEC21_CFG_LOCK_TRIES:
        return obj_put_uint(out, c->lock_tries, 0);
    case IEC21_CFG_LOCK_MIN:
        return obj_put_uint(out, c->lock_min, 0);
    case IEC21_CFG_HISTORY:
        return obj_put_uint(out, c->history, 0);
    default:
        return METER_ENOENT;
    }
}

/* "1.8.0,1.8.1,2.8.0*01" (C.D.E[*F] each), "default" or "" for the list
 * built from the table; a leading '+' appends to the current list. */
static int iec21_list_parse(struct iec21_cfg *c, const struct obj_value *in)
{
    uint8_t list[IEC21_LIST_MAX][4];
    unsigned n = 0, i = 0, len = in->len < OBJ_STR_MAX ? in->len : OBJ_STR_MAX;
    if ((len == 7 && memcmp(in->s, "default", 7) == 0) || len == 0) {
        c->nlist = 0;
        return METER_OK;
    }
    if (in->s[0] == '+') {
        n = c->nlist;
        memcpy(list, c->list, sizeof list);
        i = 1;
    }
    while (i < len) {
        char tok[24];
        unsigned k = 0;
        while (i < len && in->s[i] != ',') {
            if (k + 1 >= sizeof tok)
                return METER_EINVAL;
            tok[k++] = in->s[i++];
        }
        tok[k] = '\0';
        i++; /* ',' */
        struct obis ln;
        if (k == 0 || strchr(tok, ':') != NULL || obis_parse(tok, &ln) < 0)
            return METER_EINVAL;
        if (n >= IEC21_LIST_MAX)
            return METER_ENOSPC;
        memcpy(list[n], &ln.v[2], 4);
        unsigned period;
        if (iec21_find_cdef(list[n], &period) == NULL)
            return METER_ENOENT;
        n++;
    }
    memcpy(c->list, list, sizeof list);
    c->nlist = (uint8_t)n;
    return METER_OK;
}

static bool iec21_pw_ok(const struct obj_value *in)
{
    if (in->type != OBJ_T_STRING || in->len == 0 || in->len > IEC21_PW_MAX)
        return false;
    for (unsigned i = 0; i < in->len; i++)
        if (!iec21_pw_char_ok(in->s[i]))
            return false;
    return true;
}

int iec21_set_cfg(struct meter *m, const struct obj_def *o, const struct obj_value *in, enum meter_src src)
{
    (void)src;
    struct iec21_cfg *c = &m->proto.iec.cfg;
    switch (o->arg) {
    case IEC21_CFG_LIST:
        return in->type == OBJ_T_STRING ? iec21_list_parse(c, in) : METER_EINVAL;
    case IEC21_CFG_MODE:
        if (in->type != OBJ_T_STRING || in->len != 1 || (in->s[0] != 'A' && in->s[0] != 'B' && in->s[0] != 'C'))
            return METER_EINVAL;
        c->mode = (uint8_t)in->s[0];
        return METER_OK;
    case IEC21_CFG_PW1:
    case IEC21_CFG_PW2:
        if (!iec21_pw_ok(in))
            return METER_EINVAL;
        memset(c->pw[o->arg - IEC21_CFG_PW1], 0, IEC21_PW_MAX + 1);
        memcpy(c->pw[o->arg - IEC21_CFG_PW1], in->s, in->len);
        return METER_OK;
    case IEC21_CFG_LOCK_TRIES:
        if (in->i < 1 || in->i > 255)
            return METER_ERANGE;
        c->lock_tries = (uint8_t)in->i;
        return METER_OK;
    case IEC21_CFG_LOCK_MIN:
        if (in->i < 1 || in->i > 1440)
            return METER_ERANGE;
        c->lock_min = (uint16_t)in->i;
        return METER_OK;
    case IEC21_CFG_HISTORY:
        if (in->i < 0 || in->i > 24)
            return METER_ERANGE;
        c->history = (uint8_t)in->i;
        return METER_OK;
    default:
        return METER_ENOENT;
    }
}

/* ---- rows, configuration section, driver ------------------------------------------ */

/* The optical port's parameters: manufacturer block 0-0:96.128.20..26. */
#define OPTICAL_ROW(e_, a, r, k, nm) \
    {.ln = OBIS(0, 0, 96, 128, e_, 255), .ic = IC_DATA, .unit = UNIT_NONE, .flags = OBJ_F_PARAM, .rd = r, \
     .wr = METER_ACC_MANAGER, .arg = a, .get = iec21_get_cfg, .set = iec21_set_cfg, .key = k, .name = nm}

static const struct obj_def iec21_rows[] = {
    OPTICAL_ROW(20, IEC21_CFG_LIST, METER_ACC_PUBLIC, "readout_list", "IEC 62056-21 readout list"),
    OPTICAL_ROW(21, IEC21_CFG_MODE, METER_ACC_PUBLIC, "iec_mode", "IEC 62056-21 mode (A, B, C)"),
    OPTICAL_ROW(22, IEC21_CFG_PW1, METER_ACC_MANAGER, "iec_password_p1", "IEC 62056-21 password P1 (write-only)"),
    OPTICAL_ROW(23, IEC21_CFG_PW2, METER_ACC_MANAGER, "iec_password_p2", "IEC 62056-21 password P2 (write-only)"),
    OPTICAL_ROW(24, IEC21_CFG_LOCK_TRIES, METER_ACC_PUBLIC, "iec_lockout_tries", "Wrong passwords before lockout"),
    OPTICAL_ROW(25, IEC21_CFG_LOCK_MIN, METER_ACC_PUBLIC, "iec_lockout_min", "Password lockout duration (min)"),
    OPTICAL_ROW(26, IEC21_CFG_HISTORY, METER_ACC_PUBLIC, "readout_history", "Billing periods in the default readout"),
};

static void *iec21_cfg_ram(struct meter *m)
{
    return &m->proto.iec.cfg;
}

static void iec21_cfg_factory(struct meter *m)
{
    iec21_cfg_default(&m->proto.iec.cfg);
}

static int iec21_cfg_check(struct meter *m)
{
    return iec21_cfg_valid(&m->proto.iec.cfg) ? METER_OK : METER_EINVAL;
}

const struct cfg_section iec21_cfg_section = {
    .id = CFG_ID_OPTICAL,
    .version = 1,
    .size = sizeof(struct iec21_cfg),
    .ram = iec21_cfg_ram,
    .factory = iec21_cfg_factory,
    .check = iec21_cfg_check,
};

const struct proto_driver iec21_driver = {
    .name = "iec62056-21",
    .src = METER_SRC_OPTICAL_IEC,
    .baud = 300,
    .framing = METER_FRAMING_7E1,
    .line_fixed = false,
    .claim = iec21_claim,
    .open = iec21_open,
    .feed = iec21_feed,
    .tx_more = iec21_tx_more,
    .timeout_ms = iec21_timeout_ms,
    .cfg = &iec21_cfg_section,
    .rows = iec21_rows,
    .nrows = (uint16_t)(sizeof iec21_rows / sizeof iec21_rows[0]),
};
