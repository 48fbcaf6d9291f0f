/*
 * tui.c — plain-text screen and raw keyboard of the interactive simulator.
 */
#include "tui.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* For the atexit() restore: the one terminal this process put in raw mode. */
static struct tui *tui_active;

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

static void tui_restore_at_exit(void)
{
    if (tui_active != NULL)
        tui_close(tui_active);
}

int tui_open(struct tui *t)
{
    static bool registered;
    memset(t, 0, sizeof *t);
    t->in_fd = STDIN_FILENO;
    t->out_fd = STDOUT_FILENO;
    if (!isatty(t->in_fd) || !isatty(t->out_fd) || tcgetattr(t->in_fd, &t->saved) != 0)
        return -1;
    struct termios raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(t->in_fd, TCSANOW, &raw) != 0)
        return -1;
    t->raw = true;
    tui_active = t;
    if (!registered) {
        atexit(tui_restore_at_exit);
        registered = true;
    }
    static const char enter[] = "\033[?1049h\033[?25l\033[2J";
    write_all(t->out_fd, enter, sizeof enter - 1);
    return 0;
}

void tui_close(struct tui *t)
{
    if (!t->raw)
        return;
    static const char leave[] = "\033[?25h\033[?1049l";
    write_all(t->out_fd, leave, sizeof leave - 1);
    tcsetattr(t->in_fd, TCSAFLUSH, &t->saved);
    t->raw = false;
    if (tui_active == t)
        tui_active = NULL;
}

int tui_wait_key(struct tui *t, int timeout_ms)
{
    struct pollfd p = {.fd = t->in_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
        return -1;
    unsigned char c;
    if (read(t->in_fd, &c, 1) != 1)
        return -1;
    return c;
}

#define LINE(...)                                                              \
    do {                                                                       \
        if (len < sizeof buf)                                                  \
            len += (size_t)snprintf(buf + len, sizeof buf - len, __VA_ARGS__); \
    } while (0)

void tui_draw(struct tui *t, const struct tui_view *v)
{
    char buf[8192];
    size_t len = 0;
    LINE("\033[H");
    LINE(" trimeter virtual meter   %s\033[K\r\n", v->time);
    LINE("\033[K\r\n");
    LINE("   +-------------------------------------+\033[K\r\n");
    LINE("   |  %-7s %14s %-8s    |\033[K\r\n", v->disp_id, v->disp_value, v->disp_unit);
    LINE("   |  %-34s |\033[K\r\n", v->power_on ? v->disp_text : "(no mains: battery)");
    LINE("   +-------------------------------------+\033[K\r\n");
    LINE("   relay %-6s  pulses %-10llu %s%s%s\033[K\r\n", v->relay_closed ? "closed" : "OPEN",
         (unsigned long long)v->pulses, v->cover_open ? " COVER-OPEN" : "", v->magnet ? " MAGNET" : "",
         v->neutral_lost ? " NEUTRAL-LOST" : "");
    LINE("   load: %s   feed: %s\033[K\r\n", v->segment, v->feed);
    LINE("\033[K\r\n");
    for (unsigned k = 0; k < v->nrows && k < TUI_ROWS_MAX; k++)
        LINE("   %-8s %14s %-5s %s\033[K\r\n", v->rows[k].id, v->rows[k].value, v->rows[k].unit, v->rows[k].name);
    LINE("\033[K\r\n");
    LINE(" keys: d display  D long display  b disconnector  B long disconnector\033[K\r\n");
    LINE("       c cover open/close  m magnet on/off  q quit (state saved)\033[K\r\n");
    LINE(" %s\033[K\r\n", v->note);
    LINE("\033[J");
    write_all(t->out_fd, buf, len < sizeof buf ? len : sizeof buf - 1);
}
