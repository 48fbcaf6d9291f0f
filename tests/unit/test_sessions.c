/* Sessions end with their connection (issue 12 items 1-4), on the virtual
 * meter's optical port served over TCP (ports/host/port_serve.c):
 * an abandoned programming session leaves nothing to the next client, a
 * quick reconnect is served, a second client of a busy head waits
 * unanswered (never a reset) and is served when the head is free, and a
 * connection that sends nothing valid loses the head after the idle time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cosem/objtab.h"
#include "port_serve.h"
#include "proto/iec62056_21/iec21.h"
#include "vmeter.h"

#define T0 1774742400LL

/* KMP GetRegister A+ (vectors/kmp.md). */
static const uint8_t kmp_get[] = {0x80, 0x3F, 0x10, 0x01, 0x00, 0x01, 0x55, 0xA1, 0x0D};

struct rig {
    struct vmeter v;
    struct port_serve p;
    uint8_t *nvm;
};

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    r->nvm = malloc(VMETER_NVM_SIZE);
    memset(r->nvm, 0xff, VMETER_NVM_SIZE);
    vmeter_boot(&r->v, r->nvm, VMETER_NVM_SIZE, T0);
    char err[128];
    assert_int_equal(port_serve_open(&r->p, "optical", METER_LINE_OPTICAL, 1, "tcp:0", err, sizeof err), 0);
    port_serve_bind(&r->p, &r->v);
    return r;
}

static void rig_free(struct rig *r)
{
    port_serve_close(&r->p);
    free(r->nvm);
    free(r);
}

/* Main-loop passes over ms of simulated time (10 ms each). */
static void run_ms(struct rig *r, unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 10) {
        r->v.hw.sim_ms += 10;
        port_serve_poll(&r->p);
        meter_poll(&r->v.m);
        port_serve_poll(&r->p);
        if (t % 200 == 0)
            usleep(500); /* let loopback deliver */
    }
}

static int dial(struct rig *r)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(r->p.tcp_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    return fd;
}

static void put(int fd, const void *b, size_t n)
{
    assert_int_equal(write(fd, b, n), (ssize_t)n);
}

/* What arrived on fd: its length, 0 for a close, -1 for nothing (yet). */
static ssize_t got(int fd, uint8_t *b, size_t cap)
{
    ssize_t n = read(fd, b, cap);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -1;
    assert_true(n >= 0); /* never a reset */
    return n;
}

/* An IEC command block: SOH c t STX data ETX BCC. */
static size_t block(uint8_t *b, const char *cmd, const char *data)
{
    size_t n = 0;
    b[n++] = IEC21_SOH;
    b[n++] = (uint8_t)cmd[0];
    b[n++] = (uint8_t)cmd[1];
    b[n++] = IEC21_STX;
    memcpy(b + n, data, strlen(data));
    n += strlen(data);
    b[n++] = IEC21_ETX;
    b[n] = iec21_bcc(b + 1, n - 1);
    return n + 1;
}

static int64_t history(struct rig *r)
{
    struct obj_value v;
    assert_int_equal(obj_read(&r->v.m, objtab_find_key("readout_history"), METER_ACC_PUBLIC, &v), METER_OK);
    return v.i;
}

static void abandoned_programming_session(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t b[128];
    int c1 = dial(r);
    run_ms(r, 50);
    put(c1, "/?!\r\n", 5);
    run_ms(r, 50);
    assert_true(got(c1, b, sizeof b) > 0);
    put(c1, "\x06"
            "051\r\n",
        6);
    run_ms(r, 50);
    assert_true(got(c1, b, sizeof b) > 0); /* P0 */
    size_t n = block(b, "P2", "(22222222)");
    put(c1, b, n);
    run_ms(r, 50);
    assert_int_equal(got(c1, b, sizeof b), 1);
    assert_int_equal(b[0], 0x06); /* P2 granted */
    close(c1);                    /* no B0: the client just leaves */
    run_ms(r, 20);
    /* the next client writes at once, without any password: not heard */
    int c2 = dial(r);
    run_ms(r, 50);
    n = block(b, "W1", "96.128.26(9)");
    put(c2, b, n);
    run_ms(r, 100);
    assert_int_equal(got(c2, b, sizeof b), -1);
    assert_int_equal(history(r), 2);
    /* and KMP is answered at once (not after the programming timeout) */
    put(c2, kmp_get, sizeof kmp_get);
    run_ms(r, 50);
    assert_true(got(c2, b, sizeof b) > 0);
    assert_int_equal(b[0], 0x40);
    close(c2);
    rig_free(r);
}

static void quick_reconnect_is_served(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t b[128];
    int c1 = dial(r);
    run_ms(r, 20);
    put(c1, kmp_get, sizeof kmp_get);
    run_ms(r, 20);
    assert_true(got(c1, b, sizeof b) > 0);
    close(c1);
    int c2 = dial(r); /* within one poll of the close */
    put(c2, kmp_get, sizeof kmp_get);
    run_ms(r, 30);
    assert_true(got(c2, b, sizeof b) > 0);
    assert_int_equal(b[0], 0x40);
    close(c2);
    rig_free(r);
}

static void busy_head_second_client_waits(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t b[128];
    int c1 = dial(r);
    run_ms(r, 20);
    put(c1, kmp_get, sizeof kmp_get);
    run_ms(r, 20);
    assert_true(got(c1, b, sizeof b) > 0);
    int c2 = dial(r);
    put(c2, kmp_get, sizeof kmp_get);
    run_ms(r, 200);
    assert_int_equal(got(c2, b, sizeof b), -1); /* the head is busy: no answer, no reset */
    close(c1);
    run_ms(r, 50);
    /* the head is free: c2 gets it, and what it sent meanwhile is heard */
    assert_true(got(c2, b, sizeof b) > 0);
    assert_int_equal(b[0], 0x40);
    close(c2);
    rig_free(r);
}

static void idle_connection_loses_the_head(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t b[128];
    int idle = dial(r);
    run_ms(r, 20);
    int c2 = dial(r);
    put(c2, kmp_get, sizeof kmp_get);
    run_ms(r, METER_PORT_IDLE_MS - 500);
    assert_int_equal(got(c2, b, sizeof b), -1); /* still waiting */
    run_ms(r, 1000);
    assert_int_equal(got(idle, b, sizeof b), 0); /* hung up */
    run_ms(r, 50);
    assert_true(got(c2, b, sizeof b) > 0);
    close(c2);
    close(idle);
    /* one byte a second that never makes a valid message: hung up too */
    int trickle = dial(r);
    int c3 = dial(r);
    put(c3, kmp_get, sizeof kmp_get);
    ssize_t k = -1;
    for (int s = 0; s < 30 && (k = got(trickle, b, sizeof b)) != 0; s++) {
        put(trickle, "/", 1);
        run_ms(r, 1000);
    }
    assert_int_equal(k, 0);
    run_ms(r, 50);
    assert_true(got(c3, b, sizeof b) > 0);
    close(c3);
    close(trickle);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abandoned_programming_session),
        cmocka_unit_test(quick_reconnect_is_served),
        cmocka_unit_test(busy_head_second_client_waits),
        cmocka_unit_test(idle_connection_loses_the_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
