/*
 * port_tcp.c — the optical port on 127.0.0.1 TCP: one client at a time
 * (a second connection is closed at once: the optical head has one
 * window), bytes are bytes and the baud rate is nominal.
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

static int port_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int port_tcp_open(struct port_serve *p, char *err, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, n, "--optical: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(p->tcp_port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0 || port_nonblock(fd) < 0) {
        snprintf(err, n, "--optical: cannot listen on 127.0.0.1:%u: %s", p->tcp_port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        p->tcp_port = ntohs(a.sin_port);
    p->listen_fd = fd;
    fprintf(stderr, "trimeter-sim: %s port on tcp 127.0.0.1:%u\n", p->name ? p->name : "optical", p->tcp_port);
    return 0;
}

void port_tcp_accept(struct port_serve *p)
{
    for (;;) {
        int c = accept(p->listen_fd, NULL, NULL);
        if (c < 0)
            return;
        if (p->fd >= 0 || port_nonblock(c) < 0) {
            close(c); /* one session at a time */
            continue;
        }
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        p->fd = c;
        p->qlen = 0;
        p->nchange = 0;
    }
}
