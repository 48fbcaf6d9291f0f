/*
 * port_tcp.c — a port on 127.0.0.1 TCP: one client per line (the optical
 * head and the serial module have one line, the TCP/IP module
 * METER_TCP_SESSIONS); bytes are bytes and the baud rate is nominal. A
 * client beyond the free lines waits in the listen backlog, unanswered,
 * until one is free (never a reset).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port_serve.h"
#include "vmeter.h"

static int port_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int port_tcp_open(struct port_serve *p, char *err, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, n, "--%s: socket: %s", p->name, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(p->tcp_port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0 || port_nonblock(fd) < 0) {
        snprintf(err, n, "--%s: cannot listen on 127.0.0.1:%u: %s", p->name, p->tcp_port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        p->tcp_port = ntohs(a.sin_port);
    p->listen_fd = fd;
    fprintf(stderr, "trimeter-sim: %s port on tcp 127.0.0.1:%u\n", p->name, p->tcp_port);
    return 0;
}

void port_tcp_accept(struct port_serve *p)
{
    for (unsigned k = 0; k < p->nslots; k++) {
        struct port_slot *s = &p->slot[k];
        if (s->fd >= 0)
            continue;
        int c = accept(p->listen_fd, NULL, NULL);
        if (c < 0)
            return; /* nobody waiting */
        if (port_nonblock(c) < 0) {
            close(c);
            continue;
        }
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        s->fd = c;
        s->up = true;
        s->qlen = 0;
        s->nchange = 0;
        meter_port_open(&p->v->m, s->line); /* nothing of an earlier client survives */
    }
}
