/*
 * fleet_net.c — the fleet's network: listeners, one connection per meter
 * line, the slow and unreachable meters, and the metrics page.
 *
 * Address per meter (--dlms ADDR:PORT): one wildcard listener on PORT;
 * getsockname() of an accepted connection gives the address the client
 * dialled, ADDR + i names meter i. 100 000 meters cost one descriptor; a
 * connection to an address outside the range is closed at once.
 * Port per meter (--dlms-ports ADDR:PORT): a listener per meter on
 * ADDR:PORT+i (the descriptor limit bounds the fleet).
 *
 * A connection is a session on a free line of its meter: bytes go to
 * meter_port_rx(), the meter's answers come back through the HAL's
 * port_write into the connection's queue and out as the socket takes them.
 * No free line, a meter without supply, or an unreachable meter ("reset"):
 * the connection is reset at once; an unreachable meter in "silent" mode
 * swallows what it gets and never answers; a slow meter holds each answer
 * back for the plan's slow_ms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fleet.h"

enum { TAG_LISTEN = 1, TAG_CONN = 2, TAG_MLISTEN = 3, TAG_MCONN = 4 };

#define NET_QUEUE_MAX (64u * 1024u)  /* answers beyond this are refused (room 0) */
#define NET_TX_ROOM 4096u            /* what the TCP module takes at once */
#define NET_RX_CHUNK 4096u
#define METRICS_CONNS 8u

static uint64_t tag(unsigned t, uint32_t i)
{
    return (uint64_t)t << 32 | i;
}

static int listen_on(uint32_t addr, uint16_t *port_io, int backlog, char *err, size_t n)
{
    uint16_t port = *port_io;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, n, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, backlog) != 0) {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sa.sin_addr, a, sizeof a);
        snprintf(err, n, "cannot listen on %s:%u: %s", a, port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof sa;
    if (port == 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        *port_io = ntohs(sa.sin_port); /* the kernel's choice */
    return fd;
}

int fleet_net_open(struct fleet *f, char *err, size_t n)
{
    struct fleet_net *nt = &f->net;
    nt->ep = epoll_create1(EPOLL_CLOEXEC);
    nt->metrics_fd = -1;
    nt->free_head = -1;
    for (unsigned k = 0; k < METRICS_CONNS; k++)
        nt->mconn[k] = -1;
    if (nt->ep < 0) {
        snprintf(err, n, "epoll: %s", strerror(errno));
        return -1;
    }
    struct rlimit rl;
    uint64_t fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (uint64_t)rl.rlim_cur : 1024u;
    if (f->o.net_set) {
        nt->nlisten = f->o.net_ports ? f->n : 1u;
        if (f->o.net_ports && (uint64_t)f->n + 64u > fds) {
            snprintf(err, n, "--dlms-ports: %u listeners need more descriptors than the limit %llu allows "
                             "(use --dlms: one listener for every address)", f->n, (unsigned long long)fds);
            return -1;
        }
        nt->listen_fd = calloc(nt->nlisten, sizeof *nt->listen_fd);
        if (nt->listen_fd == NULL) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        for (uint32_t k = 0; k < nt->nlisten; k++) {
            uint32_t addr = f->o.net_ports ? f->o.net_addr : INADDR_ANY;
            uint16_t port = (uint16_t)(f->o.net_port + (f->o.net_ports ? k : 0u));
            int fd = listen_on(addr, &port, f->o.net_ports ? 64 : 4096, err, n);
            if (fd < 0) {
                nt->nlisten = k;
                return -1;
            }
            nt->listen_fd[k] = fd;
            if (!f->o.net_ports)
                f->o.net_port = port;
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(TAG_LISTEN, k)};
            epoll_ctl(nt->ep, EPOLL_CTL_ADD, fd, &ev);
        }
    }
    nt->conn_cap = (uint32_t)(fds > nt->nlisten + 96u ? fds - nt->nlisten - 64u : 32u);
    if (f->o.metrics_set) {
        nt->metrics_fd = listen_on(f->o.metrics_addr, &f->o.metrics_port, 16, err, n);
        if (nt->metrics_fd < 0)
            return -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag(TAG_MLISTEN, 0)};
        epoll_ctl(nt->ep, EPOLL_CTL_ADD, nt->metrics_fd, &ev);
    }
    return 0;
}

void fleet_net_address(const struct fleet *f, uint32_t i, char *buf, size_t n)
{
    struct in_addr a;
    char s[INET_ADDRSTRLEN];
    a.s_addr = htonl(f->o.net_ports ? f->o.net_addr : f->o.net_addr + i);
    inet_ntop(AF_INET, &a, s, sizeof s);
    snprintf(buf, n, "%s:%u", s, (unsigned)(f->o.net_ports ? f->o.net_port + i : f->o.net_port));
}

/* The fleet's clock for network work: the wall clock, but never past the
 * next slice (its meters have not had their block yet) nor backwards. */
static void net_time(struct fleet *f)
{
    if (f->o.fast || f->wall0_ns == 0)
        return;
    int64_t wall = f->wall_t_ms + (fleet_wall_ns() - f->wall0_ns) / 1000000;
    int64_t next_due = (f->sec + 1) * 1000 + (int64_t)f->slice * 1000 / FLEET_SLICES;
    if (wall > next_due - 1)
        wall = next_due - 1;
    if (wall > f->t_ms)
        f->t_ms = wall;
}

static void reset_close(int fd)
{
    struct linger lg = {1, 0}; /* RST: the client sees the refusal at once */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static struct fleet_conn *conn_new(struct fleet *f)
{
    struct fleet_net *nt = &f->net;
    if (nt->free_head >= 0) {
        struct fleet_conn *c = &nt->conn[nt->free_head];
        nt->free_head = c->next_free;
        return c;
    }
    if (nt->nconn == nt->conn_cap)
        return NULL;
    if (nt->conn == NULL) {
        nt->conn = calloc(nt->conn_cap, sizeof *nt->conn);
        if (nt->conn == NULL)
            return NULL;
    }
    return &nt->conn[nt->nconn++];
}

/* tell_core: the line dropped from this side (client gone, socket error):
 * the meter's session ends with it. Not when the core hung up itself, nor
 * for a meter losing its supply. */
static void conn_close(struct fleet *f, struct fleet_conn *c, bool tell_core)
{
    struct fleet_net *nt = &f->net;
    if (!c->used)
        return;
    epoll_ctl(nt->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (!c->discard) {
        struct fleet_meter *fm = &f->mt[c->meter];
        fm->conn[c->line] = -1;
        if (tell_core && fm->state == FM_ON)
            meter_port_close(&fm->m, FLEET_LINE_PORT(c->line));
        bool any = false;
        for (unsigned l = 0; l < FLEET_LINES; l++)
            any |= fm->conn[l] >= 0;
        if (!any)
            fleet_active_remove(f, fm);
    }
    if (c->hold_until_ms != 0 && c->qlen > 0)
        nt->slow_pending--;
    free(c->q);
    c->q = NULL;
    c->qlen = c->qcap = 0;
    c->used = false;
    c->dead = false;
    c->hold_until_ms = 0;
    c->next_free = nt->free_head;
    nt->free_head = (int32_t)(c - nt->conn);
    nt->open--;
}

static void conn_arm(struct fleet *f, struct fleet_conn *c, bool out)
{
    if (c->out_armed == out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u),
                             .data.u64 = tag(TAG_CONN, (uint32_t)(c - f->net.conn))};
    epoll_ctl(f->net.ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->out_armed = out;
}

/* Send what is queued and due. A socket error marks the connection dead
 * (it may be the core writing: it is closed from the loop). */
static bool conn_send(struct fleet *f, struct fleet_conn *c)
{
    if (c->dead)
        return false;
    if (c->qlen == 0 || (c->hold_until_ms != 0 && f->t_ms < c->hold_until_ms))
        return true;
    if (c->hold_until_ms != 0) {
        c->hold_until_ms = 0;
        f->net.slow_pending--;
    }
    ssize_t k = send(c->fd, c->q, c->qlen, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        c->dead = true;
        f->net.dead_pending++;
        return false;
    }
    if (k > 0) {
        f->net.bytes_out += (uint64_t)k;
        memmove(c->q, c->q + k, c->qlen - (size_t)k);
        c->qlen -= (uint32_t)k;
    }
    conn_arm(f, c, c->qlen > 0);
    return true;
}

size_t fleet_net_write(struct fleet *f, struct fleet_meter *fm, unsigned port, const uint8_t *buf, size_t len)
{
    unsigned line = port - FLEET_LINE_PORT(0);
    if (line >= FLEET_LINES || fm->conn[line] < 0 || f->net.conn == NULL)
        return len; /* nobody connected: the bytes leave into the void */
    struct fleet_conn *c = &f->net.conn[fm->conn[line]];
    if (len > NET_QUEUE_MAX - c->qlen)
        len = NET_QUEUE_MAX - c->qlen;
    if (len == 0)
        return 0;
    if (c->qlen + len > c->qcap) {
        uint32_t cap = c->qcap ? c->qcap : 1024u;
        while (cap < c->qlen + len)
            cap *= 2;
        uint8_t *q = realloc(c->q, cap);
        if (q == NULL)
            return 0;
        c->q = q;
        c->qcap = cap;
    }
    if (!c->answered) {
        c->answered = true;
        f->net.requests++; /* the first bytes of an answer after a request */
    }
    if (c->qlen == 0 && fm->net == FNET_SLOW && f->plan.slow_ms > 0) {
        c->hold_until_ms = f->t_ms + f->plan.slow_ms;
        f->net.slow_pending++;
    }
    memcpy(c->q + c->qlen, buf, len);
    c->qlen += (uint32_t)len;
    conn_send(f, c);
    return len;
}

size_t fleet_net_room(struct fleet *f, struct fleet_meter *fm, unsigned port)
{
    unsigned line = port - FLEET_LINE_PORT(0);
    if (line >= FLEET_LINES || fm->conn[line] < 0 || f->net.conn == NULL)
        return SIZE_MAX;
    const struct fleet_conn *c = &f->net.conn[fm->conn[line]];
    return c->qlen < NET_TX_ROOM ? NET_TX_ROOM - c->qlen : 0;
}

void fleet_net_drop_meter(struct fleet *f, struct fleet_meter *fm)
{
    for (unsigned l = 0; l < FLEET_LINES; l++)
        if (fm->conn[l] >= 0)
            conn_close(f, &f->net.conn[fm->conn[l]], false);
}

void fleet_net_hangup(struct fleet *f, struct fleet_meter *fm, unsigned port)
{
    unsigned line = port - FLEET_LINE_PORT(0);
    if (line < FLEET_LINES && fm->conn[line] >= 0 && f->net.conn != NULL) {
        /* the core's idle hang-up: it has ended the session; the queued
         * bytes are dropped with the socket, after this call returns */
        struct fleet_conn *c = &f->net.conn[fm->conn[line]];
        if (!c->dead) {
            c->dead = true;
            f->net.dead_pending++;
        }
        c->hung_up = true;
    }
}

/* Close the connections marked dead (outside the core's calls). */
static void reap(struct fleet *f)
{
    struct fleet_net *nt = &f->net;
    for (uint32_t k = 0; k < nt->nconn && nt->dead_pending > 0; k++) {
        struct fleet_conn *c = &nt->conn[k];
        if (c->used && c->dead) {
            nt->dead_pending--;
            conn_close(f, c, !c->hung_up);
        }
    }
}

static void accept_on(struct fleet *f, uint32_t k)
{
    struct fleet_net *nt = &f->net;
    for (;;) {
        int fd = accept4(nt->listen_fd[k], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of descriptors: the backlog waits */
        uint32_t i = k;
        if (!f->o.net_ports) {
            struct sockaddr_in la;
            socklen_t ll = sizeof la;
            if (getsockname(fd, (struct sockaddr *)&la, &ll) != 0 || la.sin_family != AF_INET) {
                reset_close(fd);
                continue;
            }
            uint32_t a = ntohl(la.sin_addr.s_addr);
            i = a - f->o.net_addr; /* wraps to a large number below the range */
        }
        if (i >= f->n) {
            reset_close(fd); /* an address that is not a meter of this fleet */
            nt->refused++;
            continue;
        }
        struct fleet_meter *fm = &f->mt[i];
        bool silent = fm->net == FNET_UNREACHABLE && f->plan.unreachable_silent;
        int line = -1;
        for (unsigned l = 0; l < FLEET_LINES && line < 0; l++)
            if (fm->conn[l] < 0)
                line = (int)l;
        if (!silent && (fm->state != FM_ON || fm->net == FNET_UNREACHABLE || line < 0)) {
            reset_close(fd);
            nt->refused++;
            continue;
        }
        struct fleet_conn *c = conn_new(f);
        if (c == NULL) {
            reset_close(fd);
            nt->refused++;
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->meter = i;
        c->used = true;
        c->discard = silent;
        c->answered = true;
        c->line = (uint8_t)(line < 0 ? 0 : line);
        uint32_t ci = (uint32_t)(c - nt->conn);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = tag(TAG_CONN, ci)};
        epoll_ctl(nt->ep, EPOLL_CTL_ADD, fd, &ev);
        nt->open++;
        nt->accepted++;
        if (!silent) {
            fm->conn[c->line] = (int32_t)ci;
            fleet_active_add(f, fm);
            net_time(f);
            meter_port_open(&fm->m, FLEET_LINE_PORT(c->line)); /* nothing of an earlier client survives */
        }
    }
}

static void conn_read(struct fleet *f, struct fleet_conn *c)
{
    uint8_t buf[NET_RX_CHUNK];
    for (;;) {
        ssize_t k = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            conn_close(f, c, true);
            return;
        }
        if (k < 0)
            return;
        f->net.bytes_in += (uint64_t)k;
        if (c->discard)
            continue;
        struct fleet_meter *fm = &f->mt[c->meter];
        net_time(f);
        c->answered = false;
        meter_port_rx(&fm->m, FLEET_LINE_PORT(c->line), buf, (size_t)k);
        if (c->dead)
            return;
        meter_poll(&fm->m);
        if (c->dead)
            return;
    }
}

static void metrics_serve(struct fleet *f, int fd)
{
    struct fleet_net *nt = &f->net;
    char req[2048];
    ssize_t k = recv(fd, req, sizeof req - 1, MSG_DONTWAIT);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return; /* not yet */
    for (unsigned s = 0; s < METRICS_CONNS; s++)
        if (nt->mconn[s] == fd)
            nt->mconn[s] = -1;
    epoll_ctl(f->net.ep, EPOLL_CTL_DEL, fd, NULL);
    if (k > 0) {
        req[k] = '\0';
        static char body[16384];
        char head[256];
        bool ok = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET / ", 6) == 0;
        size_t bl = ok ? fleet_metrics_text(f, body, sizeof body) : (size_t)snprintf(body, sizeof body, "not found\n");
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n",
                          ok ? "200 OK" : "404 Not Found", bl);
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); /* a few KiB to a local scraper */
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (send(fd, head, (size_t)hl, MSG_NOSIGNAL) == hl)
            send(fd, body, bl, MSG_NOSIGNAL);
    }
    close(fd);
}

static void metrics_accept(struct fleet *f)
{
    struct fleet_net *nt = &f->net;
    for (;;) {
        int fd = accept4(f->net.metrics_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        unsigned s;
        for (s = 0; s < METRICS_CONNS && nt->mconn[s] >= 0; s++)
            ;
        if (s == METRICS_CONNS) {
            close(fd);
            continue;
        }
        nt->mconn[s] = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = tag(TAG_MCONN, (uint32_t)fd)};
        epoll_ctl(f->net.ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

void fleet_net_wait(struct fleet *f, int timeout_ms)
{
    struct epoll_event ev[256];
    if (f->net.ep < 0)
        return;
    int k = epoll_wait(f->net.ep, ev, 256, timeout_ms);
    for (int e = 0; e < k; e++) {
        unsigned t = (unsigned)(ev[e].data.u64 >> 32);
        uint32_t i = (uint32_t)ev[e].data.u64;
        switch (t) {
        case TAG_LISTEN:
            accept_on(f, i);
            break;
        case TAG_CONN: {
            struct fleet_conn *c = &f->net.conn[i];
            if (!c->used)
                break;
            if (ev[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                conn_read(f, c);
            if (c->used && !c->dead && (ev[e].events & EPOLLOUT))
                conn_send(f, c);
            break;
        }
        case TAG_MLISTEN:
            metrics_accept(f);
            break;
        case TAG_MCONN:
            metrics_serve(f, (int)i);
            break;
        default:
            break;
        }
    }
}

void fleet_net_flush(struct fleet *f)
{
    struct fleet_net *nt = &f->net;
    if (nt->dead_pending > 0)
        reap(f);
    if (nt->slow_pending == 0 || nt->conn == NULL)
        return;
    for (uint32_t k = 0; k < nt->nconn && nt->slow_pending > 0; k++)
        if (nt->conn[k].used && nt->conn[k].hold_until_ms != 0)
            conn_send(f, &nt->conn[k]);
}

void fleet_net_close(struct fleet *f)
{
    struct fleet_net *nt = &f->net;
    if (nt->conn != NULL)
        for (uint32_t k = 0; k < nt->nconn; k++)
            if (nt->conn[k].used)
                conn_close(f, &nt->conn[k], false);
    free(nt->conn);
    nt->conn = NULL;
    nt->nconn = 0;
    for (uint32_t k = 0; k < nt->nlisten; k++)
        close(nt->listen_fd[k]);
    free(nt->listen_fd);
    nt->listen_fd = NULL;
    nt->nlisten = 0;
    for (unsigned s = 0; s < METRICS_CONNS; s++)
        if (nt->mconn[s] >= 0) {
            close(nt->mconn[s]);
            nt->mconn[s] = -1;
        }
    if (nt->metrics_fd >= 0)
        close(nt->metrics_fd);
    nt->metrics_fd = -1;
    if (nt->ep >= 0)
        close(nt->ep);
    nt->ep = -1;
}
