/* The port/driver model (src/proto/port.h) with a protocol that is not in
 * the product: the echo driver (tests/driver/echo) served on the optical
 * head beside KMP and IEC 62056-21, and on the TCP/IP module, where two
 * clients hold sessions at once — over the virtual meter's real TCP port
 * too — each with its own access level, none leaking to the other or to
 * the next client of a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "port_serve.h"
#include "vmeter.h"

#define T0 1774742400LL

/* What the core wrote per line. */
struct out {
    char buf[8][512];
    size_t n[8];
};

static size_t cap(void *ctx, unsigned line, const uint8_t *b, size_t len)
{
    struct out *o = ctx;
    if (line != METER_LINE_OPTICAL && line < METER_LINE_TCP)
        return len; /* other module lines (the wM-Bus radio transmits by itself): not this test's */
    unsigned k = line == METER_LINE_OPTICAL ? 0 : line - METER_LINE_TCP + 1;
    if (k < 8 && o->n[k] + len < sizeof o->buf[k]) {
        memcpy(o->buf[k] + o->n[k], b, len);
        o->n[k] += len;
        o->buf[k][o->n[k]] = '\0';
    }
    return len;
}

struct rig {
    struct vmeter v;
    struct out out;
    uint8_t *nvm;
};

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    r->nvm = malloc(VMETER_NVM_SIZE);
    memset(r->nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(&r->v, r->nvm, VMETER_NVM_SIZE, T0);
    for (unsigned l = 0; l < METER_LINES; l++) {
        r->v.hw.port[l].ctx = &r->out;
        r->v.hw.port[l].write = cap;
    }
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->nvm);
    free(r);
}

/* Send text on a line; the answer it got. */
static const char *say(struct rig *r, unsigned line, const char *text)
{
    unsigned k = line == METER_LINE_OPTICAL ? 0 : line - METER_LINE_TCP + 1;
    r->out.n[k] = 0;
    r->out.buf[k][0] = '\0';
    meter_port_rx(&r->v.m, line, (const uint8_t *)text, strlen(text));
    meter_poll(&r->v.m);
    return r->out.buf[k];
}

static void served_on_the_optical_head(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    assert_string_equal(say(r, METER_LINE_OPTICAL, "#whoami\n"), "0\n");
    /* the product's protocols still answer on the same head */
    const char *id = say(r, METER_LINE_OPTICAL, "/?!\r\n");
    assert_memory_equal(id, "/TRM", 4);
    r->v.hw.sim_ms += 6000; /* the IEC session times out */
    meter_poll(&r->v.m);
    assert_string_equal(say(r, METER_LINE_OPTICAL, "#whoami\n"), "0\n");
    /* legal rows stay unwritable, whatever a driver grants */
    assert_string_equal(say(r, METER_LINE_OPTICAL, "#login 3\n"), "ok\n");
    assert_string_equal(say(r, METER_LINE_OPTICAL, "#read 1.8.0\n"), "0\n");
    rig_free(r);
}

static void two_tcp_sessions_apart(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    const unsigned a = METER_LINE_TCP, b = METER_LINE_TCP + 1;
    meter_port_open(&r->v.m, a);
    meter_port_open(&r->v.m, b);
    assert_string_equal(say(r, a, "#login 3\n"), "ok\n");
    assert_string_equal(say(r, b, "#whoami\n"), "0\n");
    assert_string_equal(say(r, a, "#whoami\n"), "3\n");
    /* a manager-level row: readable for a, not for b */
    assert_string_equal(say(r, a, "#read 96.128.22\n"), "(empty)\n");
    assert_string_equal(say(r, b, "#read 96.128.22\n"), "denied\n");
    assert_string_equal(say(r, b, "#login 1\n"), "ok\n");
    assert_string_equal(say(r, a, "#whoami\n"), "3\n");
    assert_string_equal(say(r, b, "#whoami\n"), "1\n");
    /* a's client leaves; the next client of that line starts with nothing */
    meter_port_close(&r->v.m, a);
    meter_port_open(&r->v.m, a);
    assert_string_equal(say(r, a, "#whoami\n"), "0\n");
    assert_string_equal(say(r, b, "#whoami\n"), "1\n");
    /* a line this build does not have */
    assert_int_equal(meter_port_rx(&r->v.m, METER_LINES, (const uint8_t *)"#", 1), METER_ENOTSUP);
    rig_free(r);
}

/* ---- over the virtual meter's TCP port (ports/host/port_serve.c) ---------------- */

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    return fd;
}

static void pump(struct rig *r, struct port_serve *p)
{
    for (int i = 0; i < 5; i++) {
        usleep(2000);
        port_serve_poll(p);
        r->v.hw.sim_ms += 10;
        meter_poll(&r->v.m);
        port_serve_poll(p);
    }
}

/* Send a line on a socket, return what came back. */
static const char *ask(struct rig *r, struct port_serve *p, int fd, const char *text)
{
    static char got[256];
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    pump(r, p);
    ssize_t n = read(fd, got, sizeof got - 1);
    got[n > 0 ? n : 0] = '\0';
    return got;
}

static void two_clients_over_tcp(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct port_serve p;
    char err[128];
    assert_int_equal(port_serve_open(&p, "tcp-module", METER_LINE_TCP, METER_TCP_SESSIONS, "tcp:0", err, sizeof err),
                     0);
    port_serve_bind(&p, &r->v);
    int c1 = connect_to(p.tcp_port), c2 = connect_to(p.tcp_port);
    pump(r, &p);
    assert_string_equal(ask(r, &p, c1, "#login 2\n"), "ok\n");
    assert_string_equal(ask(r, &p, c2, "#whoami\n"), "0\n");
    assert_string_equal(ask(r, &p, c1, "#whoami\n"), "2\n");
    /* c1 leaves and comes straight back: accepted, and with no access */
    close(c1);
    c1 = connect_to(p.tcp_port);
    pump(r, &p);
    assert_string_equal(ask(r, &p, c1, "#whoami\n"), "0\n");
    assert_string_equal(ask(r, &p, c2, "#whoami\n"), "0\n");
    /* a client that sends nothing valid loses its line after the idle time */
    int c3 = connect_to(p.tcp_port);
    pump(r, &p);
    assert_int_equal(write(c3, "xyz", 3), 3);
    pump(r, &p);
    r->v.hw.sim_ms += METER_PORT_IDLE_MS + 100;
    pump(r, &p);
    char b;
    ssize_t k = read(c3, &b, 1);
    assert_int_equal(k, 0); /* hung up */
    assert_string_equal(ask(r, &p, c2, "#whoami\n"), "0\n"); /* the others go on */
    close(c1);
    close(c2);
    close(c3);
    port_serve_close(&p);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(served_on_the_optical_head),
        cmocka_unit_test(two_tcp_sessions_apart),
        cmocka_unit_test(two_clients_over_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
