/* echo.c — the test protocol of echo.h. */
#include "echo.h"

#include <string.h>

#include "cosem/objtab.h"
#include "proto/port.h"
#include "trimeter/meter.h"
#include "util/fmt.h"

/* Its session state lives in the raw bytes drivers outside src/proto get. */
struct echo_session {
    uint8_t len;
    char line[32];
    char out[24];
};
_Static_assert(sizeof(struct echo_session) <= sizeof(((union session_state *)0)->raw),
               "echo session state fits the raw part");

static struct echo_session *echo_of(struct session *s)
{
    return (struct echo_session *)(void *)s->st.raw;
}

static enum proto_claim echo_claim(const uint8_t *buf, size_t n)
{
    (void)n;
    return buf[0] == '#' ? PROTO_YES : PROTO_NO;
}

static void echo_reply(struct meter *m, struct session *s, const char *text)
{
    struct echo_session *e = echo_of(s);
    size_t n = strlen(text);
    if (n > sizeof e->out - 1)
        n = sizeof e->out - 1;
    memcpy(e->out, text, n);
    e->out[n++] = '\n';
    session_send(m, s, (const uint8_t *)e->out, n);
}

static void echo_line(struct meter *m, struct session *s, const char *l)
{
    char buf[40];
    struct fmt_buf f;
    fmt_init(&f, buf, sizeof buf);
    if (strcmp(l, "#whoami") == 0) {
        fmt_uint(&f, s->access, 1);
    } else if (strncmp(l, "#login ", 7) == 0 && l[7] >= '0' && l[7] <= '3' && l[8] == '\0') {
        s->access = (uint8_t)(l[7] - '0');
        fmt_str(&f, "ok");
    } else if (strncmp(l, "#read ", 6) == 0) {
        struct obj_value v;
        const struct obj_def *o = objtab_find_str(l + 6);
        int r = o != NULL ? obj_read(m, o, session_access(m, s), &v) : METER_ENOENT;
        if (r == METER_EACCES)
            fmt_str(&f, "denied");
        else if (r < 0)
            fmt_str(&f, "error");
        else if (v.type == OBJ_T_STRING)
            fmt_str(&f, v.len == 0 ? "(empty)" : "text");
        else
            fmt_int(&f, v.i);
    } else {
        return; /* not a valid message: no answer, no session activity */
    }
    session_touch(m, s);
    int n = fmt_end(&f);
    echo_reply(m, s, n > 0 ? buf : "?");
}

static size_t echo_feed(struct meter *m, struct session *s, const uint8_t *buf, size_t n)
{
    struct echo_session *e = echo_of(s);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = buf[i];
        if (e->len == 0 && b != '#')
            return i; /* between lines: not ours */
        if (b == '\n') {
            e->line[e->len] = '\0';
            e->len = 0;
            echo_line(m, s, e->line);
            continue;
        }
        if (e->len < sizeof e->line - 1)
            e->line[e->len++] = (char)b;
    }
    return n;
}

static uint32_t echo_timeout_ms(const struct meter *m, const struct session *s)
{
    (void)m;
    (void)s;
    return 30000u;
}

const struct proto_driver echo_driver = {
    .name = "echo",
    .src = METER_SRC_SIM,
    .baud = 9600,
    .framing = METER_FRAMING_8N1,
    .line_fixed = true,
    .claim = echo_claim,
    .feed = echo_feed,
    .timeout_ms = echo_timeout_ms,
};
