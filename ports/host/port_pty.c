/*
 * port_pty.c — a port on a pseudo-terminal: PATH becomes a symlink to the
 * slave device, which any serial tool opens like a USB optical head or
 * RS-485 adapter. The baud rate is honoured: the meter's line changes set
 * the termios speed, and port_serve.c paces output at 10 bits per
 * character. The slave side is not held open here, so a client closing it
 * is seen as a hang-up (POLLHUP on the master) and ends the session.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
        snprintf(err, n, "--%s: cannot create a pty: %s", p->name, strerror(errno));
        if (m >= 0)
            close(m);
        return -1;
    }
    const char *slave = ptsname(m);
    int s = slave != NULL ? open(slave, O_RDWR | O_NOCTTY) : -1;
    if (s < 0) {
        snprintf(err, n, "--%s: cannot open the pty slave: %s", p->name, strerror(errno));
        close(m);
        return -1;
    }
    /* raw line: no echo, no CR/LF translation, 8-bit clean (kept by the
     * pty when the slave is closed and opened again) */
    struct termios t;
    tcgetattr(s, &t);
    cfmakeraw(&t);
    cfsetispeed(&t, B300);
    cfsetospeed(&t, B300);
    tcsetattr(s, TCSANOW, &t);
    close(s);
    int fl = fcntl(m, F_GETFL, 0);
    fcntl(m, F_SETFL, fl | O_NONBLOCK);
    unlink(p->path);
    if (symlink(slave, p->path) < 0) {
        snprintf(err, n, "--%s: cannot create %s: %s", p->name, p->path, strerror(errno));
        close(m);
        return -1;
    }
    p->slot[0].fd = m;
    p->slot[0].up = true; /* until the master sees a hang-up */
    fprintf(stderr, "trimeter-sim: %s port on pty %s -> %s\n", p->name, p->path, slave);
    return 0;
}

/* Whether a client holds the slave side open (no POLLHUP on the master). */
bool port_pty_up(const struct port_slot *s)
{
    struct pollfd pf = {.fd = s->fd, .events = POLLIN, .revents = 0};
    if (s->fd < 0 || poll(&pf, 1, 0) < 0)
        return false;
    return (pf.revents & POLLHUP) == 0;
}

void port_pty_line(struct port_slot *s)
{
    struct termios t;
    if (s->fd < 0 || tcgetattr(s->fd, &t) < 0)
        return;
    cfsetispeed(&t, port_speed(s->baud));
    cfsetospeed(&t, port_speed(s->baud));
    tcsetattr(s->fd, TCSANOW, &t);
}

void port_pty_close(struct port_serve *p)
{
    if (p->path[0] != '\0')
        unlink(p->path);
}
