/*
 * port_pty.c — the optical port on a pseudo-terminal: PATH becomes a
 * symlink to the slave device, which any serial tool opens like a USB
 * optical head. The baud rate is honoured: the meter's line changes set
 * the slave's termios speed, and port_serve.c paces output at 10 bits per
 * character.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "port_serve.h"

static speed_t port_speed(uint32_t baud)
{
    switch (baud) {
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    default: return B300;
    }
}

int port_pty_open(struct port_serve *p, char *err, size_t n)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
        snprintf(err, n, "--optical: cannot create a pty: %s", strerror(errno));
        if (m >= 0)
            close(m);
        return -1;
    }
    const char *slave = ptsname(m);
    int s = slave != NULL ? open(slave, O_RDWR | O_NOCTTY) : -1;
    if (s < 0) {
        snprintf(err, n, "--optical: cannot open the pty slave: %s", strerror(errno));
        close(m);
        return -1;
    }
    /* raw line: no echo, no CR/LF translation, 8-bit clean */
    struct termios t;
    tcgetattr(s, &t);
    cfmakeraw(&t);
    cfsetispeed(&t, B300);
    cfsetospeed(&t, B300);
    tcsetattr(s, TCSANOW, &t);
    int fl = fcntl(m, F_GETFL, 0);
    fcntl(m, F_SETFL, fl | O_NONBLOCK);
    unlink(p->path);
    if (symlink(slave, p->path) < 0) {
        snprintf(err, n, "--optical: cannot create %s: %s", p->path, strerror(errno));
        close(s);
        close(m);
        return -1;
    }
    p->fd = m;
    p->slave_fd = s;
    fprintf(stderr, "trimeter-sim: %s port on pty %s -> %s\n", p->name ? p->name : "optical", p->path, slave);
    return 0;
}

void port_pty_line(struct port_serve *p)
{
    struct termios t;
    if (p->slave_fd < 0 || tcgetattr(p->slave_fd, &t) < 0)
        return;
    cfsetispeed(&t, port_speed(p->baud));
    cfsetospeed(&t, port_speed(p->baud));
    tcsetattr(p->slave_fd, TCSANOW, &t);
}

void port_pty_close(struct port_serve *p)
{
    if (p->slave_fd >= 0)
        close(p->slave_fd);
    p->slave_fd = -1;
    if (p->path[0] != '\0')
        unlink(p->path);
}
